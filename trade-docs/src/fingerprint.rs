//! Fingerprints: what the ledger anchors in place of a document's bytes.
//!
//! Two kinds. The *document fingerprint* is SHA-256 of the document's canonical CBOR: any
//! change to any field changes it. The *business fingerprint* of an invoice hashes only its
//! normalized business identity (seller id, buyer id, number, issue date, total, currency), so
//! the same invoice re-typed into another system, or re-scanned, maps to the same value; this is
//! what the ledger's double-financing guard keys on. Neither depends on file bytes, file names or
//! the encoding the document arrived in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::cbor::{to_canonical, CborError};
use crate::document::{Document, Invoice, Party};

/// A SHA-256 digest, printed as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

/// Why a fingerprint string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a fingerprint (expected 64 hex digits)")]
pub struct FingerprintError(pub String);

impl Fingerprint {
    /// SHA-256 of arbitrary bytes.
    pub fn sha256(bytes: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(bytes).into())
    }

    /// The document fingerprint: SHA-256 of the canonical CBOR.
    pub fn of_document(doc: &Document) -> Result<Fingerprint, CborError> {
        Ok(Fingerprint::sha256(&to_canonical(doc)?))
    }

    /// The business fingerprint of an invoice; see the module documentation.
    pub fn of_invoice_business(invoice: &Invoice) -> Fingerprint {
        let identity = BusinessIdentity {
            domain: "silkway/invoice-business-fingerprint/v1",
            seller: party_key(&invoice.seller),
            buyer: party_key(&invoice.buyer),
            number: normalize(&invoice.number),
            issue_date: invoice.issue_date.to_string(),
            // Rescaled to the currency's minor units so `1125` and `1125.00` agree.
            total: invoice
                .total
                .rescale(invoice.currency.minor_units())
                .unwrap_or(invoice.total)
                .to_string(),
            currency: invoice.currency.as_str(),
        };
        // Invariant: the identity holds only strings, which always encode.
        Fingerprint::sha256(&to_canonical(&identity).expect("strings always encode"))
    }
}

#[derive(Serialize)]
struct BusinessIdentity {
    domain: &'static str,
    seller: String,
    buyer: String,
    number: String,
    issue_date: String,
    total: String,
    currency: &'static str,
}

/// A party's identity for business fingerprints: its registry id when it has one, its name
/// otherwise; normalized either way.
fn party_key(party: &Party) -> String {
    match &party.id {
        Some(id) if !id.trim().is_empty() => format!("id:{}", normalize(id)),
        _ => format!("name:{}", normalize(&party.name)),
    }
}

/// Upper case, letters and digits only: `inv 2026/001` and `INV-2026-001` agree.
fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl FromStr for Fingerprint {
    type Err = FingerprintError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(FingerprintError(text.to_string()));
        }
        hex::decode_to_slice(text, &mut out).map_err(|_| FingerprintError(text.to_string()))?;
        Ok(Fingerprint(out))
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
