#!/usr/bin/env bash
# Builds the native core, CLI and unit tests into build/native (CMakePresets.json "native").
# Extra arguments go to `cmake --build`, e.g. `--target headroom` for the CLI alone.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset native
cmake --build --preset native -j "$(nproc)" "$@"
