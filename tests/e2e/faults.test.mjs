// The fault suite: 30 uploads of 20 to 120 MiB files through the package in Chromium,
// against upload-server with seeded faults (5xx, resets mid-body, 429 with Retry-After,
// faults after the chunk was committed, stalls), with one server restart by kill -9 in the
// middle of an upload, one page reload in the middle of an upload (resumed from storage)
// and one offline/online toggle. Every upload must end with the stored SHA-256 equal to the
// source's, one complete video per upload, and no chunk stored twice. All of it three
// times: one chunk at a time, with parallelParts: 4, and with parallelParts: 4 and
// chunkSize: 'auto' (chunk sizes that change as the faults slow chunks down). The run with
// parallelParts: 4 keeps the default retry policy (exponential backoff with jitter, and
// Retry-After honoured, both checked on every retry event); the other two retry after 50 ms,
// which keeps the suite's time in bounds. Every byte sent beyond the files' own is accounted
// for by a failed attempt: per upload, at most one chunk again per retry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '../support/server.mjs';
import { launchBrowser, BLANK_WWW } from '../support/browser.mjs';
import { randomFile, sha256File } from '../support/files.mjs';

const MIB = 1024 * 1024;
const CHAOS = 'seed=31,fail=0.12,reset=0.12,429=0.04,stall=0.03,stall-for=3s,after=0.5,retry-after=1';
const SIZES = [20, 40, 60, 80, 100, 120];
const CHUNKS = [5, 8, 16, 32, 50];
const UPLOADS = 30;
// Uploads of several chunks each: 120 MiB in 5 MiB chunks, 100 in 8, 120 in 32.
const [KILL_AT, RELOAD_AT, OFFLINE_AT] = [5, 16, 23];

const apiKey = 'fault-suite-key';
let browser;
let sources;

before(async () => {
  browser = await launchBrowser();
  sources = SIZES.map((size) => randomFile(size * MIB, `fault-${size}.mp4`));
});

after(async () => {
  await browser?.close();
  for (const source of sources ?? []) rmSync(source.dir, { recursive: true, force: true });
});

/** A page of `server`'s origin with the package loaded, ready to upload `source`. */
async function openPage(server, context, source) {
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await page.evaluate(async () => {
    window.pkg = await import('/pkg/index.js');
  });
  await page.setInputFiles('#file', source.file);
  return page;
}

/** Starts uploading the picked file; `window.run` records its chunks and its outcome. */
function startUpload(page, options, fastRetries) {
  return page.evaluate(([options, fastRetries]) => {
    const file = document.getElementById('file').files[0];
    // Faults are many here: retry often, and give a stalled chunk 1.5 s; soon, unless the
    // default policy is under test.
    const strategy = fastRetries ? { retryStrategy: () => 50 } : {};
    const uploader = new window.pkg.VideoUploader({ file, ...options, retries: 100, stallTimeout: 1500, ...strategy });
    const run = { chunks: 0, leading: 0, retries: 0, delays: [], outcome: null };
    window.run = run;
    window.uploader = uploader;
    uploader.addEventListener('chunk', (event) => {
      run.chunks++;
      run.leading = event.detail.leadingChunks;
    });
    uploader.addEventListener('retry', (event) => {
      run.retries++;
      run.delays.push([event.detail.attempt, event.detail.delay, event.detail.reason]);
    });
    window.trace = [];
    for (const type of ['chunk', 'retry', 'pause', 'resume', 'offline', 'online', 'warning', 'error', 'success']) {
      uploader.addEventListener(type, (event) => window.trace.push(`${type} ${JSON.stringify(event.detail?.chunk ?? event.detail?.reason ?? event.detail?.code ?? '')}`));
    }
    uploader.upload().then(
      (video) => (run.outcome = { videoId: video.videoId }),
      (error) => (run.outcome = { error: `${error.code}: ${error.message}` }),
    );
  }, [options, fastRetries]);
}

const outcome = async (page) => {
  try {
    await page.waitForFunction(() => window.run.outcome !== null, null, { timeout: 240_000 });
  } catch (error) {
    const state = await page.evaluate(() => ({ run: window.run, paused: window.uploader.paused, events: window.trace?.slice(-30) }));
    throw new Error(`no outcome: ${JSON.stringify(state)}`, { cause: error });
  }
  return page.evaluate(() => window.run);
};

function kill9(child) {
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}

// VARIANTS=1,4,4auto (the default) picks the runs.
for (const variant of (process.env.VARIANTS ?? '1,4,4auto').split(',')) {
  const parallelParts = parseInt(variant, 10);
  const auto = variant.endsWith('auto');
  const fastRetries = variant !== '4';
  test(`30 uploads through faults, a kill -9, a reload and an offline spell, parallelParts ${parallelParts}${auto ? ", chunkSize 'auto'" : ''}${fastRetries ? '' : ', the default retry policy'}: every one byte-identical, once, nothing sent again without a failure`, () =>
    faultSuite(parallelParts, auto, fastRetries));
}

async function faultSuite(parallelParts, auto, fastRetries) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'upload-faults-'));
  const start = (listen) => startServer({ dataDir, apiKey, listen, extraArgs: ['--www', BLANK_WWW, '--chaos', CHAOS] });
  let server = await start();
  /** The log lines of the servers killed so far. */
  const earlierLogs = [];
  try {
    await runSuite();
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  async function runSuite() {
    const results = [];
    for (let i = 0; i < UPLOADS; i++) {
      const source = sources[i % SIZES.length];
      const chunkSize = auto ? 'auto' : CHUNKS[i % CHUNKS.length] * MIB;
      const options = { uploadToken: await server.createToken(0), apiHost: server.url, chunkSize, resumable: true, parallelParts };
      const context = await browser.newContext();
      try {
        let page = await openPage(server, context, source);
        await startUpload(page, options, fastRetries);
        if (i === KILL_AT) {
          // The server dies in the middle of the upload, and comes back on the same port.
          await page.waitForFunction(() => window.run.chunks >= 1);
          const { port } = new URL(server.url);
          await kill9(server.child);
          assert.equal(await page.evaluate(() => window.run.outcome), null, 'killed in the middle of the upload');
          earlierLogs.push(...server.logs);
          server = await start(`127.0.0.1:${port}`);
        } else if (i === RELOAD_AT) {
          // The page goes away in the middle; the same file picked again resumes.
          await page.waitForFunction(() => window.run.chunks >= 2);
          const acknowledged = await page.evaluate(() => window.run.leading);
          await page.close();
          page = await openPage(server, context, source);
          const previous = await page.evaluate(() => window.pkg.VideoUploader.findPreviousUploads(document.getElementById('file').files[0]));
          assert.equal(previous.length, 1, 'the record of the first page');
          assert.ok(previous[0].uploadedChunks >= acknowledged);
          await startUpload(page, options, fastRetries);
          results.push({ i, resumedInto: previous[0].videoId });
        } else if (i === OFFLINE_AT) {
          await page.waitForFunction(() => window.run.chunks >= 1);
          await context.setOffline(true);
          await page.waitForFunction(() => window.uploader.paused);
          await context.setOffline(false);
        }
        const run = await outcome(page);
        assert.ok(run.outcome.videoId, `upload ${i}: ${run.outcome.error}`);
        // With 'auto', or a plan shaped for several connections, the chunk count is the one
        // the completing chunk named (checked below).
        const chunks = auto || parallelParts > 1 ? null : Math.ceil((SIZES[i % SIZES.length] * MIB) / chunkSize);
        const size = SIZES[i % SIZES.length] * MIB;
        results.push({ i, source, size, videoId: run.outcome.videoId, retries: run.retries, delays: run.delays, chunks, token: options.uploadToken, chunkBytes: auto ? size : chunkSize });
      } finally {
        await context.close();
      }
    }

    const uploads = results.filter((r) => r.videoId);
    assert.equal(uploads.length, UPLOADS);
    const resumed = results.find((r) => r.resumedInto);
    assert.equal(uploads.find((r) => r.i === RELOAD_AT).videoId, resumed.resumedInto, 'the reloaded upload went on in the same video');
    assert.ok(uploads.reduce((sum, r) => sum + r.retries, 0) > UPLOADS, 'the faults were met and retried');

    // Every upload stored byte-identical, each in a video of its own.
    assert.equal(new Set(uploads.map((r) => r.videoId)).size, UPLOADS);
    for (const upload of uploads) {
      const stored = path.join(dataDir, 'videos', upload.videoId, 'source');
      assert.equal(await sha256File(stored), upload.source.sha256, `upload ${upload.i}`);
    }
    // One complete video per upload: no other video holds a source.
    const complete = readdirSync(path.join(dataDir, 'videos')).filter((id) => existsSync(path.join(dataDir, 'videos', id, 'source')));
    assert.deepEqual(complete.sort(), uploads.map((r) => r.videoId).sort());
    // No chunk stored twice: each video's chunks were accepted (2xx) once each, over the logs
    // of both servers.
    const accepted = new Map();
    // File bytes the server received, accepted or not: all of them beyond the files' own
    // were sent again (or cut short and sent again).
    let received = 0;
    // …and by the token (as the log shows it: its first six characters), per upload.
    const receivedBy = new Map();
    for (const line of [...earlierLogs, ...server.logs]) {
      const match = line.match(/ upload token=(\S+) content_range="([^"]*)" .*video_id=(\S+) status=(\d+) received=(\d+)/);
      if (!match) continue;
      received += Number(match[5]);
      receivedBy.set(match[1], (receivedBy.get(match[1]) ?? 0) + Number(match[5]));
      if (!match[4].startsWith('2')) continue;
      const key = `${match[3]} ${match[2]}`;
      accepted.set(key, (accepted.get(key) ?? 0) + 1);
    }
    const twice = [...accepted].filter(([, count]) => count > 1);
    assert.deepEqual(twice, [], 'a chunk accepted twice');
    for (const upload of uploads) {
      const ranges = [...accepted.keys()].filter((key) => key.startsWith(`${upload.videoId} `)).map((key) => key.split(' ').slice(1).join(' '));
      const named = ranges.map((range) => range.match(/^part (\d+)\/\1$/)).find(Boolean);
      assert.ok(named, `upload ${upload.i}: a completing chunk: ${ranges}`);
      assert.equal(ranges.length, upload.chunks ?? Number(named[1]), `upload ${upload.i}: every chunk accepted, once`);
      // A fixed plan names its count in every chunk: the same in all of them.
      if (!auto) assert.ok(ranges.every((range) => range.endsWith(`/${named[1]}`)), `upload ${upload.i}: ${ranges}`);
    }
    // A first chunk whose answer was lost (a fault after commit) leaves, once sent again, the
    // video it created holding that chunk alone: the API has no way to name a video before it
    // exists. Such a video is never complete, and nothing else of the file goes into it.
    const orphans = new Set([...accepted.keys()].map((key) => key.split(' ')[0]).filter((id) => !uploads.some((r) => r.videoId === id)));
    for (const id of orphans) assert.deepEqual([...accepted.keys()].filter((key) => key.startsWith(`${id} `)).map((key) => key.split(' ')[2]).map((range) => range.split('/')[0]), ['1']);
    // Nothing is sent again without a failure: each retry sends one chunk again at most, and
    // an upload interrupted without retry events (the chunks in flight when the network went,
    // or the page that went away, whose events are gone with it) at most its chunks in flight,
    // or its whole file. Uploads whose tokens look alike in the log are summed together.
    const groups = new Map();
    for (const upload of uploads) {
      const key = `${upload.token.slice(0, 6)}…`;
      const interrupted = upload.i === RELOAD_AT ? upload.size : upload.i === KILL_AT || upload.i === OFFLINE_AT ? parallelParts * upload.chunkBytes : 0;
      const group = groups.get(key) ?? { size: 0, allowance: 0, uploads: [] };
      group.size += upload.size;
      group.allowance += upload.retries * upload.chunkBytes + interrupted;
      group.uploads.push(upload.i);
      groups.set(key, group);
    }
    for (const [key, group] of groups) {
      const again = (receivedBy.get(key) ?? 0) - group.size;
      assert.ok(again >= 0, `uploads ${group.uploads}: the server received less than the files`);
      assert.ok(again <= group.allowance, `uploads ${group.uploads}: ${again} bytes sent again, more than their failed attempts explain (${group.allowance})`);
    }
    if (!fastRetries) {
      // The default policy: "equal jitter" waits at least half of 1 s × 2^(attempt − 1), up
      // to 30 s; after a 429, at least its Retry-After (1 s here).
      const delays = uploads.flatMap((upload) => upload.delays);
      assert.ok(delays.some(([, , reason]) => reason === 'RATE_LIMITED'), 'a 429 was met');
      for (const [attempt, delay, reason] of delays) {
        const floor = Math.max(Math.min(1000 * 2 ** (attempt - 1), 30_000) / 2, reason === 'RATE_LIMITED' ? 1000 : 0);
        assert.ok(delay >= floor && delay <= 30_000, `retry ${attempt} (${reason}) after ${delay} ms`);
      }
    }
    const faults = [...earlierLogs, ...server.logs].filter((line) => / chaos fault=(?!None)/.test(line)).length;
    const retries = uploads.reduce((sum, r) => sum + r.retries, 0);
    const resent = received - uploads.reduce((sum, r) => sum + r.size, 0);
    console.log(
      `# fault suite, parallelParts ${parallelParts}${auto ? ', auto' : ''}: ${UPLOADS} uploads completed, ${accepted.size - orphans.size} chunks accepted once each, ${faults} faults injected, ${retries} retries, ` +
        `${(resent / MIB).toFixed(1)} MiB sent again (${((100 * resent) / uploads.reduce((sum, r) => sum + r.size, 0)).toFixed(1)} % of the files), ` +
        `${orphans.size} first chunks whose answer was lost left in videos of their own`,
    );
  }
}
