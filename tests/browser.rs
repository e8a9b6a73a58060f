//! The browser shell against running upload-servers, in headless Chromium.
//!
//! `npm test` runs these through `scripts/with-server.mjs`, which starts a plain server and
//! one with seeded fault injection, and passes their URLs, the API key and fresh upload
//! tokens in `UPLOAD_SERVER_URL`, `UPLOAD_SERVER_CHAOS_URL`, `UPLOAD_SERVER_API_KEY`,
//! `UPLOAD_TOKEN` and `UPLOAD_CHAOS_TOKEN`.
#![cfg(target_arch = "wasm32")]
// A missing variable must fail the test loudly, with the message saying how to run it.
#![allow(clippy::option_env_unwrap)]

use std::cell::RefCell;
use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Array, Reflect, Uint8Array};
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use wasm_video_uploader::options::MIN_CHUNK_SIZE;
use wasm_video_uploader::web::{UploadEvent, Uploader};
use wasm_video_uploader::{AcknowledgedChunk, Credentials, Origin, Progress, UploadError, UploadOptions};

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! env_or_explain {
    ($name:literal) => {
        option_env!($name).expect(concat!($name, ": run through scripts/with-server.mjs (npm test)"))
    };
}

fn server_url() -> &'static str {
    env_or_explain!("UPLOAD_SERVER_URL")
}

fn chaos_url() -> &'static str {
    env_or_explain!("UPLOAD_SERVER_CHAOS_URL")
}

/// A second chaos server with its own seed, for the progressive test: each chaos test
/// draws its faults from a sequence no other test touches.
fn chaos2_url() -> &'static str {
    env_or_explain!("UPLOAD_SERVER_CHAOS2_URL")
}

fn options(token: &str) -> UploadOptions {
    let mut options = UploadOptions::with_upload_token(token);
    options.api_host = server_url().to_owned();
    options
}

fn valid_token() -> &'static str {
    env_or_explain!("UPLOAD_TOKEN")
}

fn bytes(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 4096 + seed) as u8).collect()
}

/// A `File` of `len` deterministic bytes. Test data is made in wasm memory; the uploader
/// itself never copies file bytes into it.
fn file_of(data: &[u8], name: &str) -> web_sys::File {
    let parts = Array::of1(&Uint8Array::from(data));
    let bag = web_sys::FilePropertyBag::new();
    bag.set_type("video/mp4");
    web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &bag).unwrap()
}

fn file(len: usize, name: &str) -> web_sys::File {
    file_of(&bytes(len, 0), name)
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

fn record_events(uploader: &Uploader) -> Rc<RefCell<Vec<UploadEvent>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    uploader.on_event(move |event| sink.borrow_mut().push(event.clone()));
    seen
}

fn names(events: &[UploadEvent]) -> Vec<&'static str> {
    events.iter().map(UploadEvent::name).filter(|n| *n != "progress").collect()
}

fn basic_auth() -> String {
    let key = env_or_explain!("UPLOAD_SERVER_API_KEY");
    format!("Basic {}", web_sys::window().unwrap().btoa(&format!("{key}:")).unwrap())
}

/// A request to the API (through gloo-net), with `body` as JSON and the test's credentials
/// in `auth`; returns the status and the parsed body (`null` when it is not JSON).
async fn api(method: Method, url: &str, body: Option<serde_json::Value>, auth: Option<&str>) -> (u16, serde_json::Value) {
    let mut request = RequestBuilder::new(url).method(method);
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    let response = match body {
        Some(body) => request.json(&body).unwrap().send().await,
        None => request.send().await,
    }
    .unwrap();
    (response.status(), response.json().await.unwrap_or(serde_json::Value::Null))
}

async fn create_container(base: &str, title: &str) -> String {
    let (status, video) = api(Method::POST, &format!("{base}/videos"), Some(json!({ "title": title })), Some(&basic_auth())).await;
    assert_eq!(status, 201);
    video["videoId"].as_str().unwrap().to_owned()
}

async fn download(url: &str) -> Vec<u8> {
    let response = RequestBuilder::new(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.binary().await.unwrap()
}

/// A retry strategy that waits 20 ms, for tests that meet many injected faults.
fn quick_retries(uploader: &Uploader, max: u32) {
    uploader.set_retry_strategy(Rc::new(move |count, error: &UploadError| {
        (count < max && wasm_video_uploader::retry::RetryReason::of(error).is_some()).then_some(20.0)
    }));
}

/// An uploader of `data` in 5 MiB chunks to the plain server.
fn chunked_uploader(data: &[u8], name: &str) -> Rc<Uploader> {
    let mut options = options(valid_token());
    options.chunk_size = MIN_CHUNK_SIZE;
    Rc::new(Uploader::new(&file_of(data, name), options).unwrap())
}

/// Runs `act` once, from the listener, when the server acknowledges chunk 1 (before chunk
/// 2 starts).
fn on_first_chunk(uploader: &Rc<Uploader>, act: impl FnOnce(Rc<Uploader>) + 'static) {
    let weak = Rc::downgrade(uploader);
    let mut act = Some(act);
    uploader.on_event(move |event| {
        if matches!(event, UploadEvent::Chunk(AcknowledgedChunk { chunk: 1, .. })) {
            if let (Some(act), Some(uploader)) = (act.take(), weak.upgrade()) {
                act(uploader);
            }
        }
    });
}

/// The server stores exactly `data` as the video's source.
async fn assert_stored(video: &wasm_video_uploader::web::Video, data: &[u8]) {
    let mp4 = video.assets.as_ref().and_then(|assets| assets.mp4.clone()).expect("the typed Video has its MP4 link");
    assert!(download(&mp4).await == data, "the stored bytes are the file's");
}

#[wasm_bindgen_test]
async fn single_chunk_upload_returns_the_video() {
    let file = file(300_000, "single.mp4");
    let uploader = Uploader::new(&file, options(valid_token())).unwrap();
    let progress = record_progress(&uploader);
    let events = record_events(&uploader);
    let video = uploader.upload().await.unwrap();

    assert!(video.video_id.starts_with("vi") && video.video_id.len() == 24, "{}", video.video_id);
    assert_eq!(field(&video.json, "videoId").as_string().as_deref(), Some(video.video_id.as_str()));
    assert_eq!(field(&video.json, "title").as_string().as_deref(), Some("single.mp4"));
    // The same, typed.
    assert_eq!(video.title.as_deref(), Some("single.mp4"));
    let player = video.assets.as_ref().and_then(|assets| assets.player.as_deref()).expect("a player link");
    assert!(player.contains(video.video_id.as_str()), "{player}");
    let progress = progress.borrow();
    let last = progress.last().expect("at least the acknowledgement");
    assert_eq!((last.uploaded_bytes, last.total_bytes, last.chunks_count, last.current_chunk), (300_000, 300_000, 1, 1));
    assert!(progress.windows(2).all(|w| w[0].uploaded_bytes <= w[1].uploaded_bytes));
    assert_eq!(names(&events.borrow()), ["chunk", "success"]);
}

#[wasm_bindgen_test]
async fn chunks_share_the_first_video_id() {
    let len = MIN_CHUNK_SIZE as usize + 4321;
    let file = file(len, "two-chunks.mp4");
    let mut options = options(valid_token());
    options.chunk_size = MIN_CHUNK_SIZE;
    options.video_name = Some("Named by the option".into());
    options.application = Some(Origin { name: "browser-tests".into(), version: "1.0".into() });
    let uploader = Uploader::new(&file, options).unwrap();
    let events = record_events(&uploader);
    let video = uploader.upload().await.unwrap();

    assert_eq!(field(&video.json, "title").as_string().as_deref(), Some("Named by the option"));
    assert_eq!(video.title.as_deref(), Some("Named by the option"));
    // Both chunks were acknowledged under one video: a second chunk without the first's
    // videoId would have started another video, and the session would have failed.
    let chunks: Vec<(u32, String)> = events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            UploadEvent::Chunk(AcknowledgedChunk { chunk, video_id, .. }) => Some((*chunk, video_id.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(chunks, [(1, video.video_id.clone()), (2, video.video_id.clone())]);
    assert_stored(&video, &bytes(len, 0)).await;
}

#[wasm_bindgen_test]
async fn bad_token_is_a_typed_401_without_retries() {
    let file = file(1000, "x.mp4");
    let uploader = Uploader::new(&file, options("toNotAToken00000000000000")).unwrap();
    let events = record_events(&uploader);
    let error = uploader.upload().await.unwrap_err();
    let UploadError::Http { status, problem, .. } = &error else { panic!("expected an HTTP error, got {error:?}") };
    assert_eq!(*status, 401);
    assert_eq!(problem.type_.as_deref(), Some("https://docs.api.video/reference/authentication-invalid-upload-token"));
    assert_eq!(problem.title.as_deref(), Some("The upload token is invalid or expired."));
    assert_eq!(error.code(), "UNAUTHORIZED");
    assert_eq!(names(&events.borrow()), ["error"], "a 401 is not retried");
}

#[wasm_bindgen_test]
async fn unreachable_server_is_retried_then_a_network_error() {
    let file = file(1000, "x.mp4");
    let mut options = options(valid_token());
    // Port 9 (discard) is closed on loopback: the connection is refused at once.
    options.api_host = "http://127.0.0.1:9".into();
    options.retries = 2;
    let uploader = Uploader::new(&file, options).unwrap();
    quick_retries(&uploader, 2);
    let events = record_events(&uploader);
    assert_eq!(uploader.upload().await.unwrap_err(), UploadError::Network);
    let retries: Vec<(u32, &'static str)> = events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            UploadEvent::Retry { attempt, reason, .. } => Some((*attempt, reason.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(retries, [(1, "NETWORK_ERROR"), (2, "NETWORK_ERROR")]);
}

/// What a Rust app listening to the JavaScript uploader (or the element) gets: its events'
/// details arrive typed through serde-wasm-bindgen, as JavaScript numbers (whole, fractional,
/// null) and with fields the Rust types leave aside.
#[wasm_bindgen_test]
fn javascript_event_details_arrive_typed_through_serde_wasm_bindgen() {
    let progress = js_sys::JSON::parse(r#"{"uploadedBytes":5242880,"totalBytes":12582912,"chunksCount":3,"chunksBytes":5242880,"currentChunk":2,"currentChunkUploadedBytes":0,"bytesPerSecond":1048576.5,"etaSeconds":null,"file":{}}"#).unwrap();
    let report: wasm_video_uploader::meter::Report = serde_wasm_bindgen::from_value(progress).unwrap();
    assert_eq!((report.progress.uploaded_bytes, report.progress.total_bytes, report.progress.current_chunk), (5_242_880, 12_582_912, 2));
    assert_eq!((report.bytes_per_second, report.eta_seconds), (1_048_576.5, None));
    let chunk = js_sys::JSON::parse(r#"{"chunk":2,"chunksCount":3,"leadingChunks":2,"leadingBytes":10485760,"videoId":"vi4k0jvEUuaTdRAEjQ4Jfrgz","uploadedBytes":10485760,"chunksBytes":5242880,"startedChunks":3}"#).unwrap();
    let chunk: AcknowledgedChunk = serde_wasm_bindgen::from_value(chunk).unwrap();
    assert_eq!(chunk, AcknowledgedChunk { chunk: 2, chunks_count: 3, video_id: "vi4k0jvEUuaTdRAEjQ4Jfrgz".into(), uploaded_bytes: 10_485_760 });
    let problem = js_sys::JSON::parse(r#"{"type":"https://docs.api.video/reference/too-many-requests","title":"Too many requests.","status":429}"#).unwrap();
    let problem: wasm_video_uploader::error::Problem = serde_wasm_bindgen::from_value(problem).unwrap();
    assert_eq!((problem.type_.as_deref(), problem.title.as_deref(), problem.name), (Some("https://docs.api.video/reference/too-many-requests"), Some("Too many requests."), None));
}

#[wasm_bindgen_test]
fn bad_options_fail_before_any_request() {
    let empty = file(0, "empty.mp4");
    assert_eq!(Uploader::new(&empty, options(valid_token())).unwrap_err(), UploadError::EmptyFile);
    let mut small_chunks = options(valid_token());
    small_chunks.chunk_size = 1024;
    assert_eq!(Uploader::new(&file(10, "x"), small_chunks).unwrap_err().code(), "CHUNK_SIZE_INVALID");
    let mut api_key = options(valid_token());
    api_key.credentials = Credentials::ApiKey("key".into());
    assert_eq!(Uploader::new(&file(10, "x"), api_key).unwrap_err().to_string(), "'videoId' is missing");
}

#[wasm_bindgen_test]
async fn faults_before_and_after_commit_are_retried_to_a_byte_identical_video() {
    let title = format!("chaos-{}", js_sys::Math::random().to_bits());
    let video_id = create_container(chaos_url(), &title).await;
    let data = bytes(6 * MIN_CHUNK_SIZE as usize + 12345, 3);
    let mut options = UploadOptions::with_upload_token(env_or_explain!("UPLOAD_CHAOS_TOKEN"));
    options.api_host = chaos_url().to_owned();
    options.chunk_size = MIN_CHUNK_SIZE;
    options.video_id = Some(video_id.clone());
    // Seven chunks meet the seeded faults (failures before and after commit, resets,
    // 429s) chunk after chunk. Uploading into a container means that even a lost answer to
    // the first chunk cannot start a second video.
    let uploader = Uploader::new(&file_of(&data, "chaos.mp4"), options).unwrap();
    quick_retries(&uploader, 40);
    let events = record_events(&uploader);
    let video = uploader.upload().await.unwrap();
    assert_eq!(video.video_id, video_id);

    let reasons: Vec<&'static str> = events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            UploadEvent::Retry { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    // The seed makes the faults the same on every run: 5xx, connection resets and 429s.
    for expected in ["SERVER_ERROR", "NETWORK_ERROR", "RATE_LIMITED"] {
        assert!(reasons.contains(&expected), "no {expected} among {reasons:?}");
    }
    assert!(reasons.iter().all(|r| ["NETWORK_ERROR", "SERVER_ERROR", "RATE_LIMITED"].contains(r)), "{reasons:?}");
    let (status, list) = api(Method::GET, &format!("{}/videos?title={title}", chaos_url()), None, Some(&basic_auth())).await;
    assert_eq!(status, 200);
    assert_eq!(list["pagination"]["itemsTotal"], 1, "exactly one video");
    let mp4 = format!("{}/vod/{video_id}/mp4/source.mp4", chaos_url());
    assert!(download(&mp4).await == data, "the stored bytes are the file's");
}

#[wasm_bindgen_test]
async fn pause_aborts_and_resume_completes() {
    let data = bytes(4 * MIN_CHUNK_SIZE as usize, 5);
    let uploader = chunked_uploader(&data, "paused.mp4");
    let events = record_events(&uploader);
    // Paused from the acknowledgement of chunk 1, before chunk 2 starts; resumed once the
    // pause event has been delivered, from a fresh task.
    on_first_chunk(&uploader, |uploader| {
        uploader.pause();
        assert!(uploader.is_paused());
    });
    let weak = Rc::downgrade(&uploader);
    uploader.on_event(move |event| {
        if matches!(event, UploadEvent::Pause) {
            let weak = weak.clone();
            wasm_bindgen_futures::spawn_local(async move {
                tick(0).await;
                if let Some(uploader) = weak.upgrade() {
                    uploader.resume();
                }
            });
        }
    });
    let video = uploader.upload().await.unwrap();
    let names = names(&events.borrow());
    assert_eq!(names, ["chunk", "pause", "resume", "chunk", "chunk", "chunk", "success"]);
    let last = events.borrow().iter().rev().find_map(|e| match e {
        UploadEvent::Progress(report) => Some(report.progress.uploaded_bytes),
        _ => None,
    });
    assert_eq!(last, Some(data.len() as u64));
    assert_stored(&video, &data).await;
}

async fn tick(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn api_key_mode_uploads_into_a_container() {
    let video_id = create_container(server_url(), "Container title").await;
    let mut options = options("unused");
    options.credentials = Credentials::ApiKey(env_or_explain!("UPLOAD_SERVER_API_KEY").into());
    options.video_id = Some(video_id.clone());
    let video = Uploader::new(&file(2000, "ignored-name.mp4"), options).unwrap().upload().await.unwrap();
    assert_eq!(video.video_id, video_id);
    assert_eq!(field(&video.json, "title").as_string().as_deref(), Some("Container title"));
}

#[wasm_bindgen_test]
async fn an_expired_access_token_is_refreshed_and_the_chunk_replayed() {
    let key = env_or_explain!("UPLOAD_SERVER_API_KEY");
    let (status, tokens) = api(Method::POST, &format!("{}/auth/api-key", server_url()), Some(json!({ "apiKey": key })), None).await;
    assert_eq!(status, 200);
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let video_id = create_container(server_url(), "refreshed").await;
    let mut options = options("unused");
    options.credentials = Credentials::AccessToken { access_token: "expired".into(), refresh_token: Some(refresh) };
    options.video_id = Some(video_id.clone());
    let video = Uploader::new(&file(3000, "r.mp4"), options).unwrap().upload().await.unwrap();
    assert_eq!(video.video_id, video_id);

    let mut options = self::options("unused");
    options.credentials = Credentials::AccessToken { access_token: "expired".into(), refresh_token: Some("not-a-refresh-token".into()) };
    options.video_id = Some(video_id);
    let error = Uploader::new(&file(3000, "r.mp4"), options).unwrap().upload().await.unwrap_err();
    assert_eq!(error.status(), Some(400), "the failed refresh ends the upload: {error:?}");
}

#[wasm_bindgen_test]
async fn a_progressive_upload_meets_faults_and_still_lands_byte_identical() {
    use wasm_video_uploader::web::ProgressiveUploader;
    let title = format!("progressive-{}", js_sys::Math::random().to_bits());
    let video_id = create_container(chaos2_url(), &title).await;
    let mut options = UploadOptions::with_upload_token(env_or_explain!("UPLOAD_CHAOS2_TOKEN"));
    options.api_host = chaos2_url().to_owned();
    options.video_id = Some(video_id.clone());
    let uploader = ProgressiveUploader::new(options, true, true).unwrap();
    uploader.set_retry_strategy(Rc::new(|count, error: &UploadError| {
        (count < 40 && wasm_video_uploader::retry::RetryReason::of(error).is_some()).then_some(20.0)
    }));
    let data = bytes(16 * 1024 * 1024 + 777, 9);
    let mut answered = 0;
    let pieces: Vec<&[u8]> = data.chunks(1024 * 1024).collect();
    for piece in &pieces[..pieces.len() - 1] {
        let blob: web_sys::Blob = file_of(piece, "piece").into();
        if uploader.upload_part(&blob).await.unwrap().is_some() {
            answered += 1;
        }
    }
    let last: web_sys::Blob = file_of(pieces[pieces.len() - 1], "piece").into();
    let video = uploader.upload_last_part(&last).await.unwrap();
    assert_eq!(video.video_id, video_id);
    assert_eq!(answered, 3, "16 MiB in 1 MiB blobs, the newest held back: three 5 MiB parts, then the last");
    let mp4 = format!("{}/vod/{video_id}/mp4/source.mp4", chaos2_url());
    assert!(download(&mp4).await == data, "the stored bytes are the stream's");
}

#[wasm_bindgen_test]
async fn the_default_policy_waits_as_long_as_retry_after_asks() {
    let mut options = UploadOptions::with_upload_token(env_or_explain!("UPLOAD_LIMITED_TOKEN"));
    options.api_host = env_or_explain!("UPLOAD_SERVER_LIMITED_URL").to_owned();
    options.retries = 1;
    let uploader = Uploader::new(&file(1000, "limited.mp4"), options).unwrap();
    let events = record_events(&uploader);
    let error = uploader.upload().await.unwrap_err();
    assert_eq!((error.code(), error.status()), ("RATE_LIMITED", Some(429)));
    let delays: Vec<(f64, &'static str)> = events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            UploadEvent::Retry { delay_ms, reason, .. } => Some((*delay_ms, reason.as_str())),
            _ => None,
        })
        .collect();
    // The default first delay is 0.5–1 s; the server's Retry-After (read through CORS) is 2 s.
    assert_eq!(delays, [(2000.0, "RATE_LIMITED")]);
}

#[wasm_bindgen_test]
async fn a_stalled_transfer_is_aborted_and_retried() {
    let mut options = UploadOptions::with_upload_token(env_or_explain!("UPLOAD_STALLED_TOKEN"));
    options.api_host = env_or_explain!("UPLOAD_SERVER_STALLED_URL").to_owned();
    options.retries = 1;
    options.chunk_size = 32 * 1024 * 1024;
    // Larger than the loopback socket buffers, so the browser's upload progress stops when
    // the server stops reading.
    let uploader = Uploader::new(&file(32 * 1024 * 1024, "stalled.mp4"), options).unwrap();
    uploader.set_stall_timeout(Some(700.0));
    uploader.set_retry_strategy(Rc::new(|count, error: &UploadError| (count < 1 && *error == UploadError::Timeout).then_some(10.0)));
    let events = record_events(&uploader);
    assert_eq!(uploader.upload().await.unwrap_err(), UploadError::Timeout);
    let reasons: Vec<&'static str> = events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            UploadEvent::Retry { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, ["NETWORK_TIMEOUT"]);
}

#[wasm_bindgen_test]
async fn cancel_rejects_with_aborted_and_upload_then_continues_the_same_video() {
    let data = bytes(3 * MIN_CHUNK_SIZE as usize, 11);
    let uploader = chunked_uploader(&data, "cancelled.mp4");
    let events = record_events(&uploader);
    on_first_chunk(&uploader, |uploader| {
        // The browser reports connectivity changes while the upload runs.
        let window = web_sys::window().unwrap();
        window.dispatch_event(&web_sys::Event::new("offline").unwrap()).unwrap();
        window.dispatch_event(&web_sys::Event::new("online").unwrap()).unwrap();
        uploader.cancel();
    });
    let error = uploader.upload().await.unwrap_err();
    assert_eq!((error.code(), error.reason()), ("ABORTED", Some("ABORTED")));
    let first_video = events.borrow().iter().find_map(|e| match e {
        UploadEvent::Chunk(AcknowledgedChunk { video_id, .. }) => Some(video_id.clone()),
        _ => None,
    });
    let video = uploader.upload().await.unwrap();
    assert_eq!(Some(video.video_id.clone()), first_video, "the second upload() continued the same video");
    let names = names(&events.borrow());
    assert_eq!(names, ["chunk", "offline", "online", "error", "chunk", "chunk", "success"]);
    assert_stored(&video, &data).await;
}

#[wasm_bindgen_test]
async fn offline_pauses_the_rust_upload_without_a_retry_and_online_resumes_it() {
    let data = bytes(3 * MIN_CHUNK_SIZE as usize, 17);
    let uploader = chunked_uploader(&data, "offline.mp4");
    let events = record_events(&uploader);
    let paused = Rc::new(RefCell::new(Vec::new()));
    let seen = paused.clone();
    on_first_chunk(&uploader, move |uploader| {
        let window = web_sys::window().unwrap();
        window.dispatch_event(&web_sys::Event::new("offline").unwrap()).unwrap();
        seen.borrow_mut().push(uploader.is_paused());
        // An element's event of the same name that bubbles to window is not the network's.
        let body = window.document().unwrap().body().unwrap();
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        body.dispatch_event(&web_sys::Event::new_with_event_init_dict("online", &init).unwrap()).unwrap();
        seen.borrow_mut().push(uploader.is_paused());
        window.dispatch_event(&web_sys::Event::new("online").unwrap()).unwrap();
        seen.borrow_mut().push(uploader.is_paused());
    });
    let video = uploader.upload().await.unwrap();
    assert_eq!(*paused.borrow(), [true, true, false], "paused while offline, by the network's own events alone");
    assert_eq!(names(&events.borrow()), ["chunk", "offline", "online", "chunk", "chunk", "success"], "no retry, no pause or resume");
    assert_stored(&video, &data).await;
}

#[wasm_bindgen_test]
async fn an_upload_cancelled_while_paused_runs_again_on_upload() {
    let data = bytes(2 * MIN_CHUNK_SIZE as usize, 13);
    let uploader = chunked_uploader(&data, "paused-cancelled.mp4");
    on_first_chunk(&uploader, |uploader| {
        uploader.pause();
        uploader.cancel();
    });
    assert_eq!(uploader.upload().await.unwrap_err(), UploadError::Aborted);
    assert!(uploader.is_paused());
    let video = uploader.upload().await.unwrap();
    assert!(!uploader.is_paused());
    assert_stored(&video, &data).await;
}

#[wasm_bindgen_test]
async fn parallel_parts_from_rust_shape_the_chunks_and_land_byte_identical() {
    // 24 MiB in chunks of at most 50 MiB, 4 at once: 5 MiB alone, then the middle shared
    // between the connections (three of 6 MiB: every chunk but the last at least 5 MiB),
    // then about 1 MiB last.
    let data = bytes(24 * 1024 * 1024, 9);
    let mut options = options(valid_token());
    options.parallel_parts = 4;
    let uploader = Uploader::new(&file_of(&data, "parallel.mp4"), options).unwrap();
    let events = record_events(&uploader);
    let video = uploader.upload().await.unwrap();
    let chunks: Vec<(u32, u32)> = events
        .borrow()
        .iter()
        .filter_map(|event| match event {
            UploadEvent::Chunk(AcknowledgedChunk { chunk, chunks_count, .. }) => Some((*chunk, *chunks_count)),
            _ => None,
        })
        .collect();
    let mut numbers: Vec<u32> = chunks.iter().map(|(chunk, _)| *chunk).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2, 3, 4, 5], "{chunks:?}");
    assert!(chunks.iter().all(|(_, count)| *count == 5), "{chunks:?}");
    assert_stored(&video, &data).await;
}

/// A resumable uploader for `file` in 5 MiB chunks.
fn resumable(file: &web_sys::File) -> Rc<Uploader> {
    let mut options = options(valid_token());
    options.chunk_size = MIN_CHUNK_SIZE;
    let uploader = Rc::new(Uploader::new(file, options).unwrap());
    uploader.set_resumable(true);
    uploader
}

/// Starts `uploader` and leaves it once chunk 1 has landed (it pauses, as a page that goes
/// away leaves its upload; the caller drops it): the video's id.
async fn leave_after_chunk_one(uploader: &Rc<Uploader>) -> String {
    let video_id = Rc::new(RefCell::new(String::new()));
    // Resolved by the event of chunk 1: the fact the test waits on.
    let mut landed_resolve = None;
    let landed = js_sys::Promise::new(&mut |resolve, _| landed_resolve = Some(resolve));
    let (seen, resolve) = (video_id.clone(), landed_resolve.unwrap());
    uploader.on_event(move |event| {
        if let UploadEvent::Chunk(AcknowledgedChunk { chunk: 1, video_id, .. }) = event {
            seen.replace(video_id.clone());
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    on_first_chunk(uploader, |uploader| uploader.pause());
    let running = uploader.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = running.upload().await;
    });
    JsFuture::from(landed).await.unwrap();
    let id = video_id.borrow().clone();
    id
}

#[wasm_bindgen_test]
async fn a_resumable_upload_continues_the_same_video_from_a_new_uploader() {
    // Three 5 MiB chunks and a bit; the first uploader stops once chunk 1 has landed, and a
    // new one for the same file goes on from chunk 2 into the same video.
    let data = bytes(3 * MIN_CHUNK_SIZE as usize + 1000, 11);
    let file = file_of(&data, "resumed-from-rust.mp4");
    let first = resumable(&file);
    let video_id = leave_after_chunk_one(&first).await;
    drop(first);

    // Listed as the JavaScript findPreviousUploads() lists it.
    let listed = Uploader::find_previous_uploads(Some(&file));
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!((listed[0].file_name.as_str(), listed[0].size, listed[0].video_id.as_str()), ("resumed-from-rust.mp4", data.len() as u64, video_id.as_str()));
    assert_eq!((listed[0].uploaded_chunks, listed[0].chunk_size), (1, Some(MIN_CHUNK_SIZE)));
    assert!(Uploader::find_previous_uploads(None).iter().any(|upload| upload.video_id == video_id));
    assert!(Uploader::find_previous_uploads(Some(&file_of(&data, "another-name.mp4"))).is_empty());

    let second = resumable(&file);
    let events = record_events(&second);
    let video = second.upload().await.unwrap();
    assert_eq!(video.video_id, video_id, "the same video");
    let chunks: Vec<u32> = events
        .borrow()
        .iter()
        .filter_map(|event| match event {
            UploadEvent::Chunk(AcknowledgedChunk { chunk, .. }) => Some(*chunk),
            _ => None,
        })
        .collect();
    assert_eq!(chunks, [2, 3, 4], "only what the server lacked");
    assert_stored(&video, &data).await;

    // The record went with the upload: a third uploader starts a video of its own.
    assert!(Uploader::find_previous_uploads(Some(&file)).is_empty());
    let third = resumable(&file);
    let again = third.upload().await.unwrap();
    assert_ne!(again.video_id, video.video_id);
}

#[wasm_bindgen_test]
async fn an_expired_or_cleared_record_is_not_continued() {
    let data = bytes(2 * MIN_CHUNK_SIZE as usize + 10, 12);
    let file = file_of(&data, "expiring-from-rust.mp4");
    // An expiry shorter than the record's age: the record is swept, a new video starts.
    let first = resumable(&file);
    let left = leave_after_chunk_one(&first).await;
    drop(first);
    let strict = resumable(&file);
    strict.set_resumable_expiry(0.0);
    // The fact the expiry needs: the record is older than 0 ms.
    let written = Uploader::find_previous_uploads(Some(&file))[0].created_at;
    while js_sys::Date::now() <= written {
        tick(1).await;
    }
    let fresh = strict.upload().await.unwrap();
    assert_ne!(fresh.video_id, left);
    assert_stored(&fresh, &data).await;

    // Cleared: nothing listed, nothing continued.
    let first = resumable(&file);
    let left = leave_after_chunk_one(&first).await;
    drop(first);
    assert_eq!(Uploader::find_previous_uploads(Some(&file)).len(), 1);
    Uploader::clear_previous_uploads();
    assert!(Uploader::find_previous_uploads(None).is_empty());
    let after = resumable(&file).upload().await.unwrap();
    assert_ne!(after.video_id, left);
}

/// A `seconds`-long 8 kHz mono 8-bit WAV: a media file a `<video>` element reads a duration
/// from.
fn wav(seconds: u32) -> Vec<u8> {
    let samples = 8000 * seconds;
    let mut out = Vec::with_capacity(44 + samples as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + samples).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&8000u32.to_le_bytes()); // samples a second
    out.extend_from_slice(&8000u32.to_le_bytes()); // bytes a second
    out.extend_from_slice(&1u16.to_le_bytes()); // block
    out.extend_from_slice(&8u16.to_le_bytes()); // bits
    out.extend_from_slice(b"data");
    out.extend_from_slice(&samples.to_le_bytes());
    out.extend((0..samples).map(|i| (128.0 + 100.0 * (f64::from(i) / 10.0).sin()) as u8));
    out
}

#[wasm_bindgen_test]
async fn a_maximum_duration_refuses_a_longer_file_before_sending_and_lets_the_rest_go() {
    let three_seconds = file_of(&wav(3), "three-seconds.wav");
    let with_max = |file: &web_sys::File, max: f64| {
        let uploader = Uploader::new(file, options(valid_token())).unwrap();
        uploader.set_max_video_duration(Some(max));
        uploader
    };
    let too_long = with_max(&three_seconds, 2.0);
    let events = record_events(&too_long);
    let error = too_long.upload().await.unwrap_err();
    assert_eq!((error.code(), error.kind(), error.to_string().as_str()), ("VIDEO_TOO_LONG", wasm_video_uploader::ErrorCode::VideoTooLong, "The submitted video is too long."));
    assert!(events.borrow().iter().all(|event| !matches!(event, UploadEvent::Progress(_) | UploadEvent::Chunk(_))), "nothing sent");
    // The same uploader with room enough uploads it.
    too_long.set_max_video_duration(Some(4.0));
    let video = too_long.upload().await.unwrap();
    assert_stored(&video, &wav(3)).await;
    // No duration to read (not a media file): the upload goes ahead.
    let unknown = with_max(&file(1000, "not-media.mp4"), 1.0).upload().await.unwrap();
    assert!(unknown.video_id.starts_with("vi"));
}

#[wasm_bindgen_test]
async fn an_uploaded_video_becomes_playable() {
    let uploader = Uploader::new(&file(1000, "playable.mp4"), options(valid_token())).unwrap();
    let video = uploader.upload().await.unwrap();
    assert!(video.playable().await, "the manifest answers once the source is in");
    let manifest = download(video.assets.as_ref().and_then(|assets| assets.hls.as_deref()).unwrap()).await;
    assert!(manifest.starts_with(b"#EXTM3U"));
}

/// A new upload token of the plain server.
async fn new_token() -> String {
    let (status, token) = api(Method::POST, &format!("{}/upload-tokens", server_url()), Some(json!({ "ttl": 0 })), Some(&basic_auth())).await;
    assert_eq!(status, 200);
    token["token"].as_str().unwrap().to_owned()
}

/// Withdraws `token` (`DELETE /upload-tokens/{token}`), as an app's backend does.
async fn withdraw(token: &str) {
    let (status, _) = api(Method::DELETE, &format!("{}/upload-tokens/{token}", server_url()), None, Some(&basic_auth())).await;
    assert_eq!(status, 204);
}

/// An uploader of `file` in 5 MiB chunks whose tokens come from `tokens`, in order; how
/// many it asked for.
fn provided(file: &web_sys::File, tokens: Vec<String>) -> (Rc<Uploader>, Rc<std::cell::Cell<usize>>) {
    let mut options = UploadOptions::with_token_provider();
    options.api_host = server_url().into();
    options.chunk_size = MIN_CHUNK_SIZE;
    options.stall_timeout_ms = None;
    let uploader = Rc::new(Uploader::new(file, options).unwrap());
    let asked = Rc::new(std::cell::Cell::new(0));
    let count = asked.clone();
    uploader.set_token_provider(move || {
        let token = tokens.get(count.get()).cloned().ok_or_else(|| "no more tokens".to_owned());
        count.set(count.get() + 1);
        async move { token }
    });
    (uploader, asked)
}

#[wasm_bindgen_test]
async fn a_token_provider_replaces_a_withdrawn_token_and_the_upload_carries_on_into_the_same_video() {
    let data = bytes(3 * MIN_CHUNK_SIZE as usize + 100, 13);
    let file = file_of(&data, "provided-from-rust.mp4");
    let (first, second) = (new_token().await, new_token().await);
    let (uploader, asked) = provided(&file, vec![first.clone(), second]);
    let events = record_events(&uploader);
    // Paused once chunk 1 has landed; the backend withdraws the first token meanwhile.
    on_first_chunk(&uploader, |uploader| uploader.pause());
    let running = uploader.clone();
    let upload = wasm_bindgen_futures::JsFuture::from(wasm_bindgen_futures::future_to_promise(async move {
        let video = running.upload().await.map_err(|error| JsValue::from_str(error.code()))?;
        Ok(JsValue::from_str(&video.video_id))
    }));
    while !uploader.is_paused() {
        tick(5).await;
    }
    withdraw(&first).await;
    uploader.resume();
    let video_id = upload.await.expect("the upload carried on").as_string().unwrap();
    assert_eq!(asked.get(), 2, "asked at the start, and once after the refusal");
    let seen = events.borrow();
    assert!(seen.iter().all(|event| !matches!(event, UploadEvent::Error(_))), "no error event: {:?}", names(&seen));
    let chunks: Vec<(u32, String)> = seen
        .iter()
        .filter_map(|event| match event {
            UploadEvent::Chunk(AcknowledgedChunk { chunk, video_id, .. }) => Some((*chunk, video_id.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(chunks.iter().map(|(chunk, _)| *chunk).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(chunks.iter().all(|(_, id)| *id == video_id), "one video");
    let (_, video) = api(Method::GET, &format!("{}/videos/{video_id}", server_url()), None, Some(&basic_auth())).await;
    let mp4 = video["assets"]["mp4"].as_str().unwrap().to_owned();
    assert!(download(&mp4).await == data, "the stored bytes are the file's");
}

#[wasm_bindgen_test]
async fn a_token_provider_that_fails_or_repeats_the_refused_token_ends_the_upload() {
    let file = file(1000, "provider-fails.mp4");
    let (failing, asked) = provided(&file, Vec::new());
    let error = failing.upload().await.unwrap_err();
    assert_eq!((error.kind(), error.to_string().as_str(), asked.get()), (wasm_video_uploader::ErrorCode::TokenProviderFailed, "The upload token provider failed: no more tokens", 1));
    let withdrawn = new_token().await;
    withdraw(&withdrawn).await;
    let (repeating, asked) = provided(&file, vec![withdrawn.clone(), withdrawn]);
    let events = record_events(&repeating);
    let error = repeating.upload().await.unwrap_err();
    assert_eq!((error.code(), error.status(), asked.get()), ("UNAUTHORIZED", Some(401), 2));
    assert_eq!(names(&events.borrow()).iter().filter(|name| **name == "error").count(), 1, "one error event");
}
