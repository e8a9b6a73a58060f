//! One chunk request over `XMLHttpRequest`: the only way a browser reports upload
//! progress (fetch has no upload progress events).

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Event, FormData, ProgressEvent, XmlHttpRequest};

use crate::error::UploadError;
use crate::session::{ChunkRequest, Outcome};

use super::json;

/// What a finished request gave: the outcome for the session, and the parsed body
/// for the caller (the final chunk's body is the Video).
pub(crate) struct Sent {
    pub(crate) outcome: Outcome,
    pub(crate) body: Option<JsValue>,
}

/// Performs `request` on `xhr`, slicing `file` so the bytes stay in the browser: the
/// `Blob` slice goes into `FormData` as a handle and never enters wasm memory.
///
/// `on_progress(loaded, total)` receives the multipart body's upload progress.
pub(crate) async fn send(
    xhr: &XmlHttpRequest,
    request: &ChunkRequest,
    file: &Blob,
    mut on_progress: impl FnMut(u64, u64) + 'static,
) -> Result<Sent, UploadError> {
    let body = FormData::new().map_err(browser_error)?;
    if let Some(video_id) = &request.video_id {
        body.append_with_str("videoId", video_id).map_err(browser_error)?;
    }
    let slice = file
        .slice_with_f64_and_f64(request.chunk.start as f64, request.chunk.end as f64)
        .map_err(browser_error)?;
    body.append_with_blob_and_filename("file", &slice, &request.file_name).map_err(browser_error)?;

    xhr.open_with_async("POST", &request.url, true).map_err(browser_error)?;
    xhr.set_request_header("Content-Range", &request.content_range).map_err(browser_error)?;
    xhr.set_request_header("Accept", "application/json").map_err(browser_error)?;

    let upload = xhr.upload().map_err(browser_error)?;
    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
        on_progress(event.loaded() as u64, event.total() as u64)
    });
    upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));

    // Every way a request can end resolves the same promise with its event; the event's
    // type tells them apart. No closure is needed, so none can leak.
    let settled = Promise::new(&mut |resolve, _reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&resolve));
        xhr.set_onabort(Some(&resolve));
        xhr.set_ontimeout(Some(&resolve));
    });
    let sent = xhr.send_with_opt_form_data(Some(&body));
    let ended = match sent {
        Ok(()) => JsFuture::from(settled).await,
        Err(error) => Err(error),
    };
    upload.set_onprogress(None);
    xhr.set_onload(None);
    xhr.set_onerror(None);
    xhr.set_onabort(None);
    xhr.set_ontimeout(None);
    drop(progress);

    let event: Event = ended.map_err(browser_error)?.unchecked_into();
    Ok(match event.type_().as_str() {
        "load" => classify(xhr),
        "abort" => Sent { outcome: Outcome::Aborted, body: None },
        "timeout" => Sent { outcome: Outcome::Timeout, body: None },
        _ => Sent { outcome: Outcome::Network, body: None },
    })
}

fn classify(xhr: &XmlHttpRequest) -> Sent {
    let status = xhr.status().unwrap_or(0);
    let raw = xhr.response_text().ok().flatten().unwrap_or_default();
    let body = json::parse(&raw);
    let outcome = if status == 0 {
        Outcome::Network
    } else if status < 400 {
        let video_id = body.as_ref().and_then(|b| json::string_field(b, "videoId"));
        Outcome::Success { status, video_id, raw }
    } else {
        Outcome::Failure { status, problem: json::problem(body.as_ref()), raw }
    };
    Sent { outcome, body }
}

/// A browser API threw where it should not (an unparsable URL, for one).
fn browser_error(error: JsValue) -> UploadError {
    let detail = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown browser error".to_owned());
    UploadError::Browser { detail }
}
