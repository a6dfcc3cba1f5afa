//! Property tests of the instrument state machines: random sequences of (action, actor, block)
//! never panic, are deterministic, and never reach a state the legal graph does not allow.
//!
//! The legal graphs below are written from PRODUCT.md §3 and the module documentation, not from
//! the code, so they are an independent oracle: every applied transition must be one of their
//! edges. Actors are mostly the party holding a permitted role (so sequences get deep), and
//! otherwise any party in any role (so authorization is exercised).

mod instrument_support;

use instrument_support::*;
use proptest::prelude::*;
use trade_docs::cbor::{from_canonical, to_canonical};
use trade_docs::document::{Confirmation, Tolerance};
use trade_docs::instrument::{
    Actor, AmendmentTerms, Channel, Context, DeclarationAction, DeclarationEvent,
    DeclarationInstrument, DeclarationState, Examination, FinancingRegistry, InspectionOutcome,
    Instrument, InvoiceAction, InvoiceEvent, InvoiceInstrument, InvoiceState, LcAction, LcEvent,
    LcInstrument, LcState, LcTerms, PresentationAction, PresentationState, PresentationSubmission,
    Rejection, RiskAssessment, Role, Transition, HISTORY_LEN_MAX,
};
use trade_docs::Date;

/// One random step: which action, a parameter for it, who acts, how far the block moves.
type Op = (u8, u8, u8, u8);

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(any::<Op>(), 1..90)
}

const PARTIES: [&str; 9] = [
    ISSUING_BANK,
    ADVISING_BANK,
    NOMINATED_BANK,
    APPLICANT,
    BENEFICIARY,
    OTHER_BANK,
    THIRD_BANK,
    STRANGER,
    CUSTOMS_KHORGOS,
];

/// Mostly the holder of a permitted role; one time in five, any party in any role.
fn pick_actor(sel: u8, permitted: &[Role], holder: impl Fn(Role) -> Option<String>) -> Actor {
    if sel % 5 != 0 && !permitted.is_empty() {
        let role = permitted[usize::from(sel / 4) % permitted.len()];
        if let Some(party) = holder(role) {
            return Actor::new(party, role);
        }
    }
    let party = PARTIES[usize::from(sel / 4) % PARTIES.len()];
    Actor::new(party, Role::ALL[usize::from(sel) % Role::ALL.len()])
}

/// The next block: 0 or 1 day later, one time in 32 three weeks later (so credits expire in
/// some runs, not all), and one time in 25 a block from the past.
fn next_context(current: &mut Context, step: u8) -> Context {
    if step % 25 == 24 {
        return Context {
            height: current.height.saturating_sub(1),
            date: current.date.add_days(-1).unwrap(),
        };
    }
    let days = if step % 32 == 31 {
        21
    } else {
        i64::from(step % 2)
    };
    current.height += 1;
    current.date = current.date.add_days(days).unwrap();
    *current
}

/// Applies twice and checks both outcomes agree: `apply` is a function of its inputs.
fn apply_deterministic<I: Instrument + PartialEq + std::fmt::Debug>(
    instrument: &I,
    action: I::Action,
    actor: &Actor,
    context: &Context,
) -> Transition<I, I::Event>
where
    I::Action: Clone,
    I::Event: PartialEq + std::fmt::Debug,
{
    let first = instrument.apply(action.clone(), actor, context);
    let second = instrument.apply(action, actor, context);
    assert_eq!(first, second, "apply is not deterministic");
    first
}

// ---------------------------------------------------------------------------------------------
// Letter of credit.

const LC_AMOUNTS: [&str; 7] = [
    "300.00", "500.00", "1000.00", "1100.00", "1100.01", "0.00", "12.345",
];

fn lc_action(template: u8, param: u8, credit: &LcInstrument, today: Date) -> LcAction {
    let number = if param % 6 == 0 {
        u16::from(param % 4)
    } else {
        credit.amendments_proposed + 1
    };
    let (increase, decrease) = match param % 5 {
        0 => (Some(dec("100.00")), None),
        1 => (None, Some(dec("200.00"))),
        2 => (None, Some(dec("900.00"))),
        3 => (None, None),
        _ => (Some(dec("1.00")), Some(dec("1.00"))),
    };
    // Half the time an action relevant to the state (so runs get deep), half the time any
    // action, weighted towards the long paths: the actions that end a credit are rare.
    const KINDS: [u8; 32] = [
        0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 7, 7, 7, 8, 8, 8, 9, 9, 10, 10, 11, 12, 12, 12, 13, 13, 14,
        14, 14, 15, 16, 17,
    ];
    let relevant = lc_relevant_kinds(credit.state);
    let kind = if template % 2 == 0 {
        relevant[usize::from(template / 2) % relevant.len()]
    } else {
        KINDS[usize::from(template / 2) % KINDS.len()]
    };
    match kind {
        0 => LcAction::Advise,
        1 => LcAction::ProposeAmendment(AmendmentTerms {
            number,
            document: fp("amendment"),
            increase,
            decrease,
            new_expiry_date: (param % 3 == 0)
                .then(|| credit.terms.expiry_date.add_days(10).unwrap()),
            new_tolerance: None,
            new_latest_shipment_date: None,
        }),
        2 => LcAction::AcceptAmendment,
        3 => LcAction::RejectAmendment,
        4 => LcAction::ProposeCancellation,
        5 => LcAction::ConsentToCancellation,
        6 => LcAction::RefuseCancellation,
        7 => PresentationAction::PresentDocuments(PresentationSubmission {
            documents: vec![fp("invoice"), fp("transport document")],
            currency: if param % 11 == 0 { "EUR" } else { "USD" }.parse().unwrap(),
            amount: dec(LC_AMOUNTS[usize::from(param) % LC_AMOUNTS.len()]),
        })
        .into(),
        8 => {
            let compliant = param % 2 == 0;
            // One time in seven the examination contradicts itself.
            let listed = (param % 7 == 0) == compliant;
            PresentationAction::RecordExamination(Examination {
                compliant,
                discrepancies: if listed {
                    vec!["art. 14(d): data conflict".into()]
                } else {
                    vec![]
                },
                report: None,
            })
            .into()
        }
        9 => PresentationAction::SeekWaiver.into(),
        10 => PresentationAction::Waive.into(),
        11 => PresentationAction::DeclineWaiver.into(),
        12 => PresentationAction::Honour.into(),
        13 => PresentationAction::Refuse.into(),
        14 => LcAction::Settle,
        15 => LcAction::Expire {
            today: today.add_days(1 - i64::from(param % 3)).unwrap(),
        },
        17 => LcAction::AddConfirmation,
        _ => LcAction::IssueLc {
            terms: credit.terms.clone(),
            parties: credit.parties.clone(),
        },
    }
}

/// The action kinds of `lc_action` that the spec allows in a state (a guide for the generator,
/// not an oracle: the edges are checked by `lc_edge`).
fn lc_relevant_kinds(state: LcState) -> &'static [u8] {
    use LcState as L;
    use PresentationState as P;
    match state {
        L::Issued => &[0, 17],
        L::Advised => &[1, 7, 7, 7, 17],
        L::AmendmentProposed => &[2, 3],
        L::CancellationProposed => &[6, 6, 5],
        L::Presentation(P::Presented) => &[8],
        L::Presentation(P::ExaminedCompliant) => &[12],
        L::Presentation(P::ExaminedDiscrepant) => &[9, 10, 13],
        L::Presentation(P::WaiverSought) => &[10, 11, 13],
        L::Presentation(P::Waived) => &[12, 12, 13],
        L::Presentation(P::NotWaived) => &[13],
        L::Presentation(P::Honoured) => &[14],
        L::Presentation(P::Refused) => &[7, 1],
        L::Settled => &[7, 7, 1, 4, 15],
        L::Expired | L::Cancelled => &[0, 7],
    }
}

fn lc_operative(state: LcState) -> bool {
    matches!(
        state,
        LcState::Advised | LcState::Settled | LcState::Presentation(PresentationState::Refused)
    )
}

/// The legal graph of a credit, from PRODUCT.md §3 and UCP 600.
fn lc_edge(from: LcState, to: LcState) -> bool {
    use LcState as L;
    use PresentationState as P;
    match (from, to) {
        (L::Issued, L::Advised) => true,
        (f, L::AmendmentProposed | L::CancellationProposed) => lc_operative(f),
        (L::AmendmentProposed | L::CancellationProposed, L::Advised) => true,
        (L::CancellationProposed, L::Cancelled) => true,
        (f, L::Presentation(P::Presented)) => lc_operative(f),
        (
            L::Presentation(P::Presented),
            L::Presentation(P::ExaminedCompliant | P::ExaminedDiscrepant),
        ) => true,
        (
            L::Presentation(P::ExaminedDiscrepant),
            L::Presentation(P::WaiverSought | P::Waived | P::Refused),
        ) => true,
        (
            L::Presentation(P::WaiverSought),
            L::Presentation(P::Waived | P::NotWaived | P::Refused),
        ) => true,
        (L::Presentation(P::ExaminedCompliant | P::Waived), L::Presentation(P::Honoured)) => true,
        (L::Presentation(P::Waived | P::NotWaived), L::Presentation(P::Refused)) => true,
        (L::Presentation(P::Honoured), L::Settled) => true,
        (f, L::Expired) => {
            lc_operative(f)
                || matches!(
                    f,
                    L::Issued | L::AmendmentProposed | L::CancellationProposed
                )
        }
        _ => false,
    }
}

fn check_lc_step(before: &LcInstrument, after: &LcInstrument, event: &LcEvent, actor: &Actor) {
    if let LcEvent::LcConfirmed { bank } = event {
        check_confirmation(before, after, bank);
    } else {
        assert!(
            lc_edge(before.state, after.state),
            "illegal edge {} -> {}",
            before.state,
            after.state
        );
        assert_eq!(after.parties, before.parties);
    }
    let max = after.terms.amount_max().expect("terms never overflow");
    assert!(after.drawn <= max, "drawn {} exceeds {}", after.drawn, max);
    match event {
        LcEvent::LcSettled { amount, drawn } => {
            assert_eq!(
                before.state,
                LcState::Presentation(PresentationState::Honoured)
            );
            assert_eq!(before.drawn.checked_add(*amount), Some(*drawn));
            assert_eq!(after.drawn, *drawn);
        }
        _ => assert_eq!(
            after.drawn, before.drawn,
            "drawn changes only on settlement"
        ),
    }
    if !matches!(event, LcEvent::AmendmentAccepted { .. }) {
        assert_eq!(
            after.terms, before.terms,
            "terms change only on an accepted amendment"
        );
    }
    if let LcState::Presentation(s) = after.state {
        let presentation = after
            .presentation
            .as_ref()
            .expect("a presentation state has one");
        assert_eq!(presentation.state, s);
        // A live presentation never claims more than the credit can still pay.
        let total = after.drawn.checked_add(presentation.amount).unwrap();
        assert!(
            s == PresentationState::Refused || total <= max,
            "presentation over the credit"
        );
    }
    assert_eq!(
        after.pending_amendment.is_some(),
        after.state == LcState::AmendmentProposed
    );
    assert_eq!(
        after.parties.holder(actor.role),
        Some(actor.party_id.as_str())
    );
    let entry = after.history.last().unwrap();
    assert_eq!(
        (&entry.event, &entry.party_id, entry.role),
        (event, &actor.party_id, actor.role)
    );
    assert_eq!(after.history.len(), before.history.len() + 1);
}

/// Confirmation: by the advising bank, once, when field 49 allows it, outside a presentation and
/// before the credit ends; it changes nothing but the confirming bank.
fn check_confirmation(before: &LcInstrument, after: &LcInstrument, bank: &str) {
    assert_eq!(after.state, before.state);
    assert!(!before.state.is_final() && !matches!(before.state, LcState::Presentation(_)));
    assert_ne!(before.terms.confirmation, Confirmation::Without);
    assert_eq!(before.parties.confirming_bank, None);
    assert_eq!(bank, before.parties.advising_bank);
    let mut expected = before.parties.clone();
    expected.confirming_bank = Some(bank.to_string());
    assert_eq!(after.parties, expected);
}

fn lc_sequence(partial: bool, tolerance: u8, confirmation: Confirmation, ops: &[Op]) {
    let terms = LcTerms {
        amount: dec("1000.00"),
        tolerance: (tolerance > 0).then_some(Tolerance {
            plus_percent: tolerance,
            minus_percent: tolerance,
        }),
        expiry_date: date("2026-03-01"),
        latest_shipment_date: None,
        partial_drawings_allowed: partial,
        confirmation,
        ..lc_terms()
    };
    let mut context = ctx(1, "2026-01-01");
    let mut credit: LcInstrument = open(
        LcAction::IssueLc {
            terms,
            parties: lc_parties(),
        },
        &issuing(),
        &context,
    );
    for &(template, param, sel, step) in ops {
        let block = next_context(&mut context, step);
        let action = lc_action(template, param, &credit, block.date);
        // Before anyone confirms, the advising bank is the one that may take the role.
        let actor = pick_actor(sel, action.permitted_roles(), |r| match r {
            Role::ConfirmingBank if credit.parties.confirming_bank.is_none() => {
                Some(credit.parties.advising_bank.clone())
            }
            _ => credit.parties.holder(r).map(String::from),
        });
        match apply_deterministic(&credit, action, &actor, &block) {
            Transition::Applied { instrument, event } => {
                check_lc_step(&credit, &instrument, &event, &actor);
                credit = instrument;
            }
            Transition::Rejected { reason } => assert!(!reason.to_string().is_empty()),
        }
    }
    let bytes = to_canonical(&credit).unwrap();
    assert_eq!(from_canonical::<LcInstrument>(&bytes).unwrap(), credit);
}

// ---------------------------------------------------------------------------------------------
// Invoice, registered twice under one business fingerprint.

const FINANCIERS: [&str; 3] = [OTHER_BANK, THIRD_BANK, NOMINATED_BANK];
const INVOICE_AMOUNTS: [&str; 5] = ["100000.00", "248750.00", "248750.01", "0.00", "5.5"];

fn invoice_action(template: u8, param: u8) -> InvoiceAction {
    match template % 4 {
        0 => InvoiceAction::Finance {
            amount: dec(INVOICE_AMOUNTS[usize::from(param) % INVOICE_AMOUNTS.len()]),
        },
        1 => InvoiceAction::RecordRepayment,
        2 => InvoiceAction::Assign {
            assignee: PARTIES[usize::from(param) % PARTIES.len()].into(),
        },
        _ => InvoiceAction::RegisterInvoice {
            terms: invoice_terms(),
            parties: invoice_parties(),
        },
    }
}

fn invoice_actor(sel: u8, action: &InvoiceAction, invoice: &InvoiceInstrument) -> Actor {
    let financier = |r: Role| match r {
        Role::Financier => Some(match (&invoice.financing, sel % 3) {
            (Some(f), 0) => f.financier.clone(),
            _ => FINANCIERS[usize::from(sel / 4) % FINANCIERS.len()].to_string(),
        }),
        Role::Seller => Some(invoice.parties.seller.clone()),
        _ => None,
    };
    pick_actor(sel, action.permitted_roles(), financier)
}

fn check_invoice_step(before: &InvoiceInstrument, after: &InvoiceInstrument, event: &InvoiceEvent) {
    use InvoiceState as S;
    let edge = match event {
        InvoiceEvent::InvoiceFinanced { .. } => {
            matches!(before.state, S::Registered | S::Repaid) && after.state == S::Financed
        }
        InvoiceEvent::RepaymentRecorded { .. } => {
            before.state == S::Financed && after.state == S::Repaid
        }
        InvoiceEvent::ReceivableAssigned { .. } => {
            before.state != S::Financed
                && after.state == before.state
                && before.holder == before.parties.seller
        }
        InvoiceEvent::InvoiceRegistered { .. } => false,
    };
    assert!(
        edge,
        "illegal edge {} -> {} by {event:?}",
        before.state, after.state
    );
    if !matches!(event, InvoiceEvent::ReceivableAssigned { .. }) {
        assert_eq!(
            after.holder, before.holder,
            "the holder changes only by assignment"
        );
    }
}

fn invoice_sequence(ops: &[Op]) {
    let mut context = ctx(1, "2026-06-12");
    let mut registry = FinancingRegistry::new();
    let seller = Actor::new(BENEFICIARY, Role::Seller);
    let register = || InvoiceAction::RegisterInvoice {
        terms: invoice_terms(),
        parties: invoice_parties(),
    };
    let mut invoices: [InvoiceInstrument; 2] = [
        registry
            .open(register(), &seller, &context)
            .applied()
            .unwrap()
            .0,
        registry
            .open(register(), &seller, &context)
            .applied()
            .unwrap()
            .0,
    ];
    let fingerprint = invoices[0].terms.fingerprint;
    for &(template, param, sel, step) in ops {
        let block = next_context(&mut context, step);
        let target = usize::from(param % 2);
        let action = invoice_action(template, param / 2);
        let actor = invoice_actor(sel, &action, &invoices[target]);
        match registry.apply(&invoices[target], action, &actor, &block) {
            Transition::Applied { instrument, event } => {
                check_invoice_step(&invoices[target], &instrument, &event);
                invoices[target] = instrument;
            }
            Transition::Rejected { reason } => {
                if let Rejection::AlreadyFinanced { .. } = reason {
                    let shown = format!("{reason} {reason:?}");
                    for bank in FINANCIERS {
                        assert!(
                            !shown.contains(bank),
                            "the refusal names a financier: {shown}"
                        );
                    }
                }
            }
        }
        let financed: Vec<&InvoiceInstrument> = invoices
            .iter()
            .filter(|i| i.state == InvoiceState::Financed)
            .collect();
        assert!(financed.len() <= 1, "one invoice financed twice at once");
        for invoice in &invoices {
            assert_eq!(
                invoice.financing.is_some(),
                invoice.state == InvoiceState::Financed
            );
            if let Some(f) = &invoice.financing {
                assert!(f.amount <= invoice.terms.total && !f.amount.is_zero());
            }
        }
        let live = registry.live(&fingerprint).map(|l| l.amount);
        assert_eq!(
            live,
            financed
                .first()
                .and_then(|i| i.financing.as_ref())
                .map(|f| f.amount)
        );
    }
    assert_eq!(
        FinancingRegistry::from_instruments(invoices.iter()).unwrap(),
        registry
    );
}

// ---------------------------------------------------------------------------------------------
// Customs declaration.

fn declaration_action(template: u8, param: u8) -> DeclarationAction {
    let channel = [Channel::Green, Channel::Yellow, Channel::Red][usize::from(param) % 3];
    // Withdrawal ends a declaration, so it is rare; the customs actions are frequent.
    const KINDS: [u8; 14] = [0, 0, 0, 1, 1, 2, 2, 3, 4, 4, 5, 5, 6, 7];
    match KINDS[usize::from(template) % KINDS.len()] {
        0 => DeclarationAction::AssessRisk(RiskAssessment::from_lines(
            channel,
            if param % 5 == 0 {
                vec![]
            } else {
                vec!["R-VAL-02: undervalued".into()]
            },
        )),
        1 => DeclarationAction::OverrideChannel {
            channel,
            reason: "officer's decision".into(),
        },
        2 => DeclarationAction::Release,
        3 => DeclarationAction::Hold {
            reason: "document check".into(),
        },
        4 => DeclarationAction::OrderInspection,
        5 => DeclarationAction::RecordInspection {
            outcome: if param % 2 == 0 {
                InspectionOutcome::Cleared
            } else {
                InspectionOutcome::Seized
            },
            findings: (param % 3 != 0).then(|| "inspected".into()),
        },
        6 => DeclarationAction::Withdraw,
        _ => DeclarationAction::SubmitDeclaration {
            terms: declaration_terms(),
            parties: declaration_parties(),
        },
    }
}

fn declaration_edge(
    from: DeclarationState,
    to: DeclarationState,
    event: &DeclarationEvent,
) -> bool {
    use DeclarationState as S;
    match (from, to) {
        (S::Submitted, S::RiskAssessed) => true,
        (S::RiskAssessed, S::RiskAssessed) | (S::Held, S::Held) => {
            matches!(event, DeclarationEvent::ChannelOverridden { .. })
        }
        (S::RiskAssessed, S::Held) => true,
        (S::RiskAssessed | S::Held, S::Released | S::InspectionOrdered) => true,
        (S::InspectionOrdered, S::Released | S::Seized) => true,
        (S::Submitted | S::RiskAssessed | S::Held, S::Withdrawn) => true,
        _ => false,
    }
}

fn declaration_sequence(ops: &[Op]) {
    let mut context = ctx(1, "2026-06-20");
    let declarant = Actor::new(DECLARANT, Role::Declarant);
    let submit = DeclarationAction::SubmitDeclaration {
        terms: declaration_terms(),
        parties: declaration_parties(),
    };
    let mut declaration: DeclarationInstrument = open(submit, &declarant, &context);
    for &(template, param, sel, step) in ops {
        let block = next_context(&mut context, step);
        let action = declaration_action(template, param);
        let holder = |r: Role| match r {
            Role::Declarant => Some(DECLARANT.to_string()),
            Role::Customs => Some(CUSTOMS_KHORGOS.to_string()),
            _ => None,
        };
        let actor = pick_actor(sel, action.permitted_roles(), holder);
        if let Transition::Applied { instrument, event } =
            apply_deterministic(&declaration, action, &actor, &block)
        {
            assert!(
                declaration_edge(declaration.state, instrument.state, &event),
                "illegal edge {} -> {}",
                declaration.state,
                instrument.state
            );
            if instrument.state == DeclarationState::Released {
                let inspected = matches!(event, DeclarationEvent::InspectionCleared { .. });
                assert!(
                    inspected || instrument.channel() != Some(Channel::Red),
                    "red released uninspected"
                );
            }
            if instrument.state != DeclarationState::Submitted
                && instrument.state != DeclarationState::Withdrawn
            {
                assert!(instrument.assessment.is_some());
            }
            declaration = instrument;
        }
    }
    let bytes = to_canonical(&declaration).unwrap();
    assert_eq!(
        from_canonical::<DeclarationInstrument>(&bytes).unwrap(),
        declaration
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn letter_of_credit_sequences_stay_on_the_legal_graph(
        partial in any::<bool>(),
        tolerance in prop::sample::select(vec![0u8, 10]),
        confirmation in prop::sample::select(vec![Confirmation::Without, Confirmation::MayAdd]),
        ops in ops(),
    ) {
        lc_sequence(partial, tolerance, confirmation, &ops);
    }

    #[test]
    fn invoice_is_never_financed_twice_at_once(ops in ops()) {
        invoice_sequence(&ops);
    }

    #[test]
    fn declaration_sequences_stay_on_the_legal_graph(ops in ops()) {
        declaration_sequence(&ops);
    }
}

/// A long run fills the history to its bound; after that every transition is refused, and the
/// instrument still decodes.
#[test]
fn history_bound_holds_under_a_long_run() {
    let mut context = ctx(1, "2026-06-12");
    let seller = Actor::new(BENEFICIARY, Role::Seller);
    let bank = Actor::new(OTHER_BANK, Role::Financier);
    let register = InvoiceAction::RegisterInvoice {
        terms: invoice_terms(),
        parties: invoice_parties(),
    };
    let mut invoice: InvoiceInstrument = open(register, &seller, &context);
    let finance = InvoiceAction::Finance {
        amount: dec("1000.00"),
    };
    for i in 0.. {
        context.height += 1;
        let action = if i % 2 == 0 {
            finance.clone()
        } else {
            InvoiceAction::RecordRepayment
        };
        match invoice.apply(action, &bank, &context) {
            Transition::Applied { instrument, .. } => invoice = instrument,
            Transition::Rejected { reason } => {
                assert_eq!(
                    reason,
                    Rejection::HistoryFull {
                        len_max: HISTORY_LEN_MAX
                    }
                );
                break;
            }
        }
    }
    assert_eq!(invoice.history.len(), HISTORY_LEN_MAX);
    let bytes = to_canonical(&invoice).unwrap();
    assert_eq!(
        from_canonical::<InvoiceInstrument>(&bytes).unwrap(),
        invoice
    );
}
