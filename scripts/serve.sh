#!/usr/bin/env bash
# One command from a fresh clone to the calculator in a browser:
# installs what is missing, builds native and wasm, builds the page, serves it.
# PORT (default 8000) and HOST (default 127.0.0.1) may be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-native.sh --target headroom  # the CLI; the page needs no unit tests
scripts/build-wasm.sh
if [[ -f web/build.mjs ]]; then
  node web/build.mjs
fi

site=build/site
[[ -d "$site" ]] || site=web
port=${PORT:-8000}
host=${HOST:-127.0.0.1}
echo "serve: $site on http://localhost:$port/  (Ctrl-C to stop)"

# A tiny static server: node is already required, and this knows the MIME types we ship.
exec node - "$site" "$port" "$host" <<'JS'
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const [root, port, host] = process.argv.slice(2);
const base = path.resolve(root);
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain',
};
http.createServer((req, res) => {
  let file;
  try { file = path.join(base, decodeURIComponent(new URL(req.url, 'http://x').pathname)); }
  catch { res.writeHead(400).end(); return; }
  // path.join normalises "..", so anything outside the site folder is an attempt to escape it.
  if (file !== base && !file.startsWith(base + path.sep)) { res.writeHead(403).end(); return; }
  fs.stat(file, (err, st) => {
    if (!err && st.isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404, {'Content-Type': 'text/plain'}).end('not found\n'); return; }
      res.writeHead(200, {'Content-Type': types[path.extname(file)] || 'application/octet-stream',
                          'Cache-Control': 'no-cache'});
      res.end(data);
    });
  });
}).listen(Number(port), host);
JS
