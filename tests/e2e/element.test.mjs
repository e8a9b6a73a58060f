// <video-uploader> in a page with no build step: one script tag, one element; picked and
// dropped files upload, and every event and state says so. In Chromium, Firefox and WebKit:
// one body per test, the engine a parameter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, loggedToken } from '../support/server.mjs';
import { eachEngine } from '../support/engines.mjs';
import { randomFile, sha256File } from '../support/files.mjs';

const MIB = 1024 * 1024;
// The server's root: each test writes its page here (the element comes from /pkg).
const www = mkdtempSync(path.join(tmpdir(), 'element-pages-'));
let server;
/** A server that answers every upload 429 with Retry-After: 1, for the retry event. */
let limited;
let pages = 0;

before(async () => {
  server = await startServer({ extraArgs: ['--www', www] });
  limited = await startServer({ extraArgs: ['--chaos', 'seed=1,429=1,retry-after=1'] });
});

after(async () => {
  await limited?.stop();
  await server?.stop();
  rmSync(www, { recursive: true, force: true });
});

/** Upload requests the server has logged so far. */
const uploadsLogged = () => server.logs.filter((line) => / upload token=/.test(line)).length;

eachEngine((browser) => {

  /** A page of the server's origin whose whole source is `html`, with events recorded; in
   * the browsing session of `page` when given (the same storage: a reload), else a new one. */
  async function plainPage(html, page = null) {
    const name = `page-${++pages}.html`;
    writeFileSync(path.join(www, name), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>element</title></head><body>${html}</body></html>`);
    page ??= await browser.newPage();
    await page.goto(`${server.url}/${name}`);
    await page.evaluate(() => {
      window.events = [];
      for (const type of ['file-ready', 'upload-start', 'progress', 'chunk', 'retry', 'pause', 'resume', 'offline', 'online', 'warning', 'success', 'error', 'reset']) {
        // On each element: their events do not bubble.
        for (const element of document.querySelectorAll('video-uploader')) {
          element.addEventListener(type, (event) => window.events.push({ type, detail: { ...event.detail, file: undefined, fileName: event.detail?.file?.name } }));
        }
      }
    });
    await page.waitForFunction(() => customElements.get('video-uploader') !== undefined);
    return page;
  }

  const events = (page) => page.evaluate(() => window.events.filter((e) => e.type !== 'progress'));

  test('a picked file uploads: events, state attributes and the stored bytes', async () => {
    const token = await server.createToken(0);
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${token}" api-host="${server.url}" chunk-size="${5 * MIB}" pausable></video-uploader>`);
    const source = randomFile(11 * MIB, 'picked.mp4');
    try {
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'success' || e.type === 'error'));
      const seen = await events(page);
      assert.deepEqual(seen.map((e) => e.type), ['file-ready', 'upload-start', 'chunk', 'chunk', 'chunk', 'success']);
      assert.ok(seen.every((e) => e.detail.fileName === 'picked.mp4'), 'each event names its file');
      const video = seen.at(-1).detail;
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
      const state = await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        const bar = element.shadowRoot.querySelector('[role=progressbar]');
        return { complete: element.hasAttribute('complete'), uploading: element.hasAttribute('uploading'), now: bar.getAttribute('aria-valuenow') };
      });
      assert.deepEqual(state, { complete: true, uploading: false, now: '100' });
    } finally {
      await page.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('files dropped on it upload, several at once with multiple', async () => {
    const token = await server.createToken(0);
    const page = await plainPage(`<input id="source" type="file" multiple>
      <script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${token}" api-host="${server.url}" multiple></video-uploader>`);
    const first = randomFile(3 * MIB, 'first.mp4');
    const second = randomFile(2 * MIB + 1, 'second.mp4');
    try {
      await page.setInputFiles('#source', [first.file, second.file]);
      await page.evaluate(() => {
        const transfer = new DataTransfer();
        for (const file of document.getElementById('source').files) transfer.items.add(file);
        const zone = document.querySelector('video-uploader').shadowRoot.querySelector('[part~="drop"]');
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      });
      await page.waitForFunction(() => window.events.filter((e) => e.type === 'success').length === 2);
      const successes = (await events(page)).filter((e) => e.type === 'success').map((e) => e.detail);
      const byName = Object.fromEntries(successes.map((v) => [v.fileName, v.videoId]));
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', byName['first.mp4'], 'source')), first.sha256);
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', byName['second.mp4'], 'source')), second.sha256);
      assert.equal(await page.evaluate(() => document.querySelector('video-uploader').shadowRoot.querySelectorAll('li').length), 2);
    } finally {
      await page.close();
      rmSync(first.dir, { recursive: true, force: true });
      rmSync(second.dir, { recursive: true, force: true });
    }
  });

  test('a dropped file that accept does not take is refused with a message and never sent; the words follow multiple', async () => {
    const token = await server.createToken(0);
    const page = await plainPage(`<input id="source" type="file" multiple>
      <script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${token}" api-host="${server.url}" multiple></video-uploader>`);
    const dir = mkdtempSync(path.join(tmpdir(), 'dropped-'));
    const notes = path.join(dir, 'notes.txt');
    writeFileSync(notes, 'not a video');
    const clip = randomFile(1000, 'clip.mp4');
    const uploadsBefore = uploadsLogged();
    try {
      const words = () => page.evaluate(() => {
        const root = document.querySelector('video-uploader').shadowRoot;
        return [root.querySelector('[part~="heading"]').innerText.trim(), root.querySelector('[part~="pick"]').innerText.trim()];
      });
      assert.deepEqual(await words(), ['Drop videos here, or', 'Choose files']);
      await page.setInputFiles('#source', [notes, clip.file]);
      // What the status region says as the drop is taken (a success later says more).
      const announced = await page.evaluate(() => {
        const transfer = new DataTransfer();
        for (const file of document.getElementById('source').files) transfer.items.add(file);
        const root = document.querySelector('video-uploader').shadowRoot;
        root.querySelector('[part~="drop"]').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        return root.querySelector('[role=status]').textContent;
      });
      assert.equal(announced, 'Not taken: notes.txt. This uploader takes video/*.');
      await page.waitForFunction(() => window.events.some((e) => e.type === 'success'));
      const seen = await events(page);
      const refused = seen.find((e) => e.type === 'error');
      assert.deepEqual([refused.detail.code, refused.detail.fileName], ['FILE_TYPE_REFUSED', 'notes.txt']);
      assert.deepEqual(seen.filter((e) => e.type === 'success').map((e) => e.detail.fileName), ['clip.mp4']);
      assert.equal(uploadsLogged(), uploadsBefore + 1, 'only the video was sent');
      assert.equal(await page.evaluate(() => document.querySelector('video-uploader').shadowRoot.querySelectorAll('li').length), 1);
      await page.evaluate(() => document.querySelector('video-uploader').removeAttribute('multiple'));
      assert.deepEqual(await words(), ['Drop a video here, or', 'Choose a file']);
    } finally {
      await page.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(clip.dir, { recursive: true, force: true });
    }
  });

  test('10,000 files dropped at once: max-files keeps the first, refuses the rest in one announcement, and the queue holds 10,000 without a freeze', async () => {
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="to1notarealtoken" api-host="${server.url}" multiple manual max-files="1000"></video-uploader>`);
    const uploadsBefore = uploadsLogged();
    try {
      const result = await page.evaluate(async (apiHost) => {
        const files = Array.from({ length: 10_000 }, (_, i) => new File(['x'], `clip-${i}.mp4`, { type: 'video/mp4' }));
        const transfer = new DataTransfer();
        for (const file of files) transfer.items.add(file);
        const element = document.querySelector('video-uploader');
        const root = element.shadowRoot;
        root.querySelector('[part~="drop"]').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        const announced = root.querySelector('[role=status]').textContent;
        // The page still paints: a frame comes.
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const refused = window.events.filter((e) => e.type === 'error');
        // The queue itself, with 10,000 files: one starts, the rest wait their turn.
        const { UploadQueue } = await import('/pkg/queue.js');
        const queue = new UploadQueue({ uploadToken: 'to1notarealtoken', apiHost, concurrency: 1 });
        let progress = null;
        queue.addEventListener('progress', (e) => (progress = e.detail));
        for (const file of files) queue.add(file);
        const states = queue.files.reduce((count, q) => ({ ...count, [q.state]: (count[q.state] ?? 0) + 1 }), {});
        queue.cancel();
        const { videos, errors } = await queue.done();
        return {
          rows: root.querySelectorAll('li').length,
          pending: element.files.length,
          refused: refused.length,
          codes: [...new Set(refused.map((e) => e.detail.code))],
          firstRefused: refused[0]?.detail.fileName,
          announced,
          states,
          settled: { videos: videos.length, errors: errors.length, aborted: errors.filter((e) => e.code === 'ABORTED').length },
          progress,
        };
      }, server.url);
      assert.equal(result.rows, 1000);
      assert.equal(result.pending, 1000);
      assert.deepEqual([result.refused, result.codes, result.firstRefused], [9000, ['TOO_MANY_FILES'], 'clip-1000.mp4']);
      assert.equal(result.announced, 'Not taken: 9000 files. This uploader takes at most 1000 files.');
      assert.deepEqual(result.states, { uploading: 1, queued: 9999 });
      assert.deepEqual(result.settled.videos, 0);
      assert.equal(result.settled.errors, 10_000);
      assert.ok(result.settled.aborted >= 9999, JSON.stringify(result.settled));
      assert.deepEqual({ ...result.progress, uploadedBytes: undefined }, { uploadedBytes: undefined, totalBytes: 10_000, files: 10_000, done: 0, failed: 10_000 });
      assert.ok(uploadsLogged() - uploadsBefore <= 1, 'at most the one upload that began');
    } finally {
      await page.close();
    }
  });

  test('several files: a total bar and words, Cancel all, Remove and Clear finished', async () => {
    const token = await server.createToken(0);
    const page = await plainPage(`<input id="source" type="file" multiple>
      <script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${token}" api-host="${server.url}" multiple pausable concurrency="1"></video-uploader>`);
    const files = [randomFile(1000, 'one.mp4'), randomFile(2000, 'two.mp4'), randomFile(3000, 'three.mp4')];
    const drop = () => page.evaluate(() => {
      const transfer = new DataTransfer();
      for (const file of document.getElementById('source').files) transfer.items.add(file);
      document.querySelector('video-uploader').shadowRoot.querySelector('[part~="drop"]').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    const summary = () => page.evaluate(() => {
      const root = document.querySelector('video-uploader').shadowRoot;
      const visible = (part) => !root.querySelector(`[part~="${part}"]`).hidden;
      return { shown: visible('summary'), status: root.querySelector('[part~="total-status"]').textContent, rows: root.querySelectorAll('li').length, clear: visible('clear'), cancelAll: visible('cancel-all') };
    });
    try {
      await page.setInputFiles('#source', files.map((f) => f.file));
      await drop();
      await page.waitForFunction(() => window.events.filter((e) => e.type === 'success').length === 3);
      assert.deepEqual(await summary(), { shown: true, status: '3 of 3 uploaded · 6.0 KB of 6.0 KB', rows: 3, clear: true, cancelAll: false });
      // Remove one row: its video stays on the server.
      const removed = (await events(page)).find((e) => e.type === 'success' && e.detail.fileName === 'two.mp4').detail.videoId;
      await page.evaluate(() => {
        const root = document.querySelector('video-uploader').shadowRoot;
        [...root.querySelectorAll('li')].find((li) => li.querySelector('.name').textContent === 'two.mp4').querySelector('[part~="remove"]').click();
      });
      assert.equal((await summary()).rows, 2);
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', removed, 'source')), files[1].sha256);
      await page.click('video-uploader [part~="clear"]');
      assert.deepEqual({ ...(await summary()), status: undefined }, { shown: false, status: undefined, rows: 0, clear: false, cancelAll: false });

      // Cancel all as the first of three starts: the others end too, never sent.
      const uploadsBefore = uploadsLogged();
      await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        // Once the drop has queued all three (the first has just started).
        element.addEventListener('upload-start', () => queueMicrotask(() => element.shadowRoot.querySelector('[part~="cancel-all"]').click()), { once: true });
      });
      await drop();
      await page.waitForFunction(() => window.events.filter((e) => e.type === 'error').length === 3);
      const aborted = (await events(page)).filter((e) => e.type === 'error').map((e) => e.detail.code);
      assert.deepEqual(aborted, ['ABORTED', 'ABORTED', 'ABORTED']);
      assert.ok(uploadsLogged() - uploadsBefore <= 1, 'at most the first file was on its way');
      // Its own methods leave the DOM's alone: remove() takes the element out of the page.
      assert.equal(await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        element.remove();
        return element.isConnected;
      }), false);
    } finally {
      await page.close();
      for (const file of files) rmSync(file.dir, { recursive: true, force: true });
    }
  });

  test('each row shows a frame of its video while it uploads, and the file icon for a file with no picture', async () => {
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${await server.createToken(0)}" api-host="${server.url}" multiple></video-uploader>`);
    try {
      const result = await page.evaluate(async () => {
        const files = [new File([crypto.getRandomValues(new Uint8Array(4096))], 'noise.mp4', { type: 'video/mp4' })];
        // A real video, where the engine can record one: a second of a coloured canvas.
        const canRecord = typeof MediaRecorder !== 'undefined' && HTMLCanvasElement.prototype.captureStream && MediaRecorder.isTypeSupported('video/webm');
        if (canRecord) {
          const canvas = Object.assign(document.createElement('canvas'), { width: 160, height: 90 });
          const context = canvas.getContext('2d');
          const stream = canvas.captureStream(25);
          const recorder = new MediaRecorder(stream, { mimeType: 'video/webm' });
          const parts = [];
          recorder.ondataavailable = (e) => parts.push(e.data);
          const stopped = new Promise((resolve) => (recorder.onstop = resolve));
          recorder.start();
          for (let frame = 0; frame < 25; frame++) {
            context.fillStyle = `hsl(${frame * 14}, 80%, 50%)`;
            context.fillRect(0, 0, 160, 90);
            await new Promise((resolve) => setTimeout(resolve, 40));
          }
          recorder.stop();
          await stopped;
          files.push(new File(parts, 'canvas.webm', { type: 'video/webm' }));
        }
        const transfer = new DataTransfer();
        for (const file of files) transfer.items.add(file);
        const element = document.querySelector('video-uploader');
        element.shadowRoot.querySelector('[part~="drop"]').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        const rows = () => [...element.shadowRoot.querySelectorAll('li')];
        const picture = (li) => {
          const shown = [...li.querySelector('[part~="thumbnail"]').children].find((child) => !child.hidden);
          return shown.tagName === 'VIDEO' ? `video ${shown.videoWidth}x${shown.videoHeight}` : shown.tagName.toLowerCase();
        };
        // The fact waited on: each row has settled its picture (a frame, or its icon after a failed decode).
        const settled = () => rows().every((li) => li.dataset.state === 'complete') && (!canRecord || picture(rows()[1]).startsWith('video'));
        while (!settled()) await new Promise((resolve) => setTimeout(resolve, 20));
        return { canRecord, pictures: rows().map(picture) };
      });
      assert.equal(result.pictures[0], 'svg', 'random bytes: the file icon');
      if (result.canRecord) assert.equal(result.pictures[1], 'video 160x90', 'a frame of the recording');
    } finally {
      await page.close();
    }
  });

  test('concurrency="1": dropped files upload one after another, the rest waiting', async () => {
    const token = await server.createToken(0);
    const page = await plainPage(`<input id="source" type="file" multiple>
      <script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${token}" api-host="${server.url}" multiple concurrency="1"></video-uploader>`);
    const files = [3, 2, 4].map((mib, i) => randomFile(mib * MIB + i, `serial-${i}.mp4`));
    try {
      await page.setInputFiles('#source', files.map((f) => f.file));
      const atDrop = await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        const rows = () => [...element.shadowRoot.querySelectorAll('li')];
        window.mostAtOnce = 0;
        element.addEventListener('upload-start', () => {
          window.mostAtOnce = Math.max(window.mostAtOnce, rows().filter((li) => li.dataset.state === 'uploading').length);
        });
        const transfer = new DataTransfer();
        for (const file of document.getElementById('source').files) transfer.items.add(file);
        const zone = element.shadowRoot.querySelector('[part~="drop"]');
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        return rows().map((li) => [li.dataset.state, li.querySelector('[part~="status"]').textContent]);
      });
      assert.deepEqual(atDrop.map(([state]) => state), ['uploading', 'queued', 'queued']);
      assert.equal(atDrop[1][1], 'Waiting for the files before it…');
      await page.waitForFunction(() => window.events.filter((e) => e.type === 'success').length === 3);
      const seen = (await events(page)).filter((e) => e.type === 'upload-start' || e.type === 'success').map((e) => `${e.type} ${e.detail.fileName}`);
      assert.deepEqual(seen, [0, 1, 2].flatMap((i) => [`upload-start serial-${i}.mp4`, `success serial-${i}.mp4`]), 'each starts once the one before is done');
      assert.equal(await page.evaluate(() => window.mostAtOnce), 1);
      for (const [i, success] of (await events(page)).filter((e) => e.type === 'success').entries()) {
        assert.equal(await sha256File(path.join(server.dataDir, 'videos', success.detail.videoId, 'source')), files[i].sha256);
      }
    } finally {
      await page.close();
      for (const file of files) rmSync(file.dir, { recursive: true, force: true });
    }
  });

  test('manual waits for start(); a file over max-file-size and an expired link fail in plain words, before any upload', async () => {
    const expired = await server.createToken(1);
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader id="manual" token="${await server.createToken(0)}" api-host="${server.url}" manual></video-uploader>
      <video-uploader id="limited" token="${expired}" api-host="${server.url}" max-file-size="1000"></video-uploader>
      <video-uploader id="expired" token="toNotARealToken0000000000" api-host="${server.url}"></video-uploader>`);
    const uploadsBefore = uploadsLogged();
    const videosBefore = await server.videoCount();
    const small = randomFile(2000, 'small.mp4');
    try {
      await page.setInputFiles('#limited input[type=file]', small.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'error'));
      const [tooLarge] = (await events(page)).filter((e) => e.type === 'error');
      assert.equal(tooLarge.detail.code, 'FILE_TOO_LARGE');
      assert.match(await page.textContent('#limited [part~="status"]'), /small\.mp4 is 2\.0 KB; files up to 1\.0 KB are accepted\./);
      assert.equal(uploadsLogged(), uploadsBefore, 'refused before any request');
      assert.equal(await server.videoCount(), videosBefore, 'refused before any video');

      await page.setInputFiles('#manual input[type=file]', small.file);
      await page.waitForFunction(() => window.events.filter((e) => e.type === 'file-ready').length === 2);
      assert.equal(uploadsLogged(), uploadsBefore, 'manual: nothing starts by itself');
      assert.equal(await server.videoCount(), videosBefore, 'manual: the server holds no video of it');
      await page.evaluate(() => document.getElementById('manual').start());
      await page.waitForFunction(() => window.events.some((e) => e.type === 'success'));
      const [started] = (await events(page)).filter((e) => e.type === 'success');
      assert.equal(await server.videoCount(), videosBefore + 1, 'start(): one video');
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', started.detail.videoId, 'source')), small.sha256, 'start(): the bytes');

      await page.setInputFiles('#expired input[type=file]', small.file);
      await page.waitForFunction(() => window.events.filter((e) => e.type === 'error').length === 2);
      assert.equal(await page.evaluate(() => document.getElementById('expired').hasAttribute('error')), true);
      assert.equal(await page.textContent('#expired [part~="status"]'), 'This upload link has expired or was withdrawn; ask for a new one.');
      assert.equal(await page.isVisible('#expired [part~="retry"]'), true);

      await page.evaluate(() => document.getElementById('expired').reset());
      assert.equal(await page.evaluate(() => document.getElementById('expired').shadowRoot.querySelectorAll('li').length), 0);
      assert.equal((await events(page)).at(-1).type, 'reset');
    } finally {
      await page.close();
      rmSync(small.dir, { recursive: true, force: true });
    }
  });

  test('a warning reaches the element\'s listeners with its file: storage that cannot be used leaves the upload unresumable, never failed', async () => {
    const token = await server.createToken(0);
    const page = await plainPage(`<script>Object.defineProperty(window, 'localStorage', { configurable: true, get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });</script>
      <script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${token}" api-host="${server.url}"></video-uploader>`);
    const source = randomFile(2 * MIB, 'no-storage.mp4');
    try {
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'success' || e.type === 'error'));
      const all = await events(page);
      const warnings = all.filter((e) => e.type === 'warning');
      assert.deepEqual(warnings.map((e) => [e.detail.code, e.detail.fileName]), [['RESUME_UNAVAILABLE', 'no-storage.mp4']], JSON.stringify(all));
      assert.match(warnings[0].detail.message, /^Resumable uploads are off: the browser's storage cannot be used \(SecurityError\)\.$/);
      const success = all.find((e) => e.type === 'success');
      assert.ok(success, JSON.stringify(all));
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', success.detail.videoId, 'source')), source.sha256);
    } finally {
      await page.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('a host page that listens on window hears each network change once; the element\'s events stay on it', async () => {
    const token = await server.createToken(0);
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${token}" api-host="${server.url}" chunk-size="${5 * MIB}"></video-uploader>`);
    const source = randomFile(30 * MIB, 'echo.mp4');
    try {
      await page.evaluate(() => {
        window.heard = [];
        window.uncaught = [];
        for (const type of ['offline', 'online', 'error', 'progress', 'pause', 'success']) addEventListener(type, () => window.heard.push(type));
        addEventListener('error', (event) => window.uncaught.push(String(event.message)));
        addEventListener('unhandledrejection', (event) => window.uncaught.push(String(event.reason)));
        // The network goes once the first chunk has landed, and comes back once the upload knows it.
        const element = document.querySelector('video-uploader');
        element.addEventListener('chunk', () => dispatchEvent(new Event('offline')), { once: true });
        element.addEventListener('offline', () => setTimeout(() => dispatchEvent(new Event('online'))), { once: true });
      });
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'success' || e.type === 'error'));
      const seen = (await events(page)).map((e) => e.type);
      assert.deepEqual(seen.filter((type) => type === 'offline' || type === 'online'), ['offline', 'online'], 'the element tells each change once');
      assert.equal(seen.at(-1), 'success');
      assert.deepEqual(await page.evaluate(() => window.heard), ['offline', 'online'], 'window hears the network alone, once each');
      assert.deepEqual(await page.evaluate(() => window.uncaught), []);
      const video = (await events(page)).at(-1).detail;
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
    } finally {
      await page.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('lang="fr" shows the French texts, and a page replaces any text through the texts property', async () => {
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader lang="fr" token="${await server.createToken(0)}" api-host="${server.url}" max-file-size="${2 * MIB}"></video-uploader>`);
    const clip = randomFile(1000, 'clip.mp4');
    const large = randomFile(2 * MIB + 1, 'grand.mp4');
    try {
      const shown = () => page.evaluate(() => {
        const root = document.querySelector('video-uploader').shadowRoot;
        return [root.querySelector('[part~="heading"]').innerText.trim(), root.querySelector('[part~="pick"]').innerText.trim(), root.querySelector('[part~="status"]')?.textContent ?? null];
      });
      assert.deepEqual(await shown(), ['Déposez une vidéo ici, ou', 'Choisir un fichier', null]);
      await page.setInputFiles('video-uploader input[type=file]', clip.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'success'));
      assert.deepEqual(await shown(), ['Déposez une vidéo ici, ou', 'Choisir un fichier', 'Envoyé.']);
      assert.equal(await page.getAttribute('video-uploader [part~="progress"]', 'aria-label'), 'Envoi de clip.mp4');
      // The page's own words for some texts; the others stay French.
      await page.evaluate(() => (document.querySelector('video-uploader').texts = { pickOne: 'Prendre une vidéo', tooLarge: '{name} : trop lourd ({size}, au plus {max}).' }));
      await page.setInputFiles('video-uploader input[type=file]', large.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'error'));
      assert.deepEqual(await shown(), ['Déposez une vidéo ici, ou', 'Prendre une vidéo', 'grand.mp4 : trop lourd (2,1 Mo, au plus 2,1 Mo).']);
      assert.equal(await page.isVisible('video-uploader [part~="retry"]'), false);
    } finally {
      await page.close();
      rmSync(clip.dir, { recursive: true, force: true });
      rmSync(large.dir, { recursive: true, force: true });
    }
  });

  test('error texts read as sentences, and say which way out there is', async () => {
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script><video-uploader></video-uploader>`);
    try {
      const texts = await page.evaluate(async () => {
        const { explain } = await import('/pkg/video-uploader.js');
        return [
          explain({ code: 'SERVER_ERROR', title: 'The video was not found.' }),
          explain({ code: 'SERVER_ERROR', title: 'Internal error' }),
          explain({ code: 'HTTP_ERROR', message: 'Teapot!  ' }),
          explain({ code: 'NOT_FOUND', title: 'The requested resource was not found.' }),
          explain({ code: 'FORBIDDEN' }),
        ];
      });
      assert.deepEqual(texts, [
        'The video was not found. You can retry.',
        'Internal error. You can retry.',
        'Teapot! You can retry.',
        'The video this upload was going into is gone. You can start over into a new video.',
        'This upload link cannot add to this video. You can start over into a new video.',
      ]);
    } finally {
      await page.close();
    }
  });

  test('a token withdrawn mid-upload: Retry after a new token is set carries on with it into the same video', async () => {
    const [first, second] = [await server.createToken(0), await server.createToken(0)];
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${first}" api-host="${server.url}" chunk-size="${5 * MIB}" pausable></video-uploader>`);
    const source = randomFile(12 * MIB, 'withdrawn.mp4');
    const logStart = server.logs.length;
    const videosBefore = await server.videoCount();
    try {
      // Paused as chunk 1 lands, so that the token is withdrawn before chunk 2 goes.
      await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        element.addEventListener('chunk', () => element.pause(), { once: true });
      });
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'pause'));
      await server.deleteToken(first);
      await page.evaluate(() => document.querySelector('video-uploader').resume());
      await page.waitForFunction(() => window.events.some((e) => e.type === 'error'));
      assert.equal((await events(page)).find((e) => e.type === 'error').detail.code, 'UNAUTHORIZED');
      assert.equal(await page.isVisible('video-uploader [part~="retry"]'), true);
      // A new link: the token set now is the one Retry uses.
      await page.evaluate((token) => (document.querySelector('video-uploader').token = token), second);
      await page.click('video-uploader [part~="retry"]');
      await page.waitForFunction(() => window.events.some((e) => e.type === 'success'));
      const seen = await events(page);
      const video = seen.find((e) => e.type === 'success').detail;
      assert.equal(video.videoId, seen.find((e) => e.type === 'chunk').detail.videoId, 'the same video');
      const which = { [loggedToken(first)]: 'first', [loggedToken(second)]: 'second' };
      const sent = server.uploads(logStart).map((upload) => `${which[upload.token] ?? upload.token} ${upload.range} ${upload.status}`);
      assert.deepEqual(sent, ['first part 1/3 200', 'first part 2/3 401', 'second part 2/3 200', 'second part 3/3 201']);
      assert.equal(await server.videoCount(), videosBefore + 1);
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
    } finally {
      await page.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('a file over max-file-size is refused again on Retry; start() does not send it either', async () => {
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${await server.createToken(0)}" api-host="${server.url}" max-file-size="1000" manual></video-uploader>`);
    const small = randomFile(2000, 'large-enough.mp4');
    const uploadsBefore = uploadsLogged();
    try {
      await page.setInputFiles('video-uploader input[type=file]', small.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'error'));
      assert.equal(await page.isVisible('video-uploader [part~="retry"]'), false, 'no Retry is offered');
      // A Retry pressed anyway (a script, an old button), and start(): refused again.
      await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        element.shadowRoot.querySelector('[part~="retry"]').click();
        element.start();
      });
      const errors = (await events(page)).filter((e) => e.type === 'error').map((e) => e.detail.code);
      assert.deepEqual(errors, ['FILE_TOO_LARGE', 'FILE_TOO_LARGE']);
      assert.equal(uploadsLogged(), uploadsBefore, 'nothing was sent');
    } finally {
      await page.close();
      rmSync(small.dir, { recursive: true, force: true });
    }
  });

  test('focus after Cancel, Retry and completion lands on a named control, never on the page', async () => {
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${await server.createToken(0)}" api-host="${server.url}" chunk-size="${5 * MIB}" pausable></video-uploader>`);
    const source = randomFile(11 * MIB, 'focus.mp4');
    try {
      const focused = () => page.evaluate(() => {
        const active = document.querySelector('video-uploader').shadowRoot.activeElement;
        return active ? `${active.getAttribute('part')}: ${active.innerText.trim()}` : String(document.activeElement?.tagName);
      });
      // Paused as chunk 1 lands: Cancel then ends it at a known point.
      await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        element.addEventListener('chunk', () => element.pause(), { once: true });
      });
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'pause'));
      await page.evaluate(() => {
        const cancel = document.querySelector('video-uploader').shadowRoot.querySelector('[part~="cancel"]');
        cancel.focus();
        cancel.click();
      });
      await page.waitForFunction(() => window.events.some((e) => e.type === 'error'));
      assert.equal(await focused(), 'retry: Retry', 'after Cancel');
      await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        element.addEventListener('upload-start', () => element.shadowRoot.activeElement?.setAttribute('data-after-retry', ''), { once: true });
        element.shadowRoot.querySelector('[part~="retry"]').click();
      });
      await page.waitForFunction(() => document.querySelector('video-uploader').shadowRoot.querySelector('[part~="retry"]').hidden);
      assert.match(await focused(), /^(pause: Pause|cancel: Cancel)$/, 'after Retry');
      // Focus on Cancel as it completes: Cancel goes, the row's Remove takes the focus; the
      // row removed, the picker does.
      await page.evaluate(() => document.querySelector('video-uploader').shadowRoot.querySelector('[part~="cancel"]').focus());
      await page.waitForFunction(() => window.events.some((e) => e.type === 'success'));
      assert.equal(await focused(), 'remove: Remove', 'after completion');
      await page.evaluate(() => document.querySelector('video-uploader').shadowRoot.querySelector('[part~="remove"]').click());
      assert.equal(await focused(), 'pick: Choose a file', 'after Remove');
    } finally {
      await page.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('a video deleted mid-upload fails with Start over, not Retry; Start over uploads the file whole into a new video', async () => {
    const token = await server.createToken(0);
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${token}" api-host="${server.url}" chunk-size="${5 * MIB}" pausable></video-uploader>`);
    const source = randomFile(12 * MIB, 'deleted.mp4');
    try {
      // Paused as chunk 1 lands, so that the video is deleted before chunk 2 goes.
      await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        element.addEventListener('chunk', () => element.pause(), { once: true });
      });
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      // Each step has 20 s, and says where the upload stood if it runs out: a step that
      // hangs must fail here, with facts, rather than as the whole file's timeout.
      const bounded = async (what, wait) => {
        let timer;
        const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(what)), 20000)));
        try {
          await Promise.race([wait, late]);
        } catch (error) {
          const state = await page.evaluate(() => [window.events.map((e) => e.type + (e.detail?.code ? `:${e.detail.code}` : '')), document.querySelector('video-uploader').shadowRoot.querySelector('[part~="status"]')?.textContent]);
          throw new Error(`${error.message}: ${JSON.stringify(state)}`);
        } finally {
          clearTimeout(timer);
        }
      };
      await bounded('paused as chunk 1 landed', page.waitForFunction(() => window.events.some((e) => e.type === 'pause')));
      const gone = (await events(page)).find((e) => e.type === 'chunk').detail.videoId;
      await bounded('the video deleted', server.deleteVideo(gone));
      await bounded('resumed', page.evaluate(() => document.querySelector('video-uploader').resume()));
      await bounded('failed with NOT_FOUND', page.waitForFunction(() => window.events.some((e) => e.type === 'error')));
      assert.equal((await events(page)).find((e) => e.type === 'error').detail.code, 'NOT_FOUND');
      assert.equal(await page.textContent('video-uploader [part~="status"]'), 'The video this upload was going into is gone. You can start over into a new video.');
      assert.equal(await page.isVisible('video-uploader [part~="retry"]'), false, 'no retry can mend it');
      assert.equal(await page.isVisible('video-uploader [part~="start-over"]'), true);
      await bounded('Start over clicked', page.click('video-uploader [part~="start-over"]'));
      await bounded('complete after Start over', page.waitForFunction(() => window.events.some((e) => e.type === 'success')));
      const video = (await events(page)).find((e) => e.type === 'success').detail;
      assert.notEqual(video.videoId, gone);
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
      assert.equal(await page.evaluate(async () => (await (await import('/pkg/index.js')).VideoUploader.findPreviousUploads()).length), 0, 'no record is left');
    } finally {
      await page.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('upload-token, video-name and accept reach the upload; no-drop ignores a drop; pause and resume are events', async () => {
    const token = await server.createToken(0);
    const page = await plainPage(`<input id="source" type="file">
      <script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader upload-token="${token}" api-host="${server.url}" video-name="Named by the page" accept="video/mp4"
        chunk-size="${5 * MIB}" no-drop pausable></video-uploader>`);
    const source = randomFile(11 * MIB, 'attributes.mp4');
    try {
      assert.equal(await page.evaluate(() => document.querySelector('video-uploader').shadowRoot.querySelector('input[type=file]').accept), 'video/mp4');
      await page.setInputFiles('#source', source.file);
      await page.evaluate(() => {
        const transfer = new DataTransfer();
        transfer.items.add(document.getElementById('source').files[0]);
        const zone = document.querySelector('video-uploader').shadowRoot.querySelector('[part~="drop"]');
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      });
      assert.deepEqual(await events(page), [], 'no-drop: the drop is ignored');
      await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        element.addEventListener('chunk', () => {
          element.pause();
          setTimeout(() => element.resume());
        }, { once: true });
      });
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'success' || e.type === 'error'));
      const seen = await events(page);
      assert.deepEqual(seen.map((e) => e.type), ['file-ready', 'upload-start', 'chunk', 'pause', 'resume', 'chunk', 'chunk', 'success']);
      const video = seen.at(-1).detail;
      assert.equal(video.title, 'Named by the page');
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);
    } finally {
      await page.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('uploads are resumable by default (a record while one runs), and not with no-resume', async () => {
    const token = await server.createToken(0);
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader id="resumable" token="${token}" api-host="${server.url}" chunk-size="${5 * MIB}" pausable></video-uploader>
      <video-uploader id="plain" token="${token}" api-host="${server.url}" chunk-size="${5 * MIB}" pausable no-resume></video-uploader>`);
    const kept = randomFile(11 * MIB, 'kept.mp4');
    const unkept = randomFile(11 * MIB, 'unkept.mp4');
    try {
      // Each pauses as its first chunk lands, so that a record, if any, stands.
      await page.evaluate(async () => {
        localStorage.clear();
        for (const element of document.querySelectorAll('video-uploader')) element.addEventListener('chunk', () => element.pause(), { once: true });
      });
      await page.setInputFiles('#resumable input[type=file]', kept.file);
      await page.setInputFiles('#plain input[type=file]', unkept.file);
      await page.waitForFunction(() => window.events.filter((e) => e.type === 'pause').length === 2);
      const records = await page.evaluate(async () => (await (await import('/pkg/index.js')).VideoUploader.findPreviousUploads()).map((r) => r.fileName));
      assert.deepEqual(records, ['kept.mp4']);
      await page.evaluate(() => {
        for (const element of document.querySelectorAll('video-uploader')) element.resume();
      });
      await page.waitForFunction(() => window.events.filter((e) => e.type === 'success').length === 2);
      assert.deepEqual(await page.evaluate(async () => (await (await import('/pkg/index.js')).VideoUploader.findPreviousUploads()).length), 0, 'a finished upload leaves no record');
    } finally {
      await page.close();
      rmSync(kept.dir, { recursive: true, force: true });
      rmSync(unkept.dir, { recursive: true, force: true });
    }
  });

  test('after a reload it offers the uploads left unfinished; the file picked again continues its video; Forget them forgets', async () => {
    const token = await server.createToken(0);
    const html = `<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${token}" api-host="${server.url}" chunk-size="${5 * MIB}" pausable></video-uploader>`;
    let page = await plainPage(html);
    const source = randomFile(11 * MIB, 'left.mp4');
    const offered = () => page.evaluate(() => {
      const root = document.querySelector('video-uploader').shadowRoot;
      const box = root.querySelector('[part~="previous"]');
      return box.hidden ? null : [...root.querySelectorAll('[part~="previous-files"] li')].map((li) => li.textContent);
    });
    try {
      await page.evaluate(() => {
        localStorage.clear();
        const element = document.querySelector('video-uploader');
        element.addEventListener('chunk', () => element.pause(), { once: true });
      });
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'pause'));
      const left = (await events(page)).find((e) => e.type === 'chunk').detail.videoId;
      assert.equal(await offered(), null, 'nothing offered while it is in hand');

      // The page again (its upload goes with it): what it left is offered; picked again, it
      // continues the same video.
      page = await plainPage(html, page);
      await page.waitForFunction(() => !document.querySelector('video-uploader').shadowRoot.querySelector('[part~="previous"]').hidden);
      assert.deepEqual(await offered(), ['left.mp4 (12 MB)']);
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      assert.equal(await offered(), null, 'picked again: no longer offered');
      await page.waitForFunction(() => window.events.some((e) => e.type === 'success'));
      const seen = await events(page);
      assert.equal(seen.find((e) => e.type === 'success').detail.videoId, left);
      assert.deepEqual(seen.filter((e) => e.type === 'chunk').map((e) => e.detail.chunk), [2, 3]);
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', left, 'source')), source.sha256);

      // Left again, and forgotten: nothing offered after that.
      page = await plainPage(html, page);
      await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        element.addEventListener('chunk', () => element.pause(), { once: true });
      });
      const again = randomFile(11 * MIB, 'again.mp4');
      try {
        await page.setInputFiles('video-uploader input[type=file]', again.file);
        await page.waitForFunction(() => window.events.some((e) => e.type === 'pause'));
      } finally {
        rmSync(again.dir, { recursive: true, force: true });
      }
      page = await plainPage(html, page);
      await page.waitForFunction(() => !document.querySelector('video-uploader').shadowRoot.querySelector('[part~="previous"]').hidden);
      await page.click('video-uploader [part~="forget"]');
      await page.waitForFunction(() => document.querySelector('video-uploader').shadowRoot.querySelector('[part~="previous"]').hidden);
      assert.equal(await page.evaluate(async () => (await (await import('/pkg/index.js')).VideoUploader.findPreviousUploads()).length), 0);
    } finally {
      await page.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('a refused chunk is a retry event with its reason and wait, shown in words; Cancel then ends it', async () => {
    const token = await limited.createToken(0);
    const page = await plainPage(`<script type="module" src="/pkg/video-uploader.js"></script>
      <video-uploader token="${token}" api-host="${limited.url}" no-resume></video-uploader>`);
    const source = randomFile(1000, 'limited.mp4');
    try {
      await page.evaluate(() => {
        const element = document.querySelector('video-uploader');
        element.addEventListener('retry', () => {
          window.retryStatus = element.shadowRoot.querySelector('[part~="status"]').textContent;
          setTimeout(() => element.cancel());
        }, { once: true });
      });
      await page.setInputFiles('video-uploader input[type=file]', source.file);
      await page.waitForFunction(() => window.events.some((e) => e.type === 'error'));
      const seen = await events(page);
      const retry = seen.find((e) => e.type === 'retry').detail;
      assert.deepEqual([retry.attempt, retry.reason, retry.error.code, retry.fileName], [1, 'RATE_LIMITED', 'RATE_LIMITED', 'limited.mp4']);
      assert.ok(retry.delay >= 1000, `waits at least Retry-After: ${retry.delay}`);
      assert.match(await page.evaluate(() => window.retryStatus), /^Connection trouble; retrying in \d+ s…$/);
      assert.equal(seen.at(-1).type, 'error');
      assert.equal(seen.at(-1).detail.code, 'ABORTED');
      assert.equal(await page.textContent('video-uploader [part~="status"]'), 'Cancelled.');
    } finally {
      await page.close();
      rmSync(source.dir, { recursive: true, force: true });
    }
  });
});
