// A few helpers for building SVG with the DOM (never markup strings), so text from the core
// is always set as text.

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svgElement(doc, name, attributes = {}, text) {
  const node = doc.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Linear map from a data range onto a pixel range.
export function linearScale(domainMax, rangeStart, rangeEnd) {
  const span = domainMax > 0 ? domainMax : 1;
  return (value) => rangeStart + (value / span) * (rangeEnd - rangeStart);
}

// Round axis steps (1, 2, 2.5 or 5 times a power of ten) that give about `wanted` ticks.
export function niceTicks(max, wanted = 4) {
  if (!(max > 0)) return [0];
  const raw = max / wanted;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let t = 0; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toFixed(10)));
  return ticks;
}
