//! Upload options, their defaults and their validation.
//!
//! Names and limits follow `@api.video/video-uploader` 1.1.6 so that code written for it
//! behaves the same here.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::UploadError;
pub use crate::limits::{DEFAULT_API_HOST, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MAX_FILE_SIZE, MAX_PARALLEL_PARTS, MIN_CHUNK_SIZE};
use crate::limits::{CLIENT_NAME, DEFAULT_RETRIES, DEFAULT_STALL_TIMEOUT_MS};
use crate::text::{base64, concat, parse_u32, push_encoded};

/// How the uploader authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A delegated upload token: chunks go to `/upload?token=…` with no `Authorization` header.
    UploadToken(String),
    /// An access token (`Bearer`), optionally with the refresh token that renews it once a
    /// 401 says it expired. Chunks go to `/videos/{videoId}/source`.
    AccessToken {
        /// The access token.
        access_token: String,
        /// The refresh token.
        refresh_token: Option<String>,
    },
    /// An API key (`Basic`), "strongly discouraged" in a browser. Chunks go to
    /// `/videos/{videoId}/source`.
    ApiKey(String),
}

/// A name and version sent in the `AV-Origin-App` or `AV-Origin-Sdk` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `^[\w-]{1,50}$`
    pub name: String,
    /// `xxx[.yyy][.zzz]`
    pub version: String,
}

impl Origin {
    fn validate(&self, kind: &str) -> Result<(), UploadError> {
        let invalid = |message: String| Err(UploadError::InvalidOrigin { message });
        if self.name.is_empty() {
            return invalid(concat(&[kind, " name is required"]));
        }
        if self.version.is_empty() {
            return invalid(concat(&[kind, " version is required"]));
        }
        let name_ok = self.name.len() <= 50 && self.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !name_ok {
            return invalid(concat(&["Invalid ", kind, " name value. Allowed characters: A-Z, a-z, 0-9, '-', '_'. Max length: 50."]));
        }
        if !is_version(&self.version) {
            return invalid(concat(&["Invalid ", kind, " version value. The version should match the xxx[.yyy][.zzz] pattern."]));
        }
        Ok(())
    }

    fn header(&self) -> String {
        concat(&[&self.name, ":", &self.version])
    }
}

/// Most retries a piece may get: beyond this a "retry" is a hang.
pub const MAX_RETRIES: u32 = 100;

/// A bare host (`sandbox.api.video`, `127.0.0.1:8787`, `[::1]:8787`) or an `http(s)://`
/// origin, and nothing else: no user info, path, query or fragment, which would send the
/// credentials somewhere else than the API. A trailing `/` is allowed. The host is a name or
/// IPv4 address (letters, digits, `.` and `-`, not first) or a bracketed IPv6 address; the
/// port, 1 to 65535 without leading zeros. The entry checks the same rule with the pattern
/// `src/contract.json` declares (`tests/fixtures/contract-cases.json` holds both to it).
fn is_api_host(api_host: &str) -> bool {
    let rest = api_host.strip_prefix("https://").or_else(|| api_host.strip_prefix("http://")).unwrap_or(api_host);
    let rest = rest.strip_suffix('/').unwrap_or(rest).as_bytes();
    // The host ends after an IPv6 literal's closing bracket, or at the port's colon.
    let end = match rest.first() {
        Some(b'[') => rest.iter().position(|b| *b == b']').map_or(rest.len(), |at| at + 1),
        _ => rest.iter().position(|b| *b == b':').unwrap_or(rest.len()),
    };
    let (host, port) = rest.split_at(end);
    let host_ok = match host {
        [b'[', inner @ .., b']'] => !inner.is_empty() && inner.iter().all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.')),
        [first, ..] => first.is_ascii_alphanumeric() && host.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')),
        [] => false,
    };
    let port_ok = match port {
        [] => true,
        [b':', digits @ ..] => digits.first() != Some(&b'0') && digits.len() <= 5 && core::str::from_utf8(digits).ok().and_then(parse_u32).is_some_and(|p| (1..=65_535).contains(&p)),
        _ => false,
    };
    host_ok && port_ok
}

/// `xxx[.yyy][.zzz]`: one to three groups of one to three digits, read byte by byte (a
/// `split` would bring its pattern machinery into the wasm).
fn is_version(version: &str) -> bool {
    let (mut groups, mut digits) = (1, 0);
    for byte in version.bytes() {
        match byte {
            b'0'..=b'9' if digits < 3 => digits += 1,
            b'.' if digits > 0 && groups < 3 => (groups, digits) = (groups + 1, 0),
            _ => return false,
        }
    }
    digits > 0
}

/// Everything the uploader needs besides the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadOptions {
    /// How to authenticate.
    pub credentials: Credentials,
    /// Bytes per chunk, between [`MIN_CHUNK_SIZE`] and [`MAX_CHUNK_SIZE`].
    pub chunk_size: u64,
    /// `chunkSize: 'auto'`: chunk sizes follow each chunk's measured time, from
    /// [`MIN_CHUNK_SIZE`] up to [`MAX_CHUNK_SIZE`] (see [`crate::plan::ChunkPlan::adaptive`]);
    /// `chunk_size` is then not used.
    pub auto_chunk_size: bool,
    /// A bare host (`sandbox.api.video`, meaning https) or a full origin (`http://127.0.0.1:8787`).
    pub api_host: String,
    /// Upload into an existing video container instead of creating one.
    pub video_id: Option<String>,
    /// Multipart filename, which becomes the video title; defaults to the file's name.
    pub video_name: Option<String>,
    /// Attempts after the first, per chunk (default 6).
    pub retries: u32,
    /// Chunks of a file on the wire at once, 1 to [`MAX_PARALLEL_PARTS`] (default 1). The
    /// first goes alone (it names the video), the completing one last.
    pub parallel_parts: u32,
    /// `AV-Origin-App`: the application using the uploader.
    pub application: Option<Origin>,
    /// `AV-Origin-Sdk`: an SDK wrapping the uploader.
    pub sdk: Option<Origin>,
    /// A request that goes this many milliseconds without upload progress or an answer ends
    /// as a timeout, and is retried (default 30 s); `None` waits for ever.
    pub stall_timeout_ms: Option<u32>,
}

impl UploadOptions {
    /// Options for an upload-token upload with every other value at its default.
    pub fn with_upload_token(token: impl Into<String>) -> Self {
        UploadOptions {
            credentials: Credentials::UploadToken(token.into()),
            chunk_size: DEFAULT_CHUNK_SIZE,
            auto_chunk_size: false,
            api_host: DEFAULT_API_HOST.to_owned(),
            video_id: None,
            video_name: None,
            retries: DEFAULT_RETRIES,
            parallel_parts: 1,
            application: None,
            sdk: None,
            stall_timeout_ms: Some(DEFAULT_STALL_TIMEOUT_MS),
        }
    }

    /// Options for an upload whose tokens come from the app's token provider (the Rust API's
    /// `Uploader::set_token_provider`, the JavaScript `uploadToken` function): the token here
    /// is a stand-in, replaced by the provider's before anything is sent.
    #[cfg(feature = "rust-api")]
    pub fn with_token_provider() -> Self {
        UploadOptions::with_upload_token("provided-by-function")
    }

    /// Checks the options the way the official uploader does, with the same messages.
    pub fn validate(&self) -> Result<(), UploadError> {
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&self.chunk_size) {
            return Err(UploadError::InvalidChunkSize { chunk_size: self.chunk_size });
        }
        let (name, secret) = match &self.credentials {
            Credentials::UploadToken(token) => ("uploadToken", token),
            Credentials::AccessToken { access_token, .. } => ("accessToken", access_token),
            Credentials::ApiKey(key) => ("apiKey", key),
        };
        if secret.is_empty() {
            return Err(UploadError::MissingCredentials);
        }
        // It goes into a URL or a header as it is: a space or a control character is a
        // mistake (a token pasted with its line break), caught before anything is sent.
        if !secret.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(UploadError::InvalidOption { name, detail: "expected visible ASCII characters, no spaces".into() });
        }
        let needs_video = !matches!(self.credentials, Credentials::UploadToken(_));
        if needs_video && self.video_id.as_deref().is_none_or(str::is_empty) {
            return Err(UploadError::MissingVideoId);
        }
        if self.retries > MAX_RETRIES {
            return Err(UploadError::InvalidOption { name: "retries", detail: "expected a whole number, at most 100".into() });
        }
        if !(1..=MAX_PARALLEL_PARTS).contains(&self.parallel_parts) {
            return Err(UploadError::InvalidOption { name: "parallelParts", detail: "expected a whole number from 1 to 8".into() });
        }
        if !is_api_host(&self.api_host) {
            return Err(UploadError::InvalidOption {
                name: "apiHost",
                detail: "expected a host (sandbox.api.video) or an http(s) origin (http://127.0.0.1:8787), nothing else".into(),
            });
        }
        if let Some(application) = &self.application {
            application.validate("application")?;
        }
        if let Some(sdk) = &self.sdk {
            sdk.validate("sdk")?;
        }
        Ok(())
    }

    /// Headers every upload request carries: `Authorization` in the API modes, and the
    /// `AV-Origin-*` identification headers.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = Vec::new();
        if let Some(authorization) = self.authorization() {
            headers.push(("Authorization", authorization));
        }
        headers.push(("AV-Origin-Client", concat(&[CLIENT_NAME, ":", env!("CARGO_PKG_VERSION")])));
        if let Some(application) = &self.application {
            headers.push(("AV-Origin-App", application.header()));
        }
        if let Some(sdk) = &self.sdk {
            headers.push(("AV-Origin-Sdk", sdk.header()));
        }
        headers
    }

    /// The `Authorization` header of the API modes; upload tokens go in the URL instead.
    pub fn authorization(&self) -> Option<String> {
        match &self.credentials {
            Credentials::UploadToken(_) => None,
            Credentials::AccessToken { access_token, .. } => Some(concat(&["Bearer ", access_token])),
            Credentials::ApiKey(key) => Some(concat(&["Basic ", &base64(concat(&[key, ":"]).as_bytes())])),
        }
    }

    /// Where an expired access token is renewed.
    pub fn refresh_url(&self) -> String {
        concat(&[&self.api_origin(), "/auth/refresh"])
    }

    /// The origin requests go to: `https://` + a bare host, or the origin as given.
    pub fn api_origin(&self) -> String {
        let host = self.api_host.strip_suffix('/').unwrap_or(&self.api_host);
        if host.starts_with("http://") || host.starts_with("https://") {
            host.to_owned()
        } else {
            concat(&["https://", host])
        }
    }

    /// `…/videos/{id}`: where the API modes read a Video, and (with `/source`) upload into it.
    pub fn video_url(&self, video_id: &str) -> String {
        let mut url = concat(&[&self.api_origin(), "/videos/"]);
        push_encoded(&mut url, video_id);
        url
    }

    /// The URL every piece is posted to.
    pub fn upload_url(&self) -> String {
        match &self.credentials {
            Credentials::UploadToken(token) => {
                let mut url = concat(&[&self.api_origin(), "/upload?token="]);
                push_encoded(&mut url, token);
                url
            }
            Credentials::AccessToken { .. } | Credentials::ApiKey(_) => {
                concat(&[&self.video_url(self.video_id.as_deref().unwrap_or_default()), "/source"])
            }
        }
    }

    /// Whether the credentials can read a Video (`GET /videos/{id}`): the API modes can, an
    /// upload token cannot.
    pub fn can_read_videos(&self) -> bool {
        !matches!(self.credentials, Credentials::UploadToken(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_host_means_https() {
        let mut options = UploadOptions::with_upload_token("to1");
        assert_eq!(options.upload_url(), "https://ws.api.video/upload?token=to1");
        options.api_host = "sandbox.api.video".into();
        assert_eq!(options.api_origin(), "https://sandbox.api.video");
    }

    #[test]
    fn full_origin_is_kept() {
        let mut options = UploadOptions::with_upload_token("to1");
        options.api_host = "http://127.0.0.1:8787/".into();
        assert_eq!(options.upload_url(), "http://127.0.0.1:8787/upload?token=to1");
    }

    #[test]
    fn token_cannot_inject_query_parameters() {
        let options = UploadOptions::with_upload_token("to1&videoId=x y");
        assert_eq!(
            options.upload_url(),
            "https://ws.api.video/upload?token=to1%26videoId%3Dx%20y"
        );
    }

    #[test]
    fn chunk_size_bounds_are_inclusive() {
        let mut options = UploadOptions::with_upload_token("to1");
        for ok in [MIN_CHUNK_SIZE, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE] {
            options.chunk_size = ok;
            assert_eq!(options.validate(), Ok(()));
        }
        for bad in [0, MIN_CHUNK_SIZE - 1, MAX_CHUNK_SIZE + 1] {
            options.chunk_size = bad;
            assert_eq!(options.validate(), Err(UploadError::InvalidChunkSize { chunk_size: bad }));
        }
    }

    #[test]
    fn api_modes_need_a_video_and_post_to_its_source() {
        let mut options = UploadOptions::with_upload_token("x");
        options.credentials = Credentials::ApiKey("key".into());
        assert_eq!(options.validate(), Err(UploadError::MissingVideoId));
        assert_eq!(UploadError::MissingVideoId.to_string(), "'videoId' is missing");
        options.video_id = Some("vi123".into());
        assert_eq!(options.validate(), Ok(()));
        assert_eq!(options.upload_url(), "https://ws.api.video/videos/vi123/source");
        assert_eq!(options.headers()[0], ("Authorization", "Basic a2V5Og==".to_owned()));
        options.credentials = Credentials::AccessToken { access_token: "jwt".into(), refresh_token: None };
        assert_eq!(options.headers()[0], ("Authorization", "Bearer jwt".to_owned()));
    }

    #[test]
    fn origin_headers_and_their_validation() {
        let mut options = UploadOptions::with_upload_token("to1");
        options.application = Some(Origin { name: "my-app".into(), version: "1.2.3".into() });
        options.sdk = Some(Origin { name: "sdk_x".into(), version: "10".into() });
        assert_eq!(options.validate(), Ok(()));
        let headers = options.headers();
        assert_eq!(headers[0].0, "AV-Origin-Client");
        assert!(headers[0].1.starts_with("wasm-video-uploader:"));
        assert_eq!(headers[1], ("AV-Origin-App", "my-app:1.2.3".to_owned()));
        assert_eq!(headers[2], ("AV-Origin-Sdk", "sdk_x:10".to_owned()));

        let message = |name: &str, version: &str| {
            let mut options = UploadOptions::with_upload_token("to1");
            options.application = Some(Origin { name: name.into(), version: version.into() });
            options.validate().unwrap_err().to_string()
        };
        assert_eq!(message("bad name", "1"), "Invalid application name value. Allowed characters: A-Z, a-z, 0-9, '-', '_'. Max length: 50.");
        assert_eq!(message(&"x".repeat(51), "1"), "Invalid application name value. Allowed characters: A-Z, a-z, 0-9, '-', '_'. Max length: 50.");
        assert_eq!(message("app", "1.2.3.4"), "Invalid application version value. The version should match the xxx[.yyy][.zzz] pattern.");
        assert_eq!(message("app", "1234"), "Invalid application version value. The version should match the xxx[.yyy][.zzz] pattern.");
        for bad in ["1..2", "1.", ".1", "1.2a", "-1"] {
            assert_eq!(message("app", bad), "Invalid application version value. The version should match the xxx[.yyy][.zzz] pattern.");
        }
        for good in ["1", "123", "1.22.333"] {
            let mut options = UploadOptions::with_upload_token("to1");
            options.application = Some(Origin { name: "app".into(), version: good.into() });
            assert_eq!(options.validate(), Ok(()), "{good}");
        }
        assert_eq!(message("", "1"), "application name is required");
        assert_eq!(message("app", ""), "application version is required");
    }

    // The cases are read with serde_json, a native-only dev-dependency.
    #[cfg(not(target_arch = "wasm32"))]
    /// The entry checks `apiHost` with the declaration's pattern (`src/contract.json`), this
    /// with code: both judge the cases of `tests/fixtures/contract-cases.json` alike.
    #[test]
    fn api_hosts_are_judged_as_the_entry_judges_them() {
        let cases: serde_json::Value = serde_json::from_str(include_str!("../tests/fixtures/contract-cases.json")).unwrap();
        for (list, expected) in [("accepted", true), ("refused", false)] {
            for host in cases["apiHosts"][list].as_array().unwrap() {
                assert_eq!(is_api_host(host.as_str().unwrap()), expected, "{host}");
            }
        }
    }

    #[test]
    fn api_host_is_a_host_or_an_origin_and_nothing_else() {
        let check = |host: &str| {
            let mut options = UploadOptions::with_upload_token("to1");
            options.api_host = host.into();
            options.validate()
        };
        for good in ["ws.api.video", "sandbox.api.video", "127.0.0.1:8787", "localhost", "http://127.0.0.1:8787", "https://ws.api.video/", "http://[::1]:8787", "[::1]"] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "not a url",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/plain,x",
            "http://user:pw@host",
            "https://ws.api.video/path",
            "https://ws.api.video?x=1",
            "https://ws.api.video#frag",
            "ftp://ws.api.video",
            "http://",
            "host:0",
            "host:99999",
            "host:80a",
            ".host",
            "-host:80",
        ] {
            assert_eq!(check(bad).map_err(|e| e.code()), Err("OPTION_INVALID"), "{bad:?}");
        }
    }

    #[test]
    fn retries_are_capped() {
        let mut options = UploadOptions::with_upload_token("to1");
        options.retries = MAX_RETRIES;
        assert_eq!(options.validate(), Ok(()));
        options.retries = MAX_RETRIES + 1;
        assert_eq!(options.validate().map_err(|e| e.code()), Err("OPTION_INVALID"));
    }

    #[test]
    fn empty_token_is_missing_credentials() {
        let options = UploadOptions::with_upload_token("");
        assert_eq!(options.validate(), Err(UploadError::MissingCredentials));
    }
}
