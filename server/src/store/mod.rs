//! Durable server state: metadata in SQLite (`DATA_DIR/upload-server.db`), bytes in files.
//!
//! File layout under the data dir: `tmp/` holds request bodies being received apart;
//! `videos/<id>/source.partial` is the source being built, onto which chunks that arrive
//! in order are appended as they arrive (each byte written once); `videos/<id>/parts/<key>`
//! holds chunks that arrived out of order, copied in at assembly; `videos/<id>/source` is
//! the assembled file. The order of writes is what makes a crash harmless: a chunk's bytes
//! are fsynced and in place *before* the row that records it commits, so the database never
//! claims bytes the disk does not have. Bytes past the recorded length of `source.partial`
//! are cut off by the next append or the assembly, and an unrecorded file in `parts/` is
//! overwritten when the client sends the chunk again.

mod append;
mod chunks;
mod error;
mod schema;
mod tokens;
mod videos;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

use crate::ids;

pub use append::AppendSlot;
pub use chunks::{Committed, NewChunk, Received, Target};
pub use error::{Assembly, StoreError};
pub use tokens::{TokenSort, UploadToken};
pub use videos::{Ingest, Metadata, Placed, Video, VideoFields, VideoSort};

/// Sort direction of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

impl Order {
    fn sql(self) -> &'static str {
        match self {
            Order::Asc => "ASC",
            Order::Desc => "DESC",
        }
    }
}

/// A page of a listing: 1-based page number and page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based.
    pub current: u64,
    /// Items per page.
    pub size: u64,
}

impl Page {
    fn offset(self) -> i64 {
        ((self.current - 1) * self.size) as i64
    }
}

/// The server's state.
pub struct Store {
    root: PathBuf,
    db: Mutex<Connection>,
    /// Free space kept on the data disk: an assembly that would leave less waits (507).
    min_free_bytes: std::sync::atomic::AtomicU64,
    /// Videos with a chunk being appended, or being assembled: one of either at a time.
    appending: std::sync::Arc<append::Held>,
    /// Videos with a chunk being committed: one commit per video at a time.
    committing: std::sync::Arc<append::Held>,
}

/// Free space an assembly leaves on the data disk, by default.
pub const DEFAULT_MIN_FREE_BYTES: u64 = 64 * 1024 * 1024;

impl Store {
    /// Opens (creating) the data directory at `root`, and finishes whatever a crash
    /// interrupted: bodies half received are dropped, complete uploads half assembled are
    /// assembled.
    pub fn open(root: &Path) -> io::Result<Store> {
        fs::create_dir_all(root.join("videos"))?;
        // Bodies in tmp/ were never acknowledged: the clients will send them again.
        let _ = fs::remove_dir_all(root.join("tmp"));
        fs::create_dir_all(root.join("tmp"))?;
        let store = Store::open_beside_server(root)?;
        store.recover().map_err(|error| io::Error::other(format!("{error:?}")))?;
        Ok(store)
    }

    /// Opens the data directory for a tool (the `tokens` command) that may run beside a
    /// server: nothing is cleaned up or recovered, since the server may be mid-request.
    pub fn open_beside_server(root: &Path) -> io::Result<Store> {
        fs::create_dir_all(root)?;
        let db_path = root.join("upload-server.db");
        let db = schema::open(&db_path).map_err(io::Error::other)?;
        // Tokens and keys are stored in plain text: only this user may read them.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(root, fs::Permissions::from_mode(0o700))?;
            for file in [db_path.clone(), root.join("upload-server.db-wal"), root.join("upload-server.db-shm")] {
                if file.exists() {
                    fs::set_permissions(&file, fs::Permissions::from_mode(0o600))?;
                }
            }
        }
        Ok(Store {
            root: root.to_owned(),
            db: Mutex::new(db),
            min_free_bytes: DEFAULT_MIN_FREE_BYTES.into(),
            appending: Default::default(),
            committing: Default::default(),
        })
    }

    /// Sets the free space an assembly must leave on the data disk (`--min-free-bytes`).
    pub fn set_min_free_bytes(&self, bytes: u64) {
        self.min_free_bytes.store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    fn db(&self) -> MutexGuard<'_, Connection> {
        // Every change is one SQLite transaction, so a panic elsewhere while the lock was
        // held cannot leave the data half changed.
        self.db.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new path under `tmp/` for a body being received.
    pub fn temp_path(&self) -> PathBuf {
        self.root.join("tmp").join(ids::secret())
    }

    fn video_dir(&self, id: &str) -> PathBuf {
        self.root.join("videos").join(id)
    }

    /// The assembled source file of a video.
    pub fn source_path(&self, id: &str) -> PathBuf {
        self.video_dir(id).join("source")
    }
}

/// Makes a rename durable: the directory entry is on disk when this returns.
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}
