//! The idiomatic Rust API: `Uploader::new(file, options)`, then `upload().await`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, File, XmlHttpRequest};

use crate::error::UploadError;
use crate::options::UploadOptions;
use crate::progress::Progress;
use crate::session::{Session, Step};

use super::xhr;

type Listener = Rc<RefCell<dyn FnMut(&Progress)>>;

/// The video the server returned for the completing chunk.
#[derive(Debug, Clone)]
pub struct Video {
    /// The video's id (`vi…`).
    pub video_id: String,
    /// The whole Video object as the server sent it.
    pub json: JsValue,
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
    session: Session,
    listeners: Rc<RefCell<Vec<Listener>>>,
    active: RefCell<Option<XmlHttpRequest>>,
    running: Cell<bool>,
    canceled: Cell<bool>,
}

impl std::fmt::Debug for Uploader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uploader").field("session", &self.session).finish_non_exhaustive()
    }
}

impl Uploader {
    /// Validates the options and the file; nothing is sent yet.
    ///
    /// The file's name (for a `File`) becomes the video title unless `video_name` is set.
    pub fn new(file: &Blob, options: UploadOptions) -> Result<Uploader, UploadError> {
        let name = file.dyn_ref::<File>().map(File::name).unwrap_or_default();
        let session = Session::new(&options, file.size() as u64, &name)?;
        Ok(Uploader {
            file: file.clone(),
            session,
            listeners: Rc::default(),
            active: RefCell::new(None),
            running: Cell::new(false),
            canceled: Cell::new(false),
        })
    }

    /// Calls `listener` with every progress update: many while a chunk is on the wire, and
    /// one when the server acknowledges it. `uploaded_bytes` never decreases.
    pub fn on_progress(&self, listener: impl FnMut(&Progress) + 'static) {
        self.listeners.borrow_mut().push(Rc::new(RefCell::new(listener)));
    }

    /// Uploads the file, chunk after chunk, and returns the Video of the completing chunk.
    pub async fn upload(&self) -> Result<Video, UploadError> {
        if self.running.replace(true) {
            return Err(UploadError::AlreadyUploading);
        }
        self.canceled.set(false);
        let result = self.run().await;
        self.active.replace(None);
        self.running.set(false);
        result
    }

    /// Aborts the chunk in flight; `upload()` then fails with [`UploadError::Aborted`].
    pub fn cancel(&self) {
        self.canceled.set(true);
        if let Some(xhr) = self.active.borrow().as_ref() {
            // abort() cannot fail on a request object that exists.
            let _ = xhr.abort();
        }
    }

    async fn run(&self) -> Result<Video, UploadError> {
        let mut session = self.session.clone();
        let plan = *session.plan();
        while let Some(request) = session.poll_request() {
            if self.canceled.get() {
                return Err(UploadError::Aborted);
            }
            let xhr = XmlHttpRequest::new()
                .map_err(|_| UploadError::Browser { detail: "XMLHttpRequest is unavailable".into() })?;
            self.active.replace(Some(xhr.clone()));
            let (listeners, chunk) = (self.listeners.clone(), request.chunk);
            let mut last = chunk.start;
            let sent = xhr::send(&xhr, &request, &self.file, move |loaded, total| {
                let progress = Progress::in_flight(&plan, &chunk, loaded, total);
                if progress.uploaded_bytes >= last {
                    last = progress.uploaded_bytes;
                    emit(&listeners, &progress);
                }
            })
            .await?;
            match session.handle_outcome(sent.outcome)? {
                Step::Continue(progress) => emit(&self.listeners, &progress),
                Step::Complete(progress) => {
                    emit(&self.listeners, &progress);
                    let video_id = session.video_id().unwrap_or_default().to_owned();
                    return Ok(Video { video_id, json: sent.body.unwrap_or(JsValue::UNDEFINED) });
                }
            }
        }
        Err(UploadError::Browser { detail: "the session ended without completing".into() })
    }
}

/// Calls every listener. The list is copied first so that a listener may add another
/// (JS `onProgress` inside a progress callback) without a double borrow.
fn emit(listeners: &RefCell<Vec<Listener>>, progress: &Progress) {
    let snapshot: Vec<Listener> = listeners.borrow().clone();
    for listener in snapshot {
        if let Ok(mut call) = listener.try_borrow_mut() {
            call(progress);
        }
    }
}
