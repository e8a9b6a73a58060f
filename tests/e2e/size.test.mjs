// What a page downloads to construct a VideoUploader from the package entry, measured in
// headless Chromium: every file it fetches, each `gzip -9`, summed. Deterministic, so it is a
// test. The budget is the official @api.video/video-uploader 1.1.6 bundle (17,839 B); the
// ceiling below is where this package stands today, so that no change makes it larger.
// The core alone, with no shell, weighs about 15 KB (`npm run bench:size`;
// README, "Size").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, projectDir } from '../support/server.mjs';
import { launchBrowser } from '../support/browser.mjs';

const BUDGET = 17_839;
// 23,829 until the token provider (+475: the core takes a new token, the entry asks for it),
// and a cancel() while upload() gets ready no longer lost (+25); a first attempt told "already
// sent" into the upload's own video counts as landed (+17: the browser may have sent it twice).
const CEILING = 24_352;
let server;
let browser;

/** `gzip -9`, the CLI the build's size line and the README use: Node's zlib deflates the
 * same bytes to another size (for this wasm, ~1 % larger), and the figures must agree. */
const gzip9 = (bytes) => execFileSync('gzip', ['-9', '-c'], { input: bytes }).length;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test(`a VideoUploader loads at most ${CEILING} bytes gzip -9 (the official bundle, our budget: ${BUDGET})`, async () => {
  const page = await browser.newPage();
  // An empty page of the server's origin, so that only the package is fetched.
  await page.route(`${server.url}/empty`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html>' }));
  await page.goto(`${server.url}/empty`);
  const fetched = [];
  page.on('response', async (response) => {
    if (new URL(response.url()).pathname.startsWith('/pkg/')) fetched.push(response);
  });
  const constructed = await page.evaluate(async () => {
    const pkg = await import('/pkg/index.js');
    await pkg.default();
    const uploader = new pkg.VideoUploader({ file: new File(['x'], 'x.mp4'), uploadToken: 'to1' });
    return uploader instanceof EventTarget;
  });
  assert.equal(constructed, true);
  const sizes = {};
  for (const response of fetched) sizes[new URL(response.url()).pathname] = gzip9(await response.body());
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.log(`# a VideoUploader loads ${total} B gzip -9 (budget ${BUDGET}): ${JSON.stringify(sizes)}`);
  assert.deepEqual(Object.keys(sizes).sort(), ['/pkg/index.js', '/pkg/wasm_video_uploader_bg.wasm']);
  assert.ok(total <= CEILING, `${total} B is above the ceiling of ${CEILING} B`);
  await page.close();
});

// Everything a VideoUploader page can come to load: the entry and the wasm, and each module
// the entry loads on first use (resumable uploads, media, a token provider, the static API),
// read from the built entry's own dynamic imports. The recorder, the queue and the element
// are other pages' modules.
const MOST = 29_600;
test(`everything a VideoUploader page can load, its modules loaded on first use included, is at most ${MOST} bytes gzip -9`, () => {
  const pkg = path.join(projectDir, 'pkg');
  const entry = readFileSync(path.join(pkg, 'index.js'), 'utf8');
  const lazy = [...new Set([...entry.matchAll(/import\("\.\/([\w-]+\.js)"\)/g)].map(([, file]) => file))].sort();
  assert.deepEqual(lazy, ['media.js', 'provider.js', 'resume.js', 'static.js']);
  const sizes = Object.fromEntries(['index.js', 'wasm_video_uploader_bg.wasm', ...lazy].map((file) => [file, gzip9(readFileSync(path.join(pkg, file)))]));
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.log(`# a VideoUploader page loads at most ${total} B gzip -9: ${JSON.stringify(sizes)}`);
  assert.ok(total <= MOST, `${total} B is above ${MOST} B`);
});
