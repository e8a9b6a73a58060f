//! A browser uploader for api.video delegated upload tokens, in Rust compiled to WebAssembly.
//!
//! The crate has two layers:
//!
//! * a pure, sans-IO core ([`plan`], [`content_range`], [`progress`], [`session`], [`options`],
//!   [`error`]) that decides which request to send next and what a response means. It has no
//!   web-sys import and is tested natively with `cargo test`;
//! * a thin browser shell (wasm32 only) that slices the `File` into `Blob`s, performs each
//!   request with `XMLHttpRequest` + `FormData` (so file bytes never enter wasm memory) and
//!   feeds the results back into the core. It exposes an idiomatic Rust API
//!   (`web::Uploader`) and, on top of it, the JavaScript `VideoUploader` class.
#![warn(missing_docs, unreachable_pub)]

mod attempts;
pub mod content_range;
pub mod error;
pub mod meter;
pub mod options;
pub mod plan;
pub mod progress;
pub mod progressive;
pub mod retry;
pub mod session;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::UploadError;
pub use options::{Credentials, Origin, UploadOptions};
pub use progress::Progress;
pub use session::Session;
