// Served page only (web/build.mjs inlines it at the top of <head>, allowed by its hash in the
// page's Content-Security-Policy): starts downloading and compiling headroom.wasm as soon as
// the parser reaches it, instead of when the app asks for the engine a few hundred
// milliseconds later (even an async script waited for the first layout here). web/engine.js
// instantiates the compiled module from here, and loads the whole headroom.js without it.
// A sandboxed frame has an opaque origin and could not fetch the file without CORS; engine.js
// loads the whole engine there, so nothing is started.
const wasmName = document.querySelector('meta[name="headroom-wasm"]')?.content;
if (wasmName && globalThis.origin !== 'null' && typeof WebAssembly.compileStreaming === 'function') {
  const url = new URL(wasmName, document.baseURI).href;
  // A server without the application/wasm type refuses streaming compilation: then compile
  // the same download from its bytes. null on any other failure.
  globalThis.headroomWasmModule = fetch(url).then((response) => {
    if (!response.ok) return null;
    const spare = response.clone();
    return WebAssembly.compileStreaming(response)
      .catch(() => spare.arrayBuffer().then((bytes) => WebAssembly.compile(bytes)));
  }).catch(() => null);
}
