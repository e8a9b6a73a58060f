// ApiVideoMediaRecorder: records a MediaStream (a camera, a screen, a canvas) with the
// browser's MediaRecorder and uploads it while it records, as parts of a progressive upload
// through this package's ProgressiveUploader (the same machine as every upload: retries,
// landed parts, offline and back). Its names are those of @api.video/media-recorder 1.0.11,
// so that switching is a change of the import line; beyond them: resume(), maxDuration, a
// track that ends ending the recording, and the uploader's progress, part, retry and
// warning events.
//
//   import { ApiVideoMediaRecorder } from 'wasm-video-uploader/recorder.js';
//   const recorder = new ApiVideoMediaRecorder(stream, { uploadToken });
//   recorder.start();
//   const video = await recorder.stop();
import { ProgressiveUploader, UploadError } from './index.js';
import { RECORDER_ERRORS } from './contract.js';
import { fillIn } from './texts.js';

/** A blob of what was recorded every second (the official recorder's is 5 s): the newest
 * blob is held back until the next comes, and parts go once 5 MiB has gathered, so what is
 * left to send at Stop is smaller, and the video is ready sooner after it. */
const DEFAULT_TIMESLICE_MS = 1000;

/** An `UploadError` of one of the recorder's declared codes, with its message. */
const refuse = (code, fields = {}) => {
  const message = fillIn(RECORDER_ERRORS[code][0], fields);
  return new UploadError({ code, message });
};

export class ApiVideoMediaRecorder {
  #recorder;
  #uploader;
  #events = new EventTarget();
  #mimeType;
  /** The newest blob, held back so that the last part is never empty. */
  #held = null;
  /** Every blob, for the file `recordingStopped` gives (`generateFileOnStop`). */
  #blobs = null;
  /** Bytes recorded so far. */
  #recorded = 0;
  /** How the recording ends: `{promise, resolve, reject}`, made by `start()`. */
  #done = null;
  #failed = null;
  #timer = null;
  #stopTracks = [];

  /**
   * `options`: the `ProgressiveUploader`'s (`uploadToken` or `accessToken`, `videoId`,
   * `videoName`, `apiHost`, `retries`, `origin`, …), and `mimeType`, `generateFileOnStop`,
   * `onError(error)`, `maxDuration` (seconds: the recording stops by itself then), and
   * MediaRecorder's `videoBitsPerSecond` and `audioBitsPerSecond`.
   */
  constructor(mediaStream, options = {}) {
    if (typeof MediaRecorder === 'undefined') throw refuse('RECORDER_UNSUPPORTED');
    if (!(typeof MediaStream !== 'undefined' && mediaStream instanceof MediaStream) || mediaStream.getTracks().length === 0) throw refuse('STREAM_INVALID');
    const { mimeType, generateFileOnStop, onError, maxDuration, videoBitsPerSecond, audioBitsPerSecond, ...uploaderOptions } = options;
    this.#mimeType = mimeType ?? ApiVideoMediaRecorder.getSupportedMimeTypes()[0];
    if (!this.#mimeType || !MediaRecorder.isTypeSupported(this.#mimeType)) throw refuse('MIME_TYPE_UNSUPPORTED', { mimeType: this.#mimeType ?? 'video/*' });
    this.#uploader = new ProgressiveUploader({ preventEmptyParts: true, ...uploaderOptions });
    for (const type of ['progress', 'retry', 'warning', 'offline', 'online']) {
      this.#uploader.addEventListener(type, (event) => this.#dispatch(type, event.detail));
    }
    if (generateFileOnStop) this.#blobs = [];
    if (typeof onError === 'function') this.addEventListener('error', (event) => onError(event.detail));
    this.maxDuration = maxDuration;
    this.#recorder = new MediaRecorder(mediaStream, { mimeType: this.#mimeType, videoBitsPerSecond, audioBitsPerSecond });
    this.#recorder.addEventListener('dataavailable', (event) => this.#take(event.data));
    this.#recorder.addEventListener('stop', () => this.#finish());
    // The person stops sharing the screen, a camera is unplugged: the recording ends, and
    // the video is completed with what was recorded.
    for (const track of mediaStream.getTracks()) {
      const ended = () => this.#end();
      track.addEventListener('ended', ended);
      this.#stopTracks.push(() => track.removeEventListener('ended', ended));
    }
  }

  /** `error`, `recordingStopped`, `videoPlayable` (the official ones), and `recorded`
   * (`{bytes}` recorded so far, at each blob), `part` (`{part, videoId}`: the server has
   * that part), `progress`, `retry`, `warning`, `offline`, `online`. The event carries its facts as
   * `detail` and, as the official recorder's, as `data`. */
  addEventListener(type, listener, options) {
    if (type === 'videoPlayable' && !this.#playable) {
      this.#playable = true;
      this.#uploader.onPlayable((video) => this.#dispatch('videoPlayable', video));
    }
    this.#events.addEventListener(type, listener, options);
  }

  removeEventListener(type, listener, options) {
    this.#events.removeEventListener(type, listener, options);
  }

  #playable = false;

  #dispatch(type, detail) {
    const event = new CustomEvent(type, { detail });
    Object.defineProperty(event, 'data', { value: detail });
    this.#events.dispatchEvent(event);
  }

  /** Starts recording; a blob every `timeslice` ms (default 1000) goes up as it comes. */
  start({ timeslice } = {}) {
    if (this.getMediaRecorderState() !== 'inactive' || this.#done) throw refuse('RECORDER_STATE', { detail: 'MediaRecorder is already recording' });
    let resolve;
    let reject;
    const promise = new Promise((ok, fail) => ((resolve = ok), (reject = fail)));
    // stop() hands this promise out; a recording that ends otherwise must not leave it unhandled.
    promise.catch(() => {});
    this.#done = { promise, resolve, reject };
    this.#recorder.start(timeslice ?? DEFAULT_TIMESLICE_MS);
    if (this.maxDuration > 0) this.#timer = setTimeout(() => this.#end(), this.maxDuration * 1000);
  }

  /** `recording`, `paused` or `inactive`. */
  getMediaRecorderState() {
    return this.#recorder.state;
  }

  /** Stops recording; resolves with the Video once its last part is uploaded. */
  stop() {
    if (this.getMediaRecorderState() === 'inactive') {
      return this.#done && this.#finishing ? this.#done.promise : Promise.reject(refuse('RECORDER_STATE', { detail: 'MediaRecorder is already inactive' }));
    }
    this.#end();
    return this.#done.promise;
  }

  /** The recording is ending (stop(), a track, maxDuration, a failure): `stop()` from now on
   * hands out how it ends. */
  #finishing = false;

  #end() {
    this.#finishing = true;
    if (this.getMediaRecorderState() !== 'inactive') this.#recorder.stop();
  }

  pause() {
    if (this.getMediaRecorderState() !== 'recording') throw refuse('RECORDER_STATE', { detail: 'MediaRecorder is not recording' });
    this.#recorder.pause();
  }

  /** Goes on recording after `pause()`. */
  resume() {
    if (this.getMediaRecorderState() !== 'paused') throw refuse('RECORDER_STATE', { detail: 'MediaRecorder is not paused' });
    this.#recorder.resume();
  }

  /** A blob of what was recorded: the one held before it goes up, and it is held. */
  #take(blob) {
    if (!blob || blob.size === 0) return;
    this.#blobs?.push(blob);
    this.#recorded += blob.size;
    this.#dispatch('recorded', { bytes: this.#recorded });
    const previous = this.#held;
    this.#held = blob;
    if (previous && !this.#failed) this.#send(previous, false);
  }

  /** Parts the server has acknowledged: they are sent, and acknowledged, in order. */
  #parts = 0;

  #send(blob, last) {
    const sent = last ? this.#uploader.uploadLastPart(blob) : this.#uploader.uploadPart(blob);
    // A blob that made no part yet (it waits to be merged into one of 5 MiB) settles at once,
    // with nothing.
    sent.then((video) => video && this.#dispatch('part', { part: ++this.#parts, videoId: video.videoId }), (error) => this.#fail(error));
    return sent;
  }

  #fail(error) {
    if (this.#failed) return;
    this.#failed = error;
    this.#end();
    this.#dispatch('error', error);
    this.#done?.reject(error);
  }

  /** The recording has ended (stop(), a track, maxDuration): the last part completes the video. */
  async #finish() {
    clearTimeout(this.#timer);
    this.#finishing = true;
    for (const stop of this.#stopTracks.splice(0)) stop();
    this.#dispatch('recordingStopped', this.#blobs ? { file: new Blob(this.#blobs, { type: this.#mimeType }) } : {});
    if (this.#failed) return;
    const last = this.#held;
    this.#held = null;
    if (!last) return this.#fail(refuse('NO_RECORDED_DATA'));
    try {
      const video = await this.#send(last, true);
      this.#done.resolve(video);
    } catch {
      // #fail has said it.
    }
  }

  /** The recorder's MIME types this browser can record, best first, as the official lists them. */
  static getSupportedMimeTypes() {
    if (typeof MediaRecorder === 'undefined') return [];
    const containers = ['mp4', 'webm', 'ogg', 'x-matroska'];
    const codecs = ['vp9,opus', 'vp8,opus', 'vp9', 'vp9.0', 'vp8', 'vp8.0', 'h264', 'h.264', 'avc1', 'av1', 'h265', 'h.265'];
    const found = [];
    for (const container of containers) {
      for (const codec of codecs) {
        const type = `video/${container}`;
        const ways = [`${type};codecs=${codec}`, `${type};codecs:${codec}`, `${type};codecs=${codec.toUpperCase()}`, `${type};codecs:${codec.toUpperCase()}`, type];
        const supported = ways.find((way) => MediaRecorder.isTypeSupported(way));
        if (supported) found.push(supported);
      }
    }
    return found;
  }
}
