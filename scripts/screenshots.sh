#!/usr/bin/env bash
# npm run screenshots: builds, then writes docs/screenshots/ (scripts/screenshots.mjs).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash scripts/setup.sh --browser
bash scripts/build.sh
cargo build -p upload-server
exec node scripts/screenshots.mjs
