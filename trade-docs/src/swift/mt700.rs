//! MT700, issue of a documentary credit (SR 2018 layout): import into [`LetterOfCredit`] and
//! export from it.
//!
//! Field by field: 27 must be `1/1` (MT701 continuations are not supported); 20, 23 single-line
//! references; 40A, 41a (second line), 43P, 43T and 49 coded; 31C, 44C `YYMMDD`; 31D `YYMMDD`
//! then the place; 32B currency and amount; 39A `NN/NN`; 48 days with an optional `/narrative`;
//! 50 and 59 parties; 51A a BIC; 42a, 53a, 57a, 58a banks by option A (BIC) or D (name and
//! address); 46A and 47A `+` clauses; 72Z and 78 keep their lines; every other field is prose.
//!
//! Deliberately not supported, and refused rather than dropped: 49G and 49H (special payment
//! conditions), 51D and 57B, which the model cannot hold. The model's non-optional fields are
//! mandatory on import: SWIFT's 27, 40A, 20, 31C, 40E, 31D, 50, 59, 32B, 41a, 49, and also 43P,
//! 43T, 45A and 46A.
//!
//! Invariant: an imported credit passes `Document::LetterOfCredit(..).validate()`, and
//! importing its export gives it back unchanged.

use super::block::{self, Field, FieldSet, FieldSpec};
use super::render::Writer;
use super::{value, SwiftError};
use crate::codes::Bic;
use crate::document::{
    AvailableBy, Confirmation, Document, FormOfCredit, LetterOfCredit, PresentationPeriod,
    ShipmentPermission,
};

/// Reads an MT700, with header blocks or as block 4 text alone, into a validated credit. The
/// headers' sender and receiver become the issuing and the advising bank.
pub fn import_mt700(text: &str) -> Result<LetterOfCredit, SwiftError> {
    let message = block::tokenize(text, "700")?;
    let fields = FieldSet::index(&message, "700", SPEC, REFUSED)?;
    let credit = read_credit(&fields, message.sender, message.receiver)?;
    let document = Document::LetterOfCredit(credit);
    if let Err(invalid) = document.validate() {
        return Err(value::invalid(&fields, invalid, field_name));
    }
    match document {
        Document::LetterOfCredit(credit) => Ok(credit),
        // Invariant: `document` was built as a letter of credit four lines above.
        _ => unreachable!("built as a letter of credit"),
    }
}

/// Writes a credit as MT700 text: with header blocks 1, 2 and 4 when both the issuing and the
/// advising bank are known, otherwise block 4 text alone; LF line endings.
pub fn export_mt700(credit: &LetterOfCredit) -> String {
    let mut writer = Writer::new(
        credit.issuing_bank.as_ref(),
        credit.advising_bank.as_ref(),
        "700",
    );
    write_terms(&mut writer, credit);
    write_availability(&mut writer, credit);
    write_shipment(&mut writer, credit);
    write_documents(&mut writer, credit);
    write_banks(&mut writer, credit);
    writer.finish()
}

/// The fields of MT700 the model holds, in SR 2018 order.
const SPEC: &[FieldSpec] = &[
    ("27", &["27"]),
    ("40A", &["40A"]),
    ("20", &["20"]),
    ("23", &["23"]),
    ("31C", &["31C"]),
    ("40E", &["40E"]),
    ("31D", &["31D"]),
    ("51a", &["51A"]),
    ("50", &["50"]),
    ("59", &["59"]),
    ("32B", &["32B"]),
    ("39A", &["39A"]),
    ("39C", &["39C"]),
    ("41a", &["41A", "41D"]),
    ("42C", &["42C"]),
    ("42a", &["42A", "42D"]),
    ("42M", &["42M"]),
    ("42P", &["42P"]),
    ("43P", &["43P"]),
    ("43T", &["43T"]),
    ("44A", &["44A"]),
    ("44E", &["44E"]),
    ("44F", &["44F"]),
    ("44B", &["44B"]),
    ("44C", &["44C"]),
    ("44D", &["44D"]),
    ("45A", &["45A"]),
    ("46A", &["46A"]),
    ("47A", &["47A"]),
    ("71D", &["71D"]),
    ("48", &["48"]),
    ("49", &["49"]),
    ("58a", &["58A", "58D"]),
    ("53a", &["53A", "53D"]),
    ("78", &["78"]),
    ("57a", &["57A", "57D"]),
    ("72Z", &["72Z"]),
];

/// Fields of the standard the model cannot hold, with the reason given when one is refused.
const REFUSED: &[(&str, &str)] = &[
    (
        "49G",
        "special payment conditions for the beneficiary are not held by the credit model",
    ),
    (
        "49H",
        "special payment conditions for the bank are not held by the credit model",
    ),
    (
        "51D",
        "the credit model holds the applicant bank as a BIC: use option A",
    ),
    (
        "57B",
        "the credit model holds the advise-through bank by BIC or name: use option A or D",
    ),
    ("31E", "MT700 gives the expiry in 31D"),
];

/// The model's fields, one line each, in MT700 order; the mapping is the point of this
/// function, so it stays in one place rather than under 40 lines.
fn read_credit(
    f: &FieldSet<'_>,
    issuing_bank: Option<Bic>,
    advising_bank: Option<Bic>,
) -> Result<LetterOfCredit, SwiftError> {
    f.read("27", value::sequence)?;
    let (expiry_date, expiry_place) = f.read("31D", expiry)?;
    let (currency, amount) = f.read("32B", value::amount)?;
    let (available_with, available_by) = f.read("41a", availability)?;
    Ok(LetterOfCredit {
        form_of_credit: f.read("40A", |v| value::code(v, &FORMS, form_code))?,
        reference: f.read("20", value::reference)?,
        pre_advice_reference: f.opt("23", value::reference)?,
        issue_date: f.read("31C", value::date)?,
        applicable_rules: f.read("40E", value::prose)?,
        expiry_date,
        expiry_place,
        issuing_bank,
        advising_bank,
        applicant_bank: f.opt("51a", value::bic)?,
        applicant: f.read("50", value::party)?,
        beneficiary: f.read("59", value::party)?,
        currency,
        amount,
        tolerance: f.opt("39A", value::tolerance)?,
        additional_amounts: f.opt("39C", value::prose)?,
        available_with,
        available_by,
        drafts_at: f.opt("42C", value::prose)?,
        drawee: f.opt("42a", value::bank)?,
        mixed_payment_details: f.opt("42M", value::prose)?,
        deferred_payment_details: f.opt("42P", value::prose)?,
        partial_shipments: f.read("43P", |v| value::code(v, &PERMISSIONS, permission_code))?,
        transhipment: f.read("43T", |v| value::code(v, &PERMISSIONS, permission_code))?,
        place_of_taking_in_charge: f.opt("44A", value::prose)?,
        port_of_loading: f.opt("44E", value::prose)?,
        port_of_discharge: f.opt("44F", value::prose)?,
        place_of_final_destination: f.opt("44B", value::prose)?,
        latest_shipment_date: f.opt("44C", value::date)?,
        shipment_period: f.opt("44D", value::prose)?,
        goods_description: f.read("45A", value::prose)?,
        documents_required: f.read("46A", value::clauses)?,
        additional_conditions: f.opt("47A", value::clauses)?.unwrap_or_default(),
        charges: f.opt("71D", value::prose)?,
        presentation_period: f.opt("48", presentation_period)?,
        confirmation: f.read("49", |v| value::code(v, &CONFIRMATIONS, confirmation_code))?,
        requested_confirmation_party: f.opt("58a", value::bank)?,
        reimbursing_bank: f.opt("53a", value::bank)?,
        instructions_to_paying_bank: f.opt("78", value::lines)?,
        advise_through: f.opt("57a", value::bank)?,
        sender_to_receiver_info: f.opt("72Z", value::lines)?,
    })
}

/// The MT700 field that carries a model field, for reporting validation faults.
fn field_name(model_field: &str) -> Option<&'static str> {
    Some(match model_field {
        "reference" => "20",
        "pre_advice_reference" => "23",
        "issue_date" => "31C",
        "applicable_rules" => "40E",
        "expiry_date" | "expiry_place" => "31D",
        "applicant" => "50",
        "beneficiary" => "59",
        "currency" | "amount" => "32B",
        "tolerance" => "39A",
        "available_with" | "available_by" => "41a",
        "latest_shipment_date" => "44C",
        "goods_description" => "45A",
        "documents_required" => "46A",
        "additional_conditions" => "47A",
        "presentation_period" => "48",
        _ => return None,
    })
}

/// Field 31D: `YYMMDD` then the place of expiry.
fn expiry(field: &Field<'_>) -> Result<(crate::Date, String), SwiftError> {
    let text = value::prose(field)?;
    let date = text.get(..6).and_then(value::yymmdd).ok_or_else(|| {
        let shown: String = text.chars().take(6).collect();
        field.bad(
            field.line,
            format!("date '{shown}' is not a SWIFT date (YYMMDD)"),
        )
    })?;
    // The first six characters are ASCII digits, so byte 6 is a character boundary.
    Ok((date, text[6..].to_string()))
}

/// Field 41a: the bank (a BIC in option A, name and address in D), then `BY …` on the last line.
fn availability(field: &Field<'_>) -> Result<(String, AvailableBy), SwiftError> {
    let lines: Vec<(usize, &str)> = field.lines().collect();
    let Some(((by_line, by), bank)) = lines.split_last().filter(|(_, bank)| !bank.is_empty())
    else {
        return Err(field.bad(
            field.line,
            "holds the bank, then 'BY …' on a line of its own",
        ));
    };
    let available_by = value::code_in(field, *by_line, by, &AVAILABLE_BY, available_by_code)?;
    if field.tag == "41A" {
        let (line, bic) = (bank[0].0, bank[0].1.trim());
        if bank.len() != 1 || bic.parse::<Bic>().is_err() {
            return Err(field.bad(line, format!("option A holds a BIC, found '{bic}'")));
        }
        return Ok((bic.to_string(), available_by));
    }
    let with: Vec<&str> = bank.iter().map(|(_, text)| *text).collect();
    Ok((with.join("\n"), available_by))
}

/// Field 48: days after shipment, then an optional `/narrative`.
fn presentation_period(field: &Field<'_>) -> Result<PresentationPeriod, SwiftError> {
    let text = value::prose(field)?;
    let (days, narrative) = match text.split_once('/') {
        Some((days, narrative)) => (days, Some(narrative)),
        None => (text.as_str(), None),
    };
    let days = value::number(days.trim(), 3).ok_or_else(|| {
        field.bad(
            field.line,
            format!("'{days}' is not a number of days (1 to 3 digits)"),
        )
    })?;
    Ok(PresentationPeriod {
        days,
        narrative: narrative.filter(|n| !n.is_empty()).map(str::to_string),
    })
}

fn write_terms(w: &mut Writer, credit: &LetterOfCredit) {
    w.text("27", "1/1");
    w.text("40A", form_code(credit.form_of_credit));
    w.text("20", &credit.reference);
    w.opt_text("23", credit.pre_advice_reference.as_ref());
    w.text("31C", &value::write_yymmdd(credit.issue_date));
    w.text("40E", &credit.applicable_rules);
    let expiry_date = value::write_yymmdd(credit.expiry_date);
    w.prefixed("31D", &expiry_date, &credit.expiry_place);
    if let Some(bank) = &credit.applicant_bank {
        w.text("51A", bank.as_str());
    }
    w.lines("50", value::party_lines(&credit.applicant));
    w.lines("59", value::party_lines(&credit.beneficiary));
}

fn write_availability(w: &mut Writer, credit: &LetterOfCredit) {
    w.text("32B", &value::write_amount(credit.currency, credit.amount));
    if let Some(tolerance) = credit.tolerance {
        w.text("39A", &value::write_tolerance(tolerance));
    }
    w.opt_text("39C", credit.additional_amounts.as_ref());
    let by = available_by_code(credit.available_by);
    let option_a = credit.available_with.parse::<Bic>().is_ok();
    let tag = if option_a { "41A" } else { "41D" };
    w.lines(tag, [credit.available_with.as_str(), by]);
    w.opt_text("42C", credit.drafts_at.as_ref());
    write_bank(w, ["42A", "42D"], credit.drawee.as_ref());
    w.opt_text("42M", credit.mixed_payment_details.as_ref());
    w.opt_text("42P", credit.deferred_payment_details.as_ref());
}

fn write_shipment(w: &mut Writer, credit: &LetterOfCredit) {
    w.text("43P", permission_code(credit.partial_shipments));
    w.text("43T", permission_code(credit.transhipment));
    w.opt_text("44A", credit.place_of_taking_in_charge.as_ref());
    w.opt_text("44E", credit.port_of_loading.as_ref());
    w.opt_text("44F", credit.port_of_discharge.as_ref());
    w.opt_text("44B", credit.place_of_final_destination.as_ref());
    if let Some(date) = credit.latest_shipment_date {
        w.text("44C", &value::write_yymmdd(date));
    }
    w.opt_text("44D", credit.shipment_period.as_ref());
}

fn write_documents(w: &mut Writer, credit: &LetterOfCredit) {
    fn plus_clauses(clauses: &[String]) -> impl Iterator<Item = (&str, &str)> {
        clauses.iter().map(|c| ("+", c.as_str()))
    }
    w.text("45A", &credit.goods_description);
    let no_plus = |line: &str| !line.starts_with('+');
    w.clauses("46A", plus_clauses(&credit.documents_required), no_plus);
    if !credit.additional_conditions.is_empty() {
        w.clauses("47A", plus_clauses(&credit.additional_conditions), no_plus);
    }
    w.opt_text("71D", credit.charges.as_ref());
    if let Some(period) = &credit.presentation_period {
        match &period.narrative {
            Some(narrative) => w.prefixed("48", &format!("{}/", period.days), narrative),
            None => w.text("48", &period.days.to_string()),
        }
    }
    w.text("49", confirmation_code(credit.confirmation));
}

fn write_banks(w: &mut Writer, credit: &LetterOfCredit) {
    write_bank(
        w,
        ["58A", "58D"],
        credit.requested_confirmation_party.as_ref(),
    );
    write_bank(w, ["53A", "53D"], credit.reimbursing_bank.as_ref());
    w.opt_text("78", credit.instructions_to_paying_bank.as_ref());
    write_bank(w, ["57A", "57D"], credit.advise_through.as_ref());
    w.opt_text("72Z", credit.sender_to_receiver_info.as_ref());
}

/// A bank field as option A when its text is a BIC (after optional `/` lines), else option D.
fn write_bank(w: &mut Writer, [option_a, option_d]: [&str; 2], bank: Option<&String>) {
    if let Some(bank) = bank {
        let tag = if value::is_option_a(bank) {
            option_a
        } else {
            option_d
        };
        w.text(tag, bank);
    }
}

const FORMS: [FormOfCredit; 4] = [
    FormOfCredit::Irrevocable,
    FormOfCredit::IrrevocableTransferable,
    FormOfCredit::IrrevocableStandby,
    FormOfCredit::IrrevocableTransferableStandby,
];

fn form_code(form: FormOfCredit) -> &'static str {
    match form {
        FormOfCredit::Irrevocable => "IRREVOCABLE",
        FormOfCredit::IrrevocableTransferable => "IRREVOCABLE TRANSFERABLE",
        FormOfCredit::IrrevocableStandby => "IRREVOCABLE STANDBY",
        FormOfCredit::IrrevocableTransferableStandby => "IRREVOC TRANS STANDBY",
    }
}

const AVAILABLE_BY: [AvailableBy; 5] = [
    AvailableBy::Payment,
    AvailableBy::Acceptance,
    AvailableBy::Negotiation,
    AvailableBy::DeferredPayment,
    AvailableBy::MixedPayment,
];

fn available_by_code(by: AvailableBy) -> &'static str {
    match by {
        AvailableBy::Payment => "BY PAYMENT",
        AvailableBy::Acceptance => "BY ACCEPTANCE",
        AvailableBy::Negotiation => "BY NEGOTIATION",
        AvailableBy::DeferredPayment => "BY DEF PAYMENT",
        AvailableBy::MixedPayment => "BY MIXED PYMT",
    }
}

const PERMISSIONS: [ShipmentPermission; 3] = [
    ShipmentPermission::Allowed,
    ShipmentPermission::NotAllowed,
    ShipmentPermission::Conditional,
];

fn permission_code(permission: ShipmentPermission) -> &'static str {
    match permission {
        ShipmentPermission::Allowed => "ALLOWED",
        ShipmentPermission::NotAllowed => "NOT ALLOWED",
        ShipmentPermission::Conditional => "CONDITIONAL",
    }
}

const CONFIRMATIONS: [Confirmation; 3] = [
    Confirmation::Confirm,
    Confirmation::MayAdd,
    Confirmation::Without,
];

fn confirmation_code(confirmation: Confirmation) -> &'static str {
    match confirmation {
        Confirmation::Confirm => "CONFIRM",
        Confirmation::MayAdd => "MAY ADD",
        Confirmation::Without => "WITHOUT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small credit in block 4 text; `replace` swaps one line for another to make a fault.
    const MINIMAL: &str = "\
:27:1/1
:40A:IRREVOCABLE
:20:REF1
:31C:260302
:40E:UCP LATEST VERSION
:31D:260515ALMATY
:50:APPLICANT LLP
:59:BENEFICIARY CO.
:32B:USD1000,
:41D:ANY BANK
BY PAYMENT
:43P:ALLOWED
:43T:NOT ALLOWED
:45A:GOODS
:46A:+INVOICE
:49:WITHOUT
";

    fn with(old: &str, new: &str) -> String {
        assert!(MINIMAL.contains(old), "{old}");
        MINIMAL.replace(old, new)
    }

    #[test]
    fn reads_a_minimal_credit() {
        let credit = import_mt700(MINIMAL).unwrap();
        assert_eq!(credit.reference, "REF1");
        assert_eq!(credit.amount.to_string(), "1000.00");
        assert_eq!(credit.available_with, "ANY BANK");
        assert_eq!(credit.available_by, AvailableBy::Payment);
        assert_eq!(credit.presentation_days(), 21);
        assert_eq!(
            export_mt700(&credit),
            MINIMAL.replace("USD1000,", "USD1000,00")
        );
    }

    #[test]
    fn codes_round_trip() {
        for form in FORMS {
            let text = with(":40A:IRREVOCABLE", &format!(":40A:{}", form_code(form)));
            assert_eq!(import_mt700(&text).unwrap().form_of_credit, form);
        }
        for by in AVAILABLE_BY {
            let text = with("BY PAYMENT", available_by_code(by));
            assert_eq!(import_mt700(&text).unwrap().available_by, by);
        }
        for p in PERMISSIONS {
            let text = with(":43P:ALLOWED", &format!(":43P:{}", permission_code(p)));
            assert_eq!(import_mt700(&text).unwrap().partial_shipments, p);
        }
        for c in CONFIRMATIONS {
            let text = with(":49:WITHOUT", &format!(":49:{}", confirmation_code(c)));
            assert_eq!(import_mt700(&text).unwrap().confirmation, c);
        }
    }

    #[test]
    fn faults_name_line_and_tag() {
        let cases: &[(&str, &str, usize, &str, &str)] = &[
            (":27:1/1", ":27:1/2", 1, "27", "MT701"),
            (":40A:IRREVOCABLE", ":40A:REVOCABLE", 2, "40A", "not one of"),
            (
                ":31D:260515ALMATY",
                ":31D:26051",
                6,
                "31D",
                "not a SWIFT date",
            ),
            (
                ":31D:260515ALMATY",
                ":31D:260301ALMATY",
                6,
                "31D",
                "before the issue date",
            ),
            (
                ":20:REF1",
                ":20:REF1REF1REF1REF1X",
                3,
                "20",
                "16 characters",
            ),
            (":32B:USD1000,", ":32B:USD0,", 9, "32B", "greater than zero"),
            ("BY PAYMENT", "BY CHEQUE", 11, "41D", "not one of"),
            (":41D:ANY BANK\n", ":41A:ANY BANK\n", 10, "41A", "option A"),
            (
                ":41D:ANY BANK\nBY PAYMENT",
                ":41D:BY PAYMENT",
                10,
                "41D",
                "line of its own",
            ),
            (
                ":49:WITHOUT",
                ":49:WITHOUT\n:49:CONFIRM",
                17,
                "49",
                "repeats",
            ),
            (
                ":49:WITHOUT",
                ":49:WITHOUT\n:49G:X",
                17,
                "49G",
                "special payment",
            ),
            (
                ":49:WITHOUT",
                ":49:WITHOUT\n:21:X",
                17,
                "21",
                "not a field of MT700",
            ),
            (
                ":45A:GOODS\n",
                ":45A:GOODS\n:44C:260516\n",
                15,
                "44C",
                "after the expiry",
            ),
            (":45A:GOODS\n", "", 15, "45A", "missing"),
            (
                ":50:APPLICANT LLP",
                ":50:/ACCOUNT",
                7,
                "50",
                "field 'applicant.name'",
            ),
        ];
        for (old, new, line, tag, needle) in cases {
            let err = import_mt700(&with(old, new)).unwrap_err();
            assert_eq!(
                (err.line(), err.tag()),
                (Some(*line), Some(*tag)),
                "{new}: {err}"
            );
            assert!(err.to_string().contains(needle), "{new}: {err}");
        }
    }

    #[test]
    fn presentation_period_days_and_narrative() {
        let text = with(":49:", ":48:21/FROM THE DATE OF SHIPMENT\n:49:");
        let period = import_mt700(&text).unwrap().presentation_period.unwrap();
        assert_eq!(period.days, 21);
        assert_eq!(
            period.narrative.as_deref(),
            Some("FROM THE DATE OF SHIPMENT")
        );
        let text = with(":49:", ":48:10\n:49:");
        let period = import_mt700(&text).unwrap().presentation_period.unwrap();
        assert_eq!((period.days, period.narrative), (10, None));
        let err = import_mt700(&with(":49:", ":48:TEN DAYS\n:49:")).unwrap_err();
        assert_eq!((err.line(), err.tag()), (Some(16), Some("48")));
    }
}
