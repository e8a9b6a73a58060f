// UploadQueue in Chromium, Firefox and WebKit: five files, two at a time, progress summed
// over the queue, one file cancelled and retried, every file byte-identical in a video of
// its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../support/server.mjs';
import { BLANK_WWW } from '../support/browser.mjs';
import { eachEngine } from '../support/engines.mjs';
import { randomFile, sha256File } from '../support/files.mjs';

const MIB = 1024 * 1024;
let server;
let sources;

before(async () => {
  server = await startServer({ extraArgs: ['--www', BLANK_WWW] });
  sources = [7, 3, 11, 5, 9].map((size, i) => randomFile(size * MIB + i, `queued-${i}.mp4`));
});

after(async () => {
  await server?.stop();
  for (const source of sources ?? []) rmSync(source.dir, { recursive: true, force: true });
});

eachEngine((browser) => {
  test('five files, two at a time; one cancelled before it starts, then retried', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/`);
      await page.setInputFiles('#file', sources.map((s) => s.file));
      const token = await server.createToken(0);
      const result = await page.evaluate(async ({ token, apiHost }) => {
        const { UploadQueue } = await import('/pkg/queue.js');
        const bad = [0, 9, 1.5, '2'].map((concurrency) => {
          try {
            new UploadQueue({ uploadToken: token, concurrency });
            return null;
          } catch (error) {
            return error.code;
          }
        });
        const queue = new UploadQueue({ uploadToken: token, apiHost, chunkSize: 5 * 1024 * 1024, concurrency: 2 });
        let mostAtOnce = 0;
        const progress = [];
        const order = [];
        queue.addEventListener('file-start', (event) => {
          order.push(`start ${event.detail.file.name}`);
          mostAtOnce = Math.max(mostAtOnce, queue.files.filter((q) => q.state === 'uploading').length);
        });
        queue.addEventListener('file-success', (event) => order.push(`done ${event.detail.file.name}`));
        queue.addEventListener('file-error', (event) => order.push(`${event.detail.code} ${event.detail.file.name}`));
        queue.addEventListener('progress', (event) => progress.push(event.detail));
        const files = [...document.getElementById('file').files];
        const queued = files.map((file) => queue.add(file));
        // The last file is cancelled while it waits: it fails without sending anything.
        queued[4].cancel();
        const first = await queue.done();
        queued[4].retry();
        const second = await queue.done();
        return {
          bad,
          mostAtOnce,
          order,
          progress,
          first: { videos: first.videos.length, errors: first.errors.map((e) => e.code) },
          videos: second.videos.map((v) => ({ name: v.file.name, videoId: v.videoId })),
          states: queue.files.map((q) => q.state),
        };
      }, { token, apiHost: server.url });

      assert.deepEqual(result.bad, Array(4).fill('OPTION_INVALID'));
      assert.equal(result.mostAtOnce, 2, 'two at a time');
      assert.deepEqual(result.order.slice(0, 3), ['start queued-0.mp4', 'start queued-1.mp4', 'ABORTED queued-4.mp4'], 'the first two start as they are added');
      assert.ok(!result.order.includes('start queued-4.mp4') || result.order.indexOf('start queued-4.mp4') > result.order.indexOf('ABORTED queued-4.mp4'), 'the cancelled file started only when retried');
      assert.deepEqual(result.first, { videos: 4, errors: ['ABORTED'] });
      assert.deepEqual(result.states, Array(5).fill('done'));
      const total = sources.reduce((sum, s, i) => sum + [7, 3, 11, 5, 9][i] * MIB + i, 0);
      for (let i = 1; i < result.progress.length; i++) {
        assert.equal(result.progress[i].totalBytes, total);
      }
      assert.equal(result.progress.at(-1).uploadedBytes, total);
      assert.equal(new Set(result.videos.map((v) => v.videoId)).size, 5);
      for (const video of result.videos) {
        const source = sources[Number(video.name.match(/queued-(\d)/)[1])];
        assert.equal(await sha256File(path.join(server.dataDir, 'videos', video.videoId, 'source')), source.sha256, video.name);
      }
    } finally {
      await page.close();
    }
  });
});
