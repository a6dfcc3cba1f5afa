//! The trade ledger: SilkwayChain's application on top of the consensus engine.
//!
//! - [`tx`]: signed ledger transactions and their strict canonical CBOR encoding;
//! - [`app`]: [`TradeApp`], which executes committed blocks through the trade-docs state
//!   machines, admits transactions to the mempool, and keeps each height's writes for the node;
//! - [`state`]: state keys, stored records and the indexes (organizations, parties, document
//!   uses); [`query`]: reads over committed state;
//! - [`scenario`]: the PRODUCT.md §7 story as signed transactions, and the benchmark's
//!   transaction;
//! - `verify`: signature checks whose verdict does not depend on what was admitted;
//! - `tests`: grants, indexes and their queries, through [`TradeApp`].
//!
//! Architecture invariant: pure. No IO, no clock, no randomness; time is the block's timestamp
//! or a `now_ms` argument. Legality of trade actions is decided by `trade_docs::instrument`
//! alone: this module maps signers to actors and stores what the state machines return.

pub mod app;
pub mod query;
pub mod scenario;
pub mod state;
pub mod tx;
mod verify;

pub use app::{AdmissionError, Admitted, BodyRejection, Genesis, TradeApp};
pub use query::{
    CommittedBlock, CommittedTx, DocumentUse, HistoryRecord, InstrumentRecord, ParticipantRecord,
    StateView,
};
pub use state::{AnchorRecord, GrantRecord, TxOutcome};
pub use tx::{InstrumentAction, SignedTx, TxBody};

/// A transaction's `valid_until_ms` may lie at most this far after the time it is checked at.
pub const TX_VALIDITY_MAX_MS: u64 = 120_000;

#[cfg(test)]
mod tests;
