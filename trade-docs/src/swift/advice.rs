//! The advices a bank sends once documents are examined, written as SWIFT block 4 text: MT734
//! (advice of refusal), MT750 (advice of discrepancy: the bank seeks a waiver of the
//! discrepancies before it pays) and MT754 (advice of payment, acceptance or negotiation).
//!
//! Generation only, and pure: each function takes a typed advice and returns block 4 text
//! (`:20:…\n:21:…\n`, LF line endings, no header blocks), or an [`AdviceError`] naming the tag
//! and the field of the advice at fault. Deliberately not here: importing these messages, header
//! blocks (whoever sends the message adds them), the optional fields the ledger has no data for
//! (charges 71D/73A, totals 33a/34a, banks 53a/57a/58a, narrative 77), and transliteration: a
//! character outside the SWIFT `x` set is an error, never replaced or dropped.
//!
//! Invariants:
//! - every character of the output is in the `x` set, and every line fits its field: 16
//!   characters for a reference (20, 21), 50 for discrepancies (77J, at most 70 lines), 35 for
//!   sender-to-receiver information (72Z, at most 6 lines) and disposal of documents (77B, at
//!   most 3 lines);
//! - nothing is cut: a text that needs more lines than its field holds is an error;
//! - 77J lists every discrepancy on lines of its own, the first opened by `+`; continuation lines
//!   never start with `+`, so the list reads back one discrepancy at a time, as the clauses of
//!   MT700 field 46A do;
//! - dates are `YYMMDD` and must lie in 1980..=2079, the years the century pivot reads back;
//!   amounts carry exactly their currency's minor-unit digits and are written with a decimal
//!   comma.

use serde::{Deserialize, Serialize};

use super::render::{any_line, wrap, Writer};
use super::value::{is_x, write_amount, write_yymmdd, CENTURY_PIVOT_YY};
use crate::codes::Currency;
use crate::date::Date;
use crate::decimal::Decimal;

/// MT734, advice of refusal (UCP 600 art. 16(c)): the bank refuses the presentation, lists
/// every discrepancy and says what it does with the documents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalAdvice {
    /// 20: the sender's reference for this advice.
    pub sender_reference: String,
    /// 21: the presenting bank's reference, or the credit's number when it gave none.
    pub related_reference: String,
    /// 32A: the date of utilization (the day the documents were presented).
    pub date: Date,
    /// 32A: currency and amount of the utilization.
    pub currency: Currency,
    pub amount: Decimal,
    /// 77J: every discrepancy, one entry each.
    pub discrepancies: Vec<String>,
    /// 77B.
    pub disposal: Disposal,
}

/// MT750, advice of discrepancy: the bank reports the discrepancies and asks for authority to
/// pay despite them (the applicant's waiver, UCP 600 art. 16(b)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscrepancyAdvice {
    /// 20: the sender's reference for this advice.
    pub sender_reference: String,
    /// 21: the related reference (the issuing bank's credit number).
    pub related_reference: String,
    /// 32B: currency and principal amount of the drawing.
    pub currency: Currency,
    pub amount: Decimal,
    /// 77J: every discrepancy, one entry each.
    pub discrepancies: Vec<String>,
}

/// MT754, advice of payment, acceptance or negotiation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentAdvice {
    /// 20: the sender's reference for this advice.
    pub sender_reference: String,
    /// 21: the related reference (the issuing bank's credit number).
    pub related_reference: String,
    /// The value date of a payment or negotiation, written as 32A; absent for an acceptance or
    /// a deferred payment undertaking, written as 32B (amount only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// 32A / 32B: currency and amount paid, accepted or negotiated.
    pub currency: Currency,
    pub amount: Decimal,
    /// 72Z: sender-to-receiver information, wrapped to 6 lines of 35 characters; a `\n`
    /// starts a new line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_to_receiver_info: Option<String>,
}

/// MT734 field 77B: what the refusing bank does with the documents (UCP 600 art. 16(c)(iii)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disposal {
    pub code: DisposalCode,
    /// Text after the code, wrapped to `//` continuation lines; the field holds 3 lines of 35.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
}

/// The code that opens field 77B.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisposalCode {
    /// `HOLD`: documents held pending further instructions from the presenter.
    Hold,
    /// `NOTIFY`: documents held until the applicant's waiver is received and accepted, or the
    /// presenter instructs otherwise.
    Notify,
    /// `PREVINST`: acting on instructions previously received from the presenter.
    PreviousInstructions,
    /// `RETURN`: documents returned to the presenter.
    Return,
}

/// Why an advice could not be written. Every variant names the tag and the advice field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdviceError {
    #[error(
        "tag {tag}, field '{field}': character {character:?} is not in the SWIFT x character set"
    )]
    Character {
        tag: &'static str,
        field: String,
        character: char,
    },
    #[error("tag {tag}, field '{field}': {problem}")]
    Invalid {
        tag: &'static str,
        field: String,
        problem: String,
    },
    #[error(
        "tag {tag}, field '{field}': needs {lines} lines of {width_chars} characters, more than \
         the {lines_max} the field holds"
    )]
    TooLong {
        tag: &'static str,
        field: String,
        lines: usize,
        lines_max: usize,
        width_chars: usize,
    },
}

impl DisposalCode {
    /// The code as written between slashes in field 77B.
    pub fn as_str(&self) -> &'static str {
        match self {
            DisposalCode::Hold => "HOLD",
            DisposalCode::Notify => "NOTIFY",
            DisposalCode::PreviousInstructions => "PREVINST",
            DisposalCode::Return => "RETURN",
        }
    }
}

/// Writes an MT734 advice of refusal: 20, 21, 32A, 77J, 77B.
pub fn mt734(advice: &RefusalAdvice) -> Result<String, AdviceError> {
    let sender = reference("20", "sender_reference", &advice.sender_reference)?;
    let related = reference("21", "related_reference", &advice.related_reference)?;
    let date = yymmdd("32A", advice.date)?;
    let amount = amount("32A", advice.currency, advice.amount)?;
    let discrepancies = discrepancies(&advice.discrepancies)?;
    let disposal = disposal(&advice.disposal)?;
    let mut w = Writer::new(None, None, "734");
    w.text("20", sender);
    w.text("21", related);
    w.text("32A", &format!("{date}{amount}"));
    w.lines("77J", discrepancies.iter().map(String::as_str));
    w.lines("77B", disposal.iter().map(String::as_str));
    Ok(w.finish())
}

/// Writes an MT750 advice of discrepancy: 20, 21, 32B, 77J.
pub fn mt750(advice: &DiscrepancyAdvice) -> Result<String, AdviceError> {
    let sender = reference("20", "sender_reference", &advice.sender_reference)?;
    let related = reference("21", "related_reference", &advice.related_reference)?;
    let amount = amount("32B", advice.currency, advice.amount)?;
    let discrepancies = discrepancies(&advice.discrepancies)?;
    let mut w = Writer::new(None, None, "750");
    w.text("20", sender);
    w.text("21", related);
    w.text("32B", &amount);
    w.lines("77J", discrepancies.iter().map(String::as_str));
    Ok(w.finish())
}

/// Writes an MT754 advice of payment, acceptance or negotiation: 20, 21, 32A (with a date) or
/// 32B (without), and 72Z when there is sender-to-receiver information.
pub fn mt754(advice: &PaymentAdvice) -> Result<String, AdviceError> {
    let sender = reference("20", "sender_reference", &advice.sender_reference)?;
    let related = reference("21", "related_reference", &advice.related_reference)?;
    let (tag, date) = match advice.date {
        Some(date) => ("32A", yymmdd("32A", date)?),
        None => ("32B", String::new()),
    };
    let amount = amount(tag, advice.currency, advice.amount)?;
    let info = match &advice.sender_to_receiver_info {
        Some(text) => Some(narrative("72Z", "sender_to_receiver_info", text)?),
        None => None,
    };
    let mut w = Writer::new(None, None, "754");
    w.text("20", sender);
    w.text("21", related);
    w.text(tag, &format!("{date}{amount}"));
    if let Some(info) = &info {
        w.lines("72Z", info.iter().map(String::as_str));
    }
    Ok(w.finish())
}

/// Field 20 and 21 hold 16 characters.
const REFERENCE_LEN_MAX_CHARS: usize = 16;
/// Field 77J holds 70 lines of 50 characters.
const DISCREPANCIES_LINES_MAX: usize = 70;
const DISCREPANCIES_WIDTH_CHARS: usize = 50;
/// Fields 72Z and 77B hold lines of 35 characters: 6 and 3 of them.
const NARRATIVE_WIDTH_CHARS: usize = 35;
const INFO_LINES_MAX: usize = 6;
const DISPOSAL_LINES_MAX: usize = 3;
/// The digits and the decimal comma of an amount (`15d`).
const AMOUNT_LEN_MAX_CHARS: usize = 15;

/// The first character of `text` outside the `x` set (a line break counts as outside for a
/// single-line field) is an error naming `tag` and `field`.
fn check_x(
    tag: &'static str,
    field: &str,
    text: &str,
    multi_line: bool,
) -> Result<(), AdviceError> {
    let outside = |c: char| !is_x(c) || (c == '\n' && !multi_line);
    match text.chars().find(|c| outside(*c)) {
        Some(character) => Err(AdviceError::Character {
            tag,
            field: field.to_string(),
            character,
        }),
        None => Ok(()),
    }
}

fn invalid(tag: &'static str, field: &str, problem: impl Into<String>) -> AdviceError {
    AdviceError::Invalid {
        tag,
        field: field.to_string(),
        problem: problem.into(),
    }
}

/// A reference (`16x`): 1 to 16 characters, not starting or ending with `/`, no `//`.
fn reference<'t>(tag: &'static str, field: &str, text: &'t str) -> Result<&'t str, AdviceError> {
    check_x(tag, field, text, false)?;
    let len = text.chars().count();
    if text.trim().is_empty() || len > REFERENCE_LEN_MAX_CHARS {
        return Err(invalid(
            tag,
            field,
            format!("holds {len} characters; a reference holds 1 to {REFERENCE_LEN_MAX_CHARS}"),
        ));
    }
    if text.starts_with('/') || text.ends_with('/') || text.contains("//") {
        return Err(invalid(
            tag,
            field,
            format!("'{text}' starts or ends with '/' or holds '//'"),
        ));
    }
    Ok(text)
}

/// A date as `YYMMDD`, refused outside the years the century pivot reads back.
fn yymmdd(tag: &'static str, date: Date) -> Result<String, AdviceError> {
    let first = 1900 + CENTURY_PIVOT_YY;
    if !(first..first + 100).contains(&date.year()) {
        return Err(invalid(
            tag,
            "date",
            format!("{date} is outside {first}..={}", first + 99),
        ));
    }
    Ok(write_yymmdd(date))
}

/// A positive amount with exactly its currency's minor-unit digits, within `15d`.
fn amount(tag: &'static str, currency: Currency, amount: Decimal) -> Result<String, AdviceError> {
    let minor_units = currency.minor_units();
    if amount.scale() != minor_units {
        return Err(invalid(
            tag,
            "amount",
            format!("{currency} amounts have {minor_units} fraction digits, found '{amount}'"),
        ));
    }
    if amount.is_negative() || amount.is_zero() {
        return Err(invalid(
            tag,
            "amount",
            format!("must be greater than zero, found '{amount}'"),
        ));
    }
    let text = write_amount(currency, amount);
    // The currency code is three ASCII letters; the rest is digits and the comma.
    if text.len() - 3 > AMOUNT_LEN_MAX_CHARS {
        return Err(invalid(
            tag,
            "amount",
            format!("'{amount}' needs more than {AMOUNT_LEN_MAX_CHARS} characters"),
        ));
    }
    Ok(text)
}

/// The lines of field 77J: each discrepancy opened by `+` and wrapped to 50 characters.
fn discrepancies(list: &[String]) -> Result<Vec<String>, AdviceError> {
    if list.is_empty() {
        return Err(invalid("77J", "discrepancies", "lists no discrepancy"));
    }
    let mut lines = Vec::with_capacity(list.len() * 2);
    for (i, text) in list.iter().enumerate() {
        let field = format!("discrepancies[{i}]");
        check_x("77J", &field, text, true)?;
        if text.trim().is_empty() {
            return Err(invalid("77J", &field, "must not be blank"));
        }
        let width = DISCREPANCIES_WIDTH_CHARS;
        let mut wrapped = wrap(text, width - 1, width, no_plus).into_iter();
        // `wrap` returns at least one line, the one the `+` opens.
        let first = wrapped.next().unwrap_or_default();
        lines.push(format!("+{first}"));
        lines.extend(wrapped.filter(|l| !l.is_empty()));
    }
    within(
        "77J",
        "discrepancies",
        lines,
        DISCREPANCIES_LINES_MAX,
        DISCREPANCIES_WIDTH_CHARS,
    )
}

/// The lines of field 77B: `/CODE/` and the narrative, continued on `//` lines.
fn disposal(disposal: &Disposal) -> Result<Vec<String>, AdviceError> {
    let code = format!("/{}/", disposal.code.as_str());
    let Some(text) = &disposal.narrative else {
        return Ok(vec![code]);
    };
    check_x("77B", "disposal.narrative", text, true)?;
    if text.trim().is_empty() {
        return Err(invalid("77B", "disposal.narrative", "must not be blank"));
    }
    let first_width = NARRATIVE_WIDTH_CHARS - code.len();
    let mut pieces = wrap(text, first_width, NARRATIVE_WIDTH_CHARS - 2, any_line).into_iter();
    let first = pieces.next().unwrap_or_default();
    let lines = std::iter::once(format!("{code}{first}"))
        .chain(pieces.filter(|p| !p.is_empty()).map(|p| format!("//{p}")))
        .collect();
    within(
        "77B",
        "disposal.narrative",
        lines,
        DISPOSAL_LINES_MAX,
        NARRATIVE_WIDTH_CHARS,
    )
}

/// Free text wrapped to the lines of field 72Z.
fn narrative(tag: &'static str, field: &str, text: &str) -> Result<Vec<String>, AdviceError> {
    check_x(tag, field, text, true)?;
    if text.trim().is_empty() {
        return Err(invalid(tag, field, "must not be blank"));
    }
    let lines = wrap(text, NARRATIVE_WIDTH_CHARS, NARRATIVE_WIDTH_CHARS, any_line)
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    within(tag, field, lines, INFO_LINES_MAX, NARRATIVE_WIDTH_CHARS)
}

/// `lines` if the field holds that many, else the error saying how many it would need.
fn within(
    tag: &'static str,
    field: &str,
    lines: Vec<String>,
    lines_max: usize,
    width_chars: usize,
) -> Result<Vec<String>, AdviceError> {
    if lines.len() > lines_max {
        return Err(AdviceError::TooLong {
            tag,
            field: field.to_string(),
            lines: lines.len(),
            lines_max,
            width_chars,
        });
    }
    Ok(lines)
}

/// A 77J continuation line must not open with `+`, which would read as a new discrepancy.
fn no_plus(line: &str) -> bool {
    !line.starts_with('+')
}

#[cfg(test)]
mod tests {
    use super::super::block::tokenize;
    use super::super::value;
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn usd() -> Currency {
        "USD".parse().unwrap()
    }

    /// The one discrepancy of the PRODUCT.md §7 presentation: shipped one day late.
    const LATE_SHIPMENT: &str = "UCP 600 art. 14(c), field 44C: shipped 2026-06-10, latest \
                                 shipment date 2026-06-09";

    fn refusal() -> RefusalAdvice {
        RefusalAdvice {
            sender_reference: "SCB26REF0417".into(),
            related_reference: "SCB26LC0417".into(),
            date: date("2026-06-15"),
            currency: usd(),
            amount: dec("261875.00"),
            discrepancies: vec![LATE_SHIPMENT.into()],
            disposal: Disposal {
                code: DisposalCode::Notify,
                narrative: Some(
                    "HOLDING DOCUMENTS UNTIL THE APPLICANT'S WAIVER IS RECEIVED".into(),
                ),
            },
        }
    }

    fn discrepancy() -> DiscrepancyAdvice {
        DiscrepancyAdvice {
            sender_reference: "TCB26NEG0117".into(),
            related_reference: "SCB26LC0417".into(),
            currency: usd(),
            amount: dec("261875.00"),
            discrepancies: vec![LATE_SHIPMENT.into()],
        }
    }

    fn payment() -> PaymentAdvice {
        PaymentAdvice {
            sender_reference: "SCB26PAY0417".into(),
            related_reference: "SCB26LC0417".into(),
            date: Some(date("2026-06-22")),
            currency: usd(),
            amount: dec("261875.00"),
            sender_to_receiver_info: None,
        }
    }

    /// Discrepancies long enough to wrap: each needs two lines of 77J.
    fn long_discrepancies(count: usize) -> Vec<String> {
        (1..=count)
            .map(|i| {
                format!(
                    "DISCREPANCY {i}: THE PACKING LIST GIVES A GROSS MASS THAT DIFFERS FROM \
                     THE WAYBILL"
                )
            })
            .collect()
    }

    /// Parses `text` back with the block 4 tokenizer and checks every line against the width
    /// of its field; returns each field's tag and lines.
    fn parse_back(text: &str) -> Vec<(String, Vec<String>)> {
        let message = tokenize(text, "734").unwrap_or_else(|e| panic!("{e}\n{text}"));
        let width_of = |tag: &str| match tag {
            "20" | "21" => REFERENCE_LEN_MAX_CHARS,
            "77J" => DISCREPANCIES_WIDTH_CHARS,
            "72Z" | "77B" => NARRATIVE_WIDTH_CHARS,
            _ => crate::swift::LINE_WIDTH_MAX_CHARS,
        };
        assert!(text.chars().all(is_x), "{text}");
        message
            .fields
            .iter()
            .map(|field| {
                let lines: Vec<String> = field.lines().map(|(_, l)| l.to_string()).collect();
                for line in &lines {
                    let width = line.chars().count();
                    assert!(width <= width_of(field.tag), "{}: {line:?}", field.tag);
                }
                (field.tag.to_string(), lines)
            })
            .collect()
    }

    /// The discrepancies field 77J of `text` lists, read back as clauses.
    fn discrepancies_read_back(text: &str) -> Vec<String> {
        let message = tokenize(text, "734").unwrap();
        let field = message.fields.iter().find(|f| f.tag == "77J").unwrap();
        value::clauses(field).unwrap()
    }

    #[test]
    fn mt734_for_the_late_shipment_of_section_7() {
        let text = mt734(&refusal()).unwrap();
        assert_eq!(
            text,
            ":20:SCB26REF0417\n\
             :21:SCB26LC0417\n\
             :32A:260615USD261875,00\n\
             :77J:+UCP 600 art. 14(c), field 44C: shipped\n\
             2026-06-10, latest shipment date 2026-06-09\n\
             :77B:/NOTIFY/HOLDING DOCUMENTS UNTIL THE\n\
             //APPLICANT'S WAIVER IS RECEIVED\n"
        );
        let tags: Vec<String> = parse_back(&text).into_iter().map(|(t, _)| t).collect();
        assert_eq!(tags, ["20", "21", "32A", "77J", "77B"]);
        assert_eq!(discrepancies_read_back(&text), [LATE_SHIPMENT]);
    }

    #[test]
    fn mt750_for_the_late_shipment_of_section_7() {
        let text = mt750(&discrepancy()).unwrap();
        assert_eq!(
            text,
            ":20:TCB26NEG0117\n\
             :21:SCB26LC0417\n\
             :32B:USD261875,00\n\
             :77J:+UCP 600 art. 14(c), field 44C: shipped\n\
             2026-06-10, latest shipment date 2026-06-09\n"
        );
        parse_back(&text);
        assert_eq!(discrepancies_read_back(&text), [LATE_SHIPMENT]);
    }

    #[test]
    fn mt754_pays_with_32a_and_accepts_with_32b() {
        let paid = mt754(&payment()).unwrap();
        assert_eq!(
            paid,
            ":20:SCB26PAY0417\n:21:SCB26LC0417\n:32A:260622USD261875,00\n"
        );
        let info = "/BNF/PAID UNDER UCP 600 ART. 16 AFTER THE APPLICANT WAIVED THE LATE \
                    SHIPMENT ON 2026-06-18";
        let accepted = mt754(&PaymentAdvice {
            date: None,
            sender_to_receiver_info: Some(info.into()),
            ..payment()
        })
        .unwrap();
        let fields = parse_back(&accepted);
        assert_eq!(
            fields[2],
            ("32B".to_string(), vec!["USD261875,00".to_string()])
        );
        assert_eq!(fields[3].0, "72Z");
        assert_eq!(
            fields[3].1.join(" "),
            info,
            "wrapped at spaces, nothing lost"
        );
        assert_eq!(fields[3].1.len(), 3);
    }

    #[test]
    fn a_long_list_of_discrepancies_wraps_and_every_one_is_listed() {
        let list = long_discrepancies(35);
        let text = mt734(&RefusalAdvice {
            discrepancies: list.clone(),
            ..refusal()
        })
        .unwrap();
        let fields = parse_back(&text);
        let (_, lines) = fields.iter().find(|(tag, _)| tag == "77J").unwrap();
        assert_eq!(
            lines.len(),
            DISCREPANCIES_LINES_MAX,
            "35 discrepancies of two lines"
        );
        assert_eq!(discrepancies_read_back(&text), list);

        let text = mt750(&DiscrepancyAdvice {
            discrepancies: list.clone(),
            ..discrepancy()
        })
        .unwrap();
        parse_back(&text);
        assert_eq!(discrepancies_read_back(&text), list);
    }

    #[test]
    fn lines_that_would_read_as_something_else_are_indented() {
        // Each text has its only usable break right before a '+', '-' or ':'.
        let tricky = vec![
            format!("{} +12 DAYS LATE", "A".repeat(48)),
            format!("{} -5 PERCENT SHORT", "B".repeat(48)),
            format!("{} :44C: LATE", "C".repeat(48)),
        ];
        let text = mt750(&DiscrepancyAdvice {
            discrepancies: tricky.clone(),
            ..discrepancy()
        })
        .unwrap();
        let fields = parse_back(&text);
        assert_eq!(
            fields[3].1[1..],
            [
                " +12 DAYS LATE",
                "+BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
                " -5 PERCENT SHORT",
                "+CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
                " :44C: LATE"
            ]
        );
        // The indent reads back as one more space; the discrepancies are all there, whole.
        let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let read: Vec<String> = discrepancies_read_back(&text)
            .iter()
            .map(|d| collapse(d))
            .collect();
        assert_eq!(read, tricky);
    }

    #[test]
    fn over_long_fields_are_errors_not_cuts() {
        let too_many = RefusalAdvice {
            discrepancies: long_discrepancies(36),
            ..refusal()
        };
        assert_eq!(
            mt734(&too_many).unwrap_err(),
            AdviceError::TooLong {
                tag: "77J",
                field: "discrepancies".into(),
                lines: 72,
                lines_max: 70,
                width_chars: 50,
            }
        );
        let long_info = PaymentAdvice {
            sender_to_receiver_info: Some("WORD ".repeat(43)),
            ..payment()
        };
        assert!(matches!(
            mt754(&long_info).unwrap_err(),
            AdviceError::TooLong {
                tag: "72Z",
                lines: 7,
                lines_max: 6,
                ..
            }
        ));
        let long_disposal = RefusalAdvice {
            disposal: Disposal {
                code: DisposalCode::Hold,
                narrative: Some("DOCUMENTS ".repeat(10)),
            },
            ..refusal()
        };
        assert!(matches!(
            mt734(&long_disposal).unwrap_err(),
            AdviceError::TooLong {
                tag: "77B",
                lines: 4,
                lines_max: 3,
                ..
            }
        ));
    }

    #[test]
    fn faults_name_their_tag_and_field() {
        type Case = (Result<String, AdviceError>, &'static str, &'static str);
        let cases: Vec<Case> = vec![
            (
                mt734(&RefusalAdvice {
                    discrepancies: vec![LATE_SHIPMENT.into(), "AMOUNT ±10 %".into()],
                    ..refusal()
                }),
                "77J",
                "discrepancies[1]",
            ),
            (
                mt734(&RefusalAdvice {
                    discrepancies: vec![],
                    ..refusal()
                }),
                "77J",
                "discrepancies",
            ),
            (
                mt750(&DiscrepancyAdvice {
                    discrepancies: vec!["  ".into()],
                    ..discrepancy()
                }),
                "77J",
                "discrepancies[0]",
            ),
            (
                mt734(&RefusalAdvice {
                    sender_reference: "SCB_26".into(),
                    ..refusal()
                }),
                "20",
                "sender_reference",
            ),
            (
                mt750(&DiscrepancyAdvice {
                    related_reference: "SCB26LC0417-AMEND".into(),
                    ..discrepancy()
                }),
                "21",
                "related_reference",
            ),
            (
                mt754(&PaymentAdvice {
                    related_reference: "SCB//0417".into(),
                    ..payment()
                }),
                "21",
                "related_reference",
            ),
            (
                mt754(&PaymentAdvice {
                    sender_reference: "A\nB".into(),
                    ..payment()
                }),
                "20",
                "sender_reference",
            ),
            (
                mt734(&RefusalAdvice {
                    date: date("2080-01-01"),
                    ..refusal()
                }),
                "32A",
                "date",
            ),
            (
                mt734(&RefusalAdvice {
                    amount: dec("261875.0"),
                    ..refusal()
                }),
                "32A",
                "amount",
            ),
            (
                mt750(&DiscrepancyAdvice {
                    amount: dec("0.00"),
                    ..discrepancy()
                }),
                "32B",
                "amount",
            ),
            (
                mt754(&PaymentAdvice {
                    date: None,
                    amount: dec("1234567890123.45"),
                    ..payment()
                }),
                "32B",
                "amount",
            ),
            (
                mt754(&PaymentAdvice {
                    sender_to_receiver_info: Some("PAID; THANK YOU".into()),
                    ..payment()
                }),
                "72Z",
                "sender_to_receiver_info",
            ),
            (
                mt734(&RefusalAdvice {
                    disposal: Disposal {
                        code: DisposalCode::Return,
                        narrative: Some("SENT BY COURIER #1".into()),
                    },
                    ..refusal()
                }),
                "77B",
                "disposal.narrative",
            ),
        ];
        for (result, tag, field) in cases {
            let err = result.expect_err(field);
            let (t, f) = match &err {
                AdviceError::Character { tag, field, .. }
                | AdviceError::Invalid { tag, field, .. }
                | AdviceError::TooLong { tag, field, .. } => (*tag, field.as_str()),
            };
            assert_eq!((t, f), (tag, field), "{err}");
            assert!(err.to_string().contains(field), "{err}");
        }
        let err = mt734(&RefusalAdvice {
            discrepancies: vec!["AMOUNT ±10 %".into()],
            ..refusal()
        })
        .unwrap_err();
        assert_eq!(
            err,
            AdviceError::Character {
                tag: "77J",
                field: "discrepancies[0]".into(),
                character: '±'
            },
            "the first character outside the set, nothing replaced"
        );
    }

    #[test]
    fn disposal_codes_and_advices_round_trip_through_json() {
        for (code, text) in [
            (DisposalCode::Hold, ":77B:/HOLD/\n"),
            (DisposalCode::Notify, ":77B:/NOTIFY/\n"),
            (DisposalCode::PreviousInstructions, ":77B:/PREVINST/\n"),
            (DisposalCode::Return, ":77B:/RETURN/\n"),
        ] {
            let advice = RefusalAdvice {
                disposal: Disposal {
                    code,
                    narrative: None,
                },
                ..refusal()
            };
            assert!(mt734(&advice).unwrap().ends_with(text), "{code:?}");
            let json = serde_json::to_string(&advice).unwrap();
            assert_eq!(
                serde_json::from_str::<RefusalAdvice>(&json).unwrap(),
                advice
            );
        }
        let json = serde_json::to_string(&payment()).unwrap();
        assert_eq!(
            serde_json::from_str::<PaymentAdvice>(&json).unwrap(),
            payment()
        );
    }
    /// The discrepancy the UCP 600 examination finds in the §7 demo documents goes into an
    /// MT734 whole, once written with `x` punctuation (a `;` is outside the set).
    #[test]
    fn mt734_from_the_examination_of_the_demo_presentation() {
        use crate::document::Document;
        use crate::ucp600::Outcome;
        let import = |text| crate::json::import(text).unwrap();
        let (Document::LetterOfCredit(lc), Document::Presentation(presentation)) = (
            import(crate::demo::LC_KHORGOS_JSON),
            import(crate::demo::PRESENTATION_KHORGOS_JSON),
        ) else {
            panic!("the demo fixtures are a credit and a presentation");
        };
        let report = crate::ucp600::examine(&lc, &presentation);
        let written = |separator: &str| -> Vec<String> {
            let found = report
                .discrepancies()
                .filter_map(|check| match &check.outcome {
                    Outcome::Discrepancy { expected, found } => Some(format!(
                        "{}: expected {expected}{separator} found {found}",
                        check.article
                    )),
                    _ => None,
                });
            found.collect()
        };
        let discrepancies = written(",");
        assert_eq!(discrepancies.len(), 1, "{discrepancies:?}");
        let advice = RefusalAdvice {
            discrepancies: discrepancies.clone(),
            ..refusal()
        };
        let text = mt734(&advice).unwrap();
        parse_back(&text);
        assert_eq!(discrepancies_read_back(&text), discrepancies);
        let with_semicolon = RefusalAdvice {
            discrepancies: written(";"),
            ..refusal()
        };
        assert!(matches!(
            mt734(&with_semicolon),
            Err(AdviceError::Character { character: ';', .. })
        ));
    }
}
