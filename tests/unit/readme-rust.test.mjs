// The README's Rust snippet is the part of examples/rust_api.rs between its markers, which
// `cargo test --target wasm32-unknown-unknown --features rust-api` compiles: the snippet a
// reader copies compiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);

/** `text` with the indentation its lines share taken away. */
function dedent(text) {
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)[0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

test("the README's Rust snippet is the compiled example's", () => {
  const example = readFileSync(new URL('examples/rust_api.rs', root), 'utf8');
  const region = example.match(/\/\/ README: begin\n([\s\S]*?)\n *\/\/ README: end/);
  assert.ok(region, 'examples/rust_api.rs has its README markers');
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it from Rust'));
  const snippet = section.match(/```rust\n([\s\S]*?)\n```/);
  assert.ok(snippet, "the README's Rust section has a rust block");
  assert.equal(snippet[1], dedent(region[1]));
});
