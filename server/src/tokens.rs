//! The upload-token operations: create, list, get, delete.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::state::{blocking, AppState};
use crate::auth::ApiAuth;
use crate::pagination;
use crate::problem::Problem;
use crate::store::{Order, TokenSort, UploadToken};
use crate::time;

/// Largest TTL the API takes.
pub const MAX_TTL: u64 = 2_147_483_647;

#[derive(Deserialize, Default)]
struct CreateBody {
    ttl: Option<serde_json::Number>,
}

/// The UploadToken JSON: `expiresAt` only for tokens that expire.
pub fn token_json(token: &UploadToken) -> Value {
    let mut value = json!({
        "token": token.token,
        "ttl": token.ttl,
        "createdAt": time::atom(token.created_at),
    });
    if let Some(expires) = token.expires_at() {
        value["expiresAt"] = json!(time::atom(expires));
    }
    value
}

fn invalid_ttl() -> Problem {
    Problem::bad_request("invalid-attribute", "An attribute is invalid.")
        .name("ttl")
        .detail("The \"ttl\" attribute must be an integer between 0 and 2147483647.")
}

/// Parses a creation body: absent, empty or `{}` means ttl 0.
pub fn parse_ttl(body: &[u8]) -> Result<u64, Problem> {
    let body: CreateBody = if body.iter().all(u8::is_ascii_whitespace) {
        CreateBody::default()
    } else {
        serde_json::from_slice(body)
            .map_err(|_| Problem::bad_request("invalid-body", "The request body is not valid JSON.").name("body"))?
    };
    match body.ttl {
        None => Ok(0),
        Some(number) => number.as_u64().filter(|&t| t <= MAX_TTL).ok_or_else(invalid_ttl),
    }
}

/// `POST /upload-tokens {"ttl": N}` → 200 UploadToken.
pub(crate) async fn create(
    State(app): State<AppState>,
    _: ApiAuth,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    let ttl = parse_ttl(&body)?;
    let token = blocking(&app, move |store| store.create_upload_token(ttl)).await?;
    tracing::info!(token = %crate::redact(&token.token), ttl, "upload token created");
    Ok(Json(token_json(&token)))
}

/// `GET /upload-tokens?currentPage&pageSize&sortBy&sortOrder` → active tokens.
pub(crate) async fn list(
    State(app): State<AppState>,
    _: ApiAuth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let page = pagination::page(&query)?;
    let sort = pagination::sort_by(&query, &[("createdAt", TokenSort::CreatedAt), ("ttl", TokenSort::Ttl)], TokenSort::CreatedAt)?;
    let order = pagination::order(&query, Order::Asc)?;
    let (tokens, total) = blocking(&app, move |store| store.list_upload_tokens(sort, order, page)).await?;
    let data: Vec<Value> = tokens.iter().map(token_json).collect();
    let pagination = pagination::pagination("/upload-tokens", &query, page, data.len(), total);
    Ok(Json(json!({ "data": data, "pagination": pagination })))
}

fn token_not_found() -> Problem {
    Problem::not_found("uploadToken")
}

/// `GET /upload-tokens/{token}` → UploadToken; 404 when unknown or expired.
pub(crate) async fn get(
    State(app): State<AppState>,
    _: ApiAuth,
    Path(token): Path<String>,
) -> Result<Json<Value>, Problem> {
    let found = blocking(&app, move |store| store.upload_token(&token)).await?;
    match found {
        Some(token) if !token.is_expired(time::now()) => Ok(Json(token_json(&token))),
        _ => Err(token_not_found()),
    }
}

/// `DELETE /upload-tokens/{token}` → 204; 404 when unknown.
pub(crate) async fn delete(
    State(app): State<AppState>,
    _: ApiAuth,
    Path(token): Path<String>,
) -> Result<StatusCode, Problem> {
    let redacted = crate::redact(&token);
    if blocking(&app, move |store| store.delete_upload_token(&token)).await? {
        tracing::info!(token = %redacted, "upload token deleted");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(token_not_found())
    }
}
