// Recording in <video-uploader record>, loaded on the first Record: the camera (with its
// microphone, or without one when there is none) or the screen, uploaded as it is recorded
// by ApiVideoMediaRecorder; a live preview, the elapsed time and bytes, Pause/Resume, Stop.
// The element lends it what it needs (`host`): its element, its texts (`say`, `size`,
// `explain`), `emit`, the upload's `options` and `videoName`, `stopped(file, finished)` (the
// recording is a row from then on; it returns how to move the row's bar) and `ended()`.
import { ApiVideoMediaRecorder } from './recorder.js';
import { ELEMENT_ERRORS } from './contract.js';
import { fillIn, clock } from './texts.js';

/** Starts recording; resolves with `{ pause(yes), stop() }`, or with null when it could not
 * start (said in plain words, with a `record-error` event; nothing is sent). */
export async function record(host, screen) {
  const root = host.element.shadowRoot;
  const part = (name) => root.querySelector(`[part~="${name}"]`);
  const message = part('record-message');
  message.hidden = true;
  let stream = null;
  let recorder;
  let name;
  try {
    const devices = navigator.mediaDevices;
    stream = screen
      ? await devices.getDisplayMedia({ video: true, audio: true })
      : await devices.getUserMedia({ video: true, audio: true }).catch((error) => (error?.name === 'NotFoundError' ? devices.getUserMedia({ video: true }) : Promise.reject(error)));
    const mimeType = ApiVideoMediaRecorder.getSupportedMimeTypes()[0];
    const kind = /^video\/([\w-]+)/.exec(mimeType)?.[1];
    const two = (n) => String(n).padStart(2, '0');
    const now = new Date();
    const date = `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())} ${two(now.getHours())}.${two(now.getMinutes())}.${two(now.getSeconds())}`;
    name = host.videoName || `${host.say('recordingName', { date })}.${kind === 'x-matroska' ? 'mkv' : kind}`;
    // Kept whole (generateFileOnStop): a recording whose upload fails can be sent again
    // (Retry), never lost.
    recorder = new ApiVideoMediaRecorder(stream, { ...host.options, videoName: name, mimeType, generateFileOnStop: true });
    recorder.start();
  } catch (error) {
    for (const track of stream?.getTracks() ?? []) track.stop();
    refused(host, message, error, screen);
    host.ended();
    return null;
  }

  let elapsed = 0;
  let started = performance.now();
  let recorded = 0;
  const parts = [];
  const sent = () => parts.reduce((sum, bytes) => sum + (bytes ?? 0), 0);
  /** Moves the row's bar, once the recording is a row. */
  let bar = null;
  let file = null;
  const tick = () => {
    const seconds = (elapsed + (started ? performance.now() - started : 0)) / 1000;
    part('recording-status').textContent = host.say(started ? 'recording' : 'recordingPaused', { time: clock(seconds), recorded: host.size(recorded), sent: host.size(sent()) });
  };
  recorder.addEventListener('recorded', (event) => {
    recorded = event.detail.bytes;
    tick();
  });
  recorder.addEventListener('progress', (event) => {
    parts[event.detail.part - 1] = event.detail.uploadedBytes;
    if (bar) bar(Math.min(100, (100 * sent()) / file.size));
    else tick();
  });
  const timer = setInterval(tick, 500);
  // Stop, a track that ended (the shared screen, an unplugged camera), or a failure.
  recorder.addEventListener('recordingStopped', (event) => {
    clearInterval(timer);
    for (const track of stream.getTracks()) track.stop();
    part('preview').srcObject = null;
    part('recording').hidden = true;
    part('record-pause').hidden = false;
    part('record-resume').hidden = true;
    host.element.removeAttribute('recording');
    host.element.removeAttribute('recording-paused');
    host.ended();
    const blob = event.detail.file;
    file = new File([blob], name, { type: blob.type });
    bar = host.stopped(file, recorder.stop());
    bar(Math.min(100, (100 * sent()) / file.size));
  });
  const preview = part('preview');
  preview.srcObject = stream;
  preview.setAttribute('aria-label', host.say('previewLabel'));
  part('recording').hidden = false;
  host.element.toggleAttribute('recording', true);
  tick();
  part('record-stop').focus();
  host.emit('record-start', { stream });
  return {
    pause(yes) {
      if (recorder.getMediaRecorderState() !== (yes ? 'recording' : 'paused')) return;
      if (yes) {
        recorder.pause();
        elapsed += performance.now() - started;
        started = 0;
      } else {
        recorder.resume();
        started = performance.now();
      }
      host.element.toggleAttribute('recording-paused', yes);
      part('record-pause').hidden = yes;
      part('record-resume').hidden = !yes;
      part(`record-${yes ? 'resume' : 'pause'}`).focus();
      tick();
    },
    stop() {
      if (recorder.getMediaRecorderState() !== 'inactive') recorder.stop();
    },
  };
}

/** Plain words for a recording that could not start (refused, no device, no token), and a
 * `record-error` event with a stable code. */
function refused(host, message, error, screen) {
  const name = error?.name;
  // Ours carry a string code; a DOMException's `code` is the old numeric one.
  const ours = typeof error?.code === 'string';
  const [code, key] =
    name === 'NotAllowedError' || name === 'SecurityError'
      ? ['RECORDING_DENIED', screen ? 'screenDenied' : 'recordDenied']
      : name === 'NotFoundError' || name === 'OverconstrainedError'
        ? ['NO_DEVICE', 'noDevice']
        : ours
          ? [error.code, null]
          : ['RECORDING_FAILED', 'recordFailed'];
  const detail = `${name ?? 'Error'}: ${error?.message ?? error}`;
  message.textContent = key ? host.say(key, { reason: /[.!?]$/.test(detail) ? detail : `${detail}.` }) : host.explain(error);
  message.hidden = false;
  host.emit('record-error', ours ? error : Object.assign(new Error(fillIn(ELEMENT_ERRORS[code][0], { detail })), { code, cause: error }));
}
