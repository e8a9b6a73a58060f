//! Progressive upload of a stream whose size is unknown (a `MediaRecorder`'s blobs): parts
//! are sent as they fill up, `part N/*`, and the last one closes the upload as `part N/N`.
//!
//! The shell holds the blobs; the session decides, from their sizes, when the buffered
//! ones are merged into a part (at least 5 MiB, as the API requires of every part but the
//! last), and sends parts strictly in order, with the same retries as a file upload. Once a
//! part fails for good, the upload is over: later parts would leave a gap the video could
//! never close, so they fail with the same error instead of being sent.

use std::collections::VecDeque;

use crate::attempts::{apply_refresh, Attempts, Verdict};
use crate::content_range::PartRange;
use crate::error::UploadError;
use crate::options::{UploadOptions, MIN_CHUNK_SIZE};
use crate::plan::Chunk;
use crate::session::{ChunkRequest, Outcome, Resend, RetryStrategy};

/// A part to send: the first `blobs` blobs the shell holds, merged, `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// 1-based part number.
    pub number: u32,
    /// How many buffered blobs, from the oldest, it merges.
    pub blobs: usize,
    /// Its size.
    pub size: u64,
    /// Whether it closes the upload (`part N/N`).
    pub last: bool,
}

/// What the shell does after an outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum PartStep {
    /// The part was acknowledged; when it was the last, the upload is complete.
    Sent(Part),
    /// The part is to be sent again, after what [`Resend`] says.
    Resend(Resend),
}

/// Progress of the part in flight, the official progressive event plus `part`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartProgress {
    /// 1-based part number.
    pub part: u32,
    /// Bytes of the part sent so far, never more than `total_bytes`.
    pub uploaded_bytes: u64,
    /// The part's size.
    pub total_bytes: u64,
}

/// One progressive upload.
#[derive(Clone)]
pub struct ProgressiveSession {
    options: UploadOptions,
    url: String,
    file_name: String,
    video_id: Option<String>,
    prevent_empty_parts: bool,
    merge_small_parts: bool,
    buffered: Vec<u64>,
    next_number: u32,
    closed: bool,
    queue: VecDeque<Part>,
    in_flight: Option<Part>,
    paused: bool,
    failed: Option<UploadError>,
    attempts: Attempts,
}

impl ProgressiveSession {
    /// Starts a progressive upload. `videoName` defaults to `file`, as in the official uploader.
    pub fn new(
        options: &UploadOptions,
        prevent_empty_parts: bool,
        merge_small_parts: bool,
        seed: u64,
    ) -> Result<ProgressiveSession, UploadError> {
        options.validate()?;
        Ok(ProgressiveSession {
            options: options.clone(),
            url: options.upload_url(),
            file_name: options.video_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "file".to_owned()),
            video_id: options.video_id.clone().filter(|id| !id.is_empty()),
            prevent_empty_parts,
            merge_small_parts,
            buffered: Vec::new(),
            next_number: 1,
            closed: false,
            queue: VecDeque::new(),
            in_flight: None,
            paused: false,
            failed: None,
            attempts: Attempts::new(options.retries, seed),
        })
    }

    /// Replaces the default retry policy.
    pub fn set_retry_strategy(&mut self, strategy: RetryStrategy) {
        self.attempts.set_strategy(strategy);
    }

    /// The video id, once known.
    pub fn video_id(&self) -> Option<&str> {
        self.video_id.as_deref()
    }

    fn check_open(&self) -> Result<(), UploadError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        if self.closed {
            return Err(UploadError::InvalidOption { name: "uploadLastPart", detail: "the upload is already closed".into() });
        }
        Ok(())
    }

    /// A blob of `size` bytes was handed to `uploadPart`: buffer it, and return the part
    /// to queue when the buffered blobs make one (the official merging rules).
    pub fn push(&mut self, size: u64) -> Result<Option<Part>, UploadError> {
        self.check_open()?;
        self.buffered.push(size);
        let total: u64 = self.buffered.iter().sum();
        let due = if self.prevent_empty_parts { total - size >= MIN_CHUNK_SIZE } else { total >= MIN_CHUNK_SIZE };
        if !due && self.merge_small_parts {
            return Ok(None);
        }
        // Holding back the newest blob guarantees the last part cannot be empty.
        let blobs = if self.prevent_empty_parts { self.buffered.len() - 1 } else { self.buffered.len() };
        if blobs == 0 {
            return Ok(None);
        }
        Ok(Some(self.flush(blobs, false)))
    }

    /// The last blob was handed to `uploadLastPart`: everything buffered with it makes the
    /// closing part.
    pub fn push_last(&mut self, size: u64) -> Result<Part, UploadError> {
        self.check_open()?;
        self.buffered.push(size);
        self.closed = true;
        Ok(self.flush(self.buffered.len(), true))
    }

    fn flush(&mut self, blobs: usize, last: bool) -> Part {
        let size = self.buffered.drain(..blobs).sum();
        let part = Part { number: self.next_number, blobs, size, last };
        self.next_number += 1;
        self.queue.push_back(part);
        part
    }

    /// The next request, in part order; `None` while one is in flight, while paused, when
    /// nothing is queued, or after a failure.
    /// The request's `chunk` covers the whole merged blob of the part.
    pub fn poll_request(&mut self) -> Option<ChunkRequest> {
        if self.paused || self.in_flight.is_some() || self.failed.is_some() {
            return None;
        }
        let part = *self.queue.front()?;
        self.in_flight = Some(part);
        let range = PartRange { part: part.number, total: part.last.then_some(part.number) };
        Some(ChunkRequest {
            url: self.url.clone(),
            chunk: Chunk { index: part.number - 1, start: 0, end: part.size, range },
            content_range: range.to_string(),
            headers: self.options.headers(),
            video_id: self.video_id.clone(),
            file_name: self.file_name.clone(),
            attempt: self.attempts.retries(),
        })
    }

    /// Progress of the part in flight from an upload progress event over its multipart body.
    pub fn progress(&self, loaded: u64, body_total: u64) -> Option<PartProgress> {
        let part = self.in_flight?;
        let sent = if body_total == 0 {
            0
        } else {
            (u128::from(loaded.min(body_total)) * u128::from(part.size) / u128::from(body_total)) as u64
        };
        Some(PartProgress { part: part.number, uploaded_bytes: sent, total_bytes: part.size })
    }

    /// Cancels: nothing more is sent, and every call from now on fails with
    /// [`UploadError::Aborted`]. The shell aborts the part in flight.
    pub fn cancel(&mut self) {
        if self.failed.is_none() {
            self.failed = Some(UploadError::Aborted);
        }
    }

    /// The error that ended the upload, if one did.
    pub fn failure(&self) -> Option<&UploadError> {
        self.failed.as_ref()
    }

    /// Pauses: the shell aborts the part in flight, which is sent again on resume.
    pub fn pause(&mut self) -> bool {
        !std::mem::replace(&mut self.paused, true)
    }

    /// Resumes after a pause.
    pub fn resume(&mut self) -> bool {
        std::mem::replace(&mut self.paused, false)
    }

    /// Feeds back the outcome of the request in flight. An error fails this part and every
    /// later one.
    pub fn handle_outcome(&mut self, outcome: Outcome) -> Result<PartStep, UploadError> {
        let part = self.in_flight.take().ok_or(UploadError::InvalidOption {
            name: "session",
            detail: "an outcome was handed back with no request in flight".to_owned(),
        })?;
        let verdict = self.attempts.judge(outcome, &self.options, self.video_id.as_deref(), part.last, self.paused);
        match verdict {
            Verdict::Landed { status, video_id, raw } => {
                let Some(returned) = video_id.filter(|id| !id.is_empty()) else {
                    return self.fail(UploadError::InvalidResponse { status, detail: "no videoId in the response".into(), raw });
                };
                if let Some(known) = &self.video_id {
                    if *known != returned {
                        let detail = format!("the server answered for video {returned} while uploading into {known}");
                        return self.fail(UploadError::InvalidResponse { status, detail, raw });
                    }
                }
                self.video_id = Some(returned);
                self.attempts.reset();
                self.queue.pop_front();
                Ok(PartStep::Sent(part))
            }
            Verdict::Resend(resend) => Ok(PartStep::Resend(resend)),
            Verdict::Failed(error) => self.fail(error),
        }
    }

    fn fail(&mut self, error: UploadError) -> Result<PartStep, UploadError> {
        self.failed = Some(error.clone());
        Err(error)
    }

    /// Feeds back the result of a [`Resend::Refresh`].
    pub fn handle_refresh(&mut self, result: Result<(String, String), UploadError>) -> Result<(), UploadError> {
        match result {
            Ok((access, refresh)) => {
                apply_refresh(&mut self.options, access, refresh);
                Ok(())
            }
            Err(error) => self.fail(error).map(|_| ()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Problem;

    const MIB: u64 = 1024 * 1024;

    fn session(prevent_empty: bool, merge: bool) -> ProgressiveSession {
        let mut options = UploadOptions::with_upload_token("to1");
        options.api_host = "http://127.0.0.1:8787".into();
        ProgressiveSession::new(&options, prevent_empty, merge, 3).unwrap()
    }

    fn ok() -> Outcome {
        Outcome::Success { status: 200, video_id: Some("vi1".into()), raw: String::new() }
    }

    #[test]
    fn one_mib_blobs_merge_into_five_mib_parts_then_close() {
        let mut session = session(false, true);
        let mut parts = Vec::new();
        for _ in 0..12 {
            parts.extend(session.push(MIB).unwrap());
        }
        parts.push(session.push_last(MIB / 2).unwrap());
        let shape: Vec<(u32, usize, u64, bool)> = parts.iter().map(|p| (p.number, p.blobs, p.size, p.last)).collect();
        assert_eq!(shape, [(1, 5, 5 * MIB, false), (2, 5, 5 * MIB, false), (3, 3, 2 * MIB + MIB / 2, true)]);

        let mut ranges = Vec::new();
        while let Some(request) = session.poll_request() {
            assert_eq!(request.file_name, "file");
            assert_eq!(request.video_id.as_deref(), if request.chunk.range.part == 1 { None } else { Some("vi1") });
            ranges.push(request.content_range);
            assert!(matches!(session.handle_outcome(ok()).unwrap(), PartStep::Sent(_)));
        }
        assert_eq!(ranges, ["part 1/*", "part 2/*", "part 3/3"]);
    }

    #[test]
    fn prevent_empty_parts_holds_back_the_newest_blob() {
        let mut session = session(true, true);
        let flushed: Vec<Option<Part>> = (0..6).map(|_| session.push(MIB).unwrap()).collect();
        assert!(flushed[..5].iter().all(Option::is_none), "5 MiB are buffered, the newest held back");
        let part = flushed[5].unwrap();
        assert_eq!((part.blobs, part.size), (5, 5 * MIB));
        let last = session.push_last(0).unwrap();
        assert_eq!((last.number, last.blobs, last.size), (2, 2, MIB), "the held blob keeps the last part non-empty");
    }

    #[test]
    fn without_merging_every_blob_is_a_part() {
        let mut session = session(false, false);
        assert_eq!(session.push(6 * MIB).unwrap().map(|p| (p.number, p.blobs)), Some((1, 1)));
        assert_eq!(session.push(7 * MIB).unwrap().map(|p| p.number), Some(2));
    }

    #[test]
    fn parts_are_retried_and_a_final_failure_ends_the_upload() {
        let mut session = session(false, true);
        session.set_retry_strategy(std::rc::Rc::new(|count, _: &UploadError| (count < 1).then_some(5.0)));
        session.push(5 * MIB).unwrap();
        session.push(5 * MIB).unwrap();
        let _ = session.poll_request().unwrap();
        assert!(matches!(session.handle_outcome(Outcome::Network).unwrap(), PartStep::Resend(Resend::Retry { attempt: 1, .. })));
        let again = session.poll_request().unwrap();
        assert_eq!((again.chunk.range.part, again.attempt), (1, 1));
        let problem = Problem::default();
        let failure = Outcome::Failure { status: 500, problem, raw: String::new(), retry_after_ms: None };
        assert_eq!(session.handle_outcome(failure).unwrap_err().code(), "SERVER_ERROR");
        assert_eq!(session.poll_request(), None, "part 2 is not sent after part 1 failed");
        assert_eq!(session.push(MIB).unwrap_err().code(), "SERVER_ERROR");
        assert_eq!(session.push_last(MIB).unwrap_err().code(), "SERVER_ERROR");
    }

    #[test]
    fn pause_resends_the_part_and_progress_maps_onto_it() {
        let mut session = session(false, true);
        session.push(6 * MIB).unwrap();
        let _ = session.poll_request().unwrap();
        assert_eq!(session.progress(50, 100), Some(PartProgress { part: 1, uploaded_bytes: 3 * MIB, total_bytes: 6 * MIB }));
        assert!(session.pause());
        assert_eq!(session.handle_outcome(Outcome::Aborted).unwrap(), PartStep::Resend(Resend::Paused));
        assert_eq!(session.poll_request(), None);
        assert!(session.resume());
        assert_eq!(session.poll_request().unwrap().chunk.range.part, 1);
    }

    #[test]
    fn cancel_stops_sending_and_fails_later_calls() {
        let mut session = session(false, true);
        session.push(5 * MIB).unwrap();
        session.cancel();
        assert_eq!(session.poll_request(), None);
        assert_eq!(session.failure(), Some(&UploadError::Aborted));
        assert_eq!(session.push(MIB).unwrap_err(), UploadError::Aborted);
        assert_eq!(session.push_last(MIB).unwrap_err(), UploadError::Aborted);
    }

    #[test]
    fn nothing_after_the_last_part() {
        let mut session = session(false, true);
        session.push_last(10).unwrap();
        assert!(session.push(10).is_err());
        assert!(session.push_last(10).is_err());
    }
}
