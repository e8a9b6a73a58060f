// Starts upload-server as a child process and hands back what a client needs: its URL,
// API key and data dir, a way to mint tokens, its log lines, and stop().
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

export const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Path of the upload-server binary for a cargo profile ('debug' or 'release'). */
/** An upload token as upload-server's log shows it: its first six characters. */
export const loggedToken = (token) => `${token.slice(0, 6)}…`;

export function serverBinary(profile = 'debug') {
  return path.join(projectDir, 'target', profile, 'upload-server');
}

/**
 * Starts the server. Options: listen (default 127.0.0.1:0, a free port), dataDir (default a
 * fresh temp dir, removed by stop()), apiKey (default random; null lets the server use the
 * key kept in the data dir, generating it on first use), profile, inheritLogs, and extraArgs
 * (e.g. ['--chaos', 'seed=1,fail=0.2']).
 */
export async function startServer(options = {}) {
  const ownDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'upload-server-'));
  const ownKey = options.apiKey === undefined ? randomBytes(20).toString('hex') : options.apiKey;
  const args = ['--listen', options.listen ?? '127.0.0.1:0', '--data-dir', dataDir];
  if (ownKey) args.push('--api-key', ownKey);
  args.push(...(options.extraArgs ?? []));
  const child = spawn(serverBinary(options.profile), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => {
    stderrTail += text;
    const lines = stderrTail.split('\n');
    stderrTail = lines.pop();
    logs.push(...lines);
    if (options.inheritLogs) for (const line of lines) process.stderr.write(line + '\n');
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      out += text;
      const match = out.match(/upload-server listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`upload-server exited with ${code}: ${logs.join('\n')}${stderrTail}`)));
    child.on('error', reject);
  });

  const apiKey = ownKey || process.env.UPLOAD_SERVER_API_KEY || readFileSync(path.join(dataDir, 'api-key'), 'utf8').trim();

  /** POSTs `body` as JSON to `route` with the API key; the parsed answer, which must have
   * `status`. */
  async function post(route, body, status) {
    const response = await fetch(`${url}${route}`, {
      method: 'POST',
      headers: {
        Authorization: 'Basic ' + Buffer.from(`${apiKey}:`).toString('base64'),
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      body: JSON.stringify(body),
    });
    if (response.status !== status) throw new Error(`POST ${route}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  async function createToken(ttl = 0) {
    return (await post('/upload-tokens', { ttl }, 200)).token;
  }

  /** An empty video container (`POST /videos`) titled `title`: the Video. */
  function createVideo(title) {
    return post('/videos', { title }, 201);
  }

  /** Withdraws an upload token (`DELETE /upload-tokens/{token}`), as a backend does. */
  async function deleteToken(token) {
    const response = await fetch(`${url}/upload-tokens/${encodeURIComponent(token)}`, {
      method: 'DELETE',
      headers: { Authorization: 'Basic ' + Buffer.from(`${apiKey}:`).toString('base64') },
    });
    if (response.status !== 204) throw new Error(`DELETE /upload-tokens/${token}: ${response.status} ${await response.text()}`);
  }

  /** Deletes a video (`DELETE /videos/{id}`), as an app's backend deletes an abandoned one. */
  async function deleteVideo(videoId) {
    const response = await fetch(`${url}/videos/${encodeURIComponent(videoId)}`, {
      method: 'DELETE',
      headers: { Authorization: 'Basic ' + Buffer.from(`${apiKey}:`).toString('base64') },
    });
    if (response.status !== 204) throw new Error(`DELETE /videos/${videoId}: ${response.status} ${await response.text()}`);
  }

  /** How many videos the server holds (`GET /videos`): a fact that says whether an upload began. */
  async function videoCount() {
    const response = await fetch(`${url}/videos?pageSize=1`, {
      headers: { Authorization: 'Basic ' + Buffer.from(`${apiKey}:`).toString('base64'), Accept: 'application/json' },
    });
    if (response.status !== 200) throw new Error(`GET /videos: ${response.status} ${await response.text()}`);
    return (await response.json()).pagination.itemsTotal;
  }

  /**
   * The upload requests the server has logged since log line `from`, each as
   * `{ token, range, sent, videoId, status, received }`: `token` as the log shows it (see
   * `loggedToken`), `sent` the form's videoId (`-` for none).
   */
  function uploads(from = 0) {
    return logs
      .slice(from)
      .map((line) => line.match(/ upload token=(\S+) content_range="([^"]*)" sent_video_id=(\S+) video_id=(\S+) status=(\d+) received=(\d+)/))
      .filter(Boolean)
      .map(([, token, range, sent, videoId, status, received]) => ({ token, range, sent, videoId, status: Number(status), received: Number(received) }));
  }

  async function stop() {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      // The server exits within its 5 s grace period; this is the backstop.
      const backstop = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(backstop);
    }
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  }

  return { url, apiKey, dataDir, logs, child, createToken, deleteToken, createVideo, deleteVideo, videoCount, uploads, stop };
}
