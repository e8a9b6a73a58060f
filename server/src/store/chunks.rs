//! Accepting chunks and assembling complete sources.

use std::fs;
use std::io;
use std::path::PathBuf;

use rusqlite::params;

use super::videos::{insert_video, read_video, set_ingest, Ingest, Placed, Video, VideoFields};
use super::append::{AppendSlot, PARTIAL};
use super::error::{Assembly, StoreError};
use super::{sync_dir, Store};
use crate::content_range::ContentRange;
use crate::ledger::Ledger;
use crate::time;
use crate::ids;
use crate::parts::Accepted;

/// Which video a chunk is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A delegated upload: the `videoId` form field if given, else a new video.
    Token {
        /// The request's upload token, recorded on a new video.
        token: String,
        /// The `videoId` form field.
        video_id: Option<String>,
        /// Whether the token has expired (it may still finish a video it started).
        expired: bool,
    },
    /// `POST /videos/{id}/source`.
    Video(String),
}

/// Where a chunk's body was received.
pub enum Received {
    /// Under `tmp/`, fsynced: placed by the commit.
    Apart(PathBuf),
    /// Already appended to the video's source, fsynced, through this slot.
    Appended(AppendSlot),
}

/// A received chunk, ready to be committed.
pub struct NewChunk {
    /// Which video.
    pub target: Target,
    /// Multipart filename: the title of a video the chunk creates.
    pub file_name: String,
    /// The `Content-Range`; `None` for a single-request upload.
    pub range: Option<ContentRange>,
    /// The received body.
    pub body: Received,
    /// Its size.
    pub size: u64,
}

/// The range a chunk stands for: its `Content-Range`, or, without one, the whole file in one
/// request, which only an upload not yet begun may be.
pub(super) fn range_of(range: Option<ContentRange>, ledger: &Ledger) -> Result<ContentRange, StoreError> {
    match range {
        Some(range) => Ok(range),
        None if ledger.is_empty() => Ok(ContentRange::Part { part: 1, total: Some(1) }),
        None => Err(StoreError::ContentRangeAlreadyInitiated),
    }
}

/// Whether a chunk sent with `range` would continue a video's source in order, right after
/// the chunks already placed in it: part `n + 1` after `n` parts, or the byte range that
/// starts where the placed bytes end.
pub(super) fn in_order(placed: Placed, range: ContentRange) -> bool {
    match range {
        ContentRange::Part { part, .. } => part == placed.chunks + 1,
        ContentRange::Bytes { from, .. } => from == placed.bytes,
    }
}

/// What committing a chunk led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// More chunks are expected.
    Pending {
        /// The video the chunk belongs to.
        video_id: String,
    },
    /// This chunk completed the upload; call [`Store::assemble`].
    Complete {
        /// The video the chunk belongs to.
        video_id: String,
    },
}

/// Whether `token` may upload into `video`, and whether it claims it by doing so. A token
/// writes only into a video it started, or into an empty container (`POST /videos`) that
/// no token has begun to fill, which becomes its own, or into an unfinished video whose
/// token is dead (expired or deleted: `owner_alive` false), which it takes over: the token
/// an app's backend mints after one was withdrawn carries the upload on into the same video.
/// An expired token may only finish a video it started. Video ids are public (player
/// links), so knowing one proves nothing.
pub(super) fn owner_check(video: &Video, token: &str, expired: bool, owner_alive: bool) -> Result<bool, StoreError> {
    match video.token.as_deref() {
        Some(owner) if owner == token => Ok(false),
        _ if expired => Err(StoreError::UploadTokenInvalid),
        None if video.ingest == Ingest::Empty => Ok(true),
        Some(_) if !owner_alive && video.ingest == Ingest::Uploading => Ok(true),
        _ => Err(StoreError::VideoOfAnotherUpload),
    }
}

impl Store {
    /// Whether the token that started `video` still uploads: it exists and has not expired.
    pub(super) fn owner_alive(&self, video: &Video) -> Result<bool, StoreError> {
        match video.token.as_deref() {
            Some(owner) => Ok(self.upload_token(owner)?.is_some_and(|t| !t.is_expired(time::now()))),
            None => Ok(false),
        }
    }
}

/// Bytes available to this process on the filesystem holding `path`.
#[cfg(unix)]
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: `path` is a valid NUL-terminated string and `stat` a zeroed struct that
    // statvfs fills in; nothing else is read or kept.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    // The field types differ between platforms (u32 on some): widen explicitly.
    #[allow(clippy::useless_conversion)]
    Some(u64::from(stat.f_bavail).saturating_mul(u64::from(stat.f_frsize)))
}

#[cfg(not(unix))]
fn free_bytes(_: &std::path::Path) -> Option<u64> {
    None
}

impl Store {
    /// Validates a chunk against its video and, if it passes, puts its bytes in place and
    /// records it, in that order, so the database never claims bytes the disk lacks. A chunk
    /// that would create a video creates it only if it passes. Commits of one video are
    /// serialised by a hold on its id; the database lock is taken only for the reads and the
    /// final write, never across file I/O. Blocking: call it from a blocking task.
    pub fn commit_chunk(&self, new: NewChunk) -> Result<Committed, StoreError> {
        let target_id = match &new.target {
            Target::Token { video_id: Some(id), .. } | Target::Video(id) => Some(id.clone()),
            Target::Token { video_id: None, .. } => None,
        };
        let _hold = target_id.as_deref().map(|id| self.committing.hold(id));
        let existing = match &target_id {
            Some(id) => {
                let db = self.db();
                Some(read_video(&db, id)?.ok_or(StoreError::VideoNotFound)?)
            }
            None => None,
        };
        let (token, claim) = match (&new.target, &existing) {
            (Target::Token { token, expired, .. }, Some(video)) => (None, owner_check(video, token, *expired, self.owner_alive(video)?)?.then_some(token.as_str())),
            (Target::Video(_), _) => (None, None),
            (Target::Token { expired: true, .. }, None) => return Err(StoreError::UploadTokenInvalid),
            (Target::Token { token, .. }, None) => (Some(token.as_str()), None),
        };
        let (video_id, mut ledger) = match &existing {
            Some(video) => {
                // Every part arrived but the source is not assembled (the disk was full, say):
                // any part sent again is the client's retry, and gets another assembly.
                if video.ingest == Ingest::Assembling {
                    return Ok(Committed::Complete { video_id: video.id.clone() });
                }
                if video.ingest == Ingest::Uploaded {
                    return Err(StoreError::AlreadyUploaded);
                }
                (video.id.clone(), video.ledger.clone())
            }
            None => (ids::video_id(), Default::default()),
        };
        let range = range_of(new.range, &ledger)?;
        let (key, accepted) = ledger.accept(range, new.size)?;

        // The bytes, without the database lock.
        let dir = self.video_dir(&video_id);
        let placed = match &new.body {
            Received::Appended(slot) => {
                if slot.video_id() != video_id || existing.as_ref().map(|v| v.placed.bytes) != Some(slot.offset()) {
                    // The slot was taken for this video's current state; nothing else
                    // appends while it is held, so this is a bug, not a race.
                    tracing::error!(video_id = %video_id, "an append slot does not match its video");
                    return Err(StoreError::Internal);
                }
                if slot.offset() == 0 {
                    sync_dir(slot.dir())?;
                }
                true
            }
            // The first chunk of a new video starts its source: a rename, not a copy.
            Received::Apart(file) if existing.is_none() && in_order(Placed::default(), range) => {
                fs::create_dir_all(&dir)?;
                fs::rename(file, dir.join(PARTIAL))?;
                sync_dir(&dir)?;
                true
            }
            Received::Apart(file) => {
                // An unrecorded file already there is a leftover of a crash: replaced.
                let parts = dir.join("parts");
                fs::create_dir_all(&parts)?;
                fs::rename(file, parts.join(key.to_string()))?;
                sync_dir(&parts)?;
                false
            }
        };

        let recorded = (|| -> Result<(), StoreError> {
            let mut db = self.db();
            let tx = db.transaction()?;
            if existing.is_none() {
                let fields = VideoFields { title: Some(new.file_name.clone()), ..VideoFields::default() };
                insert_video(&tx, &video_id, &fields, token)?;
            }
            if let Some(token) = claim {
                // The container (or the dead token's video) is this token's from now on: no
                // other token can fill it.
                tx.execute("UPDATE videos SET token = ?1 WHERE id = ?2", params![token, video_id])?;
            }
            let ingest = match accepted {
                Accepted::Pending => Ingest::Uploading,
                Accepted::Complete => Ingest::Assembling,
            };
            tx.execute(
                "INSERT INTO chunks (video_id, key, size, placed) VALUES (?1, ?2, ?3, ?4)",
                params![video_id, key as i64, new.size as i64, placed],
            )?;
            set_ingest(&tx, &video_id, &ledger, ingest, None)?;
            tx.commit()?;
            Ok(())
        })();
        if let Err(problem) = recorded {
            if existing.is_none() {
                // Nobody knows this video: nothing of it may stay.
                let _ = fs::remove_dir_all(&dir);
            }
            return Err(problem);
        }
        if let Received::Appended(slot) = new.body {
            slot.keep();
        }
        Ok(match accepted {
            Accepted::Pending => Committed::Pending { video_id },
            Accepted::Complete => Committed::Complete { video_id },
        })
    }

    /// Concatenates a complete video's chunks, in key order, into its source file, then
    /// marks it uploaded and removes the chunks. Blocking: call it from a blocking task.
    pub fn assemble(&self, video_id: &str) -> Result<Video, StoreError> {
        let video = self.video(video_id)?.ok_or(StoreError::VideoNotFound)?;
        if video.ingest == Ingest::Uploaded {
            return Ok(video);
        }
        // One assembly of a video at a time, and none while a chunk is still being appended
        // (a copy of it sent apart completed the upload): a retry is told to come back.
        let Some(_hold) = self.appending.try_hold(video_id) else {
            return Err(StoreError::NotAssembled(Assembly::Busy));
        };
        // Read again under the hold: the placed chunks cannot change now.
        let video = self.video(video_id)?.ok_or(StoreError::VideoNotFound)?;
        let dir = self.video_dir(video_id);
        let partial = dir.join(PARTIAL);
        let size = match self.write_source(&video, &dir, &partial) {
            Ok(size) => size,
            Err(problem) => {
                // The parts stay, the video stays "assembling", and what was copied in is
                // cut off again: a re-sent part (or a restart) assembles it once there is room.
                if let Ok(file) = fs::OpenOptions::new().write(true).open(&partial) {
                    let _ = file.set_len(video.placed.bytes);
                }
                return Err(problem);
            }
        };
        {
            let mut db = self.db();
            let tx = db.transaction()?;
            set_ingest(&tx, video_id, &video.ledger, Ingest::Uploaded, Some(size))?;
            tx.execute("DELETE FROM chunks WHERE video_id = ?1", [video_id])?;
            tx.commit()?;
        }
        // The source is recorded: the chunks are no longer needed.
        let _ = fs::remove_dir_all(dir.join("parts"));
        self.video(video_id)?.ok_or(StoreError::VideoNotFound)
    }

    /// Appends the chunks kept apart to `partial` after the placed ones (those always come
    /// first), fsyncs it and renames it to the source. An upload whose chunks all came in
    /// order copies nothing.
    fn write_source(&self, video: &Video, dir: &std::path::Path, partial: &std::path::Path) -> Result<u64, StoreError> {
        let chunks: Vec<(u64, u64)> = video.ledger.chunks().into_iter().skip(video.placed.chunks as usize).collect();
        let needed: u64 = chunks.iter().map(|(_, size)| size).sum();
        let reserve = self.min_free_bytes.load(std::sync::atomic::Ordering::Relaxed);
        // Chunks that all came in order need no room: the assembly is a rename.
        if let Some(free) = free_bytes(dir).filter(|_| needed > 0) {
            if free < needed.saturating_add(reserve) {
                tracing::warn!(video_id = %video.id, needed, free, reserve, "not enough free space to assemble");
                return Err(StoreError::NotAssembled(Assembly::NoRoom));
            }
        }
        let write = || -> io::Result<Option<u64>> {
            let mut out = fs::OpenOptions::new().create(true).write(true).truncate(false).open(partial)?;
            // Past the placed bytes lies nothing of the video's (an append cut short).
            out.set_len(video.placed.bytes)?;
            io::Seek::seek(&mut out, io::SeekFrom::End(0))?;
            let mut size = video.placed.bytes;
            for (key, expected) in &chunks {
                let mut input = fs::File::open(dir.join("parts").join(key.to_string()))?;
                let copied = io::copy(&mut input, &mut out)?;
                if copied != *expected {
                    tracing::error!(video_id = %video.id, key, copied, expected, "chunk file size changed on disk");
                    return Ok(None);
                }
                size += copied;
            }
            out.sync_all()?;
            fs::rename(partial, self.source_path(&video.id))?;
            sync_dir(dir)?;
            Ok(Some(size))
        };
        match write() {
            Ok(Some(size)) => Ok(size),
            Ok(None) => Err(StoreError::NotAssembled(Assembly::Failed)),
            Err(error) if error.kind() == io::ErrorKind::StorageFull => {
                tracing::warn!(video_id = %video.id, %error, "the disk filled up during assembly");
                Err(StoreError::NotAssembled(Assembly::NoRoom))
            }
            Err(error) => {
                tracing::error!(video_id = %video.id, %error, "assembly failed");
                Err(StoreError::NotAssembled(Assembly::Failed))
            }
        }
    }

    /// Finishes what a crash interrupted: assembles uploads whose last chunk was
    /// acknowledged, and removes chunk files already assembled.
    pub(super) fn recover(&self) -> Result<(), StoreError> {
        for id in self.video_ids_in("assembling")? {
            tracing::info!(video_id = %id, "assembling an upload interrupted by a restart");
            // Still no room, say: the server starts anyway, and the client's retry of the
            // last part assembles it later.
            if let Err(problem) = self.assemble(&id) {
                tracing::warn!(video_id = %id, ?problem, "assembly after restart failed; it is retried when a part is sent again");
            }
        }
        for id in self.video_ids_in("uploaded")? {
            let _ = fs::remove_dir_all(self.video_dir(&id).join("parts"));
        }
        Ok(())
    }

    fn video_ids_in(&self, ingest: &str) -> Result<Vec<String>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare("SELECT id FROM videos WHERE ingest = ?1")?;
        let rows = statement.query_map([ingest], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
