// The page state <-> the URL fragment, so that a result can be shared by link. The fragment
// (#...) is never sent to a server, which is why a pasted config may ride in it: it is
// deflated and base64url-encoded to keep links short. A log calibration rides along as
// calibration.<key>=<value> (calibration.js), the planner's targets under their API names.

import { calibrationFromParams, calibrationToParams } from './calibration.js';

// Flag names are vLLM's own; the other keys are the page's inputs.
export const FLAG_KEYS = [
  'tensor_parallel_size', 'pipeline_parallel_size', 'max_model_len', 'max_num_seqs',
  'max_num_batched_tokens', 'gpu_memory_utilization', 'kv_cache_dtype', 'dtype',
  'quantization', 'enforce_eager', 'skip_mm_profiling', 'vllm_version',
];
// The "What should I set?" panel's targets (plan request keys).
export const TARGET_KEYS = ['target_concurrency', 'target_context'];
const PLAIN_KEYS = ['model', 'gpu', 'gpus', ...FLAG_KEYS, ...TARGET_KEYS];

export async function writeStateToFragment(state) {
  const params = new URLSearchParams();
  for (const key of PLAIN_KEYS) {
    const value = state[key];
    if (value !== '' && value !== undefined && value !== null && value !== false) {
      params.set(key, String(value));
    }
  }
  if (state.calibration) calibrationToParams(state.calibration, params);
  if (state.source === 'config' && state.config) params.set('config', await pack(state.config));
  return params.toString();
}

// Returns null when the fragment holds no state, else the fields it names (strings, and
// the calibration as an object or null).
export async function readStateFromFragment(fragment) {
  const params = new URLSearchParams(fragment.replace(/^#/, ''));
  if (![...params.keys()].length) return null;
  const state = {};
  for (const key of PLAIN_KEYS) if (params.has(key)) state[key] = params.get(key);
  state.calibration = calibrationFromParams(params);
  if (params.has('config')) {
    state.config = await unpack(params.get('config'));
    state.source = 'config';
  } else {
    state.source = 'model';
  }
  return state;
}

async function pack(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

async function unpack(packed) {
  try {
    const binary = atob(packed.replaceAll('-', '+').replaceAll('_', '/'));
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    return await new Response(stream).text();
  } catch {
    return ''; // a damaged link: fall back to an empty paste box rather than a dead page
  }
}
