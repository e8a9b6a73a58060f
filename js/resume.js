// Resume after a reload, a crash or a closed tab (`resumable: true`). Loaded by the entry
// only when an upload asks for it, so pages that do not pay nothing for it.
//
// Per upload, one small record in localStorage under `wasm-video-uploader:<fingerprint>`:
// the file's name, size, type and lastModified, where it goes (the API host, and a hash of
// the upload token or the given videoId: never the secret itself), the chunk size, the
// video's id, how many leading chunks the server has acknowledged, where they end, the size
// of the chunks cut from there and how many were started, and when the upload began. The
// file's bytes are never read. A record goes on success and on cancel() (not when the page
// goes away mid-upload); records past their expiry are swept whenever records are read.
import { warningMessage } from './error.js';

const PREFIX = 'wasm-video-uploader:';
const VERSION = 1;
/** Records older than this are swept (the `resumableExpiry` option's default). */
export const DEFAULT_EXPIRY_MS = 24 * 60 * 60 * 1000;

/** The records uploads of this page are keeping now: the same file uploading twice at once
 * must not be sent into one video by two uploaders. */
const active = new Set();

/** A short, stable hash of a string (FNV-1a, 32 bits): enough to tell tokens apart, and
 * nothing a reader of the storage could use as the token. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

/** What identifies an upload of `file` with `options`, as a storage key. */
function keyOf(file, options) {
  // A token provider gives a new token after a reload: the provider is what stays.
  const token = options.uploadToken;
  const credential = typeof token === 'function' ? 'p' : token != null ? `t${hash(String(token))}` : `v${options.videoId ?? ''}`;
  const parts = [file.name ?? '', file.size, file.type ?? '', file.lastModified ?? 0, options.apiHost ?? '', credential, options.chunkSize ?? ''];
  // Two hashes of the parts in opposite orders: 64 bits, so that two files do not meet.
  return PREFIX + hash(JSON.stringify(parts)) + hash(JSON.stringify([...parts].reverse()));
}

/** Why `localStorage` could not be had, when reaching it threw. */
let storageError;

/** localStorage, or null where it cannot be used (private mode, a sandboxed frame). */
function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch (error) {
    storageError = error;
    return null;
  }
}

/** A stored record, or null when it is not one of ours in a shape we wrote. */
function parse(text) {
  try {
    const record = JSON.parse(text);
    const valid =
      record?.v === VERSION &&
      typeof record.videoId === 'string' &&
      /^[A-Za-z0-9]{1,64}$/.test(record.videoId) &&
      Number.isInteger(record.chunks) &&
      record.chunks >= 0 &&
      [record.bytes, record.chunksBytes, record.started, record.parallelParts].every((n) => n === undefined || (Number.isInteger(n) && n >= 0)) &&
      Number.isFinite(record.createdAt) &&
      typeof record.name === 'string' &&
      Number.isInteger(record.size);
    return valid ? record : null;
  } catch {
    return null;
  }
}

/** Every live record, after removing the expired and the unreadable ones. */
function sweep(store, expiryMs, now = Date.now()) {
  const live = [];
  for (let i = store.length - 1; i >= 0; i--) {
    const key = store.key(i);
    if (!key?.startsWith(PREFIX)) continue;
    const record = parse(store.getItem(key));
    if (!record || now - record.createdAt > expiryMs || record.createdAt > now + 60_000) store.removeItem(key);
    else live.push({ key, record });
  }
  return live;
}

/** The uploads a previous page left unfinished, newest first (of `file` only, when given). */
export function findPreviousUploads(file, expiryMs = DEFAULT_EXPIRY_MS) {
  const store = storage();
  if (!store) return [];
  try {
    return sweep(store, expiryMs)
      .map(({ record }) => record)
      .filter((r) => !file || (r.name === file.name && r.size === file.size && r.lastModified === file.lastModified))
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((r) => ({ fileName: r.name, size: r.size, videoId: r.videoId, uploadedChunks: r.chunks, chunkSize: r.chunkSize, createdAt: r.createdAt }));
  } catch {
    return [];
  }
}

/** Removes every record. */
export function clearPreviousUploads() {
  const store = storage();
  if (!store) return;
  try {
    for (let i = store.length - 1; i >= 0; i--) {
      const key = store.key(i);
      if (key?.startsWith(PREFIX)) store.removeItem(key);
    }
  } catch {
    // Nothing stored can be removed either.
  }
}

/** How long a claim waits for a record's lock: the lock of a page just reloaded is let go
 * by the browser a little after the page has gone. */
const LOCK_WAIT_MS = 3000;

/**
 * Claims the record `key` for this uploader: no other uploader of this page (`active`), nor
 * of another tab of this origin (a Web Lock, where the browser has them), may hold it.
 * Resolves with a function that lets it go, or null when another holds it.
 */
async function claim(key) {
  if (active.has(key)) return null;
  active.add(key);
  let release = () => {};
  const locks = globalThis.navigator?.locks;
  const held = await new Promise((resolve) => {
    if (!locks) return resolve(true);
    const signal = AbortSignal.timeout?.(LOCK_WAIT_MS);
    locks
      .request(key, signal ? { signal } : { ifAvailable: true }, (lock) => {
        resolve(!!lock);
        // Held until released, or until the page goes away.
        return lock && new Promise((done) => (release = done));
      })
      // Given up waiting: another holds it. Any other failure (a sandboxed frame): no lock to
      // be had, and the page's own guard is all there is.
      .catch((error) => resolve(error?.name !== 'TimeoutError' && error?.name !== 'AbortError'));
  });
  if (!held) active.delete(key);
  return held
    ? () => {
        active.delete(key);
        release();
      }
    : null;
}

/**
 * With an API key or an access token, the API says which parts of the video it holds
 * (`GET /videos/{id}/status`): the leading ones it has beyond what the record says (its page
 * went before it could write them) are not sent again. Any doubt (no such credentials, a
 * failed request, numbers that do not fit the record) leaves the record as it is: the
 * "part already sent" answers cover those parts anyway, at the cost of re-sending them.
 */
async function checked(record, options, size) {
  const secret = options.apiKey ?? options.accessToken;
  if (!record || secret == null) return record;
  try {
    const host = String(options.apiHost ?? 'ws.api.video').replace(/\/+$/, '');
    const origin = /^https?:\/\//.test(host) ? host : `https://${host}`;
    const authorization = options.apiKey != null ? `Basic ${btoa(`${secret}:`)}` : `Bearer ${secret}`;
    const response = await fetch(`${origin}/videos/${encodeURIComponent(record.videoId)}/status`, { headers: { Authorization: authorization } });
    const { ingest } = await response.json();
    const parts = new Set(ingest.receivedParts.parts);
    let leading = record.chunks;
    while (parts.has(leading + 1)) leading++;
    // Every chunk from the record's on was cut at its size (see ChunkPlan::skip); the byte
    // ranges the API lists, where it lists them, must end there too.
    const bytes = record.bytes + (leading - record.chunks) * record.chunksBytes;
    const ranges = [...(ingest.receivedBytes ?? [])].sort((a, b) => a.from - b.from);
    let end = 0;
    for (const range of ranges) if (range.from === end) end = range.to + 1;
    const fits = response.ok && leading > record.chunks && bytes < size && (!ranges.length || end === bytes);
    return fits ? { ...record, chunks: leading, bytes, started: Math.max(record.started ?? 0, leading) } : record;
  } catch {
    return record;
  }
}

/**
 * Makes `uploader`'s upload of `file` resumable: finds what an earlier page left of it
 * (`previous`: `{videoId, chunks, bytes, chunksBytes, started, parallelParts}` to start
 * from, or null), and keeps the record up to date from the uploader's events. Storage that cannot be used
 * degrades to no resume, with one `warning` event (`RESUME_UNAVAILABLE`), never a failure.
 * While another uploader, of this page or of another tab, has the same file in hand, this
 * one goes on its own, into a video of its own, and keeps no record. Also returns
 * `forget()` (for cancel()) and `again()` (for the upload() after it).
 */
export async function attach(uploader, file, options) {
  const expiryMs = options.resumableExpiry ?? DEFAULT_EXPIRY_MS;
  const store = storage();
  const key = keyOf(file, options);
  let letGo = await claim(key);
  let warned = false;
  const unavailable = (error) => {
    if (warned) return;
    warned = true;
    const code = 'RESUME_UNAVAILABLE';
    uploader.dispatchEvent(new CustomEvent('warning', { detail: { code, message: warningMessage(code, { detail: error?.name ?? 'no localStorage' }) } }));
  };
  const write = (action) => {
    if (!letGo) return;
    if (!store) return unavailable(storageError);
    try {
      action(store);
    } catch (error) {
      unavailable(error);
    }
  };
  const end = () => {
    write((store) => store.removeItem(key));
    letGo?.();
    letGo = null;
  };

  let previous = null;
  write((store) => {
    previous = sweep(store, expiryMs).find((entry) => entry.key === key)?.record ?? null;
  });
  previous = await checked(previous, options, file.size);
  const createdAt = previous?.createdAt ?? Date.now();
  uploader.addEventListener('chunk', ({ detail }) => {
    if (!detail.videoId) return;
    const record = {
      v: VERSION,
      videoId: detail.videoId,
      // The leading chunks the server has, all of them: in parallel, chunks land out of order.
      chunks: detail.leadingChunks ?? detail.chunk,
      // Where they end, and the size of the chunks cut from there: with chunkSize 'auto',
      // chunks differ in size, and a page that continues must cut the ones this page may
      // have sent exactly as it did.
      bytes: detail.leadingBytes,
      chunksBytes: detail.chunksBytes,
      // And how many it had started: a page that continues counts a "part already sent"
      // answer as landed for those (and the few this page may start before it records again).
      started: detail.startedChunks,
      // And how many it sent at once: the chunks are cut for that many connections, so a
      // page that continues with another parallelParts cuts them as this page did.
      parallelParts: options.parallelParts ?? 1,
      chunkSize: options.chunkSize ?? null,
      createdAt,
      name: file.name ?? '',
      size: file.size,
      lastModified: file.lastModified ?? 0,
    };
    // Not once forgotten: a chunk event being dispatched when cancel() came must not write
    // the record back.
    write((store) => store.setItem(key, JSON.stringify(record)));
  });
  uploader.addEventListener('success', end);
  // The recorded video is gone (or the token may not write it): the core starts again into
  // a new video, whose first chunk writes a new record; this one must not outlive it.
  uploader.addEventListener('warning', ({ detail }) => {
    if (detail.code === 'RESUMED_VIDEO_GONE') write((store) => store.removeItem(key));
  });
  // cancel() forgets the upload; an ABORTED error alone is no sign, since a page being
  // unloaded aborts its requests too (Firefox reports it), and that upload must stay
  // resumable. upload() after a cancel() or a success claims the record again.
  return {
    previous,
    forget: end,
    async again() {
      letGo ??= await claim(key);
    },
  };
}
