//! The browser shell against a running upload-server, in headless Chromium.
//!
//! `npm test` runs these through `scripts/with-server.mjs`, which starts the server and
//! passes its URL and a fresh upload token in `UPLOAD_SERVER_URL` and `UPLOAD_TOKEN`.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use wasm_video_uploader::options::MIN_CHUNK_SIZE;
use wasm_video_uploader::web::Uploader;
use wasm_video_uploader::{Progress, UploadError, UploadOptions};

wasm_bindgen_test_configure!(run_in_browser);

fn server_url() -> &'static str {
    option_env!("UPLOAD_SERVER_URL").expect("UPLOAD_SERVER_URL: run through scripts/with-server.mjs (npm test)")
}

fn options(token: &str) -> UploadOptions {
    let mut options = UploadOptions::with_upload_token(token);
    options.api_host = server_url().to_owned();
    options
}

fn valid_token() -> &'static str {
    option_env!("UPLOAD_TOKEN").expect("UPLOAD_TOKEN: run through scripts/with-server.mjs (npm test)")
}

/// A `File` of `len` deterministic bytes. Test data is made in wasm memory; the uploader
/// itself never copies file bytes into it.
fn file(len: usize, name: &str) -> web_sys::File {
    let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 4096) as u8).collect();
    let parts = Array::of1(&Uint8Array::from(bytes.as_slice()));
    let bag = web_sys::FilePropertyBag::new();
    bag.set_type("video/mp4");
    web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &bag).unwrap()
}

fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

fn record_progress(uploader: &Uploader) -> Rc<RefCell<Vec<Progress>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    uploader.on_progress(move |p| sink.borrow_mut().push(*p));
    seen
}

#[wasm_bindgen_test]
async fn single_chunk_upload_returns_the_video() {
    let file = file(300_000, "single.mp4");
    let uploader = Uploader::new(&file, options(valid_token())).unwrap();
    let progress = record_progress(&uploader);
    let video = uploader.upload().await.unwrap();

    assert!(video.video_id.starts_with("vi") && video.video_id.len() == 24, "{}", video.video_id);
    assert_eq!(field(&video.json, "videoId").as_string().as_deref(), Some(video.video_id.as_str()));
    assert_eq!(field(&video.json, "title").as_string().as_deref(), Some("single.mp4"));
    let progress = progress.borrow();
    let last = progress.last().expect("at least the acknowledgement");
    assert_eq!((last.uploaded_bytes, last.total_bytes, last.chunks_count, last.current_chunk), (300_000, 300_000, 1, 1));
    assert!(progress.windows(2).all(|w| w[0].uploaded_bytes <= w[1].uploaded_bytes));
    assert!(progress.iter().all(|p| p.uploaded_bytes <= p.total_bytes));
}

#[wasm_bindgen_test]
async fn chunks_share_the_first_video_id() {
    let len = MIN_CHUNK_SIZE as usize + 4321;
    let file = file(len, "two-chunks.mp4");
    let mut options = options(valid_token());
    options.chunk_size = MIN_CHUNK_SIZE;
    options.video_name = Some("Named by the option".into());
    let uploader = Uploader::new(&file, options).unwrap();
    let progress = record_progress(&uploader);
    let video = uploader.upload().await.unwrap();

    assert_eq!(field(&video.json, "title").as_string().as_deref(), Some("Named by the option"));
    let progress = progress.borrow();
    // Both chunks were acknowledged under one video: a second chunk without the first's
    // videoId would have started another video, and the session would have failed.
    assert!(progress.iter().any(|p| p.current_chunk == 2 && p.chunks_count == 2), "{progress:?}");
    assert_eq!(progress.last().unwrap().uploaded_bytes, len as u64);
}

#[wasm_bindgen_test]
async fn bad_token_is_a_typed_401() {
    let file = file(1000, "x.mp4");
    let uploader = Uploader::new(&file, options("toNotAToken00000000000000")).unwrap();
    let error = uploader.upload().await.unwrap_err();
    let UploadError::Http { status, problem, .. } = &error else { panic!("expected an HTTP error, got {error:?}") };
    assert_eq!(*status, 401);
    assert_eq!(problem.type_.as_deref(), Some("https://docs.api.video/reference/authentication-invalid-upload-token"));
    assert_eq!(problem.title.as_deref(), Some("The upload token is invalid or expired."));
    assert_eq!(error.code(), "UNAUTHORIZED");
}

#[wasm_bindgen_test]
async fn unreachable_server_is_a_network_error() {
    let file = file(1000, "x.mp4");
    let mut options = options(valid_token());
    // Port 9 (discard) is closed on loopback: the connection is refused at once.
    options.api_host = "http://127.0.0.1:9".into();
    let error = Uploader::new(&file, options).unwrap().upload().await.unwrap_err();
    assert_eq!(error, UploadError::Network);
}

#[wasm_bindgen_test]
fn bad_options_fail_before_any_request() {
    let empty = file(0, "empty.mp4");
    assert_eq!(Uploader::new(&empty, options(valid_token())).unwrap_err(), UploadError::EmptyFile);
    let mut small_chunks = options(valid_token());
    small_chunks.chunk_size = 1024;
    let error = Uploader::new(&file(10, "x"), small_chunks).unwrap_err();
    assert_eq!(error.code(), "CHUNK_SIZE_INVALID");
}
