//! One video's chunks in whichever `Content-Range` mode its upload started with.

use crate::chunk_error::ChunkError;
use crate::content_range::ContentRange;
use crate::parts::{Accepted, PartLedger};
use crate::ranges::ByteLedger;

/// The chunks of one upload. Chunks are stored under a key: the part number in part mode,
/// the first byte in bytes mode. In both modes the chunks of a complete upload, in key
/// order, concatenate to the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Ledger {
    /// No chunk yet.
    #[default]
    Empty,
    /// Started with `part N/M`.
    Parts(PartLedger),
    /// Started with `bytes F-T/N`.
    Bytes(ByteLedger),
}

/// The stored name of a mode.
pub const PART_MODE: &str = "part";
/// The stored name of a mode.
pub const BYTES_MODE: &str = "bytes";

impl Ledger {
    /// Rebuilds a ledger from its stored mode, total and `(key, size)` chunks.
    pub fn from_stored(mode: Option<&str>, total: Option<u64>, chunks: Vec<(u64, u64)>) -> Ledger {
        match mode {
            Some(BYTES_MODE) => Ledger::Bytes(ByteLedger::from_stored(total, chunks)),
            Some(_) => Ledger::Parts(PartLedger::from_stored(total, chunks)),
            None => Ledger::Empty,
        }
    }

    /// Checks a chunk of `size` bytes sent with `range` and records it when it passes;
    /// returns the chunk's key and whether the upload is now complete.
    pub fn accept(&mut self, range: ContentRange, size: u64) -> Result<(u64, Accepted), ChunkError> {
        if *self == Ledger::Empty {
            *self = match range {
                ContentRange::Part { .. } => Ledger::Parts(PartLedger::default()),
                ContentRange::Bytes { .. } => Ledger::Bytes(ByteLedger::default()),
            };
            let result = self.accept(range, size);
            if result.is_err() {
                *self = Ledger::Empty;
            }
            return result;
        }
        match (self, range) {
            (Ledger::Parts(ledger), ContentRange::Part { part, total }) => Ok((part, ledger.accept(part, total, size)?)),
            (Ledger::Bytes(ledger), ContentRange::Bytes { from, to, total }) => {
                Ok((from, ledger.accept(from, to, total, size)?))
            }
            (Ledger::Parts(_), ContentRange::Bytes { .. }) => Err(ChunkError::ModeMismatch { started: PART_MODE, sent: BYTES_MODE }),
            (Ledger::Bytes(_), ContentRange::Part { .. }) => Err(ChunkError::ModeMismatch { started: BYTES_MODE, sent: PART_MODE }),
            (Ledger::Empty, _) => unreachable!("handled above"),
        }
    }

    /// The stored name of the mode, once a chunk has arrived.
    pub fn mode(&self) -> Option<&'static str> {
        match self {
            Ledger::Empty => None,
            Ledger::Parts(_) => Some(PART_MODE),
            Ledger::Bytes(_) => Some(BYTES_MODE),
        }
    }

    /// The announced total (parts or bytes).
    pub fn total(&self) -> Option<u64> {
        match self {
            Ledger::Empty => None,
            Ledger::Parts(ledger) => ledger.total(),
            Ledger::Bytes(ledger) => ledger.total(),
        }
    }

    /// The chunks received, as `(key, size)` in key order: for a complete upload, the order
    /// in which they concatenate to the file.
    pub fn chunks(&self) -> Vec<(u64, u64)> {
        match self {
            Ledger::Empty => Vec::new(),
            Ledger::Parts(ledger) => ledger.parts().collect(),
            Ledger::Bytes(ledger) => ledger.ranges().map(|(from, to)| (from, to - from + 1)).collect(),
        }
    }

    /// Whether any chunk has arrived.
    pub fn is_empty(&self) -> bool {
        *self == Ledger::Empty
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn modes_do_not_mix() {
        let mut ledger = Ledger::default();
        ledger.accept(ContentRange::Part { part: 1, total: None }, 5 * MIB).unwrap();
        let err = ledger.accept(ContentRange::Bytes { from: 5 * MIB, to: 10 * MIB - 1, total: None }, 5 * MIB).unwrap_err();
        assert!(err.slug().ends_with("video-content-range-started-with-part"));

        let mut ledger = Ledger::default();
        ledger.accept(ContentRange::Bytes { from: 0, to: 5 * MIB - 1, total: None }, 5 * MIB).unwrap();
        let err = ledger.accept(ContentRange::Part { part: 2, total: None }, 5 * MIB).unwrap_err();
        assert!(err.slug().ends_with("video-content-range-started-with-bytes"));
    }

    #[test]
    fn a_rejected_first_chunk_leaves_the_ledger_empty() {
        let mut ledger = Ledger::default();
        assert!(ledger.accept(ContentRange::Part { part: 1, total: Some(2) }, 10).is_err());
        assert!(ledger.is_empty());
        assert_eq!(ledger.accept(ContentRange::Bytes { from: 0, to: 9, total: Some(10) }, 10), Ok((0, Accepted::Complete)));
    }
}
