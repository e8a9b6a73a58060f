// npm run bench, the recorder's series: the time from stop() to the Video for a recording of
// RECORD_SECONDS (default 60) seconds, three ways at once on one stream (a canvas of noise, in
// one headless Chromium, against one release upload-server behind a link of LINK_MIB MiB/s per
// connection with 100 ms more on each answer):
//   ours:      ApiVideoMediaRecorder of wasm-video-uploader/recorder.js (uploads as it records)
//   official:  ApiVideoMediaRecorder of @api.video/media-recorder 1.0.11 (the same)
//   afterStop: a MediaRecorder, then the recording uploaded after Stop by our VideoUploader
//              (as Uppy's Webcam plugin does: record first, upload after)
// Median of RUNS (default 5). Prints a table and writes bench/recorder-results.json.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, projectDir } from '../tests/support/server.mjs';
import { launchBrowser, BLANK_WWW } from '../tests/support/browser.mjs';
import { startThrottle } from './throttle.mjs';

const MIB = 1024 * 1024;
const RUNS = Number(process.env.RUNS ?? 5);
const SECONDS = Number(process.env.RECORD_SECONDS ?? 60);
const LINK = Number(process.env.LINK_MIB ?? 1) * MIB;
const OFFICIAL = path.join(projectDir, 'node_modules/@api.video/media-recorder/dist/index.js');

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const www = mkdtempSync(path.join(tmpdir(), 'bench-recorder-'));
copyFileSync(path.join(BLANK_WWW, 'index.html'), path.join(www, 'index.html'));
copyFileSync(OFFICIAL, path.join(www, 'media-recorder.js'));
const server = await startServer({ profile: 'release', extraArgs: ['--www', www] });
const link = await startThrottle(server.url, LINK, 100);
const browser = await launchBrowser();
const runs = [];

try {
  for (let run = 0; run < RUNS; run++) {
    const page = await browser.newPage();
    // The official recorder sends to https://ws.api.video: routed to the link, in
    // XMLHttpRequest.open, its request code untouched.
    await page.addInitScript((local) => {
      const open = XMLHttpRequest.prototype.open;
      XMLHttpRequest.prototype.open = function (method, url, ...rest) {
        return open.call(this, method, String(url).replace('https://ws.api.video', local), ...rest);
      };
    }, link.url);
    await page.goto(`${server.url}/`);
    await page.addScriptTag({ url: `${server.url}/media-recorder.js` });
    const tokens = [await server.createToken(0), await server.createToken(0), await server.createToken(0)];
    const result = await page.evaluate(
      async ({ tokens, apiHost, seconds }) => {
        const pkg = await import('/pkg/index.js');
        await pkg.default();
        const { ApiVideoMediaRecorder } = await import('/pkg/recorder.js');
        // Small enough that three encoders keep up in real time on two cores: a stop() waits
        // for its encoder's backlog, which would be measured instead of the upload.
        const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 180 });
        document.body.append(canvas);
        const context = canvas.getContext('2d');
        const frame = context.createImageData(320, 180);
        const drawing = setInterval(() => {
          crypto.getRandomValues(frame.data.subarray(0, 65536));
          for (let i = 65536; i < frame.data.length; i += 65536) frame.data.copyWithin(i, 0, Math.min(65536, frame.data.length - i));
          context.putImageData(frame, 0, 0);
        }, 33);
        const stream = canvas.captureStream(30);
        const mimeType = 'video/webm';
        const ours = new ApiVideoMediaRecorder(stream, { uploadToken: tokens[0], apiHost, mimeType, videoName: 'ours.webm' });
        const official = new window.ApiVideoMediaRecorder(stream, { uploadToken: tokens[1], mimeType });
        const plain = new MediaRecorder(stream, { mimeType });
        const blobs = [];
        plain.ondataavailable = (event) => blobs.push(event.data);
        const plainStopped = new Promise((resolve) => (plain.onstop = resolve));
        ours.start();
        official.start();
        plain.start(5000);
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        const timed = (promise) => {
          const started = performance.now();
          return promise.then((video) => ({ ms: performance.now() - started, videoId: video.videoId, bytes: video.bytes }));
        };
        const afterStop = async () => {
          plain.stop();
          await plainStopped;
          const file = new File(blobs, 'after-stop.webm', { type: mimeType });
          const video = await new pkg.VideoUploader({ file, uploadToken: tokens[2], apiHost, chunkSize: 50 * 1024 * 1024 }).upload();
          return { ...video, bytes: file.size };
        };
        const [a, b, c] = await Promise.all([timed(ours.stop()), timed(official.stop()), timed(afterStop())]);
        clearInterval(drawing);
        return { oursMs: a.ms, officialMs: b.ms, afterStopMs: c.ms, ids: [a.videoId, b.videoId, c.videoId], bytes: c.bytes };
      },
      { tokens, apiHost: link.url, seconds: SECONDS },
    );
    // Each ended as a whole video on the server.
    for (const id of result.ids) {
      const video = await (await fetch(`${server.url}/videos/${id}/status`, { headers: { Authorization: `Basic ${Buffer.from(`${server.apiKey}:`).toString('base64')}` } })).json();
      if (video.ingest?.status !== 'uploaded') throw new Error(`video ${id} is ${JSON.stringify(video.ingest)}`);
    }
    runs.push(result);
    console.error(`run ${run + 1}: ours ${result.oursMs.toFixed(0)} ms, official ${result.officialMs.toFixed(0)} ms, after stop ${result.afterStopMs.toFixed(0)} ms (${(result.bytes / MIB).toFixed(1)} MiB recorded)`);
    await page.close();
  }
} finally {
  await browser.close();
  link.close();
  await server.stop();
  rmSync(www, { recursive: true, force: true });
}

const results = {
  recordSeconds: SECONDS,
  linkMibPerSecond: LINK / MIB,
  runs: RUNS,
  oursMs: median(runs.map((r) => r.oursMs)),
  officialMs: median(runs.map((r) => r.officialMs)),
  afterStopMs: median(runs.map((r) => r.afterStopMs)),
  each: runs.map(({ oursMs, officialMs, afterStopMs }) => ({ oursMs, officialMs, afterStopMs })),
};
writeFileSync(path.join(projectDir, 'bench/recorder-results.json'), JSON.stringify(results, null, 2) + '\n');
const f = (n, digits = 0) => n.toFixed(digits);
console.log(
  [
    `| stop() to the Video, ${SECONDS}-s recording, ${LINK / MIB} MiB/s link (+100 ms), median of ${RUNS} | ours | @api.video/media-recorder 1.0.11 | record, then upload after Stop | ours / official | ours / after Stop |`,
    '|---|---|---|---|---|---|',
    `| ms | ${f(results.oursMs)} | ${f(results.officialMs)} | ${f(results.afterStopMs)} | ${f(results.oursMs / results.officialMs, 2)} | ${f(results.oursMs / results.afterStopMs, 2)} |`,
  ].join('\n'),
);
