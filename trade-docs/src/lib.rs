//! SilkwayChain's trade domain: pure, with no IO, no async, no clock and no randomness.
//!
//! What it holds:
//! - [`document`]: the typed documents (letter of credit, amendment, invoice, packing list,
//!   transport document, certificate of origin, customs declaration, presentation) and their
//!   validation;
//! - [`codes`], [`decimal`], [`date`]: validated building blocks (ISO 4217, ISO 3166, HS, BIC,
//!   Incoterms; exact decimals; calendar dates);
//! - [`cbor`]: canonical CBOR, strict on input; [`fingerprint`]: document and business
//!   fingerprints; [`envelope`]: COSE_Sign1 signed envelopes;
//! - [`json`]: the JSON encoding of every document; [`swift`]: MT700 and MT707, and the MT734,
//!   MT750 and MT754 advices written after an examination; [`cii`]:
//!   UN/CEFACT Cross Industry Invoice D16B XML;
//! - [`formats`]: sniffing a file's format and importing it with the right importer;
//! - [`ucp600`]: examination of a presentation under its letter of credit;
//! - [`instrument`]: the life cycles of credits, presentations, invoices and declarations;
//! - [`demo`]: the documents of the PRODUCT.md §7 demo scenario, compiled in.
//!
//! What it deliberately does not do: read files, talk to the network, or know about the ledger.
//! Callers hand it bytes or text and a `now` where a rule needs a date.
#![forbid(unsafe_code)]

pub mod cbor;
pub mod cii;
pub mod codes;
pub mod date;
pub mod decimal;
pub mod demo;
pub mod document;
pub mod envelope;
pub mod fingerprint;
pub mod formats;
pub mod instrument;
pub mod json;
pub mod swift;
pub mod ucp600;

pub use codes::{Bic, Country, Currency, HsCode, IncotermRule, Incoterms};
pub use date::Date;
pub use decimal::Decimal;
pub use document::{Document, DocumentKind, Party};
pub use fingerprint::Fingerprint;
