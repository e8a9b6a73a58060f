#!/usr/bin/env bash
# Installs what the build and the tests need, skipping whatever is already there, so a
# second run costs seconds. `--browser` also installs the three browser engines and their
# WebDriver servers.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

want_browser=0
GECKODRIVER_VERSION=0.37.1
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

# The three engines of `npm test`, all from Debian (Playwright's own browser builds are a
# download, which this project never does): Chromium with chromedriver, Firefox ESR, and
# WebKitGTK's WebKitWebDriver, which runs its MiniBrowser under Xvfb.
browser_packages=(chromium chromium-driver firefox-esr webkit2gtk-driver xvfb xauth)
browser_files=(/usr/bin/chromium /usr/bin/chromedriver /usr/bin/firefox-esr /usr/bin/WebKitWebDriver /usr/bin/xvfb-run /usr/bin/xauth)
if [ "$want_browser" = 1 ]; then
  missing=0
  for file in "${browser_files[@]}"; do [ -x "$file" ] || missing=1; done
  if [ "$missing" = 1 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "setup: the browser tests need Debian's ${browser_packages[*]}:" >&2
      echo "       sudo apt-get install -y --no-install-recommends ${browser_packages[*]}" >&2
      exit 1
    fi
    step "apt-get install ${browser_packages[*]} (about a minute, once)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${browser_packages[@]}" \
      || { apt-get update && apt-get install -y --no-install-recommends "${browser_packages[@]}"; }
  fi
  # geckodriver is not packaged by Debian: crates.io has it, pinned, built once (~4 min).
  if [ "$(geckodriver --version 2>/dev/null | head -n 1 | awk '{print $2}')" != "$GECKODRIVER_VERSION" ]; then
    step "cargo install geckodriver $GECKODRIVER_VERSION (about four minutes, once)"
    cargo install geckodriver --version "$GECKODRIVER_VERSION"
  fi
fi
