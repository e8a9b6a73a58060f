//! The `Content-Range` header values the uploader sends.
//!
//! api.video accepts two grammars; the official clients (and we) use the `part` one,
//! which the original spec calls "the recommended option".

use std::fmt;

/// `part <part>/<total>`: 1-based part number, total known up front or `*` while unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartRange {
    /// 1-based part number.
    pub part: u32,
    /// Total number of parts, `None` while it is unknown (progressive upload).
    pub total: Option<u32>,
}

impl fmt::Display for PartRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.total {
            Some(total) => write!(f, "part {}/{}", self.part, total),
            None => write!(f, "part {}/*", self.part),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_and_unknown_totals() {
        let known = PartRange { part: 2, total: Some(6) };
        assert_eq!(known.to_string(), "part 2/6");
        let unknown = PartRange { part: 3, total: None };
        assert_eq!(unknown.to_string(), "part 3/*");
    }
}
