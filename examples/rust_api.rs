//! The Rust API in a Rust front end (Leptos, Yew, …): a future over the same callback driver
//! the JavaScript binding uses. `npm test` compiles it (`cargo test --target
//! wasm32-unknown-unknown --features rust-api` builds the examples), and a unit test holds the
//! README's snippet to the part between the markers. `examples/leptos` is a whole app.

#[cfg(target_arch = "wasm32")]
mod app {
    // README: begin
    use wasm_video_uploader::web::{UploadEvent, Uploader};
    use wasm_video_uploader::{UploadError, UploadOptions};
    use web_sys::console;

    /// Uploads `file` with a delegated upload token; resolves with the player link.
    pub async fn upload(file: &web_sys::File, token: &str) -> Result<Option<String>, UploadError> {
        let mut options = UploadOptions::with_upload_token(token);
        options.api_host = "http://127.0.0.1:8787".into(); // upload-server; api.video's by default
        let uploader = Uploader::new(file, options)?; // a File or a Blob; checked, nothing sent yet
        uploader.set_resumable(true); // after a reload, the same file continues its video
        uploader.on_event(|event| match event {
            UploadEvent::Progress(report) => {
                let sent = report.progress.uploaded_bytes as f64 / report.progress.total_bytes as f64;
                console::log_1(&format!("{:.0} % at {:.1} MB/s", 100.0 * sent, report.bytes_per_second / 1e6).into());
            }
            UploadEvent::Retry { attempt, reason, .. } => console::warn_1(&format!("retry {attempt}: {}", reason.as_str()).into()),
            _ => {}
        });
        let video = uploader.upload().await?; // Err(UploadError): error.code(), error.kind()
        Ok(video.assets.as_ref().and_then(|assets| assets.player.clone())) // the Video, typed
    }
    // README: end
}

#[cfg(target_arch = "wasm32")]
pub use app::upload;

fn main() {}
