//! `POST /upload-tokens`: minting delegated upload tokens.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::auth::require_api_auth;
use crate::problem::Problem;
use crate::store::UploadToken;
use crate::time;

/// Largest TTL the API takes.
const MAX_TTL: u64 = 2_147_483_647;

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

/// `POST /upload-tokens {"ttl": N}` → 200 UploadToken. An absent body or `ttl` means 0.
pub(crate) async fn create(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    require_api_auth(&app, &headers)?;
    let body: CreateBody = if body.iter().all(u8::is_ascii_whitespace) {
        CreateBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| {
            Problem::bad_request("invalid-body", "The request body is not valid JSON.").name("body")
        })?
    };
    let ttl = match body.ttl {
        None => 0,
        Some(number) => number.as_u64().filter(|&t| t <= MAX_TTL).ok_or_else(invalid_ttl)?,
    };
    let token = app.store.create_upload_token(ttl);
    tracing::info!(token = %crate::redact(&token.token), ttl, "upload token created");
    Ok(Json(token_json(&token)))
}
