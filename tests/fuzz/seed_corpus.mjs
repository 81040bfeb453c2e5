// Writes the seed corpora and dictionaries for the libFuzzer targets (scripts/fuzz.sh runs it):
//   <out>/seeds/fuzz_config_parser/  every bundled config.json, as is
//   <out>/seeds/fuzz_estimate/       8 flag bytes + a bundled config, and whole requests by model name
//   <out>/seeds/fuzz_log_parser/     the raw vLLM log lines kept in tests/fixtures/records.jsonl
//   and, for each target, the inputs under tests/fuzz/regressions/ that once found a bug
//   <out>/config.dict, <out>/log.dict  tokens libFuzzer splices in (config keys, log phrases)
// Usage: node tests/fuzz/seed_corpus.mjs build/fuzz
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.resolve(process.argv[2] ?? path.join(repo, 'build/fuzz'));
const seeds = path.join(out, 'seeds');
rmSync(seeds, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

function writeSeeds(target, items) {
  const dir = path.join(seeds, target);
  mkdirSync(dir, { recursive: true });
  items.forEach((bytes, i) => writeFileSync(path.join(dir, `seed-${String(i).padStart(4, '0')}`), bytes));
  return items.length;
}

// The estimate target reads 8 header bytes first (tests/fuzz/fuzz_estimate.cpp): byte 0 bit 0
// picks "payload is config text" (0) or "payload is the whole request" (1); the rest pick flags.
const header = (...bytes) => Buffer.from([...bytes, 0, 0, 0, 0, 0, 0, 0, 0].slice(0, 8));
const flagVariants = [header(0), header(0, 4, 0x21, 6, 0x34, 0x01, 0x13, 0x03), header(0, 10, 0x13, 20, 0x25, 0x42, 0x47, 0x02)];

const configDir = path.join(repo, 'models/configs');
const configFiles = readdirSync(configDir).filter((f) => f.endsWith('.json')).sort();
const configs = configFiles.map((f) => readFileSync(path.join(configDir, f)));
const modelNames = configFiles.map((f) => f.replace(/\.json$/, '').replace('__', '/'));

const requests = modelNames.map((model, i) =>
  JSON.stringify({
    model,
    gpu: ['H100', 'A100-40GB', 'L4', 'B200'][i % 4],
    tensor_parallel_size: [1, 2, 4, 8][i % 4],
    max_model_len: [null, 4096, 32768][i % 3],
    gpu_memory_utilization: [null, 0.9, 0.95][i % 3],
    kv_cache_dtype: ['auto', 'fp8'][i % 2],
    vllm_version: [null, '0.21.0', '0.10.2', '0.6.6'][i % 4],
  }),
);

const estimateSeeds = [
  ...configs.flatMap((c, i) => [Buffer.concat([flagVariants[i % flagVariants.length], c])]),
  ...requests.map((r) => Buffer.concat([header(1), Buffer.from(r)])),
];

const logs = readFileSync(path.join(repo, 'tests/fixtures/records.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line).raw_lines)
  .filter((lines) => Array.isArray(lines) && lines.length > 0)
  .map((lines) => Buffer.from(lines.join('\n') + '\n'));

// Dictionaries: every key of the bundled configs (quoted, as they appear in JSON), JSON
// punctuation, awkward numbers; and the fixed phrases of the log lines.
const keys = new Set();
const collectKeys = (v) => {
  if (Array.isArray(v)) v.forEach(collectKeys);
  else if (v && typeof v === 'object')
    for (const [k, child] of Object.entries(v)) {
      keys.add(k);
      collectKeys(child);
    }
};
configs.forEach((c) => collectKeys(JSON.parse(c)));
const dictLine = (s) => `"${[...Buffer.from(s)].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('')}"`;
const configTokens = [...[...keys].sort().map((k) => `"${k}"`), '{', '}', '[', ']', ':', ',', 'null', 'true', 'false',
  '"', '1e999', '-1', '0', '0.5', '1e18', '9223372036854775807', '18446744073709551616', '"NaN"', '"4096"'];
writeFileSync(path.join(out, 'config.dict'), configTokens.map(dictLine).join('\n') + '\n');

const logWords = new Set();
logs.forEach((l) => l.toString().split(/[\d.,:]+/).forEach((w) => w.trim().length > 3 && logWords.add(w.trim())));
writeFileSync(path.join(out, 'log.dict'), [...logWords].sort().slice(0, 2000).map(dictLine).join('\n') + '\n');

// Inputs that once found a bug (tests/fuzz/regressions/<target>-<what>) are replayed every run.
const regressionDir = path.join(repo, 'tests/fuzz/regressions');
const regressions = (target) =>
  readdirSync(regressionDir)
    .filter((f) => f.startsWith(`${target}-`))
    .sort()
    .map((f) => readFileSync(path.join(regressionDir, f)));

const counts = {
  fuzz_config_parser: writeSeeds('fuzz_config_parser', [...configs, ...regressions('fuzz_config_parser')]),
  fuzz_estimate: writeSeeds('fuzz_estimate', [...estimateSeeds, ...regressions('fuzz_estimate')]),
  fuzz_log_parser: writeSeeds('fuzz_log_parser', [...logs, ...regressions('fuzz_log_parser')]),
};
console.log(`seeds under ${seeds}: ${Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(', ')}`);
