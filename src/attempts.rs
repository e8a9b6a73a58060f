//! The fate of one piece (a chunk, or a progressive part) across its attempts: success,
//! a retry after a delay, a token refresh, a pause, or failure.

use crate::error::UploadError;
use crate::options::{Credentials, UploadOptions};
use crate::retry::{Jitter, RetryPolicy, RetryReason};
use crate::session::{Outcome, Resend, RetryStrategy};

const PART_ALREADY_SENT: &str = "video-content-range-by-part-part-already-sent";
const ALREADY_UPLOADED: &str = "video-source-already-uploaded";

/// What an outcome means for the piece in flight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// The server has the piece: it said so, or a retry learnt that an earlier attempt landed.
    Landed {
        /// HTTP status.
        status: u16,
        /// `videoId` of the answer (the known id when the piece was found to have landed).
        video_id: Option<String>,
        /// Raw body.
        raw: String,
    },
    /// Send it again, after what [`Resend`] says.
    Resend(Resend),
    /// Give up.
    Failed(UploadError),
}

/// Retry bookkeeping for the piece in flight; [`Attempts::reset`] after each success.
#[derive(Clone)]
pub(crate) struct Attempts {
    retries: u32,
    refreshed: bool,
    policy: RetryPolicy,
    strategy: Option<RetryStrategy>,
    jitter: Jitter,
}

impl Attempts {
    pub(crate) fn new(retries: u32, seed: u64) -> Attempts {
        Attempts {
            retries: 0,
            refreshed: false,
            policy: RetryPolicy { max_retries: retries, ..RetryPolicy::default() },
            strategy: None,
            jitter: Jitter::new(seed),
        }
    }

    pub(crate) fn set_strategy(&mut self, strategy: RetryStrategy) {
        self.strategy = Some(strategy);
    }

    /// Retries made for the piece in flight.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// A fresh budget, for the next piece or a revived upload.
    pub(crate) fn reset(&mut self) {
        self.retries = 0;
        self.refreshed = false;
    }

    /// Judges `outcome`. `video_id` is the id known so far; `is_last` tells whether the
    /// piece completes the upload; `paused` whether an abort was a pause.
    pub(crate) fn judge(
        &mut self,
        outcome: Outcome,
        options: &UploadOptions,
        video_id: Option<&str>,
        is_last: bool,
        paused: bool,
    ) -> Verdict {
        let (error, retry_after_ms) = match outcome {
            Outcome::Success { status, video_id, raw } => return Verdict::Landed { status, video_id, raw },
            Outcome::Aborted if paused => return Verdict::Resend(Resend::Paused),
            Outcome::Aborted => return Verdict::Failed(UploadError::Aborted),
            Outcome::Failure { status: 401, .. } if !self.refreshed => {
                if let Credentials::AccessToken { refresh_token: Some(refresh), .. } = &options.credentials {
                    self.refreshed = true;
                    let body = format!("{{\"refreshToken\":\"{}\"}}", json_escape(refresh));
                    return Verdict::Resend(Resend::Refresh { url: options.refresh_url(), body });
                }
                let Outcome::Failure { status, problem, raw, .. } = outcome else { unreachable!() };
                (UploadError::Http { status, problem, raw }, None)
            }
            Outcome::Failure { status, problem, raw, retry_after_ms } => {
                // A retry of a piece whose earlier attempt landed (its answer was lost) is
                // told so by the server: that is a success, not a failure.
                if self.retries > 0 && status == 400 {
                    let slug = problem.type_.as_deref().unwrap_or_default();
                    if slug.ends_with(PART_ALREADY_SENT) || (is_last && slug.ends_with(ALREADY_UPLOADED)) {
                        if let Some(id) = video_id {
                            return Verdict::Landed { status, video_id: Some(id.to_owned()), raw };
                        }
                    }
                }
                (UploadError::Http { status, problem, raw }, retry_after_ms)
            }
            Outcome::Network => (UploadError::Network, None),
            Outcome::Timeout => (UploadError::Timeout, None),
        };
        let delay = match &self.strategy {
            Some(strategy) => strategy(self.retries, &error).filter(|d| d.is_finite() && *d >= 0.0),
            None => self.policy.delay_ms(self.retries + 1, &error, self.jitter.sample(), retry_after_ms),
        };
        match delay {
            Some(delay_ms) => {
                self.retries += 1;
                let reason = RetryReason::of(&error).unwrap_or(RetryReason::ServerError);
                Verdict::Resend(Resend::Retry { delay_ms, attempt: self.retries, reason, error })
            }
            None => Verdict::Failed(error),
        }
    }
}

/// Swaps in renewed access and refresh tokens.
pub(crate) fn apply_refresh(options: &mut UploadOptions, access_token: String, refresh_token: String) {
    options.credentials = Credentials::AccessToken { access_token, refresh_token: Some(refresh_token) };
}

fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
