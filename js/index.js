// The package entry: `VideoUploader`, an EventTarget over the wasm core, with the names of
// @api.video/video-uploader 1.1.6. Call the default export (`init`) once before use.
import init, { initSync, VideoUploaderCore, ProgressiveUploaderCore } from './wasm_video_uploader.js';

export { init as default, initSync };

export const MIN_CHUNK_SIZE = 5 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 50 * 1024 * 1024;
export const MAX_CHUNK_SIZE = 128 * 1024 * 1024;
export const DEFAULT_RETRIES = 6;
export const DEFAULT_API_HOST = 'ws.api.video';

const PLAYABLE_POLL_MS = 500;

export class VideoUploader extends EventTarget {
  #core;
  #playable = [];
  #file;
  #maxDuration;

  constructor(options) {
    super();
    this.#core = new VideoUploaderCore(options, this);
    this.#file = options.file;
    this.#maxDuration = options.maxVideoDuration;
  }

  /** Uploads the file; resolves with the Video. After a failure, continues the same video. */
  async upload() {
    if (this.#maxDuration) {
      const duration = await mediaDuration(this.#file);
      if (duration > this.#maxDuration) {
        const error = new Error('The submitted video is too long.');
        error.code = 'VIDEO_TOO_LONG';
        throw error;
      }
    }
    const video = await this.#core.upload();
    if (this.#playable.length > 0) this.#waitForPlayable(video);
    return video;
  }

  onProgress(callback) {
    this.#core.onProgress(callback);
  }

  /** Calls `callback(video)` once the video can be played (its HLS manifest is ready). */
  onPlayable(callback) {
    this.#playable.push(callback);
  }

  cancel() {
    this.#core.cancel();
  }

  pause() {
    this.#core.pause();
  }

  resume() {
    this.#core.resume();
  }

  get paused() {
    return this.#core.paused;
  }

  #waitForPlayable(video) {
    waitForPlayable(video, this.#playable);
  }
}

/**
 * Uploads a stream of unknown size (a MediaRecorder's blobs) as it is produced: parts of at
 * least 5 MiB, `part N/*`, then `part N/N` from `uploadLastPart`.
 */
export class ProgressiveUploader {
  #core;
  #merge;
  #playable = [];

  constructor(options) {
    this.#core = new ProgressiveUploaderCore(options);
    this.#merge = options.mergeSmallPartsBeforeUpload ?? true;
  }

  uploadPart(blob) {
    // Synchronous, as the official uploader's.
    if (!this.#merge && blob.size < MIN_CHUNK_SIZE) {
      throw new Error(`Each part must have a minimal size of 5MB. The current part has a size of ${blob.size / 1024 / 1024}MB.`);
    }
    return this.#core.uploadPart(blob);
  }

  async uploadLastPart(blob) {
    const video = await this.#core.uploadLastPart(blob);
    if (this.#playable.length > 0) waitForPlayable(video, this.#playable);
    return video;
  }

  onProgress(callback) {
    this.#core.onProgress(callback);
  }

  onPlayable(callback) {
    this.#playable.push(callback);
  }

  cancel() {
    this.#core.cancel();
  }
}

/**
 * The duration of a media file in seconds, read from its metadata by a `<video>` element as
 * the official uploader does; `NaN` when the browser cannot tell (not a media file, or a
 * stream whose duration is unknown), in which case the upload goes ahead.
 */
function mediaDuration(file) {
  if (typeof document === 'undefined') return Promise.resolve(NaN);
  return new Promise((resolve) => {
    const video = document.createElement('video');
    const url = URL.createObjectURL(file);
    const done = (duration) => {
      URL.revokeObjectURL(url);
      video.removeAttribute('src');
      resolve(Number.isFinite(duration) ? duration : NaN);
    };
    video.preload = 'metadata';
    video.onloadedmetadata = () => done(video.duration);
    video.onerror = () => done(NaN);
    video.src = url;
  });
}

/**
 * The official package's static API (used by the Flutter web uploader and no-code
 * integrations), on top of the classes above. Results are JSON strings; errors are
 * `Error(title)` or `Error("ABORTED")`. `setApiHost` is this package's addition.
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

  static uploadWithUploadToken(file, uploadToken, videoName, onProgress, videoId) {
    return this.#upload(file, onProgress, { uploadToken, videoName, videoId: videoId || undefined });
  }

  static uploadWithApiKey(file, apiKey, onProgress, videoId) {
    return this.#upload(file, onProgress, { apiKey, videoId });
  }

  static createProgressiveUploadWithUploadTokenSession(sessionId, uploadToken, videoId) {
    this.#createSession(sessionId, { uploadToken, videoId: videoId || undefined });
  }

  static createProgressiveUploadWithApiKeySession(sessionId, apiKey, videoId) {
    this.#createSession(sessionId, { apiKey, videoId: videoId || undefined });
  }

  static uploadPart(sessionId, file, onProgress) {
    return this.#uploadPart(sessionId, file, onProgress, (uploader, blob) => uploader.uploadPart(blob));
  }

  static uploadLastPart(sessionId, file, onProgress) {
    return this.#uploadPart(sessionId, file, onProgress, (uploader, blob) => uploader.uploadLastPart(blob));
  }

  static cancelAll() {
    for (const session of Object.values(this.progressiveUploadSessions)) session.uploader.cancel();
    for (const uploader of this.standardUploaders) uploader.cancel();
    this.progressiveUploadSessions = {};
    this.standardUploaders = [];
  }

  static disposeProgressiveUploadSession(sessionId) {
    delete this.progressiveUploadSessions[sessionId];
  }

  static #common() {
    const origin = {};
    if (this.application?.name && this.application?.version) origin.application = this.application;
    if (this.sdk?.name && this.sdk?.version) origin.sdk = this.sdk;
    return this.apiHost ? { origin, apiHost: this.apiHost } : { origin };
  }

  static async #upload(file, onProgress, credentials) {
    const uploader = new VideoUploader({ file, chunkSize: 1024 * 1024 * this.chunkSize, ...this.#common(), ...credentials });
    this.standardUploaders.push(uploader);
    if (onProgress != null) uploader.onProgress((event) => onProgress(event.uploadedBytes / event.totalBytes));
    return settle(uploader.upload());
  }

  static #createSession(sessionId, credentials) {
    const uploader = new ProgressiveUploader({ ...this.#common(), ...credentials });
    const session = { uploader, partsOnProgress: {}, currentPart: 1 };
    uploader.onProgress((event) => session.partsOnProgress[event.part]?.(event.uploadedBytes / event.totalBytes));
    this.progressiveUploadSessions[sessionId] = session;
  }

  static #uploadPart(sessionId, file, onProgress, send) {
    const session = this.progressiveUploadSessions[sessionId];
    if (onProgress != null) session.partsOnProgress[session.currentPart] = onProgress;
    session.currentPart++;
    return settle(send(session.uploader, file));
  }
}

async function settle(promise) {
  try {
    return JSON.stringify(await promise);
  } catch (error) {
    throw new Error(error.reason === 'ABORTED' ? 'ABORTED' : (error.title ?? error.message));
  }
}

// As the official uploader: poll the manifest while it answers 202 or an empty body.
async function waitForPlayable(video, callbacks) {
  const hls = video?.assets?.hls;
  if (!hls) return;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, PLAYABLE_POLL_MS));
    try {
      const response = await fetch(hls);
      if (response.status !== 202 && (await response.text()).length > 0) break;
    } catch {
      // Not reachable yet: keep polling.
    }
  }
  for (const callback of callbacks) callback(video);
}
