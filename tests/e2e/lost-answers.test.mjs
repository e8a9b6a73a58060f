// Answers lost or held at the worst moments, through a proxy that says when the server has
// the piece: a lost answer to the completing chunk, in every credential mode, and a pause
// (or a cancel) at every point of a chunk's life. Each upload must end with the right
// videoId, exactly one video, and the file's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startProxy } from '../support/proxy.mjs';
import { blankPage } from '../support/browser.mjs';
import { useServerAndBrowser } from '../support/fixture.mjs';
import { randomFile, sha256File } from '../support/files.mjs';

const MIB = 1024 * 1024;
let server;
let browser;
useServerAndBrowser((started) => ({ server, browser } = started));

const basic = () => 'Basic ' + Buffer.from(`${server.apiKey}:`).toString('base64');

async function api(method, url, body, auth = basic()) {
  const response = await fetch(`${server.url}${url}`, {
    method,
    headers: { Authorization: auth, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  return response.json();
}

/** The credentials of each mode, with a container to upload into where the mode needs one. */
async function credentials(mode, title) {
  if (mode === 'upload token') return { uploadToken: await server.createToken(0) };
  const { videoId } = await api('POST', '/videos', { title });
  if (mode === 'upload token into a container') return { uploadToken: await server.createToken(0), videoId };
  if (mode === 'API key') return { apiKey: server.apiKey, videoId };
  const tokens = await (await fetch(`${server.url}/auth/api-key`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ apiKey: server.apiKey }) })).json();
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, videoId };
}

/** Opens a page with `file` picked, and starts uploading it with `options` through `apiHost`. */
async function startUpload(file, options) {
  const page = await blankPage(browser, server.url);
  await page.setInputFiles('#file', file);
  await page.evaluate(async (options) => {
    const pkg = await import('/pkg/index.js');
    await pkg.default();
    const file = document.getElementById('file').files[0];
    const uploader = new pkg.VideoUploader({ file, ...options, retryStrategy: (count) => (count < 5 ? 50 : null) });
    window.uploader = uploader;
    window.events = [];
    for (const type of ['chunk', 'retry', 'pause', 'resume', 'error', 'success']) {
      uploader.addEventListener(type, (e) => window.events.push(type === 'chunk' ? `chunk ${e.detail.chunk}` : type));
    }
    window.upload = () => {
      window.result = uploader.upload().then(
        (video) => ({ ok: true, video }),
        (error) => ({ ok: false, error: { code: error.code, message: error.message, isError: error instanceof Error } }),
      );
    };
    window.upload();
  }, options);
  return page;
}

/** The one video titled `title` has `videoId` and exactly the bytes of `source`. */
async function assertOneVideo(title, videoId, source) {
  const list = await api('GET', `/videos?title=${encodeURIComponent(title)}`);
  assert.deepEqual(list.data.map((v) => v.videoId), [videoId], 'exactly one video, the one upload() resolved with');
  assert.equal(await sha256File(path.join(server.dataDir, 'videos', videoId, 'source')), source.sha256);
}

for (const mode of ['upload token', 'upload token into a container', 'API key', 'access token']) {
  test(`${mode}: the completing chunk's answer is lost, and upload() still resolves with the video`, async () => {
    const title = `lost-last-${mode.replaceAll(' ', '-')}.mp4`;
    const source = randomFile(12 * MIB, title);
    const proxy = await startProxy(server.url);
    const page = await startUpload(source.file, { ...(await credentials(mode, title)), apiHost: proxy.url, chunkSize: 5 * MIB });
    try {
      proxy.rule(3, { dropAnswer: true });
      const result = await page.evaluate(() => window.result);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(await proxy.reached(3, 'answered'), 201, 'the server completed the video; the browser never heard');
      assert.equal(await proxy.reached(4, 'answered'), 400, 'the re-sent chunk was told the video is complete');
      const events = await page.evaluate(() => window.events);
      assert.deepEqual(events, ['chunk 1', 'chunk 2', 'retry', 'chunk 3', 'success']);
      const { video } = result;
      await assertOneVideo(title, video.videoId, source);
      if (mode === 'API key' || mode === 'access token') {
        // These credentials can read the video back: the whole Video, as if nothing was lost.
        assert.equal(video.title, title);
        assert.match(video.assets.mp4, new RegExp(video.videoId));
      } else {
        assert.deepEqual(Object.keys(video), ['videoId'], 'an upload token cannot read the Video: its id is what is known');
      }
    } finally {
      await page.close();
      proxy.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });
}

// Chunks larger than the loopback socket buffers, so that a proxy that stops reading stalls
// the browser's upload in the middle of the body.
const CHUNK = 32 * MIB;

// `pieces`: the requests the proxy may see. Only a chunk given up in the middle of its body
// is sent again; one whose bytes the browser says have all left is let finish, since the
// server may have it. With the whole body held by the proxy, whether Chromium has said so
// before the pause depends on when its network service last reported upload progress: 3 or 4.
// Once the server has answered, the pause waits for that report (`sent`, a fact), so 3.
const points = {
  'before any byte of the chunk': { rule: null, pieces: [3] },
  'in the middle of the body': { rule: { holdBodyAfter: 8 * MIB }, fact: 'held', pieces: [4] },
  'after the last byte, before the server has it': { rule: { holdBodyAfter: Infinity }, fact: 'held', pieces: [3, 4] },
  'after the server committed it, before the answer': { rule: { holdAnswer: true }, fact: 'answered', sent: true, pieces: [3] },
};

for (const [point, { rule, fact, sent, pieces }] of Object.entries(points)) {
  test(`a pause ${point} resumes to one complete video`, async () => {
    const title = `pause-${Object.keys(points).indexOf(point)}.mp4`;
    const source = randomFile(3 * CHUNK, title);
    const proxy = await startProxy(server.url);
    if (rule) proxy.rule(2, rule);
    const token = await server.createToken(0);
    const page = await blankPage(browser, server.url);
    try {
      await page.setInputFiles('#file', source.file);
      await page.evaluate(async ({ token, apiHost, chunkSize, pauseOnChunk1 }) => {
        const pkg = await import('/pkg/index.js');
        await pkg.default();
        const uploader = new pkg.VideoUploader({ file: document.getElementById('file').files[0], uploadToken: token, apiHost, chunkSize });
        window.uploader = uploader;
        window.events = [];
        window.sent = 0;
        uploader.addEventListener('progress', (e) => (window.sent = e.detail.uploadedBytes));
        for (const type of ['chunk', 'retry', 'pause', 'resume', 'error', 'success']) {
          uploader.addEventListener(type, (e) => {
            window.events.push(type === 'chunk' ? `chunk ${e.detail.chunk}` : type);
            // Paused from the acknowledgement of chunk 1: chunk 2 has not started.
            if (pauseOnChunk1 && type === 'chunk' && e.detail.chunk === 1) uploader.pause();
          });
        }
        window.result = uploader.upload().then((video) => ({ ok: true, video }), (error) => ({ ok: false, error: error.message }));
      }, { token, apiHost: proxy.url, chunkSize: CHUNK, pauseOnChunk1: !rule });

      if (rule) {
        await proxy.reached(2, fact);
        // The browser has said every byte of chunk 2 left.
        if (sent) await page.waitForFunction((bytes) => window.sent >= bytes, 2 * CHUNK);
        await page.evaluate(() => window.uploader.pause());
        proxy.release(2);
      } else {
        await page.waitForFunction(() => window.uploader.paused);
        assert.equal(proxy.pieces, 1, 'nothing was sent while paused');
      }
      await page.evaluate(() => window.uploader.resume());
      const result = await page.evaluate(() => window.result);
      assert.equal(result.ok, true, JSON.stringify(result));
      const events = await page.evaluate(() => window.events);
      assert.deepEqual(events.filter((e) => e.startsWith('chunk') || e === 'success'), ['chunk 1', 'chunk 2', 'chunk 3', 'success']);
      assert.ok(pieces.includes(proxy.pieces), `${proxy.pieces} requests, where ${pieces.join(' or ')} are right: only a chunk given up mid-body goes twice`);
      await assertOneVideo(title, result.video.videoId, source);
    } finally {
      await page.close();
      proxy.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });
}

test('a cancel after the server committed a chunk, then upload() again: the same video completes', async () => {
  const title = 'cancel-after-commit.mp4';
  const source = randomFile(15 * MIB, title);
  const proxy = await startProxy(server.url);
  proxy.rule(2, { holdAnswer: true });
  const page = await startUpload(source.file, { uploadToken: await server.createToken(0), apiHost: proxy.url, chunkSize: 5 * MIB });
  try {
    assert.equal(await proxy.reached(2, 'answered'), 200);
    await page.evaluate(() => window.uploader.cancel());
    const cancelled = await page.evaluate(() => window.result);
    assert.deepEqual(cancelled, { ok: false, error: { code: 'ABORTED', message: 'The upload was cancelled.', isError: true } });
    proxy.release(2);
    await page.evaluate(() => window.upload());
    const result = await page.evaluate(() => window.result);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(await proxy.reached(3, 'answered'), 400, 'the re-sent chunk 2 was told it had landed');
    await assertOneVideo(title, result.video.videoId, source);
  } finally {
    await page.close();
    proxy.close();
    rmSync(source.dir, { recursive: true, force: true });
  }
});
