//! The Video JSON object, and the video routes of this first cut.

use axum::extract::{Path, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::auth::require_api_auth;
use crate::problem::Problem;
use crate::store::{Ingest, Video};
use crate::time;

/// The Video object as api.video returns it. `origin` (`http://host:port`) makes asset
/// URLs point at this server. Only `mp4` is served for now; see the server README.
pub fn video_json(video: &Video, origin: &str) -> Value {
    let mut value = json!({
        "videoId": video.id,
        "title": video.title,
        "description": "",
        "createdAt": time::atom(video.created_at),
        "updatedAt": time::atom(video.updated_at),
        "publishedAt": time::atom(video.created_at),
        "discarded": false,
        "discardedAt": null,
        "deletesAt": null,
        "public": true,
        "panoramic": false,
        "mp4Support": true,
        "tags": [],
        "metadata": [],
        "language": null,
        "languageOrigin": null,
        "source": { "type": "upload", "uri": format!("/videos/{}/source", video.id) },
        "assets": {},
    });
    if video.ingest == Ingest::Uploaded {
        value["assets"] = json!({ "mp4": format!("{origin}/vod/{}/mp4/source.mp4", video.id) });
    }
    value
}

/// `GET /videos/{id}` (API key or Bearer).
pub(crate) async fn get(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, Problem> {
    require_api_auth(&app, &headers)?;
    let video = app.store.video(&id).ok_or_else(|| Problem::not_found("videoId"))?;
    Ok(Json(video_json(&video, &crate::origin(&headers))))
}

/// `GET /vod/{id}/mp4/source.mp4`: the uploaded source, with HTTP Range support so a
/// `<video>` element can play and seek it.
pub(crate) async fn mp4(State(app): State<AppState>, Path(id): Path<String>, request: Request) -> Response {
    let uploaded = app.store.video(&id).is_some_and(|video| video.ingest == Ingest::Uploaded);
    if !uploaded {
        return Problem::not_found("videoId").into_response();
    }
    let mime = "video/mp4".parse().expect("a valid mime type");
    match ServeFile::new_with_mime(app.store.source_path(&id), &mime).oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}
