//! Upload options, their defaults and their validation.
//!
//! Names and limits follow `@api.video/video-uploader` 1.1.6 so that code written for it
//! behaves the same here.

use crate::error::UploadError;

/// Smallest chunk the API accepts for any chunk but the last: 5 MiB.
pub const MIN_CHUNK_SIZE: u64 = 5 * 1024 * 1024;
/// Chunk size used when none is given: 50 MiB, as in every official client.
pub const DEFAULT_CHUNK_SIZE: u64 = 50 * 1024 * 1024;
/// Largest chunk the official clients allow: 128 MiB (the API itself takes up to 200 MiB).
pub const MAX_CHUNK_SIZE: u64 = 128 * 1024 * 1024;
/// Largest video api.video accepts: 30 GiB.
pub const MAX_FILE_SIZE: u64 = 30 * 1024 * 1024 * 1024;
/// The production API host.
pub const DEFAULT_API_HOST: &str = "ws.api.video";

/// How the uploader authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A delegated upload token: chunks go to `/upload?token=…` with no `Authorization` header.
    UploadToken(String),
}

/// Everything the uploader needs besides the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadOptions {
    /// How to authenticate.
    pub credentials: Credentials,
    /// Bytes per chunk, between [`MIN_CHUNK_SIZE`] and [`MAX_CHUNK_SIZE`].
    pub chunk_size: u64,
    /// A bare host (`sandbox.api.video`, meaning https) or a full origin (`http://127.0.0.1:8787`).
    pub api_host: String,
    /// Upload into an existing video container instead of creating one.
    pub video_id: Option<String>,
    /// Multipart filename, which becomes the video title; defaults to the file's name.
    pub video_name: Option<String>,
}

impl UploadOptions {
    /// Options for an upload-token upload with every other value at its default.
    pub fn with_upload_token(token: impl Into<String>) -> Self {
        UploadOptions {
            credentials: Credentials::UploadToken(token.into()),
            chunk_size: DEFAULT_CHUNK_SIZE,
            api_host: DEFAULT_API_HOST.to_owned(),
            video_id: None,
            video_name: None,
        }
    }

    /// Checks the options the way the official uploader does, with the same messages.
    pub fn validate(&self) -> Result<(), UploadError> {
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&self.chunk_size) {
            return Err(UploadError::InvalidChunkSize { chunk_size: self.chunk_size });
        }
        match &self.credentials {
            Credentials::UploadToken(token) if token.is_empty() => Err(UploadError::MissingCredentials),
            Credentials::UploadToken(_) => Ok(()),
        }
    }

    /// The origin requests go to: `https://` + a bare host, or the origin as given.
    pub fn api_origin(&self) -> String {
        let host = self.api_host.trim_end_matches('/');
        if host.starts_with("http://") || host.starts_with("https://") {
            host.to_owned()
        } else {
            format!("https://{host}")
        }
    }

    /// The URL every chunk is posted to.
    pub fn upload_url(&self) -> String {
        match &self.credentials {
            Credentials::UploadToken(token) => {
                format!("{}/upload?token={}", self.api_origin(), encode_query_value(token))
            }
        }
    }
}

/// Percent-encodes what could break out of a query value. Real tokens are
/// alphanumeric and pass through unchanged, as the official uploader sends them.
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
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
    fn empty_token_is_missing_credentials() {
        let options = UploadOptions::with_upload_token("");
        assert_eq!(options.validate(), Err(UploadError::MissingCredentials));
    }
}
