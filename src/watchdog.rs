//! Stall watchdogs: a request that goes `stall_ms` without progress or an answer ends as a
//! timeout, so no upload waits forever on a network (or a test double of `XMLHttpRequest`)
//! that never answers.
//!
//! Each request on the wire has a watchdog, armed as a timer of the machine. Upload progress
//! re-arms it with a fresh timer (the old one becomes stale, and the shell clears it), and
//! the last byte of a body re-arms it once more, so the server gets a whole period to answer.
//! A watchdog whose request ended is dropped with it.

use alloc::vec::Vec;

/// Where a request's watchdog stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watch {
    /// To be armed at the next poll (just sent, or progress was made).
    Due,
    /// Armed as the timer with this id.
    Armed(u32),
}

/// The watchdogs of the requests on the wire, by request id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Watchdogs {
    watches: Vec<(u32, Watch)>,
}

impl Watchdogs {
    /// Request `request` was sent, or made progress: its watchdog is (re)armed at the next
    /// poll; a timer set for it before is stale from now on.
    pub(crate) fn restart(&mut self, request: u32) {
        match self.watches.iter_mut().find(|(id, _)| *id == request) {
            Some((_, watch)) => *watch = Watch::Due,
            None => self.watches.push((request, Watch::Due)),
        }
    }

    /// Forgets the watchdogs of the requests `live` no longer holds.
    pub(crate) fn retain(&mut self, live: impl Fn(u32) -> bool) {
        self.watches.retain(|(request, _)| live(*request));
    }

    /// Arms the first watchdog that is due as timer `timer`, when there is one; `next_id`
    /// makes the timer's id.
    pub(crate) fn arm(&mut self, next_id: impl FnOnce() -> u32) -> Option<u32> {
        let (_, watch) = self.watches.iter_mut().find(|(_, watch)| *watch == Watch::Due)?;
        let timer = next_id();
        *watch = Watch::Armed(timer);
        Some(timer)
    }

    /// Timer `timer` fired: the request whose watchdog it is, which has stalled, if it is one
    /// (and not a stale timer or another kind). Its watchdog is gone.
    pub(crate) fn fired(&mut self, timer: u32) -> Option<u32> {
        let index = self.watches.iter().position(|(_, watch)| *watch == Watch::Armed(timer))?;
        Some(self.watches.remove(index).0)
    }

    /// The request whose watchdog is `timer`, if it is one still armed.
    pub(crate) fn watched_by(&self, timer: u32) -> Option<u32> {
        self.watches.iter().find(|(_, watch)| *watch == Watch::Armed(timer)).map(|(request, _)| *request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_watched_from_its_sending_until_it_ends() {
        let mut watchdogs = Watchdogs::default();
        watchdogs.restart(1);
        assert_eq!(watchdogs.arm(|| 2), Some(2));
        assert_eq!(watchdogs.arm(|| 3), None, "one timer per request");
        assert_eq!(watchdogs.watched_by(2), Some(1));
        watchdogs.retain(|request| request != 1);
        assert_eq!(watchdogs.watched_by(2), None, "an ended request's timer is stale");
        assert_eq!(watchdogs.fired(2), None);
    }

    #[test]
    fn progress_rearms_with_a_new_timer_and_the_old_one_is_stale() {
        let mut watchdogs = Watchdogs::default();
        watchdogs.restart(1);
        assert_eq!(watchdogs.arm(|| 2), Some(2));
        watchdogs.restart(1);
        assert_eq!(watchdogs.watched_by(2), None);
        assert_eq!(watchdogs.arm(|| 3), Some(3));
        assert_eq!(watchdogs.fired(2), None, "a stale timer stalls nothing");
        assert_eq!(watchdogs.fired(3), Some(1));
        assert_eq!(watchdogs.fired(3), None, "a watchdog fires once");
    }

    #[test]
    fn requests_in_parallel_have_a_watchdog_each() {
        let mut watchdogs = Watchdogs::default();
        let mut next = 10;
        let mut id = || {
            next += 1;
            next
        };
        watchdogs.restart(1);
        watchdogs.restart(2);
        let (a, b) = (watchdogs.arm(&mut id).unwrap(), watchdogs.arm(&mut id).unwrap());
        assert_ne!(a, b);
        assert_eq!(watchdogs.fired(b), Some(2));
        assert_eq!(watchdogs.watched_by(a), Some(1));
    }
}
