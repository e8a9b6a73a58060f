// The setup several Playwright-only e2e files share: one upload-server serving a blank page
// (`--www`), and one headless Chromium, for all the tests of a file.
import { before, after } from 'node:test';
import { startServer } from './server.mjs';
import { launchBrowser, BLANK_WWW } from './browser.mjs';

/** Before the file's tests, starts the server and the browser and hands them to
 * `started({ server, browser })`; after them, stops both. */
export function useServerAndBrowser(started) {
  let server;
  let browser;
  before(async () => {
    server = await startServer({ extraArgs: ['--www', BLANK_WWW] });
    browser = await launchBrowser();
    started({ server, browser });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
}
