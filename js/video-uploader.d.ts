// Types of the <video-uploader> element (video-uploader.js).
import type { VideoUploadResponse, UploadError, UploadTokenProvider, VideoUploaderEventMap, ElementEvents } from './index.js';

type WithFile<T> = T & { file: File };

/** The uploader's events the element passes on (declared in the package's contract), each with its file. */
type ForwardedEventMap = { [K in ElementEvents]: CustomEvent<WithFile<VideoUploaderEventMap[K]['detail']>> };

// Not an extension of HTMLElementEventMap: `error` and `progress` here are CustomEvents.
export interface VideoUploaderElementEventMap extends ForwardedEventMap {
  'file-ready': CustomEvent<{ file: File }>;
  'upload-start': CustomEvent<{ file: File }>;
  success: CustomEvent<WithFile<VideoUploadResponse>>;
  error: CustomEvent<UploadError & { file: File }>;
  reset: CustomEvent<Record<never, never>>;
  /** A recording began (`record`): the stream recorded, the camera's or the screen's. */
  'record-start': CustomEvent<{ stream: MediaStream }>;
  /** The recording stopped: the whole of it, as the File its row and events carry. */
  'record-stop': CustomEvent<{ file: File }>;
  /** A recording could not start: `RECORDING_DENIED`, `NO_DEVICE`, `RECORDING_FAILED`, or the uploader's code. */
  'record-error': CustomEvent<Error & { code: string }>;
}

/** A listener of the element's event `K`. */
type ElementListener<K extends keyof VideoUploaderElementEventMap> = (this: VideoUploaderElement, event: VideoUploaderElementEventMap[K]) => void;

/** Every text the element shows (`{field}`s are filled in where it is used). */
export interface ElementTexts {
  dropOne: string;
  dropMany: string;
  pickOne: string;
  pickMany: string;
  pause: string;
  resume: string;
  cancel: string;
  retry: string;
  startOver: string;
  remove: string;
  recordCamera: string;
  recordScreen: string;
  stop: string;
  previewLabel: string;
  recording: string;
  recordingPaused: string;
  recordingName: string;
  finishing: string;
  recordDenied: string;
  screenDenied: string;
  noDevice: string;
  recordFailed: string;
  unfinished: string;
  unfinishedFile: string;
  forget: string;
  pauseAll: string;
  resumeAll: string;
  cancelAll: string;
  clear: string;
  totalLabel: string;
  total: string;
  progressLabel: string;
  queued: string;
  starting: string;
  sent: string;
  rate: string;
  secondsLeft: string;
  minutesLeft: string;
  paused: string;
  resuming: string;
  retrying: string;
  offline: string;
  uploaded: string;
  announceUploaded: string;
  announceError: string;
  notTaken: string;
  tooMany: string;
  files: string;
  tooLarge: string;
  UNAUTHORIZED: string;
  FORBIDDEN: string;
  NOT_FOUND: string;
  FILE_EMPTY: string;
  FILE_TOO_LARGE: string;
  NETWORK: string;
  RATE_LIMITED: string;
  ABORTED: string;
  CREDENTIALS_MISSING: string;
  failed: string;
  canRetry: string;
  units: string;
  decimal: string;
}

/** The element's texts by language: English and French. */
export declare const TEXTS: { readonly en: ElementTexts; readonly fr: ElementTexts };

/** `<video-uploader token="…">`: pick or drop files, and they upload. */
export declare class VideoUploaderElement extends HTMLElement {
  /** The `token` attribute, or a token provider (asked at every start and Retry, and once
   * more when the server refuses a token). */
  token: string | UploadTokenProvider;
  apiHost: string;
  videoName: string;
  /** Bytes, or `'auto'` (sizes follow the link, see `chunkSize` of the package); 0 for the default (50 MiB). */
  chunkSize: number | 'auto';
  /** Default `video/*`. */
  accept: string;
  multiple: boolean;
  /** Bytes; 0 for no limit. */
  maxFileSize: number;
  /** With `multiple`, how many files it holds at most; those past it are refused
   * (`TOO_MANY_FILES`). 0 for no limit. */
  maxFiles: number;
  /** Wait for `start()` instead of starting when a file is picked or dropped. */
  manual: boolean;
  noDrop: boolean;
  pausable: boolean;
  /** How many files upload at once, 1 to 8; 0 for the default (3). */
  concurrency: number;
  /** The `no-resume` attribute: uploads are not resumed after a reload. */
  noResume: boolean;
  /** The `record` attribute: Record buttons (the camera with its microphone, the screen)
   * beside the file picker, where the browser can record. */
  record: boolean;
  /** Whether this browser can record a video here (the Record buttons show only then). */
  readonly recordable: Promise<boolean>;
  /** The texts it shows: those of its language (its `lang`, or the nearest ancestor's;
   * `en` or `fr`, English otherwise), with the ones set here in their place. Set a part. */
  get texts(): ElementTexts;
  set texts(overrides: Partial<ElementTexts>);
  readonly files: File[];
  start(): void;
  pause(): void;
  resume(): void;
  cancel(): void;
  reset(): void;
  /** Takes a file's row off the list (its video stays; an upload still running is cancelled). */
  removeFile(file: File): void;
  /** Takes the uploaded files' rows off the list. */
  clearFinished(): void;
  // Its own, not `TypedEventTarget`'s: HTMLElement's overloads would type `error` and
  // `progress` as the DOM's events.
  addEventListener<K extends keyof VideoUploaderElementEventMap>(type: K, listener: ElementListener<K>, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof VideoUploaderElementEventMap>(type: K, listener: ElementListener<K>, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'video-uploader': VideoUploaderElement;
  }
}
