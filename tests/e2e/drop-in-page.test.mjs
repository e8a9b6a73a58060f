// The drop-in page served by upload-server, driven in headless Chromium: real file, real
// server, real storage. Nothing on the HTTP path is mocked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../support/server.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { startProxy } from '../support/proxy.mjs';
import { randomFile, sha256File } from '../support/files.mjs';

const MIB = 1024 * 1024;
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens the page, records its events, uploads `file` and waits for success or error. */
async function uploadThroughPage(url, file, chunkSizeMib) {
  const page = await browser.newPage();
  const contentRanges = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/upload') {
      contentRanges.push(request.headers()['content-range']);
    }
  });
  await page.goto(url);
  await page.evaluate(() => {
    const form = document.getElementById('form');
    window.progressEvents = [];
    form.addEventListener('video-upload-progress', (e) => window.progressEvents.push(e.detail));
    window.outcome = new Promise((resolve) => {
      form.addEventListener('video-upload-success', (e) => resolve({ ok: true, video: e.detail }));
      form.addEventListener('video-upload-error', (e) => resolve({ ok: false, error: { ...e.detail } }));
    });
  });
  await page.setInputFiles('#file', file);
  await page.fill('#chunk-size', String(chunkSizeMib));
  await page.click('#upload');
  const outcome = await page.evaluate(() => window.outcome);
  const progress = await page.evaluate(() => window.progressEvents);
  return { page, outcome, progress, contentRanges };
}

function uploadLogLines() {
  return server.logs
    .map((line) => line.match(/ upload token=\S+ content_range="([^"]*)" sent_video_id=(\S+) video_id=(\S+) status=(\d+)/))
    .filter(Boolean)
    .map(([, range, sent, videoId, status]) => ({ range, sent, videoId, status: Number(status) }));
}

test('a 48 MiB file uploads in 8 MiB chunks, byte-identical, as one video', async () => {
  const source = randomFile(48 * MIB, 'holiday.mp4');
  try {
    const token = await server.createToken(3600);
    const videosBefore = readdirSync(path.join(server.dataDir, 'videos')).length;
    const logStart = uploadLogLines().length;
    const { page, outcome, progress, contentRanges } = await uploadThroughPage(`${server.url}/?token=${token}`, source.file, 8);

    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
    const videoId = outcome.video.videoId;
    assert.match(videoId, /^vi[0-9A-Za-z]{22}$/);
    assert.equal(outcome.video.title, 'holiday.mp4');

    // Six requests, part 1/6 … part 6/6, as the browser sent them.
    assert.deepEqual(contentRanges, [1, 2, 3, 4, 5, 6].map((n) => `part ${n}/6`));

    // As the server received them: chunk 1 without videoId, every later one with the first's.
    const lines = uploadLogLines().slice(logStart);
    assert.equal(lines.length, 6);
    assert.deepEqual(lines.map((l) => l.range), contentRanges);
    assert.equal(lines[0].sent, '-');
    for (const line of lines.slice(1)) assert.equal(line.sent, videoId);
    for (const line of lines) assert.equal(line.videoId, videoId);
    assert.deepEqual(lines.map((l) => l.status), [200, 200, 200, 200, 200, 201]);

    // Progress: monotonic, never past the total, ending exactly at it.
    assert.ok(progress.length >= 6, `only ${progress.length} progress events`);
    for (let i = 1; i < progress.length; i++) {
      assert.ok(progress[i].uploadedBytes >= progress[i - 1].uploadedBytes, `progress went back at event ${i}`);
    }
    for (const p of progress) {
      assert.equal(p.totalBytes, 48 * MIB);
      assert.equal(p.chunksCount, 6);
      assert.equal(p.chunksBytes, 8 * MIB);
      assert.ok(p.uploadedBytes <= p.totalBytes);
    }
    assert.equal(progress.at(-1).uploadedBytes, 48 * MIB);
    assert.equal(progress.at(-1).currentChunk, 6);

    // Exactly one new video on the server, holding exactly the source's bytes.
    const videos = readdirSync(path.join(server.dataDir, 'videos'));
    assert.equal(videos.length, videosBefore + 1);
    assert.ok(videos.includes(videoId));
    assert.equal(await sha256File(path.join(server.dataDir, 'videos', videoId, 'source')), source.sha256);

    assert.equal(await page.textContent('#video-id'), videoId);
    assert.equal(await page.getAttribute('#status', 'data-state'), 'done');
    await page.close();
  } finally {
    rmSync(source.dir, { recursive: true, force: true });
  }
});

test('a 256 MiB file uploads with the default 50 MiB chunks, byte-identical', async () => {
  const source = randomFile(256 * MIB, 'long-take.mov');
  try {
    const token = await server.createToken(3600);
    const { page, outcome, progress, contentRanges } = await uploadThroughPage(`${server.url}/?token=${token}`, source.file, 50);
    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
    assert.deepEqual(contentRanges, [1, 2, 3, 4, 5, 6].map((n) => `part ${n}/6`));
    assert.equal(progress.at(-1).uploadedBytes, 256 * MIB);
    const stored = path.join(server.dataDir, 'videos', outcome.video.videoId, 'source');
    assert.equal(await sha256File(stored), source.sha256);
    await page.close();
  } finally {
    rmSync(source.dir, { recursive: true, force: true });
  }
});

test('an invalid token fails loudly with the typed 401 and stores nothing', async () => {
  const source = randomFile(MIB, 'clip.mp4');
  try {
    const videosBefore = readdirSync(path.join(server.dataDir, 'videos')).length;
    const { page, outcome } = await uploadThroughPage(`${server.url}/?token=toInvalid0000000000000000`, source.file, 5);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.error.status, 401);
    assert.equal(outcome.error.code, 'UNAUTHORIZED');
    assert.equal(outcome.error.type, 'https://docs.api.video/reference/authentication-invalid-upload-token');
    assert.equal(outcome.error.title, 'The upload token is invalid or expired.');
    assert.equal(await page.getAttribute('#status', 'data-state'), 'error');
    assert.match(await page.textContent('#status'), /invalid or expired/);
    assert.equal(readdirSync(path.join(server.dataDir, 'videos')).length, videosBefore);
    await page.close();
  } finally {
    rmSync(source.dir, { recursive: true, force: true });
  }
});

test('the page pauses, resumes and cancels with its buttons', async () => {
  const source = randomFile(64 * MIB, 'buttons.mp4');
  try {
    const token = await server.createToken(3600);
    // The proxy holds chunk 2 after 4 MiB: the button is pressed while it is on the wire.
    const proxy = await startProxy(server.url);
    proxy.rule(2, { holdBodyAfter: 4 * MIB });
    const page = await browser.newPage();
    await page.goto(`${server.url}/?token=${token}&apiHost=${encodeURIComponent(proxy.url)}`);
    await page.evaluate(() => {
      const form = document.getElementById('form');
      window.outcome = new Promise((resolve) => {
        form.addEventListener('video-upload-success', (e) => resolve({ ok: true, video: e.detail }));
        form.addEventListener('video-upload-error', (e) => resolve({ ok: false, error: { ...e.detail } }));
      });
    });
    await page.setInputFiles('#file', source.file);
    await page.fill('#chunk-size', '8');
    await page.click('#upload');
    await proxy.reached(2, 'held');
    await page.click('#pause');
    await page.waitForFunction(() => document.getElementById('pause').textContent === 'Resume');
    proxy.release(2);
    assert.equal(await page.textContent('#status'), 'Paused.');
    await page.click('#pause');
    const outcome = await page.evaluate(() => window.outcome);
    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
    const stored = path.join(server.dataDir, 'videos', outcome.video.videoId, 'source');
    assert.equal(await sha256File(stored), source.sha256);
    assert.equal(await page.isDisabled('#pause'), true, 'the buttons are off once the upload ends');

    // Cancel: the upload fails with ABORTED and says so.
    await page.evaluate(() => {
      const form = document.getElementById('form');
      window.cancelled = new Promise((resolve) => form.addEventListener('video-upload-error', (e) => resolve({ ...e.detail })));
      form.addEventListener('video-upload-progress', () => document.getElementById('cancel').click(), { once: true });
    });
    await page.click('#upload');
    const cancelled = await page.evaluate(() => window.cancelled);
    assert.equal(cancelled.code, 'ABORTED');
    assert.match(await page.textContent('#status'), /ABORTED/);
    await page.close();
    proxy.close();
  } finally {
    rmSync(source.dir, { recursive: true, force: true });
  }
});
