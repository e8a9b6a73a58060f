//! The state every handler shares, and the way handlers run blocking store work. A module
//! of its own, so that handlers and the router depend on it and not on each other.

use std::sync::Arc;

use crate::chaos::Chaos;
use crate::rate_limit::RateLimits;
use crate::store::{Store, StoreError};

/// Shared by all handlers.
#[derive(Clone)]
pub struct AppState {
    /// Tokens, videos and files.
    pub store: Arc<Store>,
    /// The one API key of this server.
    pub api_key: Arc<str>,
    /// Fault injection on the upload endpoints (`--chaos`), off when `None`.
    pub chaos: Option<Arc<Chaos>>,
    /// Per-minute limits (`--rate-limit`), off when `None`.
    pub rate_limits: Option<Arc<RateLimits>>,
    /// Refused credentials by peer: a guesser is slowed, no one else (see `guard`).
    pub guard: Arc<crate::guard::Guard>,
}

impl AppState {
    /// State over `store` with `api_key`.
    pub fn new(store: Store, api_key: &str) -> AppState {
        AppState {
            store: Arc::new(store),
            api_key: api_key.into(),
            chaos: None,
            rate_limits: None,
            guard: Arc::default(),
        }
    }

    /// Turns on fault injection.
    pub fn with_chaos(mut self, chaos: Chaos) -> AppState {
        self.chaos = Some(Arc::new(chaos));
        self
    }

    /// Replaces the guard against guessing (a shorter window, in tests).
    pub fn with_guard(mut self, guard: crate::guard::Guard) -> AppState {
        self.guard = Arc::new(guard);
        self
    }

    /// Turns on rate limits.
    pub fn with_rate_limits(mut self, limits: RateLimits) -> AppState {
        self.rate_limits = Some(Arc::new(limits));
        self
    }
}

/// Runs blocking store work (SQLite, fsync, file copies) off the async workers.
pub async fn blocking<T: Send + 'static>(
    app: &AppState,
    work: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || work(&store)).await.unwrap_or_else(|error| {
        tracing::error!(%error, "storage task failed");
        Err(StoreError::Internal)
    })
}
