//! MT707, amendment to a documentary credit: import into [`LcAmendment`] and export from it.
//!
//! Field by field: 27 must be `1/1`; 20 (the credit number), 21 and 23 single-line references,
//! 23 equal to 20 when present; 52A the issuing bank, which takes precedence over the sender of
//! the headers; 31C, 30, 31E and 44C `YYMMDD`; 26E the amendment number; 22A one of ISSU, ACNF,
//! ADVI, ISCO; 59 the beneficiary; 32B increase and 33B decrease, in one currency; 39A `NN/NN`;
//! 44E, 44F prose; 45B, 46B and 47B clauses opened by `/ADD/`, `/DELETE/` or `/REPALL/` (a `+`
//! right after the code is dropped, a later `+` line opens another clause with the same code);
//! 71N and 72Z keep their lines, 71N a code (APPL, BENE, OTHR) with narrative only for OTHR.
//!
//! Deliberately not supported, and refused rather than dropped: the SR 2018 fields that change
//! terms the amendment model has no place for (40A, 31D, 41a, 43P, 48, 50, 52D…).
//!
//! Invariant: an imported amendment passes `Document::Amendment(..).validate()`, and importing
//! its export gives it back unchanged.

use super::block::{self, Field, FieldSet, FieldSpec};
use super::render::Writer;
use super::{value, SwiftError};
use crate::codes::{Bic, Currency};
use crate::decimal::Decimal;
use crate::document::{AmendmentAction, AmendmentClause, Document, LcAmendment};

/// Reads an MT707, with header blocks or as block 4 text alone, into a validated amendment.
pub fn import_mt707(text: &str) -> Result<LcAmendment, SwiftError> {
    let message = block::tokenize(text, "707")?;
    let fields = FieldSet::index(&message, "707", SPEC, REFUSED)?;
    let amendment = read_amendment(&fields, message.sender, message.receiver)?;
    let document = Document::Amendment(amendment);
    if let Err(invalid) = document.validate() {
        return Err(value::invalid(&fields, invalid, field_name));
    }
    match document {
        Document::Amendment(amendment) => Ok(amendment),
        // Invariant: `document` was built as an amendment four lines above.
        _ => unreachable!("built as an amendment"),
    }
}

/// Writes an amendment as MT707 text: with header blocks 1, 2 and 4 when both the issuing and
/// the advising bank are known, otherwise block 4 text alone; LF line endings.
pub fn export_mt707(amendment: &LcAmendment) -> String {
    let a = amendment;
    let mut w = Writer::new(a.issuing_bank.as_ref(), a.advising_bank.as_ref(), "707");
    w.text("27", "1/1");
    w.text("20", &a.reference);
    w.text("21", &a.receivers_reference);
    w.text("23", &a.reference);
    if let Some(bank) = &a.issuing_bank {
        w.text("52A", bank.as_str());
    }
    w.text("31C", &value::write_yymmdd(a.issue_date));
    w.text("26E", &a.amendment_number.to_string());
    w.text("30", &value::write_yymmdd(a.amendment_date));
    w.text("22A", &a.purpose);
    if let Some(party) = &a.beneficiary {
        w.lines("59", value::party_lines(party));
    }
    write_terms(&mut w, a);
    write_changes(&mut w, "45B", &a.goods_description_changes);
    write_changes(&mut w, "46B", &a.documents_required_changes);
    write_changes(&mut w, "47B", &a.additional_conditions_changes);
    w.opt_text("71N", a.charges_payable_by.as_ref());
    w.opt_text("72Z", a.sender_to_receiver_info.as_ref());
    w.finish()
}

/// The fields of MT707 the model holds, in the order export writes them.
const SPEC: &[FieldSpec] = &[
    ("27", &["27"]),
    ("20", &["20"]),
    ("21", &["21"]),
    ("23", &["23"]),
    ("52a", &["52A"]),
    ("31C", &["31C"]),
    ("26E", &["26E"]),
    ("30", &["30"]),
    ("22A", &["22A"]),
    ("59", &["59"]),
    ("31E", &["31E"]),
    ("32B", &["32B"]),
    ("33B", &["33B"]),
    ("39A", &["39A"]),
    ("44E", &["44E"]),
    ("44F", &["44F"]),
    ("44C", &["44C"]),
    ("45B", &["45B"]),
    ("46B", &["46B"]),
    ("47B", &["47B"]),
    ("71N", &["71N"]),
    ("72Z", &["72Z"]),
];

const NOT_HELD: &str = "the amendment model holds no change to this field";

/// Fields of the standard the model cannot hold, with the reason given when one is refused.
const REFUSED: &[(&str, &str)] = &[
    (
        "50B",
        "the amendment model holds the issuing bank as a BIC in 52A",
    ),
    (
        "52D",
        "the amendment model holds the issuing bank as a BIC: use option A",
    ),
    (
        "23S",
        "cancellation requests are not held by the amendment model",
    ),
    (
        "31D",
        "the amendment model holds a new expiry date in 31E, without a place",
    ),
    ("40A", NOT_HELD),
    ("40E", NOT_HELD),
    ("50", NOT_HELD),
    ("39C", NOT_HELD),
    ("41A", NOT_HELD),
    ("41D", NOT_HELD),
    ("42C", NOT_HELD),
    ("42A", NOT_HELD),
    ("42D", NOT_HELD),
    ("42M", NOT_HELD),
    ("42P", NOT_HELD),
    ("43P", NOT_HELD),
    ("43T", NOT_HELD),
    ("44A", NOT_HELD),
    ("44B", NOT_HELD),
    ("44D", NOT_HELD),
    ("49M", NOT_HELD),
    ("49N", NOT_HELD),
    ("71D", NOT_HELD),
    ("48", NOT_HELD),
    ("49", NOT_HELD),
    ("58A", NOT_HELD),
    ("58D", NOT_HELD),
    ("53A", NOT_HELD),
    ("53D", NOT_HELD),
    ("78", NOT_HELD),
    ("57A", NOT_HELD),
    ("57D", NOT_HELD),
];

/// The model's fields, one line each; the mapping is the point of this function.
fn read_amendment(
    f: &FieldSet<'_>,
    sender: Option<Bic>,
    receiver: Option<Bic>,
) -> Result<LcAmendment, SwiftError> {
    f.read("27", value::sequence)?;
    let reference = f.read("20", value::reference)?;
    if let Some(field) = f.get("23") {
        same_reference(field, &reference)?;
    }
    let change = amount_change(f)?;
    Ok(LcAmendment {
        reference,
        receivers_reference: f.read("21", value::reference)?,
        amendment_number: f.read("26E", amendment_number)?,
        amendment_date: f.read("30", value::date)?,
        issue_date: f.read("31C", value::date)?,
        purpose: f.read("22A", |v| {
            value::code(v, &PURPOSES, |p| p).map(str::to_string)
        })?,
        issuing_bank: f.opt("52a", value::bic)?.or(sender),
        advising_bank: receiver,
        beneficiary: f.opt("59", value::party)?,
        new_expiry_date: f.opt("31E", value::date)?,
        currency: change.currency,
        increase: change.increase,
        decrease: change.decrease,
        new_tolerance: f.opt("39A", value::tolerance)?,
        new_latest_shipment_date: f.opt("44C", value::date)?,
        new_port_of_loading: f.opt("44E", value::prose)?,
        new_port_of_discharge: f.opt("44F", value::prose)?,
        goods_description_changes: f.opt("45B", clauses)?.unwrap_or_default(),
        documents_required_changes: f.opt("46B", clauses)?.unwrap_or_default(),
        additional_conditions_changes: f.opt("47B", clauses)?.unwrap_or_default(),
        charges_payable_by: f.opt("71N", charges_payable_by)?,
        sender_to_receiver_info: f.opt("72Z", value::lines)?,
    })
}

/// The MT707 field that carries a model field, for reporting validation faults.
fn field_name(model_field: &str) -> Option<&'static str> {
    Some(match model_field {
        "reference" => "20",
        "receivers_reference" => "21",
        "purpose" => "22A",
        "amendment_date" => "30",
        "issue_date" => "31C",
        "currency" | "increase" => "32B",
        "decrease" => "33B",
        "beneficiary" => "59",
        _ => return None,
    })
}

/// Purposes of message, field 22A.
const PURPOSES: [&str; 4] = ["ISSU", "ACNF", "ADVI", "ISCO"];

/// Field 23 names the credit too; the model holds one number, so the two must agree.
fn same_reference(field: &Field<'_>, reference: &str) -> Result<(), SwiftError> {
    let issuing_banks = value::reference(field)?;
    if issuing_banks == reference {
        return Ok(());
    }
    Err(field.bad(
        field.line,
        format!("'{issuing_banks}' differs from the credit number '{reference}' in 20"),
    ))
}

/// Field 26E: the number of the amendment.
fn amendment_number(field: &Field<'_>) -> Result<u16, SwiftError> {
    let (line, text) = value::single(field)?;
    value::number(text.trim(), 3)
        .ok_or_else(|| field.bad(line, format!("'{}' is not 1 to 3 digits", text.trim())))
}

/// What fields 32B and 33B change, in the model's one currency.
struct AmountChange {
    currency: Option<Currency>,
    increase: Option<Decimal>,
    decrease: Option<Decimal>,
}

/// Fields 32B and 33B, which must name the same currency.
fn amount_change(f: &FieldSet<'_>) -> Result<AmountChange, SwiftError> {
    let increase = f.opt("32B", value::amount)?;
    let decrease = f.opt("33B", value::amount)?;
    if let (Some((up, _)), Some((down, _)), Some(field)) = (increase, decrease, f.get("33B")) {
        if up != down {
            let problem = format!("currency {down} differs from {up} of the increase in 32B");
            return Err(field.bad(field.line, problem));
        }
    }
    Ok(AmountChange {
        currency: increase.or(decrease).map(|(currency, _)| currency),
        increase: increase.map(|(_, amount)| amount),
        decrease: decrease.map(|(_, amount)| amount),
    })
}

/// Field 71N: a code alone on the first line (APPL, BENE, OTHR); only OTHR is followed by
/// narrative lines.
fn charges_payable_by(field: &Field<'_>) -> Result<String, SwiftError> {
    let text = value::lines(field)?;
    let (code, narrative) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    let problem = match code {
        "APPL" | "BENE" if !narrative.is_empty() => "only OTHR is followed by a narrative",
        "APPL" | "BENE" | "OTHR" => return Ok(text),
        _ => "the first line is APPL, BENE or OTHR",
    };
    Err(field.bad(field.line, format!("'{code}': {problem}")))
}

/// The code opening an amendment clause, and the text after it.
fn action_of(line: &str) -> Option<(AmendmentAction, &str)> {
    ACTIONS.iter().find_map(|&action| {
        line.strip_prefix(action_code(action))
            .map(|rest| (action, rest))
    })
}

const ACTIONS: [AmendmentAction; 3] = [
    AmendmentAction::Add,
    AmendmentAction::Delete,
    AmendmentAction::ReplaceAll,
];

fn action_code(action: AmendmentAction) -> &'static str {
    match action {
        AmendmentAction::Add => "/ADD/",
        AmendmentAction::Delete => "/DELETE/",
        AmendmentAction::ReplaceAll => "/REPALL/",
    }
}

/// Fields 45B, 46B, 47B: clauses opened by a code; a `+` line after a clause with text opens
/// another with the same code; other lines continue the clause, joined with a space.
fn clauses(field: &Field<'_>) -> Result<Vec<AmendmentClause>, SwiftError> {
    let mut clauses: Vec<(usize, AmendmentClause)> = Vec::new();
    for (line, text) in field.lines() {
        let current = clauses.last_mut().map(|(_, clause)| clause);
        let (action, opening) = match (action_of(text), current) {
            (Some((action, rest)), _) => (action, rest),
            (None, Some(clause)) if clause.text.is_empty() || !text.starts_with('+') => {
                let opening = clause.text.is_empty();
                if !opening {
                    clause.text.push(' ');
                }
                clause.text.push_str(strip_plus(text, opening));
                continue;
            }
            (None, Some(clause)) => (clause.action, text),
            (None, None) => {
                return Err(field.bad(line, "a clause starts with /ADD/, /DELETE/ or /REPALL/"))
            }
        };
        let text = strip_plus(opening, true).to_string();
        clauses.push((line, AmendmentClause { action, text }));
    }
    clauses
        .into_iter()
        .map(|(line, clause)| match clause.text.is_empty() {
            true => Err(field.bad(line, "clause is empty")),
            false => Ok(clause),
        })
        .collect()
}

/// The text of a clause without the `+` that opens it.
fn strip_plus(text: &str, opening: bool) -> &str {
    match opening {
        true => text.strip_prefix('+').unwrap_or(text),
        false => text,
    }
}

/// A continuation line of a clause must not read as a new clause.
fn continues_clause(line: &str) -> bool {
    !line.starts_with('+') && action_of(line).is_none()
}

fn write_terms(w: &mut Writer, a: &LcAmendment) {
    if let Some(date) = a.new_expiry_date {
        w.text("31E", &value::write_yymmdd(date));
    }
    if let Some(currency) = a.currency {
        for (tag, amount) in [("32B", a.increase), ("33B", a.decrease)] {
            if let Some(amount) = amount {
                w.text(tag, &value::write_amount(currency, amount));
            }
        }
    }
    if let Some(tolerance) = a.new_tolerance {
        w.text("39A", &value::write_tolerance(tolerance));
    }
    w.opt_text("44E", a.new_port_of_loading.as_ref());
    w.opt_text("44F", a.new_port_of_discharge.as_ref());
    if let Some(date) = a.new_latest_shipment_date {
        w.text("44C", &value::write_yymmdd(date));
    }
}

/// Each clause opens a line with its code and a `+`.
fn write_changes(w: &mut Writer, tag: &str, changes: &[AmendmentClause]) {
    if changes.is_empty() {
        return;
    }
    let marker = |action| match action {
        AmendmentAction::Add => "/ADD/+",
        AmendmentAction::Delete => "/DELETE/+",
        AmendmentAction::ReplaceAll => "/REPALL/+",
    };
    let clauses = changes.iter().map(|c| (marker(c.action), c.text.as_str()));
    w.clauses(tag, clauses, continues_clause);
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "\
:27:1/1
:20:REF1
:21:NONREF
:23:REF1
:31C:260302
:26E:2
:30:260410
:22A:ISSU
";

    fn changes(text: &str) -> Result<Vec<AmendmentClause>, SwiftError> {
        import_mt707(&format!("{MINIMAL}:46B:{text}\n")).map(|a| a.documents_required_changes)
    }

    fn clause(action: AmendmentAction, text: &str) -> AmendmentClause {
        AmendmentClause {
            action,
            text: text.to_string(),
        }
    }

    #[test]
    fn reads_a_minimal_amendment_and_writes_it_back() {
        let amendment = import_mt707(MINIMAL).unwrap();
        assert_eq!(amendment.amendment_number, 2);
        assert_eq!(amendment.purpose, "ISSU");
        assert_eq!(export_mt707(&amendment), MINIMAL);
    }

    #[test]
    fn charges_narrative_only_with_othr() {
        let text = format!("{MINIMAL}:71N:OTHR\nHALF EACH\n");
        let amendment = import_mt707(&text).unwrap();
        assert_eq!(
            amendment.charges_payable_by.as_deref(),
            Some("OTHR\nHALF EACH")
        );
        assert_eq!(export_mt707(&amendment), text);
    }

    #[test]
    fn issuing_bank_from_52a_or_the_sender() {
        let headers = "{1:F01STCBKZKAAXXX0000000000}{2:I707TSCMCNBJXXXXN}{4:\n";
        let from_sender = import_mt707(&format!("{headers}{MINIMAL}-}}")).unwrap();
        assert_eq!(from_sender.issuing_bank.unwrap().as_str(), "STCBKZKAXXX");
        let text = format!("{headers}{MINIMAL}:52A:ALMBKZKA\n-}}");
        let from_52a = import_mt707(&text).unwrap();
        assert_eq!(from_52a.issuing_bank.as_ref().unwrap().as_str(), "ALMBKZKA");
        assert_eq!(
            from_52a.advising_bank.as_ref().unwrap().as_str(),
            "TSCMCNBJXXX"
        );
        assert_eq!(import_mt707(&export_mt707(&from_52a)).unwrap(), from_52a);
    }

    #[test]
    fn clause_codes_and_continuations() {
        use AmendmentAction::*;
        let read = changes("/ADD/+INSURANCE CERTIFICATE\nIN 2 COPIES\n+BENEFICIARY CERTIFICATE\n/DELETE/+PACKING LIST\n/REPALL/\nCOPY OF SMGS").unwrap();
        assert_eq!(
            read,
            [
                clause(Add, "INSURANCE CERTIFICATE IN 2 COPIES"),
                clause(Add, "BENEFICIARY CERTIFICATE"),
                clause(Delete, "PACKING LIST"),
                clause(ReplaceAll, "COPY OF SMGS"),
            ]
        );
        for (text, line, needle) in [
            ("+INVOICE", 9, "starts with /ADD/"),
            ("/ADD/+A\n/DELETE/", 10, "clause is empty"),
        ] {
            let err = changes(text).unwrap_err();
            assert_eq!((err.line(), err.tag()), (Some(line), Some("46B")), "{text}");
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn faults_name_line_and_tag() {
        let extra = |text: &str| format!(":22A:ISSU\n{text}");
        let cases: &[(&str, String, usize, &str, &str)] = &[
            (
                ":23:REF1",
                ":23:OTHER".into(),
                4,
                "23",
                "differs from the credit number",
            ),
            (":26E:2", ":26E:1000".into(), 6, "26E", "1 to 3 digits"),
            (
                ":30:260410",
                ":30:260301".into(),
                7,
                "30",
                "before the credit's issue date",
            ),
            (":22A:ISSU", ":22A:XXXX".into(), 8, "22A", "not one of"),
            (
                ":22A:ISSU",
                extra(":32B:USD5,00\n:33B:EUR5,00"),
                10,
                "33B",
                "differs from USD",
            ),
            (
                ":22A:ISSU",
                extra(":32B:USD5,00\n:33B:USD5,00"),
                10,
                "33B",
                "not both",
            ),
            (
                ":22A:ISSU",
                extra(":32B:USD5,001"),
                9,
                "32B",
                "more fraction digits",
            ),
            (
                ":22A:ISSU",
                extra(":71N:NOBODY"),
                9,
                "71N",
                "APPL, BENE or OTHR",
            ),
            (
                ":22A:ISSU",
                extra(":71N:BENE\nPLEASE"),
                9,
                "71N",
                "only OTHR",
            ),
            (":22A:ISSU", extra(":31D:260515ALMATY"), 9, "31D", "in 31E"),
            (
                ":22A:ISSU",
                extra(":43P:ALLOWED"),
                9,
                "43P",
                "no change to this field",
            ),
            (":22A:ISSU", extra(":52A:NOT A BIC"), 9, "52A", "not a BIC"),
            (":22A:ISSU\n", String::new(), 7, "22A", "missing"),
        ];
        for (old, new, line, tag, needle) in cases {
            let err = import_mt707(&MINIMAL.replacen(old, new, 1)).unwrap_err();
            assert_eq!(
                (err.line(), err.tag()),
                (Some(*line), Some(*tag)),
                "{new}: {err}"
            );
            assert!(err.to_string().contains(needle), "{new}: {err}");
        }
    }
}
