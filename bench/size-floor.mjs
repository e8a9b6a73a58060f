// Weighs the size-floor build (the core alone, see bench/size-floor) beside the package:
// `gzip -9` of each file, as `npm run build`'s size line and the README weigh them (Node's
// zlib, which the size test uses, comes out ~0.7 % smaller on the wasm).
// Usage: node bench/size-floor.mjs <dir with size_floor_bg.wasm and size_floor.js>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const dir = process.argv[2];
const weigh = (file) => {
  const bytes = readFileSync(file);
  return { raw: bytes.length, gzip: execFileSync('gzip', ['-9', '-c'], { input: bytes }).length };
};
const floor = { wasm: weigh(join(dir, 'size_floor_bg.wasm')), glue: weigh(join(dir, 'size_floor.js')) };
const pkg = { wasm: weigh('pkg/wasm_video_uploader_bg.wasm'), entry: weigh('pkg/index.js') };
// Issue 26's goal for what a page loads for a VideoUploader.
const BUDGET = 24_000;
const result = {
  floor,
  package: pkg,
  // What the shell (XHR, FormData, Blob slicing, timers, events, the JS classes) adds.
  shellWasmGzip: pkg.wasm.gzip - floor.wasm.gzip,
  floorGzip: floor.wasm.gzip + floor.glue.gzip,
  packageGzip: pkg.wasm.gzip + pkg.entry.gzip,
  budget: BUDGET,
};
writeFileSync(join(dir, 'floor.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`the core alone: wasm ${floor.wasm.raw} B (${floor.wasm.gzip} B gzip) + glue ${floor.glue.gzip} B gzip = ${result.floorGzip} B gzip, ${((100 * result.floorGzip) / BUDGET).toFixed(0)} % of the budget (${BUDGET})`);
console.log(`the package: wasm ${pkg.wasm.raw} B (${pkg.wasm.gzip} B gzip) + index.js ${pkg.entry.gzip} B gzip = ${result.packageGzip} B gzip; the shell adds ${result.shellWasmGzip} B gzip of wasm`);
