// The options of `VideoUploader` and `ProgressiveUploader`, read and type-checked into what
// the wasm `Core` takes. Pure JavaScript (no wasm), so that Node tests pack options exactly
// as the package does.
import { UploadError, fail, invalid } from './error.js';

/**
 * Reads and type-checks the options (the official names) into the `Core` constructor's
 * arguments but the last (`notify`), as `src/packed.rs` reads them; the core validates their
 * values with the official messages. Throws an `UploadError`.
 */
export function pack(options, stream) {
  if (options === null || typeof options !== 'object') {
    fail(stream ? 'CREDENTIALS_MISSING' : 'FILE_MISSING', stream ? 'You must provide either an accessToken, an uploadToken or an API key' : "'file' is missing");
  }
  const given = (key) => options[key] !== undefined && options[key] !== null;
  const text = (key) => {
    if (!given(key)) return undefined;
    if (typeof options[key] !== 'string') invalid(key, 'expected a string');
    return options[key];
  };
  const whole = (key) => {
    const value = options[key];
    return Number.isInteger(value) && value >= 0 ? value : -1;
  };
  if (!stream) {
    if (!given('file')) fail('FILE_MISSING', "'file' is missing");
    if (!(options.file instanceof Blob)) invalid('file', 'expected a File or a Blob');
    const max = options.maxVideoDuration;
    if (given('maxVideoDuration') && !(typeof max === 'number' && max > 0 && max < Infinity)) {
      invalid('maxVideoDuration', 'expected a positive number of seconds');
    }
  }
  // The official uploader's order: uploadToken, then accessToken, then apiKey.
  const kind = 'uploadToken' in options ? 0 : 'accessToken' in options ? 1 : 'apiKey' in options ? 2 : -1;
  if (kind < 0) fail('CREDENTIALS_MISSING', 'You must provide either an accessToken, an uploadToken or an API key');
  const credential = ['uploadToken', 'accessToken', 'apiKey'][kind];
  const secret = text(credential) ?? '';
  // It goes into a URL or a header as it is: a space or a control character is a mistake
  // (a token pasted with its line break), caught before anything is sent.
  if (/[^\x21-\x7e]/.test(secret)) invalid(credential, 'expected visible ASCII characters, no spaces');
  if (given('retries') && whole('retries') < 0) invalid('retries', 'expected a whole number');
  // A chunk size that is not a whole number of bytes gets the official chunk-size message;
  // 'auto' (−2 to the core) adapts it to the link.
  const chunkSize = options.chunkSize === 'auto' ? -2 : given('chunkSize') ? Math.max(whole('chunkSize'), 0) : -1;
  // A number given as a version (`1` for "1") goes through String(), as in the official uploader.
  // An origin object that is given is validated, whatever it holds.
  const origin = (key, field) => {
    const value = options.origin?.[key];
    return value == null ? undefined : String(value[field] ?? '');
  };
  const strategy = options.retryStrategy;
  if (given('retryStrategy') && typeof strategy !== 'function') invalid('retryStrategy', 'expected a function');
  let stall = -1;
  if (given('stallTimeout')) {
    stall = options.stallTimeout;
    if (typeof stall !== 'number' || !(stall >= 0) || stall === Infinity) invalid('stallTimeout', 'expected milliseconds');
  }
  const file = stream ? undefined : options.file;
  // The texts cross into wasm as one string (NUL-separated, with a bitmask of those
  // given): one string to copy instead of ten, and a much smaller constructor in the wasm.
  // Their order is src/packed.rs's; tests/fixtures/contract.json holds both sides to it.
  const texts = [
    secret,
    text('refreshToken'),
    text('videoId'),
    text('videoName'),
    text('apiHost'),
    origin('application', 'name'),
    origin('application', 'version'),
    origin('sdk', 'name'),
    origin('sdk', 'version'),
    typeof file?.name === 'string' ? file.name : '',
  ];
  const names = [credential, 'refreshToken', 'videoId', 'videoName', 'apiHost', 'origin', 'origin', 'origin', 'origin', 'file'];
  let present = 0;
  texts.forEach((value, i) => {
    if (value !== undefined) present |= 1 << i;
    if (value?.includes('\0')) invalid(names[i], 'contains a NUL character');
  });
  return [
    kind,
    texts.map((value) => value ?? '').join('\0'),
    present,
    chunkSize,
    given('retries') ? whole('retries') : -1,
    // Not a whole number: 0, which the core refuses with the range it takes.
    given('parallelParts') ? Math.max(whole('parallelParts'), 0) : -1,
    file,
    (options.preventEmptyParts === true ? 1 : 0) | (options.mergeSmallPartsBeforeUpload !== false ? 2 : 0),
    typeof strategy === 'function' ? (count, error) => strategy(count, new UploadError(error)) : undefined,
    stall,
  ];
}
