// Shared set-up for the browser tests: build the site, serve it on a free local port, drive
// Debian's Chromium through playwright-core, and ask the native CLI for reference numbers.
// (No *.test.mjs suffix: node --test loads only the test files.)

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = join(repoDir, 'build/native/headroom');
export const screenshotDir = join(repoDir, 'test-results/screenshots');

// Builds the site from web/ and the wasm module (build/wasm/headroom.js, or HEADROOM_WASM
// for a build elsewhere) into a fresh temporary folder (test files run in parallel, so each
// gets its own) and returns that folder.
export function buildSite() {
  const wasm = process.env.HEADROOM_WASM || join(repoDir, 'build/wasm/headroom.js');
  if (!existsSync(wasm)) throw new Error(`${wasm} is missing: run scripts/build-wasm.sh first`);
  const out = mkdtempSync(join(tmpdir(), 'headroom-site-'));
  execFileSync('node', [join(repoDir, 'web/build.mjs'), '--wasm', wasm, '--out', out], { stdio: 'pipe' });
  return out;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.json': 'application/json', '.svg': 'image/svg+xml',
};

// A static server on 127.0.0.1 and a port the OS picks. Returns {url, close}. `types`
// overrides Content-Type by extension (a host that does not know .wasm, say).
export async function serveSite(root, { types = {} } = {}) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    let file = join(base, path.endsWith('/') ? `${path}index.html` : path);
    if (file !== base && !file.startsWith(base + sep)) file = '';
    try {
      const body = readFileSync(file);
      const ext = extname(file);
      res.writeHead(200, { 'Content-Type': types[ext] || TYPES[ext] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

// What every browser test file needs: before its tests, the site built into a fresh folder,
// served, and Chromium started; after them, both closed and the folder deleted. Call it at the
// top of a file or inside a describe(); its fields are set once the hooks have run, so read
// them inside tests.
export function servedSite() {
  const served = { site: '', server: null, browser: null };
  before(async () => {
    served.site = buildSite();
    served.server = await serveSite(served.site);
    served.browser = await launchBrowser();
  });
  after(async () => {
    await served.browser?.close();
    await served.server?.close();
    if (served.site) rmSync(served.site, { recursive: true, force: true });
  });
  return served;
}

// Debian's Chromium, headless. `args` are added after the usual switches.
export function launchBrowser({ args = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', ...args],
  });
}

// Console errors and uncaught exceptions of a page, to assert that none happened.
export function collectProblems(page) {
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

// Waits until the page has finished the estimate that follows the last change.
export async function settled(page, previousRenders) {
  await page.waitForFunction(
    (before) => document.body.dataset.state !== 'pending'
      && Number(document.body.dataset.renders || 0) > before,
    previousRenders ?? -1,
  );
}

export async function renders(page) {
  return page.evaluate(() => Number(document.body.dataset.renders || 0));
}

// The exact numbers the page shows, read from data-key / data-value.
export function shownNumbers(page, keys, scope = '#result') {
  return page.evaluate(({ keys, scope }) => {
    const out = {};
    for (const key of keys) {
      const node = document.querySelector(`${scope} [data-key="${key}"]`);
      out[key] = node && node.dataset.value !== undefined ? Number(node.dataset.value) : null;
    }
    return out;
  }, { keys, scope });
}

// The native CLI's answer for the same setup: `headroom estimate ... --json`.
export function nativeEstimate(args) {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run scripts/build-native.sh first`);
  const out = execFileSync(cliPath, ['estimate', ...args, '--json'], { encoding: 'utf8' });
  return JSON.parse(out);
}

// Runs one user action and waits for the estimate that follows it.
export async function afterChange(page, action) {
  const before = await renders(page);
  await action();
  await settled(page, before);
}

// Changes one text field the way a person does (replace its text) and waits for the result.
export function setField(page, selector, value) {
  return afterChange(page, () => page.fill(selector, String(value)));
}

// The native CLI's planner for the same setup: `headroom plan ... --json`.
export function nativePlan(args) {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run scripts/build-native.sh first`);
  return JSON.parse(execFileSync(cliPath, ['plan', ...args, '--json'], { encoding: 'utf8' }));
}

// The native CLI's log check: `headroom check-log --log FILE ... --json`.
export function nativeCheckLog(logFile, args) {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run scripts/build-native.sh first`);
  return JSON.parse(execFileSync(cliPath, ['check-log', '--log', logFile, ...args, '--json'], { encoding: 'utf8' }));
}

// A record of tests/fixtures/records.jsonl (real vLLM logs), by id.
export function fixtureRecord(id) {
  const lines = readFileSync(join(repoDir, 'tests/fixtures/records.jsonl'), 'utf8').split('\n');
  const record = lines.filter((line) => line.trim()).map((line) => JSON.parse(line)).find((r) => r.id === id);
  if (!record) throw new Error(`no record ${id} in tests/fixtures/records.jsonl`);
  return record;
}

// How many times a lazy panel (plan-panel, log-panel) has run its core call.
export function panelRuns(page, id) {
  return page.evaluate((panel) => Number(document.getElementById(panel).dataset.runs || 0), id);
}

// Runs one action and waits for the panel's next finished run (ready or error).
export async function afterPanelRun(page, id, action) {
  const before = await panelRuns(page, id);
  await action();
  await page.waitForFunction(({ panel, runs }) => {
    const node = document.getElementById(panel);
    return Number(node.dataset.runs || 0) > runs && ['ready', 'error'].includes(node.dataset.state);
  }, { panel: id, runs: before });
}
