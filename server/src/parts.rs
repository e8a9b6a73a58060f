//! Bookkeeping of the parts of one `part N/M` upload, and every rule the API applies to them.

use std::collections::BTreeMap;

use crate::chunk_error::{ChunkError, PartRule};

/// Smallest part the API accepts, except for the completing one: 5 MiB.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// Largest part (and largest single-request upload): 200 MiB.
pub const MAX_PART_SIZE: u64 = 200 * 1024 * 1024;
/// Highest part number and highest total.
pub const MAX_PARTS: u64 = 10_000;

/// The parts received so far for one video.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartLedger {
    total: Option<u64>,
    received: BTreeMap<u64, u64>,
}

/// What accepting a part means for the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// More parts are needed.
    Pending,
    /// Every part from 1 to the total has arrived.
    Complete,
}

impl PartLedger {
    /// Rebuilds a ledger from stored `(part, size)` rows and the known total.
    pub fn from_stored(total: Option<u64>, parts: impl IntoIterator<Item = (u64, u64)>) -> PartLedger {
        PartLedger { total, received: parts.into_iter().collect() }
    }

    /// Checks part `part` of `total` with `size` bytes against the rules and the parts
    /// already received, and records it when it passes. Nothing changes on error.
    pub fn accept(&mut self, part: u64, total: Option<u64>, size: u64) -> Result<Accepted, ChunkError> {
        self.check(part, total, size)?;
        if total.is_some() {
            self.total = total;
        }
        self.received.insert(part, size);
        Ok(self.completion())
    }

    /// Whether `part` of `total` with `size` bytes would be accepted.
    pub fn check(&self, part: u64, total: Option<u64>, size: u64) -> Result<(), ChunkError> {
        if part == 0 {
            return Err(ChunkError::Part(PartRule::PartZero));
        }
        if part > MAX_PARTS {
            return Err(ChunkError::Part(PartRule::PartTooHighAllowed));
        }
        if let Some(total) = total {
            if total == 0 {
                return Err(ChunkError::Part(PartRule::TotalPartsZero));
            }
            if total > MAX_PARTS {
                return Err(ChunkError::Part(PartRule::TotalPartsTooHigh));
            }
            if self.total.is_some_and(|known| known != total) {
                return Err(ChunkError::Part(PartRule::DifferentTotalParts));
            }
            if self.received.keys().next_back().is_some_and(|&highest| highest > total) {
                return Err(ChunkError::Part(PartRule::TotalPartsTooLow));
            }
        }
        // A total announced earlier binds later parts sent with `*`.
        if total.or(self.total).is_some_and(|total| part > total) {
            return Err(ChunkError::Part(PartRule::PartTooHighTotal));
        }
        if self.received.contains_key(&part) {
            return Err(ChunkError::Part(PartRule::PartAlreadySent));
        }
        if size == 0 {
            return Err(ChunkError::Empty);
        }
        if size > MAX_PART_SIZE {
            return Err(ChunkError::TooLarge);
        }
        let total = total.or(self.total);
        let is_last = total == Some(part);
        if size < MIN_PART_SIZE && !is_last {
            return Err(ChunkError::Part(PartRule::TooSmall));
        }
        Ok(())
    }

    fn completion(&self) -> Accepted {
        match self.total {
            Some(total) if self.received.len() as u64 == total => Accepted::Complete,
            _ => Accepted::Pending,
        }
    }

    /// Parts received, in order, with their sizes.
    pub fn parts(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.received.iter().map(|(&part, &size)| (part, size))
    }

    /// Total parts, once announced.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Bytes received so far.
    pub fn received_bytes(&self) -> u64 {
        self.received.values().sum()
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
    fn in_order_upload_completes_on_the_last_part() {
        let mut ledger = PartLedger::default();
        assert_eq!(ledger.accept(1, Some(3), 5 * MIB), Ok(Accepted::Pending));
        assert_eq!(ledger.accept(2, Some(3), 5 * MIB), Ok(Accepted::Pending));
        assert_eq!(ledger.accept(3, Some(3), 1), Ok(Accepted::Complete));
        assert_eq!(ledger.received_bytes(), 10 * MIB + 1);
    }

    #[test]
    fn out_of_order_completes_whichever_arrives_last() {
        let mut ledger = PartLedger::default();
        assert_eq!(ledger.accept(3, Some(3), 1), Ok(Accepted::Pending));
        assert_eq!(ledger.accept(1, Some(3), 5 * MIB), Ok(Accepted::Pending));
        assert_eq!(ledger.accept(2, Some(3), 5 * MIB), Ok(Accepted::Complete));
    }

    #[test]
    fn progressive_total_known_at_the_end() {
        let mut ledger = PartLedger::default();
        assert_eq!(ledger.accept(1, None, 5 * MIB), Ok(Accepted::Pending));
        assert_eq!(ledger.accept(2, None, 5 * MIB), Ok(Accepted::Pending));
        assert_eq!(ledger.accept(3, Some(3), 10), Ok(Accepted::Complete));
    }

    #[test]
    fn rules() {
        let mut ledger = PartLedger::default();
        assert_eq!(slug(ledger.accept(1, Some(2), MIB)), "video-content-range-by-part-uploaded-file-too-small");
        assert_eq!(slug(ledger.accept(1, None, MIB)), "video-content-range-by-part-uploaded-file-too-small");
        assert_eq!(slug(ledger.accept(0, Some(2), 5 * MIB)), "video-content-range-by-part-part-zero");
        assert_eq!(slug(ledger.accept(1, Some(0), 5 * MIB)), "video-content-range-by-part-total-parts-zero");
        assert_eq!(slug(ledger.accept(3, Some(2), 5 * MIB)), "video-content-range-by-part-part-too-high-total");
        assert_eq!(slug(ledger.accept(10_001, None, 5 * MIB)), "video-content-range-by-part-part-too-high-allowed");
        assert_eq!(slug(ledger.accept(1, Some(10_001), 5 * MIB)), "video-content-range-by-part-total-parts-too-high");
        assert_eq!(slug(ledger.accept(1, Some(1), 0)), "uploaded-file-empty");
        assert_eq!(slug(ledger.accept(1, Some(1), MAX_PART_SIZE + 1)), "uploaded-file-too-large");
        assert_eq!(ledger, PartLedger::default(), "rejected parts leave no trace");

        ledger.accept(4, None, 5 * MIB).unwrap();
        assert_eq!(slug(ledger.accept(4, None, 5 * MIB)), "video-content-range-by-part-part-already-sent");
        assert_eq!(slug(ledger.accept(1, Some(3), 5 * MIB)), "video-content-range-by-part-total-parts-too-low");
        ledger.accept(1, Some(5), 5 * MIB).unwrap();
        assert_eq!(slug(ledger.accept(2, Some(6), 5 * MIB)), "video-content-range-by-part-different-total-parts");
        assert_eq!(slug(ledger.accept(6, None, 5 * MIB)), "video-content-range-by-part-part-too-high-total");
        // Once the total is known, a small last part passes even without repeating the total.
        assert_eq!(ledger.accept(5, None, 1), Ok(Accepted::Pending));
    }
}
