//! api.video's error body: `{type, title, name, status, detail?}`, served as `application/json`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

const DOCS: &str = "https://docs.api.video/reference/";

/// An error answer, shaped like api.video's.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// Documentation URL of the problem.
    #[serde(rename = "type")]
    pub type_: String,
    /// Human-readable summary.
    pub title: String,
    /// The offending parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HTTP status, repeated in the body.
    pub status: u16,
    /// More detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Problem {
    /// A problem whose type is `https://docs.api.video/reference/<slug>`.
    pub fn new(status: StatusCode, slug: &str, title: impl Into<String>) -> Problem {
        Problem {
            type_: format!("{DOCS}{slug}"),
            title: title.into(),
            name: None,
            status: status.as_u16(),
            detail: None,
        }
    }

    /// Names the offending parameter.
    pub fn name(mut self, name: &str) -> Problem {
        self.name = Some(name.to_owned());
        self
    }

    /// Adds detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Problem {
        self.detail = Some(detail.into());
        self
    }

    /// 400 with the given slug and title.
    pub fn bad_request(slug: &str, title: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, slug, title)
    }

    /// 404 for a missing resource named by `name`.
    pub fn not_found(name: &str) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "resource-not-found", "The requested resource was not found.").name(name)
    }

    /// 401 for missing or wrong API credentials (API key or access token).
    pub fn bad_credentials() -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "authentication-invalid-credentials",
            "The credentials are missing, invalid or expired.",
        )
    }

    /// 500 for a storage failure; the detail goes to the log, not the client.
    pub fn internal() -> Problem {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal-error", "An internal error occurred.")
    }
}

/// The problems that refuse credentials someone sent (not missing ones): each counts against
/// its peer in [`crate::guard`].
const REFUSALS: [&str; 3] = ["authentication-invalid-credentials", "authentication-invalid-user-credentials", "authentication-invalid-upload-token"];

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let refused = REFUSALS.iter().any(|slug| self.type_.strip_prefix(DOCS) == Some(slug));
        let mut response = (status, Json(self)).into_response();
        if refused {
            response.extensions_mut().insert(crate::guard::Refused);
        }
        response
    }
}

impl From<std::io::Error> for Problem {
    fn from(error: std::io::Error) -> Problem {
        tracing::error!(%error, "storage error");
        Problem::internal()
    }
}
