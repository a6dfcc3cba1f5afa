//! Leader election: round-robin over the validator set, skipping leaders that recently failed.
//!
//! With plain round-robin and one validator of four down, every fourth round waits out a full
//! timeout. Here the leader of round r is chosen round-robin among the validators *not* seen
//! failing as leaders in the committed history of rounds up to r − `lag`. Committed history
//! is the same on every honest validator, so every validator that has committed that far picks
//! the same leader; one that lags picks perhaps another, which costs liveness for that round
//! only, never safety (votes are still checked by the safety rules). At most f validators are
//! ever skipped, and a skipped validator returns once its failures leave the window.

use std::collections::VecDeque;

use crate::types::{Round, ValidatorIndex};

/// Leader election over `n` validators with failure-based reputation.
#[derive(Clone, Debug)]
pub struct LeaderElection {
    n: usize,
    exclude_max: usize,
    lag_rounds: Round,
    window_rounds: Round,
    /// Committed history: (round, leader of that round, whether it produced the committed block).
    history: VecDeque<(Round, ValidatorIndex, bool)>,
}

/// How far back the history looks.
const HISTORY_MAX: usize = 256;

impl LeaderElection {
    /// `exclude_max` is the most validators ever skipped (f); `lag_rounds` how far behind the
    /// current round the history is read; `window_rounds` how long a failure counts.
    pub fn new(
        n: usize,
        exclude_max: usize,
        lag_rounds: Round,
        window_rounds: Round,
    ) -> LeaderElection {
        assert!(n > 0, "a validator set is never empty");
        LeaderElection {
            n,
            exclude_max,
            lag_rounds,
            window_rounds,
            history: VecDeque::new(),
        }
    }

    /// The leader of `round`.
    pub fn leader(&self, round: Round) -> ValidatorIndex {
        let excluded = self.excluded(round);
        let candidates: Vec<ValidatorIndex> = (0..self.n as ValidatorIndex)
            .filter(|v| !excluded.contains(v))
            .collect();
        // Invariant: at most exclude_max < n validators are excluded, so candidates is not empty.
        candidates[(round % candidates.len() as Round) as usize]
    }

    /// Validators that failed as leaders within the window that ends `lag_rounds` before
    /// `round`, most recent failures first, at most `exclude_max` of them.
    fn excluded(&self, round: Round) -> Vec<ValidatorIndex> {
        let newest = round.saturating_sub(self.lag_rounds);
        let oldest = newest.saturating_sub(self.window_rounds);
        let mut out: Vec<ValidatorIndex> = Vec::new();
        for &(r, leader, succeeded) in self.history.iter().rev() {
            if r > newest {
                continue;
            }
            if r < oldest || out.len() >= self.exclude_max.min(self.n - 1) {
                break;
            }
            if !succeeded && !out.contains(&leader) {
                out.push(leader);
            }
        }
        out
    }

    /// Records a committed block of `round`, and the failed rounds since the previous one.
    pub fn record_commit(&mut self, previous_round: Round, round: Round, proposer: ValidatorIndex) {
        for failed in (previous_round + 1)..round {
            let leader = self.leader(failed);
            self.push(failed, leader, false);
        }
        self.push(round, proposer, true);
    }

    fn push(&mut self, round: Round, leader: ValidatorIndex, succeeded: bool) {
        if self.history.back().is_some_and(|(r, _, _)| *r >= round) {
            return;
        }
        self.history.push_back((round, leader, succeeded));
        if self.history.len() > HISTORY_MAX {
            self.history.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_without_history() {
        let e = LeaderElection::new(4, 1, 4, 20);
        assert_eq!(
            (1..=8).map(|r| e.leader(r)).collect::<Vec<_>>(),
            vec![1, 2, 3, 0, 1, 2, 3, 0]
        );
    }

    #[test]
    fn skips_a_leader_that_failed_once_history_has_it() {
        let mut e = LeaderElection::new(4, 1, 4, 20);
        // Rounds 1, 2 committed; round 3 (leader 3) failed; round 4 committed.
        e.record_commit(0, 1, 1);
        e.record_commit(1, 2, 2);
        e.record_commit(2, 4, 0);
        assert_eq!(e.leader(6), 2, "round 6 reads history up to round 2 only");
        let later: Vec<_> = (7..=12).map(|r| e.leader(r)).collect();
        assert!(!later.contains(&3), "validator 3 is skipped: {later:?}");
    }

    #[test]
    fn never_skips_more_than_f() {
        let mut e = LeaderElection::new(4, 1, 0, 100);
        e.record_commit(0, 9, 0);
        let leaders: std::collections::BTreeSet<_> = (10..30).map(|r| e.leader(r)).collect();
        assert_eq!(leaders.len(), 3);
    }
}
