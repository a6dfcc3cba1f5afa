//! The documents of the PRODUCT.md §7 demo scenario, compiled into the binary.
//!
//! These are the JSON fixtures under `tests/fixtures/scenario/` and the MT700/MT707 texts under
//! `tests/fixtures/swift/`, exactly as the tests read them, so that `silkway demo` carries the
//! same documents the examination and instrument tests use. Dates in them are fixed in 2026; a
//! caller that runs the story on another day shifts them (see the ledger's scenario).
//!
//! Deliberately nothing but constants: parsing is `json::import` and `swift`'s job.

/// The Khorgos letter of credit (MT700 fields as JSON).
pub const LC_KHORGOS_JSON: &str = include_str!("../tests/fixtures/scenario/lc_khorgos.json");
/// The commercial invoice of the Khorgos consignment.
pub const INVOICE_KHORGOS_JSON: &str =
    include_str!("../tests/fixtures/scenario/invoice_khorgos.json");
/// The packing list of the Khorgos consignment.
pub const PACKING_LIST_KHORGOS_JSON: &str =
    include_str!("../tests/fixtures/scenario/packing_list_khorgos.json");
/// The SMGS rail waybill: shipment one day after the latest shipment date.
pub const SMGS_KHORGOS_JSON: &str = include_str!("../tests/fixtures/scenario/smgs_khorgos.json");
/// The certificate of origin issued by CCPIT Xinjiang.
pub const CERTIFICATE_OF_ORIGIN_KHORGOS_JSON: &str =
    include_str!("../tests/fixtures/scenario/certificate_of_origin_khorgos.json");
/// The presentation under the credit (the four documents above).
pub const PRESENTATION_KHORGOS_JSON: &str =
    include_str!("../tests/fixtures/scenario/presentation_khorgos.json");
/// The Chinese export declaration at Horgos.
pub const DECLARATION_CN_EXPORT_HORGOS_JSON: &str =
    include_str!("../tests/fixtures/scenario/declaration_cn_export_horgos.json");
/// The Kazakh import declaration at Khorgos (the mirror of the export declaration).
pub const DECLARATION_KZ_IMPORT_KHORGOS_JSON: &str =
    include_str!("../tests/fixtures/scenario/declaration_kz_import_khorgos.json");
/// The second consignment's import declaration at Aktau, by sea from Baku: undervalued,
/// declaring 40 % less than the credit and the invoice it refers to.
pub const DECLARATION_KZ_IMPORT_AKTAU_JSON: &str =
    include_str!("../tests/fixtures/scenario/declaration_kz_import_aktau.json");
/// The Khorgos credit as SWIFT MT700 text.
pub const MT700_KHORGOS: &str = include_str!("../tests/fixtures/swift/mt700_khorgos.txt");
/// Its amendment as SWIFT MT707 text.
pub const MT707_KHORGOS: &str = include_str!("../tests/fixtures/swift/mt707_khorgos.txt");
/// The credit of the second consignment, via Aktau, as SWIFT MT700 text.
pub const MT700_AKTAU: &str = include_str!("../tests/fixtures/swift/mt700_aktau.txt");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::DocumentKind;

    #[test]
    fn every_fixture_imports_as_its_kind() {
        let cases = [
            (LC_KHORGOS_JSON, DocumentKind::LetterOfCredit),
            (INVOICE_KHORGOS_JSON, DocumentKind::Invoice),
            (PACKING_LIST_KHORGOS_JSON, DocumentKind::PackingList),
            (SMGS_KHORGOS_JSON, DocumentKind::TransportDocument),
            (
                CERTIFICATE_OF_ORIGIN_KHORGOS_JSON,
                DocumentKind::CertificateOfOrigin,
            ),
            (PRESENTATION_KHORGOS_JSON, DocumentKind::Presentation),
            (
                DECLARATION_CN_EXPORT_HORGOS_JSON,
                DocumentKind::CustomsDeclaration,
            ),
            (
                DECLARATION_KZ_IMPORT_KHORGOS_JSON,
                DocumentKind::CustomsDeclaration,
            ),
            (
                DECLARATION_KZ_IMPORT_AKTAU_JSON,
                DocumentKind::CustomsDeclaration,
            ),
        ];
        for (text, kind) in cases {
            let document = crate::json::import(text).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(document.kind(), kind);
        }
        for text in [MT700_KHORGOS, MT707_KHORGOS, MT700_AKTAU] {
            assert!(text.contains(":20:"));
        }
    }
}
