// The uploads of the official static API (`UploaderStaticWrapper` in the entry), loaded on
// their first use: each takes the wrapper (its settings and sessions) and the list of
// uploaders as it stood when the call was made (a cancelAll() since then replaced it).
import { VideoUploader, ProgressiveUploader } from './index.js';

/** The options every upload of the wrapper shares: its origins and API host. */
function common(wrapper) {
  const origin = {};
  if (wrapper.application?.name && wrapper.application?.version) origin.application = wrapper.application;
  if (wrapper.sdk?.name && wrapper.sdk?.version) origin.sdk = wrapper.sdk;
  return wrapper.apiHost ? { origin, apiHost: wrapper.apiHost } : { origin };
}

/** The official results: the Video as a JSON string, or `Error(title)` / `Error("ABORTED")`. */
async function settle(promise) {
  try {
    return JSON.stringify(await promise);
  } catch (error) {
    throw new Error(error.reason === 'ABORTED' ? 'ABORTED' : (error.title ?? error.message));
  }
}

function upload(wrapper, uploaders, file, onProgress, credentials) {
  // Cancelled (by cancelAll()) before it could begin.
  if (uploaders !== wrapper.standardUploaders) return Promise.reject(new Error('ABORTED'));
  const uploader = new VideoUploader({ file, chunkSize: 1024 * 1024 * wrapper.chunkSize, ...common(wrapper), ...credentials });
  wrapper.standardUploaders.push(uploader);
  if (onProgress != null) uploader.onProgress((event) => onProgress(event.uploadedBytes / event.totalBytes));
  return settle(uploader.upload());
}

export function uploadWithUploadToken(wrapper, uploaders, file, uploadToken, videoName, onProgress, videoId) {
  return upload(wrapper, uploaders, file, onProgress, { uploadToken, videoName, videoId: videoId || undefined });
}

export function uploadWithApiKey(wrapper, uploaders, file, apiKey, onProgress, videoId) {
  return upload(wrapper, uploaders, file, onProgress, { apiKey, videoId });
}

/** A session's part: its uploader is made with its first part. */
function part(wrapper, sessionId, file, onProgress, send) {
  const session = wrapper.progressiveUploadSessions[sessionId];
  if (!session.uploader) {
    const uploader = new ProgressiveUploader({ ...common(wrapper), ...session.credentials });
    uploader.onProgress((event) => session.partsOnProgress[event.part]?.(event.uploadedBytes / event.totalBytes));
    session.uploader = uploader;
  }
  if (onProgress != null) session.partsOnProgress[session.currentPart] = onProgress;
  session.currentPart++;
  return settle(send(session.uploader, file));
}

export function uploadPart(wrapper, uploaders, sessionId, file, onProgress) {
  return part(wrapper, sessionId, file, onProgress, (uploader, blob) => uploader.uploadPart(blob));
}

export function uploadLastPart(wrapper, uploaders, sessionId, file, onProgress) {
  return part(wrapper, sessionId, file, onProgress, (uploader, blob) => uploader.uploadLastPart(blob));
}
