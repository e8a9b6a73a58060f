// Test files of real sizes, written to disk in 1 MiB blocks of random bytes.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, writeSync, closeSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Writes `size` random bytes to a new file named `name`; returns its path and SHA-256. */
export function randomFile(size, name = 'video.mp4') {
  const dir = mkdtempSync(path.join(tmpdir(), 'upload-e2e-'));
  const file = path.join(dir, name);
  const hash = createHash('sha256');
  const fd = openSync(file, 'w');
  for (let written = 0; written < size; ) {
    const block = randomBytes(Math.min(1 << 20, size - written));
    writeSync(fd, block);
    hash.update(block);
    written += block.length;
  }
  closeSync(fd);
  return { dir, file, sha256: hash.digest('hex') };
}

/** SHA-256 of a file, streamed. */
export function sha256File(file) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}
