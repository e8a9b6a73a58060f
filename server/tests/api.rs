//! The upload contract through the real router: tokens, auth, chunked uploads, errors.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use common::*;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

#[tokio::test]
async fn token_creation_follows_the_contract() {
    let server = server();
    let (status, body) = create_token(&server, r#"{"ttl":100}"#).await;
    assert_eq!(status, StatusCode::OK);
    let token = body["token"].as_str().unwrap();
    assert!(token.starts_with("to") && token.len() == 24, "{token}");
    assert_eq!(body["ttl"], 100);
    assert!(body["createdAt"].as_str().unwrap().ends_with("+00:00"));
    assert!(body["expiresAt"].is_string());

    let (status, body) = create_token(&server, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["ttl"], 0);
    assert!(body.get("expiresAt").is_none(), "ttl 0 never expires: {body}");

    let (status, body) = create_token(&server, r#"{"ttl":-1}"#).await;
    assert_eq!((status, body["name"].as_str()), (StatusCode::BAD_REQUEST, Some("ttl")));
}

#[tokio::test]
async fn bad_api_credentials_are_401() {
    let server = server();
    for auth in [Some(basic("wrong")), Some("Basic !!!".to_owned()), Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(KEY))), Some("Bearer nope".to_owned()), None] {
        let mut request = Request::post("/upload-tokens");
        if let Some(auth) = &auth {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let (status, body) = send(&server, request.body(Body::from("{}")).unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(body["status"], 401);
        assert!(body["type"].as_str().unwrap().starts_with("https://docs.api.video/reference/"));
    }
}

#[tokio::test]
async fn bearer_access_token_from_api_key_exchange() {
    let server = server();
    let request = Request::post("/auth/api-key")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "apiKey": KEY }).to_string()))
        .unwrap();
    let (status, body) = send(&server, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((body["token_type"].as_str(), body["expires_in"].as_u64()), (Some("Bearer"), Some(3600)));
    let access = body["access_token"].as_str().unwrap();
    let request = Request::post("/upload-tokens")
        .header(header::AUTHORIZATION, format!("Bearer {access}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&server, request).await.0, StatusCode::OK);

    let request = Request::post("/auth/api-key").body(Body::from(r#"{"apiKey":"wrong"}"#)).unwrap();
    let (status, body) = send(&server, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["title"], "The user credentials were incorrect.");
}

#[tokio::test]
async fn missing_unknown_and_expired_upload_tokens_are_401() {
    let server = server();
    let (status, body) = upload(&server, "", None, None, b"x").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["type"], "https://docs.api.video/reference/authentication-missing-upload-token");
    assert_eq!(body["title"], "The upload token is missing.");

    let (status, body) = upload(&server, "toUnknown0000000000000000", None, None, b"x").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["type"], "https://docs.api.video/reference/authentication-invalid-upload-token");
    assert_eq!(body["title"], "The upload token is invalid or expired.");
    assert_eq!(body["status"], 401);

    let expired = create_token(&server, r#"{"ttl":1}"#).await.1["token"].as_str().unwrap().to_owned();
    age_token(&server, &expired);
    let (status, body) = upload(&server, &expired, None, None, b"x").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["title"], "The upload token is invalid or expired.");
    assert_eq!(video_dirs(&server), 0);
}

#[tokio::test]
async fn single_request_upload_answers_the_video() {
    let server = server();
    let token = token(&server).await;
    let bytes = data(1000, 1);
    let (status, video) = upload(&server, &token, None, None, &bytes).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = video["videoId"].as_str().unwrap();
    assert!(id.starts_with("vi") && id.len() == 24);
    assert_eq!(video["title"], "clip.mp4");
    assert_eq!(video["source"]["uri"], format!("/videos/{id}/source"));
    assert!(video["assets"]["mp4"].as_str().unwrap().ends_with(&format!("/vod/{id}/mp4/source.mp4")));
    assert_eq!(std::fs::read(server.data.join("videos").join(id).join("source")).unwrap(), bytes);

    let request = Request::get(format!("/videos/{id}")).header(header::AUTHORIZATION, basic(KEY)).body(Body::empty()).unwrap();
    let (status, fetched) = send(&server, request).await;
    assert_eq!((status, &fetched["videoId"]), (StatusCode::OK, &video["videoId"]));
}

#[tokio::test]
async fn chunked_upload_assembles_the_exact_bytes() {
    let server = server();
    let token = token(&server).await;
    let file = data(2 * 5 * MIB + 123, 7);
    let chunks: Vec<&[u8]> = file.chunks(5 * MIB).collect();

    let (status, first) = upload(&server, &token, Some("part 1/3"), None, chunks[0]).await;
    assert_eq!(status, StatusCode::OK);
    let id = first["videoId"].as_str().unwrap().to_owned();
    assert_eq!(first, json!({ "videoId": id }), "a non-final chunk answers only the video id");

    let (status, second) = upload(&server, &token, Some("part 2/3"), Some(&id), chunks[1]).await;
    assert_eq!((status, second["videoId"].as_str()), (StatusCode::OK, Some(id.as_str())));
    let (status, last) = upload(&server, &token, Some("part 3/3"), Some(&id), chunks[2]).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(last["videoId"], id.as_str());
    assert!(last["assets"]["mp4"].is_string());

    assert_eq!(std::fs::read(server.data.join("videos").join(&id).join("source")).unwrap(), file);
    assert_eq!(video_dirs(&server), 1);
    assert!(!server.data.join("videos").join(&id).join("parts").exists(), "parts are removed once assembled");

    let (status, body) = upload(&server, &token, Some("part 3/3"), Some(&id), chunks[2]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["type"], "https://docs.api.video/reference/video-source-already-uploaded");
}

#[tokio::test]
async fn out_of_order_parts_complete_on_whichever_is_last() {
    let server = server();
    let token = token(&server).await;
    let file = data(2 * 5 * MIB + 10, 3);
    let chunks: Vec<&[u8]> = file.chunks(5 * MIB).collect();
    let (_, first) = upload(&server, &token, Some("part 1/3"), None, chunks[0]).await;
    let id = first["videoId"].as_str().unwrap().to_owned();
    let (status, _) = upload(&server, &token, Some("part 3/3"), Some(&id), chunks[2]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = upload(&server, &token, Some("part 2/3"), Some(&id), chunks[1]).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(std::fs::read(server.data.join("videos").join(&id).join("source")).unwrap(), file);
}

#[tokio::test]
async fn undersized_non_final_chunk_is_400_and_creates_nothing() {
    let server = server();
    let token = token(&server).await;
    let (status, body) = upload(&server, &token, Some("part 1/2"), None, &data(MIB, 0)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["type"], "https://docs.api.video/reference/video-content-range-by-part-uploaded-file-too-small");
    assert_eq!(body["status"], 400);
    assert_eq!(video_dirs(&server), 0);
    assert_eq!(std::fs::read_dir(server.data.join("tmp")).unwrap().count(), 0, "the rejected body is deleted");
}

#[tokio::test]
async fn request_errors_are_typed() {
    let server = server();
    let token = token(&server).await;
    let (status, body) = upload(&server, &token, Some("parts 1-2"), None, b"x").await;
    assert_eq!((status, body["type"].as_str()), (StatusCode::BAD_REQUEST, Some("https://docs.api.video/reference/video-content-range-malformed")));

    let (status, body) = upload(&server, &token, Some("part 1/1"), None, b"").await;
    assert_eq!((status, body["type"].as_str()), (StatusCode::BAD_REQUEST, Some("https://docs.api.video/reference/uploaded-file-empty")));

    let (status, body) = upload(&server, &token, Some("part 2/2"), Some("viDoesNotExist000000000"), b"x").await;
    assert_eq!((status, body["name"].as_str()), (StatusCode::NOT_FOUND, Some("videoId")));

    let request = Request::post(format!("/upload?token={token}")).body(Body::from("not a form")).unwrap();
    let (status, body) = send(&server, request).await;
    assert_eq!((status, body["type"].as_str()), (StatusCode::BAD_REQUEST, Some("https://docs.api.video/reference/uploaded-file-no-file")));

    let (content_type, mut twice) = multipart(None, "a.mp4", b"one");
    let (_, second) = multipart(None, "b.mp4", b"two");
    twice.truncate(twice.len() - "--\r\n".len());
    twice.extend_from_slice(b"\r\n");
    let boundary_end = second.iter().position(|&b| b == b'\r').unwrap();
    twice.extend_from_slice(&second[boundary_end + 2..]);
    let request = Request::post(format!("/upload?token={token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(twice))
        .unwrap();
    let (status, body) = send(&server, request).await;
    assert_eq!((status, body["type"].as_str()), (StatusCode::BAD_REQUEST, Some("https://docs.api.video/reference/uploaded-file-multiple-files")));
    assert_eq!(video_dirs(&server), 0);
}

#[tokio::test]
async fn mp4_asset_supports_ranges() {
    let server = server();
    let token = token(&server).await;
    let bytes = data(5000, 9);
    let (_, video) = upload(&server, &token, None, None, &bytes).await;
    let id = video["videoId"].as_str().unwrap();
    let request = Request::get(format!("/vod/{id}/mp4/source.mp4")).header(header::RANGE, "bytes=100-199").body(Body::empty()).unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "video/mp4");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], &bytes[100..200]);
}

#[tokio::test]
async fn cors_preflight_allows_upload_headers() {
    let server = server();
    let request = Request::options("/upload?token=x")
        .header(header::ORIGIN, "http://127.0.0.1:9999")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-range,av-origin-client,av-origin-app,av-origin-sdk")
        .body(Body::empty())
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    assert!(response.status().is_success());
    let allowed = response.headers()[header::ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap().to_owned();
    for needed in ["content-range", "av-origin-client", "av-origin-app", "av-origin-sdk"] {
        assert!(allowed.contains(needed), "{allowed}");
    }
    assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
}
