//! Helpers shared by the router tests: a server over a temp data dir, requests, bodies.
#![allow(dead_code)]

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::Engine;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use upload_server::app::{router, StaticDirs};
use upload_server::state::AppState;
use upload_server::store::Store;

pub const KEY: &str = "test-api-key";
pub const MIB: usize = 1024 * 1024;

pub struct Server {
    pub app: Router,
    pub data: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

pub fn server() -> Server {
    server_with(|state| state)
}

/// A server whose state is adjusted by `configure` (chaos, rate limits).
pub fn server_with(configure: impl FnOnce(AppState) -> AppState) -> Server {
    let data = std::env::temp_dir().join(format!("upload-server-test-{}", upload_server::ids::secret()));
    let store = Store::open(&data).unwrap();
    let dirs = StaticDirs { www: data.join("www"), pkg: data.join("pkg"), examples: data.join("examples") };
    Server { app: router(configure(AppState::new(store, KEY)), &dirs, &Default::default()), data }
}

/// A router over the store in `data`, as a restarted server would build it.
pub fn app_over(data: &std::path::Path) -> Router {
    let store = Store::open(data).unwrap();
    let dirs = StaticDirs { www: data.join("www"), pkg: data.join("pkg"), examples: data.join("examples") };
    router(AppState::new(store, KEY), &dirs, &Default::default())
}

pub fn basic(key: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{key}:")))
}

pub async fn send(server: &Server, request: Request<Body>) -> (StatusCode, Value) {
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
    (status, value)
}

pub async fn create_token(server: &Server, body: &str) -> (StatusCode, Value) {
    let request = Request::post("/upload-tokens")
        .header(header::AUTHORIZATION, basic(KEY))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    send(server, request).await
}

pub async fn token(server: &Server) -> String {
    create_token(server, r#"{"ttl":100}"#).await.1["token"].as_str().unwrap().to_owned()
}

/// A multipart body with `videoId` (if any) then `file`.
pub fn multipart(video_id: Option<&str>, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    if let Some(id) = video_id {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"videoId\"\r\n\r\n{id}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn upload(
    server: &Server,
    token: &str,
    range: Option<&str>,
    video_id: Option<&str>,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let (content_type, body) = multipart(video_id, "clip.mp4", bytes);
    let mut request = Request::post(format!("/upload?token={token}")).header(header::CONTENT_TYPE, content_type);
    if let Some(range) = range {
        request = request.header("Content-Range", range);
    }
    send(server, request.body(Body::from(body)).unwrap()).await
}

pub fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 13) as u8).collect()
}

pub fn video_dirs(server: &Server) -> usize {
    std::fs::read_dir(server.data.join("videos")).unwrap().count()
}


/// A request with the API key, and a JSON body when given.
pub fn authed(method: &str, uri: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(uri).header(header::AUTHORIZATION, basic(KEY));
    match body {
        Some(json) => builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(json.to_string())).unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

/// `POST /videos/{id}/source` with the API key.
pub async fn upload_source(server: &Server, id: &str, range: Option<&str>, bytes: &[u8]) -> (StatusCode, Value) {
    let (content_type, body) = multipart(None, "source.mp4", bytes);
    let mut request = Request::post(format!("/videos/{id}/source"))
        .header(header::CONTENT_TYPE, content_type)
        .header(header::AUTHORIZATION, basic(KEY));
    if let Some(range) = range {
        request = request.header("Content-Range", range);
    }
    send(server, request.body(Body::from(body)).unwrap()).await
}

/// The slug at the end of a problem's `type`.
pub fn slug(body: &Value) -> &str {
    body["type"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default()
}

/// The server's database, opened beside it (to set up states a test cannot wait for).
pub fn rusqlite_connection(data: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(data.join("upload-server.db")).unwrap()
}

/// Moves a token's creation 1000 s into the past, so a short TTL has run out without the
/// test sleeping.
pub fn age_token(server: &Server, token: &str) {
    rusqlite_connection(&server.data)
        .execute("UPDATE upload_tokens SET created_at = created_at - 1000 WHERE token = ?1", [token])
        .unwrap();
}
