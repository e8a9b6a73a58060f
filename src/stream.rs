//! The pieces of a stream whose size is unknown (a `MediaRecorder`'s blobs): blobs are
//! buffered until they make a part of at least 5 MiB, as the API requires of every part but
//! the last, which closes the upload as `part N/N`.

use alloc::vec::Vec;

use crate::content_range::PartRange;
use crate::limits::MIN_CHUNK_SIZE;
use crate::request::Piece;

/// A part made of buffered blobs: the shell merges the first `blobs` blobs it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// 1-based part number.
    pub number: u32,
    /// How many buffered blobs, from the oldest, it merges.
    pub blobs: usize,
    /// Its size.
    pub size: u64,
    /// Whether it closes the upload (`part N/N`).
    pub last: bool,
}

impl Part {
    /// The piece to send: the whole merged blob.
    pub fn piece(&self) -> Piece {
        let range = PartRange { part: self.number, total: self.last.then_some(self.number) };
        Piece { index: self.number - 1, start: 0, end: self.size, range }
    }
}

/// Blobs buffered and parts waiting to be sent.
#[derive(Debug, Clone)]
pub(crate) struct Stream {
    prevent_empty_parts: bool,
    merge_small_parts: bool,
    buffered: Vec<u64>,
    next_number: u32,
    closed: bool,
    queue: Vec<Part>,
}

impl Stream {
    pub(crate) fn new(prevent_empty_parts: bool, merge_small_parts: bool) -> Stream {
        Stream { prevent_empty_parts, merge_small_parts, buffered: Vec::new(), next_number: 1, closed: false, queue: Vec::new() }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed
    }

    /// Buffers a blob of `size` bytes and returns the part it completes, if any, by the
    /// official merging rules.
    pub(crate) fn push(&mut self, size: u64) -> Option<Part> {
        self.buffered.push(size);
        let total: u64 = self.buffered.iter().sum();
        let due = if self.prevent_empty_parts { total - size >= MIN_CHUNK_SIZE } else { total >= MIN_CHUNK_SIZE };
        if !due && self.merge_small_parts {
            return None;
        }
        // Holding back the newest blob guarantees the last part cannot be empty.
        let blobs = if self.prevent_empty_parts { self.buffered.len() - 1 } else { self.buffered.len() };
        if blobs == 0 {
            return None;
        }
        Some(self.flush(blobs, false))
    }

    /// Buffers the last blob: everything buffered makes the closing part.
    pub(crate) fn push_last(&mut self, size: u64) -> Part {
        self.buffered.push(size);
        self.closed = true;
        self.flush(self.buffered.len(), true)
    }

    fn flush(&mut self, blobs: usize, last: bool) -> Part {
        let size = self.buffered.drain(..blobs).sum();
        let part = Part { number: self.next_number, blobs, size, last };
        self.next_number += 1;
        self.queue.push(part);
        part
    }

    /// The part to send next.
    pub(crate) fn head(&self) -> Option<Part> {
        self.queue.first().copied()
    }

    /// The head part was acknowledged.
    pub(crate) fn pop(&mut self) {
        if !self.queue.is_empty() {
            self.queue.remove(0);
        }
    }

    /// Forgets every queued part (the upload failed for good).
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn one_mib_blobs_merge_into_five_mib_parts_then_close() {
        let mut stream = Stream::new(false, true);
        let mut parts: Vec<Part> = (0..12).filter_map(|_| stream.push(MIB)).collect();
        parts.push(stream.push_last(MIB / 2));
        let shape: Vec<(u32, usize, u64, bool)> = parts.iter().map(|p| (p.number, p.blobs, p.size, p.last)).collect();
        assert_eq!(shape, [(1, 5, 5 * MIB, false), (2, 5, 5 * MIB, false), (3, 3, 2 * MIB + MIB / 2, true)]);
        let ranges: Vec<String> = parts.iter().map(|p| p.piece().range.header()).collect();
        assert_eq!(ranges, ["part 1/*", "part 2/*", "part 3/3"]);
    }

    #[test]
    fn prevent_empty_parts_holds_back_the_newest_blob() {
        let mut stream = Stream::new(true, true);
        let flushed: Vec<Option<Part>> = (0..6).map(|_| stream.push(MIB)).collect();
        assert!(flushed[..5].iter().all(Option::is_none), "5 MiB are buffered, the newest held back");
        let part = flushed[5].unwrap();
        assert_eq!((part.blobs, part.size), (5, 5 * MIB));
        let last = stream.push_last(0);
        assert_eq!((last.number, last.blobs, last.size), (2, 2, MIB), "the held blob keeps the last part non-empty");
    }

    #[test]
    fn without_merging_every_blob_is_a_part() {
        let mut stream = Stream::new(false, false);
        assert_eq!(stream.push(6 * MIB).map(|p| (p.number, p.blobs)), Some((1, 1)));
        assert_eq!(stream.push(7 * MIB).map(|p| p.number), Some(2));
        assert_eq!(stream.head().map(|p| p.number), Some(1));
        stream.pop();
        assert_eq!(stream.head().map(|p| p.number), Some(2));
    }
}
