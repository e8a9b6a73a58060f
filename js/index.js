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

  constructor(options) {
    super();
    this.#core = new VideoUploaderCore(options, this);
  }

  /** Uploads the file; resolves with the Video. After a failure, continues the same video. */
  async upload() {
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
