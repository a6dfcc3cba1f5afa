//! The typed trade documents and the [`Document`] sum type that carries any of them.
//!
//! Every document type derives serde with `deny_unknown_fields`; JSON and canonical CBOR are
//! two encodings of this one data model, and the `kind` key names the variant in both. Each
//! type has a `validate` that checks what the type system cannot (an amount's scale matches its
//! currency, totals add up, required text is not blank) and reports every fault with the path of
//! the field at fault. Deliberately not here: encodings of outside formats (see `swift`, `cii`),
//! examination rules (`ucp600`) and life cycles (`instrument`).

mod commercial;
mod credit;
mod declaration;
mod transport;

use serde::{Deserialize, Serialize};

pub use commercial::{
    CertificateOfOrigin, Invoice, InvoiceLine, PackingLine, PackingList, TaxBreakdown,
};
pub use credit::{
    AmendmentAction, AmendmentClause, AvailableBy, Confirmation, FormOfCredit, LcAmendment,
    LetterOfCredit, Presentation, PresentationPeriod, ShipmentPermission, Tolerance,
};
pub use declaration::{CustomsDeclaration, DeclarationKind};
pub use transport::{TransportDocument, TransportMode};

use crate::codes::{Country, Currency};
use crate::decimal::Decimal;

/// Any trade document SilkwayChain knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // documents are built once and moved rarely
pub enum Document {
    LetterOfCredit(LetterOfCredit),
    Amendment(LcAmendment),
    Invoice(Invoice),
    PackingList(PackingList),
    TransportDocument(TransportDocument),
    CertificateOfOrigin(CertificateOfOrigin),
    CustomsDeclaration(CustomsDeclaration),
    Presentation(Presentation),
}

/// The document kinds, spelled as the `kind` key spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    LetterOfCredit,
    Amendment,
    Invoice,
    PackingList,
    TransportDocument,
    CertificateOfOrigin,
    CustomsDeclaration,
    Presentation,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 8] = [
        Self::LetterOfCredit,
        Self::Amendment,
        Self::Invoice,
        Self::PackingList,
        Self::TransportDocument,
        Self::CertificateOfOrigin,
        Self::CustomsDeclaration,
        Self::Presentation,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::LetterOfCredit => "letter_of_credit",
            Self::Amendment => "amendment",
            Self::Invoice => "invoice",
            Self::PackingList => "packing_list",
            Self::TransportDocument => "transport_document",
            Self::CertificateOfOrigin => "certificate_of_origin",
            Self::CustomsDeclaration => "customs_declaration",
            Self::Presentation => "presentation",
        }
    }
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Document {
    /// A person's title for the document, e.g. `Commercial invoice TH-2026-0417`.
    pub fn title(&self) -> String {
        match self {
            Document::LetterOfCredit(d) => format!("Letter of credit {}", d.reference),
            Document::Amendment(d) => {
                format!("Amendment {} to credit {}", d.amendment_number, d.reference)
            }
            Document::Invoice(d) => format!("Commercial invoice {}", d.number),
            Document::PackingList(d) => format!("Packing list {}", d.number),
            Document::TransportDocument(d) => format!("Transport document {}", d.number),
            Document::CertificateOfOrigin(d) => format!("Certificate of origin {}", d.number),
            Document::CustomsDeclaration(d) => format!("Customs declaration {}", d.reference),
            Document::Presentation(d) => format!("Presentation under credit {}", d.lc_reference),
        }
    }

    pub fn kind(&self) -> DocumentKind {
        match self {
            Self::LetterOfCredit(_) => DocumentKind::LetterOfCredit,
            Self::Amendment(_) => DocumentKind::Amendment,
            Self::Invoice(_) => DocumentKind::Invoice,
            Self::PackingList(_) => DocumentKind::PackingList,
            Self::TransportDocument(_) => DocumentKind::TransportDocument,
            Self::CertificateOfOrigin(_) => DocumentKind::CertificateOfOrigin,
            Self::CustomsDeclaration(_) => DocumentKind::CustomsDeclaration,
            Self::Presentation(_) => DocumentKind::Presentation,
        }
    }

    /// Checks every rule the types cannot express; reports all faults, each with its field.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut faults = Faults::default();
        match self {
            Self::LetterOfCredit(d) => d.check(&mut faults),
            Self::Amendment(d) => d.check(&mut faults),
            Self::Invoice(d) => d.check(&mut faults),
            Self::PackingList(d) => d.check(&mut faults),
            Self::TransportDocument(d) => d.check(&mut faults),
            Self::CertificateOfOrigin(d) => d.check(&mut faults),
            Self::CustomsDeclaration(d) => d.check(&mut faults),
            Self::Presentation(d) => d.check(&mut faults),
        }
        faults.finish()
    }
}

/// A party named on a document: a bank, a trader, a carrier, a customs post.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// The legal name as written on the document.
    pub name: String,
    /// Postal address lines, as written.
    #[serde(default)]
    pub address: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    /// A registry identifier: tax id (KZ BIN, CN unified social credit code), BIC, or a global
    /// identifier such as a GLN. Used by business fingerprints when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Party {
    fn check(&self, path: &str, faults: &mut Faults) {
        faults.not_blank(&format!("{path}.name"), &self.name);
    }
}

/// One fault in a document: the path of the field (`lines[2].line_total`) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldFault {
    pub field: String,
    pub problem: String,
}

/// A document that failed validation, with every fault found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct Invalid {
    pub faults: Vec<FieldFault>,
}

impl Invalid {
    fn describe(&self) -> String {
        self.faults
            .iter()
            .map(|f| format!("field '{}': {}", f.field, f.problem))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Collects validation faults; shared by the `check` methods of every document type.
#[derive(Debug, Default)]
pub(crate) struct Faults(Vec<FieldFault>);

impl Faults {
    pub(crate) fn push(&mut self, field: &str, problem: impl Into<String>) {
        self.0.push(FieldFault {
            field: field.to_string(),
            problem: problem.into(),
        });
    }

    pub(crate) fn not_blank(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.push(field, "must not be blank");
        }
    }

    /// An amount must carry exactly its currency's minor-unit digits.
    pub(crate) fn money(&mut self, field: &str, amount: Decimal, currency: Currency) {
        if amount.scale() != currency.minor_units() {
            self.push(
                field,
                format!(
                    "{currency} amounts have {} fraction digits, found '{amount}'",
                    currency.minor_units()
                ),
            );
        }
        if amount.is_negative() {
            self.push(field, format!("must not be negative, found '{amount}'"));
        }
    }

    pub(crate) fn non_negative(&mut self, field: &str, value: Decimal) {
        if value.is_negative() {
            self.push(field, format!("must not be negative, found '{value}'"));
        }
    }

    fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid { faults: self.0 })
        }
    }
}
