//! Leader election: round-robin over the validators that have recently proposed blocks.
//!
//! With plain round-robin and one validator of four down, every fourth round waits out a full
//! timeout. Here the leader of a round that extends block P is chosen round-robin among the
//! validators that proposed at least one of the last `window` blocks of P's chain. P's chain
//! is the same on every validator that holds P, whatever each has committed so far, so every
//! validator that checks a proposal (or picks where to send a vote) computes the same leader.
//! An earlier design read each validator's own commit history and let validators that lagged
//! by a few commits disagree on leaders for good; the simulation found it.
//!
//! At most f validators are ever left out, and every `retry_every`-th round is plain
//! round-robin over all validators, so one that restarts gets to propose again and rejoins.

use std::collections::{BTreeSet, VecDeque};

use crate::types::{Round, ValidatorIndex};

/// Leader election over `n` validators with activity-based reputation.
#[derive(Clone, Debug)]
pub struct LeaderElection {
    n: usize,
    exclude_max: usize,
    window: usize,
    retry_every: Round,
    /// Proposers of the most recent committed blocks of the epoch, oldest first.
    committed: VecDeque<ValidatorIndex>,
}

impl LeaderElection {
    /// `exclude_max` is the most validators ever left out (f); `window` how many recent blocks
    /// count; every `retry_every`-th round is plain round-robin.
    pub fn new(n: usize, exclude_max: usize, window: usize, retry_every: Round) -> LeaderElection {
        assert!(
            n > 0 && window > 0 && retry_every > 0,
            "a validator set is never empty"
        );
        LeaderElection {
            n,
            exclude_max,
            window,
            retry_every,
            committed: VecDeque::new(),
        }
    }

    /// The leader of `round` in a chain whose uncommitted blocks above the committed ones
    /// were proposed by `uncommitted` (oldest first).
    pub fn leader(&self, round: Round, uncommitted: &[ValidatorIndex]) -> ValidatorIndex {
        if round % self.retry_every == 0 {
            return ((round / self.retry_every) % self.n as Round) as ValidatorIndex;
        }
        let candidates = self.candidates(uncommitted);
        candidates[(round % candidates.len() as Round) as usize]
    }

    /// Validators that proposed within the window; all of them when the chain is younger than
    /// the window or more than f would be left out.
    fn candidates(&self, uncommitted: &[ValidatorIndex]) -> Vec<ValidatorIndex> {
        let all: Vec<ValidatorIndex> = (0..self.n as ValidatorIndex).collect();
        let history = self
            .committed
            .iter()
            .chain(uncommitted)
            .rev()
            .take(self.window);
        let active: BTreeSet<ValidatorIndex> = history.copied().collect();
        let seen = self.committed.len() + uncommitted.len();
        if seen < self.window || self.n - active.len() > self.exclude_max {
            return all;
        }
        all.into_iter().filter(|v| active.contains(v)).collect()
    }

    /// Records the proposer of a committed block.
    pub fn record_commit(&mut self, proposer: ValidatorIndex) {
        self.committed.push_back(proposer);
        if self.committed.len() > self.window {
            self.committed.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_while_the_chain_is_young() {
        let e = LeaderElection::new(4, 1, 8, 50);
        assert_eq!(
            (1..=8).map(|r| e.leader(r, &[])).collect::<Vec<_>>(),
            vec![1, 2, 3, 0, 1, 2, 3, 0]
        );
    }

    #[test]
    fn leaves_out_a_validator_that_proposed_nothing_in_the_window() {
        let mut e = LeaderElection::new(4, 1, 8, 50);
        for p in [0, 1, 2, 0, 1, 2] {
            e.record_commit(p);
        }
        let leaders: BTreeSet<_> = (1..40).map(|r| e.leader(r, &[0, 1])).collect();
        assert_eq!(leaders, BTreeSet::from([0, 1, 2]));
        assert_eq!(
            e.leader(50, &[0, 1]),
            1,
            "a retry round is plain round-robin"
        );
    }

    #[test]
    fn the_same_chain_gives_the_same_leader_whatever_is_committed() {
        let chain = [0, 1, 2, 0, 1, 2, 0, 1];
        let mut a = LeaderElection::new(4, 1, 8, 50);
        let mut b = LeaderElection::new(4, 1, 8, 50);
        chain.iter().for_each(|p| a.record_commit(*p));
        chain[..5].iter().for_each(|p| b.record_commit(*p));
        for round in 1..30 {
            assert_eq!(
                a.leader(round, &[]),
                b.leader(round, &chain[5..]),
                "round {round}"
            );
        }
    }

    #[test]
    fn never_leaves_out_more_than_f() {
        let mut e = LeaderElection::new(4, 1, 4, 50);
        [0, 0, 0, 0].iter().for_each(|p| e.record_commit(*p));
        let leaders: BTreeSet<_> = (1..30).map(|r| e.leader(r, &[])).collect();
        assert_eq!(leaders.len(), 4);
    }
}
