//! Upload tokens, access tokens and refresh tokens.

use rusqlite::{params, OptionalExtension};

use super::{Order, Page, Store};
use crate::ids;
use super::error::StoreError;
use crate::time;

/// Lifetime of refresh tokens: 30 days.
const REFRESH_TOKEN_LIFETIME: u64 = 30 * 24 * 3600;

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
        // The clock counts whole seconds and `created_at` is rounded down, so a token lives
        // at least its ttl (and less than a second more): `ttl: 1` is never dead on arrival.
        self.expires_at().is_some_and(|at| now > at)
    }
}

/// What upload-token listings sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSort {
    /// Creation time.
    CreatedAt,
    /// TTL.
    Ttl,
}

impl Store {
    /// Mints an upload token.
    pub fn create_upload_token(&self, ttl: u64) -> Result<UploadToken, StoreError> {
        let token = UploadToken { token: ids::upload_token(), ttl, created_at: time::now() };
        self.db().execute(
            "INSERT INTO upload_tokens (token, ttl, created_at) VALUES (?1, ?2, ?3)",
            params![token.token, token.ttl as i64, token.created_at as i64],
        )?;
        Ok(token)
    }

    /// A token by id, expired or not.
    pub fn upload_token(&self, token: &str) -> Result<Option<UploadToken>, StoreError> {
        Ok(self
            .db()
            .query_row("SELECT token, ttl, created_at FROM upload_tokens WHERE token = ?1", [token], |row| {
                Ok(UploadToken { token: row.get(0)?, ttl: row.get::<_, i64>(1)? as u64, created_at: row.get::<_, i64>(2)? as u64 })
            })
            .optional()?)
    }

    /// Active (unexpired) tokens, one page of them, and how many there are in all.
    pub fn list_upload_tokens(&self, sort: TokenSort, order: Order, page: Page) -> Result<(Vec<UploadToken>, u64), StoreError> {
        let now = time::now() as i64;
        let db = self.db();
        let active = "ttl = 0 OR created_at + ttl >= ?1";
        let total: i64 = db.query_row(&format!("SELECT COUNT(*) FROM upload_tokens WHERE {active}"), [now], |r| r.get(0))?;
        let column = match sort {
            TokenSort::CreatedAt => "created_at",
            TokenSort::Ttl => "ttl",
        };
        let mut statement = db.prepare(&format!(
            "SELECT token, ttl, created_at FROM upload_tokens WHERE {active} ORDER BY {column} {order}, rowid {order} LIMIT ?2 OFFSET ?3",
            order = order.sql()
        ))?;
        let tokens = statement
            .query_map(params![now, page.size as i64, page.offset()], |row| {
                Ok(UploadToken { token: row.get(0)?, ttl: row.get::<_, i64>(1)? as u64, created_at: row.get::<_, i64>(2)? as u64 })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((tokens, total as u64))
    }

    /// Deletes a token; `false` when there was none.
    pub fn delete_upload_token(&self, token: &str) -> Result<bool, StoreError> {
        Ok(self.db().execute("DELETE FROM upload_tokens WHERE token = ?1", [token])? > 0)
    }

    /// Checks the upload token of a request before any of its body is read: a missing,
    /// unknown or deleted token is a 401. Returns whether it has expired, which matters
    /// only once the request's target is known (an expired token may finish a video it
    /// started, nothing else).
    pub fn upload_token_expired(&self, token: Option<&str>) -> Result<bool, StoreError> {
        let token = token.filter(|t| !t.is_empty()).ok_or(StoreError::UploadTokenMissing)?;
        match self.upload_token(token)? {
            Some(t) => Ok(t.is_expired(time::now())),
            None => Err(StoreError::UploadTokenInvalid),
        }
    }

    /// Mints an access token valid for `lifetime` seconds, with a refresh token.
    pub fn create_access_token(&self, lifetime: u64) -> Result<(String, String), StoreError> {
        let (access, refresh) = (ids::secret(), ids::secret());
        let now = time::now();
        let mut db = self.db();
        let tx = db.transaction()?;
        tx.execute("DELETE FROM access_tokens WHERE expires_at <= ?1", [now as i64])?;
        tx.execute("DELETE FROM refresh_tokens WHERE expires_at <= ?1", [now as i64])?;
        tx.execute("INSERT INTO access_tokens VALUES (?1, ?2)", params![access, (now + lifetime) as i64])?;
        tx.execute(
            "INSERT INTO refresh_tokens (token, expires_at, access_token) VALUES (?1, ?2, ?3)",
            params![refresh, (now + REFRESH_TOKEN_LIFETIME) as i64, access],
        )?;
        tx.commit()?;
        Ok((access, refresh))
    }

    /// Whether `token` is a live access token.
    pub fn access_token_valid(&self, token: &str) -> Result<bool, StoreError> {
        let expires: Option<i64> = self
            .db()
            .query_row("SELECT expires_at FROM access_tokens WHERE token = ?1", [token], |r| r.get(0))
            .optional()?;
        Ok(expires.is_some_and(|at| time::now() < at as u64))
    }

    /// Spends a refresh token: `true` if it was live (it is gone either way).
    pub fn take_refresh_token(&self, token: &str) -> Result<bool, StoreError> {
        let now = time::now() as i64;
        let mut db = self.db();
        let tx = db.transaction()?;
        let access: Option<Option<String>> = tx
            .query_row("SELECT access_token FROM refresh_tokens WHERE token = ?1 AND expires_at > ?2", params![token, now], |r| r.get(0))
            .optional()?;
        let Some(access) = access else { return Ok(false) };
        tx.execute("DELETE FROM refresh_tokens WHERE token = ?1", [token])?;
        // A refresh replaces the pair: the access token it was issued with stops working.
        if let Some(access) = access {
            tx.execute("DELETE FROM access_tokens WHERE token = ?1", [access])?;
        }
        tx.commit()?;
        Ok(true)
    }
}
