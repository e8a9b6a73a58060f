//! The `Content-Range` header values the uploader sends.
//!
//! api.video accepts two grammars; the official clients (and we) use the `part` one,
//! which the original spec calls "the recommended option".

use alloc::string::String;

use crate::text::{push_ascii, push_u64};

/// `part <part>/<total>`: 1-based part number, total known up front or `*` while unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartRange {
    /// 1-based part number.
    pub part: u32,
    /// Total number of parts, `None` while it is unknown (progressive upload).
    pub total: Option<u32>,
}

impl PartRange {
    /// The header value, `part 2/6` or `part 3/*`.
    pub fn header(&self) -> String {
        let mut out = String::from("part ");
        push_u64(&mut out, u64::from(self.part));
        push_ascii(&mut out, b'/');
        match self.total {
            Some(total) => push_u64(&mut out, u64::from(total)),
            None => push_ascii(&mut out, b'*'),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_and_unknown_totals() {
        assert_eq!(PartRange { part: 2, total: Some(6) }.header(), "part 2/6");
        assert_eq!(PartRange { part: 3, total: None }.header(), "part 3/*");
    }
}
