//! The JavaScript face: `Core`, which the package's entry wraps in `VideoUploader` and
//! `ProgressiveUploader` with the names and shapes of `@api.video/video-uploader` 1.1.6.
//!
//! No promises are made here: the entry makes them, and settles them from the events the
//! core reports through the one `notify(type, detail)` function it is given.

use alloc::boxed::Box;
use alloc::rc::Rc;

use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;
use web_sys::Blob;

use crate::error::UploadError;
use crate::event_fields as fields;
use crate::machine::{Event as MachineEvent, Machine};
use crate::options::UploadOptions;
use crate::packed::unpack;
use crate::slots::{MERGE_SMALL_PARTS_BEFORE_UPLOAD, PREVENT_EMPTY_PARTS};

use super::browser::set_field;
use super::driver::{number_field, Driver, Note};

/// One upload, of a file or of a stream, as the package entry drives it.
#[wasm_bindgen]
pub struct Core {
    driver: Rc<Driver>,
}

#[wasm_bindgen]
impl Core {
    /// Prepares the upload of `file`, or of a stream when `file` is absent, with the options
    /// the entry (`js/options.js`) checked and packed as `src/contract.json` declares (see
    /// [`crate::packed`]). `notify(type, detail)` hears `progress`, `chunk`, `part`, `retry`,
    /// `warning`, `success` and `error`. `call(kind, id, event)` must call [`Core::event`] of
    /// this core with its arguments: every timer and XHR handler of the upload is it, bound.
    /// Throws `{code, …}` (the entry writes the message).
    #[wasm_bindgen(constructor)]
    pub fn new(texts: &str, present: u32, file: Option<Blob>, strategy: Option<Function>, notify: Function, call: Function) -> Result<Core, JsValue> {
        let (options, file_name, values) = unpack(texts, present);
        // A stream's flags: `preventEmptyParts` is off and `mergeSmallPartsBeforeUpload` on
        // unless given otherwise.
        let stream = file.is_none().then(|| (values.flag(PREVENT_EMPTY_PARTS) == Some(true), values.flag(MERGE_SMALL_PARTS_BEFORE_UPLOAD) != Some(false)));
        Core::build(options, file, &file_name, stream, strategy, notify, call).map_err(|error| error_object(&error))
    }

    /// A timer or an XHR handler of this upload fired (see `call` in [`Core::new`]).
    pub fn event(&self, kind: u32, id: u32, event: JsValue) {
        self.driver.on_callback(kind, id, &event);
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        options: UploadOptions,
        file: Option<Blob>,
        file_name: &str,
        stream: Option<(bool, bool)>,
        strategy: Option<Function>,
        notify: Function,
        call: Function,
    ) -> Result<Core, UploadError> {
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let mut machine = match (stream, &file) {
            (Some((prevent_empty, merge)), _) => Machine::stream(&options, prevent_empty, merge, seed)?,
            (None, Some(file)) => Machine::file(&options, number_field(file, "size") as u64, file_name, seed)?,
            (None, None) => return Err(UploadError::MissingFile),
        };
        if let Some(strategy) = strategy {
            machine.set_retry_strategy(Rc::new(move |count, error| {
                strategy.call2(&JsValue::NULL, &JsValue::from(count), &error_object(error)).ok()?.as_f64()
            }));
        }
        let driver = Driver::new(machine, file, Box::new(move |note| {
            if let Some((kind, detail)) = note_detail(&note) {
                // A throwing listener must not break the upload, as with DOM event listeners.
                let _ = notify.call2(&JsValue::NULL, &JsValue::from_str(kind), &detail);
            }
        }), call);
        Ok(Core { driver })
    }

    /// Starts (or continues) a file upload; throws `{code, message}` when one is running.
    /// Returns whether it ended a pause. A first start may continue the upload of the same
    /// file an earlier page began: into `video_id` (empty: none), after the `acknowledged`
    /// pieces the server has, which end at byte `bytes`, when it had started `started`
    /// pieces, all from there of `size` bytes, sending `connections` at once (negative: not
    /// recorded). A `token` (not empty) replaces the upload token from here on: the one an
    /// app's token provider gave.
    #[allow(clippy::too_many_arguments)]
    pub fn start(&self, video_id: &str, acknowledged: u32, bytes: f64, size: f64, started: f64, connections: f64, token: &str) -> Result<bool, JsValue> {
        let recorded = |value: f64| (value >= 0.0).then_some(value as u64);
        let count = |value: f64| recorded(value).map(|value| value as u32);
        let mut machine = self.driver.machine();
        machine.set_upload_token(token);
        machine.continue_from(video_id, acknowledged, recorded(bytes), recorded(size), count(started), count(connections));
        drop(machine);
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

    /// The browser went offline: the upload pauses (no retry is spent on a network that is
    /// gone). Returns whether it did.
    pub fn offline(&self) -> bool {
        self.driver.offline()
    }

    /// The browser is back online: an offline pause ends at once. Returns whether it did.
    pub fn online(&self) -> bool {
        self.driver.online()
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

/// The entry's notification of `note`: its type and detail (none for what the driver turns
/// into another note).
fn note_detail(note: &Note) -> Option<(&'static str, JsValue)> {
    let n = |value: u64| JsValue::from(value as f64);
    Some(match note {
        Note::Progress(report) => {
            let p = report.progress;
            let eta = report.eta_seconds.map_or(JsValue::NULL, JsValue::from);
            let values = [n(p.uploaded_bytes), n(p.total_bytes), p.chunks_count.into(), n(p.chunks_bytes), p.current_chunk.into(), n(p.current_chunk_uploaded_bytes), report.bytes_per_second.into(), eta];
            ("progress", object(&fields::PROGRESS, &values))
        }
        Note::PartProgress(p) => ("progress", object(&fields::PART_PROGRESS, &[p.part.into(), n(p.uploaded_bytes), n(p.total_bytes)])),
        Note::Chunk { chunk, video_id, standing: s } => {
            let video_id = video_id.map_or(JsValue::UNDEFINED, JsValue::from_str);
            let values = [(*chunk).into(), s.chunks_count.into(), s.leading.0.into(), n(s.leading.1), video_id, n(s.uploaded_bytes), n(s.chunks_bytes), s.started.into()];
            ("chunk", object(&fields::CHUNK, &values))
        }
        // A stream's part settles an `uploadPart()` promise; it is no event of its own.
        Note::Part { part, video } => ("part", object(&["part", "video"], &[(*part).into(), (*video).clone()])),
        Note::Event(MachineEvent::Retry { attempt, delay_ms, reason, error }) => {
            ("retry", object(&fields::RETRY, &[(*attempt).into(), (*delay_ms).into(), (*reason as u8).into(), error_object(error)]))
        }
        // The entry names the code (given as its index) and writes the message.
        Note::Event(MachineEvent::Warning(warning)) => ("warning", object(&fields::WARNING[..1], &[(*warning as u8).into()])),
        // The driver turns an acknowledgement into a chunk or a part.
        Note::Event(MachineEvent::Acknowledged { .. }) => return None,
        Note::Complete { video, .. } => ("success", (*video).clone()),
        Note::Failed(error) => ("error", error_object(error)),
    })
}

/// A plain object of `keys` and `values`, in that order.
fn object(keys: &[&str], values: &[JsValue]) -> JsValue {
    let object = Object::new();
    for (key, value) in keys.iter().zip(values) {
        set_field(&object, key, value);
    }
    object.into()
}

/// An error as the entry receives it: `code` (its index in the declaration, which the entry
/// names, adding the official `reason` where it applies) and, when they apply, `status` and
/// `raw`, and the facts its message is written from (`name`, `detail`, `size`: see the
/// templates of `src/contract.json`). The entry makes it an `UploadError` (an `Error`) with
/// that message, carrying every field of the parsed problem body, as the official uploader's
/// errors do. No key is `undefined`.
fn error_object(error: &UploadError) -> JsValue {
    let object = Object::new();
    set_field(&object, "code", &(error.kind() as u8).into());
    if let Some(status) = error.status() {
        set_field(&object, "status", &status.into());
    }
    match error {
        UploadError::Http { raw, .. } => set_field(&object, "raw", &raw.as_str().into()),
        UploadError::InvalidResponse { raw, detail, .. } => {
            set_field(&object, "raw", &raw.as_str().into());
            set_field(&object, "detail", &detail.as_str().into());
        }
        UploadError::Browser { detail } | UploadError::InvalidOrigin { message: detail } => set_field(&object, "detail", &detail.as_str().into()),
        UploadError::InvalidOption { name, detail } => {
            set_field(&object, "name", &(*name).into());
            set_field(&object, "detail", &detail.as_str().into());
        }
        UploadError::FileTooLarge { size } => set_field(&object, "size", &(*size as f64).into()),
        _ => {}
    }
    object.into()
}
