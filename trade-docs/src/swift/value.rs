//! Readers of field contents shared by MT700 and MT707: dates, amounts, BICs, codes, tolerance,
//! parties, bank fields (options A and D), `+` clauses, and free text.
//!
//! Each reader takes a tokenized [`Field`] and returns a model value or a [`SwiftError`] naming
//! the line and tag at fault. Deliberately not here: which fields a message has or requires.
//!
//! Invariants: coded values (dates, amounts, codes, BICs, numbers) are read from a single line
//! with surrounding blanks ignored; free text is kept exactly as sent, lines joined either with
//! one space (prose) or with `\n` (lines that carry structure).

use super::block::{Field, FieldSet};
use super::SwiftError;
use crate::codes::{Bic, Currency};
use crate::date::Date;
use crate::decimal::Decimal;
use crate::document::{FieldFault, Invalid, Party, Tolerance};

/// The years 00-79 of a `YYMMDD` date are 2000-2079; 80-99 are 1980-1999.
pub(crate) const CENTURY_PIVOT_YY: i32 = 80;

/// The field's only line.
pub(crate) fn single<'a>(field: &Field<'a>) -> Result<(usize, &'a str), SwiftError> {
    let mut lines = field.lines();
    match (lines.next(), lines.next()) {
        (Some(only), None) => Ok(only),
        (None, _) => Err(field.bad(field.line, "field is empty")),
        (Some(_), Some((line, _))) => Err(field.bad(line, "field holds one line only")),
    }
}

/// Field 27: only a credit or amendment in one message.
pub(crate) fn sequence(field: &Field<'_>) -> Result<(), SwiftError> {
    let (line, text) = single(field)?;
    match text.trim() {
        "1/1" => Ok(()),
        other => Err(field.bad(
            line,
            format!("sequence '{other}' is not 1/1: MT701/MT708 continuations are not supported"),
        )),
    }
}

/// Fields 20 and 23: a reference on one line.
pub(crate) fn reference(field: &Field<'_>) -> Result<String, SwiftError> {
    single(field).map(|(_, text)| text.trim().to_string())
}

/// Prose: the lines joined with single spaces, so that export may re-wrap it anywhere.
pub(crate) fn prose(field: &Field<'_>) -> Result<String, SwiftError> {
    joined(field, " ")
}

/// Lines that carry structure (name and address, bank-to-bank codes), joined with `\n`.
pub(crate) fn lines(field: &Field<'_>) -> Result<String, SwiftError> {
    joined(field, "\n")
}

fn joined(field: &Field<'_>, separator: &str) -> Result<String, SwiftError> {
    let mut text = String::new();
    for (i, (_, line)) in field.lines().enumerate() {
        if i > 0 {
            text.push_str(separator);
        }
        text.push_str(line);
    }
    if text.is_empty() {
        return Err(field.bad(field.line, "field is empty"));
    }
    Ok(text)
}

/// A `YYMMDD` date field.
pub(crate) fn date(field: &Field<'_>) -> Result<Date, SwiftError> {
    let (line, text) = single(field)?;
    let text = text.trim();
    yymmdd(text)
        .ok_or_else(|| field.bad(line, format!("date '{text}' is not a SWIFT date (YYMMDD)")))
}

/// Reads `YYMMDD` with the century pivot [`CENTURY_PIVOT_YY`].
pub(crate) fn yymmdd(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
    let yy = i32::from(two(0));
    let year = if yy < CENTURY_PIVOT_YY {
        2000 + yy
    } else {
        1900 + yy
    };
    Date::from_ymd(year, two(2), two(4))
}

/// Writes a date as `YYMMDD`; exact for the years the pivot reads back (1980-2079).
pub(crate) fn write_yymmdd(date: Date) -> String {
    format!(
        "{:02}{:02}{:02}",
        date.year().rem_euclid(100),
        date.month(),
        date.day()
    )
}

/// A currency and amount (`USD248500,00`): decimal comma, integer part required, no thousands
/// separators, at most 15 characters after the currency. The amount is rescaled to the
/// currency's minor units; digits beyond them must be zeros.
pub(crate) fn amount(field: &Field<'_>) -> Result<(Currency, Decimal), SwiftError> {
    let (line, text) = single(field)?;
    let text = text.trim();
    let not_amount = || {
        field.bad(
            line,
            format!("amount '{text}' is not a SWIFT amount (currency, digits, decimal comma)"),
        )
    };
    let (code, number) = text.split_at_checked(3).ok_or_else(not_amount)?;
    let currency: Currency = code
        .parse()
        .map_err(|_| field.bad(line, format!("'{code}' is not an ISO 4217 currency code")))?;
    let (int, frac) = number.split_once(',').ok_or_else(not_amount)?;
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || number.len() > 15 || !digits(int) || !digits(frac) {
        return Err(not_amount());
    }
    let minor_units = currency.minor_units();
    let minor = usize::from(minor_units);
    // Digits beyond the currency's minor units may only be zeros (`USD1,2300`); `frac` is
    // ASCII digits here, so slicing by byte is slicing by character.
    if frac.len() > minor && frac[minor..].bytes().any(|b| b != b'0') {
        return Err(field.bad(
            line,
            format!("amount '{text}' has more fraction digits than the {minor} of {currency}"),
        ));
    }
    let frac = &frac[..frac.len().min(minor)];
    let padding = std::iter::repeat_n(b'0', minor - frac.len());
    let mantissa = int
        .bytes()
        .chain(frac.bytes())
        .chain(padding)
        .try_fold(0i64, |m, d| {
            m.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        });
    mantissa
        .and_then(|m| Decimal::new(m, minor_units))
        .map(|value| (currency, value))
        .ok_or_else(not_amount)
}

/// Writes a currency and amount with a decimal comma (`USD248500,00`, `JPY1000,`).
pub(crate) fn write_amount(currency: Currency, amount: Decimal) -> String {
    let number = amount.to_string().replace('.', ",");
    let comma = if amount.scale() == 0 { "," } else { "" };
    format!("{currency}{number}{comma}")
}

/// Whether `c` belongs to the SWIFT `x` character set: `a-z A-Z 0-9 / - ? : ( ) . , ' +`,
/// space, and the line break of a multi-line field.
pub(crate) fn is_x(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/-?:().,'+ \n".contains(c)
}

/// A BIC on a line of its own (option A of a bank field).
pub(crate) fn bic(field: &Field<'_>) -> Result<Bic, SwiftError> {
    let (line, text) = single(field)?;
    let text = text.trim();
    text.parse()
        .map_err(|_| field.bad(line, format!("'{text}' is not a BIC")))
}

/// A coded value: the one of `all` whose `name` the field's single line holds.
pub(crate) fn code<T: Copy>(
    field: &Field<'_>,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, SwiftError> {
    let (line, text) = single(field)?;
    code_in(field, line, text, all, name)
}

/// The one of `all` whose `name` is `text`, found on `line` of `field`.
pub(crate) fn code_in<T: Copy>(
    field: &Field<'_>,
    line: usize,
    text: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, SwiftError> {
    let text = text.trim();
    all.iter()
        .copied()
        .find(|v| name(*v) == text)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
            field.bad(line, format!("'{text}' is not one of {}", names.join(", ")))
        })
}

/// The first fault a model validation found, as an error on the line and tag of the field that
/// carried the value; `name_of` maps a model field (`applicant` of `applicant.name`) to the name
/// of its field in the spec (`50`).
pub(crate) fn invalid(
    fields: &FieldSet<'_>,
    invalid: Invalid,
    name_of: fn(&str) -> Option<&'static str>,
) -> SwiftError {
    let fault = invalid
        .faults
        .into_iter()
        .next()
        .unwrap_or_else(|| FieldFault {
            field: String::new(),
            problem: "is invalid".to_string(),
        });
    let root = fault.field.split(['.', '[']).next().unwrap_or_default();
    let (line, tag) = match name_of(root) {
        Some(name) => (fields.line_of(name), fields.tag_of(name).to_string()),
        // A model rule this module does not know yet: reported at the end of block 4.
        None => (fields.end_line, fault.field.clone()),
    };
    SwiftError::Invalid {
        line,
        tag,
        field: fault.field,
        problem: fault.problem,
    }
}

/// A percentage tolerance `NN/NN` (plus/minus, one or two digits each).
pub(crate) fn tolerance(field: &Field<'_>) -> Result<Tolerance, SwiftError> {
    let (line, text) = single(field)?;
    let text = text.trim();
    let percent = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    match text.split_once('/') {
        Some((plus, minus)) if percent(plus) && percent(minus) => Ok(Tolerance {
            // Invariant: one or two ASCII digits always parse as a u8.
            plus_percent: plus.parse().unwrap_or(0),
            minus_percent: minus.parse().unwrap_or(0),
        }),
        _ => Err(field.bad(
            line,
            format!("tolerance '{text}' is not NN/NN (plus and minus percent)"),
        )),
    }
}

/// Writes a tolerance as `NN/NN`.
pub(crate) fn write_tolerance(tolerance: Tolerance) -> String {
    format!(
        "{:02}/{:02}",
        tolerance.plus_percent, tolerance.minus_percent
    )
}

/// A non-negative whole number of at most `digits_max` digits (`26E`, the days of `48`).
pub(crate) fn number(text: &str, digits_max: usize) -> Option<u16> {
    let ok = (1..=digits_max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok()).flatten()
}

/// A party (fields 50, 59): an optional `/account` line, the name, then address lines. The
/// account line, which the model has no field for, is kept as the first address line with its
/// slash; [`party_lines`] writes it back first.
pub(crate) fn party(field: &Field<'_>) -> Result<Party, SwiftError> {
    let mut lines = field.lines().map(|(_, text)| text.to_string()).peekable();
    let account = lines.next_if(|l| l.starts_with('/'));
    let name = lines.next().unwrap_or_default();
    let address: Vec<String> = account.into_iter().chain(lines).collect();
    if name.is_empty() && address.is_empty() {
        return Err(field.bad(field.line, "field is empty"));
    }
    Ok(Party {
        name,
        address,
        country: None,
        id: None,
    })
}

/// The lines of a party as [`party`] reads them: the account line (if any), name, address.
pub(crate) fn party_lines(party: &Party) -> Vec<&str> {
    let (account, address) = match party.address.split_first() {
        Some((first, rest)) if first.starts_with('/') => (Some(first.as_str()), rest),
        _ => (None, party.address.as_slice()),
    };
    let name = std::iter::once(party.name.as_str());
    let address = address.iter().map(String::as_str);
    account.into_iter().chain(name).chain(address).collect()
}

/// A bank field kept as text: option A (a BIC, after optional `/party identifier` lines) or
/// option D (name and address); lines joined with `\n`.
pub(crate) fn bank(field: &Field<'_>) -> Result<String, SwiftError> {
    let text = lines(field)?;
    if field.tag.ends_with('A') && !is_option_a(&text) {
        let line = field.lines().last().map_or(field.line, |(line, _)| line);
        return Err(field.bad(
            line,
            "option A holds a BIC, optionally after '/' party identifier lines",
        ));
    }
    Ok(text)
}

/// Whether a bank field's text has the shape of option A, so export can choose A over D.
pub(crate) fn is_option_a(text: &str) -> bool {
    let mut lines = text.split('\n').rev();
    let bic_last = lines.next().is_some_and(|l| l.parse::<Bic>().is_ok());
    bic_last && lines.all(|l| l.starts_with('/'))
}

/// Clauses of fields 46A and 47A: a line starting `+` opens a clause (the `+` is not kept),
/// other lines continue it, joined with a space. Text before the first `+` is a clause too.
pub(crate) fn clauses(field: &Field<'_>) -> Result<Vec<String>, SwiftError> {
    let mut clauses: Vec<(usize, String)> = Vec::new();
    for (line, text) in field.lines() {
        match (text.strip_prefix('+'), clauses.last_mut()) {
            (Some(opening), _) => clauses.push((line, opening.to_string())),
            (None, Some((_, clause))) => {
                if !clause.is_empty() {
                    clause.push(' ');
                }
                clause.push_str(text);
            }
            (None, None) => clauses.push((line, text.to_string())),
        }
    }
    if clauses.is_empty() {
        return Err(field.bad(field.line, "field is empty"));
    }
    clauses
        .into_iter()
        .map(|(line, clause)| match clause.is_empty() {
            true => Err(field.bad(line, "clause is empty")),
            false => Ok(clause),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::block::tokenize;
    use super::*;

    /// Reads the first field of block 4 text with `read`.
    fn read<T>(text: &str, read: fn(&Field<'_>) -> Result<T, SwiftError>) -> Result<T, SwiftError> {
        let message = tokenize(text, "700").unwrap();
        read(&message.fields[0])
    }

    #[test]
    fn dates_pivot_at_80() {
        for (text, expected) in [
            ("260302", Some("2026-03-02")),
            ("000101", Some("2000-01-01")),
            ("791231", Some("2079-12-31")),
            ("800101", Some("1980-01-01")),
            ("991231", Some("1999-12-31")),
            ("260230", None),
            ("261302", None),
            ("26032", None),
            ("2603O2", None),
        ] {
            let got = yymmdd(text).map(|d| d.to_string());
            assert_eq!(got.as_deref(), expected, "{text}");
            if let Some(date) = yymmdd(text) {
                assert_eq!(write_yymmdd(date), text);
            }
        }
    }

    #[test]
    fn amounts_follow_swift_and_currency_minor_units() {
        for (text, expected) in [
            ("USD248500,00", "USD 248500.00"),
            ("USD248500,", "USD 248500.00"),
            ("USD248500,5", "USD 248500.50"),
            ("USD1,2300", "USD 1.23"),
            ("JPY1000000,", "JPY 1000000"),
            ("KWD12,345", "KWD 12.345"),
            ("USD0,00", "USD 0.00"),
        ] {
            let (currency, amount) = read(&format!(":32B:{text}"), amount).unwrap();
            assert_eq!(format!("{currency} {amount}"), expected, "{text}");
        }
        for (text, needle) in [
            ("USD12O,00", "is not a SWIFT amount"),
            ("USD248500", "is not a SWIFT amount"),
            ("USD,50", "is not a SWIFT amount"),
            ("USD1.000,00", "is not a SWIFT amount"),
            ("USD-5,00", "is not a SWIFT amount"),
            ("USD123456789012345,", "is not a SWIFT amount"),
            ("XYZ5,00", "not an ISO 4217"),
            ("US", "is not a SWIFT amount"),
            ("USD1,234", "more fraction digits"),
            ("JPY10,5", "more fraction digits"),
        ] {
            let err = read(&format!("\n:32B:{text}"), amount).unwrap_err();
            assert_eq!((err.line(), err.tag()), (Some(2), Some("32B")), "{text}");
            assert!(err.to_string().contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn amounts_write_with_a_decimal_comma() {
        let usd: Currency = "USD".parse().unwrap();
        let jpy: Currency = "JPY".parse().unwrap();
        assert_eq!(
            write_amount(usd, Decimal::new(24_850_000, 2).unwrap()),
            "USD248500,00"
        );
        assert_eq!(write_amount(jpy, Decimal::from_int(1000)), "JPY1000,");
    }

    #[test]
    fn the_x_character_set() {
        let x = "abcxyzABCXYZ0189/-?:().,'+ \n";
        assert!(x.chars().all(is_x));
        for c in [
            '%', '&', '*', '"', ';', '=', '!', '_', '@', '#', '\r', '\t', 'Ä', '±', '中',
        ] {
            assert!(!is_x(c), "{c:?}");
        }
    }

    #[test]
    fn tolerances() {
        let t = read(":39A:05/10", tolerance).unwrap();
        assert_eq!((t.plus_percent, t.minus_percent), (5, 10));
        assert_eq!(write_tolerance(t), "05/10");
        for bad in ["5", "5/", "/5", "100/5", "A/5", "5/5/5"] {
            let err = read(&format!(":39A:{bad}"), tolerance).unwrap_err();
            assert_eq!(err.tag(), Some("39A"), "{bad}");
        }
    }

    #[test]
    fn parties_keep_an_account_line_first() {
        let beneficiary = read(":59:/KZ86125KZT5004100100\nTIANSHAN CO.\nURUMQI", party).unwrap();
        assert_eq!(beneficiary.name, "TIANSHAN CO.");
        assert_eq!(beneficiary.address, ["/KZ86125KZT5004100100", "URUMQI"]);
        assert_eq!(
            party_lines(&beneficiary),
            ["/KZ86125KZT5004100100", "TIANSHAN CO.", "URUMQI"]
        );
        let plain = read(":50:STEPPE LLP\nALMATY", party).unwrap();
        assert_eq!(party_lines(&plain), ["STEPPE LLP", "ALMATY"]);
    }

    #[test]
    fn bank_fields_by_option() {
        assert_eq!(read(":58A:STCBKZKAXXX", bank).unwrap(), "STCBKZKAXXX");
        assert_eq!(
            read(":58A:/1234\nSTCBKZKA", bank).unwrap(),
            "/1234\nSTCBKZKA"
        );
        assert_eq!(
            read(":58D:SOME BANK\nALMATY", bank).unwrap(),
            "SOME BANK\nALMATY"
        );
        let err = read(":58A:SOME BANK", bank).unwrap_err();
        assert_eq!((err.line(), err.tag()), (Some(1), Some("58A")));
        assert!(is_option_a("/1234\nSTCBKZKA"));
        assert!(!is_option_a("SOME BANK\nSTCBKZKA"));
    }

    #[test]
    fn clauses_split_on_plus_and_join_continuations() {
        let text = ":46A:+SIGNED INVOICE\n+RAILWAY NOTE SMGS\nMARKED FREIGHT PAID\n+\nPACKING LIST";
        assert_eq!(
            read(text, clauses).unwrap(),
            [
                "SIGNED INVOICE",
                "RAILWAY NOTE SMGS MARKED FREIGHT PAID",
                "PACKING LIST"
            ]
        );
        assert_eq!(
            read(":47A:NO PLUS\nAT ALL", clauses).unwrap(),
            ["NO PLUS AT ALL"]
        );
        let err = read(":46A:+A\n+\n+B", clauses).unwrap_err();
        assert_eq!((err.line(), err.tag()), (Some(2), Some("46A")));
    }

    #[test]
    fn single_line_fields_refuse_more() {
        let err = read(":20:A\nB", |f| single(f).map(|(_, t)| t.to_string())).unwrap_err();
        assert_eq!((err.line(), err.tag()), (Some(2), Some("20")));
        assert_eq!(read(":45A:A \n B", prose).unwrap(), "A   B");
        assert_eq!(read(":72Z:/REC/A\n//B", lines).unwrap(), "/REC/A\n//B");
    }
}
