//! The JavaScript face: `new VideoUploader(options)`, `onProgress(cb)`, `upload()`,
//! `cancel()`, with `@api.video/video-uploader` 1.1.6's names and shapes.

use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::Blob;

use crate::error::UploadError;
use crate::options::UploadOptions;
use crate::progress::Progress;

use super::uploader::Uploader;

/// Uploads a `File` to api.video in chunks. Drop-in for `@api.video/video-uploader`'s class.
#[wasm_bindgen(js_name = VideoUploader)]
pub struct JsVideoUploader {
    inner: Rc<Uploader>,
}

#[wasm_bindgen(js_class = VideoUploader)]
impl JsVideoUploader {
    /// Validates `options` (`file`, `uploadToken`, `chunkSize`, `apiHost`, `videoId`,
    /// `videoName`) and throws an `Error` with the official message and a `code` if they are bad.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsVideoUploader, JsValue> {
        let build = || -> Result<Uploader, UploadError> {
            let file = read_file(&options)?;
            let options = read_options(&options)?;
            Uploader::new(&file, options)
        };
        build().map(|inner| JsVideoUploader { inner: Rc::new(inner) }).map_err(|e| thrown_error(&e))
    }

    /// Registers a progress callback; it receives `{uploadedBytes, totalBytes, chunksCount,
    /// chunksBytes, currentChunk, currentChunkUploadedBytes}`.
    #[wasm_bindgen(js_name = onProgress)]
    pub fn on_progress(&self, callback: Function) {
        self.inner.on_progress(move |progress| {
            // A throwing callback must not break the upload, as with DOM event listeners.
            let _ = callback.call1(&JsValue::NULL, &progress_object(progress));
        });
    }

    /// Starts the upload; resolves with the Video object, rejects with
    /// `{status, type, title, name, detail, reason, raw, code, message}`.
    pub fn upload(&self) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            match inner.upload().await {
                Ok(video) => Ok(video.json),
                Err(error) => Err(rejected_error(&error)),
            }
        })
    }

    /// Aborts the upload: the promise of `upload()` rejects with reason `ABORTED`.
    pub fn cancel(&self) {
        self.inner.cancel();
    }
}

fn get(options: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(options, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

fn get_string(options: &JsValue, key: &'static str) -> Result<Option<String>, UploadError> {
    match get(options, key) {
        None => Ok(None),
        Some(value) => value
            .as_string()
            .map(Some)
            .ok_or(UploadError::InvalidOption { name: key, detail: "expected a string".to_owned() }),
    }
}

fn read_file(options: &JsValue) -> Result<Blob, UploadError> {
    if !options.is_object() {
        return Err(UploadError::MissingFile);
    }
    let file = get(options, "file").ok_or(UploadError::MissingFile)?;
    file.dyn_into::<Blob>()
        .map_err(|_| UploadError::InvalidOption { name: "file", detail: "expected a File or a Blob".to_owned() })
}

fn read_options(js: &JsValue) -> Result<UploadOptions, UploadError> {
    for unsupported in ["accessToken", "apiKey"] {
        if get(js, unsupported).is_some() && get(js, "uploadToken").is_none() {
            return Err(UploadError::InvalidOption {
                name: if unsupported == "apiKey" { "apiKey" } else { "accessToken" },
                detail: "only uploadToken authentication is supported by this version".to_owned(),
            });
        }
    }
    let token = get_string(js, "uploadToken")?.ok_or(UploadError::MissingCredentials)?;
    let mut options = UploadOptions::with_upload_token(token);
    if let Some(size) = get(js, "chunkSize") {
        let size = size.as_f64().filter(|s| s.is_finite() && *s >= 0.0 && s.fract() == 0.0);
        // Not a whole number of bytes: reject with the official chunk-size message.
        options.chunk_size = size.map_or(0, |s| s as u64);
    }
    if let Some(host) = get_string(js, "apiHost")? {
        options.api_host = host;
    }
    options.video_id = get_string(js, "videoId")?;
    options.video_name = get_string(js, "videoName")?;
    Ok(options)
}

fn set(target: &Object, key: &str, value: impl Into<JsValue>) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

fn progress_object(progress: &Progress) -> JsValue {
    let object = Object::new();
    set(&object, "uploadedBytes", progress.uploaded_bytes as f64);
    set(&object, "totalBytes", progress.total_bytes as f64);
    set(&object, "chunksCount", progress.chunks_count);
    set(&object, "chunksBytes", progress.chunks_bytes as f64);
    set(&object, "currentChunk", progress.current_chunk);
    set(&object, "currentChunkUploadedBytes", progress.current_chunk_uploaded_bytes as f64);
    object.into()
}

/// Constructor errors are thrown `Error`s, as in the official uploader.
fn thrown_error(error: &UploadError) -> JsValue {
    let thrown = js_sys::Error::new(&error.to_string());
    set(&thrown, "code", error.code());
    thrown.into()
}

/// Upload errors are plain objects, the official `VideoUploadError` shape plus `code`
/// and `message`.
fn rejected_error(error: &UploadError) -> JsValue {
    let object = Object::new();
    set(&object, "code", error.code());
    set(&object, "message", error.to_string());
    set(&object, "status", error.status().map_or(JsValue::UNDEFINED, JsValue::from));
    set(&object, "reason", error.reason().map_or(JsValue::UNDEFINED, JsValue::from));
    match error {
        UploadError::Http { problem, raw, .. } => {
            for (key, value) in [
                ("type", &problem.type_),
                ("title", &problem.title),
                ("name", &problem.name),
                ("detail", &problem.detail),
            ] {
                if let Some(value) = value {
                    set(&object, key, value.as_str());
                }
            }
            set(&object, "raw", raw.as_str());
        }
        UploadError::InvalidResponse { raw, .. } => set(&object, "raw", raw.as_str()),
        _ => set(&object, "raw", JsValue::UNDEFINED),
    }
    object.into()
}
