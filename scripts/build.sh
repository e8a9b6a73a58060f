#!/usr/bin/env bash
# Builds pkg/: the wasm (release, no_std, then wasm-opt) and one minified ES module that
# bundles the package entry (js/index.js) with its wasm-bindgen glue.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash scripts/setup.sh

# The files generated from the one declaration of the JS-wasm seam (src/contract.json).
step "node scripts/contract.mjs"
node scripts/contract.mjs

step "cargo rustc --release --target wasm32-unknown-unknown --lib --crate-type cdylib"
# A cdylib alone: beside an rlib, the wasm keeps panic texts, source paths and the digit
# table in its data section (which wasm-opt cannot drop) and LLVM inlines less: 4 KB gzip.
cargo rustc --release --target wasm32-unknown-unknown --lib --crate-type cdylib

step "wasm-bindgen --target web"
bindgen=target/bindgen
rm -rf "$bindgen" pkg
mkdir -p pkg
wasm-bindgen --target web --out-dir "$bindgen" --out-name wasm_video_uploader \
  target/wasm32-unknown-unknown/release/wasm_video_uploader.wasm
# The entry and the pure modules it imports, beside the glue it imports.
cp js/index.js js/error.js js/options.js js/contract.js "$bindgen/"

step "wasm-opt -Oz, then short import and export names"
bash scripts/optimize-wasm.sh "$bindgen/wasm_video_uploader_bg.wasm" pkg/wasm_video_uploader_bg.wasm "$bindgen/wasm_video_uploader.js"

# The entry and the glue in one module: one request instead of two, and minified names.
step "esbuild (bundle and minify the entry with the glue)"
esbuild "$bindgen/index.js" --bundle --minify --format=esm --target=es2022 --log-level=warning \
  --external:./resume.js --external:./static.js --external:./media.js --external:./provider.js --outfile=pkg/index.js
# Resumable uploads, a module of its own: only a page that asks for them loads it.
esbuild js/resume.js --bundle --minify --format=esm --target=es2022 --log-level=warning --outfile=pkg/resume.js
# maxVideoDuration's and onPlayable's media work, loaded on first use.
esbuild js/media.js --bundle --minify --format=esm --target=es2022 --log-level=warning --outfile=pkg/media.js
# A token provider's token, checked: loaded by the first upload that has a provider.
esbuild js/provider.js --bundle --minify --format=esm --target=es2022 --log-level=warning \
  --external:./index.js --outfile=pkg/provider.js
# The official static API's uploads, loaded on their first use.
esbuild js/static.js --bundle --minify --format=esm --target=es2022 --log-level=warning \
  --external:./index.js --outfile=pkg/static.js
# Many files at a time, a module of its own over the entry.
esbuild js/queue.js --bundle --minify --format=esm --target=es2022 --log-level=warning \
  --external:./index.js --outfile=pkg/queue.js
# The recorder (ApiVideoMediaRecorder), a module of its own over the entry.
esbuild js/recorder.js --bundle --minify --format=esm --target=es2022 --log-level=warning \
  --external:./index.js --outfile=pkg/recorder.js
# The element's recording, loaded on its first Record, over the recorder.
esbuild js/recording.js --bundle --minify --format=esm --target=es2022 --log-level=warning \
  --external:./index.js --external:./recorder.js --outfile=pkg/recording.js
# The element, a module of its own over the entry (one wasm instance for both); the
# recorder is loaded when a `record` element asks whether it can record, its recording on
# the first Record.
esbuild js/video-uploader.js --bundle --minify --format=esm --target=es2022 --log-level=warning \
  --external:./index.js --external:./recorder.js --external:./recording.js --outfile=pkg/video-uploader.js
cp js/index.d.ts js/video-uploader.d.ts js/queue.d.ts js/recorder.d.ts pkg/
node scripts/package-json.mjs
# The package's own README (install, the three uses, the API), not the repository's.
cp js/README.md pkg/README.md

wasm_gz=$(gzip -9 -c < pkg/wasm_video_uploader_bg.wasm | wc -c)
js_gz=$(gzip -9 -c < pkg/index.js | wc -c)
echo "pkg/: wasm $(wc -c < pkg/wasm_video_uploader_bg.wasm) B ($wasm_gz B gzip), index.js $(wc -c < pkg/index.js) B ($js_gz B gzip); a VideoUploader loads $((wasm_gz + js_gz)) B gzip -9" >&2
