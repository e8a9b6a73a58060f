//! Upload progress, with the official uploader's field names.

use crate::plan::ChunkPlan;
use crate::request::Piece;

/// A snapshot of how far an upload has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// File bytes sent so far, never more than `total_bytes`.
    pub uploaded_bytes: u64,
    /// Size of the file.
    pub total_bytes: u64,
    /// Number of chunks.
    pub chunks_count: u32,
    /// Nominal chunk size.
    pub chunks_bytes: u64,
    /// 1-based number of the chunk being sent.
    pub current_chunk: u32,
    /// File bytes of the current chunk sent so far.
    pub current_chunk_uploaded_bytes: u64,
}

impl Progress {
    /// `uploaded_bytes` of the file sent, `chunk` being the current chunk with
    /// `sent_in_chunk` of its bytes sent (pieces in parallel: `uploaded_bytes` counts them all).
    pub(crate) fn at_bytes(plan: &ChunkPlan, chunk: &Piece, uploaded_bytes: u64, sent_in_chunk: u64) -> Progress {
        Progress {
            uploaded_bytes,
            total_bytes: plan.file_size(),
            chunks_count: plan.count(),
            chunks_bytes: plan.chunk_size(),
            current_chunk: chunk.index + 1,
            current_chunk_uploaded_bytes: sent_in_chunk,
        }
    }
}

/// Progress of a stream's part on the wire: the official progressive event plus `part`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartProgress {
    /// 1-based part number.
    pub part: u32,
    /// Bytes of the part sent so far, never more than `total_bytes`.
    pub uploaded_bytes: u64,
    /// The part's size.
    pub total_bytes: u64,
}

/// `loaded` of `body_total` multipart bytes, mapped onto `len` payload bytes: never more than
/// `len`, and 0 while the total is unknown. Upload progress events count the whole multipart
/// body, which is larger than the chunk by its boundaries and headers: scaling maps them onto
/// file bytes, so progress never overshoots the file size (the official uploader adds
/// `loaded` directly and does overshoot). In f64 (exact below 2^53 bytes, and monotonic)
/// rather than u128, whose division routines would ship in the wasm.
pub fn scale(loaded: u64, body_total: u64, len: u64) -> u64 {
    if body_total == 0 {
        return 0;
    }
    let scaled = (loaded.min(body_total) as f64 * len as f64 / body_total as f64) as u64;
    scaled.min(len)
}
