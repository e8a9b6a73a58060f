// <video-uploader record> in each engine, against upload-server: with the engine's fake
// camera and microphone, Record, Pause, Resume and Stop make a row whose video is the
// recording byte for byte; a refused permission and a machine without a camera are said in
// plain words, with a stable code and no request; an engine that cannot record a video
// (WebKitGTK here) shows no Record at all, and the file picker still works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, loggedToken } from '../support/server.mjs';
import { BLANK_WWW } from '../support/browser.mjs';
import { eachEngine } from '../support/engines.mjs';
import { sha256File } from '../support/files.mjs';

let server;
/** A server whose root is the drop-in page. */
let pageServer;

before(async () => {
  server = await startServer({ extraArgs: ['--www', BLANK_WWW] });
  pageServer = await startServer();
});

after(async () => {
  await server?.stop();
  await pageServer?.stop();
});

/** A blank page with `<video-uploader record>` for `token`, its events kept in `window.events`:
 * whether this engine can record there. */
async function recordPage(browser, token) {
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  const recordable = await page.evaluate(async ({ token, apiHost }) => {
    await import('/pkg/video-uploader.js');
    const element = Object.assign(document.createElement('video-uploader'), { id: 'uploader' });
    element.setAttribute('record', '');
    element.setAttribute('api-host', apiHost);
    if (token) element.setAttribute('token', token);
    document.body.append(element);
    window.events = [];
    for (const type of ['record-start', 'record-stop', 'record-error', 'success', 'error']) {
      element.addEventListener(type, (event) => {
        window.events.push(type);
        window[type] = event.detail;
      });
    }
    return element.recordable;
  }, { token, apiHost: server.url });
  return { page, recordable };
}


eachEngine((browser, engine) => {
  test('Record with the camera, Pause, Resume, Stop: a row whose video is the recording, byte for byte', async () => {
    const token = await server.createToken(0);
    const { page, recordable } = await recordPage(browser, token);
    if (!recordable) {
      // No MediaRecorder that records a video: no Record, and the file picker as ever.
      assert.equal(engine, 'webkit', 'Chromium and Firefox record');
      assert.equal(await page.isVisible('video-uploader [part~="record-camera"]'), false);
      assert.equal(await page.isVisible('video-uploader [part~="record-screen"]'), false);
      assert.equal(await page.isVisible('video-uploader [part~="pick"]'), true);
      return page.close();
    }
    assert.equal(await page.isVisible('video-uploader [part~="record-camera"]'), true);
    await page.click('video-uploader [part~="record-camera"]');
    await page.waitForFunction(() => window.events.includes('record-start'));
    assert.equal(await page.getAttribute('#uploader', 'recording'), '');
    assert.equal(await page.isVisible('video-uploader [part~="preview"]'), true);
    // The fact waited on: the first blob is recorded (its bytes are in the status).
    await page.waitForFunction(() => !/· 0 B,/.test(document.querySelector('#uploader').shadowRoot.querySelector('[part~="recording-status"]').textContent));
    assert.match(await page.textContent('video-uploader [part~="recording-status"]'), /^Recording · 0:\d\d · [\d.]+ [KM]B, [\d.]+ [KM]?B sent$/);
    await page.click('video-uploader [part~="record-pause"]');
    assert.equal(await page.getAttribute('#uploader', 'recording-paused'), '');
    assert.match(await page.textContent('video-uploader [part~="recording-status"]'), /^Paused at 0:\d\d · /);
    assert.equal(await page.isVisible('video-uploader [part~="record-pause"]'), false);
    await page.click('video-uploader [part~="record-resume"]');
    assert.equal(await page.getAttribute('#uploader', 'recording-paused'), null);
    await page.click('video-uploader [part~="record-stop"]');
    await page.waitForFunction(() => window.events.includes('success') || window.events.includes('error'));
    const result = await page.evaluate(async () => {
      const file = window['record-stop'].file;
      const root = document.querySelector('#uploader').shadowRoot;
      return {
        events: window.events,
        name: file.name,
        type: file.type,
        size: file.size,
        digest: [...new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()))].map((b) => b.toString(16).padStart(2, '0')).join(''),
        same: window.success.file === file,
        videoId: window.success.videoId,
        title: window.success.title,
        tracks: window['record-start'].stream.getTracks().map((track) => track.readyState),
        kinds: window['record-start'].stream.getTracks().map((track) => track.kind).sort(),
        state: root.querySelector('.row').dataset.state,
        status: root.querySelector('[part~="status"]').textContent,
        panel: root.querySelector('[part~="recording"]').hidden,
        recording: document.querySelector('#uploader').hasAttribute('recording'),
        files: document.querySelector('#uploader').files.length,
      };
    });
    assert.deepEqual(result.events, ['record-start', 'record-stop', 'success']);
    assert.match(result.name, /^Recording \d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\.(webm|mp4|mkv)$/);
    assert.equal(result.title, result.name);
    assert.match(result.type, /^video\//);
    assert.ok(result.same, 'success carries the recording as its file');
    assert.deepEqual(result.kinds, ['audio', 'video'], 'the camera with its microphone');
    assert.deepEqual(result.tracks, ['ended', 'ended'], 'the camera and microphone are off after Stop');
    assert.equal(result.state, 'complete');
    assert.equal(result.status, 'Uploaded.');
    assert.equal(result.panel, true);
    assert.equal(result.recording, false);
    assert.equal(result.files, 1);
    assert.equal(await sha256File(path.join(server.dataDir, 'videos', result.videoId, 'source')), result.digest, `the stored ${result.size} bytes are the recording's`);
    const parts = server.uploads().filter((upload) => upload.token === loggedToken(token));
    assert.match(parts.at(-1).range, /^part (\d+)\/\1$/, 'a progressive upload, completed by its last part');
    await page.close();
  });

  test('the drop-in page records: Record, Stop, and the recording is a result card with its video', async (t) => {
    const token = await pageServer.createToken(0);
    const page = await browser.newPage();
    await page.goto(`${pageServer.url}/?token=${token}`);
    await page.waitForSelector('video-uploader [part~="pick"]');
    const recordable = await page.evaluate(() => document.getElementById('uploader').recordable);
    if (!recordable) {
      assert.equal(engine, 'webkit', 'Chromium and Firefox record');
      assert.equal(await page.isVisible('video-uploader [part~="record-camera"]'), false);
      t.skip('this engine cannot record a video: the page shows no Record');
      return page.close();
    }
    await page.evaluate(() => {
      const uploader = document.getElementById('uploader');
      window.recorded = new Promise((resolve) => uploader.addEventListener('record-stop', (event) => resolve(event.detail.file), { once: true }));
    });
    await page.click('video-uploader [part~="record-camera"]');
    // The fact waited on: the first blob is recorded (its bytes are in the status).
    await page.waitForFunction(() => /· [1-9][\d.]* [KM]B,/.test(document.getElementById('uploader').shadowRoot.querySelector('[part~="recording-status"]').textContent));
    await page.click('video-uploader [part~="record-stop"]');
    await page.waitForSelector('#result-list [data-video-id]');
    const result = await page.evaluate(async () => {
      const file = await window.recorded;
      return {
        videoId: document.querySelector('#result-list [data-video-id]').dataset.videoId,
        title: document.querySelector('#result-list [data-video-id] strong').textContent,
        name: file.name,
        digest: [...new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()))].map((b) => b.toString(16).padStart(2, '0')).join(''),
      };
    });
    assert.equal(result.title, result.name);
    assert.equal(await sha256File(path.join(pageServer.dataDir, 'videos', result.videoId, 'source')), result.digest);
    await page.close();
  });
}, { media: 'fake' });

/** The ways a recording cannot start, each with the engines' devices that make it so. */
const REFUSALS = [
  {
    media: 'denied',
    title: 'the camera refused: plain words, RECORDING_DENIED, no request; the file picker still works',
    code: 'RECORDING_DENIED',
    text: 'The browser was not allowed to use the camera or microphone. Allow it in the site’s settings (beside the address), then try again.',
  },
  { media: 'none', title: 'no camera on the machine: plain words, NO_DEVICE, no request', code: 'NO_DEVICE', text: 'No camera was found. Connect one and try again, or choose a file.' },
];

for (const refusal of REFUSALS) {
  eachEngine((browser, engine) => {
    test(refusal.title, async (t) => {
      const token = await server.createToken(0);
      const { page, recordable } = await recordPage(browser, token);
      if (!recordable) {
        assert.equal(engine, 'webkit', 'Chromium and Firefox record');
        t.skip('this engine cannot record a video: it shows no Record (the first test)');
        return page.close();
      }
      const before = server.uploads().length;
      await page.click('video-uploader [part~="record-camera"]');
      await page.waitForFunction(() => window.events.includes('record-error'));
      const result = await page.evaluate(() => ({ code: window['record-error'].code, message: window['record-error'].message, events: window.events }));
      assert.equal(result.code, refusal.code, result.message);
      assert.deepEqual(result.events, ['record-error']);
      assert.equal(await page.textContent('video-uploader [part~="record-message"]'), refusal.text);
      assert.equal(await page.getAttribute('#uploader', 'recording'), null);
      assert.equal(await page.isVisible('video-uploader [part~="recording"]'), false);
      assert.equal(await page.isVisible('video-uploader [part~="pick"]'), true);
      assert.equal(await page.evaluate(() => document.querySelector('#uploader').shadowRoot.querySelector('[part~="record-camera"]').disabled), false, 'Record can be pressed again');
      assert.equal(server.uploads().length, before, 'no request');
      await page.close();
    });
  }, { media: refusal.media });
}
