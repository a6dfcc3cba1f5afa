//! One-time keys: the API's `Idempotency-Key` header and the pages' one-time form ids.
//!
//! [`ReplayGuard::check_and_record`] accepts a key the first time a user presents it and
//! refuses it for [`ReplayLimits::retention_s`] (24 hours) afterwards, so a retried or
//! replayed request does not submit a ledger transaction twice. Keys are scoped by user: two
//! users may pick the same key.
//!
//! The table holds at most [`ReplayLimits::capacity`] keys overall (100 000 by default); when
//! full, the oldest key is forgotten early, and a request repeating it would then be accepted
//! again. That is the price of a bound: without one, any caller could grow the gateway's
//! memory without limit by sending fresh keys. With the default bound a replay slips through
//! only after 100 000 newer keys within a day, far beyond the corridor's request rate, and the
//! ledger still refuses a transaction that repeats an already-applied one.
//!
//! What this does not do: store responses to replay them (the shell answers a repeat with
//! 409 and the first time), persist keys across restarts, or read the clock.
//!
//! Invariants: the table never holds more than `capacity` keys; a key younger than the
//! retention is refused unless it was evicted by the bound.

use std::collections::{BTreeMap, HashMap};

/// Default bound on remembered keys.
pub const REPLAY_KEYS_MAX: usize = 100_000;
/// Default time a key is remembered.
pub const REPLAY_RETENTION_S: u64 = 24 * 60 * 60;
/// The longest key accepted.
pub const KEY_LEN_MAX: usize = 128;

/// The bounds of a replay guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayLimits {
    /// Most keys remembered; recording one more forgets the oldest. At least 1.
    pub capacity: usize,
    /// How long a key is refused after its first use.
    pub retention_s: u64,
}

impl Default for ReplayLimits {
    fn default() -> Self {
        Self {
            capacity: REPLAY_KEYS_MAX,
            retention_s: REPLAY_RETENTION_S,
        }
    }
}

/// A key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The key is empty, too long, or not printable ASCII.
    #[error("header 'Idempotency-Key': {reason}")]
    InvalidKey {
        /// The rule it breaks.
        reason: String,
    },
    /// This user already used this key.
    #[error(
        "header 'Idempotency-Key': this key was already used at {first_seen_unix_s} (unix seconds)"
    )]
    Replayed {
        /// When the key was first used.
        first_seen_unix_s: u64,
    },
}

/// Remembers which (user, key) pairs were used, for a bounded time and number.
#[derive(Debug)]
pub struct ReplayGuard {
    limits: ReplayLimits,
    seen: HashMap<String, Seen>,
    /// Recording order (a sequence number, so equal times stay ordered) of the keys in `seen`.
    order: BTreeMap<u64, String>,
    next_seq: u64,
}

impl ReplayGuard {
    /// An empty guard with these limits (a capacity of 0 is taken as 1).
    pub fn new(limits: ReplayLimits) -> Self {
        Self {
            limits: ReplayLimits {
                capacity: limits.capacity.max(1),
                ..limits
            },
            seen: HashMap::new(),
            order: BTreeMap::new(),
            next_seq: 0,
        }
    }

    /// Accepts `key` for `scope` (the user's login) and remembers it, or refuses it if it is
    /// malformed (1 to 128 printable ASCII characters) or was used by this scope within the
    /// retention.
    pub fn check_and_record(
        &mut self,
        scope: &str,
        key: &str,
        now_unix_s: u64,
    ) -> Result<(), ReplayError> {
        check_key(key)?;
        // The length prefix keeps ("ab", "c") and ("a", "bc") apart whatever the scope holds.
        let id = format!("{}:{scope}{key}", scope.len());
        if let Some(seen) = self.seen.get(&id) {
            if now_unix_s.saturating_sub(seen.first_seen_unix_s) < self.limits.retention_s {
                return Err(ReplayError::Replayed {
                    first_seen_unix_s: seen.first_seen_unix_s,
                });
            }
            self.forget(&id);
        }
        self.drop_expired(now_unix_s);
        while self.seen.len() >= self.limits.capacity {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            self.seen.remove(&oldest);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.insert(seq, id.clone());
        self.seen.insert(
            id,
            Seen {
                first_seen_unix_s: now_unix_s,
                seq,
            },
        );
        Ok(())
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    fn forget(&mut self, id: &str) {
        if let Some(seen) = self.seen.remove(id) {
            self.order.remove(&seen.seq);
        }
    }

    /// Forgets expired keys from the oldest end; cheap because keys are recorded in time
    /// order (a clock stepping back only delays a few keys' expiry).
    fn drop_expired(&mut self, now_unix_s: u64) {
        while let Some(entry) = self.order.first_entry() {
            let expired = self.seen.get(entry.get()).is_none_or(|seen| {
                now_unix_s.saturating_sub(seen.first_seen_unix_s) >= self.limits.retention_s
            });
            if !expired {
                break;
            }
            let id = entry.remove();
            self.seen.remove(&id);
        }
    }
}

#[derive(Debug)]
struct Seen {
    first_seen_unix_s: u64,
    seq: u64,
}

fn check_key(key: &str) -> Result<(), ReplayError> {
    let invalid = |reason: String| Err(ReplayError::InvalidKey { reason });
    if key.is_empty() || key.len() > KEY_LEN_MAX {
        return invalid(format!(
            "must be 1 to {KEY_LEN_MAX} characters, not {}",
            key.len()
        ));
    }
    if !key.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return invalid("must be printable ASCII".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000;

    #[test]
    fn a_key_is_accepted_once_per_user() {
        let mut guard = ReplayGuard::new(ReplayLimits::default());
        let replayed = Err(ReplayError::Replayed {
            first_seen_unix_s: T0,
        });
        let cases = [
            ("alice", "key-1", T0, Ok(())),
            ("alice", "key-1", T0 + 1, replayed.clone()),
            ("bob", "key-1", T0 + 2, Ok(())),
            ("alice", "key-2", T0 + 3, Ok(())),
            ("alice", "key-1", T0 + 4, replayed),
            // The length prefix keeps these two apart from ("alice", "key-1").
            ("alicek", "ey-1", T0 + 5, Ok(())),
            ("alic", "ekey-1", T0 + 6, Ok(())),
        ];
        for (scope, key, now, want) in cases {
            assert_eq!(
                guard.check_and_record(scope, key, now),
                want,
                "{scope} {key} at {now}"
            );
        }
    }

    #[test]
    fn malformed_keys_are_refused_naming_the_header() {
        let mut guard = ReplayGuard::new(ReplayLimits::default());
        let long = "k".repeat(KEY_LEN_MAX + 1);
        for key in ["", long.as_str(), "tab\there", "caf\u{e9}", "line\n"] {
            let e = guard.check_and_record("alice", key, T0).unwrap_err();
            assert!(matches!(e, ReplayError::InvalidKey { .. }), "{key:?}");
            assert!(e.to_string().contains("Idempotency-Key"), "{e}");
        }
        let longest = "k".repeat(KEY_LEN_MAX);
        for key in ["a", "with space", "~!@#$%^&*()", longest.as_str()] {
            assert_eq!(guard.check_and_record("alice", key, T0), Ok(()), "{key:?}");
        }
    }

    #[test]
    fn keys_expire_after_the_retention() {
        let limits = ReplayLimits::default();
        let mut guard = ReplayGuard::new(limits);
        guard.check_and_record("alice", "k", T0).unwrap();
        guard.check_and_record("alice", "other", T0 + 10).unwrap();
        let last_refused = T0 + limits.retention_s - 1;
        assert!(guard.check_and_record("alice", "k", last_refused).is_err());
        assert_eq!(
            guard.check_and_record("alice", "k", T0 + limits.retention_s),
            Ok(())
        );
        // Now remembered from its second use.
        assert_eq!(
            guard.check_and_record("alice", "k", T0 + limits.retention_s + 1),
            Err(ReplayError::Replayed {
                first_seen_unix_s: T0 + limits.retention_s
            })
        );
        // "other" expired on the way and was dropped.
        guard
            .check_and_record("bob", "x", T0 + limits.retention_s + 20)
            .unwrap();
        assert_eq!(guard.len(), 2);
        assert_eq!(guard.order.len(), 2);
    }

    #[test]
    fn the_table_is_bounded_and_forgets_the_oldest_key_first() {
        let limits = ReplayLimits {
            capacity: 3,
            ..ReplayLimits::default()
        };
        let mut guard = ReplayGuard::new(limits);
        for (i, key) in ["a", "b", "c", "d"].into_iter().enumerate() {
            guard.check_and_record("alice", key, T0 + i as u64).unwrap();
        }
        assert_eq!(guard.len(), 3);
        assert_eq!(guard.order.len(), 3);
        // "a" was evicted early and is accepted again (the documented cost of the bound);
        // the newer ones are still refused.
        assert_eq!(guard.check_and_record("alice", "a", T0 + 10), Ok(()));
        for key in ["c", "d"] {
            assert!(
                guard.check_and_record("alice", key, T0 + 11).is_err(),
                "{key}"
            );
        }
        assert_eq!(guard.check_and_record("alice", "b", T0 + 12), Ok(()));
    }
}
