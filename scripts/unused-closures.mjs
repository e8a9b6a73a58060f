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
import { leb, reader, replaced, sections } from './wasm-binary.mjs';

const [input, output] = process.argv.slice(2);
const bytes = readFileSync(input);
const UNUSED = [/^wasm_bindgen::convert::closures::_::invoke::h[0-9a-f]+$/, /^js_sys::futures::jspi::task_waker::raw_\w+::h[0-9a-f]+$/];
const STUB = '__wbindgen_skip_interpret_calls';

// Every function's name, from the name section.
const names = new Map();
for (const section of sections(bytes)) {
  const read = reader(bytes, section.body);
  if (section.id !== 0 || read.name() !== 'name') continue;
  while (read.at < section.end) {
    const subsection = bytes[read.at++];
    const next = read.u32() + read.at;
    if (subsection === 1) {
      for (let count = read.u32(); count > 0; count--) {
        const index = read.u32();
        names.set(index, read.name());
      }
    }
    read.at = next;
  }
}
const stub = [...names].find(([, name]) => name === STUB)?.[0];
if (stub === undefined) throw new Error(`the wasm has no function ${STUB} (or no name section)`);
const elements = sections(bytes).find((section) => section.id === 9);
if (!elements) throw new Error('the wasm has no element section');

// Active segments of function indices (flags 0, or 2 with a table index) are rewritten.
const read = reader(bytes, elements.body);
const segments = read.u32();
const out = [...leb(segments)];
for (let left = segments; left > 0; left--) {
  const segment = read.at;
  const flags = read.u32();
  if (flags !== 0 && flags !== 2) throw new Error(`element segment of kind ${flags}: not rewritten`);
  if (flags === 2) read.u32();
  // The offset: a constant expression, up to its `end`.
  while (bytes[read.at++] !== 0x0b);
  if (flags === 2 && bytes[read.at++] !== 0x00) throw new Error('element segment of a kind other than functions');
  out.push(...bytes.subarray(segment, read.at));
  const count = read.u32();
  out.push(...leb(count));
  for (let i = 0; i < count; i++) {
    const index = read.u32();
    out.push(...leb(UNUSED.some((pattern) => pattern.test(names.get(index) ?? '')) ? stub : index));
  }
}
if (read.at !== elements.end) throw new Error('the element section has more than this script reads');
// None is no error (the size floor's wasm has none); a wasm-bindgen that named them
// otherwise would show in the size test, whose ceiling they would break.
writeFileSync(output, replaced(bytes, elements, 9, out));
