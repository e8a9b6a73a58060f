// Types of `wasm-video-uploader/queue.js`: many files, a few at a time.
import type { VideoUploader, VideoUploaderOptions, VideoUploadResponse, VideoUploadError, TypedEventTarget, VideoUploaderEventMap, QueueEvents } from './index.js';

/** What the queue extends, for its types: at run time, `EventTarget` (not exported). */
declare const TypedTarget: { new <EventMap>(): TypedEventTarget<EventMap>; prototype: EventTarget };

type WithoutFile<T> = T extends unknown ? Omit<T, 'file'> : never;

/** Every `VideoUploader` option but `file`, plus how many files upload at once. */
export type UploadQueueOptions = WithoutFile<VideoUploaderOptions> & {
  /** 1 to 8. Default 2. */
  concurrency?: number;
};

/** At most this many uploads at once. */
export declare const MAX_CONCURRENCY: 8;

/** One file of a queue. */
export declare class QueuedFile {
  readonly file: File | Blob;
  readonly uploader: VideoUploader;
  readonly state: 'queued' | 'uploading' | 'paused' | 'done' | 'failed';
  readonly started: boolean;
  readonly video: VideoUploadResponse | null;
  readonly error: VideoUploadError | null;
  readonly uploadedBytes: number;
  pause(): void;
  resume(): void;
  /** It fails with `ABORTED`; one not begun sends nothing. */
  cancel(): void;
  /** Queues a failed or cancelled file again; it continues the same video. */
  retry(): void;
}

export interface QueueProgressEvent {
  uploadedBytes: number;
  totalBytes: number;
  files: number;
  done: number;
  failed: number;
}

export interface QueueResult {
  videos: (VideoUploadResponse & { file: File | Blob })[];
  errors: (VideoUploadError & { file: File | Blob })[];
}

/** The uploader's events the queue passes on as `file-…` (declared in the package's contract), each with its file. */
type FileEventMap = { [K in QueueEvents as `file-${K}`]: CustomEvent<VideoUploaderEventMap[K]['detail'] & { file: File | Blob }> };

export interface UploadQueueEventMap extends FileEventMap {
  progress: CustomEvent<QueueProgressEvent>;
  'file-start': CustomEvent<{ file: File | Blob }>;
  'file-success': CustomEvent<VideoUploadResponse & { file: File | Blob }>;
  'file-error': CustomEvent<VideoUploadError & { file: File | Blob }>;
  done: CustomEvent<QueueResult>;
}

export declare class UploadQueue extends TypedTarget<UploadQueueEventMap> {
  /** @throws `OPTION_INVALID` for a bad `concurrency`. */
  constructor(options?: UploadQueueOptions);
  readonly files: QueuedFile[];
  /** Adds a file, with options of its own over the queue's. Bad options throw here. */
  add(file: File | Blob, options?: Partial<WithoutFile<VideoUploaderOptions>>): QueuedFile;
  pause(): void;
  resume(): void;
  cancel(): void;
  /** Resolves once no file is queued, uploading or paused. */
  done(): Promise<QueueResult>;
}

// Only what is exported above is: `TypedTarget` is a type-level device, no value.
export {};
