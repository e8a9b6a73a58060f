//! `POST /upload?token=…`: a delegated upload, whole or in `part N/M` chunks.

use std::collections::HashMap;
use std::path::PathBuf;

use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use tokio::io::{AsyncWriteExt, BufWriter};

use crate::state::{blocking, AppState};
use crate::auth::ApiAuth;
use crate::content_range::{self, ContentRange};
use crate::parts::MAX_PART_SIZE;
use crate::problem::Problem;
use crate::store::{AppendSlot, Committed, NewChunk, Received, Target};
use crate::videos::video_json;

/// Titles taken from filenames are cut to this many characters.
const MAX_TITLE_CHARS: usize = 255;

/// Longest `videoId` field accepted (real ids are 24 characters).
const MAX_VIDEO_ID_LEN: usize = 64;

/// A body received apart, under `tmp/`. Dropping it deletes the file unless the commit
/// renamed it into place.
struct TempFile {
    path: PathBuf,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // After a successful commit the file has been renamed away and this fails harmlessly.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Where the `file` field's bytes went.
enum Place {
    /// Apart, to be placed by the commit.
    Apart(TempFile),
    /// Onto the end of the video's source (the chunk continues it in order).
    Appended(AppendSlot),
}

/// The received `file` field.
struct ReceivedFile {
    place: Place,
    size: u64,
    name: String,
}

/// The form fields of one upload request.
#[derive(Default)]
struct Form {
    video_id: Option<String>,
    file: Option<ReceivedFile>,
}

/// Who sends the request: what, with the form's `videoId`, names its target video.
#[derive(Clone)]
enum Sender {
    /// `POST /upload?token=…`.
    Token { token: String, expired: bool },
    /// `POST /videos/{id}/source` with API credentials.
    Video(String),
}

impl Sender {
    fn target(&self, video_id: Option<String>) -> Target {
        match self {
            Sender::Token { token, expired } => Target::Token { token: token.clone(), video_id, expired: *expired },
            Sender::Video(id) => Target::Video(id.clone()),
        }
    }
}

/// `POST /upload?token=…`: a delegated upload.
pub(crate) async fn upload(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let token = query.get("token").map(String::as_str);
    let mut log = Log::new(&headers);
    log.token = Some(token.map_or_else(|| "-".to_owned(), crate::redact));
    let received = async {
        // The token must exist before any byte of the body is read. Whether it has expired
        // matters once the form says which video the request is for: the store lets an
        // expired token finish only a video it started.
        let expired = app.store.upload_token_expired(token)?;
        let token = token.unwrap_or_default().to_owned();
        let range = parse_range(log.content_range.as_deref())?;
        let sender = Sender::Token { token, expired };
        let form = read_form(&app, multipart?, &sender, range, &mut log.received).await?;
        log.sent_video_id.clone_from(&form.video_id);
        Ok((sender.target(form.video_id), range, form.file))
    }
    .await;
    commit_and_log(app, headers, log, received).await
}

/// `POST /videos/{id}/source`: an upload into an existing video, with API credentials.
pub(crate) async fn source(
    State(app): State<AppState>,
    auth: Result<ApiAuth, Problem>,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let mut log = Log::new(&headers);
    log.sent_video_id = Some(id.clone());
    let received = async {
        auth?;
        let range = parse_range(log.content_range.as_deref())?;
        let sender = Sender::Video(id);
        let form = read_form(&app, multipart?, &sender, range, &mut log.received).await?;
        Ok((sender.target(None), range, form.file))
    }
    .await;
    commit_and_log(app, headers, log, received).await
}

/// A received chunk, or why none was.
type ReceivedChunk = Result<(Target, Option<ContentRange>, Option<ReceivedFile>), Problem>;

/// Commits a received chunk (assembling the video when it completes it) and writes the
/// request's log line, in a task of its own: a client that goes away once its body is in (a
/// closed tab, a reload) drops this handler, and must not cut short the assembly or the
/// record of what was stored.
async fn commit_and_log(app: AppState, headers: HeaderMap, log: Log, received: ReceivedChunk) -> Response {
    let (target, range, file) = match received {
        Ok(received) => received,
        Err(problem) => return log.finish(Err(problem)),
    };
    let task = tokio::spawn(async move {
        let result = ingest(&app, &headers, target, range, file).await;
        log.finish(result)
    });
    task.await.unwrap_or_else(|error| {
        tracing::error!(%error, "upload task failed");
        Problem::internal().into_response()
    })
}

/// One log line per upload request, written when it is answered. Tokens are redacted.
/// `received` counts the file bytes that arrived, even for a request cut short, so the
/// bytes a client put on the wire can be counted from the log.
///
/// A client that goes away mid-body may have its handler dropped before the body's error
/// reaches it; the line is then written on drop, with nginx's 499 (client closed request),
/// so that every request leaves exactly one line.
struct Log {
    token: Option<String>,
    content_range: Option<String>,
    sent_video_id: Option<String>,
    received: u64,
    written: bool,
}

impl Log {
    fn new(headers: &HeaderMap) -> Log {
        let content_range = headers.get("content-range").and_then(|v| v.to_str().ok()).map(str::to_owned);
        Log { token: None, content_range, sent_video_id: None, received: 0, written: false }
    }

    fn finish(mut self, result: Result<(Response, String), Problem>) -> Response {
        let (response, video_id) = match result {
            Ok((response, video_id)) => (response, Some(video_id)),
            Err(problem) => (problem.into_response(), None),
        };
        self.write(video_id.as_deref(), response.status().as_u16());
        response
    }

    fn write(&mut self, video_id: Option<&str>, status: u16) {
        self.written = true;
        tracing::info!(
            token = %self.token.as_deref().unwrap_or("-"),
            content_range = ?self.content_range.as_deref().unwrap_or("-"),
            sent_video_id = %self.sent_video_id.as_deref().map_or_else(|| "-".to_owned(), crate::loggable),
            video_id = %video_id.unwrap_or("-"),
            status,
            received = self.received,
            "upload"
        );
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        if !self.written {
            self.write(None, CLIENT_CLOSED);
        }
    }
}

/// nginx's status for a request whose client closed the connection before the answer.
const CLIENT_CLOSED: u16 = 499;

impl From<MultipartRejection> for Problem {
    fn from(rejection: MultipartRejection) -> Problem {
        no_file().detail(rejection.body_text())
    }
}

fn no_file() -> Problem {
    Problem::bad_request("uploaded-file-no-file", "There is no uploaded file in the request.").name("file")
}

fn parse_range(value: Option<&str>) -> Result<Option<ContentRange>, Problem> {
    let Some(value) = value else { return Ok(None) };
    content_range::parse(value).map(Some).ok_or_else(|| {
        Problem::bad_request("video-content-range-malformed", "The \"Content-Range\" header is malformed.")
            .name("Content-Range")
            .detail("The expected format is \"bytes <from_byte>-<to_byte>/<total_bytes>\" or \"part <part>/<total_parts>\".")
    })
}

/// Commits a received file to its video and answers: 200 `{videoId}` while chunks are
/// missing, 201 with the Video once the upload is complete.
async fn ingest(
    app: &AppState,
    headers: &HeaderMap,
    target: Target,
    range: Option<ContentRange>,
    file: Option<ReceivedFile>,
) -> Result<(Response, String), Problem> {
    let file = file.ok_or_else(no_file)?;
    let (body, temp) = match file.place {
        Place::Apart(temp) => (Received::Apart(temp.path.clone()), Some(temp)),
        Place::Appended(slot) => (Received::Appended(slot), None),
    };
    let new = NewChunk { target, file_name: file.name, range, body, size: file.size };
    let committed = blocking(app, move |store| store.commit_chunk(new)).await?;
    drop(temp);
    match committed {
        Committed::Pending { video_id } => {
            Ok(((StatusCode::OK, Json(json!({ "videoId": video_id }))).into_response(), video_id))
        }
        Committed::Complete { video_id } => {
            let id = video_id.clone();
            let video = blocking(app, move |store| store.assemble(&id)).await?;
            let body = video_json(&video, &crate::origin(headers));
            Ok(((StatusCode::CREATED, Json(body)).into_response(), video_id))
        }
    }
}

fn bad_multipart(error: axum::extract::multipart::MultipartError) -> Problem {
    if caused_by::<tower_http::timeout::TimeoutError>(&error) {
        return Problem::new(StatusCode::REQUEST_TIMEOUT, "request-timeout", "The request body stopped arriving.")
            .name("file")
            .detail("No byte of the body arrived for longer than the server waits (--body-timeout).");
    }
    if caused_by::<crate::min_rate::TooSlow>(&error) {
        return Problem::new(StatusCode::REQUEST_TIMEOUT, "request-timeout", "The request body arrived too slowly.")
            .name("file")
            .detail(crate::min_rate::TooSlow.to_string());
    }
    let status = error.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return Problem::new(status, "uploaded-file-too-large", "The request body is too large.")
            .name("file")
            .detail(error.body_text());
    }
    Problem::bad_request("uploaded-file-invalid-file", "The uploaded file is invalid.")
        .name("file")
        .detail(error.body_text())
}

/// Whether `T` (the body timeout's or the pace's error, see `app::router`) cut this body.
fn caused_by<T: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<T>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// Reads the form, streaming the file to disk; memory stays at one buffer whatever the
/// chunk size. Fields other than `videoId` and the file are ignored.
/// A chunk that continues its video's source in order is appended to it as it arrives;
/// any other is received apart.
async fn read_form(
    app: &AppState,
    mut multipart: Multipart,
    sender: &Sender,
    range: Option<ContentRange>,
    received: &mut u64,
) -> Result<Form, Problem> {
    let mut form = Form::default();
    let mut seen_video_id = false;
    while let Some(field) = multipart.next_field().await.map_err(bad_multipart)? {
        if field.file_name().is_some() || field.name() == Some("file") {
            if form.file.is_some() {
                return Err(Problem::bad_request(
                    "uploaded-file-multiple-files",
                    "There are more than one uploaded file in the request.",
                )
                .name("file"));
            }
            let target = sender.target(form.video_id.clone());
            let slot = blocking(app, move |store| {
                let Some(slot) = store.begin_append(&target, range)? else { return Ok(None) };
                let file = slot.open()?;
                Ok(Some((slot, file)))
            })
            .await?;
            form.file = Some(receive_file(app, field, slot, received).await?);
        } else if field.name() == Some("videoId") {
            // One target, named before the file is placed: a second videoId, or one after
            // the file (whose bytes already went to the first target), would change it.
            // [infer] api.video's answer here is not documented; a 400 naming the field.
            if seen_video_id || form.file.is_some() {
                return Err(Problem::bad_request(
                    "video-id-misplaced",
                    "The form must have at most one videoId field, before the file.",
                )
                .name("videoId"));
            }
            seen_video_id = true;
            let text = field.text().await.map_err(bad_multipart)?;
            if text.len() > MAX_VIDEO_ID_LEN || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(Problem::not_found("videoId"));
            }
            form.video_id = Some(text).filter(|t| !t.is_empty());
        } else {
            let mut field = field;
            while field.chunk().await.map_err(bad_multipart)?.is_some() {}
        }
    }
    Ok(form)
}

async fn receive_file(
    app: &AppState,
    mut field: Field<'_>,
    slot: Option<(AppendSlot, std::fs::File)>,
    received: &mut u64,
) -> Result<ReceivedFile, Problem> {
    // The filename is only ever the video's title; no part of it reaches a path.
    let name: String = field.file_name().filter(|n| !n.is_empty()).unwrap_or("file").chars().take(MAX_TITLE_CHARS).collect();
    let (file, place) = match slot {
        Some((slot, file)) => (tokio::fs::File::from_std(file), Place::Appended(slot)),
        None => {
            let temp = TempFile { path: app.store.temp_path() };
            (tokio::fs::File::create(&temp.path).await?, Place::Apart(temp))
        }
    };
    // Dropped on any early return below: a temp file is deleted, an append cut back.
    let mut received_file = ReceivedFile { place, size: 0, name };
    let mut out = BufWriter::with_capacity(1 << 20, file);
    while let Some(bytes) = field.chunk().await.map_err(bad_multipart)? {
        received_file.size += bytes.len() as u64;
        *received += bytes.len() as u64;
        if received_file.size > MAX_PART_SIZE {
            return Err(Problem::bad_request(
                "uploaded-file-too-large",
                "The uploaded file is too large. It must be lower than or equal to 200 MiB (209,715,200 bytes).",
            )
            .name("file"));
        }
        out.write_all(&bytes).await?;
    }
    out.flush().await?;
    // Acknowledged bytes must be on disk: a crash after the answer loses nothing.
    out.get_ref().sync_all().await?;
    Ok(received_file)
}
