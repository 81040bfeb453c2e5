// "Check against your vLLM log" (issue 8): a pasted start-up log, read by the core
// (Module.checkLog), shown as logged against predicted term by term, with the core's
// explanation of the largest miss, and a button that keeps the log's measured terms as the
// page's calibration (calibration.js). The log text is the person's: it is only ever set as
// text, and it is neither stored nor put in the URL.

import { call } from './engine.js';
import { count, gib, times } from './format.js';
import { createLazyRunner } from './lazy-panel.js';
import { calibrationFromCheck, TERM_LABELS } from './calibration.js';

const TYPING_DELAY_MS = 400;

// GiB rows carry the unit in their label, so the numbers fit a phone's width.
const inGib = (value) => value.toFixed(2);
const ROWS = [
  { key: 'weights_gib', label: 'Weights', unit: 'GiB', format: inGib },
  { key: 'activation_gib', label: 'Activation peak', unit: 'GiB', format: inGib },
  { key: 'non_torch_gib', label: 'Non-torch', unit: 'GiB', format: inGib },
  { key: 'cudagraph_gib', label: 'CUDA graphs', unit: 'GiB', format: inGib },
  { key: 'kv_cache_gib', label: 'KV cache', unit: 'GiB', format: inGib },
  { key: 'num_gpu_blocks', label: 'GPU blocks', format: count },
  { key: 'kv_cache_tokens', label: 'KV cache tokens', format: count },
  { key: 'max_concurrency', label: 'Max concurrency', format: times },
];

// What the log says about the setup, in the order people read a command line.
const SETTINGS = [
  ['vllm_version', (v) => `vLLM ${v}`],
  ['model', (v) => v],
  ['gpu_name', (v) => v],
  ['total_gpu_memory_gib', (v) => `${gib(v)} per GPU`],
  ['tensor_parallel_size', (v) => `TP ${v}`],
  ['pipeline_parallel_size', (v) => `PP ${v}`],
  ['max_model_len', (v) => `max_model_len ${count(v)}`],
  ['max_num_seqs', (v) => `max_num_seqs ${count(v)}`],
  ['max_num_batched_tokens', (v) => `max_num_batched_tokens ${count(v)}`],
  ['gpu_memory_utilization', (v) => `gpu_memory_utilization ${v}`],
  ['kv_cache_dtype', (v) => `kv_cache_dtype ${v}`],
  ['dtype', (v) => `dtype ${v}`],
  ['quantization', (v) => `quantization ${v}`],
  ['enforce_eager', (v) => (v ? 'enforce_eager' : 'CUDA graphs on')],
  ['skip_mm_profiling', (v) => (v ? 'skip_mm_profiling' : 'multimodal profiling on')],
  ['block_size', (v) => `block_size ${v}`],
];

const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);

function signed(value, format) {
  const text = format(Math.abs(value));
  if (value > 0) return `+${text}`;
  if (value < 0) return `−${text}`;
  return text;
}

// root: the <details id="log-panel">. onCalibrate(calibration, response) is called by the
// "Calibrate to this log" button.
export function createLogPanel(root, engine, onCalibrate) {
  const doc = root.ownerDocument;
  const el = {
    text: root.querySelector('#log-text'),
    file: root.querySelector('#log-file'),
    clear: root.querySelector('#clear-log'),
    error: root.querySelector('#log-error'),
    errorField: root.querySelector('#log-error-field'),
    errorMessage: root.querySelector('#log-error-message'),
    empty: root.querySelector('#log-empty'),
    result: root.querySelector('#log-result'),
    settings: root.querySelector('#log-settings'),
    table: root.querySelector('#log-table'),
    explanation: root.querySelector('#log-explanation'),
    notes: root.querySelector('#log-notes'),
    calibrate: root.querySelector('#calibrate'),
    calibrateHint: root.querySelector('#calibrate-hint'),
    calibratedNote: root.querySelector('#calibrated-note'),
    parsed: root.querySelector('#log-parsed'),
    parsedSummary: root.querySelector('#log-parsed-summary'),
    parsedLines: root.querySelector('#log-parsed-lines'),
  };
  let setupRequest = null;
  let last = null; // the last check-log response shown
  const runner = createLazyRunner(root, run, TYPING_DELAY_MS);

  el.text.addEventListener('input', () => {
    el.calibratedNote.hidden = true;
    refresh();
  });
  el.clear.addEventListener('click', () => {
    el.text.value = '';
    el.calibratedNote.hidden = true;
    el.text.focus();
    refresh(0);
  });
  el.file.addEventListener('change', async () => {
    const file = el.file.files[0];
    if (file) {
      el.text.value = await file.text();
      el.calibratedNote.hidden = true;
      refresh(0);
    }
    el.file.value = '';
  });
  el.calibrate.addEventListener('click', () => {
    const calibration = last && calibrationFromCheck(last);
    if (!calibration) return;
    onCalibrate(calibration, last);
    el.calibratedNote.hidden = false;
  });

  // request: the plain estimate request of the setup above (null while it has an error: the
  // log is then read on its own).
  function setSetup(request) {
    setupRequest = request;
    refresh();
  }

  function refresh(delay) {
    const text = el.text.value;
    if (!text.trim()) {
      last = null;
      el.result.hidden = true;
      el.empty.hidden = true;
      el.error.hidden = true;
      runner.set(null, null);
      return;
    }
    const request = { ...(setupRequest || {}), log: text };
    runner.set(request, JSON.stringify(request), delay);
  }

  function run(request) {
    const response = call(engine, 'checkLog', request);
    if (!response.ok) {
      last = null;
      el.result.hidden = true;
      el.empty.hidden = true;
      el.error.hidden = false;
      el.errorField.textContent = response.error?.field || 'log';
      el.errorMessage.textContent = response.error?.message || 'unknown error';
      return false;
    }
    el.error.hidden = true;
    const logged = response.logged || {};
    const found = Number(logged.lines_recognised) > 0;
    el.empty.hidden = found;
    el.result.hidden = !found;
    last = found ? response : null;
    if (found) render(response);
    return true;
  }

  function render(response) {
    const logged = response.logged || {};
    const predicted = response.predicted || null;
    renderSettings(logged);
    renderTable(response, logged, predicted);
    el.explanation.textContent = predicted ? response.explanation || '' : '';
    el.explanation.hidden = !el.explanation.textContent;

    const notes = [...(response.notes || [])];
    const loggedTotal = logged.total_gpu_memory_gib;
    if (predicted && isNumber(loggedTotal) && isNumber(predicted.total_gib)
        && Math.abs(loggedTotal - predicted.total_gib) > 0.5) {
      notes.push(`The log's GPU has ${gib(loggedTotal)}; the setup above has ${gib(predicted.total_gib)}. `
        + 'Pick the GPU the log ran on for a fair comparison.');
    }
    const loggedModel = typeof logged.model === 'string' ? logged.model : '';
    const setupModel = predicted?.model?.name || '';
    if (loggedModel && setupModel && baseName(loggedModel) !== baseName(setupModel)) {
      notes.push(`The log ran ${loggedModel}; the setup above is ${setupModel}. Pick the same model for a fair comparison.`);
    }
    el.notes.replaceChildren(...notes.map((note) => {
      const item = doc.createElement('li');
      item.textContent = note;
      return item;
    }));
    el.notes.hidden = !notes.length;

    const calibration = calibrationFromCheck(response);
    el.calibrate.disabled = !calibration;
    el.calibrateHint.textContent = calibration
      ? `Every estimate then takes ${listTerms(Object.keys(calibration.terms))} from this log, `
        + 'and the flags it reveals that you left empty.'
      : 'This log measures none of the terms a calibration replaces (weights, activation, non-torch, CUDA graphs).';

    const lines = response.parser_notes || [];
    el.parsedSummary.textContent = `What the parser read (${count(Number(logged.lines_recognised) || 0)} lines)`;
    el.parsedLines.replaceChildren(...lines.map((line) => {
      const item = doc.createElement('li');
      item.textContent = line;
      return item;
    }));
    el.parsed.hidden = !lines.length;
  }

  function renderSettings(logged) {
    const chips = [];
    for (const [key, write] of SETTINGS) {
      const value = logged[key];
      if (value === null || value === undefined || value === '') continue;
      const chip = doc.createElement('li');
      chip.textContent = write(value);
      chip.dataset.setting = key;
      chips.push(chip);
    }
    if (Array.isArray(logged.ranks_seen) && logged.ranks_seen.length > 1) {
      const chip = doc.createElement('li');
      chip.textContent = `${logged.ranks_seen.length} ranks`;
      chips.push(chip);
    }
    el.settings.replaceChildren(...chips);
    el.settings.hidden = !chips.length;
  }

  function renderTable(response, logged, predicted) {
    const head = doc.createElement('tr');
    for (const [text, title] of [['Term', ''], ['Logged', ''], ['Predicted', ''], ['Diff.', 'Predicted − logged']]) {
      const th = doc.createElement('th');
      th.scope = 'col';
      th.textContent = text;
      if (title) th.title = title;
      if (text === 'Term') th.className = 'term';
      head.append(th);
    }
    const thead = doc.createElement('thead');
    thead.append(head);
    const tbody = doc.createElement('tbody');
    const missKey = ROWS.find((row) => (response.explanation || '').includes(row.key))?.key;
    const rows = [...ROWS];
    if (isNumber(logged.cudagraph_estimated_gib)) {
      rows.splice(4, 0, {
        key: 'cudagraph_estimated_gib', label: 'CUDA graphs, vLLM\'s estimate', unit: 'GiB', format: inGib, predictedKey: 'cudagraph_gib',
      });
    }
    for (const row of rows) {
      const tr = doc.createElement('tr');
      tr.dataset.term = row.key;
      const loggedValue = logged[row.key];
      const predictedValue = predicted ? predicted[row.predictedKey || row.key] : null;
      if (!isNumber(loggedValue)) tr.className = 'missing';
      if (row.key === missKey) tr.classList.add('largest-miss');

      const label = doc.createElement('th');
      label.scope = 'row';
      label.className = 'term';
      label.textContent = row.label;
      if (row.unit) {
        const unit = doc.createElement('span');
        unit.className = 'muted';
        unit.textContent = ` ${row.unit}`;
        label.append(unit);
      }
      if (row.key === 'max_concurrency' && isNumber(logged.max_concurrency_tokens_per_request)) {
        const at = doc.createElement('span');
        at.className = 'muted';
        at.textContent = ` (requests of ${count(logged.max_concurrency_tokens_per_request)} tokens)`;
        label.append(at);
      }
      // The core gives the differences of the GiB terms; counts are subtracted here, for
      // reading only.
      const difference = isNumber(response.difference?.[row.key]) ? response.difference[row.key]
        : isNumber(loggedValue) && isNumber(predictedValue) ? predictedValue - loggedValue : null;
      tr.append(
        label,
        cell('logged', loggedValue, row.format, '—', 'not in the log'),
        cell('predicted', predictedValue, row.format, '—'),
        cell('difference', difference, (v) => signed(v, row.format), '—'),
      );
      tbody.append(tr);
    }
    el.table.replaceChildren(thead, tbody);
  }

  function cell(column, value, format, missing, missingTitle = '') {
    const td = doc.createElement('td');
    td.dataset.col = column;
    if (isNumber(value)) {
      td.textContent = format(value);
      td.dataset.value = String(value);
    } else {
      td.textContent = missing;
      td.className = 'muted';
      if (missingTitle) td.title = missingTitle;
    }
    return td;
  }

  // The app says whether a calibration is in force; the "Applied" note goes when it is not.
  function showCalibrated(applied) {
    if (!applied) el.calibratedNote.hidden = true;
  }

  return { setSetup, showCalibrated };
}

// "/models/Meta-Llama-3-8B" and "meta-llama/Meta-Llama-3-8B" name the same model.
function baseName(model) {
  return model.replace(/\/+$/, '').split('/').pop().toLowerCase();
}

function listTerms(keys) {
  const names = keys.map((key) => TERM_LABELS[key] || key);
  if (names.length < 2) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
