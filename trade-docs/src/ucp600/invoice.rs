//! Checks on the commercial invoice: its type, issuer, addressee, currency and amount (art.
//! 18), the invoiced quantity (art. 30), and the goods description (art. 18(c), ISBP 821 C3).
//!
//! Names are compared word for word (case and punctuation ignored), or by registry id when both
//! parties carry one. The amount drawn is the invoice `total` (tax included); several invoices
//! are added up. Tolerances are computed exactly, never through floating point.
//!
//! Goods correspondence, the lenient reading this crate takes of "corresponds with": each
//! invoice line must either carry an HS code agreeing with an HS code of 45A on the heading
//! (`870840` with `8708`), or share at least one significant word with 45A (plurals folded,
//! boilerplate ignored) *and* not carry an HS code that conflicts with the codes of 45A. A line
//! meeting neither describes goods the credit does not call for.
//!
//! An invoice above the band is reported as a discrepancy although art. 18(b) lets a nominated
//! bank accept it when it pays no more than the credit allows: the amount of the drawing (the
//! draft) is not in the model, so the examiner decides.
//!
//! What it deliberately does not do: read unit prices out of 45A, or check invoice signatures
//! and copies (not in the model).

use crate::decimal::Decimal;
use crate::document::{Invoice, Party, ShipmentPermission};

use super::report::Outcome;
use super::terms::{Quantity, StatedQuantity, Unit};
use super::text::{hs_agree, same_words, significant_stems};
use super::{discrepancy, invoice_label, not_applicable, verdict, Exam};

const NO_INVOICE: &str = "no commercial invoice presented";

/// Art. 18(a): a pro-forma invoice or a credit note is not the invoice a credit calls for.
pub(super) fn kind(exam: &Exam<'_>) -> Outcome {
    per_invoice(
        exam,
        || "a commercial invoice".into(),
        |inv| {
            let what = match inv.type_code.trim() {
                "325" => "pro-forma invoice",
                "381" => "credit note",
                _ => return None,
            };
            Some(format!(
                "{} has type code {} ({what})",
                invoice_label(inv),
                inv.type_code
            ))
        },
    )
}

/// Art. 18(a)(i): issued by the beneficiary.
pub(super) fn issuer(exam: &Exam<'_>) -> Outcome {
    let beneficiary = &exam.lc.beneficiary;
    per_invoice(
        exam,
        || format!("issued by the beneficiary '{}' (59)", beneficiary.name),
        |inv| {
            (!same_party(&inv.seller, beneficiary))
                .then(|| format!("{} issued by '{}'", invoice_label(inv), inv.seller.name))
        },
    )
}

/// Art. 18(a)(ii): made out in the name of the applicant.
pub(super) fn applicant(exam: &Exam<'_>) -> Outcome {
    let applicant = &exam.lc.applicant;
    per_invoice(
        exam,
        || format!("made out to the applicant '{}' (50)", applicant.name),
        |inv| {
            (!same_party(&inv.buyer, applicant))
                .then(|| format!("{} made out to '{}'", invoice_label(inv), inv.buyer.name))
        },
    )
}

/// Art. 18(a)(iii): in the currency of the credit.
pub(super) fn currency(exam: &Exam<'_>) -> Outcome {
    let currency = exam.lc.currency;
    per_invoice(
        exam,
        || format!("amounts in {currency} (32B)"),
        |inv| {
            (inv.currency != currency)
                .then(|| format!("{} in {}", invoice_label(inv), inv.currency))
        },
    )
}

/// Art. 18(b), 30(a), 30(c): the amount within the credit amount and its tolerance.
pub(super) fn amount(exam: &Exam<'_>) -> Outcome {
    let lc = exam.lc;
    let invoices = &exam.docs.invoices;
    if invoices.is_empty() {
        return not_applicable(NO_INVOICE);
    }
    if let Some(other) = invoices.iter().find(|i| i.currency != lc.currency) {
        return not_applicable(format!(
            "{} is in {}, not {}; see invoice_currency",
            invoice_label(other),
            other.currency,
            lc.currency
        ));
    }
    let Some(drawn) = Decimal::sum(invoices.iter().map(|i| i.total)) else {
        return not_applicable("the invoice totals overflow");
    };
    let band = AmountBand::of(exam);
    let (Some(upper), lower) = (band.upper(lc.amount), band.lower(lc.amount)) else {
        return not_applicable("the tolerance band of the credit amount overflows");
    };
    if drawn <= upper && lower.is_none_or(|l| drawn >= l) {
        return Outcome::Pass;
    }
    let c = lc.currency;
    let range = match lower {
        Some(lower) => format!("between {c} {lower} and {c} {upper}"),
        None => format!("at most {c} {upper}"),
    };
    let labels: Vec<String> = invoices.iter().map(|i| invoice_label(i)).collect();
    discrepancy(
        format!(
            "invoice amount {range} (32B {c} {}, {})",
            lc.amount, band.basis
        ),
        format!("{} for {c} {drawn}", labels.join(" + ")),
    )
}

/// The tolerance on the credit amount and where it comes from.
struct AmountBand {
    plus_percent: u8,
    /// `None` when drawing less is allowed (partial shipments allowed or conditional).
    minus_percent: Option<u8>,
    basis: String,
}

impl AmountBand {
    fn of(exam: &Exam<'_>) -> AmountBand {
        let partial_forbidden = exam.lc.partial_shipments == ShipmentPermission::NotAllowed;
        let (plus, minus, basis) = match (exam.lc.tolerance, exam.terms.amount_about) {
            (Some(t), _) => (
                t.plus_percent,
                t.minus_percent,
                format!("39A +{}/-{} %", t.plus_percent, t.minus_percent),
            ),
            (None, true) => (10, 10, "'about': ±10 %, art. 30(a)".to_string()),
            (None, false) => (0, 5, "no tolerance; art. 30(c) allows 5 % less".to_string()),
        };
        let basis = if partial_forbidden {
            basis
        } else {
            format!("{basis}; partial drawings allowed (43P)")
        };
        AmountBand {
            plus_percent: plus,
            minus_percent: partial_forbidden.then_some(minus),
            basis,
        }
    }

    fn upper(&self, amount: Decimal) -> Option<Decimal> {
        band(amount, self.plus_percent, true)
    }

    fn lower(&self, amount: Decimal) -> Option<Decimal> {
        self.minus_percent.and_then(|m| band(amount, m, false))
    }
}

/// `base` plus or minus `percent` %, exact: computed two decimal places finer than `base` and
/// shown at `base`'s scale whenever that loses no digit.
fn band(base: Decimal, percent: u8, up: bool) -> Option<Decimal> {
    let scale = (base.scale() + 2).min(Decimal::SCALE_MAX);
    let wide = base.rescale(scale)?;
    let delta = wide.percent(u32::from(percent))?;
    let bound = if up {
        wide.checked_add(delta)?
    } else {
        wide.checked_sub(delta)?
    };
    Some(bound.rescale(base.scale()).unwrap_or(bound))
}

/// Art. 30(a), 30(b): the invoiced quantity within the quantity stated in 45A.
pub(super) fn quantity(exam: &Exam<'_>) -> Outcome {
    let stated = match &exam.terms.quantity {
        StatedQuantity::NotStated => return not_applicable("45A states no quantity of goods"),
        StatedQuantity::Mixed(text) => {
            return not_applicable(format!("45A states quantities in several units: {text}"))
        }
        StatedQuantity::Stated(q) => q,
    };
    if exam.docs.invoices.is_empty() {
        return not_applicable(NO_INVOICE);
    }
    let invoiced = match invoiced_quantity(exam, stated.unit) {
        Ok(invoiced) => invoiced,
        Err(reason) => return not_applicable(reason),
    };
    let (percent, basis) = quantity_tolerance(stated);
    let partial_forbidden = exam.lc.partial_shipments == ShipmentPermission::NotAllowed;
    let in_base = |d: Decimal| d.checked_mul(Decimal::from_int(stated.unit.base_per_unit));
    let upper = band(stated.value, percent, true);
    let lower = band(stated.value, percent, false);
    let (Some(upper_base), Some(lower_base)) = (upper.and_then(in_base), lower.and_then(in_base))
    else {
        return not_applicable("the quantity tolerance overflows");
    };
    if invoiced.0 <= upper_base && (!partial_forbidden || invoiced.0 >= lower_base) {
        return Outcome::Pass;
    }
    let (upper, lower) = (upper.unwrap_or(stated.value), lower.unwrap_or(stated.value));
    let unit = stated.text.rsplit(' ').next().unwrap_or_default();
    let range = match (partial_forbidden, percent) {
        (true, 0) => format!("exactly {} {unit}", stated.value),
        (true, _) => format!("between {lower} and {upper} {unit}"),
        (false, _) => format!("at most {upper} {unit}"),
    };
    discrepancy(
        format!("quantity {range} (45A '{}', {basis})", stated.text),
        invoiced.1,
    )
}

/// The tolerance on a stated quantity: ±10 % for "about" (art. 30(a)), ±5 % for goods not
/// counted in packing units or items (art. 30(b)), none otherwise.
fn quantity_tolerance(stated: &Quantity) -> (u8, &'static str) {
    if stated.about {
        (10, "'about': ±10 %, art. 30(a)")
    } else if stated.unit.dimension.is_counted() {
        (0, "counted items: no tolerance, art. 30(b)")
    } else {
        (5, "±5 %, art. 30(b)")
    }
}

/// The invoiced quantity in the base unit of `unit`'s dimension, with a description of it;
/// or why the invoices cannot be compared with the credit's unit.
fn invoiced_quantity(exam: &Exam<'_>, unit: Unit) -> Result<(Decimal, String), String> {
    let mut total = Decimal::ZERO;
    let mut shown = Vec::new();
    for inv in &exam.docs.invoices {
        for line in &inv.lines {
            let line_unit = Unit::from_rec20(&line.unit)
                .filter(|u| u.dimension == unit.dimension)
                .ok_or_else(|| {
                    format!(
                        "{} line {} is in '{}', which does not compare with the unit of 45A",
                        invoice_label(inv),
                        line.line_id,
                        line.unit
                    )
                })?;
            let base = line
                .quantity
                .checked_mul(Decimal::from_int(line_unit.base_per_unit))
                .and_then(|q| total.checked_add(q))
                .ok_or_else(|| "the invoiced quantities overflow".to_string())?;
            total = base;
        }
        shown.push(format!(
            "{} for {}",
            invoice_label(inv),
            line_quantities(inv)
        ));
    }
    Ok((total, shown.join("; ")))
}

/// The invoice's quantity as written: `70 C62`, or `40 C62 + 3 SET` when units differ.
fn line_quantities(inv: &Invoice) -> String {
    let one_unit = inv.lines.windows(2).all(|w| w[0].unit == w[1].unit);
    let sum = Decimal::sum(inv.lines.iter().map(|l| l.quantity));
    match (one_unit, sum, inv.lines.first()) {
        (true, Some(sum), Some(first)) => format!("{sum} {}", first.unit),
        _ => inv
            .lines
            .iter()
            .map(|l| format!("{} {}", l.quantity, l.unit))
            .collect::<Vec<_>>()
            .join(" + "),
    }
}

/// Art. 18(c), ISBP 821 C3: each invoice line corresponds with 45A (see the module docs).
pub(super) fn goods_description(exam: &Exam<'_>) -> Outcome {
    let terms = &exam.terms;
    let expected = || {
        if terms.goods_hs.is_empty() {
            "each invoice line sharing a significant word with 45A".to_string()
        } else {
            format!(
                "each invoice line sharing a significant word with 45A, or under HS {} of 45A, and no line under another HS heading",
                terms.goods_hs.join(", ")
            )
        }
    };
    per_invoice(exam, expected, |inv| {
        let odd: Vec<String> = inv
            .lines
            .iter()
            .filter(|line| !line_corresponds(exam, &line.description, line.hs_code.as_ref()))
            .map(|line| match &line.hs_code {
                Some(hs) => format!("line {} '{}' (HS {hs})", line.line_id, line.description),
                None => format!("line {} '{}'", line.line_id, line.description),
            })
            .collect();
        (!odd.is_empty()).then(|| format!("{}: {}", invoice_label(inv), odd.join(", ")))
    })
}

fn line_corresponds(exam: &Exam<'_>, description: &str, hs: Option<&crate::codes::HsCode>) -> bool {
    let credit_hs = &exam.terms.goods_hs;
    let hs_matches = hs.is_some_and(|h| credit_hs.iter().any(|c| hs_agree(c, h.as_str())));
    if hs_matches {
        return true;
    }
    let hs_conflicts = hs.is_some() && !credit_hs.is_empty();
    let credit_words = &exam.terms.goods_stems;
    let shares_word = significant_stems(description)
        .iter()
        .any(|w| credit_words.binary_search(w).is_ok());
    shares_word && !hs_conflicts
}

/// Same party: equal registry ids when both have one, otherwise the same name word for word.
fn same_party(a: &Party, b: &Party) -> bool {
    match (&a.id, &b.id) {
        (Some(x), Some(y)) if super::text::compact(x) == super::text::compact(y) => true,
        _ => same_words(&a.name, &b.name),
    }
}

/// Runs `finding` on every invoice: not applicable without invoices, otherwise a verdict
/// listing every invoice at fault.
fn per_invoice(
    exam: &Exam<'_>,
    expected: impl FnOnce() -> String,
    finding: impl Fn(&Invoice) -> Option<String>,
) -> Outcome {
    if exam.docs.invoices.is_empty() {
        return not_applicable(NO_INVOICE);
    }
    let found = exam
        .docs
        .invoices
        .iter()
        .filter_map(|i| finding(i))
        .collect();
    verdict(expected, found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_exact() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        for (base, percent, up, expected) in [
            ("248500.00", 5, true, "260925.00"),
            ("248500.00", 5, false, "236075.00"),
            ("70", 5, true, "73.5"),
            ("70", 10, false, "63"),
            ("0.05", 5, true, "0.0525"),
            ("100", 0, true, "100"),
        ] {
            let got = band(d(base), percent, up).unwrap();
            assert!(
                got.cmp(&d(expected)).is_eq(),
                "{base} {percent} {up}: {got}"
            );
        }
    }
}
