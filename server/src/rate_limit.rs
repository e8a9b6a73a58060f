//! `--rate-limit`: api.video's per-minute limits, so clients' 429 handling can be tested.
//!
//! Spec: `production` (uploads 100, writes 200, reads 500 a minute), `sandbox` (40/40/100)
//! or `uploads=N,writes=N,reads=N`. Each category has a fixed one-minute window per
//! principal: the credentials a request carries (its `Authorization` header, or its upload
//! token), or, for a request that carries none, the peer address it comes from. So a client
//! uses up its own windows only: ten anonymous requests, or a hundred with wrong keys, leave
//! the owner's and every token's windows as they were. The windows are kept in a table of
//! bounded size (expired ones go first, then the oldest). Every response carries
//! `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Retry-After` (seconds until
//! its window resets); an excess request is answered 429 `too-many-requests`.

use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;
use crate::problem::Problem;
use crate::windows::Windows;

const WINDOW: Duration = Duration::from_secs(60);

/// Windows kept at once.
const CAPACITY: usize = 10_000;

/// The three limited categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Category {
    Uploads,
    Writes,
    Reads,
}

/// The per-minute limits, and each principal's windows.
#[derive(Debug)]
pub struct RateLimits {
    uploads: u64,
    writes: u64,
    reads: u64,
    /// Keyed by category and a keyed hash of the principal.
    windows: Windows<(Category, u64)>,
    hasher: RandomState,
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
        RateLimits { uploads, writes, reads, windows: Windows::new(WINDOW, CAPACITY), hasher: RandomState::new() }
    }

    fn limit(&self, category: Category) -> u64 {
        match category {
            Category::Uploads => self.uploads,
            Category::Writes => self.writes,
            Category::Reads => self.reads,
        }
    }

    /// Counts a request of `principal` in its window of `category`: `(allowed, limit,
    /// remaining, seconds to reset)`.
    fn take(&self, category: Category, principal: &str, now: Instant) -> (bool, u64, u64, u64) {
        let key = (category, self.hasher.hash_one(principal));
        let limit = self.limit(category);
        self.windows.count(key, now, |used, left| {
            let allowed = *used < limit;
            if allowed {
                *used += 1;
            }
            (allowed, limit, limit - *used, left.as_secs_f64().ceil() as u64)
        })
    }
}

/// Whose window a request counts in: its credentials, else its peer address.
fn principal(request: &Request) -> String {
    if let Some(authorization) = request.headers().get(header::AUTHORIZATION) {
        return format!("authorization {}", String::from_utf8_lossy(authorization.as_bytes()));
    }
    let token = request.uri().query().and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("token=")));
    match token {
        Some(token) => format!("token {token}"),
        None => format!("peer {}", crate::guard::peer(request)),
    }
}

/// The middleware, on every route.
pub(crate) async fn limit(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limits) = app.rate_limits.clone() else { return next.run(request).await };
    let path = request.uri().path();
    let is_upload = request.method() == Method::POST && (path == "/upload" || path.ends_with("/source"));
    let category = if is_upload {
        Category::Uploads
    } else if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        Category::Reads
    } else {
        Category::Writes
    };
    let (allowed, limit, remaining, reset) = limits.take(category, &principal(&request), Instant::now());
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
        assert_eq!((limits.reads, limits.writes, limits.uploads), (7, 200, 2));
        assert!(RateLimits::parse("uploads=x").is_err());
        assert!(RateLimits::parse("downloads=3").is_err());
    }

    #[test]
    fn window_counts_and_resets() {
        let limits = RateLimits::new(2, 1, 1);
        let start = Instant::now();
        assert_eq!(limits.take(Category::Uploads, "a", start), (true, 2, 1, 60));
        assert!(limits.take(Category::Uploads, "a", start).0);
        assert_eq!(limits.take(Category::Uploads, "a", start + Duration::from_secs(10)), (false, 2, 0, 50));
        assert!(limits.take(Category::Uploads, "a", start + WINDOW).0);
    }

    #[test]
    fn each_principal_has_its_own_windows() {
        let limits = RateLimits::new(1, 1, 1);
        let start = Instant::now();
        assert!(limits.take(Category::Writes, "peer 127.0.0.1", start).0);
        assert!(!limits.take(Category::Writes, "peer 127.0.0.1", start).0);
        assert!(limits.take(Category::Writes, "authorization Basic a2V5Og==", start).0);
        assert!(limits.take(Category::Reads, "peer 127.0.0.1", start).0);
    }

    #[test]
    fn the_table_stays_bounded() {
        let limits = RateLimits::new(1, 1, 1);
        let start = Instant::now();
        for i in 0..CAPACITY + 10 {
            limits.take(Category::Reads, &format!("peer {i}"), start + Duration::from_millis(i as u64));
        }
        assert_eq!(limits.windows.len(), CAPACITY);
    }
}
