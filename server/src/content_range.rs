//! Parsing the `Content-Range` header of an upload request.
//!
//! Grammar (api.video spec): `part <part>/<total>|*` or `bytes <from>-<to>/<total>|*`.

/// A parsed `Content-Range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentRange {
    /// `part N/M` or `part N/*`.
    Part {
        /// 1-based part number (may be 0 here; the upload rules reject it with their own error).
        part: u64,
        /// Total parts, when known.
        total: Option<u64>,
    },
    /// `bytes F-T/N` or `bytes F-T/*`, inclusive.
    Bytes {
        /// First byte.
        from: u64,
        /// Last byte, inclusive.
        to: u64,
        /// Total size, when known.
        total: Option<u64>,
    },
}

/// Parses a header value; `None` when it matches neither grammar.
pub fn parse(value: &str) -> Option<ContentRange> {
    let (unit, rest) = value.trim().split_once(' ')?;
    let (range, total) = rest.split_once('/')?;
    let total = match total {
        "*" => None,
        digits => Some(number(digits)?),
    };
    match unit {
        "part" => Some(ContentRange::Part { part: number(range)?, total }),
        "bytes" => {
            let (from, to) = range.split_once('-')?;
            Some(ContentRange::Bytes { from: number(from)?, to: number(to)?, total })
        }
        _ => None,
    }
}

/// A plain decimal number: digits only, no sign, no spaces, no overflow.
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_grammars() {
        assert_eq!(parse("part 2/6"), Some(ContentRange::Part { part: 2, total: Some(6) }));
        assert_eq!(parse("part 3/*"), Some(ContentRange::Part { part: 3, total: None }));
        assert_eq!(
            parse("bytes 0-5242879/10000000"),
            Some(ContentRange::Bytes { from: 0, to: 5_242_879, total: Some(10_000_000) })
        );
        assert_eq!(parse("bytes 5-9/*"), Some(ContentRange::Bytes { from: 5, to: 9, total: None }));
    }

    #[test]
    fn malformed() {
        for bad in [
            "", "part", "part 1", "part /3", "part 1/", "part -1/3", "part +1/3", "part 1/3/4", "parts 1/3",
            "bytes 0-5", "bytes 0-/5", "bytes -5/10", "part 99999999999999999999999/1", "part 1 /3",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
