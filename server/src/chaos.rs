//! `--chaos`: seeded, reproducible fault injection on the upload endpoints, so clients'
//! retry paths can be tested against a real server.
//!
//! Spec: comma-separated `key=value`:
//! `seed=N` (default 1), `fail=P` (500 or 503), `reset=P` (connection broken mid-body),
//! `429=P` (with `X-RateLimit-Retry-After: retry-after`, default 1 s), `stall=P` (no
//! answer for `stall-for`, default 30s, then the request proceeds), `latency=D` (added to
//! every upload request), `after=P` (the share of fail/reset faults injected *after* the
//! chunk is committed: the client sees an error although the chunk landed).
//! Probabilities are 0..1; durations take `ms` or `s`.

use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use crate::state::AppState;
use crate::problem::Problem;

/// A parsed `--chaos` spec and its random state.
#[derive(Debug)]
pub struct Chaos {
    fail: f64,
    reset: f64,
    too_many: f64,
    stall: f64,
    after: f64,
    latency: Duration,
    stall_for: Duration,
    retry_after: u64,
    rng: Mutex<u64>,
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Nothing.
    None,
    /// Answer 500 or 503.
    Fail(StatusCode),
    /// Break the connection.
    Reset,
    /// Answer 429.
    TooMany,
    /// Hold the request, then let it proceed.
    Stall,
}

fn duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = match text.strip_suffix("ms") {
        Some(n) => (n, 1),
        None => (text.strip_suffix('s').ok_or_else(|| format!("{text}: durations end in ms or s"))?, 1000),
    };
    let n: u64 = number.parse().map_err(|_| format!("{text}: not a duration"))?;
    Ok(Duration::from_millis(n * unit))
}

impl Chaos {
    /// Parses a spec.
    pub fn parse(spec: &str) -> Result<Chaos, String> {
        let mut chaos = Chaos {
            fail: 0.0,
            reset: 0.0,
            too_many: 0.0,
            stall: 0.0,
            after: 0.0,
            latency: Duration::ZERO,
            stall_for: Duration::from_secs(30),
            retry_after: 1,
            rng: Mutex::new(1),
        };
        for item in spec.split(',').filter(|s| !s.is_empty()) {
            let (key, value) = item.split_once('=').ok_or_else(|| format!("{item}: expected key=value"))?;
            let probability = || -> Result<f64, String> {
                value.parse::<f64>().ok().filter(|p| (0.0..=1.0).contains(p)).ok_or_else(|| format!("{key}={value}: expected 0..1"))
            };
            match key {
                "seed" => *chaos.rng.get_mut().expect("fresh mutex") = value.parse().map_err(|_| format!("seed={value}"))?,
                "fail" => chaos.fail = probability()?,
                "reset" => chaos.reset = probability()?,
                "429" => chaos.too_many = probability()?,
                "stall" => chaos.stall = probability()?,
                "after" => chaos.after = probability()?,
                "latency" => chaos.latency = duration(value)?,
                "stall-for" => chaos.stall_for = duration(value)?,
                "retry-after" => chaos.retry_after = value.parse().map_err(|_| format!("retry-after={value}"))?,
                _ => return Err(format!("unknown chaos key {key}")),
            }
        }
        if chaos.fail + chaos.reset + chaos.too_many + chaos.stall > 1.0 {
            return Err("fail + reset + 429 + stall must not exceed 1".to_owned());
        }
        Ok(chaos)
    }

    /// A uniform draw in 0..1 from a splitmix64 sequence: the same seed and the same
    /// order of requests give the same faults.
    fn draw(&self) -> f64 {
        let mut state = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Picks the fault for the next request, and whether it comes after the commit.
    pub fn next_fault(&self) -> (Fault, bool) {
        let u = self.draw();
        let after = self.draw() < self.after;
        let fault = if u < self.fail {
            Fault::Fail(if self.draw() < 0.5 { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::SERVICE_UNAVAILABLE })
        } else if u < self.fail + self.reset {
            Fault::Reset
        } else if u < self.fail + self.reset + self.too_many {
            Fault::TooMany
        } else if u < self.fail + self.reset + self.too_many + self.stall {
            Fault::Stall
        } else {
            Fault::None
        };
        // Only failures and resets can hide a committed chunk.
        (fault, after && matches!(fault, Fault::Fail(_) | Fault::Reset))
    }
}

/// A response whose body fails after the headers: the connection is cut and the client
/// sees a network error.
/// The headers and a first byte go out before the cut: a connection that closes with no
/// answer at all is one Chromium silently sends the request again on (when the socket was
/// reused), so the client would never see the fault it is meant to meet.
fn broken() -> Response {
    use futures_util::StreamExt;
    let first = futures_util::stream::once(async { Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{")) });
    let cut = futures_util::stream::once(async {
        // Pending for a moment, so that hyper flushes what it has before the error.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        Err::<axum::body::Bytes, _>(std::io::Error::other("chaos: connection reset"))
    });
    let mut response = Response::new(Body::from_stream(first.chain(cut)));
    response.headers_mut().insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn failure(status: StatusCode) -> Response {
    Problem::new(status, "internal-error", "Injected failure (upload-server --chaos).").into_response()
}

/// The middleware, on the upload routes only.
pub(crate) async fn inject(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let Some(chaos) = app.chaos.clone() else { return next.run(request).await };
    if !chaos.latency.is_zero() {
        tokio::time::sleep(chaos.latency).await;
    }
    let (fault, after_commit) = chaos.next_fault();
    tracing::info!(?fault, after_commit, "chaos");
    if after_commit {
        // The chunk is received and committed; its answer is then lost.
        let _committed = next.run(request).await;
        return match fault {
            Fault::Fail(status) => failure(status),
            _ => broken(),
        };
    }
    match fault {
        Fault::None => next.run(request).await,
        Fault::Fail(status) => failure(status),
        Fault::TooMany => {
            let mut response = Problem::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many requests.").into_response();
            response.headers_mut().insert("x-ratelimit-retry-after", HeaderValue::from(chaos.retry_after));
            response.headers_mut().insert("retry-after", HeaderValue::from(chaos.retry_after));
            response
        }
        Fault::Stall => {
            tokio::time::sleep(chaos.stall_for).await;
            next.run(request).await
        }
        Fault::Reset => {
            // Take part of the body, as a connection dropping mid-upload would, then cut it.
            let mut body = request.into_body().into_data_stream();
            let mut read = 0usize;
            while let Some(Ok(bytes)) = body.next().await {
                read += bytes.len();
                if read >= 1 << 20 {
                    break;
                }
            }
            broken()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_is_reproducible() {
        let spec = "seed=42,fail=0.2,reset=0.1,429=0.1,stall=0.05,after=0.5,latency=10ms,stall-for=2s";
        let (a, b) = (Chaos::parse(spec).unwrap(), Chaos::parse(spec).unwrap());
        let faults_a: Vec<_> = (0..200).map(|_| a.next_fault()).collect();
        let faults_b: Vec<_> = (0..200).map(|_| b.next_fault()).collect();
        assert_eq!(faults_a, faults_b);
        let count = |f: fn(&Fault) -> bool| faults_a.iter().filter(|(fault, _)| f(fault)).count();
        assert!((20..=60).contains(&count(|f| matches!(f, Fault::Fail(_)))));
        assert!(count(|f| *f == Fault::Reset) > 5);
        assert!(count(|f| *f == Fault::None) > 80);
        assert!(faults_a.iter().any(|(_, after)| *after));
        assert_eq!(a.latency, Duration::from_millis(10));
        assert_eq!(a.stall_for, Duration::from_secs(2));
    }

    #[test]
    fn rejects_bad_specs() {
        for bad in ["fail", "fail=2", "nope=1", "latency=5", "fail=0.6,reset=0.6", "seed=x"] {
            assert!(Chaos::parse(bad).is_err(), "{bad}");
        }
    }
}
