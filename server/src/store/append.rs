//! Writing each byte once: a chunk that continues a video's source in order is streamed
//! straight onto the end of `videos/<id>/source.partial`, so that assembly is a rename.
//!
//! A video has at most one appender at a time (its [`AppendSlot`]); a chunk that arrives
//! out of order, or while another is being appended, is kept apart in `parts/` as before
//! and copied in at assembly. Bytes past the acknowledged length (an append cut short, or
//! a crash) are never the video's: the next append, and assembly, cut the file back to the
//! length the database records.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::chunks::{in_order, range_of, Target};
use super::videos::{read_video, Ingest};
use super::Store;
use crate::content_range::ContentRange;
use super::error::StoreError;

/// The file a video's source is built in until it is complete.
pub(super) const PARTIAL: &str = "source.partial";

/// Video ids, each held by at most one owner; shared by the store and the guards it hands out.
#[derive(Default)]
pub(super) struct Held {
    ids: Mutex<HashSet<String>>,
    released: Condvar,
}

impl Held {
    fn ids(&self) -> MutexGuard<'_, HashSet<String>> {
        self.ids.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes `id` if nobody holds it.
    pub(super) fn try_hold(self: &Arc<Self>, id: &str) -> Option<Hold> {
        self.ids().insert(id.to_owned()).then(|| Hold { held: self.clone(), id: id.to_owned() })
    }

    /// Takes `id`, waiting for its holder to let go (holders never wait on anything else).
    pub(super) fn hold(self: &Arc<Self>, id: &str) -> Hold {
        let mut ids = self.ids();
        while ids.contains(id) {
            ids = self.released.wait(ids).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        ids.insert(id.to_owned());
        Hold { held: self.clone(), id: id.to_owned() }
    }
}

/// One video id, held until dropped.
pub(super) struct Hold {
    held: Arc<Held>,
    id: String,
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.held.ids().remove(&self.id);
        self.held.released.notify_all();
    }
}

/// The right to append one chunk to a video's source, from `offset` on. Dropped without
/// [`AppendSlot::keep`] (the body was cut short, the chunk was refused), it cuts the file
/// back to `offset`, and lets the next appender in.
pub struct AppendSlot {
    video_id: String,
    path: PathBuf,
    offset: u64,
    kept: bool,
    _hold: Hold,
}

impl AppendSlot {
    /// The video this slot appends to.
    pub fn video_id(&self) -> &str {
        &self.video_id
    }

    /// The acknowledged length of the source: where this chunk's bytes start.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Opens the file at the acknowledged end, dropping whatever lies past it.
    pub fn open(&self) -> io::Result<File> {
        let mut file = OpenOptions::new().create(true).write(true).truncate(false).open(&self.path)?;
        file.set_len(self.offset)?;
        file.seek(SeekFrom::Start(self.offset))?;
        Ok(file)
    }

    /// The video's directory, whose entry for a new file must be made durable.
    pub(super) fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The chunk is recorded: its bytes stay.
    pub(super) fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for AppendSlot {
    fn drop(&mut self) {
        if !self.kept {
            if let Ok(file) = OpenOptions::new().write(true).open(&self.path) {
                let _ = file.set_len(self.offset);
            }
        }
    }
}

impl Store {
    /// The slot to append a chunk sent with `range` to `target`'s video, when the chunk
    /// would continue its source in order and nobody else is appending to it; `None` means
    /// "receive it apart" (which is also where a chunk that will be refused goes: the
    /// commit gives the reason). Blocking: call it from a blocking task.
    pub fn begin_append(&self, target: &Target, range: Option<ContentRange>) -> Result<Option<AppendSlot>, StoreError> {
        let (id, token) = match target {
            Target::Token { video_id: Some(id), token, expired } => (id, Some((token, *expired))),
            Target::Video(id) => (id, None),
            // A new video: its first chunk is received apart and renamed into place.
            Target::Token { video_id: None, .. } => return Ok(None),
        };
        let Some(hold) = self.appending.try_hold(id) else { return Ok(None) };
        let video = {
            let db = self.db();
            read_video(&db, id)?
        };
        let Some(video) = video else { return Ok(None) };
        let allowed = match token {
            Some((token, expired)) => self.owner_alive(&video).and_then(|alive| super::chunks::owner_check(&video, token, expired, alive)).is_ok(),
            None => true,
        };
        let open = matches!(video.ingest, Ingest::Empty | Ingest::Uploading);
        match range_of(range, &video.ledger) {
            Ok(range) if allowed && open && in_order(video.placed, range) => {
                let dir = self.video_dir(&video.id);
                std::fs::create_dir_all(&dir)?;
                Ok(Some(AppendSlot { video_id: video.id.clone(), path: dir.join(PARTIAL), offset: video.placed.bytes, kept: false, _hold: hold }))
            }
            _ => Ok(None),
        }
    }
}
