//! The fate of one piece across its attempts: landed, a retry after a delay, a token
//! refresh, or failure.

use crate::error::UploadError;
use crate::request::Outcome;
use crate::retry::{Jitter, RetryPolicy, RetryReason, RetryStrategy};

const PART_ALREADY_SENT: &str = "video-content-range-by-part-part-already-sent";
const ALREADY_UPLOADED: &str = "video-source-already-uploaded";

/// What an outcome means for the piece in flight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// The server has the piece. `answered` is false when it was learnt from a "part
    /// already sent" or "already uploaded" answer to a re-send, whose body is no Video.
    Landed {
        /// Whether the body is the answer to the piece.
        answered: bool,
    },
    /// Send it again after `delay_ms`.
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
    /// The access token expired: renew it, then send the piece again.
    Refresh,
    /// Give up.
    Failed(UploadError),
}

/// One piece's tries so far: its retries, and whether a token refresh was tried for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tries {
    /// Retries made.
    pub(crate) retries: u32,
    refreshed: bool,
}

/// How pieces are judged and retried (the policy, the app's strategy, the jitter); each
/// piece keeps its own [`Tries`].
#[derive(Clone)]
pub(crate) struct Attempts {
    policy: RetryPolicy,
    strategy: Option<RetryStrategy>,
    jitter: Jitter,
}

impl Attempts {
    pub(crate) fn new(retries: u32, seed: u64) -> Attempts {
        Attempts {
            policy: RetryPolicy { max_retries: retries, ..RetryPolicy::default() },
            strategy: None,
            jitter: Jitter::new(seed),
        }
    }

    pub(crate) fn set_strategy(&mut self, strategy: RetryStrategy) {
        self.strategy = Some(strategy);
    }

    /// Judges `outcome` for a piece. `resent` tells that an earlier attempt at it may have
    /// reached the server (its answer was lost, it was aborted, or it failed after the
    /// server read it); `is_last` that it completes the upload; `can_refresh` that a 401
    /// may be cured by renewing the access token.
    pub(crate) fn judge(&mut self, tries: &mut Tries, outcome: Outcome, resent: bool, is_last: bool, can_refresh: bool) -> Verdict {
        let (error, retry_after_ms) = match outcome {
            Outcome::Answered(answer) if answer.is_success() => return Verdict::Landed { answered: true },
            Outcome::Answered(answer) => {
                if answer.status == 401 && can_refresh && !tries.refreshed {
                    tries.refreshed = true;
                    return Verdict::Refresh;
                }
                // A re-sent piece that the server already holds: an earlier attempt landed
                // and its answer was lost. That is a success, not a failure.
                if resent && answer.status == 400 {
                    let slug = answer.problem.type_.as_deref().unwrap_or_default();
                    if slug.ends_with(PART_ALREADY_SENT) || (is_last && slug.ends_with(ALREADY_UPLOADED)) {
                        return Verdict::Landed { answered: false };
                    }
                }
                let retry_after_ms = answer.retry_after_ms;
                (UploadError::Http { status: answer.status, problem: answer.problem, raw: answer.raw }, retry_after_ms)
            }
            Outcome::Network => (UploadError::Network, None),
            Outcome::Timeout => (UploadError::Timeout, None),
            Outcome::Aborted => return Verdict::Failed(UploadError::Aborted),
            Outcome::Refused(detail) => return Verdict::Failed(UploadError::Browser { detail }),
        };
        let delay = match &self.strategy {
            Some(strategy) => strategy(tries.retries, &error).filter(|d| d.is_finite() && *d >= 0.0),
            None => self.policy.delay_ms(tries.retries + 1, &error, self.jitter.sample(), retry_after_ms),
        };
        match delay {
            Some(delay_ms) => {
                tries.retries += 1;
                let reason = RetryReason::of(&error).unwrap_or(RetryReason::ServerError);
                Verdict::Retry { delay_ms, attempt: tries.retries, reason, error }
            }
            None => Verdict::Failed(error),
        }
    }
}
