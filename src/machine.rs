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
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use crate::attempts::{Attempts, Tries, Verdict};
use crate::codes::warning as warnings;
use crate::error::UploadError;
use crate::options::{Credentials, UploadOptions};
use crate::plan::ChunkPlan;
use crate::progress::{scale, PartProgress, Progress};
use crate::request::{Body, Outcome, Piece, Request};
use crate::retry::{RetryReason, RetryStrategy};
use crate::stream::{Part, Stream};
use crate::text::push_json_escaped;
use crate::watchdog::Watchdogs;

/// What the shell does next.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Step {
    /// Perform this request and hand its outcome to [`Machine::handle`].
    Send(Request),
    /// Call [`Machine::wake`] with `id` after `ms` milliseconds: a retry's backoff, or a
    /// request's stall watchdog. A timer the machine no longer needs
    /// ([`Machine::needs_timer`]) may be cleared; waking it changes nothing.
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
    /// The upload failed. Reported once. The machine keeps the error (shared, not copied):
    /// a stream's later parts are refused with it.
    Failed(Rc<UploadError>),
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
        /// Where a file upload stands now (`None` for a stream's part).
        standing: Option<Standing>,
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

/// Where a file upload stands once a chunk has landed: what its `chunk` event and the
/// progress report of that landing tell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    /// Chunks in the plan (with adaptive sizes, an estimate until the last is cut).
    pub chunks_count: u32,
    /// How many of the first chunks the server has, all of them, and where they end (see
    /// [`Machine::leading_acknowledged`]).
    pub leading: (u32, u64),
    /// The bytes of every chunk the server has.
    pub uploaded_bytes: u64,
    /// The size of the chunks cut from now on.
    pub chunks_bytes: u64,
    /// How many chunks were cut.
    pub started: u32,
    /// The progress of the upload, with the landed chunk as the current one.
    pub progress: Progress,
}

/// A condition that does not stop the upload, with a stable code. Each is numbered by its
/// place in the declaration's `warnings`, which is what the package's wasm gives JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Warning {
    /// A success answer had no `videoId`, so later pieces go without one, as the official
    /// uploader sends them. api.video always sends it; mocks and proxies may not.
    VideoIdMissing = warnings::VIDEO_ID_MISSING_IN_RESPONSE,
    /// The video an earlier page's record named is gone (404) or may not be written with
    /// these credentials (403): the record is worthless, and the upload starts again into a
    /// new video (once).
    ResumedVideoGone = warnings::RESUMED_VIDEO_GONE,
}

impl Warning {
    /// The stable code JavaScript sees.
    pub fn code(self) -> &'static str {
        warnings::NAMES[self as usize]
    }

    /// What it means.
    pub fn message(self) -> &'static str {
        match self {
            Warning::VideoIdMissing => "The server answered without a videoId; later pieces are sent without one.",
            Warning::ResumedVideoGone => "The video this upload was continuing is gone or cannot be written to; the upload starts again into a new video.",
        }
    }
}

/// Where the pieces come from.
#[derive(Debug, Clone)]
enum Source {
    /// A file of known size, cut by its plan (which knows the pieces started). `acked_bytes`:
    /// the bytes of the pieces the server has.
    File { plan: ChunkPlan, acked_bytes: u64 },
    /// A stream of blobs of unknown total size, one part at a time.
    Stream(Stream),
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    /// A file upload not started yet.
    Idle,
    /// Pieces go out as the plan, `parallelParts` and the pause allow.
    Running,
    /// The access token must be renewed before more pieces are sent.
    RefreshDue,
    Refreshing { id: u32 },
    /// The completing piece landed but its answer was lost: read the Video.
    FetchDue { piece: Piece },
    Fetching { id: u32, piece: Piece },
    Complete { answered: bool, reported: bool },
    Failed { error: Rc<UploadError>, reported: bool },
}

/// A piece started and not yet acknowledged.
#[derive(Debug, Clone, PartialEq)]
struct Flight {
    piece: Piece,
    /// It has been sent before (or an earlier page may have sent it): its fate may be
    /// unknown, so "part already sent" means it landed.
    sent: bool,
    tries: Tries,
    phase: Phase,
    /// Its file bytes sent in the current attempt, as upload progress tells.
    loaded: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    /// To be sent: for the first time, or again after a pause, a backoff or a refresh.
    Due,
    /// On the wire. `resent`: an earlier attempt may have landed; `body_sent`: every byte of
    /// its body has left, so only its answer is pending.
    Sending { id: u32, resent: bool, body_sent: bool },
    /// A retry is due after `ms`.
    BackoffDue { ms: f64 },
    Sleeping { id: u32 },
}

/// One upload, from its first piece to the completing one.
#[derive(Clone)]
pub struct Machine {
    options: UploadOptions,
    url: String,
    file_name: String,
    video_id: Option<String>,
    /// The video is this upload's own: the answer to its first piece made it.
    made_video: bool,
    source: Source,
    state: State,
    paused: bool,
    /// The pause is the network's ([`Machine::offline`]): coming back online ends it.
    offline: bool,
    flights: Vec<Flight>,
    watchdogs: Watchdogs,
    /// The pieces an earlier page may have sent (see [`Machine::continue_from`]).
    sent_before: core::ops::Range<u32>,
    /// The plan as it was before [`Machine::continue_from`] skipped what an earlier page had
    /// sent: where the upload starts again if that page's video is gone. Taken once.
    fresh_plan: Option<ChunkPlan>,
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
            .field("flights", &self.flights)
            .field("video_id", &self.video_id)
            .field("paused", &self.paused)
            .finish_non_exhaustive()
    }
}

/// The plan of a file of `file_size` bytes, sent `connections` at once. Not inlined:
/// [`Machine::file`] and [`Machine::continue_from`] share one copy in the wasm.
#[inline(never)]
fn plan_of(options: &UploadOptions, file_size: u64, connections: u32) -> Result<ChunkPlan, UploadError> {
    let mut plan = if options.auto_chunk_size { ChunkPlan::adaptive(file_size) } else { ChunkPlan::new(file_size, options.chunk_size) }?;
    plan.shape(connections);
    Ok(plan)
}

/// [`UploadOptions::validate`], except in the npm package's wasm: there the entry has
/// checked every value already, by the rules `src/contract.json` declares (which cargo test
/// holds `validate` to), and the same rules twice would ship twice.
#[inline(always)]
fn validate(options: &UploadOptions) -> Result<(), UploadError> {
    #[cfg(any(feature = "rust-api", not(target_arch = "wasm32")))]
    options.validate()?;
    #[cfg(not(any(feature = "rust-api", not(target_arch = "wasm32"))))]
    let _ = options;
    Ok(())
}

impl Machine {
    /// An upload of a file of `file_size` bytes named `file_name` (the title unless
    /// `video_name` is set). It waits for [`Machine::start`]. `seed` seeds retry jitter.
    pub fn file(options: &UploadOptions, file_size: u64, file_name: &str, seed: u64) -> Result<Machine, UploadError> {
        validate(options)?;
        let plan = plan_of(options, file_size, options.parallel_parts)?;
        let name = options.video_name.as_deref().filter(|n| !n.is_empty()).unwrap_or(file_name);
        Ok(Machine::new(options, Source::File { plan, acked_bytes: 0 }, name, State::Idle, seed))
    }

    /// A progressive upload of a stream, fed by [`Machine::push`] and closed by
    /// [`Machine::push_last`]. `videoName` defaults to `file`, as in the official uploader.
    /// Its parts go one at a time, in order, whatever `parallel_parts` says.
    pub fn stream(options: &UploadOptions, prevent_empty_parts: bool, merge_small_parts: bool, seed: u64) -> Result<Machine, UploadError> {
        validate(options)?;
        let name = options.video_name.as_deref().unwrap_or_default();
        let source = Source::Stream(Stream::new(prevent_empty_parts, merge_small_parts));
        Ok(Machine::new(options, source, name, State::Running, seed))
    }

    fn new(options: &UploadOptions, source: Source, name: &str, state: State, seed: u64) -> Machine {
        Machine {
            options: options.clone(),
            url: options.upload_url(),
            file_name: if name.is_empty() { "file".to_owned() } else { name.to_owned() },
            video_id: options.video_id.clone().filter(|id| !id.is_empty()),
            made_video: false,
            source,
            state,
            paused: false,
            offline: false,
            flights: Vec::new(),
            watchdogs: Watchdogs::default(),
            sent_before: 0..0,
            fresh_plan: None,
            warned: false,
            last_id: 0,
            attempts: Attempts::new(options.retries, seed),
            events: Vec::new(),
        }
    }

    /// Takes a new upload token (an app's token provider gave it, after the last one was
    /// refused): every request from now on carries it. Nothing changes for other credentials,
    /// or when `token` is empty.
    pub fn set_upload_token(&mut self, token: &str) {
        if let Credentials::UploadToken(current) = &mut self.options.credentials {
            if !token.is_empty() {
                *current = token.into();
                self.url = self.options.upload_url();
            }
        }
    }

    /// Continues, before [`Machine::start`], a file upload an earlier page began: into
    /// `video_id`, after the first `acknowledged` pieces, which the server has and which end
    /// at byte `bytes`, when that page had cut `cut` pieces, all from there of `size` bytes
    /// (`None`: this upload's own numbers, which only pieces of a fixed size have; see
    /// [`ChunkPlan::skip`]), sending `connections` at once (`None`: a record from before
    /// plans were shaped for their connections, cut as for one): the pieces are cut as that
    /// page cut them. The pieces that page may have sent may have landed, their
    /// answers lost with it, so they count as sent before: "part already sent", or "already
    /// uploaded" for the completing piece, means it landed. Returns false, changing nothing,
    /// when those cannot be this upload's pieces, nothing is left to send, or the upload has
    /// started.
    pub fn continue_from(&mut self, video_id: &str, acknowledged: u32, bytes: Option<u64>, size: Option<u64>, cut: Option<u32>, connections: Option<u32>) -> bool {
        let Source::File { plan, acked_bytes } = &mut self.source else { return false };
        let fresh = *plan;
        if !matches!(self.state, State::Idle) || video_id.is_empty() {
            return false;
        }
        // The size passed before: the plan can be made again.
        *plan = plan_of(&self.options, plan.file_size(), connections.unwrap_or(1)).unwrap_or(fresh);
        if !plan.skip(acknowledged, bytes, size, cut) {
            *plan = fresh;
            return false;
        }
        // Only a video the record named, not one the options name, is given up for a new one.
        if self.video_id.is_none() {
            self.fresh_plan = Some(fresh);
        }
        *acked_bytes = plan.cut_so_far().1;
        self.video_id = Some(video_id.to_owned());
        self.sent_before = acknowledged..plan.held_until();
        true
    }

    /// A request that goes `ms` without progress or an answer ends as a timeout; `None`
    /// waits for ever. Takes effect from the next request or progress.
    pub fn set_stall_timeout(&mut self, ms: Option<u32>) {
        self.options.stall_timeout_ms = ms.filter(|ms| *ms > 0);
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

    /// Whether the machine awaits the outcome of request `id`. The shell aborts any other.
    pub fn awaits(&self, id: u32) -> bool {
        match self.state {
            State::Refreshing { id: current } | State::Fetching { id: current, .. } if current == id => true,
            State::Complete { .. } | State::Failed { .. } => false,
            _ => self.flights.iter().any(|flight| matches!(flight.phase, Phase::Sending { id: current, .. } if current == id)),
        }
    }

    /// The id of a request whose outcome the machine awaits (the first, when pieces are
    /// sent in parallel).
    pub fn awaiting(&self) -> Option<u32> {
        match self.state {
            State::Refreshing { id } | State::Fetching { id, .. } => Some(id),
            State::Complete { .. } | State::Failed { .. } => None,
            _ => self.flights.iter().find_map(|flight| match flight.phase {
                Phase::Sending { id, .. } => Some(id),
                _ => None,
            }),
        }
    }

    /// A piece on the wire (the first, when pieces are sent in parallel).
    pub fn in_flight(&self) -> Option<Piece> {
        self.flights.iter().find(|flight| matches!(flight.phase, Phase::Sending { .. })).map(|flight| flight.piece)
    }

    /// (Re)starts a file upload: a new one, one that failed or was cancelled (it continues
    /// the same video with the pieces not acknowledged, with fresh retry budgets), or a
    /// complete one (reported complete again). An explicit start also ends a pause: returns
    /// whether it did.
    pub fn start(&mut self) -> Result<bool, UploadError> {
        match &mut self.state {
            State::Idle | State::Failed { .. } => {
                self.state = State::Running;
                self.fresh_budgets();
            }
            State::Complete { reported, .. } => *reported = false,
            _ => return Err(UploadError::AlreadyUploading),
        }
        self.offline = false;
        Ok(core::mem::replace(&mut self.paused, false))
    }

    fn fresh_budgets(&mut self) {
        for flight in &mut self.flights {
            flight.tries = Tries::default();
        }
    }

    /// Pauses: no new piece starts. A piece still sending its body is given up (the shell
    /// aborts it, and it is sent again on resume); a piece whose body has all left is let
    /// finish, since the server may already hold it. Returns false if already paused or over.
    /// A pause while offline becomes the user's: coming back online does not end it.
    pub fn pause(&mut self) -> bool {
        self.offline = false;
        self.hold()
    }

    fn hold(&mut self) -> bool {
        if self.paused || matches!(self.state, State::Complete { .. } | State::Failed { .. }) {
            return false;
        }
        self.paused = true;
        for flight in &mut self.flights {
            if !matches!(flight.phase, Phase::Sending { body_sent: true, .. }) {
                flight.phase = Phase::Due;
                flight.loaded = 0;
            }
        }
        true
    }

    /// Resumes after [`Machine::pause`], with fresh retry budgets for the pieces: a pause
    /// (the user's, or the shell's when the browser went offline) ends whatever was failing,
    /// and retries spent while the network was gone say nothing of the server. Returns false
    /// if not paused.
    pub fn resume(&mut self) -> bool {
        self.offline = false;
        let resumed = core::mem::replace(&mut self.paused, false);
        if resumed {
            self.fresh_budgets();
        }
        resumed
    }

    /// The browser went offline: a running upload pauses as [`Machine::pause`] does, so that
    /// no retry is spent on a network that is gone, until [`Machine::online`]. Returns
    /// whether it paused (not when paused already, not started, or over).
    pub fn offline(&mut self) -> bool {
        if matches!(self.state, State::Idle) || !self.hold() {
            return false;
        }
        self.offline = true;
        true
    }

    /// The browser is back online: a pause that [`Machine::offline`] made ends at once, with
    /// no backoff left to wait out. Returns whether it resumed.
    pub fn online(&mut self) -> bool {
        self.offline && self.resume()
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
    pub fn push(&mut self, size: u64) -> Result<Option<Part>, Rc<UploadError>> {
        let stream = self.open_stream()?;
        Ok(stream.push(size))
    }

    /// A stream's last blob: everything buffered makes the closing part.
    pub fn push_last(&mut self, size: u64) -> Result<Part, Rc<UploadError>> {
        let stream = self.open_stream()?;
        Ok(stream.push_last(size))
    }

    fn open_stream(&mut self) -> Result<&mut Stream, Rc<UploadError>> {
        if let State::Failed { error, .. } = &self.state {
            return Err(Rc::clone(error));
        }
        match &mut self.source {
            Source::Stream(stream) if !stream.is_closed() => Ok(stream),
            _ => Err(Rc::new(UploadError::InvalidOption { name: "uploadLastPart", detail: "the upload is already closed".into() })),
        }
    }

    /// Records upload progress of piece request `id` (`loaded` of `body_total` multipart
    /// bytes) and returns where the file upload stands. `None` for a stale `id`.
    /// Progress re-arms the request's stall watchdog.
    pub fn progress(&mut self, id: u32, loaded: u64, body_total: u64) -> Option<Progress> {
        let piece = self.record_progress(id, loaded, body_total)?;
        self.progress_of(&piece)
    }

    /// How many of the first pieces of a file the server has, all of them, and where they
    /// end: where an upload continued from an earlier page begins (pieces land out of order
    /// in parallel, but start in order, so every piece before the first on its way has
    /// landed). With [`ChunkPlan::cut_so_far`] and [`ChunkPlan::chunk_size`], what
    /// [`Machine::continue_from`] needs.
    pub fn leading_acknowledged(&self) -> (u32, u64) {
        match &self.source {
            Source::File { plan, .. } => {
                let first = self.flights.iter().map(|flight| flight.piece).min_by_key(|piece| piece.index);
                first.map_or_else(|| plan.cut_so_far(), |piece| (piece.index, piece.start))
            }
            Source::Stream(_) => (0, 0),
        }
    }

    /// The bytes of every piece of a file the server has.
    pub fn acknowledged_bytes(&self) -> u64 {
        match &self.source {
            Source::File { acked_bytes, .. } => *acked_bytes,
            Source::Stream(_) => 0,
        }
    }

    /// Where the file upload stands once `piece` is acknowledged.
    fn standing(&self, piece: &Piece) -> Option<Standing> {
        let plan = self.plan()?;
        Some(Standing {
            chunks_count: plan.count(),
            leading: self.leading_acknowledged(),
            uploaded_bytes: self.acknowledged_bytes(),
            chunks_bytes: plan.chunk_size(),
            started: plan.cut_so_far().0,
            progress: self.progress_of(piece)?,
        })
    }

    /// The acknowledged bytes and those of the pieces on the wire, with `piece` as the
    /// current chunk.
    fn progress_of(&self, piece: &Piece) -> Option<Progress> {
        let Source::File { plan, acked_bytes, .. } = &self.source else { return None };
        let on_wire: u64 = self.flights.iter().map(|flight| flight.loaded).sum();
        let current = self.flights.iter().find(|flight| flight.piece.index == piece.index).map_or(piece.len(), |flight| flight.loaded);
        Some(Progress::at_bytes(plan, piece, (acked_bytes + on_wire).min(plan.file_size()), current))
    }

    /// As [`Machine::progress`], for a stream's part.
    pub fn part_progress(&mut self, id: u32, loaded: u64, body_total: u64) -> Option<PartProgress> {
        let piece = self.record_progress(id, loaded, body_total)?;
        let uploaded_bytes = scale(loaded, body_total, piece.len());
        Some(PartProgress { part: piece.range.part, uploaded_bytes, total_bytes: piece.len() })
    }

    fn record_progress(&mut self, id: u32, loaded: u64, body_total: u64) -> Option<Piece> {
        let flight = self.flights.iter_mut().find(|flight| matches!(flight.phase, Phase::Sending { id: current, .. } if current == id))?;
        if self.options.stall_timeout_ms.is_some() {
            self.watchdogs.restart(id);
        }
        if let Phase::Sending { body_sent, .. } = &mut flight.phase {
            *body_sent |= body_total > 0 && loaded >= body_total;
        }
        flight.loaded = scale(loaded, body_total, flight.piece.len());
        Some(flight.piece)
    }

    /// The next event for listeners.
    pub fn poll_event(&mut self) -> Option<Event> {
        (!self.events.is_empty()).then(|| self.events.remove(0))
    }

    fn next_id(&mut self) -> u32 {
        self.last_id = self.last_id.wrapping_add(1);
        self.last_id
    }

    /// The id of a request about to be sent, whose stall watchdog starts with it.
    fn request_id(&mut self) -> u32 {
        let id = self.next_id();
        if self.options.stall_timeout_ms.is_some() {
            self.watchdogs.restart(id);
        }
        id
    }

    /// Whether timer `id` (of a [`Step::Sleep`]) still matters: a backoff not over, or a
    /// watchdog of a request on the wire. The shell may clear any other.
    pub fn needs_timer(&self, id: u32) -> bool {
        self.watchdogs.watched_by(id).is_some_and(|request| self.awaits(request)) || self.flights.iter().any(|flight| flight.phase == Phase::Sleeping { id })
    }

    /// A piece to start now, if the plan, the others on the wire and `parallel_parts` allow:
    /// the first piece goes alone (its answer names the video), then up to `parallel_parts`
    /// at once, and the completing piece last, once every other is acknowledged (so that the
    /// server does not complete the video early). A stream's parts go one at a time.
    fn next_piece(&mut self) -> Option<Piece> {
        let flying = self.flights.len() as u32;
        match &mut self.source {
            Source::File { plan, .. } => {
                let piece = plan.peek()?;
                let room = if self.video_id.is_none() { 1 } else { self.options.parallel_parts.max(1) };
                // Pieces start in order and stay in flight until acknowledged, so none in
                // flight means every piece before the completing one is acknowledged. A new
                // size waits for the same.
                let waits = (piece.is_last() || plan.unsettled()) && flying > 0;
                if flying >= room || waits {
                    return None;
                }
                plan.settle();
                plan.cut()
            }
            Source::Stream(stream) => stream.head().filter(|_| flying == 0).map(|part| part.piece()),
        }
    }

    /// What to do now. Always has an answer.
    pub fn poll(&mut self) -> Step {
        let mut watchdogs = core::mem::take(&mut self.watchdogs);
        watchdogs.retain(|id| self.awaits(id));
        let candidate = self.last_id.wrapping_add(1);
        let armed = watchdogs.arm(|| candidate);
        self.watchdogs = watchdogs;
        if let (Some(id), Some(ms)) = (armed, self.options.stall_timeout_ms) {
            self.last_id = id;
            return Step::Sleep { id, ms: f64::from(ms) };
        }
        match &mut self.state {
            State::Idle | State::Refreshing { .. } | State::Fetching { .. } => Step::Wait,
            State::Complete { reported: true, .. } | State::Failed { reported: true, .. } => Step::Wait,
            State::Complete { answered, reported } => {
                *reported = true;
                Step::Complete { video_id: self.video_id.clone(), answered: *answered }
            }
            State::Failed { error, reported } => {
                *reported = true;
                Step::Failed(Rc::clone(error))
            }
            State::RefreshDue => {
                let id = self.request_id();
                self.state = State::Refreshing { id };
                Step::Send(self.refresh_request(id))
            }
            State::FetchDue { piece } => {
                let piece = *piece;
                let id = self.request_id();
                self.state = State::Fetching { id, piece };
                let url = self.options.video_url(self.video_id.as_deref().unwrap_or_default());
                Step::Send(Request { id, method: "GET", url, headers: self.options.headers(), body: Body::Empty })
            }
            State::Running => self.poll_pieces(),
        }
    }

    fn poll_pieces(&mut self) -> Step {
        if let Some(index) = self.flights.iter().position(|flight| matches!(flight.phase, Phase::BackoffDue { .. })) {
            let id = self.next_id();
            let Phase::BackoffDue { ms } = core::mem::replace(&mut self.flights[index].phase, Phase::Sleeping { id }) else { return Step::Wait };
            return Step::Sleep { id, ms };
        }
        if self.paused {
            return Step::Wait;
        }
        let due = match self.flights.iter().position(|flight| flight.phase == Phase::Due) {
            Some(index) => index,
            None => match self.next_piece() {
                Some(piece) => {
                    let sent = self.sent_before.contains(&piece.index);
                    self.flights.push(Flight { piece, sent, tries: Tries::default(), phase: Phase::Due, loaded: 0 });
                    self.flights.len() - 1
                }
                None => return Step::Wait,
            },
        };
        let id = self.request_id();
        let flight = &mut self.flights[due];
        let resent = core::mem::replace(&mut flight.sent, true);
        flight.phase = Phase::Sending { id, resent, body_sent: false };
        flight.loaded = 0;
        let (piece, attempt) = (flight.piece, flight.tries.retries);
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
                attempt,
            },
        })
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

    /// A timer from [`Step::Sleep`] fired. A watchdog's request has stalled: it ends as a
    /// timeout (see [`Machine::handle`]), and the shell aborts it.
    pub fn wake(&mut self, id: u32) {
        if let Some(request) = self.watchdogs.fired(id) {
            self.handle(request, Outcome::Timeout);
            return;
        }
        for flight in &mut self.flights {
            if flight.phase == (Phase::Sleeping { id }) {
                flight.phase = Phase::Due;
            }
        }
    }

    /// Hands back the outcome of request `id`. The outcome of a request the machine no
    /// longer awaits is ignored.
    pub fn handle(&mut self, id: u32, outcome: Outcome) {
        if !self.awaits(id) {
            return;
        }
        match self.state {
            State::Refreshing { id: current } if current == id => {
                self.state = State::Running;
                self.handle_refresh(outcome);
            }
            State::Fetching { id: current, piece } if current == id => {
                let answered = matches!(&outcome, Outcome::Answered(answer) if answer.is_success());
                self.complete(piece, answered);
            }
            _ => {
                if let Some(index) = self.flights.iter().position(|flight| matches!(flight.phase, Phase::Sending { id: current, .. } if current == id)) {
                    self.handle_piece(index, outcome);
                }
            }
        }
    }

    fn handle_piece(&mut self, index: usize, outcome: Outcome) {
        let (returned, elapsed_ms) = match &outcome {
            Outcome::Answered(answer) => (answer.video_id.clone().filter(|id| !id.is_empty()), answer.elapsed_ms),
            _ => (None, 0.0),
        };
        let can_refresh = matches!(&self.options.credentials, Credentials::AccessToken { refresh_token: Some(_), .. });
        let flight = &mut self.flights[index];
        let (piece, resent) = match flight.phase {
            Phase::Sending { resent, .. } => (flight.piece, resent),
            _ => return,
        };
        // The browser itself may have sent a first attempt twice: Chromium sends a request
        // again, unseen by the page, when a reused connection closes before any answer. Into
        // a video this upload made (its own first piece's answer named it: no one else knows
        // it), "already sent" can only be that, so the piece landed. Into a given or
        // continued video another writer may exist: there a first attempt told so fails loudly.
        let resent = resent || self.made_video;
        match self.attempts.judge(&mut flight.tries, outcome, resent, piece.is_last(), can_refresh) {
            Verdict::Landed { answered } => {
                self.flights.remove(index);
                // A known id stays: a body naming another does not change it.
                if answered && self.video_id.is_none() {
                    match returned {
                        Some(id) => {
                            self.video_id = Some(id);
                            self.made_video = true;
                        }
                        None if !self.warned => {
                            self.warned = true;
                            self.events.push(Event::Warning(Warning::VideoIdMissing));
                        }
                        None => {}
                    }
                }
                match &mut self.source {
                    Source::File { plan, acked_bytes } => {
                        *acked_bytes += piece.len();
                        // Only an answer of this attempt times the piece. A new size is taken on
                        // here when nothing else is on its way, so that the chunk event that
                        // follows tells the size of the pieces cut next.
                        if answered {
                            plan.adapt(piece.len(), elapsed_ms);
                        }
                        if self.flights.is_empty() {
                            plan.settle();
                        }
                    }
                    Source::Stream(stream) => stream.pop(),
                }
                if !piece.is_last() {
                    let standing = self.standing(&piece);
                    self.events.push(Event::Acknowledged { piece, answered, standing });
                } else if !answered && self.options.can_read_videos() && self.video_id.is_some() {
                    self.state = State::FetchDue { piece };
                } else {
                    self.complete(piece, answered);
                }
            }
            Verdict::Retry { delay_ms, attempt, reason, error } => {
                self.events.push(Event::Retry { attempt, delay_ms, reason, error });
                flight.loaded = 0;
                flight.phase = if self.paused { Phase::Due } else { Phase::BackoffDue { ms: delay_ms } };
            }
            Verdict::Refresh => {
                flight.loaded = 0;
                flight.phase = Phase::Due;
                if self.state == State::Running {
                    self.state = State::RefreshDue;
                }
            }
            Verdict::Failed(UploadError::Http { status: 403 | 404, .. }) if self.fresh_plan.is_some() => self.start_over(),
            Verdict::Failed(error) => self.fail(error),
        }
    }

    /// The recorded video is gone: everything from the earlier page is dropped, and the
    /// upload starts again from its first piece, into a new video.
    fn start_over(&mut self) {
        let Some(plan) = self.fresh_plan.take() else { return };
        self.source = Source::File { plan, acked_bytes: 0 };
        self.video_id = None;
        self.sent_before = 0..0;
        self.flights.clear();
        self.events.push(Event::Warning(Warning::ResumedVideoGone));
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
        self.flights.clear();
        let standing = self.standing(&piece);
        self.events.push(Event::Acknowledged { piece, answered, standing });
        self.state = State::Complete { answered, reported: false };
    }

    fn fail(&mut self, error: UploadError) {
        match &mut self.source {
            // Later parts would leave a gap the video could never close.
            Source::Stream(stream) => {
                stream.clear();
                self.flights.clear();
            }
            // The pieces not acknowledged go again on the next start.
            Source::File { .. } => {
                for flight in &mut self.flights {
                    flight.phase = Phase::Due;
                    flight.loaded = 0;
                }
            }
        }
        self.state = State::Failed { error: Rc::new(error), reported: false };
    }
}

#[cfg(test)]
mod tests;
