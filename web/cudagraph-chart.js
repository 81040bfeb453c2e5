// The CUDA-graph panel: how graph memory builds up over the capture sizes, drawn from the
// core's response.cudagraph, next to the flat rule of thumb people usually budget.
//
// vLLM captures the largest size first into one shared pool; every smaller graph reuses
// that pool and adds only a fixed per-graph cost. So the curve starts at the pool (set by
// the largest size) and climbs a little with each further graph, right to left.

import { gib, count, show } from './format.js';
import { svgElement, linearScale, niceTicks } from './svg.js';

// Drawn at the size it is shown (one SVG unit = one CSS pixel), so labels stay legible on a
// phone; a ResizeObserver redraws when the panel's width changes.
const HEIGHT = 270;
const MARGIN = { top: 24, right: 14, bottom: 70, left: 70 };

export function createCudagraphChart(doc = document) {
  const root = doc.createElement('div');
  root.className = 'cudagraph';

  const figure = doc.createElement('figure');
  figure.className = 'chart';
  const svg = svgElement(doc, 'svg', { role: 'img', 'aria-labelledby': 'cudagraph-caption' });
  const caption = doc.createElement('figcaption');
  caption.id = 'cudagraph-caption';
  caption.className = 'muted';
  figure.append(svg, caption);

  const facts = doc.createElement('dl');
  facts.className = 'facts';
  const factRows = {};
  for (const [key, label] of [
    ['mode', 'Mode'],
    ['capture_sizes', 'Capture sizes'],
    ['piecewise', 'Piecewise graphs'],
    ['full_graphs', 'Full graphs'],
    ['pool_gib', 'Pool (largest size)'],
    ['per_graph_mib', 'Per graph'],
    ['cudagraph_gib', 'Total'],
    ['budget', 'Counted before the KV cache'],
  ]) {
    const row = doc.createElement('div');
    const term = doc.createElement('dt');
    term.textContent = label;
    const value = doc.createElement('dd');
    value.dataset.key = `cudagraph.${key}`;
    row.append(term, value);
    facts.append(row);
    factRows[key] = value;
  }

  root.append(figure, facts);

  let last = null;
  let drawnWidth = 0;
  // The figure's width comes from a ResizeObserver, never read during an update: reading it
  // there forced a layout of the whole page before the first result could be drawn.
  let figureWidth = 720;
  function draw() {
    const width = Math.max(300, Math.round(figureWidth));
    drawnWidth = width;
    svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
    svg.replaceChildren(...drawChart(doc, last, width));
  }
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(([entry]) => {
      if (entry.contentRect.width > 0) figureWidth = entry.contentRect.width;
      if (last && Math.max(300, Math.round(figureWidth)) !== drawnWidth) draw();
    }).observe(figure);
  }

  function update(result) {
    last = result;
    draw();
    caption.textContent = describe(result.cudagraph || {}, result);
    fillFacts(factRows, result.cudagraph || {}, result);
  }

  return { element: root, update };
}

function describe(graphs, result) {
  const sizes = graphs.capture_sizes || [];
  if (!sizes.length) {
    return 'No CUDA graphs are captured (enforce_eager or a mode without graphs): 0 GiB, '
      + 'against the usual 1.5–2 GiB rule of thumb.';
  }
  return `Graph memory as vLLM captures ${sizes.length} sizes, largest (${count(graphs.largest_capture)}) first: `
    + `${gib(result.cudagraph_gib)} in all, against the flat rule of thumb shown as a band.`;
}

function fillFacts(rows, graphs, result) {
  const sizes = graphs.capture_sizes || [];
  rows.mode.textContent = graphs.mode ? graphs.mode.toLowerCase().replaceAll('_', ' ') : 'none';
  rows.capture_sizes.textContent = sizes.length
    ? `${sizes.length} (${count(sizes[0])} … ${count(sizes[sizes.length - 1])} tokens)`
    : 'none';
  rows.piecewise.textContent = `${count(graphs.piecewise_graphs || 0)} sizes × ${count(graphs.pieces_per_size || 0)} pieces`;
  show(rows.full_graphs, graphs.full_graphs ?? 0, count);
  const { pool, fixed } = fixedGib(result);
  show(rows.pool_gib, pool, (v) => (fixed ? `${gib(v)} + ${gib(fixed)} fixed` : gib(v)));
  rows.per_graph_mib.textContent =
    `${(graphs.per_graph_mib ?? 0).toFixed(2)} MiB piecewise, ${(graphs.per_full_graph_mib ?? 0).toFixed(2)} MiB full`;
  show(rows.cudagraph_gib, result.cudagraph_gib, gib);
  rows.budget.textContent = graphs.subtracted_from_kv_budget
    ? 'yes, it shrinks the KV cache'
    : 'no, it uses the unused part';
}

// The part of the graph memory that does not depend on the number of graphs: the pool
// (set by the largest size) plus the core's fixed cost, where its formula has one.
function fixedGib(result) {
  const graphs = result.cudagraph || {};
  const term = (result.terms || []).find((t) => t.key === 'cudagraph_gib');
  const fixed = graphs.fixed_gib ?? term?.inputs?.fixed_gib ?? 0;
  return { pool: graphs.pool_gib || 0, fixed: typeof fixed === 'number' ? fixed : 0 };
}

// Points (capture size, GiB so far) in capture order, largest size first: the pool and fixed
// cost, then each size's piecewise graphs (and its full graph, for the sizes that get one).
// Every amount is the core's; the chart only accumulates them for drawing, and the browser
// tests check that the last point lands on the core's total.
function capturePath(result) {
  const graphs = result.cudagraph || {};
  const ascending = [...(graphs.capture_sizes || [])].sort((a, b) => a - b);
  const fullCount = graphs.full_graphs || 0;
  const piecewiseMib = (graphs.pieces_per_size || 0) * (graphs.per_graph_mib || 0);
  const { pool, fixed } = fixedGib(result);
  const points = [];
  let total = pool + fixed;
  for (let i = ascending.length - 1; i >= 0; i -= 1) {
    total += piecewiseMib / 1024;
    // Full graphs are captured for the decode sizes, the smallest ones (up to max_num_seqs).
    if (i < fullCount) total += (graphs.per_full_graph_mib || 0) / 1024;
    points.push([ascending[i], total]);
  }
  return points;
}

function drawChart(doc, result, width) {
  const graphs = result.cudagraph || {};
  const totalGib = result.cudagraph_gib || 0;
  const { pool, fixed } = fixedGib(result);
  const sizes = graphs.capture_sizes || [];
  const rule = graphs.flat_rule_of_thumb_gib || [1.5, 2];
  const points = capturePath(result);
  const yMax = Math.max(rule[1], totalGib, ...points.map((p) => p[1])) * 1.12;
  const xMax = Math.max(graphs.largest_capture || 0, ...sizes, 1);
  const x = linearScale(xMax, MARGIN.left, width - MARGIN.right);
  const y = linearScale(yMax, HEIGHT - MARGIN.bottom, MARGIN.top);
  const nodes = [];

  for (const tick of niceTicks(yMax)) {
    nodes.push(svgElement(doc, 'line', {
      class: 'grid', x1: MARGIN.left, x2: width - MARGIN.right, y1: y(tick), y2: y(tick),
    }));
    nodes.push(svgElement(doc, 'text', {
      class: 'tick', x: MARGIN.left - 8, y: y(tick) + 4, 'text-anchor': 'end',
    }, `${tick}`));
  }

  nodes.push(svgElement(doc, 'rect', {
    class: 'rule-band', x: MARGIN.left, width: width - MARGIN.left - MARGIN.right,
    y: y(rule[1]), height: Math.max(1, y(rule[0]) - y(rule[1])),
  }));
  nodes.push(svgElement(doc, 'text', {
    class: 'rule-label', x: MARGIN.left + 8, y: y(rule[1]) - 6,
  }, `rule of thumb: ${rule[0]}–${rule[1]} GiB`));

  if (points.length) {
    const first = points[0];
    let d = `M${x(first[0])},${y(0)} L${x(first[0])},${y(pool + fixed)} L${x(first[0])},${y(first[1])}`;
    for (const [size, gibSoFar] of points.slice(1)) d += ` L${x(size)},${y(gibSoFar)}`;
    const last = points[points.length - 1];
    nodes.push(svgElement(doc, 'path', {
      class: 'area', d: `${d} L${x(last[0])},${y(0)} Z`,
    }));
    nodes.push(svgElement(doc, 'path', { class: 'curve', d, 'data-end-gib': last[1] }));
    nodes.push(svgElement(doc, 'circle', { class: 'pool-dot', cx: x(first[0]), cy: y(pool + fixed), r: 4 }));
    // The dot marks where capture starts (its parts are listed under the chart). Its short
    // label goes under it, or over it when the axis is too close, or nowhere.
    const dotY = y(pool + fixed);
    const base = HEIGHT - MARGIN.bottom;
    const labelY = base - dotY > 22 ? dotY + 18 : dotY - y(totalGib) > 22 ? dotY - 10 : null;
    if (labelY !== null) {
      nodes.push(svgElement(doc, 'text', {
        class: 'annotation', x: x(first[0]) - 8, y: labelY, 'text-anchor': 'end',
      }, fixed ? 'pool + fixed cost' : 'pool'));
    }
  }

  nodes.push(svgElement(doc, 'line', {
    class: 'total-line', x1: MARGIN.left, x2: width - MARGIN.right, y1: y(totalGib), y2: y(totalGib),
  }));
  nodes.push(svgElement(doc, 'text', {
    class: 'total-label', x: width - MARGIN.right - 4, y: y(totalGib) - 6, 'text-anchor': 'end',
  }, `this setup: ${gib(totalGib)}`));

  // One tick per captured size along the axis: piecewise for all, full for the smallest.
  const base = HEIGHT - MARGIN.bottom;
  const rows = [['piecewise', 'rug-piecewise', 5], ['full', 'rug-full', 19]];
  for (const [label, tone, offset] of rows) {
    nodes.push(svgElement(doc, 'text', {
      class: `rug-label ${tone}`, x: MARGIN.left - 8, y: base + offset + 8, 'text-anchor': 'end',
    }, label));
  }
  const ascending = [...sizes].sort((a, b) => a - b);
  ascending.forEach((size, i) => {
    nodes.push(svgElement(doc, 'line', {
      class: 'rug rug-piecewise', x1: x(size), x2: x(size), y1: base + 5, y2: base + 14,
    }));
    if (i < (graphs.full_graphs || 0)) {
      nodes.push(svgElement(doc, 'line', {
        class: 'rug rug-full', x1: x(size), x2: x(size), y1: base + 19, y2: base + 28,
      }));
    }
  });
  nodes.push(svgElement(doc, 'line', {
    class: 'axis', x1: MARGIN.left, x2: width - MARGIN.right, y1: base, y2: base,
  }));
  for (const tick of niceTicks(xMax, 5)) {
    nodes.push(svgElement(doc, 'text', {
      class: 'tick', x: x(tick), y: base + 44, 'text-anchor': 'middle',
    }, count(tick)));
  }
  nodes.push(svgElement(doc, 'text', {
    class: 'axis-title', x: (MARGIN.left + width - MARGIN.right) / 2, y: HEIGHT - 6, 'text-anchor': 'middle',
  }, 'capture size (tokens in one forward step)'));
  nodes.push(svgElement(doc, 'text', {
    class: 'axis-title', x: MARGIN.left - 8, y: MARGIN.top - 8, 'text-anchor': 'end',
  }, 'GiB'));
  return nodes;
}
