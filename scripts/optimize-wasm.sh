#!/usr/bin/env bash
# Optimizes a wasm-bindgen output for size, as the package ships it:
#   bash scripts/optimize-wasm.sh <in _bg.wasm> <out.wasm> <glue.js>   (the glue is rewritten)
# Used by scripts/build.sh and by bench/size-floor.sh, so both weigh the same pipeline.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
input=$1 output=$2 glue=$3
# Memory starts zeroed, and Rust's layout leaves the first kilobyte unused: both let
# wasm-opt drop code and data that would only restate that. Flattening the optimized code
# and rebuilding its control flow (--flatten --rereloop), then optimizing again until
# nothing changes, finds ~120 B gzip that one -Oz pass leaves; specializing functions for
# their constant arguments (--monomorphize) before that last round, ~70 B more.
# The closure shims only wasm-bindgen's describing functions took the address of leave the
# function table first (scripts/unused-closures.mjs), so that wasm-opt removes them.
node scripts/unused-closures.mjs "$input" "$output.tmp"
wasm-opt -Oz --flatten --rereloop -Oz --monomorphize -Oz --converge --strip-debug --strip-producers \
  --zero-filled-memory --low-memory-unused "$output.tmp" -o "$output.tmp"
# Short import and export names, and the glue rewritten to match.
node scripts/minify-names.mjs "$output.tmp" "$output" "$glue"
rm -f "$output.tmp"
