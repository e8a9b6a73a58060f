// An upload token from the app's token provider (`uploadToken` given as a function): asked,
// awaited and checked as a given token is. Loaded by the entry when an upload first has a
// provider, so that pages that do not use one do not fetch it. Its errors are the entry's
// own `UploadError` and the rule a token is held to the entry's (its contract's
// `credentials` pattern), passed in rather than bundled again.
import { UploadError } from './index.js';

const fail = (detail) => {
  throw new UploadError({ code: 'TOKEN_PROVIDER_FAILED', detail });
};

/** `provider()`'s token, held to `pattern`; rejects with `TOKEN_PROVIDER_FAILED` when it
 * throws or gives none. */
export async function ask(provider, pattern) {
  let token;
  try {
    token = await provider();
  } catch (error) {
    fail(String(error?.message ?? error));
  }
  if (typeof token !== 'string' || !token || !new RegExp(pattern).test(token)) {
    const what = typeof token !== 'string' ? typeof token : token ? 'a token with spaces or control characters' : 'an empty token';
    fail(`it gave ${what}, not a token`);
  }
  return token;
}
