// UploadQueue: many files, a few at a time. An EventTarget over one VideoUploader per file,
// with the same options for all, a concurrency limit, progress summed over the queue, and
// pause, resume, cancel and retry per file and for the whole queue.
//
//   import { UploadQueue } from 'wasm-video-uploader/queue.js';
//   const queue = new UploadQueue({ uploadToken, concurrency: 3 });
//   queue.addEventListener('progress', (e) => bar.value = e.detail.uploadedBytes / e.detail.totalBytes);
//   for (const file of input.files) queue.add(file);
//   const { videos, errors } = await queue.done();
import { VideoUploader, UploadError } from './index.js';
import { QUEUE_EVENTS } from './contract.js';

/** At most this many uploads at once. */
export const MAX_CONCURRENCY = 8;

const invalid = (name, detail) => {
  throw new UploadError({ code: 'OPTION_INVALID', name, detail });
};

/** One file of a queue: its uploader, where it stands, and what became of it. */
/** The queued files whose upload ever began (one that failed may hold a resumable record). */
const begun = new WeakSet();

class QueuedFile {
  #queue;
  state = 'queued';
  /** Whether its upload has begun (a paused one keeps its place in the queue). */
  started = false;
  video = null;
  error = null;
  uploadedBytes = 0;

  constructor(queue, file, uploader, index) {
    this.#queue = queue;
    this.file = file;
    this.uploader = uploader;
    /** Its place in the queue. */
    this.index = index;
  }

  /** Pauses this file: its upload stops (keeping its place), or it waits if not begun. */
  pause() {
    if (this.state === 'uploading') this.uploader.pause();
    if (this.state === 'uploading' || this.state === 'queued') this.state = 'paused';
  }

  resume() {
    if (this.state !== 'paused') return;
    this.state = this.started ? 'uploading' : 'queued';
    this.uploader.resume();
    this.#queue.pump(this);
  }

  /** Cancels this file: it fails with `ABORTED` (one not begun, without sending anything).
   * A failed file's upload is cancelled too, which forgets its resumable record. */
  cancel() {
    if (this.state === 'failed' && begun.has(this)) this.uploader.cancel();
    if (this.state === 'done' || this.state === 'failed') return;
    if (this.started) this.uploader.cancel();
    else this.#queue.settle(this, new UploadError({ code: 'ABORTED' }));
  }

  /** Queues a failed or cancelled file again; it continues the same video. */
  retry() {
    if (this.state !== 'failed') return;
    this.#queue.unfail();
    this.state = 'queued';
    this.started = false;
    this.error = null;
    this.#queue.pump(this);
  }
}

export class UploadQueue extends EventTarget {
  #options;
  #concurrency;
  #files = [];
  #waiting = [];
  // Kept as files change, so that adding, starting and reporting stay linear in the number
  // of files (10,000 dropped at once must not freeze the page):
  /** No file before this index is queued. */
  #cursor = 0;
  /** Files begun and not settled (uploading, or paused with their place kept). */
  #running = 0;
  #totalBytes = 0;
  #uploadedBytes = 0;
  #done = 0;
  #failed = 0;

  /**
   * `options`: any `VideoUploader` option but `file`, for every file, and `concurrency`, how
   * many files upload at once (1 to 8, default 2).
   */
  constructor(options = {}) {
    super();
    const { concurrency = 2, ...uploaderOptions } = options;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      invalid('concurrency', `expected a whole number from 1 to ${MAX_CONCURRENCY}`);
    }
    this.#concurrency = concurrency;
    this.#options = uploaderOptions;
  }

  /** Every file added, in order. */
  get files() {
    return [...this.#files];
  }

  /**
   * Adds a file, with options of its own over the queue's; it starts when a place is free.
   * Bad options throw here, as `new VideoUploader` does. Returns the queued file.
   */
  add(file, options = {}) {
    const uploader = new VideoUploader({ ...this.#options, ...options, file });
    const queued = new QueuedFile(this, file, uploader, this.#files.length);
    this.#totalBytes += file.size;
    for (const type of QUEUE_EVENTS) {
      uploader.addEventListener(type, (event) => {
        if (type === 'progress') this.#sent(queued, event.detail.uploadedBytes);
        this.#emit(`file-${type}`, { ...event.detail, file });
        if (type === 'progress') this.#progress();
      });
    }
    this.#files.push(queued);
    this.pump();
    return queued;
  }

  /** Pauses every file. */
  pause() {
    for (const queued of this.#files) queued.pause();
  }

  /** Resumes every paused file. */
  resume() {
    for (const queued of this.#files) queued.resume();
  }

  /** Cancels every file not yet done. */
  cancel() {
    for (const queued of this.#files) queued.cancel();
  }

  /** Resolves once no file is queued, uploading or paused: `{videos, errors}`, each with its `file`. */
  done() {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#check();
    });
  }

  /** `queued`'s bytes sent are `bytes` now. */
  #sent(queued, bytes) {
    this.#uploadedBytes += bytes - queued.uploadedBytes;
    queued.uploadedBytes = bytes;
  }

  /** A failed file is queued again. */
  unfail() {
    this.#failed--;
  }

  /** Starts queued files while places are free, first come first served (`again`: a file
   * queued again, whose place may be before the cursor). */
  pump(again) {
    if (again) this.#cursor = Math.min(this.#cursor, again.index);
    const files = this.#files;
    while (this.#running < this.#concurrency) {
      while (this.#cursor < files.length && files[this.#cursor].state !== 'queued') this.#cursor++;
      const queued = files[this.#cursor];
      if (!queued) break;
      queued.state = 'uploading';
      queued.started = true;
      begun.add(queued);
      this.#running++;
      this.#emit('file-start', { file: queued.file });
      queued.uploader.upload().then(
        (video) => this.settle(queued, null, video),
        (error) => this.settle(queued, error),
      );
    }
    this.#check();
  }

  /** Records how `queued` ended, and lets the next file start. */
  settle(queued, error, video = null) {
    if (queued.started) this.#running--;
    if (error) this.#failed++;
    else this.#done++;
    queued.state = error ? 'failed' : 'done';
    queued.started = false;
    queued.error = error;
    queued.video = video;
    if (video) this.#sent(queued, queued.file.size);
    this.#emit(error ? 'file-error' : 'file-success', error ? Object.assign(error, { file: queued.file }) : { ...video, file: queued.file });
    this.#progress();
    this.pump();
  }

  #progress() {
    this.#emit('progress', { uploadedBytes: this.#uploadedBytes, totalBytes: this.#totalBytes, files: this.#files.length, done: this.#done, failed: this.#failed });
  }

  #check() {
    // Only a done() waiting needs the whole list read.
    if (this.#waiting.length === 0) return;
    const busy = this.#files.some((q) => q.state === 'queued' || q.state === 'uploading' || q.state === 'paused');
    if (busy) return;
    const result = {
      videos: this.#files.filter((q) => q.video).map((q) => ({ ...q.video, file: q.file })),
      errors: this.#files.filter((q) => q.error).map((q) => q.error),
    };
    for (const resolve of this.#waiting.splice(0)) resolve(result);
    this.#emit('done', result);
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
