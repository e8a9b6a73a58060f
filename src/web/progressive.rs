//! The Rust API for progressive uploads: `upload_part(blob)` as a stream produces data,
//! `upload_last_part(blob)` to close it, over the same callback driver as everything else.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use web_sys::Blob;

use crate::error::UploadError;
use crate::machine::Machine;
use crate::progress::PartProgress;
use crate::retry::RetryStrategy;
use crate::UploadOptions;

use super::driver::{Callback, Driver, Note};
use super::event::{UploadEvent, Video};
use super::uploader::{ConnectivityWatch, Listeners, Slot};

type PartSlot = Rc<Slot<Result<Video, UploadError>>>;
type ProgressListener = Rc<RefCell<dyn FnMut(&PartProgress)>>;

/// Uploads a stream of blobs of unknown total size as it is produced.
pub struct ProgressiveUploader {
    driver: Rc<Driver>,
    /// What the driver's timers and XHR handlers call; it must outlive them.
    _callback: Callback,
    listeners: Rc<Listeners>,
    progress: Rc<RefCell<Vec<ProgressListener>>>,
    pending: Rc<RefCell<HashMap<u32, PartSlot>>>,
    /// Offline pauses the stream's parts and online resumes them, while the uploader lives.
    _watch: ConnectivityWatch,
}

impl ProgressiveUploader {
    /// `prevent_empty_parts` holds back the newest blob so that the last part is never empty;
    /// `merge_small_parts` (default in JS: true) merges blobs into parts of at least 5 MiB.
    pub fn new(options: UploadOptions, prevent_empty_parts: bool, merge_small_parts: bool) -> Result<ProgressiveUploader, UploadError> {
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let machine = Machine::stream(&options, prevent_empty_parts, merge_small_parts, seed)?;
        let listeners = Rc::new(Listeners::default());
        let progress: Rc<RefCell<Vec<ProgressListener>>> = Rc::default();
        let pending: Rc<RefCell<HashMap<u32, PartSlot>>> = Rc::default();
        let (sink_listeners, sink_progress, sink_pending) = (listeners.clone(), progress.clone(), pending.clone());
        let (driver, callback) = Driver::with_closure(machine, None, Box::new(move |note| {
            match &note {
                Note::PartProgress(part) => {
                    let snapshot: Vec<ProgressListener> = sink_progress.borrow().clone();
                    for listener in snapshot {
                        if let Ok(mut call) = listener.try_borrow_mut() {
                            call(part);
                        }
                    }
                }
                Note::Part { part, video } => {
                    let slot = sink_pending.borrow_mut().remove(part);
                    if let Some(slot) = slot {
                        slot.fill(Ok(Video::of(video)));
                    }
                }
                Note::Failed(error) => {
                    let failed: Vec<PartSlot> = sink_pending.borrow_mut().drain().map(|(_, slot)| slot).collect();
                    for slot in failed {
                        slot.fill(Err((*error).clone()));
                    }
                }
                _ => {}
            }
            if let Some(event) = UploadEvent::of(&note) {
                sink_listeners.emit(event);
            }
        }));
        let _watch = ConnectivityWatch::new(Rc::downgrade(&driver), Rc::downgrade(&listeners));
        Ok(ProgressiveUploader { driver, _callback: callback, listeners, progress, pending, _watch })
    }

    /// Calls `listener` with the progress of each part on the wire.
    pub fn on_progress(&self, listener: impl FnMut(&PartProgress) + 'static) {
        self.progress.borrow_mut().push(Rc::new(RefCell::new(listener)));
    }

    /// Calls `listener` with every event of the upload.
    pub fn on_event(&self, listener: impl FnMut(&UploadEvent) + 'static) {
        self.listeners.add(listener);
    }

    /// Replaces the default retry policy.
    pub fn set_retry_strategy(&self, strategy: RetryStrategy) {
        self.driver.machine().set_retry_strategy(strategy);
    }

    /// Stall timeout, as for [`super::Uploader::set_stall_timeout`].
    pub fn set_stall_timeout(&self, ms: Option<f64>) {
        self.driver.set_stall_timeout(ms);
    }

    /// Hands over the next blob of the stream. Resolves with the server's answer when the
    /// blob completed a part that was then acknowledged, with `None` when it was buffered.
    pub async fn upload_part(&self, blob: &Blob) -> Result<Option<Video>, UploadError> {
        match self.push(blob, false)? {
            Some(slot) => slot.wait().await.map(Some),
            None => Ok(None),
        }
    }

    /// Hands over the last blob: everything buffered is sent as the closing part, and the
    /// Video is returned once the server has it.
    pub async fn upload_last_part(&self, blob: &Blob) -> Result<Video, UploadError> {
        match self.push(blob, true)? {
            Some(slot) => slot.wait().await,
            None => Err(UploadError::Aborted),
        }
    }

    fn push(&self, blob: &Blob, last: bool) -> Result<Option<PartSlot>, UploadError> {
        let number = self.driver.push(blob, last).map_err(|error| (*error).clone())?;
        if number == 0 {
            return Ok(None);
        }
        // Sending can fail before `push` returns (a browser API that throws): the failure
        // was noted before this part had a slot.
        if let Some(error) = self.driver.machine().failure() {
            return Err(error.clone());
        }
        let slot = Slot::new();
        self.pending.borrow_mut().insert(number, slot.clone());
        Ok(Some(slot))
    }

    /// Pauses: the part in flight is aborted and sent again on resume.
    pub fn pause(&self) {
        super::uploader::pause(&self.driver, &self.listeners);
    }

    /// Resumes after a pause.
    pub fn resume(&self) {
        super::uploader::resume(&self.driver, &self.listeners);
    }

    /// Aborts the part in flight; it, every queued part and every later call fail with
    /// `ABORTED`.
    pub fn cancel(&self) {
        self.driver.cancel();
    }
}
