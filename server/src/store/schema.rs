//! The SQLite schema and connection settings.

use std::path::Path;

use rusqlite::Connection;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS upload_tokens (
    token      TEXT PRIMARY KEY,
    ttl        INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS access_tokens (
    token      TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token        TEXT PRIMARY KEY,
    expires_at   INTEGER NOT NULL,
    access_token TEXT
);
CREATE TABLE IF NOT EXISTS videos (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    public      INTEGER NOT NULL DEFAULT 1,
    panoramic   INTEGER NOT NULL DEFAULT 0,
    mp4_support INTEGER NOT NULL DEFAULT 1,
    tags        TEXT NOT NULL DEFAULT '[]',
    metadata    TEXT NOT NULL DEFAULT '[]',
    language    TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    token       TEXT,
    mode        TEXT,
    total       INTEGER,
    ingest      TEXT NOT NULL,
    size        INTEGER
);
CREATE TABLE IF NOT EXISTS chunks (
    video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    key      INTEGER NOT NULL,
    size     INTEGER NOT NULL,
    placed   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (video_id, key)
);
";

/// Opens the database with durable settings: WAL, and a full fsync at every commit, so
/// an answered request is on disk.
pub(super) fn open(path: &Path) -> rusqlite::Result<Connection> {
    let db = Connection::open(path)?;
    db.busy_timeout(std::time::Duration::from_secs(5))?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "FULL")?;
    db.pragma_update(None, "foreign_keys", "ON")?;
    db.execute_batch(SCHEMA)?;
    // Data dirs made before refresh tokens remembered their access token.
    let has_access: bool = db.query_row("SELECT COUNT(*) FROM pragma_table_info('refresh_tokens') WHERE name = 'access_token'", [], |r| r.get::<_, i64>(0))? > 0;
    if !has_access {
        db.execute_batch("ALTER TABLE refresh_tokens ADD COLUMN access_token TEXT")?;
    }
    // Data dirs made before in-order chunks were appended in place: their chunks are all
    // kept apart, which is what 0 says.
    let has_placed: bool = db.query_row("SELECT COUNT(*) FROM pragma_table_info('chunks') WHERE name = 'placed'", [], |r| r.get::<_, i64>(0))? > 0;
    if !has_placed {
        db.execute_batch("ALTER TABLE chunks ADD COLUMN placed INTEGER NOT NULL DEFAULT 0")?;
    }
    Ok(db)
}
