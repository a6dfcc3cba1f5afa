//! Gateway users: records, the JSON file that holds them, and password, TOTP and token checks.
//!
//! A user belongs to a participant organization (`org`, the ledger party id such as
//! `STCBKZKAXXX`) and has one role. Pages log in with [`UserStore::authenticate_password`]
//! (argon2id password, plus an RFC 6238 TOTP code for banks, customs and operators); the API
//! authenticates bearer tokens with [`UserStore::authenticate_token`]. The store holds only
//! hashes of passwords and tokens; TOTP secrets are stored as they are, because the server
//! must compute the codes (the file is therefore written readable by its owner only).
//!
//! What this does not do: decide what a role may do (the ledger and the shell do that), send
//! mail or reset passwords, or remember TOTP steps and failed attempts across restarts (both
//! live in memory: after a restart a code from the last 30 s could be replayed once, and the
//! failure counters start again).
//!
//! Invariants: logins are unique and match `[a-z0-9._-]{3,64}`; every token hash belongs to
//! one user; a TOTP step, once accepted for a user, is never accepted again for that user, nor
//! is any earlier step; every refused attempt counts towards the lockout, and it is counted
//! before the password is checked, so concurrent guesses cannot outrun the bound.

use super::json_file::{self, FileError};
use super::lockout::Attempts;
pub use super::lockout::{LOCKOUT_S, LOCKOUT_WINDOW_S, LOGIN_FAILURES_MAX};
use super::{random_bytes, RandomError};
use argon2::password_hash::{phc::PasswordHash, Error as PasswordHashError};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The most users one store holds.
pub const USERS_MAX: usize = 10_000;
/// The largest users file [`UserStore::load`] reads.
pub const USERS_FILE_BYTES_MAX: u64 = 16 * 1024 * 1024;
/// The most API tokens one user may hold.
pub const TOKENS_PER_USER_MAX: usize = 16;
/// Every API token starts with this, so a leaked one is easy to recognise in logs and scans.
pub const TOKEN_PREFIX: &str = "swk_";

/// What a user does in the corridor; decides whether a second factor is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// A trade bank's staff: letters of credit, presentations, financing.
    Bank,
    /// An exporter's staff: documents, presentations, invoices.
    Exporter,
    /// A customs officer: declarations and decisions.
    Customs,
    /// The JV operator: nodes, validators, alerts.
    Operator,
}

impl UserRole {
    /// Whether logging in needs a TOTP code: yes for roles that move money, release goods or
    /// run the network.
    pub fn needs_totp(self) -> bool {
        !matches!(self, UserRole::Exporter)
    }
}

/// The identity the shell passes around once a caller is authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// The unique login.
    pub login: String,
    /// The name shown on pages.
    pub display_name: String,
    /// The participant organization (ledger party id).
    pub org: String,
    /// The role.
    pub role: UserRole,
}

/// One user as stored in the users file: hashes, never the password or tokens themselves.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRecord {
    /// The unique login, `[a-z0-9._-]{3,64}`.
    pub login: String,
    /// The name shown on pages (1 to 128 characters, no control characters).
    pub display_name: String,
    /// The participant organization (ledger party id, 1 to 64 printable ASCII characters; inner
    /// spaces allowed, as in `STEPPE AGRO MACHINERY LLP`).
    pub org: String,
    /// The role.
    pub role: UserRole,
    /// The argon2id hash of the password as a PHC string (`$argon2id$v=19$...`).
    pub password_phc: String,
    /// The TOTP secret in RFC 4648 base32; required for roles that need TOTP.
    #[serde(default)]
    pub totp_secret_b32: Option<String>,
    /// The SHA-256 (lower-case hex) of each API token of this user.
    #[serde(default)]
    pub token_sha256_hex: Vec<String>,
}

impl UserRecord {
    /// The identity of this record.
    pub fn user(&self) -> User {
        User {
            login: self.login.clone(),
            display_name: self.display_name.clone(),
            org: self.org.clone(),
            role: self.role,
        }
    }
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The TOTP secret is a live credential; the hashes are left out as noise.
        f.debug_struct("UserRecord")
            .field("login", &self.login)
            .field("display_name", &self.display_name)
            .field("org", &self.org)
            .field("role", &self.role)
            .field("has_totp", &self.totp_secret_b32.is_some())
            .field("tokens", &self.token_sha256_hex.len())
            .finish()
    }
}

/// The secrets handed to a new user once; the store keeps only their hashes (and the TOTP
/// secret).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Credentials {
    /// A random 20-character password.
    pub password: String,
    /// A random 160-bit TOTP secret in base32, for roles that need TOTP.
    pub totp_secret_b32: Option<String>,
    /// An API token: `swk_` and 32 random bytes in hex.
    pub token: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials { .. }")
    }
}

/// Why a login was refused.
///
/// The shell must answer [`AuthError::UnknownUser`] and [`AuthError::WrongPassword`] with the
/// same message, [`AuthError::client_message`]'s "login or password is wrong", so that a
/// caller cannot learn which logins exist; the variants differ only for the server's logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No user has this login.
    #[error("no user with login '{login}'")]
    UnknownUser {
        /// The login tried (cut to 64 characters).
        login: String,
    },
    /// The password does not match.
    #[error("wrong password for login '{login}'")]
    WrongPassword {
        /// The login tried.
        login: String,
    },
    /// The role needs a TOTP code and none was given.
    #[error("a one-time code is required")]
    TotpRequired,
    /// The TOTP code matches none of the steps around now.
    #[error("the one-time code is wrong")]
    TotpWrong,
    /// The TOTP code's step was already used by this user.
    #[error("the one-time code was already used")]
    TotpReplayed,
    /// Too many refused attempts; the login is refused until `until_unix_s`.
    #[error("too many failed attempts; try again after {until_unix_s} (unix seconds)")]
    Locked {
        /// When attempts are accepted again.
        until_unix_s: u64,
    },
    /// The stored record cannot be checked (a PHC string or TOTP secret the libraries
    /// refuse); an operator must repair the users file.
    #[error("the record of login '{login}' is unusable: {reason}")]
    BrokenRecord {
        /// The login.
        login: String,
        /// What the password or TOTP library reported.
        reason: String,
    },
}

impl AuthError {
    /// The message to show a client: unknown user and wrong password are the same message.
    pub fn client_message(&self) -> String {
        match self {
            AuthError::UnknownUser { .. } | AuthError::WrongPassword { .. } => {
                "login or password is wrong".to_owned()
            }
            AuthError::BrokenRecord { .. } => "login is not possible; ask an operator".to_owned(),
            other => other.to_string(),
        }
    }
}

/// A user record breaks a rule, or a new one could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// A field of the record breaks a rule.
    #[error("field '{field}': {reason}")]
    Invalid {
        /// The field (`login`, `totp_secret_b32`, ...).
        field: &'static str,
        /// The rule it breaks.
        reason: String,
    },
    /// Another user already has this login.
    #[error("field 'login': '{login}' is already taken")]
    DuplicateLogin {
        /// The login.
        login: String,
    },
    /// A token hash of the record already belongs to another user.
    #[error("field 'token_sha256_hex': a token is already held by user '{holder}'")]
    DuplicateToken {
        /// The user who holds it.
        holder: String,
    },
    /// The store holds [`USERS_MAX`] users.
    #[error("the user store is full ({max} users)")]
    Full {
        /// The bound.
        max: usize,
    },
    /// The random source failed while minting credentials.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// Argon2 refused to hash (parameters out of range).
    #[error("field 'password_phc': hashing failed: {reason}")]
    Hashing {
        /// What argon2 reported.
        reason: String,
    },
}

/// Makes a user with fresh credentials, hashing the password with argon2's default (OWASP)
/// parameters. Returns the record to store and the secrets to hand to the user.
pub fn new_user(
    login: &str,
    display_name: &str,
    org: &str,
    role: UserRole,
) -> Result<(UserRecord, Credentials), UserError> {
    new_user_with_params(login, display_name, org, role, &argon2::Params::default())
}

/// [`new_user`] with explicit argon2 parameters (tests and demos use cheap ones; the
/// parameters are recorded in the PHC string, so verification needs no configuration).
pub fn new_user_with_params(
    login: &str,
    display_name: &str,
    org: &str,
    role: UserRole,
    params: &argon2::Params,
) -> Result<(UserRecord, Credentials), UserError> {
    let credentials = generate_credentials(role)?;
    let record = UserRecord {
        login: login.to_owned(),
        display_name: display_name.to_owned(),
        org: org.to_owned(),
        role,
        password_phc: hash_password(&credentials.password, params)?,
        totp_secret_b32: credentials.totp_secret_b32.clone(),
        token_sha256_hex: vec![token_sha256_hex(&credentials.token)],
    };
    validate_record(&record)?;
    Ok((record, credentials))
}

/// The TOTP code (6 digits) for `secret_b32` at `now_unix_s`, as an authenticator app shows
/// it; for tests and the demo's browser tests.
pub fn totp_now(secret_b32: &str, now_unix_s: u64) -> Result<String, UserError> {
    let totp = totp_for(secret_b32).map_err(|reason| UserError::Invalid {
        field: "totp_secret_b32",
        reason,
    })?;
    Ok(totp.generate(now_unix_s).to_string())
}

/// The users of one gateway, with the in-memory state of login attempts.
///
/// Authentication takes `&self`: the attempt counters and used TOTP steps sit behind an
/// internal lock that is never held while argon2 runs, so the shell can verify several
/// passwords in parallel on one shared store.
#[derive(Default)]
pub struct UserStore {
    records: BTreeMap<String, UserRecord>,
    logins_by_token: HashMap<String, String>,
    attempts: Mutex<Attempts>,
}

impl fmt::Debug for UserStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserStore")
            .field("users", &self.records.len())
            .finish_non_exhaustive()
    }
}

impl UserStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a users file (`{"users": [...]}`), at most [`USERS_FILE_BYTES_MAX`] bytes, and
    /// checks every record; an error names the file and the field (`users[3].login`).
    pub fn load(path: &Path) -> Result<Self, FileError> {
        let file: UsersFile = json_file::load(path, USERS_FILE_BYTES_MAX)?;
        let mut store = Self::new();
        for (index, record) in file.users.into_iter().enumerate() {
            store.insert(record).map_err(|e| {
                let (field, reason) = e.field_and_reason();
                let field = match field {
                    "" => format!("users[{index}]"),
                    field => format!("users[{index}].{field}"),
                };
                FileError::Invalid {
                    path: path.to_path_buf(),
                    field,
                    reason,
                }
            })?;
        }
        Ok(store)
    }

    /// Writes the users file atomically (temporary file, then rename), ordered by login.
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        let file = UsersFile {
            users: self.records.values().cloned().collect(),
        };
        json_file::save(path, &file)
    }

    /// Adds a user after checking the record's rules, login uniqueness and token uniqueness.
    pub fn insert(&mut self, record: UserRecord) -> Result<(), UserError> {
        validate_record(&record)?;
        if self.records.contains_key(&record.login) {
            return Err(UserError::DuplicateLogin {
                login: record.login,
            });
        }
        if self.records.len() >= USERS_MAX {
            return Err(UserError::Full { max: USERS_MAX });
        }
        if let Some(holder) = record
            .token_sha256_hex
            .iter()
            .find_map(|hash| self.logins_by_token.get(hash))
        {
            return Err(UserError::DuplicateToken {
                holder: holder.clone(),
            });
        }
        for hash in &record.token_sha256_hex {
            self.logins_by_token
                .insert(hash.clone(), record.login.clone());
        }
        self.records.insert(record.login.clone(), record);
        Ok(())
    }

    /// The user with this login, if any.
    pub fn user(&self, login: &str) -> Option<User> {
        self.records.get(login).map(UserRecord::user)
    }

    /// How many users the store holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the store holds no users.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Checks a page login: the lockout, the argon2id password, and for roles that need it a
    /// TOTP code (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of skew either way) whose
    /// step this user has not used yet. Every refused attempt counts towards the lockout
    /// ([`LOGIN_FAILURES_MAX`] in [`LOCKOUT_WINDOW_S`] lock the login for [`LOCKOUT_S`]);
    /// success clears the count.
    pub fn authenticate_password(
        &self,
        login: &str,
        password: &str,
        totp: Option<&str>,
        now_unix_s: u64,
    ) -> Result<User, AuthError> {
        if check_login(login).is_err() {
            // Not a possible login: nothing to protect, nothing worth a row in the table.
            return Err(AuthError::UnknownUser {
                login: login.chars().take(64).collect(),
            });
        }
        // Counted before the (slow) checks and cleared on success, so that parallel guesses
        // are bounded too.
        self.attempts()
            .begin(login, now_unix_s)
            .map_err(|until_unix_s| AuthError::Locked { until_unix_s })?;
        let user = self.check_credentials(login, password, totp, now_unix_s)?;
        self.attempts().clear(login);
        Ok(user)
    }

    /// The user holding this API token (`swk_` and 64 hex digits), if any. Tokens are
    /// compared by their SHA-256, so the table never holds a usable token and a lookup's
    /// timing depends on a hash the caller cannot steer.
    pub fn authenticate_token(&self, token: &str) -> Option<User> {
        let hex_part = token.strip_prefix(TOKEN_PREFIX)?;
        if !is_lower_hex(hex_part, 64) {
            return None;
        }
        let login = self.logins_by_token.get(&token_sha256_hex(token))?;
        self.user(login)
    }

    fn check_credentials(
        &self,
        login: &str,
        password: &str,
        totp: Option<&str>,
        now_unix_s: u64,
    ) -> Result<User, AuthError> {
        let broken = |reason| AuthError::BrokenRecord {
            login: login.to_owned(),
            reason,
        };
        let Some(record) = self.records.get(login) else {
            // Verifying against a fixed hash makes an unknown login cost as much as a known
            // one, so response times do not tell which logins exist.
            let _ = verify_password(DUMMY_PHC, password);
            return Err(AuthError::UnknownUser {
                login: login.to_owned(),
            });
        };
        if !verify_password(&record.password_phc, password).map_err(broken)? {
            return Err(AuthError::WrongPassword {
                login: login.to_owned(),
            });
        }
        if record.role.needs_totp() {
            let secret = record.totp_secret_b32.as_deref().unwrap_or_default();
            let totp_secret = totp_for(secret).map_err(broken)?;
            let code = totp.ok_or(AuthError::TotpRequired)?;
            let code: String = code.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let step = totp_secret
                .check(&code, now_unix_s)
                .ok_or(AuthError::TotpWrong)?;
            if !self.attempts().use_totp_step(login, step) {
                return Err(AuthError::TotpReplayed);
            }
        }
        Ok(record.user())
    }

    fn attempts(&self) -> MutexGuard<'_, Attempts> {
        // A panic while the lock is held cannot leave the table half-updated in a way that
        // matters: each update is one map operation, and the worst case is a counter that is
        // one off. So a poisoned lock is used as it is.
        self.attempts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Longer passwords are refused without hashing.
const PASSWORD_BYTES_MAX: usize = 1024;
const PASSWORD_LEN: usize = 20;
/// Letters and digits without the look-alikes (0 O 1 l I): 57 symbols, 116 bits in 20.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const TOTP_SECRET_BYTES: usize = 20;
/// A well-formed argon2id hash (default parameters, fixed salt, all-zero output) that no
/// password matches; see `check_credentials`.
const DUMMY_PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2lsa3dheWR1bW15c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    users: Vec<UserRecord>,
}

impl UserError {
    fn field_and_reason(&self) -> (&'static str, String) {
        match self {
            UserError::Invalid { field, reason } => (field, reason.clone()),
            UserError::DuplicateLogin { login } => ("login", format!("'{login}' is already taken")),
            UserError::DuplicateToken { holder } => (
                "token_sha256_hex",
                format!("a token is already held by user '{holder}'"),
            ),
            other => ("", other.to_string()),
        }
    }
}

fn generate_credentials(role: UserRole) -> Result<Credentials, RandomError> {
    let password = password_from_bytes(&random_bytes::<256>()?).ok_or_else(exhausted)?;
    let totp_secret_b32 = if role.needs_totp() {
        let secret = random_bytes::<TOTP_SECRET_BYTES>()?;
        Some(totp_rs::Secret::from(secret).to_base32())
    } else {
        None
    };
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(random_bytes::<32>()?));
    Ok(Credentials {
        password,
        totp_secret_b32,
        token,
    })
}

fn exhausted() -> RandomError {
    RandomError {
        reason: "random bytes kept falling outside the password alphabet".to_owned(),
    }
}

/// A password of [`PASSWORD_LEN`] symbols drawn from `bytes` without bias: a byte is used
/// only below the largest multiple of the alphabet's size, so every symbol is equally likely.
/// `None` if `bytes` run out first (for 256 bytes, a chance below 10^-150).
fn password_from_bytes(bytes: &[u8]) -> Option<String> {
    let n = PASSWORD_ALPHABET.len();
    let limit = 256 - 256 % n;
    let password: String = bytes
        .iter()
        .map(|&b| usize::from(b))
        .filter(|&b| b < limit)
        .take(PASSWORD_LEN)
        .map(|b| char::from(PASSWORD_ALPHABET[b % n]))
        .collect();
    (password.len() == PASSWORD_LEN).then_some(password)
}

fn hash_password(password: &str, params: &argon2::Params) -> Result<String, UserError> {
    let salt = random_bytes::<16>()?;
    let argon2 = Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params.clone(),
    );
    argon2
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| UserError::Hashing {
            reason: e.to_string(),
        })
}

/// `Ok(true)` on a match, `Ok(false)` on a mismatch, `Err` when the stored hash is unusable.
fn verify_password(phc: &str, password: &str) -> Result<bool, String> {
    if password.len() > PASSWORD_BYTES_MAX {
        return Ok(false);
    }
    // The parameters come from the PHC string, not from this `Argon2` value.
    match Argon2::default().verify_password(password.as_bytes(), phc) {
        Ok(()) => Ok(true),
        Err(PasswordHashError::PasswordInvalid) => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}

fn totp_for(secret_b32: &str) -> Result<totp_rs::Totp, String> {
    let secret = totp_rs::Secret::try_from_base32(secret_b32).map_err(|e| e.to_string())?;
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(secret)
        .build()
        .map_err(|e| e.to_string())
}

fn token_sha256_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn check_login(login: &str) -> Result<(), String> {
    if !(3..=64).contains(&login.len()) {
        return Err(format!("must be 3 to 64 characters, not {}", login.len()));
    }
    if let Some(c) = login
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-'))
    {
        return Err(format!("'{c}' is not one of a-z 0-9 . _ -"));
    }
    Ok(())
}

fn validate_record(record: &UserRecord) -> Result<(), UserError> {
    let invalid = |field, reason| UserError::Invalid { field, reason };
    check_login(&record.login).map_err(|r| invalid("login", r))?;
    let name_len = record.display_name.chars().count();
    if !(1..=128).contains(&name_len) || record.display_name.chars().any(char::is_control) {
        return Err(invalid(
            "display_name",
            "must be 1 to 128 characters without control characters".into(),
        ));
    }
    if !(1..=64).contains(&record.org.len())
        || !record
            .org
            .bytes()
            .all(|b| b == b' ' || b.is_ascii_graphic())
        || record.org.trim() != record.org
    {
        return Err(invalid(
            "org",
            "must be 1 to 64 printable ASCII characters (inner spaces allowed)".into(),
        ));
    }
    validate_secrets(record)
}

/// The rules of the password hash, the TOTP secret and the token hashes.
fn validate_secrets(record: &UserRecord) -> Result<(), UserError> {
    let invalid = |field, reason| UserError::Invalid { field, reason };
    let phc = PasswordHash::new(&record.password_phc)
        .map_err(|e| invalid("password_phc", format!("not a PHC string: {e}")))?;
    if phc.algorithm.as_str() != "argon2id" {
        return Err(invalid(
            "password_phc",
            format!("must be argon2id, not {}", phc.algorithm.as_str()),
        ));
    }
    match &record.totp_secret_b32 {
        Some(secret) => {
            totp_for(secret).map_err(|r| invalid("totp_secret_b32", r))?;
        }
        None if record.role.needs_totp() => {
            return Err(invalid("totp_secret_b32", "required for this role".into()));
        }
        None => {}
    }
    if record.token_sha256_hex.len() > TOKENS_PER_USER_MAX {
        return Err(invalid(
            "token_sha256_hex",
            format!("at most {TOKENS_PER_USER_MAX} tokens"),
        ));
    }
    if let Some(bad) = record
        .token_sha256_hex
        .iter()
        .find(|h| !is_lower_hex(h, 64))
    {
        return Err(invalid(
            "token_sha256_hex",
            format!("'{bad}' is not 64 lower-case hex digits"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// The RFC 6238 appendix B secret for SHA-1 ("12345678901234567890") in base32.
    const RFC_SECRET_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    const PASSWORD: &str = "correct horse battery";
    /// A time well inside a 30 s step (step 56_666_666 starts at 1_699_999_980).
    const NOW: u64 = 1_699_999_995;

    fn cheap_params() -> argon2::Params {
        argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap()
    }

    /// One argon2 hash of [`PASSWORD`] for all tests.
    fn password_phc() -> String {
        static PHC: OnceLock<String> = OnceLock::new();
        PHC.get_or_init(|| hash_password(PASSWORD, &cheap_params()).unwrap())
            .clone()
    }

    fn record(login: &str, role: UserRole) -> UserRecord {
        UserRecord {
            login: login.to_owned(),
            display_name: format!("{login} display"),
            org: "STCBKZKAXXX".to_owned(),
            role,
            password_phc: password_phc(),
            totp_secret_b32: role.needs_totp().then(|| RFC_SECRET_B32.to_owned()),
            token_sha256_hex: Vec::new(),
        }
    }

    fn store() -> UserStore {
        let mut store = UserStore::new();
        store
            .insert(record("bank.officer", UserRole::Bank))
            .unwrap();
        store
            .insert(record("exporter", UserRole::Exporter))
            .unwrap();
        store
    }

    fn code_at(unix_s: u64) -> String {
        totp_now(RFC_SECRET_B32, unix_s).unwrap()
    }

    #[test]
    fn totp_now_matches_the_rfc_6238_sha1_vectors() {
        // Appendix B gives 8 digits; a 6-digit code is the same value modulo 10^6.
        let vectors = [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ];
        for (unix_s, want) in vectors {
            assert_eq!(code_at(unix_s), want, "at {unix_s}");
        }
    }

    #[test]
    fn password_login_without_totp_role() {
        let store = store();
        let cases: [(&str, &str, Result<(), &str>); 4] = [
            ("exporter", PASSWORD, Ok(())),
            ("exporter", "wrong horse", Err("WrongPassword")),
            ("nobody", PASSWORD, Err("UnknownUser")),
            ("Not A Login", PASSWORD, Err("UnknownUser")),
        ];
        for (login, password, want) in cases {
            let got = store.authenticate_password(login, password, None, NOW);
            match (got, want) {
                (Ok(user), Ok(())) => {
                    assert_eq!(user.login, login);
                    assert_eq!(user.role, UserRole::Exporter);
                    assert_eq!(user.org, "STCBKZKAXXX");
                }
                (Err(e), Err(name)) => assert!(format!("{e:?}").starts_with(name), "{e:?}"),
                (got, want) => panic!("{login}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn unknown_user_and_wrong_password_read_the_same_to_clients() {
        let store = store();
        let unknown = store
            .authenticate_password("nobody", PASSWORD, None, NOW)
            .unwrap_err();
        let wrong = store
            .authenticate_password("exporter", "nope", None, NOW)
            .unwrap_err();
        assert_ne!(unknown, wrong);
        assert_eq!(unknown.client_message(), "login or password is wrong");
        assert_eq!(wrong.client_message(), unknown.client_message());
    }

    #[test]
    fn dummy_hash_is_well_formed_and_matches_nothing() {
        assert_eq!(verify_password(DUMMY_PHC, PASSWORD), Ok(false));
        assert_eq!(verify_password(DUMMY_PHC, ""), Ok(false));
    }

    #[test]
    fn totp_is_required_checked_and_skew_is_one_step() {
        let step_s = 30;
        let window = [code_at(NOW - step_s), code_at(NOW), code_at(NOW + step_s)];
        let wrong: String = window[1]
            .chars()
            .map(|c| char::from(b'0' + (c as u8 - b'0' + 5) % 10))
            .collect();
        assert!(
            !window.contains(&wrong),
            "the chosen wrong code happens to be valid"
        );
        let cases: [(Option<String>, Result<(), AuthError>); 7] = [
            (None, Err(AuthError::TotpRequired)),
            (Some(wrong), Err(AuthError::TotpWrong)),
            (Some("12345".into()), Err(AuthError::TotpWrong)),
            (Some(code_at(NOW)), Ok(())),
            (Some(code_at(NOW - step_s)), Ok(())),
            (Some(code_at(NOW + step_s)), Ok(())),
            (Some(code_at(NOW - 2 * step_s)), Err(AuthError::TotpWrong)),
        ];
        for (code, want) in cases {
            // A fresh store per case, so that one accepted step does not mask the next case.
            let store = store();
            let got = store
                .authenticate_password("bank.officer", PASSWORD, code.as_deref(), NOW)
                .map(|_| ());
            assert_eq!(got, want, "code {code:?}");
        }
        let store = store();
        let got = store.authenticate_password(
            "bank.officer",
            PASSWORD,
            Some(&code_at(NOW + 2 * step_s)),
            NOW,
        );
        assert_eq!(got.unwrap_err(), AuthError::TotpWrong);
    }

    #[test]
    fn a_used_step_and_earlier_steps_are_refused() {
        let store = store();
        let login = |code: &str, now| {
            store.authenticate_password("bank.officer", PASSWORD, Some(code), now)
        };
        let spaced = format!("{} {}", &code_at(NOW)[..3], &code_at(NOW)[3..]);
        assert!(login(&spaced, NOW).is_ok());
        assert_eq!(
            login(&code_at(NOW), NOW + 5).unwrap_err(),
            AuthError::TotpReplayed
        );
        assert_eq!(
            login(&code_at(NOW - 30), NOW).unwrap_err(),
            AuthError::TotpReplayed
        );
        assert!(login(&code_at(NOW + 30), NOW + 30).is_ok());
        // The exporter's steps are not the banker's: another user is unaffected.
        let mut other = record("customs.khorgos", UserRole::Customs);
        other.org = "KZCUSTOMS".into();
        let mut store = store;
        store.insert(other).unwrap();
        assert!(store
            .authenticate_password("customs.khorgos", PASSWORD, Some(&code_at(NOW)), NOW)
            .is_ok());
    }

    #[test]
    fn five_refusals_in_five_minutes_lock_the_login_for_five_minutes() {
        let store = store();
        let attempt =
            |password: &str, now| store.authenticate_password("exporter", password, None, now);
        for i in 0..4 {
            assert!(matches!(
                attempt("bad", NOW + i),
                Err(AuthError::WrongPassword { .. })
            ));
        }
        let fifth = NOW + 4;
        assert!(matches!(
            attempt("bad", fifth),
            Err(AuthError::WrongPassword { .. })
        ));
        let locked = Err(AuthError::Locked {
            until_unix_s: fifth + LOCKOUT_S,
        });
        assert_eq!(attempt(PASSWORD, fifth + 1), locked);
        assert_eq!(attempt(PASSWORD, fifth + LOCKOUT_S - 1), locked);
        assert!(attempt(PASSWORD, fifth + LOCKOUT_S).is_ok());
    }

    #[test]
    fn refusals_spread_over_more_than_the_window_and_success_reset_the_count() {
        let store = store();
        let attempt =
            |password: &str, now| store.authenticate_password("exporter", password, None, now);
        for i in 0..4 {
            assert!(attempt("bad", NOW + i).is_err());
        }
        // The first four leave the window before the fifth: no lock.
        assert!(matches!(
            attempt("bad", NOW + LOCKOUT_WINDOW_S),
            Err(AuthError::WrongPassword { .. })
        ));
        assert!(attempt(PASSWORD, NOW + LOCKOUT_WINDOW_S + 1).is_ok());
        for i in 0..4 {
            assert!(matches!(
                attempt("bad", NOW + 400 + i),
                Err(AuthError::WrongPassword { .. })
            ));
        }
        assert!(attempt(PASSWORD, NOW + 410).is_ok());
    }

    #[test]
    fn unknown_logins_lock_like_known_ones() {
        let store = store();
        for i in 0..5 {
            assert!(matches!(
                store.authenticate_password("nobody", PASSWORD, None, NOW + i),
                Err(AuthError::UnknownUser { .. })
            ));
        }
        assert!(matches!(
            store.authenticate_password("nobody", PASSWORD, None, NOW + 5),
            Err(AuthError::Locked { .. })
        ));
    }

    #[test]
    fn tokens_authenticate_their_user_only() {
        let (exporter, credentials) = new_user_with_params(
            "tianshan.export",
            "Tianshan Heavy Industry",
            "THICNXXX",
            UserRole::Exporter,
            &cheap_params(),
        )
        .unwrap();
        let mut store = store();
        store.insert(exporter).unwrap();
        let token = credentials.token.as_str();
        assert!(token.starts_with(TOKEN_PREFIX) && token.len() == 68);
        assert_eq!(
            store.authenticate_token(token).unwrap().login,
            "tianshan.export"
        );
        let mut other = token.to_owned();
        other.replace_range(10..11, if &token[10..11] == "0" { "1" } else { "0" });
        let no_prefix = &token[TOKEN_PREFIX.len()..];
        let upper = token.to_uppercase();
        for bad in [other.as_str(), no_prefix, upper.as_str(), "", "swk_"] {
            assert_eq!(store.authenticate_token(bad), None, "{bad}");
        }
    }

    #[test]
    fn new_user_credentials_work_and_fit_their_rules() {
        let (record, credentials) = new_user_with_params(
            "stcb.officer",
            "Steppe Commercial Bank",
            "STCBKZKAXXX",
            UserRole::Bank,
            &cheap_params(),
        )
        .unwrap();
        assert_eq!(credentials.password.len(), 20);
        assert!(credentials
            .password
            .bytes()
            .all(|b| PASSWORD_ALPHABET.contains(&b)));
        let secret = credentials.totp_secret_b32.clone().unwrap();
        assert_eq!(
            totp_rs::Secret::try_from_base32(&secret)
                .unwrap()
                .as_bytes()
                .len(),
            20
        );
        assert!(!format!("{credentials:?}").contains(&credentials.password));
        assert!(!format!("{record:?}").contains(&secret));
        let mut store = UserStore::new();
        store.insert(record).unwrap();
        let code = totp_now(&secret, NOW).unwrap();
        let user = store
            .authenticate_password("stcb.officer", &credentials.password, Some(&code), NOW)
            .unwrap();
        assert_eq!(user.role, UserRole::Bank);
        assert_eq!(store.authenticate_token(&credentials.token), Some(user));
    }

    #[test]
    fn password_symbols_are_drawn_without_bias() {
        // 57 symbols: bytes from 228 up are skipped rather than folded onto the first ones.
        let mut bytes = vec![255u8, 228];
        bytes.extend(0..20u8);
        assert_eq!(password_from_bytes(&bytes).unwrap(), "abcdefghijkmnopqrstu");
        assert_eq!(password_from_bytes(&[0u8; 19]), None);
    }

    #[test]
    fn insert_enforces_the_record_rules() {
        let with = |change: fn(&mut UserRecord)| {
            let mut r = record("exporter.two", UserRole::Exporter);
            change(&mut r);
            r
        };
        let cases: [(UserRecord, &str); 12] = [
            (with(|r| r.login = "ab".into()), "login"),
            (with(|r| r.login = "a".repeat(65)), "login"),
            (with(|r| r.login = "Exporter".into()), "login"),
            (with(|r| r.login = "ex porter".into()), "login"),
            (with(|r| r.display_name = String::new()), "display_name"),
            (with(|r| r.org = "STCB\tKZ".into()), "org"),
            (with(|r| r.org = " STCBKZKAXXX".into()), "org"),
            (with(|r| r.org = String::new()), "org"),
            (with(|r| r.password_phc = "plain".into()), "password_phc"),
            (with(|r| r.role = UserRole::Operator), "totp_secret_b32"),
            (
                with(|r| r.totp_secret_b32 = Some("not base32!".into())),
                "totp_secret_b32",
            ),
            (
                with(|r| r.token_sha256_hex = vec!["AB".repeat(32)]),
                "token_sha256_hex",
            ),
        ];
        // Party ids of companies have inner spaces, as on the ledger.
        let spaced = with(|r| r.org = "STEPPE AGRO MACHINERY LLP".into());
        assert!(UserStore::new().insert(spaced).is_ok());
        for (record, field) in cases {
            let e = UserStore::new().insert(record).unwrap_err();
            assert!(
                matches!(&e, UserError::Invalid { field: f, .. } if *f == field),
                "{field}: {e}"
            );
        }
        let mut store = store();
        let dup = store
            .insert(record("exporter", UserRole::Exporter))
            .unwrap_err();
        assert_eq!(
            dup,
            UserError::DuplicateLogin {
                login: "exporter".into()
            }
        );
        let hash = "ab".repeat(32);
        store
            .insert(with(|r| r.token_sha256_hex = vec!["ab".repeat(32)]))
            .unwrap();
        let mut third = record("exporter.three", UserRole::Exporter);
        third.token_sha256_hex = vec![hash];
        assert_eq!(
            store.insert(third).unwrap_err(),
            UserError::DuplicateToken {
                holder: "exporter.two".into()
            }
        );
    }

    #[test]
    fn store_save_and_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        let mut store = store();
        let mut with_token = record("operator", UserRole::Operator);
        with_token.token_sha256_hex = vec![token_sha256_hex("swk_x")];
        store.insert(with_token).unwrap();
        store.save(&path).unwrap();
        let loaded = UserStore::load(&path).unwrap();
        assert_eq!(loaded.len(), 3);
        for login in ["bank.officer", "exporter", "operator"] {
            assert_eq!(loaded.records.get(login), store.records.get(login));
        }
        assert_eq!(loaded.logins_by_token, store.logins_by_token);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"role\": \"bank\""), "{text}");
    }

    #[test]
    fn a_malformed_users_file_names_the_file_and_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        let good = serde_json::to_value(record("exporter", UserRole::Exporter)).unwrap();
        let mut bad_role = good.clone();
        bad_role["role"] = "banker".into();
        let mut bad_login = good.clone();
        bad_login["login"] = "Exporter".into();
        let cases = [
            (vec![good.clone(), bad_role], "users[1].role"),
            (vec![good.clone(), bad_login], "users[1].login"),
            (vec![good.clone(), good], "users[1].login"),
        ];
        for (users, field) in cases {
            std::fs::write(&path, serde_json::json!({ "users": users }).to_string()).unwrap();
            let message = UserStore::load(&path).unwrap_err().to_string();
            assert!(message.contains("users.json"), "{message}");
            assert!(message.contains(&format!("field '{field}'")), "{message}");
        }
    }
}
