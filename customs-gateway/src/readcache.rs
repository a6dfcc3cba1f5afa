//! A cache of the public verify answers, valid for one committed height.
//!
//! The verify route is the gateway's hot read: anyone at a border post drops a file or a
//! fingerprint and asks whether it is anchored. Each answer costs two ledger reads over QUIC;
//! this cache keeps answers computed at the node's current committed height and throws them
//! all away when a new block commits. It is derived data only — never a second source of
//! ledger state — so the architecture invariant (the gateway holds no ledger state) stands.
//!
//! Invariants:
//! - An answer is served only while the commit watcher is live and the height it was computed
//!   at is still the newest committed height the watcher has seen. A height is recorded
//!   *before* the ledger is asked, so an answer that raced a commit is stored under the older
//!   height and never served.
//! - When the watcher's stream ends (the node restarted, the link dropped) the cache is
//!   switched off until the watcher is back: the route then reads the ledger every time.
//! - At most `entries_max` answers are kept; a full cache stops taking new ones until the
//!   next commit empties it.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Verify answers by fingerprint, for the newest committed height.
#[derive(Debug)]
pub struct ReadCache {
    inner: Mutex<Inner>,
    entries_max: usize,
}

#[derive(Debug, Default)]
struct Inner {
    /// The newest committed height seen by a live watcher; `None` while no watcher is live.
    height: Option<u64>,
    answers: HashMap<[u8; 32], Arc<Value>>,
}

impl ReadCache {
    pub fn new(entries_max: usize) -> ReadCache {
        ReadCache {
            inner: Mutex::new(Inner::default()),
            entries_max,
        }
    }

    /// The height to tag an answer with, read before asking the ledger; `None` when the
    /// cache is off.
    pub fn height(&self) -> Option<u64> {
        self.lock().height
    }

    /// The answer for `fingerprint` at the current height, if one is kept.
    pub fn answer(&self, fingerprint: &[u8; 32]) -> Option<Arc<Value>> {
        self.lock().answers.get(fingerprint).cloned()
    }

    /// Keeps `answer`, computed after `height` was read, if that is still the newest height.
    pub fn keep(&self, fingerprint: [u8; 32], height: u64, answer: Arc<Value>) {
        let mut inner = self.lock();
        if inner.height == Some(height) && inner.answers.len() < self.entries_max {
            inner.answers.insert(fingerprint, answer);
        }
    }

    /// A block at `height` committed: every kept answer may be stale.
    pub fn committed(&self, height: u64) {
        let mut inner = self.lock();
        if inner.height.is_none_or(|h| height > h) {
            inner.height = Some(height);
            inner.answers.clear();
        }
    }

    /// The watcher is gone: stop answering from the cache until it is back.
    pub fn switch_off(&self) {
        let mut inner = self.lock();
        inner.height = None;
        inner.answers.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock leaves only derived answers behind; dropping them
        // is always safe, so a poisoned lock is recovered with its answers cleared.
        self.inner.lock().unwrap_or_else(|poisoned| {
            let mut inner = poisoned.into_inner();
            inner.answers.clear();
            inner.height = None;
            inner
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FP: [u8; 32] = [7; 32];

    fn answer(n: u64) -> Arc<Value> {
        Arc::new(json!({ "anchored_at_height": n }))
    }

    #[test]
    fn serves_nothing_until_a_commit_is_seen() {
        let cache = ReadCache::new(8);
        assert_eq!(cache.height(), None);
        cache.keep(FP, 0, answer(0));
        assert!(cache.answer(&FP).is_none());
    }

    #[test]
    fn an_answer_lives_until_the_next_commit() {
        let cache = ReadCache::new(8);
        cache.committed(5);
        cache.keep(FP, 5, answer(5));
        assert_eq!(cache.answer(&FP), Some(answer(5)));
        cache.committed(6);
        assert!(cache.answer(&FP).is_none());
    }

    #[test]
    fn an_answer_that_raced_a_commit_is_not_kept() {
        let cache = ReadCache::new(8);
        cache.committed(5);
        let height = cache.height().unwrap();
        cache.committed(6); // a block commits while the ledger is being asked
        cache.keep(FP, height, answer(5));
        assert!(cache.answer(&FP).is_none());
    }

    #[test]
    fn an_older_notice_does_not_move_the_height_back() {
        let cache = ReadCache::new(8);
        cache.committed(9);
        cache.keep(FP, 9, answer(9));
        cache.committed(8);
        assert_eq!(cache.height(), Some(9));
        assert!(cache.answer(&FP).is_some());
    }

    #[test]
    fn switching_off_drops_answers_and_refuses_new_ones() {
        let cache = ReadCache::new(8);
        cache.committed(3);
        cache.keep(FP, 3, answer(3));
        cache.switch_off();
        assert!(cache.answer(&FP).is_none());
        cache.keep(FP, 3, answer(3));
        assert!(cache.answer(&FP).is_none());
    }

    #[test]
    fn a_full_cache_takes_no_more_answers() {
        let cache = ReadCache::new(2);
        cache.committed(1);
        for i in 0..3u8 {
            cache.keep([i; 32], 1, answer(u64::from(i)));
        }
        assert!(cache.answer(&[0; 32]).is_some());
        assert!(cache.answer(&[1; 32]).is_some());
        assert!(cache.answer(&[2; 32]).is_none());
    }
}
