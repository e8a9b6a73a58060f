//! The router and the state every handler shares.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, Method};
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;

use crate::auth::{self, RefreshTokens};
use crate::parts::MAX_PART_SIZE;
use crate::store::Store;
use crate::{tokens, upload, video};

/// Room for multipart boundaries and the `videoId` field around a largest part.
const UPLOAD_BODY_LIMIT: usize = MAX_PART_SIZE as usize + 1024 * 1024;

/// Shared by all handlers.
#[derive(Clone)]
pub struct AppState {
    /// Tokens, videos and files.
    pub store: Arc<Store>,
    /// The one API key of this server.
    pub api_key: Arc<str>,
    /// Outstanding refresh tokens.
    pub refresh_tokens: Arc<RefreshTokens>,
}

/// Where the static files come from.
#[derive(Debug, Clone)]
pub struct StaticDirs {
    /// The drop-in page and its assets, served at `/`.
    pub www: PathBuf,
    /// The built wasm package, served at `/pkg`.
    pub pkg: PathBuf,
}

impl AppState {
    /// State over `store` with `api_key`.
    pub fn new(store: Store, api_key: &str) -> AppState {
        AppState { store: Arc::new(store), api_key: api_key.into(), refresh_tokens: Arc::default() }
    }
}

/// The whole HTTP surface.
pub fn router(state: AppState, dirs: &StaticDirs) -> Router {
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
        ]);

    Router::new()
        .route("/auth/api-key", post(auth::api_key))
        .route("/auth/refresh", post(auth::refresh))
        .route("/upload-tokens", post(tokens::create))
        .route("/upload", post(upload::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/videos/{id}", get(video::get))
        .route("/vod/{id}/mp4/source.mp4", get(video::mp4))
        .nest_service("/pkg", ServeDir::new(&dirs.pkg))
        .fallback_service(ServeDir::new(&dirs.www))
        .layer(cors)
        .with_state(state)
}
