//! Property tests over the whole document model: canonical CBOR and JSON round-trip every
//! document type, the canonical bytes are a fixed point, and any flipped byte of a signed
//! envelope fails verification.

mod support;

use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use trade_docs::cbor::{from_canonical, to_canonical, CborError};
use trade_docs::envelope::{sign, verify};
use trade_docs::Document;

/// Encodes, decodes and re-encodes; the value and the bytes must survive unchanged.
fn assert_canonical_round_trip(doc: &Document) -> Result<(), TestCaseError> {
    let bytes = to_canonical(doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: Document =
        from_canonical(&bytes).map_err(|e| TestCaseError::fail(format!("{e} for {doc:?}")))?;
    prop_assert_eq!(&back, doc);
    prop_assert_eq!(to_canonical(&back).unwrap(), bytes);
    Ok(())
}

macro_rules! round_trip_per_kind {
    ($($name:ident => $strategy:expr),* $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]
            $(
                #[test]
                fn $name(doc in $strategy) {
                    assert_canonical_round_trip(&doc)?;
                }
            )*
        }
    };
}

round_trip_per_kind! {
    cbor_round_trips_letter_of_credit => support::letter_of_credit().prop_map(Document::LetterOfCredit),
    cbor_round_trips_amendment => support::amendment().prop_map(Document::Amendment),
    cbor_round_trips_invoice => support::invoice().prop_map(Document::Invoice),
    cbor_round_trips_packing_list => support::packing_list().prop_map(Document::PackingList),
    cbor_round_trips_transport_document => support::transport_document().prop_map(Document::TransportDocument),
    cbor_round_trips_certificate_of_origin => support::certificate_of_origin().prop_map(Document::CertificateOfOrigin),
    cbor_round_trips_customs_declaration => support::customs_declaration().prop_map(Document::CustomsDeclaration),
    cbor_round_trips_presentation => support::presentation().prop_map(Document::Presentation),
}

fn test_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn json_round_trips_every_document(doc in support::document()) {
        let text = serde_json::to_string(&doc).unwrap();
        let back: Document = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back, doc);
    }

    /// Any byte of canonical CBOR flipped is either refused or decodes to a different document.
    #[test]
    fn flipped_cbor_byte_never_decodes_to_the_same_document(doc in support::document(), index in any::<prop::sample::Index>(), mask in 1u8..) {
        let mut bytes = to_canonical(&doc).unwrap();
        let i = index.index(bytes.len());
        bytes[i] ^= mask;
        if let Ok(other) = from_canonical::<Document>(&bytes) {
            prop_assert_ne!(other, doc);
        }
    }

    #[test]
    fn any_flipped_envelope_byte_fails_verification(doc in support::document(), index in any::<prop::sample::Index>(), mask in 1u8..) {
        let key = test_key();
        let mut envelope = sign(&doc, &key).unwrap();
        let verified = verify(&envelope).unwrap();
        prop_assert_eq!(&verified.document, &doc);
        prop_assert_eq!(verified.signer.public_key, hex::encode(key.verifying_key().as_bytes()));
        let i = index.index(envelope.len());
        envelope[i] ^= mask;
        prop_assert!(verify(&envelope).is_err(), "byte {} flipped with {:#04x} still verified", i, mask);
    }
}

#[test]
fn signed_envelope_names_its_signer_and_fingerprint() {
    let doc: Document = serde_json::from_str(
        r#"{"kind":"certificate_of_origin","number":"CCPIT-2611","issue_date":"2026-04-19",
            "issuer":{"name":"CCPIT XINJIANG"},"exporter":{"name":"TIANSHAN HEAVY INDUSTRY CO."},
            "consignee":{"name":"STEPPE AGRO MACHINERY LLP"},"country_of_origin":"CN",
            "goods_description":"TRACTOR PARTS","hs_codes":["870840"]}"#,
    )
    .unwrap();
    let key = test_key();
    let verified = verify(&sign(&doc, &key).unwrap()).unwrap();
    assert_eq!(verified.document, doc);
    assert_eq!(
        verified.fingerprint,
        trade_docs::Fingerprint::of_document(&doc).unwrap()
    );
    let other = SigningKey::from_bytes(&[8u8; 32]);
    assert_ne!(
        verify(&sign(&doc, &other).unwrap()).unwrap().signer,
        verified.signer
    );
}

#[test]
fn oversized_cbor_is_refused_before_parsing() {
    let big = vec![0u8; 1024 * 1024 + 1];
    assert!(matches!(
        from_canonical::<Document>(&big),
        Err(CborError::TooLarge { .. })
    ));
}
