//! The tree of blocks above the last committed block, with their certificates, and the
//! two-chain commit rule.
//!
//! Commit rule: when a quorum certificate certifies block B1 whose parent B0 has the round
//! right before B1's (`B0.round + 1 == B1.round`), B0 and every uncommitted ancestor of B0
//! commit. After a commit the tree keeps only B0's descendants; forks die there.
//!
//! Invariants: every block in the tree descends from the committed root; maps are ordered
//! (`BTreeMap`) so that iteration, and so every decision, is the same on every validator.

use std::collections::{BTreeMap, BTreeSet};

use crate::types::*;

/// Blocks above the committed root.
#[derive(Clone, Debug)]
pub struct BlockTree {
    root: Block,
    root_id: Digest,
    blocks: BTreeMap<Digest, Block>,
    /// The certificate of each certified block, by block id.
    qcs: BTreeMap<Digest, QuorumCert>,
    /// Hashes of each pending block's transactions, computed once on insertion: leaders skip
    /// them when filling the next block.
    tx_hashes: BTreeMap<Digest, Vec<Digest>>,
    high_qc: QuorumCert,
}

/// Why a block could not join the tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("parent {0:?} is unknown")]
    UnknownParent(Digest),
    #[error("block height {found} is not its parent's height + 1 ({expected})")]
    BadHeight { expected: Height, found: Height },
    #[error("block round {round} is not above its parent's round {parent_round}")]
    RoundNotIncreasing { round: Round, parent_round: Round },
    #[error("block's certificate is for {qc:?}, its parent is {parent:?}")]
    QcParentMismatch { qc: Digest, parent: Digest },
    #[error("block is at or below the committed height {0}")]
    AlreadyCommitted(Height),
}

impl BlockTree {
    /// A tree rooted at a committed block, certified by `root_qc` (an epoch anchor or the
    /// certificate that was highest at the last commit).
    pub fn new(root: Block, root_qc: QuorumCert) -> BlockTree {
        let root_id = root.id();
        debug_assert_eq!(
            root_qc.block_id, root_id,
            "the root's certificate certifies the root"
        );
        let mut qcs = BTreeMap::new();
        qcs.insert(root_id, root_qc.clone());
        BlockTree {
            root,
            root_id,
            blocks: BTreeMap::new(),
            qcs,
            tx_hashes: BTreeMap::new(),
            high_qc: root_qc,
        }
    }

    pub fn root_id(&self) -> Digest {
        self.root_id
    }

    pub fn committed_height(&self) -> Height {
        self.root.height
    }

    pub fn high_qc(&self) -> &QuorumCert {
        &self.high_qc
    }

    pub fn contains(&self, id: &Digest) -> bool {
        *id == self.root_id || self.blocks.contains_key(id)
    }

    pub fn get(&self, id: &Digest) -> Option<&Block> {
        if *id == self.root_id {
            Some(&self.root)
        } else {
            self.blocks.get(id)
        }
    }

    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Checks that the block extends a block of the tree, then adds it.
    pub fn insert(&mut self, hashed: HashedBlock) -> Result<(), TreeError> {
        let HashedBlock {
            block,
            id,
            tx_hashes,
        } = hashed;
        if self.blocks.contains_key(&id) {
            return Ok(());
        }
        let parent = self
            .get(&block.parent_id)
            .ok_or(TreeError::UnknownParent(block.parent_id))?;
        if block.qc.block_id != block.parent_id {
            return Err(TreeError::QcParentMismatch {
                qc: block.qc.block_id,
                parent: block.parent_id,
            });
        }
        if block.height != parent.height + 1 {
            return Err(TreeError::BadHeight {
                expected: parent.height + 1,
                found: block.height,
            });
        }
        // Rounds restart in a new epoch, so only a parent of the same epoch bounds the round.
        if block.epoch == parent.epoch && block.round <= parent.round {
            return Err(TreeError::RoundNotIncreasing {
                round: block.round,
                parent_round: parent.round,
            });
        }
        if block.height <= self.root.height {
            return Err(TreeError::AlreadyCommitted(self.root.height));
        }
        self.tx_hashes.insert(id, tx_hashes);
        self.blocks.insert(id, block);
        Ok(())
    }

    /// Records a certificate for a block in the tree. Returns the blocks it commits, oldest
    /// first (empty if none). The caller has verified the certificate's signatures.
    pub fn insert_qc(&mut self, qc: QuorumCert) -> Vec<HashedBlock> {
        if !self.contains(&qc.block_id) {
            return Vec::new();
        }
        if qc.round > self.high_qc.round {
            self.high_qc = qc.clone();
        }
        let certified_id = qc.block_id;
        self.qcs.entry(certified_id).or_insert(qc);
        self.commit_for(&certified_id)
    }

    /// Applies the two-chain rule to a newly certified block.
    fn commit_for(&mut self, certified_id: &Digest) -> Vec<HashedBlock> {
        let Some(b1) = self.blocks.get(certified_id) else {
            return Vec::new();
        };
        let Some(b0) = self.blocks.get(&b1.parent_id) else {
            return Vec::new();
        };
        if b0.round + 1 != b1.round || b0.epoch != b1.epoch {
            return Vec::new();
        }
        let b0_id = b1.parent_id;
        let chain = self.path_from_root(&b0_id);
        self.prune_to(b0_id);
        chain
    }

    /// The pending blocks from `id` down to just above the root, newest first, by reference.
    /// Hot path: leaders and vote routing walk it on every event, so nothing is cloned.
    pub fn ancestors<'a>(&'a self, id: &Digest) -> impl Iterator<Item = &'a Block> + 'a {
        let mut cursor = *id;
        std::iter::from_fn(move || {
            let block = self.blocks.get(&cursor)?;
            cursor = block.parent_id;
            Some(block)
        })
    }

    /// Hashes of the transactions in the pending blocks from `id` down to the root.
    pub fn pending_tx_hashes(&self, id: &Digest) -> BTreeSet<Digest> {
        let mut out = BTreeSet::new();
        let mut cursor = *id;
        while let Some(block) = self.blocks.get(&cursor) {
            out.extend(self.tx_hashes.get(&cursor).into_iter().flatten().copied());
            cursor = block.parent_id;
        }
        out
    }

    /// The blocks from just above the root up to `id`, oldest first, with their ids and
    /// transaction hashes (cloned: used once per block, on commit).
    fn path_from_root(&self, id: &Digest) -> Vec<HashedBlock> {
        let mut chain = Vec::new();
        let mut cursor = *id;
        while let Some(block) = self.blocks.get(&cursor) {
            let tx_hashes = self.tx_hashes.get(&cursor).cloned().unwrap_or_default();
            chain.push(HashedBlock {
                block: block.clone(),
                id: cursor,
                tx_hashes,
            });
            cursor = block.parent_id;
        }
        chain.reverse();
        chain
    }

    /// Makes `new_root` the committed root and drops every block that does not descend from it.
    fn prune_to(&mut self, new_root: Digest) {
        let Some(root) = self.blocks.remove(&new_root) else {
            return;
        };
        let keep: BTreeSet<Digest> = self
            .blocks
            .keys()
            .copied()
            .filter(|id| self.descends_from(id, &new_root))
            .collect();
        self.blocks.retain(|id, _| keep.contains(id));
        self.tx_hashes.retain(|id, _| keep.contains(id));
        self.qcs
            .retain(|id, _| *id == new_root || keep.contains(id));
        self.root = root;
        self.root_id = new_root;
    }

    fn descends_from(&self, id: &Digest, ancestor: &Digest) -> bool {
        let mut cursor = *id;
        while let Some(block) = self.blocks.get(&cursor) {
            if block.parent_id == *ancestor {
                return true;
            }
            cursor = block.parent_id;
        }
        false
    }

    /// The certificate of a block, if known.
    pub fn qc_for(&self, id: &Digest) -> Option<&QuorumCert> {
        self.qcs.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qc_for(block: &Block) -> QuorumCert {
        QuorumCert {
            epoch: 0,
            round: block.round,
            height: block.height,
            block_id: block.id(),
            votes: vec![(0, Sig([0; 64]))],
        }
    }

    fn child(parent: &Block, parent_qc: QuorumCert, round: Round) -> Block {
        Block {
            epoch: 0,
            round,
            height: parent.height + 1,
            parent_id: parent_qc.block_id,
            qc: parent_qc,
            proposer: 0,
            timestamp_ms: round,
            transactions: vec![],
            executed: None,
        }
    }

    fn genesis_tree() -> (BlockTree, Block, QuorumCert) {
        let genesis = Block::genesis();
        let anchor = QuorumCert::anchor(0, genesis.id(), 0);
        (
            BlockTree::new(genesis.clone(), anchor.clone()),
            genesis,
            anchor,
        )
    }

    #[test]
    fn two_consecutive_certified_rounds_commit_the_first() {
        let (mut tree, genesis, anchor) = genesis_tree();
        let b1 = child(&genesis, anchor, 1);
        tree.insert(HashedBlock::new(b1.clone())).unwrap();
        assert!(
            tree.insert_qc(qc_for(&b1)).is_empty(),
            "one certified round commits nothing"
        );
        let b2 = child(&b1, qc_for(&b1), 2);
        tree.insert(HashedBlock::new(b2.clone())).unwrap();
        let committed = tree.insert_qc(qc_for(&b2));
        assert_eq!(committed, vec![HashedBlock::new(b1.clone())]);
        assert_eq!(tree.committed_height(), 1);
        assert_eq!(tree.root_id(), b1.id());
    }

    #[test]
    fn a_gap_in_rounds_commits_nothing_until_a_consecutive_pair() {
        let (mut tree, genesis, anchor) = genesis_tree();
        let b1 = child(&genesis, anchor, 1);
        tree.insert(HashedBlock::new(b1.clone())).unwrap();
        tree.insert_qc(qc_for(&b1));
        let b3 = child(&b1, qc_for(&b1), 3); // round 2 timed out
        tree.insert(HashedBlock::new(b3.clone())).unwrap();
        assert!(tree.insert_qc(qc_for(&b3)).is_empty());
        let b4 = child(&b3, qc_for(&b3), 4);
        tree.insert(HashedBlock::new(b4.clone())).unwrap();
        let committed = tree.insert_qc(qc_for(&b4));
        assert_eq!(
            committed.iter().map(|b| b.block.round).collect::<Vec<_>>(),
            vec![1, 3]
        );
    }

    #[test]
    fn forks_are_pruned_on_commit() {
        let (mut tree, genesis, anchor) = genesis_tree();
        let b1 = child(&genesis, anchor.clone(), 1);
        let fork = child(&genesis, anchor, 2);
        tree.insert(HashedBlock::new(b1.clone())).unwrap();
        tree.insert(HashedBlock::new(fork.clone())).unwrap();
        tree.insert_qc(qc_for(&b1));
        let b2 = child(&b1, qc_for(&b1), 2);
        tree.insert(HashedBlock::new(b2.clone())).unwrap();
        tree.insert_qc(qc_for(&b2));
        assert!(!tree.contains(&fork.id()));
        assert!(tree.contains(&b2.id()));
        assert!(matches!(
            tree.insert(HashedBlock::new(fork.clone())),
            Err(TreeError::UnknownParent(_))
        ));
    }
}
