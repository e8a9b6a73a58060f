#!/usr/bin/env bash
# npm run mutants: mutation testing of the sans-IO core with cargo-mutants, which changes
# the core's code one mutant at a time (an operator, a constant, a body replaced) and runs
# its native tests against each: a mutant the tests do not notice is a place they do not
# check. Outside `npm test` (it takes tens of minutes on two cores). Installs cargo-mutants
# when missing; the report is in target/mutants/mutants.out (missed.txt lists the survivors).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
version=27.1.0
if ! cargo mutants --version 2>/dev/null | grep -q "$version"; then
  step "cargo install cargo-mutants $version (once)"
  cargo install cargo-mutants --locked --version "$version"
fi
step "cargo mutants (the core: every module but the browser shell; its native tests)"
# src/web is the wasm-only shell, tested in browsers; src/lib.rs holds the wasm allocator
# and panic handler. `--lib` runs the core's unit tests, which are the core's whole suite.
cargo mutants --package wasm-video-uploader --exclude 'src/web/**' --exclude src/lib.rs \
  --output target/mutants --timeout 60 "$@" -- --lib
