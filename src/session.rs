//! The upload as a sans-IO state machine.
//!
//! The shell asks [`Session::poll_request`] what to send, performs it however it likes
//! (XHR in the browser, anything in tests), maps upload progress through
//! [`Session::progress`] and hands the result to [`Session::handle_outcome`], which says
//! what happens next: the next chunk, a retry after a delay, a token refresh, a pause, or
//! the end. The session never touches the network, the clock or the file; randomness for
//! jitter comes from a seed the shell provides.

use std::fmt;
use std::rc::Rc;

use crate::attempts::{apply_refresh, Attempts, Verdict};
use crate::error::{Problem, UploadError};
use crate::options::UploadOptions;
use crate::plan::{Chunk, ChunkPlan};
use crate::progress::Progress;
use crate::retry::RetryReason;

/// A request the shell must perform: POST `url` with `headers` and a multipart body holding
/// `videoId` (when set) and then `file` = the bytes `chunk.start..chunk.end`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "the session waits until this request's outcome is handed back"]
pub struct ChunkRequest {
    /// Where to POST.
    pub url: String,
    /// Which bytes of the file to send.
    pub chunk: Chunk,
    /// The `Content-Range` header value.
    pub content_range: String,
    /// Other headers: `Authorization` in the API modes, `AV-Origin-*`.
    pub headers: Vec<(&'static str, String)>,
    /// The `videoId` form field, sent before the file as the official uploader does.
    pub video_id: Option<String>,
    /// The multipart filename of the `file` field; it becomes the video title.
    pub file_name: String,
    /// 0 for the first attempt at this chunk, then 1, 2… for retries.
    pub attempt: u32,
}

/// What became of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server answered below 400. `video_id` is the body's `videoId`, if it had one.
    Success {
        /// HTTP status code.
        status: u16,
        /// `videoId` from the JSON body.
        video_id: Option<String>,
        /// The raw body, for error reports.
        raw: String,
    },
    /// The server answered 400 or above.
    Failure {
        /// HTTP status code.
        status: u16,
        /// The parsed problem body.
        problem: Problem,
        /// The raw body.
        raw: String,
        /// `Retry-After` (or `X-RateLimit-Retry-After`), in milliseconds.
        retry_after_ms: Option<f64>,
    },
    /// No response: the connection failed.
    Network,
    /// No response in time, or the transfer stalled.
    Timeout,
    /// The request was aborted (by `cancel()` or `pause()`).
    Aborted,
}

/// What the shell does after an outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The chunk was acknowledged and more remain: call [`Session::poll_request`] again.
    Continue(Progress),
    /// The last chunk was acknowledged: the upload is complete.
    Complete(Progress),
    /// The chunk is to be sent again, after what [`Resend`] says.
    Resend(Resend),
}

/// Why a piece (a file chunk or a progressive part) is sent again, and what comes first.
#[derive(Debug, Clone, PartialEq)]
pub enum Resend {
    /// It failed but is worth another attempt: wait `delay_ms`, then poll again.
    Retry {
        /// How long to wait.
        delay_ms: f64,
        /// 1 for the first retry of this piece.
        attempt: u32,
        /// Why.
        reason: RetryReason,
        /// The failure being retried.
        error: UploadError,
    },
    /// The access token expired: POST `body` (JSON) to `url`, then hand the result to the
    /// session's `handle_refresh`; the piece is then sent again.
    Refresh {
        /// `…/auth/refresh`.
        url: String,
        /// `{"refreshToken": …}`.
        body: String,
    },
    /// It was aborted by a pause: it is sent again, from its first byte, after resume.
    Paused,
}

/// Decides retries instead of the default policy: `(retries so far, error)` → delay in
/// milliseconds, or `None` to give up. This is the official uploader's `retryStrategy`.
pub type RetryStrategy = Rc<dyn Fn(u32, &UploadError) -> Option<f64>>;

/// One file's upload, from the first chunk to the completing one.
#[derive(Clone)]
pub struct Session {
    plan: ChunkPlan,
    options: UploadOptions,
    url: String,
    file_name: String,
    video_id: Option<String>,
    next: u32,
    in_flight: Option<Chunk>,
    finished: bool,
    paused: bool,
    attempts: Attempts,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("plan", &self.plan)
            .field("video_id", &self.video_id)
            .field("next", &self.next)
            .field("in_flight", &self.in_flight)
            .field("paused", &self.paused)
            .field("retries", &self.attempts.retries())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Starts an upload of `file_size` bytes named `file_name`; `seed` seeds retry jitter.
    pub fn new(options: &UploadOptions, file_size: u64, file_name: &str, seed: u64) -> Result<Session, UploadError> {
        options.validate()?;
        let plan = ChunkPlan::new(file_size, options.chunk_size)?;
        let file_name = options.video_name.clone().unwrap_or_else(|| file_name.to_owned());
        let file_name = if file_name.is_empty() { "file".to_owned() } else { file_name };
        Ok(Session {
            plan,
            options: options.clone(),
            url: options.upload_url(),
            file_name,
            video_id: options.video_id.clone().filter(|id| !id.is_empty()),
            next: 0,
            in_flight: None,
            finished: false,
            paused: false,
            attempts: Attempts::new(options.retries, seed),
        })
    }

    /// Replaces the default retry policy with `strategy`.
    pub fn set_retry_strategy(&mut self, strategy: RetryStrategy) {
        self.attempts.set_strategy(strategy);
    }

    /// The chunk plan.
    pub fn plan(&self) -> &ChunkPlan {
        &self.plan
    }

    /// The video id, once known (given in the options or returned by the first chunk).
    pub fn video_id(&self) -> Option<&str> {
        self.video_id.as_deref()
    }

    /// Bytes acknowledged by the server so far.
    pub fn acknowledged_bytes(&self) -> u64 {
        self.plan.chunk(self.next).map_or(self.plan.file_size(), |chunk| chunk.start)
    }

    /// Whether the upload is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Whether the upload has ended, completed or failed.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Whether every chunk was acknowledged.
    pub fn is_complete(&self) -> bool {
        self.next == self.plan.count()
    }

    /// Makes a failed upload resumable: the next [`Session::poll_request`] sends the chunk
    /// that failed again, into the same video, with a fresh retry budget. Returns false
    /// when there is nothing to revive (running or complete).
    pub fn revive(&mut self) -> bool {
        if !self.finished || self.is_complete() {
            return false;
        }
        self.finished = false;
        self.attempts.reset();
        true
    }

    /// The next request to perform, or `None` while one is in flight, while paused, or
    /// when finished.
    pub fn poll_request(&mut self) -> Option<ChunkRequest> {
        if self.finished || self.paused || self.in_flight.is_some() {
            return None;
        }
        let chunk = self.plan.chunk(self.next)?;
        self.in_flight = Some(chunk);
        Some(ChunkRequest {
            url: self.url.clone(),
            chunk,
            content_range: chunk.range.to_string(),
            headers: self.options.headers(),
            video_id: self.video_id.clone(),
            file_name: self.file_name.clone(),
            attempt: self.attempts.retries(),
        })
    }

    /// Progress of the chunk in flight from an upload progress event (`loaded` of
    /// `body_total` multipart bytes sent). `None` when nothing is in flight.
    pub fn progress(&self, loaded: u64, body_total: u64) -> Option<Progress> {
        let chunk = self.in_flight?;
        Some(Progress::in_flight(&self.plan, &chunk, loaded, body_total))
    }

    /// Pauses: no new request starts, and the shell should abort the one in flight (its
    /// outcome, `Aborted`, then yields [`Resend::Paused`]). Returns false if already paused
    /// or finished.
    pub fn pause(&mut self) -> bool {
        if self.paused || self.finished {
            return false;
        }
        self.paused = true;
        true
    }

    /// Resumes after [`Session::pause`]. Returns false if not paused.
    pub fn resume(&mut self) -> bool {
        std::mem::replace(&mut self.paused, false) && !self.finished
    }

    /// Feeds back the outcome of the request in flight.
    ///
    /// A success must name the video: the first chunk's `videoId` is kept and every later
    /// answer must repeat it. A different id means the server started another video, and the
    /// bytes sent so far would be split across two; that is reported, never ignored.
    pub fn handle_outcome(&mut self, outcome: Outcome) -> Result<Step, UploadError> {
        let chunk = self.in_flight.take().ok_or(UploadError::InvalidOption {
            name: "session",
            detail: "an outcome was handed back with no request in flight".to_owned(),
        })?;
        let result = self.decide(chunk, outcome);
        if matches!(result, Ok(Step::Complete(_)) | Err(_)) {
            self.finished = true;
        }
        result
    }

    fn decide(&mut self, chunk: Chunk, outcome: Outcome) -> Result<Step, UploadError> {
        let is_last = chunk.index + 1 == self.plan.count();
        match self.attempts.judge(outcome, &self.options, self.video_id.as_deref(), is_last, self.paused) {
            Verdict::Landed { status, video_id, raw } => self.acknowledge(chunk, status, video_id, raw),
            Verdict::Resend(resend) => Ok(Step::Resend(resend)),
            Verdict::Failed(error) => Err(error),
        }
    }

    /// Feeds back the result of a [`Resend::Refresh`]: the new access and refresh tokens, or
    /// the error that ends the upload.
    pub fn handle_refresh(&mut self, result: Result<(String, String), UploadError>) -> Result<(), UploadError> {
        match result {
            Ok((access_token, refresh_token)) => {
                apply_refresh(&mut self.options, access_token, refresh_token);
                Ok(())
            }
            Err(error) => {
                self.finished = true;
                Err(error)
            }
        }
    }

    fn acknowledge(&mut self, chunk: Chunk, status: u16, video_id: Option<String>, raw: String) -> Result<Step, UploadError> {
        let Some(returned) = video_id.filter(|id| !id.is_empty()) else {
            return Err(UploadError::InvalidResponse { status, detail: "no videoId in the response".to_owned(), raw });
        };
        match &self.video_id {
            Some(known) if *known != returned => {
                return Err(UploadError::InvalidResponse {
                    status,
                    detail: format!("the server answered for video {returned} while uploading into {known}"),
                    raw,
                });
            }
            Some(_) => {}
            None => self.video_id = Some(returned),
        }
        self.attempts.reset();
        let progress = Progress::acknowledged(&self.plan, &chunk);
        self.next = chunk.index + 1;
        if self.next == self.plan.count() {
            Ok(Step::Complete(progress))
        } else {
            Ok(Step::Continue(progress))
        }
    }
}

#[cfg(test)]
mod tests;
