//! Counts by key in fixed windows (each starting with its key's first count), kept in a
//! table of bounded size: when it is full, windows that have ended go first, then the
//! oldest. What the guard against guessing (refusals by peer) and the rate limits (requests
//! by principal) both keep.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u64,
}

/// The windows of one kind of count.
#[derive(Debug)]
pub(crate) struct Windows<K> {
    table: Mutex<HashMap<K, Window>>,
    length: Duration,
    capacity: usize,
}

impl<K: Eq + Hash + Copy> Windows<K> {
    /// Windows of `length`, at most `capacity` of them.
    pub(crate) fn new(length: Duration, capacity: usize) -> Windows<K> {
        Windows { table: Mutex::default(), length, capacity }
    }

    /// `key`'s count and the time left in its window at `now`, if its window has not ended.
    pub(crate) fn peek(&self, key: &K, now: Instant) -> Option<(u64, Duration)> {
        let table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        let window = table.get(key)?;
        let left = self.length.checked_sub(now.duration_since(window.started)).filter(|left| !left.is_zero())?;
        Some((window.count, left))
    }

    /// Hands `count` `key`'s count at `now` (of a new window when it had none, or its window
    /// ended) and the time left in its window; `count` may add to it.
    pub(crate) fn count<R>(&self, key: K, now: Instant, count: impl FnOnce(&mut u64, Duration) -> R) -> R {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        if table.len() >= self.capacity && !table.contains_key(&key) {
            table.retain(|_, window| now.duration_since(window.started) < self.length);
            if table.len() >= self.capacity {
                if let Some(oldest) = table.iter().min_by_key(|(_, window)| window.started).map(|(key, _)| *key) {
                    table.remove(&oldest);
                }
            }
        }
        let window = table.entry(key).or_insert(Window { started: now, count: 0 });
        if now.duration_since(window.started) >= self.length {
            *window = Window { started: now, count: 0 };
        }
        let left = self.length - now.duration_since(window.started);
        count(&mut window.count, left)
    }

    /// The windows kept now.
    pub(crate) fn len(&self) -> usize {
        self.table.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}
