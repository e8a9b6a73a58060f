// The package's JavaScript API in Chromium, Firefox and WebKit against upload-server: the
// official uploader's names and messages, the EventTarget events, the headers and form it
// sends, and pause/resume in the middle of a 200 MiB upload (held there by a proxy),
// counting the bytes on the wire. One body per test; the engine is a parameter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, loggedToken } from '../support/server.mjs';
import { BLANK_WWW } from '../support/browser.mjs';
import { eachEngine } from '../support/engines.mjs';
import { startProxy } from '../support/proxy.mjs';
import { randomFile, sha256File } from '../support/files.mjs';

const MIB = 1024 * 1024;
const PROBES = new URL('../../bench/page-probes.js', import.meta.url).pathname;
let server;

before(async () => {
  server = await startServer({ extraArgs: ['--www', BLANK_WWW] });
});

after(async () => {
  await server?.stop();
});

/** Each upload request of `who` (an upload token, or for the API modes the video id) the
 * server logged since log line `from`: its Content-Range, its status and the file bytes it
 * received (counted even when it was cut short). Only this test's requests: one an earlier
 * test left behind may reach the log later. */
function uploadsSince(from, who) {
  return server
    .uploads(from)
    .filter((upload) => upload.token === loggedToken(who) || upload.videoId === who)
    .map(({ range, status, received }) => ({ range, status, received }));
}

/** Resolves once the server has logged an upload request of `who` since log line `from` for
 * which `matches(upload)` holds (see `uploadsSince`). */
async function untilLogged(from, who, matches) {
  for (let waited = 0; !uploadsSince(from, who).some(matches); waited += 50) {
    assert.ok(waited < 120_000, `no such upload in the server's log: ${JSON.stringify(uploadsSince(from, who))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The Content-Range of each upload request of `who` the server received since log line `from`. */
function rangesSince(from, who) {
  return uploadsSince(from, who).map((upload) => upload.range);
}

eachEngine((browser) => {

  /** A page of the server's origin with the package loaded as `window.pkg`, and every
   * request the page starts after that (XHR or fetch) listed in `window.started`. */
  async function packagePage() {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    // Before the package: it records the wasm instance's memory.
    await page.addScriptTag({ path: PROBES });
    await page.evaluate(async () => {
      window.pkg = await import('/pkg/index.js');
      await window.pkg.default();
      window.started = [];
      const open = XMLHttpRequest.prototype.open;
      XMLHttpRequest.prototype.open = function (method, url) {
        window.started.push(`${method} ${url}`);
        return open.apply(this, arguments);
      };
      const fetch = window.fetch;
      window.fetch = function (input) {
        window.started.push(`fetch ${input}`);
        return fetch.apply(this, arguments);
      };
    });
    return page;
  }

  /** Runs `body({ source, proxy, page, token })` with a random file of `sizeMib` MiB, a
   * proxy in front of the server with `rules` (`[[n, rule], …]`, see support/proxy.mjs), a
   * package page without resume records, and a fresh upload token; then closes and removes
   * them all. */
  async function withProxiedPage(sizeMib, name, rules, body) {
    const source = randomFile(sizeMib * MIB, name);
    const proxy = await startProxy(server.url);
    for (const [n, rule] of rules) proxy.rule(n, rule);
    const page = await packagePage();
    try {
      await page.evaluate(() => window.pkg.VideoUploader.clearPreviousUploads());
      return await body({ source, proxy, page, token: await server.createToken(0) });
    } finally {
      await page.close();
      proxy.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  }

  /** Starts uploading the file picked in `page` with `options`, without waiting for it. */
  function startUpload(page, options) {
    return page.evaluate((options) => {
      const file = document.getElementById('file').files[0];
      new window.pkg.VideoUploader({ file, ...options }).upload();
    }, options);
  }

  /** In `page`, just reloaded: loads the package, picks `source` again and uploads it with
   * `options`, as a user coming back would; the Video. */
  async function uploadAfterReload(page, source, options) {
    await page.evaluate(async () => {
      window.pkg = await import('/pkg/index.js');
    });
    await page.setInputFiles('#file', source.file);
    return page.evaluate(async (options) => {
      const file = document.getElementById('file').files[0];
      return new window.pkg.VideoUploader({ file, ...options }).upload();
    }, options);
  }

  test('bad options throw the official messages with stable codes', async () => {
    const page = await packagePage();
    const results = await page.evaluate(() => {
      const file = new File([new Uint8Array(10)], 'a.mp4');
      const attempt = (options) => {
        try {
          new window.pkg.VideoUploader(options);
          return null;
        } catch (error) {
          return { message: error.message, code: error.code, isError: error instanceof Error };
        }
      };
      return {
        noFile: attempt({ uploadToken: 'to1' }),
        noCredentials: attempt({ file }),
        smallChunks: attempt({ file, uploadToken: 'to1', chunkSize: 1024 }),
        bigChunks: attempt({ file, uploadToken: 'to1', chunkSize: 129 * 1024 * 1024 }),
        apiKeyWithoutVideo: attempt({ file, apiKey: 'key' }),
        accessTokenWithoutVideo: attempt({ file, accessToken: 'jwt' }),
        badOriginName: attempt({ file, uploadToken: 'to1', origin: { application: { name: 'bad name', version: '1' } } }),
        badOriginVersion: attempt({ file, uploadToken: 'to1', origin: { sdk: { name: 'sdk', version: '1.2.3.4' } } }),
        emptyFile: attempt({ file: new File([], 'empty.mp4'), uploadToken: 'to1' }),
        badApiHosts: ['', 'not a url', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/plain,x', 'http://user:pw@127.0.0.1:8787', 'https://ws.api.video/path', 'https://ws.api.video?token=x', 'https://ws.api.video#x', 'ftp://ws.api.video'].map(
          (apiHost) => attempt({ file, uploadToken: 'to1', apiHost })?.code,
        ),
        badRetries: [1e20, 101, -1, 1.5].map((retries) => attempt({ file, uploadToken: 'to1', retries })?.code),
        badDurations: [-1, 0, NaN, Infinity, '60'].map((maxVideoDuration) => attempt({ file, uploadToken: 'to1', maxVideoDuration })?.code),
        badSecrets: [{ uploadToken: 'to abc' }, { uploadToken: 'to1\n' }, { apiKey: 'key\t', videoId: 'vi1' }, { accessToken: 'jwt é', videoId: 'vi1' }].map((credentials) => {
          try {
            new window.pkg.VideoUploader({ file, ...credentials });
            return null;
          } catch (error) {
            return error.code;
          }
        }),
        badParallel: [0, 9, 100, 1.5, '4'].map((parallelParts) => attempt({ file, uploadToken: 'to1', parallelParts })?.code),
        badChunkSizes: [-5, NaN, '5242880', 5 * 1024 * 1024 + 0.5, Infinity].map((chunkSize) => attempt({ file, uploadToken: 'to1', chunkSize })?.code),
        nulInText: [{ videoName: 'a\u0000b' }, { uploadToken: 'to\u00001' }, { origin: { sdk: { name: 'x\u0000', version: '1' } } }].map(
          (extra) => attempt({ file, uploadToken: 'to1', ...extra })?.code,
        ),
        goodApiHosts: ['sandbox.api.video', 'http://127.0.0.1:8787', 'https://ws.api.video/'].map((apiHost) => attempt({ file, uploadToken: 'to1', apiHost })),
        valid: attempt({ file, uploadToken: 'to1', chunkSize: 5 * 1024 * 1024 }),
      };
    });
    assert.deepEqual(results.noFile, { message: "'file' is missing", code: 'FILE_MISSING', isError: true });
    assert.deepEqual(results.noCredentials, {
      message: 'You must provide either an accessToken, an uploadToken or an API key',
      code: 'CREDENTIALS_MISSING',
      isError: true,
    });
    const chunkMessage = 'Invalid chunk size. Minimal allowed value: 5MB, maximum allowed value: 128MB.';
    assert.deepEqual(results.smallChunks, { message: chunkMessage, code: 'CHUNK_SIZE_INVALID', isError: true });
    assert.deepEqual(results.bigChunks, { message: chunkMessage, code: 'CHUNK_SIZE_INVALID', isError: true });
    assert.deepEqual(results.apiKeyWithoutVideo, { message: "'videoId' is missing", code: 'VIDEO_ID_MISSING', isError: true });
    assert.deepEqual(results.accessTokenWithoutVideo, { message: "'videoId' is missing", code: 'VIDEO_ID_MISSING', isError: true });
    assert.equal(results.badOriginName.message, "Invalid application name value. Allowed characters: A-Z, a-z, 0-9, '-', '_'. Max length: 50.");
    assert.equal(results.badOriginVersion.message, 'Invalid sdk version value. The version should match the xxx[.yyy][.zzz] pattern.');
    assert.equal(results.emptyFile.code, 'FILE_EMPTY');
    assert.deepEqual(results.badApiHosts, Array(10).fill('OPTION_INVALID'));
    assert.deepEqual(results.badRetries, Array(4).fill('OPTION_INVALID'));
    assert.deepEqual(results.badDurations, Array(5).fill('OPTION_INVALID'));
    assert.deepEqual(results.badSecrets, Array(4).fill('OPTION_INVALID'), 'a token with a space or a control character');
    assert.deepEqual(results.badChunkSizes, Array(5).fill('CHUNK_SIZE_INVALID'));
    assert.deepEqual(results.badParallel, Array(5).fill('OPTION_INVALID'));
    // Texts cross into wasm NUL-separated: a NUL in one is refused (an origin's, by its pattern).
    assert.deepEqual(results.nulInText, ['OPTION_INVALID', 'OPTION_INVALID', 'ORIGIN_INVALID']);
    assert.deepEqual(results.goodApiHosts, [null, null, null]);
    assert.deepEqual(await page.evaluate(() => window.started), [], 'no request was started');
    assert.equal(results.valid, null);
    await page.close();
  });

  test('events, headers and form fields of an upload', async () => {
    const page = await packagePage();
    const proxy = await startProxy(server.url);
    const token = await server.createToken(0);
    const outcome = await page.evaluate(async ({ token, apiHost }) => {
      const file = new File([new Uint8Array(12 * 1024 * 1024).map((_, i) => i % 251)], 'events.mp4');
      const uploader = new window.pkg.VideoUploader({
        file,
        uploadToken: token,
        apiHost,
        chunkSize: 5 * 1024 * 1024,
        origin: { application: { name: 'e2e-app', version: '2.1' } },
      });
      const events = [];
      for (const type of ['progress', 'chunk', 'retry', 'pause', 'resume', 'success', 'error']) {
        uploader.addEventListener(type, (event) => events.push({ type, detail: event.detail, isCustom: event instanceof CustomEvent }));
      }
      const progressCallbacks = [];
      uploader.onProgress((progress) => progressCallbacks.push(progress));
      const video = await uploader.upload();
      return { isEventTarget: uploader instanceof EventTarget, video, events, progressCallbacks };
    }, { token, apiHost: proxy.url });
    proxy.close();

    assert.equal(outcome.isEventTarget, true);
    const types = outcome.events.map((e) => e.type).filter((t) => t !== 'progress');
    assert.deepEqual(types, ['chunk', 'chunk', 'chunk', 'success']);
    assert.ok(outcome.events.every((e) => e.isCustom));
    const chunks = outcome.events.filter((e) => e.type === 'chunk').map((e) => e.detail);
    assert.deepEqual(chunks.map((c) => [c.chunk, c.chunksCount, c.videoId]), [1, 2, 3].map((n) => [n, 3, outcome.video.videoId]));
    assert.equal(outcome.events.at(-1).detail.videoId, outcome.video.videoId, 'success carries the video');

    const progress = outcome.events.filter((e) => e.type === 'progress').map((e) => e.detail);
    for (const p of progress) {
      for (const key of ['uploadedBytes', 'totalBytes', 'chunksCount', 'chunksBytes', 'currentChunk', 'currentChunkUploadedBytes', 'bytesPerSecond']) {
        assert.equal(typeof p[key], 'number', key);
      }
      assert.ok(p.etaSeconds === null || typeof p.etaSeconds === 'number');
      assert.ok(p.uploadedBytes <= p.totalBytes);
    }
    assert.equal(progress.at(-1).uploadedBytes, 12 * MIB);
    assert.equal(progress.at(-1).etaSeconds, 0);
    assert.deepEqual(outcome.progressCallbacks, progress, 'onProgress sees the same reports');

    // As the wire carried them.
    const requests = proxy.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/upload?'));
    assert.deepEqual(requests.map((r) => r.headers['content-range']), ['part 1/3', 'part 2/3', 'part 3/3']);
    for (const request of requests) {
      assert.match(request.headers['av-origin-client'], /^wasm-video-uploader:\d+\.\d+\.\d+$/);
      assert.equal(request.headers['av-origin-app'], 'e2e-app:2.1');
    }
    await page.close();
  });

  test('an invalid token is UNAUTHORIZED at its first answer, though the server answers before reading the 20 MiB body', async () => {
    // upload-server rejects the token from the headers alone; the engine must still see the
    // 401 (not a reset it would retry, or re-send by itself, as a network failure).
    const page = await packagePage();
    const logStart = server.logs.length;
    const result = await page.evaluate(async ({ apiHost }) => {
      const file = new File([new Uint8Array(20 * 1024 * 1024)], 'refused.mp4');
      const uploader = new window.pkg.VideoUploader({ file, uploadToken: 'toInvalid0000000000000000', apiHost, chunkSize: 20 * 1024 * 1024 });
      let retries = 0;
      uploader.addEventListener('retry', () => retries++);
      try {
        await uploader.upload();
        return { resolved: true };
      } catch (error) {
        return { code: error.code, status: error.status, retries };
      }
    }, { apiHost: server.url });
    assert.deepEqual(result, { code: 'UNAUTHORIZED', status: 401, retries: 0 });
    assert.deepEqual(rangesSince(logStart, 'toInvalid0000000000000000'), ['part 1/1'], 'one request reached the server');
    await page.close();
  });

  test('a small file is part 1/1, and videoId is sent before the file', async () => {
    const page = await packagePage();
    const logStart = server.logs.length;
    const token = await server.createToken(0);
    const container = await server.createVideo('form order');
    const { video, appended } = await page.evaluate(async ({ token, apiHost, videoId }) => {
      // Watch the form being built: the uploader appends through the real FormData.
      const appended = [];
      const append = FormData.prototype.append;
      FormData.prototype.append = function (name, value, filename) {
        appended.push(filename === undefined ? [name, value] : [name, filename, value.size]);
        return append.apply(this, arguments);
      };
      try {
        const file = new File(['tiny video'], 'tiny.mp4');
        const video = await new window.pkg.VideoUploader({ file, uploadToken: token, apiHost, videoId }).upload();
        return { video, appended };
      } finally {
        FormData.prototype.append = append;
      }
    }, { token, apiHost: server.url, videoId: container.videoId });
    assert.equal(video.videoId, container.videoId);
    assert.deepEqual(rangesSince(logStart, token), ['part 1/1']);
    assert.deepEqual(appended, [['videoId', container.videoId], ['file', 'tiny.mp4', 10]]);
    await page.close();
  });

  test('pause in the middle of a 200 MiB upload, resume, complete: only the interrupted chunk is sent twice', async () => {
    const source = randomFile(200 * MIB, 'big.mp4');
    const page = await packagePage();
    // The proxy stops reading chunk 2 after 20 MiB: the pause comes while it is on the wire.
    const proxy = await startProxy(server.url);
    proxy.rule(2, { holdBodyAfter: 20 * MIB });
    try {
      const token = await server.createToken(0);
      await page.setInputFiles('#file', source.file);
      const logStart = server.logs.length;
      const wasmAtStart = await page.evaluate(() => window.probes.wasmMemoryBytes());
      assert.ok(wasmAtStart > 0, 'the probe sees the wasm memory');
      await page.evaluate(async ({ token, apiHost }) => {
        const file = document.getElementById('file').files[0];
        const uploader = new window.pkg.VideoUploader({ file, uploadToken: token, apiHost });
        window.uploader = uploader;
        window.events = [];
        uploader.addEventListener('pause', () => window.events.push('pause'));
        uploader.addEventListener('resume', () => window.events.push('resume'));
        uploader.addEventListener('chunk', (e) => window.events.push(`chunk ${e.detail.chunk}`));
        window.outcome = uploader.upload().then((video) => ({ video, events: window.events }));
      }, { token, apiHost: proxy.url });
      await proxy.reached(2, 'held');
      assert.equal(await page.evaluate(() => (window.uploader.pause(), window.uploader.paused)), true);
      proxy.release(2);
      await page.evaluate(() => window.uploader.resume());
      const outcome = await page.evaluate(() => window.outcome);

      const videoId = outcome.video.videoId;
      assert.deepEqual(outcome.events, ['chunk 1', 'pause', 'resume', 'chunk 2', 'chunk 3', 'chunk 4']);
      // The file's bytes never entered wasm memory (which only grows, so this is its peak).
      const wasmGrowth = (await page.evaluate(() => window.probes.wasmMemoryBytes())) - wasmAtStart;
      assert.ok(wasmGrowth <= 2 * MIB, `wasm memory grew by ${wasmGrowth} bytes during a 200 MiB upload`);

      // Bytes on the wire, as the server counted them per request. The interrupted request
      // ends at the server when the browser lets its connection go, which need not be
      // before the later chunks land (WebKit's network process may keep it a while): wait
      // for that fact.
      await proxy.reached(2, 'closed');
      await untilLogged(logStart, token, (upload) => upload.range === 'part 2/4' && upload.status >= 400);
      const lines = server.logs
        .slice(logStart)
        .map((line) => line.match(/ upload token=\S+ content_range="([^"]*)" sent_video_id=\S+ video_id=(\S+) status=(\d+) received=(\d+)/))
        .filter(Boolean)
        .map(([, range, landed, status, received]) => ({ range, landed, status: Number(status), received: Number(received) }));
      const interrupted = lines.filter((l) => l.status >= 400);
      assert.equal(interrupted.length, 1, JSON.stringify(lines));
      assert.equal(interrupted[0].range, 'part 2/4');
      assert.ok(interrupted[0].received > 0 && interrupted[0].received < 50 * MIB);
      const total = lines.reduce((sum, l) => sum + l.received, 0);
      assert.equal(total, 200 * MIB + interrupted[0].received, 'every byte once, plus the interrupted part of chunk 2');
      assert.deepEqual(lines.filter((l) => l.status < 400).map((l) => l.range), ['part 1/4', 'part 2/4', 'part 3/4', 'part 4/4']);

      const stored = path.join(server.dataDir, 'videos', videoId, 'source');
      assert.equal(await sha256File(stored), source.sha256);
    } finally {
      await page.close();
      proxy.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('parallelParts 4: the chunks are shaped for the connections, and a page that sends one at a time continues the same video cut the same way', () =>
    // 40 MiB in chunks of at most 50 MiB for 4 connections: 5 MiB alone, four of 8.5 MiB
    // at once, and 1 MiB last. The proxy holds the third piece to arrive after 1 MiB; the
    // page is reloaded while it is on the wire.
    withProxiedPage(40, 'shaped.mp4', [[3, { holdBodyAfter: MIB }]], async ({ source, proxy, page, token }) => {
      const options = { uploadToken: token, apiHost: proxy.url, resumable: true };
      const logStart = server.logs.length;
      await page.setInputFiles('#file', source.file);
      await startUpload(page, { ...options, parallelParts: 4 });
      await proxy.reached(3, 'held');
      // The first piece's answer brought the video: the page has recorded it.
      const record = await page.evaluate(async () => {
        for (;;) {
          const records = Object.entries(localStorage).filter(([key]) => key.startsWith('wasm-video-uploader:'));
          if (records.length > 0) return records.map(([, value]) => JSON.parse(value));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
      assert.equal(record.length, 1);
      assert.equal(record[0].parallelParts, 4, 'the record says how many went at once');

      await page.goto(`${server.url}/`);
      proxy.release(3);
      // The first page's five pieces (the first, and the four of the middle, one of them cut
      // or whole) end at the server before the second page begins.
      await untilLogged(logStart, token, () => uploadsSince(logStart, token).length >= 5);
      await page.addScriptTag({ path: PROBES });
      const video = await uploadAfterReload(page, source, { ...options, parallelParts: 1 });
      assert.equal(video.videoId, record[0].videoId, 'the same video');

      // Every part landed once, each of the plan for four: six parts, the middle ones of
      // 8.5 MiB, whatever the page that finished sent at once.
      const landed = uploadsSince(logStart, token).filter((upload) => upload.status < 400);
      const parts = landed.map((upload) => upload.range).sort();
      assert.deepEqual(parts, ['part 1/6', 'part 2/6', 'part 3/6', 'part 4/6', 'part 5/6', 'part 6/6'], JSON.stringify(landed));
      const sizes = Object.fromEntries(landed.map((upload) => [upload.range, upload.received]));
      assert.deepEqual([sizes['part 1/6'], sizes['part 2/6'], sizes['part 6/6']], [5 * MIB, 17 * MIB / 2, MIB]);
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
    }));

  test('resumable: after a reload in the middle of an upload, the same video continues and only the missing chunks are sent', () =>
    // The proxy holds chunk 3's body after 1 MiB: the page is reloaded while it is on the wire.
    withProxiedPage(22, 'resumed.mp4', [[3, { holdBodyAfter: MIB }]], async ({ source, proxy, page, token }) => {
      const options = { uploadToken: token, apiHost: proxy.url, chunkSize: 5 * MIB, resumable: true };
      const logStart = server.logs.length;
      await page.setInputFiles('#file', source.file);
      await startUpload(page, options);
      await proxy.reached(3, 'held');
      const before = await page.evaluate(async () => {
        const file = document.getElementById('file').files[0];
        return window.pkg.VideoUploader.findPreviousUploads(file);
      });
      assert.equal(before.length, 1);
      assert.deepEqual([before[0].fileName, before[0].size, before[0].uploadedChunks], ['resumed.mp4', 22 * MIB, 2]);

      // The reload: a new page of the same origin, the same file picked again.
      await page.goto(`${server.url}/`);
      proxy.release(3);
      // The first page's chunk 3 ends at the server (cut, or whole if the browser had sent
      // it all) before the second page begins: a fact, so that the two never overlap.
      await untilLogged(logStart, token, (upload) => upload.range.startsWith('part 3/'));
      await page.addScriptTag({ path: PROBES });
      const video = await uploadAfterReload(page, source, options);
      assert.equal(video.videoId, before[0].videoId, `the same video: ${JSON.stringify({ before, uploads: uploadsSince(logStart, token) })}`);
      assert.deepEqual(await page.evaluate(() => window.pkg.VideoUploader.findPreviousUploads()), [], 'the record goes on success');

      // What reached the server: chunks 1 and 2 once, 3 cut by the reload, then 3, 4, 5.
      const lines = uploadsSince(logStart, token);
      assert.deepEqual(lines.filter((l) => l.status < 400).map((l) => l.range), ['part 1/5', 'part 2/5', 'part 3/5', 'part 4/5', 'part 5/5']);
      const cut = lines.filter((l) => l.status >= 400);
      assert.ok(cut.length <= 1 && cut.every((l) => l.range === 'part 3/5'), JSON.stringify(lines));
      const received = lines.reduce((sum, l) => sum + l.received, 0);
      assert.equal(received, 22 * MIB + cut.reduce((sum, l) => sum + l.received, 0), 'no chunk the server had was sent again');
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
    }));

  for (const [status, why] of [[404, 'deleted through the API'], [403, 'that the token may not write']]) {
    test(`resumable: a recorded video ${why} (${status}) gives way to a new, whole video after a reload, with one warning`, () =>
      withProxiedPage(22, `gone-${status}.mp4`, [[3, { holdBodyAfter: MIB }]], async ({ source, proxy, page, token }) => {
        const options = { uploadToken: token, apiHost: proxy.url, chunkSize: 5 * MIB, resumable: true };
        // A video another token started: this token may not write to it.
        const other = status === 403 ? await page.evaluate(async ({ apiHost, token }) => {
          const file = new File([new Uint8Array(1000)], 'other.mp4');
          return (await new window.pkg.VideoUploader({ file, uploadToken: token, apiHost }).upload()).videoId;
        }, { apiHost: server.url, token: await server.createToken(0) }) : null;
        const logStart = server.logs.length;
        await page.setInputFiles('#file', source.file);
        await startUpload(page, options);
        await proxy.reached(3, 'held');
        const [recorded] = await page.evaluate(() => window.pkg.VideoUploader.findPreviousUploads());
        await page.goto(`${server.url}/`);
        proxy.release(3);
        await untilLogged(logStart, token, (upload) => upload.range.startsWith('part 3/'));
        if (status === 404) {
          await server.deleteVideo(recorded.videoId);
        } else {
          // The record now names the other token's video, as a stale or foreign record would.
          await page.evaluate((other) => {
            const key = Object.keys(localStorage).find((k) => k.startsWith('wasm-video-uploader:'));
            localStorage.setItem(key, JSON.stringify({ ...JSON.parse(localStorage.getItem(key)), videoId: other }));
          }, other);
        }
        await page.evaluate(async () => {
          window.pkg = await import('/pkg/index.js');
        });
        await page.setInputFiles('#file', source.file);
        const { video, warnings } = await page.evaluate(async (options) => {
          const file = document.getElementById('file').files[0];
          const uploader = new window.pkg.VideoUploader({ file, ...options });
          const warnings = [];
          uploader.addEventListener('warning', (event) => warnings.push(event.detail.code));
          return { video: await uploader.upload(), warnings };
        }, options);
        assert.deepEqual(warnings, ['RESUMED_VIDEO_GONE']);
        assert.notEqual(video.videoId, recorded.videoId);
        assert.notEqual(video.videoId, other);
        assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
        assert.deepEqual(await page.evaluate(() => window.pkg.VideoUploader.findPreviousUploads()), [], 'no record is left');
        const refused = uploadsSince(logStart, token).filter((l) => l.status === status);
        assert.equal(refused.length, 1, 'the gone video is tried once');
      }));
  }

  test('resumable: cancel() after a failure (what the element\'s reset does) leaves no record', () =>
    withProxiedPage(22, 'failed.mp4', [[3, { holdBodyAfter: MIB }]], async ({ source, proxy, page, token }) => {
      const options = { uploadToken: token, apiHost: proxy.url, chunkSize: 5 * MIB, resumable: true };
      await page.setInputFiles('#file', source.file);
      await page.evaluate(async (options) => {
        const { UploadQueue } = await import('/pkg/queue.js');
        window.queue = new UploadQueue(options);
        window.queue.add(document.getElementById('file').files[0]);
        window.outcome = window.queue.done();
      }, options);
      await proxy.reached(3, 'held');
      const [recorded] = await page.evaluate(() => window.pkg.VideoUploader.findPreviousUploads());
      // The video goes while chunk 3 is on its way: the upload fails for good.
      await server.deleteVideo(recorded.videoId);
      proxy.release(3);
      const { errors } = await page.evaluate(async () => {
        const { errors } = await window.outcome;
        return { errors: errors.map((e) => e.code) };
      });
      assert.deepEqual(errors, ['NOT_FOUND']);
      assert.equal((await page.evaluate(() => window.pkg.VideoUploader.findPreviousUploads())).length, 1, 'a failed upload keeps its record');
      await page.evaluate(() => window.queue.cancel());
      assert.deepEqual(await page.evaluate(() => window.pkg.VideoUploader.findPreviousUploads()), [], 'cancel() forgets it');
    }));

  test('resumable with parallelParts 4: after a reload, the chunks that landed behind a stuck one count as landed, and none is stored twice', () =>
    // The proxy holds the third request's body after 1 MiB: one of chunks 2 to 5 is stuck
    // while the others land around it; the page is reloaded once every other chunk but the
    // completing one is stored.
    withProxiedPage(60, 'stuck.mp4', [[3, { holdBodyAfter: MIB }]], async ({ source, proxy, page, token }) => {
      const options = { uploadToken: token, apiHost: proxy.url, chunkSize: 5 * MIB, parallelParts: 4, resumable: true };
      const logStart = server.logs.length;
      const accepted = () => uploadsSince(logStart, token);
      await page.setInputFiles('#file', source.file);
      await startUpload(page, options);
      await proxy.reached(3, 'held');
      // A fact, not a time: the server has stored ten chunks (all but the stuck one and the last).
      await untilLogged(logStart, token, () => accepted().filter((l) => l.status < 400).length >= 10);
      const before = await page.evaluate(() => window.pkg.VideoUploader.findPreviousUploads());
      assert.ok(before[0].uploadedChunks <= 4, 'the record counts the leading chunks only');

      await page.goto(`${server.url}/`);
      proxy.release(3);
      // The stuck chunk ends at the server (cut, or whole if the browser had sent it all)
      // before the second page begins, the eleventh request: a fact, so that the two pages'
      // requests never overlap.
      await untilLogged(logStart, token, () => accepted().length >= 11);
      const video = await uploadAfterReload(page, source, options);
      assert.equal(video.videoId, before[0].videoId, `the same video: ${JSON.stringify({ before, uploads: uploadsSince(logStart, token) })}`);

      const lines = accepted();
      const landed = lines.filter((l) => l.status < 400).map((l) => l.range);
      assert.deepEqual([...landed].sort(), Array.from({ length: 12 }, (_, i) => `part ${i + 1}/12`).sort(), JSON.stringify(lines));
      // The second page re-sent the chunks after the stuck one and heard "part already sent".
      const refused = lines.filter((l) => l.status === 400).length;
      assert.ok(refused >= 6, JSON.stringify(lines));
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
    }));

  test("chunkSize 'auto': chunks grow from 5 MiB as they are timed, go as part N/* then N/N, and resume after a reload from the bytes recorded", () =>
    // The proxy holds chunk 3's body after 1 MiB: the page is reloaded while it is on the wire.
    withProxiedPage(60, 'auto.mp4', [[3, { holdBodyAfter: MIB }]], async ({ source, proxy, page, token }) => {
      const options = { uploadToken: token, apiHost: proxy.url, chunkSize: 'auto', resumable: true };
      const logStart = server.logs.length;
      await page.setInputFiles('#file', source.file);
      await page.evaluate((options) => {
        const file = document.getElementById('file').files[0];
        window.progress = [];
        const uploader = new window.pkg.VideoUploader({ file, ...options });
        uploader.addEventListener('progress', ({ detail }) => window.progress.push(detail));
        uploader.upload();
      }, options);
      await proxy.reached(3, 'held');
      const before = await page.evaluate(() => window.pkg.VideoUploader.findPreviousUploads());
      assert.deepEqual([before.length, before[0].uploadedChunks, before[0].chunkSize], [1, 2, 'auto']);
      // Chunk 1 (5 MiB) took well under 10 s over loopback, so chunk 2 doubled; the
      // progress events say so too.
      const sizes = await page.evaluate(() => [...new Set(window.progress.map((p) => p.chunksBytes))]);
      assert.deepEqual(sizes.slice(0, 2), [5 * MIB, 10 * MIB]);

      await page.goto(`${server.url}/`);
      proxy.release(3);
      // The first page's chunk 3 ends at the server (cut, or whole if the browser had sent
      // it all) before the second page begins: a fact, so that the two never overlap.
      await untilLogged(logStart, token, (upload) => upload.range.startsWith('part 3/'));
      const video = await uploadAfterReload(page, source, options);
      assert.equal(video.videoId, before[0].videoId, `the same video: ${JSON.stringify({ before, uploads: uploadsSince(logStart, token) })}`);

      const lines = uploadsSince(logStart, token);
      const landed = lines.filter((l) => l.status < 400);
      const n = landed.length;
      assert.deepEqual(
        landed.map((l) => l.range),
        landed.map((_, i) => (i + 1 < n ? `part ${i + 1}/*` : `part ${n}/${n}`)),
        JSON.stringify(lines),
      );
      // Every chunk but the last is 5 MiB doubled some times, at most 128 MiB. The first two
      // are the first page's; it had doubled the size again when it recorded them, so the
      // reloaded page cuts at 20 MiB, the size of the chunk it may have sent: 15 + 20 + 20
      // and the last 5.
      for (const { received } of landed.slice(0, -1)) {
        assert.ok([5, 10, 20, 40, 80, 128].includes(received / MIB), `${received} bytes`);
      }
      assert.deepEqual(landed.map((l) => l.received / MIB), [5, 10, 20, 20, 5]);
      const cut = lines.filter((l) => l.status >= 400);
      assert.ok(cut.length <= 1 && cut.every((l) => l.range === 'part 3/*'), JSON.stringify(lines));
      const received = lines.reduce((sum, l) => sum + l.received, 0);
      assert.equal(received, 60 * MIB + cut.reduce((sum, l) => sum + l.received, 0), 'no chunk the server had was sent again');
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
    }));

  test('resumable: expired, corrupted and foreign records are swept, storage that fails only warns, cancel forgets', async () => {
    const page = await packagePage();
    const token = await server.createToken(0);
    const result = await page.evaluate(async ({ token, apiHost }) => {
      const { VideoUploader } = window.pkg;
      await VideoUploader.clearPreviousUploads();
      const file = new File([new Uint8Array(6 * 1024 * 1024)], 'kept.mp4', { lastModified: 1 });
      const old = { v: 1, videoId: 'viOld', chunks: 1, chunkSize: null, createdAt: Date.now() - 2 * 86400000, name: 'old.mp4', size: 1, lastModified: 1 };
      localStorage.setItem('wasm-video-uploader:expired', JSON.stringify(old));
      localStorage.setItem('wasm-video-uploader:corrupted', '{not json');
      localStorage.setItem('wasm-video-uploader:foreign', JSON.stringify({ ...old, createdAt: Date.now(), videoId: '../../x' }));
      localStorage.setItem('someone-else', 'untouched');
      const swept = await VideoUploader.findPreviousUploads();
      const left = Object.keys(localStorage).sort();

      // Bad options are typed errors.
      const bad = [{ resumable: 'yes' }, { resumable: true, resumableExpiry: -1 }].map((extra) => {
        try {
          new VideoUploader({ file, uploadToken: token, apiHost, ...extra });
          return null;
        } catch (error) {
          return error.code;
        }
      });

      // Storage that throws: the upload goes on, with one warning.
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = () => {
        throw new DOMException('full', 'QuotaExceededError');
      };
      const warnings = [];
      let video;
      try {
        const uploader = new VideoUploader({ file, uploadToken: token, apiHost, chunkSize: 5 * 1024 * 1024, resumable: true });
        uploader.addEventListener('warning', (e) => warnings.push(e.detail.code));
        video = await uploader.upload();
      } finally {
        Storage.prototype.setItem = setItem;
      }

      // A cancelled upload is forgotten.
      const cancelled = new VideoUploader({ file, uploadToken: token, apiHost, chunkSize: 5 * 1024 * 1024, resumable: true });
      cancelled.addEventListener('chunk', () => cancelled.cancel());
      const outcome = await cancelled.upload().catch((error) => error.code);
      return { swept, left, bad, warnings, uploaded: !!video?.videoId, outcome, afterCancel: await VideoUploader.findPreviousUploads(file) };
    }, { token, apiHost: server.url });
    assert.deepEqual(result.swept, []);
    assert.deepEqual(result.left, ['someone-else'], 'only our records are swept');
    assert.deepEqual(result.bad, ['OPTION_INVALID', 'OPTION_INVALID']);
    assert.deepEqual(result.warnings, ['RESUME_UNAVAILABLE']);
    assert.equal(result.uploaded, true);
    assert.equal(result.outcome, 'ABORTED');
    assert.deepEqual(result.afterCancel, []);
    await page.close();
  });

  test('resumable: the same file uploading twice at once in one page goes into two videos, both whole', async () => {
    const page = await packagePage();
    const token = await server.createToken(0);
    const videos = await page.evaluate(async ({ token, apiHost }) => {
      await window.pkg.VideoUploader.clearPreviousUploads();
      const bytes = new Uint8Array(12 * 1024 * 1024).map((_, i) => (i * 7) & 255);
      const file = new File([bytes], 'twice.mp4', { lastModified: 2 });
      const options = { file, uploadToken: token, apiHost, chunkSize: 5 * 1024 * 1024, resumable: true };
      const first = new window.pkg.VideoUploader(options);
      const second = new window.pkg.VideoUploader(options);
      // The second starts once the first has a record.
      const started = new Promise((resolve) => first.addEventListener('chunk', resolve, { once: true }));
      const one = first.upload();
      await started;
      const two = second.upload();
      return (await Promise.all([one, two])).map((video) => video.videoId);
    }, { token, apiHost: server.url });
    assert.notEqual(videos[0], videos[1]);
    for (const videoId of videos) {
      const stored = await sha256File(path.join(server.dataDir, 'videos', videoId, 'source'));
      const { createHash } = await import('node:crypto');
      const expected = createHash('sha256').update(Buffer.from(new Uint8Array(12 * MIB).map((_, i) => (i * 7) & 255))).digest('hex');
      assert.equal(stored, expected);
    }
    await page.close();
  });

  test('resumable with an API key: the API says which chunks it has, so a chunk stored after the record was last written is not sent again', () =>
    // Chunk 3 is stored, but its answer is held: the page goes before it can record it.
    withProxiedPage(22, 'status.mp4', [[3, { holdAnswer: true }]], async ({ source, proxy, page, token }) => {
      const container = await server.createVideo('status');
      const options = { apiKey: server.apiKey, videoId: container.videoId, apiHost: proxy.url, chunkSize: 5 * MIB, resumable: true };
      const logStart = server.logs.length;
      const lines = () => uploadsSince(logStart, container.videoId);
      await page.setInputFiles('#file', source.file);
      await startUpload(page, options);
      await proxy.reached(3, 'answered');
      const before = await page.evaluate(() => window.pkg.VideoUploader.findPreviousUploads());
      assert.equal(before[0].uploadedChunks, 2, 'the record does not know chunk 3 landed');

      await page.goto(`${server.url}/`);
      proxy.release(3);
      const video = await uploadAfterReload(page, source, options);
      assert.equal(video.videoId, container.videoId);
      assert.deepEqual(lines().map((l) => `${l.range} ${l.status < 400}`), [1, 2, 3, 4, 5].map((n) => `part ${n}/5 true`), 'each chunk once, none refused');
      assert.ok(proxy.requests.some((r) => r.method === 'GET' && r.path === `/videos/${container.videoId}/status`), 'the status was read');
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
    }));

  test('parallelParts: 4 chunks at once after the first, the completing one last, a pause across them, byte-identical', async () => {
    const source = randomFile(58 * MIB, 'parallel.mp4');
    // The proxy holds chunk 2's body after 1 MiB: the chunks after it must go meanwhile.
    const proxy = await startProxy(server.url);
    proxy.rule(2, { holdBodyAfter: MIB });
    const page = await packagePage();
    try {
      const token = await server.createToken(0);
      await page.setInputFiles('#file', source.file);
      const logStart = server.logs.length;
      await page.evaluate(({ token, apiHost }) => {
        const file = document.getElementById('file').files[0];
        const uploader = new window.pkg.VideoUploader({ file, uploadToken: token, apiHost, chunkSize: 5 * 1024 * 1024, parallelParts: 4 });
        window.uploader = uploader;
        window.progress = [];
        window.chunks = [];
        uploader.addEventListener('progress', (e) => window.progress.push(e.detail.uploadedBytes));
        uploader.addEventListener('chunk', (e) => window.chunks.push([e.detail.chunk, e.detail.leadingChunks]));
        window.outcome = uploader.upload();
      }, { token, apiHost: proxy.url });
      // Pieces 3, 4 and 5 reach the server while piece 2 is held on the wire.
      await proxy.reached(2, 'held');
      for (const n of [3, 4, 5]) await proxy.reached(n, 'answered');
      // A pause now gives up chunk 2 (its body has not all left); resume sends it again.
      assert.equal(await page.evaluate(() => (window.uploader.pause(), window.uploader.paused)), true);
      proxy.release(2);
      await page.evaluate(() => window.uploader.resume());
      const video = await page.evaluate(() => window.outcome);

      const ranges = proxy.requests.filter((r) => r.method === 'POST').map((r) => r.headers['content-range']);
      assert.equal(ranges.at(-1), 'part 12/12', 'the completing chunk goes last');
      assert.equal(ranges.filter((r) => r === 'part 12/12').length, 1);
      const stored = server.logs
        .slice(logStart)
        .map((line) => line.match(/ upload token=\S+ content_range="([^"]*)" .* status=(2\d\d)/))
        .filter(Boolean)
        .map(([, range]) => range);
      assert.deepEqual([...stored].sort(), Array.from({ length: 12 }, (_, i) => `part ${i + 1}/12`).sort(), 'each chunk stored once');
      const progress = await page.evaluate(() => window.progress);
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i] >= progress[i - 1], 'progress never goes back');
      assert.equal(progress.at(-1), 58 * MIB);
      const chunks = await page.evaluate(() => window.chunks);
      assert.ok(chunks.some(([chunk, leading]) => leading < chunk), 'chunks landed out of order');
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
    } finally {
      await page.close();
      proxy.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('onPlayable fires once the manifest is ready, as the official uploader polls it', async () => {
    const page = await packagePage();
    const token = await server.createToken(0);
    const result = await page.evaluate(async ({ token, apiHost }) => {
      const uploader = new window.pkg.VideoUploader({ file: new File(['playable'], 'p.mp4'), uploadToken: token, apiHost });
      const playable = new Promise((resolve) => uploader.onPlayable(resolve));
      const video = await uploader.upload();
      const played = await playable;
      const manifest = await fetch(video.assets.hls);
      return { uploaded: video.videoId, played: played.videoId, status: manifest.status, body: await manifest.text() };
    }, { token, apiHost: server.url });
    assert.equal(result.played, result.uploaded);
    assert.equal(result.status, 200);
    assert.match(result.body, /^#EXTM3U/);
    await page.close();
  });

  test('ProgressiveUploader fed 1 MiB blobs sends parts of at least 5 MiB, part N/* then N/N, identical bytes', async () => {
    const page = await packagePage();
    const logStart = server.logs.length;
    const token = await server.createToken(0);
    const blobs = 13;
    const lastSize = MIB / 2;
    const total = (blobs - 1) * MIB + lastSize;
    const result = await page.evaluate(async ({ token, apiHost, blobs, lastSize, MIB }) => {
      // A generated stream: byte i of the whole is (i * 31 + (i >> 13)) & 255.
      let offset = 0;
      const nextBlob = (size) => {
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++) bytes[i] = ((offset + i) * 31 + ((offset + i) >> 13)) & 255;
        offset += size;
        return new Blob([bytes]);
      };
      const uploader = new window.pkg.ProgressiveUploader({ uploadToken: token, apiHost, videoName: 'stream.webm' });
      const progress = [];
      uploader.onProgress((p) => progress.push(p));
      const answers = [];
      for (let i = 0; i < blobs - 1; i++) answers.push(await uploader.uploadPart(nextBlob(MIB)));
      const video = await uploader.uploadLastPart(nextBlob(lastSize));
      let smallThrows = null;
      try {
        new window.pkg.ProgressiveUploader({ uploadToken: token, apiHost, mergeSmallPartsBeforeUpload: false }).uploadPart(new Blob([new Uint8Array(1024)]));
      } catch (error) {
        smallThrows = error.message;
      }
      return { video, answers: answers.map((a) => a?.videoId ?? null), progress, smallThrows };
    }, { token, apiHost: server.url, blobs, lastSize, MIB });

    assert.deepEqual(rangesSince(logStart, token), ['part 1/*', 'part 2/*', 'part 3/3']);
    // uploadPart resolves with the answer when its blob completed a part, else with nothing.
    assert.deepEqual(result.answers.map((a) => a !== null), [false, false, false, false, true, false, false, false, false, true, false, false]);
    assert.equal(result.video.title, 'stream.webm');
    const parts = new Map();
    for (const p of result.progress) parts.set(p.part, p.totalBytes);
    assert.deepEqual([...parts.entries()], [[1, 5 * MIB], [2, 5 * MIB], [3, 2 * MIB + lastSize]]);
    assert.ok(result.progress.every((p) => p.uploadedBytes <= p.totalBytes));
    assert.equal(result.smallThrows, 'Each part must have a minimal size of 5MB. The current part has a size of 0.0009765625MB.');

    const expected = Buffer.alloc(total);
    for (let i = 0; i < total; i++) expected[i] = (i * 31 + (i >> 13)) & 255;
    const stored = path.join(server.dataDir, 'videos', result.video.videoId, 'source');
    const { createHash } = await import('node:crypto');
    assert.equal(await sha256File(stored), createHash('sha256').update(expected).digest('hex'));
    await page.close();
  });

  test('a token provider is asked at the start and once more when its token is withdrawn mid-upload: the upload carries on into the same video', async () => {
    const page = await packagePage();
    const logStart = server.logs.length;
    const tokens = [await server.createToken(0), await server.createToken(0)];
    const videosBefore = await server.videoCount();
    const size = 16 * MIB;
    const result = await page.evaluate(async ({ tokens, apiHost, apiKey, size, MIB }) => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 13)) & 255;
      let asked = 0;
      // What an app's backend call returns: a fresh token each time.
      const uploadToken = async () => tokens[asked++];
      const uploader = new window.pkg.VideoUploader({ file: new File([bytes], 'provided.mp4'), uploadToken, apiHost, chunkSize: 5 * MIB });
      const events = [];
      for (const type of ['chunk', 'error', 'retry']) uploader.addEventListener(type, (e) => events.push(type === 'chunk' ? `chunk ${e.detail.chunk}` : type));
      // Once chunk 1 has landed (before chunk 2 goes), the backend withdraws the first token.
      uploader.addEventListener('chunk', (e) => {
        if (e.detail.chunk !== 1) return;
        uploader.pause();
        fetch(`${apiHost}/upload-tokens/${tokens[0]}`, { method: 'DELETE', headers: { Authorization: `Basic ${btoa(`${apiKey}:`)}` } }).then(() => uploader.resume());
      });
      const video = await uploader.upload();
      return { videoId: video.videoId, asked, events };
    }, { tokens, apiHost: server.url, apiKey: server.apiKey, size, MIB });

    assert.equal(result.asked, 2, 'asked at the start, and once after the refusal');
    assert.deepEqual(result.events, ['chunk 1', 'chunk 2', 'chunk 3', 'chunk 4'], 'no error event: the refusal was taken in hand');
    const which = { [loggedToken(tokens[0])]: 'first', [loggedToken(tokens[1])]: 'second' };
    const lines = server.uploads(logStart).map((upload) => `${which[upload.token] ?? upload.token} ${upload.range} ${upload.status}`);
    assert.deepEqual(lines, ['first part 1/4 200', 'first part 2/4 401', 'second part 2/4 200', 'second part 3/4 200', 'second part 4/4 201']);
    assert.equal(await server.videoCount(), videosBefore + 1, "one video");
    const expected = Buffer.alloc(size);
    for (let i = 0; i < size; i++) expected[i] = (i * 31 + (i >> 13)) & 255;
    const { createHash } = await import('node:crypto');
    assert.equal(await sha256File(path.join(server.dataDir, 'videos', result.videoId, 'source')), createHash('sha256').update(expected).digest('hex'));
    await page.close();
  });

  test('a token provider that fails, or gives the refused token again, ends the upload with a stable code; streams take no provider', async () => {
    const page = await packagePage();
    const withdrawn = await server.createToken(0);
    await server.deleteToken(withdrawn);
    const result = await page.evaluate(async ({ withdrawn, apiHost }) => {
      const file = new File([new Uint8Array(1000)], 'p.mp4');
      const outcome = async (uploadToken) => {
        let asked = 0;
        const uploader = new window.pkg.VideoUploader({ file, apiHost, uploadToken: () => (asked++, uploadToken()) });
        const errors = [];
        uploader.addEventListener('error', (e) => errors.push(e.detail.code));
        try {
          await uploader.upload();
          return { ok: true };
        } catch (error) {
          return { code: error.code, status: error.status, message: error.message, asked, errors, isError: error instanceof window.pkg.UploadError };
        }
      };
      let streamError = null;
      try {
        new window.pkg.ProgressiveUploader({ uploadToken: () => withdrawn, apiHost });
      } catch (error) {
        streamError = { code: error.code, message: error.message };
      }
      // cancel() while upload() is still getting ready (the provider has not answered): the
      // upload ends there, ABORTED, and never starts once the token comes.
      let answer;
      const waiting = new window.pkg.VideoUploader({ file, apiHost, uploadToken: () => new Promise((resolve) => (answer = resolve)) });
      const cancelledEvents = [];
      waiting.addEventListener('error', (e) => cancelledEvents.push(e.detail.code));
      const pending = waiting.upload().then(() => 'uploaded', (error) => error.code);
      // The fact waited on: the provider has been asked.
      while (!answer) await new Promise((resolve) => setTimeout(resolve, 5));
      waiting.cancel();
      answer(withdrawn);
      const cancelled = { outcome: await pending, events: cancelledEvents, started: window.started.filter((s) => s.includes('/upload')).length };
      // cancel() while the provider is asked to replace a refused token: ABORTED, once; the
      // token that comes later starts nothing, and upload() may be called again.
      let replace;
      let asks = 0;
      const renewing = new window.pkg.VideoUploader({ file, apiHost, uploadToken: () => (++asks === 2 ? new Promise((resolve) => (replace = resolve)) : withdrawn) });
      const renewingEvents = [];
      renewing.addEventListener('error', (e) => renewingEvents.push(e.detail.code));
      const first = renewing.upload().then(() => 'uploaded', (error) => error.code);
      while (!replace) await new Promise((resolve) => setTimeout(resolve, 5));
      renewing.cancel();
      const sentBefore = window.started.filter((s) => s.includes('/upload')).length;
      replace('to1neverused');
      const firstOutcome = await first;
      // The token came after the cancel: nothing was started with it (a start would be
      // synchronous with the token's arrival, so one turn of the loop shows it).
      await new Promise((resolve) => setTimeout(resolve));
      const startedAfterCancel = window.started.filter((s) => s.includes('/upload')).length - sentBefore;
      const again = await renewing.upload().then(() => 'uploaded', (error) => error.code);
      const cancelledWhileRenewing = { outcome: firstOutcome, events: renewingEvents, startedAfterCancel, again };
      return {
        cancelled,
        cancelledWhileRenewing,
        throws: await outcome(() => Promise.reject(new Error('the backend is down'))),
        empty: await outcome(() => ''),
        same: await outcome(() => withdrawn),
        streamError,
      };
    }, { withdrawn, apiHost: server.url });
    assert.deepEqual(result.cancelled, { outcome: 'ABORTED', events: ['ABORTED'], started: 0 });
    // The second upload() runs (not stuck "in progress"): asked again, the provider gives the
    // withdrawn token, which the server refuses, and the refused token given again ends it.
    assert.deepEqual(result.cancelledWhileRenewing, { outcome: 'ABORTED', events: ['ABORTED', 'UNAUTHORIZED'], startedAfterCancel: 0, again: 'UNAUTHORIZED' });
    assert.deepEqual(result.throws, { code: 'TOKEN_PROVIDER_FAILED', message: 'The upload token provider failed: the backend is down', asked: 1, errors: [], isError: true });
    assert.equal(result.empty.message, 'The upload token provider failed: it gave an empty token, not a token');
    // Refused, asked again, the same token given: the refusal ends it, once, as one error event.
    assert.deepEqual(result.same, { code: 'UNAUTHORIZED', status: 401, message: result.same.message, asked: 2, errors: ['UNAUTHORIZED'], isError: true });
    assert.deepEqual(result.streamError, { code: 'OPTION_INVALID', message: "Invalid 'uploadToken' option: expected a string" });
    await page.close();
  });

  test('maxVideoDuration reads the duration from the media metadata', async () => {
    const page = await packagePage();
    const token = await server.createToken(0);
    const result = await page.evaluate(async ({ token, apiHost }) => {
      // A 3-second 8 kHz mono 8-bit WAV: a media file the <video> element reads a duration from.
      const seconds = 3;
      const rate = 8000;
      const samples = rate * seconds;
      const wav = new DataView(new ArrayBuffer(44 + samples));
      const text = (offset, value) => [...value].forEach((c, i) => wav.setUint8(offset + i, c.charCodeAt(0)));
      text(0, 'RIFF'); wav.setUint32(4, 36 + samples, true); text(8, 'WAVE');
      text(12, 'fmt '); wav.setUint32(16, 16, true); wav.setUint16(20, 1, true); wav.setUint16(22, 1, true);
      wav.setUint32(24, rate, true); wav.setUint32(28, rate, true); wav.setUint16(32, 1, true); wav.setUint16(34, 8, true);
      text(36, 'data'); wav.setUint32(40, samples, true);
      for (let i = 0; i < samples; i++) wav.setUint8(44 + i, 128 + Math.round(100 * Math.sin(i / 10)));
      const file = new File([wav.buffer], 'three-seconds.wav', { type: 'audio/wav' });
      const attempt = async (maxVideoDuration) => {
        try {
          const video = await new window.pkg.VideoUploader({ file, uploadToken: token, apiHost, maxVideoDuration }).upload();
          return { ok: video.videoId };
        } catch (error) {
          return { message: error.message, code: error.code };
        }
      };
      const notMedia = new File(['not a video'], 'x.mp4');
      const unknown = await new window.pkg.VideoUploader({ file: notMedia, uploadToken: token, apiHost, maxVideoDuration: 1 }).upload();
      return { tooLong: await attempt(2), fits: await attempt(4), unknown: unknown.videoId };
    }, { token, apiHost: server.url });
    assert.deepEqual(result.tooLong, { message: 'The submitted video is too long.', code: 'VIDEO_TOO_LONG' });
    assert.match(result.fits.ok, /^vi/);
    assert.match(result.unknown, /^vi/, 'no readable duration: the upload goes ahead');
    await page.close();
  });

  test('UploaderStaticWrapper: the official static API, JSON results, Error(title) failures', async () => {
    const page = await packagePage();
    const token = await server.createToken(0);
    const result = await page.evaluate(async ({ token, apiHost }) => {
      const W = window.pkg.UploaderStaticWrapper;
      W.setApiHost(apiHost);
      // Cancelled while its code loads (the first call loads it): it never begins.
      const early = W.uploadWithUploadToken(new File([new Uint8Array(1000)], 'early.mp4'), token, 'Early', null);
      W.cancelAll();
      const cancelled = await early.then(() => null, (error) => error.message);
      W.setApplicationName('static-app', '1.0');
      W.setChunkSize(5);
      const progress = [];
      const json = await W.uploadWithUploadToken(new File([new Uint8Array(6 * 1024 * 1024)], 'static.mp4'), token, 'Static title', (p) => progress.push(p));
      W.createProgressiveUploadWithUploadTokenSession('s1', token, '');
      const partProgress = [];
      const first = await W.uploadPart('s1', new Blob([new Uint8Array(5 * 1024 * 1024)]), (p) => partProgress.push(p));
      const last = await W.uploadLastPart('s1', new Blob([new Uint8Array(1000)]), (p) => partProgress.push(p));
      W.disposeProgressiveUploadSession('s1');
      let failure = null;
      try {
        await W.uploadWithUploadToken(new File(['x'], 'x.mp4'), 'toInvalid0000000000000000', 'x', null);
      } catch (error) {
        failure = { isError: error instanceof Error, message: error.message };
      }
      return { json, progress, first, last, partProgress, failure, cancelled };
    }, { token, apiHost: server.url });
    assert.equal(typeof result.json, 'string');
    const video = JSON.parse(result.json);
    assert.equal(video.title, 'Static title');
    assert.ok(result.progress.length > 0 && result.progress.every((p) => p >= 0 && p <= 1));
    assert.equal(result.progress.at(-1), 1);
    assert.match(JSON.parse(result.first).videoId, /^vi/);
    assert.equal(JSON.parse(result.last).videoId, JSON.parse(result.first).videoId);
    assert.ok(result.partProgress.every((p) => p >= 0 && p <= 1));
    assert.deepEqual(result.failure, { isError: true, message: 'The upload token is invalid or expired.' });
    assert.equal(result.cancelled, 'ABORTED');
    await page.close();
  });
});
