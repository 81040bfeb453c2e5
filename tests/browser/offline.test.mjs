// headroom-offline.html: one file, opened from disk (file://) with every network request
// refused, must still start the wasm core and show the same numbers as the CLI.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import {
  buildSite, collectProblems, launchBrowser, nativeEstimate, setField, settled, shownNumbers,
} from './harness.mjs';

const KEYS = ['weights_gib', 'kv_cache_gib', 'num_gpu_blocks', 'kv_cache_tokens', 'max_concurrency', 'cudagraph_gib'];

let site;
let alone;
let browser;

before(async () => {
  site = buildSite();
  // Alone in its folder, so it cannot lean on the site's other files.
  alone = mkdtempSync(join(tmpdir(), 'headroom-offline-'));
  copyFileSync(join(site, 'headroom-offline.html'), join(alone, 'headroom-offline.html'));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  for (const dir of [site, alone]) if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the offline file refers to nothing outside itself', () => {
  const html = readFileSync(join(alone, 'headroom-offline.html'), 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=/i);
  assert.doesNotMatch(html, /<link[^>]+rel="stylesheet"/i);
  assert.match(html, /connect-src 'none'/);
  assert.doesNotMatch(html, /unsafe-inline/, 'inline code is allowed by hash, not wholesale');
});

test('opened from file:// with the network blocked, it shows the CLI\'s result', async () => {
  const context = await browser.newContext({ offline: true });
  const page = await context.newPage();
  const problems = collectProblems(page);
  const refused = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    refused.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(join(alone, 'headroom-offline.html')).href);
  await settled(page);
  await page.waitForSelector('#result:not([hidden])');
  const native = nativeEstimate(['--config', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'H100']);
  const shown = await shownNumbers(page, KEYS);
  for (const key of KEYS) {
    assert.ok(Math.abs(shown[key] - native[key]) <= 1e-9 * Math.max(1, Math.abs(native[key])),
      `${key}: page ${shown[key]}, CLI ${native[key]}`);
  }

  // Still live: a flag change recomputes without any network.
  await setField(page, '#f-max_num_seqs', '8');
  const changed = nativeEstimate(['--config', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'H100',
    '--max-num-seqs', '8']);
  assert.equal((await shownNumbers(page, ['num_gpu_blocks'])).num_gpu_blocks, changed.num_gpu_blocks);
  assert.deepEqual(refused, []);
  assert.deepEqual(problems, []);
  await context.close();
});
