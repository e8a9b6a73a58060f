// The package entry: `VideoUploader` and `ProgressiveUploader`, EventTargets over the wasm
// `Core`, with the names of @api.video/video-uploader 1.1.6. The promises are made here and
// settled by the core's notifications, so the wasm carries no futures.
import loadWasm, { initSync as loadWasmSync, Core } from './wasm_video_uploader.js';
import { UploadError, fail, warningMessage } from './error.js';
import { check, pack } from './options.js';
import { CHECKS, RETRY_REASONS, WARNING_CODES } from './contract.js';

export { UploadError };

let loaded = false;
let loadError = null;

/** Loads the wasm, from `module_or_path` when given; once loaded, calls do nothing. */
export default async function init(input) {
  await loadWasm(input);
  loaded = true;
}

/** Loads the wasm synchronously from its bytes or a compiled module. */
export function initSync(input) {
  loadWasmSync(input);
  loaded = true;
}

// The wasm loads with this module, from beside it: `new VideoUploader(…)` works at once,
// with no init(), in Vite, webpack 5 and a plain <script type="module">. Where it cannot
// be fetched from there (a CDN that splits the files, a CSP), the module still loads, and
// init({ module_or_path }) loads the wasm from elsewhere.
try {
  await init({ module_or_path: new URL('./wasm_video_uploader_bg.wasm', import.meta.url) });
} catch (error) {
  loadError = error;
}

export const MIN_CHUNK_SIZE = 5 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 50 * 1024 * 1024;
export const MAX_CHUNK_SIZE = 128 * 1024 * 1024;
export const DEFAULT_RETRIES = 6;
export const DEFAULT_API_HOST = 'ws.api.video';

/**
 * The Video as the official uploader resolves it (`apiResponseToVideoUploadResponse`):
 * `_public` for `public` (which is kept too), and `publishedAt`, `createdAt` and
 * `updatedAt` as `Date`s.
 */
function officialVideo(video) {
  if (!video || typeof video !== 'object') return video;
  const shaped = { ...video };
  if ('public' in video) shaped._public = video.public;
  for (const key of ['publishedAt', 'createdAt', 'updatedAt']) if (video[key]) shaped[key] = new Date(video[key]);
  return shaped;
}

/** The core of one upload, from the options (see `pack`); throws an `UploadError`. */
function core(options, stream, notify) {
  if (!loaded) {
    fail('WASM_NOT_LOADED', { detail: loadError?.message });
  }
  check(options, stream);
  const packed = pack(options, stream);
  try {
    // Every timer and XHR handler of the upload is this arrow, bound: no wasm-bindgen
    // closure in the package's wasm.
    let made;
    made = new Core(...packed, notify, (kind, id, event) => made.event(kind, id, event));
    return made;
  } catch (error) {
    throw new UploadError(error);
  }
}

/**
 * Until the returned function is called, the browser's own `offline` and `online` events (on
 * the global object itself: an element's event of that name that bubbles there does not
 * count) go to the core, which pauses while the network is gone and resumes when it returns,
 * and are then dispatched on `target`.
 */
function watchConnectivity(target, core) {
  if (typeof addEventListener !== 'function') return () => {};
  const heard = (event) => {
    if (event.target !== globalThis) return;
    core[event.type]();
    target.dispatchEvent(new CustomEvent(event.type));
  };
  addEventListener('offline', heard);
  addEventListener('online', heard);
  return () => {
    removeEventListener('offline', heard);
    removeEventListener('online', heard);
  };
}

// Module-private access to an upload's core, and the hooks the two classes below give their
// shared base: a symbol-keyed method is no part of the public surface.
let coreOf;
let playOnce;
const HEARD = Symbol('heard');
/** `[REFUSED](error)`: whether the upload takes an `error` notification in hand (a refused
 * token it asks its provider to replace) instead of failing with it. */
const REFUSED = Symbol('refused');

/**
 * What `VideoUploader` and `ProgressiveUploader` share: the core, its notifications turned
 * into `CustomEvent`s (errors made `UploadError`s), the official `onProgress` and
 * `onPlayable`, and `pause`, `resume`, `paused`, `cancel`.
 */
class Upload extends EventTarget {
  #core;
  #progress = [];
  #playable = [];
  #stopPlayable = null;

  static {
    coreOf = (upload) => upload.#core;
    playOnce = (upload, video) => {
      if (upload.#playable.length === 0) return;
      // js/media.js loads now; a cancel() before it has stops what it then starts.
      let stop = null;
      let stopped = false;
      upload.#stopPlayable = () => {
        stopped = true;
        stop?.();
      };
      import('./media.js').then((media) => {
        if (!stopped) stop = media.waitForPlayable(video, upload.#playable);
      });
    };
  }

  constructor(options, stream) {
    super();
    this.#core = core(options, stream, (type, detail) => this.#notify(type, detail));
  }

  #notify(type, detail) {
    if (type === 'progress') for (const callback of this.#progress) callback(detail);
    if (type === 'error') {
      detail = new UploadError(detail);
      if (this[REFUSED]?.(detail)) return;
    }
    // The wasm gives a warning's code and a retry's reason as their index in the declaration.
    if (type === 'warning') detail.message = warningMessage((detail.code = WARNING_CODES[detail.code]));
    if (type === 'success') detail = officialVideo(detail);
    if (type === 'part') detail.video = officialVideo(detail.video);
    if (type === 'retry') {
      detail.reason = RETRY_REASONS[detail.reason];
      detail.error = new UploadError(detail.error);
    }
    // A stream's `part` settles an uploadPart() promise; it is no event of its own.
    if (type !== 'part') this.dispatchEvent(new CustomEvent(type, { detail }));
    this[HEARD](type, detail);
  }

  onProgress(callback) {
    this.#progress.push(callback);
  }

  /** Calls `callback(video)` once the video can be played (its HLS manifest is ready). */
  onPlayable(callback) {
    this.#playable.push(callback);
  }

  cancel() {
    this.#stopPlayable?.();
    this.#core.cancel();
  }

  pause() {
    // The user's pause outlasts the network's return (the core knows whose pause it is).
    if (this.#core.pause()) this.dispatchEvent(new CustomEvent('pause'));
  }

  resume() {
    if (this.#core.resume()) this.dispatchEvent(new CustomEvent('resume'));
  }

  get paused() {
    return this.#core.paused;
  }
}

/** A token provider's place in the options, taken by a stand-in that is never sent: each
 * `upload()` asks the provider first, and the core starts with its token. */
const PROVIDED = 'provided';
const withoutProvider = (options) => (typeof options?.uploadToken === 'function' ? { ...options, uploadToken: PROVIDED } : options);

export class VideoUploader extends Upload {
  #file;
  #maxDuration;
  #resume = null;
  #settle = null;
  #unwatch = null;
  /** The app's token provider, when `uploadToken` is a function. */
  #provider = null;
  /** Its latest token was asked for after one was refused, and no chunk has landed since:
   * a refusal now is the new token's, and ends the upload. */
  #renewed = false;
  /** The provider is being asked for a token to carry on with. */
  #renewing = false;
  /** The provider's latest token. */
  #token = '';
  /** How many times cancel() was called: one while upload() was still getting ready (a
   * duration to read, a record to find, a token to ask for) cancels that upload. */
  #cancels = 0;

  constructor(options) {
    super(withoutProvider(options), false);
    if (typeof options.uploadToken === 'function') this.#provider = options.uploadToken;
    this.#file = options.file;
    this.#maxDuration = options.maxVideoDuration;
    const { resumable, resumableExpiry: expiry } = options;
    if (resumable) {
      const { uploadToken, accessToken, apiKey, videoId, apiHost, chunkSize, parallelParts } = options;
      this.#resume = { uploadToken, accessToken, apiKey, videoId, apiHost, chunkSize, parallelParts, resumableExpiry: expiry };
    }
  }

  /** The uploads earlier pages left unfinished with `resumable: true`, newest first; of
   * `file` only, when given. Resolves with `[{fileName, size, videoId, uploadedChunks,
   * chunkSize, createdAt}]`. */
  static async findPreviousUploads(file) {
    return (await import('./resume.js')).findPreviousUploads(file);
  }

  /** Forgets every unfinished upload, so that none is resumed. */
  static async clearPreviousUploads() {
    (await import('./resume.js')).clearPreviousUploads();
  }

  /** The provider's token (js/provider.js checks it); rejects with `TOKEN_PROVIDER_FAILED`. */
  async #ask() {
    return (this.#token = await (await import('./provider.js')).ask(this.#provider, CHECKS.credentials.pattern));
  }

  [REFUSED](error) {
    // An expired or withdrawn token: the provider is asked once more, and the upload goes on
    // from the chunk refused, into the same video. Its new token refused too, before a chunk
    // landed, or the refused token given again, ends the upload with the refusal.
    if (!this.#provider || error.status !== 401 || !this.#settle || this.#renewed) return false;
    this.#renewed = this.#renewing = true;
    const refused = this.#token;
    this.#ask()
      .then((token) => {
        if (!this.#renewing) return;
        if (token === refused) return this.#end(error);
        this.#renewing = false;
        coreOf(this).start('', 0, -1, -1, -1, -1, token);
      })
      .catch((failure) => this.#end(failure instanceof UploadError ? failure : new UploadError(failure)));
    return true;
  }

  /** Fails the upload with `error` (the core has nothing in hand): the event, then the promise. */
  #end(error) {
    if (!this.#settle) return;
    this.#renewing = false;
    this.dispatchEvent(new CustomEvent('error', { detail: error }));
    this[HEARD]('error', error);
  }

  [HEARD](type, detail) {
    if (type === 'chunk') this.#renewed = false;
    const settle = this.#settle;
    if (settle && (type === 'success' || type === 'error')) {
      this.#settle = null;
      this.#unwatch();
      settle[type === 'success' ? 0 : 1](detail);
    }
  }

  /** Cancels the upload (it rejects with `ABORTED`); with `resumable`, forgets it too. */
  cancel() {
    this.#cancels++;
    this.#resume?.record?.forget();
    super.cancel();
    // Waiting for the provider, the core has nothing to cancel: the upload ends here.
    if (this.#renewing) this.#end(new UploadError({ code: 'ABORTED' }));
  }

  /** Uploads the file; resolves with the Video. After a failure, continues the same video. */
  async upload() {
    const cancels = this.#cancels;
    if (this.#maxDuration) {
      const duration = await (await import('./media.js')).mediaDuration(this.#file);
      // The official message, on an Error with a code.
      if (duration > this.#maxDuration) fail('VIDEO_TOO_LONG');
    }
    // With `resumable`, the first upload() continues what an earlier page left of this
    // file, and records its progress (js/resume.js, loaded only now).
    const resume = this.#resume;
    if (resume && !resume.attached) {
      resume.attached = import('./resume.js').then(async (module) => {
        resume.record = await module.attach(this, this.#file, resume);
      });
    }
    await resume?.attached;
    await resume?.record.again();
    if (this.#settle || this.#renewing) fail('UPLOAD_IN_PROGRESS');
    // A token provider is asked at every upload(): a retry after a refusal gets a new token.
    let token = '';
    if (this.#provider) {
      token = await this.#ask();
      this.#renewed = false;
      if (this.#settle) fail('UPLOAD_IN_PROGRESS');
    }
    // Cancelled before the core started (the core told the listeners): it ends here.
    if (this.#cancels !== cancels) fail('ABORTED');
    const video = await new Promise((resolve, reject) => {
      this.#settle = [resolve, reject];
      this.#unwatch = watchConnectivity(this, coreOf(this));
      try {
        // A first start continues what an earlier page left, if anything.
        const from = resume?.record.previous;
        if (coreOf(this).start(from?.videoId ?? '', from?.chunks ?? 0, from?.bytes ?? -1, from?.chunksBytes ?? -1, from?.started ?? -1, from?.parallelParts ?? -1, token)) this.dispatchEvent(new CustomEvent('resume'));
      } catch (error) {
        this.#settle = null;
        this.#unwatch();
        reject(new UploadError(error));
      }
    });
    playOnce(this, video);
    return video;
  }
}

/**
 * Uploads a stream of unknown size (a MediaRecorder's blobs) as it is produced: parts of at
 * least 5 MiB, `part N/*`, then `part N/N` from `uploadLastPart`. The same events, pause and
 * resume as `VideoUploader`.
 */
export class ProgressiveUploader extends Upload {
  #merge;
  #pending = new Map();
  #failure = null;
  #unwatch = null;

  constructor(options) {
    super(options, true);
    this.#merge = options.mergeSmallPartsBeforeUpload ?? true;
  }

  [HEARD](type, detail) {
    if (type === 'part') {
      this.#pending.get(detail.part)?.[0](detail.video);
      this.#pending.delete(detail.part);
    }
    if (type === 'error') {
      this.#failure = detail;
      for (const [, [, reject]] of this.#pending) reject(detail);
      this.#pending.clear();
    }
    if (type === 'error' || type === 'success') this.#unwatch?.();
  }

  #push(blob, last) {
    this.#unwatch ??= watchConnectivity(this, coreOf(this));
    try {
      const part = coreOf(this).push(blob, last);
      if (part === 0) return Promise.resolve();
      // Sending can fail before push returns; that failure was noted without this part.
      if (this.#failure) return Promise.reject(this.#failure);
      return new Promise((resolve, reject) => this.#pending.set(part, [resolve, reject]));
    } catch (error) {
      return Promise.reject(new UploadError(error));
    }
  }

  uploadPart(blob) {
    // Synchronous, as the official uploader's.
    if (!this.#merge && blob.size < MIN_CHUNK_SIZE) {
      throw new Error(`Each part must have a minimal size of 5MB. The current part has a size of ${blob.size / 1024 / 1024}MB.`);
    }
    return this.#push(blob, false);
  }

  async uploadLastPart(blob) {
    const video = await this.#push(blob, true);
    playOnce(this, video);
    return video;
  }
}


/**
 * The official package's static API (used by the Flutter web uploader and no-code
 * integrations), on top of the classes above. Results are JSON strings; errors are
 * `Error(title)` or `Error("ABORTED")`. `setApiHost` is this package's addition. Its state
 * is kept here; its uploads load on first use (`static.js`), so that a page that does not
 * use it does not fetch it.
 */
export class UploaderStaticWrapper {
  static application;
  static sdk;
  static chunkSize = 50;
  static apiHost;
  static progressiveUploadSessions = {};
  static standardUploaders = [];

  static setApplicationName(name, version) {
    this.application = { name, version };
  }

  static setSdkName(name, version) {
    this.sdk = { name, version };
  }

  /** In MiB. */
  static setChunkSize(chunkSize) {
    this.chunkSize = chunkSize;
  }

  static setApiHost(apiHost) {
    this.apiHost = apiHost;
  }

  static createProgressiveUploadWithUploadTokenSession(sessionId, uploadToken, videoId) {
    this.progressiveUploadSessions[sessionId] = { credentials: { uploadToken, videoId: videoId || undefined }, partsOnProgress: {}, currentPart: 1 };
  }

  static createProgressiveUploadWithApiKeySession(sessionId, apiKey, videoId) {
    this.progressiveUploadSessions[sessionId] = { credentials: { apiKey, videoId: videoId || undefined }, partsOnProgress: {}, currentPart: 1 };
  }

  static cancelAll() {
    for (const session of Object.values(this.progressiveUploadSessions)) session.uploader?.cancel();
    for (const uploader of this.standardUploaders) uploader.cancel();
    this.progressiveUploadSessions = {};
    this.standardUploaders = [];
  }

  static disposeProgressiveUploadSession(sessionId) {
    delete this.progressiveUploadSessions[sessionId];
  }
}

// The uploads: each loads static.js, which does the work with the state above.
for (const name of ['uploadWithUploadToken', 'uploadWithApiKey', 'uploadPart', 'uploadLastPart']) {
  UploaderStaticWrapper[name] = async function (...args) {
    // A cancelAll() while static.js loads replaces the list: the upload is then cancelled.
    const uploaders = this.standardUploaders;
    return (await import('./static.js'))[name](this, uploaders, ...args);
  };
}

