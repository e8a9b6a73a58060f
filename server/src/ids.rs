//! Random identifiers in api.video's shape: a two-letter prefix and 22 base-62 characters.

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `prefix` followed by `len` characters drawn uniformly from the OS CSPRNG.
pub fn random_id(prefix: &str, len: usize) -> String {
    let mut out = String::with_capacity(prefix.len() + len);
    out.push_str(prefix);
    let mut buf = [0u8; 64];
    while out.len() < prefix.len() + len {
        getrandom::fill(&mut buf).expect("the OS random source is available");
        // Rejection sampling: 248 = 4 * 62 keeps the draw uniform.
        for &byte in buf.iter().filter(|&&b| b < 248) {
            if out.len() == prefix.len() + len {
                break;
            }
            out.push(ALPHABET[usize::from(byte % 62)] as char);
        }
    }
    out
}

/// An upload token id: `to` + 22 characters.
pub fn upload_token() -> String {
    random_id("to", 22)
}

/// A video id: `vi` + 22 characters.
pub fn video_id() -> String {
    random_id("vi", 22)
}

/// A secret (API key, access token): 40 characters.
pub fn secret() -> String {
    random_id("", 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let token = upload_token();
        assert_eq!(token.len(), 24);
        assert!(token.starts_with("to") && token.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(video_id(), video_id());
        assert_eq!(secret().len(), 40);
    }
}
