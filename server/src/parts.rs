//! Bookkeeping of the parts of one `part N/M` upload, and every rule the API applies to them.

use std::collections::BTreeMap;

use crate::problem::Problem;

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
    pub fn accept(&mut self, part: u64, total: Option<u64>, size: u64) -> Result<Accepted, Problem> {
        self.check(part, total, size)?;
        if total.is_some() {
            self.total = total;
        }
        self.received.insert(part, size);
        Ok(self.completion())
    }

    /// Whether `part` of `total` with `size` bytes would be accepted.
    pub fn check(&self, part: u64, total: Option<u64>, size: u64) -> Result<(), Problem> {
        let range = |slug: &str, title: &str| {
            Problem::bad_request(&format!("video-content-range-by-part-{slug}"), title).name("Content-Range")
        };
        if part == 0 {
            return Err(range("part-zero", "The part number must be greater than 0."));
        }
        if part > MAX_PARTS {
            return Err(range("part-too-high-allowed", "The part number must be lower than or equal to 10000."));
        }
        if let Some(total) = total {
            if total == 0 {
                return Err(range("total-parts-zero", "The total number of parts must be greater than 0."));
            }
            if total > MAX_PARTS {
                return Err(range(
                    "total-parts-too-high",
                    "The total number of parts must be lower than or equal to 10000.",
                ));
            }
            if self.total.is_some_and(|known| known != total) {
                return Err(range(
                    "different-total-parts",
                    "The total number of parts differs from the one previously sent.",
                ));
            }
            if self.received.keys().next_back().is_some_and(|&highest| highest > total) {
                return Err(range(
                    "total-parts-too-low",
                    "The total number of parts is lower than a part number already sent.",
                ));
            }
        }
        // A total announced earlier binds later parts sent with `*`.
        if total.or(self.total).is_some_and(|total| part > total) {
            return Err(range("part-too-high-total", "The part number cannot be greater than the total number of parts."));
        }
        if self.received.contains_key(&part) {
            return Err(range("part-already-sent", "The part value collides with a previous one you already sent."));
        }
        if size == 0 {
            return Err(Problem::bad_request("uploaded-file-empty", "The uploaded file is empty.").name("file"));
        }
        if size > MAX_PART_SIZE {
            return Err(Problem::bad_request(
                "uploaded-file-too-large",
                "The uploaded file is too large. It must be lower than or equal to 200 MiB (209,715,200 bytes).",
            )
            .name("file"));
        }
        let total = total.or(self.total);
        let is_last = total == Some(part);
        if size < MIN_PART_SIZE && !is_last {
            return Err(range(
                "uploaded-file-too-small",
                "The uploaded file is too small. It must be greater than or equal to 5 MiB (5,242,880 bytes), except if it is the last part.",
            )
            .name("file"));
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

    fn slug(result: Result<Accepted, Problem>) -> String {
        result.unwrap_err().type_.rsplit('/').next().unwrap().to_owned()
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
