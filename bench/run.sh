#!/usr/bin/env bash
# npm run bench: builds what it measures, then runs bench/run.mjs (see BENCHMARKS.md).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
bash scripts/setup.sh --browser
bash scripts/build.sh
bash bench/size-floor.sh
step "cargo build --release -p upload-server"
cargo build --release -p upload-server
step "bench/run.mjs (several minutes)"
node bench/run.mjs
step "bench/flood.mjs (one peer floods, another is served)"
node bench/flood.mjs
step "bench/recorder.mjs (stop() to the Video for a 60-s recording, three ways; about 7 minutes)"
node bench/recorder.mjs
