//! The headers of what the server serves from `--www` and `--pkg`: the drop-in page can hold
//! the server's API key (`#key=`), so no page may be framed by another site, load plugins or
//! rebase its links, and none sends a `Referer`; no file is sniffed into another type.

use axum::http::header::{HeaderValue, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::http::Response;

/// Every page's policy: no framing by another site, no plugins, no `<base>`.
pub const CSP: &str = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Adds the headers to a static file's answer.
pub async fn page_headers<B>(mut response: Response<B>) -> Response<B> {
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let html = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if html {
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    response
}
