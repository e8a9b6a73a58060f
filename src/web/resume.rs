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
/// How long a record is good for unless the uploader says otherwise: a day, the JavaScript
/// binding's default.
pub(crate) const DEFAULT_EXPIRY_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;

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

    /// Continues what an earlier uploader left of this upload, if its record is fresh (within
    /// `expiry_ms` of its first write) and fits (see [`Machine::continue_from`]). Returns when
    /// the record was first written, if it did: a record is good for `expiry_ms` from the
    /// upload's start, however often continued. Expired and unreadable records are swept.
    pub(crate) fn continue_into(&self, machine: &mut Machine, expiry_ms: f64) -> Option<f64> {
        let live = sweep(expiry_ms);
        let (_, record) = live.into_iter().find(|(key, _)| *key == self.key)?;
        let number = |key: &str| natural(&record.json, key);
        let count = |key: &str| number(key).map(|n| n as u32);
        let continued = machine.continue_from(&record.video_id, record.chunks, number("bytes").map(|n| n as u64), number("chunksBytes").map(|n| n as u64), count("started"), count("parallelParts"));
        if !continued {
            self.forget();
        }
        continued.then_some(record.created_at)
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

/// A record as `js/resume.js` writes it, read back and checked as it checks one.
struct Stored {
    json: JsValue,
    video_id: String,
    chunks: u32,
    created_at: f64,
}

/// A whole number of at least 0 at `key` of `record`.
fn natural(record: &JsValue, key: &str) -> Option<f64> {
    Reflect::get(record, &key.into()).ok().and_then(|value| value.as_f64()).filter(|n| n.fract() == 0.0 && *n >= 0.0)
}

/// The record stored as `text`, or `None` when it is not one of ours in a shape we wrote.
fn parse(text: &str) -> Option<Stored> {
    let json = JSON::parse(text).ok().filter(JsValue::is_object)?;
    let text_at = |key: &str| Reflect::get(&json, &key.into()).ok().and_then(|value| value.as_string());
    let video_id = text_at("videoId").filter(|id| (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric()))?;
    let optional = ["bytes", "chunksBytes", "started", "parallelParts"];
    let valid = natural(&json, "v") == Some(VERSION)
        && text_at("name").is_some()
        && natural(&json, "size").is_some()
        && optional.iter().all(|key| Reflect::get(&json, &(*key).into()).is_ok_and(|value| value.is_undefined()) || natural(&json, key).is_some());
    let created_at = Reflect::get(&json, &"createdAt".into()).ok().and_then(|value| value.as_f64()).filter(|at| at.is_finite())?;
    let chunks = natural(&json, "chunks")?;
    valid.then_some(Stored { video_id, chunks: chunks as u32, created_at, json })
}

/// Every live record with its key, after removing the expired (or dated ahead by more than a
/// minute) and the unreadable ones, as `js/resume.js` sweeps.
fn sweep(expiry_ms: f64) -> Vec<(String, Stored)> {
    let now = js_sys::Date::now();
    let mut live = Vec::new();
    for key in keys() {
        let record = storage_call("getItem", &[key.as_str().into()]).and_then(|text| text.as_string()).and_then(|text| parse(&text));
        match record {
            Some(record) if now - record.created_at <= expiry_ms && record.created_at <= now + 60_000.0 => live.push((key, record)),
            _ => {
                storage_call("removeItem", &[key.as_str().into()]);
            }
        }
    }
    live
}

/// The keys of every record, last first (so that removing one as they are read skips none).
fn keys() -> Vec<String> {
    let length = storage().and_then(|storage| Reflect::get(&storage, &"length".into()).ok()).and_then(|n| n.as_f64()).unwrap_or(0.0) as u32;
    (0..length).rev().filter_map(|i| storage_call("key", &[i.into()])?.as_string()).filter(|key| key.starts_with(PREFIX)).collect()
}

/// An upload a previous page (or a dropped uploader) left unfinished: what
/// [`crate::web::Uploader::find_previous_uploads`] lists, as the JavaScript
/// `findPreviousUploads()` does.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousUpload {
    /// The file's name.
    pub file_name: String,
    /// The file's size, in bytes.
    pub size: u64,
    /// The video it was uploading into.
    pub video_id: String,
    /// How many leading chunks the server has.
    pub uploaded_chunks: u32,
    /// The chunk size it was uploading with; `None` for `'auto'`.
    pub chunk_size: Option<u64>,
    /// When it began, in milliseconds since the epoch.
    pub created_at: f64,
}

/// The live uploads left unfinished, newest first; those of `file` only, when given.
pub(crate) fn previous_uploads(file: Option<&Blob>, expiry_ms: f64) -> Vec<PreviousUpload> {
    let same_file = |record: &JsValue| {
        file.is_none_or(|file| {
            let name = Reflect::get(file, &"name".into()).ok().and_then(|value| value.as_string());
            let last_modified = Reflect::get(file, &"lastModified".into()).ok().and_then(|value| value.as_f64());
            let field = |key: &str| Reflect::get(record, &key.into()).unwrap_or(JsValue::UNDEFINED);
            field("name").as_string() == name && field("size").as_f64() == Some(file.size()) && field("lastModified").as_f64() == last_modified
        })
    };
    let mut found: Vec<PreviousUpload> = sweep(expiry_ms)
        .into_iter()
        .filter(|(_, record)| same_file(&record.json))
        .map(|(_, record)| PreviousUpload {
            file_name: Reflect::get(&record.json, &"name".into()).ok().and_then(|value| value.as_string()).unwrap_or_default(),
            size: natural(&record.json, "size").unwrap_or(0.0) as u64,
            uploaded_chunks: record.chunks,
            chunk_size: natural(&record.json, "chunkSize").map(|n| n as u64),
            created_at: record.created_at,
            video_id: record.video_id,
        })
        .collect();
    found.sort_by(|a, b| b.created_at.total_cmp(&a.created_at));
    found
}

/// Removes every record of this origin's uploads.
pub(crate) fn clear_previous_uploads() {
    for key in keys() {
        storage_call("removeItem", &[key.as_str().into()]);
    }
}

/// `localStorage`, where it can be used.
fn storage() -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &"localStorage".into()).ok().filter(JsValue::is_object)
}

/// `localStorage[method](...args)`, or `None` where storage cannot be used (it throws in a
/// sandboxed frame, and is missing outside a window).
fn storage_call(method: &str, args: &[JsValue]) -> Option<JsValue> {
    let storage = storage()?;
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
