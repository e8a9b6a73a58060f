// A small HTTP proxy in front of upload-server that can lose or hold a chosen piece's
// request or answer, and says when it has done so, so that tests act on facts (the server
// has committed the piece, N bytes have arrived) instead of on timing. Everything else is
// forwarded untouched, so the server is real and so is its storage.
import http from 'node:http';
import { once } from 'node:events';

/**
 * Starts a proxy to `targetUrl`. Pieces (POSTs to `/upload` or `/videos/{id}/source`) are
 * numbered from 1 in the order they arrive. `proxy.rule(n, rule)` sets what happens to piece
 * n, one of:
 * - `{ dropAnswer: true }`: the server gets the whole piece and answers; the browser gets the
 *   answer's head and then a broken connection, so it knows an answer began and its uploader
 *   sees a network error;
 * - `{ resetAnswer: true }`: as `dropAnswer`, but the connection breaks before any byte of the
 *   answer: on a reused connection, Chromium and Firefox send the request again by themselves
 *   (the page never sees the first attempt fail), as they would through a real proxy;
 * - `{ holdAnswer: true }`: the answer is held until `proxy.release(n)`;
 * - `{ holdBodyAfter: bytes }`: after that many body bytes the proxy stops reading (the
 *   browser's upload stalls) until `proxy.release(n)`; `Infinity` holds the whole body,
 *   received, before the server sees any of it.
 * `proxy.when(test, rule)` sets the rule of the first piece whose headers pass `test(headers)`
 * (a piece not known by number ahead: `part N/N`, the completing one). `proxy.cut()` is the
 * network gone: open connections are broken and new ones refused until `proxy.restore()`;
 * `proxy.refused` counts the requests it refused meanwhile.
 * `proxy.reached(n, what)` resolves when piece n has been `'held'`, `'answered'` (with the
 * server's status) or `'closed'` by the browser before its body was all sent. `proxy.requests` lists every request as it arrived: method, path and
 * headers, so a test reads what the browser sent, in any engine.
 */
export async function startProxy(targetUrl) {
  const target = new URL(targetUrl);
  const rules = new Map();
  const releases = new Map();
  const facts = new Map();
  let pieces = 0;
  const requests = [];
  const whens = [];
  let down = false;
  let refused = 0;
  const sockets = new Set();

  const fact = (n, what, value) => {
    const key = `${n} ${what}`;
    if (!facts.has(key)) facts.set(key, deferred());
    facts.get(key).resolve(value);
  };
  const released = (n) => {
    if (!releases.has(n)) releases.set(n, deferred());
    return releases.get(n).promise;
  };

  const server = http.createServer(async (req, res) => {
    if (down) {
      refused++;
      return req.socket.destroy();
    }
    const isPiece = req.method === 'POST' && (req.url.startsWith('/upload') || /^\/videos\/[^/]+\/source/.test(req.url));
    const n = isPiece ? ++pieces : 0;
    requests.push({ method: req.method, path: req.url, headers: req.headers });
    // The browser gave the piece up before sending all of it (a pause, a cancel, offline).
    if (isPiece) req.on('close', () => req.complete || fact(n, 'closed', true));
    const matched = isPiece && !rules.has(n) ? whens.findIndex(([test]) => test(req.headers)) : -1;
    if (matched >= 0) rules.set(n, whens.splice(matched, 1)[0][1]);
    const rule = (isPiece && rules.get(n)) || {};
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers });
    upstream.on('error', () => res.destroy());
    upstream.on('response', async (answer) => {
      const body = Buffer.concat(await collect(answer));
      if (isPiece) fact(n, 'answered', answer.statusCode);
      if (rule.resetAnswer) return res.destroy();
      if (rule.dropAnswer) {
        // The head, whole, then nothing of the body it announces.
        const head = [`HTTP/1.1 ${answer.statusCode} ${http.STATUS_CODES[answer.statusCode] ?? ''}`];
        const { 'transfer-encoding': _chunked, connection: _connection, ...headers } = answer.headers;
        for (const [name, value] of Object.entries({ ...headers, 'content-length': String(body.length + 1) })) head.push(`${name}: ${value}`);
        return res.socket.write(`${head.join('\r\n')}\r\n\r\n`, () => res.socket.destroy());
      }
      if (rule.holdAnswer) await released(n);
      if (res.destroyed) return;
      res.writeHead(answer.statusCode, answer.headers);
      res.end(body);
    });

    const hold = rule.holdBodyAfter;
    if (hold === undefined) {
      // A browser that gives up mid-body leaves the server a broken request at once, as it
      // would without the proxy (a pipe alone would leave the server waiting out its body
      // timeout, and log the request in the middle of a later test).
      req.on('close', () => req.complete || upstream.destroy());
      req.pipe(upstream);
      return;
    }
    // Forward up to `hold` bytes, then stop reading until released. A browser that gives
    // up mid-body (a pause, a cancel) leaves the server a broken request, as it would.
    const ended = new Promise((resolve) => {
      req.on('end', resolve);
      req.on('close', () => {
        if (!req.complete) upstream.destroy();
        resolve();
      });
    });
    let received = 0;
    const held = [];
    let holding = false;
    req.on('data', (chunk) => {
      if (holding) return held.push(chunk);
      const room = hold - received;
      received += chunk.length;
      if (chunk.length <= room) {
        if (hold !== Infinity) upstream.write(chunk);
        else held.push(chunk);
        return;
      }
      upstream.write(chunk.subarray(0, room));
      held.push(chunk.subarray(room));
      holding = true;
      req.pause();
      fact(n, 'held', received);
    });
    if (hold === Infinity) {
      await ended;
      fact(n, 'held', received);
    }
    await released(n);
    req.resume();
    await ended;
    if (!req.complete) return;
    for (const chunk of held) upstream.write(chunk);
    upstream.end();
  });
  // Long enough for any hold a test makes.
  server.requestTimeout = 0;
  server.on('connection', (socket) => {
    if (down) {
      refused++;
      return socket.destroy();
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${server.address().port}`,
    rule(n, rule) {
      rules.set(n, rule);
    },
    when(test, rule) {
      whens.push([test, rule]);
    },
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      down = false;
    },
    get refused() {
      return refused;
    },
    release(n) {
      released(n);
      releases.get(n).resolve();
    },
    reached(n, what) {
      const key = `${n} ${what}`;
      if (!facts.has(key)) facts.set(key, deferred());
      return facts.get(key).promise;
    },
    get pieces() {
      return pieces;
    },
    requests,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}
