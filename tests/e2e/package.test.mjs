// The npm package as an app gets it: `npm pack`, installed into a fresh Vite app (its own
// lockfile, under tests/fixtures/vite-app), built with `vite build`, served, and used in
// Chromium to upload a real file, checked byte for byte on the server; and a TypeScript
// consumer of the installed package type-checked with tsc.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { startServer, projectDir } from '../support/server.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { randomFile, sha256File } from '../support/files.mjs';

const fixture = path.join(projectDir, 'tests/fixtures/vite-app');
const run = (command, args, cwd = fixture) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
let server;
let browser;

before(async () => {
  // The package, exactly as it would be published.
  const packed = path.join(projectDir, 'target/package');
  rmSync(packed, { recursive: true, force: true });
  mkdirSync(packed, { recursive: true });
  const tarball = path.join(packed, run('npm', ['pack', '--pack-destination', packed, '--silent'], path.join(projectDir, 'pkg')).trim().split('\n').pop());
  // The app's own dependencies from its lockfile (once), then the package from the tarball.
  // `npm install`, not `npm ci`: npm 11 writes vite's lockfile without a Windows-only
  // optional package and then refuses it in `npm ci`; `npm install` follows the lockfile.
  const lock = path.join(fixture, 'package-lock.json');
  const installed = path.join(fixture, 'node_modules/.package-lock.json');
  if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts']);
  }
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', tarball]);
  rmSync(path.join(fixture, 'dist'), { recursive: true, force: true });
  run('node', ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']);
  server = await startServer({ extraArgs: ['--www', path.join(fixture, 'dist')] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the packed tarball carries the wasm, the entry and the types, and nothing else', () => {
  const files = readdirSync(path.join(fixture, 'node_modules/wasm-video-uploader')).sort();
  assert.deepEqual(files, [
    'README.md',
    'index.d.ts',
    'index.js',
    'media.js',
    'package.json',
    'provider.js',
    'queue.d.ts',
    'queue.js',
    'recorder.d.ts',
    'recorder.js',
    'recording.js',
    'resume.js',
    'static.js',
    'video-uploader.d.ts',
    'video-uploader.js',
    'wasm_video_uploader_bg.wasm',
  ]);
  // The package's own README: what an app developer needs, not how to build and test this repository.
  const readme = readFileSync(path.join(fixture, 'node_modules/wasm-video-uploader/README.md'), 'utf8');
  assert.match(readme, /npm install wasm-video-uploader/);
  assert.doesNotMatch(readme, /cargo test|npm test|upload-server|BENCHMARKS/);
  const built = readdirSync(path.join(fixture, 'dist/assets'));
  assert.ok(built.some((f) => f.endsWith('.wasm')), `vite emitted the wasm as an asset: ${built}`);
  // resumable's code is a chunk of its own, which the app fetches only when it is used.
  assert.ok(built.some((f) => /^resume-.*\.js$/.test(f)), `vite split resume.js off: ${built}`);
  // So are the official static API's uploads.
  assert.ok(built.some((f) => /^static-.*\.js$/.test(f)), `vite split static.js off: ${built}`);
});

test('a Vite app that imports VideoUploader, with no init() and no plugin, uploads a file', async () => {
  const source = randomFile(12 * 1024 * 1024 + 5, 'vite.mp4');
  const page = await browser.newPage();
  try {
    const token = await server.createToken(0);
    await page.goto(`${server.url}/?token=${token}`);
    await page.setInputFiles('#file', source.file);
    await page.click('#upload');
    await page.waitForFunction(() => Object.keys(document.getElementById('result').dataset).length > 0);
    const result = await page.evaluate(() => ({ ...document.getElementById('result').dataset }));
    assert.ok(result.videoId, JSON.stringify(result));
    assert.equal(await sha256File(path.join(server.dataDir, 'videos', result.videoId, 'source')), source.sha256);
  } finally {
    await page.close();
    rmSync(source.dir, { recursive: true, force: true });
  }
});

test('a TypeScript consumer of the installed package type-checks', () => {
  run('node', [path.join(projectDir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
});

test('<video-uploader> in a React 19 app: properties and events pass through, and a file uploads', async () => {
  const source = randomFile(6 * 1024 * 1024, 'react.mp4');
  const page = await browser.newPage();
  try {
    const token = await server.createToken(0);
    await page.goto(`${server.url}/react.html?token=${token}`);
    await page.waitForSelector('video-uploader');
    const properties = await page.evaluate(() => {
      const element = document.querySelector('video-uploader');
      return { token: element.token.startsWith('to'), apiHost: element.apiHost, chunkSize: element.chunkSize, pausable: element.pausable };
    });
    assert.deepEqual(properties, { token: true, apiHost: server.url, chunkSize: 5 * 1024 * 1024, pausable: true });
    await page.setInputFiles('video-uploader input[type=file]', source.file);
    await page.waitForSelector('#result');
    const videoId = await page.getAttribute('#result', 'data-video-id');
    assert.equal(await sha256File(path.join(server.dataDir, 'videos', videoId, 'source')), source.sha256);
  } finally {
    await page.close();
    rmSync(source.dir, { recursive: true, force: true });
  }
});
