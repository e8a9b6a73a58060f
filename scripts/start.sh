#!/usr/bin/env bash
# npm start: install what is missing, build, start upload-server and print the page URL.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash scripts/build.sh
bash scripts/build-examples.sh
step "cargo build --release -p upload-server"
cargo build --release -p upload-server
exec node scripts/start.mjs "$@"
