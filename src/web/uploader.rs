//! The idiomatic Rust API: `Uploader::new(file, options)`, then `upload().await`; plus
//! `pause()`, `resume()`, `cancel()` and typed events.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, EventTarget, File, XmlHttpRequest};

use crate::error::UploadError;
use crate::meter::ProgressMeter;
use crate::progress::Progress;
use crate::session::{Resend, RetryStrategy, Session, Step};
use crate::UploadOptions;

use super::event::UploadEvent;
use super::timer::{now_ms, sleep, wake};
use super::{json, xhr};

/// How long a transfer may go without upload progress before it is aborted and retried.
pub const DEFAULT_STALL_TIMEOUT_MS: f64 = 30_000.0;

/// The video the server returned for the completing chunk.
#[derive(Debug, Clone)]
pub struct Video {
    /// The video's id (`vi…`).
    pub video_id: String,
    /// The whole Video object as the server sent it (only `{videoId}` when the completing
    /// chunk's answer was lost and a retry learnt that it had landed).
    pub json: JsValue,
}

type Listener = Rc<RefCell<dyn FnMut(&UploadEvent)>>;

struct Shared {
    session: RefCell<Session>,
    listeners: RefCell<Vec<Listener>>,
    active: RefCell<Option<XmlHttpRequest>>,
    waker: RefCell<Option<Function>>,
    meter: RefCell<ProgressMeter>,
    last_progress: Cell<u64>,
    completed: RefCell<Option<Video>>,
    /// Events raised by a listener while others are being called, delivered after them.
    pending: RefCell<std::collections::VecDeque<UploadEvent>>,
    emitting: Cell<bool>,
    running: Cell<bool>,
    canceled: Cell<bool>,
    stall_ms: Cell<Option<f64>>,
}

/// Uploads one `File` (or `Blob`) in chunks to api.video.
///
/// ```ignore
/// let uploader = Uploader::new(&file, UploadOptions::with_upload_token(token))?;
/// uploader.on_progress(|p| log(p.uploaded_bytes, p.total_bytes));
/// let video = uploader.upload().await?;
/// ```
pub struct Uploader {
    file: Blob,
    shared: Rc<Shared>,
}

impl std::fmt::Debug for Uploader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uploader").field("session", &self.shared.session.borrow()).finish_non_exhaustive()
    }
}

impl Uploader {
    /// Validates the options and the file; nothing is sent yet.
    ///
    /// The file's name (for a `File`) becomes the video title unless `video_name` is set.
    pub fn new(file: &Blob, options: UploadOptions) -> Result<Uploader, UploadError> {
        let name = file.dyn_ref::<File>().map(File::name).unwrap_or_default();
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let session = Session::new(&options, file.size() as u64, &name, seed)?;
        let shared = Shared {
            session: RefCell::new(session),
            listeners: RefCell::default(),
            active: RefCell::default(),
            waker: RefCell::default(),
            meter: RefCell::new(ProgressMeter::new(100.0, 2000.0)),
            last_progress: Cell::new(0),
            completed: RefCell::default(),
            pending: RefCell::default(),
            emitting: Cell::new(false),
            running: Cell::new(false),
            canceled: Cell::new(false),
            stall_ms: Cell::new(Some(DEFAULT_STALL_TIMEOUT_MS)),
        };
        Ok(Uploader { file: file.clone(), shared: Rc::new(shared) })
    }

    /// Calls `listener` with every event of the upload.
    pub fn on_event(&self, listener: impl FnMut(&UploadEvent) + 'static) {
        self.shared.listeners.borrow_mut().push(Rc::new(RefCell::new(listener)));
    }

    /// Calls `listener` with every progress report: at most ten a second while a chunk is on
    /// the wire, and one when the server acknowledges it. `uploaded_bytes` never decreases.
    pub fn on_progress(&self, mut listener: impl FnMut(&Progress) + 'static) {
        self.on_event(move |event| {
            if let UploadEvent::Progress(report) = event {
                listener(&report.progress);
            }
        });
    }

    /// Replaces the default retry policy (see [`crate::retry`]).
    pub fn set_retry_strategy(&self, strategy: RetryStrategy) {
        self.shared.session.borrow_mut().set_retry_strategy(strategy);
    }

    /// Aborts and retries a transfer that makes no progress for `ms` (default 30 s);
    /// `None` never does.
    pub fn set_stall_timeout(&self, ms: Option<f64>) {
        self.shared.stall_ms.set(ms.filter(|ms| *ms > 0.0));
    }

    /// Uploads the file, chunk after chunk, and returns the Video of the completing chunk.
    ///
    /// After a failure or a cancel, calling it again continues the same video from the
    /// chunk that did not get through.
    pub async fn upload(&self) -> Result<Video, UploadError> {
        let shared = &self.shared;
        if shared.running.replace(true) {
            return Err(UploadError::AlreadyUploading);
        }
        if let Some(video) = shared.completed.borrow().clone() {
            shared.running.set(false);
            return Ok(video);
        }
        shared.canceled.set(false);
        shared.session.borrow_mut().revive();
        // An explicit upload() runs, even if the upload was paused (and then cancelled).
        let resumed = shared.session.borrow_mut().resume();
        if resumed {
            emit(shared, &UploadEvent::Resume);
        }
        let watch = ConnectivityWatch::new(Rc::downgrade(shared));
        let result = self.run().await;
        drop(watch);
        shared.active.replace(None);
        shared.running.set(false);
        match &result {
            Ok(video) => {
                shared.completed.replace(Some(video.clone()));
                emit(shared, &UploadEvent::Success(video.clone()));
            }
            Err(error) => emit(shared, &UploadEvent::Error(error.clone())),
        }
        result
    }

    /// Pauses: the chunk in flight is aborted and sent again, from its first byte, on
    /// [`Uploader::resume`]. No-op when already paused or finished.
    pub fn pause(&self) {
        let paused = self.shared.session.borrow_mut().pause();
        if paused {
            if let Some(xhr) = self.shared.active.borrow().as_ref() {
                let _ = xhr.abort();
            }
            wake(&self.shared.waker);
            emit(&self.shared, &UploadEvent::Pause);
        }
    }

    /// Resumes after [`Uploader::pause`].
    pub fn resume(&self) {
        let resumed = self.shared.session.borrow_mut().resume();
        if resumed {
            self.shared.meter.borrow_mut().reset_rate();
            wake(&self.shared.waker);
            emit(&self.shared, &UploadEvent::Resume);
        }
    }

    /// Whether the upload is paused.
    pub fn is_paused(&self) -> bool {
        self.shared.session.borrow().is_paused()
    }

    /// Aborts the upload: `upload()` fails with [`UploadError::Aborted`].
    pub fn cancel(&self) {
        self.shared.canceled.set(true);
        if let Some(xhr) = self.shared.active.borrow().as_ref() {
            let _ = xhr.abort();
        }
        wake(&self.shared.waker);
    }

    async fn run(&self) -> Result<Video, UploadError> {
        let shared = &self.shared;
        loop {
            if shared.canceled.get() {
                return Err(UploadError::Aborted);
            }
            let polled = shared.session.borrow_mut().poll_request();
            let Some(request) = polled else {
                if shared.session.borrow().is_paused() {
                    sleep(None, &shared.waker).await;
                    continue;
                }
                return Err(UploadError::Browser { detail: "the upload ended without completing".into() });
            };
            let xhr = XmlHttpRequest::new().map_err(xhr::browser_error)?;
            shared.active.replace(Some(xhr.clone()));
            let plan = *shared.session.borrow().plan();
            let (weak, chunk) = (Rc::downgrade(shared), request.chunk);
            let sent = xhr::send_chunk(&xhr, &request, &self.file, shared.stall_ms.get(), Box::new(move |loaded, total| {
                if let Some(shared) = weak.upgrade() {
                    emit_progress(&shared, Progress::in_flight(&plan, &chunk, loaded, total), false);
                }
            }))
            .await;
            shared.active.replace(None);
            let sent = sent?;
            let step = shared.session.borrow_mut().handle_outcome(sent.outcome)?;
            match step {
                Step::Continue(progress) => self.acknowledged(progress),
                Step::Complete(progress) => {
                    self.acknowledged(progress);
                    let video_id = shared.session.borrow().video_id().unwrap_or_default().to_owned();
                    let json = video_json_or_id(sent.body, &video_id);
                    return Ok(Video { video_id, json });
                }
                Step::Resend(Resend::Retry { delay_ms, attempt, reason, error }) => {
                    shared.meter.borrow_mut().reset_rate();
                    emit(shared, &UploadEvent::Retry { attempt, delay_ms, reason, error });
                    sleep(Some(delay_ms), &shared.waker).await;
                }
                Step::Resend(Resend::Refresh { url, body }) => {
                    let refreshed = refresh(&url, &body, &request.headers).await;
                    shared.session.borrow_mut().handle_refresh(refreshed)?;
                }
                Step::Resend(Resend::Paused) => shared.meter.borrow_mut().reset_rate(),
            }
        }
    }

    fn acknowledged(&self, progress: Progress) {
        let shared = &self.shared;
        emit_progress(shared, progress, true);
        let video_id = shared.session.borrow().video_id().unwrap_or_default().to_owned();
        emit(
            shared,
            &UploadEvent::Chunk {
                chunk: progress.current_chunk,
                chunks_count: progress.chunks_count,
                video_id,
                uploaded_bytes: progress.uploaded_bytes,
            },
        );
    }
}

/// Renews the access token: `(access_token, refresh_token)` or the error that ends the upload.
pub(crate) async fn refresh(url: &str, body: &str, headers: &[(&'static str, String)]) -> Result<(String, String), UploadError> {
    let (status, parsed, raw) = xhr::post_json(url, body, headers).await?;
    let tokens = parsed.as_ref().and_then(|body| {
        Some((json::string_field(body, "access_token")?, json::string_field(body, "refresh_token")?))
    });
    match tokens {
        Some(tokens) if (1..400).contains(&status) => Ok(tokens),
        // A status of 0 is a request the browser never got an answer to.
        _ if status == 0 => Err(UploadError::Network),
        _ => Err(UploadError::Http { status, problem: json::problem(parsed.as_ref()), raw }),
    }
}

/// The server's Video, or `{videoId}` when there is none (the last piece was found to
/// have landed, its answer lost).
pub(crate) fn video_json_or_id(body: Option<JsValue>, video_id: &str) -> JsValue {
    if let Some(body) = body.filter(JsValue::is_object) {
        return body;
    }
    let object = Object::new();
    let _ = Reflect::set(&object, &"videoId".into(), &video_id.into());
    object.into()
}

fn emit_progress(shared: &Shared, progress: Progress, force: bool) {
    // A chunk sent again after a pause or a retry starts below what was already reported:
    // hold the report until it catches up, so that progress never goes backwards.
    if progress.uploaded_bytes < shared.last_progress.get() {
        return;
    }
    shared.last_progress.set(progress.uploaded_bytes);
    let report = shared.meter.borrow_mut().observe(now_ms(), progress, force);
    if let Some(report) = report {
        emit(shared, &UploadEvent::Progress(report));
    }
}

/// Calls every listener with `event`. A listener may call back into the uploader (pause
/// from a progress listener, say): the events that raises are queued and delivered, in
/// order, once the current one has reached every listener. The list is copied first so a
/// listener may also add another.
fn emit(shared: &Shared, event: &UploadEvent) {
    shared.pending.borrow_mut().push_back(event.clone());
    if shared.emitting.replace(true) {
        return;
    }
    loop {
        let next = shared.pending.borrow_mut().pop_front();
        let Some(event) = next else { break };
        let snapshot: Vec<Listener> = shared.listeners.borrow().clone();
        for listener in snapshot {
            if let Ok(mut call) = listener.try_borrow_mut() {
                call(&event);
            }
        }
    }
    shared.emitting.set(false);
}

/// Forwards the global `offline` and `online` events to the upload's listeners while it runs.
struct ConnectivityWatch {
    target: Option<EventTarget>,
    offline: Closure<dyn FnMut()>,
    online: Closure<dyn FnMut()>,
}

impl ConnectivityWatch {
    fn new(shared: Weak<Shared>) -> ConnectivityWatch {
        let forward = |event: UploadEvent| {
            let shared = shared.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Some(shared) = shared.upgrade() {
                    emit(&shared, &event);
                }
            })
        };
        let (offline, online) = (forward(UploadEvent::Offline), forward(UploadEvent::Online));
        let target = js_sys::global().dyn_into::<EventTarget>().ok();
        if let Some(target) = &target {
            let _ = target.add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
            let _ = target.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
        }
        ConnectivityWatch { target, offline, online }
    }
}

impl Drop for ConnectivityWatch {
    fn drop(&mut self) {
        if let Some(target) = &self.target {
            let _ = target.remove_event_listener_with_callback("offline", self.offline.as_ref().unchecked_ref());
            let _ = target.remove_event_listener_with_callback("online", self.online.as_ref().unchecked_ref());
        }
    }
}
