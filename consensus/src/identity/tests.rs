//! Unit tests of the consortium CA: issue → parse → verify round trips, and each way a
//! certificate must be refused. TLS handshakes are in `consensus/tests/identity_tls.rs`.

use ed25519_dalek::SigningKey;
use rcgen::{DnType, KeyPair, PKCS_ECDSA_P256_SHA256};
use time::OffsetDateTime;
use trade_docs::Country;

use super::certificate::ders_from_pem;
use super::issue::{leaf_params, LoadedRoot};
use super::*;

/// 2026-09-21, an arbitrary fixed "now".
const NOW: i64 = 1_790_000_000;
const DAY_S: i64 = 86_400;

fn root(country: Country) -> CaBundle {
    init_ca(country, "SilkwayChain consortium", NOW, 3650).unwrap()
}

fn request(country: Country, role: ParticipantRole, seed: u8) -> IssueRequest {
    IssueRequest {
        org: "Steppe Commercial Bank".into(),
        name: format!("{}-{role}-{seed}", country.as_str().to_lowercase()),
        country,
        role,
        key: SigningKey::from_bytes(&[seed; 32]),
        validity_days: 365,
        dns_names: vec!["node1.silkway.kz".into()],
    }
}

fn der(pem: &str) -> Vec<u8> {
    ders_from_pem(pem).unwrap().remove(0).to_vec()
}

fn anchors(roots: &[&CaBundle]) -> TrustAnchors {
    let pems: Vec<&str> = roots.iter().map(|ca| ca.cert_pem.as_str()).collect();
    TrustAnchors::from_pems(&pems).unwrap()
}

/// Signs a leaf for `request` with `ca` after `tamper` has edited its parameters, bypassing
/// the checks `issue` makes, to produce certificates a faulty or hostile CA could.
fn tampered_leaf(
    ca: &CaBundle,
    request: &IssueRequest,
    tamper: impl FnOnce(&mut rcgen::CertificateParams),
    key: &KeyPair,
) -> Vec<u8> {
    let root = LoadedRoot::load(ca).unwrap();
    let not_before = OffsetDateTime::from_unix_timestamp(NOW - 3600).unwrap();
    let not_after = OffsetDateTime::from_unix_timestamp(NOW + 30 * DAY_S).unwrap();
    let mut params = leaf_params(request, not_before, not_after).unwrap();
    tamper(&mut params);
    params.signed_by(key, &root.issuer).unwrap().der().to_vec()
}

fn ed25519_key_pair(key: &SigningKey) -> KeyPair {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let document = key.to_pkcs8_der().unwrap();
    let der = rustls_pki_types::PrivatePkcs8KeyDer::from(document.as_bytes());
    KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_ED25519).unwrap()
}

#[test]
fn every_role_of_both_countries_round_trips() {
    let (kz, cn) = (root(Country::KZ), root(Country::CN));
    let trusted = anchors(&[&kz, &cn]);
    assert_eq!(trusted.countries(), [Country::KZ, Country::CN]);
    for (ca, country) in [(&kz, Country::KZ), (&cn, Country::CN)] {
        for (seed, role) in (1u8..).zip(ParticipantRole::ALL) {
            let request = request(country, role, seed);
            let leaf = der(&issue(ca, &request, NOW).unwrap());
            let parsed = parse_participant(&leaf).unwrap();
            let expected = Participant {
                org: request.org.clone(),
                name: request.name.clone(),
                country,
                role,
                public_key: request.key.verifying_key().to_bytes(),
                serial_hex: parsed.serial_hex.clone(),
                not_after_unix_s: NOW + 365 * DAY_S,
            };
            assert_eq!(parsed, expected, "{country} {role}");
            assert_eq!(parsed.serial_hex.len(), 32, "16-byte serial");
            let verified = verify_participant(&trusted, &leaf, &[], NOW).unwrap();
            assert_eq!(verified, expected, "{country} {role}");
        }
    }
}

#[test]
fn serials_differ_between_certificates_of_the_same_request() {
    let kz = root(Country::KZ);
    let request = request(Country::KZ, ParticipantRole::Validator, 1);
    let first = parse_participant(&der(&issue(&kz, &request, NOW).unwrap())).unwrap();
    let second = parse_participant(&der(&issue(&kz, &request, NOW).unwrap())).unwrap();
    assert_ne!(first.serial_hex, second.serial_hex);
}

#[test]
fn a_certificate_from_an_unknown_ca_is_refused() {
    let trusted = anchors(&[&root(Country::KZ)]);
    let stranger = init_ca(Country::KZ, "Someone Else", NOW, 3650).unwrap();
    // A CA that copies the trusted root's name still cannot sign for it.
    let impostor = root(Country::KZ);
    let request = request(Country::KZ, ParticipantRole::Bank, 2);
    for (ca, expected) in [
        (&stranger, IdentityError::UnknownIssuer),
        (&impostor, IdentityError::BadSignature),
    ] {
        let leaf = der(&issue(ca, &request, NOW).unwrap());
        assert_eq!(
            verify_participant(&trusted, &leaf, &[], NOW).unwrap_err(),
            expected
        );
    }
}

#[test]
fn validity_is_checked_at_the_time_given() {
    let kz = root(Country::KZ);
    let trusted = anchors(&[&kz]);
    let leaf = der(&issue(&kz, &request(Country::KZ, ParticipantRole::Customs, 3), NOW).unwrap());
    let not_after = NOW + 365 * DAY_S;
    assert!(verify_participant(&trusted, &leaf, &[], not_after).is_ok());
    let err = verify_participant(&trusted, &leaf, &[], not_after + 1).unwrap_err();
    assert_eq!(
        err,
        IdentityError::Expired {
            not_after_unix_s: not_after,
            now_unix_s: not_after + 1
        }
    );
    let err = verify_participant(&trusted, &leaf, &[], NOW - 2 * 3600).unwrap_err();
    assert!(matches!(err, IdentityError::NotYetValid { .. }), "{err}");
}

#[test]
fn a_ca_issues_only_for_its_own_country() {
    let kz = root(Country::KZ);
    let err = issue(
        &kz,
        &request(Country::CN, ParticipantRole::Exporter, 4),
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        err,
        IdentityError::CountryMismatch {
            requested: Country::CN,
            ca: Country::KZ
        }
    );
}

#[test]
fn a_root_cannot_vouch_for_another_countrys_participant() {
    // A faulty KZ root signs a certificate naming CN; the chain is valid, the country is not.
    let (kz, cn) = (root(Country::KZ), root(Country::CN));
    let request = request(Country::CN, ParticipantRole::Validator, 5);
    let leaf = tampered_leaf(&kz, &request, |_| {}, &ed25519_key_pair(&request.key));
    assert_eq!(parse_participant(&leaf).unwrap().country, Country::CN);
    let err = verify_participant(&anchors(&[&kz, &cn]), &leaf, &[], NOW).unwrap_err();
    assert_eq!(
        err,
        IdentityError::RootCountryMismatch {
            leaf: Country::CN,
            root: Country::KZ
        }
    );
}

#[test]
fn a_leaf_whose_key_is_not_ed25519_is_refused() {
    let kz = root(Country::KZ);
    let request = request(Country::KZ, ParticipantRole::Bank, 6);
    let ecdsa = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let leaf = tampered_leaf(&kz, &request, |_| {}, &ecdsa);
    let err = verify_participant(&anchors(&[&kz]), &leaf, &[], NOW).unwrap_err();
    assert_eq!(
        err,
        IdentityError::NotEd25519 {
            algorithm: "1.2.840.10045.2.1".into()
        }
    );
}

#[test]
fn subjects_that_contradict_or_lack_the_role_extension_are_refused() {
    let kz = root(Country::KZ);
    let request = request(Country::KZ, ParticipantRole::Validator, 7);
    let key = ed25519_key_pair(&request.key);
    let set_ou = |ou: &'static str| {
        move |params: &mut rcgen::CertificateParams| {
            params
                .distinguished_name
                .remove(DnType::OrganizationalUnitName);
            params
                .distinguished_name
                .push(DnType::OrganizationalUnitName, ou);
        }
    };
    let cases: Vec<(&str, Vec<u8>, IdentityError)> = vec![
        (
            "OU names another role",
            tampered_leaf(&kz, &request, set_ou("bank"), &key),
            IdentityError::ExtensionDisagrees {
                attribute: "OU",
                in_subject: "bank".into(),
                in_extension: "validator".into(),
            },
        ),
        (
            "no role extension",
            tampered_leaf(&kz, &request, |p| p.custom_extensions.clear(), &key),
            IdentityError::MissingRoleExtension,
        ),
        (
            "no OU",
            tampered_leaf(
                &kz,
                &request,
                |p| {
                    p.distinguished_name.remove(DnType::OrganizationalUnitName);
                },
                &key,
            ),
            IdentityError::MissingAttribute { attribute: "OU" },
        ),
        (
            "a root is no participant",
            der(&kz.cert_pem),
            IdentityError::MissingAttribute { attribute: "OU" },
        ),
    ];
    for (case, leaf, expected) in cases {
        assert_eq!(parse_participant(&leaf).unwrap_err(), expected, "{case}");
    }
}

#[test]
fn bad_requests_name_the_field_at_fault() {
    let kz = root(Country::KZ);
    let base = request(Country::KZ, ParticipantRole::Operator, 8);
    type Edit = fn(&mut IssueRequest);
    let cases: [(&str, Edit); 6] = [
        ("org", |r| r.org = " ".into()),
        ("name", |r| r.name = "x".repeat(65)),
        ("name", |r| r.name = "line\nbreak".into()),
        ("validity_days", |r| r.validity_days = 0),
        ("validity_days", |r| r.validity_days = 3651), // outlives the 3650-day root
        ("dns_names", |r| r.dns_names = vec!["not a name".into()]),
    ];
    for (field, edit) in cases {
        let mut bad = base.clone();
        edit(&mut bad);
        match issue(&kz, &bad, NOW) {
            Err(IdentityError::InvalidRequest { field: named, .. }) => assert_eq!(named, field),
            other => panic!("{field}: expected InvalidRequest, got {other:?}"),
        }
    }
}

#[test]
fn a_bundle_whose_key_is_not_its_certificates_is_refused() {
    let (kz, other) = (root(Country::KZ), root(Country::KZ));
    let mixed = CaBundle {
        cert_pem: kz.cert_pem.clone(),
        key_pem: other.key_pem.clone(),
    };
    let err = issue(&mixed, &request(Country::KZ, ParticipantRole::Bank, 9), NOW).unwrap_err();
    assert_eq!(err, IdentityError::CaKeyMismatch);
}

#[test]
fn only_ca_certificates_are_trust_anchors() {
    let kz = root(Country::KZ);
    let leaf = issue(&kz, &request(Country::KZ, ParticipantRole::Bank, 10), NOW).unwrap();
    let err = TrustAnchors::from_pems(&[&kz.cert_pem, &leaf]).unwrap_err();
    assert!(
        matches!(err, IdentityError::BadTrustAnchor { index: 1, .. }),
        "{err}"
    );
    assert!(TrustAnchors::from_pems(&[]).is_err());
}

#[test]
fn a_tls_identity_needs_the_certificates_own_key() {
    let kz = root(Country::KZ);
    let request = request(Country::KZ, ParticipantRole::Validator, 11);
    let leaf = issue(&kz, &request, NOW).unwrap();
    assert!(TlsIdentity::from_pem(&leaf, &request.key).is_ok());
    let other = SigningKey::from_bytes(&[99; 32]);
    assert_eq!(
        TlsIdentity::from_pem(&leaf, &other).unwrap_err(),
        IdentityError::KeyMismatch
    );
}

#[test]
fn the_ca_bundle_debug_output_hides_the_key() {
    let kz = root(Country::KZ);
    let shown = format!("{kz:?}");
    assert!(!shown.contains("PRIVATE KEY") && shown.contains("[elided]"));
}
