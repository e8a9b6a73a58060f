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
}

/** A listener of the element's event `K`. */
type ElementListener<K extends keyof VideoUploaderElementEventMap> = (this: VideoUploaderElement, event: VideoUploaderElementEventMap[K]) => void;

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
  /** Wait for `start()` instead of starting when a file is picked or dropped. */
  manual: boolean;
  noDrop: boolean;
  pausable: boolean;
  /** How many files upload at once, 1 to 8; 0 for the default (3). */
  concurrency: number;
  /** The `no-resume` attribute: uploads are not resumed after a reload. */
  noResume: boolean;
  readonly files: File[];
  start(): void;
  pause(): void;
  resume(): void;
  cancel(): void;
  reset(): void;
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
