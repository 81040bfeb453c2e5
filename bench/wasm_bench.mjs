#!/usr/bin/env node
// The wasm module's speed under Node, measured the way native_bench.cpp measures the native
// core, so that scripts/bench.sh can print the ratio wasm / native per figure. Prints one JSON
// object on stdout. Not a test: it asserts nothing.
//   node bench/wasm_bench.mjs [--runs 5] [--batch-ms 10] [--warm-up-ms 2000 (CPU)] [--wasm build/wasm/headroom.js]

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, callsPerSecond, cpuMs, median, medianCallMs } from './stats.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wasmJs = path.resolve(arg('--wasm', path.join(repo, 'build/wasm/headroom.js')));
const runs = Math.max(1, arg('--runs', 5));
const batchMs = Math.max(1, arg('--batch-ms', 10));
const warmUpMs = Math.max(0, arg('--warm-up-ms', 2000));
const REFERENCE_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

if (!existsSync(wasmJs)) {
  console.error(`wasm_bench: ${wasmJs} is missing: run scripts/build-wasm.sh first`);
  process.exit(1);
}

const loadStart = performance.now();
const createHeadroom = createRequire(import.meta.url)(wasmJs);
const headroom = await createHeadroom();
const loadMs = performance.now() - loadStart;

const estimateRequest = (model) => JSON.stringify({ model, gpu: 'H100' });
const plan = (size) => JSON.stringify({
  model: REFERENCE_MODEL, gpu: 'H100', target_concurrency: 16, ...(size ? { heatmap_size: size } : {}),
});
let sink = 0;  // keeps results alive

const models = JSON.parse(headroom.listModels()).models.map((m) => m.name);
const skipped = models.filter((name) => JSON.parse(headroom.estimate(estimateRequest(name))).ok !== true);
const measured = models.filter((name) => !skipped.includes(name));

// V8 first runs wasm from its baseline compiler and moves hot functions to the optimising one
// while they run; without a warm-up the models measured first would look several times slower.
const warmUpStart = cpuMs();
const warmUp = measured.map(estimateRequest).concat(plan(64));
while (cpuMs() - warmUpStart < warmUpMs) {
  for (const request of warmUp) sink += (request.includes('heatmap_size') ? headroom.plan(request) : headroom.estimate(request)).length;
}

// Estimates per second, per bundled model, through Module.estimate (JSON text both ways).
const perModel = {};
for (const name of measured) {
  const request = estimateRequest(name);
  perModel[name] = callsPerSecond(() => { sink += headroom.estimate(request).length; }, runs, batchMs);
}
const rates = Object.values(perModel);

const reference = estimateRequest(REFERENCE_MODEL);
const latencyUs = medianCallMs(() => { sink += headroom.estimate(reference).length; }, 200 * runs) * 1000;
// The same call with the response parsed, as the page does.
const parseUs = medianCallMs(() => { sink += JSON.parse(headroom.estimate(reference)).ok ? 1 : 0; }, 50 * runs) * 1000;

const heatRuns = Math.max(5, 2 * runs + 1);
const plan64 = plan(64);
const plan12 = plan(0);
const sweep = {
  model: REFERENCE_MODEL,
  api_plan_heatmap_64_ms: medianCallMs(() => { sink += headroom.plan(plan64).length; }, heatRuns),
  api_plan_heatmap_12_ms: medianCallMs(() => { sink += headroom.plan(plan12).length; }, heatRuns),
};

console.log(JSON.stringify({
  module_load_ms: loadMs,
  estimates_per_second: perModel,
  estimates_per_second_median_over_models: median(rates),
  estimates_per_second_min_over_models: rates.length ? Math.min(...rates) : 0,
  cpu_us_per_estimate_median_over_models: rates.length ? 1e6 / median(rates) : 0,
  skipped_models: skipped,
  warm_up_ms: warmUpMs,
  estimate_latency: {
    model: REFERENCE_MODEL,
    api_estimate_us: latencyUs,
    api_estimate_and_json_parse_us: parseUs,
  },
  sweep,
  runs,
  node: process.version,
}, null, 2));
