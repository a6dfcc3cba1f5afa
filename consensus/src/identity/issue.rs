//! Issuing consortium certificates with rcgen: a jurisdiction's self-signed root, and
//! participant leaves signed by it (profile and role extension in the parent module's doc).
//!
//! Randomness is used here and nowhere else in `identity`: the root's key and every serial
//! number (126 random bits) come from the OS random source. The time is always the caller's
//! `now_unix_s`. Not here: storing the CA's key (ops writes it with mode 0600) and deciding who
//! deserves a certificate (governance, on the ledger).
//!
//! Invariants: a leaf's issuer name is the root's subject byte for byte (the root is loaded
//! from its own certificate); a leaf names the root's country and never outlives the root.

use std::fmt;

use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::SigningKey;
use rand::TryRngCore;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
    PKCS_ED25519,
};
use rustls_pki_types::PrivatePkcs8KeyDer;
use time::OffsetDateTime;
use trade_docs::Country;

use super::certificate::{
    ders_from_pem, ed25519_key, encode_role_extension, parse_certificate, subject_country,
    ROLE_EXTENSION_OID,
};
use super::tls::SERVER_NAME;
use super::IdentityError;
use crate::participant::ParticipantRole;

/// The longest validity a root or a leaf may be given (20 years).
pub const VALIDITY_DAYS_MAX: u32 = 7300;
/// The longest organization or common name (X.520 upper bound for both).
pub const NAME_LEN_MAX: usize = 64;
/// The most extra DNS names a leaf may carry.
pub const DNS_NAMES_MAX: usize = 16;
/// How far `notBefore` lies before `now_unix_s`, so that a certificate is usable at once by a
/// peer whose clock runs somewhat behind the issuer's.
pub const NOT_BEFORE_SKEW_S: i64 = 3600;

/// A jurisdiction's root: its certificate and its private key (PKCS#8), both PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct CaBundle {
    pub cert_pem: String,
    pub key_pem: String,
}

impl fmt::Debug for CaBundle {
    /// Leaves the private key out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaBundle")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"[elided]")
            .finish()
    }
}

/// What a participant's certificate is to say. `key` is the participant's signing key (for a
/// validator, its consensus key); only its public half goes into the certificate.
#[derive(Clone, Debug)]
pub struct IssueRequest {
    pub org: String,
    pub name: String,
    pub country: Country,
    pub role: ParticipantRole,
    pub key: SigningKey,
    pub validity_days: u32,
    /// Extra subject alternative names; [`SERVER_NAME`] is always included.
    pub dns_names: Vec<String>,
}

/// Creates a jurisdiction's root CA: a new Ed25519 key and its self-signed certificate.
pub fn init_ca(
    country: Country,
    org: &str,
    now_unix_s: i64,
    validity_days: u32,
) -> Result<CaBundle, IdentityError> {
    check_name("org", org)?;
    let key = KeyPair::generate_for(&PKCS_ED25519).map_err(generation("generating the CA key"))?;
    let mut params = CertificateParams::default();
    params.distinguished_name = subject(
        country,
        org,
        None,
        &format!("SilkwayChain {country} consortium root"),
    )?;
    // Path length 0: roots sign leaves directly; there are no intermediate CAs.
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.serial_number = Some(random_serial()?);
    (params.not_before, params.not_after) = validity_window(now_unix_s, validity_days)?;
    let cert = params
        .self_signed(&key)
        .map_err(generation("signing the root certificate"))?;
    Ok(CaBundle {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// Issues a participant's leaf certificate signed by `ca`; returns it as PEM.
pub fn issue(
    ca: &CaBundle,
    request: &IssueRequest,
    now_unix_s: i64,
) -> Result<String, IdentityError> {
    check_request(request)?;
    let root = LoadedRoot::load(ca)?;
    if request.country != root.country {
        return Err(IdentityError::CountryMismatch {
            requested: request.country,
            ca: root.country,
        });
    }
    let (not_before, not_after) = validity_window(now_unix_s, request.validity_days)?;
    if not_after.unix_timestamp() > root.not_after_unix_s {
        return Err(IdentityError::InvalidRequest {
            field: "validity_days",
            reason: format!(
                "the certificate would outlive its root (root not after {})",
                root.not_after_unix_s
            ),
        });
    }
    let params = leaf_params(request, not_before, not_after)?;
    let leaf_key = leaf_key_pair(&request.key)?;
    let cert = params
        .signed_by(&leaf_key, &root.issuer)
        .map_err(generation("signing the leaf certificate"))?;
    Ok(cert.pem())
}

/// A root read back from its bundle, checked to be usable for issuing.
pub(super) struct LoadedRoot {
    pub(super) issuer: Issuer<'static, KeyPair>,
    country: Country,
    not_after_unix_s: i64,
}

impl LoadedRoot {
    pub(super) fn load(ca: &CaBundle) -> Result<LoadedRoot, IdentityError> {
        let pem_error = |place| {
            move |e: rcgen::Error| IdentityError::Pem {
                place,
                reason: e.to_string(),
            }
        };
        let key = KeyPair::from_pem(&ca.key_pem).map_err(pem_error("CA key"))?;
        // `ders_from_pem` refuses a text without certificates, so index 0 exists.
        let der = ders_from_pem(&ca.cert_pem)?.remove(0);
        let cert = parse_certificate(&der)?;
        if ed25519_key(cert.public_key())? != key.public_key_raw() {
            return Err(IdentityError::CaKeyMismatch);
        }
        let country = subject_country(&cert)?;
        let not_after_unix_s = cert.validity().not_after.timestamp();
        // The issuer name is taken from the root's own certificate, attribute types and order
        // included, so that path validation matches the leaf's issuer to the root's subject.
        let issuer = Issuer::from_ca_cert_der(&der, key).map_err(pem_error("CA certificate"))?;
        Ok(LoadedRoot {
            issuer,
            country,
            not_after_unix_s,
        })
    }
}

pub(super) fn leaf_params(
    request: &IssueRequest,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<CertificateParams, IdentityError> {
    let mut names = vec![SERVER_NAME.to_string()];
    for name in &request.dns_names {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    let mut params = CertificateParams::default();
    params.subject_alt_names = names
        .into_iter()
        .map(|name| {
            let invalid = |reason: String| IdentityError::InvalidRequest {
                field: "dns_names",
                reason: format!("'{name}': {reason}"),
            };
            if !is_dns_name(&name) {
                return Err(invalid("not a DNS name".into()));
            }
            let dns = name
                .clone()
                .try_into()
                .map_err(|e: rcgen::Error| invalid(e.to_string()))?;
            Ok(SanType::DnsName(dns))
        })
        .collect::<Result<_, IdentityError>>()?;
    params.distinguished_name = subject(
        request.country,
        &request.org,
        Some(request.role),
        &request.name,
    )?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.custom_extensions = vec![CustomExtension::from_oid_content(
        &ROLE_EXTENSION_OID,
        encode_role_extension(request.role, request.country),
    )];
    params.use_authority_key_identifier_extension = true;
    params.serial_number = Some(random_serial()?);
    (params.not_before, params.not_after) = (not_before, not_after);
    Ok(params)
}

/// `C, O, [OU,] CN`, with `C` a PrintableString as RFC 5280 requires.
fn subject(
    country: Country,
    org: &str,
    role: Option<ParticipantRole>,
    common_name: &str,
) -> Result<DistinguishedName, IdentityError> {
    let printable = rcgen::string::PrintableString::try_from(country.as_str()).map_err(|e| {
        IdentityError::InvalidRequest {
            field: "country",
            reason: e.to_string(),
        }
    })?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, DnValue::PrintableString(printable));
    name.push(DnType::OrganizationName, org);
    if let Some(role) = role {
        name.push(DnType::OrganizationalUnitName, role.as_str());
    }
    name.push(DnType::CommonName, common_name);
    Ok(name)
}

fn check_request(request: &IssueRequest) -> Result<(), IdentityError> {
    check_name("org", &request.org)?;
    check_name("name", &request.name)?;
    if request.dns_names.len() > DNS_NAMES_MAX {
        return Err(IdentityError::InvalidRequest {
            field: "dns_names",
            reason: format!("{} names, at most {DNS_NAMES_MAX}", request.dns_names.len()),
        });
    }
    Ok(())
}

/// A host name by RFC 1123: dot-separated labels of 1 to 63 letters, digits and inner hyphens,
/// at most 253 characters in all.
fn is_dns_name(name: &str) -> bool {
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    name.len() <= 253 && name.split('.').all(label_ok)
}

fn check_name(field: &'static str, text: &str) -> Result<(), IdentityError> {
    let reason = if text.trim().is_empty() {
        "must not be empty".to_string()
    } else if text.chars().count() > NAME_LEN_MAX {
        format!("longer than {NAME_LEN_MAX} characters")
    } else if text.chars().any(char::is_control) {
        "contains a control character".to_string()
    } else {
        return Ok(());
    };
    Err(IdentityError::InvalidRequest { field, reason })
}

fn validity_window(
    now_unix_s: i64,
    validity_days: u32,
) -> Result<(OffsetDateTime, OffsetDateTime), IdentityError> {
    if validity_days == 0 || validity_days > VALIDITY_DAYS_MAX {
        return Err(IdentityError::InvalidRequest {
            field: "validity_days",
            reason: format!("{validity_days} is not in 1..={VALIDITY_DAYS_MAX}"),
        });
    }
    let at = |unix_s: i64| {
        OffsetDateTime::from_unix_timestamp(unix_s).map_err(|e| IdentityError::InvalidRequest {
            field: "now_unix_s",
            reason: format!("{now_unix_s}: {e}"),
        })
    };
    let not_after_unix_s = now_unix_s.saturating_add(i64::from(validity_days) * 86_400);
    Ok((
        at(now_unix_s.saturating_sub(NOT_BEFORE_SKEW_S))?,
        at(not_after_unix_s)?,
    ))
}

/// A positive 16-byte serial: the top bit cleared (DER integers are signed) and the next one
/// set, so that every serial has the same length; 126 random bits make collisions negligible.
fn random_serial() -> Result<SerialNumber, IdentityError> {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| IdentityError::Randomness {
            purpose: "a serial number",
            reason: e.to_string(),
        })?;
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}

fn leaf_key_pair(key: &SigningKey) -> Result<KeyPair, IdentityError> {
    let document = key
        .to_pkcs8_der()
        .map_err(generation("encoding the participant key"))?;
    let der = PrivatePkcs8KeyDer::from(document.as_bytes());
    KeyPair::from_pkcs8_der_and_sign_algo(&der, &PKCS_ED25519)
        .map_err(generation("loading the participant key"))
}

fn generation<E: fmt::Display>(step: &'static str) -> impl Fn(E) -> IdentityError {
    move |e| IdentityError::Generation {
        step,
        reason: e.to_string(),
    }
}
