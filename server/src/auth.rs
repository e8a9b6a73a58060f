//! API authentication: `Basic base64(apiKey:)` or `Bearer <access token>`, and the
//! `/auth/api-key` and `/auth/refresh` exchanges.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::state::{blocking, AppState};
use crate::problem::Problem;

/// Lifetime of access tokens, as api.video's: one hour.
pub const ACCESS_TOKEN_LIFETIME: u64 = 3600;

/// Compares a secret `b` with what a client sent, `a`, in time that depends on neither
/// where they differ nor the secret's length (only on the client's own input).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let lengths_differ = u8::from(a.len() != b.len());
    let diff = a.iter().enumerate().fold(lengths_differ, |acc, (i, x)| acc | (x ^ b.get(i).copied().unwrap_or(!x)));
    diff == 0
}

/// Proof that a request carries API credentials: a handler that takes it runs only for
/// `Authorization: Basic base64(apiKey:)` with this server's key, or `Bearer` with a live
/// access token; anything else is answered 401 before the handler (and before any body is
/// read). Take `Result<ApiAuth, Problem>` to answer the rejection yourself (to log it).
#[derive(Debug, Clone, Copy)]
pub struct ApiAuth;

impl FromRequestParts<AppState> for ApiAuth {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<ApiAuth, Problem> {
        check(app, &parts.headers).await?;
        Ok(ApiAuth)
    }
}

/// Checks the `Authorization` header against the API key or a live access token.
async fn check(app: &AppState, headers: &HeaderMap) -> Result<(), Problem> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(Problem::bad_credentials)?;
    let (scheme, credentials) = value.split_once(' ').ok_or_else(Problem::bad_credentials)?;
    let ok = if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credentials.trim())
            .map_err(|_| Problem::bad_credentials())?;
        // "You need to keep the colon": the key is the user name, the password is empty.
        match decoded.strip_suffix(b":") {
            Some(key) => constant_time_eq(key, app.api_key.as_bytes()),
            None => false,
        }
    } else if scheme.eq_ignore_ascii_case("bearer") {
        let token = credentials.trim().to_owned();
        blocking(app, move |store| store.access_token_valid(&token)).await?
    } else {
        false
    };
    if ok {
        Ok(())
    } else {
        Err(Problem::bad_credentials())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyBody {
    api_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefreshBody {
    refresh_token: Option<String>,
}

fn invalid_user_credentials() -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "authentication-invalid-user-credentials", "The user credentials were incorrect.")
}

async fn issue_tokens(app: &AppState) -> Result<Json<Value>, Problem> {
    let (access_token, refresh_token) =
        blocking(app, |store| store.create_access_token(ACCESS_TOKEN_LIFETIME)).await?;
    Ok(Json(json!({
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "access_token": access_token,
        "refresh_token": refresh_token,
    })))
}

/// `POST /auth/api-key {"apiKey"}` → access and refresh tokens.
pub(crate) async fn api_key(State(app): State<AppState>, body: axum::body::Bytes) -> Result<Json<Value>, Problem> {
    let body: ApiKeyBody = serde_json::from_slice(&body).map_err(|_| invalid_user_credentials())?;
    let key = body.api_key.ok_or_else(invalid_user_credentials)?;
    // Refused keys count against the peer that sent them (see guard.rs).
    if !constant_time_eq(key.as_bytes(), app.api_key.as_bytes()) {
        return Err(invalid_user_credentials());
    }
    issue_tokens(&app).await
}

/// `POST /auth/refresh {"refreshToken"}` → new tokens; the old refresh token is spent.
pub(crate) async fn refresh(State(app): State<AppState>, body: axum::body::Bytes) -> Result<Json<Value>, Problem> {
    let body: RefreshBody = serde_json::from_slice(&body).map_err(|_| invalid_user_credentials())?;
    let token = body.refresh_token.ok_or_else(invalid_user_credentials)?;
    if !blocking(&app, move |store| store.take_refresh_token(&token)).await? {
        return Err(invalid_user_credentials());
    }
    issue_tokens(&app).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(!constant_time_eq(b"", b"abc"));
        assert!(constant_time_eq(b"", b""));
    }
}
