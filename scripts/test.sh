#!/usr/bin/env bash
# Runs every test: native unit + validation tests (Catch2/CTest), the same under ASan/UBSan,
# a short fuzzing run, wasm tests in Node and browser tests in headless Chromium.
# Exits non-zero on any failure. Set HEADROOM_QUICK=1 to skip the sanitizer and fuzz stages.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
step() { printf '\n=== %s ===\n' "$*"; }

step "native build and tests"
bash scripts/build-native.sh
ctest --test-dir build/native --output-on-failure

if [[ "${HEADROOM_QUICK:-0}" != 1 ]]; then
  step "native tests under AddressSanitizer + UBSan"
  cmake --preset native-asan >/dev/null
  cmake --build --preset native-asan -j"$(nproc)"
  ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build/asan --output-on-failure
  if [[ -x scripts/fuzz.sh ]]; then
    step "fuzzing (short run)"
    FUZZ_SECONDS="${FUZZ_SECONDS:-15}" bash scripts/fuzz.sh
  fi
fi

step "wasm build and Node tests"
bash scripts/build-wasm.sh
node --test tests/wasm/

step "web build and browser tests"
node web/build.mjs
node --test --test-concurrency=1 tests/browser/

printf '\nAll tests passed.\n'
