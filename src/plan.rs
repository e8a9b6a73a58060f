//! How a file of known size is cut into chunks.

use crate::content_range::PartRange;
use crate::error::UploadError;
use crate::limits::MAX_FILE_SIZE;
use crate::request::Piece;

/// The chunks of a file: every chunk `chunk_size` bytes except a shorter last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    file_size: u64,
    chunk_size: u64,
    count: u32,
}

impl ChunkPlan {
    /// Plans a file of `file_size` bytes. The chunk size must already be validated.
    ///
    /// An empty file is an error rather than a zero-chunk plan: api.video rejects empty
    /// files, and the official uploader silently resolves `undefined` for them.
    pub fn new(file_size: u64, chunk_size: u64) -> Result<Self, UploadError> {
        if file_size == 0 {
            return Err(UploadError::EmptyFile);
        }
        if file_size > MAX_FILE_SIZE {
            return Err(UploadError::FileTooLarge { size: file_size });
        }
        debug_assert!(chunk_size > 0);
        let count = file_size.div_ceil(chunk_size);
        // 30 GiB / 5 MiB is 6144, well below the API's 10,000 parts.
        let count = u32::try_from(count).map_err(|_| UploadError::FileTooLarge { size: file_size })?;
        Ok(ChunkPlan { file_size, chunk_size, count })
    }

    /// Total bytes.
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// Nominal chunk size.
    pub fn chunk_size(&self) -> u64 {
        self.chunk_size
    }

    /// Number of chunks (at least 1).
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The chunk at `index`, or `None` past the end.
    pub fn chunk(&self, index: u32) -> Option<Piece> {
        if index >= self.count {
            return None;
        }
        let start = u64::from(index) * self.chunk_size;
        let end = (start + self.chunk_size).min(self.file_size);
        Some(Piece { index, start, end, range: PartRange { part: index + 1, total: Some(self.count) } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MIN_CHUNK_SIZE;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn exact_multiple() {
        let plan = ChunkPlan::new(48 * MIB, 8 * MIB).unwrap();
        assert_eq!(plan.count(), 6);
        let last = plan.chunk(5).unwrap();
        assert_eq!((last.start, last.end), (40 * MIB, 48 * MIB));
        assert_eq!(last.range.header(), "part 6/6");
        assert_eq!(plan.chunk(6), None);
    }

    #[test]
    fn short_last_chunk() {
        let plan = ChunkPlan::new(10 * MIB + 1, 5 * MIB).unwrap();
        assert_eq!(plan.count(), 3);
        assert_eq!(plan.chunk(2).unwrap().len(), 1);
    }

    #[test]
    fn small_file_is_part_1_of_1() {
        let plan = ChunkPlan::new(1, MIN_CHUNK_SIZE).unwrap();
        let only = plan.chunk(0).unwrap();
        assert_eq!((only.start, only.end, only.range.header().as_str()), (0, 1, "part 1/1"));
    }

    #[test]
    fn chunks_tile_the_file() {
        for (size, chunk) in [(1, 5 * MIB), (5 * MIB, 5 * MIB), (123_456_789, 7 * MIB), (50 * MIB - 1, 50 * MIB)] {
            let plan = ChunkPlan::new(size, chunk).unwrap();
            let mut next = 0;
            for i in 0..plan.count() {
                let c = plan.chunk(i).unwrap();
                assert_eq!(c.start, next);
                assert!(!c.is_empty() && c.len() <= chunk);
                next = c.end;
            }
            assert_eq!(next, size);
        }
    }

    #[test]
    fn rejects_empty_and_oversized_files() {
        assert_eq!(ChunkPlan::new(0, MIN_CHUNK_SIZE), Err(UploadError::EmptyFile));
        let too_big = MAX_FILE_SIZE + 1;
        assert_eq!(ChunkPlan::new(too_big, MIN_CHUNK_SIZE), Err(UploadError::FileTooLarge { size: too_big }));
    }
}
