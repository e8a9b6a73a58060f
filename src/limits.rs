//! The numbers the API and the official uploader fix, in one leaf module so that every other
//! module can use them without importing each other.

/// Smallest chunk the API accepts for any chunk but the last: 5 MiB.
pub const MIN_CHUNK_SIZE: u64 = 5 * 1024 * 1024;
/// Chunk size used when none is given: 50 MiB, as in every official client.
pub const DEFAULT_CHUNK_SIZE: u64 = 50 * 1024 * 1024;
/// Largest chunk the official clients allow: 128 MiB (the API itself takes up to 200 MiB).
pub const MAX_CHUNK_SIZE: u64 = 128 * 1024 * 1024;
/// Most chunks on the wire at once (`parallelParts`).
pub const MAX_PARALLEL_PARTS: u32 = 8;
/// Largest video api.video accepts: 30 GiB.
pub const MAX_FILE_SIZE: u64 = 30 * 1024 * 1024 * 1024;
/// The production API host.
pub const DEFAULT_API_HOST: &str = "ws.api.video";
/// Attempts after the first, per piece, when none is given: the official uploader's 6.
pub const DEFAULT_RETRIES: u32 = 6;
/// The name in `AV-Origin-Client`.
pub const CLIENT_NAME: &str = "wasm-video-uploader";
/// How long a request may go without upload progress or an answer before it ends as a
/// timeout (and is retried): 30 s.
pub const DEFAULT_STALL_TIMEOUT_MS: u32 = 30_000;
