// What the official uploader does with media beyond uploading it: read a file's duration
// (`maxVideoDuration`) and wait until a video plays (`onPlayable`). Loaded by the entry when
// an upload first needs one, so that a page that uses neither does not fetch it.

const PLAYABLE_POLL_MS = 500;
/** `onPlayable` gives up after this long: a video that is not playable by then will not be soon. */
const PLAYABLE_GIVE_UP_MS = 10 * 60 * 1000;

/**
 * The duration of a media file in seconds, read from its metadata by a `<video>` element as
 * the official uploader does; `NaN` when the browser cannot tell (not a media file, or a
 * stream whose duration is unknown), in which case the upload goes ahead.
 */
export function mediaDuration(file) {
  if (typeof document === 'undefined') return Promise.resolve(NaN);
  return new Promise((resolve) => {
    const video = document.createElement('video');
    const url = URL.createObjectURL(file);
    const done = (duration) => {
      URL.revokeObjectURL(url);
      video.removeAttribute('src');
      resolve(Number.isFinite(duration) ? duration : NaN);
    };
    video.preload = 'metadata';
    video.onloadedmetadata = () => done(video.duration);
    video.onerror = () => done(NaN);
    video.src = url;
  });
}

/**
 * As the official uploader: poll the manifest while it answers 202 or an empty body, then
 * call `callbacks`. Returns a function that stops the polling; it also stops by itself after
 * `PLAYABLE_GIVE_UP_MS`, so a video that never becomes playable leaves no timer behind.
 */
export function waitForPlayable(video, callbacks) {
  const hls = video?.assets?.hls;
  let timer;
  let stopped = !hls;
  const deadline = Date.now() + PLAYABLE_GIVE_UP_MS;
  const poll = async () => {
    if (stopped || Date.now() > deadline) return;
    try {
      const response = await fetch(hls);
      if (response.status !== 202 && (await response.text()).length > 0) {
        if (!stopped) for (const callback of callbacks) callback(video);
        return;
      }
    } catch {
      // Not reachable yet: keep polling.
    }
    if (!stopped) timer = setTimeout(poll, PLAYABLE_POLL_MS);
  };
  if (!stopped) timer = setTimeout(poll, PLAYABLE_POLL_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
