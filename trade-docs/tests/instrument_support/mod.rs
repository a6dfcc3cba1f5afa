//! Fixtures shared by the instrument tests: the fictional parties of PRODUCT.md §7, ready-made
//! terms for a credit, an invoice and a declaration, and helpers that drive an instrument through
//! a sequence of steps.
//!
//! Each test crate uses only part of this module, hence the `dead_code` allowance.
#![allow(dead_code)]

use trade_docs::document::{Confirmation, DeclarationKind, Tolerance};
use trade_docs::instrument::{
    Actor, Context, DeclarationParties, DeclarationTerms, Instrument, InvoiceParties, InvoiceTerms,
    LcParties, LcTerms, Rejection, Role, Transition,
};
use trade_docs::{Date, Decimal, Fingerprint};

pub const ISSUING_BANK: &str = "bank:steppe-commercial-bank";
pub const ADVISING_BANK: &str = "bank:tianshan-commercial-bank";
pub const NOMINATED_BANK: &str = "bank:tianshan-commercial-bank-urumqi";
pub const APPLICANT: &str = "kz:steppe-agro-machinery";
pub const BENEFICIARY: &str = "cn:tianshan-heavy-industry";
pub const OTHER_BANK: &str = "bank:altai-trade-bank";
pub const THIRD_BANK: &str = "bank:caspian-finance-bank";
pub const STRANGER: &str = "kz:unrelated-trader";
pub const CUSTOMS_KHORGOS: &str = "customs:kz-khorgos";
pub const CUSTOMS_AKTAU: &str = "customs:kz-aktau";
pub const DECLARANT: &str = "kz:khorgos-customs-broker";

pub fn date(text: &str) -> Date {
    text.parse().unwrap()
}

pub fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

pub fn fp(label: &str) -> Fingerprint {
    Fingerprint::sha256(label.as_bytes())
}

pub fn ctx(height: u64, day: &str) -> Context {
    Context {
        height,
        date: date(day),
    }
}

/// The rejection of an action that is not legal in a state.
pub fn illegal(state: &str, action: &str) -> Rejection {
    Rejection::IllegalInState {
        state: state.into(),
        action: action.into(),
    }
}

pub fn actor(party_id: &str, role: Role) -> Actor {
    Actor::new(party_id, role)
}

pub fn issuing() -> Actor {
    actor(ISSUING_BANK, Role::IssuingBank)
}
pub fn advising() -> Actor {
    actor(ADVISING_BANK, Role::AdvisingBank)
}
pub fn nominated() -> Actor {
    actor(NOMINATED_BANK, Role::NominatedBank)
}
pub fn applicant() -> Actor {
    actor(APPLICANT, Role::Applicant)
}
pub fn beneficiary() -> Actor {
    actor(BENEFICIARY, Role::Beneficiary)
}

/// The credit of the demo scenario: USD 250 000.00 ±5 % for tractor parts, one drawing.
pub fn lc_terms() -> LcTerms {
    LcTerms {
        reference: "SCB26LC0417".into(),
        document: fp("mt700 SCB26LC0417"),
        currency: "USD".parse().unwrap(),
        amount: dec("250000.00"),
        tolerance: Some(Tolerance {
            plus_percent: 5,
            minus_percent: 5,
        }),
        expiry_date: date("2026-06-30"),
        latest_shipment_date: Some(date("2026-06-09")),
        partial_drawings_allowed: false,
        confirmation: Confirmation::Without,
    }
}

pub fn lc_parties() -> LcParties {
    LcParties {
        issuing_bank: ISSUING_BANK.into(),
        advising_bank: ADVISING_BANK.into(),
        applicant: APPLICANT.into(),
        beneficiary: BENEFICIARY.into(),
        confirming_bank: None,
        nominated_bank: Some(NOMINATED_BANK.into()),
    }
}

/// The first invoice of the scenario, registered by the exporter.
pub fn invoice_terms() -> InvoiceTerms {
    InvoiceTerms {
        fingerprint: fp("business fingerprint of THI-2026-0117"),
        number: "THI-2026-0117".into(),
        issue_date: date("2026-06-10"),
        currency: "USD".parse().unwrap(),
        total: dec("248750.00"),
    }
}

pub fn invoice_parties() -> InvoiceParties {
    InvoiceParties {
        seller: BENEFICIARY.into(),
        buyer: APPLICANT.into(),
    }
}

pub fn declaration_terms() -> DeclarationTerms {
    DeclarationTerms {
        document: fp("import declaration KZ-IM-2026-5531"),
        reference: "KZ-IM-2026-5531".into(),
        declaration_kind: DeclarationKind::Import,
        border_post: "KHORGOS".into(),
    }
}

pub fn declaration_parties() -> DeclarationParties {
    DeclarationParties {
        declarant: DECLARANT.into(),
        customs: CUSTOMS_KHORGOS.into(),
    }
}

/// Applies an action that must be legal, and checks that it added exactly one history entry.
pub fn apply_legal<I: Instrument>(
    before: &I,
    action: I::Action,
    actor: &Actor,
    context: &Context,
    shown: &str,
) -> (I, I::Event) {
    let (after, event) = before
        .apply(action, actor, context)
        .applied()
        .unwrap_or_else(|| panic!("{shown}: rejected"));
    assert_eq!(after.history().len(), before.history().len() + 1, "{shown}");
    (after, event)
}

/// Drives an instrument through steps that must all apply, one block a step, one day apart
/// from `start`. Panics naming the step that was rejected.
pub fn drive<I: Instrument + Clone>(
    mut instrument: I,
    steps: Vec<(I::Action, Actor)>,
    first_height: u64,
    start: &str,
) -> I
where
    I::Action: std::fmt::Debug,
{
    for (i, (action, actor)) in steps.into_iter().enumerate() {
        let height = first_height + i as u64;
        let day = date(start).add_days(i as i64).unwrap();
        let context = Context { height, date: day };
        let shown = format!("{action:?} by {actor:?}");
        instrument = match instrument.apply(action, &actor, &context) {
            Transition::Applied { instrument, .. } => instrument,
            Transition::Rejected { reason } => panic!("step {i} ({shown}) rejected: {reason}"),
        };
    }
    instrument
}

/// Opens an instrument with an action that must apply.
pub fn open<I: Instrument>(action: I::Action, actor: &Actor, context: &Context) -> I {
    match I::open(action, actor, context) {
        Transition::Applied { instrument, .. } => instrument,
        Transition::Rejected { reason } => panic!("opening rejected: {reason}"),
    }
}

/// The rejection of a transition that must be rejected.
pub fn rejection<I, E>(transition: Transition<I, E>) -> trade_docs::instrument::Rejection {
    match transition {
        Transition::Applied { .. } => panic!("expected a rejection, the transition applied"),
        Transition::Rejected { reason } => reason,
    }
}
