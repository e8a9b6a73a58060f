// Two tabs of one origin (two pages of one Playwright context in Chromium: one
// localStorage, one set of Web Locks) upload the same file with `resumable: true`: the
// second goes into a video of its own and leaves the first tab's record alone, so that a
// reload of the first still resumes its own video.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startProxy } from '../support/proxy.mjs';
import { useServerAndBrowser } from '../support/fixture.mjs';
import { randomFile, sha256File } from '../support/files.mjs';

const MIB = 1024 * 1024;
let server;
let browser;
useServerAndBrowser((started) => ({ server, browser } = started));

test("resumable: while one tab uploads a file, the same file in another tab goes into a video of its own and leaves the first tab's record alone", async () => {
  const source = randomFile(12 * MIB, 'two-tabs.mp4');
  // The first tab's second chunk is held after 1 MiB: it has the file in hand.
  const proxy = await startProxy(server.url);
  proxy.rule(2, { holdBodyAfter: MIB });
  const context = await browser.newContext();
  const [first, second] = [await context.newPage(), await context.newPage()];
  try {
    for (const page of [first, second]) {
      await page.goto(`${server.url}/`);
      await page.evaluate(async () => {
        window.pkg = await import('/pkg/index.js');
      });
      await page.setInputFiles('#file', source.file);
    }
    await first.evaluate(() => window.pkg.VideoUploader.clearPreviousUploads());
    const token = await server.createToken(0);
    const options = { uploadToken: token, apiHost: proxy.url, chunkSize: 5 * MIB, resumable: true };
    await first.evaluate((options) => {
      const file = document.getElementById('file').files[0];
      window.outcome = new window.pkg.VideoUploader({ file, ...options }).upload();
    }, options);
    await proxy.reached(2, 'held');
    const [record] = await second.evaluate(() => window.pkg.VideoUploader.findPreviousUploads());
    assert.equal(record.uploadedChunks, 1);
    const video = await second.evaluate(async (options) => {
      const file = document.getElementById('file').files[0];
      return new window.pkg.VideoUploader({ file, ...options }).upload();
    }, options);
    assert.notEqual(video.videoId, record.videoId, 'a video of its own');
    assert.deepEqual(await second.evaluate(() => window.pkg.VideoUploader.findPreviousUploads()), [record], "the first tab's record is as it was");
    assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256);

    // The first tab goes on, into its own video, and its record goes with its success.
    proxy.release(2);
    const firstVideo = await first.evaluate(() => window.outcome);
    assert.equal(firstVideo.videoId, record.videoId);
    assert.deepEqual(await first.evaluate(() => window.pkg.VideoUploader.findPreviousUploads()), []);
    assert.equal(await sha256File(path.join(server.dataDir, 'videos', firstVideo.videoId, 'source')), source.sha256);
  } finally {
    proxy.release(2);
    await context.close();
    proxy.close();
    rmSync(source.dir, { recursive: true, force: true });
  }
});
