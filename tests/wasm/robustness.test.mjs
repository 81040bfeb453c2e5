// The hostile inputs of issue 6 (tests/unit/test_robustness.cpp does the same natively), through
// the wasm module the page uses. Each must come back as JSON: a usable estimate, or
// {"ok": false, "error": {field, message}} naming what was wrong. An abort would leave every
// later call dead, so the module must give the same baseline answer after all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadHeadroom } from './harness.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const headroom = await loadHeadroom();
const llama = 'meta-llama/Llama-3.1-8B-Instruct';
const llamaText = readFileSync(path.join(repo, 'models/configs/meta-llama__Llama-3.1-8B-Instruct.json'), 'utf8');
const llamaConfig = JSON.parse(llamaText);
const baselineRequest = JSON.stringify({ model: llama, gpu: 'H100' });
const baselineReply = headroom.estimate(baselineRequest);

const withConfig = (configText, flags = {}) => JSON.stringify({ gpu: 'H100', ...flags, config: configText });
const namesKey = (field, key) => field === key || field.endsWith(`.${key}`);

function parse(text) {
  const reply = JSON.parse(text); // must be JSON whatever happened
  assert.equal(typeof reply.ok, 'boolean', `no boolean ok in ${text.slice(0, 300)}`);
  return reply;
}

// ok:false with a specific field and message (not a catch-all "internal" or "malformed input").
function refusedField(text) {
  const reply = parse(text);
  assert.equal(reply.ok, false, `expected a refusal, got ${text.slice(0, 300)}`);
  const { field, message } = reply.error ?? {};
  assert.ok(typeof field === 'string' && field.length > 0, `error.field missing in ${text.slice(0, 300)}`);
  assert.ok(typeof message === 'string' && message.length > 0 && !message.includes('\n'), text.slice(0, 300));
  assert.notEqual(field, 'internal', text.slice(0, 300));
  assert.ok(!message.startsWith('malformed input') && !message.startsWith('internal error'), text.slice(0, 300));
  return field;
}

function requireUsable(text) {
  const reply = parse(text);
  assert.equal(reply.ok, true, text.slice(0, 300));
  for (const key of ['weights_gib', 'activation_gib', 'non_torch_gib', 'cudagraph_gib', 'kv_cache_gib', 'num_gpu_blocks',
    'kv_cache_tokens', 'max_concurrency', 'total_gib', 'unused_gib']) {
    assert.ok(Number.isFinite(reply[key]), `${key} is ${reply[key]}`);
  }
  return reply;
}

// The request text with the value at `key` replaced by raw JSON text (so 1e999 stays 1e999).
function withRaw(object, key, raw) {
  const text = JSON.stringify({ ...object, [key]: '@@HOSTILE@@' });
  return text.replace('"@@HOSTILE@@"', raw);
}

test('the baseline is answered', () => requireUsable(baselineReply));

test('not JSON, and JSON that is not an object', () => {
  for (const text of ['', 'not json', '{', "{'gpu': 'H100'}", '{"gpu": "H100",}', '\u0000\u0000', 'NaN', '[1, 2']) {
    for (const fn of ['estimate', 'plan', 'checkLog']) assert.equal(refusedField(headroom[fn](text)), 'request', text);
  }
  for (const text of ['[]', '42', 'null', '"H100"', 'true']) assert.equal(refusedField(headroom.estimate(text)), 'request');
  for (const config of ['[]', '42', 'null', '[1, 2, 3]']) assert.ok(namesKey(refusedField(headroom.estimate(withConfig(config))), 'config'));
});

test('every truncation of a request is refused', () => {
  const request = withConfig(llamaText, { max_model_len: 8192 });
  for (let n = 0; n < request.length; n += 7) assert.equal(refusedField(headroom.estimate(request.slice(0, n))), 'request', `cut at ${n}`);
  const last = llamaText.lastIndexOf('}');
  for (let n = 0; n < last; n += 5) assert.ok(namesKey(refusedField(headroom.estimate(withConfig(llamaText.slice(0, n)))), 'config'), `cut at ${n}`);
});

test('10 MB of JSON and 10,000-deep nesting', () => {
  const padding = 'x'.repeat(10 << 20);
  assert.ok(namesKey(refusedField(headroom.estimate(withConfig(JSON.stringify({ ...llamaConfig, padding })))), 'config'));
  requireUsable(headroom.estimate(JSON.stringify({ model: llama, gpu: 'H100', comment: padding })));
  assert.equal(refusedField(headroom.estimate(' '.repeat(17 << 20))), 'request');
  const deep = '['.repeat(10000) + ']'.repeat(10000);
  assert.equal(refusedField(headroom.estimate(deep)), 'request');
  assert.ok(namesKey(refusedField(headroom.estimate(withConfig(deep))), 'config'));
  requireUsable(headroom.estimate(withConfig(JSON.stringify({ ...llamaConfig, _name_or_path: '['.repeat(10000) }))));
});

test('hostile values in the shape fields of a real config are refused, naming the field', () => {
  const hostile = ['1e30', '9223372036854775807', '1e999', '-1e999', '0', '-1', '"NaN"', '"Infinity"', '""', 'true', '[]', '{}', '4096.5'];
  for (const key of ['hidden_size', 'intermediate_size', 'max_position_embeddings', 'num_attention_heads', 'num_hidden_layers',
    'num_key_value_heads', 'vocab_size']) {
    for (const raw of hostile) {
      const config = withRaw(llamaConfig, key, raw);
      const field = refusedField(headroom.estimate(withConfig(config)));
      assert.ok(namesKey(field, key), `${key} = ${raw}: error.field is "${field}"`);
    }
    // The same number as a string means the number.
    requireUsable(headroom.estimate(withConfig(withRaw(llamaConfig, key, `"${llamaConfig[key]}"`))));
  }
});

test('hostile values in the numeric request flags are refused, naming the flag', () => {
  const base = { model: llama, gpu: 'H100' };
  for (const flag of ['tensor_parallel_size', 'pipeline_parallel_size', 'max_model_len', 'max_num_seqs',
    'max_num_batched_tokens', 'gpu_memory_utilization', 'block_size']) {
    for (const raw of ['0', '-1', '1e30', '1e999', '"NaN"', '"x"', 'true', '[]', '2.5']) {
      const reply = parse(headroom.estimate(withRaw(base, flag, raw)));
      if (reply.ok) requireUsable(JSON.stringify(reply));
      else assert.equal(refusedField(JSON.stringify(reply)), flag, `${flag} = ${raw}`);
    }
  }
  const field = (flags) => refusedField(headroom.estimate(JSON.stringify({ ...base, ...flags })));
  assert.equal(field({ gpu_memory_utilization: 0 }), 'gpu_memory_utilization');
  assert.equal(field({ gpu_memory_utilization: 1.5 }), 'gpu_memory_utilization');
  assert.equal(field({ tensor_parallel_size: 3 }), 'tensor_parallel_size');
  assert.equal(field({ max_model_len: 0 }), 'max_model_len');
  assert.equal(field({ block_size: 7 }), 'block_size');
  assert.equal(field({ gpu: 'NoSuchGPU-9000' }), 'gpu');
  assert.equal(field({ vllm_version: '0.0.1' }), 'vllm_version');
  assert.equal(field({ vllm_version: 'banana' }), 'vllm_version');
});

test('missing fields, unknown model_type, 64-bit overflow', () => {
  // An unknown model type has no transformers class defaults to fall back on: each field is required.
  const unknownType = { ...llamaConfig, model_type: 'frobnicator', architectures: ['FrobnicatorForCausalLM'] };
  for (const key of ['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size', 'intermediate_size']) {
    const { [key]: _, ...rest } = unknownType;
    assert.ok(namesKey(refusedField(headroom.estimate(withConfig(JSON.stringify(rest)))), key), key);
  }
  assert.ok(namesKey(refusedField(headroom.estimate(withConfig('{"model_type": "frobnicator"}'))), 'hidden_size'));
  const overflow = { ...llamaConfig, hidden_size: 1 << 24, intermediate_size: 1 << 24, num_hidden_layers: 4096,
    num_attention_heads: 1 << 14, num_key_value_heads: 1 << 14, vocab_size: 1 << 24 };
  refusedField(headroom.estimate(withConfig(JSON.stringify(overflow))));
});

test('text cut inside a multi-byte character still gives a JSON answer', () => {
  const e = '\u00e9';
  assert.equal(refusedField(headroom.estimate(JSON.stringify({ model: llama, gpu: `a${e.repeat(40)}` }))), 'gpu');
  assert.ok(namesKey(refusedField(headroom.estimate(withConfig(withRaw(llamaConfig, 'hidden_size', `"a${e.repeat(30)}"`)))), 'hidden_size'));
  requireUsable(headroom.estimate(withConfig(JSON.stringify({ ...llamaConfig, _name_or_path: `a${e.repeat(150)}` }))));
});

test('the module keeps answering, with the same answer, after all of the above', () => {
  assert.equal(headroom.estimate(baselineRequest), baselineReply);
  for (const fn of ['listModels', 'listGpus', 'versionInfo']) assert.equal(parse(headroom[fn]()).ok, true);
});
