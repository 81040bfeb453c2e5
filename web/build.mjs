#!/usr/bin/env node
// Assembles the static site from web/ and the wasm module (node, no dependencies):
//   build/site/index.html, styles.css, app.js (bundled), headroom-core.<hash>.js and
//   headroom.<hash>.wasm (the engine split in two for the page), headroom.js (the engine whole, copied from
//   build/wasm, for the widget), headroom-calculator.js (the embeddable widget, bundled),
//   embed-demo.html, and
//   build/site/headroom-offline.html: one file with every script, style and the wasm inlined,
//   which works when saved and opened from disk.
// Usage: node web/build.mjs [--wasm build/wasm/headroom.js] [--out build/site]

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = dirname(fileURLToPath(import.meta.url));
const repoDir = resolve(webDir, '..');

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at > 0 ? resolve(process.argv[at + 1]) : join(repoDir, fallback);
}
const wasmJs = option('--wasm', 'build/wasm/headroom.js');
const outDir = option('--out', 'build/site');

// ---- a minimal bundler for our own ES modules -------------------------------------------
// Each module becomes a function scope that returns its exports; imports become
// destructuring of those. Only the forms web/ uses are understood: `import {a, b as c}
// from './x.js';` and `export function|async function|const|let|class name`.

const IMPORT = /^import\s*\{([^}]*)\}\s*from\s*'(\.\/[\w.-]+)';?\s*$/gm;
const EXPORT = /^export\s+((?:async\s+)?function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)/gm;

export function bundle(entryFile) {
  const order = [];
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, , spec] of source.matchAll(IMPORT)) visit(resolve(dirname(file), spec));
    order.push({ file, source });
  };
  visit(resolve(entryFile));

  const varFor = (file) => `__module_${file.slice(webDir.length + 1).replace(/\W/g, '_')}`;
  const parts = order.map(({ file, source }) => {
    const exported = [...source.matchAll(EXPORT)].map((m) => m[2]);
    const body = source
      .replace(IMPORT, (_, names, spec) => {
        const fields = names.split(',').map((n) => n.trim()).filter(Boolean)
          .map((n) => n.replace(/\s+as\s+/, ': '));
        return `const { ${fields.join(', ')} } = ${varFor(resolve(dirname(file), spec))};`;
      })
      .replace(EXPORT, (_, kind, name) => `${kind} ${name}`);
    if (/^\s*(import|export)\b/m.test(body)) {
      throw new Error(`${file}: an import/export form the bundler does not understand`);
    }
    return `const ${varFor(file)} = (() => {\n${body}\nreturn { ${exported.join(', ')} };\n})();`;
  });
  return `(() => {\n'use strict';\n${parts.join('\n')}\n})();\n`;
}

// ---- the engine, whole or split ---------------------------------------------------------

// build/wasm/headroom.js is Emscripten's glue with the wasm inlined as one base64 string
// literal (SINGLE_FILE): what the widget, the offline page and Node load. The served page
// loads the glue alone and the wasm as its own file (web/engine.js instantiates it through
// Emscripten's instantiateWasm hook, so the emptied literal is never read).
const INLINED_WASM = /(["'])data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)\1/g;

// The names the served page gives the engine's halves (<stamp>: a hash of both, see main()).
export const ENGINE_GLUE_NAME = /^headroom-core\.[0-9a-f]+\.js$/;
export const ENGINE_WASM_NAME = /^headroom\.[0-9a-f]+\.wasm$/;

export function splitEngine(engineText) {
  const found = [...engineText.matchAll(INLINED_WASM)];
  if (found.length !== 1) throw new Error(`build: expected one inlined wasm in the engine, found ${found.length}`);
  const [literal, quote, base64] = found[0];
  return {
    glue: engineText.replace(literal, `${quote}${quote}`),
    wasm: Buffer.from(base64, 'base64'),
  };
}

// ---- helpers ----------------------------------------------------------------------------

const read = (name) => readFileSync(join(webDir, name), 'utf8');
const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

// Text inside <script> must not close the element early.
const scriptSafe = (code) => code.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');

function replaceOnce(text, search, replacement) {
  const at = text.indexOf(search);
  if (at < 0) throw new Error(`build: "${search}" not found in the page`);
  return text.slice(0, at) + replacement + text.slice(at + search.length);
}

function setCsp(html, policy) {
  return html.replace(
    /<meta http-equiv="Content-Security-Policy" content="[^"]*">/,
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
  );
}

// The offline file is self-contained, so its policy allows exactly the inline blocks it
// carries (by hash) and nothing from anywhere else.
function offlinePage(page, styles, engineJs, appJs) {
  const engine = scriptSafe(engineJs);
  const app = scriptSafe(appJs);
  let html = page.replace(/<!-- site-only -->[\s\S]*?<!-- \/site-only -->/g, '');
  html = replaceOnce(html, '<link rel="stylesheet" href="styles.css">', `<style>${styles}</style>`);
  // Inline scripts cannot be deferred: the engine (1 MB, mostly the wasm) goes at the end of
  // the body so that the page is parsed and drawn before it runs.
  html = replaceOnce(html, '<script defer src="headroom.js"></script>', '');
  html = replaceOnce(html, '</body>', `<script>${engine}</script>\n</body>`);
  html = replaceOnce(html, '<script type="module" src="app.js"></script>', `<script type="module">${app}</script>`);
  const policy = [
    "default-src 'none'",
    `script-src ${sha256(engine)} ${sha256(app)} 'wasm-unsafe-eval'`,
    `style-src ${sha256(styles)}`,
    'img-src data:',
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return setCsp(html, policy);
}

function main() {
  if (!existsSync(wasmJs)) {
    console.error(`build: ${wasmJs} is missing; run scripts/build-wasm.sh first`);
    process.exit(1);
  }
  mkdirSync(outDir, { recursive: true });
  const page = read('index.html');
  const styles = read('styles.css');
  const engineJs = readFileSync(wasmJs, 'utf8');
  const appJs = bundle(join(webDir, 'app.js'));
  const widgetJs = bundle(join(webDir, 'headroom-calculator.js'));

  // The bundle has no imports, so the site loads it as a classic deferred script: a module
  // script would need CORS headers inside a sandboxed iframe (an opaque origin).
  let sitePage = replaceOnce(page, '<script type="module" src="app.js"></script>',
    '<script defer src="app.js"></script>');
  // The two halves of the engine must come from the same build: their names carry a hash of
  // both, so a cache can never pair an old glue with a new wasm.
  const split = splitEngine(engineJs);
  const stamp = createHash('sha256').update(split.glue).update(split.wasm).digest('hex').slice(0, 12);
  const coreName = `headroom-core.${stamp}.js`;
  const wasmName = `headroom.${stamp}.wasm`;
  // engine.js and wasm-prefetch.js find the wasm by this meta tag. (No preload link: in a
  // sandboxed frame its cross-origin request fails with a console error.)
  const prefetch = scriptSafe(read('wasm-prefetch.js'));
  sitePage = replaceOnce(sitePage, '<script defer src="headroom.js"></script>', `<script defer src="${coreName}"></script>`);
  sitePage = replaceOnce(sitePage, '<meta name="color-scheme"',
    `<meta name="headroom-wasm" content="${wasmName}">\n  <script>${prefetch}</script>\n  <meta name="color-scheme"`);
  sitePage = sitePage.replace("connect-src 'none'", "connect-src 'self'")
    .replace("script-src 'self'", `script-src 'self' ${sha256(prefetch)}`);
  const files = {
    'index.html': sitePage,
    'styles.css': styles,
    'app.js': appJs,
    'headroom.js': engineJs,
    [coreName]: split.glue,
    [wasmName]: split.wasm,
    'headroom-calculator.js': widgetJs,
    'embed-demo.html': read('embed-demo.html'),
    'headroom-offline.html': offlinePage(page, styles, engineJs, appJs),
  };
  // Halves of earlier builds would pile up under their own hashes.
  for (const name of readdirSync(outDir)) {
    if ((ENGINE_GLUE_NAME.test(name) || ENGINE_WASM_NAME.test(name)) && !(name in files)) rmSync(join(outDir, name));
  }
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(outDir, name), text);
    console.log(`build: ${join(outDir, name)} (${typeof text === 'string' ? Buffer.byteLength(text) : text.length} bytes)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
