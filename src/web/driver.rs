//! The one driver of the upload machine in the browser, callback-driven: no Rust futures.
//!
//! Everything that happens (a call from the app, an XHR event, a timer) calls into the
//! driver, which hands it to the [`Machine`] and then runs [`Driver::drive`]: it does what
//! [`Machine::poll`] says until the machine waits. One JS closure serves every XHR event
//! and timer of the upload, each handler bound to its request's id (or its timer's), so an
//! event is never matched to a request by its target: test doubles of `XMLHttpRequest`
//! (xhr-mock, sinon's, MSW's) call handlers with events of every shape, or none. The
//! request on the wire is owned by the driver and dropped, which aborts it, as soon as the
//! machine no longer awaits it, so nothing outlives its upload or a pause or a cancel; a
//! timer the machine no longer needs is cleared the same way.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;

use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use crate::error::{Problem, UploadError};
use crate::machine::{Event as MachineEvent, Machine, Standing, Step};
use crate::meter::{ProgressMeter, Report};
use crate::progress::{PartProgress, Progress};
use crate::request::{Answer, Body, Outcome, Request};
use crate::text::parse_u32;

use super::browser::{set_field, Form, Merged, Sliceable, Xhr};
use super::exclusive::{Exclusive, Lent};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64, kind: u32, id: u32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// What calls the driver's callback: a timer of the machine, or an XHR's handler.
const TIMER: u32 = 0;
const LOAD: u32 = 1;
// 2: `onerror`, whatever else a handler may be.
const ABORT: u32 = 3;
const TIMEOUT: u32 = 4;
const PROGRESS: u32 = 5;

/// The XHR's own event handlers, in the order of their kinds from [`LOAD`]; its upload side
/// has `onprogress`.
const XHR_HANDLERS: [&str; 4] = ["onload", "onerror", "onabort", "ontimeout"];

/// Sets (or, with `null`, clears) the handler properties `names` of `target`, through
/// `Reflect.set`: one import serves them all, where web-sys has a setter each.
fn set_handlers(target: &JsValue, names: &[&str], handler: &JsValue) {
    // A request without a body has no upload side to clear.
    if target.is_object() {
        for name in names {
            set_field(target, name, handler);
        }
    }
}

/// What the driver tells its owner (the JS binding or the Rust API).
pub(crate) enum Note<'a> {
    /// A throttled progress report of a file upload.
    Progress(Report),
    /// Progress of a stream's part.
    PartProgress(PartProgress),
    /// The server has chunk `chunk` of a file; where the upload stands now.
    Chunk { chunk: u32, video_id: Option<&'a str>, standing: Standing },
    /// The server has a part of a stream; `video` is its answer (or `{videoId}` when the
    /// answer was lost).
    Part { part: u32, video: &'a JsValue },
    /// A machine event the shell passes on as it is (a retry, a warning): a new one needs
    /// no note of its own.
    Event(&'a MachineEvent),
    /// The upload completed with this Video.
    Complete { video: &'a JsValue },
    /// The upload failed.
    Failed(&'a UploadError),
}

type Sink = Box<dyn Fn(Note)>;
/// The Rust API's callback: `(kind, id, event)`, what called, about which request or
/// timer, and the XHR's event.
#[cfg(feature = "rust-api")]
pub(crate) type Callback = Closure<dyn Fn(u32, u32, JsValue)>;

/// The request on the wire. Dropping it, on whatever path, detaches its handlers (so no
/// event of it reaches the driver again) and aborts the XHR (a no-op once it has ended).
struct Transfer {
    id: u32,
    xhr: Xhr,
    /// The XHR's upload side, which has the progress handler.
    upload: JsValue,
    /// When it was sent (`Date.now()`), to time its answer.
    sent_at: f64,
}

impl Drop for Transfer {
    fn drop(&mut self) {
        set_handlers(&self.xhr, &XHR_HANDLERS, &JsValue::NULL);
        set_handlers(&self.upload, &["onprogress"], &JsValue::NULL);
        self.xhr.abort();
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
    /// The timers set, by the machine's timer id: backoffs and stall watchdogs.
    timers: Exclusive<Vec<(u32, JsValue)>>,
    /// The one JS function every XHR event and timer of this upload calls, with `(kind, id,
    /// event)`, and which calls [`Driver::on_callback`]: a JS arrow into `Core.event` in the
    /// JS binding (no wasm-bindgen closure to carry), a [`Callback`] in the Rust API.
    callback: Function,
    sink: Sink,
    meter: Exclusive<ProgressMeter>,
    last_progress: Cell<u64>,
    /// The parsed body of the last answer, which may be the Video.
    last_body: Exclusive<JsValue>,
    completed: Exclusive<Option<JsValue>>,
    driving: Cell<bool>,
    again: Cell<bool>,
}

impl Driver {
    /// A driver for `machine`; pieces of a file upload are sliced from `file`. `callback`
    /// must call [`Driver::on_callback`] with its arguments.
    pub(crate) fn new(machine: Machine, file: Option<Blob>, sink: Sink, callback: Function) -> Rc<Driver> {
        Rc::new(Driver {
            machine: Exclusive::new(machine),
            file,
            buffered: Exclusive::default(),
            parts: Exclusive::default(),
            transfers: Exclusive::default(),
            timers: Exclusive::default(),
            callback,
            sink,
            meter: Exclusive::new(ProgressMeter::new(100.0, 2000.0)),
            last_progress: Cell::new(0),
            last_body: Exclusive::new(JsValue::UNDEFINED),
            completed: Exclusive::default(),
            driving: Cell::new(false),
            again: Cell::new(false),
        })
    }

    /// A driver whose callback is a Rust closure, which the caller keeps as long as the
    /// driver (the Rust API).
    #[cfg(feature = "rust-api")]
    pub(crate) fn with_closure(machine: Machine, file: Option<Blob>, sink: Sink) -> (Rc<Driver>, Callback) {
        let slot: Rc<core::cell::RefCell<alloc::rc::Weak<Driver>>> = Rc::default();
        let weak = slot.clone();
        let callback = Callback::new(move |kind: u32, id: u32, event: JsValue| {
            let driver = weak.borrow().upgrade();
            if let Some(driver) = driver {
                driver.on_callback(kind, id, &event);
            }
        });
        let driver = Driver::new(machine, file, sink, callback.as_ref().unchecked_ref::<Function>().clone());
        slot.replace(Rc::downgrade(&driver));
        (driver, callback)
    }

    /// Access to the machine, for the owner's settings and queries.
    #[cfg_attr(not(feature = "rust-api"), allow(dead_code))]
    pub(crate) fn machine(&self) -> Lent<'_, Machine> {
        self.machine.borrow_mut()
    }

    /// Aborts and retries a transfer without progress for `ms`; `None` never does.
    #[cfg(feature = "rust-api")]
    pub(crate) fn set_stall_timeout(&self, ms: Option<f64>) {
        // `as` saturates: a day or a year is "for ever" alike.
        self.machine.borrow_mut().set_stall_timeout(ms.map(|ms| ms as u32));
    }

    /// The browser went offline: the machine pauses. Returns whether it did.
    pub(crate) fn offline(self: &Rc<Self>) -> bool {
        self.input(Machine::offline, false)
    }

    /// The browser is back online: an offline pause ends. Returns whether it did.
    pub(crate) fn online(self: &Rc<Self>) -> bool {
        self.input(Machine::online, true)
    }

    /// Hands the machine an input that may pause it or end a pause, then drives; returns
    /// what the machine answered. Once a pause ends (`ends_pause`), the rate measured before
    /// it says nothing of what follows.
    fn input(self: &Rc<Self>, act: impl FnOnce(&mut Machine) -> bool, ends_pause: bool) -> bool {
        let changed = act(&mut self.machine.borrow_mut());
        if changed && ends_pause {
            self.meter.borrow_mut().reset_rate();
        }
        self.drive();
        changed
    }

    /// Starts (or continues) a file upload. Returns whether it ended a pause.
    pub(crate) fn start(self: &Rc<Self>) -> Result<bool, UploadError> {
        let resumed = self.machine.borrow_mut().start()?;
        self.drive();
        Ok(resumed)
    }

    /// Pauses; returns whether it did.
    pub(crate) fn pause(self: &Rc<Self>) -> bool {
        self.input(Machine::pause, false)
    }

    /// Resumes; returns whether it did.
    pub(crate) fn resume(self: &Rc<Self>) -> bool {
        self.input(Machine::resume, true)
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
    pub(crate) fn push(self: &Rc<Self>, blob: &Blob, last: bool) -> Result<u32, Rc<UploadError>> {
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
        // Blobs make a blob: nothing to throw.
        self.parts.borrow_mut().push(Merged::new(&merged).unchecked_into());
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
                    let timer = set_timeout(&self.callback, ms, TIMER, id);
                    self.timers.borrow_mut().push((id, timer));
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
            MachineEvent::Acknowledged { piece, answered, standing } => {
                let video_id = self.machine.borrow_mut().video_id().map(str::to_owned);
                if let Some(standing) = standing {
                    self.progress(standing.progress, true);
                    (self.sink)(Note::Chunk { chunk: piece.range.part, video_id: video_id.as_deref(), standing });
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
            event => {
                if let MachineEvent::Retry { .. } = event {
                    // The rate measured before the failure says nothing of the next attempt.
                    self.meter.borrow_mut().reset_rate();
                }
                (self.sink)(Note::Event(&event));
            }
        }
    }

    /// The Video to hand over: the answer's body, with `videoId` added when it is known, or
    /// `{videoId}` alone when the answer was lost.
    fn video(&self, video_id: Option<&str>, answered: bool) -> JsValue {
        let body = self.last_body.borrow_mut().clone();
        let video = if answered && body.is_object() { body } else { Object::new().into() };
        if let Some(id) = video_id {
            if string_field(&video, "videoId").is_none() {
                set_field(&video, "videoId", &id.into());
            }
        }
        video
    }

    /// Aborts every transfer on the wire the machine no longer awaits, and clears every timer
    /// it no longer needs. Their handlers go first, so the aborts raise no event.
    fn drop_stale_transfers(&self) {
        let machine = self.machine.borrow_mut();
        // Dropping one detaches its handlers and aborts it; nothing calls back meanwhile.
        self.transfers.borrow_mut().retain(|t| machine.awaits(t.id));
        self.timers.borrow_mut().retain(|(id, timer)| machine.needs_timer(*id) || {
            clear_timeout(timer);
            false
        });
    }

    /// The callback bound to `kind` and request `id`: what an XHR handler of that request is.
    fn handler(&self, kind: u32, id: u32) -> JsValue {
        self.callback.bind2(&JsValue::NULL, &kind.into(), &id.into()).into()
    }

    fn send(&self, request: Request) {
        let id = request.id;
        match self.open(&request) {
            Ok((xhr, upload)) => {
                let sent_at = js_sys::Date::now();
                self.transfers.borrow_mut().push(Transfer { id, xhr, upload, sent_at });
            }
            // The browser refused before anything was sent: that too is an outcome.
            Err(error) => self.machine.borrow_mut().handle(id, Outcome::Refused(error)),
        }
    }

    /// Opens and sends `request`; returns the XHR and its upload side (a piece's, whose
    /// progress is followed; else `undefined`).
    fn open(&self, request: &Request) -> Result<(Xhr, JsValue), String> {
        let js = |error: JsValue| browser_detail(&error);
        let xhr = Xhr::new();
        xhr.open(request.method, &request.url).map_err(js)?;
        for (name, value) in &request.headers {
            xhr.set_request_header(name, value).map_err(js)?;
        }
        xhr.set_request_header("Accept", "application/json").map_err(js)?;
        for (kind, name) in (LOAD..).zip(XHR_HANDLERS) {
            set_handlers(&xhr, &[name], &self.handler(kind, request.id));
        }
        let mut upload = JsValue::UNDEFINED;
        let body = match &request.body {
            Body::Empty => JsValue::NULL,
            Body::Json(json) => JsValue::from_str(json),
            Body::Piece { piece, content_range, video_id, file_name, .. } => {
                let source = match &self.file {
                    Some(file) => file.clone(),
                    None => self.parts.borrow_mut().first().cloned().ok_or_else(|| "no blob for the part".to_owned())?,
                };
                // The slice is a handle: the file's bytes never enter wasm memory.
                let slice = source.unchecked_ref::<Sliceable>().slice(piece.start as f64, piece.end as f64);
                let form = Form::new();
                if let Some(video_id) = video_id {
                    form.append("videoId", video_id);
                }
                form.append_file("file", &slice, file_name);
                xhr.set_request_header("Content-Range", content_range).map_err(js)?;
                upload = field(&xhr, "upload");
                set_handlers(&upload, &["onprogress"], &self.handler(PROGRESS, request.id));
                form.into()
            }
        };
        xhr.send(&body).map_err(js)?;
        Ok((xhr, upload))
    }

    /// Every XHR event and timer of the upload lands here: `kind` says what called, `id`
    /// names the request (or the timer), and `event` is whatever the XHR's handler was given
    /// (only upload progress reads it: `loaded` and `total`).
    pub(crate) fn on_callback(self: &Rc<Self>, kind: u32, id: u32, event: &JsValue) {
        match kind {
            TIMER => {
                self.timers.borrow_mut().retain(|(set, _)| *set != id);
                self.machine.borrow_mut().wake(id);
            }
            PROGRESS => self.on_progress(id, number_field(event, "loaded") as u64, number_field(event, "total") as u64),
            _ => {
                let transfer = {
                    let mut transfers = self.transfers.borrow_mut();
                    let Some(index) = transfers.iter().position(|t| t.id == id) else { return };
                    transfers.remove(index)
                };
                let outcome = match kind {
                    LOAD => self.answer(&transfer.xhr, js_sys::Date::now() - transfer.sent_at),
                    ABORT => Outcome::Aborted,
                    TIMEOUT => Outcome::Timeout,
                    _ => Outcome::Network, // onerror
                };
                self.machine.borrow_mut().handle(id, outcome);
                drop(transfer);
            }
        }
        self.drive();
    }

    fn on_progress(&self, id: u32, loaded: u64, total: u64) {
        if self.file.is_some() {
            let progress = self.machine.borrow_mut().progress(id, loaded, total);
            if let Some(progress) = progress {
                // A body's last byte is reported whatever the throttle: an app learns at once
                // that the chunk has left (and a pause now lets it finish).
                self.progress(progress, loaded == total);
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
    fn answer(&self, xhr: &Xhr, elapsed_ms: f64) -> Outcome {
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
            .find_map(|name| parse_u32(xhr.get_response_header(name)?.trim_ascii()))
            .map(|seconds| f64::from(seconds) * 1000.0);
        let answer = Answer { status, video_id: string_field(&body, "videoId"), tokens, problem, retry_after_ms, raw, elapsed_ms };
        self.last_body.replace(body);
        Outcome::Answered(answer)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        for (_, timer) in self.timers.borrow_mut().iter() {
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
