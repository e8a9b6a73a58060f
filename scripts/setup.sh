#!/usr/bin/env bash
# Installs what the build and the tests need, skipping whatever is already there, so a
# second run costs seconds. `--browser` also installs Chromium and ChromeDriver.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

command -v cargo >/dev/null || { echo "setup: Rust is required (https://rustup.rs)" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: Node.js 20+ with npm is required" >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must be the exact version of the wasm-bindgen crate in Cargo.lock. It is
# installed without --locked: its own lockfile pins a crate the registry lacks.
if [ ! -f Cargo.lock ]; then cargo generate-lockfile; fi
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wb_version" ]; then
  step "cargo install wasm-bindgen-cli $wb_version (about two minutes, once)"
  cargo install wasm-bindgen-cli --version "$wb_version"
fi

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

if [ "$want_browser" = 1 ] && { ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; }; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: the browser tests need Debian's chromium and chromium-driver:" >&2
    echo "       sudo apt-get install -y --no-install-recommends chromium chromium-driver" >&2
    exit 1
  fi
  step "apt-get install chromium chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends chromium chromium-driver \
    || { apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver; }
fi
