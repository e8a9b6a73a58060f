//! Upload progress, with the official uploader's field names.

use crate::plan::{Chunk, ChunkPlan};

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
    /// Progress while `chunk` is on the wire, from an upload progress event.
    ///
    /// `loaded` and `body_total` count the whole multipart body, which is larger than the
    /// chunk by its boundaries and headers. Scaling by `chunk.len() / body_total` maps them
    /// onto file bytes, so progress never overshoots the file size (the official uploader
    /// adds `loaded` directly and does overshoot).
    pub fn in_flight(plan: &ChunkPlan, chunk: &Chunk, loaded: u64, body_total: u64) -> Progress {
        let sent = if body_total == 0 {
            0
        } else {
            let scaled = u128::from(loaded.min(body_total)) * u128::from(chunk.len()) / u128::from(body_total);
            scaled as u64
        };
        Progress::at(plan, chunk, sent)
    }

    /// Progress once the server has acknowledged `chunk`.
    pub fn acknowledged(plan: &ChunkPlan, chunk: &Chunk) -> Progress {
        Progress::at(plan, chunk, chunk.len())
    }

    fn at(plan: &ChunkPlan, chunk: &Chunk, sent_in_chunk: u64) -> Progress {
        Progress {
            uploaded_bytes: chunk.start + sent_in_chunk,
            total_bytes: plan.file_size(),
            chunks_count: plan.count(),
            chunks_bytes: plan.chunk_size(),
            current_chunk: chunk.index + 1,
            current_chunk_uploaded_bytes: sent_in_chunk,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn never_overshoots_and_ends_at_total() {
        let plan = ChunkPlan::new(12 * MIB, 5 * MIB).unwrap();
        let last = plan.chunk(2).unwrap();
        let overhead = 300;
        let body = last.len() + overhead;
        let mut previous = 0;
        for loaded in (0..=body).step_by(4096).chain([body]) {
            let p = Progress::in_flight(&plan, &last, loaded, body);
            assert!(p.uploaded_bytes >= previous && p.uploaded_bytes <= p.total_bytes);
            previous = p.uploaded_bytes;
        }
        assert_eq!(previous, 12 * MIB);
        assert_eq!(Progress::acknowledged(&plan, &last).uploaded_bytes, 12 * MIB);
    }

    #[test]
    fn fields_match_the_official_meaning() {
        let plan = ChunkPlan::new(12 * MIB, 5 * MIB).unwrap();
        let second = plan.chunk(1).unwrap();
        let p = Progress::in_flight(&plan, &second, 0, 100);
        assert_eq!(p.current_chunk, 2);
        assert_eq!(p.chunks_count, 3);
        assert_eq!(p.chunks_bytes, 5 * MIB);
        assert_eq!(p.uploaded_bytes, 5 * MIB);
        assert_eq!(p.current_chunk_uploaded_bytes, 0);
    }

    #[test]
    fn zero_body_total_reports_nothing_sent() {
        let plan = ChunkPlan::new(MIB, 5 * MIB).unwrap();
        let only = plan.chunk(0).unwrap();
        assert_eq!(Progress::in_flight(&plan, &only, 10, 0).uploaded_bytes, 0);
    }
}
