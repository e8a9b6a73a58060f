// upload-server against hostile clients, through real sockets: a request cannot write a
// line of its own into the log; slow and idle connections are bounded in time and number,
// and one peer's flood leaves every other peer served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
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

/** An HTTP request from `localAddress` (another loopback address is another peer). */
function requestFrom(localAddress, url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, localAddress, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (data) => (text += data));
      response.on('end', () => resolve({ status: response.statusCode, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The server's resident memory, in MiB. */
function rssMiB(server) {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  return Number(status.match(/^VmRSS:\s+(\d+) kB/m)[1]) / 1024;
}

test('a flood from one peer (trickling uploads, unfinished auth bodies, idle connections) leaves another peer served at once', async () => {
  const flooded = await startServer({ extraArgs: ['--max-connections', '120'] });
  const flood = [];
  const trickles = [];
  try {
    const token = await flooded.createToken(0);
    // 60 uploads that bring a byte a second, 40 /auth/api-key bodies announced as 2 MB and
    // never finished, and idle connections: from 127.0.0.1, more than its share (120 / 4).
    for (let i = 0; i < 60; i++) {
      const socket = await rawConnection(
        flooded.url,
        `POST /upload?token=${token} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="slow.mp4"\r\n\r\n`,
      );
      flood.push(socket);
      trickles.push(setInterval(() => socket.writable && socket.write('x'), 1000));
    }
    for (let i = 0; i < 40; i++) {
      flood.push(await rawConnection(flooded.url, `POST /auth/api-key HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{"apiKey":"${'x'.repeat(1000)}`));
    }
    for (let i = 0; i < 60; i++) flood.push(await rawConnection(flooded.url, 'GET / HTTP/1.1\r\n'));
    // The peer holds its share, and its further connections were closed at once.
    const closed = await Promise.all(flood.map((socket) => within(socket.ended, 100)));
    assert.ok(closed.filter(Boolean).length >= flood.length - 30, `${closed.filter(Boolean).length} of ${flood.length} closed`);
    assert.ok(flooded.logs.some((line) => line.includes('holds its share of connections')), 'the share says when it bites');

    // Another peer: a page, a token, an upload, each answered within two seconds.
    const other = '127.0.0.2';
    const basic = { Authorization: 'Basic ' + Buffer.from(`${flooded.apiKey}:`).toString('base64'), 'Content-Type': 'application/json' };
    const page = requestFrom(other, `${flooded.url}/`);
    assert.ok(await within(page, 2000), 'the page');
    assert.equal((await page).status, 200);
    const created = requestFrom(other, `${flooded.url}/upload-tokens`, { method: 'POST', headers: basic, body: '{}' });
    assert.ok(await within(created, 2000), 'a token');
    const fresh = JSON.parse((await created).text).token;
    const form = `--b\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n${'y'.repeat(1000)}\r\n--b--\r\n`;
    const uploaded = requestFrom(other, `${flooded.url}/upload?token=${fresh}`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: form });
    assert.ok(await within(uploaded, 2000), 'an upload');
    assert.equal((await uploaded).status, 201, (await uploaded).text);
    assert.ok(rssMiB(flooded) < 100, `RSS ${rssMiB(flooded).toFixed(0)} MiB`);
  } finally {
    for (const timer of trickles) clearInterval(timer);
    for (const socket of flood) socket.destroy();
    await flooded.stop();
  }
});

test('a trickled upload is cut for its pace, and an unfinished small body for its deadline', async () => {
  const bounded = await startServer({ extraArgs: ['--request-timeout', '2'] });
  let timer;
  try {
    const token = await bounded.createToken(0);
    // A byte every 0.5 s: never a gap the body timeout (60 s) sees, far under the pace.
    const upload = await rawConnection(
      bounded.url,
      `POST /upload?token=${token} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="slow.mp4"\r\n\r\n`,
    );
    timer = setInterval(() => upload.writable && upload.write('x'), 500);
    const auth = await rawConnection(bounded.url, 'POST /auth/api-key HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiKey":');
    assert.ok(await within(auth.ended, 10_000), 'the small body is cut at its deadline');
    assert.match(auth.received, /^HTTP\/1\.1 408 /, auth.received.slice(0, 80));
    assert.ok(await within(upload.ended, 30_000), 'the trickle is cut for its pace');
    assert.match(upload.received, /^HTTP\/1\.1 408 /, upload.received.slice(0, 80));
    assert.match(upload.received, /arrived too slowly/);
    assert.deepEqual(readdirSync(path.join(bounded.dataDir, 'tmp')), [], 'nothing of it stays behind');
  } finally {
    clearInterval(timer);
    await bounded.stop();
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

/** Resolves with the first log line `matches` accepts, once the server has written it. */
async function logged(server, matches) {
  for (;;) {
    const line = server.logs.find(matches);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a client that goes away mid-body leaves exactly one log line, with the bytes that arrived', async () => {
  const token = await server.createToken(0);
  // Gone three ways: a reset (an aborted request), a close, and a half-close (the client
  // stops sending but would still read an answer).
  const ways = { 'part 1/3': 'resetAndDestroy', 'part 2/3': 'destroy', 'part 3/3': 'end' };
  for (const [range, way] of Object.entries(ways)) {
    const socket = await rawConnection(
      server.url,
      `POST /upload?token=${token} HTTP/1.1\r\nHost: x\r\nContent-Range: ${range}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 10000000\r\n\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="gone.mp4"\r\n\r\n`,
    );
    await new Promise((resolve) => socket.write(Buffer.alloc(1024 * 1024, 120), resolve));
    socket[way]();
    const mine = (line) => line.includes(` upload token=`) && line.includes(`content_range="${range}"`);
    const line = await within(logged(server, mine), 15_000);
    assert.ok(line, `the request cut by ${way} is logged`);
    socket.destroy();
  }
  const lines = server.logs.filter((line) => / content_range="part \d\/3"/.test(line));
  assert.equal(lines.length, 3, lines.join('\n'));
  for (const line of lines) {
    const [, status, received] = line.match(/ status=(\d+) received=(\d+)/);
    assert.ok(Number(status) >= 400, line);
    assert.ok(Number(received) > 0 && Number(received) <= 1024 * 1024, line);
  }
});
