//! The JavaScript face, with `@api.video/video-uploader` 1.1.6's names and shapes.
//!
//! `VideoUploaderCore` is what wasm-bindgen exports; the package's `index.js` wraps it in a
//! `VideoUploader` class that extends `EventTarget`, and passes itself as the target the
//! core dispatches its `CustomEvent`s on.

use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{Blob, CustomEvent, CustomEventInit, EventTarget};

use crate::error::UploadError;
use crate::meter::Report;
use crate::options::{Credentials, Origin, UploadOptions};

use super::event::UploadEvent;
use super::progressive::ProgressiveUploader;
use super::uploader::Uploader;

/// The uploader, as wasm-bindgen exports it. Use `VideoUploader` from the package instead.
#[wasm_bindgen(js_name = VideoUploaderCore)]
pub struct JsVideoUploader {
    inner: Rc<Uploader>,
}

#[wasm_bindgen(js_class = VideoUploaderCore)]
impl JsVideoUploader {
    /// Validates `options` and throws an `Error` with the official message and a `code`
    /// if they are bad. Events are dispatched on `target` when given.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, target: Option<EventTarget>) -> Result<JsVideoUploader, JsValue> {
        let build = || -> Result<Uploader, UploadError> {
            let file = read_file(&options)?;
            let uploader = Uploader::new(&file, read_options(&options)?)?;
            if let Some(strategy) = read_strategy(&options)? {
                uploader.set_retry_strategy(strategy);
            }
            if let Some(ms) = get(&options, "stallTimeout") {
                let ms = ms.as_f64().filter(|ms| ms.is_finite() && *ms >= 0.0).ok_or_else(|| invalid("stallTimeout", "expected milliseconds"))?;
                uploader.set_stall_timeout(Some(ms));
            }
            Ok(uploader)
        };
        let inner = build().map_err(|e| thrown_error(&e))?;
        if let Some(target) = target {
            inner.on_event(move |event| {
                let init = CustomEventInit::new();
                init.set_detail(&event_detail(event));
                if let Ok(custom) = CustomEvent::new_with_event_init_dict(event.name(), &init) {
                    let _ = target.dispatch_event(&custom);
                }
            });
        }
        Ok(JsVideoUploader { inner: Rc::new(inner) })
    }

    /// Registers a progress callback; it receives `{uploadedBytes, totalBytes, chunksCount,
    /// chunksBytes, currentChunk, currentChunkUploadedBytes, bytesPerSecond, etaSeconds}`.
    #[wasm_bindgen(js_name = onProgress)]
    pub fn on_progress(&self, callback: Function) {
        self.inner.on_event(move |event| {
            if let UploadEvent::Progress(report) = event {
                // A throwing callback must not break the upload, as with DOM event listeners.
                let _ = callback.call1(&JsValue::NULL, &progress_object(report));
            }
        });
    }

    /// Starts (or continues) the upload; resolves with the Video object, rejects with
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

    /// Pauses: the chunk in flight is aborted, and sent again on `resume()`.
    pub fn pause(&self) {
        self.inner.pause();
    }

    /// Resumes after `pause()`.
    pub fn resume(&self) {
        self.inner.resume();
    }

    /// Whether the upload is paused.
    #[wasm_bindgen(getter)]
    pub fn paused(&self) -> bool {
        self.inner.is_paused()
    }
}

/// The progressive uploader, as wasm-bindgen exports it. Use `ProgressiveUploader` from the
/// package instead.
#[wasm_bindgen(js_name = ProgressiveUploaderCore)]
pub struct JsProgressiveUploader {
    inner: Rc<ProgressiveUploader>,
}

#[wasm_bindgen(js_class = ProgressiveUploaderCore)]
impl JsProgressiveUploader {
    /// Validates `options` (credentials, `videoId`, `videoName`, `retries`, `retryStrategy`,
    /// `apiHost`, `origin`, `preventEmptyParts`, `mergeSmallPartsBeforeUpload`).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsProgressiveUploader, JsValue> {
        let build = || -> Result<ProgressiveUploader, UploadError> {
            if !options.is_object() {
                return Err(UploadError::MissingCredentials);
            }
            let flag = |key: &str| get(&options, key).and_then(|v| v.as_bool());
            let prevent_empty = flag("preventEmptyParts").unwrap_or(false);
            let merge = flag("mergeSmallPartsBeforeUpload").unwrap_or(true);
            let uploader = ProgressiveUploader::new(read_options(&options)?, prevent_empty, merge)?;
            if let Some(strategy) = read_strategy(&options)? {
                uploader.set_retry_strategy(strategy);
            }
            Ok(uploader)
        };
        build().map(|inner| JsProgressiveUploader { inner: Rc::new(inner) }).map_err(|e| thrown_error(&e))
    }

    /// Buffers or sends `blob`; resolves with the answer to the part it completed, if any.
    #[wasm_bindgen(js_name = uploadPart)]
    pub fn upload_part(&self, blob: Blob) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            match inner.upload_part(&blob).await {
                Ok(video) => Ok(video.map_or(JsValue::UNDEFINED, |v| v.json)),
                Err(error) => Err(rejected_error(&error)),
            }
        })
    }

    /// Sends everything buffered and `blob` as the last part; resolves with the Video.
    #[wasm_bindgen(js_name = uploadLastPart)]
    pub fn upload_last_part(&self, blob: Blob) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            match inner.upload_last_part(&blob).await {
                Ok(video) => Ok(video.json),
                Err(error) => Err(rejected_error(&error)),
            }
        })
    }

    /// Registers a progress callback: `{part, uploadedBytes, totalBytes}` for the part on the wire.
    #[wasm_bindgen(js_name = onProgress)]
    pub fn on_progress(&self, callback: Function) {
        self.inner.on_progress(move |progress| {
            let object = Object::new();
            set(&object, "part", progress.part);
            set(&object, "uploadedBytes", progress.uploaded_bytes as f64);
            set(&object, "totalBytes", progress.total_bytes as f64);
            let _ = callback.call1(&JsValue::NULL, &object);
        });
    }

    /// Aborts the part in flight; it and later parts reject with reason `ABORTED`.
    pub fn cancel(&self) {
        self.inner.cancel();
    }
}

fn read_strategy(options: &JsValue) -> Result<Option<crate::session::RetryStrategy>, UploadError> {
    let Some(strategy) = get(options, "retryStrategy") else { return Ok(None) };
    let strategy: Function = strategy.dyn_into().map_err(|_| invalid("retryStrategy", "expected a function"))?;
    Ok(Some(Rc::new(move |count, error| {
        let delay = strategy.call2(&JsValue::NULL, &JsValue::from(count), &rejected_error(error)).ok()?;
        delay.as_f64()
    })))
}

fn invalid(name: &'static str, detail: &str) -> UploadError {
    UploadError::InvalidOption { name, detail: detail.to_owned() }
}

fn get(options: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(options, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

fn has(options: &JsValue, key: &str) -> bool {
    Reflect::has(options, &JsValue::from_str(key)).unwrap_or(false)
}

fn get_string(options: &JsValue, key: &'static str) -> Result<Option<String>, UploadError> {
    match get(options, key) {
        None => Ok(None),
        Some(value) => value.as_string().map(Some).ok_or_else(|| invalid(key, "expected a string")),
    }
}

fn read_file(options: &JsValue) -> Result<Blob, UploadError> {
    if !options.is_object() {
        return Err(UploadError::MissingFile);
    }
    let file = get(options, "file").ok_or(UploadError::MissingFile)?;
    file.dyn_into::<Blob>().map_err(|_| invalid("file", "expected a File or a Blob"))
}

fn read_origin(origin: &JsValue, key: &'static str) -> Result<Option<Origin>, UploadError> {
    let Some(value) = get(origin, key) else { return Ok(None) };
    // A number given as a version (`1` for "1") goes through JavaScript's own String().
    let text = |field| {
        get(&value, field).and_then(|v| {
            v.as_string().or_else(|| v.dyn_into::<js_sys::Number>().ok()?.to_string_with_radix(10).ok().map(String::from))
        })
    };
    Ok(Some(Origin { name: text("name").unwrap_or_default(), version: text("version").unwrap_or_default() }))
}

fn read_options(js: &JsValue) -> Result<UploadOptions, UploadError> {
    // The official uploader's order: uploadToken, then accessToken, then apiKey.
    let credentials = if has(js, "uploadToken") {
        Credentials::UploadToken(get_string(js, "uploadToken")?.unwrap_or_default())
    } else if has(js, "accessToken") {
        Credentials::AccessToken {
            access_token: get_string(js, "accessToken")?.unwrap_or_default(),
            refresh_token: get_string(js, "refreshToken")?,
        }
    } else if has(js, "apiKey") {
        Credentials::ApiKey(get_string(js, "apiKey")?.unwrap_or_default())
    } else {
        return Err(UploadError::MissingCredentials);
    };
    let mut options = UploadOptions::with_upload_token(String::new());
    options.credentials = credentials;
    if let Some(size) = get(js, "chunkSize") {
        let size = size.as_f64().filter(|s| s.is_finite() && *s >= 0.0 && s.fract() == 0.0);
        // Not a whole number of bytes: rejected with the official chunk-size message.
        options.chunk_size = size.map_or(0, |s| s as u64);
    }
    if let Some(retries) = get(js, "retries") {
        let retries = retries.as_f64().filter(|r| r.is_finite() && *r >= 0.0 && r.fract() == 0.0);
        options.retries = retries.ok_or_else(|| invalid("retries", "expected a whole number"))? as u32;
    }
    if let Some(host) = get_string(js, "apiHost")? {
        options.api_host = host;
    }
    options.video_id = get_string(js, "videoId")?;
    options.video_name = get_string(js, "videoName")?;
    if let Some(origin) = get(js, "origin") {
        options.application = read_origin(&origin, "application")?;
        options.sdk = read_origin(&origin, "sdk")?;
    }
    Ok(options)
}

fn set(target: &Object, key: &str, value: impl Into<JsValue>) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

fn progress_object(report: &Report) -> JsValue {
    let (progress, object) = (report.progress, Object::new());
    set(&object, "uploadedBytes", progress.uploaded_bytes as f64);
    set(&object, "totalBytes", progress.total_bytes as f64);
    set(&object, "chunksCount", progress.chunks_count);
    set(&object, "chunksBytes", progress.chunks_bytes as f64);
    set(&object, "currentChunk", progress.current_chunk);
    set(&object, "currentChunkUploadedBytes", progress.current_chunk_uploaded_bytes as f64);
    set(&object, "bytesPerSecond", report.bytes_per_second);
    set(&object, "etaSeconds", report.eta_seconds.map_or(JsValue::NULL, JsValue::from));
    object.into()
}

fn event_detail(event: &UploadEvent) -> JsValue {
    let object = Object::new();
    match event {
        UploadEvent::Progress(report) => return progress_object(report),
        UploadEvent::Chunk { chunk, chunks_count, video_id, uploaded_bytes } => {
            set(&object, "chunk", *chunk);
            set(&object, "chunksCount", *chunks_count);
            set(&object, "videoId", video_id.as_str());
            set(&object, "uploadedBytes", *uploaded_bytes as f64);
        }
        UploadEvent::Retry { attempt, delay_ms, reason, error } => {
            set(&object, "attempt", *attempt);
            set(&object, "delay", *delay_ms);
            set(&object, "reason", reason.as_str());
            set(&object, "error", rejected_error(error));
        }
        UploadEvent::Success(video) => return video.json.clone(),
        UploadEvent::Error(error) => return rejected_error(error),
        UploadEvent::Pause | UploadEvent::Resume | UploadEvent::Offline | UploadEvent::Online => {}
    }
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
