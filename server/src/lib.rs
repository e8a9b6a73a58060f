//! `upload-server`: a local server that speaks api.video's upload API, with real storage.
//!
//! It is what `npm start` runs, what every browser test talks to, and what a developer
//! uses offline. See `server/README.md` for the endpoints and every deviation from api.video.
#![warn(missing_docs)]

pub mod app;
pub mod auth;
pub mod chaos;
pub mod chunk_error;
pub mod cli;
pub mod config;
pub mod content_range;
mod drain;
mod error_answers;
pub mod guard;
pub mod ids;
pub mod ledger;
pub mod min_rate;
pub mod page_headers;
pub mod pagination;
pub mod parts;
pub mod problem;
pub mod rate_limit;
pub mod ranges;
pub mod serve;
pub mod state;
pub mod store;
pub mod time;
pub mod tokens;
pub mod upload;
pub mod videos;
mod windows;

use axum::http::{header, HeaderMap};

/// The first characters of a secret, enough to tell tokens apart in logs without
/// making the log a credential store. Client-controlled, so escaped like [`loggable`].
pub fn redact(secret: &str) -> String {
    let visible: String = secret.chars().take(6).collect();
    format!("{}…", loggable(&visible))
}

/// A client-controlled value as it may appear in a log line: as it is when it has the shape
/// of an id or a token (ASCII letters, digits, `-`, `_`, at most 64 characters), else
/// escaped (`"…"` with `\n`, `\u{1b}` and the like spelled out), so that no request can
/// write a line break, an escape sequence or a fake field into the log.
pub fn loggable(value: &str) -> String {
    let plain = value.len() <= 64 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain && !value.is_empty() {
        value.to_owned()
    } else {
        format!("{value:?}")
    }
}

/// `http://` + the request's `Host`, so that URLs in answers point back at this server
/// whatever address it was reached on.
/// A `Host` with anything but host characters (quotes, angle brackets, slashes: an attempt
/// to break out of the iframe snippet or the manifest) is not trusted.
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')))
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_logged_as_they_are_and_anything_else_escaped() {
        assert_eq!(loggable("vi4k0jvEUuaTdRAEjQ4Jfrgz"), "vi4k0jvEUuaTdRAEjQ4Jfrgz");
        assert_eq!(loggable("x\nFORGED status=201"), "\"x\\nFORGED status=201\"");
        assert_eq!(loggable("\u{1b}[31mred"), "\"\\u{1b}[31mred\"");
        assert_eq!(loggable(""), "\"\"");
        assert_eq!(redact("to\n1234567"), "\"to\\n123\"…");
    }

    #[test]
    fn a_host_header_is_trusted_only_when_it_looks_like_one() {
        let with_host = |host: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, host.parse().unwrap());
            origin(&headers)
        };
        assert_eq!(with_host("127.0.0.1:8787"), "http://127.0.0.1:8787");
        assert_eq!(with_host("example.com\"><script>"), "http://127.0.0.1");
        assert_eq!(with_host("a/b"), "http://127.0.0.1");
    }
}
