// Shared by the wasm tests: where the two builds live, and how to load each.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const wasmJs = path.join(repo, 'build/wasm/headroom.js');
export const nativeCli = path.join(repo, 'build/native/headroom');

function requireBuilt(file, script) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run ${script} first`);
}

// headroom.js is an Emscripten MODULARIZE build (CommonJS under Node): one factory, createHeadroom.
export async function loadHeadroom() {
  requireBuilt(wasmJs, 'scripts/build-wasm.sh');
  const createHeadroom = createRequire(import.meta.url)(wasmJs);
  return createHeadroom();
}

// Runs the native CLI and returns its answer as the api's JSON. A refused request is not an
// error here: it must be refused the same way by both builds. With --json the CLI prints the
// response on stdout; a refusal may instead come as "headroom: <message> [<field>]" on stderr
// with exit status 1, which is turned back into {"ok": false, "error": {field, message}}.
export function runCli(args) {
  requireBuilt(nativeCli, 'scripts/build-native.sh');
  return new Promise((resolve, reject) => {
    execFile(nativeCli, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      try {
        return resolve(JSON.parse(stdout));
      } catch { /* not JSON: look at stderr */ }
      const refusal = err?.code === 1 && /^headroom: (.*) \[(.*)\]\n$/s.exec(stderr);
      if (refusal) return resolve({ ok: false, error: { field: refusal[2], message: refusal[1] } });
      reject(new Error(`headroom ${args.join(' ')} gave no answer (exit ${err?.code ?? 0}):\n${stdout}${stderr}`));
    });
  });
}

// Runs fn over items with at most `limit` in flight; results keep the order of items.
export async function mapLimited(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// Every place where two JSON values differ, as "path: a vs b". Integers must match exactly,
// other numbers to a relative 1e-9; strings, booleans, nulls and the set of keys exactly.
export function jsonDifferences(a, b, where = '$') {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) return a === b ? [] : [`${where}: ${a} vs ${b}`];
    const scale = Math.max(Math.abs(a), Math.abs(b));
    return Math.abs(a - b) <= 1e-9 * scale ? [] : [`${where}: ${a} vs ${b}`];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${where}: length ${a.length} vs ${b.length}`];
    return a.flatMap((x, i) => jsonDifferences(x, b[i], `${where}[${i}]`));
  }
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => {
      if (!(k in a)) return [`${where}.${k}: missing on the left`];
      if (!(k in b)) return [`${where}.${k}: missing on the right`];
      return jsonDifferences(a[k], b[k], `${where}.${k}`);
    });
  }
  return a === b ? [] : [`${where}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
}
