// Small helpers shared by the Node benchmarks: medians, timing loops, argument parsing.
import { performance } from 'node:perf_hooks';

export function median(values) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// CPU time of this process in ms (user + system). Rates use it rather than wall time so that
// other processes sharing the machine do not lower them (Node 20 has no per-thread figure;
// its helper threads are a small part here).
export function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

// Calls fn for at least batchMs of CPU time per run and returns calls per CPU second, the
// median of runs.
export function callsPerSecond(fn, runs, batchMs) {
  const rates = [];
  for (let r = 0; r < runs; r += 1) {
    let calls = 0;
    const start = cpuMs();
    let elapsed = 0;
    do {
      fn();
      calls += 1;
      elapsed = cpuMs() - start;
    } while (elapsed < batchMs);
    rates.push(calls / (elapsed / 1000));
  }
  return median(rates);
}

// Median time of one call in milliseconds, each call timed alone.
export function medianCallMs(fn, calls) {
  const times = [];
  for (let i = 0; i < calls; i += 1) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

// --name value, as a number when it looks like one.
export function arg(name, fallback) {
  const at = process.argv.indexOf(name);
  if (at < 0 || at + 1 >= process.argv.length) return fallback;
  const value = process.argv[at + 1];
  return typeof fallback === 'number' ? Number(value) : value;
}
