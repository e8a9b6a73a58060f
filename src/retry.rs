//! Which failures are worth another attempt, and how long to wait before it.
//!
//! Retried: no response (network error, timeout, a stalled transfer), 408, 429 (waiting at
//! least what `Retry-After` asks), and 5xx except 501. Not retried: every other 4xx, since
//! the same request would fail the same way. Delays grow exponentially from `base_ms` up to
//! `cap_ms`, with "equal jitter" (half fixed, half random) so that many clients that failed
//! together do not retry together.

use alloc::rc::Rc;

use crate::codes::retry_reason as reasons;
use crate::error::UploadError;
pub use crate::limits::DEFAULT_RETRIES;

/// Decides retries instead of the default policy: `(retries so far, error)` → delay in
/// milliseconds, or `None` to give up. This is the official uploader's `retryStrategy`.
pub type RetryStrategy = Rc<dyn Fn(u32, &UploadError) -> Option<f64>>;

/// Why a request is being retried; its string is what JS sees as `detail.reason`. Each is
/// numbered by its place in the declaration's `retryReasons`, which is what the package's
/// wasm gives JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RetryReason {
    /// The connection failed.
    Network = reasons::NETWORK_ERROR,
    /// No response in time, or no upload progress for too long.
    Timeout = reasons::NETWORK_TIMEOUT,
    /// 429: rate limited.
    RateLimited = reasons::RATE_LIMITED,
    /// 408: the server timed out waiting.
    RequestTimeout = reasons::REQUEST_TIMEOUT,
    /// 5xx.
    ServerError = reasons::SERVER_ERROR,
}

impl RetryReason {
    /// Stable string code.
    pub fn as_str(self) -> &'static str {
        reasons::NAMES[self as usize]
    }

    /// Why `error` deserves a retry, or `None` when it does not.
    pub fn of(error: &UploadError) -> Option<RetryReason> {
        match error {
            UploadError::Network => Some(RetryReason::Network),
            UploadError::Timeout => Some(RetryReason::Timeout),
            UploadError::Http { status: 408, .. } => Some(RetryReason::RequestTimeout),
            UploadError::Http { status: 429, .. } => Some(RetryReason::RateLimited),
            UploadError::Http { status: 501, .. } => None,
            UploadError::Http { status: 500..=599, .. } => Some(RetryReason::ServerError),
            _ => None,
        }
    }
}

/// The default retry policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts after the first, per chunk; the count starts again after each success.
    pub max_retries: u32,
    /// Delay before the first retry, before jitter.
    pub base_ms: f64,
    /// Largest delay, before jitter.
    pub cap_ms: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: DEFAULT_RETRIES, base_ms: 1000.0, cap_ms: 30_000.0 }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (1-based) after `error`, or `None` to give up.
    /// `jitter` is a uniform sample in `0..1`; `retry_after_ms` is the server's
    /// `Retry-After`, which the delay never undercuts.
    pub fn delay_ms(&self, retry: u32, error: &UploadError, jitter: f64, retry_after_ms: Option<f64>) -> Option<f64> {
        RetryReason::of(error)?;
        if retry > self.max_retries {
            return None;
        }
        let exponential = self.base_ms * (1u64 << retry.saturating_sub(1).min(30)) as f64;
        let capped = exponential.min(self.cap_ms);
        let jittered = capped / 2.0 + capped / 2.0 * jitter.clamp(0.0, 1.0);
        Some(jittered.max(retry_after_ms.unwrap_or(0.0)))
    }
}

/// A small deterministic generator for jitter: the shell seeds it (from `Math.random` in
/// the browser), tests seed it with constants.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Jitter {
        Jitter(seed ^ 0x2545_F491_4F6C_DD1D)
    }

    /// The next sample in `0..1`.
    pub fn sample(&mut self) -> f64 {
        // xorshift64*
        let mut x = self.0.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Problem;

    fn http(status: u16) -> UploadError {
        UploadError::Http { status, problem: Problem::default(), raw: String::new() }
    }

    #[test]
    fn what_is_retried() {
        for retried in [UploadError::Network, UploadError::Timeout, http(408), http(429), http(500), http(503), http(599)] {
            assert!(RetryReason::of(&retried).is_some(), "{retried:?}");
        }
        for final_ in [http(400), http(401), http(403), http(404), http(413), http(501), UploadError::Aborted, UploadError::EmptyFile] {
            assert_eq!(RetryReason::of(&final_), None, "{final_:?}");
        }
    }

    #[test]
    fn delays_grow_are_capped_and_jittered() {
        let policy = RetryPolicy::default();
        let error = UploadError::Network;
        assert_eq!(policy.delay_ms(1, &error, 0.0, None), Some(500.0));
        assert_eq!(policy.delay_ms(1, &error, 1.0, None), Some(1000.0));
        assert_eq!(policy.delay_ms(3, &error, 1.0, None), Some(4000.0));
        assert_eq!(policy.delay_ms(6, &error, 1.0, None), Some(30_000.0));
        assert_eq!(policy.delay_ms(7, &error, 0.5, None), None, "6 retries, then give up");
        assert_eq!(policy.delay_ms(1, &http(400), 0.5, None), None);
    }

    #[test]
    fn retry_after_is_a_floor() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay_ms(1, &http(429), 0.0, Some(7000.0)), Some(7000.0));
        assert_eq!(policy.delay_ms(6, &http(429), 1.0, Some(7000.0)), Some(30_000.0));
    }

    #[test]
    fn jitter_is_uniformish_and_reproducible() {
        let mut a = Jitter::new(42);
        let mut b = Jitter::new(42);
        let samples: Vec<f64> = (0..1000).map(|_| a.sample()).collect();
        assert!(samples.iter().all(|s| (0.0..1.0).contains(s)));
        assert_eq!(samples[..10], (0..10).map(|_| b.sample()).collect::<Vec<_>>()[..]);
        let mean = samples.iter().sum::<f64>() / 1000.0;
        assert!((0.4..0.6).contains(&mean), "{mean}");
    }

    #[test]
    fn each_retried_failure_has_its_reason() {
        let reasons = [UploadError::Network, UploadError::Timeout, http(408), http(429), http(500), http(599)].map(|e| RetryReason::of(&e).map(RetryReason::as_str));
        let expected = ["NETWORK_ERROR", "NETWORK_TIMEOUT", "REQUEST_TIMEOUT", "RATE_LIMITED", "SERVER_ERROR", "SERVER_ERROR"].map(Some);
        assert_eq!(reasons, expected);
    }
}
