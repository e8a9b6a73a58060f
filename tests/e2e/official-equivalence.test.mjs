// The behaviours the official @api.video/video-uploader 1.1.6 test suite checks, in this
// project's words, run against the official package and against ours in the same page.
// Like the official suite, the requests go to a scripted double of XMLHttpRequest (xhr-mock,
// which app test suites use) that answers `{}` unless a check scripts otherwise, so the
// checks prove that an app's own tests, written against the official uploader, keep
// passing after the one-line switch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, projectDir } from '../support/server.mjs';
import { launchBrowser, blankPage, BLANK_WWW } from '../support/browser.mjs';

const OFFICIAL = path.join(projectDir, 'node_modules/@api.video/video-uploader/dist/index.js');
const XHR_MOCK = path.join(projectDir, 'node_modules/xhr-mock/dist/xhr-mock.js');
const MIB = 1024 * 1024;
let server;
let browser;
let page;

before(async () => {
  server = await startServer({ extraArgs: ['--www', BLANK_WWW] });
  browser = await launchBrowser();
  page = await blankPage(browser, server.url);
  // The official UMD bundle defines its exports on window; so does xhr-mock's.
  await page.addScriptTag({ path: OFFICIAL });
  await page.addScriptTag({ path: XHR_MOCK });
  await page.evaluate(async () => {
    const ours = await import('/pkg/index.js');
    await ours.default();
    window.implementations = {
      official: { VideoUploader: window.VideoUploader, ProgressiveUploader: window.ProgressiveUploader },
      ours: { VideoUploader: ours.VideoUploader, ProgressiveUploader: ours.ProgressiveUploader },
    };
    // The double: xhr-mock 2.5, as app test suites install it. It records each request and
    // answers what `FakeXhr.script(request)` says (`201 {}` by default), asynchronously.
    const FakeXhr = { requests: [], script: () => ({ status: 201, body: '{}' }) };
    XHRMock.setup();
    XHRMock.use((req, res) => {
      const body = req.body();
      const form = body instanceof FormData ? [...body.entries()].map(([k, v]) => (typeof v === 'string' ? [k, v] : [k, v.name, v.size])) : null;
      // xhr-mock keeps header names in lower case; the checks read them as they were set.
      const headers = new Proxy(req.headers(), { get: (target, key) => target[String(key).toLowerCase()] });
      const request = { method: req.method(), url: req.url().toString(), headers, form, json: form ? null : body };
      FakeXhr.requests.push(request);
      const { status, body: text } = FakeXhr.script(request);
      return res.status(status).body(text);
    });
    window.FakeXhr = FakeXhr;
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Runs `check` (a function of the implementation) in the page for both implementations. */
async function both(check, argument) {
  const results = {};
  for (const name of ['official', 'ours']) {
    results[name] = await page.evaluate(
      async ({ name, check, argument }) => {
        window.FakeXhr.requests = [];
        window.FakeXhr.script = () => ({ status: 201, body: '{}' });
        const run = new Function('impl', 'FakeXhr', 'argument', `return (${check})(impl, FakeXhr, argument);`);
        return run(window.implementations[name], window.FakeXhr, argument);
      },
      { name, check: check.toString(), argument },
    );
  }
  return results;
}

test('a 17,000,000-byte file in 5 MiB chunks is part 1/4 … part 4/4', async () => {
  const results = await both(async ({ VideoUploader }, FakeXhr) => {
    const file = new File([new Uint8Array(17_000_000)], 'f.mp4');
    await new VideoUploader({ file, uploadToken: 'to1', chunkSize: 5 * 1024 * 1024 }).upload();
    return FakeXhr.requests.map((r) => r.headers['Content-Range']);
  });
  for (const ranges of Object.values(results)) assert.deepEqual(ranges, ['part 1/4', 'part 2/4', 'part 3/4', 'part 4/4']);
});

test('an access token and the origins are sent as headers', async () => {
  const results = await both(async ({ VideoUploader }, FakeXhr) => {
    const file = new File([new Uint8Array(10)], 'f.mp4');
    const origin = { application: { name: 'app', version: '1.2.3' }, sdk: { name: 'sdk', version: '4.5' } };
    await new VideoUploader({ file, accessToken: 'at1', videoId: 'vi1', origin }).upload();
    const { headers, url } = FakeXhr.requests[0];
    const client = headers['AV-Origin-Client'].split(':')[0];
    return { client, authorization: headers.Authorization, app: headers['AV-Origin-App'], sdk: headers['AV-Origin-Sdk'], path: new URL(url).pathname };
  });
  // Each implementation names itself: the two runs are of two different uploaders.
  assert.equal(results.official.client, 'typescript-uploader');
  assert.equal(results.ours.client, 'wasm-video-uploader');
  for (const { client, ...result } of Object.values(results)) {
    assert.deepEqual(result, { authorization: 'Bearer at1', app: 'app:1.2.3', sdk: 'sdk:4.5', path: '/videos/vi1/source' });
  }
});

test('a 401 renews the access token with the refresh token and sends the chunk again', async () => {
  const results = await both(async ({ VideoUploader }, FakeXhr) => {
    FakeXhr.script = (request) => {
      if (request.url.endsWith('/auth/refresh')) return { status: 200, body: JSON.stringify({ access_token: 'at2', refresh_token: 'rt2' }) };
      return request.headers.Authorization === 'Bearer at1' ? { status: 401, body: '{}' } : { status: 201, body: '{}' };
    };
    const file = new File([new Uint8Array(10)], 'f.mp4');
    await new VideoUploader({ file, accessToken: 'at1', refreshToken: 'rt1', videoId: 'vi1' }).upload();
    return FakeXhr.requests.map((r) => [new URL(r.url).pathname, r.headers.Authorization ?? null, r.json && JSON.parse(r.json)]);
  });
  for (const requests of Object.values(results)) {
    assert.deepEqual(requests, [
      ['/videos/vi1/source', 'Bearer at1', null],
      ['/auth/refresh', null, { refreshToken: 'rt1' }],
      ['/videos/vi1/source', 'Bearer at2', null],
    ]);
  }
});

test('videoId and videoName go in the form, the id before the file', async () => {
  const results = await both(async ({ VideoUploader }, FakeXhr) => {
    const file = new File([new Uint8Array(10)], 'f.mp4');
    await new VideoUploader({ file, uploadToken: 'to1', videoId: 'vi9', videoName: 'Named' }).upload();
    return FakeXhr.requests[0].form;
  });
  for (const form of Object.values(results)) assert.deepEqual(form, [['videoId', 'vi9'], ['file', 'Named', 10]]);
});

test('the last progress event of a three-chunk upload', async () => {
  const size = 12 * MIB + 5;
  const results = await both(async ({ VideoUploader }, FakeXhr, size) => {
    const file = new File([new Uint8Array(size)], 'f.mp4');
    const uploader = new VideoUploader({ file, uploadToken: 'to1', chunkSize: 5 * 1024 * 1024 });
    const events = [];
    uploader.onProgress((e) => events.push(e));
    await uploader.upload();
    const last = events.at(-1);
    const official = ['uploadedBytes', 'totalBytes', 'chunksCount', 'chunksBytes', 'currentChunk', 'currentChunkUploadedBytes'];
    return Object.fromEntries(official.map((key) => [key, last[key]]));
  }, size);
  assert.deepEqual(results.ours, { uploadedBytes: size, totalBytes: size, chunksCount: 3, chunksBytes: 5 * MIB, currentChunk: 3, currentChunkUploadedBytes: 2 * MIB + 5 });
  // The official counts progress from the double's upload events, which xhr-mock reports as
  // 0 of 0 for a FormData body: it never reaches the file's size (the README's table says so).
  const { uploadedBytes, ...rest } = results.official;
  assert.ok(uploadedBytes < size, `the official's last progress: ${uploadedBytes}`);
  assert.deepEqual(rest, { totalBytes: size, chunksCount: 3, chunksBytes: 5 * MIB, currentChunk: 3, currentChunkUploadedBytes: results.official.currentChunkUploadedBytes });
});

test('a custom retryStrategy is asked with the retry count and the error, and decides', async () => {
  const results = await both(async ({ VideoUploader }, FakeXhr) => {
    let answered = 0;
    FakeXhr.script = () => (++answered <= 2 ? { status: 500, body: '{"title":"down"}' } : { status: 201, body: '{}' });
    const asked = [];
    const file = new File([new Uint8Array(10)], 'f.mp4');
    const retryStrategy = (count, error) => {
      asked.push([count, error.status, error.title]);
      return 1;
    };
    await new VideoUploader({ file, uploadToken: 'to1', retryStrategy }).upload();
    return { asked, requests: FakeXhr.requests.length };
  });
  for (const result of Object.values(results)) {
    assert.deepEqual(result, { asked: [[0, 500, 'down'], [1, 500, 'down']], requests: 3 });
  }
});

test("a chunk's failure rejects with the status, the raw body and every field of the problem", async () => {
  const results = await both(async ({ VideoUploader }, FakeXhr) => {
    FakeXhr.script = () => ({ status: 400, body: '{"error":"oups","title":"Bad"}' });
    const file = new File([new Uint8Array(10)], 'f.mp4');
    try {
      await new VideoUploader({ file, uploadToken: 'to1' }).upload();
      return null;
    } catch (error) {
      return { status: error.status, raw: error.raw, error: error.error, title: error.title, undefinedKeys: Object.keys(error).filter((k) => error[k] === undefined) };
    }
  });
  for (const error of Object.values(results)) {
    assert.deepEqual(error, { status: 400, raw: '{"error":"oups","title":"Bad"}', error: 'oups', title: 'Bad', undefinedKeys: [] });
  }
});

test('progressive parts: 5 MiB parts as part N/*, the last as part N/N', async () => {
  const results = await both(async ({ ProgressiveUploader }, FakeXhr) => {
    const uploader = new ProgressiveUploader({ uploadToken: 'to1' });
    await uploader.uploadPart(new Blob([new Uint8Array(5 * 1024 * 1024)]));
    await uploader.uploadPart(new Blob([new Uint8Array(6 * 1024 * 1024)]));
    await uploader.uploadLastPart(new Blob([new Uint8Array(3)]));
    return FakeXhr.requests.map((r) => [r.headers['Content-Range'], r.form.at(-1)[2]]);
  });
  for (const parts of Object.values(results)) {
    assert.deepEqual(parts, [['part 1/*', 5 * MIB], ['part 2/*', 6 * MIB], ['part 3/3', 3]]);
  }
});

test('ours only: an answer without videoId warns once, and later chunks go without one, as the official sends them', async () => {
  const result = await page.evaluate(async () => {
    window.FakeXhr.requests = [];
    window.FakeXhr.script = () => ({ status: 201, body: '{}' });
    const file = new File([new Uint8Array(12 * 1024 * 1024)], 'f.mp4');
    const uploader = new window.implementations.ours.VideoUploader({ file, uploadToken: 'to1', chunkSize: 5 * 1024 * 1024 });
    const warnings = [];
    uploader.addEventListener('warning', (e) => warnings.push(e.detail.code));
    const video = await uploader.upload();
    return { warnings, ids: window.FakeXhr.requests.map((r) => r.form.find(([k]) => k === 'videoId') ?? null), video };
  });
  assert.deepEqual(result.warnings, ['VIDEO_ID_MISSING_IN_RESPONSE']);
  assert.deepEqual(result.ids, [null, null, null]);
  assert.deepEqual(result.video, {});
});

test("ours only: an error body's __proto__, constructor and prototype keys are ignored, and the error stays an Error", async () => {
  const result = await page.evaluate(async () => {
    window.FakeXhr.requests = [];
    const body = '{"__proto__":{"polluted":true},"constructor":"x","prototype":"y","title":"Refused","status":400,"detail":null}';
    window.FakeXhr.script = () => ({ status: 400, body });
    const file = new File([new Uint8Array(10)], 'f.mp4');
    try {
      await new window.implementations.ours.VideoUploader({ file, uploadToken: 'to1' }).upload();
      return null;
    } catch (error) {
      return {
        isError: error instanceof Error,
        hasMessage: typeof error.message === 'string' && error.message.length > 0,
        polluted: error.polluted ?? null,
        ownKeys: Object.keys(error).sort(),
        title: error.title,
        code: error.code,
        constructorIsClass: error.constructor === window.implementations.ours.VideoUploader.prototype.constructor ? 'uploader' : typeof error.constructor,
        plainObjectsClean: ({}).polluted === undefined,
      };
    }
  });
  assert.deepEqual(result, {
    isError: true,
    hasMessage: true,
    polluted: null,
    ownKeys: ['code', 'detail', 'raw', 'status', 'title'],
    title: 'Refused',
    code: 'BAD_REQUEST',
    constructorIsClass: 'function',
    plainObjectsClean: true,
  });
});
