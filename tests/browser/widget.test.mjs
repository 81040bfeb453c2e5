// Embedding: <headroom-calculator> included with one script tag (embed-demo.html) shows the
// same numbers as the CLI for its attributes and follows attribute changes; the documented
// iframe snippet (docs/embedding.md) runs the full page in a sandboxed frame.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { collectProblems, nativeEstimate, servedSite } from './harness.mjs';

const served = servedSite();

// The widget's figures, read through its (open) shadow root.
function widgetNumbers(page, id) {
  return page.evaluate((id) => {
    const root = document.getElementById(id).shadowRoot;
    const out = {};
    for (const node of root.querySelectorAll('[data-key][data-value]')) {
      out[node.dataset.key] = node.dataset.key === 'fits' ? node.dataset.value === 'true' : Number(node.dataset.value);
    }
    return out;
  }, id);
}

async function nextResult(page, id, change) {
  const result = page.evaluate((id) => new Promise((resolve) => {
    document.getElementById(id).addEventListener('headroom-result', (e) => resolve(e.detail.ok), { once: true });
  }), id);
  if (change) await change();
  return result;
}

test('two widgets on one page show the CLI\'s numbers and follow their attributes', async () => {
  const context = await served.browser.newContext();
  const page = await context.newPage();
  const problems = collectProblems(page);
  await page.goto(`${served.server.url}embed-demo.html`);
  await page.waitForFunction(() => ['small', 'large'].every((id) => document.getElementById(id)
    .shadowRoot?.querySelector('[data-key="kv_cache_gib"][data-value]')));

  const small = nativeEstimate(['--config', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'H100', '--tensor-parallel-size', '1']);
  const large = nativeEstimate(['--config', 'meta-llama/Llama-3.1-70B-Instruct', '--gpu', 'H100',
    '--tensor-parallel-size', '4', '--max-model-len', '32768']);
  for (const [id, native] of [['small', small], ['large', large]]) {
    const shown = await widgetNumbers(page, id);
    for (const key of ['kv_cache_gib', 'num_gpu_blocks', 'kv_cache_tokens', 'max_concurrency', 'weights_gib']) {
      assert.ok(Math.abs(shown[key] - native[key]) <= 1e-9 * Math.max(1, Math.abs(native[key])),
        `${id} ${key}: widget ${shown[key]}, CLI ${native[key]}`);
    }
    assert.equal(shown.fits, native.fits);
  }

  const ok = await nextResult(page, 'small', () => page.evaluate(() => {
    document.getElementById('small').setAttribute('max-model-len', '8192');
  }));
  assert.equal(ok, true);
  const changed = nativeEstimate(['--config', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'H100', '--max-model-len', '8192']);
  assert.ok(Math.abs((await widgetNumbers(page, 'small')).max_concurrency - changed.max_concurrency) < 1e-9 * changed.max_concurrency);

  // A boolean attribute: a multimodal model without its encoder pass (--skip-mm-profiling).
  await nextResult(page, 'small', () => page.evaluate(() => {
    const widget = document.getElementById('small');
    widget.setAttribute('model', 'google/gemma-3-4b-it');
    widget.setAttribute('skip-mm-profiling', '');
  }));
  const skipped = nativeEstimate(['--config', 'google/gemma-3-4b-it', '--gpu', 'H100', '--max-model-len', '8192',
    '--skip-mm-profiling']);
  assert.ok(Math.abs((await widgetNumbers(page, 'small')).kv_cache_gib - skipped.kv_cache_gib) < 1e-9 * skipped.kv_cache_gib);

  // A bad attribute shows the core's message naming the field, inside the widget.
  const failed = await nextResult(page, 'small', () => page.evaluate(() => {
    document.getElementById('small').setAttribute('tp', 'three');
  }));
  assert.equal(failed, false);
  const message = await page.evaluate(() => document.getElementById('small').shadowRoot.textContent);
  assert.match(message, /tensor_parallel_size/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the full page works in a sandboxed iframe, preselected by its fragment', async () => {
  writeFileSync(join(served.site, 'iframe-host.html'), `<!doctype html><html><head><link rel="icon" href="data:,"></head><body>
<iframe sandbox="allow-scripts" width="1200" height="800" title="Headroom"
  src="index.html#model=meta-llama%2FLlama-3.1-70B-Instruct&gpu=H100&tensor_parallel_size=4&max_model_len=32768"></iframe>
</body></html>`);
  const context = await served.browser.newContext();
  const page = await context.newPage();
  const problems = collectProblems(page);
  await page.goto(`${served.server.url}iframe-host.html`);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  await frame.waitForFunction(() => document.body.dataset.state === 'ready');
  const shown = await frame.$eval('#result [data-key="kv_cache_gib"]', (n) => Number(n.dataset.value));
  const native = nativeEstimate(['--config', 'meta-llama/Llama-3.1-70B-Instruct', '--gpu', 'H100',
    '--tensor-parallel-size', '4', '--max-model-len', '32768']);
  assert.ok(Math.abs(shown - native.kv_cache_gib) <= 1e-9 * native.kv_cache_gib, `${shown} vs ${native.kv_cache_gib}`);
  assert.deepEqual(problems, []);
  await context.close();
});
