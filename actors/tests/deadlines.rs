//! Deadlines on a controlled clock: the examination period across a weekend, across Nauryz
//! 2026 at a Kazakh bank and across the Spring Festival 2026 at a Chinese confirming bank (at
//! Beijing's date, not UTC's), the expiry of a credit, customs service-level times, and the
//! refusal to count days in a year without a calendar.
//!
//! Instruments are built through the trade-docs state machines, as the ledger builds them.

use actors::clock::{Clock, ManualClock};
use actors::deadlines::{self, CustomsStage, DueKind, Rules, Tracked};
use consensus::ledger::state::AnyInstrument;
use trade_docs::document::{Confirmation, DeclarationKind};
use trade_docs::instrument::{
    Actor, Context, DeclarationAction, DeclarationInstrument, DeclarationParties, DeclarationTerms,
    Instrument, LcAction, LcInstrument, LcParties, LcTerms, PresentationAction,
    PresentationSubmission, Role, Transition,
};
use trade_docs::{Date, Fingerprint};

const KZ_BANK: &str = "STCBKZKAXXX";
const CN_BANK: &str = "TSCMCNBJXXX";
const HOUR_MS: u64 = 3_600_000;

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

/// Milliseconds at `hour`:00 UTC of `day`.
fn at(day: &str, hour: u64) -> u64 {
    let epoch = date("1970-01-01");
    epoch.days_until(date(day)) as u64 * 24 * HOUR_MS + hour * HOUR_MS
}

fn apply<I: Instrument>(i: &I, action: I::Action, party: &str, role: Role, day: &str) -> I
where
    I::Action: std::fmt::Debug,
{
    let ctx = Context {
        height: 1,
        date: date(day),
    };
    match i.apply(action, &Actor::new(party, role), &ctx) {
        Transition::Applied { instrument, .. } => instrument,
        Transition::Rejected { reason } => panic!("rejected: {reason:?}"),
    }
}

/// A credit issued by the Kazakh bank, advised by the Chinese one (which confirms it when
/// `confirmed`), with documents presented on `presented_on`.
fn credit_presented(presented_on: &str, confirmed: bool) -> LcInstrument {
    let terms = LcTerms {
        reference: "SCB26LC0417".into(),
        document: Fingerprint::sha256(b"mt700"),
        currency: "USD".parse().unwrap(),
        amount: "250000.00".parse().unwrap(),
        tolerance: None,
        expiry_date: date("2026-06-30"),
        latest_shipment_date: Some(date("2026-01-20")),
        partial_drawings_allowed: false,
        confirmation: Confirmation::Confirm,
    };
    let parties = LcParties {
        issuing_bank: KZ_BANK.into(),
        advising_bank: CN_BANK.into(),
        applicant: "STEPPE AGRO MACHINERY LLP".into(),
        beneficiary: "TIANSHAN HEAVY INDUSTRY CO.".into(),
        confirming_bank: None,
        nominated_bank: None,
    };
    let issue = LcAction::IssueLc { terms, parties };
    let ctx = Context {
        height: 1,
        date: date("2026-01-05"),
    };
    let Transition::Applied { instrument: lc, .. } =
        LcInstrument::open(issue, &Actor::new(KZ_BANK, Role::IssuingBank), &ctx)
    else {
        panic!("issue rejected");
    };
    let mut lc = apply(
        &lc,
        LcAction::Advise,
        CN_BANK,
        Role::AdvisingBank,
        "2026-01-05",
    );
    if confirmed {
        let confirm = LcAction::AddConfirmation;
        lc = apply(&lc, confirm, CN_BANK, Role::ConfirmingBank, "2026-01-05");
    }
    let present = LcAction::Presentation(PresentationAction::PresentDocuments(
        PresentationSubmission {
            documents: vec![Fingerprint::sha256(b"invoice")],
            currency: "USD".parse().unwrap(),
            amount: "250000.00".parse().unwrap(),
        },
    ));
    apply(
        &lc,
        present,
        "TIANSHAN HEAVY INDUSTRY CO.",
        Role::Beneficiary,
        presented_on,
    )
}

fn tracked(instrument: AnyInstrument, changed_ms: u64) -> Tracked {
    Tracked {
        id: "c0ffee".into(),
        instrument,
        changed_ms,
    }
}

/// The kinds of what is due at the clock's time, by name.
fn due_names(rules: &Rules, t: &Tracked, clock: &ManualClock) -> Vec<&'static str> {
    deadlines::due(rules, t, clock.now_ms())
        .unwrap()
        .into_iter()
        .map(|a| match a.due {
            DueKind::ExaminationWarning { .. } => "warning",
            DueKind::ExaminationLapsed { .. } => "lapsed",
            DueKind::PresentationPeriodEnded { .. } => "period_ended",
            DueKind::Expire { .. } => "expire",
            DueKind::CustomsWarning { .. } => "customs_warning",
            DueKind::CustomsOverdue { .. } => "customs_overdue",
        })
        .collect()
}

/// (clock time, what is due then) for one presentation.
fn check_timeline(lc: LcInstrument, timeline: &[(u64, &[&str])]) {
    let rules = Rules::embedded().unwrap();
    let t = tracked(AnyInstrument::LetterOfCredit(lc), 0);
    let clock = ManualClock::at(0);
    for (now_ms, expected) in timeline {
        clock.set(*now_ms);
        let local = deadlines::date_at(*now_ms, 0);
        assert_eq!(due_names(&rules, &t, &clock), *expected, "at {local} (UTC)");
    }
}

#[test]
fn examination_across_a_weekend() {
    // Presented Thursday 16 April 2026: Fri 17, Mon 20, Tue 21, Wed 22, Thu 23.
    check_timeline(
        credit_presented("2026-04-16", false),
        &[
            (at("2026-04-17", 6), &[]),
            (at("2026-04-21", 6), &[]),
            (at("2026-04-22", 6), &["warning"]),
            (at("2026-04-23", 18), &["warning"]),
            // Almaty is UTC+5: at 20:00 UTC on the 23rd it is already the 24th there.
            (at("2026-04-23", 20), &["warning", "lapsed"]),
        ],
    );
}

#[test]
fn examination_across_nauryz_2026_at_a_kazakh_bank() {
    // Presented Thursday 19 March 2026: Fri 20; 21-25 Nauryz (24, 25 moved from the weekend);
    // Thu 26, Fri 27, Mon 30, Tue 31. Counting weekends only would make it due on the 26th.
    check_timeline(
        credit_presented("2026-03-19", false),
        &[
            (at("2026-03-26", 12), &[]),
            (at("2026-03-27", 12), &[]),
            (at("2026-03-30", 6), &["warning"]),
            (at("2026-03-31", 6), &["warning"]),
            (at("2026-04-01", 6), &["warning", "lapsed"]),
        ],
    );
    let lc = credit_presented("2026-03-19", false);
    assert_eq!(deadlines::examining_bank(&lc), KZ_BANK);
}

#[test]
fn examination_across_the_spring_festival_2026_at_a_chinese_confirming_bank() {
    // Presented Thursday 12 February 2026 to the confirming bank in Beijing: Fri 13, Sat 14
    // (a worked Saturday, 调休), 15-23 the festival, Tue 24, Wed 25, Thu 26.
    let lc = credit_presented("2026-02-12", true);
    assert_eq!(deadlines::examining_bank(&lc), CN_BANK);
    check_timeline(
        lc,
        &[
            (at("2026-02-20", 6), &[]),
            (at("2026-02-24", 6), &[]),
            // 17:00 UTC on the 24th is 01:00 on the 25th in Beijing: the warning is due.
            (at("2026-02-24", 17), &["warning"]),
            (at("2026-02-26", 12), &["warning"]),
            (at("2026-02-26", 17), &["warning", "lapsed"]),
        ],
    );
}

#[test]
fn due_actions_keep_their_ids_and_stop_once_decided() {
    let rules = Rules::embedded().unwrap();
    let lc = credit_presented("2026-04-16", false);
    let t = tracked(AnyInstrument::LetterOfCredit(lc.clone()), 0);
    let first = deadlines::due(&rules, &t, at("2026-04-24", 12)).unwrap();
    let later = deadlines::due(&rules, &t, at("2026-04-28", 12)).unwrap();
    let ids = |v: &[deadlines::DueAction]| v.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&first), ids(&later));
    assert_eq!(
        ids(&first),
        [
            "examination-warning/c0ffee/2",
            "examination-lapsed/c0ffee/2"
        ]
    );
    assert!(first[0].parties.contains(&KZ_BANK.to_string()));
    // Once the bank has examined and honoured, nothing about the examination is due.
    let examined = apply(
        &lc,
        LcAction::Presentation(PresentationAction::RecordExamination(
            trade_docs::instrument::Examination {
                compliant: true,
                discrepancies: Vec::new(),
                report: None,
            },
        )),
        KZ_BANK,
        Role::IssuingBank,
        "2026-04-20",
    );
    let honoured = apply(
        &examined,
        LcAction::Presentation(PresentationAction::Honour),
        KZ_BANK,
        Role::IssuingBank,
        "2026-04-20",
    );
    let t = tracked(AnyInstrument::LetterOfCredit(honoured), 0);
    assert!(deadlines::due(&rules, &t, at("2026-04-28", 12))
        .unwrap()
        .is_empty());
}

#[test]
fn an_operative_credit_past_its_expiry_is_due_to_expire() {
    let rules = Rules::embedded().unwrap();
    let mut lc = credit_presented("2026-04-16", false);
    // Refused presentations leave the credit operative, so it can expire.
    lc = apply(
        &lc,
        LcAction::Presentation(PresentationAction::RecordExamination(
            trade_docs::instrument::Examination {
                compliant: false,
                discrepancies: vec!["late shipment (UCP 600 14(c))".into()],
                report: None,
            },
        )),
        KZ_BANK,
        Role::IssuingBank,
        "2026-04-17",
    );
    lc = apply(
        &lc,
        LcAction::Presentation(PresentationAction::Refuse),
        KZ_BANK,
        Role::IssuingBank,
        "2026-04-17",
    );
    let t = tracked(AnyInstrument::LetterOfCredit(lc), 0);
    assert!(deadlines::due(&rules, &t, at("2026-06-30", 12))
        .unwrap()
        .is_empty());
    let due = deadlines::due(&rules, &t, at("2026-07-01", 12)).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].id, "expire/c0ffee");
    assert_eq!(
        due[0].due,
        DueKind::Expire {
            expiry_date: date("2026-06-30"),
            today: date("2026-07-01")
        }
    );
}

#[test]
fn a_customs_hold_escalates_after_its_post_service_time() {
    let rules = Rules::embedded().unwrap();
    let terms = DeclarationTerms {
        document: Fingerprint::sha256(b"declaration"),
        reference: "KZ-IM-2026-5531".into(),
        declaration_kind: DeclarationKind::Import,
        border_post: "KHORGOS".into(),
    };
    let parties = DeclarationParties {
        declarant: "STEPPE AGRO MACHINERY LLP".into(),
        customs: "KZ CUSTOMS KHORGOS".into(),
    };
    let ctx = Context {
        height: 1,
        date: date("2026-04-01"),
    };
    let submit = DeclarationAction::SubmitDeclaration { terms, parties };
    let declarant = Actor::new("STEPPE AGRO MACHINERY LLP", Role::Declarant);
    let Transition::Applied { instrument: d, .. } =
        DeclarationInstrument::open(submit, &declarant, &ctx)
    else {
        panic!("submission rejected");
    };
    let assessed =
        DeclarationAction::AssessRisk(trade_docs::instrument::RiskAssessment::from_lines(
            trade_docs::instrument::Channel::Yellow,
            vec!["documents to check".into()],
        ));
    let customs = "KZ CUSTOMS KHORGOS";
    let d = apply(&d, assessed, customs, Role::Customs, "2026-04-01");
    let hold = DeclarationAction::Hold {
        reason: "certificate of origin unreadable".into(),
    };
    let d = apply(&d, hold, customs, Role::Customs, "2026-04-01");
    let held_ms = at("2026-04-01", 9);
    let t = tracked(AnyInstrument::CustomsDeclaration(d), held_ms);
    let clock = ManualClock::at(held_ms + 17 * HOUR_MS);
    assert!(due_names(&rules, &t, &clock).is_empty());
    clock.advance(HOUR_MS); // 18 h: three quarters of Khorgos's 24 h
    assert_eq!(due_names(&rules, &t, &clock), ["customs_warning"]);
    clock.advance(7 * HOUR_MS);
    assert_eq!(
        due_names(&rules, &t, &clock),
        ["customs_warning", "customs_overdue"]
    );
    let due = deadlines::due(&rules, &t, clock.now_ms()).unwrap();
    assert_eq!(
        due[1].due,
        DueKind::CustomsOverdue {
            post: customs.into(),
            stage: CustomsStage::Hold,
            due_at_ms: held_ms + 24 * HOUR_MS
        }
    );
    assert_eq!(due[1].parties, [customs, "STEPPE AGRO MACHINERY LLP"]);
}

#[test]
fn a_presentation_in_a_year_without_a_calendar_is_an_error() {
    let rules = Rules::embedded().unwrap();
    let lc = credit_presented("2026-04-16", false);
    let mut lc = lc;
    if let Some(p) = lc.presentation.as_mut() {
        p.presented_on = date("2028-01-10");
    }
    let t = tracked(AnyInstrument::LetterOfCredit(lc), 0);
    let error = deadlines::due(&rules, &t, at("2028-01-12", 12)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no banking calendar for country KZ in year 2028"),
        "{error}"
    );
}
