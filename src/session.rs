//! The upload as a sans-IO state machine.
//!
//! The shell asks [`Session::poll_request`] what to send, performs it however it likes
//! (XHR in the browser, anything in tests), reports upload progress through
//! [`Session::progress`] and hands the result to [`Session::handle_outcome`]. The session
//! never touches the network, the clock or the file.

use crate::error::{Problem, UploadError};
use crate::options::UploadOptions;
use crate::plan::{Chunk, ChunkPlan};
use crate::progress::Progress;

/// A request the shell must perform: POST `url` with a multipart body holding
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
    /// The `videoId` form field, sent before the file as the official uploader does.
    pub video_id: Option<String>,
    /// The multipart filename of the `file` field; it becomes the video title.
    pub file_name: String,
}

/// What became of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    },
    /// No response: the connection failed.
    Network,
    /// No response in time.
    Timeout,
    /// The request was aborted by the user.
    Aborted,
}

/// What the session does after an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The chunk was acknowledged and more remain: call [`Session::poll_request`] again.
    Continue(Progress),
    /// The last chunk was acknowledged: the upload is complete.
    Complete(Progress),
}

/// One file's upload, from the first chunk to the completing one.
#[derive(Debug, Clone)]
pub struct Session {
    plan: ChunkPlan,
    url: String,
    file_name: String,
    video_id: Option<String>,
    next: u32,
    in_flight: Option<Chunk>,
    finished: bool,
}

impl Session {
    /// Starts an upload of `file_size` bytes named `file_name`.
    pub fn new(options: &UploadOptions, file_size: u64, file_name: &str) -> Result<Session, UploadError> {
        options.validate()?;
        let plan = ChunkPlan::new(file_size, options.chunk_size)?;
        let file_name = options.video_name.clone().unwrap_or_else(|| file_name.to_owned());
        let file_name = if file_name.is_empty() { "file".to_owned() } else { file_name };
        Ok(Session {
            plan,
            url: options.upload_url(),
            file_name,
            video_id: options.video_id.clone().filter(|id| !id.is_empty()),
            next: 0,
            in_flight: None,
            finished: false,
        })
    }

    /// The chunk plan.
    pub fn plan(&self) -> &ChunkPlan {
        &self.plan
    }

    /// The video id, once known (given in the options or returned by the first chunk).
    pub fn video_id(&self) -> Option<&str> {
        self.video_id.as_deref()
    }

    /// The next request to perform, or `None` while one is in flight or when finished.
    pub fn poll_request(&mut self) -> Option<ChunkRequest> {
        if self.finished || self.in_flight.is_some() {
            return None;
        }
        let chunk = self.plan.chunk(self.next)?;
        self.in_flight = Some(chunk);
        Some(ChunkRequest {
            url: self.url.clone(),
            chunk,
            content_range: chunk.range.to_string(),
            video_id: self.video_id.clone(),
            file_name: self.file_name.clone(),
        })
    }

    /// Progress of the chunk in flight from an upload progress event (`loaded` of
    /// `body_total` multipart bytes sent). `None` when nothing is in flight.
    pub fn progress(&self, loaded: u64, body_total: u64) -> Option<Progress> {
        let chunk = self.in_flight?;
        Some(Progress::in_flight(&self.plan, &chunk, loaded, body_total))
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
        let result = self.accept(chunk, outcome);
        if !matches!(result, Ok(Step::Continue(_))) {
            self.finished = true;
        }
        result
    }

    fn accept(&mut self, chunk: Chunk, outcome: Outcome) -> Result<Step, UploadError> {
        let (status, video_id, raw) = match outcome {
            Outcome::Success { status, video_id, raw } => (status, video_id, raw),
            Outcome::Failure { status, problem, raw } => return Err(UploadError::Http { status, problem, raw }),
            Outcome::Network => return Err(UploadError::Network),
            Outcome::Timeout => return Err(UploadError::Timeout),
            Outcome::Aborted => return Err(UploadError::Aborted),
        };
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
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn options() -> UploadOptions {
        let mut options = UploadOptions::with_upload_token("to123");
        options.chunk_size = 8 * MIB;
        options.api_host = "http://127.0.0.1:8787".into();
        options
    }

    fn ok(video_id: &str) -> Outcome {
        Outcome::Success { status: 200, video_id: Some(video_id.into()), raw: String::new() }
    }

    #[test]
    fn chunked_upload_chains_the_first_video_id() {
        let mut session = Session::new(&options(), 48 * MIB, "movie.mp4").unwrap();
        let mut ranges = Vec::new();
        for i in 0..6u32 {
            let request = session.poll_request().expect("a request");
            assert_eq!(session.poll_request(), None, "one request at a time");
            assert_eq!(request.url, "http://127.0.0.1:8787/upload?token=to123");
            assert_eq!(request.file_name, "movie.mp4");
            assert_eq!(request.video_id.as_deref(), if i == 0 { None } else { Some("vi1") });
            assert_eq!(request.chunk.start, u64::from(i) * 8 * MIB);
            ranges.push(request.content_range);
            let step = session.handle_outcome(ok("vi1")).unwrap();
            if i < 5 {
                assert_eq!(step, Step::Continue(Progress::acknowledged(session.plan(), &request.chunk)));
            } else {
                let Step::Complete(progress) = step else { panic!("expected completion") };
                assert_eq!(progress.uploaded_bytes, 48 * MIB);
            }
        }
        assert_eq!(ranges, ["part 1/6", "part 2/6", "part 3/6", "part 4/6", "part 5/6", "part 6/6"]);
        assert_eq!(session.poll_request(), None);
    }

    #[test]
    fn given_video_id_is_sent_from_the_first_chunk() {
        let mut with_id = options();
        with_id.video_id = Some("viExisting".into());
        with_id.video_name = Some("Holiday".into());
        let mut session = Session::new(&with_id, MIB, "x.mp4").unwrap();
        let request = session.poll_request().unwrap();
        assert_eq!(request.video_id.as_deref(), Some("viExisting"));
        assert_eq!(request.file_name, "Holiday");
        assert_eq!(request.content_range, "part 1/1");
    }

    #[test]
    fn http_failure_is_typed_and_final() {
        let mut session = Session::new(&options(), MIB, "x").unwrap();
        let _ = session.poll_request().unwrap();
        let problem = Problem { title: Some("The upload token is invalid or expired.".into()), ..Problem::default() };
        let err = session
            .handle_outcome(Outcome::Failure { status: 401, problem: problem.clone(), raw: "{}".into() })
            .unwrap_err();
        assert_eq!(err, UploadError::Http { status: 401, problem, raw: "{}".into() });
        assert_eq!(err.code(), "UNAUTHORIZED");
        assert_eq!(session.poll_request(), None);
    }

    #[test]
    fn missing_or_changed_video_id_is_an_error() {
        let mut session = Session::new(&options(), 20 * MIB, "x").unwrap();
        let _ = session.poll_request().unwrap();
        let missing = Outcome::Success { status: 200, video_id: None, raw: "{}".into() };
        assert_eq!(session.handle_outcome(missing).unwrap_err().code(), "RESPONSE_INVALID");

        let mut session = Session::new(&options(), 20 * MIB, "x").unwrap();
        let _ = session.poll_request().unwrap();
        session.handle_outcome(ok("vi1")).unwrap();
        let _ = session.poll_request().unwrap();
        assert_eq!(session.handle_outcome(ok("vi2")).unwrap_err().code(), "RESPONSE_INVALID");
    }

    #[test]
    fn transport_failures_map_to_their_codes() {
        for (outcome, code) in
            [(Outcome::Network, "NETWORK_ERROR"), (Outcome::Timeout, "NETWORK_TIMEOUT"), (Outcome::Aborted, "ABORTED")]
        {
            let mut session = Session::new(&options(), MIB, "x").unwrap();
            let _ = session.poll_request().unwrap();
            assert_eq!(session.handle_outcome(outcome).unwrap_err().code(), code);
        }
    }

    #[test]
    fn outcome_without_request_is_rejected_not_panicking() {
        let mut session = Session::new(&options(), MIB, "x").unwrap();
        assert!(session.handle_outcome(ok("vi1")).is_err());
    }

    #[test]
    fn progress_only_while_in_flight() {
        let mut session = Session::new(&options(), 10 * MIB, "x").unwrap();
        assert_eq!(session.progress(1, 2), None);
        let _ = session.poll_request().unwrap();
        assert_eq!(session.progress(50, 100).unwrap().uploaded_bytes, 4 * MIB);
    }

    #[test]
    fn bad_options_and_empty_files_fail_up_front() {
        let mut bad = options();
        bad.chunk_size = MIB;
        assert_eq!(Session::new(&bad, MIB, "x").unwrap_err().code(), "CHUNK_SIZE_INVALID");
        assert_eq!(Session::new(&options(), 0, "x").unwrap_err().code(), "FILE_EMPTY");
    }
}
