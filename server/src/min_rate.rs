//! An upload body must keep moving. The body timeout (`--body-timeout`) bounds each gap
//! between bytes; this bounds the pace: in every [`WINDOW`] of a body, at least
//! [`MIN_BYTES_PER_SECOND`] a second must arrive, or the body is cut (a 408, as for a body
//! that stops). One byte every few seconds no longer holds a connection and a part file for
//! as long as the client likes; any real upload, even over a poor mobile link, is far above it.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};

/// The slowest pace an upload body may keep over a window.
pub const MIN_BYTES_PER_SECOND: u64 = 1024;
/// How long the pace is measured over.
pub const WINDOW: Duration = Duration::from_secs(10);

/// Why a body was cut: it arrived too slowly.
#[derive(Debug)]
pub struct TooSlow;

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the body arrived slower than {MIN_BYTES_PER_SECOND} bytes a second over {} s", WINDOW.as_secs())
    }
}

impl std::error::Error for TooSlow {}

/// A body that fails with [`TooSlow`] when a window of it brings fewer bytes than the pace.
struct Paced {
    inner: Body,
    started: Instant,
    bytes: u64,
}

impl http_body::Body for Paced {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            this.bytes += frame.data_ref().map_or(0, |data| data.len() as u64);
        }
        // Checked whenever a frame comes (a body that brings none is the body timeout's).
        let elapsed = this.started.elapsed();
        if elapsed >= WINDOW && !matches!(polled, Poll::Ready(None)) {
            if this.bytes < MIN_BYTES_PER_SECOND * WINDOW.as_secs() {
                return Poll::Ready(Some(Err(axum::Error::new(TooSlow))));
            }
            this.started += elapsed;
            this.bytes = 0;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The middleware, on the upload routes.
pub(crate) async fn pace(request: Request, next: Next) -> Response {
    let request = request.map(|inner| Body::new(Paced { inner, started: Instant::now(), bytes: 0 }));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn a_body_that_keeps_the_pace_arrives_whole() {
        let body = Body::new(Paced { inner: Body::from(vec![7u8; 100_000]), started: Instant::now(), bytes: 0 });
        assert_eq!(body.collect().await.unwrap().to_bytes().len(), 100_000);
    }

    #[tokio::test]
    async fn a_window_under_the_pace_cuts_the_body() {
        // A body whose window began long ago, with a few bytes in it.
        let body = Body::new(Paced { inner: Body::from(vec![7u8; 10]), started: Instant::now() - WINDOW, bytes: 0 });
        let error = body.collect().await.unwrap_err();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(error) = cause.filter(|error| !error.is::<TooSlow>()) {
            cause = error.source();
        }
        assert!(cause.is_some(), "{error:?}");
    }
}
