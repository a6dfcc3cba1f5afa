//! The invariants of a simulation run, checked as effects happen.
//!
//! Safety: every honest validator commits the same block at each height, with the same state
//! root; no honest validator votes for two blocks in one round, across restarts included.
//! Liveness: once the faults stop, every honest validator commits again within the bound.
//! Twins are faulty by construction and only their peers are held to these rules.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::Commit;
use crate::types::*;

/// One broken invariant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub at_ms: Millis,
    pub what: String,
}

pub(super) struct Checker {
    honest: Vec<bool>,
    canonical: BTreeMap<Height, (Digest, Digest)>,
    heights: Vec<Height>,
    votes: BTreeMap<(usize, Epoch, Round), Digest>,
    first_commit_after_heal: Vec<Option<Millis>>,
    liveness_reported: bool,
    pub violations: Vec<Violation>,
}

/// At most this many violations are kept per run; the first ones matter.
const VIOLATIONS_MAX: usize = 20;

impl Checker {
    pub fn new(honest: Vec<bool>) -> Checker {
        let n = honest.len();
        Checker {
            honest,
            canonical: BTreeMap::new(),
            heights: vec![0; n],
            votes: BTreeMap::new(),
            first_commit_after_heal: vec![None; n],
            liveness_reported: false,
            violations: Vec::new(),
        }
    }

    pub fn violation(&mut self, at_ms: Millis, what: String) {
        if self.violations.len() < VIOLATIONS_MAX {
            self.violations.push(Violation { at_ms, what });
        }
    }

    /// Records every vote an honest instance sends; two blocks in one round is a violation.
    pub fn on_send(&mut self, instance: usize, message: &Message, now: Millis) {
        let Message::Vote(vote) = message else { return };
        if !self.honest[instance] {
            return;
        }
        let key = (instance, vote.epoch, vote.round);
        match self.votes.get(&key) {
            Some(earlier) if *earlier != vote.block_id => {
                let what = format!("double vote: instance {instance} voted for {earlier:?} and {:?} in epoch {} round {}", vote.block_id, vote.epoch, vote.round);
                self.violation(now, what);
            }
            _ => {
                self.votes.insert(key, vote.block_id);
            }
        }
    }

    pub fn on_commit(&mut self, instance: usize, commit: &Commit, now: Millis) {
        if !self.honest[instance] {
            return;
        }
        let entry = *self
            .canonical
            .entry(commit.height)
            .or_insert((commit.block_id, commit.state_root));
        if entry.0 != commit.block_id {
            self.violation(now, format!("fork: instance {instance} committed {:?} at height {}, another honest validator {:?}", commit.block_id, commit.height, entry.0));
        } else if entry.1 != commit.state_root {
            self.violation(
                now,
                format!(
                    "state roots differ at height {}: instance {instance} has {:?}, another {:?}",
                    commit.height, commit.state_root, entry.1
                ),
            );
        }
        if commit.height < self.heights[instance] {
            self.violation(
                now,
                format!(
                    "instance {instance} committed height {} after height {}",
                    commit.height, self.heights[instance]
                ),
            );
        }
        self.heights[instance] = self.heights[instance].max(commit.height);
        self.first_commit_after_heal[instance].get_or_insert(now);
    }

    /// Forgets commits seen before the faults stopped, so only later ones count for liveness.
    fn reset_after_heal(&mut self, fault_until_ms: Millis, now: Millis) {
        for first in &mut self.first_commit_after_heal {
            if first.is_some_and(|t| t < fault_until_ms) && now >= fault_until_ms {
                *first = None;
            }
        }
    }

    pub fn check_liveness(&mut self, now: Millis, fault_until_ms: Millis, heal_bound_ms: Millis) {
        if now < fault_until_ms {
            return;
        }
        self.reset_after_heal(fault_until_ms, now);
        if self.liveness_reported || now <= fault_until_ms + heal_bound_ms {
            return;
        }
        let stuck: Vec<usize> = (0..self.honest.len())
            .filter(|&i| self.honest[i] && self.first_commit_after_heal[i].is_none())
            .collect();
        if !stuck.is_empty() {
            self.liveness_reported = true;
            self.violation(now, format!("no commit within {heal_bound_ms} ms after the faults stopped on instances {stuck:?}"));
        }
    }

    pub fn finish(&mut self, now: Millis, fault_until_ms: Millis, heal_bound_ms: Millis) {
        if now > fault_until_ms + heal_bound_ms {
            self.check_liveness(now, fault_until_ms, heal_bound_ms);
        }
    }

    pub fn min_honest_height(&self) -> Height {
        (0..self.honest.len())
            .filter(|&i| self.honest[i])
            .map(|i| self.heights[i])
            .min()
            .unwrap_or(0)
    }

    /// Time from the end of the faults until every honest validator had committed again.
    pub fn heal_to_commit_ms(&self, fault_until_ms: Millis) -> Option<Millis> {
        (0..self.honest.len())
            .filter(|&i| self.honest[i])
            .map(|i| {
                self.first_commit_after_heal[i]
                    .filter(|t| *t >= fault_until_ms)
                    .map(|t| t - fault_until_ms)
            })
            .try_fold(0, |acc, t| t.map(|t| acc.max(t)))
    }
}
