// Takes out of the wasm's function table the closure shims no JavaScript or Rust of the
// package can call, so that wasm-opt then removes them:
//
//   node scripts/unused-closures.mjs <in.wasm> <out.wasm>
//
// wasm-bindgen describes every closure type it meets to its CLI through a function that
// takes the address of the type's `invoke` shim; the CLI deletes the describing functions,
// but the addresses they took stay in the table, and a function in the table is kept. The
// package passes no closure to JavaScript and runs no future (the glue has no closure
// binding, and the table is not exported), so those shims, and js-sys's waker of futures,
// are never called: each entry is pointed at one empty function (what a call of it would
// reach, were there one, is a signature mismatch that traps). The Rust API's build keeps
// them, as it keeps every closure it hands to JavaScript.
//
// Reads function names from the name section, which wasm-bindgen's output carries.
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
const bytes = readFileSync(input);
const UNUSED = [/^wasm_bindgen::convert::closures::_::invoke::h[0-9a-f]+$/, /^js_sys::futures::jspi::task_waker::raw_\w+::h[0-9a-f]+$/];
const STUB = '__wbindgen_skip_interpret_calls';

let at = 8;
const leb = () => {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return value;
  }
};
const encode = (value) => {
  const out = [];
  do {
    out.push((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
    value = Math.floor(value / 128);
  } while (value);
  return out;
};
const text = (length) => new TextDecoder().decode(bytes.subarray(at, (at += length)));

// Where the element section is, and every function's name.
let elements = null;
const names = new Map();
while (at < bytes.length) {
  const start = at;
  const id = bytes[at++];
  const size = leb();
  const end = at + size;
  if (id === 9) elements = { start, body: at, end };
  if (id === 0 && text(leb()) === 'name') {
    while (at < end) {
      const subsection = bytes[at++];
      const length = leb();
      const next = at + length;
      if (subsection === 1) {
        for (let count = leb(); count > 0; count--) {
          const index = leb();
          names.set(index, text(leb()));
        }
      }
      at = next;
    }
  }
  at = end;
}
if (!elements) throw new Error('the wasm has no element section');
const stub = [...names].find(([, name]) => name === STUB)?.[0];
if (stub === undefined) throw new Error(`the wasm has no function ${STUB} (or no name section)`);

// Active segments of function indices (flags 0, or 2 with a table index) are rewritten.
at = elements.body;
const segments = leb();
const out = [...encode(segments)];
for (let left = segments; left > 0; left--) {
  const segment = at;
  const flags = leb();
  if (flags !== 0 && flags !== 2) throw new Error(`element segment of kind ${flags}: not rewritten`);
  if (flags === 2) leb();
  // The offset: a constant expression, up to its `end`.
  while (bytes[at++] !== 0x0b);
  if (flags === 2 && bytes[at++] !== 0x00) throw new Error('element segment of a kind other than functions');
  out.push(...bytes.subarray(segment, at));
  const count = leb();
  out.push(...encode(count));
  for (let i = 0; i < count; i++) {
    const index = leb();
    const unused = UNUSED.some((pattern) => pattern.test(names.get(index) ?? ''));
    out.push(...encode(unused ? stub : index));
  }
}
if (at !== elements.end) throw new Error('the element section has more than this script reads');
// None is no error (the size floor's wasm has none); a wasm-bindgen that named them
// otherwise would show in the size test, whose ceiling they would break.
const section = [9, ...encode(out.length), ...out];
writeFileSync(output, Buffer.concat([bytes.subarray(0, elements.start), Buffer.from(section), bytes.subarray(elements.end)]));
