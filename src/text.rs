//! Small text builders that keep `core::fmt` out of the wasm build: integers, JSON strings,
//! query values and base64 written by hand into a `String`.

use alloc::string::String;

/// Appends an ASCII byte. `String::push` takes any `char`, and its UTF-8 encoder would ship in
/// the wasm for bytes that never need it.
pub(crate) fn push_ascii(out: &mut String, byte: u8) {
    debug_assert!(byte.is_ascii());
    // SAFETY: an ASCII byte is a whole UTF-8 sequence.
    unsafe { out.as_mut_vec().push(byte & 0x7f) };
}

/// Appends the decimal digits of `n`. Most significant first by recursion (at most 20 deep):
/// a digit buffer filled from its end would bring a bounds check and its panic data.
pub(crate) fn push_u64(out: &mut String, n: u64) {
    if n >= 10 {
        push_u64(out, n / 10);
    }
    push_ascii(out, b'0' + (n % 10) as u8);
}

/// A whole number of decimal digits and nothing else, when it fits a `u32`. By hand: `parse`
/// would bring its generic machinery into the wasm.
pub(crate) fn parse_u32(text: &str) -> Option<u32> {
    let value = text.bytes().try_fold(0u32, |n, b| if b.is_ascii_digit() { n.checked_mul(10)?.checked_add(u32::from(b - b'0')) } else { None });
    value.filter(|_| !text.is_empty())
}

/// `parts` concatenated.
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `text` as the inside of a JSON string.
pub(crate) fn push_json_escaped(out: &mut String, text: &str) {
    // Byte by byte: what is escaped is ASCII, and every other byte is copied in order, so
    // multi-byte UTF-8 sequences arrive whole (and nothing decodes them).
    for byte in text.bytes() {
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0..0x20 => {
                out.push_str("\\u00");
                push_ascii(out, HEX[usize::from(byte >> 4)]);
                push_ascii(out, HEX[usize::from(byte & 15)]);
            }
            // SAFETY: see above; `text` is UTF-8 and its sequences are copied whole.
            _ => unsafe { out.as_mut_vec().push(byte) },
        }
    }
}

/// Appends `value` percent-encoded for a URL query or path segment. Real tokens and ids are
/// alphanumeric and pass through unchanged, as the official uploader sends them.
pub(crate) fn push_encoded(out: &mut String, value: &str) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            push_ascii(out, byte);
        } else {
            push_ascii(out, b'%');
            push_ascii(out, HEX[usize::from(byte >> 4)]);
            push_ascii(out, HEX[usize::from(byte & 15)]);
        }
    }
}

/// Standard base64 with padding, for `Basic` credentials.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n = group.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                push_ascii(&mut out, TABLE[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                push_ascii(&mut out, b'=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        for n in [0u64, 7, 10, 1234567890, u64::MAX] {
            let mut out = String::new();
            push_u64(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn whole_numbers_and_nothing_else() {
        for (text, value) in [("0", Some(0)), ("120", Some(120)), ("4294967295", Some(u32::MAX)), ("4294967296", None), ("", None), ("1.5", None), ("-1", None), (" 1", None), ("١", None)] {
            assert_eq!(parse_u32(text), value, "{text:?}");
        }
    }

    #[test]
    fn json_strings_escape_quotes_backslashes_and_controls() {
        let mut out = String::new();
        push_json_escaped(&mut out, "a\"b\\c\n\u{1b}é");
        assert_eq!(out, "a\\\"b\\\\c\\u000A\\u001Bé");
    }

    #[test]
    fn query_values_cannot_break_out() {
        let mut out = String::new();
        push_encoded(&mut out, "to1&videoId=x y");
        assert_eq!(out, "to1%26videoId%3Dx%20y");
    }

    #[test]
    fn base64_matches_the_standard() {
        for (input, expected) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("key:", "a2V5Og==")] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }
}
