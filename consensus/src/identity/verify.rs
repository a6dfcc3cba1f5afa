//! Deciding whether a certificate speaks for a consortium participant: path validation to a
//! trusted root with rustls-webpki, then reading the participant, then checking that the root
//! it chained to belongs to the participant's country.
//!
//! Pure: the time is an argument, and nothing is read from disk. Not here: revocation
//! (revocations are ledger transactions, checked by the caller's admission policy) and
//! hostname checks (the transport uses one fixed name, see `tls`).
//!
//! Invariants: only Ed25519 signatures are accepted on a path (every consortium key is
//! Ed25519, so any other algorithm is a certificate from outside the consortium); every trust
//! anchor is a CA certificate with exactly one country.

use std::time::Duration;

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use trade_docs::Country;
use webpki::{EndEntityCert, KeyUsage};

use super::certificate::{ders_from_pem, ed25519_key, parse_certificate, subject_country};
use super::{parse_participant, IdentityError};
use crate::participant::Participant;

/// The consortium roots a peer's certificate may chain to, each with its country.
#[derive(Clone, Debug)]
pub struct TrustAnchors {
    anchors: Vec<TrustAnchor<'static>>,
    /// `countries[i]` is the country of `anchors[i]`.
    countries: Vec<Country>,
}

impl TrustAnchors {
    /// Every certificate of every PEM text is a root.
    pub fn from_pems(pems: &[&str]) -> Result<TrustAnchors, IdentityError> {
        let mut ders = Vec::new();
        for pem in pems {
            ders.extend(ders_from_pem(pem)?);
        }
        TrustAnchors::from_ders(&ders)
    }

    /// Each DER is one root: an Ed25519 CA certificate with exactly one country (`C`).
    pub fn from_ders<D: AsRef<[u8]>>(ders: &[D]) -> Result<TrustAnchors, IdentityError> {
        if ders.is_empty() {
            return Err(IdentityError::BadTrustAnchor {
                index: 0,
                reason: "no root certificates given".into(),
            });
        }
        let mut anchors = TrustAnchors {
            anchors: Vec::with_capacity(ders.len()),
            countries: Vec::with_capacity(ders.len()),
        };
        for (index, der) in ders.iter().enumerate() {
            let bad = |e: IdentityError| IdentityError::BadTrustAnchor {
                index,
                reason: e.to_string(),
            };
            let country = check_root(der.as_ref()).map_err(bad)?;
            let cert = CertificateDer::from(der.as_ref());
            let anchor = webpki::anchor_from_trusted_cert(&cert).map_err(|e| {
                bad(IdentityError::Malformed {
                    reason: e.to_string(),
                })
            })?;
            anchors.anchors.push(anchor.to_owned());
            anchors.countries.push(country);
        }
        Ok(anchors)
    }

    /// The countries of the roots, in the order given.
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }

    /// The country of the root `anchor` (one of ours, as webpki returns it).
    fn country_of(&self, anchor: &TrustAnchor<'_>) -> Option<Country> {
        self.anchors
            .iter()
            .zip(&self.countries)
            .find(|(candidate, _)| {
                candidate.subject == anchor.subject
                    && candidate.subject_public_key_info == anchor.subject_public_key_info
            })
            .map(|(_, country)| *country)
    }
}

/// Validates `cert_der`'s path to one of `anchors` at `now_unix_s` (for TLS server or client
/// use, either is accepted), then reads the participant and checks that the root's country is
/// the participant's.
pub fn verify_participant(
    anchors: &TrustAnchors,
    cert_der: &[u8],
    intermediates: &[Vec<u8>],
    now_unix_s: i64,
) -> Result<Participant, IdentityError> {
    let intermediates: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|der| CertificateDer::from(der.as_slice()))
        .collect();
    let as_server = verify_for_usage(
        anchors,
        cert_der,
        &intermediates,
        now_unix_s,
        KeyUsage::server_auth(),
    );
    match as_server {
        Err(IdentityError::PathValidation { .. }) => verify_for_usage(
            anchors,
            cert_der,
            &intermediates,
            now_unix_s,
            KeyUsage::client_auth(),
        ),
        other => other,
    }
}

/// [`verify_participant`] for one usage; the TLS verifier knows which side it checks.
pub(crate) fn verify_for_usage(
    anchors: &TrustAnchors,
    cert_der: &[u8],
    intermediates: &[CertificateDer<'_>],
    now_unix_s: i64,
    usage: KeyUsage,
) -> Result<Participant, IdentityError> {
    let cert = CertificateDer::from(cert_der);
    let end_entity = EndEntityCert::try_from(&cert).map_err(|e| IdentityError::Malformed {
        reason: e.to_string(),
    })?;
    // A time before 1970 is before every certificate's notBefore: clamp it to 0.
    let now =
        UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(now_unix_s).unwrap_or(0)));
    let path = end_entity
        .verify_for_usage(
            &[webpki::ring::ED25519],
            &anchors.anchors,
            intermediates,
            now,
            usage,
            None,
            None,
        )
        .map_err(path_error)?;
    let root_country = anchors
        .country_of(path.anchor())
        .ok_or(IdentityError::UnknownIssuer)?;
    let participant = parse_participant(cert_der)?;
    if participant.country != root_country {
        return Err(IdentityError::RootCountryMismatch {
            leaf: participant.country,
            root: root_country,
        });
    }
    Ok(participant)
}

/// Refuses a root that is not a CA, has no single country, or is not Ed25519.
fn check_root(der: &[u8]) -> Result<Country, IdentityError> {
    let cert = parse_certificate(der)?;
    let is_ca = cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|constraints| constraints.value.ca);
    if !is_ca {
        return Err(IdentityError::Malformed {
            reason: "not a CA certificate (basicConstraints cA is not set)".into(),
        });
    }
    ed25519_key(cert.public_key())?;
    subject_country(&cert)
}

fn path_error(error: webpki::Error) -> IdentityError {
    let as_unix_s = |time: UnixTime| i64::try_from(time.as_secs()).unwrap_or(i64::MAX);
    match error {
        webpki::Error::UnknownIssuer => IdentityError::UnknownIssuer,
        webpki::Error::InvalidSignatureForPublicKey => IdentityError::BadSignature,
        webpki::Error::CertExpired { time, not_after } => IdentityError::Expired {
            not_after_unix_s: as_unix_s(not_after),
            now_unix_s: as_unix_s(time),
        },
        webpki::Error::CertNotValidYet { time, not_before } => IdentityError::NotYetValid {
            not_before_unix_s: as_unix_s(not_before),
            now_unix_s: as_unix_s(time),
        },
        other => IdentityError::PathValidation {
            reason: other.to_string(),
        },
    }
}
