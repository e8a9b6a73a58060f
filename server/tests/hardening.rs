//! Hostile and careless clients through the real router: what a token may write was
//! checked in contract.rs; here, the smaller doors.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::{json, Value};
use tower::ServiceExt;
use upload_server::guard::{Guard, MAX_FAILURES};

async fn auth_tokens(server: &Server, path: &str, body: Value) -> (StatusCode, Value) {
    let request = Request::post(path).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).unwrap();
    send(server, request).await
}

async fn with_bearer(server: &Server, token: &str) -> StatusCode {
    let request = Request::get("/videos").header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap();
    send(server, request).await.0
}

#[tokio::test]
async fn a_refresh_retires_the_access_token_it_replaces() {
    let server = server();
    let (_, first) = auth_tokens(&server, "/auth/api-key", json!({ "apiKey": KEY })).await;
    let old = first["access_token"].as_str().unwrap().to_owned();
    assert_eq!(with_bearer(&server, &old).await, StatusCode::OK);
    let (status, second) = auth_tokens(&server, "/auth/refresh", json!({ "refreshToken": first["refresh_token"] })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(with_bearer(&server, &old).await, StatusCode::UNAUTHORIZED, "the old access token stopped working");
    assert_eq!(with_bearer(&server, second["access_token"].as_str().unwrap()).await, StatusCode::OK);
}

#[tokio::test]
async fn a_one_second_token_is_never_refused_at_once() {
    let server = server();
    for _ in 0..10 {
        let token = create_token(&server, r#"{"ttl":1}"#).await.1["token"].as_str().unwrap().to_owned();
        let (status, body) = upload(&server, &token, None, None, b"x").await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

/// `request` as sent from `peer`.
fn from(peer: &str, mut request: Request<Body>) -> Request<Body> {
    request.extensions_mut().insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 40_000)));
    request
}

const GUESSER: &str = "127.0.0.1";
const OWNER: &str = "127.0.0.2";

#[tokio::test]
async fn guessing_is_slowed_for_the_guesser_alone_and_the_owner_is_never_locked_out() {
    let server = server_with(|state| state.with_guard(Guard::new(MAX_FAILURES, Duration::from_secs(2))));
    let wrong = || Request::get("/videos").header(header::AUTHORIZATION, basic("wrong-key")).body(Body::empty()).unwrap();
    let mut statuses = Vec::new();
    for _ in 0..50 {
        statuses.push(send(&server, from(GUESSER, wrong())).await.0);
    }
    let refused = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((refused, limited), (MAX_FAILURES as usize, 50 - MAX_FAILURES as usize), "{statuses:?}");
    // The right key, from another peer: served.
    assert_eq!(send(&server, from(OWNER, authed("GET", "/videos", None))).await.0, StatusCode::OK);
    // From the guesser, even the right key waits out the window, and is told how long.
    let response = server.app.clone().oneshot(from(GUESSER, authed("GET", "/videos", None))).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(send(&server, from(GUESSER, authed("GET", "/videos", None))).await.0, StatusCode::OK, "after Retry-After");
}

#[tokio::test]
async fn every_kind_of_refused_credentials_counts_and_missing_ones_do_not() {
    let server = server_with(|state| state.with_guard(Guard::new(4, Duration::from_secs(60))));
    // A missing upload token is no guess.
    for _ in 0..6 {
        let (status, _) = send(&server, from(GUESSER, Request::post("/upload").body(Body::empty()).unwrap())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // A wrong key at /auth/api-key, a wrong refresh token, a wrong upload token, a wrong
    // access token: four refusals.
    let json = |path: &str, body: Value| {
        from(GUESSER, Request::post(path).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).unwrap())
    };
    assert_eq!(send(&server, json("/auth/api-key", json!({ "apiKey": "guess" }))).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(send(&server, json("/auth/refresh", json!({ "refreshToken": "guess" }))).await.0, StatusCode::BAD_REQUEST);
    let (status, _) = send(&server, from(GUESSER, Request::post("/upload?token=toGuess0000000000000000").body(Body::empty()).unwrap())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let bearer = Request::get("/videos").header(header::AUTHORIZATION, "Bearer guess").body(Body::empty()).unwrap();
    assert_eq!(send(&server, from(GUESSER, bearer)).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = send(&server, json("/auth/api-key", json!({ "apiKey": KEY }))).await;
    assert_eq!((status, body["status"].as_u64()), (StatusCode::TOO_MANY_REQUESTS, Some(429)), "{body}");
    // The owner, elsewhere, exchanges the key.
    let owner = Request::post("/auth/api-key").header(header::CONTENT_TYPE, "application/json").body(Body::from(json!({ "apiKey": KEY }).to_string())).unwrap();
    assert_eq!(send(&server, from(OWNER, owner)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn titles_are_bounded() {
    let server = server();
    let (status, body) = send(&server, authed("POST", "/videos", Some(json!({ "title": "x".repeat(256) })))).await;
    assert_eq!((status, body["name"].as_str()), (StatusCode::BAD_REQUEST, Some("title")));
    let (status, video) = send(&server, authed("POST", "/videos", Some(json!({ "title": "x".repeat(255) })))).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = video["videoId"].as_str().unwrap();
    let (status, _) = send(&server, authed("PATCH", &format!("/videos/{id}"), Some(json!({ "title": "y".repeat(2_000_000) })))).await;
    assert_ne!(status, StatusCode::OK);
}

#[tokio::test]
async fn rejections_answer_in_problem_json() {
    let server = server();
    let big = vec![b'x'; 3 * 1024 * 1024];
    let request = Request::post("/auth/api-key").header(header::CONTENT_TYPE, "application/json").body(Body::from(big)).unwrap();
    let (status, body) = send(&server, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!((body["status"].as_u64(), body["type"].as_str().is_some()), (Some(413), true), "{body}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_dir_and_database_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let server = server();
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&server.data), 0o700);
    assert_eq!(mode(&server.data.join("upload-server.db")), 0o600);
}

/// A form with its `videoId` twice, or after the file, is refused with a problem naming the
/// field, before anything is stored, instead of a 500 and an error in the log.
#[tokio::test]
async fn a_second_video_id_or_one_after_the_file_is_a_bad_request() {
    let server = server();
    let token = token(&server).await;
    let (status, first) = upload(&server, &token, Some("part 1/2"), None, &data(5 * 1024 * 1024, 1)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let id = first["videoId"].as_str().unwrap().to_owned();
    let boundary = "----test-boundary-twice";
    let field = |name: &str, value: &str| format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
    let file = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp4\"\r\nContent-Type: application/octet-stream\r\n\r\nxyz\r\n");
    let end = format!("--{boundary}--\r\n");
    for (case, body) in [
        ("twice", [field("videoId", &id), field("videoId", "viOther0000000000000000"), file.clone(), end.clone()].concat()),
        ("after the file", [file.clone(), field("videoId", &id), end.clone()].concat()),
    ] {
        let request = Request::post(format!("/upload?token={token}"))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header("Content-Range", "part 2/2")
            .body(Body::from(body))
            .unwrap();
        let (status, problem) = send(&server, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {problem}");
        assert_eq!(problem["name"], "videoId", "{case}");
    }
    let (status, done) = upload(&server, &token, Some("part 2/2"), Some(&id), b"xyz").await;
    assert_eq!(status, StatusCode::CREATED, "the video still completes: {done}");
}

/// Every error is problem JSON, the router's 405 (which keeps its `Allow`) and a missing
/// static file's 404 included.
#[tokio::test]
async fn a_wrong_method_and_a_missing_file_answer_problem_json() {
    let server = server();
    let request = Request::get("/upload").body(Body::empty()).unwrap();
    let response = tower::ServiceExt::oneshot(server.app.clone(), request).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.headers().contains_key(header::ALLOW), "{:?}", response.headers());
    let (status, problem) = send(&server, Request::delete("/upload").body(Body::empty()).unwrap()).await;
    assert_eq!((status, slug(&problem)), (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"), "{problem}");
    let (status, problem) = send(&server, Request::get("/no-such-page.html").body(Body::empty()).unwrap()).await;
    assert_eq!((status, slug(&problem)), (StatusCode::NOT_FOUND, "resource-not-found"), "{problem}");
    assert_eq!(problem.get("detail"), None, "no empty detail");
}

#[tokio::test]
async fn anonymous_and_wrong_credentials_use_up_no_one_elses_rate_limit() {
    use upload_server::rate_limit::RateLimits;
    let server = server_with(|state| state.with_rate_limits(RateLimits::parse("uploads=3,writes=3,reads=3").unwrap()));
    let token = create_token(&server, "{}").await.1["token"].as_str().unwrap().to_owned();
    // Ten anonymous requests and ten with a wrong key, from one peer.
    for _ in 0..10 {
        send(&server, from(GUESSER, Request::get("/videos").body(Body::empty()).unwrap())).await;
        send(&server, from(GUESSER, Request::get("/videos").header(header::AUTHORIZATION, basic("wrong")).body(Body::empty()).unwrap())).await;
    }
    let (status, _) = send(&server, from(GUESSER, Request::get("/videos").body(Body::empty()).unwrap())).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the anonymous peer's own window is used up");
    // The owner's reads and the token's uploads have their own windows, from the same peer.
    assert_eq!(send(&server, from(GUESSER, authed("GET", "/videos", None))).await.0, StatusCode::OK);
    assert_eq!(upload(&server, &token, None, None, b"x").await.0, StatusCode::CREATED);
}

/// Every log line this test binary writes, from when it is first called. A global
/// subscriber: a thread's own would miss lines whose callsite another test's thread
/// registered first (tracing caches a callsite's interest).
fn logs() -> &'static std::sync::Mutex<Vec<u8>> {
    static LINES: std::sync::OnceLock<&'static std::sync::Mutex<Vec<u8>>> = std::sync::OnceLock::new();
    LINES.get_or_init(|| {
        struct Lines(&'static std::sync::Mutex<Vec<u8>>);
        impl std::io::Write for Lines {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines: &'static _ = Box::leak(Box::default());
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || Lines(lines)).finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        lines
    })
}

#[tokio::test]
async fn an_upload_handler_dropped_mid_body_still_writes_its_line() {
    let server = server();
    let token = token(&server).await;
    let (content_type, body) = multipart(None, "gone.mp4", &data(100_000, 1));
    // Part of the body, then nothing more: the client stopped sending, and its connection
    // (here, the handler's future) is dropped before the body could end or fail.
    let head = axum::body::Bytes::copy_from_slice(&body[..50_000]);
    let stream = futures_util::StreamExt::chain(
        futures_util::stream::iter([Ok::<_, std::io::Error>(head)]),
        futures_util::stream::pending(),
    );
    let request = Request::post(format!("/upload?token={token}"))
        .header(header::CONTENT_TYPE, content_type)
        .header("content-range", "part 1/2")
        .body(Body::from_stream(stream))
        .unwrap();
    let logs = logs();
    let answer = tokio::time::timeout(Duration::from_secs(2), server.app.clone().oneshot(request)).await;
    assert!(answer.is_err(), "a body that neither ends nor fails is never answered");
    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    // The log shows a token's first six characters.
    let mine = format!("token={}", &token[..6]);
    let lines: Vec<_> = text.lines().filter(|line| line.contains(&mine) && line.contains("content_range=\"part 1/2\"")).collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(lines[0].contains("status=499"), "{}", lines[0]);
    let received: u64 = lines[0].split("received=").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    assert!(received <= 50_000, "{}", lines[0]);
}
