#!/usr/bin/env bash
# Installs what Headroom needs to build and test, and nothing it already has.
# Safe to run again: apt-get runs only for missing packages, npm only when node_modules is stale.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake nlohmann-json3-dev catch2 emscripten nodejs npm chromium clang libclang-rt-14-dev)

missing=()
for pkg in "${packages[@]}"; do
  case "$pkg" in
    # Node may come from elsewhere (e.g. a nodesource nodejs that bundles npm and conflicts
    # with Debian's npm package): any working node and npm will do.
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]})); then
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# playwright-core drives Debian's /usr/bin/chromium; it must never fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ ! -d node_modules/playwright-core || package.json -nt node_modules || package-lock.json -nt node_modules ]]; then
  if [[ -f package-lock.json ]]; then
    npm ci --no-audit --no-fund
  else
    npm install --no-audit --no-fund
  fi
  touch node_modules
fi
echo "setup: ok"
