// npm run screenshots: the drop-in page (and the element in it) in each engine, in the states
// people see: idle, uploading, paused, an error, complete; dark; and at a phone's width.
// Written to docs/screenshots/<engine>-<state>.png, which the README shows. Real server,
// real uploads: a proxy holds a chunk half way so that "uploading" and "paused" are facts,
// not moments. ENGINES=chromium (or any subset) makes one engine's; ONLY=record the
// recording ones alone (recording, recorded: the element's Record with the engine's fake
// camera, in the engines that record a video).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, projectDir } from '../tests/support/server.mjs';
import { ENGINES, launchEngine } from '../tests/support/engines.mjs';
import { startProxy } from '../tests/support/proxy.mjs';
import { randomFile } from '../tests/support/files.mjs';

const MIB = 1024 * 1024;
const OUT = path.join(projectDir, 'docs', 'screenshots');
mkdirSync(OUT, { recursive: true });

const server = await startServer();
const source = randomFile(12 * MIB, 'holiday.mp4');

/** Sizes the window so that the page's viewport is `width` wide, or as near as the engine
 * allows (a headless Firefox window is no narrower than 450 px); returns the width it got. */
async function viewport(page, width, height = 900) {
  await page.session.manage().window().setRect({ width, height });
  const inner = await page.evaluate(() => window.innerWidth);
  if (inner !== width) await page.session.manage().window().setRect({ width: width + (width - inner), height });
  return page.evaluate(() => window.innerWidth);
}

async function shoot(page, engine, state) {
  const png = await page.session.takeScreenshot();
  writeFileSync(path.join(OUT, `${engine}-${state}.png`), Buffer.from(png, 'base64'));
  console.log(`docs/screenshots/${engine}-${state}.png`);
}

/** The page with a token, its uploads through `proxy` (when given), the settings closed. */
async function open(page, token, proxy) {
  const host = proxy ? `&apiHost=${encodeURIComponent(proxy.url)}` : '';
  await page.goto(`${server.url}/?token=${token}${host}`);
  await page.waitForFunction(() => customElements.get('video-uploader') !== undefined);
  if (proxy) await page.click('#use-other-host');
  await page.evaluate(() => {
    window.outcomes = [];
    const element = document.querySelector('video-uploader');
    element.addEventListener('success', () => window.outcomes.push('success'));
    element.addEventListener('error', () => window.outcomes.push('error'));
  });
}

/** Picks the file, and resolves once its first chunk is held half way by the proxy. */
async function uploading(page, proxy) {
  proxy.rule(1, { holdBodyAfter: 2 * MIB });
  await page.setInputFiles('video-uploader input[type=file]', source.file);
  await proxy.reached(1, 'held');
  // The bar and the words catch up with the bytes that left.
  await page.waitForFunction(() => /of/.test(document.querySelector('video-uploader').shadowRoot.querySelector('[part~="status"]')?.textContent ?? ''));
}

/** Records a few seconds with the fake camera through the page's element: "recording" while
 * it records (once a second of it is in), "recorded" once the video is uploaded. */
async function recording(engine) {
  const browser = await launchEngine(engine, { media: 'fake' });
  try {
    const page = await browser.newPage();
    await viewport(page, 1280);
    await open(page, await server.createToken(3600));
    if (!(await page.evaluate(() => document.querySelector('video-uploader').recordable))) {
      console.log(`${engine}: cannot record a video here; no recording screenshots`);
      return;
    }
    await page.click('video-uploader [part~="record-camera"]');
    // Facts, not moments: a second recorded (the clock says so) and a picture in the preview.
    await page.waitForFunction(() => {
      const root = document.querySelector('video-uploader').shadowRoot;
      return /· 0:0[3-9] · [1-9]/.test(root.querySelector('[part~="recording-status"]').textContent) && root.querySelector('[part~="preview"]').videoWidth > 0;
    });
    await shoot(page, engine, 'recording');
    await page.click('video-uploader [part~="record-stop"]');
    await page.waitForFunction(() => window.outcomes.includes('success'));
    await page.waitForFunction(() => [...document.querySelectorAll('#result-list video')].every((video) => video.readyState >= 2));
    await shoot(page, engine, 'recorded');
  } finally {
    await browser.close();
  }
}

try {
  for (const engine of ENGINES) await recording(engine);
  for (const engine of process.env.ONLY === 'record' ? [] : ENGINES) {
    for (const dark of [false, true]) {
      const browser = await launchEngine(engine, { dark });
      try {
        const page = await browser.newPage();
        await viewport(page, 1280);
        const proxy = await startProxy(server.url);
        try {
          if (dark) {
            await open(page, await server.createToken(3600), proxy);
            if (!(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches))) {
              console.log(`${engine}: no dark colour scheme here; no dark screenshot`);
              continue;
            }
            await uploading(page, proxy);
            await shoot(page, engine, 'dark');
            proxy.release(1);
            continue;
          }
          await open(page, await server.createToken(3600), proxy);
          await shoot(page, engine, 'idle');
          await uploading(page, proxy);
          await shoot(page, engine, 'uploading');
          const narrow = await viewport(page, 375, 812);
          if (narrow !== 375) console.log(`${engine}: the narrowest viewport is ${narrow} px`);
          await shoot(page, engine, 'narrow');
          await viewport(page, 1280);
          await page.click('video-uploader [part~="pause"]');
          await page.waitForFunction(() => document.querySelector('video-uploader').hasAttribute('paused'));
          await shoot(page, engine, 'paused');
          proxy.release(1);
          await page.click('video-uploader [part~="resume"]');
          await page.waitForFunction(() => window.outcomes.includes('success'));
          await page.evaluate(() => document.getElementById('results').scrollIntoView());
          await shoot(page, engine, 'complete');

          // A link that no longer works.
          const withdrawn = await server.createToken(3600);
          await server.deleteToken(withdrawn);
          await open(page, withdrawn);
          await page.setInputFiles('video-uploader input[type=file]', source.file);
          await page.waitForFunction(() => window.outcomes.includes('error'));
          await shoot(page, engine, 'error');
        } finally {
          proxy.close();
        }
      } finally {
        await browser.close();
      }
    }
  }
} finally {
  rmSync(source.dir, { recursive: true, force: true });
  await server.stop();
}
