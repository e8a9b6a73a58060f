//! How a file of known size is cut into chunks: all of one size, or (`chunkSize: 'auto'`)
//! of sizes that follow how long each chunk took.

use crate::content_range::PartRange;
use crate::error::UploadError;
use crate::limits::{MAX_CHUNK_SIZE, MAX_FILE_SIZE, MAX_PARALLEL_PARTS, MIN_CHUNK_SIZE};
use crate::request::Piece;

/// The completing chunk of a plan shaped for several connections is about this size (see
/// [`ChunkPlan::shaped`]): it goes alone once every other chunk has landed, so the smaller
/// it is, the shorter that wait.
pub const LAST_CHUNK_TARGET: u64 = 1024 * 1024;

/// An adaptive chunk whose predicted time is below this grows (doubles): fewer requests,
/// less overhead per byte on a fast link.
pub const GROW_BELOW_MS: f64 = 10_000.0;
/// An adaptive chunk whose predicted time is above this shrinks (halves): on a slow link a
/// failure re-sends less, and progress and resume points come more often.
pub const SHRINK_ABOVE_MS: f64 = 30_000.0;

/// The chunks of a file, cut in order. Fixed: every chunk `chunk_size` bytes except a
/// shorter last one, `part N/M`; shaped for several connections ([`ChunkPlan::shaped`]),
/// a 5 MiB first chunk, then chunks of one size, then a short last one. Adaptive: the size starts at [`MIN_CHUNK_SIZE`] and doubles
/// or halves within [`MIN_CHUNK_SIZE`]..=[`MAX_CHUNK_SIZE`] as chunks are timed; the number
/// of chunks is known only when the last is cut, so the others go as `part N/*` and the
/// last as `part N/N`, as a progressive upload's do. Every chunk but the last is at least
/// [`MIN_CHUNK_SIZE`] either way.
///
/// An adaptive size changes only while no chunk is on its way ([`ChunkPlan::settle`]), so
/// every chunk cut since the first one not acknowledged has the present size. That is what
/// lets a page continue an upload an earlier page began ([`ChunkPlan::skip`]) from four
/// numbers the earlier page recorded at its last acknowledgement: the leading chunks the
/// server has, where they end, the size, and how many chunks were cut (and, for the plan's
/// shape, how many went at once). Every chunk the
/// earlier page may have sent is cut again at that size, so a "part already sent" answer
/// names the very bytes this page would send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    file_size: u64,
    /// The size of the first chunk: the chunk size, or less in a shaped plan.
    first_size: u64,
    /// The size of the chunks cut from now on.
    chunk_size: u64,
    /// How many chunks go at once (`parallelParts`): what an adaptive plan's last round is
    /// cut for (see [`ChunkPlan::settle`]).
    connections: u32,
    /// Whether an adaptive plan has cut its last round: its size no longer changes.
    last_round: bool,
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
        Ok(ChunkPlan {
            file_size,
            first_size: chunk_size,
            chunk_size,
            connections: 1,
            last_round: false,
            wanted: chunk_size,
            hold_until: 0,
            fixed_count: Some(count),
            next: 0,
            next_start: 0,
        })
    }

    /// Plans a file of `file_size` bytes in adaptive chunks.
    pub fn adaptive(file_size: u64) -> Result<Self, UploadError> {
        check_size(file_size)?;
        Ok(ChunkPlan {
            file_size,
            first_size: MIN_CHUNK_SIZE,
            chunk_size: MIN_CHUNK_SIZE,
            connections: 1,
            last_round: false,
            wanted: MIN_CHUNK_SIZE,
            hold_until: 0,
            fixed_count: None,
            next: 0,
            next_start: 0,
        })
    }

    /// This fixed plan, shaped for `connections` sending at once: the first chunk as small
    /// as the API allows (its answer names the video, and nothing else can start before
    /// it), the middle cut into a multiple of `connections` chunks of one size, at most the
    /// chunk size (so the connections carry equal shares and finish together), and the
    /// completing chunk of about [`LAST_CHUNK_TARGET`] (it goes alone after all the others).
    /// Unchanged for one connection and where the middle would make fewer than two chunks
    /// (nothing would go at once). An adaptive plan keeps adapting, and cuts its last round
    /// this way (see [`ChunkPlan::settle`]). For a plan just made: one shaped for other
    /// connections (an earlier page's record says how many it sent) is made again.
    pub fn shaped(mut self, connections: u32) -> Self {
        self.shape(connections);
        self
    }

    /// Shapes a plan just made for `connections`, in place (see [`ChunkPlan::shaped`]).
    pub fn shape(&mut self, connections: u32) {
        self.connections = connections;
        let middle = self.file_size.checked_sub(MIN_CHUNK_SIZE + LAST_CHUNK_TARGET);
        if let (Some(_), Some((count, size))) = (self.fixed_count, middle.and_then(|middle| share(middle, self.chunk_size, connections))) {
            self.first_size = MIN_CHUNK_SIZE;
            self.chunk_size = size;
            self.wanted = size;
            // 30 GiB in 5 MiB chunks is 6144: the count fits.
            self.fixed_count = Some(count as u32 + 2);
        }
    }

    /// Where the first `chunks` chunks of a fixed plan end.
    fn start_of(&self, chunks: u32) -> u64 {
        match chunks {
            0 => 0,
            _ => self.first_size + u64::from(chunks - 1) * self.chunk_size,
        }
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
        let part = self.next + 1;
        let size = if self.next == 0 { self.first_size } else { self.chunk_size };
        // A shaped plan's completing chunk is shorter than the others (see `share`).
        let end = (self.next_start + size).min(self.file_size);
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
        let ends = self.start_of(chunks);
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
        if self.fixed_count.is_some() || self.last_round || len < MIN_CHUNK_SIZE || elapsed_ms.is_nan() || elapsed_ms <= 0.0 || self.next < self.hold_until {
            return;
        }
        let predicted_ms = elapsed_ms * self.wanted as f64 / len as f64;
        if predicted_ms < GROW_BELOW_MS {
            self.wanted = (self.wanted * 2).min(MAX_CHUNK_SIZE);
        } else if predicted_ms > SHRINK_ABOVE_MS {
            self.wanted = (self.wanted / 2).max(MIN_CHUNK_SIZE);
        }
    }

    /// Whether the size wanted differs from the present one, or an adaptive plan's last
    /// round is due: no chunk should be cut until every chunk on its way has landed and
    /// [`ChunkPlan::settle`] has run.
    pub fn unsettled(&self) -> bool {
        self.wanted != self.chunk_size || self.last_round_due()
    }

    /// Takes on the size wanted, or cuts an adaptive plan's last rounds: once what is left
    /// fits in two rounds of the size wanted (a chunk for each connection, twice) and a
    /// completing chunk, it is cut into one or two rounds of equal chunks (each at least
    /// [`MIN_CHUNK_SIZE`], at most the size wanted) and a completing chunk of about
    /// [`LAST_CHUNK_TARGET`], as a shaped fixed plan ends; the size no longer changes. Call
    /// it only while no chunk is on its way: that is also why the last rounds are cut two
    /// rounds ahead, so that a plan that settles before each round of a new size need not
    /// wait for the chunks on their way once more.
    pub fn settle(&mut self) {
        if self.last_round_due() {
            // Where the rest makes fewer than two chunks, the size only stops changing.
            if let Some((_, size)) = share(self.file_size - self.next_start - LAST_CHUNK_TARGET, self.wanted, self.connections) {
                self.wanted = size;
            }
            self.last_round = true;
        }
        self.chunk_size = self.wanted;
    }

    /// Whether an adaptive plan for several connections should cut its last rounds now: not
    /// before its first chunk (which goes alone anyway), nor among chunks an earlier page may
    /// have cut (they keep its size).
    fn last_round_due(&self) -> bool {
        // What the last rounds would share: the rest but the completing chunk.
        let shared = (self.file_size - self.next_start).checked_sub(LAST_CHUNK_TARGET);
        self.fixed_count.is_none()
            && self.connections > 1
            && !self.last_round
            && self.next > 0
            && self.next >= self.hold_until
            && shared.is_some_and(|shared| shared <= 2 * u64::from(self.connections) * self.wanted)
    }
}

/// `rest` bytes cut for `connections`: a multiple of `connections` chunks of one size (so
/// that they carry equal shares and finish together), at most `limit`, at least
/// [`MIN_CHUNK_SIZE`], as `(count, size)`; what they leave (less than `count` bytes) goes to
/// the completing chunk. `None` where that makes fewer than two chunks (nothing would go at
/// once) or cannot keep to `limit`.
fn share(rest: u64, limit: u64, connections: u32) -> Option<(u64, u64)> {
    let round = u64::from(connections);
    let count = (rest.div_ceil(round * limit) * round).min(rest / MIN_CHUNK_SIZE);
    (connections > 1 && count >= 2 && rest / count <= limit).then(|| (count, rest / count))
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

    #[test]
    fn shaped_plans_tile_the_file_with_every_chunk_but_the_last_in_the_limits() {
        const GIB: u64 = 1024 * MIB;
        let sizes = [5 * MIB, 5 * MIB + 1, 6 * MIB, 11 * MIB, 12 * MIB, 16 * MIB, 40 * MIB, 200 * MIB, 1234 * MIB + 5, 10 * GIB, MAX_FILE_SIZE];
        for connections in [1, 2, 4, 8] {
            for limit in [MIN_CHUNK_SIZE, 8 * MIB, 50 * MIB, MAX_CHUNK_SIZE] {
                for size in sizes {
                    let mut plan = ChunkPlan::new(size, limit).unwrap().shaped(connections);
                    let count = plan.count();
                    let pieces = cut_all(&mut plan);
                    let case = alloc::format!("{size} B in {limit} B chunks for {connections}");
                    assert_eq!(pieces.len() as u32, count, "{case}");
                    let mut next = 0;
                    for (i, piece) in pieces.iter().enumerate() {
                        assert_eq!((piece.index, piece.start), (i as u32, next), "{case}");
                        assert_eq!(piece.range.total, Some(count), "{case}");
                        assert!(!piece.is_empty(), "{case}");
                        if !piece.is_last() {
                            assert!((MIN_CHUNK_SIZE..=limit).contains(&piece.len()), "{case}: chunk {i} is {} B", piece.len());
                        }
                        next = piece.end;
                    }
                    assert_eq!(next, size, "{case}");
                    assert!(pieces.last().unwrap().is_last(), "{case}");
                }
            }
        }
    }

    /// The sizes, in bytes, of the chunks of a plan of `size` bytes in chunks of at most
    /// `limit`, for `connections`.
    fn shape(size: u64, limit: u64, connections: u32) -> alloc::vec::Vec<u64> {
        cut_all(&mut ChunkPlan::new(size, limit).unwrap().shaped(connections)).iter().map(Piece::len).collect()
    }

    #[test]
    fn a_shaped_plan_starts_small_shares_the_middle_equally_and_ends_small() {
        // 40 MiB in chunks of at most 50 MiB, 4 at once: 5 MiB alone, four of 8.5 MiB at
        // once, then the last 1 MiB alone.
        assert_eq!(shape(40 * MIB, 50 * MIB, 4), [5 * MIB, 17 * MIB / 2, 17 * MIB / 2, 17 * MIB / 2, 17 * MIB / 2, MIB]);
        // 200 MiB: four of 48.5 MiB; for 8, eight of 24.25 MiB.
        assert_eq!(shape(200 * MIB, 50 * MIB, 4)[1..5], [97 * MIB / 2; 4]);
        assert_eq!(shape(200 * MIB, 50 * MIB, 8).len(), 10);
        // More than the connections can carry in one round of the largest chunks: rounds of
        // equal chunks, a multiple of the connections.
        let rounds = shape(1024 * MIB, 50 * MIB, 4);
        assert_eq!(rounds.len(), 2 + 24);
        assert!(rounds[1..25].iter().all(|&len| len == rounds[1] && len <= 50 * MIB));
        assert!(*rounds.last().unwrap() < MIB + 24);
        // Where the middle holds fewer than two chunks, nothing would go at once: the plan
        // is the plain one.
        assert_eq!(shape(12 * MIB, 50 * MIB, 4), [12 * MIB]);
        assert_eq!(shape(100 * MIB, 50 * MIB, 1), [50 * MIB, 50 * MIB]);
        // 5 MiB chunks leave nothing to shape but the count: every chunk is 5 MiB.
        assert_eq!(shape(40 * MIB, 5 * MIB, 4), [5 * MIB; 8]);
        // An adaptive plan is not cut this way at first (its last round is: see below).
        let mut adaptive = ChunkPlan::adaptive(40 * MIB).unwrap().shaped(4);
        assert_eq!((adaptive.cut().unwrap().len(), adaptive.peek().unwrap().len()), (5 * MIB, 5 * MIB));
    }

    #[test]
    fn a_plan_continued_after_no_chunk_starts_at_the_first() {
        for mut plan in [ChunkPlan::new(40 * MIB, 50 * MIB).unwrap().shaped(4), ChunkPlan::new(40 * MIB, 8 * MIB).unwrap()] {
            assert!(plan.skip(0, Some(0), None, None), "a video with nothing of the file yet");
            assert_eq!((plan.cut_so_far(), plan.peek().unwrap().start), ((0, 0), 0));
            assert!(!ChunkPlan::new(40 * MIB, 8 * MIB).unwrap().skip(0, Some(1), None, None), "no chunk ends at byte 1");
        }
    }

    #[test]
    fn a_shaped_plan_continues_where_an_earlier_page_of_the_same_shape_stopped() {
        let fresh = ChunkPlan::new(200 * MIB, 50 * MIB).unwrap().shaped(4);
        let size = 97 * MIB / 2;
        let mut plan = fresh;
        assert!(!plan.skip(2, Some(100 * MIB), Some(50 * MIB), None), "not where this plan's chunks end");
        assert!(plan.skip(2, Some(5 * MIB + size), Some(size), Some(3)));
        assert_eq!(plan.cut().unwrap().start, 5 * MIB + size);
        // A record of a page that sent one at a time: its plan, cut as that page cut it.
        let mut uniform = ChunkPlan::new(200 * MIB, 50 * MIB).unwrap().shaped(1);
        assert!(uniform.skip(2, Some(100 * MIB), Some(50 * MIB), None));
        let rest = cut_all(&mut uniform);
        assert_eq!((rest[0].start, rest[0].range.header().as_str()), (100 * MIB, "part 3/4"));
        // And the same shape again for the same connections.
        assert_eq!(ChunkPlan::new(200 * MIB, 50 * MIB).unwrap().shaped(4), fresh);
    }

    /// The sizes, in bytes, of the chunks an adaptive plan for `connections` cuts from a
    /// file of `size` when each chunk takes `elapsed_ms(len)`: rounds of `connections`
    /// chunks, each timed as it lands, settled once a round has landed (as the machine
    /// does: a new size waits for every chunk on its way).
    fn adaptive_rounds(size: u64, connections: u32, elapsed_ms: impl Fn(u64) -> f64) -> alloc::vec::Vec<u64> {
        let mut plan = ChunkPlan::adaptive(size).unwrap().shaped(connections);
        let mut sizes = alloc::vec::Vec::new();
        loop {
            let mut round = alloc::vec::Vec::new();
            // The first chunk goes alone; then as many as the connections, while the plan
            // is settled and the next is not the completing one (it waits for the others).
            while round.len() < if sizes.is_empty() { 1 } else { connections as usize } {
                match plan.peek() {
                    Some(piece) if round.is_empty() || !(piece.is_last() || plan.unsettled()) => {
                        plan.settle();
                        round.push(plan.cut().unwrap());
                    }
                    _ => break,
                }
            }
            if round.is_empty() {
                return sizes;
            }
            for piece in round {
                sizes.push(piece.len());
                plan.adapt(piece.len(), elapsed_ms(piece.len()));
            }
            plan.settle();
        }
    }

    #[test]
    fn an_adaptive_plan_for_several_connections_ends_in_a_shared_round_and_a_small_last_chunk() {
        // A fast link: 40 MiB goes as 5 MiB alone, four of 8.5 MiB, and 1 MiB.
        assert_eq!(adaptive_rounds(40 * MIB, 4, |_| 1000.0), [5 * MIB, 17 * MIB / 2, 17 * MIB / 2, 17 * MIB / 2, 17 * MIB / 2, MIB]);
        for (size, connections) in [(12 * MIB, 4), (40 * MIB, 2), (200 * MIB, 4), (1000 * MIB + 3, 8), (3000 * MIB, 3)] {
            for rate in [1.0, 4.0, 100.0] {
                let sizes = adaptive_rounds(size, connections, |len| len as f64 / MIB as f64 / rate * 1000.0);
                let case = alloc::format!("{size} B for {connections} at {rate} MiB/s: {sizes:?}");
                assert_eq!(sizes.iter().sum::<u64>(), size, "{case}");
                let (last, others) = sizes.split_last().unwrap();
                assert!(others.iter().all(|len| (MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(len)), "{case}");
                // Where a last round was cut, it ends in about LAST_CHUNK_TARGET, after at
                // least two equal chunks.
                if *last < LAST_CHUNK_TARGET + 8 {
                    assert!(others.len() >= 3 && others[others.len() - 1] == others[others.len() - 2], "{case}");
                }
            }
        }
        for (size, connections) in [(200 * MIB, 4), (1000 * MIB + 3, 8), (3000 * MIB, 3)] {
            let sizes = adaptive_rounds(size, connections, |_| 1000.0);
            let (last, others) = sizes.split_last().unwrap();
            assert!(*last < LAST_CHUNK_TARGET + 8, "{sizes:?}");
            let round = &others[others.len() - connections as usize..];
            assert!(round.iter().all(|len| *len == round[0]), "{sizes:?}");
        }
        // One connection: no last round.
        assert_eq!(*adaptive_rounds(40 * MIB, 1, |_| 1000.0).last().unwrap(), 5 * MIB);
    }

    #[test]
    fn an_adaptive_last_round_continued_by_another_page_is_cut_at_the_recorded_size() {
        let round = 17 * MIB / 2;
        // The earlier page had cut the first chunk and the last round of four, and had one
        // of the four acknowledged.
        let mut plan = ChunkPlan::adaptive(40 * MIB).unwrap().shaped(4);
        assert!(plan.skip(2, Some(5 * MIB + round), Some(round), Some(5)));
        let rest: alloc::vec::Vec<u64> = cut_all(&mut plan).iter().map(Piece::len).collect();
        assert_eq!(rest, [round, round, round, MIB]);
    }

    #[test]
    fn an_adaptive_size_follows_the_predicted_time_of_a_chunk_of_the_size_wanted() {
        let mut plan = ChunkPlan::adaptive(1024 * MIB).unwrap();
        for len in [5, 10, 20] {
            plan.cut();
            plan.adapt(len * MIB, 100.0);
            plan.settle();
        }
        assert_eq!(plan.chunk_size(), 40 * MIB);
        // A 20 MiB chunk (an earlier size) that took 6 s predicts 12 s for 40 MiB: kept.
        plan.adapt(20 * MIB, 6_000.0);
        assert!(!plan.unsettled());
        // 30 s predicted is not above SHRINK_ABOVE_MS: kept; above, halved.
        plan.adapt(40 * MIB, SHRINK_ABOVE_MS);
        assert!(!plan.unsettled());
        plan.adapt(40 * MIB, SHRINK_ABOVE_MS + 1.0);
        plan.settle();
        assert_eq!(plan.chunk_size(), 20 * MIB);
    }

    #[test]
    fn an_adaptive_plans_last_rounds_begin_where_the_rest_fits_two_rounds_and_a_last_chunk() {
        // After the first chunk, untimed (the size wanted stays 5 MiB), for 3 connections:
        // two rounds of 5 MiB and the last 1 MiB hold 31 MiB.
        let after_first = |rest: u64| {
            let mut plan = ChunkPlan::adaptive(MIN_CHUNK_SIZE + rest).unwrap().shaped(3);
            plan.cut();
            plan
        };
        assert!(after_first(31 * MIB).unsettled(), "31 MiB left: the last rounds are due");
        assert!(!after_first(31 * MIB + 1).unsettled(), "a byte more: not yet");
        // One connection never has last rounds: the size keeps adapting to the end. 26 MiB
        // on a fast link: 5 MiB, 10 MiB, then the 11 MiB left in one chunk of the 20 MiB
        // wanted by then.
        let mut plan = ChunkPlan::adaptive(26 * MIB).unwrap().shaped(1);
        let mut sizes = alloc::vec::Vec::new();
        while let Some(piece) = plan.cut() {
            sizes.push(piece.len() / MIB);
            plan.adapt(piece.len(), 1000.0);
            plan.settle();
        }
        assert_eq!(sizes, [5, 10, 11]);
    }
}
