//! Reading the rest of a request body before an early error answer.
//!
//! A handler that answers an upload with an error before reading its body (a bad token, a
//! rate limit, an injected fault) would otherwise have the connection closed under a
//! client still sending: Chromium then shows the status, but Firefox re-sends the request
//! and WebKit reports a network error, so their users see a long hang and a vague failure
//! instead of "the link expired". As production servers do, the rest of the body is read
//! and discarded first, within bounds, and only then is the error answered.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;
use http_body::{Body as HttpBody, Frame, SizeHint};

/// At most this much of a body is read to let its sender see the answer.
const MAX_DRAIN_BYTES: usize = 256 * 1024 * 1024;
/// And for at most this long (each gap between bytes is also bounded by `--body-timeout`).
const MAX_DRAIN_TIME: Duration = Duration::from_secs(30);

/// A request body that, when dropped before its end, leaves the rest in `slot`.
struct Returning {
    inner: Option<Body>,
    slot: Arc<Mutex<Option<Body>>>,
    ended: bool,
}

impl HttpBody for Returning {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let Some(inner) = self.inner.as_mut() else { return Poll::Ready(None) };
        let polled = Pin::new(inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.ended = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map_or_else(|| SizeHint::with_exact(0), HttpBody::size_hint)
    }
}

impl Drop for Returning {
    fn drop(&mut self) {
        if let (false, Some(inner)) = (self.ended, self.inner.take()) {
            if !inner.is_end_stream() {
                *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(inner);
            }
        }
    }
}

/// The middleware: runs the request, and before an error answer reads what its handler
/// left of the body.
pub(crate) async fn drain_unread_body(request: Request, next: Next) -> Response {
    // Only uploads carry bodies worth reading to the end: any other body is small (or cut at
    // its limit), and its sender is answered at once.
    let path = request.uri().path();
    if !(path == "/upload" || path.ends_with("/source")) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let slot = Arc::new(Mutex::new(None));
    let body = Body::new(Returning { inner: Some(body), slot: slot.clone(), ended: false });
    let response = next.run(Request::from_parts(parts, body)).await;
    let status = response.status();
    // A 408 was answered because the body came too slowly: reading on would wait on it again.
    if (status.is_client_error() || status.is_server_error()) && status != axum::http::StatusCode::REQUEST_TIMEOUT {
        let rest = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(rest) = rest {
            let _ = tokio::time::timeout(MAX_DRAIN_TIME, discard(rest)).await;
        }
    }
    response
}

async fn discard(body: Body) {
    let mut stream = body.into_data_stream();
    let mut read = 0;
    while let Some(Ok(bytes)) = stream.next().await {
        read += bytes.len();
        if read > MAX_DRAIN_BYTES {
            break;
        }
    }
}
