// Launches Debian's Chromium through playwright-core (no browser download, ever).
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Quiet on a closed network, and runnable as root.
export const CHROMIUM_QUIET_ARGS = [
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Chromium; `args` are added to the quiet defaults. */
export function launchBrowser({ args = [] } = {}) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_QUIET_ARGS, ...args] });
}

/**
 * The root of a server started with `www: BLANK_WWW`: a page whose whole source is a file
 * input, `#file`, so the package under test is all it loads. It is served by the server
 * itself (not stubbed by the test): Chromium lets a page served from loopback call other
 * loopback origins (a proxy's), and blocks a page of unknown address space.
 */
export const BLANK_WWW = new URL('../fixtures/blank', import.meta.url).pathname;

export async function blankPage(browser, origin) {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  return page;
}
