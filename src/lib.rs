//! A browser uploader for api.video delegated upload tokens, in Rust compiled to WebAssembly.
//!
//! The crate has two layers:
//!
//! * a pure, sans-IO core: one upload [`machine`] for files and streams that decides which
//!   request to send next and what each outcome means. It has no web-sys import and is tested
//!   natively with `cargo test`;
//! * a thin browser shell (wasm32 only) that slices the `File` into `Blob`s, performs each
//!   request with `XMLHttpRequest` + `FormData` (so file bytes never enter wasm memory), and
//!   feeds every outcome back into the machine, driven by callbacks rather than futures. The
//!   JavaScript `VideoUploader` binds to it; with the `rust-api` feature, so does an
//!   idiomatic Rust API (`web::Uploader`, `upload().await`) for Rust front ends.
#![warn(missing_docs, unreachable_pub)]

mod attempts;
pub mod content_range;
pub mod error;
pub mod limits;
pub mod machine;
pub mod meter;
pub mod options;
pub mod plan;
pub mod progress;
pub mod request;
pub mod retry;
pub mod stream;
mod text;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::UploadError;
pub use machine::{Event, Machine, Step};
pub use options::{Credentials, Origin, UploadOptions};
pub use progress::Progress;
