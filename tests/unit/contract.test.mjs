// The JavaScript side of the JS-wasm seam, checked in Node, without a browser or a wasm.
// src/contract.json declares the seam once; scripts/contract.mjs generates js/contract.js,
// src/slots.rs, src/event_fields.rs and the marked regions of js/index.d.ts from it. Here:
// every generated file is fresh, js/options.js checks and packs each case of
// tests/fixtures/contract-cases.json as it says (cargo test unpacks and validates the same
// packed forms in src/packed.rs, and holds the Rust enums and messages to the declaration in
// src/error.rs), and js/error.js writes each message from its code's templates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectDir } from '../support/server.mjs';
import { stale, slots } from '../../scripts/contract.mjs';
import { check, pack, SLOTS } from '../../js/options.js';
import { UploadError, warningMessage } from '../../js/error.js';

const read = (file) => JSON.parse(readFileSync(path.join(projectDir, file), 'utf8'));
const declaration = read('src/contract.json');
const cases = read('tests/fixtures/contract-cases.json');

/** A case's options, with a `file` named by a string made a `File` of that name. */
const given = (options) => (typeof options?.file === 'string' ? { ...options, file: new File([], options.file) } : options);
const packed = (options, stream) => {
  const [texts, present, file, strategy] = pack(options, stream);
  return { texts: texts.split('\0'), present, file, strategy };
};

test('every file generated from src/contract.json is fresh (else: node scripts/contract.mjs)', () => {
  assert.deepEqual(stale(), []);
});

test('the entry lays the values out in the order src/slots.rs reads them', () => {
  assert.deepEqual(SLOTS.map(([option, sub, how]) => [option.name, sub, how]), slots(declaration));
});

test('js/options.js checks and packs every accepted case as it says', () => {
  for (const { case: name, stream, options, packed: expected } of cases.packed) {
    const options_ = given(options);
    check(options_, stream);
    const { texts, present, file, strategy } = packed(options_, stream);
    assert.deepEqual({ texts, present }, expected, name);
    assert.equal(file, stream ? undefined : options_.file, name);
    assert.equal(strategy, undefined, name);
  }
});

test('js/options.js refuses every refused case with its code and the official message, before the wasm', () => {
  for (const { case: name, stream, options, error, packed: expected } of cases.refused) {
    const options_ = given(options);
    assert.throws(() => check(options_, stream), (thrown) => {
      assert.ok(thrown instanceof UploadError && thrown instanceof Error, name);
      assert.deepEqual({ code: thrown.code, message: thrown.message }, error, name);
      return true;
    });
    if (expected) {
      const { texts, present } = packed(options_, stream);
      assert.deepEqual({ texts, present }, expected, name);
    }
  }
});

test('the declared apiHost pattern judges the hosts as the Rust API does', () => {
  const pattern = new RegExp(declaration.options.find((o) => o.name === 'apiHost').check.pattern);
  for (const host of cases.apiHosts.accepted) assert.ok(pattern.test(host), host);
  for (const host of cases.apiHosts.refused) assert.ok(!pattern.test(host), host);
  for (const host of cases.apiHosts.refused) {
    assert.throws(() => check({ uploadToken: 'to1', apiHost: host, file: new File([], 'a') }, false), { code: 'OPTION_INVALID' });
  }
});

test('js/error.js writes each message from the code and the facts the core gives', () => {
  const message = (error) => new UploadError(error).message;
  assert.equal(message({ code: 'UNAUTHORIZED', status: 401, raw: '{"title":"Token expired","status":401}' }), 'Token expired (HTTP 401)');
  assert.equal(message({ code: 'SERVER_ERROR', status: 502, raw: 'Bad gateway' }), 'The server answered HTTP 502.');
  assert.equal(message({ code: 'HTTP_ERROR', status: 418, raw: '{"title":7}' }), 'The server answered HTTP 418.');
  assert.equal(message({ code: 'FILE_TOO_LARGE', size: 32212254721 }), 'The file is 32212254721 bytes; api.video accepts at most 32212254720 bytes (30 GiB).');
  assert.equal(message({ code: 'RESPONSE_INVALID', status: 201, detail: 'no videoId', raw: '{}' }), 'Unusable response (HTTP 201): no videoId');
  assert.equal(message({ code: 'NETWORK_ERROR', reason: 'NETWORK_ERROR' }), 'Network error: the request did not reach the server.');
  assert.equal(message({ code: 'WASM_NOT_LOADED', detail: 'fetch failed' }), "The uploader's wasm is not loaded (fetch failed): call init({ module_or_path }) with its URL first.");
  assert.equal(message({ code: 'WASM_NOT_LOADED' }), "The uploader's wasm is not loaded: call init({ module_or_path }) with its URL first.");
  // A message given is kept; the facts a message is written from are not fields of the error.
  assert.equal(message({ code: 'ABORTED', message: 'Stopped.' }), 'Stopped.');
  const error = new UploadError({ code: 'RESPONSE_INVALID', status: 201, detail: 'no videoId', raw: '{"detail":"theirs"}' });
  assert.equal(error.detail, 'theirs');
  assert.equal(warningMessage('RESUME_UNAVAILABLE', { detail: 'SecurityError' }), "Resumable uploads are off: the browser's storage cannot be used (SecurityError).");
  for (const code of Object.keys(declaration.errors)) assert.notEqual(message({ code, status: 400, detail: 'x', size: 1, name: 'n' }), code, code);
});

test('every code the JavaScript side names is a declared one', () => {
  const codes = new Set([...Object.keys(declaration.errors), ...Object.keys(declaration.warnings), ...Object.keys(declaration.elementErrors), ...Object.keys(declaration.recorderErrors)]);
  for (const file of ['js/index.js', 'js/options.js', 'js/queue.js', 'js/resume.js', 'js/video-uploader.js', 'js/recorder.js', 'js/recording.js']) {
    const source = readFileSync(path.join(projectDir, file), 'utf8');
    // `code: 'X'`, `fail('X'`, `case 'X':`, `=== 'X'` on a code, `['X', …]` (a code and its
    // text), and the element's sets of codes.
    const named = [
      ...source.matchAll(/(?:code: |code = |fail\(|refuse\(|case |code === |\[)'([A-Z_]+)'/g),
      ...[...source.matchAll(/new Set\(\[([^\]]*)\]\)/g)].flatMap(([, list]) => [...list.matchAll(/'([A-Z_]+)'/g)]),
    ].map(([, code]) => code);
    assert.ok(named.length > 0 || file === 'js/options.js', file);
    for (const code of named) assert.ok(codes.has(code), `${file} names ${code}, which src/contract.json does not declare`);
  }
});
