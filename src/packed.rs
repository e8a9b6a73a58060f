//! The options as the package entry (`js/index.js`) hands them to the wasm: plain numbers and
//! one string, because every string argument costs its own copy and shim code in the wasm.
//!
//! * `kind`: the credentials, 0 an upload token, 1 an access token, 2 an API key;
//! * `texts`: NUL-separated, the secret, the refresh token (access tokens only), `videoId`,
//!   `videoName`, `apiHost`, the application's and the SDK's name and version, and the file's
//!   name; bit `i` of `present` says whether text `i` was given;
//! * numbers: negative means "not given", but a chunk size of −2 means `'auto'`.

use alloc::string::String;

use crate::options::{Credentials, Origin, UploadOptions};

/// The chunk size that means `chunkSize: 'auto'`.
pub const AUTO_CHUNK_SIZE: f64 = -2.0;

/// The options the entry packed, and the file's name. The values are not validated here:
/// the machine validates them, with the official messages.
// Inlined into its one caller in the wasm (`Core::new`): as a call, with its result returned
// through memory, it weighs ~30 B gzip more.
#[inline(always)]
pub fn unpack(kind: u8, texts: &str, present: u32, chunk_size: f64, retries: f64, parallel_parts: f64) -> (UploadOptions, String) {
    // Byte by byte: `split` would bring its pattern machinery (memchr) into the wasm.
    let mut bytes = texts.bytes();
    let mut field = String::new();
    let mut index = 0;
    let mut next = || {
        field.clear();
        for byte in bytes.by_ref().take_while(|byte| *byte != 0) {
            // SAFETY: the bytes of a `str` in order, cut only at NUL (ASCII), so `field`
            // holds whole UTF-8 sequences.
            unsafe { field.as_mut_vec().push(byte) };
        }
        let given = present & (1 << index) != 0;
        index += 1;
        given.then(|| field.clone())
    };
    let secret = next().unwrap_or_default();
    let credentials = match kind {
        0 => Credentials::UploadToken(secret),
        1 => Credentials::AccessToken { access_token: secret, refresh_token: next() },
        _ => Credentials::ApiKey(secret),
    };
    if kind != 1 {
        // The refresh token's place is there whatever the credentials.
        next();
    }
    let mut options = UploadOptions::with_upload_token(String::new());
    options.credentials = credentials;
    options.video_id = next();
    options.video_name = next();
    if let Some(host) = next() {
        options.api_host = host;
    }
    options.auto_chunk_size = chunk_size == AUTO_CHUNK_SIZE;
    if chunk_size >= 0.0 {
        options.chunk_size = chunk_size as u64;
    }
    if retries >= 0.0 {
        options.retries = retries as u32;
    }
    if parallel_parts >= 0.0 {
        options.parallel_parts = parallel_parts as u32;
    }
    // An origin is given when either of its fields is.
    let mut origin = || {
        let (name, version) = (next(), next());
        (name.is_some() || version.is_some()).then(|| Origin { name: name.unwrap_or_default(), version: version.unwrap_or_default() })
    };
    options.application = origin();
    options.sdk = origin();
    let file_name = next().unwrap_or_default();
    (options, file_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{DEFAULT_API_HOST, DEFAULT_CHUNK_SIZE, DEFAULT_RETRIES};

    fn pack(texts: [Option<&str>; 10]) -> (String, u32) {
        let present = texts.iter().enumerate().fold(0, |bits, (i, text)| bits | (u32::from(text.is_some()) << i));
        (texts.map(Option::unwrap_or_default).join("\0"), present)
    }

    // The contract file is read with serde_json, a native-only dev-dependency.
    #[cfg(not(target_arch = "wasm32"))]
    /// The entry's packing of each case of `tests/fixtures/contract.json` (checked against
    /// `js/options.js` by `tests/unit/contract.test.mjs`) unpacks to what the case says.
    #[test]
    fn every_case_of_the_contract_unpacks_as_it_says() {
        use serde_json::{json, Value};
        let contract: Value = serde_json::from_str(include_str!("../tests/fixtures/contract.json")).unwrap();
        let pair = |origin: &Option<Origin>| origin.as_ref().map_or(Value::Null, |o| json!([o.name, o.version]));
        for case in contract["packedOptions"].as_array().unwrap() {
            let packed = &case["packed"];
            let texts: Vec<&str> = packed["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
            let number = |key: &str| packed[key].as_f64().unwrap();
            let (options, file_name) =
                unpack(number("kind") as u8, &texts.join("\0"), number("present") as u32, number("chunkSize"), number("retries"), number("parallelParts"));
            let credentials = match &options.credentials {
                Credentials::UploadToken(token) => json!(["uploadToken", token, null]),
                Credentials::AccessToken { access_token, refresh_token } => json!(["accessToken", access_token, refresh_token]),
                Credentials::ApiKey(key) => json!(["apiKey", key, null]),
            };
            let unpacked = json!({
                "credentials": credentials,
                "videoId": options.video_id,
                "videoName": options.video_name,
                "apiHost": options.api_host,
                "chunkSize": options.chunk_size,
                "autoChunkSize": options.auto_chunk_size,
                "retries": options.retries,
                "parallelParts": options.parallel_parts,
                "application": pair(&options.application),
                "sdk": pair(&options.sdk),
                "fileName": file_name,
            });
            assert_eq!(unpacked, case["unpacked"], "{}", case["case"]);
        }
    }

    #[test]
    fn nothing_given_keeps_the_defaults() {
        let (texts, present) = pack([Some("to1"), None, None, None, None, None, None, None, None, Some("a.mp4")]);
        let (options, file_name) = unpack(0, &texts, present, -1.0, -1.0, -1.0);
        assert_eq!(options, UploadOptions::with_upload_token("to1"));
        assert_eq!((options.chunk_size, options.retries, options.parallel_parts), (DEFAULT_CHUNK_SIZE, DEFAULT_RETRIES, 1));
        assert_eq!(options.api_host, DEFAULT_API_HOST);
        assert_eq!(file_name, "a.mp4");
    }

    #[test]
    fn every_text_and_number_lands_in_its_place() {
        let (texts, present) = pack([Some("at"), Some("rt"), Some("vi1"), Some("Été"), Some("http://127.0.0.1:8787"), Some("app"), Some("1.2"), Some("sdk"), Some("3"), Some("clip.webm")]);
        let (options, file_name) = unpack(1, &texts, present, 8.0 * 1024.0 * 1024.0, 0.0, 4.0);
        assert_eq!(options.credentials, Credentials::AccessToken { access_token: "at".into(), refresh_token: Some("rt".into()) });
        assert_eq!(options.video_id.as_deref(), Some("vi1"));
        assert_eq!(options.video_name.as_deref(), Some("Été"));
        assert_eq!(options.api_host, "http://127.0.0.1:8787");
        assert_eq!((options.chunk_size, options.auto_chunk_size, options.retries, options.parallel_parts), (8 << 20, false, 0, 4));
        assert_eq!(options.application, Some(Origin { name: "app".into(), version: "1.2".into() }));
        assert_eq!(options.sdk, Some(Origin { name: "sdk".into(), version: "3".into() }));
        assert_eq!(file_name, "clip.webm");
    }

    #[test]
    fn an_empty_text_that_was_given_is_not_an_absent_one() {
        // `videoId: ''` is given (and refused by validation with the official message);
        // an origin with a name only is an origin whose version is empty.
        let (texts, present) = pack([Some("key"), None, Some(""), None, None, Some("app"), None, None, None, None]);
        let (options, _) = unpack(2, &texts, present, -2.0, -1.0, -1.0);
        assert_eq!(options.credentials, Credentials::ApiKey("key".into()));
        assert_eq!(options.video_id.as_deref(), Some(""));
        assert_eq!(options.application, Some(Origin { name: "app".into(), version: String::new() }));
        assert_eq!(options.sdk, None);
        assert!(options.auto_chunk_size);
    }
}
