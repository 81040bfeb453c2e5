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
#   scripts/bench.sh --repeat 3       run everything 3 times; latest.json holds the median of
#                                     each figure over the 3 (what docs/performance.md reports)
#
# Figures are medians of several runs. They are benchmarks, not tests: nothing here fails on
# a slow figure, and none of it is part of ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1 compare=0 save=0 runs=5 page_runs=7 keys=15 repeat=1
while (( $# )); do
  arg=$1
  shift
  case "$arg" in
    --compare) compare=1 ;;
    --compare-only) exec node bench/report.mjs compare ;;
    --save-baseline) save=1 ;;
    --no-build) build=0 ;;
    --quick) runs=3 page_runs=3 keys=7 ;;
    --repeat) repeat=${1:?--repeat needs a count}; shift ;;
    *) echo "bench: unknown option $arg (see the top of $0)" >&2; exit 2 ;;
  esac
done

native_bench=build/bench/bench/headroom_native_bench
if [[ $build == 1 ]]; then
  echo "bench: building the native benchmark (build/bench), the wasm module and the site" >&2
  cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DHEADROOM_BENCH=ON >/dev/null
  cmake --build build/bench --target headroom_native_bench -j "$(nproc)" >/dev/null
  # The wasm module and the site have their own build scripts (shared with the tests): run
  # them only when their output is missing or older than a source.
  stale() { [[ ! -e $1 ]] || [[ -n $(find "${@:2}" -newer "$1" -type f -print -quit) ]]; }
  if stale build/wasm/headroom.js core wasm models cmake CMakeLists.txt; then scripts/build-wasm.sh >/dev/null; fi
  if stale build/site/index.html web build/wasm/headroom.js; then node web/build.mjs >/dev/null; fi
fi
for file in "$native_bench" build/wasm/headroom.js build/site/index.html; do
  [[ -e $file ]] || { echo "bench: $file is missing (run without --no-build)" >&2; exit 1; }
done

# On a shared machine, other work stretches wall-clock figures. Where allowed (root), the
# benchmarks run at a raised priority so that they measure the code rather than the neighbours.
priority=()
if [[ $(id -u) == 0 ]] && nice -n -15 true 2>/dev/null; then priority=(nice -n -15); fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((i = 1; i <= repeat; i++)); do
  label=""
  (( repeat > 1 )) && label=" [run $i of $repeat]"
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "bench: native core ($runs runs)$label" >&2
  "${priority[@]}" "$native_bench" --runs "$runs" >"$out/native.json"
  echo "bench: wasm under Node ($runs runs)$label" >&2
  "${priority[@]}" node bench/wasm_bench.mjs --runs "$runs" >"$out/wasm.json"
  echo "bench: page in Chromium ($page_runs loads, $keys keystrokes)$label" >&2
  "${priority[@]}" node bench/page_bench.mjs --runs "$page_runs" --keys "$keys" >"$out/page.json"
  echo "bench: payload$label" >&2
  node bench/payload.mjs >"$out/payload.json"
  node bench/report.mjs merge "$out" --load-before "$load_before" --priority "${priority[*]:-normal}" \
    --out "$out/run$i.json" --quiet
done
echo >&2
runs_json=("$out"/run*.json)
node bench/report.mjs median bench/results/latest.json "${runs_json[@]}"
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
