// The calculator page: read the form into a state object, ask the core for an estimate,
// draw it, and keep the state in the URL fragment and in local storage. No number is
// computed here (see docs/api.md for what the core returns). Two panels build on the
// estimate: the planner (plan-panel.js) and the log check (log-panel.js), whose
// "Calibrate" keeps a log's measured terms in the state (calibration.js).

import { loadEngine, call } from './engine.js';
import { FLAG_KEYS, readStateFromFragment } from './url-state.js';
import { flushState, loadInitialState, saveState } from './saved-state.js';
import { createResultView } from './results.js';
import { normalizeCalibration, overrideRequest, scopeDifferences } from './calibration.js';
import { createCalibrationBanner } from './calibration-banner.js';
import { createPlanPanel } from './plan-panel.js';
import { createLogPanel } from './log-panel.js';

const BOOLEAN_FLAGS = new Set(['enforce_eager', 'skip_mm_profiling']);
const DEFAULT_STATE = {
  source: 'model',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  gpu: 'H100',
  gpus: '',
  config: '',
  ...Object.fromEntries(FLAG_KEYS.map((key) => [key, BOOLEAN_FLAGS.has(key) ? false : ''])),
  target_concurrency: '',
  target_context: '',
  calibration: null,
};
const NUMERIC_FLAGS = new Set([
  'tensor_parallel_size', 'pipeline_parallel_size', 'max_model_len', 'max_num_seqs',
  'max_num_batched_tokens', 'gpu_memory_utilization',
]);

const el = {
  form: document.getElementById('controls'),
  sourceRadios: document.querySelectorAll('input[name="source"]'),
  modelSource: document.getElementById('model-source'),
  configSource: document.getElementById('config-source'),
  model: document.getElementById('model'),
  modelList: document.getElementById('model-list'),
  modelInfo: document.getElementById('model-info'),
  config: document.getElementById('config'),
  configFile: document.getElementById('config-file'),
  dropzone: document.getElementById('dropzone'),
  clearConfig: document.getElementById('clear-config'),
  gpu: document.getElementById('gpu'),
  gpus: document.getElementById('gpus'),
  versionSelect: document.getElementById('f-vllm_version'),
  reset: document.getElementById('reset'),
  version: document.querySelector('[data-key="version"]'),
  loading: document.getElementById('loading'),
  pastePrompt: document.getElementById('paste-prompt'),
  error: document.getElementById('error'),
  errorField: document.getElementById('error-field'),
  errorMessage: document.getElementById('error-message'),
  errorStale: document.getElementById('error-stale'),
  result: document.getElementById('result'),
  copyServe: document.getElementById('copy-serve'),
  copyLink: document.getElementById('copy-link'),
  copyStatus: document.getElementById('copy-status'),
  serve: document.getElementById('vllm-serve'),
};
const flagInput = (key) => document.getElementById(`f-${key}`);

let engine = null;
let view = null;
let planPanel = null;
let logPanel = null;
let banner = null;
let calibration = null; // the log calibration in force (calibration.js), or null
let lastEstimate = null; // the last successful estimate response
let modelNames = new Set();
let gpuNames = new Map(); // catalogue id -> name, for the calibration banner
let updateQueued = false;
let renders = 0;

// ---- state <-> form ----------------------------------------------------------------

function readForm() {
  const state = {
    source: [...el.sourceRadios].find((r) => r.checked)?.value || 'model',
    model: el.model.value.trim(),
    gpu: el.gpu.value,
    gpus: el.gpus.value.trim(),
    config: el.config.value,
    ...planPanel.targets(),
    calibration,
  };
  for (const key of FLAG_KEYS) {
    const input = flagInput(key);
    state[key] = input.type === 'checkbox' ? input.checked : input.value.trim();
  }
  return state;
}

function writeForm(state) {
  for (const radio of el.sourceRadios) radio.checked = radio.value === state.source;
  el.model.value = state.model ?? '';
  el.config.value = state.config ?? '';
  el.gpus.value = state.gpus ?? '';
  selectOrAdd(el.gpu, state.gpu);
  for (const key of FLAG_KEYS) {
    const input = flagInput(key);
    if (input.type === 'checkbox') input.checked = state[key] === true || state[key] === 'true';
    else if (input.tagName === 'SELECT') selectOrAdd(input, state[key] ?? '');
    else input.value = state[key] ?? '';
  }
  planPanel.setTargets(state);
  calibration = normalizeCalibration(state.calibration);
  showSource(state.source);
}

// A shared link may name a GPU or version by another spelling than our option values; keep
// it as an option so the core, which understands the spellings, decides.
function selectOrAdd(select, value, label = value) {
  for (const option of [...select.options]) if (option.dataset.spelling && option.value !== value) option.remove();
  if (![...select.options].some((o) => o.value === value)) {
    const option = new Option(label, value);
    option.dataset.spelling = 'from-link';
    select.add(option);
  }
  select.value = value;
}

function showSource(source) {
  el.modelSource.hidden = source !== 'model';
  el.configSource.hidden = source !== 'config';
}

// Numbers go to the core as numbers; anything else is passed on as typed so that the core
// names the field in its error message.
function asNumber(text) {
  const value = Number(text);
  return text !== '' && Number.isFinite(value) ? value : text;
}

function buildRequest(state) {
  const request = { gpu: state.gpu };
  if (state.source === 'config') request.config = state.config;
  else request.model = state.model;
  for (const key of FLAG_KEYS) {
    const value = state[key];
    if (BOOLEAN_FLAGS.has(key)) request[key] = value === true;
    else if (value !== '') request[key] = NUMERIC_FLAGS.has(key) ? asNumber(value) : value;
  }
  // "GPUs" is a convenience: with tensor_parallel_size left empty it splits the GPUs
  // over the pipeline stages, as `vllm serve` users usually set it.
  if (state.tensor_parallel_size === '' && state.gpus !== '') {
    const gpus = asNumber(state.gpus);
    const stages = request.pipeline_parallel_size ?? 1;
    request.tensor_parallel_size =
      typeof gpus === 'number' && typeof stages === 'number' ? gpus / stages : state.gpus;
  }
  return request;
}

// ---- estimate and draw ----------------------------------------------------------------

function update() {
  const state = readForm();
  if (state.source === 'config' && !state.config.trim()) {
    waitForPaste(state);
    return;
  }
  el.pastePrompt.hidden = true;
  const plainRequest = buildRequest(state);
  const { request, response, status, differs } = estimate(plainRequest);
  banner.update(calibration, status, differs);
  logPanel.showCalibrated(status === 'applied');
  document.body.dataset.state = response.ok ? 'ready' : 'error';
  markInvalidField(response.ok ? null : response.error.field, state.source);
  if (response.ok) {
    el.error.hidden = true;
    el.result.hidden = false;
    el.result.classList.remove('stale');
    view.render(response);
    lastEstimate = response;
    planPanel.setSetup(request, response);
    logPanel.setSetup(plainRequest);
    showDefaults(response.settings || {});
    showModelInfo(response.model);
    // Show the catalogue id the core resolved (a link may say "H100" or an nvidia-smi name).
    if (response.gpu?.id) {
      selectOrAdd(el.gpu, response.gpu.id, gpuLabel(response.gpu));
      state.gpu = response.gpu.id;
    }
  } else {
    showError(response.error);
    planPanel.setSetup(null);
    logPanel.setSetup(null);
  }
  renders += 1;
  document.body.dataset.renders = String(renders);
  saveState(state);
}

// The estimate of a request, with the log calibration when it was measured on this setup.
// The override does not change how the setup resolves (model, GPU, TP, PP, dtype, version),
// so the calibrated answer itself tells whether the setup is the calibrated one; when it
// is not, the plain estimate is shown and the banner says why.
function estimate(plainRequest) {
  if (!calibration) {
    return { request: plainRequest, response: call(engine, 'estimate', plainRequest), status: 'none' };
  }
  const request = { ...plainRequest, calibration_override: overrideRequest(calibration) };
  const response = call(engine, 'estimate', request);
  if (!response.ok) return { request, response, status: 'unknown' };
  const differs = scopeDifferences(calibration, response);
  if (!differs.length) return { request, response, status: 'applied' };
  return { request: plainRequest, response: call(engine, 'estimate', plainRequest), status: 'paused', differs };
}

// "Calibrate to this log": keep the log's terms, and take the flags the log revealed that
// the form leaves empty (the core used them for the calibrated estimate), so that the setup
// on screen is the one the log measured. The version counts as revealed: the core dates a
// log by its line formats when it does not print one.
function calibrate(newCalibration, check) {
  calibration = newCalibration;
  const logged = check.logged || {};
  const revealed = (key) => key === 'vllm_version' || (logged[key] ?? null) !== null
    || (key === 'max_model_len' && (logged.max_concurrency_tokens_per_request ?? null) !== null);
  const logSettings = check.calibrated?.settings || {};
  const shown = lastEstimate?.settings || {};
  for (const key of FLAG_KEYS) {
    const input = flagInput(key);
    const value = logSettings[key];
    if (!revealed(key) || value === undefined || value === null || value === shown[key]) continue;
    if (input.type === 'checkbox') {
      if (value === true) input.checked = true;
    } else if (input.value.trim() === '') {
      if (input.tagName === 'SELECT') selectOrAdd(input, String(value));
      else input.value = String(value);
    }
  }
  schedule();
}

function removeCalibration() {
  calibration = null;
  schedule();
}

// An empty paste box is not an error: the person has not pasted yet.
function waitForPaste(state) {
  el.error.hidden = true;
  el.pastePrompt.hidden = false;
  el.result.classList.toggle('stale', !el.result.hidden);
  markInvalidField(null);
  document.body.dataset.state = 'waiting';
  banner.update(calibration, 'unknown');
  planPanel.setSetup(null);
  logPanel.setSetup(null);
  renders += 1;
  document.body.dataset.renders = String(renders);
  saveState(state);
}

function showError(error) {
  el.pastePrompt.hidden = true;
  el.error.hidden = false;
  el.errorField.textContent = error.field || 'input';
  el.errorMessage.textContent = error.message || 'unknown error';
  const haveOld = !el.result.hidden;
  el.errorStale.hidden = !haveOld;
  el.result.classList.toggle('stale', haveOld);
}

function markInvalidField(field, source) {
  for (const input of el.form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  if (!field) return;
  const target = FLAG_KEYS.includes(field) ? flagInput(field)
    : field === 'model' ? el.model
      : field === 'gpu' ? el.gpu
        : source === 'config' ? el.config : null;
  target?.setAttribute('aria-invalid', 'true');
}

// Empty fields show vLLM's default for this setup, as the core resolved it.
function showDefaults(settings) {
  for (const key of FLAG_KEYS) {
    const input = flagInput(key);
    const value = settings[key];
    const text = value === null || value === undefined ? 'none' : String(value);
    if (input.tagName === 'SELECT') input.options[0].textContent = `default (${text})`;
    else if (input.type !== 'checkbox') input.placeholder = text;
  }
  if (typeof settings.num_gpus === 'number') el.gpus.placeholder = String(settings.num_gpus);
}

function showModelInfo(model) {
  if (!model) return;
  const parts = [model.architecture];
  if (typeof model.params_b === 'number') parts.push(`${model.params_b.toFixed(2)} B parameters`);
  if (typeof model.num_layers === 'number') parts.push(`${model.num_layers} layers`);
  el.modelInfo.textContent = parts.filter(Boolean).join(' · ');
}

// Every change is estimated at once, in the task of the input event that made it, so the
// next frame shows the new result: an estimate and its drawing take a few milliseconds
// (docs/performance.md), so there is no typing delay to wait out. Changes made by one piece
// of code (a reset, a calibration) give one estimate.
function schedule() {
  document.body.dataset.state = 'pending';
  if (updateQueued) return;
  updateQueued = true;
  queueMicrotask(() => {
    updateQueued = false;
    update();
  });
}

// ---- catalogues -------------------------------------------------------------------------

// The model and GPU lists take the core a moment to build (it parses every bundled config),
// so they are filled after the first result is on screen.
function fillCatalogues() {
  const models = call(engine, 'listModels').models || [];
  modelNames = new Set(models.map((m) => m.name));
  el.modelList.replaceChildren(...models.map((m) => {
    const option = document.createElement('option');
    option.value = m.name;
    option.label = [m.architecture, typeof m.params_b === 'number' ? `${m.params_b} B` : '']
      .filter(Boolean).join(' · ');
    return option;
  }));

  const current = el.gpu.value;
  const gpus = call(engine, 'listGpus').gpus || [];
  gpuNames = new Map(gpus.map((g) => [g.id, g.name]));
  banner.redraw();
  el.gpu.replaceChildren(...gpus.map((g) => new Option(gpuLabel(g), g.id)));
  selectOrAdd(el.gpu, current);
  document.body.dataset.catalogues = 'ready';
}

function gpuLabel(gpu) {
  return `${gpu.name} (${gpu.memory_gib} GiB)`;
}

function fillVersions() {
  const info = call(engine, 'versionInfo');
  for (const version of info.known_vllm_versions || []) el.versionSelect.add(new Option(version, version));
  el.version.textContent = `headroom ${info.headroom ?? ''} · vLLM ${info.default_vllm_version ?? ''}`;
}

// ---- wiring ---------------------------------------------------------------------------

function wire() {
  el.form.addEventListener('submit', (event) => event.preventDefault());
  el.form.addEventListener('input', (event) => {
    // Lists and boxes also fire 'change' for the same edit: estimated once, there.
    if (event.target.tagName === 'SELECT' || ['checkbox', 'radio'].includes(event.target.type)) return;
    // While someone searches the model list, wait until the name is a known one.
    if (event.target === el.model && !modelNames.has(el.model.value.trim())) return;
    schedule();
  });
  el.form.addEventListener('change', (event) => {
    if (event.target.name === 'source') showSource(event.target.value);
    schedule();
  });
  el.clearConfig.addEventListener('click', () => {
    el.config.value = '';
    el.config.focus();
    schedule();
  });
  el.configFile.addEventListener('change', async () => {
    const file = el.configFile.files[0];
    if (file) await useConfigText(await file.text());
    el.configFile.value = '';
  });
  el.dropzone.addEventListener('dragover', (event) => {
    event.preventDefault();
    el.dropzone.classList.add('dragging');
  });
  el.dropzone.addEventListener('dragleave', () => el.dropzone.classList.remove('dragging'));
  el.dropzone.addEventListener('drop', async (event) => {
    event.preventDefault();
    el.dropzone.classList.remove('dragging');
    const file = event.dataTransfer.files[0];
    if (file) await useConfigText(await file.text());
  });
  el.reset.addEventListener('click', () => {
    // The defaults include no calibration: a reset starts from the model's own numbers.
    writeForm({ ...DEFAULT_STATE, config: el.config.value, source: 'model' });
    schedule();
  });
  el.copyServe.addEventListener('click', () => copy(el.serve.textContent, 'Command copied'));
  // The URL lags the last edit by a short pause (saved-state.js): bring it up to date first.
  el.copyLink.addEventListener('click', async () => {
    await flushState();
    copy(location.href, 'Link copied');
  });
  window.addEventListener('hashchange', async () => {
    const state = await readStateFromFragment(location.hash);
    if (state) {
      writeForm({ ...DEFAULT_STATE, config: el.config.value, ...state });
      schedule();
    }
  });
}

async function useConfigText(text) {
  el.config.value = text;
  writeForm({ ...readForm(), source: 'config' });
  schedule();
}

async function copy(text, done) {
  try {
    await navigator.clipboard.writeText(text);
    el.copyStatus.textContent = done;
  } catch {
    el.copyStatus.textContent = 'Select the text and copy it by hand (the clipboard is blocked here)';
  }
  setTimeout(() => { el.copyStatus.textContent = ''; }, 2500);
}

async function start() {
  try {
    engine = await loadEngine();
  } catch (err) {
    el.loading.textContent = `The calculator could not start: ${err.message || err}`;
    return;
  }
  view = createResultView(document.getElementById('results'));
  banner = createCalibrationBanner(document.getElementById('calibration-banner'), removeCalibration,
    (id) => gpuNames.get(id) || id);
  planPanel = createPlanPanel(document.getElementById('plan-panel'), engine, () => saveState(readForm()));
  logPanel = createLogPanel(document.getElementById('log-panel'), engine, calibrate);
  fillVersions();
  writeForm(await loadInitialState(DEFAULT_STATE));
  wire();
  el.loading.hidden = true;
  update();
  // When the browser is idle, once the first result is on screen: the catalogues are not
  // needed to read it, and filling them right after it delayed its paint by ~100 ms here.
  if (typeof requestIdleCallback === 'function') requestIdleCallback(fillCatalogues, { timeout: 1000 });
  else setTimeout(fillCatalogues, 200);
}

start();
