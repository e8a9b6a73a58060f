// A shaped link for the benches: a proxy that lets each request body through at a rate,
// per connection, and holds each answer a while more.
import http from 'node:http';
import { once } from 'node:events';

/**
 * A proxy to `targetUrl` that lets each request body through at `bytesPerSecond` at most,
 * as a link shaped per connection does (or a long one, where one TCP flow cannot fill it),
 * and holds each answer `latencyMs` more. `requests` lists the body bytes of each POST.
 */
export async function startThrottle(targetUrl, bytesPerSecond, latencyMs = 0) {
  const target = new URL(targetUrl);
  const requests = [];
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers });
    upstream.on('response', (answer) => {
      setTimeout(() => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      }, latencyMs);
    });
    upstream.on('error', () => res.destroy());
    const started = Date.now();
    let sent = 0;
    req.on('data', (chunk) => {
      upstream.write(chunk);
      sent += chunk.length;
      const due = (sent / bytesPerSecond) * 1000 - (Date.now() - started);
      if (due > 0) {
        req.pause();
        setTimeout(() => req.resume(), due);
      }
    });
    req.on('end', () => {
      upstream.end();
      // The uploads, not the CORS preflights.
      if (req.method === 'POST') requests.push(sent);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => (server.closeAllConnections(), server.close()) };
}
