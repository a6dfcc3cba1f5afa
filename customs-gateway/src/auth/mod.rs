//! The gateway's authentication core: who a caller is, and whether a request may proceed.
//!
//! The HTTP shell calls into these types; nothing here knows about actix, cookies or headers
//! beyond the strings the shell hands in.
//!
//! - [`users`]: user records, argon2id passwords, TOTP second factor, API bearer tokens, and
//!   the per-login lockout after repeated failures (kept in the private `lockout` module).
//! - [`sessions`]: page sessions with idle and absolute expiry and a CSRF token each.
//! - [`replay`]: one-time keys (`Idempotency-Key`, page form ids) remembered for a day.
//! - [`approvals`]: maker/checker: actions of an organization that need a second user.
//! - [`certificate`]: API callers authenticated by a consortium client certificate (mutual
//!   TLS on the HTTPS listener), refused when revoked on the ledger.
//!
//! What this module deliberately does not do: read the clock (every call that depends on time
//! takes `now_unix_s`), serve HTTP, or decide what a role may do on the ledger (the ledger's
//! own rules decide that). Randomness comes from the system source only in the few
//! constructors that mint secrets (`new_user`, `Sessions::create`, `Approvals::propose`),
//! through [`random_bytes`]; everything else is deterministic.
//!
//! Invariants: every table has a bound and says what happens at the bound; secrets (passwords,
//! tokens, TOTP secrets, session ids) are never printed by `Debug`; secret comparisons that an
//! attacker can probe byte by byte are constant-time ([`constant_time_eq`]).

pub mod approvals;
pub mod certificate;
mod json_file;
mod lockout;
pub mod replay;
pub mod sessions;
pub mod users;

pub use approvals::{ApprovalError, ApprovalLimits, Approvals, MakerChecker, Pending};
pub use json_file::FileError;
pub use replay::{ReplayError, ReplayGuard, ReplayLimits};
pub use sessions::{NewSession, Session, SessionError, SessionLimits, Sessions};
pub use users::{
    new_user, new_user_with_params, totp_now, AuthError, Credentials, User, UserError, UserRecord,
    UserRole, UserStore,
};

/// The system random source failed. On Linux this does not happen once the kernel's pool is
/// initialised; the shell answers with a generic server error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the system random source failed: {reason}")]
pub struct RandomError {
    /// What the random source reported.
    pub reason: String,
}

/// `N` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| RandomError {
        reason: e.to_string(),
    })?;
    Ok(bytes)
}

/// `N` random bytes as lower-case hex (`2 * N` characters): the form of every random
/// identifier and secret this module mints.
pub fn random_hex<const N: usize>() -> Result<String, RandomError> {
    Ok(hex::encode(random_bytes::<N>()?))
}

/// Compares two byte strings in time that depends only on their lengths, not on where they
/// first differ, so that a caller probing a secret learns nothing from response times.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        let cases: [(&[u8], &[u8], bool); 5] = [
            (b"", b"", true),
            (b"abc", b"abc", true),
            (b"abc", b"abd", false),
            (b"abc", b"ab", false),
            (b"xbc", b"abc", false),
        ];
        for (a, b, want) in cases {
            assert_eq!(constant_time_eq(a, b), want, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn random_hex_has_twice_the_length_and_differs_between_calls() {
        let a = random_hex::<32>().unwrap();
        let b = random_hex::<32>().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }
}
