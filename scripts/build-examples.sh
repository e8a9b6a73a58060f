#!/usr/bin/env bash
# Builds the example apps into target/examples/, which upload-server serves at /examples:
# the Leptos app (examples/leptos) at /examples/leptos/. npm start and npm test call it.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
out="$PROJECT_DIR/target/examples/leptos"
step "cargo build --release -p leptos-upload-example (the Leptos example app)"
started=$(date +%s)
cargo build --release --target wasm32-unknown-unknown -p leptos-upload-example
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name leptos_upload_example \
  target/wasm32-unknown-unknown/release/leptos-upload-example.wasm
cp examples/leptos/index.html examples/leptos/style.css "$out/"
wasm="$out/leptos_upload_example_bg.wasm"
# One -Oz pass, as an app would ship it (the package's own pipeline is scripts/optimize-wasm.sh).
wasm-opt -Oz --strip-debug --strip-producers "$wasm" -o "$wasm"
echo "examples/leptos: built in $(( $(date +%s) - started )) s; $(stat -c %s "$wasm") B wasm, $(gzip -9c "$wasm" | wc -c) B gzip" >&2
