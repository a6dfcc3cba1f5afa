//! Page sessions: a random id in a cookie, resolved to a user, with a CSRF token for forms.
//!
//! A session ends when it is idle longer than [`SessionLimits::idle_timeout_s`] (30 minutes),
//! when it is older than [`SessionLimits::lifetime_s`] (12 hours) however active it is, on
//! logout ([`Sessions::remove`]), or when the table is full and it is the oldest one.
//!
//! What this does not do: set cookies (the shell does, `HttpOnly`, `SameSite=Strict`), persist
//! sessions (a gateway restart logs everyone out, which is acceptable for a page session), or
//! read the clock (`now_unix_s` is an argument).
//!
//! Invariants: the table never holds more than `capacity` sessions; a session found expired is
//! removed at once; session ids and CSRF tokens are 32 random bytes each, in hex, and never
//! printed by `Debug`.

use super::users::User;
use super::{constant_time_eq, random_hex, RandomError};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Default bound on live sessions.
pub const SESSIONS_MAX: usize = 10_000;
/// Default idle timeout.
pub const IDLE_TIMEOUT_S: u64 = 30 * 60;
/// Default absolute lifetime.
pub const LIFETIME_S: u64 = 12 * 60 * 60;

/// The bounds of a session table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Most live sessions; creating one more evicts the oldest. At least 1.
    pub capacity: usize,
    /// A session unused for this long is expired.
    pub idle_timeout_s: u64,
    /// A session this old is expired, however recently it was used.
    pub lifetime_s: u64,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            capacity: SESSIONS_MAX,
            idle_timeout_s: IDLE_TIMEOUT_S,
            lifetime_s: LIFETIME_S,
        }
    }
}

/// A live session as the shell sees it.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// Who is logged in.
    pub user: User,
    /// The token that forms of this session must carry back.
    pub csrf_token: String,
    /// When the session was created.
    pub created_unix_s: u64,
    /// When the session was last resolved.
    pub last_seen_unix_s: u64,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user)
            .field("created_unix_s", &self.created_unix_s)
            .field("last_seen_unix_s", &self.last_seen_unix_s)
            .finish_non_exhaustive()
    }
}

/// The secrets of a new session: the id for the cookie and the CSRF token for forms.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The session id (64 hex digits), for the session cookie.
    pub session_id: String,
    /// The CSRF token (64 hex digits), for the forms of this session.
    pub csrf_token: String,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewSession { .. }")
    }
}

/// Why a session id did not resolve. The shell sends the caller to the login page either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// No live session has this id (never existed, logged out, or evicted).
    #[error("no such session")]
    Unknown,
    /// The session was idle too long or is past its lifetime; it is now removed.
    #[error("the session has expired")]
    Expired,
}

/// The live page sessions of one gateway.
pub struct Sessions {
    limits: SessionLimits,
    by_id: HashMap<String, Entry>,
    /// Creation order (a sequence number, not the clock, so equal times stay ordered).
    order: BTreeMap<u64, String>,
    next_seq: u64,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions")
            .field("limits", &self.limits)
            .field("live", &self.by_id.len())
            .finish_non_exhaustive()
    }
}

impl Sessions {
    /// An empty table with these limits (a capacity of 0 is taken as 1).
    pub fn new(limits: SessionLimits) -> Self {
        Self {
            limits: SessionLimits {
                capacity: limits.capacity.max(1),
                ..limits
            },
            by_id: HashMap::new(),
            order: BTreeMap::new(),
            next_seq: 0,
        }
    }

    /// Starts a session for `user` with a fresh random id and CSRF token; if the table is
    /// full, the oldest session is dropped first (its user must log in again).
    pub fn create(&mut self, user: User, now_unix_s: u64) -> Result<NewSession, RandomError> {
        let new = NewSession {
            session_id: random_hex::<32>()?,
            csrf_token: random_hex::<32>()?,
        };
        while self.by_id.len() >= self.limits.capacity {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            self.by_id.remove(&oldest);
        }
        let session = Session {
            user,
            csrf_token: new.csrf_token.clone(),
            created_unix_s: now_unix_s,
            last_seen_unix_s: now_unix_s,
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.insert(seq, new.session_id.clone());
        self.by_id
            .insert(new.session_id.clone(), Entry { session, seq });
        Ok(new)
    }

    /// The session with this id, if it is live; marks it used at `now_unix_s`. An expired
    /// session is removed and reported as [`SessionError::Expired`] once, then as unknown.
    pub fn resolve(&mut self, session_id: &str, now_unix_s: u64) -> Result<Session, SessionError> {
        let entry = self
            .by_id
            .get_mut(session_id)
            .ok_or(SessionError::Unknown)?;
        if is_expired(&entry.session, &self.limits, now_unix_s) {
            self.remove(session_id);
            return Err(SessionError::Expired);
        }
        let session = &mut entry.session;
        session.last_seen_unix_s = session.last_seen_unix_s.max(now_unix_s);
        Ok(session.clone())
    }

    /// Ends a session (logout); `false` if it was not live.
    pub fn remove(&mut self, session_id: &str) -> bool {
        match self.by_id.remove(session_id) {
            Some(entry) => {
                self.order.remove(&entry.seq);
                true
            }
            None => false,
        }
    }

    /// Whether `token` is the CSRF token of this session, compared in constant time. It does
    /// not check expiry: the shell resolves the session first.
    pub fn check_csrf(&self, session_id: &str, token: &str) -> bool {
        self.by_id.get(session_id).is_some_and(|entry| {
            constant_time_eq(entry.session.csrf_token.as_bytes(), token.as_bytes())
        })
    }

    /// Removes every expired session (for a periodic sweep); returns how many.
    pub fn purge_expired(&mut self, now_unix_s: u64) -> usize {
        let expired: Vec<String> = self
            .by_id
            .iter()
            .filter(|(_, entry)| is_expired(&entry.session, &self.limits, now_unix_s))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &expired {
            self.remove(id);
        }
        expired.len()
    }

    /// How many sessions are live (some may be expired but not yet noticed).
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether no session is live.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

struct Entry {
    session: Session,
    seq: u64,
}

fn is_expired(session: &Session, limits: &SessionLimits, now_unix_s: u64) -> bool {
    now_unix_s.saturating_sub(session.last_seen_unix_s) >= limits.idle_timeout_s
        || now_unix_s.saturating_sub(session.created_unix_s) >= limits.lifetime_s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::users::UserRole;

    const T0: u64 = 1_700_000_000;

    fn user(login: &str) -> User {
        User {
            login: login.to_owned(),
            display_name: login.to_owned(),
            org: "STCBKZKAXXX".to_owned(),
            role: UserRole::Bank,
        }
    }

    #[test]
    fn a_new_session_resolves_to_its_user_with_fresh_secrets() {
        let mut sessions = Sessions::new(SessionLimits::default());
        let a = sessions.create(user("alice"), T0).unwrap();
        let b = sessions.create(user("bob"), T0).unwrap();
        assert_eq!(a.session_id.len(), 64);
        assert_eq!(a.csrf_token.len(), 64);
        assert_ne!(a.session_id, b.session_id);
        assert_ne!(a.csrf_token, b.csrf_token);
        let session = sessions.resolve(&a.session_id, T0 + 1).unwrap();
        assert_eq!(session.user.login, "alice");
        assert_eq!(session.csrf_token, a.csrf_token);
        assert_eq!(session.last_seen_unix_s, T0 + 1);
        assert!(!format!("{a:?} {session:?}").contains(&a.csrf_token));
        assert_eq!(sessions.resolve("nope", T0), Err(SessionError::Unknown));
    }

    #[test]
    fn sessions_expire_when_idle_or_too_old() {
        let limits = SessionLimits::default();
        // (times at which the session is resolved, expected result of the last one)
        let idle = limits.idle_timeout_s;
        let every_20_min: Vec<u64> = (1..=36).map(|i| T0 + i * 20 * 60).collect();
        let cases: Vec<(Vec<u64>, Result<(), SessionError>)> = vec![
            (vec![T0 + idle - 1], Ok(())),
            (vec![T0 + idle], Err(SessionError::Expired)),
            (vec![T0 + idle - 1, T0 + 2 * idle - 2], Ok(())),
            (every_20_min[..35].to_vec(), Ok(())),
            (every_20_min.clone(), Err(SessionError::Expired)),
        ];
        for (times, want) in cases {
            let mut sessions = Sessions::new(limits);
            let id = sessions.create(user("alice"), T0).unwrap().session_id;
            let (last, earlier) = times.split_last().unwrap();
            for &t in earlier {
                sessions.resolve(&id, t).unwrap();
            }
            assert_eq!(sessions.resolve(&id, *last).map(|_| ()), want, "{times:?}");
            if want.is_err() {
                assert_eq!(sessions.resolve(&id, *last), Err(SessionError::Unknown));
                assert!(sessions.is_empty());
            }
        }
    }

    #[test]
    fn at_capacity_the_oldest_session_is_evicted() {
        let limits = SessionLimits {
            capacity: 3,
            ..SessionLimits::default()
        };
        let mut sessions = Sessions::new(limits);
        let ids: Vec<String> = (0..5)
            .map(|i| {
                sessions
                    .create(user(&format!("user{i}")), T0 + i)
                    .unwrap()
                    .session_id
            })
            .collect();
        assert_eq!(sessions.len(), 3);
        assert_eq!(sessions.order.len(), 3);
        for (i, id) in ids.iter().enumerate() {
            let got = sessions.resolve(id, T0 + 10).map(|s| s.user.login);
            let want = if i < 2 {
                Err(SessionError::Unknown)
            } else {
                Ok(format!("user{i}"))
            };
            assert_eq!(got, want);
        }
    }

    #[test]
    fn removed_sessions_are_gone_and_purge_drops_only_expired_ones() {
        let mut sessions = Sessions::new(SessionLimits::default());
        let a = sessions.create(user("alice"), T0).unwrap().session_id;
        let b = sessions
            .create(user("bob"), T0 + IDLE_TIMEOUT_S)
            .unwrap()
            .session_id;
        assert!(sessions.remove(&a));
        assert!(!sessions.remove(&a));
        assert_eq!(sessions.resolve(&a, T0 + 1), Err(SessionError::Unknown));
        let c = sessions.create(user("carol"), T0).unwrap().session_id;
        assert_eq!(sessions.purge_expired(T0 + IDLE_TIMEOUT_S + 1), 1);
        assert_eq!(
            sessions.resolve(&c, T0 + IDLE_TIMEOUT_S + 1),
            Err(SessionError::Unknown)
        );
        assert!(sessions.resolve(&b, T0 + IDLE_TIMEOUT_S + 1).is_ok());
        assert_eq!(sessions.order.len(), 1);
    }

    #[test]
    fn csrf_tokens_match_only_their_own_session() {
        let mut sessions = Sessions::new(SessionLimits::default());
        let a = sessions.create(user("alice"), T0).unwrap();
        let b = sessions.create(user("bob"), T0).unwrap();
        let truncated = &a.csrf_token[..63];
        let cases = [
            (&a.session_id, a.csrf_token.as_str(), true),
            (&a.session_id, b.csrf_token.as_str(), false),
            (&a.session_id, truncated, false),
            (&a.session_id, "", false),
            (&b.session_id, b.csrf_token.as_str(), true),
        ];
        for (id, token, want) in cases {
            assert_eq!(sessions.check_csrf(id, token), want, "{token}");
        }
        assert!(!sessions.check_csrf("unknown", &a.csrf_token));
    }
}
