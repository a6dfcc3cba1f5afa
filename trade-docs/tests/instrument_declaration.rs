//! The customs declaration as a ledger instrument: every legal transition, representative
//! illegal ones, the red channel's inspection requirement and the officer's override.

mod instrument_support;

use instrument_support::*;
use trade_docs::cbor::{from_canonical, to_canonical};
use trade_docs::document::CustomsDeclaration;
use trade_docs::instrument::{
    Actor, Channel, DeclarationAction as A, DeclarationEvent as E, DeclarationInstrument,
    DeclarationState as S, DeclarationTerms, HitEffect, InspectionOutcome, Instrument, RandomDraw,
    Rejection, RiskAssessment, Role, RuleHit,
};
use trade_docs::Fingerprint;

fn declarant() -> Actor {
    actor(DECLARANT, Role::Declarant)
}
fn customs() -> Actor {
    actor(CUSTOMS_KHORGOS, Role::Customs)
}
fn submit() -> A {
    A::SubmitDeclaration {
        terms: declaration_terms(),
        parties: declaration_parties(),
    }
}
fn assess(channel: Channel) -> A {
    let rule_hits = match channel {
        Channel::Green => vec![],
        Channel::Yellow => vec!["R-DOC-07: certificate of origin not yet anchored".into()],
        Channel::Red => vec![
            "R-VAL-02: customs value 38 % below the reference price for HS 8708".into(),
            "R-MIR-01: mirror declaration HORGOS CN-EX-2026-0931 declares 1 450 kg more".into(),
        ],
    };
    A::AssessRisk(RiskAssessment::from_lines(channel, rule_hits))
}
fn inspection(outcome: InspectionOutcome) -> A {
    A::RecordInspection {
        outcome,
        findings: Some("container TKRU4471180 opened; goods match the documents".into()),
    }
}

fn at(stage: &str) -> DeclarationInstrument {
    let steps = match stage {
        "submitted" => vec![],
        "green" => vec![(assess(Channel::Green), customs())],
        "yellow" => vec![(assess(Channel::Yellow), customs())],
        "red" => vec![(assess(Channel::Red), customs())],
        "held" => vec![
            (assess(Channel::Yellow), customs()),
            (
                A::Hold {
                    reason: "awaiting the certificate of origin".into(),
                },
                customs(),
            ),
        ],
        "held_red" => vec![
            (assess(Channel::Red), customs()),
            (
                A::Hold {
                    reason: "awaiting the inspection team".into(),
                },
                customs(),
            ),
        ],
        "inspection" => vec![
            (assess(Channel::Red), customs()),
            (A::OrderInspection, customs()),
        ],
        "released" => vec![(assess(Channel::Green), customs()), (A::Release, customs())],
        "seized" => vec![
            (assess(Channel::Red), customs()),
            (A::OrderInspection, customs()),
            (inspection(InspectionOutcome::Seized), customs()),
        ],
        "withdrawn" => vec![(A::Withdraw, declarant())],
        other => panic!("unknown stage {other}"),
    };
    let submitted = open(submit(), &declarant(), &ctx(1, "2026-06-20"));
    drive(submitted, steps, 2, "2026-06-20")
}

fn later() -> trade_docs::instrument::Context {
    ctx(100, "2026-06-30")
}

#[test]
fn every_legal_transition() {
    let override_to = |channel| A::OverrideChannel {
        channel,
        reason: "AEO operator, documents verified by the officer".into(),
    };
    let cases: Vec<(&str, A, Actor, S)> = vec![
        (
            "submitted",
            assess(Channel::Green),
            customs(),
            S::RiskAssessed,
        ),
        (
            "submitted",
            assess(Channel::Red),
            customs(),
            S::RiskAssessed,
        ),
        ("green", A::Release, customs(), S::Released),
        ("yellow", A::Release, customs(), S::Released),
        (
            "yellow",
            A::Hold {
                reason: "document check".into(),
            },
            customs(),
            S::Held,
        ),
        (
            "yellow",
            A::OrderInspection,
            customs(),
            S::InspectionOrdered,
        ),
        ("red", A::OrderInspection, customs(), S::InspectionOrdered),
        (
            "red",
            override_to(Channel::Yellow),
            customs(),
            S::RiskAssessed,
        ),
        ("held", A::Release, customs(), S::Released),
        ("held", A::OrderInspection, customs(), S::InspectionOrdered),
        ("held", override_to(Channel::Red), customs(), S::Held),
        (
            "inspection",
            inspection(InspectionOutcome::Cleared),
            customs(),
            S::Released,
        ),
        (
            "inspection",
            inspection(InspectionOutcome::Seized),
            customs(),
            S::Seized,
        ),
        ("submitted", A::Withdraw, declarant(), S::Withdrawn),
        ("yellow", A::Withdraw, declarant(), S::Withdrawn),
        ("held", A::Withdraw, declarant(), S::Withdrawn),
    ];
    for (stage, action, actor, expected) in cases {
        let shown = format!("{stage} --{}--> {expected}", action.name());
        let before = at(stage);
        let (after, event) = apply_legal(&before, action, &actor, &later(), &shown);
        assert_eq!(after.state, expected, "{shown}");
        assert_eq!(after.history.last().unwrap().event, event, "{shown}");
    }
}

#[test]
fn illegal_transitions_are_rejected_with_their_reason() {
    let cases: Vec<(&str, A, Actor, Rejection)> = vec![
        (
            "submitted",
            assess(Channel::Green),
            actor(DECLARANT, Role::Declarant),
            Rejection::NotPermitted {
                role: Role::Declarant,
                action: "assess_risk".into(),
            },
        ),
        (
            "green",
            A::Release,
            actor(ISSUING_BANK, Role::IssuingBank),
            Rejection::NotPermitted {
                role: Role::IssuingBank,
                action: "release".into(),
            },
        ),
        (
            "green",
            A::Withdraw,
            customs(),
            Rejection::NotPermitted {
                role: Role::Customs,
                action: "withdraw".into(),
            },
        ),
        (
            "green",
            A::Release,
            actor(CUSTOMS_AKTAU, Role::Customs),
            Rejection::WrongParty {
                role: Role::Customs,
                expected: CUSTOMS_KHORGOS.into(),
                found: CUSTOMS_AKTAU.into(),
            },
        ),
        (
            "submitted",
            A::Withdraw,
            actor(STRANGER, Role::Declarant),
            Rejection::WrongParty {
                role: Role::Declarant,
                expected: DECLARANT.into(),
                found: STRANGER.into(),
            },
        ),
        ("red", A::Release, customs(), Rejection::InspectionRequired),
        (
            "held_red",
            A::Release,
            customs(),
            Rejection::InspectionRequired,
        ),
        (
            "submitted",
            A::Release,
            customs(),
            illegal("submitted", "release"),
        ),
        (
            "green",
            assess(Channel::Red),
            customs(),
            illegal("risk_assessed", "assess_risk"),
        ),
        (
            "held",
            A::Hold {
                reason: "again".into(),
            },
            customs(),
            illegal("held", "hold"),
        ),
        (
            "inspection",
            A::Withdraw,
            declarant(),
            illegal("inspection_ordered", "withdraw"),
        ),
        (
            "inspection",
            A::Release,
            customs(),
            illegal("inspection_ordered", "release"),
        ),
        (
            "green",
            inspection(InspectionOutcome::Cleared),
            customs(),
            illegal("risk_assessed", "record_inspection"),
        ),
        (
            "released",
            A::Withdraw,
            declarant(),
            illegal("released", "withdraw"),
        ),
        (
            "released",
            A::OrderInspection,
            customs(),
            illegal("released", "order_inspection"),
        ),
        (
            "seized",
            A::Release,
            customs(),
            illegal("seized", "release"),
        ),
        (
            "withdrawn",
            assess(Channel::Green),
            customs(),
            illegal("withdrawn", "assess_risk"),
        ),
        (
            "green",
            submit(),
            declarant(),
            illegal("risk_assessed", "submit_declaration"),
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
}

#[test]
fn payload_faults_name_their_field() {
    let cases: Vec<(&str, A, &str)> = vec![
        (
            "submitted",
            A::AssessRisk(RiskAssessment::from_lines(Channel::Red, vec![])),
            "rule_hits",
        ),
        (
            "submitted",
            A::AssessRisk(RiskAssessment::from_lines(
                Channel::Yellow,
                vec!["R-1".into(), " ".into()],
            )),
            "rule_hits[1]",
        ),
        (
            "green",
            A::OverrideChannel {
                channel: Channel::Green,
                reason: "no change".into(),
            },
            "channel",
        ),
        (
            "green",
            A::OverrideChannel {
                channel: Channel::Red,
                reason: "".into(),
            },
            "reason",
        ),
        (
            "green",
            A::Hold {
                reason: "x".repeat(513),
            },
            "reason",
        ),
        (
            "inspection",
            A::RecordInspection {
                outcome: InspectionOutcome::Seized,
                findings: None,
            },
            "findings",
        ),
    ];
    for (stage, action, field) in cases {
        let shown = format!("{stage} --{}-->", action.name());
        match rejection(at(stage).apply(action, &customs(), &later())) {
            Rejection::InvalidField { field: f, .. } => assert_eq!(f, field, "{shown}"),
            other => panic!("{shown}: {other}"),
        }
    }
    let blank_post = A::SubmitDeclaration {
        terms: DeclarationTerms {
            border_post: "".into(),
            ..declaration_terms()
        },
        parties: declaration_parties(),
    };
    assert!(matches!(
        rejection(DeclarationInstrument::open(blank_post, &declarant(), &ctx(1, "2026-06-20"))),
        Rejection::InvalidField { field, .. } if field == "terms.border_post"
    ));
}

fn hit(rule_id: &str, evidence: &str) -> RuleHit {
    RuleHit {
        rule_id: rule_id.into(),
        rule_version: 3,
        effect: HitEffect::Weight(50),
        reason: "declared unit value under the reference band".into(),
        evidence: evidence.into(),
    }
}

fn draw(selected: bool) -> RandomDraw {
    RandomDraw {
        block: Fingerprint([7; 32]),
        declaration: Fingerprint([9; 32]),
        rate_ppm: 20_000,
        value: if selected { 1 } else { u64::MAX },
        selected,
    }
}

fn structured(channel: Channel, hits: Vec<RuleHit>, draw: Option<RandomDraw>) -> A {
    A::AssessRisk(RiskAssessment {
        rule_set: Some(Fingerprint([1; 32])),
        hits,
        draw,
        ..RiskAssessment::from_lines(channel, vec![])
    })
}

#[test]
fn a_structured_assessment_is_recorded_whole_and_round_trips() {
    let hits = vec![
        hit("VAL-BAND-LOW", "declared 8.64 USD/kg, band 11.00–25.00"),
        RuleHit {
            effect: HitEffect::Forced(Channel::Red),
            ..hit("WATCH-1", "consignor on list 'high_risk'")
        },
    ];
    let action = structured(Channel::Red, hits.clone(), Some(draw(false)));
    let (assessed, event) = at("submitted")
        .apply(action, &customs(), &later())
        .applied()
        .unwrap();
    assert_eq!(
        event,
        E::RiskAssessed {
            channel: Channel::Red,
            rule_hits_len: 2
        }
    );
    let recorded = assessed.assessment.as_ref().unwrap();
    assert_eq!(recorded.hits, hits);
    assert_eq!(recorded.rule_set, Some(Fingerprint([1; 32])));
    assert_eq!(recorded.draw, Some(draw(false)));
    let bytes = to_canonical(&assessed).unwrap();
    assert_eq!(
        from_canonical::<DeclarationInstrument>(&bytes).unwrap(),
        assessed
    );
}

/// An assessment without the engine's fields encodes exactly as the two-field record did, so
/// instruments recorded before the rules engine decode and re-encode unchanged.
#[test]
fn an_assessment_of_lines_encodes_as_before() {
    #[derive(serde::Serialize)]
    struct Before {
        channel: Channel,
        rule_hits: Vec<String>,
    }
    let lines = vec!["R-VAL-02: undervalued".to_string()];
    let before = to_canonical(&Before {
        channel: Channel::Red,
        rule_hits: lines.clone(),
    })
    .unwrap();
    let now = RiskAssessment::from_lines(Channel::Red, lines);
    assert_eq!(to_canonical(&now).unwrap(), before);
    assert_eq!(from_canonical::<RiskAssessment>(&before).unwrap(), now);
}

#[test]
fn a_draw_alone_may_select_a_channel_but_nothing_else_may_be_silent() {
    let by_draw = structured(Channel::Yellow, vec![], Some(draw(true)));
    assert!(at("submitted")
        .apply(by_draw, &customs(), &later())
        .is_applied());
    let unexplained = structured(Channel::Yellow, vec![], Some(draw(false)));
    assert!(matches!(
        rejection(at("submitted").apply(unexplained, &customs(), &later())),
        Rejection::InvalidField { field, .. } if field == "rule_hits"
    ));
}

#[test]
fn structured_hit_faults_name_their_field() {
    let long = "x".repeat(257);
    let cases: Vec<(A, &str)> = vec![
        (
            structured(Channel::Red, vec![hit("R", "e"); 65], None),
            "hits",
        ),
        (
            structured(Channel::Red, vec![hit("R", "e"), hit(" ", "e")], None),
            "hits[1].rule_id",
        ),
        (
            structured(Channel::Red, vec![hit(&"R".repeat(65), "e")], None),
            "hits[0].rule_id",
        ),
        (
            structured(Channel::Red, vec![hit("R", &long)], None),
            "hits[0].evidence",
        ),
        (
            structured(
                Channel::Red,
                vec![RuleHit {
                    reason: long.clone(),
                    ..hit("R", "e")
                }],
                None,
            ),
            "hits[0].reason",
        ),
        (
            structured(
                Channel::Red,
                vec![hit("R", "e")],
                Some(RandomDraw {
                    rate_ppm: 1_000_001,
                    ..draw(false)
                }),
            ),
            "draw.rate_ppm",
        ),
    ];
    for (action, field) in cases {
        match rejection(at("submitted").apply(action, &customs(), &later())) {
            Rejection::InvalidField { field: f, .. } => assert_eq!(f, field),
            other => panic!("{field}: {other}"),
        }
    }
    // 256 characters, multi-byte, are within the bound.
    let at_bound = "–".repeat(256);
    assert!(at("submitted")
        .apply(
            structured(Channel::Red, vec![hit("R", &at_bound)], None),
            &customs(),
            &later()
        )
        .is_applied());
}

/// PRODUCT.md §7: the second consignment, via Aktau, is undervalued and goes red; it is
/// released only after an inspection clears it, and every decision names the officer's post.
#[test]
fn red_channel_goes_through_inspection() {
    let red = at("red");
    assert_eq!(red.channel(), Some(Channel::Red));
    let steps = vec![
        (A::OrderInspection, customs()),
        (inspection(InspectionOutcome::Cleared), customs()),
    ];
    let released = drive(red, steps, 10, "2026-06-22");
    assert_eq!(released.state, S::Released);
    let events: Vec<&E> = released.history.events().collect();
    assert_eq!(events[0], &E::DeclarationSubmitted);
    assert_eq!(
        events[1],
        &E::RiskAssessed {
            channel: Channel::Red,
            rule_hits_len: 2
        }
    );
    assert_eq!(events[2], &E::InspectionOrdered);
    assert!(matches!(
        events[3],
        E::InspectionCleared { findings: Some(_) }
    ));
    assert!(released.history.entries()[1..]
        .iter()
        .all(|e| e.party_id == CUSTOMS_KHORGOS));
}

#[test]
fn an_override_is_recorded_with_its_reason_and_keeps_the_rule_hits() {
    let reason = "officer: valuation explained by the seller's discount letter";
    let (overridden, event) = at("red")
        .apply(
            A::OverrideChannel {
                channel: Channel::Yellow,
                reason: reason.into(),
            },
            &customs(),
            &later(),
        )
        .applied()
        .unwrap();
    assert_eq!(
        event,
        E::ChannelOverridden {
            from: Channel::Red,
            to: Channel::Yellow,
            reason: reason.into()
        }
    );
    assert_eq!(overridden.channel(), Some(Channel::Yellow));
    assert_eq!(overridden.assessment.as_ref().unwrap().rule_hits.len(), 2);
    assert!(overridden
        .apply(A::Release, &customs(), &ctx(101, "2026-06-30"))
        .is_applied());
}

#[test]
fn round_trips_and_terms_from_the_document() {
    for stage in ["submitted", "held", "seized"] {
        let declaration = at(stage);
        let bytes = to_canonical(&declaration).unwrap();
        assert_eq!(
            from_canonical::<DeclarationInstrument>(&bytes).unwrap(),
            declaration
        );
    }
    let document: CustomsDeclaration = serde_json::from_str(
        r#"{
            "declaration_kind": "import",
            "reference": "KZ-IM-2026-5531",
            "submitted_on": "2026-06-20",
            "declarant": {"name": "Khorgos Customs Broker LLP"},
            "consignor": {"name": "Tianshan Heavy Industry Co."},
            "consignee": {"name": "Steppe Agro Machinery LLP"},
            "country_of_origin": "CN",
            "country_of_dispatch": "CN",
            "country_of_destination": "KZ",
            "hs_code": "870840",
            "goods_description": "Gear boxes for tractors",
            "quantity": "500",
            "unit": "C62",
            "gross_mass_kg": "12500",
            "net_mass_kg": "11800",
            "customs_value": "248750.00",
            "currency": "USD",
            "incoterms": {"rule": "CPT", "place": "ALMATY"},
            "transport_mode": "rail_waybill_smgs",
            "border_post": "KHORGOS"
        }"#,
    )
    .unwrap();
    let terms = DeclarationTerms::of_declaration(&document).unwrap();
    assert_eq!(terms.document, declaration_terms_document(&document));
    assert_eq!(
        DeclarationTerms {
            document: declaration_terms().document,
            ..terms
        },
        declaration_terms()
    );
}

fn declaration_terms_document(document: &CustomsDeclaration) -> trade_docs::Fingerprint {
    trade_docs::Fingerprint::of_document(&trade_docs::Document::CustomsDeclaration(
        document.clone(),
    ))
    .unwrap()
}
