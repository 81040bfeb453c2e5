// <headroom-calculator>: a compact Headroom result for other sites (docs/embedding.md).
//   <script src="https://example.org/headroom/headroom-calculator.js"></script>
//   <headroom-calculator model="meta-llama/Llama-3.1-8B-Instruct" gpu="H100" tp="1"></headroom-calculator>
// Attributes are the API; each one maps to one estimate request key. The wasm module is
// loaded from headroom.js next to this script (or the `engine-src` attribute), once per page.
// The element draws in its own shadow DOM and fires `headroom-result` with the response.

import { loadEngine, call } from './engine.js';
import { createMemoryBar } from './memory-bar.js';
import { gib, count, times, show } from './format.js';

// Where this script came from, read while it runs (only a classic <script> has one).
const SCRIPT_SRC = document.currentScript?.src || '';

// attribute -> estimate request key (docs/api.md); numbers are sent as numbers.
const ATTRIBUTES = {
  model: 'model',
  gpu: 'gpu',
  tp: 'tensor_parallel_size',
  pp: 'pipeline_parallel_size',
  'max-model-len': 'max_model_len',
  'max-num-seqs': 'max_num_seqs',
  'max-num-batched-tokens': 'max_num_batched_tokens',
  'gpu-memory-utilization': 'gpu_memory_utilization',
  'kv-cache-dtype': 'kv_cache_dtype',
  dtype: 'dtype',
  quantization: 'quantization',
  'vllm-version': 'vllm_version',
};
// Present = true, absent = false.
const BOOLEAN_ATTRIBUTES = {
  'enforce-eager': 'enforce_eager',
  'skip-mm-profiling': 'skip_mm_profiling',
};
const NUMERIC = new Set(['tp', 'pp', 'max-model-len', 'max-num-seqs', 'max-num-batched-tokens',
  'gpu-memory-utilization']);

const STYLES = `
:host {
  --hr-bg: #ffffff; --hr-text: #161a22; --hr-muted: #596273; --hr-border: #e1e4ea;
  --hr-ok: #0c7a4b; --hr-bad: #b42318; --hr-accent: #3451d1;
  --tone-weights: #4263eb; --tone-activation: #f59f00; --tone-nontorch: #7c8594;
  --tone-graphs: #d6336c; --tone-kv: #0ca678; --tone-unused: #e9ecf1;
  --on-dark: #ffffff; --on-light: #1d1f24;
  display: block; max-width: 760px;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--hr-text);
}
@media (prefers-color-scheme: dark) {
  :host {
    --hr-bg: #161920; --hr-text: #e7e9ee; --hr-muted: #9aa3b3; --hr-border: #2a303c;
    --hr-ok: #5fd49a; --hr-bad: #ff8a80; --hr-accent: #8ea2ff;
    --tone-weights: #5c7cfa; --tone-activation: #fab005; --tone-nontorch: #8b94a3;
    --tone-graphs: #f06595; --tone-kv: #20c997; --tone-unused: #2a303c; --on-dark: #0e1014;
  }
}
:host([hidden]) { display: none; }
.card { background: var(--hr-bg); border: 1px solid var(--hr-border); border-radius: 10px; padding: 14px 16px; display: grid; gap: 10px; }
.head { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; justify-content: space-between; }
.title { font-weight: 650; overflow-wrap: anywhere; }
.setup { color: var(--hr-muted); font-size: 12.5px; }
.verdict { font-weight: 650; }
.verdict.fits { color: var(--hr-ok); }
.verdict.no-fit { color: var(--hr-bad); }
.verdict span { font-weight: 400; color: var(--hr-text); }
.figures { display: flex; flex-wrap: wrap; gap: 6px 22px; font-variant-numeric: tabular-nums; }
.figures b { font-size: 17px; }
.figures small { color: var(--hr-muted); display: block; font-size: 12px; }
.bar { display: flex; height: 30px; border-radius: 6px; overflow: hidden; background: var(--tone-unused); }
.segment { display: flex; align-items: center; justify-content: center; overflow: hidden; white-space: nowrap; font-size: 11.5px; font-weight: 650; min-width: 0; }
.segment[hidden] { display: none; }
.bar-frame { position: relative; }
.bar-mark { position: absolute; top: -3px; bottom: -3px; width: 0; }
.budget-mark { border-left: 2px dashed var(--hr-text); opacity: 0.55; }
.limit-mark { border-left: 3px solid var(--hr-bad); }
.bar-scale { display: flex; justify-content: space-between; font-size: 11.5px; color: var(--hr-muted); }
.legend { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 4px 16px; font-size: 12.5px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.legend-name { color: var(--hr-muted); }
.legend-value { margin-left: auto; font-weight: 600; font-variant-numeric: tabular-nums; }
.swatch { width: 10px; height: 10px; border-radius: 2px; flex: none; }
.tone-weights { background: var(--tone-weights); color: var(--on-dark); }
.tone-activation { background: var(--tone-activation); color: var(--on-light); }
.tone-nontorch { background: var(--tone-nontorch); color: var(--on-light); }
.tone-graphs { background: var(--tone-graphs); color: var(--on-dark); }
.tone-kv { background: var(--tone-kv); color: var(--on-light); }
.tone-unused { background: repeating-linear-gradient(135deg, var(--hr-border) 0 5px, transparent 5px 10px); }
.error { color: var(--hr-bad); overflow-wrap: anywhere; }
.error code { font-weight: 650; }
a { color: var(--hr-accent); font-size: 12.5px; }
a:focus-visible { outline: 3px solid var(--hr-accent); outline-offset: 2px; border-radius: 3px; }
`;

class HeadroomCalculator extends HTMLElement {
  static get observedAttributes() {
    return [...Object.keys(ATTRIBUTES), ...Object.keys(BOOLEAN_ATTRIBUTES), 'engine-src', 'calculator-url'];
  }

  constructor() {
    super();
    this._root = this.attachShadow({ mode: 'open' });
    // A constructed sheet, not a <style> element: host pages with a strict style-src CSP
    // still style the widget.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    this._root.adoptedStyleSheets = [sheet];
    this._card = document.createElement('div');
    this._card.className = 'card';
    this._card.setAttribute('role', 'group');
    this._bar = createMemoryBar(document);
    this._pending = false;
    this._root.append(this._card);
  }

  connectedCallback() {
    this._schedule();
  }

  attributeChangedCallback() {
    if (this.isConnected) this._schedule();
  }

  // The request this element's attributes describe (empty attributes mean vLLM's default).
  get request() {
    const request = Object.fromEntries(Object.entries(BOOLEAN_ATTRIBUTES)
      .map(([attribute, key]) => [key, this.hasAttribute(attribute)]));
    for (const [attribute, key] of Object.entries(ATTRIBUTES)) {
      const text = (this.getAttribute(attribute) || '').trim();
      if (!text) continue;
      request[key] = NUMERIC.has(attribute) && Number.isFinite(Number(text)) ? Number(text) : text;
    }
    if (!request.model) request.model = 'meta-llama/Llama-3.1-8B-Instruct';
    if (!request.gpu) request.gpu = 'H100';
    return request;
  }

  // Several attributes usually change together; estimate once after they have.
  _schedule() {
    if (this._pending) return;
    this._pending = true;
    queueMicrotask(() => {
      this._pending = false;
      this._run();
    });
  }

  async _run() {
    const engineUrl = this.getAttribute('engine-src')
      || new URL('headroom.js', SCRIPT_SRC || document.baseURI).href;
    let module;
    try {
      module = await loadEngine(engineUrl);
    } catch (err) {
      this._renderError({ field: 'engine-src', message: err.message || String(err) });
      return;
    }
    const request = this.request;
    const response = call(module, 'estimate', request);
    if (response.ok) this._render(request, response);
    else this._renderError(response.error);
    this.dispatchEvent(new CustomEvent('headroom-result', { detail: response, bubbles: true }));
  }

  _render(request, result) {
    const s = result.settings || {};
    const head = div('head');
    const title = div('title', request.model || 'pasted config');
    const setup = div('setup',
      `${result.gpu?.name || request.gpu} · TP ${s.tensor_parallel_size} · PP ${s.pipeline_parallel_size} · vLLM ${s.vllm_version}`);
    head.append(title, setup);

    const verdict = div(`verdict ${result.fits ? 'fits' : 'no-fit'}`, result.fits ? 'Fits' : 'Does not fit');
    verdict.dataset.key = 'fits';
    verdict.dataset.value = String(result.fits === true);
    if (result.fit_reason) {
      const reason = document.createElement('span');
      reason.textContent = ` · ${result.fit_reason}`;
      verdict.append(reason);
    }

    const figures = div('figures');
    figures.append(
      figure('KV cache', 'kv_cache_gib', result.kv_cache_gib, gib),
      figure('blocks', 'num_gpu_blocks', result.num_gpu_blocks, count),
      figure('tokens', 'kv_cache_tokens', result.kv_cache_tokens, count),
      figure(`concurrency at ${count(s.max_model_len ?? 0)} tokens`, 'max_concurrency', result.max_concurrency, times),
    );

    this._bar.update(result);
    const link = document.createElement('a');
    link.href = this._calculatorLink(request);
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = 'Open in the full calculator (formulas, CUDA graphs, vllm serve line)';

    this._card.setAttribute('aria-label', `Headroom estimate for ${request.model}`);
    this._card.replaceChildren(head, verdict, figures, this._bar.element, link);
  }

  _renderError(error) {
    const message = div('error', '');
    const field = document.createElement('code');
    field.textContent = error.field || 'input';
    message.append('Cannot estimate: ', field, ` ${error.message || ''}`);
    this._card.replaceChildren(message);
  }

  // The page keeps its state in the URL fragment under vLLM's flag names.
  _calculatorLink(request) {
    const base = this.getAttribute('calculator-url')
      || new URL('index.html', SCRIPT_SRC || document.baseURI).href;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request)) {
      if (value !== '' && value !== false) params.set(key, String(value));
    }
    return `${base}#${params}`;
  }
}

function div(className, text) {
  const node = document.createElement('div');
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function figure(label, key, value, formatter) {
  const box = document.createElement('div');
  const number = document.createElement('b');
  number.dataset.key = key;
  show(number, value, formatter);
  const caption = document.createElement('small');
  caption.textContent = label;
  box.append(number, caption);
  return box;
}

if (!customElements.get('headroom-calculator')) {
  customElements.define('headroom-calculator', HeadroomCalculator);
}
