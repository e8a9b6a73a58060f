// ApiVideoMediaRecorder (recorder.js) against upload-server, in each engine that has a
// MediaRecorder, recording a canvas's stream: parts reach the server while it records, and
// the stored video is byte for byte the recorder's blobs joined. Where an engine has no
// MediaRecorder, the recorder says so with its code. Bad input: stable codes, no video.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { startServer, loggedToken } from '../support/server.mjs';
import { BLANK_WWW } from '../support/browser.mjs';
import { eachEngine } from '../support/engines.mjs';
import { sha256File } from '../support/files.mjs';

let server;

before(async () => {
  server = await startServer({ extraArgs: ['--www', BLANK_WWW] });
});

after(async () => {
  await server?.stop();
});

/** The Content-Range and status of each upload request of `token` the server has logged. */
const parts = (token) =>
  server
    .uploads()
    .filter((upload) => upload.token === loggedToken(token))
    .map((upload) => `${upload.range} ${upload.status}`);

eachEngine((browser) => {
  async function recorderPage() {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.evaluate(async () => {
      window.recording = await import('/pkg/recorder.js');
    });
    return page;
  }

  test('a canvas recorded while it uploads: a part lands before stop(), the video is the blobs joined, byte for byte', async () => {
    const page = await recorderPage();
    const token = await server.createToken(0);
    const canRecord = await page.evaluate(() => typeof MediaRecorder !== 'undefined' && window.recording.ApiVideoMediaRecorder.getSupportedMimeTypes().length > 0);
    if (!canRecord) {
      // This engine has no MediaRecorder (WebKitGTK builds without it): a clear error, no request.
      const refused = await page.evaluate(() => {
        const canvas = document.createElement('canvas');
        try {
          new window.recording.ApiVideoMediaRecorder(canvas.captureStream ? canvas.captureStream() : new MediaStream(), { uploadToken: 'to1' });
          return null;
        } catch (error) {
          return error.code;
        }
      });
      assert.match(refused, /^(RECORDER_UNSUPPORTED|MIME_TYPE_UNSUPPORTED)$/);
      await page.close();
      return;
    }
    await page.evaluate(({ token, apiHost }) => {
      // Noise at a high bitrate: megabytes a second, so that parts of 5 MiB come while recording.
      const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
      document.body.append(canvas);
      const context = canvas.getContext('2d');
      const frame = context.createImageData(640, 360);
      window.drawing = setInterval(() => {
        crypto.getRandomValues(frame.data.subarray(0, 65536));
        for (let i = 65536; i < frame.data.length; i += 65536) frame.data.copyWithin(i, 0, Math.min(65536, frame.data.length - i));
        context.putImageData(frame, 0, 0);
      }, 33);
      const recorder = new window.recording.ApiVideoMediaRecorder(canvas.captureStream(30), { uploadToken: token, apiHost, videoName: 'canvas.webm', generateFileOnStop: true, videoBitsPerSecond: 40_000_000 });
      window.recorder = recorder;
      window.stopped = new Promise((resolve) => recorder.addEventListener('recordingStopped', (event) => resolve(event.data.file)));
      window.progress = 0;
      recorder.addEventListener('progress', () => window.progress++);
      recorder.start({ timeslice: 250 });
    }, { token, apiHost: server.url });
    // The fact waited on: the server has taken part 1 while the recording goes on.
    for (let waited = 0; !parts(token).includes('part 1/* 200'); waited += 50) {
      assert.ok(waited < 120_000, `no part while recording: ${JSON.stringify(parts(token))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const result = await page.evaluate(async () => {
      const state = window.recorder.getMediaRecorderState();
      const video = await window.recorder.stop();
      clearInterval(window.drawing);
      const file = await window.stopped;
      const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()))].map((b) => b.toString(16).padStart(2, '0')).join('');
      let again = null;
      try {
        await window.recorder.stop();
      } catch (error) {
        again = error.code;
      }
      return { state, videoId: video.videoId, title: video.title, size: file.size, digest, progress: window.progress, after: window.recorder.getMediaRecorderState(), again };
    });
    assert.equal(result.state, 'recording', 'part 1 landed while it recorded');
    assert.match(result.videoId, /^vi/);
    assert.equal(result.title, 'canvas.webm');
    assert.equal(result.after, 'inactive');
    assert.ok(result.progress > 0, 'progress events');
    const sent = parts(token);
    assert.ok(sent.length >= 2, JSON.stringify(sent));
    assert.match(sent.at(-1), /^part (\d+)\/\1 201$/, 'the last part completes the video');
    assert.equal(await sha256File(path.join(server.dataDir, 'videos', result.videoId, 'source')), result.digest, `the stored ${result.size} bytes are the recording's`);
    await page.close();
  });

  test('a track that ends (sharing stopped, a camera unplugged) ends the recording and completes the video', async () => {
    const page = await recorderPage();
    const token = await server.createToken(0);
    const result = await page.evaluate(async ({ token, apiHost }) => {
      const { ApiVideoMediaRecorder } = window.recording;
      if (typeof MediaRecorder === 'undefined' || ApiVideoMediaRecorder.getSupportedMimeTypes().length === 0) return null;
      // The browser ends a track itself (sharing stopped); a test can only dispatch the event,
      // which Firefox here does not deliver to addEventListener's listeners (only to onended).
      const probe = document.createElement('canvas').captureStream().getVideoTracks()[0];
      let delivered = false;
      probe.addEventListener('ended', () => (delivered = true));
      probe.dispatchEvent(new Event('ended'));
      if (!delivered) return null;
      const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 180 });
      const context = canvas.getContext('2d');
      const drawing = setInterval(() => {
        context.fillStyle = `hsl(${Math.random() * 360}, 70%, 50%)`;
        context.fillRect(0, 0, 320, 180);
      }, 33);
      const stream = canvas.captureStream(30);
      const recorder = new ApiVideoMediaRecorder(stream, { uploadToken: token, apiHost, generateFileOnStop: true });
      const stopped = new Promise((resolve) => recorder.addEventListener('recordingStopped', (event) => resolve(event.data.file)));
      // The fact waited on before the source goes: something was recorded.
      const recorded = new Promise((resolve) => recorder.addEventListener('recorded', (event) => resolve(event.detail.bytes), { once: true }));
      recorder.start({ timeslice: 100 });
      await recorded;
      // The source goes away, as when the person stops sharing: the track's ended event.
      stream.getVideoTracks()[0].dispatchEvent(new Event('ended'));
      const file = await stopped;
      const video = await recorder.stop();
      clearInterval(drawing);
      const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()))].map((b) => b.toString(16).padStart(2, '0')).join('');
      return { videoId: video.videoId, digest, state: recorder.getMediaRecorderState() };
    }, { token, apiHost: server.url });
    if (result === null) return page.close();
    assert.equal(result.state, 'inactive');
    assert.equal(await sha256File(path.join(server.dataDir, 'videos', result.videoId, 'source')), result.digest);
    assert.deepEqual(parts(token), ['part 1/1 201']);
    await page.close();
  });

  test('bad input: a stream with no track, a type it cannot record, stop() before start(), start() twice: stable codes, no video', async () => {
    const page = await recorderPage();
    const videosBefore = await server.videoCount();
    const result = await page.evaluate(async (apiHost) => {
      const { ApiVideoMediaRecorder } = window.recording;
      const code = (act) => {
        try {
          act();
          return null;
        } catch (error) {
          return `${error.code}: ${error.message}`;
        }
      };
      if (typeof MediaRecorder === 'undefined') return { unsupported: code(() => new ApiVideoMediaRecorder(new MediaStream(), { uploadToken: 'to1', apiHost })) };
      const canvas = document.createElement('canvas');
      const stream = canvas.captureStream();
      const empty = code(() => new ApiVideoMediaRecorder(new MediaStream(), { uploadToken: 'to1', apiHost }));
      // A MediaRecorder that records no video type (WebKitGTK's, here): said at once.
      if (ApiVideoMediaRecorder.getSupportedMimeTypes().length === 0) return { empty, none: code(() => new ApiVideoMediaRecorder(stream, { uploadToken: 'to1', apiHost })) };
      const recorder = new ApiVideoMediaRecorder(stream, { uploadToken: 'to1', apiHost });
      let early = null;
      try {
        await recorder.stop();
      } catch (error) {
        early = `${error.code}: ${error.message}`;
      }
      recorder.start();
      const twice = code(() => recorder.start());
      recorder.pause();
      const paused = recorder.getMediaRecorderState();
      return {
        empty,
        notAStream: code(() => new ApiVideoMediaRecorder({}, { uploadToken: 'to1', apiHost })),
        type: code(() => new ApiVideoMediaRecorder(stream, { uploadToken: 'to1', apiHost, mimeType: 'video/nothing-records-this' })),
        early,
        twice,
        paused,
        pauseTwice: code(() => recorder.pause()),
      };
    }, server.url);
    if (result.unsupported) {
      assert.equal(result.unsupported, 'RECORDER_UNSUPPORTED: This browser cannot record: it has no MediaRecorder.');
    } else if (result.none) {
      assert.equal(result.empty, 'STREAM_INVALID: The stream to record has no track: give a MediaStream with at least one.');
      assert.equal(result.none, 'MIME_TYPE_UNSUPPORTED: This browser cannot record video/*.');
    } else {
      assert.equal(result.empty, 'STREAM_INVALID: The stream to record has no track: give a MediaStream with at least one.');
      assert.equal(result.notAStream, result.empty);
      assert.equal(result.type, 'MIME_TYPE_UNSUPPORTED: This browser cannot record video/nothing-records-this.');
      assert.equal(result.early, 'RECORDER_STATE: MediaRecorder is already inactive');
      assert.equal(result.twice, 'RECORDER_STATE: MediaRecorder is already recording');
      assert.equal(result.paused, 'paused');
      assert.equal(result.pauseTwice, 'RECORDER_STATE: MediaRecorder is not recording');
    }
    assert.equal(await server.videoCount(), videosBefore, 'no video');
    await page.close();
  });
});
