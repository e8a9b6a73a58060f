//! Requests over `XMLHttpRequest`: the only way a browser reports upload progress (fetch
//! has no upload progress events).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Event, FormData, ProgressEvent, XmlHttpRequest};

use crate::error::UploadError;
use crate::session::{ChunkRequest, Outcome};

use super::json;
use super::timer::{clear_timeout, set_timeout};

/// What a finished request gave: the outcome for the session, and the parsed body
/// for the caller (the final chunk's body is the Video).
pub(crate) struct Sent {
    pub(crate) outcome: Outcome,
    pub(crate) body: Option<JsValue>,
}

/// Performs `request` on `xhr`, slicing `file` so the bytes stay in the browser: the
/// `Blob` slice goes into `FormData` as a handle and never enters wasm memory.
///
/// `on_progress(loaded, total)` receives the multipart body's upload progress. When
/// `stall_ms` is set and no progress arrives for that long while the body is being sent,
/// the request is aborted and reported as [`Outcome::Timeout`].
pub(crate) async fn send_chunk(
    xhr: &XmlHttpRequest,
    request: &ChunkRequest,
    file: &Blob,
    stall_ms: Option<f64>,
    // Boxed, not generic: one copy of this (large) future serves every caller.
    mut on_progress: Box<dyn FnMut(u64, u64)>,
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
    for (name, value) in &request.headers {
        xhr.set_request_header(name, value).map_err(browser_error)?;
    }
    xhr.set_request_header("Accept", "application/json").map_err(browser_error)?;

    // The stall watchdog: armed while the body is on the wire, re-armed by every progress
    // event, disarmed once the body is sent (the server may then take its time).
    let stalled = Rc::new(Cell::new(false));
    let timer = Rc::new(RefCell::new(JsValue::UNDEFINED));
    let watchdog = Closure::<dyn FnMut()>::new({
        let (xhr, stalled) = (xhr.clone(), stalled.clone());
        move || {
            stalled.set(true);
            let _ = xhr.abort();
        }
    });
    let watchdog_fn: Function = watchdog.as_ref().unchecked_ref::<Function>().clone();
    let arm = {
        let (timer, watchdog_fn) = (timer.clone(), watchdog_fn.clone());
        move |active: bool| {
            clear_timeout(&timer.borrow());
            if let (true, Some(ms)) = (active, stall_ms) {
                *timer.borrow_mut() = set_timeout(&watchdog_fn, ms);
            }
        }
    };

    let upload = xhr.upload().map_err(browser_error)?;
    let progress = Closure::<dyn FnMut(ProgressEvent)>::new({
        let arm = arm.clone();
        move |event: ProgressEvent| {
            let (loaded, total) = (event.loaded() as u64, event.total() as u64);
            arm(loaded < total);
            on_progress(loaded, total)
        }
    });
    upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));

    let arm_on_send = arm.clone();
    let ended = settle(xhr, |xhr| {
        let sent = xhr.send_with_opt_form_data(Some(&body));
        arm_on_send(true);
        sent
    })
    .await;
    arm(false);
    upload.set_onprogress(None);
    drop(progress);
    drop(watchdog);

    let event = ended.map_err(browser_error)?;
    Ok(match event.type_().as_str() {
        "load" => classify(xhr),
        "abort" if stalled.get() => Sent { outcome: Outcome::Timeout, body: None },
        "abort" => Sent { outcome: Outcome::Aborted, body: None },
        "timeout" => Sent { outcome: Outcome::Timeout, body: None },
        _ => Sent { outcome: Outcome::Network, body: None },
    })
}

/// POSTs a JSON body (the token refresh) and returns `(status, parsed body, raw body)`.
pub(crate) async fn post_json(
    url: &str,
    body: &str,
    headers: &[(&'static str, String)],
) -> Result<(u16, Option<JsValue>, String), UploadError> {
    let xhr = XmlHttpRequest::new().map_err(browser_error)?;
    xhr.open_with_async("POST", url, true).map_err(browser_error)?;
    for (name, value) in headers.iter().filter(|(name, _)| *name != "Authorization") {
        xhr.set_request_header(name, value).map_err(browser_error)?;
    }
    let event = settle(&xhr, |xhr| xhr.send_with_opt_str(Some(body))).await.map_err(browser_error)?;
    if event.type_() != "load" {
        return Err(UploadError::Network);
    }
    let raw = xhr.response_text().ok().flatten().unwrap_or_default();
    Ok((xhr.status().unwrap_or(0), json::parse(&raw), raw))
}

/// Sends with `send` and waits for the request to end, whichever way. Every ending
/// resolves the same promise with its event, whose type tells them apart.
async fn settle(xhr: &XmlHttpRequest, send: impl FnOnce(&XmlHttpRequest) -> Result<(), JsValue>) -> Result<Event, JsValue> {
    let settled = Promise::new(&mut |resolve, _reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&resolve));
        xhr.set_onabort(Some(&resolve));
        xhr.set_ontimeout(Some(&resolve));
    });
    let ended = match send(xhr) {
        Ok(()) => JsFuture::from(settled).await,
        Err(error) => Err(error),
    };
    xhr.set_onload(None);
    xhr.set_onerror(None);
    xhr.set_onabort(None);
    xhr.set_ontimeout(None);
    ended.map(JsCast::unchecked_into)
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
        // Whole seconds (the HTTP-date form is not used by api.video). Parsing an integer
        // keeps the float parser and its tables out of the wasm.
        let retry_after_ms = ["Retry-After", "X-RateLimit-Retry-After"]
            .iter()
            .find_map(|name| xhr.get_response_header(name).ok().flatten()?.trim().parse::<u32>().ok())
            .map(|seconds| f64::from(seconds) * 1000.0);
        Outcome::Failure { status, problem: json::problem(body.as_ref()), raw, retry_after_ms }
    };
    Sent { outcome, body }
}

/// A browser API threw where it should not (an unparsable URL, for one).
pub(crate) fn browser_error(error: JsValue) -> UploadError {
    let detail = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown browser error".to_owned());
    UploadError::Browser { detail }
}
