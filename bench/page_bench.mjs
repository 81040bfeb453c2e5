#!/usr/bin/env node
// The page in headless Chromium (Debian's /usr/bin/chromium through playwright-core), served
// from a local server this script starts. Prints one JSON object on stdout:
//   - first result: ms from navigation start until the first estimate is on the page (the
//     result's data-renders mark), and until the frame after it, in a fresh browser context
//     each run;
//   - keystroke to update: one key typed into max_model_len until max_concurrency shows the
//     new value (the page estimates in the task of the input event: wasm estimate, JSON.parse,
//     DOM update), and until the next frame after it (style, layout, paint; this includes
//     waiting for the frame). The wasm estimate alone is timed in the page too.
// On a shared machine wall times stretch with the load; the renderer main thread's CPU time
// (Chromium's ThreadTime metric, and its trace) does not, so it is reported too: up to the
// first result, for a whole load (with the catalogues filled after it) and per keystroke.
// Two floors put the wall-clock figures in proportion: a one-line page, and this page with its
// scripts removed. Chromium runs with its own WebUI preloading off (see launchQuietBrowser).
// Not a test: it asserts nothing.
//   node bench/page_bench.mjs [--site build/site] [--runs 7] [--keys 15]

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, serveSite } from '../tests/browser/harness.mjs';
import { arg, median } from './stats.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const site = path.resolve(arg('--site', path.join(repo, 'build/site')));
const runs = Math.max(1, arg('--runs', 7));
const keystrokes = Math.max(1, arg('--keys', 15));
const RESULT = '#result [data-key="max_concurrency"]';

if (!existsSync(path.join(site, 'index.html'))) {
  console.error(`page_bench: ${site}/index.html is missing: run node web/build.mjs first`);
  process.exit(1);
}

// Chromium opens its own WebUI pages (the omnibox popup) in a renderer of their own with
// every new window, so each fresh context below would share this machine's two cores with
// ~500 ms of the browser's own start-up work, in the middle of the page's load. A browser a
// person already has open did that work long before they navigate. Playwright passes a
// --disable-features list and Chromium keeps only the last such switch, so that list is read
// off chrome://version and launched again with PreloadTopChromeWebUI and WebUIOmniboxPopup
// added to it.
async function launchQuietBrowser() {
  const probe = await launchBrowser();
  const page = await probe.newPage();
  await page.goto('chrome://version');
  const commandLine = await page.evaluate(() => document.querySelector('#command_line')?.textContent || '');
  await probe.close();
  const disabled = commandLine.match(/--disable-features=(\S+)/)?.[1].split(',') ?? [];
  return launchBrowser({ args: [`--disable-features=${[...disabled, 'PreloadTopChromeWebUI', 'WebUIOmniboxPopup'].join(',')}`] });
}

// Runs in the page before its own scripts: timestamps on the page's clock (0 = navigation).
function instrument() {
  const bench = { keydown: 0, renders: [], painted: 0 };
  window.__bench = bench;
  // The verdict carries elementtiming="first-result": the browser reports when its text was
  // first painted (Element Timing), which no script-side timestamp can tell.
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.identifier === 'first-result' && !bench.painted) bench.painted = entry.renderTime || entry.loadTime;
    }
  }).observe({ type: 'element', buffered: true });
  document.addEventListener('keydown', () => { bench.keydown = performance.now(); }, true);
  // data-renders on <body> goes up once per finished update; the observer runs right after
  // the update's synchronous work, and a frame later the update is on screen.
  new MutationObserver(() => {
    const count = Number(document.body?.dataset.renders || 0);
    if (!count || bench.renders.some((r) => r.count === count)) return;
    const entry = { count, at: performance.now(), keydown: bench.keydown, frame: 0 };
    bench.renders.push(entry);
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { entry.frame = performance.now(); };
      channel.port2.postMessage(0);
    });
  }).observe(document, { attributes: true, attributeFilter: ['data-renders'], subtree: true });
}

const lastRenderWithFrame = (page, after) => page.waitForFunction(
  (n) => window.__bench.renders.find((r) => r.count > n && r.frame > 0), after);

async function threadCpuMs(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return 1000 * metrics.find((m) => m.name === 'ThreadTime').value;
}

async function firstResult(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.addInitScript(instrument);
  await page.goto(url);
  await page.waitForSelector(`${RESULT}[data-value]`);
  const first = await (await lastRenderWithFrame(page, 0)).jsonValue();
  const painted = await (await page.waitForFunction(() => window.__bench.painted)).jsonValue();
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { response_end_ms: n.responseEnd, dom_content_loaded_ms: n.domContentLoadedEventEnd };
  });
  await page.waitForSelector('body[data-catalogues="ready"]');
  const loadCpu = await threadCpuMs(cdp);
  return {
    context, page, cdp,
    figures: { first_result_ms: first.at, first_result_frame_ms: first.frame, first_result_painted_ms: painted, ...nav, load_renderer_cpu_ms: loadCpu },
  };
}

async function keystroke(page, cdp, prefix, key) {
  const renders = () => page.evaluate(() => Number(document.body.dataset.renders || 0));
  let before = await renders();
  await page.fill('#f-max_model_len', prefix);
  await lastRenderWithFrame(page, before);
  const shownBefore = await page.$eval(RESULT, (n) => n.dataset.value);
  before = await renders();
  const cpuBefore = await threadCpuMs(cdp);
  await page.keyboard.press(key);
  const entry = await (await lastRenderWithFrame(page, before)).jsonValue();
  const cpu = (await threadCpuMs(cdp)) - cpuBefore;
  const shownAfter = await page.$eval(RESULT, (n) => n.dataset.value);
  if (shownAfter === shownBefore) throw new Error(`max_concurrency did not change after typing ${prefix}${key}`);
  return {
    total_ms: entry.at - entry.keydown,
    total_to_frame_ms: entry.frame - entry.keydown,
    renderer_cpu_ms: cpu,
  };
}

// One more load with Chromium's tracing on (not timed with the others: tracing costs time):
// the renderer main thread's CPU from navigation start to the first result, in all and in
// its larger parts (inclusive: a layout inside a timer task counts in both).
async function traceFirstResult(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(instrument);
  await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline', 'blink.user_timing', 'disabled-by-default-devtools.timeline'] });
  await page.goto(url);
  const first = await (await lastRenderWithFrame(page, 0)).jsonValue();
  const events = JSON.parse(await browser.stopTracing()).traceEvents;
  await context.close();

  const start = events.find((e) => e.name === 'navigationStart' && e.args?.data?.documentLoaderURL === url);
  if (!start) return null;
  const end = start.ts + first.at * 1000;
  const onMain = events
    .filter((e) => e.ph === 'X' && e.pid === start.pid && e.tid === start.tid && e.ts >= start.ts && e.ts < end && e.tdur >= 0)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  let total = 0;
  let outerEnd = -Infinity;
  for (const e of onMain) {
    if (e.ts >= outerEnd) {  // an outermost event: count its thread time once
      total += e.tdur;
      outerEnd = e.ts + e.dur;
    }
  }
  const parts = {};
  const add = (label, e) => { parts[label] = (parts[label] || 0) + e.tdur / 1000; };
  for (const e of onMain) {
    if (e.name === 'EvaluateScript') add(`evaluate ${String(e.args?.data?.url || '').split('/').pop() || 'inline script'}`, e);
    else if (e.name === 'TimerFire') add('timer tasks (the first estimate and render)', e);
    else if (e.name === 'Layout' || e.name === 'UpdateLayoutTree') add('style and layout', e);
    else if (e.name === 'ParseHTML') add('parse HTML', e);
    else if (e.name === 'BlinkScheduler_PerformMicrotaskCheckpoint') add('promise callbacks (module start-up)', e);
  }
  return { first_result_renderer_cpu_ms: total / 1000, first_result_renderer_cpu_parts_ms: parts };
}

// The wasm estimate alone inside this Chromium, on a second instance of the module.
async function estimateInBrowser(page) {
  return page.evaluate(async () => {
    // As web/engine.js does on the served page: the glue, and the module the page compiled.
    const compiled = await globalThis.headroomWasmModule;
    const module = await globalThis.createHeadroom({
      instantiateWasm(imports, receiveInstance) {
        WebAssembly.instantiate(compiled, imports).then((instance) => receiveInstance(instance, compiled));
        return {};
      },
    });
    const request = JSON.stringify({ model: 'meta-llama/Llama-3.1-8B-Instruct', gpu: 'H100' });
    // Each call timed alone, so that a call cut short by other work on the machine is an
    // outlier the median ignores; browsers coarsen performance.now() (to 100 us here), which
    // the median of 300 calls smooths only partly: read this figure to +-100 us.
    const times = [];
    for (let i = 0; i < 300; i += 1) {
      const start = performance.now();
      JSON.parse(module.estimate(request));
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1] * 1000;
  });
}

// The floors this machine and browser set, measured in fresh contexts like the calculator's
// loads: a page holding one line of text, from navigation to that line painted; and the
// calculator's own page with its scripts taken out (its HTML and CSS: the form, no engine),
// from navigation to its first contentful paint. Read the first-result figures against them.
async function floorPaintMs(browser, url, name, body) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.route(`**/${name}`, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body }));
  await page.goto(new URL(name, url).href);
  const painted = await (await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime)).jsonValue();
  await context.close();
  return painted;
}

const ONE_LINE_PAGE = '<!doctype html><title>floor</title><p>Headroom</p>';
const PAGE_WITHOUT_SCRIPTS = readFileSync(path.join(site, 'index.html'), 'utf8')
  .replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '');

const server = await serveSite(site);
const url = `${server.url}index.html`;
const browser = await launchQuietBrowser();
try {
  const loads = [];
  const keys = [];
  let inBrowserUs = 0;
  for (let r = 0; r < runs; r += 1) {
    const { context, page, cdp, figures } = await firstResult(browser, url);
    loads.push(figures);
    if (r === runs - 1) {
      await page.click('#f-max_model_len');
      for (let k = 0; k < keystrokes; k += 1) {
        keys.push(k % 2 ? await keystroke(page, cdp, '409', '6') : await keystroke(page, cdp, '819', '2'));
      }
      inBrowserUs = await estimateInBrowser(page);
    }
    await context.close();
  }
  const floors = [];
  const staticFloors = [];
  for (let r = 0; r < runs; r += 1) {
    floors.push(await floorPaintMs(browser, url, 'floor.html', ONE_LINE_PAGE));
    staticFloors.push(await floorPaintMs(browser, url, 'no-scripts.html', PAGE_WITHOUT_SCRIPTS));
  }
  const traced = await traceFirstResult(browser, url);
  const med = (list, key) => {
    const values = list.map((x) => x[key]).filter((v) => typeof v === 'number');
    return values.length ? median(values) : null;
  };
  console.log(JSON.stringify({
    chromium: browser.version(),
    runs,
    first_result_ms: med(loads, 'first_result_ms'),
    first_result_frame_ms: med(loads, 'first_result_frame_ms'),
    first_result_painted_ms: med(loads, 'first_result_painted_ms'),
    first_result_ms_first_run: loads[0].first_result_ms,
    blank_page_painted_ms: median(floors),
    page_without_scripts_painted_ms: median(staticFloors),
    response_end_ms: med(loads, 'response_end_ms'),
    dom_content_loaded_ms: med(loads, 'dom_content_loaded_ms'),
    load_renderer_cpu_ms: med(loads, 'load_renderer_cpu_ms'),
    ...traced,
    keystrokes: keys.length,
    keystroke: Object.fromEntries(Object.keys(keys[0]).map((k) => [k, med(keys, k)])),
    keystroke_total_ms_max: Math.max(...keys.map((k) => k.total_ms)),
    wasm_estimate_in_chromium_us: inBrowserUs,
  }, null, 2));
} finally {
  await browser.close();
  await server.close();
}
