// The JavaScript side of the JS-wasm contract, checked in Node, without a browser or a wasm:
// js/options.js packs each case of tests/fixtures/contract.json exactly as it says (cargo
// test unpacks the same packed form in src/packed.rs), and the TypeScript declarations and
// the element name the same error codes, warning codes, retry reasons and event fields as
// the file (which cargo test holds the Rust enums and src/event_fields.rs to).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { projectDir } from '../support/server.mjs';
import { pack } from '../../js/options.js';
import { UploadError } from '../../js/error.js';

const contract = JSON.parse(readFileSync(path.join(projectDir, 'tests/fixtures/contract.json'), 'utf8'));
const sorted = (list) => [...list].sort();

test('js/options.js packs every case of the contract as it says', () => {
  for (const { case: name, stream, options, packed } of contract.packedOptions) {
    const given = typeof options.file === 'string' ? { ...options, file: new File([], options.file) } : options;
    const [kind, texts, present, chunkSize, retries, parallelParts, file, flags, strategy, stall] = pack(given, stream);
    assert.deepEqual(
      { kind, texts: texts.split('\0'), present, chunkSize, retries, parallelParts, flags, stall },
      packed,
      name,
    );
    assert.equal(file, stream ? undefined : given.file, name);
    assert.equal(strategy, undefined, name);
  }
});

test('a bad option throws an UploadError with its code, before the wasm is involved', () => {
  const file = new File([], 'a.mp4');
  const thrown = (options, stream = false) => {
    try {
      pack(options, stream);
    } catch (error) {
      assert.ok(error instanceof UploadError && error instanceof Error);
      return error.code;
    }
    return null;
  };
  assert.equal(thrown({ file, uploadToken: 'to 1' }), 'OPTION_INVALID');
  assert.equal(thrown({ file }), 'CREDENTIALS_MISSING');
  assert.equal(thrown({ uploadToken: 'to1' }), 'FILE_MISSING');
  assert.equal(thrown(null, true), 'CREDENTIALS_MISSING');
  assert.equal(thrown({ file, uploadToken: 'to1', videoName: 'a\0b' }), 'OPTION_INVALID');
});

/** The declarations of js/index.d.ts, by name. */
function declarations() {
  const file = path.join(projectDir, 'js/index.d.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = new Map();
  source.forEachChild((node) => {
    if (node.name) found.set(node.name.text, node);
  });
  return found;
}

/** The string literals of a union type node. */
const literals = (type) => (ts.isUnionTypeNode(type) ? type.types : [type]).map((t) => t.literal.text);
const member = (node, name) => node.members.find((m) => m.name?.text === name);

test('the TypeScript declarations name the contract\'s codes, reasons and event fields', () => {
  const found = declarations();
  assert.deepEqual(sorted(literals(found.get('ErrorCode').type)), sorted([...contract.errorCodes.core, ...contract.errorCodes.entry]));
  assert.deepEqual(sorted(literals(member(found.get('WarningEventDetail'), 'code').type)), sorted([...contract.warningCodes.core, ...contract.warningCodes.entry]));
  assert.deepEqual(sorted(literals(member(found.get('RetryEventDetail'), 'reason').type)), sorted(contract.retryReasons));
  for (const [name, fields] of Object.entries(contract.eventFields)) {
    const declared = found.get(name).members.map((m) => m.name.text);
    assert.deepEqual(sorted(declared), sorted(fields), name);
  }
});

test('every code the JavaScript side names is one of the contract\'s', () => {
  const codes = new Set([...contract.errorCodes.core, ...contract.errorCodes.entry, ...contract.warningCodes.core, ...contract.warningCodes.entry]);
  for (const file of ['js/index.js', 'js/options.js', 'js/queue.js', 'js/resume.js', 'js/video-uploader.js']) {
    const source = readFileSync(path.join(projectDir, file), 'utf8');
    // `code: 'X'`, `fail('X'`, `case 'X':`, `=== 'X'` on a code, and the element's sets of codes.
    const named = [
      ...source.matchAll(/(?:code: |fail\(|case |code === )'([A-Z_]+)'/g),
      ...[...source.matchAll(/new Set\(\[([^\]]*)\]\)/g)].flatMap(([, list]) => [...list.matchAll(/'([A-Z_]+)'/g)]),
    ].map(([, code]) => code);
    for (const code of named) assert.ok(codes.has(code), `${file} names ${code}, which tests/fixtures/contract.json does not`);
  }
});
