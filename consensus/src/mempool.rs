//! The engine's bounded transaction queue: what a leader draws its next block from.
//!
//! Transactions wait in arrival order, deduplicated by hash, until a block that carries them
//! commits. Proposing does not remove them (a block that never commits would otherwise lose
//! them); instead a leader skips those already in uncommitted blocks of its chain. Bounded in
//! count and bytes, with a clear refusal when full. Admission checks that need the ledger
//! (signatures, nonces) belong to the validator node's mempool in front of this one.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::types::{Digest, Transaction};

/// Why a transaction was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MempoolError {
    #[error("mempool is full ({txs} transactions, {bytes} bytes)")]
    Full { txs: usize, bytes: usize },
    #[error("transaction of {size} bytes is over the limit of {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("empty transaction")]
    Empty,
    #[error("transaction {0} is already pending or recently committed")]
    Duplicate(Digest),
}

/// Bounds of the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MempoolLimits {
    pub txs_max: usize,
    pub bytes_max: usize,
    pub tx_bytes_max: usize,
}

/// How many committed transaction hashes are remembered to refuse replays at the door.
const RECENTLY_COMMITTED_MAX: usize = 100_000;

/// Pending transactions in arrival order.
#[derive(Clone, Debug)]
pub struct Mempool {
    limits: MempoolLimits,
    queue: BTreeMap<u64, (Digest, Transaction)>,
    index: BTreeMap<Digest, u64>,
    next_seq: u64,
    bytes: usize,
    recent: VecDeque<Digest>,
    recent_set: BTreeSet<Digest>,
}

impl Mempool {
    pub fn new(limits: MempoolLimits) -> Mempool {
        Mempool {
            limits,
            queue: BTreeMap::new(),
            index: BTreeMap::new(),
            next_seq: 0,
            bytes: 0,
            recent: VecDeque::new(),
            recent_set: BTreeSet::new(),
        }
    }

    pub fn hash(tx: &[u8]) -> Digest {
        crate::types::transaction_hash(tx)
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn add(&mut self, tx: Transaction) -> Result<Digest, MempoolError> {
        if tx.is_empty() {
            return Err(MempoolError::Empty);
        }
        if tx.len() > self.limits.tx_bytes_max {
            return Err(MempoolError::TooLarge {
                size: tx.len(),
                max: self.limits.tx_bytes_max,
            });
        }
        let hash = Self::hash(&tx);
        if self.index.contains_key(&hash) || self.recent_set.contains(&hash) {
            return Err(MempoolError::Duplicate(hash));
        }
        if self.queue.len() >= self.limits.txs_max || self.bytes + tx.len() > self.limits.bytes_max
        {
            return Err(MempoolError::Full {
                txs: self.queue.len(),
                bytes: self.bytes,
            });
        }
        self.bytes += tx.len();
        self.index.insert(hash, self.next_seq);
        self.queue.insert(self.next_seq, (hash, tx));
        self.next_seq += 1;
        Ok(hash)
    }

    /// Up to `txs_max` transactions and `bytes_max` bytes, oldest first, skipping `exclude`,
    /// each with its hash.
    pub fn select(
        &self,
        txs_max: usize,
        bytes_max: usize,
        exclude: &BTreeSet<Digest>,
    ) -> Vec<(Digest, Transaction)> {
        let mut out = Vec::new();
        let mut bytes = 0;
        for (hash, tx) in self.queue.values() {
            if out.len() >= txs_max {
                break;
            }
            if exclude.contains(hash) || bytes + tx.len() > bytes_max {
                continue;
            }
            bytes += tx.len();
            out.push((*hash, tx.clone()));
        }
        out
    }

    /// Drops committed transactions, by hash, and remembers them so that a replay is refused.
    pub fn remove_committed(&mut self, tx_hashes: &[Digest]) {
        for &hash in tx_hashes {
            if let Some(seq) = self.index.remove(&hash) {
                if let Some((_, tx)) = self.queue.remove(&seq) {
                    self.bytes -= tx.len();
                }
            }
            if self.recent_set.insert(hash) {
                self.recent.push_back(hash);
            }
        }
        while self.recent.len() > RECENTLY_COMMITTED_MAX {
            if let Some(old) = self.recent.pop_front() {
                self.recent_set.remove(&old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Mempool {
        Mempool::new(MempoolLimits {
            txs_max: 3,
            bytes_max: 100,
            tx_bytes_max: 40,
        })
    }

    #[test]
    fn bounded_deduplicated_and_ordered() {
        let mut m = pool();
        m.add(b"a".to_vec()).unwrap();
        assert!(matches!(
            m.add(b"a".to_vec()),
            Err(MempoolError::Duplicate(_))
        ));
        m.add(b"b".to_vec()).unwrap();
        m.add(b"c".to_vec()).unwrap();
        assert!(matches!(
            m.add(b"d".to_vec()),
            Err(MempoolError::Full { txs: 3, .. })
        ));
        assert!(matches!(
            m.add(vec![0; 41]),
            Err(MempoolError::TooLarge { size: 41, max: 40 })
        ));
        let skip: BTreeSet<_> = [Mempool::hash(b"a")].into();
        let selected: Vec<_> = m
            .select(10, 100, &skip)
            .into_iter()
            .map(|(_, tx)| tx)
            .collect();
        assert_eq!(selected, vec![b"b".to_vec(), b"c".to_vec()]);
        m.remove_committed(&[Mempool::hash(b"a")]);
        assert_eq!(m.len(), 2);
        assert!(
            matches!(m.add(b"a".to_vec()), Err(MempoolError::Duplicate(_))),
            "a committed transaction is not accepted again"
        );
    }
}
