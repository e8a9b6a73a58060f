// The package entry: `VideoUploader`, an EventTarget over the wasm core, with the names of
// @api.video/video-uploader 1.1.6. Call the default export (`init`) once before use.
import init, { initSync, VideoUploaderCore } from './wasm_video_uploader.js';

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

  // As the official uploader: poll the manifest while it answers 202 or an empty body.
  async #waitForPlayable(video) {
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
    for (const callback of this.#playable) callback(video);
  }
}
