// Types of the wasm-video-uploader package: a superset of @api.video/video-uploader 1.1.6.

/**
 * Loads the wasm module. The package loads it by itself, from beside its entry, as it is
 * imported; call this only to load it from elsewhere (`{ module_or_path }`) or to preload.
 */
export default function init(
  moduleOrPath?: { module_or_path: RequestInfo | URL | Response | BufferSource | WebAssembly.Module } | RequestInfo | URL,
): Promise<unknown>;
/** Loads the wasm module synchronously from its bytes or a compiled module. */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;

export declare const MIN_CHUNK_SIZE: number;
export declare const DEFAULT_CHUNK_SIZE: number;
export declare const MAX_CHUNK_SIZE: number;
export declare const DEFAULT_RETRIES: number;
export declare const DEFAULT_API_HOST: string;

/** A name and version sent as `AV-Origin-App` or `AV-Origin-Sdk`. */
export interface Origin {
  /** `^[\w-]{1,50}$` */
  name: string;
  /** `xxx[.yyy][.zzz]` */
  version: string;
}

/** Stable error codes; `code` on every error this package throws or rejects with. */
export type ErrorCode =
  | 'FILE_MISSING'
  | 'CREDENTIALS_MISSING'
  | 'VIDEO_ID_MISSING'
  | 'ORIGIN_INVALID'
  | 'CHUNK_SIZE_INVALID'
  | 'OPTION_INVALID'
  | 'FILE_EMPTY'
  | 'FILE_TOO_LARGE'
  | 'UPLOAD_IN_PROGRESS'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'SERVER_ERROR'
  | 'HTTP_ERROR'
  | 'RESPONSE_INVALID'
  | 'NETWORK_ERROR'
  | 'NETWORK_TIMEOUT'
  | 'ABORTED'
  | 'BROWSER_ERROR'
  | 'VIDEO_TOO_LONG'
  | 'WASM_NOT_LOADED';

/** How an upload failed: the official `VideoUploadError` fields plus `code` and `message`. */
export interface VideoUploadError {
  code: ErrorCode;
  message: string;
  /** HTTP status, when the server answered. */
  status?: number;
  /** api.video problem type URL, e.g. `https://docs.api.video/reference/…`. */
  type?: string;
  title?: string;
  /** The offending parameter. */
  name?: string;
  detail?: string;
  /** `NETWORK_ERROR`, `NETWORK_TIMEOUT` or `ABORTED` for failures without a response. */
  reason?: 'NETWORK_ERROR' | 'NETWORK_TIMEOUT' | 'ABORTED';
  /** The raw response body, when the server answered. */
  raw?: string;
  /** Every other field of the parsed problem body (`problems`, `error`, …). */
  [field: string]: unknown;
}

/**
 * What every upload rejects with, and every bad option throws: an `Error` (stack trace,
 * `instanceof Error`) carrying the official fields, each field of the parsed problem body,
 * and a stable `code`. No field is set to `undefined`.
 */
export declare class UploadError extends Error implements VideoUploadError {
  constructor(error: { code: ErrorCode; message: string; status?: number; reason?: string; raw?: string });
  code: ErrorCode;
  status?: number;
  type?: string;
  title?: string;
  detail?: string;
  reason?: 'NETWORK_ERROR' | 'NETWORK_TIMEOUT' | 'ABORTED';
  raw?: string;
  [field: string]: unknown;
}

/** Option errors are thrown as `Error`s with the official messages and a `code`. */
export interface VideoUploaderOptionError extends Error {
  code: ErrorCode;
}

/** `(retries so far, error)` → milliseconds to wait, or `null` to give up. */
export type RetryStrategy = (retryCount: number, error: VideoUploadError) => number | null;

export interface CommonOptions {
  /** A bare host (`sandbox.api.video`, meaning https) or a full origin. Default `ws.api.video`. */
  apiHost?: string;
  /** Attempts after the first, per chunk. Default 6. */
  retries?: number;
  retryStrategy?: RetryStrategy;
  /** The multipart filename, which becomes the video title. Default: the file's name. */
  videoName?: string;
  origin?: { application?: Origin; sdk?: Origin };
  /** Milliseconds without upload progress before a chunk is aborted and retried. Default 30000; 0 disables. */
  stallTimeout?: number;
}

export interface WithUploadToken {
  uploadToken: string;
  /** Upload into this existing video container. */
  videoId?: string;
}

export interface WithAccessToken {
  accessToken: string;
  /** Renews an expired access token once per chunk, on a 401. */
  refreshToken?: string;
  videoId: string;
}

export interface WithApiKey {
  apiKey: string;
  videoId: string;
}

export type VideoUploaderOptions = CommonOptions &
  (WithUploadToken | WithAccessToken | WithApiKey) & {
    file: File | Blob;
    /**
     * Bytes per chunk, 5 MiB to 128 MiB. Default 50 MiB. `'auto'` adapts the size to the
     * link: it starts at 5 MiB and doubles while a chunk would take under 10 s, or halves
     * while it would take over 30 s, within 5–128 MiB. Chunks then go as `part N/*` and the
     * last as `part N/N`, as a progressive upload's do.
     */
    chunkSize?: number | 'auto';
    /**
     * Chunks on the wire at once, 1 to 8 (default 1). The first goes alone (its answer names
     * the video), the completing one last, once every other has landed; a failed chunk is
     * retried alone. Worth it where one connection cannot fill the link.
     */
    parallelParts?: number;
    /**
     * Seconds: `upload()` rejects with `Error("The submitted video is too long.")` (code
     * `VIDEO_TOO_LONG`) when the file's metadata says it is longer. When the browser cannot
     * read a duration, the upload goes ahead.
     */
    maxVideoDuration?: number;
    /**
     * Resume after a reload, a crash or a closed tab: a small record per upload is kept in
     * `localStorage` (never the file's bytes, never the token itself), and uploading the same
     * file again with the same options continues the same video at the first chunk the server
     * has not acknowledged. Removed on success and on `cancel()`. Storage that cannot be used
     * turns it off with a `warning` (`RESUME_UNAVAILABLE`). Default false.
     */
    resumable?: boolean;
    /** Milliseconds after which a record is forgotten. Default 24 hours. */
    resumableExpiry?: number;
  };

/** An upload an earlier page left unfinished with `resumable: true`. */
export interface PreviousUpload {
  fileName: string;
  size: number;
  videoId: string;
  /** Chunks the server has acknowledged. */
  uploadedChunks: number;
  chunkSize: number | 'auto' | null;
  /** When the upload began (ms since the epoch). */
  createdAt: number;
}

/**
 * The video the completing chunk returns, shaped as the official uploader shapes it:
 * `_public` for `public` (kept as well) and the dates as `Date`s; with `videoId` added when
 * the answer lacks it. When that answer was lost and a re-sent chunk learnt the upload had
 * completed, it is read back with `GET /videos/{videoId}` where the credentials allow (an
 * access token or API key); with an upload token it is `{videoId}` alone.
 */
export interface VideoUploadResponse {
  readonly videoId: string;
  readonly title?: string;
  readonly description?: string;
  /** The official uploader's name for `public`. */
  readonly _public?: boolean;
  readonly public?: boolean;
  readonly panoramic?: boolean;
  readonly mp4Support?: boolean;
  readonly publishedAt?: Date;
  readonly createdAt?: Date;
  readonly updatedAt?: Date;
  readonly tags?: string[];
  readonly metadata?: { readonly key?: string; readonly value?: string }[];
  readonly source?: { readonly type?: string; readonly uri?: string };
  readonly assets?: {
    readonly iframe?: string;
    readonly player?: string;
    readonly hls?: string;
    readonly thumbnail?: string;
    readonly mp4?: string;
  };
}

export interface UploadProgressEvent {
  /** File bytes sent so far; never more than `totalBytes`, never decreasing. */
  uploadedBytes: number;
  totalBytes: number;
  /** With `chunkSize: 'auto'`, an estimate (and `chunksBytes` the present size) until the last chunk is sent. */
  chunksCount: number;
  chunksBytes: number;
  /** 1-based. */
  currentChunk: number;
  currentChunkUploadedBytes: number;
  /** Smoothed upload rate; 0 until measured. */
  bytesPerSecond: number;
  /** Seconds left at that rate; `null` until measured. */
  etaSeconds: number | null;
}

export interface ChunkEventDetail {
  /** 1-based chunk number. */
  chunk: number;
  /** With `chunkSize: 'auto'`, an estimate until the last chunk is sent. */
  chunksCount: number;
  /** How many of the first chunks the server has, all of them (with `parallelParts`, chunks land out of order). */
  leadingChunks: number;
  /** Where those leading chunks end, in bytes. */
  leadingBytes: number;
  /** The size of the chunks cut from now on (with `chunkSize: 'auto'`, it changes). */
  chunksBytes: number;
  /** How many chunks have been started (sent at least once) so far. */
  startedChunks: number;
  videoId: string;
  /** Bytes of every chunk the server has. */
  uploadedBytes: number;
}

export interface RetryEventDetail {
  /** 1 for the first retry of this chunk. */
  attempt: number;
  /** Milliseconds until the retry. */
  delay: number;
  reason: 'NETWORK_ERROR' | 'NETWORK_TIMEOUT' | 'RATE_LIMITED' | 'REQUEST_TIMEOUT' | 'SERVER_ERROR';
  error: VideoUploadError;
}

/** A condition that does not stop the upload. */
export interface WarningEventDetail {
  /**
   * `VIDEO_ID_MISSING_IN_RESPONSE`: a success answer had no `videoId`; later chunks go without one.
   * `RESUMED_VIDEO_GONE`: the video a resumable record named is gone (404) or may not be
   * written (403); the record is dropped and the upload starts again into a new video.
   * `RESUME_UNAVAILABLE`: the browser's storage cannot be used; the upload is not resumable.
   */
  code: 'VIDEO_ID_MISSING_IN_RESPONSE' | 'RESUMED_VIDEO_GONE' | 'RESUME_UNAVAILABLE';
  message: string;
}

/**
 * An `EventTarget` whose events, by name, are those of `EventMap`: the one typed listener
 * interface of the package's uploaders, queue and element.
 */
export interface TypedEventTarget<EventMap> extends EventTarget {
  addEventListener<K extends keyof EventMap & string>(type: K, listener: (this: this, event: EventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof EventMap & string>(type: K, listener: (this: this, event: EventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/** What the uploaders extend, for their types: at run time, `EventTarget` (not exported). */
declare const TypedTarget: { new <EventMap>(): TypedEventTarget<EventMap>; prototype: EventTarget };

export interface VideoUploaderEventMap {
  progress: CustomEvent<UploadProgressEvent>;
  warning: CustomEvent<WarningEventDetail>;
  chunk: CustomEvent<ChunkEventDetail>;
  retry: CustomEvent<RetryEventDetail>;
  pause: CustomEvent<Record<string, never>>;
  resume: CustomEvent<Record<string, never>>;
  offline: CustomEvent<Record<string, never>>;
  online: CustomEvent<Record<string, never>>;
  success: CustomEvent<VideoUploadResponse>;
  error: CustomEvent<UploadError>;
}

export declare class VideoUploader extends TypedTarget<VideoUploaderEventMap> {
  /** @throws {VideoUploaderOptionError} with the official messages for bad options. */
  constructor(options: VideoUploaderOptions);
  /** Uploads the file. After a failure or `cancel()`, calling it again continues the same video. */
  upload(): Promise<VideoUploadResponse>;
  /** Uploads earlier pages left unfinished with `resumable: true`, newest first; of `file` only, when given. */
  static findPreviousUploads(file?: File | Blob): Promise<PreviousUpload[]>;
  /** Forgets them all, so that none is resumed. */
  static clearPreviousUploads(): Promise<void>;
  onProgress(callback: (event: UploadProgressEvent) => void): void;
  onPlayable(callback: (video: VideoUploadResponse) => void): void;
  /** Aborts: `upload()` rejects with reason `ABORTED`. */
  cancel(): void;
  /**
   * Stops sending. A chunk still sending its body is aborted and sent again on `resume()`;
   * one whose bytes have all left is let finish, since the server may already hold it.
   */
  pause(): void;
  resume(): void;
  readonly paused: boolean;
}

export type ProgressiveUploaderOptions = CommonOptions &
  (WithUploadToken | WithAccessToken | WithApiKey) & {
    /** Hold back the newest blob so that the last part is never empty. Default false. */
    preventEmptyParts?: boolean;
    /** Merge blobs into parts of at least 5 MiB. Default true; when false, a smaller blob throws. */
    mergeSmallPartsBeforeUpload?: boolean;
  };

export interface ProgressiveUploadProgressEvent {
  /** 1-based part number. */
  part: number;
  /** Bytes of this part sent so far. */
  uploadedBytes: number;
  /** This part's size. */
  totalBytes: number;
}

export interface ProgressiveUploaderEventMap {
  warning: CustomEvent<WarningEventDetail>;
  retry: CustomEvent<RetryEventDetail>;
  pause: CustomEvent<Record<string, never>>;
  resume: CustomEvent<Record<string, never>>;
  offline: CustomEvent<Record<string, never>>;
  online: CustomEvent<Record<string, never>>;
  success: CustomEvent<VideoUploadResponse>;
  error: CustomEvent<UploadError>;
}

export declare class ProgressiveUploader extends TypedTarget<ProgressiveUploaderEventMap> {
  /** @throws {VideoUploaderOptionError} with the official messages for bad options. */
  constructor(options: ProgressiveUploaderOptions);
  /** Buffers or sends `blob`; resolves with the answer when it completed a part, else with nothing. */
  uploadPart(blob: Blob): Promise<VideoUploadResponse | void>;
  /** Sends everything buffered and `blob` as the last part. */
  uploadLastPart(blob: Blob): Promise<VideoUploadResponse>;
  onProgress(callback: (event: ProgressiveUploadProgressEvent) => void): void;
  onPlayable(callback: (video: VideoUploadResponse) => void): void;
  /** Aborts the part in flight; it and later parts reject with reason `ABORTED`. */
  cancel(): void;
  /** As `VideoUploader.pause()`: the part in flight is sent again on `resume()`. */
  pause(): void;
  resume(): void;
  readonly paused: boolean;
}

/** The official package's static API; results are JSON strings of the Video. */
export declare class UploaderStaticWrapper {
  static setApplicationName(name: string, version: string): void;
  static setSdkName(name: string, version: string): void;
  /** In MiB (default 50). */
  static setChunkSize(chunkSize: number): void;
  /** This package's addition: where to upload (default `ws.api.video`). */
  static setApiHost(apiHost: string): void;
  static uploadWithUploadToken(file: Blob, uploadToken: string, videoName: string, onProgress: (progress: number) => void, videoId?: string): Promise<string>;
  static uploadWithApiKey(file: Blob, apiKey: string, onProgress: (progress: number) => void, videoId: string): Promise<string>;
  static createProgressiveUploadWithUploadTokenSession(sessionId: string, uploadToken: string, videoId: string): void;
  static createProgressiveUploadWithApiKeySession(sessionId: string, apiKey: string, videoId: string): void;
  static uploadPart(sessionId: string, file: Blob, onProgress: (progress: number) => void): Promise<string>;
  static uploadLastPart(sessionId: string, file: Blob, onProgress: (progress: number) => void): Promise<string>;
  static cancelAll(): void;
  static disposeProgressiveUploadSession(sessionId: string): void;
}

// Only what is exported above is: `TypedTarget` is a type-level device, no value.
export {};
