#!/usr/bin/env node
// Merges the benchmark outputs into bench/results/latest.json and prints the figures as a
// table against the targets of issue 7; with --compare, prints latest / baseline per figure.
//   node bench/report.mjs merge <dir with native.json wasm.json page.json payload.json> [--out FILE] [--quiet]
//   node bench/report.mjs show [latest.json]
//   node bench/report.mjs compare [latest.json] [baseline.json]
//   node bench/report.mjs median OUT.json RUN1.json RUN2.json ...   (per figure, over whole runs)

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg } from './stats.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const latestFile = path.join(repo, 'bench/results/latest.json');
const baselineFile = path.join(repo, 'bench/baseline.json');

// Every figure the table shows: where it lives in latest.json, its unit, which way is better,
// and the target where there is one.
const FIGURES = [
  ['native.estimate_latency.api_estimate_us', 'native: one estimate, api::estimate (JSON in + out)', 'us', 'lower', (v) => v < 50, '< 50 us'],
  ['native.estimate_latency.run_estimate_us', 'native: one estimate, run_estimate alone (no JSON)', 'us', 'lower', (v) => v < 50, '< 50 us'],
  ['native.estimate_latency.parse_request_us', 'native:   parse request JSON', 'us', 'lower'],
  ['native.estimate_latency.load_model_us', 'native:   load_model (recent parse kept)', 'us', 'lower'],
  ['native.estimate_latency.parse_config_us', 'native:   parse config.json (first use of a model)', 'us', 'lower'],
  ['native.estimate_latency.estimate_for_us', 'native:   estimate_for (the arithmetic)', 'us', 'lower'],
  ['native.estimate_latency.serialise_us', 'native:   response to JSON text', 'us', 'lower'],
  ['native.estimates_per_second_median_over_models', 'native: estimates / CPU-s, median over models', '/s', 'higher'],
  ['native.estimates_per_second_min_over_models', 'native: estimates / CPU-s, slowest model', '/s', 'higher'],
  ['native.sweep.build_heatmap_64x64_ms', 'native: 64x64 sweep, build_heatmap', 'ms', 'lower'],
  ['native.sweep.api_plan_heatmap_64_ms', 'native: plan API with 64x64 heat map', 'ms', 'lower'],
  ['wasm.module_load_ms', 'wasm/Node: module load', 'ms', 'lower'],
  ['wasm.estimate_latency.api_estimate_us', 'wasm/Node: one estimate (JSON in + out)', 'us', 'lower'],
  ['wasm.estimates_per_second_median_over_models', 'wasm/Node: estimates / CPU-s, median over models', '/s', 'higher'],
  ['wasm.estimates_per_second_min_over_models', 'wasm/Node: estimates / CPU-s, slowest model', '/s', 'higher'],
  ['wasm.sweep.api_plan_heatmap_64_ms', 'wasm/Node: plan API with 64x64 heat map', 'ms', 'lower'],
  ['ratios.wasm_over_native_estimate_latency', 'wasm / native: one estimate', 'x', 'lower', (v) => v <= 3, '<= 3x'],
  ['ratios.wasm_over_native_throughput', 'wasm / native: CPU per estimate, median model', 'x', 'lower', (v) => v <= 3, '<= 3x'],
  ['ratios.wasm_over_native_plan_64', 'wasm / native: plan with 64x64 heat map', 'x', 'lower', (v) => v <= 3, '<= 3x'],
  ['page.first_result_ms', 'page: navigation to first result', 'ms', 'lower', (v) => v < 300, '< 300 ms'],
  ['page.first_result_painted_ms', 'page: navigation to the result painted (Element Timing)', 'ms', 'lower', (v) => v < 300, '< 300 ms'],
  ['page.blank_page_painted_ms', 'page:   floor: a one-line page, navigation to painted', 'ms', 'lower'],
  ['page.page_without_scripts_painted_ms', 'page:   floor: this page without its scripts, first paint', 'ms', 'lower'],
  ['page.first_result_frame_ms', 'page: navigation to the first frame callback after it', 'ms', 'lower'],
  ['page.first_result_renderer_cpu_ms', 'page:   renderer main-thread CPU until then', 'ms', 'lower', (v) => v < 300, '< 300 ms'],
  ['page.keystroke.total_ms', 'page: keystroke to updated result (estimate + render)', 'ms', 'lower', (v) => v < 16, '< 16 ms'],
  ['page.keystroke.total_to_frame_ms', 'page:   keystroke to the next frame after it', 'ms', 'lower'],
  ['page.keystroke.renderer_cpu_ms', 'page: renderer CPU per keystroke (all of it)', 'ms', 'lower'],
  ['page.load_renderer_cpu_ms', 'page: renderer CPU, whole load incl. catalogues', 'ms', 'lower'],
  ['page.wasm_estimate_in_chromium_us', 'page: one wasm estimate in Chromium', 'us', 'lower'],
  ['payload.served_page.total.gzip', 'payload: served page (html+css+app+engine), gzip', 'B', 'lower', (v) => v < 400 * 1024, '< 400 KiB'],
  ['payload.offline_html.gzip', 'payload: headroom-offline.html, gzip', 'B', 'lower', (v) => v < 400 * 1024, '< 400 KiB'],
  ['payload.served_plus_offline.gzip', 'payload: both together, gzip', 'B', 'lower', (v) => v < 400 * 1024, '< 400 KiB'],
  ['payload.served_page.total.raw', 'payload: served page, raw', 'B', 'lower'],
  ['payload.parts.wasm_binary.gzip', 'payload:   wasm binary, gzip', 'B', 'lower'],
  ['payload.parts.wasm_as_base64_in_headroom_js.gzip', 'payload:   same wasm as inlined base64, gzip', 'B', 'lower'],
  ['payload.parts.emscripten_glue_js.gzip', 'payload:   Emscripten glue JS, gzip', 'B', 'lower'],
  ['payload.parts.app_js.gzip', 'payload:   app.js, gzip', 'B', 'lower'],
  ['payload.parts.css.gzip', 'payload:   styles.css, gzip', 'B', 'lower'],
  ['payload.parts.data_baked_into_wasm.gzip', 'payload:   models/ data (inside the wasm), gzip', 'B', 'lower'],
].map(([key, label, unit, better, met, target]) => ({ key, label, unit, better, met, target }));

const get = (obj, key) => key.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

function format(value, unit) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '-';
  if (unit === 'B') return value >= 1024 ? `${(value / 1024).toFixed(1)} KiB` : `${value} B`;
  if (unit === 'x') return `${value.toFixed(2)}x`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c])))
    .join('  ').trimEnd()).join('\n');
}

function firstLine(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
  } catch {
    return '';
  }
}

function machine(loadBefore, priority) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? '',
    cores: cpus.length,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    load_average_before: loadBefore || '',
    load_average_after: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    benchmark_priority: priority || 'normal',
    node: process.version,
    cxx: firstLine('c++', ['--version']),
    emcc: firstLine('emcc', ['--version']),
  };
}

function merge(dir, loadBefore, priority, outFile) {
  const part = (name) => (existsSync(path.join(dir, `${name}.json`)) ? readJson(path.join(dir, `${name}.json`)) : null);
  const native = part('native');
  const wasm = part('wasm');
  const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null);
  const result = {
    date: new Date().toISOString(),
    commit: firstLine('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']),
    uncommitted_changes: firstLine('git', ['-C', repo, 'status', '--porcelain']) !== '',
    machine: machine(loadBefore, priority),
    native,
    wasm,
    ratios: {
      wasm_over_native_estimate_latency: ratio(wasm?.estimate_latency?.api_estimate_us, native?.estimate_latency?.api_estimate_us),
      wasm_over_native_throughput: ratio(native?.estimates_per_second_median_over_models, wasm?.estimates_per_second_median_over_models),
      wasm_over_native_plan_64: ratio(wasm?.sweep?.api_plan_heatmap_64_ms, native?.sweep?.api_plan_heatmap_64_ms),
    },
    page: part('page'),
    payload: part('payload'),
  };
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

function show(result) {
  const m = result.machine;
  console.log(`${result.date}  commit ${result.commit}${result.uncommitted_changes ? ' (+ uncommitted changes)' : ''}`);
  console.log(`${m.cpu}, ${m.cores} cores; load average before ${m.load_average_before || '?'}, after ${m.load_average_after}; priority ${m.benchmark_priority}\n`);
  const rows = [['figure', 'value', 'target', 'met']];
  for (const f of FIGURES) {
    const value = get(result, f.key);
    if (value === undefined) continue;
    rows.push([f.label, format(value, f.unit), f.target ?? '', f.met && typeof value === 'number' ? (f.met(value) ? 'yes' : 'NO') : '']);
  }
  console.log(table(rows));
}

function compare(latest, baseline) {
  console.log(`latest ${latest.date} (${latest.commit}) vs baseline ${baseline.date} (${baseline.commit})`);
  console.log('ratio = latest / baseline; "worse" when the figure moved the wrong way by more than 10%\n');
  const rows = [['figure', 'baseline', 'latest', 'ratio', '']];
  for (const f of FIGURES) {
    const a = get(baseline, f.key);
    const b = get(latest, f.key);
    if (typeof a !== 'number' || typeof b !== 'number') continue;
    const r = a === 0 ? NaN : b / a;
    const worse = f.better === 'lower' ? r > 1.1 : r < 1 / 1.1;
    const better = f.better === 'lower' ? r < 1 / 1.1 : r > 1.1;
    rows.push([f.label, format(a, f.unit), format(b, f.unit), Number.isFinite(r) ? `${r.toFixed(2)}x` : '-',
      worse ? 'worse' : better ? 'better' : '']);
  }
  console.log(table(rows));
}

// Several whole runs folded into one: every number is the median of that number over the runs.
function medianOfRuns(runs) {
  const fold = (values) => {
    const present = values.filter((v) => v !== undefined && v !== null);
    if (present.length === 0) return values[0];
    if (present.every((v) => typeof v === 'number')) {
      const sorted = [...present].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
    if (present.every((v) => typeof v === 'object' && !Array.isArray(v))) {
      const keys = [...new Set(present.flatMap((v) => Object.keys(v)))];
      return Object.fromEntries(keys.map((k) => [k, fold(present.map((v) => v[k]))]));
    }
    return present[present.length - 1];
  };
  const result = fold(runs);
  result.runs_folded = runs.length;
  result.machine.load_average_before = runs.map((r) => r.machine.load_average_before).join(' | ');
  result.machine.load_average_after = runs.map((r) => r.machine.load_average_after).join(' | ');
  return result;
}

const VALUED = new Set(['--load-before', '--priority', '--out']);
const [command = 'show', first, second] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !VALUED.has(all[i - 1]));
if (command === 'merge') {
  const merged = merge(path.resolve(first), arg('--load-before', ''), arg('--priority', ''), path.resolve(arg('--out', latestFile)));
  if (!process.argv.includes('--quiet')) show(merged);
} else if (command === 'median') {
  const inputs = process.argv.slice(4).filter((a) => !a.startsWith('--')).map((f) => readJson(path.resolve(f)));
  if (inputs.length === 0) {
    console.error('usage: node bench/report.mjs median OUT.json RUN1.json RUN2.json ...');
    process.exit(2);
  }
  const folded = medianOfRuns(inputs);
  writeFileSync(path.resolve(first), `${JSON.stringify(folded, null, 2)}\n`);
  show(folded);
} else if (command === 'show') {
  show(readJson(first ? path.resolve(first) : latestFile));
} else if (command === 'compare') {
  const latest = first ? path.resolve(first) : latestFile;
  const baseline = second ? path.resolve(second) : baselineFile;
  for (const file of [latest, baseline]) {
    if (!existsSync(file)) {
      console.error(`report: ${file} is missing`);
      process.exit(1);
    }
  }
  compare(readJson(latest), readJson(baseline));
} else {
  console.error('usage: node bench/report.mjs merge DIR | show [FILE] | compare [LATEST] [BASELINE]');
  process.exit(2);
}
