//! The video endpoints: the Video object, containers, listing, metadata updates, status,
//! and the assets this server can serve (the mp4 source, a player page).

use std::collections::HashMap;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::state::{blocking, AppState};
use crate::auth::ApiAuth;
use crate::ledger::Ledger;
use crate::pagination;
use crate::problem::Problem;
use crate::store::{Ingest, Metadata, Order, Video, VideoFields, VideoSort};
use crate::time;

/// The Video object as api.video returns it; asset URLs point at this server (`origin`).
pub fn video_json(video: &Video, origin: &str) -> Value {
    let id = &video.id;
    let player = format!("{origin}/vod/{id}/player");
    let mut assets = json!({
        "iframe": format!("<iframe src=\"{player}\" width=\"100%\" height=\"100%\" frameborder=\"0\" scrolling=\"no\" allowfullscreen=\"true\"></iframe>"),
        "player": player,
        "hls": format!("{origin}/vod/{id}/hls/manifest.m3u8"),
    });
    if video.mp4_support {
        assets["mp4"] = json!(format!("{origin}/vod/{id}/mp4/source.mp4"));
    }
    json!({
        "videoId": id,
        "title": video.title,
        "description": video.description,
        "createdAt": time::atom(video.created_at),
        "updatedAt": time::atom(video.updated_at),
        "publishedAt": time::atom(video.created_at),
        "discarded": false,
        "discardedAt": null,
        "deletesAt": null,
        "public": video.public,
        "panoramic": video.panoramic,
        "mp4Support": video.mp4_support,
        "tags": video.tags,
        "metadata": video.metadata,
        "language": video.language,
        "languageOrigin": video.language.as_ref().map(|_| "api"),
        "source": { "type": "upload", "uri": format!("/videos/{id}/source") },
        "assets": assets,
    })
}

/// The JSON body of `POST /videos` and `PATCH /videos/{id}`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FieldsBody {
    title: Option<String>,
    description: Option<String>,
    public: Option<bool>,
    panoramic: Option<bool>,
    mp4_support: Option<bool>,
    tags: Option<Vec<String>>,
    metadata: Option<Vec<Metadata>>,
    #[serde(default, deserialize_with = "present")]
    language: Option<Option<String>>,
    // Accepted for compatibility, without effect on this server.
    #[allow(dead_code)]
    player_id: Option<String>,
    source: Option<String>,
}

/// Tells `"language": null` (clear it) from an absent `language` (leave it).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(deserializer)?))
}

fn parse_fields(body: &[u8]) -> Result<(VideoFields, FieldsBody), Problem> {
    let raw: FieldsBody = serde_json::from_slice(body).map_err(|error| {
        Problem::bad_request("invalid-attribute", "An attribute is invalid.").name("body").detail(error.to_string())
    })?;
    let fields = VideoFields {
        title: raw.title.clone(),
        description: raw.description.clone(),
        public: raw.public,
        panoramic: raw.panoramic,
        mp4_support: raw.mp4_support,
        tags: raw.tags.clone(),
        metadata: raw.metadata.clone(),
        language: raw.language.clone(),
    };
    Ok((fields, raw))
}

/// Longest title accepted (multipart filenames are cut to the same length).
const MAX_TITLE_CHARS: usize = 255;

fn check_title(title: Option<&str>) -> Result<(), Problem> {
    match title {
        Some(title) if title.chars().count() > MAX_TITLE_CHARS => Err(Problem::bad_request("invalid-attribute", "An attribute is invalid.")
            .name("title")
            .detail("The title is longer than 255 characters.")),
        _ => Ok(()),
    }
}

fn missing_title() -> Problem {
    Problem::bad_request("attribute-required", "This attribute is required.").name("title")
}

/// `POST /videos` → 201 Video: an empty container to upload into.
pub(crate) async fn create(State(app): State<AppState>, _: ApiAuth, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response, Problem> {
    let (fields, raw) = parse_fields(&body)?;
    if fields.title.as_deref().is_none_or(str::is_empty) {
        return Err(missing_title());
    }
    check_title(fields.title.as_deref())?;
    if raw.source.is_some() {
        return Err(Problem::bad_request("invalid-attribute", "An attribute is invalid.")
            .name("source")
            .detail("This local server cannot download or copy a source; upload the file instead."));
    }
    let video = blocking(&app, move |store| store.create_video(fields)).await?;
    Ok((StatusCode::CREATED, Json(video_json(&video, &crate::origin(&headers)))).into_response())
}

/// `GET /videos?currentPage&pageSize&sortBy&sortOrder&title`.
pub(crate) async fn list(
    State(app): State<AppState>,
    _: ApiAuth,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let page = pagination::page(&query)?;
    let sorts = [("createdAt", VideoSort::CreatedAt), ("updatedAt", VideoSort::UpdatedAt), ("publishedAt", VideoSort::CreatedAt), ("title", VideoSort::Title)];
    let sort = pagination::sort_by(&query, &sorts, VideoSort::CreatedAt)?;
    let order = pagination::order(&query, Order::Asc)?;
    let title = query.get("title").cloned();
    let (videos, total) = blocking(&app, move |store| store.list_videos(title.as_deref(), sort, order, page)).await?;
    let origin = crate::origin(&headers);
    let data: Vec<Value> = videos.iter().map(|video| video_json(video, &origin)).collect();
    let pagination = pagination::pagination("/videos", &query, page, data.len(), total);
    Ok(Json(json!({ "data": data, "pagination": pagination })))
}

async fn find(app: &AppState, id: String) -> Result<Video, Problem> {
    blocking(app, move |store| store.video(&id)).await?.ok_or_else(|| Problem::not_found("videoId"))
}

/// `GET /videos/{id}`.
pub(crate) async fn get(State(app): State<AppState>, _: ApiAuth, Path(id): Path<String>, headers: HeaderMap) -> Result<Json<Value>, Problem> {
    let video = find(&app, id).await?;
    Ok(Json(video_json(&video, &crate::origin(&headers))))
}

/// `PATCH /videos/{id}`: change metadata after the upload, as the seed describes.
pub(crate) async fn update(
    State(app): State<AppState>,
    _: ApiAuth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    let (fields, _) = parse_fields(&body)?;
    if fields.title.as_deref() == Some("") {
        return Err(missing_title());
    }
    check_title(fields.title.as_deref())?;
    let video = blocking(&app, move |store| store.update_video(&id, fields)).await?.ok_or_else(|| Problem::not_found("videoId"))?;
    Ok(Json(video_json(&video, &crate::origin(&headers))))
}

/// `DELETE /videos/{id}` → 204.
pub(crate) async fn delete(State(app): State<AppState>, _: ApiAuth, Path(id): Path<String>) -> Result<StatusCode, Problem> {
    if blocking(&app, move |store| store.delete_video(&id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found("videoId"))
    }
}

/// `GET /videos/{id}/status`: what has been received, so a client can tell whether a chunk
/// whose answer it lost actually landed.
pub(crate) async fn status(State(app): State<AppState>, _: ApiAuth, Path(id): Path<String>) -> Result<Json<Value>, Problem> {
    let video = find(&app, id).await?;
    Ok(Json(status_json(&video)))
}

fn status_json(video: &Video) -> Value {
    let uploaded = video.ingest == Ingest::Uploaded;
    let (parts, parts_total, mut ranges) = match &video.ledger {
        Ledger::Empty => (Vec::new(), None, Vec::new()),
        Ledger::Parts(ledger) => {
            // Byte offsets of parts are known for the run of parts from 1 with no gap.
            let mut ranges = Vec::new();
            let mut offset = 0;
            for (expected, (part, size)) in (1..).zip(ledger.parts()) {
                if part != expected {
                    break;
                }
                ranges.push((offset, offset + size - 1));
                offset += size;
            }
            (ledger.parts().map(|(part, _)| part).collect(), ledger.total(), ranges)
        }
        Ledger::Bytes(ledger) => (Vec::new(), None, ledger.ranges().collect()),
    };
    let filesize = match &video.ledger {
        Ledger::Bytes(ledger) => ledger.total(),
        _ => video.size,
    };
    if uploaded {
        if let Some(size) = video.size.filter(|&s| s > 0) {
            ranges = vec![(0, size - 1)];
        }
    }
    let status = match video.ingest {
        Ingest::Empty => Value::Null,
        Ingest::Uploading | Ingest::Assembling => json!("uploading"),
        Ingest::Uploaded => json!("uploaded"),
    };
    json!({
        "ingest": {
            "status": status,
            "filesize": filesize,
            "receivedBytes": ranges.iter().map(|(from, to)| json!({"from": from, "to": to, "total": filesize})).collect::<Vec<_>>(),
            "receivedParts": { "parts": parts, "total": parts_total },
        },
        "encoding": {
            "playable": uploaded,
            "qualities": [],
            "metadata": {},
        },
    })
}

async fn uploaded(app: &AppState, id: &str) -> Result<Video, Problem> {
    let id = id.to_owned();
    let video = blocking(app, move |store| store.video(&id)).await?;
    video.filter(|v| v.ingest == Ingest::Uploaded).ok_or_else(|| Problem::not_found("videoId"))
}

/// The media type of a source, from its first bytes: a recorder's WebM (or Matroska) and Ogg
/// are said as what they are, so that every engine's `<video>` plays them; anything else is
/// served as MP4, as api.video's path says.
fn media_type(head: &[u8]) -> &'static str {
    match head {
        [0x1a, 0x45, 0xdf, 0xa3, ..] => "video/webm",
        [b'O', b'g', b'g', b'S', ..] => "video/ogg",
        _ => "video/mp4",
    }
}

/// `GET /vod/{id}/mp4/source.mp4`: the uploaded source, with HTTP Range support so a
/// `<video>` element can play and seek it.
pub(crate) async fn mp4(State(app): State<AppState>, Path(id): Path<String>, request: Request) -> Response {
    if let Err(problem) = uploaded(&app, &id).await {
        return problem.into_response();
    }
    let path = app.store.source_path(&id);
    let mut head = [0u8; 4];
    let read = match tokio::fs::File::open(&path).await {
        Ok(mut file) => tokio::io::AsyncReadExt::read(&mut file, &mut head).await.unwrap_or(0),
        Err(_) => 0,
    };
    let mime = media_type(&head[..read]).parse().expect("a valid mime type");
    match ServeFile::new_with_mime(path, &mime).oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

/// `GET /vod/{id}/hls/manifest.m3u8`: 202 with an empty body until the source is complete,
/// then 200 with a playlist whose one segment is the mp4. It exists so that the official
/// uploader's `onPlayable` (which polls this URL while it answers 202 or an empty body)
/// fires once the upload is complete; there is no transcoding here.
pub(crate) async fn hls(State(app): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let id_for_lookup = id.clone();
    let video = match blocking(&app, move |store| store.video(&id_for_lookup)).await {
        Ok(Some(video)) => video,
        Ok(None) => return Problem::not_found("videoId").into_response(),
        Err(error) => return Problem::from(error).into_response(),
    };
    if video.ingest != Ingest::Uploaded {
        return StatusCode::ACCEPTED.into_response();
    }
    let playlist = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:86400\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:86400,\n{}/vod/{id}/mp4/source.mp4\n#EXT-X-ENDLIST\n",
        crate::origin(&headers)
    );
    ([(header::CONTENT_TYPE, "application/vnd.apple.mpegurl")], playlist).into_response()
}

/// `GET /vod/{id}/player`: a page that plays the mp4.
pub(crate) async fn player(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    let video = match uploaded(&app, &id).await {
        Ok(video) => video,
        Err(problem) => return problem.into_response(),
    };
    let title = html_escape(&video.title);
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>html,body{{margin:0;height:100%;background:#000}}video{{width:100%;height:100%}}</style></head>\
         <body><video controls playsinline src=\"/vod/{id}/mp4/source.mp4\" aria-label=\"{title}\"></video></body></html>"
    ))
    .into_response()
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::media_type;

    #[test]
    fn a_source_is_served_as_what_its_first_bytes_say() {
        assert_eq!(media_type(&[0x1a, 0x45, 0xdf, 0xa3, 0x9f]), "video/webm");
        assert_eq!(media_type(b"OggS\0"), "video/ogg");
        assert_eq!(media_type(b"\0\0\0\x20ftypisom"), "video/mp4");
        assert_eq!(media_type(b""), "video/mp4");
        assert_eq!(media_type(&[0x1a, 0x45]), "video/mp4");
    }
}
