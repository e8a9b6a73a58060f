// Writes pkg/package.json: the publishable package (the repository root is the private
// development project). ESM only, types first, the files a page needs and nothing else, no
// install scripts.
import { readFileSync, writeFileSync } from 'node:fs';

const root = JSON.parse(readFileSync('package.json', 'utf8'));
const pkg = {
  name: root.name,
  version: root.version,
  description: root.description,
  license: root.license,
  repository: root.repository,
  keywords: ['api.video', 'upload', 'video', 'wasm', 'webassembly', 'chunked', 'resumable'],
  type: 'module',
  main: './index.js',
  module: './index.js',
  types: './index.d.ts',
  exports: {
    '.': { types: './index.d.ts', default: './index.js' },
    './video-uploader.js': { types: './video-uploader.d.ts', default: './video-uploader.js' },
    './queue.js': { types: './queue.d.ts', default: './queue.js' },
    './recorder.js': { types: './recorder.d.ts', default: './recorder.js' },
    './package.json': './package.json',
  },
  files: ['index.js', 'index.d.ts', 'media.js', 'provider.js', 'resume.js', 'static.js', 'queue.js', 'queue.d.ts', 'recorder.js', 'recorder.d.ts', 'recording.js', 'video-uploader.js', 'video-uploader.d.ts', 'wasm_video_uploader_bg.wasm', 'README.md'],
  // Importing the entry loads the wasm (a top-level await), but nothing else: a bundler
  // may drop it when nothing of it is used. The element's module defines <video-uploader>.
  sideEffects: ['./video-uploader.js'],
};
writeFileSync('pkg/package.json', JSON.stringify(pkg, null, 2) + '\n');
