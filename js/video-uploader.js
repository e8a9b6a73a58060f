// <video-uploader>: the uploader as one HTML element, for a page with no build step.
//
//   <script type="module" src="https://…/video-uploader.js"></script>
//   <video-uploader token="to1…"></video-uploader>
//
// Attributes (each mirrored by a property): token (or upload-token), api-host, video-name,
// chunk-size (bytes, or auto), accept (default video/*), multiple, concurrency (how many files upload
// at once, default 3, at most 8), max-file-size (bytes), manual
// (wait for start() instead of starting when a file is picked or dropped), no-drop,
// pausable, no-resume (uploads are resumable after a reload unless it is set), record (Record
// buttons: the camera with its microphone, or the screen; the recording uploads as it is made,
// and is a row like a picked file's after Stop). State attributes for styling, set by the
// element: uploading, paused, complete, error, recording, recording-paused. Events
// (CustomEvents on the element, which do not bubble): file-ready, upload-start, progress,
// chunk, retry, pause, resume, offline, online, warning, success (the Video), error (the error),
// reset; every one's detail carries `file` (the File it is about) besides its own fields. And
// record-start ({stream}), record-stop ({file}: the recording), record-error (the error, with
// its code: RECORDING_DENIED, NO_DEVICE, RECORDING_FAILED, or the uploader's).
// Look: CSS custom properties (--vu-accent, --vu-progress-color, --vu-complete-color,
// --vu-error-color, --vu-progress-background,
// --vu-progress-height, --vu-radius, --vu-font) and ::part() on every piece; slots
// `heading`, `pick`, `pause`, `resume`, `cancel`, `retry`, `start-over` for markup of the page's;
// every text from js/texts.js (by `lang`; the `texts` property replaces any).
import { UploadQueue } from './queue.js';
import { VideoUploader } from './index.js';
import { ELEMENT_ERRORS, ELEMENT_EVENTS } from './contract.js';
import { TEXTS, textsFor, fillIn, say, size, duration } from './texts.js';

export { TEXTS, size, duration };

const TEMPLATE = `
<style>
  :host { display: block; font: var(--vu-font, 15px/1.45 system-ui, sans-serif); color: inherit; }
  :host([hidden]) { display: none; }
  [part~="drop"] { border: 2px dashed color-mix(in srgb, currentColor 35%, transparent); border-radius: var(--vu-radius, 12px);
    padding: 1.25rem; text-align: center; transition: border-color .15s, background .15s; }
  [part~="drop"].over { border-color: var(--vu-accent, #2f6fed); background: color-mix(in srgb, var(--vu-accent, #2f6fed) 8%, transparent); }
  [part~="heading"] { margin: 0 0 .5rem; font-weight: 600; }
  button { font: inherit; border-radius: calc(var(--vu-radius, 12px) / 2); border: 1px solid color-mix(in srgb, currentColor 30%, transparent);
    background: transparent; color: inherit; padding: .35rem .8rem; cursor: pointer; min-height: 44px; }
  [part~="drop"] { cursor: pointer; }
  button.primary { background: var(--vu-accent, #2f6fed); border-color: var(--vu-accent, #2f6fed); color: #fff; }
  button:focus-visible, input:focus-visible { outline: 3px solid var(--vu-accent, #2f6fed); outline-offset: 2px; }
  button[hidden] { display: none; }
  button:disabled { opacity: .5; cursor: default; }
  ul { list-style: none; margin: .75rem 0 0; padding: 0; display: grid; gap: .75rem; }
  li { border: 1px solid color-mix(in srgb, currentColor 15%, transparent); border-radius: var(--vu-radius, 12px); padding: .75rem;
    display: grid; grid-template-columns: auto 1fr; column-gap: .75rem; }
  li > :not([part~="thumbnail"]) { grid-column: 2; }
  [part~="thumbnail"] { grid-row: 1 / span 5; width: 4.5rem; height: 2.55rem; border-radius: calc(var(--vu-radius, 12px) / 2); overflow: hidden;
    display: grid; place-items: center; background: color-mix(in srgb, currentColor 10%, transparent); }
  [part~="thumbnail"] img, [part~="thumbnail"] video { width: 100%; height: 100%; object-fit: cover; }
  [part~="thumbnail"] [hidden] { display: none; }
  .name { font-weight: 600; overflow-wrap: anywhere; }
  .meta { opacity: .75; font-size: .9em; }
  [part~="progress"] { height: var(--vu-progress-height, 8px); border-radius: 999px; background: var(--vu-progress-background, color-mix(in srgb, currentColor 12%, transparent));
    overflow: hidden; margin: .5rem 0; }
  [part~="bar"], [part~="total-bar"] { height: 100%; width: 0; background: var(--vu-progress-color, var(--vu-accent, #2f6fed)); transition: width .2s linear; }
  [part~="total-progress"] { height: var(--vu-progress-height, 8px); border-radius: 999px; margin: .75rem 0 .25rem; overflow: hidden;
    background: var(--vu-progress-background, color-mix(in srgb, currentColor 12%, transparent)); }
  [part~="summary"][hidden], [part~="previous"][hidden], [part~="recording"][hidden], [part~="record-message"][hidden] { display: none; }
  [part~="recording"] { margin-top: .75rem; display: grid; gap: .5rem; }
  [part~="preview"] { width: 100%; max-height: 40vh; border-radius: var(--vu-radius, 12px); background: #000; }
  [part~="recording-status"]::before { content: "●"; color: var(--vu-error-color, #c62828); margin-right: .4em; }
  :host([recording-paused]) [part~="recording-status"]::before { content: "❚❚"; color: inherit; }
  [part~="record-message"] { margin: .75rem 0 0; color: var(--vu-error-color, #c62828); }
  [part~="previous"] { margin-top: .75rem; padding: .75rem; border-radius: var(--vu-radius, 12px);
    background: color-mix(in srgb, var(--vu-accent, #2f6fed) 8%, transparent); }
  [part~="previous"] p, [part~="previous"] ul { margin: 0 0 .5rem; }
  [part~="previous-files"] { display: block; padding-left: 1.25rem; list-style: disc; }
  [part~="previous-files"] li { border: 0; padding: 0; }
  .row[data-state="error"] [part~="bar"] { background: var(--vu-error-color, #c62828); }
  .row[data-state="complete"] [part~="bar"] { background: var(--vu-complete-color, #2e7d32); }
  .actions { display: flex; gap: .5rem; flex-wrap: wrap; }
  [part~="status"] { margin: .25rem 0 .5rem; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  @media (prefers-reduced-motion: reduce) { [part~="bar"], [part~="drop"] { transition: none; } }
</style>
<div part="drop">
  <p part="heading"><slot name="heading"><span class="one" data-text="dropOne"></span><span class="many" data-text="dropMany" hidden></span></slot></p>
  <input class="visually-hidden" type="file" tabindex="-1" aria-hidden="true">
  <button part="pick" class="primary" type="button"><slot name="pick"><span class="one" data-text="pickOne"></span><span class="many" data-text="pickMany" hidden></span></slot></button>
  <button part="record-camera" type="button" data-text="recordCamera" hidden></button>
  <button part="record-screen" type="button" data-text="recordScreen" hidden></button>
</div>
<p part="record-message" role="alert" hidden></p>
<div part="recording" hidden>
  <video part="preview" muted autoplay playsinline></video>
  <div part="recording-status" role="timer"></div>
  <div class="actions">
    <button part="record-pause" type="button" data-text="pause"></button>
    <button part="record-resume" type="button" data-text="resume" hidden></button>
    <button part="record-stop" class="primary" type="button" data-text="stop"></button>
  </div>
</div>
<div part="previous" hidden>
  <p part="previous-heading" data-text="unfinished"></p>
  <ul part="previous-files"></ul>
  <button part="forget" type="button" data-text="forget"></button>
</div>
<div part="summary" hidden>
  <div part="total-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><div part="total-bar"></div></div>
  <div part="total-status"></div>
  <div class="actions">
    <button part="pause-all" type="button" data-text="pauseAll" hidden></button>
    <button part="resume-all" type="button" data-text="resumeAll" hidden></button>
    <button part="cancel-all" type="button" data-text="cancelAll" hidden></button>
    <button part="clear" type="button" data-text="clear" hidden></button>
  </div>
</div>
<ul part="files"></ul>
<div class="visually-hidden" role="status" aria-live="polite"></div>
`;

const ROW = `
<div part="thumbnail" aria-hidden="true"><svg class="icon" viewBox="0 0 24 24" width="24" height="24"><path fill="currentColor" d="M4 4h12l4 4v12H4zm2 2v12h12V9h-3V6zm3 3 6 3.5L9 16z"/></svg></div>
<div class="name"></div>
<div class="meta"></div>
<div part="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><div part="bar"></div></div>
<div part="status"></div>
<div class="actions">
  <button part="pause" type="button" hidden><slot name="pause" data-text="pause"></slot></button>
  <button part="resume" type="button" hidden><slot name="resume" data-text="resume"></slot></button>
  <button part="cancel" type="button" hidden><slot name="cancel" data-text="cancel"></slot></button>
  <button part="retry" type="button" hidden><slot name="retry" data-text="retry"></slot></button>
  <button part="start-over" type="button" hidden><slot name="start-over" data-text="startOver"></slot></button>
  <button part="remove" type="button" data-text="remove" hidden></button>
</div>
`;

const NUMBER_ATTRIBUTES = { 'chunk-size': 'chunkSize', 'max-file-size': 'maxFileSize', 'max-files': 'maxFiles', concurrency: 'concurrency' };
const STRING_ATTRIBUTES = { 'api-host': 'apiHost', 'video-name': 'videoName', accept: 'accept' };
const FLAG_ATTRIBUTES = { multiple: 'multiple', manual: 'manual', 'no-drop': 'noDrop', pausable: 'pausable', 'no-resume': 'noResume', record: 'record' };

/**
 * Whether an `accept` list (`video/*`, `video/mp4`, `.mkv`, comma-separated, as the file
 * input's attribute) takes `file`. An empty list takes everything.
 */
export function accepts(accept, file) {
  const kinds = String(accept ?? '').split(',').map((kind) => kind.trim().toLowerCase()).filter(Boolean);
  if (kinds.length === 0) return true;
  const type = (file.type || '').toLowerCase();
  const name = (file.name || '').toLowerCase();
  return kinds.some((kind) => (kind.startsWith('.') ? name.endsWith(kind) : kind.endsWith('/*') ? type.startsWith(kind.slice(0, -1)) : type === kind));
}

/** Whether an unfinished upload's record (`findPreviousUploads`) is of `file`. */
const same = (upload, file) => upload.fileName === file.name && upload.size === file.size;

/** Errors that sending the same upload again cannot mend, but a new upload of the file
 * (into a new video) can: the video is gone, or the link may not write to it. */
const START_OVER = new Set(['NOT_FOUND', 'FORBIDDEN']);
/** Errors of the file itself: nothing but another file helps. */
const FINAL = new Set(['FILE_EMPTY', 'FILE_TOO_LARGE']);

/** `text` as a sentence: one final stop, whatever it ended with. */
const sentence = (text) => {
  const trimmed = String(text).trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
};

/** Plain words, and what to do, for an upload error, in the words of `texts`. */
export function explain(error, texts = TEXTS.en) {
  const code = error?.code;
  switch (code) {
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
    case 'NOT_FOUND':
    case 'FILE_EMPTY':
    case 'FILE_TOO_LARGE':
    case 'RATE_LIMITED':
    case 'ABORTED':
    case 'CREDENTIALS_MISSING':
      return say(texts, code);
    case 'NETWORK_ERROR':
    case 'NETWORK_TIMEOUT':
      return say(texts, 'NETWORK');
    default:
      // The server's own words (its problem's title), or the error's message.
      return say(texts, 'canRetry', { reason: sentence(error?.title ?? error?.message ?? say(texts, 'failed')) });
  }
}

export class VideoUploaderElement extends HTMLElement {
  static observedAttributes = ['token', 'upload-token', 'accept', 'multiple', 'no-drop', 'pausable', 'lang', 'record'];

  #rows = new Map();
  #pending = [];
  /** The token provider set through the `token` property, if one was. */
  #provider = null;
  /** The texts a page replaced (the `texts` property). */
  #overrides = {};
  /** How many rows are in each state: the element's state attributes follow from it in
   * constant time, however many files it holds. */
  #counts = new Map();
  /** The queue's last totals (`progress`): bytes sent and to send, files done. */
  #total = null;
  /** Whether the uploads an earlier page left were looked for, and those still offered. */
  #offered = false;
  #previous = [];
  /** The files' uploads, a few at a time (`concurrency`, default 3); made at the first file. */
  #queue = null;
  /** The recording under way (`record`), from the moment Record is pressed until it stops. */
  #recording = null;
  /** Whether this browser can record here: a promise, asked once. */
  #recordable = null;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = TEMPLATE;
    const all = (part, act) => root.querySelector(`[part~="${part}"]`).addEventListener('click', act);
    all('pause-all', () => this.pause());
    all('resume-all', () => this.resume());
    all('cancel-all', () => this.cancel());
    all('clear', () => this.clearFinished());
    // Inside the drop zone, whose click picks a file: these do not.
    const recording = (part, act) => all(part, (event) => (event.stopPropagation(), act()));
    recording('record-camera', () => this.#record(false));
    recording('record-screen', () => this.#record(true));
    recording('record-pause', () => this.#recording?.pause?.(true));
    recording('record-resume', () => this.#recording?.pause?.(false));
    recording('record-stop', () => this.#recording?.stop?.());
    all('forget', async () => {
      await VideoUploader.clearPreviousUploads();
      this.#offer([]);
      root.querySelector('[part~="pick"]').focus();
    });
    this.#input.addEventListener('change', () => {
      this.#add([...this.#input.files]);
      this.#input.value = '';
    });
    const drop = root.querySelector('[part~="drop"]');
    // The whole zone picks, as Uppy's Dashboard's does (the button is there for the keyboard).
    drop.addEventListener('click', (event) => event.target !== this.#input && this.#input.click());
    drop.addEventListener('dragover', (event) => {
      if (this.noDrop) return;
      event.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (event) => {
      if (this.noDrop) return;
      event.preventDefault();
      drop.classList.remove('over');
      this.#add([...(event.dataTransfer?.files ?? [])], true);
    });
  }

  get #input() {
    return this.shadowRoot.querySelector('input[type=file]');
  }

  connectedCallback() {
    this.#sync();
    // Uploads an earlier page left unfinished (resumable ones, the default): offered to be
    // picked again, which continues each where it stopped.
    if (!this.noResume && !this.#offered) {
      this.#offered = true;
      VideoUploader.findPreviousUploads()
        .then((previous) => this.#offer(previous.filter((upload) => ![...this.#rows.keys()].some((file) => same(upload, file)))))
        .catch(() => {});
    }
  }

  /** Lists `previous` (unfinished uploads), or hides the list when there are none. */
  #offer(previous) {
    this.#previous = previous;
    const root = this.shadowRoot;
    const texts = this.texts;
    root.querySelector('[part~="previous-files"]').replaceChildren(
      ...previous.map((upload) => {
        const item = document.createElement('li');
        item.textContent = say(texts, 'unfinishedFile', { name: upload.fileName, size: size(upload.size, texts) });
        return item;
      }),
    );
    root.querySelector('[part~="previous"]').hidden = previous.length === 0;
  }

  attributeChangedCallback() {
    this.#sync();
  }

  /** The texts the element shows: its language's table (the `lang` of the element or of
   * the nearest ancestor that has one; English when there is none), with the page's. */
  get texts() {
    return textsFor(this.closest('[lang]')?.lang || document.documentElement.lang, this.#overrides);
  }

  /** Replaces some of the texts (keys of `TEXTS.en`); the rest stay the language's. */
  set texts(overrides) {
    this.#overrides = { ...overrides };
    this.#sync();
  }

  #say(key, fields) {
    return say(this.texts, key, fields);
  }

  #sync() {
    this.#input.accept = this.accept;
    this.#input.multiple = this.multiple;
    const texts = this.texts;
    for (const element of this.shadowRoot.querySelectorAll('[data-text]')) element.textContent = say(texts, element.dataset.text);
    for (const text of this.shadowRoot.querySelectorAll('.one')) text.hidden = this.multiple;
    for (const text of this.shadowRoot.querySelectorAll('.many')) text.hidden = !this.multiple;
    const [camera, screen] = ['record-camera', 'record-screen'].map((part) => this.shadowRoot.querySelector(`[part~="${part}"]`));
    if (!this.record) camera.hidden = screen.hidden = true;
    else {
      this.recordable.then((can) => {
        camera.hidden = !(can && this.record);
        screen.hidden = !(can && this.record && typeof navigator.mediaDevices.getDisplayMedia === 'function');
      });
    }
  }

  /** Whether this browser can record a video here (a `MediaRecorder` that records a video
   * type, and a way to ask for the camera): the `record` attribute's buttons show only then. */
  get recordable() {
    this.#recordable ??=
      typeof MediaRecorder === 'undefined' || typeof navigator.mediaDevices?.getUserMedia !== 'function'
        ? Promise.resolve(false)
        : import('./recorder.js').then(({ ApiVideoMediaRecorder }) => ApiVideoMediaRecorder.getSupportedMimeTypes().length > 0, () => false);
    return this.#recordable;
  }

  /** Records the camera or the screen (`js/recording.js`, loaded on the first Record), lending
   * it what it needs of the element; after Stop, the recording is a row like a picked file's. */
  async #record(screen) {
    if (this.#recording) return;
    // One recording at a time: Record waits until this one has stopped (or could not start).
    this.#recording = {};
    this.#recordButtons(false);
    const texts = this.texts;
    const host = {
      element: this,
      say: (key, fields) => say(texts, key, fields),
      size: (bytes) => size(bytes, texts),
      explain: (error) => explain(error, texts),
      emit: (type, detail) => this.#emit(type, detail),
      options: { uploadToken: this.token, ...(this.apiHost ? { apiHost: this.apiHost } : {}) },
      videoName: this.videoName,
      ended: () => {
        this.#recording = null;
        this.#recordButtons(true);
      },
      stopped: (file, finished) => this.#recorded(file, finished),
    };
    try {
      const { record } = await import('./recording.js');
      this.#recording = await record(host, screen);
    } catch (error) {
      // The module could not load: said as any recording that cannot start.
      host.ended();
      this.#emit('record-error', Object.assign(new Error(fillIn(ELEMENT_ERRORS.RECORDING_FAILED[0], { detail: String(error?.message ?? error) })), { code: 'RECORDING_FAILED' }));
    }
  }

  /** The recording stopped: it is a row whose upload finishes with its last part (`finished`,
   * the Video's promise); what the row shows of it comes back as `progress(percent)`. */
  #recorded(file, finished) {
    if (!this.multiple && this.#rows.size > 0) this.reset();
    const row = this.#row(file);
    row.recording = true;
    this.#rows.set(file, row);
    this.#emit('record-stop', { file });
    this.#show(file, 'uploading', this.#say('finishing'));
    this.#frame(file);
    this.shadowRoot.querySelector('[part~="pick"]').focus();
    finished.then(
      (video) => this.#succeeded(file, video),
      (error) => this.#rows.get(file) && this.#fail(file, error),
    );
    return (percent) => this.#rows.get(file) && this.#set(file, percent);
  }

  #recordButtons(enabled) {
    for (const part of ['record-camera', 'record-screen']) this.shadowRoot.querySelector(`[part~="${part}"]`).disabled = !enabled;
  }


  /** The upload token (the attribute), or the function set as the property that gives one
   * (a token provider: see `VideoUploader`'s `uploadToken`). */
  get token() {
    return this.#provider ?? this.getAttribute('token') ?? this.getAttribute('upload-token') ?? '';
  }

  set token(value) {
    this.#provider = typeof value === 'function' ? value : null;
    if (!this.#provider) this.setAttribute('token', value);
  }

  /** The Files picked or dropped, in order. */
  get files() {
    return [...this.#rows.keys()];
  }

  /** Starts every file waiting (with `manual`, nothing starts without it). */
  start() {
    for (const file of this.#pending.splice(0)) this.#upload(file);
  }

  pause() {
    this.#queue?.pause();
  }

  resume() {
    this.#queue?.resume();
  }

  cancel() {
    this.#queue?.cancel();
  }

  /** Takes `file`'s row off the list (its video stays; an upload still running is cancelled). */
  removeFile(file) {
    const row = this.#rows.get(file);
    if (!row) return;
    const state = row.li.dataset.state;
    if (state === 'uploading' || state === 'paused' || state === 'queued') row.queued?.cancel();
    if (state) this.#counts.set(state, this.#counts.get(state) - 1);
    this.#rows.delete(file);
    if (row.url) URL.revokeObjectURL(row.url);
    this.#pending = this.#pending.filter((pending) => pending !== file);
    const focused = row.li.contains(this.shadowRoot.activeElement);
    row.li.remove();
    if (focused) this.shadowRoot.querySelector('[part~="pick"]').focus();
    this.#summarize();
  }

  /** Takes the uploaded files' rows off the list, as Uppy's Dashboard clears what is done. */
  clearFinished() {
    for (const [file, row] of [...this.#rows]) if (row.li.dataset.state === 'complete') this.removeFile(file);
  }

  /** Forgets every file (cancelling what runs) and empties the list. */
  reset() {
    this.cancel();
    for (const row of this.#rows.values()) if (row.url) URL.revokeObjectURL(row.url);
    this.#rows.clear();
    this.#counts.clear();
    this.#pending = [];
    this.#queue = null;
    this.shadowRoot.querySelector('[part~="files"]').replaceChildren();
    for (const state of ['uploading', 'paused', 'complete', 'error']) this.removeAttribute(state);
    this.#total = null;
    this.#summarize();
    this.#emit('reset', {});
  }

  #emit(type, detail) {
    // On the element alone, as a <video>'s `progress`, `pause` and `error`: bubbling, they would reach
    // `window`, where `error`, `offline` and `online` are the platform's own events.
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #announce(text) {
    this.shadowRoot.querySelector('[role=status]').textContent = text;
  }

  /** Adds picked files, or `dropped` ones: those `accept` does not take (the picker's own
   * filter is not there for a drop) are refused with a message, and never sent. */
  #add(files, dropped = false) {
    if (dropped) files = this.#refuse(files.filter((file) => !accepts(this.accept, file)), files, 'FILE_TYPE_REFUSED', 'notTaken');
    // Past `max-files`, the rest are refused at once, in one announcement.
    if (this.multiple && this.maxFiles) files = this.#refuse(files.slice(Math.max(0, this.maxFiles - this.#rows.size)), files, 'TOO_MANY_FILES', 'tooMany');
    const chosen = this.multiple ? files : files.slice(0, 1);
    if (this.#previous.length) this.#offer(this.#previous.filter((upload) => !chosen.some((file) => same(upload, file))));
    // One file at a time without `multiple`: a new one replaces what was there.
    if (!this.multiple && chosen.length > 0 && this.#rows.size > 0) this.reset();
    for (const file of chosen) {
      const row = this.#row(file);
      this.#rows.set(file, row);
      this.#emit('file-ready', { file });
      if (!this.manual) this.#upload(file);
      else if (!this.#refused(file)) this.#pending.push(file);
    }
  }

  /** Refuses `refused` (of `files`) with `code`: one `error` event each, one announcement
   * (`text`); returns the others. No row, no request. */
  #refuse(refused, files, code, text) {
    if (refused.length === 0) return files;
    const template = ELEMENT_ERRORS[code][0];
    const fields = { accept: this.accept, max: this.maxFiles };
    const names = refused.length > 3 ? this.#say('files', { count: refused.length }) : refused.map((file) => file.name).join(', ');
    this.#announce(this.#say(text, { ...fields, names, count: refused.length }));
    for (const file of refused) {
      const message = fillIn(template, { ...fields, name: file.name });
      this.#emit('error', Object.assign(new Error(message), { code, file }));
    }
    const gone = new Set(refused);
    return files.filter((file) => !gone.has(file));
  }

  /** Shows `media` (a frame of the file, or the server's thumbnail) in `row`'s thumbnail
   * once it has a picture; until then, and if it never has one, the file icon stays. */
  #picture(row, media, loaded, url = null) {
    const box = row.li.querySelector('[part~="thumbnail"]');
    media.hidden = true;
    media.addEventListener(loaded, () => {
      // Sound alone has no picture: the icon stays.
      if (media.tagName === 'VIDEO' && media.videoWidth === 0) return url && URL.revokeObjectURL(url);
      for (const other of box.children) other.hidden = other !== media;
      media.hidden = false;
      if (row.url && row.url !== url) URL.revokeObjectURL(row.url);
      row.url = url;
    });
    media.addEventListener('error', () => url && url !== row.url && URL.revokeObjectURL(url), { once: true });
    box.append(media);
  }

  /** A frame of the file itself, taken by the browser while it uploads (a video it can play). */
  #frame(file) {
    const row = this.#rows.get(file);
    if (!row || row.framed || !String(file.type).startsWith('video/')) return;
    row.framed = true;
    const video = document.createElement('video');
    Object.assign(video, { muted: true, preload: 'metadata', playsInline: true });
    const url = URL.createObjectURL(file);
    this.#picture(row, video, 'loadeddata', url);
    // A moment in: the very first frame is often black.
    video.src = `${url}#t=0.1`;
  }

  #row(file) {
    const li = document.createElement('li');
    li.className = 'row';
    li.setAttribute('part', 'file');
    li.innerHTML = ROW;
    const texts = this.texts;
    for (const element of li.querySelectorAll('[data-text]')) element.textContent = say(texts, element.dataset.text);
    li.querySelector('.name').textContent = file.name;
    li.querySelector('.meta').textContent = size(file.size, texts);
    li.querySelector('[role=progressbar]').setAttribute('aria-label', say(texts, 'progressLabel', { name: file.name }));
    const row = { li, queued: null, video: null, acknowledged: 0 };
    li.querySelector('[part~="pause"]').addEventListener('click', () => row.queued?.pause());
    li.querySelector('[part~="resume"]').addEventListener('click', () => row.queued?.resume());
    li.querySelector('[part~="cancel"]').addEventListener('click', () => row.queued?.cancel());
    li.querySelector('[part~="retry"]').addEventListener('click', () => this.#upload(file));
    li.querySelector('[part~="start-over"]').addEventListener('click', () => this.#startOver(file));
    li.querySelector('[part~="remove"]').addEventListener('click', () => this.removeFile(file));
    this.shadowRoot.querySelector('[part~="files"]').append(li);
    return row;
  }

  #show(file, state, status) {
    const row = this.#rows.get(file);
    if (!row) return;
    const previous = row.li.dataset.state;
    if (previous) this.#counts.set(previous, this.#counts.get(previous) - 1);
    this.#counts.set(state, (this.#counts.get(state) ?? 0) + 1);
    row.li.dataset.state = state;
    if (status !== undefined) row.li.querySelector('[part~="status"]').textContent = status;
    const running = state === 'uploading' || state === 'paused' || state === 'queued';
    const [pause, resume] = [row.li.querySelector('[part~="pause"]'), row.li.querySelector('[part~="resume"]')];
    const focused = this.shadowRoot.activeElement;
    // A recording finishing its upload has no queued upload to pause or cancel.
    const queued = !row.recording;
    pause.hidden = !(this.pausable && state === 'uploading' && queued);
    resume.hidden = !(this.pausable && state === 'paused' && queued);
    // The button pressed gives way to its opposite: keep the keyboard's place on it.
    if (focused === pause && pause.hidden && !resume.hidden) resume.focus();
    if (focused === resume && resume.hidden && !pause.hidden) pause.focus();
    row.li.querySelector('[part~="cancel"]').hidden = !(running && queued);
    // An error says which way out there is: the same upload again, a new one, or none.
    const code = state === 'error' ? row.error?.code : undefined;
    row.li.querySelector('[part~="retry"]').hidden = state !== 'error' || START_OVER.has(code) || FINAL.has(code);
    row.li.querySelector('[part~="start-over"]').hidden = !START_OVER.has(code);
    row.li.querySelector('[part~="remove"]').hidden = !(state === 'complete' || state === 'error');
    // A control pressed (or the upload ending) hid the one with the keyboard's place: it goes
    // to the row's next way on, or to the file picker, never to the page's <body>.
    if (focused && row.li.contains(focused) && focused.hidden) {
      (row.li.querySelector('.actions button:not([hidden])') ?? this.shadowRoot.querySelector('[part~="pick"]')).focus();
    }
    const count = (state) => this.#counts.get(state) ?? 0;
    this.toggleAttribute('uploading', count('uploading') + count('paused') + count('queued') > 0);
    this.toggleAttribute('paused', count('paused') > 0);
    this.toggleAttribute('complete', this.#rows.size > 0 && count('complete') === this.#rows.size);
    this.toggleAttribute('error', count('error') > 0);
    this.#summarize();
  }

  /** With more than one file: the total bar and words, and what can be done to all of them. */
  #summarize() {
    const root = this.shadowRoot;
    const summary = root.querySelector('[part~="summary"]');
    summary.hidden = this.#rows.size < 2;
    const count = (state) => (summary.hidden ? 0 : (this.#counts.get(state) ?? 0));
    const running = count('uploading') + count('queued');
    const texts = this.texts;
    const total = this.#total;
    const percent = total?.totalBytes ? (100 * total.uploadedBytes) / total.totalBytes : 0;
    root.querySelector('[part~="total-bar"]').style.width = `${percent}%`;
    const bar = root.querySelector('[part~="total-progress"]');
    bar.setAttribute('aria-valuenow', String(Math.round(percent)));
    bar.setAttribute('aria-label', say(texts, 'totalLabel'));
    root.querySelector('[part~="total-status"]').textContent = say(texts, 'total', {
      done: count('complete'),
      files: this.#rows.size,
      sent: size(total?.uploadedBytes ?? 0, texts),
      total: size(total?.totalBytes ?? 0, texts),
    });
    const show = (part, visible) => {
      const button = root.querySelector(`[part~="${part}"]`);
      if (button.hidden === !visible) return;
      const focused = root.activeElement === button;
      button.hidden = !visible;
      if (focused && !visible) root.querySelector('[part~="pick"]').focus();
    };
    show('pause-all', this.pausable && running > 0);
    show('resume-all', this.pausable && count('paused') > 0);
    show('cancel-all', running + count('paused') > 0);
    show('clear', count('complete') > 0);
  }

  #fail(file, error) {
    // The bar falls back to what the server acknowledged: bytes sent but refused do not count.
    const row = this.#rows.get(file);
    if (row) {
      row.error = error;
      this.#set(file, file.size ? (100 * (row.acknowledged ?? 0)) / file.size : 0);
    }
    // The element's own refusals come in its words already.
    const text = error.explained ?? explain(error, this.texts);
    this.#show(file, 'error', text);
    this.#announce(this.#say('announceError', { name: file.name, text }));
    this.#emit('error', Object.assign(error, { file }));
  }

  /** The queue every file of this element goes through, made on first use. */
  #queueOf() {
    if (this.#queue) return this.#queue;
    const queue = new UploadQueue({ concurrency: Math.min(Math.round(this.concurrency) || 3, 8) });
    const row = (event) => this.#rows.get(event.detail.file) && this.#queue === queue;
    queue.addEventListener('progress', (event) => {
      if (this.#queue !== queue) return;
      this.#total = event.detail;
      this.#summarize();
    });
    queue.addEventListener('file-start', (event) => {
      if (!row(event)) return;
      this.#show(event.detail.file, 'uploading', this.#say('starting'));
      this.#frame(event.detail.file);
      this.#emit('upload-start', { file: event.detail.file });
    });
    queue.addEventListener('file-success', (event) => {
      if (!row(event)) return;
      const { file, ...video } = event.detail;
      this.#succeeded(file, video);
    });
    queue.addEventListener('file-error', (event) => row(event) && this.#fail(event.detail.file, event.detail));
    this.#queue = queue;
    return queue;
  }

  /** `file` is uploaded into `video`: its row says so, with the server's thumbnail. */
  #succeeded(file, video) {
    const done = this.#rows.get(file);
    if (!done) return;
    done.video = video;
    // The server's thumbnail, once the video has one (http(s) only).
    const thumbnail = /^https?:\/\//.test(video.assets?.thumbnail ?? '') ? video.assets.thumbnail : null;
    if (thumbnail) {
      const image = document.createElement('img');
      image.alt = '';
      this.#picture(done, image, 'load');
      image.src = thumbnail;
    }
    this.#set(file, 100);
    this.#show(file, 'complete', this.#say('uploaded'));
    this.#announce(this.#say('announceUploaded', { name: file.name }));
    this.#emit('success', { ...video, file });
  }

  /** Uploads `file` again from its first byte, into a new video: its failed upload (and its
   * resumable record, which named the video that failed) is forgotten. */
  #startOver(file) {
    const row = this.#rows.get(file);
    if (!row) return;
    row.queued?.cancel();
    row.queued = null;
    row.acknowledged = 0;
    this.#set(file, 0);
    this.#upload(file);
  }

  /** Refuses `file` when it is larger than `max-file-size`, on every way to an upload (a
   * pick, a drop, `start()`, Retry): whether it did. */
  #refused(file) {
    if (!(this.maxFileSize && file.size > this.maxFileSize)) return false;
    const texts = this.texts;
    const explained = say(texts, 'tooLarge', { name: file.name, size: size(file.size, texts), max: size(this.maxFileSize, texts) });
    this.#fail(file, { code: 'FILE_TOO_LARGE', message: explained, explained });
    return true;
  }

  #upload(file) {
    const row = this.#rows.get(file);
    if (!row || this.#refused(file)) return;
    // A retry continues the same video from the chunk that failed, with the token the
    // element has now (the provider below is asked at every start).
    if (row.queued) return row.queued.retry();
    // A recording whose upload failed is sent again whole, as a picked file is.
    row.recording = false;
    try {
      row.queued = this.#queueOf().add(file, {
        // Asked at every start and after a refusal: a token set since (a new one pasted, or
        // a provider given) is the one a retry uses.
        // No token at all is refused at once (CREDENTIALS_MISSING), as before any request.
        uploadToken: this.token && (() => (typeof this.token === 'function' ? this.token() : this.token)),
        ...(this.apiHost ? { apiHost: this.apiHost } : {}),
        ...(this.videoName ? { videoName: this.videoName } : {}),
        ...(this.chunkSize ? { chunkSize: this.chunkSize } : {}),
        // A reload, a crash or a closed tab does not lose what was sent: the same file
        // picked again continues its video (no-resume turns it off).
        resumable: !this.noResume,
      });
    } catch (error) {
      this.#fail(file, error);
      return;
    }
    for (const type of ELEMENT_EVENTS) row.queued.uploader.addEventListener(type, (event) => this.#on(file, type, event.detail));
    if (row.queued.state === 'queued') this.#show(file, 'queued', this.#say('queued'));
  }

  #set(file, percent) {
    const row = this.#rows.get(file);
    row.li.querySelector('[part~="bar"]').style.width = `${percent}%`;
    row.li.querySelector('[role=progressbar]').setAttribute('aria-valuenow', String(Math.round(percent)));
  }

  #on(file, type, detail) {
    if (type === 'progress') {
      const percent = (100 * detail.uploadedBytes) / detail.totalBytes;
      this.#set(file, percent);
      if (this.#rows.get(file)?.li.dataset.state === 'uploading') {
        const texts = this.texts;
        const parts = [say(texts, 'sent', { sent: size(detail.uploadedBytes, texts), total: size(detail.totalBytes, texts) })];
        if (detail.bytesPerSecond) parts.push(say(texts, 'rate', { rate: size(detail.bytesPerSecond, texts) }));
        const left = duration(detail.etaSeconds, texts);
        if (left) parts.push(left);
        this.#show(file, 'uploading', parts.join(' · '));
      }
    } else if (type === 'chunk') {
      this.#rows.get(file).acknowledged = detail.uploadedBytes;
    } else if (type === 'pause') {
      this.#show(file, 'paused', this.#say('paused'));
    } else if (type === 'resume') {
      this.#show(file, 'uploading', this.#say('resuming'));
    } else if (type === 'retry') {
      this.#show(file, 'uploading', this.#say('retrying', { seconds: Math.ceil(detail.delay / 1000) }));
    } else if (type === 'offline') {
      this.#show(file, this.#rows.get(file).li.dataset.state, this.#say('offline'));
    }
    this.#emit(type, { ...detail, file });
  }
}

for (const [attribute, property] of Object.entries(STRING_ATTRIBUTES)) {
  Object.defineProperty(VideoUploaderElement.prototype, property, {
    get() {
      return this.getAttribute(attribute) ?? (attribute === 'accept' ? 'video/*' : '');
    },
    set(value) {
      this.setAttribute(attribute, value);
    },
  });
}
for (const [attribute, property] of Object.entries(NUMBER_ATTRIBUTES)) {
  Object.defineProperty(VideoUploaderElement.prototype, property, {
    get() {
      const raw = this.getAttribute(attribute);
      if (property === 'chunkSize' && raw === 'auto') return raw;
      const value = Number(raw);
      return Number.isFinite(value) && value > 0 ? value : 0;
    },
    set(value) {
      this.setAttribute(attribute, String(value));
    },
  });
}
for (const [attribute, property] of Object.entries(FLAG_ATTRIBUTES)) {
  Object.defineProperty(VideoUploaderElement.prototype, property, {
    get() {
      return this.hasAttribute(attribute);
    },
    set(value) {
      this.toggleAttribute(attribute, Boolean(value));
    },
  });
}

if (typeof customElements !== 'undefined' && !customElements.get('video-uploader')) {
  customElements.define('video-uploader', VideoUploaderElement);
}
