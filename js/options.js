// The options of `VideoUploader` and `ProgressiveUploader`: checked by the rules and packed
// in the order that src/contract.json declares (through js/contract.js, generated from it),
// into what the wasm `Core` takes. Pure JavaScript (no wasm), so that Node tests check and
// pack options exactly as the package does.
import { OPTIONS, CHECKS } from './contract.js';
import { UploadError, fail, invalid } from './error.js';

const CREDENTIALS = OPTIONS.filter((option) => option.credential).map((option) => option.name);

/** Whether `option` is one of the other kind of upload (a stream has no file). */
const elsewhere = (option, stream) => option.for && option.for !== (stream ? 'stream' : 'file');

/**
 * What crosses into the wasm, in order: `[option, sub-path, how]` (the option as declared),
 * as scripts/contract.mjs lays it out for src/slots.rs (tests/unit/contract.test.mjs holds
 * the two to each other).
 */
export const SLOTS = OPTIONS.flatMap((option) => (!option.cross ? [] : Array.isArray(option.cross) ? option.cross.map((sub) => [option, sub, 'text']) : [[option, '', option.cross]]));

/** The value at a dotted `path` of `value`, if any. */
const at = (value, path) => path.split('.').reduce((object, key) => object?.[key], value);

/** The credential the official uploader would use: the first of them given, by key. */
const credentialOf = (options) => CREDENTIALS.find((name) => name in options);

/**
 * Throws an `UploadError` with the official message for the first option that breaks its
 * declared rule, in the declared order; the wasm checks nothing again.
 */
export function check(options, stream) {
  if (options === null || typeof options !== 'object') fail(stream ? 'CREDENTIALS_MISSING' : 'FILE_MISSING');
  const credential = credentialOf(options);
  for (const option of OPTIONS) {
    const { name } = option;
    if (elsewhere(option, stream)) continue;
    let value = options[name];
    if (option.credential) {
      if (name !== CREDENTIALS[0]) continue;
      // Checked once, at the first credential's place: the one given.
      const { code, pattern, detail } = CHECKS.credentials;
      value = options[credential];
      if (value != null && typeof value !== 'string') invalid(credential, CHECKS.type.string);
      if (!value) fail(code);
      // It goes into a URL or a header as it is: a space or a control character is a
      // mistake (a token pasted with its line break), caught before anything is sent.
      if (!new RegExp(pattern).test(value)) invalid(credential, detail);
      continue;
    }
    if (option.origin) {
      checkOrigin(value);
      continue;
    }
    if (value == null || value === '') {
      if (option.required && (!option.requiredWith || option.requiredWith.includes(credential))) fail(option.required);
      if (value == null) continue;
    }
    const rule = option.check;
    if (!rule || (option.auto && value === 'auto')) continue;
    const wrong = () => (rule.code ? fail(rule.code) : invalid(name, rule.detail ?? CHECKS.type[rule.type]));
    const type = rule.type === 'blob' ? value instanceof Blob : typeof value === rule.type;
    if (!type) wrong();
    if (rule.whole && !(Number.isInteger(value) && value >= rule.whole[0] && value <= rule.whole[1])) wrong();
    if (rule.positive && !(value > 0 && value < Infinity)) wrong();
    if (rule.pattern && !new RegExp(rule.pattern).test(value)) wrong();
    if (typeof value === 'string' && value.includes('\0')) invalid(name, CHECKS.nul);
  }
}

/** `origin.application` and `origin.sdk`, each checked when given, with the official messages. */
function checkOrigin(origin) {
  const rules = CHECKS.origin;
  for (const kind of ['application', 'sdk']) {
    const given = origin?.[kind];
    if (given == null) continue;
    const [name, version] = [String(given.name ?? ''), String(given.version ?? '')];
    const problem = !name ? 'nameRequired' : !version ? 'versionRequired' : !new RegExp(rules.name).test(name) ? 'nameInvalid' : !new RegExp(rules.version).test(version) ? 'versionInvalid' : null;
    if (problem) fail('ORIGIN_INVALID', { detail: rules[problem].replace('{kind}', kind) });
  }
}

/**
 * The `Core` constructor's arguments but the last two (`notify`, `call`): the values of
 * the declared slots as one NUL-separated string and a bitmask of those given (one string
 * to copy instead of many, and a much smaller constructor in the wasm), the file, and the
 * retry strategy. Packs what it is given; `check` first.
 */
export function pack(options, stream) {
  const credential = credentialOf(options);
  let present = 0;
  const texts = SLOTS.map(([option, sub, how], index) => {
    // An option of the other kind of upload is not checked, and does not cross.
    if (elsewhere(option, stream)) return '';
    const { name } = option;
    if (CREDENTIALS.includes(name) && name !== credential) return '';
    // A number (a version `1`, a chunk size) crosses as its String(), as the official
    // uploader reads a version.
    let value = sub ? at(options[name], sub) : options[name];
    if (how === 'flag' && typeof value !== 'boolean') value = undefined;
    if (value == null) return '';
    present |= 1 << index;
    return String(value);
  });
  const strategy = options.retryStrategy;
  return [
    texts.join('\0'),
    present,
    stream ? undefined : options.file,
    typeof strategy === 'function' ? (count, error) => strategy(count, new UploadError(error)) : undefined,
  ];
}
