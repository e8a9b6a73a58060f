// upload-server against hostile clients, through real sockets: a request cannot write a
// line of its own into the log; slow and idle connections are bounded in time and number.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../support/server.mjs';

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

test('a path id with a line break and an escape character cannot forge a log line', async () => {
  const forged = 'x%0aINJECTED upload token=admin status=201%1b[31m';
  const response = await fetch(`${server.url}/videos/${forged.replaceAll(' ', '%20')}/source`, { method: 'POST', body: 'x' });
  assert.equal(response.status, 401);
  await response.arrayBuffer();
  // The request's own log line is written when it is answered.
  const line = server.logs.find((l) => l.includes('INJECTED'));
  assert.ok(line, 'the request is logged');
  assert.match(line, / upload token=- /, 'on the request\'s own line');
  assert.ok(line.includes('\\n') && line.includes('\\u{1b}'), `escaped: ${line}`);
  assert.ok(!server.logs.some((l) => l.startsWith('INJECTED')), 'no line of the client\'s making');
  assert.ok(!server.logs.some((l) => l.includes('\u001b')), 'no raw escape character');
});

/** Opens a raw connection to `url` and writes `text`; resolves with the socket. */
async function rawConnection(url, text) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.setEncoding('utf8');
  socket.received = '';
  socket.on('data', (data) => (socket.received += data));
  socket.on('error', () => {});
  socket.ended = new Promise((resolve) => socket.on('close', resolve));
  if (text) socket.write(text);
  return socket;
}

/** Resolves true when `promise` settles within `ms` (a bound on a fact, not a wait). */
async function within(promise, ms) {
  let timer;
  const deadline = new Promise((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([promise.then(() => true), deadline]);
  clearTimeout(timer);
  return result;
}

test('half-sent headers and a body that stops arriving are cut by their timeouts', async () => {
  const bounded = await startServer({ extraArgs: ['--header-timeout', '1', '--body-timeout', '1'] });
  try {
    const token = await bounded.createToken(0);
    const headers = await rawConnection(bounded.url, `POST /upload?token=${token} HTTP/1.1\r\nHost: x\r\n`);
    assert.ok(await within(headers.ended, 15_000), 'a request whose headers never end is closed');

    const body = await rawConnection(
      bounded.url,
      `POST /upload?token=${token} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="slow.mp4"\r\n\r\nsome bytes`,
    );
    assert.ok(await within(body.ended, 15_000), 'a body that stops arriving is cut');
    assert.match(body.received, /^HTTP\/1\.1 408 /, `the client is told why: ${body.received.slice(0, 80)}`);
    assert.match(body.received, /request-timeout/);
    // Nothing of the cut request stays behind.
    assert.deepEqual(readdirSync(path.join(bounded.dataDir, 'tmp')), []);
  } finally {
    await bounded.stop();
  }
});

test('a flood of idle connections waits at the cap, and a normal request is still answered', async () => {
  const capped = await startServer({ extraArgs: ['--max-connections', '20', '--header-timeout', '2'] });
  const flood = [];
  try {
    for (let i = 0; i < 60; i++) flood.push(await rawConnection(capped.url, 'GET / HTTP/1.1\r\n'));
    const answered = (async () => {
      const response = await fetch(`${capped.url}/upload-tokens`, { headers: { Authorization: 'Basic ' + Buffer.from(`${capped.apiKey}:`).toString('base64') } });
      return response.status;
    })();
    assert.ok(await within(answered, 60_000), 'the request was answered');
    assert.equal(await answered, 200);
    assert.ok(capped.logs.some((line) => line.includes('connection limit reached')), 'the cap says when it bites');
  } finally {
    for (const socket of flood) socket.destroy();
    await capped.stop();
  }
});

test('an early error is answered once the body is in, so a client still sending sees the status', async () => {
  // 8 MiB: more than the socket buffers hold, so the client is still writing when the
  // server knows its answer (the token is invalid, known from the first line).
  const body = Buffer.alloc(8 * 1024 * 1024, 120);
  const socket = await rawConnection(
    server.url,
    `POST /upload?token=toInvalid0000000000000000 HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  let writeError = null;
  socket.on('error', (error) => (writeError = error));
  for (let at = 0; at < body.length && !writeError; at += 64 * 1024) {
    await new Promise((resolve) => socket.write(body.subarray(at, at + 64 * 1024), (error) => resolve(error && (writeError = error))));
  }
  assert.equal(writeError, null, 'the server let the whole body in');
  const answered = new Promise((resolve) => {
    const check = () => socket.received.includes('\r\n\r\n') && resolve();
    socket.on('data', check);
    check();
  });
  assert.ok(await within(answered, 15_000), 'and then answered');
  assert.match(socket.received, /^HTTP\/1\.1 401 /);
  assert.match(socket.received, /authentication-invalid-upload-token/);
  socket.destroy();
});
