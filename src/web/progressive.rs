//! The Rust API for progressive uploads: `uploadPart(blob)` as a stream produces data,
//! `uploadLastPart(blob)` to close it. Parts are merged, queued and sent in order by one
//! driver task; each call's future settles when the part it completed is acknowledged.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Blob, XmlHttpRequest};

use crate::error::UploadError;
use crate::progressive::{Part, PartProgress, PartStep, ProgressiveSession};
use crate::session::{ChunkRequest, Resend, RetryStrategy};
use crate::UploadOptions;

use super::timer::{sleep, wake};
use super::uploader::{refresh, video_json_or_id, Video};
use super::xhr;

/// A value one task fills and another awaits.
struct Slot<T> {
    value: RefCell<Option<T>>,
    resolve: RefCell<Option<Function>>,
}

impl<T> Slot<T> {
    fn new() -> Rc<Slot<T>> {
        Rc::new(Slot { value: RefCell::new(None), resolve: RefCell::new(None) })
    }

    fn fill(&self, value: T) {
        self.value.replace(Some(value));
        if let Some(resolve) = self.resolve.borrow_mut().take() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }

    async fn wait(&self) -> T {
        loop {
            if let Some(value) = self.value.borrow_mut().take() {
                return value;
            }
            let promise = Promise::new(&mut |resolve, _| {
                self.resolve.replace(Some(resolve));
            });
            let _ = JsFuture::from(promise).await;
        }
    }
}

type PartResult = Result<Video, UploadError>;
type ProgressListener = Rc<RefCell<dyn FnMut(&PartProgress)>>;

struct Queued {
    part: Part,
    blob: Blob,
    done: Rc<Slot<PartResult>>,
}

struct Shared {
    session: RefCell<ProgressiveSession>,
    buffered: RefCell<Vec<Blob>>,
    queue: RefCell<VecDeque<Queued>>,
    driving: Cell<bool>,
    active: RefCell<Option<XmlHttpRequest>>,
    waker: RefCell<Option<Function>>,
    listeners: RefCell<Vec<ProgressListener>>,
    stall_ms: Cell<Option<f64>>,
}

/// Uploads a stream of blobs of unknown total size as it is produced.
pub struct ProgressiveUploader {
    shared: Rc<Shared>,
}

impl ProgressiveUploader {
    /// `prevent_empty_parts` holds back the newest blob so that the last part is never empty;
    /// `merge_small_parts` (default in JS: true) merges blobs into parts of at least 5 MiB.
    pub fn new(options: UploadOptions, prevent_empty_parts: bool, merge_small_parts: bool) -> Result<ProgressiveUploader, UploadError> {
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let session = ProgressiveSession::new(&options, prevent_empty_parts, merge_small_parts, seed)?;
        Ok(ProgressiveUploader {
            shared: Rc::new(Shared {
                session: RefCell::new(session),
                buffered: RefCell::default(),
                queue: RefCell::default(),
                driving: Cell::new(false),
                active: RefCell::default(),
                waker: RefCell::default(),
                listeners: RefCell::default(),
                stall_ms: Cell::new(Some(super::DEFAULT_STALL_TIMEOUT_MS)),
            }),
        })
    }

    /// Calls `listener` with the progress of each part on the wire.
    pub fn on_progress(&self, listener: impl FnMut(&PartProgress) + 'static) {
        self.shared.listeners.borrow_mut().push(Rc::new(RefCell::new(listener)));
    }

    /// Replaces the default retry policy.
    pub fn set_retry_strategy(&self, strategy: RetryStrategy) {
        self.shared.session.borrow_mut().set_retry_strategy(strategy);
    }

    /// Stall timeout, as for [`super::Uploader::set_stall_timeout`].
    pub fn set_stall_timeout(&self, ms: Option<f64>) {
        self.shared.stall_ms.set(ms.filter(|ms| *ms > 0.0));
    }

    /// Hands over the next blob of the stream. Resolves with the server's answer when the
    /// blob completed a part that was then acknowledged, with `None` when it was buffered.
    pub async fn upload_part(&self, blob: &Blob) -> Result<Option<Video>, UploadError> {
        let flushed = self.shared.session.borrow_mut().push(blob.size() as u64)?;
        self.shared.buffered.borrow_mut().push(blob.clone());
        match flushed {
            Some(part) => self.enqueue(part).await.map(Some),
            None => Ok(None),
        }
    }

    /// Hands over the last blob: everything buffered is sent as the closing part, and the
    /// Video is returned once the server has it.
    pub async fn upload_last_part(&self, blob: &Blob) -> Result<Video, UploadError> {
        let part = self.shared.session.borrow_mut().push_last(blob.size() as u64)?;
        self.shared.buffered.borrow_mut().push(blob.clone());
        self.enqueue(part).await
    }

    /// Aborts the part in flight; it, every queued part and every later call fail with
    /// `ABORTED`.
    pub fn cancel(&self) {
        self.shared.session.borrow_mut().cancel();
        if let Some(xhr) = self.shared.active.borrow().as_ref() {
            let _ = xhr.abort();
        }
        wake(&self.shared.waker);
    }

    async fn enqueue(&self, part: Part) -> PartResult {
        let merged: Vec<Blob> = self.shared.buffered.borrow_mut().drain(..part.blobs).collect();
        let sequence: Array = merged.iter().collect();
        let blob = Blob::new_with_blob_sequence(&sequence).map_err(xhr::browser_error)?;
        let done = Slot::new();
        self.shared.queue.borrow_mut().push_back(Queued { part, blob, done: done.clone() });
        if !self.shared.driving.replace(true) {
            let shared = self.shared.clone();
            spawn_local(async move {
                drive(&shared).await;
                shared.driving.set(false);
            });
        }
        done.wait().await
    }
}

/// Sends queued parts, in order, until the queue is empty.
async fn drive(shared: &Rc<Shared>) {
    loop {
        let polled = shared.session.borrow_mut().poll_request();
        let Some(request) = polled else {
            let failure = shared.session.borrow().failure().cloned();
            if let Some(error) = failure {
                fail_all(shared, &error);
                return;
            }
            if shared.queue.borrow().is_empty() {
                return;
            }
            // Paused, or waiting out a retry: wait to be woken.
            sleep(None, &shared.waker).await;
            continue;
        };
        let blob = match shared.queue.borrow().front() {
            Some(queued) => queued.blob.clone(),
            None => return,
        };
        let (step, body) = match send(shared, &blob, &request).await {
            Ok(sent) => (shared.session.borrow_mut().handle_outcome(sent.outcome), sent.body),
            Err(error) => (Err(error), None),
        };
        match step {
            Ok(PartStep::Sent(part)) => {
                let video_id = shared.session.borrow().video_id().unwrap_or_default().to_owned();
                let json = video_json_or_id(body, &video_id);
                let queued = shared.queue.borrow_mut().pop_front();
                if let Some(queued) = queued {
                    debug_assert_eq!(queued.part, part);
                    queued.done.fill(Ok(Video { video_id, json }));
                }
            }
            Ok(PartStep::Resend(Resend::Retry { delay_ms, .. })) => sleep(Some(delay_ms), &shared.waker).await,
            Ok(PartStep::Resend(Resend::Refresh { url, body })) => {
                let refreshed = refresh(&url, &body, &request.headers).await;
                if let Err(error) = shared.session.borrow_mut().handle_refresh(refreshed) {
                    fail_all(shared, &error);
                    return;
                }
            }
            Ok(PartStep::Resend(Resend::Paused)) => {}
            Err(error) => {
                fail_all(shared, &error);
                return;
            }
        }
    }
}

async fn send(shared: &Rc<Shared>, blob: &Blob, request: &ChunkRequest) -> Result<xhr::Sent, UploadError> {
    let xhr = XmlHttpRequest::new().map_err(xhr::browser_error)?;
    shared.active.replace(Some(xhr.clone()));
    let weak = Rc::downgrade(shared);
    let sent = xhr::send_chunk(&xhr, request, blob, shared.stall_ms.get(), Box::new(move |loaded, total| {
        let Some(shared) = weak.upgrade() else { return };
        let progress = shared.session.borrow().progress(loaded, total);
        if let Some(progress) = progress {
            let snapshot: Vec<_> = shared.listeners.borrow().clone();
            for listener in snapshot {
                if let Ok(mut call) = listener.try_borrow_mut() {
                    call(&progress);
                }
            }
        }
    }))
    .await;
    shared.active.replace(None);
    sent
}

fn fail_all(shared: &Shared, error: &UploadError) {
    let failed: Vec<Queued> = shared.queue.borrow_mut().drain(..).collect();
    for queued in failed {
        queued.done.fill(Err(error.clone()));
    }
}
