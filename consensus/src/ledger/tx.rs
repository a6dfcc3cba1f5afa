//! Ledger transactions: what a participant signs, and its one byte encoding.
//!
//! A [`SignedTx`] is canonical CBOR (`trade_docs::cbor`): a map with the keys `signer`, `nonce`,
//! `valid_until_ms`, `body`, `signature`; keys and signatures are CBOR byte strings, the body
//! and everything in it use the trade-docs data model (amounts and dates as text). Decoding is
//! strict: at most [`TX_SIZE_MAX_BYTES`], nothing after the item, and the bytes must be exactly
//! what [`SignedTx::encode`] writes for the decoded value, so one transaction has one spelling
//! and one hash.
//!
//! The signature is Ed25519 over [`TX_SIGNING_DOMAIN`] followed by the canonical CBOR of the
//! array `[signer, nonce, valid_until_ms, body]` ([`signing_bytes`]).
//!
//! Deliberately not here: whether the signer may do what the body asks, the validity window and
//! replays (the application decides, against ledger state and the block's time), and checking
//! the signature against anything but the key the transaction names.

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use trade_docs::cbor::{from_canonical_with, to_canonical, CborError, DecodeLimits};
use trade_docs::instrument::{
    DeclarationAction, InvoiceAction, LcAction, PresentationAction, Role,
};
use trade_docs::Country;

use crate::participant::Participant;
use crate::types::Digest;

/// Transactions larger than this are refused before decoding.
pub const TX_SIZE_MAX_BYTES: usize = 64 * 1024;
/// What every transaction signature signs first.
pub const TX_SIGNING_DOMAIN: &[u8] = b"silkway/tx/v1";
/// Nesting bound when decoding a transaction (actions nest a few levels at most).
const TX_DEPTH_MAX: usize = 24;

/// A signed ledger transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedTx {
    /// The signer's Ed25519 public key (its participant certificate's key).
    #[serde(with = "byte_array")]
    pub signer: [u8; 32],
    /// Makes otherwise identical transactions distinct; the ledger does not order by it.
    pub nonce: u64,
    /// The transaction is valid only in blocks stamped at or before this time.
    pub valid_until_ms: u64,
    pub body: TxBody,
    #[serde(with = "byte_array")]
    pub signature: [u8; 64],
}

/// What a transaction asks the ledger to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxBody {
    /// Registers a participant (operators only; two-country governance is a later issue).
    RegisterParticipant(Participant),
    /// Revokes a participant's key for good (operators only, likewise).
    RevokeParticipant {
        #[serde(with = "byte_array")]
        public_key: [u8; 32],
        reason: String,
    },
    /// Anchors a document fingerprint; the signer is its issuer.
    AnchorDocument {
        #[serde(with = "byte_array")]
        fingerprint: [u8; 32],
        /// A document kind name, e.g. `invoice`.
        kind: String,
        jurisdiction: Country,
        title: String,
    },
    /// Lets another participant organization read an anchored document; the signer's
    /// organization must be the anchor's issuer.
    GrantAccess {
        #[serde(with = "byte_array")]
        fingerprint: [u8; 32],
        /// The grantee's party id (a registered, unrevoked participant organization).
        grantee: String,
    },
    /// Withdraws a grant made with [`TxBody::GrantAccess`]; the issuer's organization only.
    RevokeAccess {
        #[serde(with = "byte_array")]
        fingerprint: [u8; 32],
        grantee: String,
    },
    /// Opens an instrument; its id is this transaction's hash.
    Open {
        role: Role,
        action: InstrumentAction,
    },
    /// Acts on an open instrument.
    Act {
        instrument: Digest,
        role: Role,
        action: InstrumentAction,
    },
}

/// An action on one of the trade-docs instruments. Presentations live inside their credit, so
/// a presentation action is an `Act` on the credit's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentAction {
    Lc(LcAction),
    Presentation(PresentationAction),
    Invoice(InvoiceAction),
    Declaration(DeclarationAction),
}

/// Why transaction bytes were refused or could not be written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    #[error("field 'tx': {size} bytes, over the limit of {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("field 'tx': {0}")]
    Decode(CborError),
    #[error("field 'tx': cannot encode: {0}")]
    Encode(CborError),
}

impl SignedTx {
    /// Signs `body` with `key`.
    pub fn sign(
        key: &SigningKey,
        nonce: u64,
        valid_until_ms: u64,
        body: TxBody,
    ) -> Result<SignedTx, TxError> {
        let signer = key.verifying_key().to_bytes();
        let message = signing_bytes(&signer, nonce, valid_until_ms, &body)?;
        Ok(SignedTx {
            signer,
            nonce,
            valid_until_ms,
            body,
            signature: key.sign(&message).to_bytes(),
        })
    }

    /// The canonical bytes of the transaction.
    pub fn encode(&self) -> Result<Vec<u8>, TxError> {
        to_canonical(self).map_err(TxError::Encode)
    }

    /// Decodes strictly; see the module documentation.
    pub fn decode(bytes: &[u8]) -> Result<SignedTx, TxError> {
        if bytes.len() > TX_SIZE_MAX_BYTES {
            return Err(TxError::TooLarge {
                size: bytes.len(),
                max: TX_SIZE_MAX_BYTES,
            });
        }
        let limits = DecodeLimits {
            size_max_bytes: TX_SIZE_MAX_BYTES,
            depth_max: TX_DEPTH_MAX,
        };
        from_canonical_with(bytes, limits).map_err(TxError::Decode)
    }

    /// The bytes the signature covers.
    pub fn signing_bytes(&self) -> Result<Vec<u8>, TxError> {
        signing_bytes(&self.signer, self.nonce, self.valid_until_ms, &self.body)
    }

    /// Checks the signature against the signer's key alone (strict Ed25519: no weak keys, no
    /// small-order `R`).
    pub fn verify(&self) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.signer) else {
            return false;
        };
        let Ok(message) = self.signing_bytes() else {
            return false;
        };
        let signature = ed25519_dalek::Signature::from_bytes(&self.signature);
        key.verify_strict(&message, &signature).is_ok()
    }
}

/// [`TX_SIGNING_DOMAIN`] then the canonical CBOR of `[signer, nonce, valid_until_ms, body]`.
pub fn signing_bytes(
    signer: &[u8; 32],
    nonce: u64,
    valid_until_ms: u64,
    body: &TxBody,
) -> Result<Vec<u8>, TxError> {
    #[derive(Serialize)]
    struct Unsigned<'a>(
        #[serde(with = "byte_array")] &'a [u8; 32],
        u64,
        u64,
        &'a TxBody,
    );
    let cbor =
        to_canonical(&Unsigned(signer, nonce, valid_until_ms, body)).map_err(TxError::Encode)?;
    Ok([TX_SIGNING_DOMAIN, &cbor].concat())
}

/// Fixed-size byte arrays as CBOR byte strings (serde's default would write an array of
/// integers, twice the size and slower to check).
pub(crate) mod byte_array {
    use std::fmt;

    use serde::{de, Deserializer, Serializer};

    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        struct Visitor<const N: usize>;
        impl<const N: usize> de::Visitor<'_> for Visitor<N> {
            type Value = [u8; N];
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a byte string of {N} bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<[u8; N], E> {
                v.try_into()
                    .map_err(|_| E::custom(format!("expected {N} bytes, found {}", v.len())))
            }
        }
        d.deserialize_bytes(Visitor::<N>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    fn anchor() -> TxBody {
        TxBody::AnchorDocument {
            fingerprint: [3; 32],
            kind: "invoice".into(),
            jurisdiction: Country::KZ,
            title: "Invoice TH-INV-2611".into(),
        }
    }

    #[test]
    fn round_trips_and_verifies() {
        let tx = SignedTx::sign(&key(), 9, 1_000, anchor()).unwrap();
        let bytes = tx.encode().unwrap();
        let back = SignedTx::decode(&bytes).unwrap();
        assert_eq!(back, tx);
        assert!(back.verify());
        // Keys and signatures are byte strings: 0x58 0x20 (32 bytes), 0x58 0x40 (64 bytes).
        assert!(bytes.windows(2).any(|w| w == [0x58, 0x40]));
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let tx = SignedTx::sign(&key(), 9, 1_000, anchor()).unwrap();
        let mutations: [fn(&mut SignedTx); 4] = [
            |t| t.nonce += 1,
            |t| t.valid_until_ms += 1,
            |t| t.signer = SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes(),
            |t| {
                t.body = TxBody::AnchorDocument {
                    fingerprint: [4; 32],
                    kind: "invoice".into(),
                    jurisdiction: Country::KZ,
                    title: "Invoice TH-INV-2611".into(),
                }
            },
        ];
        for (i, mutate) in mutations.iter().enumerate() {
            let mut changed = tx.clone();
            mutate(&mut changed);
            assert!(!changed.verify(), "mutation {i}");
        }
    }

    #[test]
    fn decoding_is_strict() {
        let bytes = SignedTx::sign(&key(), 9, 1_000, anchor())
            .unwrap()
            .encode()
            .unwrap();
        let trailing = [bytes.clone(), vec![0]].concat();
        assert!(matches!(
            SignedTx::decode(&trailing),
            Err(TxError::Decode(CborError::TrailingBytes { .. }))
        ));
        assert!(matches!(
            SignedTx::decode(&vec![0u8; TX_SIZE_MAX_BYTES + 1]),
            Err(TxError::TooLarge { .. })
        ));
        assert!(matches!(
            SignedTx::decode(&bytes[..bytes.len() - 1]),
            Err(TxError::Decode(_))
        ));
    }
}
