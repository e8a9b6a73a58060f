//! What the machine asks the shell to send, and what the shell hands back: the types both
//! sides share, in a leaf module that imports nothing else of the machine.

use alloc::string::String;
use alloc::vec::Vec;

use crate::content_range::PartRange;
use crate::error::Problem;

/// One piece of the upload: a chunk of a file, or a part of a stream. Its bytes are the
/// half-open range `start..end` of the file, or of the part's merged blob for a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// 0-based index (the chunk or part number minus one).
    pub index: u32,
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// Its `Content-Range`, `part index+1/total`.
    pub range: PartRange,
}

impl Piece {
    /// Number of bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether it has no bytes (only a stream's closing part can).
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// Whether it completes the upload (`part N/N`).
    pub fn is_last(&self) -> bool {
        self.range.total == Some(self.range.part)
    }
}

/// A request the shell must perform and hand back, by `id`, to the machine's `handle`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "the machine waits until this request's outcome is handed back"]
pub struct Request {
    /// Tells this request's outcome from a late one of a request the machine gave up on.
    pub id: u32,
    /// `POST` or `GET`.
    pub method: &'static str,
    /// Where to send it.
    pub url: String,
    /// Headers: `Authorization` in the API modes, `AV-Origin-*`.
    pub headers: Vec<(&'static str, String)>,
    /// What to send.
    pub body: Body,
}

/// The body of a [`Request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Nothing (reading the Video).
    Empty,
    /// A JSON document (renewing an access token).
    Json(String),
    /// A multipart form with `videoId` (when known) and then `file`: the piece's bytes,
    /// sent with the `Content-Range` header.
    Piece {
        /// Which bytes.
        piece: Piece,
        /// The `Content-Range` header value.
        content_range: String,
        /// The `videoId` form field, sent before the file as the official uploader does.
        video_id: Option<String>,
        /// The multipart filename of `file`; it becomes the video title.
        file_name: String,
        /// 0 for the first attempt at this piece, then 1, 2… for retries.
        attempt: u32,
    },
}

/// What became of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server answered (any status). The shell reads the few fields the machine needs
    /// from the body; the body itself stays with the shell.
    Answered(Answer),
    /// No response: the connection failed.
    Network,
    /// No response in time, or the transfer stalled.
    Timeout,
    /// The request was aborted by something other than the machine.
    Aborted,
    /// The shell could not send it (a browser API threw); nothing reached the server.
    Refused(String),
}

/// A response, as far as the machine needs to know it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The raw body.
    pub raw: String,
    /// `videoId` of a JSON body.
    pub video_id: Option<String>,
    /// `access_token` and `refresh_token` of a token renewal.
    pub tokens: Option<(String, String)>,
    /// The problem fields of an error body.
    pub problem: Problem,
    /// `Retry-After` (or `X-RateLimit-Retry-After`), in milliseconds.
    pub retry_after_ms: Option<f64>,
    /// How long the request took, from sending it to this answer, as the shell measured it
    /// (0 when it did not): adaptive chunk sizes follow it.
    pub elapsed_ms: f64,
}

impl Answer {
    /// Whether the status is a success (below 400; the API answers 200 and 201).
    pub fn is_success(&self) -> bool {
        (1..400).contains(&self.status)
    }
}
