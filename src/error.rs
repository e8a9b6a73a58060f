//! The uploader's one error type, with a stable string code per variant.

use alloc::string::String;
use core::fmt;

use crate::codes::ErrorCode;
use crate::limits::MAX_FILE_SIZE;
use crate::text::{concat, push_u64};

/// An api.video problem body: `{type, title, name, status, detail}`. With the `rust-api`
/// feature it also reads one (`serde_json`, `serde_wasm_bindgen`); a missing field is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(any(all(test, not(target_arch = "wasm32")), feature = "rust-api"), derive(serde::Deserialize), serde(default))]
pub struct Problem {
    /// Documentation URL naming the problem, e.g. `https://docs.api.video/reference/…`.
    #[cfg_attr(any(all(test, not(target_arch = "wasm32")), feature = "rust-api"), serde(rename = "type"))]
    pub type_: Option<String>,
    /// Human-readable summary.
    pub title: Option<String>,
    /// The offending parameter, when there is one.
    pub name: Option<String>,
    /// More detail, when the API gives it.
    pub detail: Option<String>,
}

/// Why an upload could not start or did not finish.
///
/// [`UploadError::code`] is stable and is what JavaScript sees as `error.code`; the
/// messages of option errors are the official uploader's, word for word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadError {
    /// No file was given.
    MissingFile,
    /// No upload token (or other credential) was given.
    MissingCredentials,
    /// An access token or API key was given without the `videoId` to upload into.
    MissingVideoId,
    /// `origin.application` or `origin.sdk` is malformed.
    InvalidOrigin {
        /// The official uploader's message.
        message: String,
    },
    /// `chunkSize` is outside 5 MiB..=128 MiB.
    InvalidChunkSize {
        /// The rejected value, in bytes.
        chunk_size: u64,
    },
    /// An option has the wrong type or an unusable value.
    InvalidOption {
        /// The option's JavaScript name.
        name: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// The file has no bytes; api.video rejects empty files, so nothing is sent.
    EmptyFile,
    /// The file is larger than api.video accepts.
    FileTooLarge {
        /// The file's size in bytes.
        size: u64,
    },
    /// `upload()` was called while an upload was already running on this uploader.
    AlreadyUploading,
    /// The server answered with an error status.
    Http {
        /// HTTP status code.
        status: u16,
        /// The problem body, as far as it could be parsed.
        problem: Problem,
        /// The raw response body.
        raw: String,
    },
    /// The server answered 2xx with a body the uploader cannot use.
    InvalidResponse {
        /// HTTP status code.
        status: u16,
        /// What was missing or malformed.
        detail: String,
        /// The raw response body.
        raw: String,
    },
    /// The request failed before any response (connection refused, reset, CORS, offline).
    Network,
    /// The request timed out.
    Timeout,
    /// The upload was cancelled.
    Aborted,
    /// A browser API refused the request before it was sent (an unparsable URL, for one).
    Browser {
        /// The browser's message.
        detail: String,
    },
    /// The file's metadata says it is longer than the uploader's maximum duration (the Rust
    /// API's `set_max_video_duration`; in JavaScript the entry raises it).
    #[cfg(feature = "rust-api")]
    VideoTooLong,
    /// The app's token provider failed, or gave no token (the Rust API's
    /// `set_token_provider`; in JavaScript the entry raises it).
    #[cfg(feature = "rust-api")]
    TokenProviderFailed {
        /// What it said.
        detail: String,
    },
}

impl UploadError {
    /// The stable machine-readable code of this error, as JavaScript sees it.
    pub fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The code, to match on. `as u8`, its index in the declaration (`src/contract.json`),
    /// is what the package's wasm gives JavaScript, so that it holds none of the names.
    pub fn kind(&self) -> ErrorCode {
        match self {
            UploadError::MissingFile => ErrorCode::FileMissing,
            UploadError::MissingCredentials => ErrorCode::CredentialsMissing,
            UploadError::MissingVideoId => ErrorCode::VideoIdMissing,
            UploadError::InvalidOrigin { .. } => ErrorCode::OriginInvalid,
            UploadError::InvalidChunkSize { .. } => ErrorCode::ChunkSizeInvalid,
            UploadError::InvalidOption { .. } => ErrorCode::OptionInvalid,
            UploadError::EmptyFile => ErrorCode::FileEmpty,
            UploadError::FileTooLarge { .. } => ErrorCode::FileTooLarge,
            UploadError::AlreadyUploading => ErrorCode::UploadInProgress,
            UploadError::Http { status, .. } => match status {
                400 => ErrorCode::BadRequest,
                401 => ErrorCode::Unauthorized,
                403 => ErrorCode::Forbidden,
                404 => ErrorCode::NotFound,
                413 => ErrorCode::PayloadTooLarge,
                429 => ErrorCode::RateLimited,
                500..=599 => ErrorCode::ServerError,
                _ => ErrorCode::HttpError,
            },
            UploadError::InvalidResponse { .. } => ErrorCode::ResponseInvalid,
            UploadError::Network => ErrorCode::NetworkError,
            UploadError::Timeout => ErrorCode::NetworkTimeout,
            UploadError::Aborted => ErrorCode::Aborted,
            UploadError::Browser { .. } => ErrorCode::BrowserError,
            #[cfg(feature = "rust-api")]
            UploadError::VideoTooLong => ErrorCode::VideoTooLong,
            #[cfg(feature = "rust-api")]
            UploadError::TokenProviderFailed { .. } => ErrorCode::TokenProviderFailed,
        }
    }

    /// The official uploader's `reason` for transport failures; `None` otherwise.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            UploadError::Network => Some("NETWORK_ERROR"),
            UploadError::Timeout => Some("NETWORK_TIMEOUT"),
            UploadError::Aborted => Some("ABORTED"),
            _ => None,
        }
    }

    /// The HTTP status, for errors that came with a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            UploadError::Http { status, .. } | UploadError::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl UploadError {
    /// The human-readable message JavaScript sees as `error.message`. Built without
    /// `core::fmt`, which would otherwise ship in the wasm.
    pub fn message(&self) -> String {
        let status_text = |status: u16| {
            let mut out = String::new();
            push_u64(&mut out, u64::from(status));
            out
        };
        match self {
            UploadError::MissingFile => "'file' is missing".into(),
            UploadError::MissingCredentials => "You must provide either an accessToken, an uploadToken or an API key".into(),
            UploadError::MissingVideoId => "'videoId' is missing".into(),
            UploadError::InvalidOrigin { message } => message.clone(),
            UploadError::InvalidChunkSize { .. } => {
                "Invalid chunk size. Minimal allowed value: 5MB, maximum allowed value: 128MB.".into()
            }
            UploadError::InvalidOption { name, detail } => concat(&["Invalid '", name, "' option: ", detail]),
            UploadError::EmptyFile => "The file is empty: there is nothing to upload.".into(),
            UploadError::FileTooLarge { size } => {
                let mut out = String::from("The file is ");
                push_u64(&mut out, *size);
                out.push_str(" bytes; api.video accepts at most ");
                push_u64(&mut out, MAX_FILE_SIZE);
                out.push_str(" bytes (30 GiB).");
                out
            }
            UploadError::AlreadyUploading => "An upload is already in progress on this uploader.".into(),
            UploadError::Http { status, problem, .. } => match &problem.title {
                Some(title) => concat(&[title, " (HTTP ", &status_text(*status), ")"]),
                None => concat(&["The server answered HTTP ", &status_text(*status), "."]),
            },
            UploadError::InvalidResponse { status, detail, .. } => {
                concat(&["Unusable response (HTTP ", &status_text(*status), "): ", detail])
            }
            UploadError::Network => "Network error: the request did not reach the server.".into(),
            UploadError::Timeout => "The request timed out.".into(),
            UploadError::Aborted => "The upload was cancelled.".into(),
            UploadError::Browser { detail } => concat(&["The browser refused the request: ", detail]),
            // The official uploader's words.
            #[cfg(feature = "rust-api")]
            UploadError::VideoTooLong => "The submitted video is too long.".into(),
            #[cfg(feature = "rust-api")]
            UploadError::TokenProviderFailed { detail } => concat(&["The upload token provider failed: ", detail]),
        }
    }
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for UploadError {}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(not(target_arch = "wasm32"))]
    use crate::machine::Warning;
    #[cfg(not(target_arch = "wasm32"))]
    use crate::retry::RetryReason;

    /// The API's problem bodies as the contract quotes them read into `Problem`, the fields
    /// it does not have (`status`, `problems`) left aside, missing ones `None`.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_apis_problem_bodies_read_into_problem() {
        let problem: Problem = serde_json::from_str(r#"{"type":"https://docs.api.video/reference/invalid-attribute","title":"An attribute is invalid.","status":400,"detail":"The \"language\" attribute is not valid.","name":"language"}"#).unwrap();
        assert_eq!(
            problem,
            Problem {
                type_: Some("https://docs.api.video/reference/invalid-attribute".into()),
                title: Some("An attribute is invalid.".into()),
                name: Some("language".into()),
                detail: Some("The \"language\" attribute is not valid.".into()),
            }
        );
        let nested: Problem = serde_json::from_str(r#"{"type":"https://docs.api.video/reference/video-source-already-uploaded","title":"The source of the video is already uploaded.","name":"file","status":400,
            "problems":[{"type":"https://docs.api.video/reference/uploaded-file-no-file","title":"There is no uploaded file in the request.","name":"file"}]}"#).unwrap();
        assert_eq!((nested.name.as_deref(), nested.detail), (Some("file"), None));
        let bare: Problem = serde_json::from_str(r#"{"type":"https://docs.api.video/reference/too-many-requests","title":"Too many requests.","status":429}"#).unwrap();
        assert_eq!((bare.title.as_deref(), bare.name, bare.detail), (Some("Too many requests."), None, None));
        assert_eq!(serde_json::from_str::<Problem>("{}").unwrap(), Problem::default());
    }

    // The declaration is read with serde_json, a native-only dev-dependency.
    #[cfg(not(target_arch = "wasm32"))]
    fn declaration() -> serde_json::Value {
        serde_json::from_str(include_str!("contract.json")).unwrap()
    }

    /// The keys of the declaration's `map`, but those in `except`, sorted.
    #[cfg(not(target_arch = "wasm32"))]
    fn keys(map: &str, except: &str) -> Vec<String> {
        let declaration = declaration();
        let except: Vec<&str> = declaration[except].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let mut keys: Vec<String> = declaration[map].as_object().unwrap().keys().filter(|k| !except.contains(&k.as_str())).cloned().collect();
        keys.sort();
        keys
    }

    /// The first of `templates` whose `{fields}` are all in `fields`, filled in, as
    /// `js/error.js` writes a message.
    #[cfg(not(target_arch = "wasm32"))]
    fn fill(templates: &[serde_json::Value], fields: &[(&str, String)]) -> Option<String> {
        templates.iter().find_map(|template| {
            let mut text = template.as_str().unwrap().to_owned();
            while let Some(at) = text.find('{').filter(|at| text[at + 1..].starts_with(|c: char| c.is_ascii_alphabetic())) {
                let end = at + text[at..].find('}').unwrap();
                let value = fields.iter().find(|(key, _)| *key == &text[at + 1..end])?;
                text.replace_range(at..=end, &value.1);
            }
            Some(text)
        })
    }

    #[cfg(not(target_arch = "wasm32"))]
    /// One of each variant; the match below stops the build when a variant is added and
    /// not listed here.
    fn every_error() -> Vec<UploadError> {
        let http = |status| UploadError::Http { status, problem: Problem::default(), raw: String::new() };
        let errors = vec![
            UploadError::MissingFile,
            UploadError::MissingCredentials,
            UploadError::MissingVideoId,
            UploadError::InvalidOrigin { message: String::new() },
            UploadError::InvalidChunkSize { chunk_size: 0 },
            UploadError::InvalidOption { name: "x", detail: String::new() },
            UploadError::EmptyFile,
            UploadError::FileTooLarge { size: 0 },
            UploadError::AlreadyUploading,
            http(400),
            http(401),
            http(403),
            http(404),
            http(413),
            http(429),
            http(500),
            http(418),
            UploadError::InvalidResponse { status: 200, detail: String::new(), raw: String::new() },
            UploadError::Network,
            UploadError::Timeout,
            UploadError::Aborted,
            UploadError::Browser { detail: String::new() },
        ];
        for error in &errors {
            match error {
                UploadError::MissingFile
                | UploadError::MissingCredentials
                | UploadError::MissingVideoId
                | UploadError::InvalidOrigin { .. }
                | UploadError::InvalidChunkSize { .. }
                | UploadError::InvalidOption { .. }
                | UploadError::EmptyFile
                | UploadError::FileTooLarge { .. }
                | UploadError::AlreadyUploading
                | UploadError::Http { .. }
                | UploadError::InvalidResponse { .. }
                | UploadError::Network
                | UploadError::Timeout
                | UploadError::Aborted
                | UploadError::Browser { .. } => {}
            }
        }
        errors
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn every_code_the_core_gives_is_the_contracts() {
        let mut codes: Vec<String> = every_error().iter().map(|e| e.code().to_owned()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes, keys("errors", "entryErrors"));
        // The entry adds `reason` to the errors of the declared codes, as `reason()` does.
        let declared = declaration();
        let reasons: Vec<&str> = declared["reasons"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        for error in every_error() {
            assert_eq!(error.reason(), reasons.contains(&error.code()).then(|| error.code()), "{error:?}");
        }
        let mut warnings: Vec<String> = [Warning::VideoIdMissing, Warning::ResumedVideoGone]
            .iter()
            .map(|w| match w {
                Warning::VideoIdMissing | Warning::ResumedVideoGone => w.code().to_owned(),
            })
            .collect();
        warnings.sort();
        assert_eq!(warnings, keys("warnings", "entryWarnings"));
        let reasons: Vec<String> = [RetryReason::Network, RetryReason::Timeout, RetryReason::RateLimited, RetryReason::RequestTimeout, RetryReason::ServerError]
            .iter()
            .map(|r| match r {
                RetryReason::Network | RetryReason::Timeout | RetryReason::RateLimited | RetryReason::RequestTimeout | RetryReason::ServerError => r.as_str().to_owned(),
            })
            .collect();
        let declared: Vec<String> = declaration()["retryReasons"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
        assert_eq!(reasons, declared);
    }

    /// The Rust API's messages (`Display`) are the declaration's templates filled with the
    /// error's facts, as the entry writes them for JavaScript from the same facts.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn every_message_is_the_declared_template_filled() {
        let declaration = declaration();
        let mut errors = every_error();
        errors.push(UploadError::Http { status: 401, problem: Problem { title: Some("Unauthorized".into()), ..Problem::default() }, raw: String::new() });
        errors.push(UploadError::InvalidOption { name: "retries", detail: "expected a whole number, at most 100".into() });
        errors.push(UploadError::FileTooLarge { size: 32_212_254_721 });
        errors.push(UploadError::InvalidResponse { status: 201, detail: "no videoId".into(), raw: String::new() });
        for error in &errors {
            let mut fields: Vec<(&str, String)> = Vec::new();
            if let Some(status) = error.status() {
                fields.push(("status", status.to_string()));
            }
            match error {
                UploadError::Http { problem: Problem { title: Some(title), .. }, .. } => fields.push(("title", title.clone())),
                UploadError::InvalidOption { name, detail } => fields.extend([("name", (*name).to_owned()), ("detail", detail.clone())]),
                UploadError::InvalidResponse { detail, .. } | UploadError::Browser { detail } | UploadError::InvalidOrigin { message: detail } => {
                    fields.push(("detail", detail.clone()))
                }
                UploadError::FileTooLarge { size } => fields.push(("size", size.to_string())),
                _ => {}
            }
            let templates = declaration["errors"][error.code()].as_array().unwrap();
            assert_eq!(fill(templates, &fields).as_deref(), Some(error.to_string().as_str()), "{error:?}");
        }
        for warning in [Warning::VideoIdMissing, Warning::ResumedVideoGone] {
            assert_eq!(declaration["warnings"][warning.code()], warning.message(), "{warning:?}");
        }
    }

    #[test]
    fn http_codes_follow_status() {
        let http = |status| UploadError::Http { status, problem: Problem::default(), raw: String::new() };
        assert_eq!(http(401).code(), "UNAUTHORIZED");
        assert_eq!(http(401).kind(), crate::ErrorCode::Unauthorized, "a code to match on, too");
        assert_eq!(http(400).code(), "BAD_REQUEST");
        assert_eq!(http(503).code(), "SERVER_ERROR");
        assert_eq!(http(418).code(), "HTTP_ERROR");
        assert_eq!(http(401).status(), Some(401));
    }

    #[test]
    fn option_messages_are_the_official_ones() {
        assert_eq!(UploadError::MissingFile.to_string(), "'file' is missing");
        assert_eq!(
            UploadError::InvalidChunkSize { chunk_size: 1 }.to_string(),
            "Invalid chunk size. Minimal allowed value: 5MB, maximum allowed value: 128MB."
        );
    }

    #[test]
    fn transport_errors_carry_official_reasons() {
        assert_eq!(UploadError::Network.reason(), Some("NETWORK_ERROR"));
        assert_eq!(UploadError::Aborted.reason(), Some("ABORTED"));
        assert_eq!(UploadError::Timeout.reason(), Some("NETWORK_TIMEOUT"));
        assert_eq!(UploadError::EmptyFile.reason(), None);
    }
}
