//! The safety rules: the only code that decides whether this validator may sign a vote or a
//! timeout. Kept small so that it can be read in one sitting.
//!
//! Rules (Jolteon / DiemBFT v4 two-chain, see ARCHITECTURE.md for the argument):
//! 1. Never sign in a round at or below `last_voted_round` (a timeout counts as having voted in
//!    its round), so no two different votes ever exist for one round. Asked again for the
//!    same block in the same round, the rules return the vote already signed.
//! 2. Vote for block B of round r only if B extends the certificate of round r−1
//!    (`B.qc.round + 1 == r`), or r−1 ended in a timeout certificate and B extends a
//!    certificate at least as high as every certificate that certificate's signers reported.
//! 3. Time out in round r only with a high QC of round r−1 or a timeout certificate of round
//!    r−1, and a high QC at least as high as the highest QC this validator has voted on top of.
//!
//! Every decision returns the new [`SafetyData`] together with the signed message. The caller
//! must persist that record durably *before* the message leaves the process; the engine emits
//! the two as effects in that order and the shells execute effects in order.

use serde::{Deserialize, Serialize};

use crate::types::*;
use crate::validators::Identity;

/// What must survive a crash for the rules to stay safe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyData {
    pub epoch: Epoch,
    /// The highest round in which this validator signed a vote or a timeout.
    pub last_voted_round: Round,
    /// The highest certified round this validator has voted on top of.
    pub one_chain_round: Round,
    /// The last vote signed, re-sent if the same block is proposed again in its round.
    pub last_vote: Option<Vote>,
}

/// Why the rules refused to sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SafetyError {
    #[error("epoch {found} is not the safety rules' epoch {expected}")]
    WrongEpoch { expected: Epoch, found: Epoch },
    #[error("already signed in round {last_voted}; refusing to sign again in round {round}")]
    RoundNotIncreasing { round: Round, last_voted: Round },
    #[error("block of round {round} extends QC {qc_round} and TC {tc_round} (highest reported QC {tc_high_qc_round}): not safe to vote")]
    UnsafeVote {
        round: Round,
        qc_round: Round,
        tc_round: Round,
        tc_high_qc_round: Round,
    },
    #[error("timeout for round {round} with high QC {qc_round} and TC {tc_round} (voted on top of {one_chain_round}): not safe")]
    UnsafeTimeout {
        round: Round,
        qc_round: Round,
        tc_round: Round,
        one_chain_round: Round,
    },
}

/// A signed message and the safety record to persist before sending it.
#[derive(Debug)]
pub struct Decision<T> {
    pub record: SafetyData,
    pub message: T,
}

/// The rules with their state and the validator's key.
#[derive(Debug)]
pub struct SafetyRules {
    data: SafetyData,
    identity: Identity,
}

impl SafetyRules {
    pub fn new(data: SafetyData, identity: Identity) -> SafetyRules {
        SafetyRules { data, identity }
    }

    pub fn data(&self) -> &SafetyData {
        &self.data
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Moves the rules to a new epoch: rounds start again from zero.
    pub fn start_epoch(&mut self, epoch: Epoch) -> SafetyData {
        assert!(
            epoch > self.data.epoch || self.data == SafetyData::default(),
            "epochs only move forward"
        );
        self.data = SafetyData {
            epoch,
            ..SafetyData::default()
        };
        self.data.clone()
    }

    /// Decides a vote for `block` (whose id is `block_id`), entered through `tc` if the
    /// previous round timed out.
    pub fn vote(
        &mut self,
        block: &Block,
        block_id: Digest,
        tc: Option<&TimeoutCert>,
    ) -> Result<Decision<Vote>, SafetyError> {
        self.check_epoch(block.epoch)?;
        if let Some(vote) = &self.data.last_vote {
            if vote.round == block.round && vote.block_id == block_id {
                return Ok(Decision {
                    record: self.data.clone(),
                    message: vote.clone(),
                });
            }
        }
        self.check_round_increases(block.round)?;
        let (tc_round, tc_high_qc_round) =
            tc.map_or((0, 0), |tc| (tc.round, tc.highest_qc_round()));
        let extends_qc = block.qc.round + 1 == block.round;
        let extends_tc = tc_round + 1 == block.round && block.qc.round >= tc_high_qc_round;
        if !(extends_qc || extends_tc) {
            return Err(SafetyError::UnsafeVote {
                round: block.round,
                qc_round: block.qc.round,
                tc_round,
                tc_high_qc_round,
            });
        }
        let before = self.data.last_voted_round;
        let signature = self.identity.sign(&vote_signing_bytes(
            block.epoch,
            block.round,
            block.height,
            &block_id,
        ));
        let vote = Vote {
            epoch: block.epoch,
            round: block.round,
            height: block.height,
            block_id,
            voter: self.identity.index,
            signature,
        };
        self.data.last_voted_round = block.round;
        self.data.one_chain_round = self.data.one_chain_round.max(block.qc.round);
        self.data.last_vote = Some(vote.clone());
        assert!(
            self.data.last_voted_round > before,
            "postcondition: the voted round increased"
        );
        Ok(Decision {
            record: self.data.clone(),
            message: vote,
        })
    }

    /// Decides a timeout for `round` carrying `high_qc`, where `tc` is the certificate that
    /// ended round − 1, if it ended that way.
    pub fn timeout(
        &mut self,
        epoch: Epoch,
        round: Round,
        high_qc: &QuorumCert,
        tc: Option<&TimeoutCert>,
    ) -> Result<Decision<Timeout>, SafetyError> {
        self.check_epoch(epoch)?;
        let tc_round = tc.map_or(0, |tc| tc.round);
        let entered = high_qc.round + 1 == round || tc_round + 1 == round;
        if !entered || high_qc.round < self.data.one_chain_round {
            return Err(SafetyError::UnsafeTimeout {
                round,
                qc_round: high_qc.round,
                tc_round,
                one_chain_round: self.data.one_chain_round,
            });
        }
        // A timeout may be re-signed in the round it was first signed (it is re-broadcast),
        // but never below the last round voted in.
        if round < self.data.last_voted_round {
            return Err(SafetyError::RoundNotIncreasing {
                round,
                last_voted: self.data.last_voted_round,
            });
        }
        let signature = self
            .identity
            .sign(&timeout_signing_bytes(epoch, round, high_qc.round));
        self.data.last_voted_round = round;
        let timeout = Timeout {
            epoch,
            round,
            high_qc: high_qc.clone(),
            voter: self.identity.index,
            signature,
            last_tc: tc.cloned(),
        };
        Ok(Decision {
            record: self.data.clone(),
            message: timeout,
        })
    }

    fn check_epoch(&self, epoch: Epoch) -> Result<(), SafetyError> {
        if epoch == self.data.epoch {
            Ok(())
        } else {
            Err(SafetyError::WrongEpoch {
                expected: self.data.epoch,
                found: epoch,
            })
        }
    }

    fn check_round_increases(&self, round: Round) -> Result<(), SafetyError> {
        if round > self.data.last_voted_round {
            Ok(())
        } else {
            Err(SafetyError::RoundNotIncreasing {
                round,
                last_voted: self.data.last_voted_round,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn rules() -> SafetyRules {
        SafetyRules::new(
            SafetyData::default(),
            Identity::new(0, SigningKey::from_bytes(&[9; 32])),
        )
    }

    fn qc(round: Round) -> QuorumCert {
        QuorumCert {
            epoch: 0,
            round,
            height: round,
            block_id: Digest::of(&[&round.to_be_bytes()]),
            votes: vec![],
        }
    }

    fn block(round: Round, qc_round: Round, salt: u8) -> Block {
        Block {
            epoch: 0,
            round,
            height: qc_round + 1,
            parent_id: qc(qc_round).block_id,
            qc: qc(qc_round),
            proposer: 1,
            timestamp_ms: u64::from(salt),
            transactions: vec![],
            executed: None,
        }
    }

    fn tc(round: Round, high: Round) -> TimeoutCert {
        TimeoutCert {
            epoch: 0,
            round,
            timeouts: vec![
                (1, high, Sig([0; 64])),
                (2, high.saturating_sub(1), Sig([0; 64])),
            ],
            high_qc: qc(high),
        }
    }

    #[test]
    fn votes_once_per_round() {
        let mut r = rules();
        let b = block(1, 0, 0);
        let first = r.vote(&b, b.id(), None).unwrap();
        let again = r.vote(&b, b.id(), None).unwrap();
        assert_eq!(first.message, again.message, "same block, same vote");
        let other = block(1, 0, 1);
        assert!(matches!(
            r.vote(&other, other.id(), None),
            Err(SafetyError::RoundNotIncreasing {
                round: 1,
                last_voted: 1
            })
        ));
        assert_eq!(first.record.last_voted_round, 1);
    }

    #[test]
    fn votes_only_on_the_previous_round_or_through_a_timeout_certificate() {
        let mut r = rules();
        let skipping = block(3, 1, 0);
        assert!(matches!(
            r.vote(&skipping, skipping.id(), None),
            Err(SafetyError::UnsafeVote { .. })
        ));
        // Round 2 timed out; the TC's signers reported QC round 1 at most; a block of round 3
        // on QC 1 is safe, one on QC 0 is not.
        let low = block(3, 0, 0);
        assert!(r.vote(&low, low.id(), Some(&tc(2, 1))).is_err());
        assert!(r.vote(&skipping, skipping.id(), Some(&tc(2, 1))).is_ok());
    }

    #[test]
    fn timing_out_a_round_forbids_voting_in_it() {
        let mut r = rules();
        r.timeout(0, 1, &qc(0), None).unwrap();
        let b = block(1, 0, 0);
        assert!(matches!(
            r.vote(&b, b.id(), None),
            Err(SafetyError::RoundNotIncreasing { .. })
        ));
        assert!(
            r.timeout(0, 1, &qc(0), None).is_ok(),
            "re-signing the same timeout is allowed"
        );
    }

    #[test]
    fn timeout_needs_a_high_qc_at_least_as_high_as_voted_on() {
        let mut r = rules();
        let b = block(5, 4, 0);
        r.vote(&b, b.id(), None).unwrap();
        assert_eq!(r.data().one_chain_round, 4);
        assert!(matches!(
            r.timeout(0, 6, &qc(3), Some(&tc(5, 3))),
            Err(SafetyError::UnsafeTimeout { .. })
        ));
        assert!(r.timeout(0, 6, &qc(5), None).is_ok());
    }
}
