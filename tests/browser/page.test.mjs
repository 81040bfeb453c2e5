// The calculator page, served from a local server: the default result, a pasted config and
// changed flags against the native CLI, a broken paste, the URL round trip, the pasted config
// surviving a reload, and no network use after load.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  afterChange,
  collectProblems,
  nativeEstimate,
  renders,
  repoDir,
  serveSite,
  servedSite,
  setField,
  settled,
  shownNumbers,
} from './harness.mjs';

// Every number the page shows with a data-key, compared to the CLI's JSON of the same setup.
const KEYS = [
  'weights_gib', 'activation_gib', 'non_torch_gib', 'cudagraph_gib', 'kv_cache_gib',
  'num_gpu_blocks', 'kv_cache_tokens', 'max_concurrency', 'total_gib', 'requested_gib', 'unused_gib',
];
const PASTED = 'Qwen__Qwen3-8B.json';

function assertSameNumbers(shown, native, context) {
  for (const key of KEYS) {
    const expected = native[key];
    assert.equal(typeof shown[key], 'number', `${context}: ${key} is not shown`);
    if (Number.isInteger(expected)) {
      assert.equal(shown[key], expected, `${context}: ${key}`);
    } else {
      const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
      assert.ok(Math.abs(shown[key] - expected) <= tolerance,
        `${context}: ${key} shows ${shown[key]}, the CLI says ${expected}`);
    }
  }
}

async function verdict(page) {
  return page.$eval('#result [data-key="fits"]', (node) => node.dataset.value === 'true');
}

describe('the calculator page', () => {
  const served = servedSite();

  async function openPage(path = 'index.html') {
    const context = await served.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = collectProblems(page);
    const loaded = [];
    page.on('requestfinished', (request) => loaded.push(new URL(request.url()).pathname));
    await page.goto(served.server.url + path);
    await settled(page);
    await page.waitForSelector('body[data-catalogues="ready"]');
    return { context, page, problems, loaded };
  }

  test('opens on Llama-3.1-8B-Instruct on an H100 and shows the CLI\'s numbers', async () => {
    const { context, page, problems, loaded } = await openPage();
    // The served page streams the wasm file; the whole engine (headroom.js, for the widget)
    // is not downloaded as well.
    // Both halves carry the same build stamp.
    const wasmFiles = loaded.filter((p) => /^\/headroom\.[0-9a-f]{12}\.wasm$/.test(p));
    const stamp = wasmFiles[0]?.split('.')[1];
    assert.ok(stamp && loaded.includes(`/headroom-core.${stamp}.js`), loaded.join(' '));
    assert.ok(!loaded.includes('/headroom.js'), loaded.join(' '));
    // ...compiled by the prefetch at the top of the page (wasm-prefetch.js), not fetched twice.
    assert.equal(await page.evaluate(async () => (await globalThis.headroomWasmModule) instanceof WebAssembly.Module), true);
    assert.equal(wasmFiles.length, 1, loaded.join(' '));
    await page.waitForSelector('#result:not([hidden])');
    assert.equal(await page.inputValue('#model'), 'meta-llama/Llama-3.1-8B-Instruct');
    const native = nativeEstimate(['--config', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'H100',
      '--tensor-parallel-size', '1']);
    assertSameNumbers(await shownNumbers(page, KEYS), native, 'default');
    assert.equal(await verdict(page), native.fits);
    assert.equal(await page.textContent('#vllm-serve'), native.vllm_serve);
    assert.equal(await page.$$eval('#notes li', (items) => items.length), Math.max(1, native.notes.length));
    assert.equal(await page.$$eval('#formulas details', (items) => items.length), native.terms.length);
    await page.click('[data-formula="kv_cache_gib"]');
    assert.equal(await page.$eval('#formula-kv_cache_gib', (d) => d.open), true);
    const term = native.terms.find((t) => t.key === 'kv_cache_gib');
    assert.equal(await page.textContent('#formula-kv_cache_gib .formula-text'), term.formula);
    // Placeholders show vLLM's defaults as the core resolved them.
    assert.equal(await page.getAttribute('#f-max_model_len', 'placeholder'),
      String(native.settings.max_model_len));
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a pasted config with changed flags matches the CLI, and the graph panel follows', async () => {
    const { context, page, problems } = await openPage();
    const configPath = join(repoDir, 'models/configs', PASTED);
    await afterChange(page, () => page.check('input[name="source"][value="config"]'));
    await setField(page, '#config', readFileSync(configPath, 'utf8'));
    await setField(page, '#f-max_model_len', '32768');
    await setField(page, '#f-max_num_seqs', '64');
    const flags = ['--config', configPath, '--gpu', 'H100', '--max-model-len', '32768', '--max-num-seqs', '64'];
    const graphs = nativeEstimate(flags);
    assertSameNumbers(await shownNumbers(page, KEYS), graphs, 'pasted, max_num_seqs 64');
    assert.equal(await page.textContent('#vllm-serve'), graphs.vllm_serve);
    const ticks = await page.$$eval('#cudagraph-chart line.rug-piecewise', (lines) => lines.length);
    assert.equal(ticks, graphs.cudagraph.capture_sizes.length);
    assert.ok(graphs.cudagraph_gib > 0, 'the CLI captures graphs for this setup');
    // The chart adds up the core's parts (pool, fixed, per-graph costs); it must land on the
    // core's total, or the chart is missing a term the core counts.
    const chartEnd = Number(await page.getAttribute('#cudagraph-chart path.curve', 'data-end-gib'));
    assert.ok(Math.abs(chartEnd - graphs.cudagraph_gib) < 1e-9,
      `the chart ends at ${chartEnd} GiB, the core says ${graphs.cudagraph_gib}`);

    await afterChange(page, () => page.check('#f-enforce_eager'));
    const eager = nativeEstimate([...flags, '--enforce-eager']);
    assertSameNumbers(await shownNumbers(page, KEYS), eager, 'pasted, enforce_eager');
    assert.equal(eager.cudagraph_gib, 0);
    assert.equal(await page.$$eval('#cudagraph-chart line.rug-piecewise', (l) => l.length), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a multimodal model\'s encoder pass counts in the activation until skip_mm_profiling is ticked', async () => {
    const { context, page, problems } = await openPage();
    await setField(page, '#model', 'google/gemma-3-4b-it');
    const flags = ['--config', 'google/gemma-3-4b-it', '--gpu', 'H100', '--tensor-parallel-size', '1'];
    const withPass = nativeEstimate(flags);
    assertSameNumbers(await shownNumbers(page, KEYS), withPass, 'gemma-3-4b');
    await afterChange(page, () => page.check('#f-skip_mm_profiling'));
    const skipped = nativeEstimate([...flags, '--skip-mm-profiling']);
    assertSameNumbers(await shownNumbers(page, KEYS), skipped, 'gemma-3-4b, skip_mm_profiling');
    assert.ok(skipped.activation_gib < withPass.activation_gib);
    assert.equal(await page.textContent('#vllm-serve'), skipped.vllm_serve);
    // The link keeps the tick: a fresh profile opening it shows the same numbers.
    await page.waitForFunction(() => location.hash.includes('skip_mm_profiling=true'));
    const link = page.url();
    assert.deepEqual(problems, []);
    await context.close();
    const fresh = await served.browser.newContext();
    const linked = await fresh.newPage();
    await linked.goto(link);
    await settled(linked);
    assert.equal(await linked.isChecked('#f-skip_mm_profiling'), true);
    assertSameNumbers(await shownNumbers(linked, KEYS), skipped, 'gemma-3-4b, skip_mm_profiling, from the link');
    await fresh.close();
  });

  test('a broken paste names the field, and the page works again once it is fixed', async () => {
    const { context, page, problems } = await openPage();
    const text = readFileSync(join(repoDir, 'models/configs', PASTED), 'utf8');
    const config = JSON.parse(text);
    delete config.num_hidden_layers;
    await afterChange(page, () => page.check('input[name="source"][value="config"]'));
    await setField(page, '#config', JSON.stringify(config, null, 2));
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error-field'), /num_hidden_layers/);
    assert.ok((await page.textContent('#error-message')).length > 0);
    assert.equal(await page.getAttribute('#config', 'aria-invalid'), 'true');

    await setField(page, '#config', '{"architectures": ["LlamaForCausalLM"], ');
    await page.waitForSelector('#error:not([hidden])');
    assert.ok((await page.textContent('#error-message')).length > 0, 'a JSON syntax error is explained');

    await setField(page, '#config', text);
    await page.waitForSelector('#error', { state: 'hidden' });
    const native = nativeEstimate(['--config', join(repoDir, 'models/configs', PASTED), '--gpu', 'H100']);
    assertSameNumbers(await shownNumbers(page, KEYS), native, 'after the fix');
    assert.equal(await page.getAttribute('#config', 'aria-invalid'), null);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a bad flag value names the flag', async () => {
    const { context, page } = await openPage();
    await setField(page, '#f-max_num_seqs', 'many');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error-field'), /max_num_seqs/);
    assert.equal(await page.getAttribute('#f-max_num_seqs', 'aria-invalid'), 'true');
    await setField(page, '#f-max_num_seqs', '');
    await page.waitForSelector('#error', { state: 'hidden' });
    await context.close();
  });

  test('the URL carries the whole setup, pasted config included', async () => {
    const first = await openPage();
    await afterChange(first.page, () => first.page.check('input[name="source"][value="config"]'));
    await setField(first.page, '#config', readFileSync(join(repoDir, 'models/configs', PASTED), 'utf8'));
    await setField(first.page, '#f-max_model_len', '16384');
    await setField(first.page, '#f-gpu_memory_utilization', '0.85');
    await afterChange(first.page, () => first.page.selectOption('#gpu', { index: 1 }));
    await first.page.waitForFunction(() => location.hash.includes('config='));
    const link = first.page.url();
    const shownFirst = await shownNumbers(first.page, KEYS);
    await first.context.close();

    // A fresh browser profile: nothing in local storage, only the link.
    const context = await served.browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await settled(page);
    assert.deepEqual(await shownNumbers(page, KEYS), shownFirst);
    assert.equal(await page.inputValue('#f-max_model_len'), '16384');
    assert.equal(await page.inputValue('#f-gpu_memory_utilization'), '0.85');
    assert.equal(await page.isChecked('input[name="source"][value="config"]'), true);
    await context.close();
  });

  test('an older link opened in another tab shows that link, a reload right after an edit keeps the edit', async () => {
    const { context, page, problems } = await openPage();
    await setField(page, '#f-max_num_seqs', '32');
    await page.waitForFunction(() => location.hash.includes('max_num_seqs=32'));
    const older = page.url();
    await setField(page, '#f-max_num_seqs', '64');
    await page.waitForFunction(() => location.hash.includes('max_num_seqs=64'));

    // Another tab of the same profile (same local storage, its own session) opens the older link.
    const other = await context.newPage();
    await other.goto(older);
    await settled(other);
    assert.equal(await other.inputValue('#f-max_num_seqs'), '32');
    await other.close();

    // An edit, then a reload before the URL has caught up with it: the edit stays.
    await page.fill('#f-max_num_seqs', '96');
    await page.reload();
    await settled(page);
    assert.equal(await page.inputValue('#f-max_num_seqs'), '96');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('every label shown on the memory bar fits inside its segment', async () => {
    const { context, page } = await openPage();
    // Utilisations from 0.30 to 0.96 slide the KV cache and unused segments through every width,
    // so some label is always near the edge of its segment.
    for (let step = 0; step <= 33; step += 1) {
      const setup = (0.30 + step * 0.02).toFixed(2);
      await setField(page, '#f-gpu_memory_utilization', setup);
      const overflows = await page.$$eval('.memory-bar .segment', (segments) => segments
        .filter((s) => !s.hidden && !s.firstElementChild.hidden)
        .filter((s) => s.firstElementChild.getBoundingClientRect().width > s.getBoundingClientRect().width)
        .map((s) => `${s.className}: ${s.textContent}`));
      assert.deepEqual(overflows, [], `gpu_memory_utilization ${setup}`);
      const shown = await page.$$eval('.memory-bar .segment', (segments) => segments
        .filter((s) => !s.hidden && !s.firstElementChild.hidden).length);
      assert.ok(shown >= 1, 'at least the largest segment keeps its label');
    }
    await context.close();
  });

  test('a host that serves the wasm with another type still gets the page working', async () => {
    const plainHost = await serveSite(served.site, { types: { '.wasm': 'application/octet-stream' } });
    const context = await served.browser.newContext();
    const page = await context.newPage();
    const problems = collectProblems(page);
    const wasmLoads = [];
    page.on('requestfinished', (request) => { if (request.url().endsWith('.wasm')) wasmLoads.push(request.url()); });
    await page.goto(plainHost.url);
    await settled(page);
    assert.equal(wasmLoads.length, 1, `the wasm is downloaded once: ${wasmLoads}`);
    const shown = await page.$eval('#result [data-key="kv_cache_gib"]', (n) => Number(n.dataset.value));
    const native = nativeEstimate(['--config', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'H100']);
    assert.ok(Math.abs(shown - native.kv_cache_gib) <= 1e-9 * native.kv_cache_gib, `${shown} vs ${native.kv_cache_gib}`);
    assert.deepEqual(problems, []);
    await context.close();
    await plainHost.close();
  });

  test('the pasted config survives a reload (local storage) and the page uses no network', async () => {
    const { context, page, problems } = await openPage();
    const requests = [];
    page.on('request', (request) => requests.push(request.url()));
    const text = readFileSync(join(repoDir, 'models/configs', PASTED), 'utf8');
    await afterChange(page, () => page.check('input[name="source"][value="config"]'));
    await setField(page, '#config', text);
    await setField(page, '#f-max_num_seqs', '32');
    await afterChange(page, () => page.selectOption('#f-kv_cache_dtype', 'fp8'));
    assert.deepEqual(requests, [], 'no request after the page has loaded');

    // Reload without the fragment: local storage brings the paste back.
    const loads = [];
    page.on('request', (request) => loads.push(new URL(request.url())));
    await page.goto(served.server.url);
    await settled(page);
    assert.equal(await page.inputValue('#config'), text);
    assert.equal(await page.inputValue('#f-max_num_seqs'), '32');
    assert.ok(loads.every((url) => url.origin === new URL(served.server.url).origin),
      `only the page's own files are loaded: ${loads.map(String)}`);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('every control has a label and the flags can be used from the keyboard', async () => {
    const { context, page } = await openPage();
    const unlabelled = await page.$$eval('input, select, textarea', (controls) => controls
      .filter((c) => c.type !== 'hidden' && !c.closest('[hidden]'))
      .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label'))
      .map((c) => c.id || c.name));
    assert.deepEqual(unlabelled, []);
    await page.focus('#f-max_model_len');
    await afterChange(page, () => page.keyboard.type('4096'));
    const native = nativeEstimate(['--config', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'H100',
      '--max-model-len', '4096']);
    assertSameNumbers(await shownNumbers(page, KEYS), native, 'typed max_model_len');
    await context.close();
  });
  test('picking another bundled model and opening a file both update the result', async () => {
    const { context, page, problems } = await openPage();
    await setField(page, '#model', 'Qwen/Qwen2.5-7B-Instruct');
    const picked = nativeEstimate(['--config', 'Qwen/Qwen2.5-7B-Instruct', '--gpu', 'H100']);
    assertSameNumbers(await shownNumbers(page, KEYS), picked, 'picked from the list');

    const file = join(repoDir, 'models/configs', 'google__gemma-2-9b.json');
    await afterChange(page, () => page.setInputFiles('#config-file', file));
    assert.equal(await page.isChecked('input[name="source"][value="config"]'), true);
    assertSameNumbers(await shownNumbers(page, KEYS), nativeEstimate(['--config', file, '--gpu', 'H100']),
      'opened from a file');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('every bundled model draws a result or a named error, without a script error', async () => {
    const { context, page, problems } = await openPage();
    const names = await page.$$eval('#model-list option', (options) => options.map((o) => o.value));
    assert.ok(names.length >= 10, `the model list has ${names.length} entries`);
    const wrong = [];
    for (const name of names) {
      await afterChange(page, () => page.evaluate((model) => {
        location.hash = new URLSearchParams({ model, gpu: 'H100' }).toString();
      }, name));
      const state = await page.evaluate(() => document.body.dataset.state);
      if (state === 'ready') {
        // Too big for one GPU is a "does not fit" verdict, drawn like any other result.
        if (!(await page.textContent('#setup-line')).startsWith(name)) wrong.push(`${name}: stale result`);
      } else {
        const field = (await page.textContent('#error-field')).trim();
        const message = (await page.textContent('#error-message')).trim();
        if (state !== 'error' || !field || !message) wrong.push(`${name}: ${state}, "${field}" "${message}"`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
