//! The names of each event's fields as JavaScript sees them, in the order the shell writes
//! them. The shell builds every event object from these lists; `tests/fixtures/contract.json`
//! holds them too, and the TypeScript declarations are checked against that file by
//! `tests/unit/contract.test.mjs`, so a field renamed on one side fails a test in seconds.

/// A file upload's `progress` (`UploadProgressEvent`).
pub const PROGRESS: [&str; 8] =
    ["uploadedBytes", "totalBytes", "chunksCount", "chunksBytes", "currentChunk", "currentChunkUploadedBytes", "bytesPerSecond", "etaSeconds"];
/// A stream's `progress` (`ProgressiveUploadProgressEvent`).
pub const PART_PROGRESS: [&str; 3] = ["part", "uploadedBytes", "totalBytes"];
/// `chunk` (`ChunkEventDetail`).
pub const CHUNK: [&str; 8] = ["chunk", "chunksCount", "leadingChunks", "leadingBytes", "videoId", "uploadedBytes", "chunksBytes", "startedChunks"];
/// `retry` (`RetryEventDetail`).
pub const RETRY: [&str; 4] = ["attempt", "delay", "reason", "error"];
/// `warning` (`WarningEventDetail`).
pub const WARNING: [&str; 2] = ["code", "message"];

// The contract file is read with serde_json, a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn the_fields_are_the_contracts() {
        let contract: serde_json::Value = serde_json::from_str(include_str!("../tests/fixtures/contract.json")).unwrap();
        let fields = |name: &str| -> Vec<String> {
            contract["eventFields"][name].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(fields("UploadProgressEvent"), PROGRESS);
        assert_eq!(fields("ProgressiveUploadProgressEvent"), PART_PROGRESS);
        assert_eq!(fields("ChunkEventDetail"), CHUNK);
        assert_eq!(fields("RetryEventDetail"), RETRY);
        assert_eq!(fields("WarningEventDetail"), WARNING);
    }
}
