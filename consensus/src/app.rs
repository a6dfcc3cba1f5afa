//! The application port: what the engine hands committed blocks to.
//!
//! The engine orders opaque transactions; an [`Application`] executes each committed block,
//! deterministically, and returns the state root after it (carried in a later block so that a
//! validator whose state diverged detects it) and, when the block changed the validator set,
//! the set of the next epoch. The trade-docs ledger application implements this trait in the
//! validator-node issue; [`HashChainApp`] is the small deterministic application the engine's
//! tests and the simulation use.

use serde::{Deserialize, Serialize};

use crate::types::*;
use crate::validators::ValidatorInfo;

/// The result of executing one committed block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution {
    pub state_root: Digest,
    /// A validator set change made by this block, effective from the next epoch.
    pub next_validators: Option<Vec<ValidatorInfo>>,
}

/// Deterministic execution of committed blocks.
pub trait Application {
    /// Executes `block` (id `id`), which extends the last block executed.
    fn execute(&mut self, block: &Block, id: &Digest) -> Execution;
}

/// A transaction of [`HashChainApp`] that changes the validator set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetChange {
    pub validators: Vec<ValidatorInfo>,
}

/// Marks a [`HashChainApp`] transaction as a validator set change; the rest is its JSON.
pub const SET_CHANGE_PREFIX: &[u8] = b"silkway/set-change:";

/// A hash chain over committed transactions: root(h) = H(root(h−1), h, txs(h)).
#[derive(Clone, Debug, Default)]
pub struct HashChainApp {
    root: Digest,
}

impl HashChainApp {
    /// A transaction that changes the validator set.
    pub fn set_change(validators: Vec<ValidatorInfo>) -> Transaction {
        let json =
            serde_json::to_vec(&SetChange { validators }).expect("validator infos serialize");
        [SET_CHANGE_PREFIX, &json].concat()
    }
}

impl Application for HashChainApp {
    fn execute(&mut self, block: &Block, _id: &Digest) -> Execution {
        self.root = Digest::of(&[
            b"silkway/hash-chain/v1",
            &self.root.0,
            &block.height.to_be_bytes(),
            &transactions_root(&transaction_hashes(&block.transactions)).0,
        ]);
        // The last valid set change of the block wins.
        let next_validators = block
            .transactions
            .iter()
            .rev()
            .filter_map(|tx| tx.strip_prefix(SET_CHANGE_PREFIX))
            .find_map(|json| serde_json::from_slice::<SetChange>(json).ok())
            .map(|change| change.validators);
        Execution {
            state_root: self.root,
            next_validators,
        }
    }
}
