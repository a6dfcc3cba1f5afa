//! The ledger state's keys and stored records.
//!
//! State is an ordered map from keys to canonical CBOR values. Keys are an ASCII prefix then
//! fixed-width binary fields, so a prefix scan lists one kind of record in a stable order:
//!
//! | key | value |
//! |---|---|
//! | `meta/chain_id` | the chain id (text) |
//! | `part/<public key: 32 bytes>` | [`crate::participant::Participant`] |
//! | `revoked/<public key: 32 bytes>` | [`Revocation`] |
//! | `inst/<instrument id: 32 bytes>` | [`StoredInstrument`] |
//! | `hist/<instrument id: 32 bytes>/<seq: u64 big-endian>` | [`StoredEntry`] |
//! | `anchor/<fingerprint: 32 bytes>` | [`AnchorRecord`] (with its access grants) |
//! | `outcome/<transaction hash: 32 bytes>` | [`TxOutcome`] |
//! | `org/<org>/<public key: 32 bytes>` | the participant's [`crate::participant::ParticipantRole`] |
//! | `party/<party id>/<instrument id: 32 bytes>` | the instrument's kind (text) |
//! | `uses/<fingerprint: 32 bytes>/<instrument id: 32 bytes>` | the instrument's kind (text) |
//!
//! `<org>` and `<party id>` are a length byte then the text's bytes ([`party_segment`]), so no
//! organization's entries fall under another's prefix. The three indexes only grow: a party
//! named once by an instrument, or a document an instrument referenced once, keeps listing it.
//! Records that queries return serialize to JSON as well (ids and keys as lower-case hex).
//! Deliberately not here: deciding what to write (the application) and reading (queries).

use serde::{Deserialize, Serialize};
use trade_docs::cbor::{from_canonical, to_canonical};
use trade_docs::instrument::{
    DeclarationEvent, DeclarationInstrument, InvoiceEvent, InvoiceInstrument, LcEvent,
    LcInstrument, Role,
};
use trade_docs::{Country, Date};

use crate::types::{Digest, Height};

pub const CHAIN_ID_KEY: &[u8] = b"meta/chain_id";
pub const PARTICIPANT_PREFIX: &[u8] = b"part/";
pub const REVOKED_PREFIX: &[u8] = b"revoked/";
pub const INSTRUMENT_PREFIX: &[u8] = b"inst/";
pub const HISTORY_PREFIX: &[u8] = b"hist/";
pub const ANCHOR_PREFIX: &[u8] = b"anchor/";
pub const OUTCOME_PREFIX: &[u8] = b"outcome/";
pub const ORG_PREFIX: &[u8] = b"org/";
pub const PARTY_PREFIX: &[u8] = b"party/";
pub const USES_PREFIX: &[u8] = b"uses/";

pub fn participant_key(public_key: &[u8; 32]) -> Vec<u8> {
    [PARTICIPANT_PREFIX, public_key].concat()
}

pub fn revoked_key(public_key: &[u8; 32]) -> Vec<u8> {
    [REVOKED_PREFIX, public_key].concat()
}

pub fn instrument_key(id: &Digest) -> Vec<u8> {
    [INSTRUMENT_PREFIX, &id.0].concat()
}

/// The prefix of every history entry of one instrument.
pub fn history_prefix(id: &Digest) -> Vec<u8> {
    [HISTORY_PREFIX, &id.0, b"/"].concat()
}

pub fn history_key(id: &Digest, seq: u64) -> Vec<u8> {
    [history_prefix(id), seq.to_be_bytes().to_vec()].concat()
}

pub fn anchor_key(fingerprint: &[u8; 32]) -> Vec<u8> {
    [ANCHOR_PREFIX, fingerprint].concat()
}

pub fn outcome_key(tx_hash: &Digest) -> Vec<u8> {
    [OUTCOME_PREFIX, &tx_hash.0].concat()
}

/// A party id or organization as a key segment: its length in one byte, then its bytes.
/// `None` over 255 bytes. Instrument parties (at most `PARTY_ID_LEN_MAX`, 128 bytes, checked
/// by trade-docs) and registered organizations (checked likewise) always fit; a genesis
/// organization that does not (X.509 caps it at 64 characters) is simply not indexed.
pub fn party_segment(party: &str) -> Option<Vec<u8>> {
    let len = u8::try_from(party.len()).ok()?;
    Some([&[len], party.as_bytes()].concat())
}

/// The prefix of the keys of every participant of one organization.
pub fn org_prefix(org: &str) -> Option<Vec<u8>> {
    Some([ORG_PREFIX, &party_segment(org)?, b"/"].concat())
}

pub fn org_key(org: &str, public_key: &[u8; 32]) -> Option<Vec<u8>> {
    Some([org_prefix(org)?, public_key.to_vec()].concat())
}

/// The prefix of the index entries of every instrument naming one party.
pub fn party_prefix(party: &str) -> Option<Vec<u8>> {
    Some([PARTY_PREFIX, &party_segment(party)?, b"/"].concat())
}

pub fn party_key(party: &str, id: &Digest) -> Option<Vec<u8>> {
    Some([party_prefix(party)?, id.0.to_vec()].concat())
}

/// The prefix of the index entries of every instrument referencing one document.
pub fn uses_prefix(fingerprint: &[u8; 32]) -> Vec<u8> {
    [USES_PREFIX, fingerprint, b"/"].concat()
}

pub fn uses_key(fingerprint: &[u8; 32], id: &Digest) -> Vec<u8> {
    [uses_prefix(fingerprint), id.0.to_vec()].concat()
}

/// A revoked key, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    pub reason: String,
    pub height: Height,
    /// The operator's key, hex.
    pub revoked_by: String,
}

/// Any instrument, tagged by its kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum AnyInstrument {
    LetterOfCredit(LcInstrument),
    Invoice(InvoiceInstrument),
    CustomsDeclaration(DeclarationInstrument),
}

/// Any instrument event, tagged by its instrument's kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnyEvent {
    LetterOfCredit(LcEvent),
    Invoice(InvoiceEvent),
    CustomsDeclaration(DeclarationEvent),
}

/// An instrument as stored under `inst/<id>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredInstrument {
    pub opened_height: Height,
    pub instrument: AnyInstrument,
}

/// One history entry as stored under `hist/<id>/<seq>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredEntry {
    pub height: Height,
    pub date: Date,
    pub party_id: String,
    pub role: Role,
    pub event: AnyEvent,
}

/// A document anchor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorRecord {
    /// Hex.
    pub fingerprint: String,
    pub kind: String,
    pub jurisdiction: Country,
    pub title: String,
    /// The issuer's party id (its participant organization).
    pub issuer: String,
    /// The signer's key, hex.
    pub signer: String,
    pub height: Height,
    /// The anchoring block's timestamp.
    pub time_ms: u64,
    /// Organizations the issuer let read the document, in the order granted. Absent when
    /// empty, so an anchor without grants encodes as it did before grants existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<GrantRecord>,
}

/// One organization's access to an anchored document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantRecord {
    /// The grantee's party id (its participant organization).
    pub grantee: String,
    pub height: Height,
    /// The granting block's timestamp.
    pub time_ms: u64,
}

/// What became of a committed transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TxOutcome {
    pub height: Height,
    /// Position in its block.
    pub index: u32,
    pub applied: bool,
    /// Why it was rejected; absent when applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl AnyInstrument {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::LetterOfCredit(_) => "letter_of_credit",
            Self::Invoice(_) => "invoice",
            Self::CustomsDeclaration(_) => "customs_declaration",
        }
    }

    /// The state's name, e.g. `presentation.waived`.
    pub fn state_name(&self) -> String {
        match self {
            Self::LetterOfCredit(i) => i.state.to_string(),
            Self::Invoice(i) => i.state.to_string(),
            Self::CustomsDeclaration(i) => i.state.to_string(),
        }
    }

    /// Every party the instrument names, as it stands (duplicates possible): a credit's
    /// parties, an invoice's seller, buyer, holder and financier, a declaration's declarant and
    /// customs post.
    pub fn parties(&self) -> Vec<&str> {
        match self {
            Self::LetterOfCredit(lc) => {
                let p = &lc.parties;
                [
                    &p.issuing_bank,
                    &p.advising_bank,
                    &p.applicant,
                    &p.beneficiary,
                ]
                .into_iter()
                .chain(p.confirming_bank.as_ref())
                .chain(p.nominated_bank.as_ref())
                .map(String::as_str)
                .collect()
            }
            Self::Invoice(i) => [&i.parties.seller, &i.parties.buyer, &i.holder]
                .into_iter()
                .chain(i.financing.as_ref().map(|f| &f.financier))
                .map(String::as_str)
                .collect(),
            Self::CustomsDeclaration(d) => {
                vec![d.parties.declarant.as_str(), d.parties.customs.as_str()]
            }
        }
    }

    /// The fingerprints of the documents (files) the instrument references, as it stands
    /// (duplicates possible): a credit's document, a pending amendment's, a presentation's
    /// documents; a declaration's document. Not an invoice's business fingerprint, which
    /// identifies a sale, not a file, nor an examination report's.
    pub fn documents(&self) -> Vec<[u8; 32]> {
        match self {
            Self::LetterOfCredit(lc) => {
                let pending = lc
                    .pending_amendment
                    .iter()
                    .flat_map(|p| [p.amendment.document, p.amended_terms.document]);
                let presented = lc
                    .presentation
                    .iter()
                    .flat_map(|p| p.documents.iter().copied());
                std::iter::once(lc.terms.document)
                    .chain(pending)
                    .chain(presented)
                    .map(|fingerprint| fingerprint.0)
                    .collect()
            }
            Self::Invoice(_) => Vec::new(),
            Self::CustomsDeclaration(d) => vec![d.terms.document.0],
        }
    }

    /// The last history entry, as stored under `hist/`; `None` only for an empty history,
    /// which an instrument never has.
    pub fn last_entry(&self) -> Option<(u64, StoredEntry)> {
        fn entry<E: Clone>(
            history: &trade_docs::instrument::History<E>,
            wrap: fn(E) -> AnyEvent,
        ) -> Option<(u64, StoredEntry)> {
            let last = history.last()?;
            let seq = history.len() as u64 - 1;
            Some((
                seq,
                StoredEntry {
                    height: last.height,
                    date: last.date,
                    party_id: last.party_id.clone(),
                    role: last.role,
                    event: wrap(last.event.clone()),
                },
            ))
        }
        match self {
            Self::LetterOfCredit(i) => entry(&i.history, AnyEvent::LetterOfCredit),
            Self::Invoice(i) => entry(&i.history, AnyEvent::Invoice),
            Self::CustomsDeclaration(i) => entry(&i.history, AnyEvent::CustomsDeclaration),
        }
    }
}

/// Canonical CBOR of a record. Records hold only text, integers, byte strings and the
/// trade-docs data model, which always encode.
pub fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    // Invariant: see above; an encoding failure would be a bug in a record type, caught by
    // every test that writes state.
    to_canonical(record).expect("ledger records always encode")
}

/// Decodes a stored record; `None` if the bytes are not one (a corrupt or foreign store).
pub fn decode<T: Serialize + serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    from_canonical(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_keys_sort_by_sequence_and_stay_under_their_prefix() {
        let id = Digest::of(&[b"x"]);
        let keys: Vec<Vec<u8>> = [0u64, 1, 255, 256, u64::MAX]
            .iter()
            .map(|s| history_key(&id, *s))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(keys.iter().all(|k| k.starts_with(&history_prefix(&id))));
        let other = Digest::of(&[b"y"]);
        assert!(!history_key(&other, 0).starts_with(&history_prefix(&id)));
    }

    #[test]
    fn outcomes_round_trip() {
        let outcome = TxOutcome {
            height: 4,
            index: 2,
            applied: false,
            reason: Some("field 'signer': unknown".into()),
        };
        assert_eq!(decode::<TxOutcome>(&encode(&outcome)), Some(outcome));
        assert_eq!(decode::<TxOutcome>(b"\x00"), None);
    }
}
