// kill -9 upload-server between chunks and in the middle of one (an append to the source), restart it on the same
// data dir, finish the upload: the stored file must be byte-identical to the source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '../support/server.mjs';

const MIB = 1024 * 1024;
const apiKey = 'crash-test-key';

function kill9(server) {
  return new Promise((resolve) => {
    server.child.once('exit', resolve);
    server.child.kill('SIGKILL');
  });
}

async function sendPart(url, token, range, videoId, bytes) {
  const form = new FormData();
  if (videoId) form.append('videoId', videoId);
  form.append('file', new Blob([bytes]), 'crash.mp4');
  const response = await fetch(`${url}/upload?token=${token}`, { method: 'POST', headers: { 'Content-Range': range }, body: form });
  return { status: response.status, body: await response.json() };
}

/** Starts posting a part whose body stops after `sent` bytes; resolves once those are out. */
function startStalledPart(url, token, range, videoId, bytes, sent) {
  const boundary = 'crash-boundary-0123456789';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="videoId"\r\n\r\n${videoId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="crash.mp4"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  let markSent;
  const sentPromise = new Promise((resolve) => (markSent = resolve));
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(head);
      controller.enqueue(bytes.subarray(0, sent));
      markSent();
      // The rest never comes: the server is killed while it waits for it.
    },
  });
  const request = fetch(`${url}/upload?token=${token}`, {
    method: 'POST',
    duplex: 'half',
    headers: { 'Content-Range': range, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    body,
  }).then(
    (response) => ({ status: response.status }),
    (error) => ({ error }),
  );
  return { sentPromise, request };
}

test('kill -9 between chunks and mid-chunk loses nothing and stores nothing partial', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'upload-crash-'));
  const file = randomBytes(12 * MIB);
  const parts = [file.subarray(0, 5 * MIB), file.subarray(5 * MIB, 10 * MIB), file.subarray(10 * MIB)];
  let server = await startServer({ dataDir, apiKey });
  try {
    const token = await server.createToken(0);
    const first = await sendPart(server.url, token, 'part 1/3', null, parts[0]);
    assert.equal(first.status, 200);
    const videoId = first.body.videoId;

    // Between chunks.
    await kill9(server);
    server = await startServer({ dataDir, apiKey });

    // In the middle of chunk 2: 2 MiB of it are on the wire when the server dies.
    const stalled = startStalledPart(server.url, token, 'part 2/3', videoId, parts[1], 2 * MIB);
    await stalled.sentPromise;
    // Wait for the fact, not for a time: part 2 continues the source in order, so the
    // server is appending its body to the source being built, past part 1's 5 MiB.
    const partial = path.join(dataDir, 'videos', videoId, 'source.partial');
    const receiving = await until(() => existsSync(partial) && statSync(partial).size > 5 * MIB);
    assert.ok(receiving, 'the body was being appended to the source');
    await kill9(server);
    const outcome = await stalled.request;
    assert.ok(outcome.error, `the interrupted request must fail, got ${JSON.stringify(outcome)}`);
    server = await startServer({ dataDir, apiKey });
    assert.deepEqual(readdirSync(path.join(dataDir, 'tmp')), [], 'nothing is left in tmp/');

    const auth = { Authorization: 'Basic ' + Buffer.from(`${apiKey}:`).toString('base64') };
    const status = await (await fetch(`${server.url}/videos/${videoId}/status`, { headers: auth })).json();
    assert.deepEqual(status.ingest.receivedParts, { parts: [1], total: 3 }, 'only part 1 is claimed');

    // The client continues: part 2 again, then part 3.
    const second = await sendPart(server.url, token, 'part 2/3', videoId, parts[1]);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const third = await sendPart(server.url, token, 'part 3/3', videoId, parts[2]);
    assert.equal(third.status, 201, JSON.stringify(third.body));
    assert.equal(third.body.videoId, videoId);

    const stored = readFileSync(path.join(dataDir, 'videos', videoId, 'source'));
    assert.equal(createHash('sha256').update(stored).digest('hex'), createHash('sha256').update(file).digest('hex'));
    assert.deepEqual(readdirSync(path.join(dataDir, 'videos')), [videoId]);
    assert.deepEqual(readdirSync(path.join(dataDir, 'videos', videoId)), ['source'], 'every chunk was appended in place: nothing kept apart');
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** Polls `fact` until it holds (true) or 10 s have passed (false). */
async function until(fact) {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    if (fact()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return fact();
}
