// The stacked bar of one GPU's memory, drawn from an estimate response as-is. Widths are
// shares of the GPU's total memory; the legend carries the exact figures.

import { gib, show } from './format.js';

// Bottom-to-top order of vLLM's start-up: weights load first, the KV cache takes what is
// left of the budget, and the rest of the card stays unused.
export const SEGMENTS = [
  { key: 'weights_gib', label: 'Weights', tone: 'weights' },
  { key: 'activation_gib', label: 'Activation peak', tone: 'activation' },
  { key: 'non_torch_gib', label: 'Non-torch', tone: 'nontorch' },
  { key: 'cudagraph_gib', label: 'CUDA graphs', tone: 'graphs' },
  { key: 'kv_cache_gib', label: 'KV cache', tone: 'kv' },
  { key: 'unused_gib', label: 'Unused', tone: 'unused' },
];

// Builds the bar and legend once; update() fills them. Returns {element, update}.
export function createMemoryBar(doc = document) {
  const root = doc.createElement('div');
  root.className = 'memory-bar';

  const bar = doc.createElement('div');
  bar.className = 'bar';
  bar.setAttribute('role', 'img');
  const legend = doc.createElement('ul');
  legend.className = 'legend';

  const parts = SEGMENTS.map((segment) => {
    const piece = doc.createElement('div');
    piece.className = `segment tone-${segment.tone}`;
    const pieceLabel = doc.createElement('span');
    piece.append(pieceLabel);
    bar.append(piece);

    const item = doc.createElement('li');
    const swatch = doc.createElement('span');
    swatch.className = `swatch tone-${segment.tone}`;
    swatch.setAttribute('aria-hidden', 'true');
    const name = doc.createElement('span');
    name.className = 'legend-name';
    name.textContent = segment.label;
    const value = doc.createElement('span');
    value.className = 'legend-value';
    value.dataset.key = segment.key;
    item.append(swatch, name, value);
    legend.append(item);
    return { segment, piece, pieceLabel, value };
  });

  // Two marks over the bar: where vLLM's budget ends (gpu_memory_utilization x total) and,
  // when a setup asks for more than the card has, where the card ends.
  const frame = doc.createElement('div');
  frame.className = 'bar-frame';
  const budgetMark = doc.createElement('div');
  budgetMark.className = 'bar-mark budget-mark';
  budgetMark.setAttribute('aria-hidden', 'true');
  const limitMark = doc.createElement('div');
  limitMark.className = 'bar-mark limit-mark';
  limitMark.setAttribute('aria-hidden', 'true');
  frame.append(bar, budgetMark, limitMark);

  const scale = doc.createElement('div');
  scale.className = 'bar-scale';
  const scaleStart = doc.createElement('span');
  scaleStart.textContent = '0';
  const scaleEnd = doc.createElement('span');
  scaleEnd.className = 'scale-end';
  scaleEnd.dataset.key = 'total_gib';
  scale.append(scaleStart, scaleEnd);

  root.append(frame, scale, legend);

  function update(result) {
    // A setup that does not fit can ask for more than the card has; the bar then spans the
    // larger of the two so nothing is cut off, and the verdict says why.
    const shown = SEGMENTS.reduce((sum, s) => sum + Math.max(0, result[s.key] || 0), 0);
    const span = Math.max(result.total_gib || 0, shown) || 1;
    const description = [];
    for (const { segment, piece, pieceLabel, value } of parts) {
      const amount = Math.max(0, result[segment.key] || 0);
      const share = (amount / span) * 100;
      piece.style.width = `${share}%`;
      piece.hidden = amount === 0;
      pieceLabel.textContent = gib(amount);
      piece.title = `${segment.label}: ${gib(result[segment.key] ?? 0)}`;
      show(value, result[segment.key], gib);
      description.push(`${segment.label} ${gib(result[segment.key] ?? 0)}`);
    }
    show(scaleEnd, result.total_gib, (v) => `${gib(v)} per GPU`);
    const total = result.total_gib || 0;
    const overflow = total < span;
    limitMark.hidden = !overflow;
    limitMark.style.left = `${(total / span) * 100}%`;
    // With an overflow the card's size is written under its mark, not at the bar's end.
    scaleEnd.style.marginRight = overflow ? `${100 - (total / span) * 100}%` : '';
    scaleEnd.style.transform = overflow ? 'translateX(50%)' : '';
    budgetMark.hidden = !(result.requested_gib > 0);
    budgetMark.style.left = `${((result.requested_gib || 0) / span) * 100}%`;
    budgetMark.title = `vLLM's budget: ${gib(result.requested_gib || 0)}`;
    bar.setAttribute('aria-label', `Memory of one GPU: ${description.join(', ')}`);
    fitLabels();
  }

  // A label that does not fit its segment is dropped (the legend still has the number).
  // Fitting is arithmetic on the bar's width (kept by a ResizeObserver) and the labels' text
  // widths (measured on a canvas in the labels' font): reading an element's width right after
  // changing the bar would force a layout in the middle of every update.
  let barWidth = 0;
  let pen = null;
  function textWidth(text) {
    if (!pen) {
      pen = doc.createElement('canvas').getContext('2d');
      // Built from the longhands: the `font` shorthand reads as "" when a property it cannot
      // express is set (the labels use tabular numbers), and the canvas would keep 10px.
      const cs = getComputedStyle(parts[0].pieceLabel);
      if (pen) pen.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    }
    return pen ? pen.measureText(text).width : text.length * 8;
  }
  const observed = typeof ResizeObserver === 'function';
  function fitLabels() {
    // Without a ResizeObserver (old browsers) the width is read here, at the cost of a layout.
    const width = observed ? barWidth : bar.clientWidth;
    if (!width) return; // not laid out yet: the observer calls again once it is
    for (const { piece, pieceLabel } of parts) {
      const room = (parseFloat(piece.style.width) / 100) * width;
      pieceLabel.hidden = textWidth(pieceLabel.textContent) > room - 6;
    }
  }
  if (observed) {
    new ResizeObserver(([entry]) => {
      barWidth = entry.contentRect.width;
      pen = null; // a zoom or a text-size change resizes the bar: measure in the new font
      fitLabels();
    }).observe(bar);
  }

  return { element: root, update };
}
