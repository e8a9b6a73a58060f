// npm run bench (and `node bench/flood.mjs` alone): a release upload-server under a flood
// from one peer, 1,000 connections trickling upload bodies a byte a second and 300 holding
// unfinished 2 MB /auth/api-key bodies, while another peer (127.0.0.2) loads the page,
// creates a token and uploads a file. Prints how long each took and the server's peak RSS,
// and writes them into BENCHMARKS.md between the flood markers.
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import path from 'node:path';
import { startServer, projectDir } from '../tests/support/server.mjs';

const TRICKLES = 1000;
const AUTH_BODIES = 300;
const server = await startServer({ profile: 'release' });
const { hostname, port } = new URL(server.url);
const rss = () => Number(readFileSync(`/proc/${server.child.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)[1]) / 1024;
let peak = rss();
const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);

async function connect(text) {
  const socket = net.connect(Number(port), hostname);
  socket.on('error', () => {});
  await once(socket, 'connect').catch(() => {});
  socket.write(text);
  return socket;
}

function requestFrom(url, { method = 'GET', headers = {}, body } = {}) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, localAddress: '127.0.0.2', agent: false }, (response) => {
      let text = '';
      response.on('data', (data) => (text += data));
      response.on('end', () => resolve({ status: response.statusCode, text, ms: performance.now() - started }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const sockets = [];
try {
  const token = await server.createToken(0);
  for (let i = 0; i < TRICKLES; i++) {
    sockets.push(await connect(`POST /upload?token=${token} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="slow.mp4"\r\n\r\n`));
  }
  const trickle = setInterval(() => sockets.forEach((socket) => socket.writable && socket.write('x')), 1000);
  for (let i = 0; i < AUTH_BODIES; i++) {
    sockets.push(await connect(`POST /auth/api-key HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{"apiKey":"${'x'.repeat(60_000)}`));
  }
  const open = sockets.filter((socket) => !socket.destroyed && socket.readyState === 'open').length;
  const basic = { Authorization: 'Basic ' + Buffer.from(`${server.apiKey}:`).toString('base64'), 'Content-Type': 'application/json' };
  const page = await requestFrom(`${server.url}/`);
  const created = await requestFrom(`${server.url}/upload-tokens`, { method: 'POST', headers: basic, body: '{}' });
  const form = `--b\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n${'y'.repeat(1 << 20)}\r\n--b--\r\n`;
  const uploaded = await requestFrom(`${server.url}/upload?token=${JSON.parse(created.text).token}`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: form });
  clearInterval(trickle);
  const result = {
    flood: { trickles: TRICKLES, authBodies: AUTH_BODIES, stillOpen: open },
    otherPeerMs: { page: Math.round(page.ms), token: Math.round(created.ms), upload1MiB: Math.round(uploaded.ms) },
    statuses: [page.status, created.status, uploaded.status],
    peakRssMiB: Math.round(peak),
  };
  console.log(JSON.stringify(result));
  const file = path.join(projectDir, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const paragraph = `<!-- flood -->\n**Under a flood** (\`bench/flood.mjs\`, release upload-server, default flags): one peer opens ${TRICKLES} uploads that trickle a byte a second and ${AUTH_BODIES} \`/auth/api-key\` bodies announced as 2 MB and never finished; it keeps ${open} of them open (its share of the connections; the rest are closed at once). Meanwhile another peer loads the page in ${result.otherPeerMs.page} ms, creates a token in ${result.otherPeerMs.token} ms and uploads 1 MiB in ${result.otherPeerMs.upload1MiB} ms (statuses ${result.statuses.join(', ')}); the server's peak RSS is ${result.peakRssMiB} MiB.\n<!-- /flood -->`;
  const marked = /<!-- flood -->[\s\S]*<!-- \/flood -->/;
  writeFileSync(file, marked.test(text) ? text.replace(marked, paragraph) : `${text.trimEnd()}\n\n${paragraph}\n`);
} finally {
  clearInterval(sampler);
  for (const socket of sockets) socket.destroy();
  await server.stop();
}
