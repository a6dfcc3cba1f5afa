//! The invoice as a ledger instrument and the double-financing guard: every legal transition,
//! representative illegal ones, and the refusal of a second financing — on the same instrument
//! and on the same invoice registered twice — that names no financier.

mod instrument_support;

use instrument_support::*;
use trade_docs::cbor::{from_canonical, to_canonical};
use trade_docs::document::Invoice;
use trade_docs::instrument::{
    may_finance, Actor, FinancingRegistry, Instrument, InvoiceAction, InvoiceEvent,
    InvoiceInstrument, InvoiceParties, InvoiceState, InvoiceTerms, LiveFinancing, Rejection, Role,
};

fn seller() -> Actor {
    actor(BENEFICIARY, Role::Seller)
}
fn financier(bank: &str) -> Actor {
    actor(bank, Role::Financier)
}
fn register() -> InvoiceAction {
    InvoiceAction::RegisterInvoice {
        terms: invoice_terms(),
        parties: invoice_parties(),
    }
}
fn finance(amount: &str) -> InvoiceAction {
    InvoiceAction::Finance {
        amount: dec(amount),
    }
}
fn assign(to: &str) -> InvoiceAction {
    InvoiceAction::Assign {
        assignee: to.into(),
    }
}

fn registered() -> InvoiceInstrument {
    open(register(), &seller(), &ctx(1, "2026-06-12"))
}

/// An invoice brought to a named stage, one block and one day a step from 2026-06-13.
fn at(stage: &str) -> InvoiceInstrument {
    let steps = match stage {
        "registered" => vec![],
        "financed" => vec![(finance("200000.00"), financier(OTHER_BANK))],
        "repaid" => vec![
            (finance("200000.00"), financier(OTHER_BANK)),
            (InvoiceAction::RecordRepayment, financier(OTHER_BANK)),
        ],
        "assigned" => vec![(assign(THIRD_BANK), seller())],
        other => panic!("unknown stage {other}"),
    };
    drive(registered(), steps, 2, "2026-06-13")
}

fn later() -> trade_docs::instrument::Context {
    ctx(100, "2026-07-01")
}

#[test]
fn every_legal_transition() {
    let cases: Vec<(&str, InvoiceAction, Actor, InvoiceState, InvoiceEvent)> = vec![
        (
            "registered",
            finance("248750.00"),
            financier(THIRD_BANK),
            InvoiceState::Financed,
            InvoiceEvent::InvoiceFinanced {
                amount: dec("248750.00"),
            },
        ),
        (
            "financed",
            InvoiceAction::RecordRepayment,
            financier(OTHER_BANK),
            InvoiceState::Repaid,
            InvoiceEvent::RepaymentRecorded {
                amount: dec("200000.00"),
            },
        ),
        (
            "repaid",
            finance("100000.00"),
            financier(THIRD_BANK),
            InvoiceState::Financed,
            InvoiceEvent::InvoiceFinanced {
                amount: dec("100000.00"),
            },
        ),
        (
            "registered",
            assign(THIRD_BANK),
            seller(),
            InvoiceState::Registered,
            InvoiceEvent::ReceivableAssigned {
                assignee: THIRD_BANK.into(),
            },
        ),
        (
            "repaid",
            assign(THIRD_BANK),
            seller(),
            InvoiceState::Repaid,
            InvoiceEvent::ReceivableAssigned {
                assignee: THIRD_BANK.into(),
            },
        ),
        (
            "assigned",
            finance("1.00"),
            financier(OTHER_BANK),
            InvoiceState::Financed,
            InvoiceEvent::InvoiceFinanced {
                amount: dec("1.00"),
            },
        ),
    ];
    for (stage, action, actor, state, event) in cases {
        let shown = format!("{stage} --{}-->", action.name());
        let before = at(stage);
        let (after, applied) = apply_legal(&before, action, &actor, &later(), &shown);
        assert_eq!((after.state, &applied), (state, &event), "{shown}");
        assert_eq!(
            after.history.last().unwrap().party_id,
            actor.party_id,
            "{shown}"
        );
        assert_eq!(
            after.financing.is_some(),
            state == InvoiceState::Financed,
            "{shown}"
        );
    }
    let financed = at("financed");
    assert_eq!(financed.financing.as_ref().unwrap().financier, OTHER_BANK);
    assert_eq!(at("assigned").holder, THIRD_BANK);
    assert_eq!(registered().holder, BENEFICIARY);
}

#[test]
fn illegal_transitions_are_rejected_with_their_reason() {
    let cases: Vec<(&str, InvoiceAction, Actor, Rejection)> = vec![
        (
            "registered",
            finance("1.00"),
            actor(APPLICANT, Role::Buyer),
            Rejection::NotPermitted {
                role: Role::Buyer,
                action: "finance".into(),
            },
        ),
        (
            "financed",
            InvoiceAction::RecordRepayment,
            seller(),
            Rejection::NotPermitted {
                role: Role::Seller,
                action: "record_repayment".into(),
            },
        ),
        (
            "registered",
            assign(THIRD_BANK),
            financier(OTHER_BANK),
            Rejection::NotPermitted {
                role: Role::Financier,
                action: "assign".into(),
            },
        ),
        (
            "registered",
            assign(THIRD_BANK),
            actor(STRANGER, Role::Seller),
            Rejection::WrongParty {
                role: Role::Seller,
                expected: BENEFICIARY.into(),
                found: STRANGER.into(),
            },
        ),
        (
            "financed",
            InvoiceAction::RecordRepayment,
            financier(THIRD_BANK),
            Rejection::UndisclosedParty {
                role: Role::Financier,
                found: THIRD_BANK.into(),
            },
        ),
        (
            "registered",
            InvoiceAction::RecordRepayment,
            financier(OTHER_BANK),
            Rejection::RoleNotHeld {
                role: Role::Financier,
            },
        ),
        (
            "financed",
            assign(THIRD_BANK),
            seller(),
            illegal("financed", "assign"),
        ),
        (
            "registered",
            register(),
            seller(),
            illegal("registered", "register_invoice"),
        ),
        (
            "registered",
            finance("248750.01"),
            financier(OTHER_BANK),
            Rejection::ExceedsAvailable {
                field: "amount".into(),
                requested: dec("248750.01"),
                available: dec("248750.00"),
            },
        ),
        (
            "assigned",
            assign(OTHER_BANK),
            seller(),
            Rejection::ReceivableAssigned {
                holder: THIRD_BANK.into(),
            },
        ),
    ];
    for (stage, action, actor, expected) in cases {
        let shown = format!("{stage} --{}--> by {actor:?}", action.name());
        assert_eq!(
            rejection(at(stage).apply(action, &actor, &later())),
            expected,
            "{shown}"
        );
    }
    for (action, field) in [
        (finance("1.0"), "amount"),
        (finance("0.00"), "amount"),
        (assign(BENEFICIARY), "assignee"),
        (assign(""), "assignee"),
    ] {
        let actor = match action {
            InvoiceAction::Finance { .. } => financier(OTHER_BANK),
            _ => seller(),
        };
        match rejection(registered().apply(action, &actor, &later())) {
            Rejection::InvalidField { field: f, .. } => assert_eq!(f, field),
            other => panic!("{field}: {other}"),
        }
    }
}

#[test]
fn registration_checks_seller_and_terms() {
    let opening = ctx(1, "2026-06-12");
    assert_eq!(
        rejection(InvoiceInstrument::open(
            register(),
            &actor(APPLICANT, Role::Seller),
            &opening
        )),
        Rejection::WrongParty {
            role: Role::Seller,
            expected: BENEFICIARY.into(),
            found: APPLICANT.into()
        }
    );
    assert_eq!(
        rejection(InvoiceInstrument::open(
            finance("1.00"),
            &financier(OTHER_BANK),
            &opening
        )),
        Rejection::NotOpened {
            action: "finance".into()
        }
    );
    let faults = [
        (
            InvoiceTerms {
                total: dec("248750"),
                ..invoice_terms()
            },
            invoice_parties(),
            "terms.total",
        ),
        (
            InvoiceTerms {
                number: "".into(),
                ..invoice_terms()
            },
            invoice_parties(),
            "terms.number",
        ),
        (
            invoice_terms(),
            InvoiceParties {
                seller: BENEFICIARY.into(),
                buyer: BENEFICIARY.into(),
            },
            "parties.buyer",
        ),
    ];
    for (terms, parties, field) in faults {
        let action = InvoiceAction::RegisterInvoice { terms, parties };
        match rejection(InvoiceInstrument::open(action, &seller(), &opening)) {
            Rejection::InvalidField { field: f, .. } => assert_eq!(f, field),
            other => panic!("{field}: {other}"),
        }
    }
}

/// The refusal says how much is unfinanced and names no financier, in any encoding.
fn assert_discreet(reason: &Rejection, financier_id: &str) {
    assert_eq!(
        reason,
        &Rejection::AlreadyFinanced {
            unfinanced: dec("48750.00"),
            total: dec("248750.00"),
            currency: "USD".parse().unwrap(),
        }
    );
    let message = reason.to_string();
    assert!(message.contains("48750.00 USD"), "{message}");
    assert!(message.contains("already financed"), "{message}");
    let cbor = to_canonical(reason).unwrap();
    for shown in [
        message,
        format!("{reason:?}"),
        serde_json::to_string(reason).unwrap(),
        String::from_utf8_lossy(&cbor).into_owned(),
    ] {
        assert!(
            !shown.contains(financier_id),
            "names the financier: {shown}"
        );
        assert!(!shown.contains("altai"), "names the financier: {shown}");
    }
}

#[test]
fn financing_a_financed_invoice_is_refused_without_naming_the_financier() {
    let reason =
        rejection(at("financed").apply(finance("10000.00"), &financier(THIRD_BANK), &later()));
    assert_discreet(&reason, OTHER_BANK);
    // The financier itself cannot finance twice either.
    let again = rejection(at("financed").apply(finance("1.00"), &financier(OTHER_BANK), &later()));
    assert!(matches!(again, Rejection::AlreadyFinanced { .. }));
}

/// PRODUCT.md §7: a third party tries to finance the first invoice twice and is refused. The
/// same invoice is registered twice (re-typed into a second system); only one financing of its
/// business fingerprint may be live at a time.
#[test]
fn the_same_invoice_registered_twice_is_financed_once() {
    let mut registry = FinancingRegistry::new();
    let first = registry
        .open(register(), &seller(), &ctx(1, "2026-06-12"))
        .applied()
        .unwrap()
        .0;
    let twin = registry
        .open(register(), &seller(), &ctx(2, "2026-06-12"))
        .applied()
        .unwrap()
        .0;
    assert_eq!(first.terms.fingerprint, twin.terms.fingerprint);

    let (first, _) = registry
        .apply(
            &first,
            finance("200000.00"),
            &financier(OTHER_BANK),
            &ctx(3, "2026-06-13"),
        )
        .applied()
        .unwrap();
    assert_eq!(registry.len(), 1);
    let reason = rejection(registry.apply(
        &twin,
        finance("100000.00"),
        &financier(THIRD_BANK),
        &ctx(4, "2026-06-14"),
    ));
    assert_discreet(&reason, OTHER_BANK);
    assert_eq!(
        twin.state,
        InvoiceState::Registered,
        "the twin is untouched"
    );
    assert_eq!(registry.may_finance(&first.terms.fingerprint), Err(reason));

    // A party that may not finance at all learns nothing about the other instrument.
    assert!(matches!(
        rejection(registry.apply(
            &twin,
            finance("1.00"),
            &actor(STRANGER, Role::Buyer),
            &ctx(4, "2026-06-14")
        )),
        Rejection::NotPermitted { .. }
    ));

    // Once the first financing is repaid, the invoice may be financed again, in either place.
    let (_, event) = registry
        .apply(
            &first,
            InvoiceAction::RecordRepayment,
            &financier(OTHER_BANK),
            &ctx(5, "2026-06-15"),
        )
        .applied()
        .unwrap();
    assert_eq!(
        event,
        InvoiceEvent::RepaymentRecorded {
            amount: dec("200000.00")
        }
    );
    assert!(registry.is_empty());
    let (twin, _) = registry
        .apply(
            &twin,
            finance("100000.00"),
            &financier(THIRD_BANK),
            &ctx(6, "2026-06-16"),
        )
        .applied()
        .unwrap();
    assert_eq!(twin.financing.as_ref().unwrap().financier, THIRD_BANK);
    assert_eq!(
        registry.live(&twin.terms.fingerprint),
        Some(&LiveFinancing {
            amount: dec("100000.00"),
            total: dec("248750.00"),
            currency: "USD".parse().unwrap(),
        })
    );
}

#[test]
fn may_finance_is_the_rule_on_its_own() {
    assert_eq!(may_finance(None), Ok(()));
    let live = LiveFinancing {
        amount: dec("200000.00"),
        total: dec("248750.00"),
        currency: "USD".parse().unwrap(),
    };
    assert_discreet(&may_finance(Some(&live)).unwrap_err(), OTHER_BANK);
}

#[test]
fn registry_rebuilds_from_the_ledger_and_detects_a_broken_guard() {
    let financed = at("financed");
    let registry = FinancingRegistry::from_instruments([&at("registered"), &financed]).unwrap();
    assert_eq!(registry.len(), 1);
    assert!(registry.may_finance(&financed.terms.fingerprint).is_err());
    let broken = FinancingRegistry::from_instruments([&financed, &financed]).unwrap_err();
    assert_eq!(broken.fingerprint, financed.terms.fingerprint);
    assert!(broken.to_string().contains("financed by two instruments"));
}

#[test]
fn invoice_and_registry_round_trip_through_canonical_cbor() {
    let financed = at("financed");
    let bytes = to_canonical(&financed).unwrap();
    assert_eq!(
        from_canonical::<InvoiceInstrument>(&bytes).unwrap(),
        financed
    );
    let registry = FinancingRegistry::from_instruments([&financed]).unwrap();
    let bytes = to_canonical(&registry).unwrap();
    assert_eq!(
        from_canonical::<FinancingRegistry>(&bytes).unwrap(),
        registry
    );
}

#[test]
fn terms_carry_the_business_fingerprint() {
    let invoice: Invoice = serde_json::from_str(
        r#"{
            "number": "THI-2026-0117",
            "issue_date": "2026-06-10",
            "type_code": "380",
            "seller": {"name": "Tianshan Heavy Industry Co.", "id": "91650100MA7XTH0117"},
            "buyer": {"name": "Steppe Agro Machinery LLP", "id": "240340011117"},
            "currency": "USD",
            "lines": [{"line_id": "1", "description": "TRACTOR PARTS", "quantity": "500",
                       "unit": "C62", "unit_price": "497.50", "line_total": "248750.00"}],
            "line_total": "248750.00",
            "tax_basis_total": "248750.00",
            "total": "248750.00",
            "due_payable": "248750.00"
        }"#,
    )
    .unwrap();
    let terms = InvoiceTerms::of_invoice(&invoice);
    assert_eq!(
        terms.fingerprint,
        trade_docs::Fingerprint::of_invoice_business(&invoice)
    );
    assert_eq!(
        (terms.number.as_str(), terms.total, terms.issue_date),
        ("THI-2026-0117", dec("248750.00"), date("2026-06-10"))
    );
    // Re-typed with another spelling of its number, it is still the same invoice.
    let retyped = Invoice {
        number: "thi 2026 0117".into(),
        ..invoice
    };
    assert_eq!(
        InvoiceTerms::of_invoice(&retyped).fingerprint,
        terms.fingerprint
    );
}
