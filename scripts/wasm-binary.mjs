// The few pieces of the wasm binary format the build's rewriting scripts read and write:
// LEB128 numbers, names, and the sections of a module.

/** A number as unsigned LEB128 bytes. */
export function leb(value) {
  const out = [];
  do {
    out.push((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
    value = Math.floor(value / 128);
  } while (value);
  return out;
}

/** A reader of `bytes` from byte `at`: `u32()` an unsigned LEB128, `name()` a length and
 * its UTF-8 text. `at` is where it stands. */
export function reader(bytes, at = 8) {
  const read = {
    at,
    u32() {
      let value = 0;
      for (let shift = 0; ; shift += 7) {
        const byte = bytes[read.at++];
        value += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) return value;
      }
    },
    name() {
      const length = read.u32();
      return new TextDecoder().decode(bytes.subarray(read.at, (read.at += length)));
    },
  };
  return read;
}

/** The module's sections, in order: `{ id, start, body, end }` (`body` where its contents
 * begin, after the id and the size). */
export function sections(bytes) {
  const read = reader(bytes);
  const found = [];
  while (read.at < bytes.length) {
    const start = read.at;
    const id = bytes[read.at++];
    const size = read.u32();
    found.push({ id, start, body: read.at, end: read.at + size });
    read.at += size;
  }
  return found;
}

/** `bytes` with `section` (as `sections` gives it) replaced by one of `id` with `contents`. */
export function replaced(bytes, section, id, contents) {
  return Buffer.concat([bytes.subarray(0, section.start), Buffer.from([id, ...leb(contents.length), ...contents]), bytes.subarray(section.end)]);
}
