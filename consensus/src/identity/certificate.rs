//! Reading a consortium certificate: what its subject, role extension and key say about the
//! participant, and the encoding of the role extension (layout in the parent module's doc).
//!
//! This module does not decide whether to trust a certificate: it neither checks signatures
//! nor validity dates (that is `verify`). It only refuses certificates whose facts are missing,
//! ambiguous or contradictory: each subject attribute exactly once, the role extension exactly
//! once and agreeing with `OU` and `C`, an Ed25519 key.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use trade_docs::Country;
use x509_parser::asn1_rs::{FromDer, PrintableString, Sequence};
use x509_parser::certificate::X509Certificate;
use x509_parser::x509::{AttributeTypeAndValue, SubjectPublicKeyInfo};

use super::IdentityError;
use crate::participant::{Participant, ParticipantRole};

/// The role extension's OID, arc by arc (see the parent module's doc on the arc).
pub const ROLE_EXTENSION_OID: [u64; 8] = [1, 3, 6, 1, 4, 1, 99999, 1];
/// [`ROLE_EXTENSION_OID`] in dotted form, for messages.
pub const ROLE_EXTENSION_OID_TEXT: &str = "1.3.6.1.4.1.99999.1";

/// Reads what a certificate says about its holder. Pure: checks neither the signature nor
/// the validity period (see `verify_participant`).
pub fn parse_participant(cert_der: &[u8]) -> Result<Participant, IdentityError> {
    let cert = parse_certificate(cert_der)?;
    let subject = cert.subject();
    let org = single_attribute(subject.iter_organization(), "O")?;
    let name = single_attribute(subject.iter_common_name(), "CN")?;
    let country = subject_country(&cert)?;
    let unit = single_attribute(subject.iter_organizational_unit(), "OU")?;
    let (role, extension_country) = role_extension(&cert)?;
    if unit != role.as_str() {
        return Err(IdentityError::ExtensionDisagrees {
            attribute: "OU",
            in_subject: unit,
            in_extension: role.to_string(),
        });
    }
    if extension_country != country {
        return Err(IdentityError::ExtensionDisagrees {
            attribute: "C",
            in_subject: country.to_string(),
            in_extension: extension_country.to_string(),
        });
    }
    Ok(Participant {
        org,
        name,
        country,
        role,
        public_key: ed25519_key(cert.public_key())?,
        serial_hex: hex::encode(cert.raw_serial()),
        not_after_unix_s: cert.validity().not_after.timestamp(),
    })
}

/// Every certificate in a PEM text, in order; refuses a text with none.
pub fn ders_from_pem(pem: &str) -> Result<Vec<CertificateDer<'static>>, IdentityError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| IdentityError::Pem {
            place: "certificate PEM",
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(IdentityError::Pem {
            place: "certificate PEM",
            reason: "no CERTIFICATE block".into(),
        });
    }
    Ok(certs)
}

/// The DER of the role extension's value (layout in the parent module's doc).
pub(crate) fn encode_role_extension(role: ParticipantRole, country: Country) -> Vec<u8> {
    let mut content = der_string(0x0c, role.as_str());
    content.extend(der_string(0x13, country.as_str()));
    der_tlv(0x30, &content)
}

/// Parses one DER certificate with no trailing bytes.
pub(crate) fn parse_certificate(der: &[u8]) -> Result<X509Certificate<'_>, IdentityError> {
    match x509_parser::parse_x509_certificate(der) {
        Ok((rest, _)) if !rest.is_empty() => Err(IdentityError::Malformed {
            reason: format!("{} trailing bytes after the certificate", rest.len()),
        }),
        Ok((_, cert)) => Ok(cert),
        Err(e) => Err(IdentityError::Malformed {
            reason: e.to_string(),
        }),
    }
}

/// The subject's `C`, which must be exactly one assigned ISO 3166-1 code.
pub(crate) fn subject_country(cert: &X509Certificate<'_>) -> Result<Country, IdentityError> {
    let text = single_attribute(cert.subject().iter_country(), "C")?;
    text.parse().map_err(
        |e: trade_docs::codes::CodeError| IdentityError::BadAttribute {
            attribute: "C",
            reason: e.to_string(),
        },
    )
}

/// The raw 32-byte key of an Ed25519 SubjectPublicKeyInfo (RFC 8410: OID 1.3.101.112, no
/// parameters, a 256-bit BIT STRING).
pub(crate) fn ed25519_key(spki: &SubjectPublicKeyInfo<'_>) -> Result<[u8; 32], IdentityError> {
    let algorithm = &spki.algorithm.algorithm;
    let is_ed25519 = algorithm
        .iter()
        .is_some_and(|arcs| arcs.eq([1u64, 3, 101, 112]));
    if !is_ed25519 || spki.algorithm.parameters.is_some() {
        return Err(IdentityError::NotEd25519 {
            algorithm: algorithm.to_id_string(),
        });
    }
    let bits = &spki.subject_public_key;
    match <[u8; 32]>::try_from(bits.data.as_ref()) {
        Ok(key) if bits.unused_bits == 0 => Ok(key),
        _ => Err(IdentityError::Malformed {
            reason: format!("Ed25519 key of {} bytes, expected 32", bits.data.len()),
        }),
    }
}

fn single_attribute<'a, 'b: 'a>(
    mut values: impl Iterator<Item = &'a AttributeTypeAndValue<'b>>,
    attribute: &'static str,
) -> Result<String, IdentityError> {
    let first = values
        .next()
        .ok_or(IdentityError::MissingAttribute { attribute })?;
    if values.next().is_some() {
        return Err(IdentityError::DuplicateAttribute { attribute });
    }
    let text = first.as_str().map_err(|e| IdentityError::BadAttribute {
        attribute,
        reason: format!("not a string: {e}"),
    })?;
    if text.trim().is_empty() {
        return Err(IdentityError::BadAttribute {
            attribute,
            reason: "empty".into(),
        });
    }
    Ok(text.to_string())
}

/// Finds and decodes the role extension; x509-parser already refuses a certificate that
/// repeats an extension, so the first match is the only one.
fn role_extension(cert: &X509Certificate<'_>) -> Result<(ParticipantRole, Country), IdentityError> {
    let extension = cert
        .extensions()
        .iter()
        .find(|ext| {
            ext.oid
                .iter()
                .is_some_and(|arcs| arcs.eq(ROLE_EXTENSION_OID.iter().copied()))
        })
        .ok_or(IdentityError::MissingRoleExtension)?;
    let bad = |reason: String| IdentityError::BadRoleExtension { reason };
    let (rest, (role, country)) = Sequence::from_der_and_then(extension.value, |content| {
        let (content, role) = <&str>::from_der(content)?;
        let (content, country) = PrintableString::from_der(content)?;
        if !content.is_empty() {
            return Err(x509_parser::nom::Err::Error(
                x509_parser::asn1_rs::Error::InvalidLength,
            ));
        }
        Ok((content, (role.to_string(), country.string())))
    })
    .map_err(|e| {
        bad(format!(
            "not a SEQUENCE of UTF8String and PrintableString: {e}"
        ))
    })?;
    if !rest.is_empty() {
        return Err(bad(format!("{} trailing bytes", rest.len())));
    }
    let role = role
        .parse()
        .map_err(|e: crate::participant::UnknownRole| bad(e.to_string()))?;
    let country = country
        .parse()
        .map_err(|e: trade_docs::codes::CodeError| bad(e.to_string()))?;
    Ok((role, country))
}

/// A DER string of `tag`; the callers' strings are short role names and country codes, so the
/// short length form (under 128 bytes) always applies.
fn der_string(tag: u8, text: &str) -> Vec<u8> {
    der_tlv(tag, text.as_bytes())
}

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    // Invariant: every caller encodes at most a role name (≤ 9 bytes) and a country code
    // (2 bytes) inside one SEQUENCE, far below the 128 bytes of the short length form.
    assert!(content.len() < 128, "role extension content too long");
    let mut out = Vec::with_capacity(content.len() + 2);
    out.push(tag);
    out.push(content.len() as u8);
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_extension_has_the_documented_bytes() {
        let der = encode_role_extension(ParticipantRole::Bank, Country::KZ);
        let expected = [
            0x30, 0x0a, // SEQUENCE, 10 bytes
            0x0c, 0x04, b'b', b'a', b'n', b'k', // UTF8String "bank"
            0x13, 0x02, b'K', b'Z', // PrintableString "KZ"
        ];
        assert_eq!(der, expected);
    }

    #[test]
    fn pem_without_certificates_is_refused() {
        let err = ders_from_pem("hello").unwrap_err();
        assert!(matches!(err, IdentityError::Pem { .. }), "{err}");
    }
}
