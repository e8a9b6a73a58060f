//! The JavaScript face: `Core`, which the package's entry wraps in `VideoUploader` and
//! `ProgressiveUploader` with the names and shapes of `@api.video/video-uploader` 1.1.6.
//!
//! No promises are made here: the entry makes them, and settles them from the events the
//! core reports through the one `notify(type, detail)` function it is given.

use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use crate::error::UploadError;
use crate::machine::Machine;
use crate::meter::Report;
use crate::options::{Credentials, Origin, UploadOptions};
use crate::retry::RetryStrategy;

use super::driver::{Driver, Note};

/// One upload, of a file or of a stream, as the package entry drives it.
#[wasm_bindgen]
pub struct Core {
    driver: Rc<Driver>,
}

#[wasm_bindgen]
impl Core {
    /// Validates `options` (throwing `{code, message}` with the official messages) and
    /// prepares the upload of `options.file`, or of a stream when `stream` is true.
    /// `notify(type, detail)` hears `progress`, `chunk`, `part`, `retry`, `warning`,
    /// `success` and `error`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, stream: bool, notify: Function) -> Result<Core, JsValue> {
        Core::build(&options, stream, notify).map_err(|error| error_object(&error))
    }

    fn build(options: &JsValue, stream: bool, notify: Function) -> Result<Core, UploadError> {
        if !options.is_object() {
            return Err(if stream { UploadError::MissingCredentials } else { UploadError::MissingFile });
        }
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let (mut machine, file) = if stream {
            let flag = |key: &str| get(options, key).and_then(|v| v.as_bool());
            let prevent_empty = flag("preventEmptyParts").unwrap_or(false);
            let merge = flag("mergeSmallPartsBeforeUpload").unwrap_or(true);
            (Machine::stream(&read_options(options)?, prevent_empty, merge, seed)?, None)
        } else {
            let file = get(options, "file").ok_or(UploadError::MissingFile)?;
            let file: Blob = file.dyn_into().map_err(|_| invalid("file", "expected a File or a Blob"))?;
            let name = get(&file, "name").and_then(|name| name.as_string()).unwrap_or_default();
            (Machine::file(&read_options(options)?, file.size() as u64, &name, seed)?, Some(file))
        };
        if let Some(strategy) = read_strategy(options)? {
            machine.set_retry_strategy(strategy);
        }
        let stall = match get(options, "stallTimeout") {
            Some(ms) => Some(ms.as_f64().filter(|ms| ms.is_finite() && *ms >= 0.0).ok_or_else(|| invalid("stallTimeout", "expected milliseconds"))?),
            None => None,
        };
        let driver = Driver::new(machine, file, Box::new(move |note| {
            let (kind, detail) = note_detail(&note);
            // A throwing listener must not break the upload, as with DOM event listeners.
            let _ = notify.call2(&JsValue::NULL, &JsValue::from_str(kind), &detail);
        }));
        if stall.is_some() {
            driver.set_stall_timeout(stall);
        }
        Ok(Core { driver })
    }

    /// Starts (or continues) a file upload; throws `{code, message}` when one is running.
    /// Returns whether it ended a pause.
    pub fn start(&self) -> Result<bool, JsValue> {
        self.driver.start().map_err(|error| error_object(&error))
    }

    /// Pauses; returns whether it did.
    pub fn pause(&self) -> bool {
        self.driver.pause()
    }

    /// Resumes; returns whether it did.
    pub fn resume(&self) -> bool {
        self.driver.resume()
    }

    /// Cancels: the upload fails with reason `ABORTED`.
    pub fn cancel(&self) {
        self.driver.cancel();
    }

    /// Hands over a stream's next blob (`last` closes it); returns the number of the part it
    /// completed (a `part` notification follows once the server has it), or 0.
    pub fn push(&self, blob: Blob, last: bool) -> Result<u32, JsValue> {
        self.driver.push(&blob, last).map_err(|error| error_object(&error))
    }

    /// Whether the upload is paused.
    #[wasm_bindgen(getter)]
    pub fn paused(&self) -> bool {
        self.driver.is_paused()
    }
}

fn note_detail(note: &Note) -> (&'static str, JsValue) {
    let object = Object::new();
    let kind = match note {
        Note::Progress(report) => return ("progress", progress_object(report)),
        Note::PartProgress(progress) => {
            set(&object, "part", progress.part);
            set(&object, "uploadedBytes", progress.uploaded_bytes as f64);
            set(&object, "totalBytes", progress.total_bytes as f64);
            "progress"
        }
        Note::Chunk { chunk, chunks_count, video_id, uploaded_bytes } => {
            set(&object, "chunk", *chunk);
            set(&object, "chunksCount", *chunks_count);
            set(&object, "videoId", video_id.map_or(JsValue::UNDEFINED, JsValue::from_str));
            set(&object, "uploadedBytes", *uploaded_bytes as f64);
            "chunk"
        }
        Note::Part { part, video } => {
            set(&object, "part", *part);
            set(&object, "video", (*video).clone());
            "part"
        }
        Note::Retry { attempt, delay_ms, reason, error } => {
            set(&object, "attempt", *attempt);
            set(&object, "delay", *delay_ms);
            set(&object, "reason", reason.as_str());
            set(&object, "error", error_object(error));
            "retry"
        }
        Note::Warning(warning) => {
            set(&object, "code", warning.code());
            set(&object, "message", warning.message());
            "warning"
        }
        Note::Complete { video, .. } => return ("success", (*video).clone()),
        Note::Failed(error) => return ("error", error_object(error)),
    };
    (kind, object.into())
}
fn read_strategy(options: &JsValue) -> Result<Option<RetryStrategy>, UploadError> {
    let Some(strategy) = get(options, "retryStrategy") else { return Ok(None) };
    let strategy: Function = strategy.dyn_into().map_err(|_| invalid("retryStrategy", "expected a function"))?;
    Ok(Some(Rc::new(move |count, error| {
        let delay = strategy.call2(&JsValue::NULL, &JsValue::from(count), &error_object(error)).ok()?;
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


/// An error as the entry receives it: `{code, message}` and, when they apply, `status`,
/// `reason` and `raw`. The entry makes it an `UploadError` (an `Error`) carrying every field
/// of the parsed problem body, as the official uploader's errors do. No key is `undefined`.
fn error_object(error: &UploadError) -> JsValue {
    let object = Object::new();
    set(&object, "code", error.code());
    set(&object, "message", error.message());
    if let Some(status) = error.status() {
        set(&object, "status", status);
    }
    if let Some(reason) = error.reason() {
        set(&object, "reason", reason);
    }
    if let UploadError::Http { raw, .. } | UploadError::InvalidResponse { raw, .. } = error {
        set(&object, "raw", raw.as_str());
    }
    object.into()
}
