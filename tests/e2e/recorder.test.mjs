// ApiVideoMediaRecorder (recorder.js) against upload-server, in each engine that has a
// MediaRecorder: 20 s of a canvas's noise (with the fake microphone) and of the fake camera
// (Chromium's films noise; Firefox's own pattern makes too few bytes for several parts):
// parts reach the server while it records, the stored video is byte for byte the recorder's
// blobs joined, and a <video> plays it through with the recording's duration; the same with
// answers lost after the server has the part, and with the network off for 10 s. Where an
// engine has no MediaRecorder, the recorder says so with its code. Bad input: stable codes,
// no video.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { startServer, loggedToken } from '../support/server.mjs';
import { BLANK_WWW } from '../support/browser.mjs';
import { eachEngine } from '../support/engines.mjs';
import { sha256File } from '../support/files.mjs';
import { startProxy } from '../support/proxy.mjs';

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

eachEngine((browser, engine) => {
  async function recorderPage() {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.evaluate(async () => {
      window.recording = await import('/pkg/recorder.js');
    });
    return page;
  }

  /**
   * Records `source` for 20 s at 40 Mbit/s through `apiHost` (the server, or a proxy in front
   * of it) and checks what the issue asks of every recording: a part lands before stop(), the
   * stored video is the recorder's blobs joined, byte for byte, and a <video> plays it through
   * with a duration close to the recording's. `during(parts)` runs once part 1 has landed.
   */
  async function recordTwentySeconds(t, { source, apiHost = server.url, during = async () => {} }) {
    const page = await recorderPage();
    const token = await server.createToken(0);
    const can = await page.evaluate(async (source) => {
      if (typeof MediaRecorder === 'undefined' || window.recording.ApiVideoMediaRecorder.getSupportedMimeTypes().length === 0) return 'no MediaRecorder that records a video';
      if (source === 'camera' && !(await navigator.mediaDevices?.getUserMedia({ video: true }).then((stream) => stream.getTracks().every((track) => track.stop() ?? true), () => false))) return 'no camera';
      return '';
    }, source);
    if (can) {
      t.skip(can);
      return page.close();
    }
    await page.evaluate(async ({ token, apiHost, source }) => {
      let stream;
      if (source === 'camera') {
        // The engine's fake camera and microphone.
        stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
      } else {
        // Noise: megabytes a second at this bitrate, so that parts of 5 MiB come while recording.
        const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
        document.body.append(canvas);
        const context = canvas.getContext('2d');
        const frame = context.createImageData(640, 360);
        window.drawing = setInterval(() => {
          crypto.getRandomValues(frame.data.subarray(0, 65536));
          for (let i = 65536; i < frame.data.length; i += 65536) frame.data.copyWithin(i, 0, Math.min(65536, frame.data.length - i));
          context.putImageData(frame, 0, 0);
        }, 33);
        stream = canvas.captureStream(30);
        // With the fake microphone's sound, where the engine has one.
        const microphone = await navigator.mediaDevices?.getUserMedia({ audio: true }).catch(() => null);
        for (const track of microphone?.getAudioTracks() ?? []) stream.addTrack(track);
      }
      const recorder = new window.recording.ApiVideoMediaRecorder(stream, { uploadToken: token, apiHost, videoName: `${source}.webm`, generateFileOnStop: true, videoBitsPerSecond: 40_000_000 });
      window.recorder = recorder;
      window.stream = stream;
      window.stopped = new Promise((resolve) => recorder.addEventListener('recordingStopped', (event) => resolve(event.data.file)));
      window.events = [];
      for (const type of ['retry', 'offline', 'online', 'error']) recorder.addEventListener(type, () => window.events.push(type));
      window.parts = [];
      recorder.addEventListener('part', (event) => window.parts.push(event.detail));
      recorder.start({ timeslice: 1000 });
      window.started = performance.now();
    }, { token, apiHost, source });
    // The fact waited on: the server has taken part 1 while the recording goes on.
    for (let waited = 0; !parts(token).includes('part 1/* 200'); waited += 50) {
      assert.ok(waited < 120_000, `no part while recording: ${JSON.stringify(parts(token))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await during(token);
    // The recording's length is the scenario: 20 s of it.
    await page.waitForFunction(() => performance.now() - window.started >= 20_000);
    const beforeStop = parts(token).filter((part) => / 200$/.test(part)).length;
    const result = await page.evaluate(async (origin) => {
      const state = window.recorder.getMediaRecorderState();
      const seconds = (performance.now() - window.started) / 1000;
      const video = await window.recorder.stop();
      clearInterval(window.drawing);
      for (const track of window.stream.getTracks()) track.stop();
      const file = await window.stopped;
      const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()))].map((b) => b.toString(16).padStart(2, '0')).join('');
      // The stored video, played: a recorder's WebM says no duration in its header (or, in
      // Firefox, that of its first blocks), so the end is sought first, then it plays from
      // the start to its end. (Where the completing part's answer was lost, an upload token
      // knows the videoId alone: the server's path for its source.)
      /** Where `src` ends, played through to its end at 8× (a recorder's WebM says no
       * duration in its header: the end is where playing it ends). */
      const play = async (src) => {
        const player = Object.assign(document.createElement('video'), { muted: true, preload: 'auto', src });
        document.body.append(player);
        const event = (type) => new Promise((resolve, reject) => {
          player.addEventListener(type, resolve, { once: true });
          player.addEventListener('error', () => reject(new Error(`${src} does not play: ${player.error?.message || player.error?.code}`)), { once: true });
          // A guard, not a wait: a player that stops answering fails the test with where it was.
          setTimeout(() => reject(new Error(`${src}: no ${type} in 60 s, at ${player.currentTime} s of ${player.duration}`)), 60_000);
        });
        await event('loadedmetadata');
        player.playbackRate = 8;
        const ended = event('ended');
        await player.play();
        await ended;
        player.remove();
        return player.currentTime;
      };
      const duration = await play(video.assets?.mp4 ?? `${origin}/vod/${video.videoId}/mp4/source.mp4`);
      const local = await play(URL.createObjectURL(file));
      return { state, seconds, duration, local, parts: window.parts, videoId: video.videoId, title: video.title, size: file.size, digest, events: window.events };
    }, server.url).catch((error) => Promise.reject(new Error(`${error.message}\nthe server's log of this token: ${JSON.stringify(parts(token))}`)));
    assert.equal(result.state, 'recording');
    assert.ok(beforeStop >= 1, 'a part landed while it recorded');
    assert.match(result.videoId, /^vi/);
    // An upload token whose completing answer was lost knows the videoId alone.
    if (result.title !== undefined) assert.equal(result.title, `${source}.webm`);
    const sent = parts(token);
    assert.ok(sent.filter((part) => / 20[01]$/.test(part)).length >= 3, `several parts: ${JSON.stringify(sent)}`);
    // A part event for each part the server took, in order, each naming the video.
    const taken = new Set(sent.filter((part) => / 20[01]$/.test(part)).map((part) => Number(part.match(/^part (\d+)/)[1])));
    const inOrder = Array.from({ length: taken.size }, (_, i) => i + 1);
    assert.deepEqual([...taken].sort((a, b) => a - b), inOrder, `the server took parts 1 to N: ${JSON.stringify(sent)}`);
    assert.deepEqual(result.parts.map((part) => part.part), inOrder);
    assert.ok(result.parts.every((part) => part.videoId === result.videoId), JSON.stringify(result.parts));
    // (A completing part whose answer was lost is sent again and told the video is complete.)
    assert.equal(sent.filter((part) => /^part (\d+)\/\1 201$/.test(part)).length, 1, `the last part completes the video: ${JSON.stringify(sent)}`);
    assert.equal(await sha256File(path.join(server.dataDir, 'videos', result.videoId, 'source')), result.digest, `the stored ${result.size} bytes are the recording's`);
    assert.ok(Math.abs(result.duration - result.seconds) < 2, `a video of ${result.duration} s for ${result.seconds} s recorded (the recording itself, in this browser: ${result.local} s)`);
    await page.close();
    return { token, events: result.events };
  }

  for (const source of ['canvas', 'camera']) {
    test(`${source}: 20 s recorded while it uploads: a part lands before stop(), the video is the blobs joined, byte for byte, and plays through`, async (t) => {
      // Firefox's fake camera films a plain pattern: a few hundred kilobytes in 20 s, one
      // part. (The element's test records it.)
      if (source === 'camera' && engine === 'firefox') return t.skip('Firefox’s fake camera makes too few bytes for several parts');
      await recordTwentySeconds(t, { source });
    });
  }

  test('canvas: the answers to a middle part and to the completing one are lost after the server has them: one complete video, byte for byte', async (t) => {
    const proxy = await startProxy(server.url);
    try {
      // Part 2's answer is cut after its head (the uploader sees a network error and sends it
      // again); the completing part's is lost before any byte (the browser itself sends it
      // again, on a reused connection).
      proxy.rule(2, { dropAnswer: true });
      proxy.when((headers) => /^part (\d+)\/\1$/.test(headers['content-range'] ?? ''), { resetAnswer: true });
      const outcome = await recordTwentySeconds(t, { source: 'canvas', apiHost: proxy.url });
      if (!outcome) return;
      // Sent again, by the uploader (a retry) or by the browser itself (Chromium sends a
      // request again when a reused connection closes before its answer): the server's log.
      const sent = parts(outcome.token);
      assert.equal(sent.filter((part) => part.startsWith('part 2/* ')).length, 2, `part 2 sent again: ${JSON.stringify(sent)}`);
      assert.ok(sent.filter((part) => /^part (\d+)\/\1 /.test(part)).length >= 2, `the completing part sent again: ${JSON.stringify(sent)}`);
    } finally {
      proxy.close();
    }
  });

  test('canvas: the network off for 10 s in the middle: one complete video, byte for byte', async (t) => {
    const proxy = await startProxy(server.url);
    try {
      const outcome = await recordTwentySeconds(t, {
        source: 'canvas',
        apiHost: proxy.url,
        during: async () => {
          proxy.cut();
          // The outage is the scenario: ten seconds of it, while the recording goes on.
          await new Promise((resolve) => setTimeout(resolve, 10_000));
          proxy.restore();
        },
      });
      if (!outcome) return;
      assert.ok(proxy.refused > 0, 'the browser met the outage');
    } finally {
      proxy.close();
    }
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
}, { media: 'noise' });
