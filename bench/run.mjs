// npm run bench: ours against the official @api.video/video-uploader 1.1.6 and against the
// limit of this machine, in one run, one headless Chromium, one release upload-server on
// loopback, file-backed input. Prints a table and writes bench/results.json.
// See BENCHMARKS.md for the method and what each figure means.
//   RUNS=3 (median of), SIZES=1024:50,200:5 (MiB:chunk MiB),
//   CAP_MIB=4 (per-connection cap of the parallel-parts series), ONLY=parallel, ONLY=auto
//   or ONLY=size (that series or table alone; the size table of the files built last)
import http from 'node:http';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { startServer, projectDir } from '../tests/support/server.mjs';
import { launchBrowser, BLANK_WWW } from '../tests/support/browser.mjs';
import { randomFile } from '../tests/support/files.mjs';
import { startThrottle } from './throttle.mjs';

const MIB = 1024 * 1024;
const RUNS = Number(process.env.RUNS ?? 3);
const SIZES = (process.env.SIZES ?? '1024:50,200:5').split(',').map((pair) => pair.split(':').map(Number));
const OFFICIAL = path.join(projectDir, 'node_modules/@api.video/video-uploader/dist/index.js');
const PROBES = readFileSync(path.join(projectDir, 'bench/page-probes.js'), 'utf8');
const CONTENDERS = ['ours', 'official', 'limit'];
const CAP = Number(process.env.CAP_MIB ?? 4) * MIB;
const PARALLEL = [1, 2, 4, 8];
const PARALLEL_SIZES = [40, 200];
const ONLY = process.env.ONLY;
// The chunk-size series: two links that add 300 ms to every answer (a long path), a fast one
// and a slow one; fixed 5 and 50 MiB chunks against 'auto'.
const LINKS = [
  { mibPerSecond: 20, latencyMs: 300, sizeMib: 200 },
  { mibPerSecond: 2, latencyMs: 300, sizeMib: 40 },
];
const CHUNKINGS = [5 * MIB, 50 * MIB, 'auto'];
const chunkingName = (chunking) => (chunking === 'auto' ? 'auto' : `${chunking / MIB} MiB`);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
// `gzip -9`, the CLI the build's size line and the size test use, so the three agree.
const gzip = (file) => execFileSync('gzip', ['-9', '-c'], { input: readFileSync(file) }).length;
const raw = (file) => readFileSync(file).length;

/** The limit: an endpoint that reads every body and keeps nothing. */
async function startDiscard() {
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}/discard`, close: () => server.close() };
}

// The page: blank, with the official bundle beside it, served by upload-server itself.
// The size table needs no browser: files weighed as they are.
if (ONLY === 'size') {
  console.log(sizeTable({ size: size() }).join('\n'));
  process.exit(0);
}

const www = mkdtempSync(path.join(tmpdir(), 'bench-www-'));
copyFileSync(path.join(BLANK_WWW, 'index.html'), path.join(www, 'index.html'));
copyFileSync(OFFICIAL, path.join(www, 'official.js'));

const server = await startServer({ profile: 'release', extraArgs: ['--www', www] });
const discard = await startDiscard();
const browser = await launchBrowser({ args: ['--enable-precise-memory-info'] });
const results = { machine: machine(), runs: RUNS, throughput: [], startup: {}, size: size(), server: {} };

/** A fresh page (its own context: nothing cached) with the probes in, and requests the
 * official uploader makes to https://ws.api.video routed to the local server: the routing
 * sits in XMLHttpRequest.open, the uploaders' request code is untouched. */
async function freshPage() {
  const page = await browser.newPage();
  await page.addInitScript({ content: PROBES });
  await page.addInitScript((local) => {
    const open = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function (method, url, ...rest) {
      return open.call(this, method, String(url).replace('https://ws.api.video', local), ...rest);
    };
  }, server.url);
  await page.goto(`${server.url}/`);
  return page;
}

/** One upload of the picked file by `who`; seconds and what the probes saw. */
async function uploadOnce(who, file, chunkSize, extra = {}) {
  const page = await freshPage();
  try {
    if (who === 'ours') await page.evaluate(async () => (window.lib = await import('/pkg/index.js')));
    if (who === 'official') await page.addScriptTag({ url: '/official.js' });
    await page.setInputFiles('#file', file);
    const token = await server.createToken(0);
    const outcome = await page.evaluate(
      async ({ who, token, chunkSize, discard, extra }) => {
        const file = document.getElementById('file').files[0];
        const sampler = setInterval(() => window.probes.sampleHeap(), 50);
        const wasmBefore = window.probes.wasmMemoryBytes();
        const started = performance.now();
        let videoId = null;
        if (who === 'limit') {
          // The same slices, one plain XHR each, one after another, to a discarding endpoint.
          for (let offset = 0; offset < file.size; offset += chunkSize) {
            const form = new FormData();
            form.append('file', file.slice(offset, offset + chunkSize), file.name);
            await new Promise((resolve, reject) => {
              const xhr = new XMLHttpRequest();
              xhr.open('POST', discard);
              xhr.onload = resolve;
              xhr.onerror = reject;
              xhr.send(form);
            });
          }
        } else {
          const Uploader = who === 'ours' ? window.lib.VideoUploader : window.VideoUploader;
          const uploader = new Uploader({ file, uploadToken: token, chunkSize, ...extra });
          uploader.onProgress(() => window.probes.sampleHeap());
          videoId = (await uploader.upload()).videoId;
        }
        const seconds = (performance.now() - started) / 1000;
        clearInterval(sampler);
        window.probes.sampleHeap();
        // Let the longtask observer deliver the last entries.
        await new Promise((resolve) => setTimeout(resolve, 100));
        return {
          seconds,
          videoId,
          wasmBefore,
          wasmAfter: window.probes.wasmMemoryBytes(),
          peakHeap: window.probes.peakHeapBytes,
          longestTaskMs: window.probes.longestTaskMs,
        };
      },
      { who, token, chunkSize, discard: discard.url, extra },
    );
    if (outcome.videoId) rmSync(path.join(server.dataDir, 'videos', outcome.videoId), { recursive: true, force: true });
    return outcome;
  } finally {
    await page.close();
  }
}

/** From a fresh page's first byte of script to a constructed uploader, in ms. */
async function startupOnce(who) {
  const page = await freshPage();
  try {
    return await page.evaluate(async (who) => {
      const file = new File(['x'], 'x.mp4');
      const started = performance.now();
      if (who === 'ours') {
        const lib = await import('/pkg/index.js');
        new lib.VideoUploader({ file, uploadToken: 'to1' });
      } else {
        await new Promise((resolve, reject) => {
          const script = document.createElement('script');
          script.src = '/official.js';
          script.onload = resolve;
          script.onerror = reject;
          document.head.append(script);
        });
        new window.VideoUploader({ file, uploadToken: 'to1' });
      }
      return performance.now() - started;
    }, who);
  } finally {
    await page.close();
  }
}

try {
  // Chunk sizes, fixed and 'auto', over a fast and a slow long link.
  if (!ONLY || ONLY === 'auto') {
    results.chunking = [];
    for (const link of LINKS) {
      const source = randomFile(link.sizeMib * MIB, 'bench-chunking.mp4');
      try {
        const row = { ...link, mibPerSecondBy: {}, requestsBy: {}, largestChunkMibBy: {} };
        for (const chunking of CHUNKINGS) {
          const name = chunkingName(chunking);
          const throttle = await startThrottle(server.url, link.mibPerSecond * MIB, link.latencyMs);
          try {
            const outcome = await uploadOnce('ours', source.file, chunking, { apiHost: throttle.url });
            row.mibPerSecondBy[name] = link.sizeMib / outcome.seconds;
            row.requestsBy[name] = throttle.requests.length;
            row.largestChunkMibBy[name] = Math.max(...throttle.requests) / MIB;
            process.stderr.write(`${link.sizeMib} MiB over ${link.mibPerSecond} MiB/s + ${link.latencyMs} ms, chunks ${name}: ${row.mibPerSecondBy[name].toFixed(1)} MiB/s, ${throttle.requests.length} requests\n`);
          } finally {
            throttle.close();
          }
        }
        results.chunking.push(row);
      } finally {
        rmSync(source.dir, { recursive: true, force: true });
      }
    }
  }
  // Parallel parts over a link that caps each connection (distance, shaping): 40 MiB and
  // 200 MiB files, chunks of at most 50 MiB (the default), the plan shaped for the
  // connections.
  if (ONLY !== 'auto') {
    const throttle = await startThrottle(server.url, CAP);
    results.parallel = { capMibPerSecond: CAP / MIB, chunkMib: 50, sizes: {} };
    try {
      for (const sizeMib of PARALLEL_SIZES) {
        const source = randomFile(sizeMib * MIB, 'bench-parallel.mp4');
        try {
          const row = (results.parallel.sizes[sizeMib] = {});
          for (const n of PARALLEL) {
            const outcome = await uploadOnce('ours', source.file, 50 * MIB, { apiHost: throttle.url, parallelParts: n });
            row[n] = sizeMib / outcome.seconds;
            process.stderr.write(`${sizeMib} MiB over ${CAP / MIB} MiB/s per connection, parallelParts ${n}: ${row[n].toFixed(1)} MiB/s\n`);
          }
        } finally {
          rmSync(source.dir, { recursive: true, force: true });
        }
      }
    } finally {
      throttle.close();
    }
  }
  for (const [sizeMib, chunkMib] of ONLY ? [] : SIZES) {
    const source = randomFile(sizeMib * MIB, `bench-${sizeMib}.mp4`);
    const runs = Object.fromEntries(CONTENDERS.map((who) => [who, []]));
    try {
      for (let run = 0; run < RUNS; run++) {
        // A different order each run, so that no contender always goes first.
        const order = CONTENDERS.map((_, i) => CONTENDERS[(i + run) % CONTENDERS.length]);
        for (const who of order) {
          const outcome = await uploadOnce(who, source.file, chunkMib * MIB);
          runs[who].push(outcome);
          process.stderr.write(`${sizeMib} MiB / ${chunkMib} MiB chunks, run ${run + 1}, ${who}: ${(sizeMib / outcome.seconds).toFixed(1)} MiB/s\n`);
        }
      }
    } finally {
      rmSync(source.dir, { recursive: true, force: true });
    }
    const rate = (who) => median(runs[who].map((o) => sizeMib / o.seconds));
    const row = {
      sizeMib,
      chunkMib,
      mibPerSecond: Object.fromEntries(CONTENDERS.map((who) => [who, rate(who)])),
      oursOverOfficial: rate('ours') / rate('official'),
      oursOverLimit: rate('ours') / rate('limit'),
      wasmGrowthBytes: Math.max(...runs.ours.map((o) => o.wasmAfter - o.wasmBefore)),
      wasmMemoryBytes: Math.max(...runs.ours.map((o) => o.wasmAfter)),
      peakHeapBytes: Object.fromEntries(CONTENDERS.map((who) => [who, Math.max(...runs[who].map((o) => o.peakHeap))])),
      longestTaskMs: Object.fromEntries(CONTENDERS.map((who) => [who, Math.max(...runs[who].map((o) => o.longestTaskMs))])),
    };
    results.throughput.push(row);
  }

  const startups = { ours: [], official: [] };
  for (let run = 0; run < (ONLY ? 0 : 5); run++) for (const who of run % 2 ? ['official', 'ours'] : ['ours', 'official']) startups[who].push(await startupOnce(who));
  results.startup = ONLY ? null : { oursMs: median(startups.ours), officialMs: median(startups.official) };

  results.server.peakRssBytes = peakRss(server.child.pid);
} finally {
  await browser.close();
  discard.close();
  await server.stop();
  rmSync(www, { recursive: true, force: true });
}

// Server ingest against dd, as `npm run bench:server` measures it; median of 3 (the disk's
// own rate varies from run to run, so each ratio pairs runs made back to back).
const ingests = [];
for (let run = 0; run < (ONLY ? 0 : 3); run++) {
  const out = execFileSync('bash', [path.join(projectDir, 'bench/server-ingest.sh')], { encoding: 'utf8', env: { ...process.env, SIZE_MIB: '1024', CHUNK_MIB: '50', SERVER_BIN: path.join(projectDir, 'target/release/upload-server') } });
  ingests.push({
    mibPerSecond: Number(out.match(/= (\d+) MiB\/s \(each/)?.[1]),
    ddMibPerSecond: Number(out.match(/dd \(conv=fsync\).*= (\d+) MiB\/s/)?.[1]),
    ratio: Number(out.match(/ratio upload-server \/ dd: ([\d.]+)/)?.[1]),
    peakRssMib: Number(out.match(/peak RSS: ([\d.]+) MiB/)?.[1]),
  });
}
results.server.ingest = {
  mibPerSecond: median(ingests.map((i) => i.mibPerSecond)),
  ddMibPerSecond: median(ingests.map((i) => i.ddMibPerSecond)),
  ratio: median(ingests.map((i) => i.ratio)),
  ingestPeakRssMib: Math.max(...ingests.map((i) => i.peakRssMib)),
  runs: ingests,
};

if (ONLY === 'parallel') {
  console.log(parallelTable(results));
} else if (ONLY === 'auto') {
  console.log(chunkingTable(results));
} else {
  writeFileSync(path.join(projectDir, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(table(results));
}

function parallelTable(r) {
  const p = r.parallel;
  const sizes = Object.keys(p.sizes);
  const cell = (sizeMib, n) => `${p.sizes[sizeMib][n].toFixed(1)} MiB/s, ${(p.sizes[sizeMib][n] / p.sizes[sizeMib][1]).toFixed(2)}×`;
  const rows = PARALLEL.map((n) => `| ${n} | ${sizes.map((sizeMib) => cell(sizeMib, n)).join(' | ')} |`);
  const head = `| parallelParts (${p.capMibPerSecond} MiB/s per connection, chunks of at most ${p.chunkMib} MiB) | ${sizes.map((s) => `${s} MiB: rate, / one at a time`).join(' | ')} |`;
  return [head, `|---|${sizes.map(() => '---|').join('')}`, ...rows].join('\n');
}

/** The size table's lines. */
function sizeTable(r) {
  const f = (value, digits) => value.toFixed(digits);
  const lines = ['| what a page loads for a VideoUploader | raw bytes | gzip -9 bytes | / official (gzip) |', '|---|---|---|---|'];
  lines.push(`| ours (index.js + wasm) | ${r.size.ours.raw} | ${r.size.ours.gzip} | ${f(r.size.ours.gzip / r.size.official.gzip, 2)} |`);
  lines.push(`| ours with <video-uploader> | ${r.size.oursElement.raw} | ${r.size.oursElement.gzip} | ${f(r.size.oursElement.gzip / r.size.official.gzip, 2)} |`);
  lines.push(`| official 1.1.6 bundle | ${r.size.official.raw} | ${r.size.official.gzip} | 1.00 |`);
  if (r.size.coreAlone) lines.push(`| the floor: our core alone, no shell (bench/size-floor) | ${r.size.coreAlone.raw} | ${r.size.coreAlone.gzip} | ${f(r.size.coreAlone.gzip / r.size.official.gzip, 2)} |`);
  return lines;
}

function chunkingTable(r) {
  const head = `| link (answers held 300 ms) | ${CHUNKINGS.map((c) => `${chunkingName(c)}: MiB/s, requests, largest chunk`).join(' | ')} | auto / best fixed |`;
  const rows = r.chunking.map((row) => {
    const cells = CHUNKINGS.map(chunkingName).map((name) => `${row.mibPerSecondBy[name].toFixed(1)}, ${row.requestsBy[name]}, ${row.largestChunkMibBy[name].toFixed(0)} MiB`);
    const fixed = Math.max(...CHUNKINGS.filter((c) => c !== 'auto').map((c) => row.mibPerSecondBy[chunkingName(c)]));
    return `| ${row.sizeMib} MiB at ${row.mibPerSecond} MiB/s | ${cells.join(' | ')} | ${(row.mibPerSecondBy.auto / fixed).toFixed(2)} |`;
  });
  return [head, `|---|${CHUNKINGS.map(() => '---|').join('')}---|`, ...rows].join('\n');
}

function peakRss(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m)[1]) * 1024;
  } catch {
    return null;
  }
}

function machine() {
  const chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  return { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 1024 ** 3), chromium, node: process.version, date: new Date().toISOString() };
}

function size() {
  const pkg = (name) => path.join(projectDir, 'pkg', name);
  const entry = [pkg('index.js'), pkg('wasm_video_uploader_bg.wasm')];
  const element = [...entry, pkg('video-uploader.js')];
  const sum = (files, measure) => files.reduce((total, file) => total + measure(file), 0);
  // The core alone, with no shell (bench/size-floor.sh builds it before this runs).
  const floorDir = path.join(projectDir, 'target', 'size-floor');
  const floor = [path.join(floorDir, 'size_floor_bg.wasm'), path.join(floorDir, 'size_floor.js')];
  return {
    coreAlone: floor.every((file) => existsSync(file)) ? { raw: sum(floor, raw), gzip: sum(floor, gzip) } : null,
    ours: { raw: sum(entry, raw), gzip: sum(entry, gzip) },
    oursElement: { raw: sum(element, raw), gzip: sum(element, gzip) },
    official: { raw: raw(OFFICIAL), gzip: gzip(OFFICIAL) },
  };
}

function table(r) {
  const f = (n, digits = 1) => (n === null || Number.isNaN(n) ? 'n/a' : n.toFixed(digits));
  const lines = [];
  lines.push(`Machine: ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memoryGiB} GiB; ${r.machine.chromium}; median of ${r.runs} runs`);
  lines.push('');
  lines.push('| upload | ours MiB/s | official MiB/s | limit MiB/s | ours / official | ours / limit | wasm memory (growth) | peak JS heap ours / official | longest task ours / official |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const t of r.throughput) {
    lines.push(
      `| ${t.sizeMib} MiB in ${t.chunkMib} MiB chunks | ${f(t.mibPerSecond.ours)} | ${f(t.mibPerSecond.official)} | ${f(t.mibPerSecond.limit)} | ${f(t.oursOverOfficial, 2)} | ${f(t.oursOverLimit, 2)} | ` +
        `${f(t.wasmMemoryBytes / MIB, 2)} MiB (+${f(t.wasmGrowthBytes / MIB, 2)}) | ${f(t.peakHeapBytes.ours / MIB)} / ${f(t.peakHeapBytes.official / MIB)} MiB | ${f(t.longestTaskMs.ours, 0)} / ${f(t.longestTaskMs.official, 0)} ms |`,
    );
  }
  lines.push('');
  lines.push(parallelTable(r));
  lines.push('');
  lines.push(chunkingTable(r));
  lines.push('');
  lines.push('| start-up (fetch, compile, init, construct) | ours | official | ours / official |');
  lines.push('|---|---|---|---|');
  lines.push(`| median of 5, ms | ${f(r.startup.oursMs)} | ${f(r.startup.officialMs)} | ${f(r.startup.oursMs / r.startup.officialMs, 2)} |`);
  lines.push('');
  lines.push(...sizeTable(r));
  lines.push('');
  lines.push('| upload-server | figure |');
  lines.push('|---|---|');
  lines.push(`| ingest, 1 GiB in 50 MiB chunks by curl | ${f(r.server.ingest.mibPerSecond, 0)} MiB/s |`);
  lines.push(`| dd conv=fsync, same disk | ${f(r.server.ingest.ddMibPerSecond, 0)} MiB/s |`);
  lines.push(`| ingest / dd (median of 3 paired runs: ${r.server.ingest.runs.map((i) => f(i.ratio, 2)).join(', ')}) | ${f(r.server.ingest.ratio, 2)} |`);
  lines.push(`| peak RSS, ingest run | ${f(r.server.ingest.ingestPeakRssMib)} MiB |`);
  lines.push(`| peak RSS, whole browser bench | ${f(r.server.peakRssBytes / MIB)} MiB |`);
  return lines.join('\n');
}
