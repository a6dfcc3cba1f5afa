//! Queries over committed ledger state: an instrument by id, a document anchor by fingerprint,
//! an instrument's history, a transaction's outcome.
//!
//! Queries read through [`StateView`], which [`super::TradeApp`] implements over its in-memory
//! state and the node implements over its store, so both answer alike. Every record returned
//! serializes to JSON for the gateway. Deliberately read-only and bounded: a history page holds
//! at most [`HISTORY_PAGE_MAX`] entries whatever the caller asks.

use serde::Serialize;

use super::state::*;
use crate::types::{Digest, Height};

/// At most this many history entries per page.
pub const HISTORY_PAGE_MAX: usize = 256;

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

/// An instrument as a query answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstrumentRecord {
    /// The opening transaction's hash, hex.
    pub id: String,
    /// `letter_of_credit`, `invoice` or `customs_declaration`.
    pub kind: &'static str,
    /// The state's name, e.g. `presentation.waived`, `financed`, `released`.
    pub state: String,
    pub opened_height: Height,
    pub instrument: AnyInstrument,
}

/// One history entry of an instrument.
#[derive(Clone, Debug, PartialEq, Serialize)]
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

pub fn instrument(view: &dyn StateView, id: &Digest) -> Option<InstrumentRecord> {
    let stored: StoredInstrument = decode(&view.state(&instrument_key(id))?)?;
    Some(InstrumentRecord {
        id: id.to_string(),
        kind: stored.instrument.kind(),
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
