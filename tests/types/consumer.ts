// A consumer of the package's hand-written types, compiled with `tsc --noEmit` by npm test.
// It uses every option, method, event and result type, as code switching from
// @api.video/video-uploader would, plus what this package adds.
import init, {
  VideoUploader,
  ProgressiveUploader,
  UploaderStaticWrapper,
  type ProgressiveUploadProgressEvent,
  MIN_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  DEFAULT_RETRIES,
  type VideoUploadError,
  type VideoUploadResponse,
  type UploadProgressEvent,
  type VideoUploaderOptions,
  type ErrorCode,
  UploadError,
} from '../../pkg/index.js';
import { UploadQueue, type QueuedFile } from '../../pkg/queue.js';
import type { VideoUploaderElement } from '../../pkg/video-uploader.js';

declare const file: File;

async function main(): Promise<string> {
  await init({ module_or_path: '/pkg/wasm_video_uploader_bg.wasm' });
  const options: VideoUploaderOptions = {
    file,
    uploadToken: 'to1tcmSFHeYY5KzyhOqVKMKb',
    videoId: 'vi4k0jvEUuaTdRAEjQ4Jfrgz',
    videoName: 'Holiday',
    chunkSize: Math.max(MIN_CHUNK_SIZE, Math.min(MAX_CHUNK_SIZE, 8 * 1024 * 1024)),
    retries: DEFAULT_RETRIES,
    retryStrategy: (retryCount: number, error: VideoUploadError) => (error.status === 429 ? 1000 * (retryCount + 1) : null),
    apiHost: 'sandbox.api.video',
    origin: { application: { name: 'my-app', version: '1.2.3' }, sdk: { name: 'my-sdk', version: '4' } },
    maxVideoDuration: 3600,
    stallTimeout: 20_000,
  };
  const uploader = new VideoUploader(options);
  new VideoUploader({ file, accessToken: 'jwt', refreshToken: 'refresh', videoId: 'vi1' });
  new VideoUploader({ file, apiKey: 'key', videoId: 'vi1' });
  new VideoUploader({ file, uploadToken: 'to1', resumable: true, resumableExpiry: 3_600_000 });
  // A token provider: the app's backend mints one.
  new VideoUploader({ file, uploadToken: async () => (await (await fetch('/token')).json()).token, resumable: true });
  new VideoUploader({ file, uploadToken: () => 'to1', videoId: 'vi1' });
  const previous = await VideoUploader.findPreviousUploads(file);
  for (const upload of previous) console.log(upload.fileName, upload.size, upload.videoId, upload.uploadedChunks, upload.chunkSize, upload.createdAt);
  await VideoUploader.clearPreviousUploads();
  const queue = new UploadQueue({ uploadToken: 'to1', concurrency: 3, resumable: true });
  const queued: QueuedFile = queue.add(file, { videoName: 'one' });
  queued.pause();
  queued.resume();
  queue.addEventListener('progress', (event) => console.log(event.detail.uploadedBytes / event.detail.totalBytes, event.detail.done));
  queue.addEventListener('file-success', (event) => console.log(event.detail.videoId, event.detail.file));
  queue.addEventListener('file-error', (event) => console.log(event.detail.code, queued.state));
  const { videos, errors } = await queue.done();
  console.log(videos.length, errors.length, queue.files.length);

  uploader.onProgress((event: UploadProgressEvent) => {
    const share: number = event.uploadedBytes / event.totalBytes;
    const eta: number | null = event.etaSeconds;
    console.log(share, event.currentChunk, event.chunksCount, event.chunksBytes, event.currentChunkUploadedBytes, event.bytesPerSecond, eta);
  });
  uploader.onPlayable((video: VideoUploadResponse) => console.log(video.assets?.player));
  uploader.addEventListener('progress', (event) => console.log(event.detail.uploadedBytes));
  uploader.addEventListener('chunk', (event) => console.log(event.detail.chunk, event.detail.videoId));
  uploader.addEventListener('retry', (event) => console.log(event.detail.attempt, event.detail.delay, event.detail.reason, event.detail.error.code));
  uploader.addEventListener('success', (event) => console.log(event.detail.videoId));
  uploader.addEventListener('error', (event) => console.log(event.detail.title ?? event.detail.message, event.detail.stack));
  uploader.addEventListener('warning', (event) => console.log(event.detail.code));
  for (const type of ['pause', 'resume', 'offline', 'online'] as const) uploader.addEventListener(type, () => console.log(type));

  uploader.pause();
  const paused: boolean = uploader.paused;
  uploader.resume();
  console.log(paused);
  try {
    const video: VideoUploadResponse = await uploader.upload();
    return video.videoId;
  } catch (caught) {
    if (caught instanceof UploadError) console.log(caught.code, caught.problems, caught.stack);
    const error = caught as VideoUploadError;
    const code: ErrorCode = error.code;
    if (error.reason === 'ABORTED') uploader.cancel();
    return `${code} ${error.status ?? ''} ${error.type ?? ''} ${error.raw ?? ''}`;
  }
}

async function record(stream: AsyncIterable<Blob>, last: Blob): Promise<string> {
  const uploader = new ProgressiveUploader({ uploadToken: 'to1', videoName: 'stream.webm', preventEmptyParts: true, mergeSmallPartsBeforeUpload: true, retries: 3 });
  uploader.onProgress((event: ProgressiveUploadProgressEvent) => console.log(event.part, event.uploadedBytes / event.totalBytes));
  uploader.onPlayable((video) => console.log(video.assets?.hls));
  for await (const blob of stream) {
    const answer: VideoUploadResponse | void = await uploader.uploadPart(blob);
    if (answer) console.log(answer.videoId);
  }
  uploader.addEventListener('retry', (event) => console.log(event.detail.reason));
  uploader.addEventListener('error', (event) => console.log(event.detail.code));
  uploader.pause();
  if (uploader.paused) uploader.resume();
  const video = await uploader.uploadLastPart(last);
  uploader.cancel();
  return video.videoId;
}

async function flutterStyle(blob: Blob): Promise<string> {
  UploaderStaticWrapper.setApplicationName('app', '1.0');
  UploaderStaticWrapper.setSdkName('flutter-uploader', '1.2');
  UploaderStaticWrapper.setChunkSize(10);
  UploaderStaticWrapper.setApiHost('sandbox.api.video');
  const json: string = await UploaderStaticWrapper.uploadWithUploadToken(blob, 'to1', 'name', (progress: number) => console.log(progress));
  await UploaderStaticWrapper.uploadWithApiKey(blob, 'key', () => undefined, 'vi1');
  UploaderStaticWrapper.createProgressiveUploadWithUploadTokenSession('s', 'to1', '');
  UploaderStaticWrapper.createProgressiveUploadWithApiKeySession('k', 'key', 'vi1');
  await UploaderStaticWrapper.uploadPart('s', blob, (progress) => console.log(progress));
  await UploaderStaticWrapper.uploadLastPart('s', blob, (progress) => console.log(progress));
  UploaderStaticWrapper.disposeProgressiveUploadSession('s');
  UploaderStaticWrapper.cancelAll();
  return json;
}

void main();
void record;
void flutterStyle;

// The Video as the official uploader shapes it, and the typed listeners of every target.
export async function officialShapes(file: File, element: VideoUploaderElement) {
  element.token = 'to1';
  element.token = () => fetch('/token').then((answer) => answer.text());
  element.removeFile(file);
  element.clearFinished();
  // Still an Element: remove() takes it out of the page.
  element.remove();
  const video = await new VideoUploader({ file, uploadToken: 'to1' }).upload();
  const created: Date | undefined = video.createdAt;
  const isPublic: boolean | undefined = video._public ?? video.public;
  console.log(created?.getTime(), isPublic);
  element.addEventListener('success', (event) => console.log(event.detail.videoId, event.detail.file.name));
  element.addEventListener('warning', (event) => console.log(event.detail.code === 'RESUMED_VIDEO_GONE'));
  element.addEventListener('error', (event) => console.log(event.detail.code));
  element.removeEventListener('reset', () => {});
  // Recording in the element: the attribute, whether it can, and its events.
  element.record = true;
  const canRecord: boolean = await element.recordable;
  console.log(canRecord);
  element.addEventListener('record-start', (event) => console.log(event.detail.stream.getTracks().length));
  element.addEventListener('record-stop', (event) => console.log(event.detail.file.size));
  element.addEventListener('record-error', (event) => console.log(event.detail.code === 'NO_DEVICE', event.detail.message));
  // The events the element and the queue pass on are typed from the contract, with the file.
  element.addEventListener('chunk', (event) => console.log(event.detail.leadingChunks, event.detail.file.name));
  element.addEventListener('offline', (event) => console.log(event.detail.file.name));
  new UploadQueue({ uploadToken: 'to1' }).addEventListener('file-warning', (event) => console.log(event.detail.code, event.detail.message, event.detail.file));
  new UploadQueue({ uploadToken: 'to1' }).addEventListener('file-chunk', (event) => console.log(event.detail.startedChunks));
  // @ts-expect-error: the queue passes no pause of a file on
  new UploadQueue({ uploadToken: 'to1' }).addEventListener('file-pause', (event) => event.detail.file);
  // @ts-expect-error: no such field on a chunk event
  new VideoUploader({ file, uploadToken: 'to1' }).addEventListener('chunk', (event) => event.detail.nope);
}

// @ts-expect-error: a type only, no value of that name is exported
import { TypedTarget as NoSuchValue } from '../../pkg/index.js';
export const notExported = NoSuchValue;

import { ApiVideoMediaRecorder } from '../../pkg/recorder.js';

/** The recorder, as @api.video/media-recorder's users write it. */
export async function recordAndUpload(stream: MediaStream) {
  const recorder = new ApiVideoMediaRecorder(stream, { uploadToken: 'to1', generateFileOnStop: true, maxDuration: 60, onError: (error) => console.log(error.code) });
  recorder.addEventListener('recordingStopped', (event) => console.log(event.data.file?.size));
  recorder.addEventListener('progress', (event) => console.log(event.detail.uploadedBytes));
  recorder.addEventListener('part', (event) => console.log(event.data.part, event.detail.videoId));
  recorder.start({ timeslice: 1000 });
  recorder.pause();
  recorder.resume();
  console.log(recorder.getMediaRecorderState(), ApiVideoMediaRecorder.getSupportedMimeTypes());
  const video = await recorder.stop();
  return video.videoId;
}
