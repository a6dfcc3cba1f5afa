//! UCP 600 examination: a presentation checked against its letter of credit.
//!
//! [`examine`] is pure and deterministic: the same credit and presentation give the same
//! [`Report`], byte for byte, on every node. "Today" is the presentation's `presented_on`; no
//! clock is read. Every check of [`CheckId::ALL`] appears once in the report, in that order,
//! with its article and an outcome: pass, a discrepancy (what the credit expected, what the
//! documents show), or not applicable with the reason.
//!
//! Reading of the credit (see `terms`) is by words and documented keywords; where a rule is
//! lenient it says so in its check. Judgements made here, and why:
//! - Art. 14(g): a presented document of a kind no 46A clause calls for is disregarded (not
//!   examined, listed in `documents_not_required`), unless some 46A clause could not be
//!   classified, since that clause might be the one calling for it.
//! - Art. 14(h): a 47A condition to indicate the credit number *on documents* is a document
//!   requirement, not a non-documentary condition, so it is enforced (ISBP 821 A26). A condition
//!   that names no document (`LC NUMBER MUST BE INDICATED`) is disregarded, and said so.
//! - Art. 24(a)(ii): a rail or road document may show the date goods were received for carriage,
//!   so "not shipped on board" is a discrepancy only for a bill of lading, or where the 46A
//!   clause asks for `ON BOARD`, `SHIPPED` or `DISPATCH(ED)` in so many words.
//! - Art. 24(e)(ii), 20(c)(ii): a transport document indicating transhipment is acceptable
//!   even when 43T prohibits it, if it covers the entire carriage (road, rail) or the goods are
//!   in containers (bill of lading).
//! - Art. 31(b): several transport documents showing the same means of conveyance and the same
//!   destination are one shipment even with different dates; where no vehicle is shown, the
//!   same date, place of dispatch and destination are taken as one shipment.
//! - Full set of originals (art. 20(a)(iv)): a presentation records each transport document
//!   once, not how many originals were handed in, so `transport_originals` is always not
//!   applicable and says what to verify by hand.
//!
//! What it deliberately does not do: compute the examination deadline (five banking days, art.
//! 14(b)) or extend the expiry to a banking day (art. 29(a)); both need a banking-day calendar
//! and belong to the actors crate. Nor does it examine what the model does not carry:
//! signatures, number of copies, freight notations, insurance, drafts.
//!
//! Invariant: `examine` never panics and never fails; anything it cannot decide is a
//! not-applicable check with its reason.

mod documents;
mod invoice;
mod report;
mod terms;
mod text;
mod timing;
mod transport;

use std::borrow::Cow;

use crate::date::Date;
use crate::document::{
    CertificateOfOrigin, Document, DocumentKind, Invoice, LetterOfCredit, PackingList,
    Presentation, TransportDocument, TransportMode,
};

pub use report::{Check, CheckId, Outcome, Report};

use report::Modes;
use terms::CreditTerms;

/// Examines `presentation` under `lc` and reports every check.
pub fn examine(lc: &LetterOfCredit, presentation: &Presentation) -> Report {
    let terms = CreditTerms::read(lc);
    let docs = Presented::sort(presentation, &terms);
    let exam = Exam {
        lc,
        presented_on: presentation.presented_on,
        modes: docs.modes(),
        terms,
        docs,
    };
    let checks: Vec<Check> = CheckId::ALL.iter().map(|id| exam.run(*id)).collect();
    let compliant = !checks.iter().any(|c| c.outcome.is_discrepancy());
    Report {
        lc_reference: lc.reference.clone(),
        presented_on: presentation.presented_on,
        presentation_deadline: timing::presentation_deadline(&exam),
        compliant,
        checks,
    }
}

/// One examination in progress: the credit, its terms, and the documents to examine.
struct Exam<'a> {
    lc: &'a LetterOfCredit,
    presented_on: Date,
    terms: CreditTerms<'a>,
    docs: Presented<'a>,
    modes: Modes,
}

impl Exam<'_> {
    /// Runs one check. Long only because it is the dispatch table: one line per check.
    fn run(&self, id: CheckId) -> Check {
        use CheckId::*;
        let outcome = match id {
            PresentationPeriod => timing::presentation_period(self),
            Expiry => timing::expiry(self),
            ShipmentDate => timing::shipment_date(self),
            DocumentDates => timing::document_dates(self),
            DocumentsPredatingCredit => timing::documents_predating_credit(self),
            DocumentsRequired => documents::required(self),
            DocumentsNotExamined => documents::not_examined(self),
            DocumentsNotRequired => documents::not_required(self),
            InvoiceType => invoice::kind(self),
            InvoiceIssuer => invoice::issuer(self),
            InvoiceApplicant => invoice::applicant(self),
            InvoiceCurrency => invoice::currency(self),
            InvoiceAmount => invoice::amount(self),
            GoodsQuantity => invoice::quantity(self),
            GoodsDescription => invoice::goods_description(self),
            PlaceOfTakingInCharge | PortOfLoading | PortOfDischarge | PlaceOfFinalDestination => {
                transport::place(self, id)
            }
            PartialShipments => transport::partial_shipments(self),
            Transhipment => transport::transhipment(self),
            TransportClean => transport::clean(self),
            TransportOnBoard => transport::on_board(self),
            TransportOriginals => transport::originals(self),
            TransportConsignee => transport::consignee(self),
            CertificateOfOriginCountry => documents::origin_country(self),
            CertificateOfOriginIssuer => documents::origin_issuer(self),
            ConsistentQuantity => documents::consistent_quantity(self),
            ConsistentGrossMass => documents::consistent_gross_mass(self),
            ConsistentPackageCount => documents::consistent_package_count(self),
            ConsistentShippingMarks => documents::consistent_shipping_marks(self),
            ConsistentInvoiceNumber => documents::consistent_invoice_number(self),
            ConsistentOrigin => documents::consistent_origin(self),
            ConsistentConsignee => documents::consistent_consignee(self),
            LcNumberIndicated => documents::lc_number(self),
        };
        Check {
            id,
            article: Cow::Borrowed(id.article(self.modes)),
            title: Cow::Borrowed(id.title()),
            outcome,
        }
    }
}

/// The presented documents by kind, with those disregarded under art. 14(g) set aside.
struct Presented<'a> {
    invoices: Vec<&'a Invoice>,
    packing_lists: Vec<&'a PackingList>,
    transport: Vec<&'a TransportDocument>,
    certificates: Vec<&'a CertificateOfOrigin>,
    /// Labels of the documents set aside.
    disregarded: Vec<String>,
}

impl<'a> Presented<'a> {
    fn sort(presentation: &'a Presentation, terms: &CreditTerms<'_>) -> Presented<'a> {
        let all_classified = terms.clauses.iter().all(|c| c.calls_for.is_some());
        let called_for = |doc: &Document| {
            !all_classified
                || terms
                    .clauses
                    .iter()
                    .any(|c| c.calls_for.is_some_and(|f| f.kind() == doc.kind()))
        };
        let mut docs = Presented {
            invoices: Vec::new(),
            packing_lists: Vec::new(),
            transport: Vec::new(),
            certificates: Vec::new(),
            disregarded: Vec::new(),
        };
        for doc in &presentation.documents {
            if !called_for(doc) {
                docs.disregarded.push(label(doc));
                continue;
            }
            match doc {
                Document::Invoice(d) => docs.invoices.push(d),
                Document::PackingList(d) => docs.packing_lists.push(d),
                Document::TransportDocument(d) => docs.transport.push(d),
                Document::CertificateOfOrigin(d) => docs.certificates.push(d),
                // Validation refuses these in a presentation; if one slips through it is not a
                // document the credit can call for, so it is set aside like any other.
                other => docs.disregarded.push(label(other)),
            }
        }
        docs
    }

    /// Every examined document, invoices first, in presentation order within a kind.
    fn all(&self) -> impl Iterator<Item = DocRef<'a>> + '_ {
        let invoices = self.invoices.iter().map(|d| DocRef::Invoice(d));
        let lists = self.packing_lists.iter().map(|d| DocRef::PackingList(d));
        let transport = self.transport.iter().map(|d| DocRef::Transport(d));
        let certificates = self.certificates.iter().map(|d| DocRef::Certificate(d));
        invoices.chain(lists).chain(transport).chain(certificates)
    }

    fn modes(&self) -> Modes {
        Modes {
            ocean: self
                .transport
                .iter()
                .any(|t| t.mode == TransportMode::OceanBillOfLading),
            inland: self
                .transport
                .iter()
                .any(|t| t.mode != TransportMode::OceanBillOfLading),
        }
    }
}

/// One examined document of any kind, for the checks that look at every document.
#[derive(Clone, Copy)]
enum DocRef<'a> {
    Invoice(&'a Invoice),
    PackingList(&'a PackingList),
    Transport(&'a TransportDocument),
    Certificate(&'a CertificateOfOrigin),
}

impl<'a> DocRef<'a> {
    fn kind(self) -> DocumentKind {
        match self {
            Self::Invoice(_) => DocumentKind::Invoice,
            Self::PackingList(_) => DocumentKind::PackingList,
            Self::Transport(_) => DocumentKind::TransportDocument,
            Self::Certificate(_) => DocumentKind::CertificateOfOrigin,
        }
    }

    fn label(self) -> String {
        match self {
            Self::Invoice(d) => invoice_label(d),
            Self::PackingList(d) => packing_label(d),
            Self::Transport(d) => transport_label(d),
            Self::Certificate(d) => certificate_label(d),
        }
    }

    fn issue_date(self) -> Date {
        match self {
            Self::Invoice(d) => d.issue_date,
            Self::PackingList(d) => d.issue_date,
            Self::Transport(d) => d.issue_date,
            Self::Certificate(d) => d.issue_date,
        }
    }

    fn lc_reference(self) -> Option<&'a str> {
        match self {
            Self::Invoice(d) => d.lc_reference.as_deref(),
            Self::PackingList(d) => d.lc_reference.as_deref(),
            Self::Transport(d) => d.lc_reference.as_deref(),
            Self::Certificate(d) => d.lc_reference.as_deref(),
        }
    }
}

/// How a document is named in messages: `invoice TH-INV-2611`, `SMGS 24-0091`.
fn label(doc: &Document) -> String {
    match doc {
        Document::Invoice(d) => invoice_label(d),
        Document::PackingList(d) => packing_label(d),
        Document::TransportDocument(d) => transport_label(d),
        Document::CertificateOfOrigin(d) => certificate_label(d),
        other => other.kind().to_string().replace('_', " "),
    }
}

fn invoice_label(d: &Invoice) -> String {
    format!("invoice {}", d.number)
}

fn packing_label(d: &PackingList) -> String {
    format!("packing list {}", d.number)
}

fn certificate_label(d: &CertificateOfOrigin) -> String {
    format!("certificate of origin {}", d.number)
}

fn transport_label(d: &TransportDocument) -> String {
    format!("{} {}", mode_name(d.mode), d.number)
}

/// The short name examiners use for a transport document of `mode`.
fn mode_name(mode: TransportMode) -> &'static str {
    match mode {
        TransportMode::OceanBillOfLading => "B/L",
        TransportMode::RailWaybillSmgs => "SMGS",
        TransportMode::RoadCmr => "CMR",
    }
}

/// A discrepancy outcome.
fn discrepancy(expected: impl Into<String>, found: impl Into<String>) -> Outcome {
    Outcome::Discrepancy {
        expected: expected.into(),
        found: found.into(),
    }
}

/// A not-applicable outcome.
fn not_applicable(reason: impl Into<String>) -> Outcome {
    Outcome::NotApplicable {
        reason: reason.into(),
    }
}

/// Pass when nothing was found at fault, otherwise one discrepancy listing every finding. The
/// expected text is built only for a discrepancy: most checks pass, and examination is hot.
fn verdict(expected: impl FnOnce() -> String, findings: Vec<String>) -> Outcome {
    if findings.is_empty() {
        Outcome::Pass
    } else {
        discrepancy(expected(), findings.join("; "))
    }
}
