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
// The npm package's wasm is `no_std`: std's panic machinery would bring `core::fmt` and
// its tables along. The Rust API (`rust-api`) and every test build use std.
#![cfg_attr(all(target_arch = "wasm32", not(feature = "rust-api")), no_std)]

extern crate alloc;

mod attempts;
mod codes;
pub mod content_range;
pub mod error;
pub mod event_fields;
pub mod limits;
pub mod machine;
pub mod meter;
pub mod options;
// What the npm package's entry hands the wasm: read by the shell, tested natively.
#[cfg(any(target_arch = "wasm32", test))]
mod packed;
pub mod plan;
pub mod progress;
pub mod request;
pub mod retry;
pub mod stream;
#[cfg(any(target_arch = "wasm32", test))]
mod slots;
mod text;
pub mod video;
mod watchdog;

#[cfg(target_arch = "wasm32")]
pub mod web;

// Safe because wasm32-unknown-unknown is single-threaded (no atomics in this build).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

pub use codes::ErrorCode;
pub use error::UploadError;
pub use machine::{Event, Machine, Step};
pub use options::{Credentials, Origin, UploadOptions};
pub use progress::{AcknowledgedChunk, Progress};

/// Panics cannot happen on the paths the shell drives; should one happen anyway, the wasm
/// traps and the JS entry sees an exception, rather than shipping std's formatting code.
#[cfg(all(target_arch = "wasm32", not(feature = "rust-api"), not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
