// The page's one door to the wasm core (build/wasm/headroom.js). Every call takes a plain
// object and returns a parsed object; the core never throws across the boundary, and the
// few ways JavaScript itself can fail are turned into the same {ok:false, error} shape, so
// callers handle one kind of failure.

let modulePromise = null;

// Loads the module once (memoized). headroom.js is a classic script that defines the global
// createHeadroom; the page includes it with a <script> tag, the widget injects one.
export function loadEngine(scriptUrl) {
  if (!modulePromise) modulePromise = instantiate(scriptUrl);
  return modulePromise;
}

async function instantiate(scriptUrl) {
  // The served page ships the wasm as its own file (web/build.mjs) and names it in a meta
  // tag: it is compiled as it streams in, with no base64 to decode. The widget and the
  // offline page use the copy inlined in headroom.js.
  const wasmName = globalThis.document?.querySelector('meta[name="headroom-wasm"]')?.content;
  if (wasmName) return startServedPage(new URL(wasmName, document.baseURI).href);
  if (typeof globalThis.createHeadroom !== 'function') {
    if (!scriptUrl) throw new Error('headroom.js is not loaded');
    await injectScript(scriptUrl);
  }
  return startQuietly(globalThis.createHeadroom);
}

// The wasm was fetched and compiled by wasm-prefetch.js at the top of the page. Whatever
// goes wrong with the split engine (no compiled module, its glue did not load, instantiation
// failed), the whole engine next to it is the way out.
async function startServedPage(wasmUrl) {
  const whole = new URL('headroom.js', wasmUrl).href;
  // A sandboxed frame has an opaque origin: fetching the wasm would need CORS, which a static
  // host rarely sends (the prefetch does not try). A classic script needs none.
  const compiled = globalThis.origin !== 'null' && typeof globalThis.createHeadroom === 'function'
    ? await (globalThis.headroomWasmModule ?? null) : null;
  if (!compiled) return startWhole(whole);
  return startCompiled(globalThis.createHeadroom, compiled).catch(() => startWhole(whole));
}

async function startWhole(scriptUrl) {
  await injectScript(scriptUrl); // defines createHeadroom anew, with the wasm inlined
  return startQuietly(globalThis.createHeadroom);
}

// Emscripten's factory, instantiating an already compiled module through its hook.
function startCompiled(factory, compiled) {
  return new Promise((resolve, reject) => {
    const instantiateWasm = (imports, receiveInstance) => {
      WebAssembly.instantiate(compiled, imports).then((instance) => receiveInstance(instance, compiled), reject);
      return {}; // Emscripten's sign that the instance comes later, through receiveInstance
    };
    factory({ instantiateWasm }).then(resolve, reject);
  });
}

function injectScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

// Emscripten's single-file loader first tries fetch() on its own inlined data: URL. Our CSP
// (connect-src 'none') refuses that, which is harmless (the loader then decodes the base64
// itself) but prints a console error and looks like a network attempt. Hiding fetch for the
// synchronous start of the factory sends it straight to the decoder.
function startQuietly(factory) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = undefined;
  try {
    return factory();
  } finally {
    globalThis.fetch = realFetch;
  }
}

// Calls one Module function with a JSON request and returns the parsed JSON response.
export function call(module, name, request) {
  try {
    const text = request === undefined ? module[name]() : module[name](JSON.stringify(request));
    return JSON.parse(text);
  } catch (err) {
    return { ok: false, error: { field: '', message: `${name} failed: ${err.message || err}` } };
  }
}
