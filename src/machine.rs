//! The upload as one sans-IO state machine, for a file and for a stream alike.
//!
//! The shell calls [`Machine::poll`] after everything that happens (a call from the app, an
//! outcome, a timer) and does what it says: send a [`Request`] and hand its outcome back to
//! [`Machine::handle`], sleep and then call [`Machine::wake`], wait, or settle the upload.
//! Every request carries an id, and the machine ignores the outcome of a request it no
//! longer awaits (one it told the shell to abort by a pause or a cancel), so no path can
//! leave a piece in flight. [`Machine::poll_event`] drains what listeners should hear.
//!
//! The machine never touches the network, the clock or the file; jitter comes from a seed.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use crate::attempts::{Attempts, Verdict};
use crate::error::UploadError;
use crate::options::{Credentials, UploadOptions};
use crate::plan::ChunkPlan;
use crate::progress::{scale, PartProgress, Progress};
use crate::request::{Body, Outcome, Piece, Request};
use crate::retry::{RetryReason, RetryStrategy};
use crate::stream::{Part, Stream};
use crate::text::push_json_escaped;

/// What the shell does next.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Step {
    /// Perform this request and hand its outcome to [`Machine::handle`].
    Send(Request),
    /// Call [`Machine::wake`] with `id` after `ms` milliseconds (a retry's backoff).
    Sleep {
        /// The timer's id.
        id: u32,
        /// How long.
        ms: f64,
    },
    /// Nothing to do until an outcome, a timer, or a call from the app.
    Wait,
    /// The upload is complete. Reported once per [`Machine::start`].
    Complete {
        /// The video's id, when known.
        video_id: Option<String>,
        /// Whether the body of the outcome just handled is the Video (else only the id is
        /// known: the completing piece's answer was lost and its re-send was told it landed).
        answered: bool,
    },
    /// The upload failed. Reported once.
    Failed(UploadError),
}

/// What listeners hear, drained with [`Machine::poll_event`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The server has a piece. `answered` tells whether the body of the outcome just handled
    /// is its answer.
    Acknowledged {
        /// The piece.
        piece: Piece,
        /// Whether the body just handled answers it.
        answered: bool,
    },
    /// A piece failed and will be sent again after `delay_ms`.
    Retry {
        /// 1 for the first retry of this piece.
        attempt: u32,
        /// The wait before it.
        delay_ms: f64,
        /// Why.
        reason: RetryReason,
        /// The failure.
        error: UploadError,
    },
    /// Something the app should know that does not stop the upload.
    Warning(Warning),
}

/// A condition that does not stop the upload, with a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    /// A success answer had no `videoId`, so later pieces go without one, as the official
    /// uploader sends them. api.video always sends it; mocks and proxies may not.
    VideoIdMissing,
}

impl Warning {
    /// The stable code JavaScript sees.
    pub fn code(self) -> &'static str {
        match self {
            Warning::VideoIdMissing => "VIDEO_ID_MISSING_IN_RESPONSE",
        }
    }

    /// What it means.
    pub fn message(self) -> &'static str {
        match self {
            Warning::VideoIdMissing => "The server answered without a videoId; later pieces are sent without one.",
        }
    }
}

/// Where the pieces come from.
#[derive(Debug, Clone)]
enum Source {
    /// A file of known size, cut by its plan; `next` is the first piece not acknowledged.
    File { plan: ChunkPlan, next: u32 },
    /// A stream of blobs of unknown total size.
    Stream(Stream),
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    /// A file upload not started yet.
    Idle,
    /// Free to send the next piece (when there is one and the upload is not paused).
    Ready,
    /// A piece is on the wire. `resent`: an earlier attempt at it may have landed;
    /// `body_sent`: every byte of its body has left, so only its answer is pending.
    Sending { id: u32, piece: Piece, resent: bool, body_sent: bool },
    /// A retry is due after `ms`.
    BackoffDue { ms: f64 },
    Sleeping { id: u32 },
    /// The access token must be renewed before the piece is sent again.
    RefreshDue,
    Refreshing { id: u32 },
    /// The completing piece landed but its answer was lost: read the Video.
    FetchDue { piece: Piece },
    Fetching { id: u32, piece: Piece },
    Complete { answered: bool, reported: bool },
    Failed { error: UploadError, reported: bool },
}

/// One upload, from its first piece to the completing one.
#[derive(Clone)]
pub struct Machine {
    options: UploadOptions,
    url: String,
    file_name: String,
    video_id: Option<String>,
    source: Source,
    state: State,
    paused: bool,
    /// The head piece has been sent before (its fate may be unknown).
    sent_before: bool,
    warned: bool,
    last_id: u32,
    attempts: Attempts,
    /// A few events at most between two polls: a Vec is queue enough, and smaller.
    events: Vec<Event>,
}

impl core::fmt::Debug for Machine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Machine")
            .field("source", &self.source)
            .field("state", &self.state)
            .field("video_id", &self.video_id)
            .field("paused", &self.paused)
            .finish_non_exhaustive()
    }
}

impl Machine {
    /// An upload of a file of `file_size` bytes named `file_name` (the title unless
    /// `video_name` is set). It waits for [`Machine::start`]. `seed` seeds retry jitter.
    pub fn file(options: &UploadOptions, file_size: u64, file_name: &str, seed: u64) -> Result<Machine, UploadError> {
        options.validate()?;
        let plan = ChunkPlan::new(file_size, options.chunk_size)?;
        let name = options.video_name.as_deref().filter(|n| !n.is_empty()).unwrap_or(file_name);
        Ok(Machine::new(options, Source::File { plan, next: 0 }, name, State::Idle, seed))
    }

    /// A progressive upload of a stream, fed by [`Machine::push`] and closed by
    /// [`Machine::push_last`]. `videoName` defaults to `file`, as in the official uploader.
    pub fn stream(options: &UploadOptions, prevent_empty_parts: bool, merge_small_parts: bool, seed: u64) -> Result<Machine, UploadError> {
        options.validate()?;
        let name = options.video_name.as_deref().unwrap_or_default();
        let source = Source::Stream(Stream::new(prevent_empty_parts, merge_small_parts));
        Ok(Machine::new(options, source, name, State::Ready, seed))
    }

    fn new(options: &UploadOptions, source: Source, name: &str, state: State, seed: u64) -> Machine {
        Machine {
            options: options.clone(),
            url: options.upload_url(),
            file_name: if name.is_empty() { "file".to_owned() } else { name.to_owned() },
            video_id: options.video_id.clone().filter(|id| !id.is_empty()),
            source,
            state,
            paused: false,
            sent_before: false,
            warned: false,
            last_id: 0,
            attempts: Attempts::new(options.retries, seed),
            events: Vec::new(),
        }
    }

    /// Continues, before [`Machine::start`], a file upload an earlier page began: into
    /// `video_id`, from piece `acknowledged` on (the server has those before it). The first
    /// piece sent may also have landed (its answer was lost with that page), so it counts as
    /// sent before: "part already sent", or "already uploaded" for the completing piece, means
    /// it landed. Returns false, changing nothing, when there is no such piece or the upload
    /// has started.
    pub fn continue_from(&mut self, video_id: &str, acknowledged: u32) -> bool {
        match (&mut self.source, &self.state) {
            (Source::File { plan, next }, State::Idle) if acknowledged < plan.count() && !video_id.is_empty() => {
                *next = acknowledged;
                self.video_id = Some(video_id.to_owned());
                self.sent_before = true;
                true
            }
            _ => false,
        }
    }

    /// Replaces the default retry policy with `strategy`.
    pub fn set_retry_strategy(&mut self, strategy: RetryStrategy) {
        self.attempts.set_strategy(strategy);
    }

    /// The chunk plan of a file upload.
    pub fn plan(&self) -> Option<&ChunkPlan> {
        match &self.source {
            Source::File { plan, .. } => Some(plan),
            Source::Stream(_) => None,
        }
    }

    /// The video id, once known (given in the options or returned by the first piece).
    pub fn video_id(&self) -> Option<&str> {
        self.video_id.as_deref()
    }

    /// Whether the upload is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Whether the upload completed.
    pub fn is_complete(&self) -> bool {
        matches!(self.state, State::Complete { .. })
    }

    /// The error that ended the upload, while it stands.
    pub fn failure(&self) -> Option<&UploadError> {
        match &self.state {
            State::Failed { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The id of the request whose outcome the machine awaits. The shell aborts any other.
    pub fn awaiting(&self) -> Option<u32> {
        match self.state {
            State::Sending { id, .. } | State::Refreshing { id } | State::Fetching { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The piece on the wire.
    pub fn in_flight(&self) -> Option<Piece> {
        match self.state {
            State::Sending { piece, .. } => Some(piece),
            _ => None,
        }
    }

    /// (Re)starts a file upload: a new one, one that failed or was cancelled (it continues
    /// the same video from the first piece not acknowledged, with a fresh retry budget), or
    /// a complete one (reported complete again). An explicit start also ends a pause:
    /// returns whether it did.
    pub fn start(&mut self) -> Result<bool, UploadError> {
        match &mut self.state {
            State::Idle | State::Failed { .. } => {
                self.state = State::Ready;
                self.attempts.reset();
            }
            State::Complete { reported, .. } => *reported = false,
            _ => return Err(UploadError::AlreadyUploading),
        }
        Ok(core::mem::replace(&mut self.paused, false))
    }

    /// Pauses: no new piece starts. A piece still sending its body is given up (the shell
    /// aborts it, and it is sent again on resume); a piece whose body has all left is let
    /// finish, since the server may already hold it. Returns false if already paused or over.
    pub fn pause(&mut self) -> bool {
        if self.paused || matches!(self.state, State::Complete { .. } | State::Failed { .. }) {
            return false;
        }
        self.paused = true;
        match self.state {
            State::Sending { body_sent: false, .. } | State::BackoffDue { .. } | State::Sleeping { .. } => self.state = State::Ready,
            _ => {}
        }
        true
    }

    /// Resumes after [`Machine::pause`], with a fresh retry budget for the piece: a pause
    /// (the user's, or the shell's when the browser went offline) ends whatever was failing,
    /// and retries spent while the network was gone say nothing of the server. Returns false
    /// if not paused.
    pub fn resume(&mut self) -> bool {
        let resumed = core::mem::replace(&mut self.paused, false);
        if resumed {
            self.attempts.reset();
        }
        resumed
    }

    /// Cancels: the upload fails with [`UploadError::Aborted`] at once, and the shell aborts
    /// what is in flight. A file upload can be started again. Returns false when over.
    pub fn cancel(&mut self) -> bool {
        if matches!(self.state, State::Complete { .. } | State::Failed { .. }) {
            return false;
        }
        self.fail(UploadError::Aborted);
        true
    }

    /// A stream's next blob of `size` bytes: buffered, and the part it completes, if any,
    /// is queued. Fails once the upload failed or was closed.
    pub fn push(&mut self, size: u64) -> Result<Option<Part>, UploadError> {
        let stream = self.open_stream()?;
        Ok(stream.push(size))
    }

    /// A stream's last blob: everything buffered makes the closing part.
    pub fn push_last(&mut self, size: u64) -> Result<Part, UploadError> {
        let stream = self.open_stream()?;
        Ok(stream.push_last(size))
    }

    fn open_stream(&mut self) -> Result<&mut Stream, UploadError> {
        if let State::Failed { error, .. } = &self.state {
            return Err(error.clone());
        }
        match &mut self.source {
            Source::Stream(stream) if !stream.is_closed() => Ok(stream),
            _ => Err(UploadError::InvalidOption { name: "uploadLastPart", detail: "the upload is already closed".into() }),
        }
    }

    /// Records upload progress of the piece in flight (`loaded` of `body_total` multipart
    /// bytes) and returns where the file upload stands. `None` for a stale `id`.
    pub fn progress(&mut self, id: u32, loaded: u64, body_total: u64) -> Option<Progress> {
        let piece = self.record_progress(id, loaded, body_total)?;
        let plan = self.plan()?;
        Some(Progress::in_flight(plan, &piece, loaded, body_total))
    }

    /// As [`Machine::progress`], for a stream's part.
    pub fn part_progress(&mut self, id: u32, loaded: u64, body_total: u64) -> Option<PartProgress> {
        let piece = self.record_progress(id, loaded, body_total)?;
        let uploaded_bytes = scale(loaded, body_total, piece.len());
        Some(PartProgress { part: piece.range.part, uploaded_bytes, total_bytes: piece.len() })
    }

    fn record_progress(&mut self, id: u32, loaded: u64, body_total: u64) -> Option<Piece> {
        match &mut self.state {
            State::Sending { id: current, piece, body_sent, .. } if *current == id => {
                *body_sent |= body_total > 0 && loaded >= body_total;
                Some(*piece)
            }
            _ => None,
        }
    }

    /// The next event for listeners.
    pub fn poll_event(&mut self) -> Option<Event> {
        (!self.events.is_empty()).then(|| self.events.remove(0))
    }

    fn next_id(&mut self) -> u32 {
        self.last_id = self.last_id.wrapping_add(1);
        self.last_id
    }

    fn head(&self) -> Option<Piece> {
        match &self.source {
            Source::File { plan, next } => plan.chunk(*next),
            Source::Stream(stream) => stream.head().map(|part| part.piece()),
        }
    }

    /// What to do now. Always has an answer.
    pub fn poll(&mut self) -> Step {
        match &mut self.state {
            State::Idle | State::Sending { .. } | State::Sleeping { .. } | State::Refreshing { .. } | State::Fetching { .. } => Step::Wait,
            State::Complete { reported: true, .. } | State::Failed { reported: true, .. } => Step::Wait,
            State::Complete { answered, reported } => {
                *reported = true;
                Step::Complete { video_id: self.video_id.clone(), answered: *answered }
            }
            State::Failed { error, reported } => {
                *reported = true;
                Step::Failed(error.clone())
            }
            State::BackoffDue { ms } => {
                let ms = *ms;
                let id = self.next_id();
                self.state = State::Sleeping { id };
                Step::Sleep { id, ms }
            }
            State::RefreshDue => {
                let id = self.next_id();
                self.state = State::Refreshing { id };
                Step::Send(self.refresh_request(id))
            }
            State::FetchDue { piece } => {
                let piece = *piece;
                let id = self.next_id();
                self.state = State::Fetching { id, piece };
                let url = self.options.video_url(self.video_id.as_deref().unwrap_or_default());
                Step::Send(Request { id, method: "GET", url, headers: self.options.headers(), body: Body::Empty })
            }
            State::Ready => {
                let Some(piece) = self.head().filter(|_| !self.paused) else { return Step::Wait };
                let id = self.next_id();
                let resent = core::mem::replace(&mut self.sent_before, true);
                self.state = State::Sending { id, piece, resent, body_sent: false };
                Step::Send(Request {
                    id,
                    method: "POST",
                    url: self.url.clone(),
                    headers: self.options.headers(),
                    body: Body::Piece {
                        piece,
                        content_range: piece.range.header(),
                        video_id: self.video_id.clone(),
                        file_name: self.file_name.clone(),
                        attempt: self.attempts.retries(),
                    },
                })
            }
        }
    }

    fn refresh_request(&self, id: u32) -> Request {
        let refresh = match &self.options.credentials {
            Credentials::AccessToken { refresh_token: Some(refresh), .. } => refresh.as_str(),
            _ => "",
        };
        let mut body = String::from("{\"refreshToken\":\"");
        push_json_escaped(&mut body, refresh);
        body.push_str("\"}");
        let headers = self.options.headers().into_iter().filter(|(name, _)| *name != "Authorization").collect();
        Request { id, method: "POST", url: self.options.refresh_url(), headers, body: Body::Json(body) }
    }

    /// A timer from [`Step::Sleep`] fired.
    pub fn wake(&mut self, id: u32) {
        if self.state == (State::Sleeping { id }) {
            self.state = State::Ready;
        }
    }

    /// Hands back the outcome of request `id`. The outcome of a request the machine no
    /// longer awaits is ignored.
    pub fn handle(&mut self, id: u32, outcome: Outcome) {
        match core::mem::replace(&mut self.state, State::Ready) {
            State::Sending { id: current, piece, resent, .. } if current == id => self.handle_piece(piece, resent, outcome),
            State::Refreshing { id: current } if current == id => self.handle_refresh(outcome),
            State::Fetching { id: current, piece } if current == id => {
                let answered = matches!(&outcome, Outcome::Answered(answer) if answer.is_success());
                self.complete(piece, answered);
            }
            stale => self.state = stale,
        }
    }

    fn handle_piece(&mut self, piece: Piece, resent: bool, outcome: Outcome) {
        let returned = match &outcome {
            Outcome::Answered(answer) => answer.video_id.clone().filter(|id| !id.is_empty()),
            _ => None,
        };
        let can_refresh = matches!(&self.options.credentials, Credentials::AccessToken { refresh_token: Some(_), .. });
        match self.attempts.judge(outcome, resent, piece.is_last(), can_refresh) {
            Verdict::Landed { answered } => {
                // A known id stays: a body naming another does not change it.
                if answered && self.video_id.is_none() {
                    match returned {
                        Some(id) => self.video_id = Some(id),
                        None if !self.warned => {
                            self.warned = true;
                            self.events.push(Event::Warning(Warning::VideoIdMissing));
                        }
                        None => {}
                    }
                }
                self.attempts.reset();
                self.sent_before = false;
                match &mut self.source {
                    Source::File { next, .. } => *next = piece.index + 1,
                    Source::Stream(stream) => stream.pop(),
                }
                if !piece.is_last() {
                    self.events.push(Event::Acknowledged { piece, answered });
                } else if !answered && self.options.can_read_videos() && self.video_id.is_some() {
                    self.state = State::FetchDue { piece };
                } else {
                    self.complete(piece, answered);
                }
            }
            Verdict::Retry { delay_ms, attempt, reason, error } => {
                self.events.push(Event::Retry { attempt, delay_ms, reason, error });
                if !self.paused {
                    self.state = State::BackoffDue { ms: delay_ms };
                }
            }
            Verdict::Refresh => self.state = State::RefreshDue,
            Verdict::Failed(error) => self.fail(error),
        }
    }

    fn handle_refresh(&mut self, outcome: Outcome) {
        let error = match outcome {
            Outcome::Answered(answer) if answer.is_success() => match answer.tokens {
                Some((access_token, refresh_token)) => {
                    self.options.credentials = Credentials::AccessToken { access_token, refresh_token: Some(refresh_token) };
                    return;
                }
                None => UploadError::InvalidResponse { status: answer.status, detail: "no tokens in the refresh answer".into(), raw: answer.raw },
            },
            Outcome::Answered(answer) => UploadError::Http { status: answer.status, problem: answer.problem, raw: answer.raw },
            Outcome::Network => UploadError::Network,
            Outcome::Timeout => UploadError::Timeout,
            Outcome::Aborted => UploadError::Aborted,
            Outcome::Refused(detail) => UploadError::Browser { detail },
        };
        self.fail(error);
    }

    fn complete(&mut self, piece: Piece, answered: bool) {
        self.events.push(Event::Acknowledged { piece, answered });
        self.state = State::Complete { answered, reported: false };
    }

    fn fail(&mut self, error: UploadError) {
        if let Source::Stream(stream) = &mut self.source {
            // Later parts would leave a gap the video could never close.
            stream.clear();
        }
        self.state = State::Failed { error, reported: false };
    }
}

#[cfg(test)]
mod tests;
