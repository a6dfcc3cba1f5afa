//! Signed envelopes: a document's canonical CBOR inside a COSE_Sign1 (RFC 9052) via `coset`.
//!
//! The protected header names the algorithm and the signer's key id, so both are covered by
//! the signature and a verifier never has to guess. Ed25519 (COSE `EdDSA`, -8) is the only
//! algorithm today; [`Algorithm`] is the one place to add SM2 for Chinese participants. For
//! Ed25519 the key id is the 32-byte public key itself, so an envelope verifies offline;
//! whether that key belongs to a trusted participant is the caller's decision (certificates
//! bind keys to organizations; see the validator-node issue).
//!
//! Verification is strict in the same way as canonical CBOR decoding: the envelope must be the
//! tagged COSE_Sign1 exactly as [`sign`] writes it, with nothing after it, under a size cap.

use coset::{iana, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

use crate::cbor::{from_canonical, to_canonical, CborError};
use crate::document::Document;
use crate::fingerprint::Fingerprint;

/// The content type placed in the protected header.
pub const CONTENT_TYPE: &str = "application/vnd.silkway.document+cbor";

/// Envelopes larger than this are refused before parsing: the document cap plus headers.
pub const ENVELOPE_SIZE_MAX_BYTES: usize = 1024 * 1024 + 4096;

/// Signature algorithms an envelope may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    Ed25519,
}

/// Who signed an envelope: the algorithm and the public key (the COSE key id).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SignerId {
    pub algorithm: Algorithm,
    /// Hex of the public key bytes.
    pub public_key: String,
}

impl SignerId {
    pub fn ed25519(key: &VerifyingKey) -> SignerId {
        SignerId {
            algorithm: Algorithm::Ed25519,
            public_key: hex::encode(key.as_bytes()),
        }
    }
}

/// A verified envelope: who signed which document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub signer: SignerId,
    pub document: Document,
    /// The document fingerprint (SHA-256 of the signed payload).
    pub fingerprint: Fingerprint,
}

/// Why an envelope was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("envelope is {size} bytes, over the limit of {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("not a tagged COSE_Sign1 structure: {0}")]
    Malformed(String),
    #[error("envelope is not in canonical form (re-encoding it gives different bytes)")]
    NonCanonical,
    #[error("unsupported or missing signature algorithm in the protected header")]
    UnsupportedAlgorithm,
    #[error("key id in the protected header is not an Ed25519 public key")]
    BadKeyId,
    #[error("envelope carries no payload")]
    MissingPayload,
    #[error("signature does not verify for key {public_key}")]
    BadSignature { public_key: String },
    #[error("payload: {0}")]
    Payload(#[from] CborError),
}

/// Signs a document with Ed25519 and returns the tagged COSE_Sign1 bytes.
pub fn sign(document: &Document, key: &SigningKey) -> Result<Vec<u8>, EnvelopeError> {
    let payload = to_canonical(document)?;
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(key.verifying_key().as_bytes().to_vec())
        .content_type(CONTENT_TYPE.to_string())
        .build();
    let envelope = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(&[], |data| key.sign(data).to_bytes().to_vec())
        .build();
    envelope
        .to_tagged_vec()
        .map_err(|e| EnvelopeError::Malformed(e.to_string()))
}

/// Verifies a tagged COSE_Sign1 and returns its signer and document.
pub fn verify(bytes: &[u8]) -> Result<Verified, EnvelopeError> {
    if bytes.len() > ENVELOPE_SIZE_MAX_BYTES {
        return Err(EnvelopeError::TooLarge {
            size: bytes.len(),
            max: ENVELOPE_SIZE_MAX_BYTES,
        });
    }
    let envelope =
        CoseSign1::from_tagged_slice(bytes).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
    let again = envelope
        .clone()
        .to_tagged_vec()
        .map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
    if again != bytes {
        return Err(EnvelopeError::NonCanonical);
    }
    let header = &envelope.protected.header;
    let ed_dsa = coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA);
    if header.alg.as_ref() != Some(&ed_dsa) {
        return Err(EnvelopeError::UnsupportedAlgorithm);
    }
    let key_bytes: [u8; 32] = header
        .key_id
        .as_slice()
        .try_into()
        .map_err(|_| EnvelopeError::BadKeyId)?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| EnvelopeError::BadKeyId)?;
    let signer = SignerId::ed25519(&key);
    envelope
        .verify_signature(&[], |signature, data| {
            let signature = ed25519_dalek::Signature::from_slice(signature)?;
            key.verify_strict(data, &signature)
        })
        .map_err(|_| EnvelopeError::BadSignature {
            public_key: signer.public_key.clone(),
        })?;
    let payload = envelope
        .payload
        .as_deref()
        .ok_or(EnvelopeError::MissingPayload)?;
    let document = from_canonical::<Document>(payload)?;
    Ok(Verified {
        signer,
        document,
        fingerprint: Fingerprint::sha256(payload),
    })
}
