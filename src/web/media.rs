//! The Rust API's media work, as the JavaScript binding's `js/media.js`: a file's duration
//! read by a `<video>` element (`Uploader::set_max_video_duration`), and the wait until a
//! video plays (`Video::playable`).

use js_sys::{Date, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlVideoElement, Response, Url};

use super::uploader::Slot;

/// How often the manifest is asked for, as the official uploader does.
const PLAYABLE_POLL_MS: i32 = 500;
/// When the wait gives up: a video that is not playable by then will not be soon.
const PLAYABLE_GIVE_UP_MS: f64 = 10.0 * 60.0 * 1000.0;

/// The duration of a media file in seconds, read from its metadata by a `<video>` element as
/// the official uploader does; `None` when the browser cannot tell (not a media file, no
/// document), in which case the upload goes ahead.
pub(crate) async fn duration(file: &Blob) -> Option<f64> {
    let document = web_sys::window()?.document()?;
    let video: HtmlVideoElement = document.create_element("video").ok()?.dyn_into().ok()?;
    let url = Url::create_object_url_with_blob(file).ok()?;
    let read = Slot::new();
    let (loaded, failed) = (read.clone(), read.clone());
    let on_loaded = Closure::<dyn FnMut()>::new(move || loaded.fill(true));
    let on_error = Closure::<dyn FnMut()>::new(move || failed.fill(false));
    video.set_preload("metadata");
    video.set_onloadedmetadata(Some(on_loaded.as_ref().unchecked_ref()));
    video.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    video.set_src(&url);
    let ok = read.wait().await;
    let seconds = video.duration();
    video.set_onloadedmetadata(None);
    video.set_onerror(None);
    let _ = video.remove_attribute("src");
    let _ = Url::revoke_object_url(&url);
    (ok && seconds.is_finite()).then_some(seconds)
}

/// Waits until the HLS manifest at `hls` answers with something other than 202 or an empty
/// body, polling every half second; `false` after ten minutes.
pub(crate) async fn playable(hls: &str) -> bool {
    let Some(window) = web_sys::window() else { return false };
    let deadline = Date::now() + PLAYABLE_GIVE_UP_MS;
    while Date::now() <= deadline {
        sleep(&window, PLAYABLE_POLL_MS).await;
        let Ok(answer) = JsFuture::from(window.fetch_with_str(hls)).await else { continue };
        let Ok(answer) = answer.dyn_into::<Response>() else { continue };
        if answer.status() == 202 {
            continue;
        }
        let Ok(text) = answer.text() else { continue };
        if JsFuture::from(text).await.ok().and_then(|text| text.as_string()).is_some_and(|text| !text.is_empty()) {
            return true;
        }
    }
    false
}

/// Resolves after `ms`.
async fn sleep(window: &web_sys::Window, ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}
