#!/usr/bin/env bash
# Builds the WebAssembly module: build/wasm/headroom.js (the .wasm is inlined).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's emscripten runs its optimizer under Node and finds its modules only here.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
emcmake cmake -B build/wasm -DCMAKE_BUILD_TYPE=Release
cmake --build build/wasm -j "$(nproc)"
js=build/wasm/headroom.js
echo "build-wasm: $js $(wc -c <"$js") bytes, $(gzip -9c "$js" | wc -c) gzipped"
