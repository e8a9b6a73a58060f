//! Bookkeeping of the byte ranges of one `bytes F-T/N` upload, and the API's rules for them.

use std::collections::BTreeMap;

use crate::parts::{Accepted, MAX_PART_SIZE, MIN_PART_SIZE};
use crate::chunk_error::{BytesRule, ChunkError};

/// Largest total size the API accepts in bytes mode.
pub const MAX_TOTAL_BYTES: u64 = 52_428_800_000;

/// The ranges received so far for one video.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ByteLedger {
    total: Option<u64>,
    /// from → inclusive to.
    received: BTreeMap<u64, u64>,
}

impl ByteLedger {
    /// Rebuilds a ledger from stored ranges `(from, size)` and the known total.
    pub fn from_stored(total: Option<u64>, ranges: impl IntoIterator<Item = (u64, u64)>) -> ByteLedger {
        let received = ranges.into_iter().map(|(from, size)| (from, from + size - 1)).collect();
        ByteLedger { total, received }
    }

    /// Checks the range `from..=to` of `total` carried by a file of `size` bytes and records
    /// it when it passes. Nothing changes on error.
    pub fn accept(&mut self, from: u64, to: u64, total: Option<u64>, size: u64) -> Result<Accepted, ChunkError> {
        self.check(from, to, total, size)?;
        if total.is_some() {
            self.total = total;
        }
        self.received.insert(from, to);
        Ok(self.completion())
    }

    /// Whether the range would be accepted.
    pub fn check(&self, from: u64, to: u64, total: Option<u64>, size: u64) -> Result<(), ChunkError> {
        if size == 0 {
            return Err(ChunkError::Empty);
        }
        if let Some(total) = total {
            if total == 0 {
                return Err(ChunkError::Bytes(BytesRule::TotalBytesZero));
            }
            if total > MAX_TOTAL_BYTES {
                return Err(ChunkError::Bytes(BytesRule::TotalBytesTooHigh));
            }
            if self.total.is_some_and(|known| known != total) {
                return Err(ChunkError::Bytes(BytesRule::DifferentTotalBytes));
            }
            if self.received.values().next_back().is_some_and(|&highest| highest >= total) {
                return Err(ChunkError::Bytes(BytesRule::TotalBytesTooLow));
            }
        }
        if from > to {
            return Err(ChunkError::Bytes(BytesRule::FromByteTooHigh));
        }
        if to >= MAX_TOTAL_BYTES {
            return Err(ChunkError::Bytes(BytesRule::ToByteTooHighAllowed));
        }
        let total = total.or(self.total);
        if total.is_some_and(|total| to >= total) {
            return Err(ChunkError::Bytes(BytesRule::ToByteTooHighTotal));
        }
        let length = to - from + 1;
        if length != size {
            return Err(ChunkError::Bytes(BytesRule::RangeMismatch));
        }
        if length > MAX_PART_SIZE {
            return Err(ChunkError::Bytes(BytesRule::RangeTooLarge));
        }
        let before = self.received.range(..=to).next_back();
        if before.is_some_and(|(_, &end)| end >= from) {
            return Err(ChunkError::Bytes(BytesRule::RangeOverlap));
        }
        let completes_file = total.is_some_and(|total| to + 1 == total);
        if length < MIN_PART_SIZE && !completes_file {
            return Err(ChunkError::Bytes(BytesRule::RangeTooSmall));
        }
        Ok(())
    }

    fn completion(&self) -> Accepted {
        let Some(total) = self.total else { return Accepted::Pending };
        let mut next = 0;
        for (&from, &to) in &self.received {
            if from != next {
                return Accepted::Pending;
            }
            next = to + 1;
        }
        if next == total {
            Accepted::Complete
        } else {
            Accepted::Pending
        }
    }

    /// Total bytes, once announced.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Received ranges as inclusive `(from, to)`, in order.
    pub fn ranges(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.received.iter().map(|(&from, &to)| (from, to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn slug(result: Result<Accepted, ChunkError>) -> String {
        result.unwrap_err().slug()
    }

    #[test]
    fn contiguous_ranges_complete_in_any_order() {
        let mut ledger = ByteLedger::default();
        let total = 10 * MIB + 5;
        assert_eq!(ledger.accept(10 * MIB, total - 1, Some(total), 5), Ok(Accepted::Pending));
        assert_eq!(ledger.accept(0, 5 * MIB - 1, Some(total), 5 * MIB), Ok(Accepted::Pending));
        assert_eq!(ledger.accept(5 * MIB, 10 * MIB - 1, None, 5 * MIB), Ok(Accepted::Complete));
    }

    #[test]
    fn rules() {
        let mut ledger = ByteLedger::default();
        let m5 = 5 * MIB;
        assert_eq!(slug(ledger.accept(0, m5 - 1, Some(0), m5)), "video-content-range-by-bytes-total-bytes-zero");
        assert_eq!(slug(ledger.accept(0, m5 - 1, Some(MAX_TOTAL_BYTES + 1), m5)), "video-content-range-by-bytes-total-bytes-too-high");
        assert_eq!(slug(ledger.accept(9, 3, None, 1)), "video-content-range-by-bytes-from-byte-too-high");
        assert_eq!(slug(ledger.accept(0, m5 - 1, Some(m5 - 1), m5)), "video-content-range-by-bytes-to-byte-too-high-total");
        assert_eq!(slug(ledger.accept(0, m5 - 1, None, m5 - 1)), "video-content-range-by-bytes-range-mismatch");
        assert_eq!(slug(ledger.accept(0, 99, None, 100)), "video-content-range-by-bytes-range-too-small");
        assert_eq!(slug(ledger.accept(0, MAX_PART_SIZE, None, MAX_PART_SIZE + 1)), "video-content-range-by-bytes-range-too-large");
        assert_eq!(slug(ledger.accept(0, 0, None, 0)), "uploaded-file-empty");
        assert_eq!(ledger, ByteLedger::default());

        ledger.accept(m5, 2 * m5 - 1, None, m5).unwrap();
        assert_eq!(slug(ledger.accept(m5 + 1, 2 * m5, None, m5)), "video-content-range-by-bytes-range-overlap");
        assert_eq!(slug(ledger.accept(1, m5 + 1, None, m5 + 1)), "video-content-range-by-bytes-range-overlap");
        assert_eq!(slug(ledger.accept(0, m5 - 1, Some(m5), m5)), "video-content-range-by-bytes-total-bytes-too-low");
        ledger.accept(0, m5 - 1, Some(3 * m5), m5).unwrap();
        assert_eq!(slug(ledger.accept(2 * m5, 3 * m5 - 1, Some(4 * m5), m5)), "video-content-range-by-bytes-different-total-bytes");
        assert_eq!(ledger.accept(2 * m5, 3 * m5 - 1, None, m5), Ok(Accepted::Complete));
    }
}
