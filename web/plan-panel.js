// "What should I set?" (issue 5): the planner's answers for a target (concurrent requests of
// a given context) and its context x concurrency map. A plan costs about ten estimates, so
// it runs lazily (lazy-panel.js). Every figure is the core's (Module.plan, docs/api.md).

import { call } from './engine.js';
import { count, gib } from './format.js';
import { renderHeatmap } from './heatmap.js';
import { createLazyRunner } from './lazy-panel.js';
import { wireCopyButton } from './clipboard.js';

const HEATMAP_SIZE = 16;
const TYPING_DELAY_MS = 350;

// Numbers go to the core as numbers; anything else as typed, so its error names the field.
function asNumber(text) {
  const value = Number(text);
  return text !== '' && Number.isFinite(value) ? value : text;
}

function requests(n) {
  return `${count(n)} concurrent request${n === 1 ? '' : 's'}`;
}

// The four answers, in the order of plan.answers (each carries its vllm_serve line). Title
// parts are text, or [text] for code.
const ANSWERS = [
  {
    key: 'max_model_len',
    title: (t) => ['Longest ', ['max_model_len'], ` at ${requests(t.concurrency)}`],
    value: (p) => (p.max_model_len > 0 ? `${count(p.max_model_len)} tokens` : null),
    exact: (p) => p.max_model_len,
    sub: (p) => (p.auto_max_model_len > 0
      ? ['vLLM\'s own pick with ', ['--max-model-len auto'], `: ${count(p.auto_max_model_len)} tokens`]
      : []),
  },
  {
    key: 'gpu_memory_utilization',
    title: (t) => [['gpu_memory_utilization'], ` for ${requests(t.concurrency)} of ${count(t.context)} tokens`],
    value: (p) => (typeof p.gpu_memory_utilization === 'number' ? p.gpu_memory_utilization.toFixed(2) : null),
    exact: (p) => p.gpu_memory_utilization,
    sub: (p) => (typeof p.kv_cache_memory_gib === 'number'
      ? ['Or size the KV cache directly: ', ['kv_cache_memory_bytes'],
        ` = ${count(Math.round(p.kv_cache_memory_gib * 2 ** 30))} (${gib(p.kv_cache_memory_gib)})`]
      : []),
  },
  {
    key: 'min_tensor_parallel_size',
    title: (t, gpu) => [`Fewest GPUs for the target on ${gpu}`],
    value: (p) => (typeof p.min_tensor_parallel_size === 'number'
      ? `TP ${p.min_tensor_parallel_size}${typeof p.min_pipeline_parallel_size === 'number' ? ` × PP ${p.min_pipeline_parallel_size}` : ''}`
      : null),
    exact: (p) => p.min_tensor_parallel_size,
    sub: (p) => ((p.tp_rejections || []).length
      ? [`vLLM refuses ${p.tp_rejections.join('; ')}`]
      : []),
  },
  {
    key: 'smallest_gpu',
    title: (t, gpu, setup) => [`Smallest catalogue GPU for the target at ${setup}`],
    value: (p) => p.smallest_gpu_name || null,
    exact: (p) => p.smallest_gpu,
    sub: () => [],
  },
];

function phrase(doc, parts) {
  return parts.map((part) => {
    if (typeof part === 'string') return doc.createTextNode(part);
    const code = doc.createElement('code');
    code.textContent = part[0];
    return code;
  });
}

// root: the <details id="plan-panel">. onTargetsChange: called when a target is typed.
export function createPlanPanel(root, engine, onTargetsChange) {
  const doc = root.ownerDocument;
  const el = {
    concurrency: root.querySelector('#plan-concurrency'),
    context: root.querySelector('#plan-context'),
    waiting: root.querySelector('#plan-waiting'),
    error: root.querySelector('#plan-error'),
    errorField: root.querySelector('#plan-error-field'),
    errorMessage: root.querySelector('#plan-error-message'),
    result: root.querySelector('#plan-result'),
    answers: root.querySelector('#plan-answers'),
    heatmap: root.querySelector('#heatmap'),
    heatmapTarget: root.querySelector('#heatmap-target'),
    notes: root.querySelector('#plan-notes'),
  };
  const cards = ANSWERS.map((answer) => buildCard(doc, answer));
  el.answers.replaceChildren(...cards.map((c) => c.element));

  let setup = null; // {request, estimate} of the setup above, or null while it has an error
  const runner = createLazyRunner(root, run, TYPING_DELAY_MS);

  for (const input of [el.concurrency, el.context]) {
    input.addEventListener('input', () => {
      refresh();
      onTargetsChange();
    });
  }

  function targets() {
    return {
      target_concurrency: el.concurrency.value.trim(),
      target_context: el.context.value.trim(),
    };
  }

  function setTargets(state) {
    el.concurrency.value = state.target_concurrency ?? '';
    el.context.value = state.target_context ?? '';
  }

  // request: the estimate request of the setup above (null when it has an error).
  function setSetup(request, estimate) {
    setup = request ? { request, estimate } : null;
    refresh();
  }

  function refresh(delay) {
    if (!setup) {
      el.waiting.hidden = false;
      el.result.hidden = true;
      el.error.hidden = true;
      runner.set(null, null);
      return;
    }
    el.waiting.hidden = true;
    const defaultContext = setup.estimate.settings?.max_model_len;
    el.context.placeholder = typeof defaultContext === 'number' ? String(defaultContext) : '';
    const { target_concurrency: concurrency, target_context: context } = targets();
    const request = {
      ...setup.request,
      target_concurrency: concurrency === '' ? 1 : asNumber(concurrency),
      target_context: context === '' ? defaultContext : asNumber(context),
      heatmap_size: HEATMAP_SIZE,
    };
    runner.set(request, JSON.stringify(request), delay);
  }

  function run(request) {
    const plan = call(engine, 'plan', request);
    for (const input of [el.concurrency, el.context]) input.removeAttribute('aria-invalid');
    if (!plan.ok) {
      el.error.hidden = false;
      el.errorField.textContent = plan.error?.field || 'input';
      el.errorMessage.textContent = plan.error?.message || 'unknown error';
      el.result.classList.add('stale');
      const field = plan.error?.field;
      if (field === 'target_concurrency') el.concurrency.setAttribute('aria-invalid', 'true');
      if (field === 'target_context') el.context.setAttribute('aria-invalid', 'true');
      return false;
    }
    el.error.hidden = true;
    el.result.hidden = false;
    el.result.classList.remove('stale');
    render(plan);
    return true;
  }

  function render(plan) {
    const target = { concurrency: plan.target_concurrency, context: plan.target_context };
    const settings = setup.estimate.settings || {};
    const gpuName = setup.estimate.gpu?.name || 'this GPU';
    const at = `TP ${settings.tensor_parallel_size ?? 1} × PP ${settings.pipeline_parallel_size ?? 1}`;
    const answers = plan.answers || [];
    ANSWERS.forEach((answer, index) => {
      const card = cards[index];
      card.title.replaceChildren(...phrase(doc, answer.title(target, gpuName, at)));
      const value = answer.value(plan);
      card.element.classList.toggle('none', value === null);
      // Without an answer the core says why in words ("none fits", "not reachable ...").
      card.value.textContent = value ?? capitalize(answers[index]?.answer || 'no answer');
      const exact = answer.exact(plan);
      if (exact === null || exact === undefined) card.value.removeAttribute('data-value');
      else card.value.dataset.value = String(exact);
      card.sub.replaceChildren(...phrase(doc, answer.sub(plan)));
      card.sub.hidden = !card.sub.textContent;
      const serve = answers[index]?.vllm_serve || '';
      card.serve.textContent = serve;
      card.serveBlock.hidden = !serve || value === null;
    });

    renderHeatmap(el.heatmap, plan.heatmap, target, doc);
    el.heatmapTarget.textContent = `${count(target.context)} tokens × ${requests(target.concurrency)}`;
    el.notes.replaceChildren(...(plan.notes || []).map((note) => {
      const item = doc.createElement('li');
      item.textContent = note;
      return item;
    }));
    el.notes.hidden = !(plan.notes || []).length;
  }

  return { setSetup, setTargets, targets };
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function buildCard(doc, answer) {
  const element = doc.createElement('article');
  element.className = 'answer';
  element.dataset.answer = answer.key;
  const title = doc.createElement('h3');
  title.className = 'answer-title';
  const value = doc.createElement('p');
  value.className = 'answer-value';
  value.dataset.plan = answer.key;
  const sub = doc.createElement('p');
  sub.className = 'answer-sub';
  const serveBlock = doc.createElement('div');
  serveBlock.className = 'answer-serve';
  const pre = doc.createElement('pre');
  pre.className = 'command compact';
  const serve = doc.createElement('code');
  pre.append(serve);
  const copy = doc.createElement('button');
  copy.type = 'button';
  copy.className = 'button secondary small';
  copy.textContent = 'Copy';
  copy.setAttribute('aria-label', 'Copy this vllm serve command');
  wireCopyButton(copy, () => serve.textContent);
  serveBlock.append(pre, copy);
  element.append(title, value, sub, serveBlock);
  return { element, title, value, sub, serve, serveBlock };
}
