//! The browser shell: performs the core's requests with `XMLHttpRequest`.
//!
//! [`Uploader`] is the idiomatic Rust API (for Leptos, Yew and other Rust front ends);
//! `VideoUploader` in JavaScript is a thin binding over it.

mod event;
mod js;
mod json;
mod progressive;
mod timer;
mod uploader;
mod xhr;

pub use event::UploadEvent;
pub use progressive::ProgressiveUploader;
pub use uploader::{Uploader, Video, DEFAULT_STALL_TIMEOUT_MS};
