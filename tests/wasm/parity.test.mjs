// The page and the CLI must give the same numbers: the wasm module and the native CLI are two
// builds of one core, so any difference is a build problem (flags, float handling, embedding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { loadHeadroom, runCli, mapLimited, jsonDifferences } from './harness.mjs';

const GPUS = ['H100', 'MI300X'];
const TENSOR_PARALLEL_SIZES = [1, 2];

test('the comparison itself notices differences', () => {
  assert.deepEqual(jsonDifferences({ a: 1, b: [0.5, 'x'] }, { a: 1, b: [0.5, 'x'] }), []);
  assert.equal(jsonDifferences({ a: 2 }, { a: 3 }).length, 1);
  assert.equal(jsonDifferences({ a: 0.1 }, { a: 0.1 + 1e-6 }).length, 1);
  assert.deepEqual(jsonDifferences({ a: 1e6 }, { a: 1e6 + 1e-7 }), []);  // 1e-13 relative: fine
  assert.equal(jsonDifferences({ a: 1 }, { a: 1, b: 2 }).length, 1);
  assert.equal(jsonDifferences({ a: true }, { a: 'true' }).length, 1);
  assert.equal(jsonDifferences([1, 2], [1, 2, 3]).length, 1);
});

test('every bundled model has its own name', async () => {
  // A name shared by two configs hides one of them from the page, the CLI and this comparison.
  const headroom = await loadHeadroom();
  const names = JSON.parse(headroom.listModels()).models.map((m) => m.name);
  const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  assert.deepEqual(repeated, [], `names used by more than one bundled model: ${repeated.join(', ')}`);
});

test('wasm estimate equals the native CLI for every bundled model', async (t) => {
  const headroom = await loadHeadroom();
  const models = JSON.parse(headroom.listModels()).models.map((m) => m.name);
  assert.ok(models.length > 0, 'listModels() returned no models');

  const cases = models.flatMap((model) =>
    GPUS.flatMap((gpu) => TENSOR_PARALLEL_SIZES.map((tp) => ({ model, gpu, tp }))));

  const failures = [];
  let accepted = 0;
  await mapLimited(cases, Math.max(2, os.availableParallelism?.() ?? 4), async ({ model, gpu, tp }) => {
    const request = { model, gpu, tensor_parallel_size: tp };
    const fromWasm = JSON.parse(headroom.estimate(JSON.stringify(request)));
    const fromCli = await runCli(['estimate', '--config', model, '--gpu', gpu,
                                  '--tensor-parallel-size', String(tp), '--json']);
    if (fromWasm.ok) accepted++;
    const diffs = jsonDifferences(fromWasm, fromCli);
    if (diffs.length) {
      failures.push(`estimate(${JSON.stringify(request)}) [wasm vs cli]:\n    ` +
                    diffs.slice(0, 8).join('\n    ') + (diffs.length > 8 ? `\n    ... ${diffs.length - 8} more` : ''));
    }
  });

  t.diagnostic(`${cases.length} cases, ${accepted} estimated (ok:true), ${cases.length - accepted} refused alike`);
  assert.ok(accepted > 0, 'no case was estimated: the comparison only saw errors');
  assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases differ:\n  ${failures.join('\n  ')}`);
});
