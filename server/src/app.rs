//! The router: every route, the layers around them, and the static files.

use std::path::PathBuf;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, Method, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use std::time::Duration;

use tower_http::cors::{Any, CorsLayer};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::services::ServeDir;

use crate::auth;
use crate::chaos;
use crate::config::Limits;
use crate::parts::MAX_PART_SIZE;
use crate::rate_limit;
use crate::problem::Problem;
use crate::state::AppState;
use crate::{tokens, upload, videos};

/// Room for multipart boundaries and the `videoId` field around a largest part.
const UPLOAD_BODY_LIMIT: usize = MAX_PART_SIZE as usize + 1024 * 1024;
/// The body of any other request: a JSON object of a few fields (a title of 255 characters,
/// tags, metadata), with room to spare.
pub const SMALL_BODY_LIMIT: usize = 64 * 1024;

/// Where the static files come from.
#[derive(Debug, Clone)]
pub struct StaticDirs {
    /// The drop-in page and its assets, served at `/`.
    pub www: PathBuf,
    /// The built wasm package, served at `/pkg`.
    pub pkg: PathBuf,
    /// The built example apps (the Leptos one at `leptos/`), served at `/examples`.
    pub examples: PathBuf,
}

/// Turns a plain-text or empty error answer (an extractor's rejection, the router's 405, the
/// static files' 404) into a problem body.
async fn problem_json(response: axum::response::Response) -> axum::response::Response {
    use axum::response::IntoResponse;
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let plain = content_type.is_none_or(|t| t.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let detail = String::from_utf8_lossy(&text).into_owned();
    let (slug, title) = match status.as_u16() {
        404 => ("resource-not-found", "The requested resource was not found."),
        405 => ("method-not-allowed", "This method is not allowed on this resource."),
        408 => ("request-timeout", "The request took too long to arrive."),
        413 => ("request-entity-too-large", "The request body is too large."),
        500..=599 => ("internal-error", "An internal error occurred."),
        _ => ("invalid-request", "The request is invalid."),
    };
    let problem = Problem::new(status, slug, title);
    let mut answer = if detail.is_empty() { problem } else { problem.detail(detail) }.into_response();
    // The answer's own headers stay (`Allow` on a 405, the CORS headers), but its type.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

/// The files of `dir`, with the pages' headers (see `page_headers`).
fn static_files(dir: &std::path::Path) -> Router {
    Router::new().fallback_service(ServeDir::new(dir)).layer(axum::middleware::map_response(crate::page_headers::page_headers))
}

/// The whole HTTP surface.
pub fn router(state: AppState, dirs: &StaticDirs, limits: &Limits) -> Router {
    // Browsers upload from other origins (a page on another port, the test runner), with
    // Content-Range and the AV-Origin-* identification headers.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("content-range"),
            HeaderName::from_static("av-origin-client"),
            HeaderName::from_static("av-origin-app"),
            HeaderName::from_static("av-origin-sdk"),
        ])
        .expose_headers([
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-retry-after"),
            header::RETRY_AFTER,
        ]);
    let upload_layers = || {
        tower::ServiceBuilder::new()
            .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT))
            .layer(axum::middleware::from_fn(crate::min_rate::pace))
            .layer(axum::middleware::from_fn_with_state(state.clone(), chaos::inject))
    };
    // Every other request carries no file: a small body, and a deadline for all of it.
    let uploads = Router::new()
        .route("/upload", post(upload::upload).layer(upload_layers()))
        .route("/videos/{id}/source", post(upload::source).layer(upload_layers()));
    let rest = Router::new()
        .route("/auth/api-key", post(auth::api_key))
        .route("/auth/refresh", post(auth::refresh))
        .route("/upload-tokens", post(tokens::create).get(tokens::list))
        .route("/upload-tokens/{token}", get(tokens::get).delete(tokens::delete))
        .route("/videos", post(videos::create).get(videos::list))
        .route("/videos/{id}", get(videos::get).patch(videos::update).delete(videos::delete))
        .route("/videos/{id}/status", get(videos::status))
        .route("/vod/{id}/mp4/source.mp4", get(videos::mp4))
        .route("/vod/{id}/hls/manifest.m3u8", get(videos::hls))
        .route("/vod/{id}/player", get(videos::player))
        .nest_service("/pkg", static_files(&dirs.pkg))
        .nest_service("/examples", static_files(&dirs.examples))
        .fallback_service(static_files(&dirs.www))
        .layer(DefaultBodyLimit::max(SMALL_BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(limits.request_timeout_secs)));

    uploads
        .merge(rest)
        .layer(axum::middleware::from_fn_with_state(state.clone(), rate_limit::limit))
        // Outside the rate limits: a peer refused for guessing uses up no one's window.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::guard::guard))
        .layer(cors)
        // Extractor rejections (a body over the limit, a malformed path) answer in the
        // API's problem JSON like everything else, not in plain text.
        .layer(axum::middleware::map_response(problem_json))
        // Before an error answer, the rest of the body is read, so every browser sees it
        // (see drain.rs); inside the body timeout, which bounds each gap.
        .layer(axum::middleware::from_fn(crate::drain::drain_unread_body))
        // A body that stops arriving (a client gone quiet, or one trickling a byte now and
        // then) is cut after this long without a byte, freeing its connection and files.
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(limits.body_idle_timeout_secs)))
        .with_state(state)
}
