// The three browser engines of this machine behind one small page API, driven through
// WebDriver (selenium-webdriver from npm, pointed at a driver we start, so nothing is ever
// downloaded): Debian's Chromium with chromedriver, Firefox ESR with geckodriver, and
// WebKitGTK's MiniBrowser with WebKitWebDriver under a private Xvfb display.
//
// A test body takes the engine as a parameter:
//   eachEngine((browser) => { test('…', async () => { const page = await browser.newPage(); … }); });
// `ENGINES=firefox npm test` (or `node --test …`) runs one engine alone.
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { createServer } from 'node:net';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, before, after } from 'node:test';
import { Builder } from 'selenium-webdriver';
import { CHROMIUM_QUIET_ARGS } from './browser.mjs';

export const ENGINES = (process.env.ENGINES ?? 'chromium,firefox,webkit').split(',').filter(Boolean);

const GECKODRIVER = process.env.GECKODRIVER ?? path.join(homedir(), '.cargo', 'bin', 'geckodriver');

// Debian's Chromium, quiet on a closed network and runnable as root, as Playwright starts it.
const CHROMIUM_ARGS = ['--headless=new', ...CHROMIUM_QUIET_ARGS];

/** How each engine's driver is started, and what its session asks for. */
const SETUP = {
  chromium: {
    driver: (port) => ['/usr/bin/chromedriver', [`--port=${port}`]],
    capabilities: { browserName: 'chrome', 'goog:chromeOptions': { binary: '/usr/bin/chromium', args: CHROMIUM_ARGS } },
  },
  firefox: {
    driver: (port) => [GECKODRIVER, ['--port', String(port), '--binary', '/usr/bin/firefox-esr']],
    capabilities: { browserName: 'firefox', 'moz:firefoxOptions': { args: ['-headless'] } },
  },
  webkit: {
    // MiniBrowser has no headless mode: it gets a display of its own.
    driver: (port) => ['xvfb-run', ['-a', '/usr/bin/WebKitWebDriver', `--port=${port}`]],
    capabilities: { browserName: 'MiniBrowser' },
  },
};

/** Whether this machine has what `engine` needs (setup installs it all). */
export function engineAvailable(engine) {
  const [command] = SETUP[engine].driver(0);
  return command === 'xvfb-run' ? existsSync('/usr/bin/WebKitWebDriver') && existsSync('/usr/bin/xvfb-run') : existsSync(command);
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startDriver(engine, env = {}) {
  const port = await freePort();
  const [command, args] = SETUP[engine].driver(port);
  // A process group of its own, so that stopping it also stops xvfb-run's children.
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (text) => (stderr = (stderr + text).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${engine} driver exited with ${child.exitCode}: ${stderr}`);
    try {
      const status = await (await fetch(`${url}/status`)).json();
      if (status.value?.ready !== false) break;
    } catch {
      // Not listening yet.
    }
    if (i > 300) throw new Error(`${engine} driver did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid: child.pid,
    stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    },
  };
}

/**
 * Declares the tests `declare(browser, engine)` declares once per engine, each engine a
 * `describe` of its own whose browser starts before its tests and stops after them.
 * `browser.newPage()` opens a page in the engine of the test that calls it.
 */
export function eachEngine(declare, launch = {}) {
  for (const engine of ENGINES) {
    describe(engine, () => {
      let launched;
      before(async () => {
        launched = await launchEngine(engine, launch);
      });
      after(async () => {
        await launched?.close();
      });
      declare({ newPage: () => launched.newPage(), browserRss: () => launched.browserRss() }, engine);
    });
  }
}

/**
 * What makes each engine's pages prefer a dark colour scheme (the screenshots' dark ones):
 * Chromium's Blink setting, Firefox's content override, WebKitGTK's GTK theme.
 */
const DARK = {
  chromium: { capabilities: (c) => ({ ...c, 'goog:chromeOptions': { ...c['goog:chromeOptions'], args: [...c['goog:chromeOptions'].args, '--blink-settings=preferredColorScheme=0'] } }) },
  firefox: { capabilities: (c) => ({ ...c, 'moz:firefoxOptions': { ...c['moz:firefoxOptions'], prefs: { 'layout.css.prefers-color-scheme.content-override': 0, 'ui.systemUsesDarkTheme': 1 } } }) },
  webkit: { capabilities: (c) => c, env: { GTK_THEME: 'Adwaita:dark' } },
};

/**
 * The cameras and microphones each engine's pages find, and what it answers when asked for
 * them: `fake` (the engine's own fake camera and microphone, allowed without a prompt),
 * `noise` (as `fake`, but Chromium's camera films noise, from a Y4M file: megabytes a second
 * at a high bitrate, where its own pattern makes kilobytes), `denied` (the fake devices, but
 * the person refuses), `none` (no device at all, allowed).
 * WebKitGTK's MiniBrowser has no such switches: it stays as it is.
 */
const MEDIA = {
  chromium: {
    fake: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    noise: () => ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${noiseVideo()}`],
    denied: ['--use-fake-device-for-media-stream', '--deny-permission-prompts'],
    none: ['--use-fake-ui-for-media-stream'],
  },
  firefox: {
    fake: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true },
    noise: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true },
    denied: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': false, 'permissions.default.camera': 2, 'permissions.default.microphone': 2 },
    none: { 'media.navigator.streams.fake': false, 'media.navigator.permission.disabled': true, 'media.audio_loopback_dev': '', 'media.video_loopback_dev': '' },
  },
};

/** A second of noise, 640×360 at 30 frames a second, as a Y4M file (Chromium loops it):
 * written once, the same bytes every time. */
function noiseVideo() {
  const file = path.join(tmpdir(), 'wasm-video-uploader-noise-640x360.y4m');
  if (existsSync(file)) return file;
  const [width, height, frames] = [640, 360, 30];
  const frame = (width * height * 3) / 2;
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  const body = Buffer.alloc(frames * (6 + frame));
  let seed = 0x2545f491;
  for (let i = 0, at = 0; i < frames; i++) {
    at += body.write('FRAME\n', at);
    for (let j = 0; j < frame; j++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      body[at++] = seed >>> 24;
    }
  }
  writeFileSync(file, Buffer.concat([header, body]));
  return file;
}

/** `capabilities` with `engine`'s devices set to `media` (a key of MEDIA). */
function withMedia(engine, capabilities, media) {
  if (!media || !MEDIA[engine]) return capabilities;
  const given = MEDIA[engine][media];
  const chosen = typeof given === 'function' ? given() : given;
  if (engine === 'chromium') return { ...capabilities, 'goog:chromeOptions': { ...capabilities['goog:chromeOptions'], args: [...capabilities['goog:chromeOptions'].args, ...chosen] } };
  const options = capabilities['moz:firefoxOptions'];
  return { ...capabilities, 'moz:firefoxOptions': { ...options, prefs: { ...options.prefs, ...chosen } } };
}

/** `promise`, or a rejection saying `what` had no answer in `ms`. */
function bounded(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Starts `engine` (with `dark`, its pages prefer a dark colour scheme; `media`, see MEDIA):
 * `{ name, newPage(), close() }`. */
export async function launchEngine(engine, { dark = false, media } = {}) {
  const driver = await startDriver(engine, dark ? DARK[engine].env : {});
  const capabilities = withMedia(engine, dark ? DARK[engine].capabilities(SETUP[engine].capabilities) : SETUP[engine].capabilities, media);
  const sessions = [];
  return {
    name: engine,
    /** Resident memory of the browser's processes (everything the driver started), bytes. */
    browserRss() {
      return processTreeRss(driver.pid);
    },
    /** A fresh browser session. One at a time per engine (WebKitWebDriver allows no more):
     * the previous page is closed first, if a test left it open. */
    async newPage() {
      // A driver that does not answer a quit (WebKitWebDriver, now and then, waiting on its
      // browser) must not hold the next test: the quit is given 20 s, and a new session is
      // asked for again once if the first ask goes unanswered for a minute.
      while (sessions.length) await bounded(sessions.pop().quit(), 20_000, 'quit').catch(() => {});
      const build = () => bounded(new Builder().usingServer(driver.url).withCapabilities(capabilities).build(), 60_000, `a new ${engine} session`);
      const session = await build().catch(build);
      // Long uploads run inside one script; the test's own timeout is the limit.
      await session.manage().setTimeouts({ script: 600_000, pageLoad: 60_000 });
      sessions.push(session);
      return new Page(session);
    },
    async close() {
      for (const session of sessions) await bounded(session.quit(), 20_000, 'quit').catch(() => {});
      driver.stop();
    },
  };
}

/** The first element matching `selector`, looking into open shadow roots for the part of
 * the selector after a host (`video-uploader input[type=file]`), as Playwright's CSS does. */
const DEEP_QUERY = `function deep(selector) {
  const direct = document.querySelector(selector);
  if (direct) return direct;
  const parts = selector.split(' ');
  for (let i = 1; i < parts.length; i++) {
    for (const host of document.querySelectorAll(parts.slice(0, i).join(' '))) {
      const found = host.shadowRoot && host.shadowRoot.querySelector(parts.slice(i).join(' '));
      if (found) return found;
    }
  }
  return null;
}`;

/** One browsing session, with the few page methods the cross-engine tests use. */
class Page {
  constructor(session) {
    this.session = session;
  }

  goto(url) {
    // A new page: its policy is not known yet.
    this.inlineRefused = undefined;
    return this.session.get(url);
  }

  /** Runs `fn(arg)` in the page's own realm and returns its (awaited, JSON) result; a throw
   * in the page is a throw here, with the page's message. The function runs as a script the
   * page itself loads: Firefox runs WebDriver scripts in a sandbox whose `Error`,
   * `EventTarget` and prototypes are not the page's, which `instanceof` and patched
   * prototypes would notice. A page whose Content-Security-Policy refuses inline scripts
   * (the drop-in page) refuses that script: there it runs as a WebDriver script (the page's
   * realm in Chromium and WebKit, a sandbox over the page in Firefox), which no page policy
   * binds. */
  async evaluate(fn, arg) {
    const call = `(${fn})(${JSON.stringify(arg ?? null)})`;
    const direct = `Promise.resolve()
      .then(() => ${call})
      .then((value) => done({ ok: value === undefined ? null : value, refused: true }), (error) => done({ error: String((error && error.stack) || error), refused: true }));`;
    // A page with a policy in a <meta> (the drop-in page's) refuses inline scripts, and
    // would report each refusal: there every call runs directly. (A page whose header refuses
    // one is found out by the refusal itself, below.)
    this.inlineRefused ??= await this.session.executeScript(`return !!document.querySelector('meta[http-equiv="Content-Security-Policy" i]');`);
    if (this.inlineRefused) {
      const result = await this.session.executeAsyncScript(`const done = arguments[arguments.length - 1]; ${direct}`);
      if (result && 'error' in result) throw new Error(`in the page: ${result.error}`);
      return result?.ok;
    }
    const source = `(() => {
      const report = (result) => document.dispatchEvent(new CustomEvent('__ID__', { detail: JSON.stringify(result) }));
      document.dispatchEvent(new CustomEvent('__ID__-ran'));
      Promise.resolve()
        .then(() => ${call})
        .then((value) => report({ ok: value === undefined ? null : value }), (error) => report({ error: String((error && error.stack) || error) }));
    })();`;
    const result = await this.session.executeAsyncScript(
      `const [source, done] = [arguments[0], arguments[arguments.length - 1]];
      const id = 'evaluated-' + Math.random().toString(36).slice(2);
      document.addEventListener(id, (event) => done(JSON.parse(event.detail)), { once: true });
      // Events cross between the page's realm and Firefox's sandbox; globals may not.
      let ran = false;
      document.addEventListener(id + '-ran', () => (ran = true), { once: true });
      const script = document.createElement('script');
      script.textContent = source.replaceAll('__ID__', id);
      document.documentElement.append(script);
      script.remove();
      // An inline script runs as it is inserted, unless the page's policy refused it.
      if (!ran) {
        ${direct}
      }`,
      source,
    );
    if (result?.refused) this.inlineRefused = true;
    if (result && 'error' in result) throw new Error(`in the page: ${result.error}`);
    return result?.ok;
  }

  /** Resolves once `fn(arg)` is truthy in the page, checked on each animation frame. */
  waitForFunction(fn, arg) {
    return this.evaluate(
      `(arg) => new Promise((resolve) => { const check = () => { const v = (${fn})(arg); v ? resolve(v) : setTimeout(check, 20); }; check(); })`,
      arg,
    );
  }

  /** Resolves once an element matches `selector` (or, with `{ state: 'detached' }`, none does). */
  waitForSelector(selector, { state = 'attached' } = {}) {
    const want = state === 'detached' ? 'false' : 'true';
    return this.waitForFunction(`(selector) => { ${DEEP_QUERY}; return !!deep(selector) === ${want}; }`, selector);
  }

  /** Runs a script file in the page (as Playwright's `addScriptTag({ path })`): as an inline
   * script, or, where the page's policy refuses one, as a WebDriver script. */
  async addScriptTag({ path: file }) {
    const source = readFileSync(file, 'utf8');
    const ran = await this.session.executeScript(
      `let ran = false;
      document.addEventListener('added-script-ran', () => (ran = true), { once: true });
      const script = document.createElement('script');
      script.textContent = arguments[0] + ';document.dispatchEvent(new CustomEvent("added-script-ran"));';
      document.head.append(script);
      return ran;`,
      source,
    );
    if (!ran) await this.session.executeScript(source);
  }

  async element(selector) {
    const element = await this.session.executeScript(`${DEEP_QUERY}; return deep(arguments[0]);`, selector);
    if (!element) throw new Error(`no element matches ${selector}`);
    return element;
  }

  /** Picks files in a file input, as a user does (the engine reads them from disk). */
  async setInputFiles(selector, files) {
    const list = Array.isArray(files) ? files : [files];
    await (await this.element(selector)).sendKeys(list.join('\n'));
  }

  async click(selector) {
    await this.evaluate(`(selector) => { ${DEEP_QUERY}; deep(selector).click(); }`, selector);
  }

  async fill(selector, value) {
    await this.evaluate(
      `([selector, value]) => { ${DEEP_QUERY}; const e = deep(selector); e.value = value; e.dispatchEvent(new Event('input', { bubbles: true })); e.dispatchEvent(new Event('change', { bubbles: true })); }`,
      [selector, value],
    );
  }

  textContent(selector) {
    return this.evaluate(`(selector) => { ${DEEP_QUERY}; return deep(selector).textContent; }`, selector);
  }

  getAttribute(selector, name) {
    return this.evaluate(`([selector, name]) => { ${DEEP_QUERY}; return deep(selector).getAttribute(name); }`, [selector, name]);
  }

  inputValue(selector) {
    return this.evaluate(`(selector) => { ${DEEP_QUERY}; return deep(selector).value; }`, selector);
  }

  /** Whether the element exists and takes up room on the page (as Playwright defines it). */
  isVisible(selector) {
    return this.evaluate(
      `(selector) => { ${DEEP_QUERY}; const e = deep(selector); return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden'; }`,
      selector,
    );
  }

  async isHidden(selector) {
    return !(await this.isVisible(selector));
  }

  async close() {
    await bounded(this.session.quit(), 20_000, 'quit').catch(() => {});
  }
}

/** Sum of VmRSS over the descendants of `root` (not `root` itself, a driver or an X server). */
function processTreeRss(root) {
  const processes = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the fields follow the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      processes.set(Number(entry), { parent: Number(fields[1]), name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
    } catch {
      // Gone meanwhile.
    }
  }
  const inTree = (pid) => {
    for (let p = processes.get(pid)?.parent; p; p = processes.get(p)?.parent) if (p === root) return true;
    return false;
  };
  let total = 0;
  for (const [pid, { name }] of processes) {
    if (!inTree(pid) || /^(Xvfb|xvfb-run|xauth)$|driver/i.test(name)) continue;
    try {
      const rss = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
      if (rss) total += Number(rss[1]) * 1024;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}
