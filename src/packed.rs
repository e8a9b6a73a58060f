//! The options as the package entry (`js/options.js`) hands them to the wasm: one string of
//! NUL-separated values and a bitmask of those given, because every string argument costs
//! its own copy and shim code in the wasm. Which value sits where, and which field of
//! [`UploadOptions`] it fills, is declared once in `src/contract.json` and generated into
//! [`crate::slots`]; the values that need more than a field are read here.
//!
//! The entry checked every value before packing it (the declaration's rules, with the
//! official messages); the Rust API validates its own options in [`UploadOptions::validate`].

use alloc::string::String;
use alloc::vec::Vec;

use crate::options::{Credentials, Origin, UploadOptions};
use crate::slots::{self, ACCESS_TOKEN, API_KEY, CHUNK_SIZE, FILE_NAME, ORIGIN_APPLICATION_NAME, ORIGIN_SDK_NAME, REFRESH_TOKEN, UPLOAD_TOKEN};
use crate::text::parse_u32;

// Bit `i` of the mask says whether value `i` was given.
const _: () = assert!(slots::COUNT <= 32);

/// The values the entry packed, by their place in [`crate::slots`].
#[derive(Debug)]
pub(crate) struct Slots(Vec<Option<String>>);

impl Slots {
    /// Splits `texts` at each NUL; bit `i` of `present` says whether value `i` was given.
    pub(crate) fn new(texts: &str, present: u32) -> Slots {
        let mut values = Vec::with_capacity(slots::COUNT);
        let mut field = String::new();
        // Byte by byte: `split` would bring its pattern machinery (memchr) into the wasm. The
        // iterator goes one past the end, so that the last value is pushed too.
        for byte in texts.bytes().map(Some).chain([None]) {
            match byte {
                Some(0) | None => {
                    let given = present & (1 << values.len()) != 0;
                    values.push(given.then(|| field.clone()));
                    field.clear();
                }
                // SAFETY: the bytes of a `str` in order, cut only at NUL (ASCII), so `field`
                // holds whole UTF-8 sequences.
                Some(byte) => unsafe { field.as_mut_vec().push(byte) },
            }
        }
        Slots(values)
    }

    /// Value `slot`, when it was given.
    pub(crate) fn text(&self, slot: usize) -> Option<String> {
        self.0.get(slot).cloned().flatten()
    }

    /// Value `slot` as a whole number, when it was given as one.
    pub(crate) fn number(&self, slot: usize) -> Option<u32> {
        parse_u32(self.0.get(slot)?.as_deref()?)
    }

    /// Value `slot` is given and is `true` (a flag crosses as `true` or `false`).
    pub(crate) fn flag(&self, slot: usize) -> Option<bool> {
        self.0.get(slot)?.as_deref().map(|value| value == "true")
    }
}

/// The options the entry packed, the file's name, and every value (for those read by the
/// shell alone). Not validated here: see the module's documentation.
pub(crate) fn unpack(texts: &str, present: u32) -> (UploadOptions, String, Slots) {
    let values = Slots::new(texts, present);
    // The entry sends the first of the credentials the official uploader looks for.
    let credentials = if let Some(token) = values.text(UPLOAD_TOKEN) {
        Credentials::UploadToken(token)
    } else if let Some(access_token) = values.text(ACCESS_TOKEN) {
        Credentials::AccessToken { access_token, refresh_token: values.text(REFRESH_TOKEN) }
    } else {
        Credentials::ApiKey(values.text(API_KEY).unwrap_or_default())
    };
    let mut options = UploadOptions::with_upload_token(String::new());
    options.credentials = credentials;
    slots::assign(&mut options, &values);
    options.auto_chunk_size = values.text(CHUNK_SIZE).as_deref() == Some("auto");
    // An origin is given when either of its fields is; its version follows its name.
    let origin = |name: usize| {
        let (name, version) = (values.text(name), values.text(name + 1));
        (name.is_some() || version.is_some()).then(|| Origin { name: name.unwrap_or_default(), version: version.unwrap_or_default() })
    };
    options.application = origin(ORIGIN_APPLICATION_NAME);
    options.sdk = origin(ORIGIN_SDK_NAME);
    let file_name = values.text(FILE_NAME).unwrap_or_default();
    (options, file_name, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{DEFAULT_API_HOST, DEFAULT_CHUNK_SIZE, DEFAULT_RETRIES};
    use crate::slots::{API_HOST, COUNT, ORIGIN_APPLICATION_VERSION, ORIGIN_SDK_VERSION, PARALLEL_PARTS, RETRIES, STALL_TIMEOUT, VIDEO_ID, VIDEO_NAME};

    fn pack(given: &[(usize, &str)]) -> (String, u32) {
        let mut texts = alloc::vec![""; COUNT];
        let mut present = 0;
        for (slot, value) in given {
            texts[*slot] = value;
            present |= 1 << slot;
        }
        (texts.join("\0"), present)
    }

    // The contract file is read with serde_json, a native-only dev-dependency.
    #[cfg(not(target_arch = "wasm32"))]
    /// The entry's packing of each case of `tests/fixtures/contract-cases.json` (checked
    /// against `js/options.js` by `tests/unit/contract.test.mjs`) unpacks to what the case says.
    #[test]
    fn every_case_of_the_contract_unpacks_as_it_says() {
        use serde_json::{json, Value};
        let cases: Value = serde_json::from_str(include_str!("../tests/fixtures/contract-cases.json")).unwrap();
        let pair = |origin: &Option<Origin>| origin.as_ref().map_or(Value::Null, |o| json!([o.name, o.version]));
        for case in cases["packed"].as_array().unwrap() {
            let packed = &case["packed"];
            let texts: Vec<&str> = packed["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
            let (options, file_name, _) = unpack(&texts.join("\0"), packed["present"].as_u64().unwrap() as u32);
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
                "stallTimeout": options.stall_timeout_ms,
                "application": pair(&options.application),
                "sdk": pair(&options.sdk),
                "fileName": file_name,
            });
            assert_eq!(unpacked, case["unpacked"], "{}", case["case"]);
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    /// What the entry refuses, the Rust API refuses alike: each refused case of
    /// `tests/fixtures/contract-cases.json` that the core could receive, unpacked and
    /// validated, fails with the code and message the entry throws.
    #[test]
    fn every_refused_case_is_refused_alike() {
        let cases: serde_json::Value = serde_json::from_str(include_str!("../tests/fixtures/contract-cases.json")).unwrap();
        let mut checked = 0;
        for case in cases["refused"].as_array().unwrap() {
            let Some(packed) = case.get("packed") else { continue };
            let texts: Vec<&str> = packed["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
            let (options, _, _) = unpack(&texts.join("\0"), packed["present"].as_u64().unwrap() as u32);
            let error = options.validate().expect_err(case["case"].as_str().unwrap());
            assert_eq!((error.code(), error.to_string().as_str()), (case["error"]["code"].as_str().unwrap(), case["error"]["message"].as_str().unwrap()), "{}", case["case"]);
            checked += 1;
        }
        assert!(checked >= 15, "{checked}");
    }

    #[test]
    fn nothing_given_keeps_the_defaults() {
        let (texts, present) = pack(&[(UPLOAD_TOKEN, "to1"), (FILE_NAME, "a.mp4")]);
        let (options, file_name, _) = unpack(&texts, present);
        assert_eq!(options, UploadOptions::with_upload_token("to1"));
        assert_eq!((options.chunk_size, options.retries, options.parallel_parts), (DEFAULT_CHUNK_SIZE, DEFAULT_RETRIES, 1));
        assert_eq!(options.api_host, DEFAULT_API_HOST);
        assert_eq!(file_name, "a.mp4");
    }

    #[test]
    fn every_text_and_number_lands_in_its_place() {
        let (texts, present) = pack(&[
            (ACCESS_TOKEN, "at"),
            (REFRESH_TOKEN, "rt"),
            (VIDEO_ID, "vi1"),
            (VIDEO_NAME, "Été"),
            (API_HOST, "http://127.0.0.1:8787"),
            (ORIGIN_APPLICATION_NAME, "app"),
            (ORIGIN_APPLICATION_VERSION, "1.2"),
            (ORIGIN_SDK_NAME, "sdk"),
            (ORIGIN_SDK_VERSION, "3"),
            (CHUNK_SIZE, "8388608"),
            (RETRIES, "0"),
            (PARALLEL_PARTS, "4"),
            (STALL_TIMEOUT, "0"),
            (FILE_NAME, "clip.webm"),
        ]);
        let (options, file_name, _) = unpack(&texts, present);
        assert_eq!(options.credentials, Credentials::AccessToken { access_token: "at".into(), refresh_token: Some("rt".into()) });
        assert_eq!(options.video_id.as_deref(), Some("vi1"));
        assert_eq!(options.video_name.as_deref(), Some("Été"));
        assert_eq!(options.api_host, "http://127.0.0.1:8787");
        assert_eq!((options.chunk_size, options.auto_chunk_size, options.retries, options.parallel_parts), (8 << 20, false, 0, 4));
        assert_eq!(options.stall_timeout_ms, None);
        assert_eq!(options.application, Some(Origin { name: "app".into(), version: "1.2".into() }));
        assert_eq!(options.sdk, Some(Origin { name: "sdk".into(), version: "3".into() }));
        assert_eq!(file_name, "clip.webm");
    }

    #[test]
    fn an_empty_text_that_was_given_is_not_an_absent_one() {
        // `videoId: ''` is given (and refused by validation with the official message);
        // an origin with a name only is an origin whose version is empty.
        let (texts, present) = pack(&[(API_KEY, "key"), (VIDEO_ID, ""), (ORIGIN_APPLICATION_NAME, "app"), (CHUNK_SIZE, "auto")]);
        let (options, _, _) = unpack(&texts, present);
        assert_eq!(options.credentials, Credentials::ApiKey("key".into()));
        assert_eq!(options.video_id.as_deref(), Some(""));
        assert_eq!(options.application, Some(Origin { name: "app".into(), version: String::new() }));
        assert_eq!(options.sdk, None);
        assert!(options.auto_chunk_size);
        assert_eq!(options.chunk_size, DEFAULT_CHUNK_SIZE);
    }

    #[test]
    fn flags_and_numbers_read_only_what_they_are() {
        let (texts, present) = pack(&[(0, "true"), (1, "false"), (2, "12x"), (3, "")]);
        let values = Slots::new(&texts, present);
        assert_eq!((values.flag(0), values.flag(1), values.flag(4)), (Some(true), Some(false), None));
        assert_eq!((values.number(2), values.number(3), values.number(COUNT + 5)), (None, None, None));
        assert_eq!(values.text(COUNT + 5), None);
    }
}
