//! The lockout after repeated failed logins, and the TOTP steps already used, per login.
//!
//! A login is locked for [`LOCKOUT_S`] once [`LOGIN_FAILURES_MAX`] attempts were refused within
//! [`LOCKOUT_WINDOW_S`]. The caller counts an attempt as refused when it begins
//! ([`Attempts::begin`]) and clears the count when it succeeds, so that guesses running in
//! parallel are bounded too. Unknown logins are tracked like known ones, so that the lockout
//! does not tell which logins exist.
//!
//! What this does not do: persist anything (a restart forgets counters and used steps), or
//! look at passwords and codes (`users` does, and calls in here under its lock).
//!
//! Invariants: the table of failures holds at most [`FAILURE_TABLE_LEN_MAX`] logins; a TOTP
//! step is accepted for a login only if it is later than every step accepted before for it.
//! The locked-out owner of a login is the known cost of the rule: anyone can lock a login by
//! failing five times, which is why the lock is short.

use std::collections::HashMap;

/// Refused attempts within [`LOCKOUT_WINDOW_S`] after which a login is locked.
pub const LOGIN_FAILURES_MAX: usize = 5;
/// The window in which refused attempts are counted.
pub const LOCKOUT_WINDOW_S: u64 = 5 * 60;
/// How long a locked login is refused.
pub const LOCKOUT_S: u64 = 5 * 60;
/// The most logins whose refused attempts are tracked.
pub const FAILURE_TABLE_LEN_MAX: usize = 10_000;

/// Refused attempts and used TOTP steps, in memory.
#[derive(Debug, Default)]
pub(crate) struct Attempts {
    failures: HashMap<String, Failures>,
    totp_last_step: HashMap<String, u64>,
}

#[derive(Debug, Default)]
struct Failures {
    recent_unix_s: Vec<u64>,
    locked_until_unix_s: u64,
}

impl Attempts {
    /// Refuses a locked login; otherwise counts this attempt as refused until it succeeds.
    /// `Err` carries the time the lock ends.
    pub(crate) fn begin(&mut self, login: &str, now_unix_s: u64) -> Result<(), u64> {
        if let Some(f) = self.failures.get(login) {
            if f.locked_until_unix_s > now_unix_s {
                return Err(f.locked_until_unix_s);
            }
        }
        if !self.failures.contains_key(login) && self.failures.len() >= FAILURE_TABLE_LEN_MAX {
            self.make_room(now_unix_s);
        }
        let f = self.failures.entry(login.to_owned()).or_default();
        f.recent_unix_s
            .retain(|&t| now_unix_s.saturating_sub(t) < LOCKOUT_WINDOW_S);
        f.recent_unix_s.push(now_unix_s);
        if f.recent_unix_s.len() >= LOGIN_FAILURES_MAX {
            f.locked_until_unix_s = now_unix_s.saturating_add(LOCKOUT_S);
            f.recent_unix_s.clear();
        }
        Ok(())
    }

    /// Forgets the refused attempts of `login` (after a successful login).
    pub(crate) fn clear(&mut self, login: &str) {
        self.failures.remove(login);
    }

    /// Records TOTP `step` as used by `login`; `false` (and nothing recorded) if this step or
    /// a later one was used already.
    pub(crate) fn use_totp_step(&mut self, login: &str, step: u64) -> bool {
        match self.totp_last_step.get(login) {
            Some(&last) if step <= last => false,
            _ => {
                self.totp_last_step.insert(login.to_owned(), step);
                true
            }
        }
    }

    /// Drops rows that no longer matter; if the table is still full, drops the row with the
    /// oldest activity. A flood of fresh logins can thus reset an old counter early, which
    /// is the price of a bounded table.
    fn make_room(&mut self, now_unix_s: u64) {
        self.failures.retain(|_, f| {
            f.locked_until_unix_s > now_unix_s
                || f.recent_unix_s
                    .iter()
                    .any(|&t| now_unix_s.saturating_sub(t) < LOCKOUT_WINDOW_S)
        });
        if self.failures.len() < FAILURE_TABLE_LEN_MAX {
            return;
        }
        let last_activity = |f: &Failures| {
            f.recent_unix_s
                .iter()
                .copied()
                .max()
                .unwrap_or(0)
                .max(f.locked_until_unix_s)
        };
        let oldest = self
            .failures
            .iter()
            .min_by_key(|(_, f)| last_activity(f))
            .map(|(login, _)| login.clone());
        if let Some(login) = oldest {
            self.failures.remove(&login);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    #[test]
    fn the_failure_table_stays_bounded() {
        let mut attempts = Attempts::default();
        for i in 0..FAILURE_TABLE_LEN_MAX + 10 {
            attempts.begin(&format!("user{i}"), NOW).unwrap();
        }
        assert_eq!(attempts.failures.len(), FAILURE_TABLE_LEN_MAX);
        // Once the old rows are out of the window they are dropped first.
        attempts.begin("late", NOW + LOCKOUT_WINDOW_S).unwrap();
        assert_eq!(attempts.failures.len(), 1);
    }

    #[test]
    fn a_step_is_accepted_once_and_only_after_the_last_one() {
        let mut attempts = Attempts::default();
        let cases = [
            ("a", 10, true),
            ("a", 10, false),
            ("a", 9, false),
            ("b", 9, true),
            ("a", 11, true),
        ];
        for (login, step, want) in cases {
            assert_eq!(attempts.use_totp_step(login, step), want, "{login} {step}");
        }
    }
}
