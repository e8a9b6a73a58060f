//! What can go wrong in the store, said once, in its own terms. The store never picks an
//! HTTP status: `error_answers.rs` maps each variant to api.video's problem answer.

use std::io;

use crate::chunk_error::ChunkError;

/// Why a store operation did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The video named by the request's `videoId` does not exist.
    VideoNotFound,
    /// An upload without a token.
    UploadTokenMissing,
    /// An upload token that does not exist or has expired.
    UploadTokenInvalid,
    /// An upload token writing into a video another upload started.
    VideoOfAnotherUpload,
    /// A chunk for a video whose source is complete.
    AlreadyUploaded,
    /// A chunk without `Content-Range` for an upload that started with one.
    ContentRangeAlreadyInitiated,
    /// The ledgers refuse the chunk.
    Chunk(ChunkError),
    /// Every chunk is in, but the source could not be assembled now.
    NotAssembled(Assembly),
    /// The disk or the database failed; the detail was logged where it happened.
    Internal,
}

/// Why an assembly did not finish (each is worth the client's retry of the last chunk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assembly {
    /// Another assembly of the video, or an append to it, is under way.
    Busy,
    /// The disk has no room for it.
    NoRoom,
    /// Writing it failed.
    Failed,
}

impl From<ChunkError> for StoreError {
    fn from(error: ChunkError) -> StoreError {
        StoreError::Chunk(error)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        tracing::error!(%error, "database error");
        StoreError::Internal
    }
}

impl From<io::Error> for StoreError {
    fn from(error: io::Error) -> StoreError {
        tracing::error!(%error, "storage error");
        StoreError::Internal
    }
}
