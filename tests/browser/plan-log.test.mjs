// The "What should I set?" panel against the CLI's planner, and the "Check against your vLLM
// log" panel with a real log from tests/fixtures/records.jsonl: the logged figures, the
// calibration (applied, in the URL, kept over a reload, set aside on another model,
// removed), and logs that are not logs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  afterChange,
  afterPanelRun,
  collectProblems,
  fixtureRecord,
  nativeCheckLog,
  nativeEstimate,
  nativePlan,
  panelRuns,
  servedSite,
  setField,
  settled,
  shownNumbers,
} from './harness.mjs';

// A V1 log with every term (weights, activation, non-torch, CUDA graphs, KV cache) on an
// H100; the page runs it against Mistral-7B, the model that llava-v1.6-mistral is built on.
const RECORD = fixtureRecord('llava16-mistral-7b-79.19gib');
const MODEL = 'mistralai/Mistral-7B-v0.1';
const TERMS = ['weights_gib', 'activation_gib', 'non_torch_gib', 'cudagraph_gib'];
const NUMBERS = [...TERMS, 'kv_cache_gib', 'num_gpu_blocks', 'kv_cache_tokens', 'max_concurrency'];

function near(actual, expected, context) {
  assert.equal(typeof actual, 'number', `${context}: not shown`);
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${context}: the page shows ${actual}, expected ${expected}`);
}

// The flags the form holds, as the CLI's options (for the CLI's answer on the same setup).
function formFlags(page) {
  return page.$$eval('#controls [id^="f-"]', (inputs) => inputs.flatMap((input) => {
    const flag = `--${input.name.replaceAll('_', '-')}`;
    if (input.type === 'checkbox') return input.checked ? [flag] : [];
    return input.value.trim() === '' ? [] : [flag, input.value.trim()];
  }));
}

describe('the planner and log panels', () => {
  const served = servedSite();
  let scratch;
  let logFile;

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'headroom-logs-'));
    logFile = join(scratch, 'vllm.log');
    writeFileSync(logFile, `${RECORD.raw_lines.join('\n')}\n`);
  });
  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  async function openPage(fragment = '') {
    const context = await served.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.goto(`${served.server.url}index.html${fragment}`);
    await settled(page);
    await page.waitForSelector('body[data-catalogues="ready"]');
    return { context, page, problems };
  }

  const planValue = (page, key) => page.$eval(`#plan-panel [data-plan="${key}"]`,
    (node) => (node.dataset.value === undefined ? null : node.dataset.value));

  test('the plan panel gives the CLI\'s answers and draws the map only while open', async () => {
    const { context, page, problems } = await openPage();
    await setField(page, '#f-max_num_seqs', '256');
    assert.equal(await panelRuns(page, 'plan-panel'), 0, 'a closed panel runs no plan');

    await afterPanelRun(page, 'plan-panel', () => page.click('#plan-panel > summary'));
    // Both targets in one go, so that one plan follows.
    await afterPanelRun(page, 'plan-panel', () => page.evaluate(() => {
      for (const [id, value] of [['plan-concurrency', '8'], ['plan-context', '16384']]) {
        const input = document.getElementById(id);
        input.value = value;
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }
    }));
    const setup = ['--config', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'H100', '--max-num-seqs', '256'];
    const native = nativePlan([...setup, '--target-concurrency', '8', '--target-context', '16384']);
    assert.ok(native.max_model_len > 0);
    assert.equal(Number(await planValue(page, 'max_model_len')), native.max_model_len);
    assert.equal(Number(await planValue(page, 'gpu_memory_utilization')), native.gpu_memory_utilization);
    assert.equal(Number(await planValue(page, 'min_tensor_parallel_size')), native.min_tensor_parallel_size);
    assert.equal(await planValue(page, 'smallest_gpu'), native.smallest_gpu);
    const serves = await page.$$eval('#plan-panel .answer-serve code', (nodes) => nodes.map((n) => n.textContent));
    assert.deepEqual(serves, native.answers.map((a) => a.vllm_serve));

    // The map: 16 x 16 cells, and each column fits exactly up to the solver's longest
    // max_model_len for that many requests (the CLI's answer, asked column by column).
    const cells = await page.$$eval('#heatmap td', (tds) => tds.map((td) => ({
      fits: td.dataset.fits === 'true', context: Number(td.dataset.context), concurrency: Number(td.dataset.concurrency),
    })));
    assert.equal(cells.length, 16 * 16);
    assert.ok(cells.some((c) => c.fits) && cells.some((c) => !c.fits), 'the map has both kinds of cell');
    const columns = [...new Set(cells.map((c) => c.concurrency))];
    for (const concurrency of [columns[0], columns[7], columns[12]]) {
      const longest = nativePlan([...setup, '--target-concurrency', String(concurrency)]).max_model_len;
      for (const cell of cells.filter((c) => c.concurrency === concurrency)) {
        assert.equal(cell.fits, cell.context <= longest,
          `${cell.context} tokens x ${concurrency}: the map says ${cell.fits}, the solver's longest is ${longest}`);
      }
    }
    const target = await page.$$eval('#heatmap td.target', (tds) => tds.map((td) => [td.dataset.context, td.dataset.concurrency]));
    assert.equal(target.length, 1, 'one target cell');
    assert.ok(Math.abs(Math.log2(Number(target[0][0]) / 16384)) < 0.5, `target row ${target[0][0]}`);
    assert.ok(Math.abs(Math.log2(Number(target[0][1]) / 8)) < 0.5, `target column ${target[0][1]}`);

    // A change above re-plans (the panel is open and on screen).
    await afterPanelRun(page, 'plan-panel', async () => {
      await setField(page, '#f-gpu_memory_utilization', '0.6');
      await page.locator('#plan-panel').scrollIntoViewIfNeeded();
    });
    const lower = nativePlan([...setup, '--gpu-memory-utilization', '0.6', '--target-concurrency', '8',
      '--target-context', '16384']);
    assert.equal(Number(await planValue(page, 'max_model_len')), lower.max_model_len);
    assert.ok(page.url().includes('target_concurrency=8'), 'the targets travel in the link');

    // A bad target names its field, inside the panel, and the page keeps working.
    await afterPanelRun(page, 'plan-panel', () => page.fill('#plan-concurrency', 'lots'));
    assert.equal(await page.isVisible('#plan-error'), true);
    assert.match(await page.textContent('#plan-error-field'), /target_concurrency/);
    assert.equal(await page.getAttribute('#plan-concurrency', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');

    // Closed again, it stops planning.
    await page.click('#plan-panel > summary');
    const runs = await panelRuns(page, 'plan-panel');
    await setField(page, '#f-max_num_seqs', '128');
    await page.waitForTimeout(600);
    assert.equal(await panelRuns(page, 'plan-panel'), runs);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a pasted log shows its figures beside the CLI\'s prediction', async () => {
    const { context, page, problems } = await openPage(`#model=${encodeURIComponent(MODEL)}&gpu=H100`);
    await page.click('#log-panel > summary');
    await afterPanelRun(page, 'log-panel', () => page.fill('#log-text', RECORD.raw_lines.join('\n')));
    const cellValue = (term, column) => page.$eval(`#log-table tr[data-term="${term}"] td[data-col="${column}"]`,
      (td) => (td.dataset.value === undefined ? null : Number(td.dataset.value)));

    // The logged figures are the record's, read by people from the same log.
    assert.equal(await cellValue('kv_cache_gib', 'logged'), RECORD.observed.kv_cache_gib);
    // The record rounds the weights to 0.01 GiB; the log's loading line has four decimals.
    assert.ok(Math.abs(await cellValue('weights_gib', 'logged') - RECORD.observed.weights_gib) <= 0.005);
    assert.equal(await cellValue('kv_cache_tokens', 'logged'), RECORD.observed.kv_cache_tokens);
    assert.equal(await cellValue('max_concurrency', 'logged'), RECORD.observed.max_concurrency.value);
    assert.equal(await cellValue('cudagraph_gib', 'logged'), RECORD.observed.cudagraph_gib);
    assert.equal(await cellValue('num_gpu_blocks', 'logged'), null, 'this log gives no block count');

    const native = nativeCheckLog(logFile, ['--config', MODEL, '--gpu', 'H100']);
    for (const key of NUMBERS) {
      if (typeof native.predicted[key] === 'number') near(await cellValue(key, 'predicted'), native.predicted[key], `predicted ${key}`);
    }
    for (const [key, difference] of Object.entries(native.difference)) {
      near(await cellValue(key, 'difference'), difference, `difference ${key}`);
    }
    assert.equal(await page.textContent('#log-explanation'), native.explanation);
    assert.equal(await page.isEnabled('#calibrate'), true);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('calibrating applies the log\'s terms, travels in the link, survives a reload and can be removed', async () => {
    const { context, page, problems } = await openPage(`#model=${encodeURIComponent(MODEL)}&gpu=H100`);
    await page.click('#log-panel > summary');
    await afterPanelRun(page, 'log-panel', () => page.fill('#log-text', RECORD.raw_lines.join('\n')));
    await afterChange(page, () => page.click('#calibrate'));
    await page.waitForSelector('#calibration-banner[data-status="applied"]');

    const check = nativeCheckLog(logFile, ['--config', MODEL, '--gpu', 'H100']);
    const override = check.calibration_override;
    const shown = await shownNumbers(page, [...TERMS, 'kv_cache_gib', 'num_gpu_blocks']);
    for (const key of TERMS) {
      if (typeof override[key] === 'number') near(shown[key], override[key], `calibrated ${key}`);
    }
    assert.ok(TERMS.filter((k) => typeof override[k] === 'number').length >= 3, 'this log calibrates three terms or more');
    // The page's calibrated estimate reproduces the logged KV cache within one block, as
    // check-log's own "calibrated" does. (check-log also takes the log's total memory, 79.19
    // GiB as printed, where the page keeps the catalogue's exact bytes: a fraction of a block.)
    const block = check.calibrated.kv.block_cost_bytes / 2 ** 30;
    assert.ok(Math.abs(shown.num_gpu_blocks - check.calibrated.num_gpu_blocks) <= 1,
      `${shown.num_gpu_blocks} blocks, check-log calibrated ${check.calibrated.num_gpu_blocks}`);
    assert.ok(Math.abs(shown.kv_cache_gib - RECORD.observed.kv_cache_gib) <= 0.005 + block,
      `calibrated KV ${shown.kv_cache_gib} GiB, logged ${RECORD.observed.kv_cache_gib}`);
    // The flags the log revealed, left empty before, are now set in the form.
    assert.equal(await page.inputValue('#f-max_model_len'), String(check.calibrated.settings.max_model_len));
    assert.equal(await page.inputValue('#f-gpu_memory_utilization'), String(check.calibrated.settings.gpu_memory_utilization));
    // The log is dated by its line formats; the version it implies is taken too.
    assert.equal(await page.inputValue('#f-vllm_version'), check.calibrated.settings.vllm_version);
    const logFlags = await formFlags(page);
    const bannerTerms = await page.$$eval('#calibration-terms li', (items) => items.map((i) => [i.dataset.term, Number(i.dataset.value)]));
    assert.deepEqual(Object.fromEntries(bannerTerms),
      Object.fromEntries(Object.entries(override).filter(([k, v]) => TERMS.includes(k) && typeof v === 'number')));

    await page.waitForFunction(() => location.hash.includes('calibration.activation_gib='));
    const link = page.url();
    assert.match(link, new RegExp(`calibration\\.activation_gib=${override.activation_gib}`));

    // The same tab reloaded, a fresh profile with only the link, and the stored state alone.
    await page.reload();
    await settled(page);
    for (const key of TERMS) if (typeof override[key] === 'number') near((await shownNumbers(page, [key]))[key], override[key], `reloaded ${key}`);
    assert.equal(await page.getAttribute('#calibration-banner', 'data-status'), 'applied');

    const fresh = await served.browser.newContext();
    const linked = await fresh.newPage();
    await linked.goto(link);
    await settled(linked);
    assert.equal(await linked.getAttribute('#calibration-banner', 'data-status'), 'applied');
    near((await shownNumbers(linked, ['kv_cache_gib'])).kv_cache_gib, shown.kv_cache_gib, 'linked kv_cache_gib');
    await fresh.close();

    await page.goto(`${served.server.url}index.html`);
    await settled(page);
    assert.equal(await page.getAttribute('#calibration-banner', 'data-status'), 'applied', 'kept in local storage');

    // Another model: the calibration is kept but not applied (its weights are not this model's).
    await setField(page, '#model', 'Qwen/Qwen2.5-7B-Instruct');
    assert.equal(await page.getAttribute('#calibration-banner', 'data-status'), 'paused');
    assert.match(await page.textContent('#calibration-scope'), /model/);
    const qwen = nativeEstimate(['--config', 'Qwen/Qwen2.5-7B-Instruct', '--gpu', 'H100', ...logFlags]);
    for (const key of [...TERMS, 'kv_cache_gib']) near((await shownNumbers(page, [key]))[key], qwen[key], `other model ${key}`);
    await setField(page, '#model', MODEL);
    assert.equal(await page.getAttribute('#calibration-banner', 'data-status'), 'applied');

    // Removed: the plain estimate of the same setup, and the link forgets it.
    await afterChange(page, () => page.click('#remove-calibration'));
    assert.equal(await page.isHidden('#calibration-banner'), true);
    const plain = nativeEstimate(['--config', MODEL, '--gpu', 'H100', ...logFlags]);
    for (const key of [...TERMS, 'kv_cache_gib', 'num_gpu_blocks']) near((await shownNumbers(page, [key]))[key], plain[key], `removed ${key}`);
    await page.waitForFunction(() => !location.hash.includes('calibration.'));
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('text that is not a vLLM log never breaks the page', async () => {
    const { context, page, problems } = await openPage();
    await page.click('#log-panel > summary');
    const garbage = [
      'hello world',
      '{"architectures": ["LlamaForCausalLM"]}',
      '<img src=x onerror="document.body.dataset.injected=1"><script>document.body.dataset.injected=1</script>',
      'Available KV cache memory: lots GiB\nGPU KV cache size: -5 tokens\nModel loading took NaN GiB\n# GPU blocks: 1e999',
      'Maximum concurrency for 0 tokens per request: 1e308x\nGraph capturing finished in 5 secs, took -0.19 GiB',
      '\u0000\u0001\u0002 \ud83d\ude00 \u202e '.repeat(200),
      `${'INFO 01-01 00:00:00 worker.py:1] '.repeat(4000)}\n`.repeat(3),
      RECORD.raw_lines.map((line) => line.slice(0, Math.floor(line.length / 2))).join('\n'),
    ];
    for (const text of garbage) {
      await afterPanelRun(page, 'log-panel', () => page.fill('#log-text', text));
      const state = await page.$eval('#log-panel', (node) => node.dataset.state);
      assert.ok(['ready', 'error'].includes(state), `${JSON.stringify(text.slice(0, 40))}: panel ${state}`);
      const shows = await page.evaluate(() => ['#log-result', '#log-empty', '#log-error']
        .filter((id) => !document.querySelector(id).hidden));
      assert.equal(shows.length, 1, `${JSON.stringify(text.slice(0, 40))}: shows ${shows}`);
    }
    assert.equal(await page.evaluate(() => document.body.dataset.injected), undefined, 'pasted text is never markup');
    assert.equal(await page.$$eval('#log-panel img, #log-panel script', (nodes) => nodes.length), 0);
    // The calculator itself still answers.
    await setField(page, '#f-max_model_len', '8192');
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
    const native = nativeEstimate(['--config', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'H100', '--max-model-len', '8192']);
    near((await shownNumbers(page, ['kv_cache_gib'])).kv_cache_gib, native.kv_cache_gib, 'kv_cache_gib after garbage');
    // Clearing the box clears the comparison.
    await page.click('#clear-log');
    assert.equal(await page.isHidden('#log-result'), true);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
