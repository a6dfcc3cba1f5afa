//! The validator node's store on disk: the engine's records and the application state in one
//! sled database, behind [`RecordStore`] and a small state API. No sled type appears in the
//! public API; sled errors become [`StoreError`]s (through `std::io::Error`).
//!
//! Layout: one sled tree per kind of data.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `blocks` | block id (32 bytes) | `Block`, CBOR |
//! | `qcs` | id of the certified block (32 bytes) | `QuorumCert`, CBOR (epoch anchors too) |
//! | `committed` | height, u64 big-endian (key order is height order) | block id (32 bytes) |
//! | `meta` | `format` / `safety` / `epoch` / `highest_tc` / `applied_height` | u64 BE / `SafetyData` / `EpochState` / `TimeoutCert`, CBOR / u64 BE |
//! | `state` | application key (opaque bytes) | application value (opaque bytes) |
//!
//! CBOR goes through ciborium and the records' serde derives; a value that does not decode is
//! [`StoreError::Corrupt`] naming the tree and the key. The indexes of the trade ledger
//! (instrument by id, document anchor by fingerprint, history of an instrument) are key
//! prefixes the ledger application chooses inside `state`; this store does not know them and
//! serves them through [`SledStore::state`] and [`SledStore::state_scan`].
//!
//! Durability and atomicity: every [`RecordStore::write`] and [`SledStore::commit_with_state`]
//! call is staged into one `Batch` per tree and applied in one sled transaction across the
//! trees, so after a crash a call is either wholly on disk or wholly absent; then at most one
//! `flush` (an fsync), and only when the call holds a record that must be durable before the
//! call returns ([`Record::needs_flush`]). sled's log is sequential, so a flush also makes every
//! earlier unflushed call durable: what survives a crash is always a prefix of the calls.
//!
//! Limit (sled 0.34): a value or tree node larger than a quarter of sled's 512 KiB segment —
//! any block of more than a few hundred transactions — goes to a separate blob file that sled
//! writes but never fsyncs. A killed process loses nothing (the data is in the OS page cache
//! before `write` returns, which `store_contract.rs` checks with `kill -9`), but a power loss
//! can lose or tear recent large blocks. The records that keep the safety rules (`meta`) and
//! the commit pointers (`committed`) are small, stay in the fsynced log, and survive either.
//!
//! Fail-stop: nothing here panics on an IO error. A failed write returns the error and
//! poisons the store — every later write returns [`StoreError::Poisoned`] — because after a
//! failure what is on disk is uncertain and the node must halt and restart from disk.
//! [`BlockReader`] cannot report errors; a failed or corrupt read there is logged and answers
//! `None` (it only serves block sync, where a missing block means a shorter answer).
//!
//! What it deliberately does not do: prune, cache records in memory (beyond the committed
//! height and the highest timeout certificate's round), check blocks or certificates (the
//! engine did), or lock against a second process (sled holds an exclusive file lock).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;
use std::path::{Path, PathBuf};
#[cfg(any(test, feature = "failpoints"))]
use std::sync::atomic::{AtomicBool, Ordering};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use sled::{Batch, IVec, Tree};

use super::{
    BlockReader, EpochState, Record, RecordStore, Recovery, StateEntry, StoreError, WriteSet,
};
use crate::safety::SafetyData;
use crate::types::*;

/// The on-disk layout version this build reads and writes.
const FORMAT_VERSION: u64 = 1;

const BLOCKS: &str = "blocks";
const QCS: &str = "qcs";
const COMMITTED: &str = "committed";
const META: &str = "meta";
const STATE: &str = "state";

const KEY_FORMAT: &[u8] = b"format";
const KEY_SAFETY: &[u8] = b"safety";
const KEY_EPOCH: &[u8] = b"epoch";
const KEY_HIGHEST_TC: &[u8] = b"highest_tc";
const KEY_APPLIED_HEIGHT: &[u8] = b"applied_height";

/// Engine records and application state in a sled database.
pub struct SledStore {
    db: sled::Db,
    path: PathBuf,
    trees: Trees,
    /// The highest key of `committed` (0 when empty), kept because [`BlockReader`] cannot fail.
    committed_height: Height,
    /// (epoch, round) of the stored highest timeout certificate, to keep only higher ones.
    highest_tc: Option<(Epoch, Round)>,
    poisoned: bool,
    #[cfg(any(test, feature = "failpoints"))]
    fail_next: AtomicBool,
}

impl SledStore {
    /// Opens (or creates) the store in `dir`. Fails if another process holds it open.
    pub fn open(dir: &Path) -> Result<SledStore, StoreError> {
        let db = open_db(dir)?;
        let open_tree = |name: &'static str| db.open_tree(name).map_err(io("opening a tree"));
        let trees = Trees {
            blocks: open_tree(BLOCKS)?,
            qcs: open_tree(QCS)?,
            committed: open_tree(COMMITTED)?,
            meta: open_tree(META)?,
            state: open_tree(STATE)?,
        };
        let mut store = SledStore {
            db,
            path: dir.to_path_buf(),
            trees,
            committed_height: 0,
            highest_tc: None,
            poisoned: false,
            #[cfg(any(test, feature = "failpoints"))]
            fail_next: AtomicBool::new(false),
        };
        store.check_format()?;
        store.committed_height = store.read_committed_height()?;
        store.highest_tc = store
            .meta_value::<TimeoutCert>(KEY_HIGHEST_TC)?
            .map(|tc| (tc.epoch, tc.round));
        Ok(store)
    }

    /// Applies `writes` and the commit record atomically (one sled transaction across the
    /// `state`, `committed` and `meta` trees), records the applied height, flushes. Applying
    /// a height twice is harmless: a write set holds final values, not increments.
    pub fn commit_with_state(
        &mut self,
        record: &Record,
        writes: &WriteSet,
    ) -> Result<(), StoreError> {
        let Record::Committed { height, .. } = record else {
            return Err(StoreError::NotACommit {
                kind: record.kind(),
            });
        };
        let mut staged = self.staging();
        staged.stage(record)?;
        for (key, value) in writes {
            match value {
                Some(value) => staged.state.insert(key.as_slice(), value.as_slice()),
                None => staged.state.remove(key.as_slice()),
            }
        }
        staged
            .meta
            .insert(KEY_APPLIED_HEIGHT, &height.to_be_bytes()[..]);
        staged.flush = true;
        self.commit(staged)
    }

    /// The height of the last [`SledStore::commit_with_state`] (0 before any).
    pub fn applied_height(&self) -> Result<Height, StoreError> {
        match self.read(&self.trees.meta, "reading meta", KEY_APPLIED_HEIGHT)? {
            Some(bytes) => height_from(META, KEY_APPLIED_HEIGHT, &bytes),
            None => Ok(0),
        }
    }

    /// The application value under `key`.
    pub fn state(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .read(&self.trees.state, "reading state", key)?
            .map(|v| v.to_vec()))
    }

    /// Up to `limit` entries whose key starts with `prefix`, in key order, starting after
    /// `after` if given.
    pub fn state_scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<StateEntry>, StoreError> {
        let start = match after {
            Some(after) if after >= prefix => Bound::Excluded(after),
            _ => Bound::Included(prefix),
        };
        let mut entries = Vec::new();
        for entry in self
            .trees
            .state
            .range::<&[u8], _>((start, Bound::Unbounded))
            .take(limit)
        {
            let (key, value) = entry.map_err(io("scanning state"))?;
            if !key.starts_with(prefix) {
                break;
            }
            entries.push((key.to_vec(), value.to_vec()));
        }
        Ok(entries)
    }

    /// What the database occupies on disk.
    pub fn size_on_disk_bytes(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(io("measuring size on disk"))
    }

    /// Makes the next write fail as an IO error would, before anything reaches the disk: for
    /// tests that show the node halting on a failed write.
    #[cfg(any(test, feature = "failpoints"))]
    pub fn fail_next_write(&self) {
        self.fail_next.store(true, Ordering::SeqCst);
    }

    fn staging(&self) -> Staged {
        Staged {
            committed_height: self.committed_height,
            highest_tc: self.highest_tc,
            ..Staged::default()
        }
    }

    /// Applies staged batches in one transaction and flushes if asked; poisons the store on
    /// any failure (fail-stop).
    fn commit(&mut self, staged: Staged) -> Result<(), StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        let result = self.apply(&staged);
        if result.is_err() {
            self.poisoned = true;
        } else {
            self.committed_height = staged.committed_height;
            self.highest_tc = staged.highest_tc;
        }
        result
    }

    fn apply(&self, staged: &Staged) -> Result<(), StoreError> {
        self.injected_failure()?;
        let t = &self.trees;
        (&t.blocks, &t.qcs, &t.committed, &t.meta, &t.state)
            .transaction(|(blocks, qcs, committed, meta, state)| {
                blocks.apply_batch(&staged.blocks)?;
                qcs.apply_batch(&staged.qcs)?;
                committed.apply_batch(&staged.committed)?;
                meta.apply_batch(&staged.meta)?;
                state.apply_batch(&staged.state)?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|error| match error {
                TransactionError::Storage(e) => StoreError::WriteFailed {
                    action: "applying a transaction",
                    source: e.into(),
                },
                // The closure above never aborts.
                TransactionError::Abort(()) => StoreError::WriteFailed {
                    action: "applying a transaction",
                    source: std::io::Error::other("transaction aborted"),
                },
            })?;
        if staged.flush {
            self.db.flush().map_err(|e| StoreError::WriteFailed {
                action: "flushing",
                source: e.into(),
            })?;
        }
        Ok(())
    }

    #[cfg(any(test, feature = "failpoints"))]
    fn injected_failure(&self) -> Result<(), StoreError> {
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err(StoreError::WriteFailed {
                action: "writing",
                source: std::io::Error::other("failure injected by fail_next_write"),
            });
        }
        Ok(())
    }

    #[cfg(not(any(test, feature = "failpoints")))]
    fn injected_failure(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// A new store gets the current format version; an existing one must have it.
    fn check_format(&self) -> Result<(), StoreError> {
        match self.read(&self.trees.meta, "reading meta", KEY_FORMAT)? {
            Some(bytes) => {
                let found = height_from(META, KEY_FORMAT, &bytes)?;
                if found != FORMAT_VERSION {
                    return Err(StoreError::Format {
                        expected: FORMAT_VERSION,
                        found,
                    });
                }
                Ok(())
            }
            None => {
                let version = FORMAT_VERSION.to_be_bytes();
                self.trees
                    .meta
                    .insert(KEY_FORMAT, &version[..])
                    .map_err(|e| StoreError::WriteFailed {
                        action: "writing the format version",
                        source: e.into(),
                    })?;
                self.db.flush().map_err(|e| StoreError::WriteFailed {
                    action: "flushing",
                    source: e.into(),
                })?;
                Ok(())
            }
        }
    }

    fn read_committed_height(&self) -> Result<Height, StoreError> {
        match self
            .trees
            .committed
            .last()
            .map_err(io("reading committed"))?
        {
            Some((key, _)) => height_from(COMMITTED, &key, &key),
            None => Ok(0),
        }
    }

    fn read(
        &self,
        tree: &Tree,
        action: &'static str,
        key: &[u8],
    ) -> Result<Option<IVec>, StoreError> {
        tree.get(key).map_err(io(action))
    }

    fn meta_value<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>, StoreError> {
        self.read(&self.trees.meta, "reading meta", key)?
            .map(|bytes| decode(META, key, &bytes))
            .transpose()
    }

    fn try_block(&self, id: &Digest) -> Result<Option<Block>, StoreError> {
        self.read(&self.trees.blocks, "reading blocks", &id.0)?
            .map(|bytes| decode(BLOCKS, &id.0, &bytes))
            .transpose()
    }

    fn try_committed_at(&self, height: Height) -> Result<Option<Digest>, StoreError> {
        let key = height.to_be_bytes();
        self.read(&self.trees.committed, "reading committed", &key)?
            .map(|bytes| digest_from(COMMITTED, &key, &bytes))
            .transpose()
    }

    fn try_qc_for(&self, id: &Digest) -> Result<Option<QuorumCert>, StoreError> {
        self.read(&self.trees.qcs, "reading qcs", &id.0)?
            .map(|bytes| decode(QCS, &id.0, &bytes))
            .transpose()
    }

    /// Every stored block, split into those above the committed tip (in id order) and the
    /// rest (by id), decoding each block once.
    fn blocks_split(&self) -> Result<(Vec<Block>, BTreeMap<Digest, Block>), StoreError> {
        let (mut pending, mut below) = (Vec::new(), BTreeMap::new());
        for entry in self.trees.blocks.iter() {
            let (key, value) = entry.map_err(io("scanning blocks"))?;
            let id = digest_from(BLOCKS, &key, &key)?;
            let block: Block = decode(BLOCKS, &key, &value)?;
            if block.height > self.committed_height {
                pending.push(block);
            } else {
                below.insert(id, block);
            }
        }
        Ok((pending, below))
    }
}

impl RecordStore for SledStore {
    fn write(&mut self, records: &[Record]) -> Result<(), StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        let mut staged = self.staging();
        for record in records {
            if let Err(error) = staged.stage(record) {
                self.poisoned = true;
                return Err(error);
            }
        }
        self.commit(staged)
    }

    fn recovery(&self) -> Result<Option<Recovery>, StoreError> {
        let Some(epoch) = self.meta_value::<EpochState>(KEY_EPOCH)? else {
            return Ok(None);
        };
        let safety = self
            .meta_value::<SafetyData>(KEY_SAFETY)?
            .unwrap_or_default();
        let highest_tc = self.meta_value::<TimeoutCert>(KEY_HIGHEST_TC)?;
        let (pending, below) = self.blocks_split()?;
        let mut committed = Vec::new();
        for entry in self.trees.committed.iter() {
            let (key, value) = entry.map_err(io("scanning committed"))?;
            if let Some(block) = below.get(&digest_from(COMMITTED, &key, &value)?) {
                committed.push(block.clone());
            }
        }
        let mut qcs = Vec::new();
        for entry in self.trees.qcs.iter() {
            let (key, value) = entry.map_err(io("scanning qcs"))?;
            qcs.push(decode(QCS, &key, &value)?);
        }
        Ok(Some(Recovery {
            safety,
            epoch,
            committed,
            pending,
            qcs,
            highest_tc,
        }))
    }
}

impl BlockReader for SledStore {
    fn block(&self, id: &Digest) -> Option<Block> {
        logged(self.try_block(id))
    }

    fn committed_at(&self, height: Height) -> Option<Digest> {
        logged(self.try_committed_at(height))
    }

    fn committed_height(&self) -> Height {
        self.committed_height
    }

    fn qc_for(&self, id: &Digest) -> Option<QuorumCert> {
        logged(self.try_qc_for(id))
    }
}

impl fmt::Debug for SledStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .field("committed_height", &self.committed_height)
            .field("highest_tc", &self.highest_tc)
            .field("poisoned", &self.poisoned)
            .finish()
    }
}

/// The trees of the layout in the module doc.
struct Trees {
    blocks: Tree,
    qcs: Tree,
    committed: Tree,
    meta: Tree,
    state: Tree,
}

/// One call's writes, one batch per tree, and the cached values they will set.
#[derive(Default)]
struct Staged {
    blocks: Batch,
    qcs: Batch,
    committed: Batch,
    meta: Batch,
    state: Batch,
    flush: bool,
    committed_height: Height,
    highest_tc: Option<(Epoch, Round)>,
}

impl Staged {
    /// Adds one record, in order: a later write to the same key replaces an earlier one,
    /// exactly as applying the records one by one would.
    fn stage(&mut self, record: &Record) -> Result<(), StoreError> {
        self.flush |= record.needs_flush();
        match record {
            Record::Safety(data) => self.meta.insert(KEY_SAFETY, encode(META, data)?),
            Record::Block(block) => self.blocks.insert(&block.id().0, encode(BLOCKS, block)?),
            Record::Qc(qc) => self.qcs.insert(&qc.block_id.0, encode(QCS, qc)?),
            Record::Tc(tc) => {
                if self
                    .highest_tc
                    .is_none_or(|highest| (tc.epoch, tc.round) > highest)
                {
                    self.highest_tc = Some((tc.epoch, tc.round));
                    self.meta.insert(KEY_HIGHEST_TC, encode(META, tc)?);
                }
            }
            Record::Committed { height, block_id } => {
                self.committed.insert(&height.to_be_bytes(), &block_id.0);
                self.committed_height = self.committed_height.max(*height);
            }
            Record::Epoch(state) => {
                let anchor = QuorumCert::anchor(state.epoch, state.anchor_id, state.anchor_height);
                self.qcs.insert(&state.anchor_id.0, encode(QCS, &anchor)?);
                self.meta.insert(KEY_EPOCH, encode(META, state)?);
            }
        }
        Ok(())
    }
}

fn encode<T: Serialize>(tree: &'static str, value: &T) -> Result<Vec<u8>, StoreError> {
    let mut bytes = Vec::new();
    ciborium::into_writer(value, &mut bytes).map_err(|e| StoreError::WriteFailed {
        action: match tree {
            BLOCKS => "encoding a block",
            QCS => "encoding a qc",
            _ => "encoding a meta record",
        },
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
    })?;
    Ok(bytes)
}

fn decode<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    ciborium::from_reader(bytes).map_err(|e| StoreError::Corrupt {
        tree,
        key: key_text(tree, key),
        reason: e.to_string(),
    })
}

fn digest_from(tree: &'static str, key: &[u8], bytes: &[u8]) -> Result<Digest, StoreError> {
    let array: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Corrupt {
        tree,
        key: key_text(tree, key),
        reason: format!("a block id is 32 bytes, found {}", bytes.len()),
    })?;
    Ok(Digest(array))
}

/// A big-endian u64 (a height key, the applied height, the format version).
fn height_from(tree: &'static str, key: &[u8], bytes: &[u8]) -> Result<u64, StoreError> {
    let array: [u8; 8] = bytes.try_into().map_err(|_| StoreError::Corrupt {
        tree,
        key: key_text(tree, key),
        reason: format!(
            "expected an 8-byte big-endian integer, found {} bytes",
            bytes.len()
        ),
    })?;
    Ok(u64::from_be_bytes(array))
}

/// A key as an operator reads it: meta keys are names, heights are numbers, the rest hex.
fn key_text(tree: &'static str, key: &[u8]) -> String {
    match (tree, <[u8; 8]>::try_from(key)) {
        (META, _) => String::from_utf8_lossy(key).into_owned(),
        (COMMITTED, Ok(height)) => format!("height {}", u64::from_be_bytes(height)),
        _ => hex::encode(key),
    }
}

/// How long `open` waits for sled's file lock: sled 0.34 releases it only when its background
/// threads of a dropped handle have exited, which takes a moment after `drop` (sled issues
/// #1234 and #1289), so an in-process restart must wait. Another live process holding the
/// store never lets go, and then `open` fails with [`StoreError::Locked`].
const LOCK_WAIT_MS: u64 = 2000;
const LOCK_RETRY_MS: u64 = 20;

fn open_db(dir: &Path) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(dir)
        .mode(sled::Mode::HighThroughput);
    let mut waited_ms = 0;
    loop {
        match config.open() {
            Ok(db) => return Ok(db),
            // sled reports the lock only in the message, as an `ErrorKind::Other`.
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                if waited_ms >= LOCK_WAIT_MS {
                    return Err(StoreError::Locked {
                        path: dir.to_path_buf(),
                        waited_ms,
                    });
                }
                std::thread::sleep(std::time::Duration::from_millis(LOCK_RETRY_MS));
                waited_ms += LOCK_RETRY_MS;
            }
            Err(e) => return Err(io("opening the database")(e)),
        }
    }
}

fn io(action: &'static str) -> impl Fn(sled::Error) -> StoreError {
    move |e| StoreError::Io {
        action,
        source: e.into(),
    }
}

/// A read for [`BlockReader`], which cannot fail: the error is logged and the answer is `None`.
fn logged<T>(result: Result<Option<T>, StoreError>) -> Option<T> {
    result.unwrap_or_else(|error| {
        tracing::error!(%error, "store read failed");
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safety(round: Round) -> Record {
        Record::Safety(SafetyData {
            epoch: 0,
            last_voted_round: round,
            one_chain_round: round.saturating_sub(1),
            last_vote: None,
        })
    }

    fn genesis_records() -> Vec<Record> {
        let genesis = Block::genesis();
        vec![
            Record::Epoch(EpochState {
                epoch: 0,
                validators: vec![],
                anchor_id: genesis.id(),
                anchor_height: 0,
            }),
            Record::Block(genesis.clone()),
            Record::Committed {
                height: 0,
                block_id: genesis.id(),
            },
            safety(0),
        ]
    }

    fn voted_round(store: &SledStore) -> Round {
        let recovery = store.recovery().unwrap().expect("an epoch was written");
        recovery.safety.last_voted_round
    }

    #[test]
    fn an_injected_failure_fails_the_write_poisons_the_store_and_leaves_the_disk_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SledStore::open(dir.path()).unwrap();
        store.write(&genesis_records()).unwrap();
        store.write(&[safety(1)]).unwrap();
        store.fail_next_write();
        assert!(matches!(
            store.write(&[safety(2)]),
            Err(StoreError::WriteFailed { .. })
        ));
        assert!(matches!(
            store.write(&[safety(3)]),
            Err(StoreError::Poisoned)
        ));
        let commit = Record::Committed {
            height: 1,
            block_id: Digest::ZERO,
        };
        assert!(matches!(
            store.commit_with_state(&commit, &vec![]),
            Err(StoreError::Poisoned)
        ));
        drop(store);
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(
            voted_round(&store),
            1,
            "neither failed write reached the disk"
        );
        let mut store = store;
        store.write(&[safety(4)]).unwrap();
        assert_eq!(voted_round(&store), 4, "a reopened store writes again");
    }

    #[test]
    fn a_record_that_does_not_decode_is_reported_with_its_tree_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SledStore::open(dir.path()).unwrap();
        store.write(&genesis_records()).unwrap();
        let id = Block::genesis().id();
        store.trees.blocks.insert(id.0, &b"\xff\x00"[..]).unwrap();
        store.trees.meta.insert(KEY_SAFETY, &b"\x01"[..]).unwrap();
        match store.recovery() {
            Err(StoreError::Corrupt { tree, .. }) => assert_eq!(tree, "meta"),
            other => panic!("expected corrupt safety, got {other:?}"),
        }
        store.write(&[safety(1)]).unwrap();
        match store.recovery() {
            Err(StoreError::Corrupt { tree, key, .. }) => {
                assert_eq!((tree, key), ("blocks", id.to_string()));
            }
            other => panic!("expected a corrupt block, got {other:?}"),
        }
        assert_eq!(store.block(&id), None, "block sync reads it as missing");
    }

    #[test]
    fn a_store_of_another_format_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        store
            .trees
            .meta
            .insert(KEY_FORMAT, &7u64.to_be_bytes()[..])
            .unwrap();
        drop(store);
        assert!(matches!(
            SledStore::open(dir.path()),
            Err(StoreError::Format {
                expected: 1,
                found: 7
            })
        ));
    }

    #[test]
    fn a_store_open_elsewhere_is_refused_after_a_bounded_wait() {
        let dir = tempfile::tempdir().unwrap();
        let _held = SledStore::open(dir.path()).unwrap();
        match SledStore::open(dir.path()) {
            Err(StoreError::Locked { path, waited_ms }) => {
                assert_eq!((path.as_path(), waited_ms), (dir.path(), LOCK_WAIT_MS));
            }
            other => panic!("expected a lock error, got {other:?}"),
        }
    }

    #[test]
    fn keys_in_errors_read_as_names_heights_or_hex() {
        let cases: [(&'static str, &[u8], &str); 4] = [
            (META, b"safety", "safety"),
            (COMMITTED, &5u64.to_be_bytes(), "height 5"),
            (COMMITTED, b"abc", "616263"),
            (BLOCKS, &[0xab, 0xcd], "abcd"),
        ];
        for (tree, key, text) in cases {
            assert_eq!(key_text(tree, key), text, "{tree}");
        }
    }
}
