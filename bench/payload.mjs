#!/usr/bin/env node
// What a visitor downloads: bytes of the wasm, JavaScript, CSS and baked-in data, raw and
// gzipped (level 9, what a static host precompresses; gzip6 is level 6, what most servers
// use on the fly). Prints one JSON object on stdout.
//   node bench/payload.mjs [--site build/site] [--wasm build/wasm/headroom.js]

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ENGINE_GLUE_NAME, ENGINE_WASM_NAME, splitEngine } from '../web/build.mjs';
import { arg } from './stats.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const site = path.resolve(arg('--site', path.join(repo, 'build/site')));
const wasmJs = path.resolve(arg('--wasm', path.join(repo, 'build/wasm/headroom.js')));
const TARGET_GZIP_BYTES = 400 * 1024;

for (const file of [wasmJs, path.join(site, 'index.html')]) {
  if (!existsSync(file)) {
    console.error(`payload: ${file} is missing: run scripts/build-wasm.sh and node web/build.mjs first`);
    process.exit(1);
  }
}

const gzip = (bytes, level = 9) => gzipSync(bytes, { level }).length;
const sizes = (bytes) => ({ raw: bytes.length, gzip: gzip(bytes), gzip6: gzip(bytes, 6) });
const sum = (list, key) => list.reduce((total, s) => total + s[key], 0);

// headroom.js is Emscripten's glue with the .wasm inlined as base64 (SINGLE_FILE): split the
// two as the site build does, so the wasm binary and the glue can be reported apart.
const split = splitEngine(readFileSync(wasmJs, 'utf8'));
const parts = { wasm: split.wasm, base64: Buffer.from(split.wasm.toString('base64')), glue: Buffer.from(split.glue) };
const siteFile = (name) => readFileSync(path.join(site, name));

// The data under models/ that the build bakes into the wasm (already counted inside it).
const dataFiles = ['models/gpus.json', 'models/calibration.json',
  ...readdirSync(path.join(repo, 'models/configs')).filter((f) => f.endsWith('.json')).map((f) => `models/configs/${f}`)];
const data = Buffer.concat(dataFiles.map((f) => readFileSync(path.join(repo, f))));

// The page a visitor loads from a server: the HTML, the stylesheet, the app and the engine
// (its glue and the wasm as a file of its own; headroom.js, the whole engine, is for the widget).
// The engine's halves are named with their build stamp (web/build.mjs).
const stamped = (pattern) => {
  const found = readdirSync(site).filter((name) => pattern.test(name));
  if (found.length !== 1) throw new Error(`payload: expected one file like ${pattern} in ${site}, found ${found.length}`);
  return found[0];
};
const served = ['index.html', 'styles.css', 'app.js', stamped(ENGINE_GLUE_NAME), stamped(ENGINE_WASM_NAME)];
const servedSizes = Object.fromEntries(served.map((name) => [name, sizes(siteFile(name))]));
const offline = sizes(siteFile('headroom-offline.html'));
const widget = existsSync(path.join(site, 'headroom-calculator.js')) ? sizes(siteFile('headroom-calculator.js')) : null;

const servedTotal = {
  raw: sum(Object.values(servedSizes), 'raw'),
  gzip: sum(Object.values(servedSizes), 'gzip'),
  gzip6: sum(Object.values(servedSizes), 'gzip6'),
};
// A visitor needs one of the two (served page or offline file); both together is the
// strictest reading of "the whole calculator, the offline HTML included".
const servedPlusOffline = { raw: servedTotal.raw + offline.raw, gzip: servedTotal.gzip + offline.gzip };

console.log(JSON.stringify({
  parts: {
    wasm_binary: sizes(parts.wasm),
    wasm_as_base64_in_headroom_js: sizes(parts.base64),
    emscripten_glue_js: sizes(parts.glue),
    app_js: servedSizes['app.js'],
    widget_js: widget,
    css: servedSizes['styles.css'],
    html: servedSizes['index.html'],
    data_baked_into_wasm: { ...sizes(data), files: dataFiles.length },
  },
  served_page: { files: servedSizes, total: servedTotal },
  offline_html: offline,
  served_plus_offline: servedPlusOffline,
  target_gzip_bytes: TARGET_GZIP_BYTES,
  target_met: {
    served_page: servedTotal.gzip < TARGET_GZIP_BYTES,
    offline_html: offline.gzip < TARGET_GZIP_BYTES,
    served_plus_offline: servedPlusOffline.gzip < TARGET_GZIP_BYTES,
  },
}, null, 2));
