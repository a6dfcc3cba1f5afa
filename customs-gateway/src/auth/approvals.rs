//! Maker/checker: actions that one user proposes and a second user of the same organization
//! approves before the gateway submits them to the ledger.
//!
//! [`MakerChecker`] is configuration: per organization, the action names (`issue_lc`,
//! `amend_lc`, `honour`, `refuse`, `finance`, ...) that need a second user. When the shell is
//! about to perform such an action, it calls [`Approvals::propose`] instead and keeps the
//! request (`payload`) until [`Approvals::approve`] hands it back for execution.
//!
//! What this does not do: execute actions, check that the maker may perform the action at
//! all (the ledger decides that when the approved action runs), or keep a history (the
//! ledger records what was done; the shell logs rejections).
//!
//! Invariants: at most [`ApprovalLimits::capacity`] proposals are pending; a proposal is
//! approved only by a user of its organization other than its maker, only once, and only
//! within [`ApprovalLimits::ttl_s`] of its proposal; the file is written atomically (the shell
//! saves after each change).

use super::json_file::{self, FileError};
use super::users::User;
use super::{random_hex, RandomError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Default bound on pending proposals.
pub const PENDING_MAX: usize = 1000;
/// Default time a proposal waits for a checker.
pub const PENDING_TTL_S: u64 = 7 * 24 * 60 * 60;
/// The largest approvals file [`Approvals::load`] reads.
pub const APPROVALS_FILE_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// The largest payload of one proposal, as JSON.
pub const PAYLOAD_BYTES_MAX: usize = 64 * 1024;
/// The longest summary or rejection reason, in characters.
pub const TEXT_CHARS_MAX: usize = 500;

/// Which actions of which organization need a second user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MakerChecker {
    /// Organization (ledger party id) → action names that need a checker.
    pub actions_by_org: BTreeMap<String, BTreeSet<String>>,
}

impl MakerChecker {
    /// Whether `action` by a user of `org` needs a second user's approval.
    pub fn requires_checker(&self, org: &str, action: &str) -> bool {
        self.actions_by_org
            .get(org)
            .is_some_and(|actions| actions.contains(action))
    }
}

/// A proposed action waiting for a checker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// Random id (32 hex digits).
    pub id: String,
    /// The organization of the maker; only its users may approve.
    pub org: String,
    /// The maker's login.
    pub maker: String,
    /// The action name, e.g. `issue_lc`.
    pub action: String,
    /// One line for the checker's page, e.g. "Issue LC STCB-2025-001 for USD 1,250,000.00".
    pub summary: String,
    /// The request to execute once approved, as the shell will need it.
    pub payload: serde_json::Value,
    /// When it was proposed.
    pub created_unix_s: u64,
}

/// The bounds of the pending table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalLimits {
    /// Most pending proposals (expired ones are dropped to make room).
    pub capacity: usize,
    /// How long a proposal can be approved.
    pub ttl_s: u64,
}

impl Default for ApprovalLimits {
    fn default() -> Self {
        Self {
            capacity: PENDING_MAX,
            ttl_s: PENDING_TTL_S,
        }
    }
}

/// A proposal, approval or rejection was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    /// No pending proposal has this id (never existed, already decided, or dropped).
    #[error("no pending approval with id '{id}'")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// The checker is the maker; a second user must approve.
    #[error("'{login}' proposed this action and cannot also approve it")]
    SameUser {
        /// The login of both.
        login: String,
    },
    /// The checker belongs to another organization.
    #[error("approval '{id}' belongs to another organization than '{checker_org}'")]
    WrongOrg {
        /// The proposal.
        id: String,
        /// The checker's organization.
        checker_org: String,
    },
    /// The proposal waited longer than the limit; it is now dropped.
    #[error("approval '{id}' expired (proposed at {created_unix_s}, unix seconds)")]
    Expired {
        /// The proposal.
        id: String,
        /// When it was proposed.
        created_unix_s: u64,
    },
    /// The pending table is full.
    #[error("too many pending approvals ({capacity}); decide some first")]
    Full {
        /// The bound.
        capacity: usize,
    },
    /// A field of the proposal or rejection breaks a rule.
    #[error("field '{field}': {reason}")]
    Invalid {
        /// The field (`action`, `summary`, `payload`, `reason`).
        field: &'static str,
        /// The rule it breaks.
        reason: String,
    },
    /// The random source failed while minting the id.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// The pending proposals of one gateway.
#[derive(Debug)]
pub struct Approvals {
    limits: ApprovalLimits,
    pending: BTreeMap<String, Pending>,
}

impl Approvals {
    /// An empty table with these limits (a capacity of 0 is taken as 1).
    pub fn new(limits: ApprovalLimits) -> Self {
        Self {
            limits: ApprovalLimits {
                capacity: limits.capacity.max(1),
                ..limits
            },
            pending: BTreeMap::new(),
        }
    }

    /// Reads an approvals file (`{"pending": [...]}`), checking every proposal; an error
    /// names the file and the field (`pending[2].action`).
    pub fn load(path: &Path, limits: ApprovalLimits) -> Result<Self, FileError> {
        let file: ApprovalsFile = json_file::load(path, APPROVALS_FILE_BYTES_MAX)?;
        let mut approvals = Self::new(limits);
        let invalid = |field: String, reason: String| FileError::Invalid {
            path: path.to_path_buf(),
            field,
            reason,
        };
        if file.pending.len() > approvals.limits.capacity {
            let reason = format!("at most {} pending approvals", approvals.limits.capacity);
            return Err(invalid("pending".to_owned(), reason));
        }
        for (index, pending) in file.pending.into_iter().enumerate() {
            if let Err((field, reason)) = validate_pending(&pending) {
                return Err(invalid(format!("pending[{index}].{field}"), reason));
            }
            if approvals.pending.contains_key(&pending.id) {
                let reason = format!("'{}' appears twice", pending.id);
                return Err(invalid(format!("pending[{index}].id"), reason));
            }
            approvals.pending.insert(pending.id.clone(), pending);
        }
        Ok(approvals)
    }

    /// Writes the approvals file atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<(), FileError> {
        let file = ApprovalsFile {
            pending: self.pending.values().cloned().collect(),
        };
        json_file::save(path, &file)
    }

    /// Records `maker`'s proposal of `action` and returns it with its new id. The caller has
    /// checked with [`MakerChecker::requires_checker`] that the action needs a checker.
    pub fn propose(
        &mut self,
        maker: &User,
        action: &str,
        summary: String,
        payload: serde_json::Value,
        now_unix_s: u64,
    ) -> Result<Pending, ApprovalError> {
        let pending = Pending {
            id: random_hex::<16>()?,
            org: maker.org.clone(),
            maker: maker.login.clone(),
            action: action.to_owned(),
            summary,
            payload,
            created_unix_s: now_unix_s,
        };
        validate_pending(&pending)
            .map_err(|(field, reason)| ApprovalError::Invalid { field, reason })?;
        if self.pending.len() >= self.limits.capacity {
            self.purge_expired(now_unix_s);
        }
        if self.pending.len() >= self.limits.capacity {
            return Err(ApprovalError::Full {
                capacity: self.limits.capacity,
            });
        }
        self.pending.insert(pending.id.clone(), pending.clone());
        Ok(pending)
    }

    /// Approves proposal `id` by `checker`, removing it and returning it for the shell to
    /// execute. Refused if the checker is the maker or of another organization (the proposal
    /// stays pending), or if it expired (it is dropped).
    pub fn approve(
        &mut self,
        id: &str,
        checker: &User,
        now_unix_s: u64,
    ) -> Result<Pending, ApprovalError> {
        let pending = self.decidable_by(id, checker)?;
        if pending.maker == checker.login {
            return Err(ApprovalError::SameUser {
                login: checker.login.clone(),
            });
        }
        if now_unix_s.saturating_sub(pending.created_unix_s) >= self.limits.ttl_s {
            let created_unix_s = pending.created_unix_s;
            self.pending.remove(id);
            return Err(ApprovalError::Expired {
                id: id.to_owned(),
                created_unix_s,
            });
        }
        self.remove(id)
    }

    /// Rejects proposal `id`, removing it and returning it so the shell can log `reason`
    /// (1 to 500 characters). Any user of the organization may reject, including the maker,
    /// which is how a maker withdraws a proposal.
    pub fn reject(
        &mut self,
        id: &str,
        checker: &User,
        reason: &str,
    ) -> Result<Pending, ApprovalError> {
        check_text("reason", reason)
            .map_err(|(field, reason)| ApprovalError::Invalid { field, reason })?;
        self.decidable_by(id, checker)?;
        self.remove(id)
    }

    /// The proposals of `org` waiting for a checker, oldest first.
    pub fn pending_for(&self, org: &str) -> Vec<Pending> {
        let mut pending: Vec<Pending> = self
            .pending
            .values()
            .filter(|p| p.org == org)
            .cloned()
            .collect();
        pending.sort_by(|a, b| (a.created_unix_s, &a.id).cmp(&(b.created_unix_s, &b.id)));
        pending
    }

    /// Drops the proposals that can no longer be approved and returns them (for the log).
    pub fn purge_expired(&mut self, now_unix_s: u64) -> Vec<Pending> {
        let ttl_s = self.limits.ttl_s;
        let (expired, live) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|(_, p)| now_unix_s.saturating_sub(p.created_unix_s) >= ttl_s);
        self.pending = live;
        expired.into_values().collect()
    }

    /// How many proposals are pending.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    fn decidable_by(&self, id: &str, checker: &User) -> Result<&Pending, ApprovalError> {
        let pending = self
            .pending
            .get(id)
            .ok_or_else(|| ApprovalError::NotFound { id: id.to_owned() })?;
        if pending.org != checker.org {
            return Err(ApprovalError::WrongOrg {
                id: id.to_owned(),
                checker_org: checker.org.clone(),
            });
        }
        Ok(pending)
    }

    fn remove(&mut self, id: &str) -> Result<Pending, ApprovalError> {
        self.pending
            .remove(id)
            .ok_or_else(|| ApprovalError::NotFound { id: id.to_owned() })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalsFile {
    pending: Vec<Pending>,
}

type FieldError = (&'static str, String);

fn validate_pending(pending: &Pending) -> Result<(), FieldError> {
    let is_hex_id = pending.id.len() == 32
        && pending
            .id
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !is_hex_id {
        return Err(("id", "must be 32 lower-case hex digits".to_owned()));
    }
    for (field, value) in [("org", &pending.org), ("maker", &pending.maker)] {
        if !(1..=64).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err((
                field,
                "must be 1 to 64 printable ASCII characters".to_owned(),
            ));
        }
    }
    let action_ok = (1..=64).contains(&pending.action.len())
        && pending
            .action
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'));
    if !action_ok {
        return Err((
            "action",
            "must be 1 to 64 characters of a-z 0-9 _".to_owned(),
        ));
    }
    check_text("summary", &pending.summary)?;
    let payload_bytes = serde_json::to_vec(&pending.payload).map_or(usize::MAX, |v| v.len());
    if payload_bytes > PAYLOAD_BYTES_MAX {
        return Err((
            "payload",
            format!("larger than {PAYLOAD_BYTES_MAX} bytes as JSON"),
        ));
    }
    Ok(())
}

fn check_text(field: &'static str, text: &str) -> Result<(), FieldError> {
    let chars = text.chars().count();
    if !(1..=TEXT_CHARS_MAX).contains(&chars) {
        return Err((
            field,
            format!("must be 1 to {TEXT_CHARS_MAX} characters, not {chars}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::users::UserRole;
    use serde_json::json;

    const T0: u64 = 1_700_000_000;

    fn user(login: &str, org: &str) -> User {
        User {
            login: login.to_owned(),
            display_name: login.to_owned(),
            org: org.to_owned(),
            role: UserRole::Bank,
        }
    }

    fn propose(approvals: &mut Approvals, maker: &User, n: u64) -> Pending {
        let payload = json!({ "lc": format!("STCB-{n}"), "amount_minor": 125_000_000 });
        approvals
            .propose(
                maker,
                "issue_lc",
                format!("Issue LC STCB-{n}"),
                payload,
                T0 + n,
            )
            .unwrap()
    }

    #[test]
    fn maker_checker_config_names_actions_per_org() {
        let config: MakerChecker = serde_json::from_value(json!({
            "actions_by_org": { "STCBKZKAXXX": ["issue_lc", "honour"] }
        }))
        .unwrap();
        let cases = [
            ("STCBKZKAXXX", "issue_lc", true),
            ("STCBKZKAXXX", "honour", true),
            ("STCBKZKAXXX", "finance", false),
            ("TSCBCNBJXXX", "issue_lc", false),
        ];
        for (org, action, want) in cases {
            assert_eq!(config.requires_checker(org, action), want, "{org} {action}");
        }
    }

    #[test]
    fn approval_needs_another_user_of_the_same_org() {
        let maker = user("maker", "STCBKZKAXXX");
        let mut approvals = Approvals::new(ApprovalLimits::default());
        let pending = propose(&mut approvals, &maker, 1);
        let id = pending.id.clone();
        let same = approvals.approve(&id, &maker, T0 + 2);
        assert_eq!(
            same,
            Err(ApprovalError::SameUser {
                login: "maker".into()
            })
        );
        let outsider = user("checker", "TSCBCNBJXXX");
        let wrong_org = approvals.approve(&id, &outsider, T0 + 2);
        assert!(matches!(wrong_org, Err(ApprovalError::WrongOrg { .. })));
        assert_eq!(approvals.len(), 1, "refusals leave the proposal pending");
        let checker = user("checker", "STCBKZKAXXX");
        let approved = approvals.approve(&id, &checker, T0 + 3).unwrap();
        assert_eq!(approved, pending);
        assert_eq!(approved.payload["lc"], "STCB-1");
        assert_eq!(approved.maker, "maker");
        assert_eq!(
            approvals.approve(&id, &checker, T0 + 4),
            Err(ApprovalError::NotFound { id: id.clone() })
        );
    }

    #[test]
    fn rejection_and_withdrawal_remove_the_proposal() {
        let maker = user("maker", "STCBKZKAXXX");
        let checker = user("checker", "STCBKZKAXXX");
        let mut approvals = Approvals::new(ApprovalLimits::default());
        let a = propose(&mut approvals, &maker, 1).id;
        let b = propose(&mut approvals, &maker, 2).id;
        let empty_reason = approvals.reject(&a, &checker, "");
        assert!(matches!(
            empty_reason,
            Err(ApprovalError::Invalid {
                field: "reason",
                ..
            })
        ));
        let outsider = user("x", "TSCBCNBJXXX");
        assert!(matches!(
            approvals.reject(&a, &outsider, "no"),
            Err(ApprovalError::WrongOrg { .. })
        ));
        assert_eq!(
            approvals.reject(&a, &checker, "amount wrong").unwrap().id,
            a
        );
        assert_eq!(approvals.reject(&b, &maker, "withdrawn").unwrap().id, b);
        assert!(approvals.is_empty());
    }

    #[test]
    fn pending_lists_are_per_org_and_oldest_first() {
        let kz = user("maker", "STCBKZKAXXX");
        let cn = user("maker.cn", "TSCBCNBJXXX");
        let mut approvals = Approvals::new(ApprovalLimits::default());
        let second = propose(&mut approvals, &kz, 2);
        let first = propose(&mut approvals, &kz, 1);
        propose(&mut approvals, &cn, 3);
        assert_eq!(approvals.pending_for("STCBKZKAXXX"), vec![first, second]);
        assert_eq!(approvals.pending_for("TSCBCNBJXXX").len(), 1);
        assert!(approvals.pending_for("OTHER").is_empty());
    }

    #[test]
    fn the_table_is_bounded_and_expired_proposals_make_room() {
        let limits = ApprovalLimits {
            capacity: 2,
            ttl_s: 100,
        };
        let maker = user("maker", "STCBKZKAXXX");
        let checker = user("checker", "STCBKZKAXXX");
        let mut approvals = Approvals::new(limits);
        let old = propose(&mut approvals, &maker, 0).id;
        propose(&mut approvals, &maker, 50);
        let full = approvals.propose(&maker, "honour", "Honour".into(), json!({}), T0 + 60);
        assert_eq!(full, Err(ApprovalError::Full { capacity: 2 }));
        // At T0 + 100 the first proposal has expired: it cannot be approved, and it no longer
        // takes a place.
        let late = approvals.approve(&old, &checker, T0 + 100);
        assert!(matches!(late, Err(ApprovalError::Expired { .. })));
        assert_eq!(approvals.len(), 1);
        propose(&mut approvals, &maker, 100);
        assert_eq!(approvals.purge_expired(T0 + 150).len(), 1);
        assert_eq!(approvals.len(), 1);
    }

    #[test]
    fn proposals_are_checked() {
        let maker = user("maker", "STCBKZKAXXX");
        let mut approvals = Approvals::new(ApprovalLimits::default());
        let big = json!({ "blob": "x".repeat(PAYLOAD_BYTES_MAX) });
        let cases: [(&str, String, serde_json::Value, &str); 4] = [
            ("Issue LC", "s".into(), json!({}), "action"),
            ("", "s".into(), json!({}), "action"),
            ("issue_lc", String::new(), json!({}), "summary"),
            ("issue_lc", "s".into(), big, "payload"),
        ];
        for (action, summary, payload, field) in cases {
            let e = approvals
                .propose(&maker, action, summary, payload, T0)
                .unwrap_err();
            assert!(
                matches!(e, ApprovalError::Invalid { field: f, .. } if f == field),
                "{e}"
            );
        }
        assert!(approvals.is_empty());
    }

    #[test]
    fn save_and_load_round_trip_and_a_bad_file_names_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("approvals.json");
        let maker = user("maker", "STCBKZKAXXX");
        let mut approvals = Approvals::new(ApprovalLimits::default());
        let a = propose(&mut approvals, &maker, 1);
        let b = propose(&mut approvals, &maker, 2);
        approvals.save(&path).unwrap();
        let loaded = Approvals::load(&path, ApprovalLimits::default()).unwrap();
        assert_eq!(loaded.pending_for("STCBKZKAXXX"), vec![a.clone(), b]);

        let mut bad = serde_json::to_value(&a).unwrap();
        bad["action"] = "Issue LC".into();
        let mut missing = serde_json::to_value(&a).unwrap();
        missing.as_object_mut().unwrap().remove("created_unix_s");
        let cases = [
            (json!({ "pending": [a.clone(), bad] }), "pending[1].action"),
            (
                json!({ "pending": [a.clone(), a.clone()] }),
                "pending[1].id",
            ),
            (json!({ "pending": [missing] }), "pending[0]"),
        ];
        for (file, field) in cases {
            std::fs::write(&path, file.to_string()).unwrap();
            let message = Approvals::load(&path, ApprovalLimits::default())
                .unwrap_err()
                .to_string();
            assert!(message.contains("approvals.json"), "{message}");
            assert!(message.contains(&format!("field '{field}'")), "{message}");
        }
        let small = ApprovalLimits {
            capacity: 1,
            ..ApprovalLimits::default()
        };
        approvals.save(&path).unwrap();
        let e = Approvals::load(&path, small).unwrap_err().to_string();
        assert!(e.contains("field 'pending'"), "{e}");
    }
}
