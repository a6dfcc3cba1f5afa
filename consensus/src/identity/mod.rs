//! The consortium's X.509 identities: issuing certificates from a jurisdiction's root CA,
//! reading what a certificate says about its holder, validating a certificate path to a
//! consortium root, and the rustls glue that makes the transport accept only consortium peers.
//!
//! - [`issue`]: `init_ca` creates a jurisdiction's root; `issue` signs a participant's leaf.
//!   These two are the only functions here that use randomness (serial numbers from the OS
//!   random source, and the CA's key); the time is always an argument.
//! - [`certificate`]: `parse_participant` reads a leaf into a [`Participant`]; the role
//!   extension's encoding.
//! - [`verify`]: [`TrustAnchors`] and `verify_participant` (rustls-webpki path validation, then
//!   `parse_participant`, then the root's country must be the leaf's).
//! - [`tls`]: `server_config` / `client_config` (TLS 1.3 only, mutual authentication, ring
//!   provider) and the one verifier, `PeerVerifier`, both sides use.
//!
//! Deliberately not here: revocation lists and the validator set. Revocations are ledger
//! transactions, and whether a verified participant may connect is the caller's
//! [`AdmissionPolicy`]. No IO: files are read and written by `ops`.
//!
//! # Certificate profile
//!
//! Every key is Ed25519 (roots and leaves). A root's subject is `C`, `O`,
//! `CN = "SilkwayChain <country> consortium root"`; it is a CA with path length 0 (leaves are
//! issued directly by the root) and key usages keyCertSign and cRLSign. A leaf's subject is
//! `C`, `O`, `OU = <role>`, `CN = <name>`; it is not a CA, has key usage digitalSignature,
//! extended key usages serverAuth and clientAuth (a validator is both QUIC server and client),
//! and subject alternative names [`SERVER_NAME`] plus any DNS names asked for. Its key is the
//! participant's signing key; for a validator, its consensus key. `C` is a PrintableString,
//! the other attributes UTF8String.
//!
//! # The role extension
//!
//! OID [`ROLE_EXTENSION_OID`] = `1.3.6.1.4.1.99999.1`, non-critical. Its value is the DER of
//!
//! ```text
//! SilkwayRole ::= SEQUENCE {
//!     role     UTF8String,       -- "validator" | "bank" | "customs" | "exporter" | "operator"
//!     country  PrintableString   -- ISO 3166-1 alpha-2, e.g. "KZ"
//! }
//! ```
//!
//! `1.3.6.1.4.1.99999` is a placeholder private-enterprise arc: the consortium has not
//! registered an IANA Private Enterprise Number yet and must before production (the arc lives
//! only in [`ROLE_EXTENSION_OID`]). The extension is non-critical so that tools that do not
//! know it (`openssl verify`) still accept the certificate; SilkwayChain itself refuses a leaf
//! without it, or whose `OU` or `C` disagree with it.
//!
//! Invariants: a [`Participant`] is only ever built from a certificate whose subject and role
//! extension agree and whose key is Ed25519; `verify_participant` only returns one whose path
//! ends at a trusted root of the same country.

pub mod certificate;
pub mod issue;
pub mod tls;
pub mod verify;

pub use crate::participant::{Participant, ParticipantRole};
pub use certificate::{ders_from_pem, parse_participant, ROLE_EXTENSION_OID};
pub use issue::{init_ca, issue, CaBundle, IssueRequest};
pub use tls::{
    client_config, peer_participant, refusal_reason, server_config, AdmissionPolicy, PeerVerifier,
    TlsIdentity, SERVER_NAME,
};
pub use verify::{verify_participant, TrustAnchors};

use trade_docs::Country;

/// Why a certificate could not be issued, read, or trusted; each variant names the field,
/// attribute or step at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("{field}: {reason}")]
    InvalidRequest { field: &'static str, reason: String },
    #[error("country {requested} differs from the issuing root's country {ca}")]
    CountryMismatch { requested: Country, ca: Country },
    #[error("{place}: {reason}")]
    Pem { place: &'static str, reason: String },
    #[error("CA key does not match the CA certificate's public key")]
    CaKeyMismatch,
    #[error("certificate generation failed while {step}: {reason}")]
    Generation { step: &'static str, reason: String },
    #[error("no randomness from the OS for {purpose}: {reason}")]
    Randomness {
        purpose: &'static str,
        reason: String,
    },
    #[error("malformed certificate: {reason}")]
    Malformed { reason: String },
    #[error("subject has no {attribute}")]
    MissingAttribute { attribute: &'static str },
    #[error("subject has more than one {attribute}")]
    DuplicateAttribute { attribute: &'static str },
    #[error("subject {attribute}: {reason}")]
    BadAttribute {
        attribute: &'static str,
        reason: String,
    },
    #[error(
        "no SilkwayChain role extension (OID {})",
        certificate::ROLE_EXTENSION_OID_TEXT
    )]
    MissingRoleExtension,
    #[error("role extension: {reason}")]
    BadRoleExtension { reason: String },
    #[error(
        "subject {attribute} '{in_subject}' disagrees with the role extension's '{in_extension}'"
    )]
    ExtensionDisagrees {
        attribute: &'static str,
        in_subject: String,
        in_extension: String,
    },
    #[error("not an Ed25519 key (public key algorithm OID {algorithm})")]
    NotEd25519 { algorithm: String },
    #[error("issuer is not a trusted consortium root (unknown issuer)")]
    UnknownIssuer,
    #[error(
        "no trusted root's signature verifies (forged, or from an unknown CA of the same name)"
    )]
    BadSignature,
    #[error("certificate expired: not after {not_after_unix_s}, now {now_unix_s}")]
    Expired {
        not_after_unix_s: i64,
        now_unix_s: i64,
    },
    #[error("certificate not valid yet: not before {not_before_unix_s}, now {now_unix_s}")]
    NotYetValid {
        not_before_unix_s: i64,
        now_unix_s: i64,
    },
    #[error("path validation failed: {reason}")]
    PathValidation { reason: String },
    #[error("leaf country {leaf} differs from the country {root} of the root it chains to")]
    RootCountryMismatch { leaf: Country, root: Country },
    #[error("trust anchor {index}: {reason}")]
    BadTrustAnchor { index: usize, reason: String },
    #[error("the signing key does not match the certificate's public key")]
    KeyMismatch,
    #[error("tls configuration: {reason}")]
    Tls { reason: String },
    #[error("refused by admission policy: {reason}")]
    Refused { reason: String },
}

#[cfg(test)]
mod tests;
