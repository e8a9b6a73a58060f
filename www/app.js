// The drop-in page: the upload token comes from ?token=, the API host defaults to the
// server that served the page (?apiHost= overrides). Progress, success and failure are
// also dispatched on the form as `video-upload-progress|success|error` CustomEvents.
import init, { VideoUploader } from './pkg/index.js';

const params = new URLSearchParams(location.search);
const token = params.get('token');
const apiHost = params.get('apiHost') ?? location.origin;
const form = document.getElementById('form');
const fileInput = document.getElementById('file');
const chunkInput = document.getElementById('chunk-size');
const button = document.getElementById('upload');
const pauseButton = document.getElementById('pause');
const cancelButton = document.getElementById('cancel');
let current = null;

pauseButton.addEventListener('click', () => {
  if (!current) return;
  if (current.paused) current.resume();
  else current.pause();
});
cancelButton.addEventListener('click', () => current?.cancel());
const progressBar = document.getElementById('progress');
const status = document.getElementById('status');
const result = document.getElementById('result');

function show(text, state = '') {
  status.textContent = text;
  status.dataset.state = state;
}

function mib(bytes) {
  return (bytes / 1048576).toFixed(1);
}

function rate(progress) {
  if (!progress.bytesPerSecond) return '';
  const eta = progress.etaSeconds == null ? '' : `, ${Math.ceil(progress.etaSeconds)} s left`;
  return ` at ${mib(progress.bytesPerSecond)} MiB/s${eta}`;
}

const ready = init({ module_or_path: new URL('./pkg/wasm_video_uploader_bg.wasm', import.meta.url) });
if (!token) {
  show('No upload token: open this page with ?token=<upload token>.', 'error');
  button.disabled = true;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = fileInput.files[0];
  button.disabled = true;
  result.hidden = true;
  progressBar.value = 0;
  try {
    await ready;
    const uploader = new VideoUploader({
      file,
      uploadToken: token,
      apiHost,
      chunkSize: Number(chunkInput.value) * 1048576,
    });
    current = uploader;
    uploader.onProgress((progress) => {
      progressBar.value = progress.uploadedBytes / progress.totalBytes;
      // A chunk that was all sent may still be acknowledged while paused: the status stays.
      if (!uploader.paused) show(`Uploading chunk ${progress.currentChunk} of ${progress.chunksCount}: ${mib(progress.uploadedBytes)} of ${mib(progress.totalBytes)} MiB${rate(progress)}`);
      form.dispatchEvent(new CustomEvent('video-upload-progress', { detail: progress }));
    });
    uploader.addEventListener('pause', () => {
      pauseButton.textContent = 'Resume';
      show('Paused.');
    });
    uploader.addEventListener('resume', () => (pauseButton.textContent = 'Pause'));
    uploader.addEventListener('retry', (event) => show(`Connection trouble (${event.detail.reason}); retrying in ${Math.ceil(event.detail.delay / 1000)} s…`));
    pauseButton.disabled = false;
    cancelButton.disabled = false;
    show(`Uploading ${file.name}…`);
    const video = await uploader.upload();
    document.getElementById('video-id').textContent = video.videoId;
    const link = document.getElementById('video-link');
    if (video.assets?.mp4) link.href = video.assets.mp4;
    result.hidden = false;
    show('Upload complete.', 'done');
    form.dispatchEvent(new CustomEvent('video-upload-success', { detail: video }));
  } catch (error) {
    show(`Upload failed: ${error.title ?? error.message} (${error.code ?? 'ERROR'})`, 'error');
    form.dispatchEvent(new CustomEvent('video-upload-error', { detail: error }));
  } finally {
    current = null;
    pauseButton.disabled = true;
    pauseButton.textContent = 'Pause';
    cancelButton.disabled = true;
    button.disabled = !token;
  }
});
