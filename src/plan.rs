//! How a file of known size is cut into chunks: all of one size, or (`chunkSize: 'auto'`)
//! of sizes that follow how long each chunk took.

use crate::content_range::PartRange;
use crate::error::UploadError;
use crate::limits::{MAX_CHUNK_SIZE, MAX_FILE_SIZE, MAX_PARALLEL_PARTS, MIN_CHUNK_SIZE};
use crate::request::Piece;

/// An adaptive chunk whose predicted time is below this grows (doubles): fewer requests,
/// less overhead per byte on a fast link.
pub const GROW_BELOW_MS: f64 = 10_000.0;
/// An adaptive chunk whose predicted time is above this shrinks (halves): on a slow link a
/// failure re-sends less, and progress and resume points come more often.
pub const SHRINK_ABOVE_MS: f64 = 30_000.0;

/// The chunks of a file, cut in order. Fixed: every chunk `chunk_size` bytes except a
/// shorter last one, `part N/M`. Adaptive: the size starts at [`MIN_CHUNK_SIZE`] and doubles
/// or halves within [`MIN_CHUNK_SIZE`]..=[`MAX_CHUNK_SIZE`] as chunks are timed; the number
/// of chunks is known only when the last is cut, so the others go as `part N/*` and the
/// last as `part N/N`, as a progressive upload's do. Every chunk but the last is at least
/// [`MIN_CHUNK_SIZE`] either way.
///
/// An adaptive size changes only while no chunk is on its way ([`ChunkPlan::settle`]), so
/// every chunk cut since the first one not acknowledged has the present size. That is what
/// lets a page continue an upload an earlier page began ([`ChunkPlan::skip`]) from four
/// numbers the earlier page recorded at its last acknowledgement: the leading chunks the
/// server has, where they end, the size, and how many chunks were cut. Every chunk the
/// earlier page may have sent is cut again at that size, so a "part already sent" answer
/// names the very bytes this page would send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    file_size: u64,
    /// The size of the chunks cut from now on.
    chunk_size: u64,
    /// The size the timings ask for, taken on at the next [`ChunkPlan::settle`].
    wanted: u64,
    /// The chunks before this one may have been cut by an earlier page, which kept the size
    /// (see [`ChunkPlan::skip`]).
    hold_until: u32,
    /// The number of chunks of a fixed plan; `None` for an adaptive one.
    fixed_count: Option<u32>,
    /// The next chunk to cut, and its first byte.
    next: u32,
    next_start: u64,
}

impl ChunkPlan {
    /// Plans a file of `file_size` bytes in chunks of `chunk_size`, which must already be
    /// validated.
    ///
    /// An empty file is an error rather than a zero-chunk plan: api.video rejects empty
    /// files, and the official uploader silently resolves `undefined` for them.
    pub fn new(file_size: u64, chunk_size: u64) -> Result<Self, UploadError> {
        check_size(file_size)?;
        debug_assert!(chunk_size > 0);
        let count = file_size.div_ceil(chunk_size);
        // 30 GiB / 5 MiB is 6144, well below the API's 10,000 parts.
        let count = u32::try_from(count).map_err(|_| UploadError::FileTooLarge { size: file_size })?;
        Ok(ChunkPlan { file_size, chunk_size, wanted: chunk_size, hold_until: 0, fixed_count: Some(count), next: 0, next_start: 0 })
    }

    /// Plans a file of `file_size` bytes in adaptive chunks.
    pub fn adaptive(file_size: u64) -> Result<Self, UploadError> {
        check_size(file_size)?;
        Ok(ChunkPlan { file_size, chunk_size: MIN_CHUNK_SIZE, wanted: MIN_CHUNK_SIZE, hold_until: 0, fixed_count: None, next: 0, next_start: 0 })
    }

    /// Total bytes.
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// The size of the chunks cut from now on.
    pub fn chunk_size(&self) -> u64 {
        self.chunk_size
    }

    /// Number of chunks (at least 1). For an adaptive plan, an estimate until the last chunk
    /// is cut: the chunks cut so far and the rest at the present size.
    pub fn count(&self) -> u32 {
        // The rest is at most 30 GiB in 5 MiB chunks: 6144.
        self.fixed_count.unwrap_or_else(|| self.next + (self.file_size - self.next_start).div_ceil(self.chunk_size) as u32)
    }

    /// The next chunk to cut, without cutting it; `None` once every chunk is cut.
    pub fn peek(&self) -> Option<Piece> {
        if self.next_start >= self.file_size {
            return None;
        }
        let end = (self.next_start + self.chunk_size).min(self.file_size);
        let part = self.next + 1;
        let total = match self.fixed_count {
            Some(count) => Some(count),
            None => (end == self.file_size).then_some(part),
        };
        Some(Piece { index: self.next, start: self.next_start, end, range: PartRange { part, total } })
    }

    /// Cuts the next chunk.
    pub fn cut(&mut self) -> Option<Piece> {
        let piece = self.peek()?;
        self.next = piece.index + 1;
        self.next_start = piece.end;
        Some(piece)
    }

    /// The next chunk's index and first byte: where the chunks cut so far end.
    pub fn cut_so_far(&self) -> (u32, u64) {
        (self.next, self.next_start)
    }

    /// Continues, before any chunk is cut, after the first `chunks` chunks, which an earlier
    /// page had acknowledged, ending at byte `bytes`, when it had cut `cut` chunks, all from
    /// there of `size` bytes (`None`: this plan's own numbers, which only a fixed plan
    /// knows). Up to [`MAX_PARALLEL_PARTS`] more may have been cut before that page went (it
    /// cuts at most that many between two acknowledgements): the chunks before
    /// [`ChunkPlan::held_until`] may be that page's, and an adaptive plan cuts them at its
    /// size. Returns false, changing nothing, when those cannot be this plan's chunks or
    /// nothing would be left to send.
    pub fn skip(&mut self, chunks: u32, bytes: Option<u64>, size: Option<u64>, cut: Option<u32>) -> bool {
        let ends = u64::from(chunks) * self.chunk_size;
        let (bytes, size) = match (self.fixed_count, bytes, size) {
            (Some(_), bytes, size) if bytes.unwrap_or(ends) == ends && size.unwrap_or(self.chunk_size) == self.chunk_size => (ends, self.chunk_size),
            (None, Some(bytes), Some(size)) => (bytes, size),
            _ => return false,
        };
        // Every chunk but the last holds MIN_CHUNK_SIZE to MAX_CHUNK_SIZE bytes.
        let fits = u64::from(chunks) * MIN_CHUNK_SIZE <= bytes && bytes <= u64::from(chunks) * MAX_CHUNK_SIZE;
        if self.next != 0 || !fits || bytes >= self.file_size || !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&size) {
            return false;
        }
        self.next = chunks;
        self.next_start = bytes;
        self.chunk_size = size;
        self.wanted = size;
        self.hold_until = cut.unwrap_or(chunks).max(chunks).saturating_add(MAX_PARALLEL_PARTS);
        true
    }

    /// The chunks from the one [`ChunkPlan::skip`] continued at up to this one may have been
    /// sent by an earlier page (0 when there was none).
    pub fn held_until(&self) -> u32 {
        self.hold_until
    }

    /// Adapts the size wanted for later chunks to a chunk of `len` bytes that took
    /// `elapsed_ms` from its request to its answer: that size, sent at that rate, should take
    /// between [`GROW_BELOW_MS`] and [`SHRINK_ABOVE_MS`]. A fixed plan, a short chunk (the
    /// last), a time not measured, or a chunk an earlier page may have cut changes nothing.
    /// The size is taken on at the next [`ChunkPlan::settle`].
    pub fn adapt(&mut self, len: u64, elapsed_ms: f64) {
        if self.fixed_count.is_some() || len < MIN_CHUNK_SIZE || elapsed_ms.is_nan() || elapsed_ms <= 0.0 || self.next < self.hold_until {
            return;
        }
        let predicted_ms = elapsed_ms * self.wanted as f64 / len as f64;
        if predicted_ms < GROW_BELOW_MS {
            self.wanted = (self.wanted * 2).min(MAX_CHUNK_SIZE);
        } else if predicted_ms > SHRINK_ABOVE_MS {
            self.wanted = (self.wanted / 2).max(MIN_CHUNK_SIZE);
        }
    }

    /// Whether the size wanted differs from the present one: no chunk should be cut until
    /// every chunk on its way has landed and [`ChunkPlan::settle`] has run.
    pub fn unsettled(&self) -> bool {
        self.wanted != self.chunk_size
    }

    /// Takes on the size wanted. Call it only while no chunk is on its way.
    pub fn settle(&mut self) {
        self.chunk_size = self.wanted;
    }
}

fn check_size(file_size: u64) -> Result<(), UploadError> {
    if file_size == 0 {
        return Err(UploadError::EmptyFile);
    }
    if file_size > MAX_FILE_SIZE {
        return Err(UploadError::FileTooLarge { size: file_size });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn cut_all(plan: &mut ChunkPlan) -> alloc::vec::Vec<Piece> {
        core::iter::from_fn(|| plan.cut()).collect()
    }

    #[test]
    fn exact_multiple() {
        let mut plan = ChunkPlan::new(48 * MIB, 8 * MIB).unwrap();
        assert_eq!(plan.count(), 6);
        let pieces = cut_all(&mut plan);
        let last = pieces[5];
        assert_eq!((last.start, last.end), (40 * MIB, 48 * MIB));
        assert_eq!(last.range.header(), "part 6/6");
        assert_eq!((pieces.len(), plan.peek()), (6, None));
    }

    #[test]
    fn short_last_chunk() {
        let mut plan = ChunkPlan::new(10 * MIB + 1, 5 * MIB).unwrap();
        assert_eq!(plan.count(), 3);
        assert_eq!(cut_all(&mut plan)[2].len(), 1);
    }

    #[test]
    fn small_file_is_part_1_of_1() {
        for mut plan in [ChunkPlan::new(1, MIN_CHUNK_SIZE).unwrap(), ChunkPlan::adaptive(1).unwrap()] {
            let only = plan.cut().unwrap();
            assert_eq!((only.start, only.end, only.range.header().as_str()), (0, 1, "part 1/1"));
        }
    }

    #[test]
    fn chunks_tile_the_file() {
        for (size, chunk) in [(1, 5 * MIB), (5 * MIB, 5 * MIB), (123_456_789, 7 * MIB), (50 * MIB - 1, 50 * MIB)] {
            let mut plan = ChunkPlan::new(size, chunk).unwrap();
            let count = plan.count();
            let mut next = 0;
            for (i, c) in cut_all(&mut plan).iter().enumerate() {
                assert_eq!((c.index, c.start), (i as u32, next));
                assert!(!c.is_empty() && c.len() <= chunk);
                next = c.end;
            }
            assert_eq!((next, plan.cut_so_far()), (size, (count, size)));
        }
    }

    #[test]
    fn rejects_empty_and_oversized_files() {
        assert_eq!(ChunkPlan::new(0, MIN_CHUNK_SIZE), Err(UploadError::EmptyFile));
        assert_eq!(ChunkPlan::adaptive(0), Err(UploadError::EmptyFile));
        let too_big = MAX_FILE_SIZE + 1;
        assert_eq!(ChunkPlan::new(too_big, MIN_CHUNK_SIZE), Err(UploadError::FileTooLarge { size: too_big }));
        assert_eq!(ChunkPlan::adaptive(too_big), Err(UploadError::FileTooLarge { size: too_big }));
        // At the limit, a file is accepted, in any chunk size.
        assert_eq!(ChunkPlan::new(MAX_FILE_SIZE, MIN_CHUNK_SIZE).unwrap().count(), 6144);
        assert_eq!(ChunkPlan::new(MAX_FILE_SIZE, MAX_CHUNK_SIZE).unwrap().count(), 240);
        assert!(ChunkPlan::adaptive(MAX_FILE_SIZE).is_ok());
    }

    #[test]
    fn a_plan_of_the_largest_chunks_continues_where_an_earlier_page_stopped() {
        // The recorded bytes are exactly the largest chunks' worth: that is a fit.
        let mut plan = ChunkPlan::new(300 * 1024 * 1024, MAX_CHUNK_SIZE).unwrap();
        assert!(plan.skip(2, None, None, None));
        assert_eq!(plan.cut_so_far(), (2, 2 * MAX_CHUNK_SIZE));
        let mut adaptive = ChunkPlan::adaptive(300 * 1024 * 1024).unwrap();
        assert!(adaptive.skip(1, Some(MAX_CHUNK_SIZE), Some(MAX_CHUNK_SIZE), Some(1)));
        assert!(!ChunkPlan::adaptive(300 * 1024 * 1024).unwrap().skip(1, Some(MAX_CHUNK_SIZE + 1), Some(MAX_CHUNK_SIZE), Some(1)), "no chunk is larger");
    }

    /// The sizes, in MiB, of the chunks an adaptive plan cuts from a file of `size_mib` when
    /// a chunk of `len` bytes takes `elapsed_ms(len)`, one chunk at a time.
    fn adaptive_sizes(size_mib: u64, elapsed_ms: impl Fn(u64) -> f64) -> alloc::vec::Vec<u64> {
        let mut plan = ChunkPlan::adaptive(size_mib * MIB).unwrap();
        let mut sizes = alloc::vec::Vec::new();
        while let Some(piece) = plan.cut() {
            sizes.push(piece.len() / MIB);
            plan.adapt(piece.len(), elapsed_ms(piece.len()));
            plan.settle();
        }
        sizes
    }

    #[test]
    fn adaptive_sizes_double_on_a_fast_link_up_to_the_maximum() {
        // 1 s a chunk, whatever its size: far below GROW_BELOW_MS.
        assert_eq!(adaptive_sizes(1024, |_| 1000.0), [5, 10, 20, 40, 80, 128, 128, 128, 128, 128, 128, 101]);
    }

    #[test]
    fn adaptive_sizes_settle_where_a_chunk_takes_between_the_bounds() {
        // 1 MiB/s: 10 MiB chunks take 10 s (kept), 20 MiB would take 20 s (kept too), 5 MiB 5 s (grows).
        let sizes = adaptive_sizes(200, |len| len as f64 / MIB as f64 * 1000.0);
        assert_eq!(&sizes[..4], [5, 10, 10, 10]);
        // A link that slows to 0.25 MiB/s: 10 MiB would take 40 s, so chunks halve, never below 5 MiB.
        let mut plan = ChunkPlan::adaptive(200 * MIB).unwrap();
        plan.adapt(MIN_CHUNK_SIZE, 1000.0);
        assert!(plan.unsettled(), "wanted, not taken on yet");
        assert_eq!(plan.chunk_size(), 5 * MIB);
        plan.settle();
        assert_eq!(plan.chunk_size(), 10 * MIB);
        plan.adapt(10 * MIB, 40_000.0);
        plan.settle();
        assert_eq!(plan.chunk_size(), 5 * MIB);
        plan.adapt(5 * MIB, 60_000.0);
        plan.settle();
        assert_eq!(plan.chunk_size(), MIN_CHUNK_SIZE);
    }

    #[test]
    fn adaptive_parts_have_an_unknown_total_but_the_last() {
        let mut plan = ChunkPlan::adaptive(12 * MIB).unwrap();
        assert_eq!(plan.count(), 3, "an estimate at the present size");
        let first = plan.cut().unwrap();
        assert_eq!(first.range.header(), "part 1/*");
        plan.adapt(first.len(), 100.0);
        plan.settle();
        let last = plan.cut().unwrap();
        assert_eq!((last.start, last.end, last.range.header().as_str()), (5 * MIB, 12 * MIB, "part 2/2"));
        assert!(last.is_last() && !first.is_last());
        assert_eq!(plan.count(), 2, "exact once the last is cut");
    }

    #[test]
    fn untimed_short_and_fixed_chunks_change_nothing() {
        let mut plan = ChunkPlan::adaptive(100 * MIB).unwrap();
        plan.adapt(MIN_CHUNK_SIZE, 0.0);
        plan.adapt(MIN_CHUNK_SIZE, f64::NAN);
        plan.adapt(MIB, 1.0);
        assert!(!plan.unsettled());
        let mut fixed = ChunkPlan::new(100 * MIB, 8 * MIB).unwrap();
        fixed.adapt(8 * MIB, 1.0);
        assert!(!fixed.unsettled());
        fixed.settle();
        assert_eq!(fixed.chunk_size(), 8 * MIB);
    }

    #[test]
    fn skip_continues_where_an_earlier_page_ended_and_refuses_what_cannot_be() {
        let mut fixed = ChunkPlan::new(48 * MIB, 8 * MIB).unwrap();
        assert!(!fixed.skip(2, Some(15 * MIB), None, None), "not where two chunks of 8 MiB end");
        assert!(!fixed.skip(6, None, None, None), "nothing left");
        assert!(!fixed.skip(2, None, Some(5 * MIB), None), "not this plan's size");
        assert!(fixed.skip(2, None, Some(8 * MIB), None));
        assert_eq!(fixed.cut().unwrap().start, 16 * MIB);
        assert!(!fixed.skip(1, None, None, None), "chunks were cut");

        let mut adaptive = ChunkPlan::adaptive(100 * MIB).unwrap();
        assert!(!adaptive.skip(2, None, None, None), "an adaptive plan needs the bytes and the size");
        assert!(!adaptive.skip(2, Some(15 * MIB), None, None));
        assert!(!adaptive.skip(2, Some(9 * MIB), Some(5 * MIB), None), "two chunks hold at least 10 MiB");
        assert!(!adaptive.skip(1, Some(129 * MIB), Some(5 * MIB), None), "one chunk holds at most 128 MiB");
        assert!(!adaptive.skip(2, Some(15 * MIB), Some(4 * MIB), None), "no chunk but the last is below 5 MiB");
        assert!(adaptive.skip(2, Some(15 * MIB), Some(20 * MIB), None));
        assert_eq!(adaptive.held_until(), 10, "the earlier page may have cut 8 more");
        let mut cut = ChunkPlan::adaptive(100 * MIB).unwrap();
        assert!(cut.skip(2, Some(15 * MIB), Some(20 * MIB), Some(5)));
        assert_eq!(cut.held_until(), 13, "5 cut when it recorded, and 8 more");
        let piece = adaptive.cut().unwrap();
        assert_eq!((piece.index, piece.start, piece.end, piece.range.header().as_str()), (2, 15 * MIB, 35 * MIB, "part 3/*"));
    }
}
