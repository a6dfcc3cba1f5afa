//! What the engine persists, how a validator recovers from it, and serving block sync.
//!
//! The engine emits [`Record`]s as effects; a shell writes them durably, in order, before it
//! acts on any later effect (that is how "persist before you sign" is kept). Writes cannot
//! fail from the engine's point of view: a shell that cannot write stops the process
//! (fail-stop).
//!
//! [`RecordStore`] is the port both stores implement: [`MemoryStore`] keeps the records in
//! memory for tests and the simulation (it never fails); [`SledStore`] keeps them on disk for
//! the validator node, together with the application state, and returns a [`StoreError`] the
//! node halts on. `consensus/tests/store_contract.rs` runs one suite against both.
//!
//! What this module deliberately does not do: prune old blocks, or interpret application state
//! (keys and values of a [`WriteSet`] are opaque bytes).

mod sled_store;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::safety::SafetyData;
use crate::types::*;
use crate::validators::ValidatorInfo;

/// Application state changes of one committed height: key → new value, `None` deletes. The
/// ledger application produces one per executed block; the node writes it atomically with that
/// height's [`Record::Committed`].
pub type WriteSet = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// One application state entry read back: key and value.
pub type StateEntry = (Vec<u8>, Vec<u8>);

pub use sled_store::SledStore;

/// The storage port of the node: durable records in order, and the state to restart from.
pub trait RecordStore: BlockReader {
    /// Durably writes `records` in order; returns once all are on disk when any of them is a
    /// `Record::Safety`, `Record::Committed` or `Record::Epoch` (those are flushed before
    /// returning; the others may ride on the next flush, which is safe because nothing is
    /// signed on them alone).
    fn write(&mut self, records: &[Record]) -> Result<(), StoreError>;

    /// The state to restart from; `None` for a store that never started an epoch.
    fn recovery(&self) -> Result<Option<Recovery>, StoreError>;
}

/// Why a store could not read or write. Every write error is fatal to the node (fail-stop).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store io error while {action}: {source}")]
    Io {
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("corrupt record in tree `{tree}` at key {key}: {reason}")]
    Corrupt {
        tree: &'static str,
        key: String,
        reason: String,
    },
    #[error("store write failed while {action}: {source}")]
    WriteFailed {
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "store at {path:?} is held by another process (lock not released within {waited_ms} ms)"
    )]
    Locked {
        path: std::path::PathBuf,
        waited_ms: u64,
    },
    #[error("the store refuses writes after an earlier write failed; the node must restart")]
    Poisoned,
    #[error("commit_with_state takes a `Committed` record, not a `{kind}` record")]
    NotACommit { kind: &'static str },
    #[error("store format version {found} in tree `meta` is not the version {expected} this build reads")]
    Format { expected: u64, found: u64 },
}

/// The validator set of an epoch and the committed block it starts from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochState {
    pub epoch: Epoch,
    pub validators: Vec<ValidatorInfo>,
    /// The last committed block of the previous epoch (the genesis block for epoch 0).
    pub anchor_id: Digest,
    pub anchor_height: Height,
}

/// One durable write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)]
pub enum Record {
    /// The safety rules' state; written before any vote or timeout it allows is sent.
    Safety(SafetyData),
    /// A block accepted into the tree; written before voting for it.
    Block(Block),
    /// A certificate for a stored block.
    Qc(QuorumCert),
    /// The highest timeout certificate seen; a restarted validator resumes in the round after it.
    Tc(TimeoutCert),
    /// The commit pointer moved to this block (after it was executed).
    Committed { height: Height, block_id: Digest },
    /// A new epoch began.
    Epoch(EpochState),
}

impl Record {
    /// The variant's name, for error messages and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Safety(_) => "safety",
            Record::Block(_) => "block",
            Record::Qc(_) => "qc",
            Record::Tc(_) => "tc",
            Record::Committed { .. } => "committed",
            Record::Epoch(_) => "epoch",
        }
    }

    /// Whether a write of this record must be on disk before the write returns: the safety
    /// record guards signatures, and commits and epochs must never go backwards.
    pub fn needs_flush(&self) -> bool {
        matches!(
            self,
            Record::Safety(_) | Record::Committed { .. } | Record::Epoch(_)
        )
    }
}

/// What a restarting validator reads back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery {
    pub safety: SafetyData,
    pub epoch: EpochState,
    /// Every committed block above genesis, oldest first, to replay into a fresh application.
    pub committed: Vec<Block>,
    /// Stored blocks above the committed tip.
    pub pending: Vec<Block>,
    /// Certificates of stored blocks.
    pub qcs: Vec<QuorumCert>,
    /// The highest timeout certificate stored.
    pub highest_tc: Option<TimeoutCert>,
}

/// Read access to stored blocks, for serving sync.
pub trait BlockReader {
    fn block(&self, id: &Digest) -> Option<Block>;
    fn committed_at(&self, height: Height) -> Option<Digest>;
    fn committed_height(&self) -> Height;
    fn qc_for(&self, id: &Digest) -> Option<QuorumCert>;
}

/// Answers a sync request: certified blocks above the requester's committed height towards
/// `target`, at most `limit` of them, oldest first. `None` when nothing certified can be sent.
pub fn serve_sync(
    reader: &dyn BlockReader,
    request: &SyncRequest,
    limit: usize,
) -> Option<SyncResponse> {
    let mut blocks = Vec::new();
    let mut height = request.committed_height + 1;
    while blocks.len() < limit && height <= reader.committed_height() {
        blocks.push(reader.block(&reader.committed_at(height)?)?);
        height += 1;
    }
    if blocks.len() < limit {
        let mut pending = Vec::new();
        let mut cursor = request.target;
        while let Some(block) = reader.block(&cursor) {
            if block.height < height {
                break;
            }
            cursor = block.parent_id;
            pending.push(block);
        }
        pending.reverse();
        blocks.extend(pending.into_iter().take(limit - blocks.len()));
    }
    // Only a block with a known certificate can end the response.
    while let Some(last) = blocks.last() {
        if let Some(highest_qc) = reader.qc_for(&last.id()) {
            return Some(SyncResponse { blocks, highest_qc });
        }
        blocks.pop();
    }
    None
}

/// Records kept in memory: the simulation's "disk", and the reference for the sled store.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    safety: SafetyData,
    epoch: Option<EpochState>,
    blocks: BTreeMap<Digest, Block>,
    qcs: BTreeMap<Digest, QuorumCert>,
    highest_tc: Option<TimeoutCert>,
    committed: BTreeMap<Height, Digest>,
}

impl MemoryStore {
    pub fn apply(&mut self, record: &Record) {
        match record {
            Record::Safety(data) => self.safety = data.clone(),
            Record::Block(block) => {
                self.blocks.insert(block.id(), block.clone());
            }
            Record::Qc(qc) => {
                self.qcs.insert(qc.block_id, qc.clone());
            }
            Record::Tc(tc) => {
                let newer = self
                    .highest_tc
                    .as_ref()
                    .is_none_or(|t| (tc.epoch, tc.round) > (t.epoch, t.round));
                if newer {
                    self.highest_tc = Some(tc.clone());
                }
            }
            Record::Committed { height, block_id } => {
                self.committed.insert(*height, *block_id);
            }
            Record::Epoch(state) => {
                self.qcs.insert(
                    state.anchor_id,
                    QuorumCert::anchor(state.epoch, state.anchor_id, state.anchor_height),
                );
                self.epoch = Some(state.clone());
            }
        }
    }

    /// The state to restart from; `None` for a store that never started an epoch.
    pub fn recovery(&self) -> Option<Recovery> {
        let epoch = self.epoch.clone()?;
        let tip = self.committed_height();
        // A commit pointer never names a block above the committed tip when the engine wrote
        // it; for any other sequence, such a block counts as pending only (as in the sled
        // store), so that both stores recover alike from every record sequence.
        let committed: Vec<Block> = self
            .committed
            .values()
            .filter_map(|id| self.blocks.get(id).cloned())
            .filter(|b| b.height <= tip)
            .collect();
        let pending = self
            .blocks
            .values()
            .filter(|b| b.height > tip)
            .cloned()
            .collect();
        Some(Recovery {
            safety: self.safety.clone(),
            epoch,
            committed,
            pending,
            qcs: self.qcs.values().cloned().collect(),
            highest_tc: self.highest_tc.clone(),
        })
    }
}

impl RecordStore for MemoryStore {
    fn write(&mut self, records: &[Record]) -> Result<(), StoreError> {
        records.iter().for_each(|record| self.apply(record));
        Ok(())
    }

    fn recovery(&self) -> Result<Option<Recovery>, StoreError> {
        Ok(MemoryStore::recovery(self))
    }
}

impl BlockReader for MemoryStore {
    fn block(&self, id: &Digest) -> Option<Block> {
        self.blocks.get(id).cloned()
    }

    fn committed_at(&self, height: Height) -> Option<Digest> {
        self.committed.get(&height).copied()
    }

    fn committed_height(&self) -> Height {
        self.committed.keys().next_back().copied().unwrap_or(0)
    }

    fn qc_for(&self, id: &Digest) -> Option<QuorumCert> {
        self.qcs.get(id).cloned()
    }
}
