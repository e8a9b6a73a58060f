//! The one driver of the upload machine in the browser, callback-driven: no Rust futures.
//!
//! Everything that happens (a call from the app, an XHR event, a timer) calls into the
//! driver, which hands it to the [`Machine`] and then runs [`Driver::drive`]: it does what
//! [`Machine::poll`] says until the machine waits. One JS closure serves every XHR event
//! and timer of the upload. The request on the wire is owned by the driver and dropped,
//! which aborts it, as soon as the machine no longer awaits it, so nothing outlives its
//! upload or a pause or a cancel.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;

use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, FormData, XmlHttpRequest};

use crate::error::{Problem, UploadError};
use crate::machine::{Event as MachineEvent, Machine, Step, Warning};
use crate::meter::{ProgressMeter, Report};
use crate::progress::{PartProgress, Progress};
use crate::request::{Answer, Body, Outcome, Request};
use crate::retry::RetryReason;
use crate::text::parse_u32;

use super::exclusive::{Exclusive, Lent};

/// How long a transfer may go without upload progress before it is aborted and retried.
pub const DEFAULT_STALL_TIMEOUT_MS: f64 = 30_000.0;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64, argument: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    /// An XMLHttpRequest seen through one `send` for every body (null, a string, a
    /// FormData), where web-sys has one each: every import costs its own glue.
    type Sender;
    #[wasm_bindgen(method, catch)]
    fn send(this: &Sender, body: &JsValue) -> Result<(), JsValue>;
}

/// The XHR's own event handlers; its upload side has `onprogress`.
const XHR_HANDLERS: [&str; 4] = ["onload", "onerror", "onabort", "ontimeout"];

/// Sets (or, with `null`, clears) the handler properties `names` of `target`, through
/// `Reflect.set`: one import serves them all, where web-sys has a setter each.
fn set_handlers(target: &JsValue, names: &[&str], handler: &JsValue) {
    for name in names {
        let _ = Reflect::set(target, &JsValue::from_str(name), handler);
    }
}

/// A timer's argument: a backoff passes the machine's timer id (≥ 1); a stall watchdog,
/// the negated id of its transfer's request.
fn stall_of(id: u32) -> f64 {
    -f64::from(id)
}

/// What the driver tells its owner (the JS binding or the Rust API).
pub(crate) enum Note<'a> {
    /// A throttled progress report of a file upload.
    Progress(Report),
    /// Progress of a stream's part.
    PartProgress(PartProgress),
    /// The server has a chunk of a file; `leading`: how many of the first chunks it has, all
    /// of them (chunks land out of order when they go in parallel), and where they end;
    /// `uploaded_bytes`: the bytes of every chunk it has; `chunks_bytes`: the size of the
    /// chunks cut from there; `started`: how many chunks were cut (see `ChunkPlan::skip`).
    Chunk { chunk: u32, chunks_count: u32, leading: (u32, u64), video_id: Option<&'a str>, uploaded_bytes: u64, chunks_bytes: u64, started: u32 },
    /// The server has a part of a stream; `video` is its answer (or `{videoId}` when the
    /// answer was lost).
    Part { part: u32, video: &'a JsValue },
    /// A piece is sent again after `delay_ms`.
    Retry { attempt: u32, delay_ms: f64, reason: RetryReason, error: &'a UploadError },
    /// Something the app should know.
    Warning(Warning),
    /// The upload completed with this Video.
    Complete { video: &'a JsValue },
    /// The upload failed.
    Failed(&'a UploadError),
}

type Sink = Box<dyn Fn(Note)>;
type Callback = Closure<dyn Fn(JsValue)>;

/// The request on the wire, and its stall watchdog. Dropping it, on whatever path, detaches
/// its handlers (so no event of it reaches the driver again), clears the watchdog and
/// aborts the XHR (a no-op once it has ended).
struct Transfer {
    id: u32,
    xhr: XmlHttpRequest,
    /// The XHR's upload side, whose progress events name it as their target.
    upload: JsValue,
    stalled: bool,
    watchdog: JsValue,
    /// When it was sent (`Date.now()`), to time its answer.
    sent_at: f64,
}

impl Drop for Transfer {
    fn drop(&mut self) {
        clear_timeout(&self.watchdog);
        set_handlers(&self.xhr, &XHR_HANDLERS, &JsValue::NULL);
        set_handlers(&self.upload, &["onprogress"], &JsValue::NULL);
        let _ = self.xhr.abort();
    }
}

/// Drives one upload (a file, or a stream of blobs).
pub(crate) struct Driver {
    machine: Exclusive<Machine>,
    file: Option<Blob>,
    /// A stream's blobs not yet merged into a part, and the merged blobs of queued parts.
    buffered: Exclusive<Vec<Blob>>,
    parts: Exclusive<Vec<Blob>>,
    /// The requests on the wire (several when pieces go in parallel).
    transfers: Exclusive<Vec<Transfer>>,
    /// The backoff timers set, by the machine's timer id: one per piece waiting to be
    /// retried (several when pieces go in parallel).
    backoffs: Exclusive<Vec<(u32, JsValue)>>,
    /// The one JS function every XHR event and timer of this upload calls.
    callback: Exclusive<Option<Callback>>,
    sink: Sink,
    meter: Exclusive<ProgressMeter>,
    last_progress: Cell<u64>,
    /// The parsed body of the last answer, which may be the Video.
    last_body: Exclusive<JsValue>,
    completed: Exclusive<Option<JsValue>>,
    stall_ms: Cell<Option<f64>>,
    driving: Cell<bool>,
    again: Cell<bool>,
}

impl Driver {
    /// A driver for `machine`; pieces of a file upload are sliced from `file`.
    pub(crate) fn new(machine: Machine, file: Option<Blob>, sink: Sink) -> Rc<Driver> {
        let driver = Rc::new(Driver {
            machine: Exclusive::new(machine),
            file,
            buffered: Exclusive::default(),
            parts: Exclusive::default(),
            transfers: Exclusive::default(),
            backoffs: Exclusive::default(),
            callback: Exclusive::default(),
            sink,
            meter: Exclusive::new(ProgressMeter::new(100.0, 2000.0)),
            last_progress: Cell::new(0),
            last_body: Exclusive::new(JsValue::UNDEFINED),
            completed: Exclusive::default(),
            stall_ms: Cell::new(Some(DEFAULT_STALL_TIMEOUT_MS)),
            driving: Cell::new(false),
            again: Cell::new(false),
        });
        let weak = Rc::downgrade(&driver);
        let callback = Closure::<dyn Fn(JsValue)>::new(move |argument: JsValue| {
            if let Some(driver) = weak.upgrade() {
                driver.on_callback(argument);
            }
        });
        driver.callback.replace(Some(callback));
        driver
    }

    /// Access to the machine, for the owner's settings and queries.
    #[cfg_attr(not(feature = "rust-api"), allow(dead_code))]
    pub(crate) fn machine(&self) -> Lent<'_, Machine> {
        self.machine.borrow_mut()
    }

    /// Aborts and retries a transfer without progress for `ms`; `None` never does.
    pub(crate) fn set_stall_timeout(&self, ms: Option<f64>) {
        self.stall_ms.set(ms.filter(|ms| *ms > 0.0));
    }

    /// Starts (or continues) a file upload. Returns whether it ended a pause.
    pub(crate) fn start(self: &Rc<Self>) -> Result<bool, UploadError> {
        let resumed = self.machine.borrow_mut().start()?;
        self.drive();
        Ok(resumed)
    }

    /// Pauses; returns whether it did.
    pub(crate) fn pause(self: &Rc<Self>) -> bool {
        let paused = self.machine.borrow_mut().pause();
        self.drive();
        paused
    }

    /// Resumes; returns whether it did.
    pub(crate) fn resume(self: &Rc<Self>) -> bool {
        let resumed = self.machine.borrow_mut().resume();
        if resumed {
            self.meter.borrow_mut().reset_rate();
        }
        self.drive();
        resumed
    }

    /// Cancels: the upload fails with `ABORTED`, whatever is in flight is aborted.
    pub(crate) fn cancel(self: &Rc<Self>) {
        self.machine.borrow_mut().cancel();
        self.drive();
    }

    /// Whether the upload is paused.
    pub(crate) fn is_paused(&self) -> bool {
        self.machine.borrow_mut().is_paused()
    }

    /// Hands over a stream's next blob (`last` closes the stream). Returns the number of the
    /// part it completed, whose acknowledgement will be noted, or 0 when it was buffered.
    pub(crate) fn push(self: &Rc<Self>, blob: &Blob, last: bool) -> Result<u32, UploadError> {
        let size = number_field(blob, "size") as u64;
        let part = {
            let mut machine = self.machine.borrow_mut();
            if last {
                Some(machine.push_last(size)?)
            } else {
                machine.push(size)?
            }
        };
        self.buffered.borrow_mut().push(blob.clone());
        let Some(part) = part else { return Ok(0) };
        let merged: Array = self.buffered.borrow_mut().drain(..part.blobs).collect();
        match Blob::new_with_blob_sequence(&merged) {
            Ok(blob) => self.parts.borrow_mut().push(blob),
            Err(error) => {
                // Nothing can be sent without the part: the upload ends here, loudly.
                self.machine.borrow_mut().cancel();
                self.drive();
                return Err(browser_error(&error));
            }
        }
        self.drive();
        Ok(part.number)
    }

    /// Does what the machine says until it waits. Re-entrant calls (a listener that pauses,
    /// say) only ask the running loop to go round once more.
    fn drive(self: &Rc<Self>) {
        if self.driving.replace(true) {
            self.again.set(true);
            return;
        }
        loop {
            self.again.set(false);
            self.drop_stale_transfers();
            let event = self.machine.borrow_mut().poll_event();
            if let Some(event) = event {
                self.note_event(event);
                continue;
            }
            let step = self.machine.borrow_mut().poll();
            match step {
                Step::Send(request) => self.send(request),
                Step::Sleep { id, ms } => {
                    let timer = self.timer(ms, f64::from(id));
                    self.backoffs.borrow_mut().push((id, timer));
                    self.meter.borrow_mut().reset_rate();
                }
                Step::Complete { video_id, answered } => {
                    let video = self.completed.borrow_mut().clone();
                    let video = video.unwrap_or_else(|| self.video(video_id.as_deref(), answered));
                    self.completed.replace(Some(video.clone()));
                    (self.sink)(Note::Complete { video: &video });
                }
                Step::Failed(error) => {
                    if self.file.is_none() {
                        self.parts.borrow_mut().clear();
                        self.buffered.borrow_mut().clear();
                    }
                    (self.sink)(Note::Failed(&error));
                }
                Step::Wait if self.again.get() => {}
                Step::Wait => break,
            }
        }
        self.driving.set(false);
    }

    fn note_event(&self, event: MachineEvent) {
        match event {
            MachineEvent::Acknowledged { piece, answered } => {
                let video_id = self.machine.borrow_mut().video_id().map(str::to_owned);
                let plan = self.machine.borrow_mut().plan().copied();
                if let Some(plan) = plan {
                    let (progress, leading, uploaded_bytes) = {
                        let machine = self.machine.borrow_mut();
                        (machine.acknowledged_progress(&piece), machine.leading_acknowledged(), machine.acknowledged_bytes())
                    };
                    if let Some(progress) = progress {
                        self.progress(progress, true);
                    }
                    let (chunk, chunks_count, chunks_bytes, started) = (piece.range.part, plan.count(), plan.chunk_size(), plan.cut_so_far().0);
                    (self.sink)(Note::Chunk { chunk, chunks_count, leading, video_id: video_id.as_deref(), uploaded_bytes, chunks_bytes, started });
                } else {
                    let mut parts = self.parts.borrow_mut();
                    if !parts.is_empty() {
                        parts.remove(0);
                    }
                    drop(parts);
                    let video = self.video(video_id.as_deref(), answered);
                    (self.sink)(Note::Part { part: piece.range.part, video: &video });
                }
            }
            MachineEvent::Retry { attempt, delay_ms, reason, error } => {
                (self.sink)(Note::Retry { attempt, delay_ms, reason, error: &error });
            }
            MachineEvent::Warning(warning) => (self.sink)(Note::Warning(warning)),
        }
    }

    /// The Video to hand over: the answer's body, with `videoId` added when it is known, or
    /// `{videoId}` alone when the answer was lost.
    fn video(&self, video_id: Option<&str>, answered: bool) -> JsValue {
        let body = self.last_body.borrow_mut().clone();
        let video = if answered && body.is_object() { body } else { Object::new().into() };
        if let Some(id) = video_id {
            if string_field(&video, "videoId").is_none() {
                let _ = Reflect::set(&video, &"videoId".into(), &id.into());
            }
        }
        video
    }

    /// Aborts every transfer on the wire the machine no longer awaits. Their handlers go
    /// first, so the aborts raise no event.
    fn drop_stale_transfers(&self) {
        let machine = self.machine.borrow_mut();
        // Dropping one detaches its handlers and aborts it; nothing calls back meanwhile.
        self.transfers.borrow_mut().retain(|t| machine.awaits(t.id));
    }

    fn callback(&self) -> Option<Function> {
        self.callback.borrow_mut().as_ref().map(|callback| callback.as_ref().unchecked_ref::<Function>().clone())
    }

    fn timer(&self, ms: f64, argument: f64) -> JsValue {
        match self.callback() {
            Some(callback) => set_timeout(&callback, ms, argument),
            None => JsValue::UNDEFINED,
        }
    }

    fn send(&self, request: Request) {
        let id = request.id;
        match self.open(&request) {
            Ok(xhr) => {
                let watchdog = match (&request.body, self.stall_ms.get()) {
                    (Body::Piece { .. }, Some(ms)) => self.timer(ms, stall_of(id)),
                    _ => JsValue::UNDEFINED,
                };
                let upload = xhr.upload().map_or(JsValue::UNDEFINED, JsValue::from);
                let sent_at = js_sys::Date::now();
                self.transfers.borrow_mut().push(Transfer { id, xhr, upload, stalled: false, watchdog, sent_at });
            }
            // The browser refused before anything was sent: that too is an outcome.
            Err(error) => self.machine.borrow_mut().handle(id, Outcome::Refused(error)),
        }
    }

    fn open(&self, request: &Request) -> Result<XmlHttpRequest, String> {
        let js = |error: JsValue| browser_detail(&error);
        let xhr = XmlHttpRequest::new().map_err(js)?;
        xhr.open_with_async(request.method, &request.url, true).map_err(js)?;
        for (name, value) in &request.headers {
            xhr.set_request_header(name, value).map_err(js)?;
        }
        xhr.set_request_header("Accept", "application/json").map_err(js)?;
        let handler: JsValue = self.callback().map_or(JsValue::NULL, JsValue::from);
        set_handlers(&xhr, &XHR_HANDLERS, &handler);
        let body = match &request.body {
            Body::Empty => JsValue::NULL,
            Body::Json(json) => JsValue::from_str(json),
            Body::Piece { piece, content_range, video_id, file_name, .. } => {
                let source = match &self.file {
                    Some(file) => file.clone(),
                    None => self.parts.borrow_mut().first().cloned().ok_or_else(|| "no blob for the part".to_owned())?,
                };
                // The slice is a handle: the file's bytes never enter wasm memory.
                let slice = source.slice_with_f64_and_f64(piece.start as f64, piece.end as f64).map_err(js)?;
                let form = FormData::new().map_err(js)?;
                if let Some(video_id) = video_id {
                    form.append_with_str("videoId", video_id).map_err(js)?;
                }
                form.append_with_blob_and_filename("file", &slice, file_name).map_err(js)?;
                xhr.set_request_header("Content-Range", content_range).map_err(js)?;
                set_handlers(&xhr.upload().map_err(js)?.into(), &["onprogress"], &handler);
                form.into()
            }
        };
        xhr.unchecked_ref::<Sender>().send(&body).map_err(js)?;
        Ok(xhr)
    }

    /// Every XHR event and timer of the upload lands here.
    fn on_callback(self: &Rc<Self>, argument: JsValue) {
        if let Some(timer) = argument.as_f64() {
            if timer < 0.0 {
                self.on_stall(-timer as u32);
            } else {
                let id = timer as u32;
                self.backoffs.borrow_mut().retain(|(set, _)| *set != id);
                self.machine.borrow_mut().wake(id);
            }
            self.drive();
            return;
        }
        // An XHR event (a ProgressEvent for upload progress).
        let target = field(&argument, "target");
        let kind = string_field(&argument, "type").unwrap_or_default();
        if kind == "progress" {
            let id = self.transfer_of(&target, true).map(|index| self.transfers.borrow_mut()[index].id);
            if let Some(id) = id {
                self.on_progress(id, number_field(&argument, "loaded") as u64, number_field(&argument, "total") as u64);
            }
            self.drive();
            return;
        }
        let Some(index) = self.transfer_of(&target, false) else { return };
        let transfer = self.transfers.borrow_mut().remove(index);
        let outcome = match kind.as_str() {
            "load" => self.answer(&transfer.xhr, js_sys::Date::now() - transfer.sent_at),
            "abort" if transfer.stalled => Outcome::Timeout,
            "abort" => Outcome::Aborted,
            "timeout" => Outcome::Timeout,
            _ => Outcome::Network,
        };
        self.machine.borrow_mut().handle(transfer.id, outcome);
        drop(transfer);
        self.drive();
    }

    /// The transfer an XHR event is about: the one whose XHR (or, for upload progress, its
    /// upload side) is the event's target. An event without one (a scripted stand-in for
    /// XMLHttpRequest, as the official suite uses) is the only transfer's, if there is one.
    fn transfer_of(&self, target: &JsValue, upload: bool) -> Option<usize> {
        let transfers = self.transfers.borrow_mut();
        let named = transfers.iter().position(|t| if upload { &t.upload == target } else { AsRef::<JsValue>::as_ref(&t.xhr) == target });
        named.or_else(|| (transfers.len() == 1 && target.is_undefined()).then_some(0))
    }

    fn on_stall(&self, id: u32) {
        let xhr = {
            let mut transfers = self.transfers.borrow_mut();
            let Some(transfer) = transfers.iter_mut().find(|t| t.id == id) else { return };
            transfer.stalled = true;
            transfer.xhr.clone()
        };
        // Its abort event reports the stall as a timeout.
        let _ = xhr.abort();
    }

    fn on_progress(&self, id: u32, loaded: u64, total: u64) {
        // The watchdog is re-armed by progress while the body is on the wire, and disarmed
        // once it has all left: the server may then take its time.
        if let Some(ms) = self.stall_ms.get() {
            let watchdog = if loaded < total { self.timer(ms, stall_of(id)) } else { JsValue::UNDEFINED };
            if let Some(transfer) = self.transfers.borrow_mut().iter_mut().find(|t| t.id == id) {
                clear_timeout(&core::mem::replace(&mut transfer.watchdog, watchdog));
            }
        }
        if self.file.is_some() {
            let progress = self.machine.borrow_mut().progress(id, loaded, total);
            if let Some(progress) = progress {
                self.progress(progress, false);
            }
        } else {
            let progress = self.machine.borrow_mut().part_progress(id, loaded, total);
            if let Some(progress) = progress {
                (self.sink)(Note::PartProgress(progress));
            }
        }
    }

    fn progress(&self, progress: Progress, force: bool) {
        // A piece sent again after a pause or a retry starts below what was already
        // reported: hold the report until it catches up, so progress never goes backwards.
        if progress.uploaded_bytes < self.last_progress.get() {
            return;
        }
        self.last_progress.set(progress.uploaded_bytes);
        let report = self.meter.borrow_mut().observe(js_sys::Date::now(), progress, force);
        if let Some(report) = report {
            (self.sink)(Note::Progress(report));
        }
    }

    /// Reads an answer: the status, the raw body, and the fields the machine needs.
    fn answer(&self, xhr: &XmlHttpRequest, elapsed_ms: f64) -> Outcome {
        let status = number_field(xhr, "status") as u16;
        if status == 0 {
            return Outcome::Network;
        }
        let raw = string_field(xhr, "responseText").unwrap_or_default();
        let body = JSON::parse(&raw).unwrap_or(JsValue::UNDEFINED);
        let tokens = string_field(&body, "access_token").zip(string_field(&body, "refresh_token"));
        let problem = Problem {
            type_: string_field(&body, "type"),
            title: string_field(&body, "title"),
            name: string_field(&body, "name"),
            detail: string_field(&body, "detail"),
        };
        // Whole seconds (the HTTP-date form is not used by api.video). Parsing an integer
        // keeps the float parser and its tables out of the wasm.
        let retry_after_ms = ["Retry-After", "X-RateLimit-Retry-After"]
            .iter()
            .find_map(|name| parse_u32(xhr.get_response_header(name).ok().flatten()?.trim_ascii()))
            .map(|seconds| f64::from(seconds) * 1000.0);
        let answer = Answer { status, video_id: string_field(&body, "videoId"), tokens, problem, retry_after_ms, raw, elapsed_ms };
        self.last_body.replace(body);
        Outcome::Answered(answer)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        for (_, timer) in self.backoffs.borrow_mut().iter() {
            clear_timeout(timer);
        }
        // The transfer, if any, aborts as it drops.
    }
}

/// `value[key]`, or `undefined` (for what is not an object too). Every property read goes
/// through this one `Reflect.get` import, where web-sys has a getter (and its glue) each.
pub(crate) fn field(value: &JsValue, key: &str) -> JsValue {
    if !value.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `value[key]` when it is a string.
pub(crate) fn string_field(value: &JsValue, key: &str) -> Option<String> {
    field(value, key).as_string()
}

/// `value[key]` when it is a number, else 0.
pub(crate) fn number_field(value: &JsValue, key: &str) -> f64 {
    field(value, key).as_f64().unwrap_or(0.0)
}

/// What the browser threw: its message (an `Error`, a `DOMException`) or the thrown string.
fn browser_detail(error: &JsValue) -> String {
    error
        .as_string()
        .or_else(|| string_field(error, "message"))
        .unwrap_or_else(|| "the browser refused the request".to_owned())
}

/// A browser API threw where it should not.
pub(crate) fn browser_error(error: &JsValue) -> UploadError {
    UploadError::Browser { detail: browser_detail(error) }
}
