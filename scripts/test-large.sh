#!/usr/bin/env bash
# npm run test:large: a 4.5 GiB file through each engine (ENGINES=… for a subset), against a
# release upload-server. Slow and disk-hungry, so not part of npm test.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash scripts/setup.sh --browser
bash scripts/build.sh
step "cargo build --release -p upload-server"
cargo build --release -p upload-server
step "node --test tests/large (4.5 GiB in ${ENGINES:-chromium,firefox,webkit})"
node --test --test-concurrency=1 --test-timeout=3600000 tests/large/
