#!/usr/bin/env bash
# Builds pkg/: the wasm (release, then wasm-opt -Oz) and its `--target web` glue.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash scripts/setup.sh

step "cargo build --release --target wasm32-unknown-unknown"
cargo build --release --target wasm32-unknown-unknown --lib

step "wasm-bindgen --target web"
wasm-bindgen --target web --out-dir pkg --out-name wasm_video_uploader \
  target/wasm32-unknown-unknown/release/wasm_video_uploader.wasm

# The package entry and its types, written by hand (js/), beside the generated glue.
cp js/index.js js/index.d.ts pkg/

step "wasm-opt -Oz"
wasm-opt -Oz pkg/wasm_video_uploader_bg.wasm -o pkg/wasm_video_uploader_bg.wasm

wasm_gz=$(gzip -9 -c pkg/wasm_video_uploader_bg.wasm | wc -c)
js_gz=$(cat pkg/wasm_video_uploader.js pkg/index.js | gzip -9 | wc -c)
js_raw=$(cat pkg/wasm_video_uploader.js pkg/index.js | wc -c)
echo "pkg/: wasm $(wc -c < pkg/wasm_video_uploader_bg.wasm) B ($wasm_gz B gzip), JS (glue + index.js) $js_raw B ($js_gz B gzip)" >&2
