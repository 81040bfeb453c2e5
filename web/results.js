// Draws one estimate response into the result area. Every figure is the core's; this file
// only chooses how to write it. Elements that show a response key carry data-key (and the
// exact number in data-value), which is also what the browser tests read.

import { gib, count, times, show } from './format.js';
import { createMemoryBar } from './memory-bar.js';
import { createCudagraphChart } from './cudagraph-chart.js';
import { renderFormulas } from './formulas.js';

// Ranks table: the usual columns first, in the order of the memory bar, under short
// headings (the response key is the heading's tooltip); any other columns after.
const RANK_COLUMNS = {
  rank: 'Rank', pp_stage: 'PP stage', layers: 'Layers', weights_gib: 'Weights',
  activation_gib: 'Activation', non_torch_gib: 'Non-torch', cudagraph_gib: 'Graphs',
  kv_cache_gib: 'KV cache', num_gpu_blocks_own: 'Blocks', limiting: 'Limiting',
};

const FORMATTERS = {
  num_gpu_blocks: count,
  kv_cache_tokens: count,
  max_concurrency: times,
  largest_fitting_max_model_len: count,
};

export function createResultView(root) {
  const memoryBar = createMemoryBar(root.ownerDocument);
  root.querySelector('#memory-bar').append(memoryBar.element);
  const chart = createCudagraphChart(root.ownerDocument);
  root.querySelector('#cudagraph-chart').append(chart.element);

  // "formula" buttons on the headline figures open that term's <details> below.
  root.addEventListener('click', (event) => {
    const button = event.target.closest('[data-formula]');
    if (!button) return;
    const details = root.querySelector(`#formula-${CSS.escape(button.dataset.formula)}`);
    if (!details) return;
    details.open = true;
    details.scrollIntoView({ block: 'center' });
    details.querySelector('summary').focus();
  });

  function render(result) {
    for (const element of root.querySelectorAll('.stats [data-key], .panel-head [data-key], #longest-line [data-key]')) {
      const key = element.dataset.key;
      if (key === 'max_model_len') {
        show(element, result.settings?.max_model_len, count);
      } else {
        show(element, result[key], FORMATTERS[key] || gib);
      }
    }
    renderVerdict(root, result);
    root.querySelector('#longest-line').hidden = typeof result.largest_fitting_max_model_len !== 'number';
    memoryBar.update(result);
    chart.update(result);

    const graphs = result.cudagraph || {};
    root.querySelector('#graphs-sub').textContent = (graphs.graphs_total || 0) > 0
      ? `${count(graphs.graphs_total)} graphs, ${count((graphs.capture_sizes || []).length)} sizes`
      : 'none captured';
    const params = result.model?.params_b;
    root.querySelector('#model-params').textContent =
      typeof params === 'number' ? `${params.toFixed(2)} B parameters in all` : '';

    const serve = root.querySelector('#vllm-serve');
    serve.textContent = result.vllm_serve || '';
    renderNotes(root.querySelector('#notes'), result.notes);
    renderRanks(root.querySelector('#ranks-panel'), result.ranks);
    renderFormulas(root.querySelector('#formulas'), result.terms);
    const termKeys = new Set((result.terms || []).map((t) => t.key));
    for (const button of root.querySelectorAll('[data-formula]')) {
      button.hidden = !termKeys.has(button.dataset.formula);
    }
  }

  return { render };
}

function renderVerdict(root, result) {
  const verdict = root.querySelector('#verdict');
  verdict.classList.toggle('fits', result.fits === true);
  verdict.classList.toggle('no-fit', result.fits !== true);
  const title = verdict.querySelector('[data-key="fits"]');
  title.textContent = result.fits ? 'Fits' : 'Does not fit';
  title.dataset.value = String(result.fits === true);
  const reason = verdict.querySelector('[data-key="fit_reason"]');
  reason.textContent = result.fit_reason
    || (result.fits ? 'vLLM starts, with room for the KV cache shown below.' : '');

  const s = result.settings || {};
  const parts = [
    result.model?.name || result.model?.architecture,
    `on ${result.gpu?.name || 'GPU'}`,
    `TP ${s.tensor_parallel_size ?? '?'} · PP ${s.pipeline_parallel_size ?? '?'}`,
    `vLLM ${s.vllm_version ?? '?'}`,
  ].filter(Boolean);
  root.querySelector('#setup-line').textContent = parts.join(' · ');
}

function renderNotes(list, notes) {
  const items = (notes || []).map((note) => {
    const item = list.ownerDocument.createElement('li');
    item.textContent = note;
    return item;
  });
  if (!items.length) {
    const none = list.ownerDocument.createElement('li');
    none.textContent = 'No special assumptions for this setup.';
    items.push(none);
  }
  list.replaceChildren(...items);
}

// Shown only when the ranks differ in what they hold (TP > 1 or PP > 1).
function renderRanks(panel, ranks) {
  const rows = ranks || [];
  panel.hidden = rows.length < 2;
  if (panel.hidden) return;
  const doc = panel.ownerDocument;
  const known = Object.keys(RANK_COLUMNS).filter((c) => c in rows[0]);
  const columns = [...known, ...Object.keys(rows[0]).filter((c) => !known.includes(c))];
  const head = doc.createElement('tr');
  for (const column of columns) {
    const th = doc.createElement('th');
    th.scope = 'col';
    th.textContent = RANK_COLUMNS[column] || column;
    th.title = column;
    head.append(th);
  }
  const body = rows.map((rank) => {
    const tr = doc.createElement('tr');
    if (rank.limiting === true) tr.className = 'limiting';
    for (const column of columns) {
      const td = doc.createElement('td');
      const value = rank[column];
      if (typeof value === 'boolean') {
        td.textContent = value ? 'yes' : '';
      } else if (typeof value === 'number') {
        td.textContent = column.endsWith('_gib') ? value.toFixed(2) : count(value);
      } else {
        td.textContent = String(value ?? '');
      }
      tr.append(td);
    }
    return tr;
  });
  const thead = doc.createElement('thead');
  thead.append(head);
  const tbody = doc.createElement('tbody');
  tbody.append(...body);
  panel.querySelector('#ranks').replaceChildren(thead, tbody);
}
