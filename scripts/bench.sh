#!/usr/bin/env bash
# Speed and size figures (issue 7, docs/performance.md): native core, wasm under Node, the page
# in headless Chromium, and the download size. Builds what is needed, runs every benchmark,
# writes bench/results/latest.json and prints a table against the targets.
#
#   scripts/bench.sh                  build, run, print
#   scripts/bench.sh --compare        the same, then latest / bench/baseline.json per figure
#   scripts/bench.sh --compare-only   compare the existing latest.json, run nothing
#   scripts/bench.sh --save-baseline  the same as a plain run, then copy latest.json to the baseline
#   scripts/bench.sh --no-build       use the builds as they are
#   scripts/bench.sh --quick          fewer runs (3 instead of 5), for a quick look
#
# Figures are medians of several runs. They are benchmarks, not tests: nothing here fails on
# a slow figure, and none of it is part of ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1 compare=0 save=0 runs=5 page_runs=7 keys=15
for arg in "$@"; do
  case "$arg" in
    --compare) compare=1 ;;
    --compare-only) exec node bench/report.mjs compare ;;
    --save-baseline) save=1 ;;
    --no-build) build=0 ;;
    --quick) runs=3 page_runs=3 keys=7 ;;
    *) echo "bench: unknown option $arg (see the top of $0)" >&2; exit 2 ;;
  esac
done

native_bench=build/bench/bench/headroom_native_bench
if [[ $build == 1 ]]; then
  echo "bench: building the native benchmark (build/bench), the wasm module and the site" >&2
  cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DHEADROOM_BENCH=ON >/dev/null
  cmake --build build/bench --target headroom_native_bench -j "$(nproc)" >/dev/null
  scripts/build-wasm.sh >/dev/null
  node web/build.mjs >/dev/null
fi
for file in "$native_bench" build/wasm/headroom.js build/site/index.html; do
  [[ -e $file ]] || { echo "bench: $file is missing (run without --no-build)" >&2; exit 1; }
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "bench: native core ($runs runs)" >&2
"$native_bench" --runs "$runs" >"$out/native.json"
echo "bench: wasm under Node ($runs runs)" >&2
node bench/wasm_bench.mjs --runs "$runs" >"$out/wasm.json"
echo "bench: page in Chromium ($page_runs loads, $keys keystrokes)" >&2
node bench/page_bench.mjs --runs "$page_runs" --keys "$keys" >"$out/page.json"
echo "bench: payload" >&2
node bench/payload.mjs >"$out/payload.json"
echo >&2

node bench/report.mjs merge "$out" --load-before "$load_before"
echo
echo "bench: wrote bench/results/latest.json"
if [[ $save == 1 ]]; then
  cp bench/results/latest.json bench/baseline.json
  echo "bench: saved it as bench/baseline.json"
fi
if [[ $compare == 1 ]]; then
  echo
  node bench/report.mjs compare
fi
