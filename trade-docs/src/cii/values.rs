//! The scalar values of CII: decimals, amounts in the invoice currency, dates, codes.
//!
//! Each reader takes the element that holds the value and, when the value cannot be used,
//! returns an error naming that element's path, its line, the value and why. Decimals accept
//! the whole `xsd:decimal` lexical space (`+1`, `.5`, `1.`, trailing zeros beyond six fraction
//! digits) and produce an exact [`Decimal`]; nothing is ever rounded. Amounts are rescaled to
//! the currency's minor units only when no digit is lost.

use crate::codes::{Country, Currency};
use crate::date::Date;
use crate::decimal::Decimal;

use super::tree::{AttrName, El};
use super::CiiError;

/// The element's text as an exact decimal.
pub(super) fn decimal(el: El<'_, '_>) -> Result<Decimal, CiiError> {
    parse_decimal(el.text()).map_err(|reason| el.bad_value(el.text(), reason))
}

/// The amount named `name` under `parent`, in the invoice currency, rescaled exactly to the
/// currency's minor units. Among repeated elements (CII allows an amount per currency) the one
/// without `currencyID` or with the invoice currency is taken. `None` when there is no such
/// element at all.
pub(super) fn amount(
    parent: El<'_, '_>,
    name: &str,
    currency: Currency,
) -> Result<Option<Decimal>, CiiError> {
    let Some(el) = in_currency(parent, name, currency)? else {
        return Ok(None);
    };
    let value = decimal(el)?;
    let digits = currency.minor_units();
    value.rescale(digits).map(Some).ok_or_else(|| {
        el.bad_value(
            el.text(),
            format!("cannot be held exactly with {currency}'s {digits} fraction digits"),
        )
    })
}

/// Like [`amount`], but the element is required.
pub(super) fn required_amount(
    parent: El<'_, '_>,
    name: &str,
    currency: Currency,
) -> Result<Decimal, CiiError> {
    amount(parent, name, currency)?.ok_or_else(|| parent.missing(name))
}

/// A unit price: kept at its own precision (prices often carry four digits), but never with
/// fewer fraction digits than the currency.
pub(super) fn unit_price(
    parent: El<'_, '_>,
    name: &str,
    currency: Currency,
) -> Result<Decimal, CiiError> {
    let el = in_currency(parent, name, currency)?.ok_or_else(|| parent.missing(name))?;
    let value = decimal(el)?;
    let digits = currency.minor_units().max(value.scale());
    value
        .rescale(digits)
        .ok_or_else(|| el.bad_value(el.text(), "is too large"))
}

/// A date held in a `udt:DateTimeType` container (`ram:IssueDateTime`): its
/// `udt:DateTimeString` in format 102 (`CCYYMMDD`, also assumed when `format` is absent), or
/// its `udt:DateTime` (`xsd:dateTime`, of which the calendar date is kept).
pub(super) fn date(container: El<'_, '_>) -> Result<Date, CiiError> {
    if let Some(string) = container.first("udt:DateTimeString") {
        match string.attr(AttrName::Format) {
            None | Some("102") => {}
            Some(other) => {
                return Err(string.bad_attr(
                    "format",
                    other,
                    "is not a supported date format (only 102, CCYYMMDD)",
                ))
            }
        }
        return parse_date_102(string.text())
            .ok_or_else(|| string.bad_value(string.text(), "is not a date in format 102"));
    }
    if let Some(date_time) = container.first("udt:DateTime") {
        let text = date_time.text();
        return text
            .get(..10)
            .filter(|_| text.len() == 10 || text[10..].starts_with('T'))
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| date_time.bad_value(text, "is not an xsd:dateTime"));
    }
    Err(container.missing("udt:DateTimeString"))
}

pub(super) fn currency(el: El<'_, '_>) -> Result<Currency, CiiError> {
    el.text()
        .parse()
        .map_err(|_| el.bad_value(el.text(), "is not an ISO 4217 currency code"))
}

pub(super) fn country(el: El<'_, '_>) -> Result<Country, CiiError> {
    el.text()
        .parse()
        .map_err(|_| el.bad_value(el.text(), "is not an ISO 3166-1 alpha-2 country code"))
}

/// The date as format 102 writes it: `CCYYMMDD`.
pub(super) fn format_102(date: Date) -> String {
    format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

/// The first element named `name` whose `currencyID` is absent or the invoice currency; an
/// error when every such element names another currency.
fn in_currency<'t, 'i>(
    parent: El<'t, 'i>,
    name: &str,
    currency: Currency,
) -> Result<Option<El<'t, 'i>>, CiiError> {
    let mut first_other = None;
    for el in parent.all(name) {
        match el.attr(AttrName::CurrencyId) {
            None => return Ok(Some(el)),
            Some(code) if code == currency.as_str() => return Ok(Some(el)),
            Some(code) => {
                first_other.get_or_insert((el, code));
            }
        }
    }
    match first_other {
        None => Ok(None),
        Some((el, code)) => Err(el.bad_attr(
            "currencyID",
            code,
            format!("is not the invoice currency {currency}"),
        )),
    }
}

/// Parses the `xsd:decimal` lexical space exactly; the error says why in lower case.
fn parse_decimal(text: &str) -> Result<Decimal, &'static str> {
    const SYNTAX: &str = "is not a decimal number";
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return Err(SYNTAX);
    }
    // Trailing zeros carry no value; drop them only as far as the scale limit requires.
    let mut frac = frac;
    while frac.len() > usize::from(Decimal::SCALE_MAX) && frac.ends_with('0') {
        frac = &frac[..frac.len() - 1];
    }
    let scale = u8::try_from(frac.len())
        .ok()
        .filter(|s| *s <= Decimal::SCALE_MAX)
        .ok_or("has more than 6 fraction digits")?;
    let mut mantissa: i64 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(b - b'0')))
            .ok_or("is too large")?;
    }
    if negative {
        mantissa = -mantissa;
    }
    Decimal::new(mantissa, scale).ok_or(SYNTAX)
}

/// `CCYYMMDD` as a calendar date.
fn parse_date_102(text: &str) -> Option<Date> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = text[..4].parse().ok()?;
    let month = text[4..6].parse().ok()?;
    let day = text[6..].parse().ok()?;
    Date::from_ymd(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_in_the_xsd_lexical_space() {
        for (text, mantissa, scale) in [
            ("1125", 1125, 0),
            ("19.9", 199, 1),
            ("-109.98", -10998, 2),
            ("+3", 3, 0),
            (".5", 5, 1),
            ("-.5", -5, 1),
            ("7.", 7, 0),
            ("007.50", 750, 2),
            ("1.25000000", 1_250_000, 6),
            ("-0", 0, 0),
        ] {
            let d = parse_decimal(text).unwrap();
            assert_eq!((d.mantissa(), d.scale()), (mantissa, scale), "{text}");
        }
        for (text, reason) in [
            ("", "is not a decimal number"),
            (".", "is not a decimal number"),
            ("1e3", "is not a decimal number"),
            ("+-1", "is not a decimal number"),
            ("1,5", "is not a decimal number"),
            (" 1", "is not a decimal number"),
            ("1.1234567", "has more than 6 fraction digits"),
            ("99999999999999999999", "is too large"),
        ] {
            assert_eq!(parse_decimal(text), Err(reason), "{text:?}");
        }
    }

    #[test]
    fn dates_in_format_102() {
        let date = parse_date_102("20130410").unwrap();
        assert_eq!(date.to_string(), "2013-04-10");
        assert_eq!(format_102(date), "20130410");
        for bad in [
            "2013041",
            "201304100",
            "20130230",
            "2013-4-1",
            "abcdefgh",
            "",
        ] {
            assert!(parse_date_102(bad).is_none(), "{bad}");
        }
    }
}
