//! Instrument state machines: the life cycles of letters of credit (with their presentations),
//! invoices and customs declarations, as pure transition functions.
//!
//! Every instrument offers the same two entry points through [`Instrument`]: `open` turns an
//! opening action (issue a credit, register an invoice, submit a declaration) into a new
//! instrument, and `apply` turns `(instrument, action, actor, context)` into a [`Transition`]:
//! either `Applied` with the next instrument and the event that happened, or `Rejected` with a
//! structured [`Rejection`]. A rejection is an outcome the ledger records, not an error.
//!
//! Architecture invariant: `open` and `apply` are total and deterministic. They never panic,
//! read no clock and no random source, and use no hash map; the same inputs give the same
//! outcome, rejection reason included, on every validator. To make the reason deterministic the
//! checks always run in this order:
//! 1. the actor's role may perform the action at all ([`Rejection::NotPermitted`]);
//! 2. the actor is the party holding that role on this instrument ([`Rejection::WrongParty`],
//!    [`Rejection::RoleNotHeld`], [`Rejection::UndisclosedParty`]);
//! 3. the action is legal in the current state ([`Rejection::IllegalInState`]);
//! 4. the action's payload is valid against the instrument (amounts, dates, sequence numbers);
//! 5. the history has room and the context does not go backwards ([`Rejection::HistoryFull`],
//!    [`Rejection::ContextRegressed`]).
//!
//! Bounds: every instrument keeps at most [`HISTORY_LEN_MAX`] history entries, after which it
//! accepts no transition (a real credit sees a few dozen events; 1024 leaves room for long
//! amendment and refinancing cycles while bounding ledger state). Party ids, free texts and lists
//! in actions have the maximum lengths below. The full payloads of past actions are not kept in
//! the history: they are the ledger's transactions; history keeps the events.
//!
//! What this module deliberately does not do: verify signatures (the consensus layer turns a
//! verified signer into an [`Actor`]), hold documents (only their fingerprints and the terms the
//! rules need), run deadlines (actors submit `Expire` and the like), or index instruments,
//! except for the pure double-financing index [`FinancingRegistry`].

mod credit;
mod declaration;
mod invoice;
mod presentation;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codes::Currency;
use crate::date::Date;
use crate::decimal::Decimal;

pub use credit::{
    AmendmentTerms, Balance, LcAction, LcEvent, LcInstrument, LcParties, LcState, LcTerms,
    PendingAmendment,
};
pub use declaration::{
    Channel, DeclarationAction, DeclarationEvent, DeclarationInstrument, DeclarationParties,
    DeclarationState, DeclarationTerms, HitEffect, InspectionOutcome, RandomDraw, RiskAssessment,
    RuleHit, HIT_TEXT_LEN_MAX, RULE_ID_LEN_MAX,
};
pub use invoice::{
    may_finance, DuplicateFinancing, Financing, FinancingRegistry, InvoiceAction, InvoiceEvent,
    InvoiceInstrument, InvoiceParties, InvoiceState, InvoiceTerms, LiveFinancing,
};
pub use presentation::{
    Examination, PresentationAction, PresentationEvent, PresentationInstrument, PresentationState,
    PresentationSubmission,
};

/// At most this many history entries per instrument.
pub const HISTORY_LEN_MAX: usize = 1024;
/// At most this many bytes in a party id.
pub const PARTY_ID_LEN_MAX: usize = 128;
/// At most this many bytes in one free text (a discrepancy, a rule hit, a reason).
pub const TEXT_LEN_MAX: usize = 512;
/// At most this many items in a list carried by an action (documents, discrepancies, rule hits).
pub const LIST_LEN_MAX: usize = 64;

/// The role a party plays on an instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    IssuingBank,
    AdvisingBank,
    ConfirmingBank,
    NominatedBank,
    Applicant,
    Beneficiary,
    /// A bank financing an invoice.
    Financier,
    Seller,
    Buyer,
    Customs,
    Declarant,
    /// The JV operator. It runs the network and governs it; it acts on no trade instrument,
    /// so every instrument action refuses it.
    Operator,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::IssuingBank,
        Role::AdvisingBank,
        Role::ConfirmingBank,
        Role::NominatedBank,
        Role::Applicant,
        Role::Beneficiary,
        Role::Financier,
        Role::Seller,
        Role::Buyer,
        Role::Customs,
        Role::Declarant,
        Role::Operator,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::IssuingBank => "issuing_bank",
            Role::AdvisingBank => "advising_bank",
            Role::ConfirmingBank => "confirming_bank",
            Role::NominatedBank => "nominated_bank",
            Role::Applicant => "applicant",
            Role::Beneficiary => "beneficiary",
            Role::Financier => "financier",
            Role::Seller => "seller",
            Role::Buyer => "buyer",
            Role::Customs => "customs",
            Role::Declarant => "declarant",
            Role::Operator => "operator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who submits an action: a party (as the ledger knows it from its certificate) and the role
/// it claims. The instrument checks the claim against the parties it records.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub party_id: String,
    pub role: Role,
}

impl Actor {
    pub fn new(party_id: impl Into<String>, role: Role) -> Actor {
        Actor {
            party_id: party_id.into(),
            role,
        }
    }
}

/// Where on the ledger a transition happens: the block's height and the block's date (stamped
/// by its proposer, never read from a clock here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    pub height: u64,
    pub date: Date,
}

/// One applied transition, as an instrument remembers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry<E> {
    pub height: u64,
    pub date: Date,
    pub party_id: String,
    pub role: Role,
    pub event: E,
}

/// An instrument's history: at most [`HISTORY_LEN_MAX`] entries, in ledger order (heights and
/// dates never decrease). Decoding refuses a longer one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History<E> {
    entries: Vec<HistoryEntry<E>>,
}

/// The outcome of applying an action to an instrument.
#[must_use]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition<I, E> {
    Applied { instrument: I, event: E },
    Rejected { reason: Rejection },
}

/// A ledger instrument: its opening and its transitions. See the module documentation for the
/// guarantees every implementation gives.
pub trait Instrument: Sized {
    type Action;
    type Event;

    /// Opens a new instrument; only the instrument's opening action is accepted.
    fn open(action: Self::Action, actor: &Actor, ctx: &Context) -> Transition<Self, Self::Event>;

    /// Applies an action to this instrument.
    fn apply(
        &self,
        action: Self::Action,
        actor: &Actor,
        ctx: &Context,
    ) -> Transition<Self, Self::Event>;

    fn history(&self) -> &History<Self::Event>;
}

/// Why the ledger refused a transition. Every variant names what is at fault: the role, the
/// party, the state, or the field of the action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    #[error("a party acting as {role} may not {action}")]
    NotPermitted { role: Role, action: String },
    #[error("party '{found}' does not hold the role {role} on this instrument; '{expected}' does")]
    WrongParty {
        role: Role,
        expected: String,
        found: String,
    },
    /// Like `WrongParty`, for a role whose holder is not disclosed to other parties (an
    /// invoice's financier).
    #[error("party '{found}' does not hold the role {role} on this instrument")]
    UndisclosedParty { role: Role, found: String },
    #[error("no party holds the role {role} on this instrument")]
    RoleNotHeld { role: Role },
    #[error("cannot {action} in state {state}")]
    IllegalInState { state: String, action: String },
    #[error("cannot {action}: the instrument does not exist yet")]
    NotOpened { action: String },
    #[error("field '{field}': {problem}")]
    InvalidField { field: String, problem: String },
    #[error("field '{field}': expected currency {expected}, found {found}")]
    CurrencyMismatch {
        field: String,
        expected: Currency,
        found: Currency,
    },
    #[error("field '{field}': {requested} is more than the {available} available")]
    ExceedsAvailable {
        field: String,
        requested: Decimal,
        available: Decimal,
    },
    #[error("documents presented on {date}, after the credit's expiry date {expiry_date}")]
    PastExpiry { expiry_date: Date, date: Date },
    #[error("field 'today': {today} is not after the expiry date {expiry_date}")]
    NotYetExpired { expiry_date: Date, today: Date },
    #[error("field 'today': {today} is after the block date {block_date}")]
    DateAhead { today: Date, block_date: Date },
    #[error("field 'number': amendment {found} is out of sequence, expected {expected}")]
    AmendmentOutOfSequence { expected: u16, found: u16 },
    #[error("the credit does not allow partial drawings and has already been drawn")]
    PartialDrawingsNotAllowed,
    /// The double-financing guard. It deliberately does not name the current financier.
    #[error(
        "the invoice is already financed; {unfinanced} {currency} of its {total} {currency} \
         total is unfinanced, and it cannot be financed again until the current financing is repaid"
    )]
    AlreadyFinanced {
        unfinanced: Decimal,
        total: Decimal,
        currency: Currency,
    },
    #[error("the seller no longer holds the receivable: it was assigned to '{holder}'")]
    ReceivableAssigned { holder: String },
    #[error("a red-channel declaration is released only after a physical inspection")]
    InspectionRequired,
    #[error("the history holds {len_max} entries, the maximum; no further transition is accepted")]
    HistoryFull { len_max: usize },
    #[error(
        "block {height} dated {date} is before the instrument's last entry, block {last_height} \
         dated {last_date}"
    )]
    ContextRegressed {
        last_height: u64,
        height: u64,
        last_date: Date,
        date: Date,
    },
}

impl<E> History<E> {
    pub fn entries(&self) -> &[HistoryEntry<E>] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn last(&self) -> Option<&HistoryEntry<E>> {
        self.entries.last()
    }

    pub fn events(&self) -> impl Iterator<Item = &E> {
        self.entries.iter().map(|e| &e.event)
    }

    /// Appends an entry, refusing one past the bound or one that goes back in ledger order.
    pub(crate) fn record(
        &mut self,
        actor: &Actor,
        ctx: &Context,
        event: E,
    ) -> Result<(), Rejection> {
        if self.entries.len() >= HISTORY_LEN_MAX {
            return Err(Rejection::HistoryFull {
                len_max: HISTORY_LEN_MAX,
            });
        }
        if let Some(last) = self.entries.last() {
            if ctx.height < last.height || ctx.date < last.date {
                return Err(Rejection::ContextRegressed {
                    last_height: last.height,
                    height: ctx.height,
                    last_date: last.date,
                    date: ctx.date,
                });
            }
        }
        self.entries.push(HistoryEntry {
            height: ctx.height,
            date: ctx.date,
            party_id: actor.party_id.clone(),
            role: actor.role,
            event,
        });
        Ok(())
    }

    /// A history holding only the opening event.
    pub(crate) fn opened(actor: &Actor, ctx: &Context, event: E) -> History<E> {
        History {
            entries: vec![HistoryEntry {
                height: ctx.height,
                date: ctx.date,
                party_id: actor.party_id.clone(),
                role: actor.role,
                event,
            }],
        }
    }
}

impl<E: Serialize> Serialize for History<E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries.serialize(serializer)
    }
}

impl<'de, E: Deserialize<'de>> Deserialize<'de> for History<E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = Vec::<HistoryEntry<E>>::deserialize(deserializer)?;
        if entries.len() > HISTORY_LEN_MAX {
            return Err(serde::de::Error::custom(format!(
                "history holds {} entries, more than the maximum of {HISTORY_LEN_MAX}",
                entries.len()
            )));
        }
        Ok(History { entries })
    }
}

impl<I, E> Transition<I, E> {
    pub fn is_applied(&self) -> bool {
        matches!(self, Transition::Applied { .. })
    }

    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Transition::Applied { .. } => None,
            Transition::Rejected { reason } => Some(reason),
        }
    }

    /// The next instrument and the event, if the transition was applied.
    pub fn applied(self) -> Option<(I, E)> {
        match self {
            Transition::Applied { instrument, event } => Some((instrument, event)),
            Transition::Rejected { .. } => None,
        }
    }
}

impl<I, E> From<Result<(I, E), Rejection>> for Transition<I, E> {
    fn from(result: Result<(I, E), Rejection>) -> Self {
        match result {
            Ok((instrument, event)) => Transition::Applied { instrument, event },
            Err(reason) => Transition::Rejected { reason },
        }
    }
}

/// Check 1 of the module's order: may this role perform the action at all?
pub(crate) fn permit(actor: &Actor, permitted: &[Role], action: &str) -> Result<(), Rejection> {
    if permitted.contains(&actor.role) {
        Ok(())
    } else {
        Err(Rejection::NotPermitted {
            role: actor.role,
            action: action.to_string(),
        })
    }
}

/// Check 2 of the module's order: is the actor the party holding its role here?
pub(crate) fn identify(actor: &Actor, holder: Option<&str>) -> Result<(), Rejection> {
    match holder {
        None => Err(Rejection::RoleNotHeld { role: actor.role }),
        Some(holder) if holder != actor.party_id => Err(Rejection::WrongParty {
            role: actor.role,
            expected: holder.to_string(),
            found: actor.party_id.clone(),
        }),
        Some(_) => Ok(()),
    }
}

/// Checks 1 and 2 together, for actions whose actor must already hold its role.
pub(crate) fn authorize(
    actor: &Actor,
    permitted: &[Role],
    holder: Option<&str>,
    action: &str,
) -> Result<(), Rejection> {
    permit(actor, permitted, action)?;
    identify(actor, holder)
}

pub(crate) fn illegal(state: impl fmt::Display, action: &str) -> Rejection {
    Rejection::IllegalInState {
        state: state.to_string(),
        action: action.to_string(),
    }
}

pub(crate) fn invalid(field: &str, problem: impl Into<String>) -> Rejection {
    Rejection::InvalidField {
        field: field.to_string(),
        problem: problem.into(),
    }
}

/// A party id: not blank, at most [`PARTY_ID_LEN_MAX`] bytes.
pub(crate) fn check_party_id(field: &str, id: &str) -> Result<(), Rejection> {
    if id.trim().is_empty() {
        return Err(invalid(field, "must not be blank"));
    }
    if id.len() > PARTY_ID_LEN_MAX {
        return Err(invalid(
            field,
            format!("holds {} bytes, more than {PARTY_ID_LEN_MAX}", id.len()),
        ));
    }
    Ok(())
}

/// A free text: not blank, at most [`TEXT_LEN_MAX`] bytes.
pub(crate) fn check_text(field: &str, text: &str) -> Result<(), Rejection> {
    if text.trim().is_empty() {
        return Err(invalid(field, "must not be blank"));
    }
    if text.len() > TEXT_LEN_MAX {
        return Err(invalid(
            field,
            format!("holds {} bytes, more than {TEXT_LEN_MAX}", text.len()),
        ));
    }
    Ok(())
}

/// A list of free texts: at most [`LIST_LEN_MAX`] items, each a valid text.
pub(crate) fn check_texts(field: &str, texts: &[String]) -> Result<(), Rejection> {
    check_list_len(field, texts.len())?;
    for (i, text) in texts.iter().enumerate() {
        check_text(&format!("{field}[{i}]"), text)?;
    }
    Ok(())
}

pub(crate) fn check_list_len(field: &str, len: usize) -> Result<(), Rejection> {
    if len > LIST_LEN_MAX {
        return Err(invalid(
            field,
            format!("holds {len} items, more than {LIST_LEN_MAX}"),
        ));
    }
    Ok(())
}

/// A positive amount carrying exactly its currency's minor-unit digits.
pub(crate) fn check_amount(
    field: &str,
    amount: Decimal,
    currency: Currency,
) -> Result<(), Rejection> {
    if amount.scale() != currency.minor_units() {
        return Err(invalid(
            field,
            format!(
                "{currency} amounts have {} fraction digits, found '{amount}'",
                currency.minor_units()
            ),
        ));
    }
    if amount.is_negative() || amount.is_zero() {
        return Err(invalid(
            field,
            format!("must be greater than zero, found '{amount}'"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(height: u64, date: &str) -> Context {
        Context {
            height,
            date: date.parse().unwrap(),
        }
    }

    #[test]
    fn authorization_checks_role_then_party() {
        let bank = Actor::new("bank-a", Role::IssuingBank);
        let cases: [(&[Role], Option<&str>, Option<Rejection>); 4] = [
            (&[Role::IssuingBank], Some("bank-a"), None),
            (
                &[Role::Beneficiary],
                Some("bank-a"),
                Some(Rejection::NotPermitted {
                    role: Role::IssuingBank,
                    action: "advise".into(),
                }),
            ),
            (
                &[Role::IssuingBank],
                Some("bank-b"),
                Some(Rejection::WrongParty {
                    role: Role::IssuingBank,
                    expected: "bank-b".into(),
                    found: "bank-a".into(),
                }),
            ),
            (
                &[Role::IssuingBank],
                None,
                Some(Rejection::RoleNotHeld {
                    role: Role::IssuingBank,
                }),
            ),
        ];
        for (permitted, holder, expected) in cases {
            assert_eq!(
                authorize(&bank, permitted, holder, "advise").err(),
                expected,
                "{permitted:?} {holder:?}"
            );
        }
    }

    #[test]
    fn history_is_bounded_and_ordered() {
        let actor = Actor::new("p", Role::Seller);
        let mut history = History::opened(&actor, &ctx(5, "2026-03-02"), 0u32);
        assert_eq!(
            history.record(&actor, &ctx(4, "2026-03-02"), 1),
            Err(Rejection::ContextRegressed {
                last_height: 5,
                height: 4,
                last_date: "2026-03-02".parse().unwrap(),
                date: "2026-03-02".parse().unwrap(),
            })
        );
        assert!(matches!(
            history.record(&actor, &ctx(6, "2026-03-01"), 1),
            Err(Rejection::ContextRegressed { .. })
        ));
        for i in 1..HISTORY_LEN_MAX {
            history
                .record(&actor, &ctx(5, "2026-03-02"), i as u32)
                .unwrap();
        }
        assert_eq!(history.len(), HISTORY_LEN_MAX);
        assert_eq!(
            history.record(&actor, &ctx(7, "2026-03-03"), 0),
            Err(Rejection::HistoryFull {
                len_max: HISTORY_LEN_MAX
            })
        );
    }

    #[test]
    fn decoding_refuses_an_overlong_history() {
        let entry = HistoryEntry {
            height: 1,
            date: "2026-03-02".parse().unwrap(),
            party_id: "p".into(),
            role: Role::Seller,
            event: 0u8,
        };
        let at_max = vec![entry.clone(); HISTORY_LEN_MAX];
        let bytes = crate::cbor::to_canonical(&at_max).unwrap();
        assert!(crate::cbor::from_canonical::<History<u8>>(&bytes).is_ok());
        let over = vec![entry; HISTORY_LEN_MAX + 1];
        let bytes = crate::cbor::to_canonical(&over).unwrap();
        let err = crate::cbor::from_canonical::<History<u8>>(&bytes).unwrap_err();
        assert!(err.to_string().contains("more than the maximum"), "{err}");
    }

    #[test]
    fn field_checks_name_the_field() {
        let usd: Currency = "USD".parse().unwrap();
        let cases = [
            (check_party_id("parties.seller", " "), "parties.seller"),
            (
                check_text("reason", &"x".repeat(TEXT_LEN_MAX + 1)),
                "reason",
            ),
            (
                check_texts("rule_hits", &["ok".into(), "".into()]),
                "rule_hits[1]",
            ),
            (
                check_amount("amount", "10.0".parse().unwrap(), usd),
                "amount",
            ),
            (
                check_amount("amount", "0.00".parse().unwrap(), usd),
                "amount",
            ),
            (check_list_len("documents", LIST_LEN_MAX + 1), "documents"),
        ];
        for (result, field) in cases {
            match result {
                Err(Rejection::InvalidField { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: expected an invalid field, got {other:?}"),
            }
        }
        assert_eq!(
            check_amount("amount", "10.00".parse().unwrap(), usd),
            Ok(())
        );
    }
}
