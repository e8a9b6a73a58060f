// The errors the package throws and rejects with: one class, with the official
// `VideoUploadError` fields and a stable `code`. Pure JavaScript (no wasm), so that Node
// tests import it.

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Why an upload failed: an `Error` with the official `VideoUploadError` fields (`status`,
 * `raw`, and every field of the parsed problem body: `type`, `title`, `name`, `detail`, …),
 * plus a stable `code`, and `reason` for failures without a response.
 */
export class UploadError extends Error {
  constructor(error) {
    super(error.message);
    let body;
    try {
      body = error.raw && JSON.parse(error.raw);
    } catch {
      // Not JSON: `raw` says what the server sent.
    }
    // Defined, not assigned: a `__proto__` key assigned would replace the prototype (and the
    // error would no longer be an Error); it, `constructor` and `prototype` are skipped.
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      for (const [key, value] of Object.entries(body)) {
        if (value !== undefined && !UNSAFE_KEYS.has(key)) Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
      }
    }
    for (const key of ['status', 'raw', 'reason', 'code']) if (error[key] !== undefined) this[key] = error[key];
    this.message = error.message;
  }
}

export const fail = (code, message) => {
  throw new UploadError({ code, message });
};
export const invalid = (key, detail) => fail('OPTION_INVALID', `Invalid '${key}' option: ${detail}`);

