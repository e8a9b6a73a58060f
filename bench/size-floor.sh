#!/usr/bin/env bash
# npm run bench:size: the size floor of what a page loads. Builds bench/size-floor (the core
# modules of src/ with no browser shell) through the package's pipeline, then prints its
# weight beside the package's and writes both to target/size-floor/floor.json.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
bash scripts/setup.sh
[ -f pkg/wasm_video_uploader_bg.wasm ] || bash scripts/build.sh

out=target/size-floor
step "cargo build --release (bench/size-floor: the core alone)"
CARGO_TARGET_DIR=target cargo build --release --target wasm32-unknown-unknown \
  --manifest-path bench/size-floor/Cargo.toml
rm -rf "$out/bindgen"
wasm-bindgen --target web --out-dir "$out/bindgen" --out-name size_floor \
  target/wasm32-unknown-unknown/release/size_floor.wasm
bash scripts/optimize-wasm.sh "$out/bindgen/size_floor_bg.wasm" "$out/size_floor_bg.wasm" "$out/bindgen/size_floor.js"
esbuild "$out/bindgen/size_floor.js" --minify --format=esm --target=es2022 --log-level=warning \
  --outfile="$out/size_floor.js"
node bench/size-floor.mjs "$out"
