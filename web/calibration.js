// "Calibrate to this log" (issue 8): the terms a pasted vLLM log measured, which every later
// estimate sends as request.calibration_override so that what-ifs start from measured
// numbers. Measured terms belong to one model on one GPU at one parallelism and vLLM
// version, so the setup they came from is kept beside them (the "scope") and the override is
// only applied while the page shows that setup: a 70B model must not borrow an 8B's weights.
//
// Shape kept in the page state, local storage and (flattened) the URL:
//   { terms: { activation_gib: 1.97, non_torch_gib: 0.07, ... },   finite numbers only
//     scope: { model: '...', gpu: 'h100-sxm', tensor_parallel_size: '1', ... } }  strings

export const OVERRIDE_TERMS = ['weights_gib', 'activation_gib', 'non_torch_gib', 'cudagraph_gib'];

export const TERM_LABELS = {
  weights_gib: 'weights',
  activation_gib: 'activation peak',
  non_torch_gib: 'non-torch',
  cudagraph_gib: 'CUDA graphs',
};

// What the measured terms depend on, as the core resolved it for the calibrated estimate.
export const SCOPE_KEYS = [
  'model', 'gpu', 'tensor_parallel_size', 'pipeline_parallel_size', 'dtype', 'quantization',
  'vllm_version',
];

const SCOPE_LABELS = {
  model: 'model',
  gpu: 'GPU',
  tensor_parallel_size: 'tensor_parallel_size',
  pipeline_parallel_size: 'pipeline_parallel_size',
  dtype: 'dtype',
  quantization: 'quantization',
  vllm_version: 'vLLM version',
};

// The core names the source in the formulas' calibration line.
const SOURCE = 'pasted vLLM log';

// A pasted config has no name; its architecture and size tell two models apart.
function modelIdentity(model = {}) {
  if (model.name) return model.name;
  const size = typeof model.params_b === 'number' ? ` ${model.params_b.toFixed(3)} B` : '';
  return `${model.architecture || 'pasted config'}${size}`;
}

// The scope of an estimate response (strings, so that a URL round trip compares equal).
export function scopeOf(estimate) {
  const settings = estimate?.settings || {};
  const text = (value, fallback = '') => (value === null || value === undefined ? fallback : String(value));
  return {
    model: modelIdentity(estimate?.model),
    gpu: text(estimate?.gpu?.id),
    tensor_parallel_size: text(settings.tensor_parallel_size),
    pipeline_parallel_size: text(settings.pipeline_parallel_size),
    dtype: text(settings.dtype),
    quantization: text(settings.quantization, 'none'),
    vllm_version: text(settings.vllm_version),
  };
}

// Keeps only what can be trusted from storage or a link: finite numbers for the terms and
// strings for the scope. Returns null when no term is left.
export function normalizeCalibration(raw) {
  if (!raw || typeof raw !== 'object') return null;
  const terms = {};
  for (const key of OVERRIDE_TERMS) {
    const value = raw.terms?.[key];
    if (typeof value === 'number' && Number.isFinite(value)) terms[key] = value;
  }
  if (!Object.keys(terms).length) return null;
  const scope = {};
  for (const key of SCOPE_KEYS) {
    const value = raw.scope?.[key];
    if (typeof value === 'string' && value !== '') scope[key] = value;
  }
  return { terms, scope };
}

// From a check-log response: its calibration_override, scoped to the setup it calibrated.
export function calibrationFromCheck(response) {
  if (!response?.calibration_override || !response.calibrated) return null;
  return normalizeCalibration({
    terms: response.calibration_override,
    scope: scopeOf(response.calibrated),
  });
}

// The scope fields where an estimate differs from the calibrated setup (labels for people).
// A field the calibration does not name (a hand-made link) matches anything.
export function scopeDifferences(calibration, estimate) {
  const current = scopeOf(estimate);
  return SCOPE_KEYS
    .filter((key) => key in calibration.scope && calibration.scope[key] !== current[key])
    .map((key) => SCOPE_LABELS[key]);
}

export function overrideRequest(calibration) {
  return { ...calibration.terms, source: SOURCE };
}

// ---- the URL fragment: calibration.<key>=<value> ----------------------------------------

const PREFIX = 'calibration.';

export function calibrationToParams(calibration, params) {
  const normal = normalizeCalibration(calibration);
  if (!normal) return;
  for (const [key, value] of Object.entries(normal.terms)) params.set(PREFIX + key, String(value));
  for (const [key, value] of Object.entries(normal.scope)) params.set(PREFIX + key, value);
}

export function calibrationFromParams(params) {
  const terms = {};
  const scope = {};
  for (const key of OVERRIDE_TERMS) {
    const text = params.get(PREFIX + key);
    if (text !== null && text.trim() !== '') terms[key] = Number(text);
  }
  for (const key of SCOPE_KEYS) {
    const text = params.get(PREFIX + key);
    if (text !== null) scope[key] = text;
  }
  return normalizeCalibration({ terms, scope });
}
