// The errors the package throws and rejects with: one class, with the official
// `VideoUploadError` fields and a stable `code`, and its message written from the code's
// templates in src/contract.json (through js/contract.js). Pure JavaScript (no wasm), so
// that Node tests import it.
import { CODES, ERRORS, REASONS, WARNINGS } from './contract.js';

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype', 'message']);

/**
 * The first of `templates` whose `{fields}` are all given (a string or a number), filled
 * in; `undefined` when none is.
 */
function fill(templates, fields) {
  for (const template of templates ?? []) {
    let complete = true;
    const text = template.replace(/\{(\w+)\}/g, (_, key) => {
      const value = fields[key];
      if (typeof value !== 'string' && typeof value !== 'number') complete = false;
      return value;
    });
    if (complete) return text;
  }
}

/** A warning's message, from its code and facts. */
export const warningMessage = (code, fields = {}) => fill([WARNINGS[code]], fields) ?? code;

/**
 * Why an upload failed: an `Error` with the official `VideoUploadError` fields (`status`,
 * `raw`, and every field of the parsed problem body: `type`, `title`, `name`, `detail`, …),
 * plus a stable `code`, and `reason` for failures without a response. Made from
 * `{code, message}`, or from `{code}` and the facts its message is written from; the wasm
 * gives `code` as its index in the declaration.
 */
export class UploadError extends Error {
  constructor(error) {
    const code = CODES[error.code] ?? error.code;
    error = { ...error, code, reason: error.reason ?? (REASONS.includes(code) ? code : undefined) };
    let body;
    try {
      body = error.raw && JSON.parse(error.raw);
    } catch {
      // Not JSON: `raw` says what the server sent.
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) body = {};
    // The problem's title (an HTTP error's message) from the body, the other facts from the core.
    const title = typeof body.title === 'string' ? body.title : undefined;
    super(error.message ?? fill(ERRORS[error.code], { ...error, title }) ?? String(error.code));
    // Defined, not assigned: a `__proto__` key assigned would replace the prototype (and the
    // error would no longer be an Error); it, `constructor` and `prototype` are skipped, and
    // so is `message`, which is ours.
    for (const [key, value] of Object.entries(body)) {
      if (value !== undefined && !UNSAFE_KEYS.has(key)) Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
    }
    for (const key of ['status', 'raw', 'reason', 'code']) if (error[key] !== undefined) this[key] = error[key];
  }
}

/** Throws the `UploadError` of `code`, its message written from `fields`. */
export const fail = (code, fields) => {
  throw new UploadError({ ...fields, code });
};
export const invalid = (name, detail) => fail('OPTION_INVALID', { name, detail });
