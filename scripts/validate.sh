#!/usr/bin/env bash
# Accuracy against real vLLM logs: builds the native tree, runs headroom_validate on
# tests/validation/records.jsonl, prints the error tables, writes build/validation/records.tsv
# and regenerates docs/accuracy.md (the text inside its explanations block is kept).
# Extra arguments go to headroom_validate, e.g. --verbose, --record ID, --json,
# --write-bounds tests/validation/bounds.json (reset the bound test to the current figures).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset native >/dev/null
cmake --build --preset native -j "$(nproc)" --target headroom_validate >/dev/null
exec build/native/tests/validation/headroom_validate --markdown docs/accuracy.md "$@"
