//! Queries over committed ledger state: an instrument by id, a document anchor (with its
//! grants) by fingerprint, an instrument's history, a transaction's outcome, the instruments
//! naming a party, the instruments referencing a document, participants, and committed blocks
//! with their transactions' outcomes (what the actors follow, in order, from a height).
//!
//! Queries read through [`StateView`], which [`super::TradeApp`] implements over its in-memory
//! state and the node implements over its store, so both answer alike. Every record returned
//! serializes to JSON for the gateway. Deliberately read-only and bounded whatever the caller
//! asks: a history page holds at most [`HISTORY_PAGE_MAX`] entries, a page of a party's
//! instruments [`LIST_PAGE_MAX`], a document's uses [`DOCUMENT_USES_MAX`], the participant
//! list [`PARTICIPANTS_MAX`], a page of blocks [`BLOCKS_PAGE_MAX`] blocks and, past its first
//! block, [`BLOCKS_PAGE_BYTES_MAX`] bytes of transactions. Deliberately not here: who may read what (the gateway decides,
//! from anchors' issuers and grants and instruments' parties).

use serde::Serialize;

use super::state::*;
use crate::participant::Participant;
use crate::store::BlockReader;
use crate::types::{transaction_hash, Digest, Height, Millis};

/// At most this many history entries per page.
pub const HISTORY_PAGE_MAX: usize = 256;
/// At most this many instruments per page of [`instruments_of`].
pub const LIST_PAGE_MAX: usize = 100;
/// At most this many uses of one document in [`document_uses`].
pub const DOCUMENT_USES_MAX: usize = 64;
/// At most this many participants in [`participants`].
pub const PARTICIPANTS_MAX: usize = 1024;
/// At most this many blocks per page of [`blocks`].
pub const BLOCKS_PAGE_MAX: usize = 256;
/// A page of [`blocks`] takes no further block once its transactions reach this many bytes; a
/// page always holds at least one block (a block is at most the engine's `block_bytes_max`,
/// 4 MiB by default), so a reader always moves on.
pub const BLOCKS_PAGE_BYTES_MAX: usize = 8 * 1024 * 1024;

/// Read access to committed state. Object-safe, so callers hold a `&dyn StateView`.
pub trait StateView {
    /// The value stored under `key`.
    fn state(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// Up to `limit` entries whose key starts with `prefix`, in key order, starting after the
    /// key `after` (exclusive) when given.
    fn state_scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Vec<(Vec<u8>, Vec<u8>)>;
}

/// Committed state held in an ordered map is a view of itself: the application's in-memory
/// state is one.
impl StateView for std::collections::BTreeMap<Vec<u8>, Vec<u8>> {
    fn state(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.get(key).cloned()
    }

    fn state_scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Vec<(Vec<u8>, Vec<u8>)> {
        use std::ops::Bound;
        let start = match after {
            Some(after) if after >= prefix => Bound::Excluded(after.to_vec()),
            _ => Bound::Included(prefix.to_vec()),
        };
        self.range((start, Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix))
            .take(limit)
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }
}

/// An instrument as a query answers it (and as a client reads the answer back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct InstrumentRecord {
    /// The opening transaction's hash, hex.
    pub id: String,
    /// `letter_of_credit`, `invoice` or `customs_declaration`.
    pub kind: String,
    /// The state's name, e.g. `presentation.waived`, `financed`, `released`.
    pub state: String,
    pub opened_height: Height,
    pub instrument: AnyInstrument,
}

/// One history entry of an instrument.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct HistoryRecord {
    /// Position in the instrument's history, from 0 (the opening).
    pub seq: u64,
    pub height: Height,
    pub date: trade_docs::Date,
    pub party_id: String,
    pub role: trade_docs::instrument::Role,
    /// The event, as JSON (`{"letter_of_credit": {"lc_issued": {...}}}`).
    pub event: serde_json::Value,
}

/// An instrument that references a document, as [`document_uses`] answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DocumentUse {
    /// The instrument's id, hex.
    pub id: String,
    pub kind: String,
    /// The instrument's state now.
    pub state: String,
}

/// A registered participant and whether its key is revoked; serializes as the participant's
/// fields plus `"revoked"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ParticipantRecord {
    #[serde(flatten)]
    pub participant: Participant,
    pub revoked: bool,
}

pub fn instrument(view: &dyn StateView, id: &Digest) -> Option<InstrumentRecord> {
    let stored: StoredInstrument = decode(&view.state(&instrument_key(id))?)?;
    Some(InstrumentRecord {
        id: id.to_string(),
        kind: stored.instrument.kind().to_string(),
        state: stored.instrument.state_name(),
        opened_height: stored.opened_height,
        instrument: stored.instrument,
    })
}

pub fn anchor(view: &dyn StateView, fingerprint: &[u8; 32]) -> Option<AnchorRecord> {
    decode(&view.state(&anchor_key(fingerprint))?)
}

/// Up to `limit` (at most [`HISTORY_PAGE_MAX`]) entries after `after_seq`, oldest first.
pub fn history(
    view: &dyn StateView,
    id: &Digest,
    after_seq: Option<u64>,
    limit: usize,
) -> Vec<HistoryRecord> {
    let prefix = history_prefix(id);
    let after = after_seq.map(|seq| history_key(id, seq));
    view.state_scan(&prefix, after.as_deref(), limit.min(HISTORY_PAGE_MAX))
        .into_iter()
        .filter_map(|(key, value)| {
            let seq = u64::from_be_bytes(key.get(prefix.len()..)?.try_into().ok()?);
            let entry: StoredEntry = decode(&value)?;
            Some(HistoryRecord {
                seq,
                height: entry.height,
                date: entry.date,
                party_id: entry.party_id,
                role: entry.role,
                event: serde_json::to_value(&entry.event).ok()?,
            })
        })
        .collect()
}

pub fn outcome(view: &dyn StateView, tx_hash: &Digest) -> Option<TxOutcome> {
    decode(&view.state(&outcome_key(tx_hash))?)
}

/// Up to `limit` (at most [`LIST_PAGE_MAX`]) instruments naming `party`, in the order of their
/// ids, starting after the instrument `after`.
pub fn instruments_of(
    view: &dyn StateView,
    party: &str,
    after: Option<Digest>,
    limit: usize,
) -> Vec<InstrumentRecord> {
    // A party id too long for the index names no instrument.
    let Some(prefix) = party_prefix(party) else {
        return Vec::new();
    };
    let after_key = after.and_then(|id| party_key(party, &id));
    view.state_scan(&prefix, after_key.as_deref(), limit.min(LIST_PAGE_MAX))
        .into_iter()
        .filter_map(|(key, _)| instrument(view, &indexed_id(&key, prefix.len())?))
        .collect()
}

/// The instruments referencing the document `fingerprint` (at most [`DOCUMENT_USES_MAX`]), in
/// the order of their ids.
pub fn document_uses(view: &dyn StateView, fingerprint: &[u8; 32]) -> Vec<DocumentUse> {
    let prefix = uses_prefix(fingerprint);
    view.state_scan(&prefix, None, DOCUMENT_USES_MAX)
        .into_iter()
        .filter_map(|(key, _)| instrument(view, &indexed_id(&key, prefix.len())?))
        .map(|record| DocumentUse {
            id: record.id,
            kind: record.kind,
            state: record.state,
        })
        .collect()
}

pub fn participant(view: &dyn StateView, public_key: &[u8; 32]) -> Option<ParticipantRecord> {
    let participant: Participant = decode(&view.state(&participant_key(public_key))?)?;
    Some(ParticipantRecord {
        revoked: view.state(&revoked_key(public_key)).is_some(),
        participant,
    })
}

/// The registered participants (at most [`PARTICIPANTS_MAX`]), in the order of their keys.
pub fn participants(view: &dyn StateView) -> Vec<ParticipantRecord> {
    view.state_scan(PARTICIPANT_PREFIX, None, PARTICIPANTS_MAX)
        .into_iter()
        .filter_map(|(_, value)| {
            let participant: Participant = decode(&value)?;
            let revoked = view.state(&revoked_key(&participant.public_key)).is_some();
            Some(ParticipantRecord {
                participant,
                revoked,
            })
        })
        .collect()
}

/// A committed block as a follower of the ledger reads it: its height, id, time, and each
/// transaction with its outcome, in block order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CommittedBlock {
    pub height: Height,
    pub block_id: Digest,
    pub timestamp_ms: Millis,
    pub txs: Vec<CommittedTx>,
}

/// One transaction of a committed block: its bytes (a [`super::SignedTx`] when it decodes) and
/// whether the ledger applied it or refused it, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CommittedTx {
    pub hash: Digest,
    #[serde(with = "serde_bytes")]
    pub tx: Vec<u8>,
    pub applied: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The committed blocks above `after_height`, oldest first: at most `limit` (and
/// [`BLOCKS_PAGE_MAX`]), and no further block once [`BLOCKS_PAGE_BYTES_MAX`] bytes of
/// transactions are in. The page stops at the first height the reader cannot produce, so it
/// never skips one: a follower resumes from the last height it got.
pub fn blocks(
    reader: &dyn BlockReader,
    view: &dyn StateView,
    after_height: Height,
    limit: usize,
) -> Vec<CommittedBlock> {
    let top = reader.committed_height();
    let limit = limit.clamp(1, BLOCKS_PAGE_MAX);
    let mut page = Vec::new();
    let mut bytes = 0;
    let mut height = after_height.saturating_add(1);
    while height <= top && page.len() < limit && (page.is_empty() || bytes < BLOCKS_PAGE_BYTES_MAX)
    {
        let Some(block) = reader.committed_at(height).and_then(|id| reader.block(&id)) else {
            break;
        };
        bytes += block.transactions.iter().map(Vec::len).sum::<usize>();
        page.push(committed_block(view, block));
        height += 1;
    }
    page
}

fn committed_block(view: &dyn StateView, block: crate::types::Block) -> CommittedBlock {
    let block_id = block.id();
    let txs = block
        .transactions
        .into_iter()
        .map(|tx| {
            let hash = transaction_hash(&tx);
            // Every committed transaction has an outcome written in its block's height; a
            // missing one means this view lags the block store, and the follower must not
            // mistake that for a refusal by the ledger.
            let (applied, reason) = match outcome(view, &hash) {
                Some(o) => (o.applied, o.reason),
                None => (false, Some("outcome not recorded".into())),
            };
            CommittedTx {
                hash,
                tx,
                applied,
                reason,
            }
        })
        .collect();
    CommittedBlock {
        height: block.height,
        block_id,
        timestamp_ms: block.timestamp_ms,
        txs,
    }
}

/// The instrument id that ends an index key whose prefix is `prefix_len` bytes long.
fn indexed_id(key: &[u8], prefix_len: usize) -> Option<Digest> {
    Some(Digest(key.get(prefix_len..)?.try_into().ok()?))
}
