#!/usr/bin/env bash
# npm test: every layer. Native (core + server), browser (wasm-bindgen-test in Chromium,
# Firefox and WebKit against a running upload-server), and end to end (the page, the element
# and the JS API in the three engines through WebDriver; Chromium-only checks through
# Playwright).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash scripts/setup.sh --browser
bash scripts/build.sh
bash scripts/build-examples.sh
# The size floor (the core alone, no shell) beside the package: it builds, and its figures
# are in the log.
bash bench/size-floor.sh

step "tsc --noEmit (a consumer of the package's TypeScript declarations)"
tsc -p tests/types/tsconfig.json

step "node --test tests/unit (the JS side of the JS-wasm contract, without a browser)"
node --test tests/unit/

step "cargo test --workspace (native: core and server)"
# The Leptos example is a wasm app: scripts/build-examples.sh builds it, its test is e2e.
cargo test --workspace --exclude leptos-upload-example

cargo build -p upload-server
step "tests/seed_flow.sh (the seed's curl commands against upload-server)"
node scripts/with-server.mjs -- bash tests/seed_flow.sh

# One driver variable per run: wasm-bindgen-test-runner takes the first it finds.
# ENGINES=firefox (or any comma-separated subset) runs the browser layers in those alone.
ENGINES="${ENGINES:-chromium,firefox,webkit}"
export ENGINES
for engine in ${ENGINES//,/ }; do
  step "cargo test --target wasm32-unknown-unknown (browser, $engine)"
  case "$engine" in
    chromium)
      CHROMEDRIVER=/usr/bin/chromedriver \
      WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PROJECT_DIR/tests/webdriver/chromium.json" \
        node scripts/with-server.mjs -- cargo test --target wasm32-unknown-unknown --features rust-api ;;
    firefox)
      GECKODRIVER="$HOME/.cargo/bin/geckodriver" \
      WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PROJECT_DIR/tests/webdriver/firefox.json" \
        node scripts/with-server.mjs -- cargo test --target wasm32-unknown-unknown --features rust-api ;;
    webkit)
      # WebKitGTK's MiniBrowser has no headless mode: a private X display.
      SAFARIDRIVER=/usr/bin/WebKitWebDriver \
        xvfb-run -a node scripts/with-server.mjs -- cargo test --target wasm32-unknown-unknown --features rust-api ;;
    *) echo "test: unknown engine $engine (chromium, firefox, webkit)" >&2; exit 2 ;;
  esac
done

step "node --test tests/e2e tests/server (page, element and JS API in $ENGINES; Playwright in Chromium; kill -9 recovery)"
# A file runs each of its tests in three engines: 15 minutes a file, not a test.
node --test --test-concurrency=1 --test-timeout=900000 tests/e2e/ tests/server/
