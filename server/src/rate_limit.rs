//! `--rate-limit`: api.video's per-minute limits, so clients' 429 handling can be tested.
//!
//! Spec: `production` (uploads 100, writes 200, reads 500 a minute), `sandbox` (40/40/100)
//! or `uploads=N,writes=N,reads=N`. Each category has one fixed one-minute window shared by
//! all clients. Every response then carries `X-RateLimit-Limit`, `X-RateLimit-Remaining`
//! and `X-RateLimit-Retry-After` (seconds until the window resets); an excess request is
//! answered 429 `too-many-requests`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;
use crate::problem::Problem;

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
struct Window {
    limit: u64,
    used: u64,
    started: Instant,
}

/// The three limited categories.
#[derive(Debug)]
pub struct RateLimits {
    uploads: Mutex<Window>,
    writes: Mutex<Window>,
    reads: Mutex<Window>,
}

impl RateLimits {
    /// Parses a spec.
    pub fn parse(spec: &str) -> Result<RateLimits, String> {
        let (mut uploads, mut writes, mut reads) = match spec {
            "production" => return Ok(RateLimits::new(100, 200, 500)),
            "sandbox" => return Ok(RateLimits::new(40, 40, 100)),
            _ => (100, 200, 500),
        };
        for item in spec.split(',') {
            let (key, value) = item.split_once('=').ok_or_else(|| format!("{item}: expected key=N"))?;
            let n: u64 = value.parse().map_err(|_| format!("{item}: not a number"))?;
            match key {
                "uploads" => uploads = n,
                "writes" => writes = n,
                "reads" => reads = n,
                _ => return Err(format!("unknown rate limit {key}")),
            }
        }
        Ok(RateLimits::new(uploads, writes, reads))
    }

    fn new(uploads: u64, writes: u64, reads: u64) -> RateLimits {
        let window = |limit| Mutex::new(Window { limit, used: 0, started: Instant::now() });
        RateLimits { uploads: window(uploads), writes: window(writes), reads: window(reads) }
    }

    /// Counts a request in its window: `(allowed, limit, remaining, seconds to reset)`.
    fn take(&self, window: &Mutex<Window>, now: Instant) -> (bool, u64, u64, u64) {
        let mut window = window.lock().unwrap_or_else(|p| p.into_inner());
        if now.duration_since(window.started) >= WINDOW {
            window.started = now;
            window.used = 0;
        }
        let allowed = window.used < window.limit;
        if allowed {
            window.used += 1;
        }
        let reset = (WINDOW - now.duration_since(window.started)).as_secs_f64().ceil() as u64;
        (allowed, window.limit, window.limit - window.used, reset)
    }
}

/// The middleware, on every route.
pub(crate) async fn limit(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limits) = app.rate_limits.clone() else { return next.run(request).await };
    let path = request.uri().path();
    let is_upload = request.method() == Method::POST && (path == "/upload" || path.ends_with("/source"));
    let window = if is_upload {
        &limits.uploads
    } else if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        &limits.reads
    } else {
        &limits.writes
    };
    let (allowed, limit, remaining, reset) = limits.take(window, Instant::now());
    let mut response = if allowed {
        next.run(request).await
    } else {
        Problem::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many requests.").into_response()
    };
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("x-ratelimit-retry-after", HeaderValue::from(reset));
    if !allowed {
        headers.insert("retry-after", HeaderValue::from(reset));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert!(RateLimits::parse("production").is_ok());
        let limits = RateLimits::parse("uploads=2,reads=7").unwrap();
        assert_eq!(limits.reads.lock().unwrap().limit, 7);
        assert_eq!(limits.writes.lock().unwrap().limit, 200);
        assert!(RateLimits::parse("uploads=x").is_err());
        assert!(RateLimits::parse("downloads=3").is_err());
    }

    #[test]
    fn window_counts_and_resets() {
        let limits = RateLimits::new(2, 1, 1);
        let start = Instant::now();
        assert_eq!(limits.take(&limits.uploads, start), (true, 2, 1, 60));
        assert!(limits.take(&limits.uploads, start).0);
        assert_eq!(limits.take(&limits.uploads, start + Duration::from_secs(10)), (false, 2, 0, 50));
        assert!(limits.take(&limits.uploads, start + WINDOW).0);
    }
}
