//! Smart customs, the pure core: the HS nomenclature, validation of declarations on entry,
//! clearance rule sets, their evaluation with the mirror check and the random draw, and
//! back-testing a rule set against recorded decisions.
//!
//! Code map:
//! - [`hs`]: the HS 2022 nomenclature (compiled in from `data/hs2022.csv`);
//! - [`validate`]: a declaration as it enters (JSON), checked field by field;
//! - [`rules`]: the rules file (TOML) and its data files, checked, compiled and hashed;
//!   [`rules::RuleSetHolder`] keeps the set in force across failed reloads;
//! - [`evaluate`]: a rule set over one declaration and its linked data: channel, hits with
//!   evidence, version id, draw; [`mirror`]: export against import of one consignment;
//!   [`draw`]: the random selection, recomputable from ledger data;
//! - [`backtest`]: recorded decisions replayed under another rule set.
//!
//! Architecture invariant: no IO (except [`rules::RuleSet::load`], which reads the rules file
//! and its data files and hands them to the pure parser), no clock, no randomness, no ledger
//! access: the shell gathers the inputs and records the result. Same inputs, same assessment,
//! on every gateway and for every auditor.

pub mod backtest;
pub mod draw;
pub mod evaluate;
pub mod hs;
pub mod mirror;
pub mod rules;
pub mod validate;

pub use evaluate::{evaluate, Assessment, DrawSeed, Inputs};
pub use rules::{RuleSet, RuleSetHolder, RulesError};

/// The PRODUCT.md §7 declarations and their linked documents, for the tests of this tree.
#[cfg(test)]
pub(crate) mod scenario {
    use std::path::Path;

    use trade_docs::document::{CustomsDeclaration, Invoice, LetterOfCredit};
    use trade_docs::{demo, Document};

    use super::{Inputs, RuleSet};

    pub(crate) fn declaration(text: &str) -> CustomsDeclaration {
        match trade_docs::json::import(text) {
            Ok(Document::CustomsDeclaration(d)) => d,
            other => panic!("not a declaration: {other:?}"),
        }
    }

    pub(crate) fn invoice() -> Invoice {
        match trade_docs::json::import(demo::INVOICE_KHORGOS_JSON) {
            Ok(Document::Invoice(i)) => i,
            other => panic!("not an invoice: {other:?}"),
        }
    }

    pub(crate) fn credit() -> LetterOfCredit {
        match trade_docs::json::import(demo::LC_KHORGOS_JSON) {
            Ok(Document::LetterOfCredit(lc)) => lc,
            other => panic!("not a credit: {other:?}"),
        }
    }

    pub(crate) fn cn_export() -> CustomsDeclaration {
        declaration(demo::DECLARATION_CN_EXPORT_HORGOS_JSON)
    }

    pub(crate) fn kz_import() -> CustomsDeclaration {
        declaration(demo::DECLARATION_KZ_IMPORT_KHORGOS_JSON)
    }

    pub(crate) fn aktau_import() -> CustomsDeclaration {
        declaration(demo::DECLARATION_KZ_IMPORT_AKTAU_JSON)
    }

    /// A declaration with the invoice and credit it names and, if given, its mirror.
    pub(crate) fn linked(
        declaration: CustomsDeclaration,
        mirror: Option<CustomsDeclaration>,
    ) -> Inputs {
        Inputs {
            invoice: Some(invoice()),
            credit: Some(credit()),
            mirror,
            ..Inputs::new(declaration)
        }
    }

    /// The three §7 declarations as the shell would link them: the Khorgos pair mirror each
    /// other; the Aktau import has no export declaration from the other side.
    pub(crate) fn story() -> Vec<(&'static str, Inputs)> {
        vec![
            ("cn_export", linked(cn_export(), Some(kz_import()))),
            ("kz_import", linked(kz_import(), Some(cn_export()))),
            ("aktau_import", linked(aktau_import(), None)),
        ]
    }

    pub(crate) fn rules(name: &str) -> RuleSet {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .join(name);
        RuleSet::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}
