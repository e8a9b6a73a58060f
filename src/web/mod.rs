//! The browser shell: one callback-driven driver that performs the machine's requests with
//! `XMLHttpRequest`, the JavaScript binding over it and, with the `rust-api` feature, the
//! idiomatic Rust API (`Uploader::upload().await`) over the same driver.

mod browser;
mod driver;
mod exclusive;
mod js;
#[cfg(feature = "rust-api")]
mod event;
#[cfg(feature = "rust-api")]
mod media;
#[cfg(feature = "rust-api")]
mod progressive;
#[cfg(feature = "rust-api")]
mod resume;
#[cfg(feature = "rust-api")]
mod uploader;

pub use crate::limits::DEFAULT_STALL_TIMEOUT_MS;
#[cfg(feature = "rust-api")]
pub use event::{UploadEvent, Video};
#[cfg(feature = "rust-api")]
pub use progressive::ProgressiveUploader;
#[cfg(feature = "rust-api")]
pub use resume::PreviousUpload;
#[cfg(feature = "rust-api")]
pub use uploader::Uploader;
