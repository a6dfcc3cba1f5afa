//! rustls configuration for the validator transport: mutual TLS 1.3 where each side accepts
//! the other only if its certificate chains to a consortium root of its own country and the
//! caller's admission policy (validator-set membership, revocations) lets it in.
//!
//! Both directions use one verifier, [`PeerVerifier`]: `verify_for_usage` (path validation
//! with Ed25519 only, the participant read from the leaf, the root's country checked), then the
//! policy. Handshake signatures are checked with the ring provider's algorithms; TLS 1.2 is
//! refused. Host names are not checked: every node presents [`SERVER_NAME`] and the client
//! always asks for it, because what identifies a peer is its certificate's key and role, not a
//! DNS name. The QUIC code sets ALPN itself; this module does no IO.
//!
//! Invariant: a handshake completes only after `verify_for_usage` and the policy both accepted
//! the peer's certificate, on the server and on the client side alike.

use std::fmt;
use std::sync::Arc;

use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::SigningKey;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, DistinguishedName, OtherError,
    ServerConfig, SignatureScheme,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use webpki::KeyUsage;

use super::certificate::{ders_from_pem, ed25519_key, parse_certificate};
use super::verify::{verify_for_usage, TrustAnchors};
use super::{parse_participant, IdentityError};
use crate::participant::Participant;

/// The server name every node presents and every client asks for (a SAN of every leaf).
pub const SERVER_NAME: &str = "silkway.node";

/// Decides, after path validation, whether a verified participant may connect (membership in
/// the current validator set, not revoked). `Err(reason)` refuses the handshake.
pub type AdmissionPolicy = Arc<dyn Fn(&Participant) -> Result<(), String> + Send + Sync>;

/// A node's own certificate chain (leaf first) and private key, as rustls takes them.
#[derive(Debug)]
pub struct TlsIdentity {
    pub cert_chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl TlsIdentity {
    /// The chain in `cert_pem` (leaf first) with `key`, which must be the leaf's key.
    pub fn from_pem(cert_pem: &str, key: &SigningKey) -> Result<TlsIdentity, IdentityError> {
        let cert_chain = ders_from_pem(cert_pem)?;
        // `ders_from_pem` refuses a text without certificates, so index 0 exists.
        let leaf = parse_certificate(&cert_chain[0])?;
        if ed25519_key(leaf.public_key())? != key.verifying_key().to_bytes() {
            return Err(IdentityError::KeyMismatch);
        }
        let document = key.to_pkcs8_der().map_err(|e| IdentityError::Tls {
            reason: format!("cannot encode the private key: {e}"),
        })?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(document.as_bytes().to_vec()));
        Ok(TlsIdentity { cert_chain, key })
    }
}

/// A server configuration that requires a client certificate (mutual TLS), TLS 1.3 only, on
/// the ring provider. `clock` gives the unix time certificates are checked at.
pub fn server_config(
    identity: &TlsIdentity,
    anchors: Arc<TrustAnchors>,
    policy: AdmissionPolicy,
    clock: fn() -> i64,
) -> Result<ServerConfig, IdentityError> {
    let verifier = Arc::new(PeerVerifier::new(anchors, policy, clock));
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(tls_error)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(identity.cert_chain.clone(), identity.key.clone_key())
        .map_err(tls_error)
}

/// A client configuration that presents `identity` and verifies the server like
/// [`server_config`] verifies clients. Connect with the server name [`SERVER_NAME`].
pub fn client_config(
    identity: &TlsIdentity,
    anchors: Arc<TrustAnchors>,
    policy: AdmissionPolicy,
    clock: fn() -> i64,
) -> Result<ClientConfig, IdentityError> {
    let verifier = Arc::new(PeerVerifier::new(anchors, policy, clock));
    ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(tls_error)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(identity.cert_chain.clone(), identity.key.clone_key())
        .map_err(tls_error)
}

/// The participant a finished handshake authenticated, from the peer's end-entity
/// certificate (which the verifier has already validated).
pub fn peer_participant(peer_cert_der: &[u8]) -> Result<Participant, IdentityError> {
    parse_participant(peer_cert_der)
}

/// Why our verifier refused a peer, if `error` (from a failed handshake) is such a refusal.
/// The peer only sees a certificate_unknown alert; this recovers the reason for the local log.
pub fn refusal_reason(error: &rustls::Error) -> Option<&IdentityError> {
    match error {
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(inner))) => {
            inner.downcast_ref::<IdentityError>()
        }
        _ => None,
    }
}

/// Verifies a peer's certificate on either side of the handshake: path validation to a
/// consortium root of the participant's country, then the admission policy.
pub struct PeerVerifier {
    anchors: Arc<TrustAnchors>,
    policy: AdmissionPolicy,
    clock: fn() -> i64,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PeerVerifier {
    pub fn new(anchors: Arc<TrustAnchors>, policy: AdmissionPolicy, clock: fn() -> i64) -> Self {
        PeerVerifier {
            anchors,
            policy,
            clock,
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        }
    }

    fn admit(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        usage: KeyUsage,
    ) -> Result<(), rustls::Error> {
        let now_unix_s = (self.clock)();
        let participant =
            verify_for_usage(&self.anchors, end_entity, intermediates, now_unix_s, usage)
                .map_err(refusal)?;
        (self.policy)(&participant).map_err(|reason| refusal(IdentityError::Refused { reason }))
    }
}

impl fmt::Debug for PeerVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerVerifier")
            .field("anchors", &self.anchors)
            .finish_non_exhaustive()
    }
}

impl ClientCertVerifier for PeerVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.admit(end_entity, intermediates, KeyUsage::client_auth())?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(tls12_refused())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

impl ServerCertVerifier for PeerVerifier {
    /// The server name is deliberately not checked (see the module doc); neither is OCSP,
    /// since revocations live on the ledger and reach us through the policy.
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.admit(end_entity, intermediates, KeyUsage::server_auth())?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(tls12_refused())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The peer's certificate is refused with our reason, kept whole in the local error (see
/// [`refusal_reason`]) and logged; the peer itself only sees a certificate_unknown alert.
fn refusal(error: IdentityError) -> rustls::Error {
    tracing::warn!(%error, "peer certificate refused");
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(error))))
}

fn tls12_refused() -> rustls::Error {
    rustls::Error::General("tls 1.2 is refused; the transport speaks tls 1.3 only".into())
}

fn tls_error(error: rustls::Error) -> IdentityError {
    IdentityError::Tls {
        reason: error.to_string(),
    }
}
