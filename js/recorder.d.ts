// Types of ApiVideoMediaRecorder (recorder.js): the names of @api.video/media-recorder 1.0.11.
import type { ProgressiveUploaderOptions, VideoUploadResponse, UploadError, ProgressiveUploadProgressEvent, RetryEventDetail, WarningEventDetail } from './index.js';

export interface RecorderOptions {
  /** Called with each error, as the `error` event is dispatched. */
  onError?: (error: UploadError) => void;
  /** `recordingStopped` then carries the whole recording as `file`. */
  generateFileOnStop?: boolean;
  /** What to record as; default the first of `getSupportedMimeTypes()`. */
  mimeType?: string;
  /** Seconds: the recording stops by itself then, and the video is completed. */
  maxDuration?: number;
  /** Passed to the MediaRecorder. */
  videoBitsPerSecond?: number;
  audioBitsPerSecond?: number;
}

/** An event of the recorder: its facts as `detail`, and as `data` as the official recorder's. */
export type RecorderEvent<T> = CustomEvent<T> & { readonly data: T };

export interface RecorderEventMap {
  error: RecorderEvent<UploadError>;
  recordingStopped: RecorderEvent<{ file?: Blob }>;
  videoPlayable: RecorderEvent<VideoUploadResponse>;
  /** A blob was recorded: the bytes recorded so far. */
  recorded: RecorderEvent<{ bytes: number }>;
  /** The server has this part (1-based; parts are acknowledged in order). */
  part: RecorderEvent<{ part: number; videoId: string }>;
  /** The part on its way: its number, and its bytes sent of its size. */
  progress: RecorderEvent<ProgressiveUploadProgressEvent>;
  retry: RecorderEvent<RetryEventDetail>;
  warning: RecorderEvent<WarningEventDetail>;
  offline: RecorderEvent<undefined>;
  online: RecorderEvent<undefined>;
}

/** Records a MediaStream and uploads it while it records, as a progressive upload. */
export declare class ApiVideoMediaRecorder {
  constructor(mediaStream: MediaStream, options: RecorderOptions & ProgressiveUploaderOptions);
  /** Seconds after which the recording stops by itself (`maxDuration`). */
  maxDuration?: number;
  addEventListener<K extends keyof RecorderEventMap>(type: K, listener: (event: RecorderEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof RecorderEventMap>(type: K, listener: (event: RecorderEventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  /** A blob every `timeslice` ms (default 1000; the official recorder's is 5000) goes up as it comes. */
  start(options?: { timeslice?: number }): void;
  getMediaRecorderState(): RecordingState;
  /** Resolves with the Video once the last part is uploaded. */
  stop(): Promise<VideoUploadResponse>;
  pause(): void;
  resume(): void;
  static getSupportedMimeTypes(): string[];
}
