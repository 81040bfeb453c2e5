#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined; tests/fuzz/), seeds
# their corpora from models/configs/*.json and the raw vLLM log lines of
# tests/fixtures/records.jsonl, and runs each target for FUZZ_SECONDS (default 30).
# Exits non-zero when any target finds a crash, a sanitizer report, a hang (> FUZZ_TIMEOUT s
# for one input) or runaway memory; the input that did it is kept under build/fuzz/findings/.
#   FUZZ_SECONDS=600 scripts/fuzz.sh                  # a longer run
#   FUZZ_TARGETS=fuzz_estimate scripts/fuzz.sh        # one target
#   build/fuzz/tests/fuzz/fuzz_estimate build/fuzz/findings/fuzz_estimate-crash-...  # replay one
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-30}"
timeout_s="${FUZZ_TIMEOUT:-10}"
targets="${FUZZ_TARGETS:-fuzz_config_parser fuzz_estimate fuzz_log_parser}"
jobs="$(nproc 2>/dev/null || echo 2)"
out=build/fuzz

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is needed (apt-get install clang)" >&2; exit 1; }
cmake --preset fuzz >/dev/null
# shellcheck disable=SC2086  # targets is a word list
cmake --build --preset fuzz -j"$jobs" --target $targets
node tests/fuzz/seed_corpus.mjs "$out"

dict_for() {
  case "$1" in
    fuzz_log_parser) echo "$out/log.dict" ;;
    *) echo "$out/config.dict" ;;
  esac
}

failed=()
summary=()
for t in $targets; do
  corpus="$out/corpus/$t"  # grows across runs; new interesting inputs land here
  mkdir -p "$corpus" "$out/findings" "$out/logs"
  log="$out/logs/$t.log"
  printf '\n=== %s for %ss ===\n' "$t" "$seconds"
  status=0
  # detect_leaks: a leak per input would be memory growing without bound in the page.
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$out/tests/fuzz/$t" "$corpus" "$out/seeds/$t" \
      -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb=2048 -max_len=65536 \
      -dict="$(dict_for "$t")" -artifact_prefix="$out/findings/$t-" -print_final_stats=1 \
      >"$log" 2>&1 || status=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  if [[ $status -ne 0 ]]; then
    failed+=("$t")
    grep -E 'ERROR|SUMMARY|fuzz_[a-z_]+:|Test unit written|==[0-9]+==' "$log" | head -40 || true
    summary+=("$t: FAILED (exit $status) after ${execs:-?} executions; log $log")
  else
    summary+=("$t: ok, ${execs:-?} executions in ${seconds}s, corpus $(find "$corpus" -type f | wc -l) inputs")
  fi
done

printf '\n=== fuzzing summary ===\n'
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: findings in: ${failed[*]} (inputs under $out/findings/)" >&2
  exit 1
fi
