// The drop-in page served by upload-server: real file, real server, real storage. Nothing on
// the HTTP path is mocked. The uploads run in Chromium, Firefox and WebKit (one body per
// test, the engine a parameter); the screenshots and the keyboard walk use Playwright's
// Chromium, whose full-page shots and file-chooser hook WebDriver lacks.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, projectDir } from '../support/server.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { eachEngine } from '../support/engines.mjs';
import { startProxy } from '../support/proxy.mjs';
import { randomFile, sha256File } from '../support/files.mjs';

const MIB = 1024 * 1024;
let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

/** Opens the page in `browser` and records the element's events (on the element: they do not bubble). */
async function openPage(browser, url) {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => customElements.get('video-uploader') !== undefined);
  await page.evaluate(() => {
    // What the page's Content-Security-Policy refuses (nothing, but what a test injects on
    // purpose).
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
    window.progressEvents = [];
    window.outcomes = [];
    const element = document.querySelector('video-uploader');
    element.addEventListener('progress', (e) => window.progressEvents.push({ ...e.detail, file: undefined }));
    element.addEventListener('success', (e) => window.outcomes.push({ ok: true, video: { ...e.detail, file: undefined } }));
    element.addEventListener('error', (e) => window.outcomes.push({ ok: false, error: { ...e.detail, file: undefined, message: e.detail.message } }));
  });
  return { page };
}

/** Opens the page, sets the chunk size, picks `files` and waits for each outcome; the
 * Content-Range of each upload request, as the server received them. */
async function uploadThroughPage(browser, url, files, chunkSizeMib) {
  const logStart = uploadLogLines().length;
  const { page } = await openPage(browser, url);
  await page.click('summary');
  await page.fill('#chunk-size', String(chunkSizeMib));
  const list = [files].flat();
  await page.setInputFiles('video-uploader input[type=file]', list);
  await page.waitForFunction((n) => window.outcomes.length === n, list.length);
  const outcomes = await page.evaluate(() => window.outcomes);
  const progress = await page.evaluate(() => window.progressEvents);
  const contentRanges = uploadLogLines().slice(logStart).map((l) => l.range);
  return { page, outcome: outcomes[0], outcomes, progress, contentRanges };
}

function uploadLogLines() {
  return server.uploads();
}

const AXE = path.join(projectDir, 'node_modules', 'axe-core', 'axe.min.js');

/** axe-core's serious and critical findings on the page as it is. */
async function seriousViolations(page) {
  // The page's policy refuses an inline script: Playwright's page evaluates the source
  // through the DevTools protocol, the WebDriver page as a WebDriver script.
  if (page.session) await page.addScriptTag({ path: AXE });
  else await page.evaluate(readFileSync(AXE, 'utf8'));
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('the pages are not to be framed or sniffed, and send no referrer', async () => {
  for (const file of ['/', '/index.html']) {
    const response = await fetch(`${server.url}${file}`);
    assert.equal(response.headers.get('content-security-policy'), "frame-ancestors 'none'; base-uri 'none'; object-src 'none'", file);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer', file);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', file);
  }
  for (const file of ['/app.js', '/pkg/index.js', '/pkg/wasm_video_uploader_bg.wasm']) {
    const response = await fetch(`${server.url}${file}`);
    assert.equal(response.status, 200, file);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', file);
  }
});

eachEngine((browser) => {

  test('a 48 MiB file uploads in 8 MiB chunks, byte-identical, as one video', async () => {
    const source = randomFile(48 * MIB, 'holiday.mp4');
    try {
      const token = await server.createToken(3600);
      const videosBefore = readdirSync(path.join(server.dataDir, 'videos')).length;
      const { page, outcome, progress, contentRanges } = await uploadThroughPage(browser, `${server.url}/?token=${token}`, source.file, 8);

      assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
      const videoId = outcome.video.videoId;
      assert.match(videoId, /^vi[0-9A-Za-z]{22}$/);
      assert.equal(outcome.video.title, 'holiday.mp4');

      // Six requests, part 1/6 … part 6/6, as the server received them: chunk 1 without
      // videoId, every later one with the first's.
      assert.deepEqual(contentRanges, [1, 2, 3, 4, 5, 6].map((n) => `part ${n}/6`));
      const lines = uploadLogLines().filter((l) => l.videoId === videoId);
      assert.equal(lines.length, 6);
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

      // The page shows it: its id, a preview of the stored mp4, a link to copy.
      assert.equal(await page.textContent(`#result-list [data-video-id="${videoId}"] code`), videoId);
      assert.equal(await page.getAttribute(`#result-list [data-video-id="${videoId}"] video`, 'src'), outcome.video.assets.mp4);
      assert.equal(await page.getAttribute('#uploader', 'complete'), '');
      await page.close();
    } finally {
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test("a 256 MiB file uploads with the page's default chunk size, auto, byte-identical", async () => {
    const source = randomFile(256 * MIB, 'long-take.mov');
    try {
      const token = await server.createToken(3600);
      const { page, outcome, progress, contentRanges } = await uploadThroughPage(browser, `${server.url}/?token=${token}`, source.file, 'auto');
      assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
      // Sizes adapt, so the count is known only at the last: part 1/* … part n/n.
      const n = contentRanges.length;
      assert.deepEqual(contentRanges, contentRanges.map((_, i) => (i + 1 < n ? `part ${i + 1}/*` : `part ${n}/${n}`)));
      // From 6 (5, 10, 20, 40, 80 and the rest) to 52 (5 MiB each).
      assert.ok(n >= 6 && n <= 52, `${n} chunks`);
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
      const { page, outcome } = await uploadThroughPage(browser, `${server.url}/?token=toInvalid0000000000000000`, source.file, 5);
      assert.equal(outcome.ok, false);
      assert.equal(outcome.error.status, 401);
      assert.equal(outcome.error.code, 'UNAUTHORIZED');
      assert.equal(outcome.error.type, 'https://docs.api.video/reference/authentication-invalid-upload-token');
      assert.equal(outcome.error.title, 'The upload token is invalid or expired.');
      // In plain words, with what to do, and a way to try again.
      assert.equal(await page.textContent('video-uploader [part~="status"]'), 'This upload link has expired or was withdrawn; ask for a new one.');
      assert.equal(await page.isVisible('video-uploader [part~="retry"]'), true);
      assert.equal(readdirSync(path.join(server.dataDir, 'videos')).length, videosBefore);
      await page.close();
    } finally {
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('the page pauses, resumes and cancels with its buttons', async () => {
    const source = randomFile(64 * MIB, 'buttons.mp4');
    // The proxy holds chunk 2 after 4 MiB: the button is pressed while it is on the wire.
    const proxy = await startProxy(server.url);
    proxy.rule(2, { holdBodyAfter: 4 * MIB });
    try {
      const token = await server.createToken(3600);
      const { page } = await openPage(browser, `${server.url}/?token=${token}&apiHost=${encodeURIComponent(proxy.url)}`);
      // The proxy is another origin: the page sends there once told to.
      await page.click('#use-other-host');
      await page.click('summary');
      await page.fill('#chunk-size', '8');
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await proxy.reached(2, 'held');
      await page.click('video-uploader [part~="pause"]');
      await page.waitForSelector('video-uploader [part~="resume"]:not([hidden])');
      proxy.release(2);
      assert.equal(await page.textContent('video-uploader [part~="status"]'), 'Paused.');
      assert.equal(await page.getAttribute('#uploader', 'paused'), '');
      await page.click('video-uploader [part~="resume"]');
      await page.waitForFunction(() => window.outcomes.length === 1);
      const [outcome] = await page.evaluate(() => window.outcomes);
      assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', outcome.video.videoId, 'source')), source.sha256);
      assert.equal(await page.isHidden('video-uploader [part~="pause"]'), true, 'the buttons go once the upload ends');

      // Cancel: the upload stops and says so; retry continues the same video.
      await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        element.addEventListener('progress', () => element.cancel(), { once: true });
      });
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.outcomes.length === 2);
      const cancelled = (await page.evaluate(() => window.outcomes))[1];
      assert.equal(cancelled.error.code, 'ABORTED');
      assert.equal(await page.textContent('video-uploader li:last-child [part~="status"]'), 'Cancelled.');
      await page.click('video-uploader li:last-child [part~="retry"]');
      await page.waitForFunction(() => window.outcomes.length === 3);
      const retried = (await page.evaluate(() => window.outcomes))[2];
      assert.equal(retried.ok, true);
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', retried.video.videoId, 'source')), source.sha256);
      await page.close();
    } finally {
      proxy.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('a link\'s apiHost of another server is shown and used only once confirmed; nothing goes there before, and never with the key', async () => {
    const source = randomFile(MIB, 'here.mp4');
    const elsewhere = await startProxy(server.url);
    try {
      const token = await server.createToken(0);
      const { page } = await openPage(browser, `${server.url}/?token=${token}&apiHost=${encodeURIComponent(elsewhere.url)}`);
      assert.equal(await page.isVisible('#other-host'), true);
      assert.equal(await page.textContent('#other-host-name'), elsewhere.url);
      // Not confirmed: the upload goes to the page's own server.
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.outcomes.length === 1);
      const [outcome] = await page.evaluate(() => window.outcomes);
      assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', outcome.video.videoId, 'source')), source.sha256);
      assert.deepEqual(elsewhere.requests, [], 'nothing went to the other server');
      await page.close();

      // With the key in the fragment: the link's host is not even offered; the panel talks
      // to the page's server; the key leaves the address bar.
      const { page: admin } = await openPage(browser, `${server.url}/?apiHost=${encodeURIComponent(elsewhere.url)}#key=${server.apiKey}`);
      assert.equal(await admin.isVisible('#other-host-key'), true);
      assert.equal(await admin.isHidden('#use-other-host'), true);
      await admin.waitForSelector('#tokens tbody tr');
      const href = await admin.evaluate(() => location.href);
      assert.ok(!href.includes('#') && !href.includes(server.apiKey), href);
      assert.deepEqual(elsewhere.requests, [], 'the key went nowhere else');
      await admin.close();
    } finally {
      elsewhere.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('the page\'s policy is enforced: an inline script is refused, and an upload with its preview breaks no rule', async () => {
    const source = randomFile(MIB, 'policy.mp4');
    try {
      const token = await server.createToken(0);
      const { page } = await openPage(browser, `${server.url}/?token=${token}`);
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.outcomes.length === 1);
      const [outcome] = await page.evaluate(() => window.outcomes);
      assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
      await page.waitForSelector('#result-list video');
      assert.deepEqual(await page.evaluate(() => window.violations), [], 'the page and the element keep to the policy');
      const injected = await page.evaluate(() => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.head.append(script);
        return new Promise((resolve) => setTimeout(() => resolve({ ran: window.injected === true, violations: window.violations }), 100));
      });
      assert.equal(injected.ran, false, 'an inline script does not run');
      assert.ok(injected.violations.some((v) => v.startsWith('script-src')), JSON.stringify(injected.violations));
      await page.close();
    } finally {
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('what an answer says is data: a javascript: player link or preview is not used', async () => {
    const { page } = await openPage(browser, `${server.url}/?token=to0000`);
    await page.evaluate(() => {
      const detail = { videoId: 'viHostile', title: 'hostile', assets: { player: 'javascript:alert(1)', mp4: 'javascript:alert(2)' }, file: new File([], 'h.mp4') };
      document.querySelector('video-uploader').dispatchEvent(new CustomEvent('success', { detail }));
    });
    await page.waitForSelector('#result-list [data-video-id="viHostile"]');
    const found = await page.evaluate(() => {
      const item = document.querySelector('#result-list [data-video-id="viHostile"]');
      return { links: item.querySelectorAll('a').length, videos: item.querySelectorAll('video').length, buttons: item.querySelectorAll('button').length, text: item.textContent };
    });
    assert.deepEqual({ links: found.links, videos: found.videos, buttons: found.buttons }, { links: 0, videos: 0, buttons: 0 });
    assert.match(found.text, /hostile/);
    await page.close();
  });

  test('with the API key in the fragment, the page manages tokens and edits a video after its upload', async () => {
    const source = randomFile(MIB, 'meta.mp4');
    try {
      const { page } = await openPage(browser, `${server.url}/#key=${server.apiKey}`);
      assert.equal(await page.isVisible('#admin'), true);
      assert.equal(await page.isVisible('#no-token'), true, 'no token yet');
      await page.fill('#ttl', '600');
      await page.click('#token-form button');
      await page.waitForFunction(() => document.getElementById('token').value.startsWith('to'));
      const token = await page.inputValue('#token');
      await page.waitForSelector(`#tokens tr[data-token="${token}"]`);
      assert.match(await page.textContent(`#tokens tr[data-token="${token}"]`), /600 s/);
      assert.equal(await page.isHidden('#no-token'), true, 'the new token is in use');

      // Upload now, metadata later.
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.outcomes.length === 1);
      const [{ video }] = await page.evaluate(() => window.outcomes);
      const form = `#videos [data-video-id="${video.videoId}"] form`;
      await page.waitForSelector(form);
      await page.fill(`${form} [name=title]`, 'Sunset, edited');
      await page.fill(`${form} [name=tags]`, 'beach, summer');
      await page.click(`${form} button`);
      await page.waitForFunction(() => document.getElementById('announcer').textContent === 'The video is saved.');
      const auth = { Authorization: 'Basic ' + Buffer.from(`${server.apiKey}:`).toString('base64') };
      const stored = await (await fetch(`${server.url}/videos/${video.videoId}`, { headers: auth })).json();
      assert.equal(stored.title, 'Sunset, edited');
      assert.deepEqual(stored.tags, ['beach', 'summer']);

      // Save says so where it was pressed.
      assert.equal(await page.textContent(`${form} .saved`), 'Saved.');

      // Deleting asks first, and warns that this is the page's own token.
      const row = `#tokens tr[data-token="${token}"]`;
      await page.click(`${row} button.ask`);
      assert.match(await page.textContent(`${row} .confirm`), /This page uploads with this token/);
      await page.click(`${row} button.keep`);
      assert.equal(await page.isVisible(`${row} .confirm`), false, 'kept');
      await page.click(`${row} button.ask`);
      await page.click(`${row} button.danger`);
      await page.waitForSelector(row, { state: 'detached' });
      const gone = await fetch(`${server.url}/upload-tokens/${token}`, { headers: auth });
      assert.equal(gone.status, 404);
      // The page knows it has no token now, and says so.
      assert.equal(await page.inputValue('#token'), '');
      assert.equal(await page.isVisible('#no-token'), true);

      // A video: deleted after a confirmation, gone from the server and the table.
      const videoRow = `#videos tr[data-video-id="${video.videoId}"]`;
      assert.match(await page.textContent(videoRow), /uploaded/);
      await page.click(`${videoRow} button.ask`);
      await page.click(`${videoRow} button.danger`);
      await page.waitForSelector(videoRow, { state: 'detached' });
      assert.equal((await fetch(`${server.url}/videos/${video.videoId}`, { headers: auth })).status, 404);

      // A time that is no number of seconds: said in the panel, nothing sent.
      await page.fill('#ttl', '-5');
      await page.click('#token-form button');
      assert.equal(await page.textContent('#admin-error'), 'The time a token is valid is a whole number of seconds, 0 for ever.');
      assert.deepEqual(await seriousViolations(page), [], 'the panel');
      await page.close();

      // A wrong key: the panel says so in words instead of showing empty tables.
      const { page: wrong } = await openPage(browser, `${server.url}/#key=not-the-key`);
      await wrong.waitForSelector('#admin-error:not([hidden])');
      assert.equal(await wrong.textContent('#admin-error'), 'The server refused this API key: check the key in the address (after #key=).');
      await wrong.close();
    } finally {
      rmSync(source.dir, { recursive: true, force: true });
    }
  });
});

describe('chromium (Playwright): screenshots, axe at two widths, the keyboard alone', () => {
  let browser;
  before(async () => {
  browser = await launchBrowser();
  });
  after(async () => {
  await browser?.close();
  });

  const SHOTS = path.join(projectDir, 'test-results', 'screenshots');
  /** Screenshots of the page at a phone's and a desktop's width. */
  async function shoot(page, name) {
    mkdirSync(SHOTS, { recursive: true });
    for (const width of [360, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
    }
  }

  test('the whole drop zone opens the picker, and every button is at least 44 px tall at 375 px', async () => {
    const token = await server.createToken(3600);
    const { page } = await openPage(browser, `${server.url}/?token=${token}`);
    await page.setViewportSize({ width: 375, height: 812 });
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('video-uploader [part~="heading"]')]);
    assert.equal(chooser.isMultiple(), true, 'the page takes several files');
    const source = randomFile(1000, 'tall.mp4');
    try {
      await chooser.setFiles(source.file);
      await page.waitForFunction(() => window.outcomes.length === 1);
      const short = await page.evaluate(() => {
        const buttons = [...document.querySelectorAll('button'), ...document.querySelector('video-uploader').shadowRoot.querySelectorAll('button')];
        return buttons.filter((b) => b.offsetParent !== null && b.getBoundingClientRect().height < 44).map((b) => `${b.textContent.trim()}: ${b.getBoundingClientRect().height}`);
      });
      assert.deepEqual(short, []);
    } finally {
      await page.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('axe finds nothing serious in light and dark, at 1280 and 375 px: idle, a finished upload and a failed one, the panel', async () => {
    const source = randomFile(1000, 'short.mp4');
    const token = await server.createToken(3600);
    const withdrawn = await server.createToken(3600);
    await server.deleteToken(withdrawn);
    try {
      const { page } = await openPage(browser, `${server.url}/?token=${token}#key=${server.apiKey}`);
      const check = async (state) => {
        for (const colorScheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme });
          for (const width of [1280, 375]) {
            await page.setViewportSize({ width, height: 900 });
            assert.deepEqual(await seriousViolations(page), [], `${state}, ${colorScheme}, ${width} px`);
          }
        }
      };
      await check('idle');
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.outcomes.length === 1);
      await page.evaluate((token) => (document.querySelector('video-uploader').token = token), withdrawn);
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.outcomes.length === 2);
      assert.deepEqual(await page.evaluate(() => window.outcomes.map((o) => o.ok)), [true, false]);
      await check('a finished and a failed upload, the panel open');
      await page.close();
    } finally {
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('two files dropped at once upload side by side, each with progress, pause and a preview; accessible at 360 and 1440 px', async () => {
    const first = randomFile(12 * MIB, 'beach.mp4');
    const second = randomFile(9 * MIB, 'city.mp4');
    // The first piece of each file is held half way: a moment where both are uploading.
    const proxy = await startProxy(server.url);
    proxy.rule(1, { holdBodyAfter: 2 * MIB });
    proxy.rule(2, { holdBodyAfter: 2 * MIB });
    try {
      const token = await server.createToken(3600);
      const { page } = await openPage(browser, `${server.url}/?token=${token}&apiHost=${encodeURIComponent(proxy.url)}`);
      // The proxy is another origin: the page sends there once told to.
      await page.click('#use-other-host');
      await page.setViewportSize({ width: 1440, height: 900 });
      assert.deepEqual(await seriousViolations(page), [], 'idle page');
      await shoot(page, 'idle');

      await page.evaluate(() => {
        const input = document.createElement('input');
        input.type = 'file';
        input.multiple = true;
        input.id = 'staging';
        input.hidden = true;
        document.body.append(input);
      });
      await page.setInputFiles('#staging', [first.file, second.file]);
      await page.evaluate(() => {
        const transfer = new DataTransfer();
        for (const file of document.getElementById('staging').files) transfer.items.add(file);
        const zone = document.querySelector('video-uploader').shadowRoot.querySelector('[part~="drop"]');
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      });
      await proxy.reached(1, 'held');
      await proxy.reached(2, 'held');
      assert.equal(await page.locator('video-uploader li').count(), 2);
      assert.equal(await page.locator('video-uploader [part~="progress"]').count(), 2);
      assert.equal(await page.locator('video-uploader [part~="summary"]:not([hidden])').count(), 1, 'a total for the two');
      assert.equal(await page.locator('video-uploader [part~="pause"]:not([hidden])').count(), 2, 'each file can be paused');
      assert.deepEqual(await seriousViolations(page), [], 'two files uploading');
      await shoot(page, 'uploading');
      proxy.release(1);
      proxy.release(2);
      await page.waitForFunction(() => window.outcomes.length === 2);
      const outcomes = await page.evaluate(() => window.outcomes);
      assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes));
      const byTitle = Object.fromEntries(outcomes.map((o) => [o.video.title, o.video.videoId]));
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', byTitle['beach.mp4'], 'source')), first.sha256);
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', byTitle['city.mp4'], 'source')), second.sha256);
      assert.equal(await page.locator('#result-list video').count(), 2, 'a preview of each');
      // Each finished file is listed once: its result card took the place of its row.
      assert.equal(await page.locator('video-uploader li').count(), 0);
      assert.equal(await page.locator('#result-list li').count(), 2);
      // Random bytes are no video: the preview says so instead of a black box.
      await page.waitForFunction(() => document.querySelectorAll('#result-list .no-preview:not([hidden])').length === 2);
      assert.deepEqual(await seriousViolations(page), [], 'done');
      await shoot(page, 'done');
      await page.close();

      // A link that no longer works, in plain words: a token the server has withdrawn (it
      // answers an expired one the same way, 401 authentication-invalid-upload-token).
      const expired = await server.createToken(0);
      const auth = { Authorization: 'Basic ' + Buffer.from(`${server.apiKey}:`).toString('base64') };
      assert.equal((await fetch(`${server.url}/upload-tokens/${expired}`, { method: 'DELETE', headers: auth })).status, 204);
      const { page: failed } = await openPage(browser, `${server.url}/?token=${expired}`);
      await failed.setInputFiles('video-uploader input[type=file]', second.file);
      await failed.waitForFunction(() => window.outcomes.length === 1);
      assert.equal(await failed.textContent('video-uploader [part~="status"]'), 'This upload link has expired or was withdrawn; ask for a new one.');
      assert.deepEqual(await seriousViolations(failed), [], 'error');
      await shoot(failed, 'error');
      await failed.close();
    } finally {
      proxy.close();
      rmSync(first.dir, { recursive: true, force: true });
      rmSync(second.dir, { recursive: true, force: true });
    }
  });

  test('the page works from the keyboard alone: choose a file, pause, resume', async () => {
    const source = randomFile(24 * MIB, 'keys.mp4');
    const proxy = await startProxy(server.url);
    proxy.rule(2, { holdBodyAfter: 2 * MIB });
    try {
      const token = await server.createToken(3600);
      const { page } = await openPage(browser, `${server.url}/?token=${token}&apiHost=${encodeURIComponent(proxy.url)}`);
      // The proxy is another origin: the page sends there once told to.
      await page.click('#use-other-host');
      // Listening for the file chooser from the start: Playwright intercepts it only once
      // it has been asked to, which must happen before the key press opens it.
      const chooser = page.waitForEvent('filechooser', { timeout: 60_000 });
      // The chunk size is auto by default: set 8 MiB from the keyboard first.
      await page.focus('summary');
      await page.keyboard.press('Enter');
      await page.focus('#chunk-size');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('8');
      // Tab from the top of the page to the element's "Choose a file" button.
      await page.focus('body');
      let focused = '';
      for (let i = 0; i < 10 && focused !== 'pick'; i++) {
        await page.keyboard.press('Tab');
        focused = await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.getAttribute('part') ?? '');
      }
      assert.equal(focused, 'pick', 'the file button is reachable with Tab');
      await page.keyboard.press('Enter');
      await (await chooser).setFiles(source.file);
      await proxy.reached(2, 'held');
      // After the file button come the page's Record buttons, then the new row's Pause.
      const active = () => page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.getAttribute('part') ?? '');
      const stops = [];
      for (let i = 0; i < 3; i++) {
        await page.keyboard.press('Tab');
        stops.push(await active());
      }
      assert.deepEqual(stops, ['record-camera', 'record-screen', 'pause']);
      await page.keyboard.press('Enter');
      await page.waitForSelector('video-uploader [part~="resume"]:not([hidden])');
      assert.equal(await active(), 'resume', 'the keyboard stays on the button that replaced the one pressed');
      proxy.release(2);
      await page.keyboard.press(' ');
      await page.waitForFunction(() => window.outcomes.length === 1);
      const [outcome] = await page.evaluate(() => window.outcomes);
      assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', outcome.video.videoId, 'source')), source.sha256);
      await page.close();
    } finally {
      proxy.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });
});
