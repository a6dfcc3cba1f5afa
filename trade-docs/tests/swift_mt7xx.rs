//! MT700 and MT707 import and export against the fixtures of `tests/fixtures/swift/`: the
//! scenario credit and amendment field by field, exports byte for byte, round trips, and every
//! malformed input refused with the line and tag at fault. A property test checks that
//! import → export → import is the identity on credits with generated free text.

use proptest::prelude::*;
use trade_docs::document::{
    AmendmentAction, AmendmentClause, AvailableBy, Confirmation, Document, FormOfCredit,
    LcAmendment, LetterOfCredit, PresentationPeriod, ShipmentPermission, Tolerance,
};
use trade_docs::swift::{
    export_mt700, export_mt707, import_mt700, import_mt707, SwiftError, LINE_WIDTH_MAX_CHARS,
};
use trade_docs::{Bic, Currency, Date, Decimal, Party};

const KHORGOS: &str = include_str!("fixtures/swift/mt700_khorgos.txt");
const AKTAU: &str = include_str!("fixtures/swift/mt700_aktau.txt");
const KHORGOS_AMENDMENT: &str = include_str!("fixtures/swift/mt707_khorgos.txt");

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

fn bic(text: &str) -> Bic {
    text.parse().unwrap()
}

fn usd(mantissa: i64) -> Decimal {
    Decimal::new(mantissa, 2).unwrap()
}

fn party(name: &str, address: &[&str]) -> Party {
    Party {
        name: name.to_string(),
        address: address.iter().map(|l| l.to_string()).collect(),
        country: None,
        id: None,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    1 + text[..at].matches('\n').count()
}

/// The fixture as export writes it: no blocks 3 and 5.
fn without_blocks_3_and_5(text: &str) -> String {
    let text = text.trim_end();
    let block3 = &text[text.find("{3:").unwrap()..text.find("{4:").unwrap()];
    let block5 = &text[text.find("{5:").unwrap()..];
    text.replace(block3, "").replace(block5, "")
}

/// Every field line fits the SWIFT width and none reads as something it is not.
fn assert_swift_lines(text: &str) {
    for line in text.lines().filter(|l| !l.starts_with("{1:")) {
        let content = match line.strip_prefix(':').and_then(|l| l.split_once(':')) {
            Some((_, content)) => content,
            None => line,
        };
        assert!(
            content.chars().count() <= LINE_WIDTH_MAX_CHARS,
            "line too long: {line:?}"
        );
        assert!(line == "-}" || !line.starts_with('-'), "line {line:?}");
    }
}

fn scenario_credit() -> LetterOfCredit {
    LetterOfCredit {
        reference: "SCB/LC/26/0417".to_string(),
        pre_advice_reference: None,
        form_of_credit: FormOfCredit::Irrevocable,
        issue_date: date("2026-03-02"),
        applicable_rules: "UCP LATEST VERSION".to_string(),
        expiry_date: date("2026-05-15"),
        expiry_place: "KAZAKHSTAN".to_string(),
        issuing_bank: Some(bic("STCBKZKAXXX")),
        advising_bank: Some(bic("TSCMCNBJXXX")),
        applicant_bank: None,
        applicant: party(
            "STEPPE AGRO MACHINERY LLP",
            &["12 ABAI AVENUE", "ALMATY 050000 KAZAKHSTAN"],
        ),
        beneficiary: party(
            "TIANSHAN HEAVY INDUSTRY CO.",
            &["88 KASHGAR ROAD", "URUMQI 830000 CHINA"],
        ),
        currency: "USD".parse().unwrap(),
        amount: usd(24_850_000),
        tolerance: Some(Tolerance {
            plus_percent: 5,
            minus_percent: 5,
        }),
        additional_amounts: None,
        available_with: "TSCMCNBJXXX".to_string(),
        available_by: AvailableBy::Negotiation,
        drafts_at: Some("AT SIGHT".to_string()),
        drawee: Some("STCBKZKAXXX".to_string()),
        mixed_payment_details: None,
        deferred_payment_details: None,
        partial_shipments: ShipmentPermission::NotAllowed,
        transhipment: ShipmentPermission::Allowed,
        place_of_taking_in_charge: Some("URUMQI".to_string()),
        port_of_loading: None,
        port_of_discharge: None,
        place_of_final_destination: Some("ALMATY".to_string()),
        latest_shipment_date: Some(date("2026-04-20")),
        shipment_period: None,
        goods_description: "TRACTOR PARTS (HS 8708): GEARBOXES AND DRIVE AXLES AS PER \
                            PROFORMA INVOICE TH-PI-2611, CPT ALMATY INCOTERMS 2020"
            .to_string(),
        documents_required: strings(&[
            "SIGNED COMMERCIAL INVOICE IN 3 COPIES",
            "RAILWAY CONSIGNMENT NOTE SMGS CONSIGNED TO STEPPE COMMERCIAL BANK \
             MARKED FREIGHT PAID",
            "PACKING LIST IN 2 COPIES",
            "CERTIFICATE OF ORIGIN ISSUED BY CCPIT SHOWING CHINA AS COUNTRY OF ORIGIN",
        ]),
        additional_conditions: strings(&["ALL DOCUMENTS MUST INDICATE LC NUMBER SCB/LC/26/0417"]),
        charges: Some("ALL BANKING CHARGES OUTSIDE KAZAKHSTAN ARE FOR BENEFICIARY".to_string()),
        presentation_period: Some(PresentationPeriod {
            days: 21,
            narrative: Some("FROM THE DATE OF SHIPMENT".to_string()),
        }),
        confirmation: Confirmation::Without,
        requested_confirmation_party: None,
        reimbursing_bank: None,
        instructions_to_paying_bank: None,
        advise_through: None,
        sender_to_receiver_info: None,
    }
}

fn scenario_amendment() -> LcAmendment {
    LcAmendment {
        reference: "SCB/LC/26/0417".to_string(),
        receivers_reference: "TCB/ADV/26/118".to_string(),
        amendment_number: 1,
        amendment_date: date("2026-04-10"),
        issue_date: date("2026-03-02"),
        purpose: "ISSU".to_string(),
        issuing_bank: Some(bic("STCBKZKAXXX")),
        advising_bank: Some(bic("TSCMCNBJXXX")),
        beneficiary: None,
        new_expiry_date: None,
        currency: Some("USD".parse().unwrap()),
        increase: Some(usd(1_250_000)),
        decrease: None,
        new_tolerance: None,
        new_latest_shipment_date: Some(date("2026-04-25")),
        new_port_of_loading: None,
        new_port_of_discharge: None,
        goods_description_changes: vec![],
        documents_required_changes: vec![AmendmentClause {
            action: AmendmentAction::Add,
            text: "INSURANCE CERTIFICATE COVERING 110 PCT OF INVOICE VALUE".to_string(),
        }],
        additional_conditions_changes: vec![],
        charges_payable_by: Some("BENE".to_string()),
        sender_to_receiver_info: None,
    }
}

#[test]
fn khorgos_credit_imports_as_the_scenario() {
    let credit = import_mt700(KHORGOS).unwrap();
    assert_eq!(credit, scenario_credit());
    assert_eq!(Document::LetterOfCredit(credit).validate(), Ok(()));
}

#[test]
fn khorgos_credit_exports_as_the_fixture_without_optional_blocks() {
    let exported = export_mt700(&import_mt700(KHORGOS).unwrap());
    assert_eq!(exported, without_blocks_3_and_5(KHORGOS));
    assert_swift_lines(&exported);
}

#[test]
fn aktau_credit_imports_its_own_shape() {
    let credit = import_mt700(AKTAU).unwrap();
    assert!(credit.issuing_bank.is_none() && credit.advising_bank.is_none());
    assert_eq!(credit.amount, usd(9_600_000));
    assert_eq!(credit.tolerance, None);
    assert_eq!(credit.available_with, "ANY BANK");
    assert_eq!(credit.available_by, AvailableBy::Payment);
    assert_eq!(credit.port_of_loading.as_deref(), Some("BAKU"));
    assert_eq!(credit.port_of_discharge.as_deref(), Some("AKTAU"));
    assert_eq!(
        credit.goods_description,
        "SPARE PARTS FOR COMBINE HARVESTERS HS 8433"
    );
    assert_eq!(
        credit.documents_required[1],
        "FULL SET OF CLEAN ON BOARD BILLS OF LADING MADE OUT TO THE ORDER OF STEPPE \
         COMMERCIAL BANK NOTIFY APPLICANT MARKED FREIGHT PREPAID"
    );
    assert_eq!(credit.beneficiary.name, "TIANSHAN HEAVY INDUSTRY CO.");
    assert_eq!(credit.beneficiary.address[0], "/CN62220202001122334455");
    assert_eq!(credit.presentation_days(), 15);
    assert_eq!(credit.confirmation, Confirmation::MayAdd);
    assert_eq!(
        credit.requested_confirmation_party.as_deref(),
        Some("TSCMCNBJXXX")
    );
    assert_eq!(
        credit.instructions_to_paying_bank.as_deref(),
        Some(
            "ON RECEIPT OF DOCUMENTS COMPLYING WITH THE TERMS OF THIS CREDIT\n\
             WE SHALL REMIT THE PROCEEDS AS INSTRUCTED BY THE PRESENTING BANK"
        )
    );
}

#[test]
fn aktau_credit_exports_byte_for_byte() {
    let exported = export_mt700(&import_mt700(AKTAU).unwrap());
    assert_eq!(exported, AKTAU);
}

#[test]
fn khorgos_amendment_imports_and_exports() {
    let amendment = import_mt707(KHORGOS_AMENDMENT).unwrap();
    assert_eq!(amendment, scenario_amendment());
    let exported = export_mt707(&amendment);
    assert_eq!(exported, without_blocks_3_and_5(KHORGOS_AMENDMENT));
    assert_eq!(import_mt707(&exported).unwrap(), amendment);
}

#[test]
fn every_fixture_round_trips() {
    for (name, text) in [("khorgos", KHORGOS), ("aktau", AKTAU)] {
        let first = import_mt700(text).unwrap();
        let again = import_mt700(&export_mt700(&first)).unwrap();
        assert_eq!(again, first, "{name}");
    }
    let first = import_mt707(KHORGOS_AMENDMENT).unwrap();
    assert_eq!(import_mt707(&export_mt707(&first)).unwrap(), first);
}

#[test]
fn crlf_reads_as_lf() {
    for text in [KHORGOS, AKTAU] {
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(import_mt700(&crlf).unwrap(), import_mt700(text).unwrap());
    }
    let crlf = KHORGOS_AMENDMENT.replace('\n', "\r\n");
    assert_eq!(import_mt707(&crlf).unwrap(), scenario_amendment());
}

#[test]
fn headerless_export_when_a_bank_is_unknown() {
    let mut credit = scenario_credit();
    credit.advising_bank = None;
    let exported = export_mt700(&credit);
    assert!(
        exported.starts_with(":27:1/1\n:40A:IRREVOCABLE\n"),
        "{exported}"
    );
    assert!(exported.ends_with(":49:WITHOUT\n"), "{exported}");
    credit.issuing_bank = None;
    assert_eq!(import_mt700(&exported).unwrap(), credit);
}

#[test]
fn bad_amount_names_line_14_and_tag_32b() {
    let text = KHORGOS.replace(":32B:USD248500,00", ":32B:USD12O,00");
    let err = import_mt700(&text).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("line 14, tag 32B: amount 'USD12O,00' is not a SWIFT amount"),
        "{err}"
    );
}

#[test]
fn malformed_credits_name_line_and_tag() {
    // (what is wrong, the text, expected line, expected tag)
    let missing_32b = KHORGOS.replace(":32B:USD248500,00\n", "");
    let cases: Vec<(&str, String, usize, &str)> = vec![
        (
            "bad issue date",
            KHORGOS.replace(":31C:260302", ":31C:261302"),
            line_of(KHORGOS, ":31C:"),
            "31C",
        ),
        (
            "bad expiry date",
            KHORGOS.replace(":31D:260515", ":31D:260532"),
            line_of(KHORGOS, ":31D:"),
            "31D",
        ),
        (
            "latest shipment after expiry",
            KHORGOS.replace(":44C:260420", ":44C:260520"),
            line_of(KHORGOS, ":44C:"),
            "44C",
        ),
        (
            "amount with three decimals",
            KHORGOS.replace(":32B:USD248500,00", ":32B:USD248500,001"),
            14,
            "32B",
        ),
        (
            "missing 32B",
            missing_32b.clone(),
            line_of(&missing_32b, "-}"),
            "32B",
        ),
        (
            "line over 65 characters",
            KHORGOS.replace("AT SIGHT", &"AT SIGHT ".repeat(8)),
            line_of(KHORGOS, ":42C:"),
            "42C",
        ),
        (
            "continuation line starting with '-'",
            KHORGOS.replace("88 KASHGAR ROAD", "-88 KASHGAR ROAD"),
            line_of(KHORGOS, "88 KASHGAR ROAD"),
            "59",
        ),
        (
            "field the model cannot hold",
            KHORGOS.replace(":49:WITHOUT\n", ":49:WITHOUT\n:49G:SPECIAL\n"),
            line_of(KHORGOS, ":49:") + 1,
            "49G",
        ),
        (
            "an MT707 field",
            KHORGOS.replace(":20:", ":26E:1\n:20:"),
            line_of(KHORGOS, ":20:"),
            "26E",
        ),
        (
            "41A without BY line",
            KHORGOS.replace("BY NEGOTIATION\n", ""),
            line_of(KHORGOS, ":41A:"),
            "41A",
        ),
        (
            "blank beneficiary name",
            KHORGOS.replace(
                ":59:TIANSHAN HEAVY INDUSTRY CO.\n88 KASHGAR ROAD\nURUMQI 830000 CHINA",
                ":59:/CN1234",
            ),
            line_of(KHORGOS, ":59:"),
            "59",
        ),
    ];
    for (what, text, line, tag) in cases {
        let err = import_mt700(&text).unwrap_err();
        assert_eq!(err.line(), Some(line), "{what}: {err}");
        assert_eq!(err.tag(), Some(tag), "{what}: {err}");
        let prefix = format!("line {line}, tag {tag}: ");
        assert!(err.to_string().starts_with(&prefix), "{what}: {err}");
    }
}

#[test]
fn truncated_message_names_the_last_line_and_block_4() {
    let cut_at = KHORGOS.find("BY NEGOTIATION").unwrap() + 5;
    let err = import_mt700(&KHORGOS[..cut_at]).unwrap_err();
    assert!(
        matches!(&err, SwiftError::Truncated { block: '4', .. }),
        "{err}"
    );
    assert_eq!(err.line(), Some(line_of(KHORGOS, "BY NEGOTIATION")));

    let header_cut = &KHORGOS[..KHORGOS.find("XXXXN}").unwrap()];
    let err = import_mt700(header_cut).unwrap_err();
    assert!(
        matches!(
            err,
            SwiftError::Truncated {
                line: 1,
                block: '2',
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn size_limits_are_enforced() {
    // Block 4 over the SWIFT limit of 10,000 characters, reported where block 4 opens.
    let clause = format!("+{}\n", "X".repeat(63));
    let long_47a = format!(":47A:{}", clause.repeat(160));
    let text = KHORGOS.replace(":71D:", &format!("{long_47a}:71D:"));
    let err = import_mt700(&text).unwrap_err();
    assert!(
        matches!(
            err,
            SwiftError::Block4TooLong {
                line: 1,
                max_chars: 10_000,
                ..
            }
        ),
        "{err}"
    );
    // Input over 64 KiB is refused unread.
    let text = format!("{KHORGOS}{}", " ".repeat(64 * 1024));
    let err = import_mt700(&text).unwrap_err();
    assert!(matches!(err, SwiftError::TooLarge { .. }), "{err}");
    assert_eq!(err.line(), None);
}

#[test]
fn wrong_message_type_is_refused_at_block_2() {
    let err = import_mt700(KHORGOS_AMENDMENT).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1, block 2: message type is MT707, expected MT700"
    );
    let err = import_mt707(KHORGOS).unwrap_err();
    assert!(
        matches!(&err, SwiftError::WrongMessageType { line: 1, expected: "707", found } if found == "700"),
        "{err}"
    );
    // Without headers the first field an MT700 does not have gives the amendment away.
    let block4 = &KHORGOS_AMENDMENT[KHORGOS_AMENDMENT.find(":27:").unwrap()..];
    let err = import_mt700(block4).unwrap_err();
    assert_eq!((err.line(), err.tag()), (Some(3), Some("21")), "{err}");
}

#[test]
fn malformed_amendments_name_line_and_tag() {
    let text = KHORGOS_AMENDMENT;
    let cases: Vec<(&str, String, usize, &str)> = vec![
        (
            "bad amendment date",
            text.replace(":30:260410", ":30:26041O"),
            line_of(text, ":30:"),
            "30",
        ),
        (
            "bad increase",
            text.replace("USD12500,00", "USD12.500,00"),
            line_of(text, ":32B:"),
            "32B",
        ),
        (
            "clause without code",
            text.replace("/ADD/+INSURANCE", "+INSURANCE"),
            line_of(text, ":46B:"),
            "46B",
        ),
        (
            "missing 26E",
            text.replace(":26E:1\n", ""),
            line_of(text, "-}") - 1,
            "26E",
        ),
    ];
    for (what, text, line, tag) in cases {
        let err = import_mt707(&text).unwrap_err();
        assert_eq!(
            (err.line(), err.tag()),
            (Some(line), Some(tag)),
            "{what}: {err}"
        );
    }
}

/// Words of free text that wrap back exactly: they start with a letter or digit.
fn clean_text(words_max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Z0-9][A-Za-z0-9:+/.,()'-]{0,15}", 1..words_max)
        .prop_map(|words| words.join(" "))
}

/// A line of at most 65 characters that reads back as itself.
fn clean_line() -> impl Strategy<Value = String> {
    clean_text(10).prop_map(|text| {
        text.chars()
            .take(LINE_WIDTH_MAX_CHARS)
            .collect::<String>()
            .trim_end()
            .to_string()
    })
}

/// Free text with the awkward cases: words over 65 characters, words starting with ':', '-',
/// '+' or '/', and double spaces.
fn tricky_text() -> impl Strategy<Value = String> {
    let word = ("[A-Za-z0-9:+/.,()'-]{1,70}", 1..=2usize);
    prop::collection::vec(word, 1..25).prop_map(|words| {
        let mut text = String::new();
        for (i, (word, spaces)) in words.iter().enumerate() {
            if i > 0 {
                text.push_str(&" ".repeat(*spaces));
            }
            text.push_str(word);
        }
        text
    })
}

/// The scenario credit with its free text and amounts replaced.
fn credit_with(
    texts: (String, Vec<String>, Vec<String>, String),
    lines: (String, Vec<String>, Vec<String>),
    amount_minor: i64,
    account: Option<String>,
) -> LetterOfCredit {
    let (goods, documents, conditions, narrative) = texts;
    let (name, address, instructions) = lines;
    let mut credit = scenario_credit();
    credit.goods_description = goods;
    credit.documents_required = documents;
    credit.additional_conditions = conditions;
    credit.presentation_period = Some(PresentationPeriod {
        days: 21,
        narrative: Some(narrative.clone()),
    });
    credit.charges = Some(narrative);
    credit.beneficiary = Party {
        name,
        address: account.into_iter().chain(address).collect(),
        ..Party::default()
    };
    credit.sender_to_receiver_info = Some(instructions.join("\n"));
    credit.available_with = instructions[0].clone();
    credit.amount = usd(amount_minor);
    credit.currency = "USD".parse::<Currency>().unwrap();
    credit
}

proptest! {
    #[test]
    fn import_export_import_is_the_identity(
        texts in (clean_text(40), prop::collection::vec(clean_text(30), 1..5),
                  prop::collection::vec(clean_text(30), 0..3), clean_text(12)),
        lines in (clean_line(), prop::collection::vec(clean_line(), 0..4),
                  prop::collection::vec(clean_line(), 1..5)),
        amount_minor in 1i64..100_000_000_000_000,
        account in prop::option::of("/[A-Z0-9]{5,30}"),
    ) {
        let credit = credit_with(texts, lines, amount_minor, account);
        let exported = export_mt700(&credit);
        assert_swift_lines(&exported);
        let imported = import_mt700(&exported).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&imported, &credit);
        prop_assert_eq!(export_mt700(&imported), exported);
    }

    #[test]
    fn awkward_text_is_stable_after_one_import(
        texts in (tricky_text(), prop::collection::vec(tricky_text(), 1..4),
                  prop::collection::vec(tricky_text(), 0..3), tricky_text()),
        lines in ("[A-Z][A-Za-z0-9 :+/.-]{0,80}", prop::collection::vec(tricky_text(), 0..3),
                  prop::collection::vec(tricky_text(), 1..4)),
    ) {
        let credit = credit_with(texts, lines, 100, None);
        let exported = export_mt700(&credit);
        // Long generated texts can fill more than the 10,000 characters SWIFT allows in block
        // 4; such a message is no MT700, and the importer's refusal of it is tested on its own.
        prop_assume!(exported.len() <= 9_000);
        assert_swift_lines(&exported);
        let first = import_mt700(&exported).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let again = export_mt700(&first);
        assert_swift_lines(&again);
        let second = import_mt700(&again).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(second, first);
    }

    #[test]
    fn amendment_clauses_round_trip(
        clauses in prop::collection::vec((0..3usize, clean_text(30)), 1..6),
    ) {
        let actions = [AmendmentAction::Add, AmendmentAction::Delete, AmendmentAction::ReplaceAll];
        let mut amendment = scenario_amendment();
        amendment.additional_conditions_changes = clauses
            .into_iter()
            .map(|(action, text)| AmendmentClause { action: actions[action], text })
            .collect();
        let exported = export_mt707(&amendment);
        assert_swift_lines(&exported);
        let imported = import_mt707(&exported).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(imported, amendment);
    }
}
