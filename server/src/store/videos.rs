//! Video records: creation, reads, updates, deletion, listings.

use std::fs;

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{Order, Page, Store};
use crate::ids;
use crate::ledger::Ledger;
use super::error::StoreError;
use crate::time;

/// Where a video's source stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingest {
    /// A container with no chunk yet.
    Empty,
    /// Chunks are arriving.
    Uploading,
    /// Every chunk arrived; the source is being assembled.
    Assembling,
    /// The source is complete on disk.
    Uploaded,
}

impl Ingest {
    fn as_str(self) -> &'static str {
        match self {
            Ingest::Empty => "empty",
            Ingest::Uploading => "uploading",
            Ingest::Assembling => "assembling",
            Ingest::Uploaded => "uploaded",
        }
    }

    fn parse(text: &str) -> Ingest {
        match text {
            "uploading" => Ingest::Uploading,
            "assembling" => Ingest::Assembling,
            "uploaded" => Ingest::Uploaded,
            _ => Ingest::Empty,
        }
    }
}

/// A `{key, value}` metadata pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// The editable fields of a video; `None` leaves a field as it is (or at its default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VideoFields {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Public or private.
    pub public: Option<bool>,
    /// 360° video.
    pub panoramic: Option<bool>,
    /// Whether an mp4 is offered.
    pub mp4_support: Option<bool>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Metadata pairs.
    pub metadata: Option<Vec<Metadata>>,
    /// Language code; `Some(None)` clears it.
    pub language: Option<Option<String>>,
}

/// A video and its upload.
#[derive(Debug, Clone)]
pub struct Video {
    /// `vi…`
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Public or private.
    pub public: bool,
    /// 360° video.
    pub panoramic: bool,
    /// Whether an mp4 is offered.
    pub mp4_support: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// Metadata pairs.
    pub metadata: Vec<Metadata>,
    /// Language code.
    pub language: Option<String>,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub updated_at: u64,
    /// The upload token the video was started with, if any.
    pub token: Option<String>,
    /// Upload state.
    pub ingest: Ingest,
    /// The chunks received.
    pub ledger: Ledger,
    /// Size of the assembled source.
    pub size: Option<u64>,
    /// The chunks already written in place, into the source being built.
    pub placed: Placed,
}

/// The leading chunks of an upload that were appended to `source.partial` as they arrived
/// (the common, in-order case), so that assembly does not copy them again. They are always
/// the first chunks in key order: a chunk is appended only when it continues them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placed {
    /// How many chunks.
    pub chunks: u64,
    /// Their bytes: the acknowledged length of `source.partial`.
    pub bytes: u64,
}

/// What video listings sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoSort {
    /// Creation time.
    CreatedAt,
    /// Last update.
    UpdatedAt,
    /// Title.
    Title,
}

const COLUMNS: &str = "id, title, description, public, panoramic, mp4_support, tags, metadata, language, \
                       created_at, updated_at, token, mode, total, ingest, size";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Video> {
    let json = |index: usize| -> rusqlite::Result<String> { row.get(index) };
    let mode: Option<String> = row.get(12)?;
    Ok(Video {
        id: row.get(0)?,
        title: row.get(1)?,
        description: row.get(2)?,
        public: row.get(3)?,
        panoramic: row.get(4)?,
        mp4_support: row.get(5)?,
        tags: serde_json::from_str(&json(6)?).unwrap_or_default(),
        metadata: serde_json::from_str(&json(7)?).unwrap_or_default(),
        language: row.get(8)?,
        created_at: row.get::<_, i64>(9)? as u64,
        updated_at: row.get::<_, i64>(10)? as u64,
        token: row.get(11)?,
        ingest: Ingest::parse(&row.get::<_, String>(14)?),
        // Chunks are loaded separately, by `with_chunks`.
        ledger: Ledger::from_stored(mode.as_deref(), row.get::<_, Option<i64>>(13)?.map(|t| t as u64), Vec::new()),
        size: row.get::<_, Option<i64>>(15)?.map(|s| s as u64),
        placed: Placed::default(),
    })
}

impl Store {
    /// Creates an empty video container.
    pub fn create_video(&self, fields: VideoFields) -> Result<Video, StoreError> {
        let db = self.db();
        let id = ids::video_id();
        insert_video(&db, &id, &fields, None)?;
        read_video(&db, &id)?.ok_or(StoreError::Internal)
    }

    /// A video by id, with its chunks.
    pub fn video(&self, id: &str) -> Result<Option<Video>, StoreError> {
        read_video(&self.db(), id)
    }

    /// Changes the given fields of a video.
    pub fn update_video(&self, id: &str, fields: VideoFields) -> Result<Option<Video>, StoreError> {
        let db = self.db();
        let Some(mut video) = read_video(&db, id)? else { return Ok(None) };
        if let Some(title) = fields.title {
            video.title = title;
        }
        if let Some(description) = fields.description {
            video.description = description;
        }
        video.public = fields.public.unwrap_or(video.public);
        video.panoramic = fields.panoramic.unwrap_or(video.panoramic);
        video.mp4_support = fields.mp4_support.unwrap_or(video.mp4_support);
        if let Some(tags) = fields.tags {
            video.tags = tags;
        }
        if let Some(metadata) = fields.metadata {
            video.metadata = metadata;
        }
        if let Some(language) = fields.language {
            video.language = language;
        }
        video.updated_at = time::now();
        db.execute(
            "UPDATE videos SET title = ?2, description = ?3, public = ?4, panoramic = ?5, mp4_support = ?6, \
             tags = ?7, metadata = ?8, language = ?9, updated_at = ?10 WHERE id = ?1",
            params![
                id,
                video.title,
                video.description,
                video.public,
                video.panoramic,
                video.mp4_support,
                serde_json::to_string(&video.tags).unwrap_or_default(),
                serde_json::to_string(&video.metadata).unwrap_or_default(),
                video.language,
                video.updated_at as i64,
            ],
        )?;
        Ok(Some(video))
    }

    /// Deletes a video and its files; `false` when there was none.
    pub fn delete_video(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = self.db().execute("DELETE FROM videos WHERE id = ?1", [id])? > 0;
        if deleted {
            // The row is gone first: a crash here leaves only unreferenced files.
            let dir = self.video_dir(id);
            if dir.exists() {
                fs::remove_dir_all(dir)?;
            }
        }
        Ok(deleted)
    }

    /// One page of videos (optionally only those titled `title`), and how many match.
    pub fn list_videos(
        &self,
        title: Option<&str>,
        sort: VideoSort,
        order: Order,
        page: Page,
    ) -> Result<(Vec<Video>, u64), StoreError> {
        let db = self.db();
        let filter = "(?1 IS NULL OR title = ?1)";
        let total: i64 = db.query_row(&format!("SELECT COUNT(*) FROM videos WHERE {filter}"), [title], |r| r.get(0))?;
        let column = match sort {
            VideoSort::CreatedAt => "created_at",
            VideoSort::UpdatedAt => "updated_at",
            VideoSort::Title => "title",
        };
        let ids: Vec<String> = db
            .prepare(&format!(
                "SELECT id FROM videos WHERE {filter} ORDER BY {column} {order}, rowid {order} LIMIT ?2 OFFSET ?3",
                order = order.sql()
            ))?
            .query_map(params![title, page.size as i64, page.offset()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut videos = Vec::with_capacity(ids.len());
        for id in ids {
            videos.extend(read_video(&db, &id)?);
        }
        Ok((videos, total as u64))
    }
}

/// Inserts a video row; `token` is the upload token that starts it, if any.
pub(super) fn insert_video(
    db: &rusqlite::Connection,
    id: &str,
    fields: &VideoFields,
    token: Option<&str>,
) -> rusqlite::Result<()> {
    let now = time::now() as i64;
    db.execute(
        &format!("INSERT INTO videos ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, NULL, NULL, ?12, NULL)"),
        params![
            id,
            fields.title.clone().unwrap_or_default(),
            fields.description.clone().unwrap_or_default(),
            fields.public.unwrap_or(true),
            fields.panoramic.unwrap_or(false),
            fields.mp4_support.unwrap_or(true),
            serde_json::to_string(fields.tags.as_deref().unwrap_or_default()).unwrap_or_default(),
            serde_json::to_string(fields.metadata.as_deref().unwrap_or_default()).unwrap_or_default(),
            fields.language.clone().flatten(),
            now,
            token,
            Ingest::Empty.as_str(),
        ],
    )?;
    Ok(())
}

/// Reads a video and its chunks.
pub(super) fn read_video(db: &rusqlite::Connection, id: &str) -> Result<Option<Video>, StoreError> {
    let Some(mut video) =
        db.query_row(&format!("SELECT {COLUMNS} FROM videos WHERE id = ?1"), [id], from_row).optional()?
    else {
        return Ok(None);
    };
    let rows: Vec<(u64, u64, bool)> = db
        .prepare("SELECT key, size, placed FROM chunks WHERE video_id = ?1 ORDER BY key")?
        .query_map([id], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64, r.get::<_, bool>(2)?)))?
        .collect::<Result<_, _>>()?;
    for (_, size, placed) in &rows {
        if *placed {
            video.placed.chunks += 1;
            video.placed.bytes += size;
        }
    }
    let chunks = rows.into_iter().map(|(key, size, _)| (key, size)).collect();
    video.ledger = Ledger::from_stored(video.ledger.mode(), video.ledger.total(), chunks);
    Ok(Some(video))
}

/// Records the upload state of a video.
pub(super) fn set_ingest(
    db: &rusqlite::Connection,
    id: &str,
    ledger: &Ledger,
    ingest: Ingest,
    size: Option<u64>,
) -> rusqlite::Result<()> {
    db.execute(
        "UPDATE videos SET mode = ?2, total = ?3, ingest = ?4, size = ?5, updated_at = ?6 WHERE id = ?1",
        params![id, ledger.mode(), ledger.total().map(|t| t as i64), ingest.as_str(), size.map(|s| s as i64), time::now() as i64],
    )?;
    Ok(())
}
