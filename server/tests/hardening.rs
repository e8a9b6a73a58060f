//! Hostile and careless clients through the real router: what a token may write was
//! checked in contract.rs; here, the smaller doors.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::{json, Value};

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

#[tokio::test]
async fn guessing_the_api_key_is_slowed_to_ten_tries_a_minute() {
    let server = server();
    for _ in 0..10 {
        let (status, _) = auth_tokens(&server, "/auth/api-key", json!({ "apiKey": "guess" })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, body) = auth_tokens(&server, "/auth/api-key", json!({ "apiKey": "guess" })).await;
    assert_eq!((status, body["status"].as_u64()), (StatusCode::TOO_MANY_REQUESTS, Some(429)), "{body}");
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
