//! Resumable uploads for the Rust API: the record of where an upload stands, kept in
//! `localStorage` with the prefix, format and hash of the package's `js/resume.js` (keyed
//! from the Rust options), so that a new `Uploader` for the same file (after a reload, or
//! once the first was dropped) continues the same video, sending only what the server lacks.
//!
//! Unlike the JavaScript binding, no lock keeps two tabs from continuing the same record at
//! once, and the API is not asked for parts beyond the record (the "part already sent"
//! answers cover them). Storage that cannot be used means no resume, never a failure.

use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

use crate::machine::{Machine, Standing};
use crate::options::{Credentials, UploadOptions};

/// The prefix of every record's key, as `js/resume.js` writes it.
const PREFIX: &str = "wasm-video-uploader:";
/// The record's format, as `js/resume.js` writes it.
const VERSION: f64 = 1.0;
/// How long a record is good for: a day, the JavaScript binding's default.
const EXPIRY_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;

/// The record of one upload of one file.
pub(crate) struct Record {
    key: String,
    file: (String, f64, f64),
    chunk_size: JsValue,
    connections: u32,
}

impl Record {
    /// The record of uploading `file` with `options` (whether or not there is one yet).
    pub(crate) fn of(file: &Blob, options: &UploadOptions) -> Record {
        let text = |key: &str| Reflect::get(file, &key.into()).ok().and_then(|value| value.as_string()).unwrap_or_default();
        let last_modified = Reflect::get(file, &"lastModified".into()).ok().and_then(|value| value.as_f64()).unwrap_or(0.0);
        let credential = match &options.credentials {
            Credentials::UploadToken(token) => format!("t{}", hash(token)),
            _ => format!("v{}", options.video_id.as_deref().unwrap_or_default()),
        };
        let chunk_size = if options.auto_chunk_size { JsValue::from_str("auto") } else { JsValue::from(options.chunk_size as f64) };
        let parts: Array = [text("name").into(), file.size().into(), text("type").into(), last_modified.into(), options.api_host.as_str().into(), credential.into(), chunk_size.clone()]
            .into_iter()
            .collect::<Array>();
        let forward = JSON::stringify(&parts).ok().and_then(|text| text.as_string()).unwrap_or_default();
        let backward = JSON::stringify(&parts.reverse()).ok().and_then(|text| text.as_string()).unwrap_or_default();
        Record { key: format!("{PREFIX}{}{}", hash(&forward), hash(&backward)), file: (text("name"), file.size(), last_modified), chunk_size, connections: options.parallel_parts }
    }

    /// Continues what an earlier uploader left of this upload, if its record is fresh and
    /// fits (see [`Machine::continue_from`]). Returns when the record was first written, if
    /// it did: a record is good for a day from the upload's start, however often continued.
    pub(crate) fn continue_into(&self, machine: &mut Machine) -> Option<f64> {
        let record = storage_call("getItem", &[self.key.as_str().into()])?.as_string()?;
        let record = JSON::parse(&record).ok()?;
        let number = |key: &str| Reflect::get(&record, &key.into()).ok().and_then(|value| value.as_f64()).filter(|n| n.fract() == 0.0 && *n >= 0.0);
        let video_id = Reflect::get(&record, &"videoId".into()).ok().and_then(|value| value.as_string()).unwrap_or_default();
        let created_at = number("createdAt").filter(|at| js_sys::Date::now() - at <= EXPIRY_MS);
        if number("v") != Some(VERSION) || created_at.is_none() || video_id.is_empty() || !video_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            self.forget();
            return None;
        }
        let (chunks, bytes, size) = (number("chunks")?, number("bytes"), number("chunksBytes"));
        let count = |key: &str| number(key).map(|n| n as u32);
        let continued = machine.continue_from(&video_id, chunks as u32, bytes.map(|n| n as u64), size.map(|n| n as u64), count("started"), count("parallelParts"));
        continued.then_some(created_at).flatten()
    }

    /// Records where the upload stands once the server has a chunk of video `video_id`.
    pub(crate) fn write(&self, video_id: &str, standing: &Standing, created_at: f64) {
        let record = Object::new();
        let (name, size, last_modified) = &self.file;
        let fields: [(&str, JsValue); 12] = [
            ("v", VERSION.into()),
            ("videoId", video_id.into()),
            ("chunks", standing.leading.0.into()),
            ("bytes", (standing.leading.1 as f64).into()),
            ("chunksBytes", (standing.chunks_bytes as f64).into()),
            ("started", standing.started.into()),
            ("parallelParts", self.connections.into()),
            ("chunkSize", self.chunk_size.clone()),
            ("createdAt", created_at.into()),
            ("name", name.as_str().into()),
            ("size", (*size).into()),
            ("lastModified", (*last_modified).into()),
        ];
        for (key, value) in fields {
            let _ = Reflect::set(&record, &key.into(), &value);
        }
        if let Some(text) = JSON::stringify(&record).ok().and_then(|text| text.as_string()) {
            storage_call("setItem", &[self.key.as_str().into(), text.into()]);
        }
    }

    /// Forgets the record: the upload completed, was cancelled, or its video is gone.
    pub(crate) fn forget(&self) {
        storage_call("removeItem", &[self.key.as_str().into()]);
    }
}

/// `localStorage[method](...args)`, or `None` where storage cannot be used (it throws in a
/// sandboxed frame, and is missing outside a window).
fn storage_call(method: &str, args: &[JsValue]) -> Option<JsValue> {
    let storage = Reflect::get(&js_sys::global(), &"localStorage".into()).ok().filter(JsValue::is_object)?;
    let function: Function = Reflect::get(&storage, &method.into()).ok()?.dyn_into().ok()?;
    Reflect::apply(&function, &storage, &args.iter().collect::<Array>()).ok()
}

/// `js/resume.js`'s hash: 32-bit FNV-1a over UTF-16 code units, in base 36.
fn hash(text: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for unit in text.encode_utf16() {
        h = (h ^ u32::from(unit)).wrapping_mul(0x0100_0193);
    }
    let mut digits = Vec::new();
    loop {
        digits.push(char::from_digit(h % 36, 36).unwrap_or('0'));
        h /= 36;
        if h == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}
