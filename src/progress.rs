//! Upload progress, with the official uploader's field names.

use crate::plan::ChunkPlan;
use crate::request::Piece;

/// A snapshot of how far an upload has got. With the `rust-api` feature it also reads a
/// JavaScript `progress` event's `detail` (`serde_wasm_bindgen::from_value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(any(all(test, not(target_arch = "wasm32")), feature = "rust-api"), derive(serde::Deserialize), serde(rename_all = "camelCase"))]
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

/// A chunk the server acknowledged: the Rust API's `chunk` event. With the `rust-api` feature
/// it also reads a JavaScript `chunk` event's `detail` (whose other fields it leaves).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(any(all(test, not(target_arch = "wasm32")), feature = "rust-api"), derive(serde::Deserialize), serde(rename_all = "camelCase"))]
pub struct AcknowledgedChunk {
    /// 1-based chunk number.
    pub chunk: u32,
    /// Number of chunks.
    pub chunks_count: u32,
    /// The video the chunk belongs to.
    pub video_id: alloc::string::String,
    /// Bytes acknowledged so far.
    pub uploaded_bytes: u64,
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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// A JavaScript `chunk` event's detail (`event_fields::CHUNK`, the fields the Rust event
    /// lacks included) reads into an `AcknowledgedChunk`.
    #[test]
    fn a_javascript_chunk_detail_reads_into_an_acknowledged_chunk() {
        let mut detail = serde_json::Map::new();
        for (n, name) in crate::event_fields::CHUNK.iter().enumerate() {
            detail.insert((*name).into(), serde_json::json!(n as u64 + 1));
        }
        detail.insert("videoId".into(), serde_json::json!("vi4k0jvEUuaTdRAEjQ4Jfrgz"));
        let chunk: AcknowledgedChunk = serde_json::from_value(serde_json::Value::Object(detail.clone())).unwrap();
        let at = |name: &str| crate::event_fields::CHUNK.iter().position(|field| *field == name).unwrap() as u64 + 1;
        assert_eq!(chunk, AcknowledgedChunk { chunk: at("chunk") as u32, chunks_count: at("chunksCount") as u32, video_id: "vi4k0jvEUuaTdRAEjQ4Jfrgz".into(), uploaded_bytes: at("uploadedBytes") });
        detail.remove("videoId");
        assert!(serde_json::from_value::<AcknowledgedChunk>(serde_json::Value::Object(detail)).is_err());
    }

    /// The six fields of the official uploader's progress event, in its names.
    #[test]
    fn the_official_progress_event_reads_into_progress() {
        let json = r#"{"uploadedBytes":5242880,"totalBytes":12582912,"chunksCount":3,"chunksBytes":5242880,"currentChunk":2,"currentChunkUploadedBytes":0}"#;
        let progress: Progress = serde_json::from_str(json).unwrap();
        assert_eq!(progress, Progress { uploaded_bytes: 5_242_880, total_bytes: 12_582_912, chunks_count: 3, chunks_bytes: 5_242_880, current_chunk: 2, current_chunk_uploaded_bytes: 0 });
    }
}
