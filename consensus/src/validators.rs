//! The validator set of an epoch: voting power, quorums, the cross-border quorum constraint,
//! and signature checks on votes, timeouts and certificates.
//!
//! A quorum is more than two thirds of the voting power. The consortium adds one constraint:
//! every quorum must contain validators of each required jurisdiction (Kazakhstan and China),
//! so neither country's validators can certify anything alone; a set that breaks it is refused
//! at construction. Certificates are checked with Ed25519 batch verification. (Batch checks
//! are cofactored and single checks are not; every validator runs the same checks on the same
//! certificates, so they agree, and a signature that passes singly always passes in a batch.)

use std::collections::BTreeSet;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use trade_docs::Country;

use crate::types::*;

/// One validator of an epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorInfo {
    pub name: String,
    pub country: Country,
    /// Ed25519 public key.
    pub public_key: [u8; 32],
    pub voting_power: u64,
}

/// Why a validator set was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    #[error("a validator set needs at least one validator")]
    Empty,
    #[error("a validator set holds at most {max} validators", max = ValidatorIndex::MAX)]
    TooMany,
    #[error("validator '{0}' has no voting power")]
    NoPower(String),
    #[error("validator '{0}' has a key that is not an Ed25519 public key")]
    BadKey(String),
    #[error("validators '{0}' and '{1}' share a key")]
    DuplicateKey(String, String),
    #[error("validators outside {country} hold {power} of {total} voting power, a quorum without {country} (a quorum needs {quorum})")]
    QuorumWithout {
        country: Country,
        power: u64,
        total: u64,
        quorum: u64,
    },
}

/// Why a signed statement was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("epoch {found} is not the current epoch {expected}")]
    WrongEpoch { expected: Epoch, found: Epoch },
    #[error("signer {0} is not in the validator set")]
    UnknownSigner(ValidatorIndex),
    #[error("signers are not sorted and unique")]
    UnsortedSigners,
    #[error("signers hold {power} voting power, a quorum needs {quorum}")]
    NoQuorum { power: u64, quorum: u64 },
    #[error("bad signature")]
    BadSignature,
    #[error("timeout certificate's high QC round {qc} is not the highest signed round {signed}")]
    InconsistentHighQc { qc: Round, signed: Round },
}

/// The validators of one epoch.
#[derive(Clone, Debug)]
pub struct ValidatorSet {
    pub epoch: Epoch,
    validators: Vec<ValidatorInfo>,
    keys: Vec<VerifyingKey>,
    total_power: u64,
}

impl ValidatorSet {
    /// Builds a set, refusing one in which validators of a single country outside `required`
    /// could form a quorum.
    pub fn new(
        epoch: Epoch,
        validators: Vec<ValidatorInfo>,
        required: &[Country],
    ) -> Result<ValidatorSet, SetError> {
        if validators.is_empty() {
            return Err(SetError::Empty);
        }
        if validators.len() > usize::from(ValidatorIndex::MAX) {
            return Err(SetError::TooMany);
        }
        let mut keys = Vec::with_capacity(validators.len());
        for (i, v) in validators.iter().enumerate() {
            if v.voting_power == 0 {
                return Err(SetError::NoPower(v.name.clone()));
            }
            if let Some(j) = validators[..i]
                .iter()
                .position(|w| w.public_key == v.public_key)
            {
                return Err(SetError::DuplicateKey(
                    validators[j].name.clone(),
                    v.name.clone(),
                ));
            }
            keys.push(
                VerifyingKey::from_bytes(&v.public_key)
                    .map_err(|_| SetError::BadKey(v.name.clone()))?,
            );
        }
        let total_power = validators.iter().map(|v| v.voting_power).sum();
        let set = ValidatorSet {
            epoch,
            validators,
            keys,
            total_power,
        };
        for &country in required {
            let power: u64 = set
                .validators
                .iter()
                .filter(|v| v.country != country)
                .map(|v| v.voting_power)
                .sum();
            if power >= set.quorum_power() {
                return Err(SetError::QuorumWithout {
                    country,
                    power,
                    total: set.total_power,
                    quorum: set.quorum_power(),
                });
            }
        }
        Ok(set)
    }

    pub fn len(&self) -> usize {
        self.validators.len()
    }

    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    pub fn info(&self, index: ValidatorIndex) -> Option<&ValidatorInfo> {
        self.validators.get(usize::from(index))
    }

    pub fn index_of(&self, public_key: &[u8; 32]) -> Option<ValidatorIndex> {
        self.validators
            .iter()
            .position(|v| &v.public_key == public_key)
            .map(|i| i as ValidatorIndex)
    }

    pub fn total_power(&self) -> u64 {
        self.total_power
    }

    /// More than two thirds of the total voting power.
    pub fn quorum_power(&self) -> u64 {
        self.total_power * 2 / 3 + 1
    }

    /// Enough power that at least one honest validator is among the signers (f + 1).
    pub fn one_honest_power(&self) -> u64 {
        self.total_power - self.quorum_power() + 1
    }

    /// Voting power of a set of signers (unknown indexes count nothing).
    pub fn power_of<I: IntoIterator<Item = ValidatorIndex>>(&self, signers: I) -> u64 {
        signers
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter_map(|i| self.info(i))
            .map(|v| v.voting_power)
            .sum()
    }

    fn key(&self, index: ValidatorIndex) -> Result<&VerifyingKey, VerifyError> {
        self.keys
            .get(usize::from(index))
            .ok_or(VerifyError::UnknownSigner(index))
    }

    fn check_epoch(&self, epoch: Epoch) -> Result<(), VerifyError> {
        if epoch == self.epoch {
            Ok(())
        } else {
            Err(VerifyError::WrongEpoch {
                expected: self.epoch,
                found: epoch,
            })
        }
    }

    fn verify_one(
        &self,
        signer: ValidatorIndex,
        message: &[u8],
        sig: &Sig,
    ) -> Result<(), VerifyError> {
        let key = self.key(signer)?;
        key.verify_strict(message, &Signature::from_bytes(&sig.0))
            .map_err(|_| VerifyError::BadSignature)
    }

    /// Checks sorted unique signers with a quorum of power, then all signatures in one batch.
    fn verify_quorum(&self, signed: &[(ValidatorIndex, Vec<u8>, Sig)]) -> Result<(), VerifyError> {
        if signed.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(VerifyError::UnsortedSigners);
        }
        let power = self.power_of(signed.iter().map(|s| s.0));
        if power < self.quorum_power() {
            return Err(VerifyError::NoQuorum {
                power,
                quorum: self.quorum_power(),
            });
        }
        let keys = signed
            .iter()
            .map(|s| self.key(s.0).copied())
            .collect::<Result<Vec<_>, _>>()?;
        let messages: Vec<&[u8]> = signed.iter().map(|s| s.1.as_slice()).collect();
        let sigs: Vec<Signature> = signed
            .iter()
            .map(|s| Signature::from_bytes(&s.2 .0))
            .collect();
        ed25519_dalek::verify_batch(&messages, &sigs, &keys).map_err(|_| VerifyError::BadSignature)
    }

    pub fn verify_vote(&self, vote: &Vote) -> Result<(), VerifyError> {
        self.check_epoch(vote.epoch)?;
        self.verify_one(
            vote.voter,
            &vote_signing_bytes(vote.epoch, vote.round, vote.height, &vote.block_id),
            &vote.signature,
        )
    }

    /// A certificate of this epoch. Anchor certificates carry no signatures and are accepted
    /// only by the engine that knows its epoch's anchor; here they fail for lack of a quorum.
    pub fn verify_qc(&self, qc: &QuorumCert) -> Result<(), VerifyError> {
        self.check_epoch(qc.epoch)?;
        let message = vote_signing_bytes(qc.epoch, qc.round, qc.height, &qc.block_id);
        let signed: Vec<_> = qc
            .votes
            .iter()
            .map(|(i, s)| (*i, message.clone(), *s))
            .collect();
        self.verify_quorum(&signed)
    }

    pub fn verify_timeout(&self, timeout: &Timeout) -> Result<(), VerifyError> {
        self.check_epoch(timeout.epoch)?;
        let message = timeout_signing_bytes(timeout.epoch, timeout.round, timeout.high_qc.round);
        self.verify_one(timeout.voter, &message, &timeout.signature)
    }

    /// A timeout certificate; its high QC is checked separately by the caller (it may be the
    /// epoch's anchor).
    pub fn verify_tc(&self, tc: &TimeoutCert) -> Result<(), VerifyError> {
        self.check_epoch(tc.epoch)?;
        if tc.high_qc.round != tc.highest_qc_round() {
            return Err(VerifyError::InconsistentHighQc {
                qc: tc.high_qc.round,
                signed: tc.highest_qc_round(),
            });
        }
        let signed: Vec<_> = tc
            .timeouts
            .iter()
            .map(|(i, r, s)| (*i, timeout_signing_bytes(tc.epoch, tc.round, *r), *s))
            .collect();
        self.verify_quorum(&signed)
    }

    pub fn verify_proposal_signature(
        &self,
        proposal: &Proposal,
        block_id: &Digest,
    ) -> Result<(), VerifyError> {
        self.check_epoch(proposal.block.epoch)?;
        self.verify_one(
            proposal.block.proposer,
            &proposal_signing_bytes(block_id),
            &proposal.signature,
        )
    }
}

/// What a proposer signs: the id of the block it proposes.
pub fn proposal_signing_bytes(block_id: &Digest) -> Vec<u8> {
    [&b"silkway/proposal/v1"[..], &block_id.0].concat()
}

/// A validator's own signing identity.
#[derive(Clone, Debug)]
pub struct Identity {
    pub index: ValidatorIndex,
    key: SigningKey,
}

impl Identity {
    pub fn new(index: ValidatorIndex, key: SigningKey) -> Identity {
        Identity { index, key }
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub fn sign(&self, message: &[u8]) -> Sig {
        Sig(self.key.sign(message).to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn keys(n: usize) -> Vec<SigningKey> {
        (0..n)
            .map(|i| SigningKey::from_bytes(&[i as u8 + 1; 32]))
            .collect()
    }

    fn set(countries: &[&str]) -> Result<ValidatorSet, SetError> {
        let validators = keys(countries.len())
            .iter()
            .zip(countries)
            .enumerate()
            .map(|(i, (k, c))| ValidatorInfo {
                name: format!("v{i}"),
                country: c.parse().unwrap(),
                public_key: k.verifying_key().to_bytes(),
                voting_power: 1,
            })
            .collect();
        ValidatorSet::new(0, validators, &[Country::KZ, Country::CN])
    }

    #[test]
    fn quorum_is_more_than_two_thirds() {
        assert_eq!(set(&["KZ", "KZ", "CN", "CN"]).unwrap().quorum_power(), 3);
        let seven = set(&["KZ", "KZ", "KZ", "KZ", "CN", "CN", "CN"]).unwrap();
        assert_eq!(seven.quorum_power(), 5);
        assert_eq!(seven.one_honest_power(), 3);
    }

    #[test]
    fn refuses_a_set_where_one_country_forms_a_quorum() {
        let err = set(&["KZ", "KZ", "KZ", "KZ", "KZ", "CN", "CN"]).unwrap_err();
        assert!(
            matches!(err, SetError::QuorumWithout { country, power: 5, .. } if country == Country::CN),
            "{err}"
        );
        assert!(set(&["KZ", "KZ", "KZ", "CN"]).is_err());
    }

    #[test]
    fn qc_needs_a_quorum_of_valid_sorted_signatures() {
        let set = set(&["KZ", "KZ", "CN", "CN"]).unwrap();
        let ks = keys(4);
        let id = Digest::of(&[b"block"]);
        let msg = vote_signing_bytes(0, 5, 3, &id);
        let sign = |i: usize| (i as ValidatorIndex, Sig(ks[i].sign(&msg).to_bytes()));
        let mut qc = QuorumCert {
            epoch: 0,
            round: 5,
            height: 3,
            block_id: id,
            votes: vec![sign(0), sign(1), sign(3)],
        };
        assert_eq!(set.verify_qc(&qc), Ok(()));
        qc.votes.pop();
        assert!(matches!(
            set.verify_qc(&qc),
            Err(VerifyError::NoQuorum {
                power: 2,
                quorum: 3
            })
        ));
        qc.votes = vec![sign(0), sign(0), sign(1)];
        assert_eq!(set.verify_qc(&qc), Err(VerifyError::UnsortedSigners));
        qc.votes = vec![sign(0), sign(1), sign(2)];
        qc.round = 6;
        assert_eq!(set.verify_qc(&qc), Err(VerifyError::BadSignature));
    }
}
