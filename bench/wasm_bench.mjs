#!/usr/bin/env node
// The wasm module's speed under Node, measured the way native_bench.cpp measures the native
// core, so that scripts/bench.sh can print the ratio wasm / native per figure. Prints one JSON
// object on stdout. Not a test: it asserts nothing.
//   node bench/wasm_bench.mjs [--runs 5] [--batch-ms 10] [--wasm build/wasm/headroom.js]

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, callsPerSecond, median, medianCallMs } from './stats.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wasmJs = path.resolve(arg('--wasm', path.join(repo, 'build/wasm/headroom.js')));
const runs = Math.max(1, arg('--runs', 5));
const batchMs = Math.max(1, arg('--batch-ms', 10));
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
let sink = 0;

// Estimates per second, per bundled model, through Module.estimate (JSON text both ways).
const perModel = {};
const skipped = [];
for (const { name } of JSON.parse(headroom.listModels()).models) {
  const request = estimateRequest(name);
  if (JSON.parse(headroom.estimate(request)).ok !== true) {
    skipped.push(name);
    continue;
  }
  perModel[name] = callsPerSecond(() => { sink += headroom.estimate(request).length; }, runs, batchMs);
}
const rates = Object.values(perModel);

const reference = estimateRequest(REFERENCE_MODEL);
const latencyUs = medianCallMs(() => { sink += headroom.estimate(reference).length; }, 400 * runs) * 1000;
// The same call without the response being parsed or kept: what the page pays before JSON.parse.
const parseUs = medianCallMs(() => { sink += JSON.parse(headroom.estimate(reference)).ok ? 1 : 0; }, 100 * runs) * 1000;

const modelLatencies = Object.keys(perModel).map((name) => {
  const request = estimateRequest(name);
  return medianCallMs(() => { sink += headroom.estimate(request).length; }, 20 * runs) * 1000;
});

const heatRuns = Math.max(5, 2 * runs + 1);
const plan = (size) => JSON.stringify({ model: REFERENCE_MODEL, gpu: 'H100', target_concurrency: 16, ...(size ? { heatmap_size: size } : {}) });
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
  skipped_models: skipped,
  estimate_latency: {
    model: REFERENCE_MODEL,
    api_estimate_us: latencyUs,
    api_estimate_and_json_parse_us: parseUs,
  },
  api_estimate_us_median_over_models: median(modelLatencies),
  api_estimate_us_max_over_models: modelLatencies.length ? Math.max(...modelLatencies) : 0,
  sweep,
  runs,
  node: process.version,
  sink_ignore: sink > 0,
}, null, 2));
