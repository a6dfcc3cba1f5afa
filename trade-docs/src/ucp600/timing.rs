//! Checks on dates: presentation period (art. 14(c)), expiry (art. 6(d)(i), 6(e)), latest
//! shipment date (art. 20(a)(ii), 24(a)(ii)), and the dating of documents (art. 14(i)).
//!
//! Dates are calendar dates; there is deliberately no banking-day arithmetic here (art. 29(a)
//! extensions belong to the actors crate). The date of shipment of each transport document is
//! its `shipment_date`; with several transport documents each must meet the presentation
//! period counted from its own date of shipment, so the earliest date governs the deadline.
//!
//! Invariant: checks only compare dates already in the documents; date arithmetic that would
//! leave the calendar's range is treated as "no deadline" rather than a panic.

use crate::date::Date;

use super::report::Outcome;
use super::{discrepancy, not_applicable, transport_label, verdict, Exam};

/// The last calendar day for presentation; see [`super::Report::presentation_deadline`].
pub(super) fn presentation_deadline(exam: &Exam<'_>) -> Date {
    let days = i64::from(exam.lc.presentation_days());
    exam.docs
        .transport
        .iter()
        .filter_map(|t| t.shipment_date.add_days(days))
        .min()
        .map_or(exam.lc.expiry_date, |d| d.min(exam.lc.expiry_date))
}

/// Art. 14(c): presented no later than the period after shipment (field 48, or 21 days).
pub(super) fn presentation_period(exam: &Exam<'_>) -> Outcome {
    let days = exam.lc.presentation_days();
    let Some(first) = exam.docs.transport.iter().min_by_key(|t| t.shipment_date) else {
        return not_applicable(
            "no transport document presented; the period of art. 14(c) runs from the date of shipment",
        );
    };
    let Some(deadline) = first.shipment_date.add_days(i64::from(days)) else {
        return not_applicable("the presentation period ends outside the supported calendar");
    };
    if exam.presented_on <= deadline {
        return Outcome::Pass;
    }
    let source = match exam.lc.presentation_period {
        Some(_) => "field 48",
        None => "the art. 14(c) default",
    };
    discrepancy(
        format!(
            "presentation on or before {deadline}: {days} days ({source}) after shipment on {} ({})",
            first.shipment_date,
            transport_label(first)
        ),
        format!("presented on {}", exam.presented_on),
    )
}

/// Art. 6(d)(i), 6(e): presented on or before the expiry date.
pub(super) fn expiry(exam: &Exam<'_>) -> Outcome {
    let lc = exam.lc;
    if exam.presented_on <= lc.expiry_date {
        return Outcome::Pass;
    }
    discrepancy(
        format!(
            "presentation on or before the expiry date {} (31D, {})",
            lc.expiry_date, lc.expiry_place
        ),
        format!("presented on {}", exam.presented_on),
    )
}

/// Art. 20(a)(ii), 24(a)(ii): no transport document shows shipment after 44C.
pub(super) fn shipment_date(exam: &Exam<'_>) -> Outcome {
    let Some(latest) = exam.lc.latest_shipment_date else {
        return not_applicable("the credit states no latest date of shipment (44C)");
    };
    if exam.docs.transport.is_empty() {
        return not_applicable("no transport document presented");
    }
    let late = exam
        .docs
        .transport
        .iter()
        .filter(|t| t.shipment_date > latest)
        .map(|t| {
            format!(
                "{} shows shipment on {}",
                transport_label(t),
                t.shipment_date
            )
        })
        .collect();
    verdict(|| format!("shipment on or before {latest} (44C)"), late)
}

/// Art. 14(i): no document is dated later than its presentation.
pub(super) fn document_dates(exam: &Exam<'_>) -> Outcome {
    let late = exam
        .docs
        .all()
        .filter(|doc| doc.issue_date() > exam.presented_on)
        .map(|doc| format!("{} dated {}", doc.label(), doc.issue_date()))
        .collect();
    verdict(
        || {
            format!(
                "documents dated on or before the presentation on {}",
                exam.presented_on
            )
        },
        late,
    )
}

/// Art. 14(i) allows documents dated before the credit; a 47A condition may forbid it.
pub(super) fn documents_predating_credit(exam: &Exam<'_>) -> Outcome {
    let Some(rule) = &exam.terms.no_predating else {
        return not_applicable(
            "the credit does not forbid documents dated before its issue date (art. 14(i) allows them)",
        );
    };
    let issued = exam.lc.issue_date;
    let early = exam
        .docs
        .all()
        .filter(|doc| rule.scope.covers(doc.kind()) && doc.issue_date() < issued)
        .map(|doc| format!("{} dated {}", doc.label(), doc.issue_date()))
        .collect();
    verdict(
        || {
            format!(
                "documents dated on or after the credit's issue date {issued} (47A: '{}')",
                rule.source
            )
        },
        early,
    )
}
