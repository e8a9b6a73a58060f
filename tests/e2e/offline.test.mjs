// The network goes away in the middle of an upload and comes back (Playwright's
// context.setOffline, which Chromium reports to the page as offline and online events):
// the upload pauses (aborting the chunk on the wire) without spending a retry, and resumes
// at once, byte-identical.
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

test('offline pauses the upload without a retry; online resumes it at once', async () => {
  const source = randomFile(40 * MIB, 'offline.mp4');
  // Chunk 2's body is held after 1 MiB (of 16: far more than socket buffers take in), so the
  // network goes while it is on the wire.
  const proxy = await startProxy(server.url);
  proxy.rule(2, { holdBodyAfter: MIB });
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}/`);
    await page.evaluate(async () => {
      window.pkg = await import('/pkg/index.js');
    });
    await page.setInputFiles('#file', source.file);
    const token = await server.createToken(0);
    await page.evaluate(
      ({ token, apiHost }) => {
        const file = document.getElementById('file').files[0];
        // No retry at all: a network failure that were not a pause would end the upload.
        const uploader = new window.pkg.VideoUploader({ file, uploadToken: token, apiHost, chunkSize: 16 * 1024 * 1024, retries: 0 });
        window.uploader = uploader;
        window.events = [];
        for (const type of ['chunk', 'retry', 'pause', 'resume', 'offline', 'online']) {
          uploader.addEventListener(type, (event) => window.events.push(type === 'chunk' ? `chunk ${event.detail.chunk}` : type));
        }
        window.outcome = uploader.upload().then(
          (video) => ({ video }),
          (error) => ({ error: error.code }),
        );
      },
      { token, apiHost: proxy.url },
    );
    await proxy.reached(2, 'held');
    const logStart = server.logs.length;
    await context.setOffline(true);
    await page.waitForFunction(() => window.uploader.paused);
    // Let the proxy read again: it finds chunk 2 given up by the browser, and the server
    // gets a cut request.
    proxy.release(2);
    await context.setOffline(false);
    const outcome = await page.evaluate(() => window.outcome);
    assert.ok(outcome.video, JSON.stringify(outcome));
    assert.equal(await page.evaluate(() => window.uploader.paused), false);
    assert.deepEqual(await page.evaluate(() => window.events), ['chunk 1', 'offline', 'online', 'chunk 2', 'chunk 3'], 'no retry, no pause or resume event');
    assert.equal(await sha256File(path.join(server.dataDir, 'videos', outcome.video.videoId, 'source')), source.sha256);
    // Chunk 2 was aborted by the pause (cut on the server), then sent again whole.
    const lines = server.logs
      .slice(logStart)
      .map((line) => line.match(/ upload token=\S+ content_range="([^"]*)" .* status=(\d+)/))
      .filter(Boolean)
      .map(([, range, status]) => `${range} ${Number(status) < 400 ? 'stored' : 'cut'}`);
    // (Sorted: the cut is logged when the server notices it, which may come late.)
    assert.deepEqual(lines.sort(), ['part 2/3 cut', 'part 2/3 stored', 'part 3/3 stored']);
  } finally {
    await context.close();
    proxy.close();
    rmSync(source.dir, { recursive: true, force: true });
  }
});
