//! The one place where the typed errors of the store and the ledgers become api.video's
//! problem answers (status, type, title, name), as axum's error-handling example does it:
//! handlers return `Result<_, Problem>` and `?` converts.

use axum::http::StatusCode;

use crate::chunk_error::{ChunkError, PartRule};
use crate::problem::Problem;
use crate::store::{Assembly, StoreError};

impl From<ChunkError> for Problem {
    fn from(error: ChunkError) -> Problem {
        let slug = error.slug();
        match error {
            ChunkError::Empty => Problem::bad_request(&slug, "The uploaded file is empty.").name("file"),
            ChunkError::TooLarge => Problem::bad_request(
                &slug,
                "The uploaded file is too large. It must be lower than or equal to 200 MiB (209,715,200 bytes).",
            )
            .name("file"),
            // About the file, though a part rule.
            ChunkError::Part(rule @ PartRule::TooSmall) => Problem::bad_request(&slug, rule.title()).name("file"),
            ChunkError::Part(rule) => Problem::bad_request(&slug, rule.title()).name("Content-Range"),
            ChunkError::Bytes(rule) => Problem::bad_request(&slug, rule.title()).name("Content-Range"),
            ChunkError::ModeMismatch { started, sent } => Problem::bad_request(
                &slug,
                format!("This \"Content-Range\" upload has been started with \"{started}\", you cannot continue it with \"{sent}\"."),
            )
            .name("Content-Range"),
        }
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Problem {
        match error {
            StoreError::VideoNotFound => Problem::not_found("videoId"),
            StoreError::UploadTokenMissing => {
                Problem::new(StatusCode::UNAUTHORIZED, "authentication-missing-upload-token", "The upload token is missing.").name("token")
            }
            StoreError::UploadTokenInvalid => {
                Problem::new(StatusCode::UNAUTHORIZED, "authentication-invalid-upload-token", "The upload token is invalid or expired.")
                    .name("token")
            }
            StoreError::VideoOfAnotherUpload => Problem::new(
                StatusCode::FORBIDDEN,
                "authentication-forbidden-video",
                "This upload token cannot upload into this video: another upload started it.",
            )
            .name("videoId"),
            StoreError::AlreadyUploaded => {
                Problem::bad_request("video-source-already-uploaded", "The source of the video is already uploaded.").name("file")
            }
            StoreError::ContentRangeAlreadyInitiated => Problem::bad_request(
                "video-content-range-already-initiated",
                "A \"Content-Range\" upload has already been initiated for this video; send the remaining chunks with a \"Content-Range\" header.",
            )
            .name("Content-Range"),
            StoreError::Chunk(error) => error.into(),
            StoreError::NotAssembled(why) => {
                let (status, title) = match why {
                    Assembly::Busy => (StatusCode::SERVICE_UNAVAILABLE, "The video is being assembled; send the part again shortly."),
                    Assembly::NoRoom => (
                        StatusCode::INSUFFICIENT_STORAGE,
                        "The server has no room to assemble the video now; send the last part again later.",
                    ),
                    Assembly::Failed => (StatusCode::INTERNAL_SERVER_ERROR, "The video could not be assembled; send the part again."),
                };
                Problem::new(status, "video-source-not-assembled", title).name("file")
            }
            StoreError::Internal => Problem::internal(),
        }
    }
}
