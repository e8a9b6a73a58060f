//! The idiomatic Rust API: `Uploader::new(file, options)`, then `upload().await`; plus
//! `pause()`, `resume()`, `cancel()` and typed events. A thin future over the same callback
//! driver the JavaScript binding uses.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, EventTarget};

use crate::error::UploadError;
use crate::machine::Machine;
use crate::progress::Progress;
use crate::retry::RetryStrategy;
use crate::UploadOptions;

use super::driver::{Callback, Driver, Note};
use super::event::{UploadEvent, Video};
use super::resume::{PreviousUpload, Record, DEFAULT_EXPIRY_MS};
use crate::machine::{Event as MachineEvent, Warning};

type Listener = Rc<RefCell<dyn FnMut(&UploadEvent)>>;
/// An app's token provider: a future of a token, or of why there is none.
type TokenProvider = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<String, String>>>>>;
/// Where the outcome of the `upload()` in progress goes, once there is one.
type ResultSlot = Rc<RefCell<Option<Rc<Slot<Result<Video, UploadError>>>>>>;

/// Listeners, and the events raised while they are being called (a listener that pauses,
/// say), delivered in order after the current one has reached every listener.
#[derive(Default)]
pub(crate) struct Listeners {
    list: RefCell<Vec<Listener>>,
    pending: RefCell<VecDeque<UploadEvent>>,
    emitting: Cell<bool>,
}

impl Listeners {
    pub(crate) fn add(&self, listener: impl FnMut(&UploadEvent) + 'static) {
        self.list.borrow_mut().push(Rc::new(RefCell::new(listener)));
    }

    pub(crate) fn emit(&self, event: UploadEvent) {
        self.pending.borrow_mut().push_back(event);
        if self.emitting.replace(true) {
            return;
        }
        loop {
            let next = self.pending.borrow_mut().pop_front();
            let Some(event) = next else { break };
            let snapshot: Vec<Listener> = self.list.borrow().clone();
            for listener in snapshot {
                if let Ok(mut call) = listener.try_borrow_mut() {
                    call(&event);
                }
            }
        }
        self.emitting.set(false);
    }
}

/// A result one callback fills and a future awaits.
pub(crate) struct Slot<T> {
    value: RefCell<Option<T>>,
    wake: RefCell<Option<Function>>,
}

impl<T> Slot<T> {
    pub(crate) fn new() -> Rc<Slot<T>> {
        Rc::new(Slot { value: RefCell::new(None), wake: RefCell::new(None) })
    }

    pub(crate) fn fill(&self, value: T) {
        self.value.replace(Some(value));
        if let Some(wake) = self.wake.borrow_mut().take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }

    pub(crate) async fn wait(&self) -> T {
        loop {
            if let Some(value) = self.value.borrow_mut().take() {
                return value;
            }
            let promise = Promise::new(&mut |resolve, _| {
                self.wake.replace(Some(resolve));
            });
            let _ = JsFuture::from(promise).await;
        }
    }
}

/// Uploads one `File` (or `Blob`) in chunks to api.video.
///
/// ```ignore
/// let uploader = Uploader::new(&file, UploadOptions::with_upload_token(token))?;
/// uploader.on_progress(|p| log(p.uploaded_bytes, p.total_bytes));
/// let video = uploader.upload().await?;
/// ```
pub struct Uploader {
    driver: Rc<Driver>,
    /// The file, for its duration.
    file: Blob,
    /// The longest duration accepted, in seconds.
    max_duration: Cell<Option<f64>>,
    tokens: Rc<Tokens>,
    /// What the driver's timers and XHR handlers call; it must outlive them.
    _callback: Callback,
    listeners: Rc<Listeners>,
    result: ResultSlot,
    resume: Rc<Resume>,
}

/// Where the upload tokens come from, when an app's provider gives them.
#[derive(Default)]
struct Tokens {
    provider: RefCell<Option<TokenProvider>>,
    /// The provider's latest token.
    current: RefCell<String>,
    /// A refusal now may be an expiry: the provider may be asked again (a chunk landed
    /// since it last was, or it was asked only at the start).
    renewable: Cell<bool>,
    /// `cancel()` came while the provider was being asked for a token to carry on with.
    cancelled: Cell<Option<bool>>,
}

impl Tokens {
    /// Whether `error` is a refusal the provider is asked to mend (no error event then).
    fn mends(&self, error: &UploadError) -> bool {
        error.status() == Some(401) && self.renewable.get() && self.provider.borrow().is_some()
    }

    /// The provider's token.
    async fn ask(&self) -> Result<String, UploadError> {
        let Some(provider) = self.provider.borrow().clone() else { return Ok(String::new()) };
        let token = provider().await.map_err(|detail| UploadError::TokenProviderFailed { detail })?;
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UploadError::TokenProviderFailed { detail: "it gave no token, or one with spaces or control characters".into() });
        }
        self.current.replace(token.clone());
        Ok(token)
    }
}

/// The record of a resumable upload, kept while `on` (see [`Uploader::set_resumable`]).
struct Resume {
    record: Record,
    on: Cell<bool>,
    /// When the record was first written.
    created_at: Cell<f64>,
    /// How long a record is good for, from its first write.
    expiry_ms: Cell<f64>,
}

impl std::fmt::Debug for Uploader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uploader").field("machine", &*self.driver.machine()).finish_non_exhaustive()
    }
}

impl Uploader {
    /// Validates the options and the file; nothing is sent yet.
    ///
    /// The file's name (for a `File`) becomes the video title unless `video_name` is set.
    pub fn new(file: &Blob, options: UploadOptions) -> Result<Uploader, UploadError> {
        let name = js_sys::Reflect::get(file, &"name".into()).ok().and_then(|name| name.as_string()).unwrap_or_default();
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let machine = Machine::file(&options, file.size() as u64, &name, seed)?;
        let listeners = Rc::new(Listeners::default());
        let result: ResultSlot = Rc::default();
        let resume = Rc::new(Resume { record: Record::of(file, &options), on: Cell::new(false), created_at: Cell::new(0.0), expiry_ms: Cell::new(DEFAULT_EXPIRY_MS) });
        let tokens = Rc::new(Tokens::default());
        let (sink_listeners, sink_result, sink_resume, sink_tokens) = (listeners.clone(), result.clone(), resume.clone(), tokens.clone());
        let (driver, callback) = Driver::with_closure(machine, Some(file.clone()), Box::new(move |note| {
            if sink_resume.on.get() {
                match &note {
                    Note::Chunk { video_id: Some(video_id), standing, .. } => sink_resume.record.write(video_id, standing, sink_resume.created_at.get()),
                    // The record's video is gone: a new one starts, whose first chunk records it.
                    Note::Complete { .. } | Note::Event(MachineEvent::Warning(Warning::ResumedVideoGone)) => sink_resume.record.forget(),
                    _ => {}
                }
            }
            let settled = match &note {
                Note::Complete { video, .. } => Some(Ok(Video::of(video))),
                Note::Failed(error) => Some(Err((*error).clone())),
                _ => None,
            };
            let mended = matches!(&note, Note::Failed(error) if sink_tokens.mends(error));
            if matches!(note, Note::Chunk { .. }) {
                sink_tokens.renewable.set(true);
            }
            match UploadEvent::of(&note) {
                // A refusal the provider is asked to mend is no error of the upload (yet).
                Some(event) if !mended => sink_listeners.emit(event),
                _ => {}
            }
            if let Some(settled) = settled {
                if let Some(slot) = sink_result.borrow_mut().take() {
                    slot.fill(settled);
                }
            }
        }));
        Ok(Uploader { driver, file: file.clone(), max_duration: Cell::new(None), tokens, _callback: callback, listeners, result, resume })
    }

    /// Makes the upload resumable (off by default), as the JavaScript `resumable: true`: as
    /// chunks land, where the upload stands is recorded in `localStorage`, and an uploader
    /// made later for the same file and options (after a reload, or once this one was
    /// dropped) continues the same video from there, within a day. The record goes once
    /// the upload completes or is cancelled. Storage that cannot be used means no resume.
    pub fn set_resumable(&self, resumable: bool) {
        self.resume.on.set(resumable);
    }

    /// How long a resumable upload's record is good for, from the upload's start (the
    /// JavaScript `resumableExpiry`; a day unless set). Older records are swept.
    pub fn set_resumable_expiry(&self, ms: f64) {
        self.resume.expiry_ms.set(ms);
    }

    /// The resumable uploads left unfinished (by a page before a reload, or an uploader
    /// dropped), newest first; those of `file` only, when given. As the JavaScript
    /// `VideoUploader.findPreviousUploads()`: records of a day or less count.
    pub fn find_previous_uploads(file: Option<&Blob>) -> Vec<PreviousUpload> {
        super::resume::previous_uploads(file, DEFAULT_EXPIRY_MS)
    }

    /// Forgets every resumable upload's record (the JavaScript `clearPreviousUploads()`).
    pub fn clear_previous_uploads() {
        super::resume::clear_previous_uploads();
    }

    /// Refuses a file longer than `seconds`, as the JavaScript `maxVideoDuration`: `upload()`
    /// reads the duration from the file's metadata first (with a `<video>` element) and fails
    /// with [`UploadError::VideoTooLong`] before sending anything. When the browser cannot
    /// read a duration, the upload goes ahead. `None` (the default) reads nothing.
    pub fn set_max_video_duration(&self, seconds: Option<f64>) {
        self.max_duration.set(seconds);
    }

    /// Takes the upload tokens from `provider` (an app's backend call that mints one), as the
    /// JavaScript `uploadToken` given as a function; make the uploader with
    /// [`UploadOptions::with_token_provider`]. It is asked at every `upload()`, and once more
    /// when the server refuses the token (expired or withdrawn, 401): the upload then carries
    /// on from the chunk refused, into the same video, with no `Error` event. Its new token
    /// refused too before a chunk lands, or the refused token given again, ends the upload
    /// with the 401; a provider that fails or gives no token, with
    /// [`UploadError::TokenProviderFailed`].
    pub fn set_token_provider<F, T>(&self, provider: F)
    where
        F: Fn() -> T + 'static,
        T: Future<Output = Result<String, String>> + 'static,
    {
        self.tokens.provider.replace(Some(Rc::new(move || Box::pin(provider()) as Pin<Box<dyn Future<Output = Result<String, String>>>>)));
    }

    /// Calls `listener` with every event of the upload.
    pub fn on_event(&self, listener: impl FnMut(&UploadEvent) + 'static) {
        self.listeners.add(listener);
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
        self.driver.machine().set_retry_strategy(strategy);
    }

    /// Aborts and retries a transfer that makes no progress for `ms` (default 30 s);
    /// `None` never does.
    pub fn set_stall_timeout(&self, ms: Option<f64>) {
        self.driver.set_stall_timeout(ms);
    }

    /// Uploads the file, chunk after chunk, and returns the Video of the completing chunk.
    ///
    /// After a failure or a cancel, calling it again continues the same video from the
    /// chunk that did not get through.
    pub async fn upload(&self) -> Result<Video, UploadError> {
        if self.result.borrow().is_some() {
            return Err(UploadError::AlreadyUploading);
        }
        let slot = Slot::new();
        self.result.replace(Some(slot.clone()));
        if let Some(max) = self.max_duration.get() {
            if super::media::duration(&self.file).await.is_some_and(|seconds| seconds > max) {
                self.result.replace(None);
                return Err(UploadError::VideoTooLong);
            }
        }
        // A provider is asked at every upload(): a retry after a refusal gets a new token.
        match self.tokens.ask().await {
            Ok(token) => {
                self.tokens.renewable.set(true);
                self.driver.machine().set_upload_token(&token);
            }
            Err(error) => {
                self.result.replace(None);
                return Err(error);
            }
        }
        let watch = ConnectivityWatch::new(Rc::downgrade(&self.driver), Rc::downgrade(&self.listeners));
        if self.resume.on.get() {
            // Only before the first start can an earlier uploader's record be continued.
            let continued = self.resume.record.continue_into(&mut self.driver.machine(), self.resume.expiry_ms.get());
            if let Some(at) = continued.or_else(|| (self.resume.created_at.get() == 0.0).then(js_sys::Date::now)) {
                self.resume.created_at.set(at);
            }
        }
        match self.driver.start() {
            Ok(true) => self.listeners.emit(UploadEvent::Resume),
            Ok(false) => {}
            Err(error) => {
                self.result.replace(None);
                return Err(error);
            }
        }
        let mut result = slot.wait().await;
        // A refused token the provider is asked to replace: the upload goes on from the chunk
        // refused, until it settles otherwise.
        while let Err(refused) = &result {
            if !self.tokens.mends(refused) {
                break;
            }
            self.tokens.renewable.set(false);
            let before = self.tokens.current.borrow().clone();
            self.tokens.cancelled.set(Some(false));
            let asked = self.tokens.ask().await;
            let cancelled = self.tokens.cancelled.take() == Some(true);
            let outcome = match asked {
                _ if cancelled => Err(UploadError::Aborted),
                Ok(token) if token == before => Err(refused.clone()),
                Ok(token) => {
                    self.driver.machine().set_upload_token(&token);
                    let slot = Slot::new();
                    self.result.replace(Some(slot.clone()));
                    match self.driver.start() {
                        Ok(_) => Ok(slot),
                        Err(error) => Err(error),
                    }
                }
                Err(error) => Err(error),
            };
            match outcome {
                Ok(slot) => result = slot.wait().await,
                Err(error) => {
                    self.result.replace(None);
                    self.listeners.emit(UploadEvent::Error(error.clone()));
                    result = Err(error);
                    break;
                }
            }
        }
        drop(watch);
        result
    }

    /// Pauses: the chunk in flight is aborted and sent again, from its first byte, on
    /// [`Uploader::resume`]; a chunk whose bytes have all been sent is let finish. No-op
    /// when already paused or finished.
    pub fn pause(&self) {
        pause(&self.driver, &self.listeners);
    }

    /// Resumes after [`Uploader::pause`].
    pub fn resume(&self) {
        resume(&self.driver, &self.listeners);
    }

    /// Whether the upload is paused.
    pub fn is_paused(&self) -> bool {
        self.driver.is_paused()
    }

    /// Aborts the upload: `upload()` fails with [`UploadError::Aborted`]. A resumable
    /// upload's record is forgotten.
    pub fn cancel(&self) {
        if self.resume.on.get() {
            self.resume.record.forget();
        }
        // Waiting for the provider, the driver has nothing to cancel: the wait ends in it.
        if self.tokens.cancelled.get().is_some() {
            self.tokens.cancelled.set(Some(true));
        }
        self.driver.cancel();
    }
}

/// Pauses `driver`, and tells `listeners` when that changed anything (both Rust uploaders).
pub(crate) fn pause(driver: &Rc<Driver>, listeners: &Listeners) {
    if driver.pause() {
        listeners.emit(UploadEvent::Pause);
    }
}

/// Resumes `driver`, and tells `listeners` when that changed anything.
pub(crate) fn resume(driver: &Rc<Driver>, listeners: &Listeners) {
    if driver.resume() {
        listeners.emit(UploadEvent::Resume);
    }
}

/// While it lives, the browser's `offline` and `online` events go to the machine (which
/// pauses while the network is gone, and resumes when it returns, as the JS binding does)
/// and then to the listeners. Only the global object's own events count: one re-dispatched
/// by an element bubbles to it with that element as its target.
pub(crate) struct ConnectivityWatch {
    target: Option<EventTarget>,
    offline: Closure<dyn FnMut(web_sys::Event)>,
    online: Closure<dyn FnMut(web_sys::Event)>,
}

impl ConnectivityWatch {
    pub(crate) fn new(driver: Weak<Driver>, listeners: Weak<Listeners>) -> ConnectivityWatch {
        let target = js_sys::global().dyn_into::<EventTarget>().ok();
        let forward = |event: UploadEvent, online: bool| {
            let (driver, listeners, global) = (driver.clone(), listeners.clone(), target.clone());
            Closure::<dyn FnMut(web_sys::Event)>::new(move |browser: web_sys::Event| {
                if browser.target() != global {
                    return;
                }
                if let Some(driver) = driver.upgrade() {
                    if online {
                        driver.online();
                    } else {
                        driver.offline();
                    }
                }
                if let Some(listeners) = listeners.upgrade() {
                    listeners.emit(event.clone());
                }
            })
        };
        let (offline, online) = (forward(UploadEvent::Offline, false), forward(UploadEvent::Online, true));
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
