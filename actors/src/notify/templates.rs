//! Every notification's words, in one place: a subject and a body per [`Template`], with
//! `{reference}`, `{instrument}`, `{detail}`, `{date}` and `{party}` filled in by [`render`].
//!
//! Deliberately plain text (no HTML, no attachments: documents stay in their jurisdiction and
//! are reached through the gateway), and no personal data beyond the party ids the ledger
//! already shows the recipient.

use serde::{Deserialize, Serialize};

/// What a notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    LcIssued,
    LcAmended,
    PresentationExamined,
    Discrepancy,
    DeadlineWarning,
    DeadlineEscalation,
    FinancingDecided,
    DeclarationChannel,
    DeclarationReleased,
}

/// The facts a template is filled with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// The instrument's business reference (credit field 20, invoice or declaration number).
    pub reference: String,
    /// The instrument's ledger id, hex.
    pub instrument: String,
    /// What happened, in a line.
    pub detail: String,
    /// The date it concerns (an event's block date, a deadline).
    pub date: String,
}

/// A rendered notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

const FOOTER: &str = "\n\nThis message was sent by SilkwayChain from the committed ledger. \
Open the instrument in your gateway to act on it.\nLedger id: {instrument}\n";

fn words(template: Template) -> (&'static str, &'static str) {
    match template {
        Template::LcIssued => (
            "Letter of credit {reference} issued",
            "Dear {party},\n\nletter of credit {reference} was issued on {date}: {detail}.",
        ),
        Template::LcAmended => (
            "Letter of credit {reference} amended",
            "Dear {party},\n\nan amendment to letter of credit {reference} took effect on \
             {date}: {detail}.",
        ),
        Template::PresentationExamined => (
            "Presentation under {reference} examined: compliant",
            "Dear {party},\n\nthe documents presented under letter of credit {reference} were \
             examined on {date} and found compliant ({detail}).",
        ),
        Template::Discrepancy => (
            "Presentation under {reference} examined: discrepant",
            "Dear {party},\n\nthe documents presented under letter of credit {reference} were \
             examined on {date} and found discrepant: {detail}. The applicant may waive the \
             discrepancies (UCP 600 art. 16(b)).",
        ),
        Template::DeadlineWarning => (
            "Deadline approaching: {reference}",
            "Dear {party},\n\na deadline on {reference} is near: {detail} (due {date}).",
        ),
        Template::DeadlineEscalation => (
            "Deadline passed: {reference}",
            "Dear {party},\n\na deadline on {reference} has passed: {detail} (was due {date}).",
        ),
        Template::FinancingDecided => (
            "Invoice {reference} financed",
            "Dear {party},\n\ninvoice {reference} was financed on {date}: {detail}.",
        ),
        Template::DeclarationChannel => (
            "Customs declaration {reference}: {detail}",
            "Dear {party},\n\ncustoms declaration {reference} was assessed on {date}: {detail}.",
        ),
        Template::DeclarationReleased => (
            "Customs declaration {reference}: goods released",
            "Dear {party},\n\nthe goods of customs declaration {reference} were released on \
             {date} ({detail}).",
        ),
    }
}

/// The subject and body of `template` for `party`.
pub fn render(template: Template, facts: &Facts, party: &str) -> Rendered {
    let (subject, body) = words(template);
    let fill = |text: &str| {
        text.replace("{reference}", &facts.reference)
            .replace("{instrument}", &facts.instrument)
            .replace("{detail}", &facts.detail)
            .replace("{date}", &facts.date)
            .replace("{party}", party)
    };
    Rendered {
        subject: fill(subject),
        body: fill(&format!("{body}{FOOTER}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled() {
        let facts = Facts {
            reference: "SCB26LC0417".into(),
            instrument: "ab12".into(),
            detail: "USD 250000.00".into(),
            date: "2026-04-16".into(),
        };
        let all = [
            Template::LcIssued,
            Template::LcAmended,
            Template::PresentationExamined,
            Template::Discrepancy,
            Template::DeadlineWarning,
            Template::DeadlineEscalation,
            Template::FinancingDecided,
            Template::DeclarationChannel,
            Template::DeclarationReleased,
        ];
        for template in all {
            let r = render(template, &facts, "STCBKZKAXXX");
            assert!(
                !r.subject.contains('{') && !r.body.contains('{'),
                "{template:?}"
            );
            assert!(r.subject.contains("SCB26LC0417"), "{template:?}");
            assert!(r.body.contains("Dear STCBKZKAXXX") && r.body.contains("ab12"));
        }
    }
}
