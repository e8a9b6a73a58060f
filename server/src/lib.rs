//! `upload-server`: a local server that speaks api.video's upload API, with real storage.
//!
//! It is what `npm start` runs, what every browser test talks to, and what a developer
//! uses offline. See `server/README.md` for the endpoints and every deviation from api.video.
#![warn(missing_docs)]

pub mod app;
pub mod auth;
pub mod chaos;
pub mod cli;
pub mod config;
pub mod content_range;
pub mod ids;
pub mod ledger;
pub mod pagination;
pub mod parts;
pub mod problem;
pub mod rate_limit;
pub mod ranges;
pub mod store;
pub mod time;
pub mod tokens;
pub mod upload;
pub mod videos;

use axum::http::{header, HeaderMap};

/// The first characters of a secret, enough to tell tokens apart in logs without
/// making the log a credential store.
pub fn redact(secret: &str) -> String {
    let visible: String = secret.chars().take(6).collect();
    format!("{visible}…")
}

/// `http://` + the request's `Host`, so that URLs in answers point back at this server
/// whatever address it was reached on.
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}
