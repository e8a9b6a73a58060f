//! Server state: upload tokens, access tokens and videos in memory; part and source files
//! on disk under the data directory.
//!
//! Layout: `tmp/` holds bodies being received; `videos/<id>/parts/<n>` holds accepted
//! parts; `videos/<id>/source` is the assembled file once every part has arrived.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::ids;
use crate::parts::{Accepted, PartLedger};
use crate::problem::Problem;
use crate::time;
use axum::http::StatusCode;

/// A delegated upload token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadToken {
    /// `to…`
    pub token: String,
    /// Lifetime in seconds; 0 = never expires.
    pub ttl: u64,
    /// Unix seconds.
    pub created_at: u64,
}

impl UploadToken {
    /// Unix seconds after which the token is invalid, if it expires.
    pub fn expires_at(&self) -> Option<u64> {
        (self.ttl > 0).then(|| self.created_at.saturating_add(self.ttl))
    }

    /// Whether the token has expired at `now`.
    pub fn is_expired(&self, now: u64) -> bool {
        self.expires_at().is_some_and(|at| now >= at)
    }
}

/// Where a video's upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingest {
    /// Parts are arriving.
    Uploading,
    /// Every part arrived; the source is being assembled.
    Assembling,
    /// The source is complete on disk.
    Uploaded,
}

/// A video and its upload.
#[derive(Debug, Clone)]
pub struct Video {
    /// `vi…`
    pub id: String,
    /// From the multipart filename of the first part.
    pub title: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub updated_at: u64,
    /// The upload token the video was started with.
    pub token: Option<String>,
    /// Parts received.
    pub ledger: PartLedger,
    /// Upload state.
    pub ingest: Ingest,
}

/// What committing a part led to.
#[derive(Debug)]
pub enum Committed {
    /// More parts are expected.
    Pending {
        /// The video the part belongs to.
        video_id: String,
    },
    /// This part completed the set; the caller must assemble and then call [`Store::finish`].
    Complete {
        /// The video the part belongs to.
        video_id: String,
    },
}

/// A part to commit.
#[derive(Debug)]
pub struct NewPart {
    /// The upload token of the request.
    pub token: String,
    /// `videoId` form field, if the request had one.
    pub video_id: Option<String>,
    /// Multipart filename, used as the title of a new video.
    pub file_name: String,
    /// 1-based part number.
    pub part: u64,
    /// Total parts, if known.
    pub total: Option<u64>,
    /// The received body, fsynced, under `tmp/`.
    pub file: PathBuf,
    /// Its size.
    pub size: u64,
}

#[derive(Default)]
struct State {
    upload_tokens: HashMap<String, UploadToken>,
    access_tokens: HashMap<String, u64>,
    videos: HashMap<String, Video>,
}

/// The server's state.
pub struct Store {
    root: PathBuf,
    state: Mutex<State>,
}

impl Store {
    /// Opens (creating) the data directory at `root`.
    pub fn open(root: &Path) -> io::Result<Store> {
        fs::create_dir_all(root.join("tmp"))?;
        fs::create_dir_all(root.join("videos"))?;
        Ok(Store { root: root.to_owned(), state: Mutex::default() })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the maps consistent (every mutation is a
        // single insert), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Mints an upload token.
    pub fn create_upload_token(&self, ttl: u64) -> UploadToken {
        let token = UploadToken { token: ids::upload_token(), ttl, created_at: time::now() };
        self.state().upload_tokens.insert(token.token.clone(), token.clone());
        token
    }

    /// Mints an access token valid for `lifetime` seconds.
    pub fn create_access_token(&self, lifetime: u64) -> String {
        let token = ids::secret();
        self.state().access_tokens.insert(token.clone(), time::now() + lifetime);
        token
    }

    /// Whether `token` is a live access token.
    pub fn access_token_valid(&self, token: &str) -> bool {
        self.state().access_tokens.get(token).is_some_and(|&expires| time::now() < expires)
    }

    /// A new path under `tmp/` for a body being received.
    pub fn temp_path(&self) -> PathBuf {
        self.root.join("tmp").join(ids::secret())
    }

    /// Checks the upload token of a request that will start a new video (`video_id` = None)
    /// or continue one. Expiry is checked only when an upload starts, so an upload begun in
    /// time may finish; a deleted token stops working at once.
    pub fn check_upload_token(&self, token: Option<&str>, continuing: bool) -> Result<(), Problem> {
        let token = token.filter(|t| !t.is_empty()).ok_or_else(|| {
            Problem::new(StatusCode::UNAUTHORIZED, "authentication-missing-upload-token", "The upload token is missing.")
                .name("token")
        })?;
        let state = self.state();
        match state.upload_tokens.get(token) {
            Some(t) if continuing || !t.is_expired(time::now()) => Ok(()),
            _ => Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                "authentication-invalid-upload-token",
                "The upload token is invalid or expired.",
            )
            .name("token")),
        }
    }

    /// Validates a part against its video and, if it passes, moves the file into place and
    /// records it. A part that creates a video creates it only once it has passed.
    pub fn commit_part(&self, new: NewPart) -> Result<Committed, Problem> {
        let mut state = self.state();
        let now = time::now();
        let (video_id, mut ledger) = match new.video_id.as_deref() {
            Some(id) => {
                let video = state.videos.get(id).ok_or_else(|| Problem::not_found("videoId"))?;
                if video.ingest != Ingest::Uploading {
                    return Err(Problem::bad_request(
                        "video-source-already-uploaded",
                        "The source of the video is already uploaded.",
                    )
                    .name("file"));
                }
                (id.to_owned(), video.ledger.clone())
            }
            None => (ids::video_id(), PartLedger::default()),
        };
        let accepted = ledger.accept(new.part, new.total, new.size)?;

        let parts = self.root.join("videos").join(&video_id).join("parts");
        fs::create_dir_all(&parts)?;
        fs::rename(&new.file, parts.join(new.part.to_string()))?;
        sync_dir(&parts)?;

        let ingest = match accepted {
            Accepted::Pending => Ingest::Uploading,
            Accepted::Complete => Ingest::Assembling,
        };
        let video = state.videos.entry(video_id.clone()).or_insert_with(|| Video {
            id: video_id.clone(),
            title: new.file_name.clone(),
            created_at: now,
            updated_at: now,
            token: Some(new.token.clone()),
            ledger: PartLedger::default(),
            ingest,
        });
        video.ledger = ledger;
        video.ingest = ingest;
        video.updated_at = now;
        Ok(match accepted {
            Accepted::Pending => Committed::Pending { video_id },
            Accepted::Complete => Committed::Complete { video_id },
        })
    }

    /// Concatenates a complete video's parts into its source file (blocking I/O: call it
    /// from a blocking task), then marks the video uploaded.
    pub fn assemble(&self, video_id: &str) -> Result<Video, Problem> {
        let ledger = self.video(video_id).ok_or_else(|| Problem::not_found("videoId"))?.ledger;
        let dir = self.root.join("videos").join(video_id);
        let partial = dir.join("source.partial");
        let mut out = fs::File::create(&partial)?;
        for (part, size) in ledger.parts() {
            let mut input = fs::File::open(dir.join("parts").join(part.to_string()))?;
            let copied = io::copy(&mut input, &mut out)?;
            if copied != size {
                tracing::error!(video_id, part, copied, size, "part file size changed on disk");
                return Err(Problem::internal());
            }
        }
        out.sync_all()?;
        fs::rename(&partial, dir.join("source"))?;
        sync_dir(&dir)?;
        fs::remove_dir_all(dir.join("parts"))?;
        let mut state = self.state();
        let video = state.videos.get_mut(video_id).ok_or_else(|| Problem::not_found("videoId"))?;
        video.ingest = Ingest::Uploaded;
        video.updated_at = time::now();
        Ok(video.clone())
    }

    /// A video by id.
    pub fn video(&self, id: &str) -> Option<Video> {
        self.state().videos.get(id).cloned()
    }

    /// The assembled source file of a video.
    pub fn source_path(&self, id: &str) -> PathBuf {
        self.root.join("videos").join(id).join("source")
    }
}

/// Makes a rename durable: the directory entry is on disk when this returns.
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}
