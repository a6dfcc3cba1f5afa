//! The letter of credit and its presentations as ledger instruments: every legal transition,
//! representative illegal ones (wrong role, wrong party of the right role, wrong state, bad
//! payload), amendments, drawings, expiry, the demo scenario of PRODUCT.md §7, and the wire
//! format of actions and instruments.

mod instrument_support;

use instrument_support::*;
use trade_docs::cbor::{from_canonical, to_canonical};
use trade_docs::document::{Confirmation, LetterOfCredit, Tolerance};
use trade_docs::instrument::{
    Actor, AmendmentTerms, Balance, Examination, Instrument, LcAction, LcEvent, LcInstrument,
    LcState, LcTerms, PresentationAction as P, PresentationEvent, PresentationState as PS,
    PresentationSubmission, Rejection, Role, Transition,
};

fn issue_action(terms: LcTerms) -> LcAction {
    LcAction::IssueLc {
        terms,
        parties: lc_parties(),
    }
}

fn issued_with(terms: LcTerms) -> LcInstrument {
    open(issue_action(terms), &issuing(), &ctx(1, "2026-03-02"))
}

fn amendment(number: u16) -> AmendmentTerms {
    AmendmentTerms {
        number,
        document: fp(&format!("mt707 SCB26LC0417/{number}")),
        increase: Some(dec("12500.00")),
        decrease: None,
        new_expiry_date: Some(date("2026-07-15")),
        new_tolerance: None,
        new_latest_shipment_date: None,
    }
}

fn present(amount: &str) -> LcAction {
    P::PresentDocuments(PresentationSubmission {
        documents: vec![
            fp("invoice THI-2026-0117"),
            fp("packing list THI-PL-0117"),
            fp("smgs 24417788"),
            fp("certificate of origin CCPIT-XJ-2026-0931"),
        ],
        currency: "USD".parse().unwrap(),
        amount: dec(amount),
    })
    .into()
}

fn exam(compliant: bool) -> LcAction {
    let discrepancies = if compliant {
        vec![]
    } else {
        vec![
            "UCP 600 art. 14(c), field 44C: shipped 2026-06-10, latest shipment date 2026-06-09"
                .into(),
        ]
    };
    P::RecordExamination(Examination {
        compliant,
        discrepancies,
        report: Some(fp("examination report")),
    })
    .into()
}

/// The step that reaches a named stage, and the stage it starts from.
fn last_step(stage: &str) -> Option<(&'static str, LcAction, Actor)> {
    Some(match stage {
        "issued" => return None,
        "advised" => ("issued", LcAction::Advise, advising()),
        "amendment_proposed" => (
            "advised",
            LcAction::ProposeAmendment(amendment(1)),
            issuing(),
        ),
        "cancellation_proposed" => ("advised", LcAction::ProposeCancellation, issuing()),
        "cancelled" => (
            "cancellation_proposed",
            LcAction::ConsentToCancellation,
            beneficiary(),
        ),
        "presented" => ("advised", present("250000.00"), beneficiary()),
        "compliant" => ("presented", exam(true), issuing()),
        "discrepant" => ("presented", exam(false), issuing()),
        "waiver_sought" => ("discrepant", P::SeekWaiver.into(), issuing()),
        "waived" => ("discrepant", P::Waive.into(), applicant()),
        "not_waived" => ("waiver_sought", P::DeclineWaiver.into(), applicant()),
        "honoured" => ("compliant", P::Honour.into(), issuing()),
        "refused" => ("discrepant", P::Refuse.into(), issuing()),
        "settled" => ("honoured", LcAction::Settle, issuing()),
        other => panic!("unknown stage {other}"),
    })
}

/// A credit brought to `stage` from `terms`, one block and one day per step from 2026-03-03.
fn at_with(stage: &str, terms: LcTerms) -> LcInstrument {
    let mut steps = Vec::new();
    let mut current = stage;
    while let Some((previous, action, actor)) = last_step(current) {
        steps.push((action, actor));
        current = previous;
    }
    steps.reverse();
    drive(issued_with(terms), steps, 2, "2026-03-03")
}

fn at(stage: &str) -> LcInstrument {
    at_with(stage, lc_terms())
}

/// A block after every stage's path and before expiry.
fn later() -> trade_docs::instrument::Context {
    ctx(100, "2026-04-01")
}

fn after_expiry() -> trade_docs::instrument::Context {
    ctx(200, "2026-07-01")
}

#[test]
fn every_legal_transition() {
    let expire = || LcAction::Expire {
        today: date("2026-07-01"),
    };
    use LcState as S;
    let cases: Vec<(&str, LcAction, Actor, LcState)> = vec![
        ("issued", LcAction::Advise, advising(), S::Advised),
        (
            "advised",
            LcAction::ProposeAmendment(amendment(1)),
            issuing(),
            S::AmendmentProposed,
        ),
        (
            "amendment_proposed",
            LcAction::AcceptAmendment,
            beneficiary(),
            S::Advised,
        ),
        (
            "amendment_proposed",
            LcAction::RejectAmendment,
            beneficiary(),
            S::Advised,
        ),
        (
            "advised",
            LcAction::ProposeCancellation,
            issuing(),
            S::CancellationProposed,
        ),
        (
            "cancellation_proposed",
            LcAction::ConsentToCancellation,
            beneficiary(),
            S::Cancelled,
        ),
        (
            "cancellation_proposed",
            LcAction::RefuseCancellation,
            beneficiary(),
            S::Advised,
        ),
        (
            "advised",
            present("262500.00"),
            beneficiary(),
            S::Presentation(PS::Presented),
        ),
        (
            "presented",
            exam(true),
            issuing(),
            S::Presentation(PS::ExaminedCompliant),
        ),
        (
            "presented",
            exam(false),
            nominated(),
            S::Presentation(PS::ExaminedDiscrepant),
        ),
        (
            "compliant",
            P::Honour.into(),
            nominated(),
            S::Presentation(PS::Honoured),
        ),
        (
            "discrepant",
            P::SeekWaiver.into(),
            issuing(),
            S::Presentation(PS::WaiverSought),
        ),
        (
            "discrepant",
            P::Waive.into(),
            applicant(),
            S::Presentation(PS::Waived),
        ),
        (
            "discrepant",
            P::Refuse.into(),
            issuing(),
            S::Presentation(PS::Refused),
        ),
        (
            "waiver_sought",
            P::Waive.into(),
            applicant(),
            S::Presentation(PS::Waived),
        ),
        (
            "waiver_sought",
            P::DeclineWaiver.into(),
            applicant(),
            S::Presentation(PS::NotWaived),
        ),
        (
            "waiver_sought",
            P::Refuse.into(),
            issuing(),
            S::Presentation(PS::Refused),
        ),
        (
            "waived",
            P::Honour.into(),
            issuing(),
            S::Presentation(PS::Honoured),
        ),
        (
            "waived",
            P::Refuse.into(),
            nominated(),
            S::Presentation(PS::Refused),
        ),
        (
            "not_waived",
            P::Refuse.into(),
            issuing(),
            S::Presentation(PS::Refused),
        ),
        ("honoured", LcAction::Settle, issuing(), S::Settled),
        (
            "refused",
            present("250000.00"),
            beneficiary(),
            S::Presentation(PS::Presented),
        ),
        (
            "refused",
            LcAction::ProposeAmendment(amendment(1)),
            issuing(),
            S::AmendmentProposed,
        ),
        (
            "refused",
            LcAction::ProposeCancellation,
            issuing(),
            S::CancellationProposed,
        ),
        (
            "settled",
            LcAction::ProposeCancellation,
            issuing(),
            S::CancellationProposed,
        ),
    ];
    for (stage, action, actor, expected) in cases {
        let shown = format!("{stage} --{}--> {expected}", action.name());
        let before = at(stage);
        let (after, event) = apply_legal(&before, action, &actor, &later(), &shown);
        assert_eq!(after.state, expected, "{shown}");
        let entry = after.history.last().unwrap();
        assert_eq!(
            (&entry.event, entry.party_id.as_str(), entry.height),
            (&event, actor.party_id.as_str(), 100),
            "{shown}"
        );
        if let S::Presentation(p) = after.state {
            assert_eq!(
                after.presentation.as_ref().map(|x| x.state),
                Some(p),
                "{shown}"
            );
        }
    }
    for stage in [
        "issued",
        "advised",
        "amendment_proposed",
        "cancellation_proposed",
        "refused",
        "settled",
    ] {
        let after = at(stage).apply(expire(), &issuing(), &after_expiry());
        let (after, event) = after
            .applied()
            .unwrap_or_else(|| panic!("{stage}: expire rejected"));
        assert_eq!(after.state, S::Expired, "{stage}");
        assert_eq!(
            event,
            LcEvent::LcExpired {
                expiry_date: date("2026-06-30")
            }
        );
        assert_eq!(after.pending_amendment, None, "{stage}");
    }
}

#[test]
fn illegal_transitions_are_rejected_with_their_reason() {
    let wrong_party = |role, expected: &str, found: &str| Rejection::WrongParty {
        role,
        expected: expected.into(),
        found: found.into(),
    };
    let not_permitted = |role, action: &str| Rejection::NotPermitted {
        role,
        action: action.into(),
    };
    let cases: Vec<(&str, LcAction, Actor, Rejection)> = vec![
        // Roles that may never perform the action.
        (
            "issued",
            LcAction::Advise,
            actor(ADVISING_BANK, Role::Beneficiary),
            not_permitted(Role::Beneficiary, "advise"),
        ),
        (
            "issued",
            LcAction::Advise,
            actor(ISSUING_BANK, Role::IssuingBank),
            not_permitted(Role::IssuingBank, "advise"),
        ),
        (
            "advised",
            LcAction::ProposeAmendment(amendment(1)),
            actor(APPLICANT, Role::Applicant),
            not_permitted(Role::Applicant, "propose_amendment"),
        ),
        (
            "amendment_proposed",
            LcAction::AcceptAmendment,
            actor(ADVISING_BANK, Role::AdvisingBank),
            not_permitted(Role::AdvisingBank, "accept_amendment"),
        ),
        (
            "discrepant",
            P::Waive.into(),
            actor(ISSUING_BANK, Role::IssuingBank),
            not_permitted(Role::IssuingBank, "waive"),
        ),
        (
            "presented",
            exam(true),
            actor(APPLICANT, Role::Applicant),
            not_permitted(Role::Applicant, "record_examination"),
        ),
        (
            "honoured",
            LcAction::Settle,
            actor(NOMINATED_BANK, Role::NominatedBank),
            not_permitted(Role::NominatedBank, "settle"),
        ),
        (
            "advised",
            LcAction::Settle,
            actor("operator:jv", Role::Operator),
            not_permitted(Role::Operator, "settle"),
        ),
        // The right role, but not the party holding it on this credit.
        (
            "issued",
            LcAction::Advise,
            actor(OTHER_BANK, Role::AdvisingBank),
            wrong_party(Role::AdvisingBank, ADVISING_BANK, OTHER_BANK),
        ),
        (
            "amendment_proposed",
            LcAction::AcceptAmendment,
            actor(STRANGER, Role::Beneficiary),
            wrong_party(Role::Beneficiary, BENEFICIARY, STRANGER),
        ),
        (
            "discrepant",
            P::Waive.into(),
            actor(STRANGER, Role::Applicant),
            wrong_party(Role::Applicant, APPLICANT, STRANGER),
        ),
        (
            "compliant",
            P::Honour.into(),
            actor(OTHER_BANK, Role::IssuingBank),
            wrong_party(Role::IssuingBank, ISSUING_BANK, OTHER_BANK),
        ),
        (
            "advised",
            present("1.00"),
            actor(APPLICANT, Role::Beneficiary),
            wrong_party(Role::Beneficiary, BENEFICIARY, APPLICANT),
        ),
        (
            "presented",
            exam(true),
            actor(OTHER_BANK, Role::ConfirmingBank),
            Rejection::RoleNotHeld {
                role: Role::ConfirmingBank,
            },
        ),
        // The wrong state.
        (
            "issued",
            LcAction::ProposeAmendment(amendment(1)),
            issuing(),
            illegal("issued", "propose_amendment"),
        ),
        (
            "issued",
            present("1.00"),
            beneficiary(),
            illegal("issued", "present_documents"),
        ),
        (
            "advised",
            LcAction::Advise,
            advising(),
            illegal("advised", "advise"),
        ),
        (
            "advised",
            issue_action(lc_terms()),
            issuing(),
            illegal("advised", "issue_lc"),
        ),
        (
            "advised",
            LcAction::AcceptAmendment,
            beneficiary(),
            illegal("advised", "accept_amendment"),
        ),
        (
            "advised",
            LcAction::ConsentToCancellation,
            beneficiary(),
            illegal("advised", "consent_to_cancellation"),
        ),
        (
            "advised",
            LcAction::Settle,
            issuing(),
            illegal("advised", "settle"),
        ),
        (
            "advised",
            P::Honour.into(),
            issuing(),
            illegal("advised", "honour"),
        ),
        (
            "amendment_proposed",
            LcAction::ProposeAmendment(amendment(2)),
            issuing(),
            illegal("amendment_proposed", "propose_amendment"),
        ),
        (
            "amendment_proposed",
            present("1.00"),
            beneficiary(),
            illegal("amendment_proposed", "present_documents"),
        ),
        (
            "presented",
            LcAction::Settle,
            issuing(),
            illegal("presentation.presented", "settle"),
        ),
        (
            "presented",
            P::Honour.into(),
            issuing(),
            illegal("presentation.presented", "honour"),
        ),
        (
            "compliant",
            P::Refuse.into(),
            issuing(),
            illegal("presentation.examined_compliant", "refuse"),
        ),
        (
            "discrepant",
            P::Honour.into(),
            issuing(),
            illegal("presentation.examined_discrepant", "honour"),
        ),
        (
            "discrepant",
            LcAction::ProposeCancellation,
            issuing(),
            illegal("presentation.examined_discrepant", "propose_cancellation"),
        ),
        (
            "not_waived",
            P::Honour.into(),
            issuing(),
            illegal("presentation.not_waived", "honour"),
        ),
        (
            "honoured",
            present("1.00"),
            beneficiary(),
            illegal("presentation.honoured", "present_documents"),
        ),
        (
            "honoured",
            P::Refuse.into(),
            issuing(),
            illegal("presentation.honoured", "refuse"),
        ),
        (
            "settled",
            LcAction::Settle,
            issuing(),
            illegal("settled", "settle"),
        ),
        (
            "settled",
            P::Honour.into(),
            issuing(),
            illegal("settled", "honour"),
        ),
        (
            "cancelled",
            LcAction::Advise,
            advising(),
            illegal("cancelled", "advise"),
        ),
        (
            "cancelled",
            present("1.00"),
            beneficiary(),
            illegal("cancelled", "present_documents"),
        ),
        // A valid actor and state, a bad payload.
        (
            "advised",
            LcAction::ProposeAmendment(amendment(2)),
            issuing(),
            Rejection::AmendmentOutOfSequence {
                expected: 1,
                found: 2,
            },
        ),
        (
            "advised",
            present("262500.01"),
            beneficiary(),
            Rejection::ExceedsAvailable {
                field: "amount".into(),
                requested: dec("262500.01"),
                available: dec("262500.00"),
            },
        ),
        (
            "settled",
            present("1.00"),
            beneficiary(),
            Rejection::PartialDrawingsNotAllowed,
        ),
    ];
    for (stage, action, actor, expected) in cases {
        let shown = format!("{stage} --{}--> by {:?}", action.name(), actor);
        let before = at(stage);
        let reason = rejection(before.apply(action, &actor, &later()));
        assert_eq!(reason, expected, "{shown}");
    }
}

#[test]
fn payload_faults_name_their_field() {
    let with_amounts = |increase: Option<&str>, decrease: Option<&str>| {
        LcAction::ProposeAmendment(AmendmentTerms {
            increase: increase.map(dec),
            decrease: decrease.map(dec),
            ..amendment(1)
        })
    };
    let in_euro = P::PresentDocuments(PresentationSubmission {
        documents: vec![fp("invoice")],
        currency: "EUR".parse().unwrap(),
        amount: dec("100.00"),
    });
    let cases: Vec<(LcAction, Actor, &str)> = vec![
        (
            with_amounts(Some("10.00"), Some("5.00")),
            issuing(),
            "decrease",
        ),
        (with_amounts(None, Some("250000.00")), issuing(), "decrease"),
        (with_amounts(Some("10.0"), None), issuing(), "increase"),
        (with_amounts(Some("-10.00"), None), issuing(), "increase"),
        (
            LcAction::ProposeAmendment(AmendmentTerms {
                new_expiry_date: Some(date("2026-03-31")),
                ..amendment(1)
            }),
            issuing(),
            "new_expiry_date",
        ),
        (
            LcAction::ProposeAmendment(AmendmentTerms {
                new_latest_shipment_date: Some(date("2026-08-01")),
                ..amendment(1)
            }),
            issuing(),
            "amended_terms.latest_shipment_date",
        ),
        (present("0.00"), beneficiary(), "amount"),
        (present("100.001"), beneficiary(), "amount"),
        (in_euro.into(), beneficiary(), "currency"),
    ];
    for (action, actor, field) in cases {
        let shown = format!("{action:?}");
        match rejection(at("advised").apply(action, &actor, &later())) {
            Rejection::InvalidField { field: f, .. }
            | Rejection::CurrencyMismatch { field: f, .. } => assert_eq!(f, field, "{shown}"),
            other => panic!("{shown}: {other}"),
        }
    }
}

#[test]
fn opening_checks_the_issuer_and_the_terms() {
    let opening = ctx(1, "2026-03-02");
    let open_with = |terms: LcTerms, actor: &Actor| {
        rejection(LcInstrument::open(issue_action(terms), actor, &opening))
    };
    assert_eq!(
        rejection(LcInstrument::open(LcAction::Advise, &advising(), &opening)),
        Rejection::NotOpened {
            action: "advise".into()
        }
    );
    assert_eq!(
        open_with(lc_terms(), &actor(ISSUING_BANK, Role::AdvisingBank)),
        Rejection::NotPermitted {
            role: Role::AdvisingBank,
            action: "issue_lc".into()
        }
    );
    assert_eq!(
        open_with(lc_terms(), &actor(OTHER_BANK, Role::IssuingBank)),
        Rejection::WrongParty {
            role: Role::IssuingBank,
            expected: ISSUING_BANK.into(),
            found: OTHER_BANK.into()
        }
    );
    let faults = [
        (
            LcTerms {
                amount: dec("250000"),
                ..lc_terms()
            },
            "terms.amount",
        ),
        (
            LcTerms {
                reference: "SCB26LC0417-TOO-LONG".into(),
                ..lc_terms()
            },
            "terms.reference",
        ),
        (
            LcTerms {
                expiry_date: date("2026-03-01"),
                latest_shipment_date: None,
                ..lc_terms()
            },
            "terms.expiry_date",
        ),
        (
            LcTerms {
                latest_shipment_date: Some(date("2026-07-01")),
                ..lc_terms()
            },
            "terms.latest_shipment_date",
        ),
    ];
    for (terms, field) in faults {
        match open_with(terms, &issuing()) {
            Rejection::InvalidField { field: f, .. } => assert_eq!(f, field),
            other => panic!("{field}: {other}"),
        }
    }
    let mut parties = lc_parties();
    parties.beneficiary = " ".into();
    let blank = LcAction::IssueLc {
        terms: lc_terms(),
        parties,
    };
    assert!(matches!(
        rejection(LcInstrument::open(blank, &issuing(), &opening)),
        Rejection::InvalidField { field, .. } if field == "parties.beneficiary"
    ));
}

#[test]
fn amendment_changes_the_credit_only_once_accepted() {
    let proposed = at("amendment_proposed");
    assert_eq!(proposed.terms, lc_terms(), "a proposal changes nothing");
    assert_eq!(proposed.amendments_proposed, 1);

    let (rejected, event) = proposed
        .apply(LcAction::RejectAmendment, &beneficiary(), &later())
        .applied()
        .unwrap();
    assert_eq!(event, LcEvent::AmendmentRejected { number: 1 });
    assert_eq!(rejected.terms, lc_terms());
    assert_eq!(rejected.pending_amendment, None);

    let (accepted, event) = proposed
        .apply(LcAction::AcceptAmendment, &beneficiary(), &later())
        .applied()
        .unwrap();
    assert_eq!(
        event,
        LcEvent::AmendmentAccepted {
            number: 1,
            amount: dec("262500.00"),
            expiry_date: date("2026-07-15"),
        }
    );
    assert_eq!(accepted.terms.amount, dec("262500.00"));
    assert_eq!(accepted.terms.expiry_date, date("2026-07-15"));
    assert_eq!(
        accepted.terms.document,
        lc_terms().document,
        "the credit document stays"
    );
    assert_eq!(
        accepted.available(),
        Some(dec("275625.00")),
        "262500.00 + 5 %"
    );

    // Numbering goes on after a rejected amendment: the next is number 2.
    let next = rejected.apply(
        LcAction::ProposeAmendment(amendment(1)),
        &issuing(),
        &later(),
    );
    assert_eq!(
        rejection(next),
        Rejection::AmendmentOutOfSequence {
            expected: 2,
            found: 1
        }
    );
}

#[test]
fn amendment_numbers_run_out_rather_than_repeat() {
    let mut credit = at("advised");
    credit.amendments_proposed = u16::MAX;
    let action = LcAction::ProposeAmendment(amendment(u16::MAX));
    assert!(matches!(
        rejection(credit.apply(action, &issuing(), &later())),
        Rejection::InvalidField { field, .. } if field == "number"
    ));
}

#[test]
fn partial_drawings_never_exceed_the_credit() {
    let terms = LcTerms {
        amount: dec("100000.00"),
        tolerance: None,
        partial_drawings_allowed: true,
        ..lc_terms()
    };
    let drawing = |amount: &str| {
        vec![
            (present(amount), beneficiary()),
            (exam(true), issuing()),
            (P::Honour.into(), issuing()),
            (LcAction::Settle, issuing()),
        ]
    };
    let first = drive(
        at_with("advised", terms),
        drawing("60000.00"),
        10,
        "2026-04-01",
    );
    assert_eq!(first.state, LcState::Settled);
    assert_eq!(first.drawn, dec("60000.00"));
    assert_eq!(
        rejection(first.apply(present("40000.01"), &beneficiary(), &ctx(20, "2026-04-10"))),
        Rejection::ExceedsAvailable {
            field: "amount".into(),
            requested: dec("40000.01"),
            available: dec("40000.00"),
        }
    );
    // A decrease that would leave the credit below what it paid is refused.
    let decrease = LcAction::ProposeAmendment(AmendmentTerms {
        increase: None,
        decrease: Some(dec("40000.01")),
        ..amendment(1)
    });
    assert!(matches!(
        rejection(first.apply(decrease, &issuing(), &ctx(20, "2026-04-10"))),
        Rejection::InvalidField { field, .. } if field == "decrease"
    ));
    let second = drive(first, drawing("40000.00"), 20, "2026-04-10");
    assert_eq!(second.drawn, dec("100000.00"));
    assert_eq!(second.available(), Some(dec("0.00")));
    assert!(matches!(
        rejection(second.apply(present("0.01"), &beneficiary(), &ctx(30, "2026-04-20"))),
        Rejection::ExceedsAvailable { .. }
    ));
}

#[test]
fn expiry_needs_a_later_date_that_is_not_in_the_future() {
    let advised = at("advised");
    let expire = |today: &str| LcAction::Expire { today: date(today) };
    assert_eq!(
        rejection(advised.apply(expire("2026-06-30"), &issuing(), &ctx(50, "2026-06-30"))),
        Rejection::NotYetExpired {
            expiry_date: date("2026-06-30"),
            today: date("2026-06-30")
        },
        "the expiry date is still a day for presentation"
    );
    assert_eq!(
        rejection(advised.apply(expire("2026-07-02"), &issuing(), &after_expiry())),
        Rejection::DateAhead {
            today: date("2026-07-02"),
            block_date: date("2026-07-01")
        }
    );
    assert_eq!(
        rejection(advised.apply(present("1.00"), &beneficiary(), &after_expiry())),
        Rejection::PastExpiry {
            expiry_date: date("2026-06-30"),
            date: date("2026-07-01")
        }
    );
    // A presentation made before expiry is decided after it; the credit cannot expire under it.
    for stage in [
        "presented",
        "compliant",
        "discrepant",
        "waived",
        "not_waived",
        "honoured",
    ] {
        assert!(
            matches!(
                rejection(at(stage).apply(expire("2026-07-01"), &issuing(), &after_expiry())),
                Rejection::IllegalInState { .. }
            ),
            "{stage}"
        );
    }
    let late_honour = at("compliant").apply(P::Honour.into(), &issuing(), &after_expiry());
    assert!(late_honour.is_applied());

    let (expired, _) = advised
        .apply(expire("2026-07-01"), &issuing(), &after_expiry())
        .applied()
        .unwrap();
    for (action, actor) in [
        (present("1.00"), beneficiary()),
        (LcAction::ProposeAmendment(amendment(1)), issuing()),
        (LcAction::ProposeCancellation, issuing()),
        (expire("2026-07-01"), issuing()),
    ] {
        assert!(matches!(
            rejection(expired.apply(action, &actor, &ctx(201, "2026-07-02"))),
            Rejection::IllegalInState { state, .. } if state == "expired"
        ));
    }
}

#[test]
fn context_must_move_forward() {
    let advised = at("advised");
    let reason = rejection(advised.apply(
        LcAction::ProposeCancellation,
        &issuing(),
        &ctx(1, "2026-04-01"),
    ));
    assert_eq!(
        reason,
        Rejection::ContextRegressed {
            last_height: 2,
            height: 1,
            last_date: date("2026-03-03"),
            date: date("2026-04-01"),
        }
    );
}

/// PRODUCT.md §7: issue → advise → amendment accepted → present → discrepant (shipped one day
/// late) → waived by the applicant → honoured → settled.
#[test]
fn demo_scenario_of_product_section_7() {
    let credit: LcInstrument = open(issue_action(lc_terms()), &issuing(), &ctx(10, "2026-03-02"));
    let steps: Vec<(LcAction, Actor, &str)> = vec![
        (LcAction::Advise, advising(), "2026-03-03"),
        (
            LcAction::ProposeAmendment(amendment(1)),
            issuing(),
            "2026-03-20",
        ),
        (LcAction::AcceptAmendment, beneficiary(), "2026-03-23"),
        (present("261875.00"), beneficiary(), "2026-06-15"),
        (exam(false), nominated(), "2026-06-17"),
        (P::Waive.into(), applicant(), "2026-06-18"),
        (P::Honour.into(), issuing(), "2026-06-19"),
        (LcAction::Settle, issuing(), "2026-06-22"),
    ];
    let mut credit = credit;
    let mut events = Vec::new();
    for (i, (action, actor, day)) in steps.into_iter().enumerate() {
        let (next, event) = credit
            .apply(action, &actor, &ctx(11 + i as u64, day))
            .applied()
            .unwrap_or_else(|| panic!("step {i} rejected"));
        credit = next;
        events.push(event);
    }
    assert_eq!(
        events,
        vec![
            LcEvent::LcAdvised,
            LcEvent::AmendmentProposed { number: 1 },
            LcEvent::AmendmentAccepted {
                number: 1,
                amount: dec("262500.00"),
                expiry_date: date("2026-07-15")
            },
            LcEvent::Presentation(PresentationEvent::DocumentsPresented {
                documents_len: 4,
                amount: dec("261875.00")
            }),
            LcEvent::Presentation(PresentationEvent::DocumentsExamined {
                compliant: false,
                discrepancies_len: 1
            }),
            LcEvent::Presentation(PresentationEvent::DiscrepanciesWaived),
            LcEvent::Presentation(PresentationEvent::PresentationHonoured {
                amount: dec("261875.00")
            }),
            LcEvent::LcSettled {
                amount: dec("261875.00"),
                drawn: dec("261875.00")
            },
        ]
    );
    assert_eq!(credit.state, LcState::Settled);
    assert_eq!(credit.drawn, dec("261875.00"));
    let presentation = credit.presentation.as_ref().unwrap();
    assert_eq!(presentation.state, PS::Honoured);
    assert_eq!(presentation.presented_on, date("2026-06-15"));
    assert!(presentation.examination.as_ref().unwrap().discrepancies[0].contains("art. 14(c)"));
    let who: Vec<(&str, u64)> = credit
        .history
        .entries()
        .iter()
        .map(|e| (e.party_id.as_str(), e.height))
        .collect();
    assert_eq!(
        who,
        vec![
            (ISSUING_BANK, 10),
            (ADVISING_BANK, 11),
            (ISSUING_BANK, 12),
            (BENEFICIARY, 13),
            (BENEFICIARY, 14),
            (NOMINATED_BANK, 15),
            (APPLICANT, 16),
            (ISSUING_BANK, 17),
            (ISSUING_BANK, 18),
        ]
    );
    // The credit is spent as far as one drawing goes: no second presentation.
    assert_eq!(
        rejection(credit.apply(present("1.00"), &beneficiary(), &ctx(19, "2026-06-23"))),
        Rejection::PartialDrawingsNotAllowed
    );
}

#[test]
fn instruments_and_actions_round_trip_through_canonical_cbor_and_json() {
    for stage in [
        "issued",
        "amendment_proposed",
        "waiver_sought",
        "settled",
        "cancelled",
    ] {
        let credit = at(stage);
        let bytes = to_canonical(&credit).unwrap();
        assert_eq!(
            from_canonical::<LcInstrument>(&bytes).unwrap(),
            credit,
            "{stage}"
        );
        let json = serde_json::to_string(&credit).unwrap();
        assert_eq!(
            serde_json::from_str::<LcInstrument>(&json).unwrap(),
            credit,
            "{stage}"
        );
    }
    let transition = at("advised").apply(present("1.00"), &issuing(), &later());
    let bytes = to_canonical(&transition).unwrap();
    assert_eq!(
        from_canonical::<Transition<LcInstrument, LcEvent>>(&bytes).unwrap(),
        transition
    );
}

/// Golden bytes: a change to the wire format of actions is a visible decision.
#[test]
fn golden_action_encodings() {
    let cases: Vec<(LcAction, &str)> = vec![
        // "advise"
        (LcAction::Advise, "66616476697365"),
        // {"expire": {"today": "2026-07-01"}}
        (
            LcAction::Expire {
                today: date("2026-07-01"),
            },
            "a166657870697265a165746f6461796a323032362d30372d3031",
        ),
        // {"presentation": "honour"}
        (
            P::Honour.into(),
            "a16c70726573656e746174696f6e66686f6e6f7572",
        ),
        // "add_confirmation"
        (
            LcAction::AddConfirmation,
            "706164645f636f6e6669726d6174696f6e",
        ),
    ];
    for (action, hex_bytes) in cases {
        assert_eq!(
            hex::encode(to_canonical(&action).unwrap()),
            hex_bytes,
            "{action:?}"
        );
        assert_eq!(
            from_canonical::<LcAction>(&hex::decode(hex_bytes).unwrap()).unwrap(),
            action
        );
    }
}

#[test]
fn terms_come_from_the_credit_document() {
    let credit: LetterOfCredit = serde_json::from_str(
        r#"{
            "reference": "SCB26LC0417",
            "form_of_credit": "irrevocable",
            "issue_date": "2026-03-02",
            "applicable_rules": "UCP LATEST VERSION",
            "expiry_date": "2026-06-30",
            "expiry_place": "URUMQI",
            "applicant": {"name": "Steppe Agro Machinery LLP"},
            "beneficiary": {"name": "Tianshan Heavy Industry Co."},
            "currency": "USD",
            "amount": "250000.00",
            "tolerance": {"plus_percent": 5, "minus_percent": 5},
            "available_with": "ANY BANK",
            "available_by": "negotiation",
            "partial_shipments": "not_allowed",
            "transhipment": "allowed",
            "latest_shipment_date": "2026-06-09",
            "goods_description": "TRACTOR PARTS, HS 8708",
            "documents_required": ["SIGNED COMMERCIAL INVOICE IN 3 ORIGINALS"],
            "confirmation": "without"
        }"#,
    )
    .unwrap();
    let terms = LcTerms::of_credit(&credit).unwrap();
    let expected = LcTerms {
        document: terms.document,
        ..lc_terms()
    };
    assert_eq!(terms, expected);
    assert_eq!(
        terms.document,
        trade_docs::Fingerprint::of_document(&trade_docs::Document::LetterOfCredit(credit.clone()))
            .unwrap()
    );
    assert_eq!(terms.amount_max(), Some(dec("262500.00")));

    let confirm = LetterOfCredit {
        confirmation: Confirmation::MayAdd,
        ..credit
    };
    let terms = LcTerms::of_credit(&confirm).unwrap();
    assert_eq!(terms.confirmation, Confirmation::MayAdd);
}

fn confirming(party: &str) -> Actor {
    actor(party, Role::ConfirmingBank)
}

fn with_confirmation(confirmation: Confirmation) -> LcTerms {
    LcTerms {
        confirmation,
        ..lc_terms()
    }
}

/// A credit whose field 49 is `confirmation`, brought to `stage`.
fn at_confirmable(stage: &str, confirmation: Confirmation) -> LcInstrument {
    at_with(stage, with_confirmation(confirmation))
}

#[test]
fn the_advising_bank_adds_its_confirmation_when_field_49_allows() {
    use Confirmation as C;
    let cases = [
        ("issued", C::Confirm),
        ("advised", C::MayAdd),
        ("advised", C::Confirm),
        ("amendment_proposed", C::MayAdd),
        ("cancellation_proposed", C::Confirm),
        ("settled", C::MayAdd),
    ];
    for (stage, confirmation) in cases {
        let shown = format!("{stage} with {confirmation:?}");
        let before = at_confirmable(stage, confirmation);
        let (after, event) = apply_legal(
            &before,
            LcAction::AddConfirmation,
            &confirming(ADVISING_BANK),
            &later(),
            &shown,
        );
        assert_eq!(
            event,
            LcEvent::LcConfirmed {
                bank: ADVISING_BANK.into()
            },
            "{shown}"
        );
        assert_eq!(after.state, before.state, "{shown}: the state stays");
        assert_eq!(
            after.parties.confirming_bank.as_deref(),
            Some(ADVISING_BANK),
            "{shown}"
        );
        assert_eq!(after.terms, before.terms, "{shown}");
    }
}

#[test]
fn confirmation_is_refused_in_the_module_check_order() {
    use Confirmation as C;
    let confirmed = at_confirmable("advised", C::Confirm)
        .apply(
            LcAction::AddConfirmation,
            &confirming(ADVISING_BANK),
            &later(),
        )
        .applied()
        .unwrap()
        .0;
    let mut parties = lc_parties();
    parties.confirming_bank = Some(THIRD_BANK.into());
    let confirmed_at_issue = drive(
        open(
            LcAction::IssueLc {
                terms: with_confirmation(C::Confirm),
                parties,
            },
            &issuing(),
            &ctx(1, "2026-03-02"),
        ),
        vec![(LcAction::Advise, advising())],
        2,
        "2026-03-03",
    );
    let expired = at_confirmable("advised", C::Confirm)
        .apply(
            LcAction::Expire {
                today: date("2026-07-01"),
            },
            &issuing(),
            &after_expiry(),
        )
        .applied()
        .unwrap()
        .0;
    let invalid = |field: &'static str| move |r: &Rejection| matches!(r, Rejection::InvalidField { field: f, .. } if f == field);
    let is = |expected: Rejection| move |r: &Rejection| *r == expected;
    type Check = Box<dyn Fn(&Rejection) -> bool>;
    let cases: Vec<(&str, LcInstrument, Actor, Check)> = vec![
        // 1. role: only a confirming bank confirms.
        (
            "advising bank in its advising role",
            at_confirmable("advised", C::Confirm),
            advising(),
            Box::new(is(Rejection::NotPermitted {
                role: Role::AdvisingBank,
                action: "add_confirmation".into(),
            })),
        ),
        (
            "issuing bank",
            at_confirmable("advised", C::Confirm),
            issuing(),
            Box::new(is(Rejection::NotPermitted {
                role: Role::IssuingBank,
                action: "add_confirmation".into(),
            })),
        ),
        // 2. party: only the credit's advising bank, even where the state is wrong too.
        (
            "another bank",
            at_confirmable("advised", C::Confirm),
            confirming(OTHER_BANK),
            Box::new(is(Rejection::WrongParty {
                role: Role::ConfirmingBank,
                expected: ADVISING_BANK.into(),
                found: OTHER_BANK.into(),
            })),
        ),
        (
            "another bank, cancelled credit",
            at_confirmable("cancelled", C::Confirm),
            confirming(OTHER_BANK),
            Box::new(is(Rejection::WrongParty {
                role: Role::ConfirmingBank,
                expected: ADVISING_BANK.into(),
                found: OTHER_BANK.into(),
            })),
        ),
        // 3. state: not in a final state nor during a presentation, even with field 49 WITHOUT.
        (
            "cancelled",
            at_confirmable("cancelled", C::Confirm),
            confirming(ADVISING_BANK),
            Box::new(is(illegal("cancelled", "add_confirmation"))),
        ),
        (
            "expired",
            expired,
            confirming(ADVISING_BANK),
            Box::new(is(illegal("expired", "add_confirmation"))),
        ),
        (
            "presented",
            at_confirmable("presented", C::Confirm),
            confirming(ADVISING_BANK),
            Box::new(is(illegal("presentation.presented", "add_confirmation"))),
        ),
        (
            "refused",
            at_confirmable("refused", C::MayAdd),
            confirming(ADVISING_BANK),
            Box::new(is(illegal("presentation.refused", "add_confirmation"))),
        ),
        (
            "honoured, without",
            at_confirmable("honoured", C::Without),
            confirming(ADVISING_BANK),
            Box::new(is(illegal("presentation.honoured", "add_confirmation"))),
        ),
        // 4. payload: field 49 must allow it, and a credit is confirmed once.
        (
            "field 49 without",
            at_confirmable("advised", C::Without),
            confirming(ADVISING_BANK),
            Box::new(invalid("terms.confirmation")),
        ),
        (
            "confirmed already",
            confirmed,
            confirming(ADVISING_BANK),
            Box::new(invalid("parties.confirming_bank")),
        ),
        (
            "confirmed at issue by another bank",
            confirmed_at_issue,
            confirming(ADVISING_BANK),
            Box::new(invalid("parties.confirming_bank")),
        ),
    ];
    for (shown, credit, actor, check) in cases {
        let reason = rejection(credit.apply(LcAction::AddConfirmation, &actor, &later()));
        assert!(check(&reason), "{shown}: {reason:?}");
    }
    // 5. bounds: the context may not go backwards.
    assert!(matches!(
        rejection(at_confirmable("advised", C::Confirm).apply(
            LcAction::AddConfirmation,
            &confirming(ADVISING_BANK),
            &ctx(1, "2026-03-02"),
        )),
        Rejection::ContextRegressed { .. }
    ));
}

#[test]
fn the_confirming_bank_examines_and_honours() {
    let steps = vec![
        (LcAction::AddConfirmation, confirming(ADVISING_BANK)),
        (present("250000.00"), beneficiary()),
        (exam(true), confirming(ADVISING_BANK)),
        (P::Honour.into(), confirming(ADVISING_BANK)),
    ];
    let credit = drive(
        at_confirmable("advised", Confirmation::Confirm),
        steps,
        10,
        "2026-03-20",
    );
    assert_eq!(credit.state, LcState::Presentation(PS::Honoured));
    let roles: Vec<Role> = credit.history.entries().iter().map(|e| e.role).collect();
    assert_eq!(
        roles[2..],
        [
            Role::ConfirmingBank,
            Role::Beneficiary,
            Role::ConfirmingBank,
            Role::ConfirmingBank
        ]
    );
}

#[test]
fn terms_without_confirmation_keep_their_encoding() {
    // Field 49 WITHOUT is the default: left out of the encoding, so terms (and instruments)
    // written before the field existed decode and re-encode to the same bytes.
    let without = to_canonical(&lc_terms()).unwrap();
    let with = to_canonical(&with_confirmation(Confirmation::MayAdd)).unwrap();
    let key = b"confirmation";
    assert!(!without.windows(key.len()).any(|w| w == key));
    assert!(with.windows(key.len()).any(|w| w == key));
    assert_eq!(
        from_canonical::<LcTerms>(&with).unwrap().confirmation,
        Confirmation::MayAdd
    );
    let json = serde_json::to_value(lc_terms()).unwrap();
    assert!(json.get("confirmation").is_none(), "{json}");
    let mut explicit = json;
    explicit["confirmation"] = "without".into();
    assert_eq!(
        serde_json::from_value::<LcTerms>(explicit).unwrap(),
        lc_terms()
    );
}

#[test]
fn balance_applies_the_tolerance() {
    let about = LcTerms {
        amount: dec("100000.00"),
        tolerance: Some(Tolerance {
            plus_percent: 10,
            minus_percent: 10,
        }),
        ..lc_terms()
    };
    let exact = LcTerms {
        tolerance: None,
        ..lc_terms()
    };
    fn balance(
        amount: &str,
        [min, max]: [Option<&str>; 2],
        presented: Option<&str>,
        remaining: Option<&str>,
    ) -> Balance {
        Balance {
            currency: "USD".parse().unwrap(),
            amount: dec(amount),
            amount_min: min.map(dec),
            amount_max: max.map(dec),
            drawn: dec("0.00"),
            presented: presented.map(dec),
            remaining: remaining.map(dec),
        }
    }
    let band = [Some("237500.00"), Some("262500.00")];
    let cases = [
        (
            "5 %",
            at("advised"),
            balance("250000.00", band, None, Some("262500.00")),
        ),
        (
            "'about', 39A 10/10",
            at_with("advised", about),
            balance(
                "100000.00",
                [Some("90000.00"), Some("110000.00")],
                None,
                Some("110000.00"),
            ),
        ),
        (
            "no tolerance",
            at_with("issued", exact),
            balance("250000.00", [None, None], None, Some("250000.00")),
        ),
        (
            "under examination",
            at("discrepant"),
            balance("250000.00", band, Some("250000.00"), Some("262500.00")),
        ),
        (
            "honoured, not settled",
            at("honoured"),
            balance("250000.00", band, Some("250000.00"), Some("262500.00")),
        ),
        (
            "refused",
            at("refused"),
            balance("250000.00", band, None, Some("262500.00")),
        ),
        (
            "cancelled",
            at("cancelled"),
            balance("250000.00", band, None, None),
        ),
    ];
    for (shown, credit, expected) in cases {
        assert_eq!(credit.balance(), expected, "{shown}");
    }
}

#[test]
fn balance_after_settled_drawings() {
    let partial = LcTerms {
        amount: dec("100000.00"),
        tolerance: None,
        partial_drawings_allowed: true,
        ..lc_terms()
    };
    let drawing = |amount: &str| {
        vec![
            (present(amount), beneficiary()),
            (exam(true), issuing()),
            (P::Honour.into(), issuing()),
            (LcAction::Settle, issuing()),
        ]
    };
    let once = drive(
        at_with("advised", partial),
        drawing("60000.00"),
        10,
        "2026-04-01",
    );
    let balance = once.balance();
    assert_eq!(
        (balance.drawn, balance.presented, balance.remaining),
        (dec("60000.00"), None, Some(dec("40000.00")))
    );
    let twice = drive(once, drawing("40000.00"), 20, "2026-04-10");
    assert_eq!(
        twice.balance().remaining,
        Some(dec("0.00")),
        "never negative, drawn in full"
    );

    // One drawing only (43P): once settled, nothing remains to draw though the band is not spent.
    let settled = at("settled");
    let balance = settled.balance();
    assert_eq!(
        (balance.drawn, balance.amount_max, balance.remaining),
        (dec("250000.00"), Some(dec("262500.00")), None)
    );
    let json = serde_json::to_value(&balance).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "currency": "USD",
            "amount": "250000.00",
            "amount_min": "237500.00",
            "amount_max": "262500.00",
            "drawn": "250000.00"
        })
    );
    assert_eq!(serde_json::from_value::<Balance>(json).unwrap(), balance);
}
