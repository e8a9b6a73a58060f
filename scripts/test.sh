#!/usr/bin/env bash
# npm test: every layer. Native (core + server), browser (wasm-bindgen-test in headless
# Chromium against a running upload-server), and end to end (Playwright).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash scripts/setup.sh --browser
bash scripts/build.sh

step "tsc --noEmit (a consumer of the package's TypeScript declarations)"
tsc -p tests/types/tsconfig.json

step "cargo test --workspace (native: core and server)"
cargo test --workspace

cargo build -p upload-server
step "tests/seed_flow.sh (the seed's curl commands against upload-server)"
node scripts/with-server.mjs -- bash tests/seed_flow.sh

step "cargo test --target wasm32-unknown-unknown (browser, headless Chromium)"
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PROJECT_DIR/tests/webdriver.json"
node scripts/with-server.mjs -- cargo test --target wasm32-unknown-unknown --features rust-api

step "node --test tests/e2e tests/server (Playwright in headless Chromium; kill -9 recovery)"
node --test --test-concurrency=1 --test-timeout=300000 tests/e2e/ tests/server/
