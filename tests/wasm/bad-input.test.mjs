// Bad input must come back as {"ok": false, "error": {field, message}}, and must never take the
// module down: in the page, an abort would leave every later call dead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadHeadroom } from './harness.mjs';

const headroom = await loadHeadroom();
const firstModel = JSON.parse(headroom.listModels()).models[0].name;
const good = JSON.stringify({ model: firstModel, gpu: 'H100', tensor_parallel_size: 1 });
const goodAnswer = headroom.estimate(good);

function assertRefused(text, fieldCheck) {
  const answer = JSON.parse(text);  // must still be JSON
  assert.equal(answer.ok, false, `expected ok:false, got ${text}`);
  assert.equal(typeof answer.error?.field, 'string', `error.field missing in ${text}`);
  assert.ok(answer.error.message?.length > 0, `error.message missing in ${text}`);
  fieldCheck?.(answer.error.field);
  return answer;
}

test('a valid request is answered (the baseline for the rest)', () => {
  assert.equal(JSON.parse(goodAnswer).ok, true, goodAnswer);
});

test('request that is not JSON', () => {
  for (const fn of ['estimate', 'plan', 'checkLog']) {
    for (const text of ['not json', '', '{', '{"gpu": "H100",}', '\u0000\xff']) {
      assertRefused(headroom[fn](text));
    }
  }
});

test('request that is JSON but not an object', () => {
  for (const text of ['[]', '42', 'null', '"H100"']) assertRefused(headroom.estimate(text));
});

test('config that is an array', () => {
  const named = (field) => assert.match(field, /^config/, `error.field should name the config, got "${field}"`);
  assertRefused(headroom.estimate(JSON.stringify({ config: '[1, 2, 3]', gpu: 'H100' })), named);
  assertRefused(headroom.estimate(JSON.stringify({ config: [1, 2, 3], gpu: 'H100' })), named);
});

test('unknown GPU', () => {
  const request = JSON.stringify({ model: firstModel, gpu: 'NoSuchGPU-9000' });
  assertRefused(headroom.estimate(request), (field) => assert.equal(field, 'gpu'));
});

test('config nested deeper than any real file', () => {
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  assertRefused(headroom.estimate(JSON.stringify({ config: deep, gpu: 'H100' })));
  assertRefused(headroom.estimate(deep));
});

test('the module keeps answering, with the same answer, after all of the above', () => {
  assert.equal(headroom.estimate(good), goodAnswer);
  for (const fn of ['listModels', 'listGpus', 'versionInfo']) JSON.parse(headroom[fn]());
});
