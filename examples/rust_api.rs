//! The Rust API in a Rust front end (Leptos, Yew, …): a future over the same callback driver
//! the JavaScript binding uses. `npm test` compiles it:
//! `cargo build --target wasm32-unknown-unknown --features rust-api --example rust_api`.

#[cfg(target_arch = "wasm32")]
mod app {
    use std::cell::Cell;
    use std::rc::Rc;

    use wasm_video_uploader::web::{UploadEvent, Uploader};
    use wasm_video_uploader::{UploadError, UploadOptions};

    /// Uploads `file` with a delegated upload token; returns the new video's id.
    pub async fn upload(file: &web_sys::File, token: &str) -> Result<String, UploadError> {
        let mut options = UploadOptions::with_upload_token(token);
        options.chunk_size = 8 * 1024 * 1024;
        let uploader = Uploader::new(file, options)?;
        let share = Rc::new(Cell::new(0.0));
        let sink = share.clone();
        uploader.on_progress(move |p| sink.set(p.uploaded_bytes as f64 / p.total_bytes as f64));
        uploader.on_event(|event| {
            if let UploadEvent::Retry { attempt, reason, .. } = event {
                let _ = (attempt, reason.as_str());
            }
        });
        let video = uploader.upload().await?;
        // Typed: the title, the tags, the player link (`video.assets`)…
        Ok(video.into_typed().video_id)
    }
}

#[cfg(target_arch = "wasm32")]
pub use app::upload;

fn main() {}
