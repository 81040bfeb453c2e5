// The planner's context x concurrency map (plan.heatmap) as a table: one row per
// max_model_len (longest on top), one column per number of concurrent requests. A cell fits
// when the KV cache at that length holds that many requests: max_concurrency[row] >=
// concurrencies[col], the rule docs/api.md gives. The target's cell is ringed.

import { count } from './format.js';

// 131072 -> "128k", as context lengths are usually named (k = 1024): row heads stay narrow.
function short(tokens) {
  if (tokens < 1024) return String(tokens);
  const k = tokens / 1024;
  return `${k < 10 ? Number(k.toFixed(1)) : Math.round(k)}k`;
}

// The grid position closest to a value on the map's logarithmic axes.
function nearest(values, target) {
  let best = 0;
  for (let i = 1; i < values.length; i += 1) {
    if (Math.abs(Math.log(values[i] / target)) < Math.abs(Math.log(values[best] / target))) best = i;
  }
  return best;
}

function cellText(context, concurrency, room) {
  const setup = `${count(context)} tokens × ${count(concurrency)} request${concurrency === 1 ? '' : 's'}`;
  if (!(room > 0)) return `${setup}: vLLM does not start at this length`;
  const verdict = room >= concurrency ? 'fits' : 'does not fit';
  return `${setup}: ${verdict} (room for ${room.toFixed(1)})`;
}

// heatmap: {contexts, concurrencies, max_concurrency}; target: {context, concurrency}.
export function renderHeatmap(container, heatmap, target, doc = document) {
  const contexts = heatmap?.contexts || [];
  const concurrencies = heatmap?.concurrencies || [];
  const room = heatmap?.max_concurrency || [];
  if (!contexts.length || !concurrencies.length) {
    container.replaceChildren();
    return;
  }
  const targetRow = nearest(contexts, target.context);
  const targetCol = nearest(concurrencies, target.concurrency);

  const table = doc.createElement('table');
  table.className = 'heatmap';
  const caption = doc.createElement('caption');
  caption.className = 'visually-hidden';
  caption.textContent = 'Which max_model_len and concurrency fit: rows are max_model_len in tokens, columns concurrent requests';
  const head = doc.createElement('tr');
  const corner = doc.createElement('th');
  corner.className = 'heatmap-corner';
  corner.scope = 'col';
  corner.textContent = 'tokens';
  head.append(corner);
  for (const concurrency of concurrencies) {
    const th = doc.createElement('th');
    th.scope = 'col';
    th.className = 'heatmap-col';
    th.title = `${count(concurrency)} concurrent requests`;
    const label = doc.createElement('span');
    label.textContent = count(concurrency);
    th.append(label);
    head.append(th);
  }
  const thead = doc.createElement('thead');
  thead.append(head);

  const tbody = doc.createElement('tbody');
  for (let row = contexts.length - 1; row >= 0; row -= 1) {
    const tr = doc.createElement('tr');
    const th = doc.createElement('th');
    th.scope = 'row';
    th.className = 'heatmap-row';
    th.title = `max_model_len ${count(contexts[row])}`;
    th.textContent = short(contexts[row]);
    tr.append(th);
    for (let col = 0; col < concurrencies.length; col += 1) {
      const td = doc.createElement('td');
      const fits = room[row] > 0 && room[row] >= concurrencies[col];
      td.className = fits ? 'fits' : 'no-fit';
      td.dataset.fits = String(fits);
      td.dataset.context = String(contexts[row]);
      td.dataset.concurrency = String(concurrencies[col]);
      td.title = cellText(contexts[row], concurrencies[col], room[row]);
      const said = doc.createElement('span');
      said.className = 'visually-hidden';
      said.textContent = fits ? 'fits' : 'no';
      td.append(said);
      if (row === targetRow && col === targetCol) {
        td.classList.add('target');
        td.setAttribute('aria-current', 'true');
        said.textContent += ' (your target)';
      }
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.append(caption, thead, tbody);
  container.replaceChildren(table);
}
