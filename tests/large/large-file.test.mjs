// `npm run test:large` (not part of `npm test`: about ten minutes and 14 GiB of disk at
// peak). A 4.5 GiB file, past the 4 GiB mark where 32-bit offsets wrap, uploads through the
// package's JS API with its default 50 MiB chunks in each engine, byte-identical, while the
// browser's memory stays flat: the file's bytes never enter page or wasm memory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../support/server.mjs';
import { BLANK_WWW } from '../support/browser.mjs';
import { eachEngine } from '../support/engines.mjs';
import { randomFile, sha256File } from '../support/files.mjs';

const MIB = 1024 * 1024;
const SIZE = 4.5 * 1024 * MIB;
// Far below the file's size, far above what one 50 MiB chunk in flight can cost.
const MEMORY_GROWTH_LIMIT = 1024 * MIB;

let server;
let source;

before(async () => {
  server = await startServer({ extraArgs: ['--www', BLANK_WWW], profile: 'release' });
  source = randomFile(SIZE, 'large.mp4');
});

after(async () => {
  await server?.stop();
  if (source) rmSync(source.dir, { recursive: true, force: true });
});

eachEngine((browser, engine) => {
  test(`a 4.5 GiB file uploads byte-identical with flat memory`, async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.evaluate(async () => {
      window.pkg = await import('/pkg/index.js');
    });
    await page.setInputFiles('#file', source.file);
    const token = await server.createToken(0);
    const atStart = browser.browserRss();
    let peak = atStart;
    const sampler = setInterval(() => (peak = Math.max(peak, browser.browserRss())), 250);
    const started = Date.now();
    const outcome = await page
      .evaluate(async ({ token, apiHost }) => {
        const file = document.getElementById('file').files[0];
        let last = null;
        const uploader = new window.pkg.VideoUploader({ file, uploadToken: token, apiHost });
        uploader.onProgress((p) => (last = p));
        const video = await uploader.upload();
        return { videoId: video.videoId, uploaded: last.uploadedBytes, total: last.totalBytes, chunks: last.chunksCount };
      }, { token, apiHost: server.url })
      .finally(() => clearInterval(sampler));
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual([outcome.uploaded, outcome.total, outcome.chunks], [SIZE, SIZE, Math.ceil(SIZE / (50 * MIB))]);
    const stored = path.join(server.dataDir, 'videos', outcome.videoId, 'source');
    assert.equal(await sha256File(stored), source.sha256, 'the stored bytes are the file');
    const growth = peak - atStart;
    console.log(
      `large-file ${engine}: ${(SIZE / MIB).toFixed(0)} MiB in ${seconds.toFixed(1)} s (${(SIZE / MIB / seconds).toFixed(1)} MiB/s); ` +
        `browser RSS ${(atStart / MIB).toFixed(0)} MiB at start, peak ${(peak / MIB).toFixed(0)} MiB (+${(growth / MIB).toFixed(0)} MiB)`,
    );
    assert.ok(growth < MEMORY_GROWTH_LIMIT, `browser memory grew by ${(growth / MIB).toFixed(0)} MiB`);
    // Room on disk for the next engine.
    rmSync(path.join(server.dataDir, 'videos', outcome.videoId), { recursive: true, force: true });
  });
});
