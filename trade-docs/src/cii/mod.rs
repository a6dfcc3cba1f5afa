//! UN/CEFACT Cross Industry Invoice (CII, D16B) import and export.
//!
//! [`import`] reads CII XML into an [`Invoice`] and validates it; [`export`] writes an
//! [`Invoice`] as CII XML that validates against the D16B schema
//! (`CrossIndustryInvoice_100pD16B.xsd`). Both directions follow the EN 16931 reading of CII.
//!
//! [`Invoice`]: crate::document::Invoice
//!
//! Input is untrusted. The reader refuses, before looking at any business content: input over
//! [`CII_SIZE_MAX_BYTES`]; any DOCTYPE (so no DTD, no entity declaration, no external entity:
//! the XXE and "billion laughs" attacks have nothing to stand on); any entity reference other
//! than the five predefined ones and numeric character references; nesting deeper than
//! [`CII_DEPTH_MAX`]; more than [`CII_ELEMENTS_MAX`] elements. Every error names the element
//! path at fault and its line, e.g.
//! `/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString
//! (line 24): '2013041' is not a date in format 102`.
//!
//! Mapping choices (the model holds less than CII; these are the documented rules):
//! - Party id: the tax registration with scheme `VA`, else `FC`, else
//!   `SpecifiedLegalOrganization/ID`, else the first `ID`, else the first `GlobalID`. Export
//!   writes the id back as the party's `ram:ID`, which names no scheme and so claims nothing.
//! - Party address: `LineOne` to `LineFive`, then one line "postcode city, subdivision". Export
//!   writes all but the last entry as address lines and the last as `CityName`, so an imported
//!   address comes back entry for entry.
//! - Line description: the product `Name`, else its `Description`.
//! - Unit price: `NetPriceProductTradePrice/ChargeAmount` as given (at least the currency's
//!   minor units). `BasisQuantity` is not divided out: real files (the EN 16931 examples among
//!   them) fill it inconsistently, and a wrong division would silently change the price.
//! - Totals and tax amounts are rescaled exactly to the currency's minor units; one that would
//!   lose a digit is refused, naming its element.
//! - `TaxTotalAmount`: the one in the invoice currency when several are given.
//! - HS code: `DesignatedProductClassification/ClassCode` with `listID="HS"`, when it is a valid
//!   HS code; other classifications are ignored.
//! - Country of origin: the one `OriginTradeCountry` named by every line that names one; none
//!   when lines name different countries. Export writes it on every line.
//! - LC reference: `ApplicableHeaderTradeSettlement/LetterOfCreditReferencedDocument`
//!   (the D16B element made for it).
//! - Incoterms: `ApplicableHeaderTradeAgreement/ApplicableTradeDeliveryTerms/DeliveryTypeCode`
//!   (UNTDID 4053) with the place in `RelevantTradeLocation/Name`.
//! - Shipping marks: a document note with subject code `MKS` (UNTDID 4451, "additional
//!   marks/numbers information"); other notes become `notes`, one per `IncludedNote`.
//! - Tax type: export writes `VAT`, the only tax type the model knows.
//!
//! Deliberately not here: payment means, allowance and charge details, delivery events, party
//! contacts and attachments are not carried by the model and are dropped on import. Export
//! does not claim EN 16931 conformance in its guideline identifier.

mod export;
mod import;
mod tree;
mod values;

pub use export::export;
pub use import::import;

use crate::document::Invalid;

/// CII documents larger than this are refused unread.
/// The postal address line elements of CII, in schema order.
const ADDRESS_LINE_ELEMENTS: [&str; 5] = [
    "ram:LineOne",
    "ram:LineTwo",
    "ram:LineThree",
    "ram:LineFour",
    "ram:LineFive",
];

pub const CII_SIZE_MAX_BYTES: usize = 4 * 1024 * 1024;
/// Elements nested deeper than this are refused; the D16B invoice nests about ten deep.
pub const CII_DEPTH_MAX: usize = 32;
/// Documents with more elements than this are refused.
pub const CII_ELEMENTS_MAX: usize = 200_000;

/// The namespace of the CII root element (`rsm:`).
pub const NS_RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
/// The namespace of the reusable aggregates (`ram:`).
pub const NS_RAM: &str =
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
/// The namespace of the unqualified data types (`udt:`).
pub const NS_UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";
/// The namespace of the qualified data types (`qdt:`).
pub const NS_QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";

/// Why a CII document was refused. Paths use the canonical prefixes `rsm:`, `ram:`, `udt:`,
/// `qdt:` whatever prefixes the input declared; repeated elements carry a 1-based index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CiiError {
    #[error("input is {size_bytes} bytes, over the limit of {max_bytes} bytes")]
    TooLarge { size_bytes: usize, max_bytes: usize },
    #[error("line {line}: a DOCTYPE is refused (no DTD, no entity declarations)")]
    Doctype { line: usize },
    #[error(
        "{path} (line {line}): entity reference '&{name};' is refused; only the five \
         predefined XML entities and numeric character references are accepted"
    )]
    EntityReference {
        path: String,
        line: usize,
        name: String,
    },
    #[error("line {line}, byte {offset}: malformed XML: {reason}")]
    Malformed {
        line: usize,
        offset: usize,
        reason: String,
    },
    #[error("{path} (line {line}): elements nest deeper than {max} levels")]
    TooDeep {
        path: String,
        line: usize,
        max: usize,
    },
    #[error("line {line}: the document has more than {max} elements")]
    TooManyElements { line: usize, max: usize },
    #[error("line {line}: root element is {found}, expected rsm:CrossIndustryInvoice in {NS_RSM}")]
    WrongRoot { found: String, line: usize },
    #[error("{path} is required but missing (see line {line})")]
    Missing { path: String, line: usize },
    #[error("{path} (line {line}): '{value}' {reason}")]
    BadValue {
        path: String,
        line: usize,
        value: String,
        reason: String,
    },
    #[error("the imported invoice is not valid: {0}")]
    Invalid(#[from] Invalid),
}
