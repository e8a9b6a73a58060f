// The Leptos example app (examples/leptos), built by scripts/build-examples.sh and served by
// upload-server at /examples/leptos/: a user picks a file in it and gets the player link, in
// Chromium, Firefox and WebKit. Real server, real storage, nothing mocked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, projectDir } from '../support/server.mjs';
import { eachEngine } from '../support/engines.mjs';
import { randomFile, sha256File } from '../support/files.mjs';

const MIB = 1024 * 1024;
const BUILT = path.join(projectDir, 'target', 'examples', 'leptos', 'leptos_upload_example_bg.wasm');
let server;

before(async () => {
  assert.ok(existsSync(BUILT), `${BUILT} is missing: run bash scripts/build-examples.sh`);
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

/** The upload requests of `videoId` as the server logged them. */
const uploadLines = (videoId) => server.uploads().filter((upload) => upload.videoId === videoId);

/** Opens the app with `query`, picks `file` and waits for the result or the error. */
async function uploadThroughApp(browser, query, file) {
  const page = await browser.newPage();
  await page.goto(`${server.url}/examples/leptos/?${query}`);
  await page.waitForSelector('#file');
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => document.querySelector('#result, #error'));
  return page;
}

eachEngine((browser) => {
  test('a 12 MiB file picked in the Leptos app uploads in three chunks, byte-identical, and the app links the player', async () => {
    const source = randomFile(12 * MIB, 'interview.mp4');
    try {
      const token = await server.createToken(3600);
      const page = await uploadThroughApp(browser, `token=${token}&chunkSize=5`, source.file);
      const error = await page.evaluate(() => document.querySelector('#error')?.textContent ?? null);
      assert.equal(error, null, `the app showed an error: ${error}`);

      const videoId = await page.getAttribute('#result', 'data-video-id');
      assert.match(videoId, /^vi[0-9A-Za-z]{22}$/);
      assert.match(await page.textContent('#result'), /Uploaded interview\.mp4/);
      const player = await page.getAttribute('#player', 'href');
      assert.equal(player, `${server.url}/vod/${videoId}/player`);
      const answer = await fetch(player);
      assert.equal(answer.status, 200);

      // Three requests of 5, 5 and 2 MiB, the later two into the first one's video.
      const lines = uploadLines(videoId);
      assert.deepEqual(lines.map((l) => l.range), ['part 1/3', 'part 2/3', 'part 3/3']);
      assert.deepEqual(lines.map((l) => l.sent), ['-', videoId, videoId]);
      assert.deepEqual(lines.map((l) => l.status), [200, 200, 201]);
      assert.equal(await sha256File(path.join(server.dataDir, 'videos', videoId, 'source')), source.sha256);
      // The bar ended full.
      assert.equal(await page.evaluate(() => document.querySelector('#progress') === null), true, 'the progress section stays after success');
    } finally {
      rmSync(source.dir, { recursive: true, force: true });
    }
  });

  test('a withdrawn token: the app says so in words, with the stable code, and stores nothing', async () => {
    const source = randomFile(6 * MIB, 'clip.mp4');
    try {
      const token = await server.createToken(3600);
      await server.deleteToken(token);
      const page = await uploadThroughApp(browser, `token=${token}`, source.file);
      assert.equal(await page.getAttribute('#error', 'data-code'), 'UNAUTHORIZED');
      assert.notEqual((await page.textContent('#error')).trim(), '');
      assert.equal(await page.evaluate(() => document.querySelector('#result')), null);
    } finally {
      rmSync(source.dir, { recursive: true, force: true });
    }
  });
});
