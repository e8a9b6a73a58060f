// upload-server against hostile clients, through real sockets: a request cannot write a
// line of its own into the log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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
