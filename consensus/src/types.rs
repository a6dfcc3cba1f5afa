//! The consensus data types: blocks, votes, quorum and timeout certificates, and messages.
//!
//! Identities are content hashes computed here, never trusted from the wire: a block's id is
//! recomputed from its fields on receipt. Signed statements have fixed, domain-separated byte
//! layouts (see `signing_bytes`), so a vote can never be replayed as a timeout or across epochs.
//! This module does not check signatures against a validator set; see `validators`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

pub type Epoch = u64;
pub type Round = u64;
pub type Height = u64;
/// Milliseconds since the Unix epoch, as stamped by proposers and passed in as `now`.
pub type Millis = u64;
/// A validator's position in its epoch's validator set.
pub type ValidatorIndex = u16;

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    pub const ZERO: Digest = Digest([0; 32]);

    /// SHA-256 over the concatenation of `parts`.
    pub fn of(parts: &[&[u8]]) -> Digest {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part);
        }
        Digest(hasher.finalize().into())
    }

    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.short())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes = Bytes64OrLess::deserialize(d)?.0;
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| serde::de::Error::custom("a digest is 32 bytes"))?;
        Ok(Digest(array))
    }
}

/// An Ed25519 signature (64 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sig(pub [u8; 64]);

impl fmt::Debug for Sig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sig({})", hex::encode(&self.0[..4]))
    }
}

impl Serialize for Sig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes = Bytes64OrLess::deserialize(d)?.0;
        let array: [u8; 64] = bytes
            .try_into()
            .map_err(|_| serde::de::Error::custom("a signature is 64 bytes"))?;
        Ok(Sig(array))
    }
}

/// Deserializes a byte string of at most 64 bytes, refusing longer input before allocating.
struct Bytes64OrLess(Vec<u8>);

impl<'de> Deserialize<'de> for Bytes64OrLess {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Bytes64OrLess;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a byte string of at most 64 bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                if v.len() > 64 {
                    return Err(E::custom("byte string longer than 64 bytes"));
                }
                Ok(Bytes64OrLess(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
                self.visit_bytes(&v)
            }
        }
        d.deserialize_bytes(Visitor)
    }
}

/// An opaque ledger transaction; the engine orders bytes, the application gives them meaning.
pub type Transaction = Vec<u8>;

/// A block proposed for a round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub epoch: Epoch,
    pub round: Round,
    pub height: Height,
    pub parent_id: Digest,
    /// Certifies the parent block.
    pub qc: QuorumCert,
    pub proposer: ValidatorIndex,
    /// The proposer's clock; must exceed the parent's and lie within the allowed skew.
    pub timestamp_ms: Millis,
    /// Each transaction is a byte string in binary formats (CBOR), not an array of integers:
    /// that makes encoding and decoding a full block several times faster.
    #[serde(with = "transactions_as_bytes")]
    pub transactions: Vec<Transaction>,
    /// The state root the proposer computed after executing this committed height, so that
    /// a validator whose state diverged detects it and stops.
    pub executed: Option<(Height, Digest)>,
}

impl Block {
    /// The genesis block: epoch 0, round 0, height 0, no parent, no transactions. Later epochs
    /// have no genesis block of their own: they start from an anchor certificate on the block
    /// that ended the previous epoch.
    pub fn genesis() -> Block {
        Block {
            epoch: 0,
            round: 0,
            height: 0,
            parent_id: Digest::ZERO,
            qc: QuorumCert::anchor(0, Digest::ZERO, 0),
            proposer: 0,
            timestamp_ms: 0,
            transactions: Vec::new(),
            executed: None,
        }
    }

    /// The block id: a hash over every field, transactions by their own hashes.
    /// Hashes every transaction; where the hashes are at hand, use [`Block::id_with`].
    pub fn id(&self) -> Digest {
        self.id_with(&transaction_hashes(&self.transactions))
    }

    /// The block id from its transactions' hashes (in order), computed once by the caller.
    pub fn id_with(&self, tx_hashes: &[Digest]) -> Digest {
        debug_assert_eq!(tx_hashes.len(), self.transactions.len());
        let tx_root = transactions_root(tx_hashes);
        let executed = match self.executed {
            Some((h, root)) => [&[1u8][..], &h.to_be_bytes(), &root.0].concat(),
            None => vec![0u8],
        };
        Digest::of(&[
            b"silkway/block/v1",
            &self.epoch.to_be_bytes(),
            &self.round.to_be_bytes(),
            &self.height.to_be_bytes(),
            &self.parent_id.0,
            &self.qc.digest().0,
            &self.proposer.to_be_bytes(),
            &self.timestamp_ms.to_be_bytes(),
            &tx_root.0,
            &executed,
        ])
    }

    pub fn payload_bytes(&self) -> usize {
        self.transactions.iter().map(Vec::len).sum()
    }
}

/// Serde for a block's transactions: a sequence of byte strings. Reading accepts a byte string
/// or a sequence of integers per transaction (serde's default for `Vec<u8>`, and what formats
/// without byte strings write).
mod transactions_as_bytes {
    use std::fmt;

    use serde::de::{Error, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Transaction;

    pub fn serialize<S: Serializer>(txs: &[Transaction], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(txs.iter().map(|tx| AsBytes(tx)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Transaction>, D::Error> {
        let txs = Vec::<FromBytes>::deserialize(d)?;
        Ok(txs.into_iter().map(|tx| tx.0).collect())
    }

    struct AsBytes<'a>(&'a [u8]);

    impl Serialize for AsBytes<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    struct FromBytes(Transaction);

    impl<'de> Deserialize<'de> for FromBytes {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            // `any`, not `bytes`: ciborium refuses an array where bytes were asked for, and
            // the formats the node uses are self-describing.
            d.deserialize_any(BytesVisitor)
        }
    }

    struct BytesVisitor;

    impl<'de> Visitor<'de> for BytesVisitor {
        type Value = FromBytes;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a transaction as a byte string")
        }

        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<FromBytes, E> {
            Ok(FromBytes(v.to_vec()))
        }

        fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<FromBytes, E> {
            Ok(FromBytes(v))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FromBytes, A::Error> {
            let mut tx = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(byte) = seq.next_element::<u8>()? {
                tx.push(byte);
            }
            Ok(FromBytes(tx))
        }
    }
}

/// A transaction's identity: SHA-256 under its own domain.
pub fn transaction_hash(tx: &[u8]) -> Digest {
    Digest::of(&[b"silkway/tx/v1", tx])
}

/// The hashes of a transaction list, in order.
pub fn transaction_hashes(transactions: &[Transaction]) -> Vec<Digest> {
    transactions.iter().map(|tx| transaction_hash(tx)).collect()
}

/// Hash of the transaction list: SHA-256 over the count and every transaction's hash.
pub fn transactions_root(tx_hashes: &[Digest]) -> Digest {
    let mut hasher = Sha256::new();
    hasher.update(b"silkway/txs/v1");
    hasher.update((tx_hashes.len() as u64).to_be_bytes());
    for hash in tx_hashes {
        hasher.update(hash.0);
    }
    Digest(hasher.finalize().into())
}

/// A block with its id and its transactions' hashes, computed once when the block first
/// reaches this validator: hashing thousands of transactions is the engine's main cost per
/// block, so the hashes travel with the block through the tree to commit and the mempool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashedBlock {
    pub block: Block,
    pub id: Digest,
    pub tx_hashes: Vec<Digest>,
}

impl HashedBlock {
    pub fn new(block: Block) -> HashedBlock {
        let tx_hashes = transaction_hashes(&block.transactions);
        HashedBlock::with_hashes(block, tx_hashes)
    }

    /// From hashes the caller already has (a leader's mempool keeps them).
    pub fn with_hashes(block: Block, tx_hashes: Vec<Digest>) -> HashedBlock {
        let id = block.id_with(&tx_hashes);
        HashedBlock {
            block,
            id,
            tx_hashes,
        }
    }
}

/// What a vote signs: "block `block_id` at `round` and `height` of `epoch` is safe to extend".
pub fn vote_signing_bytes(
    epoch: Epoch,
    round: Round,
    height: Height,
    block_id: &Digest,
) -> Vec<u8> {
    [
        &b"silkway/vote/v1"[..],
        &epoch.to_be_bytes(),
        &round.to_be_bytes(),
        &height.to_be_bytes(),
        &block_id.0,
    ]
    .concat()
}

/// What a timeout signs: "I give up on `round`; my highest certified round is `high_qc_round`".
pub fn timeout_signing_bytes(epoch: Epoch, round: Round, high_qc_round: Round) -> Vec<u8> {
    [
        &b"silkway/timeout/v1"[..],
        &epoch.to_be_bytes(),
        &round.to_be_bytes(),
        &high_qc_round.to_be_bytes(),
    ]
    .concat()
}

/// A quorum certificate: votes of more than two thirds of the voting power for one block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumCert {
    pub epoch: Epoch,
    pub round: Round,
    pub height: Height,
    pub block_id: Digest,
    /// (signer, signature) sorted by signer, no duplicates. Empty only for an epoch anchor.
    pub votes: Vec<(ValidatorIndex, Sig)>,
}

impl QuorumCert {
    /// The certificate every epoch starts from: round 0, no signatures. It is accepted by
    /// construction (the engine knows its epoch's anchor), never from the wire alone.
    pub fn anchor(epoch: Epoch, block_id: Digest, height: Height) -> QuorumCert {
        QuorumCert {
            epoch,
            round: 0,
            height,
            block_id,
            votes: Vec::new(),
        }
    }

    pub fn is_anchor(&self) -> bool {
        self.round == 0 && self.votes.is_empty()
    }

    /// A digest of the certificate's statement and signers, bound into the child block's id.
    pub fn digest(&self) -> Digest {
        let signers: Vec<u8> = self
            .votes
            .iter()
            .flat_map(|(i, _)| i.to_be_bytes())
            .collect();
        Digest::of(&[
            b"silkway/qc/v1",
            &self.epoch.to_be_bytes(),
            &self.round.to_be_bytes(),
            &self.height.to_be_bytes(),
            &self.block_id.0,
            &signers,
        ])
    }
}

/// A validator's vote for a block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub epoch: Epoch,
    pub round: Round,
    pub height: Height,
    pub block_id: Digest,
    pub voter: ValidatorIndex,
    pub signature: Sig,
}

/// A validator's timeout for a round, carrying its highest quorum certificate and the timeout
/// certificate that brought it into the round, if any: a validator still in an earlier round
/// catches up from it instead of waiting for timeouts of a round the others have left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeout {
    pub epoch: Epoch,
    pub round: Round,
    pub high_qc: QuorumCert,
    pub voter: ValidatorIndex,
    pub signature: Sig,
    /// Not signed: a certificate authenticates itself.
    pub last_tc: Option<TimeoutCert>,
}

/// Timeouts of more than two thirds of the voting power for one round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeoutCert {
    pub epoch: Epoch,
    pub round: Round,
    /// (signer, that signer's high QC round, signature) sorted by signer.
    pub timeouts: Vec<(ValidatorIndex, Round, Sig)>,
    /// The highest of the signers' quorum certificates (its round is the maximum above).
    pub high_qc: QuorumCert,
}

impl TimeoutCert {
    pub fn highest_qc_round(&self) -> Round {
        self.timeouts.iter().map(|(_, r, _)| *r).max().unwrap_or(0)
    }
}

/// A leader's proposal: the block, and the timeout certificate of the previous round when
/// that round ended without a quorum certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub block: Block,
    pub tc: Option<TimeoutCert>,
    /// The proposer's signature over the block id, so a forwarded proposal stays attributable.
    pub signature: Sig,
}

/// Ask a peer for the certified blocks after a height.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// The requester's highest committed height; the reply starts above it.
    pub committed_height: Height,
    /// The block the requester is missing and wants to reach.
    pub target: Digest,
}

/// Certified blocks in height order, each followed in the chain by its certificate (the next
/// block's `qc`); `highest_qc` certifies the last one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub blocks: Vec<Block>,
    pub highest_qc: QuorumCert,
}

/// Everything validators say to each other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)] // proposals dominate traffic anyway
pub enum Message {
    Proposal(Proposal),
    Vote(Vote),
    Timeout(Timeout),
    SyncRequest(SyncRequest),
    SyncResponse(SyncResponse),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_with(transactions: Vec<Transaction>) -> Block {
        Block {
            transactions,
            ..Block::genesis()
        }
    }

    #[test]
    fn transactions_are_byte_strings_in_cbor_and_round_trip() {
        let block = block_with(vec![vec![], vec![0xff; 300], b"tx".to_vec()]);
        let encode = |block: &Block| {
            let mut cbor = Vec::new();
            ciborium::into_writer(block, &mut cbor).unwrap();
            cbor
        };
        let cbor = encode(&block);
        // 0x59 0x01 0x2c: a byte string of 300 bytes; as integers it would take 600 bytes.
        assert!(cbor.windows(3).any(|w| w == [0x59, 0x01, 0x2c]));
        let overhead = cbor.len() - encode(&block_with(vec![])).len() - 302;
        assert!(overhead <= 6, "{overhead} bytes of overhead");
        assert_eq!(ciborium::from_reader::<Block, _>(&cbor[..]).unwrap(), block);
    }

    #[test]
    fn transactions_written_as_integer_arrays_still_read() {
        let mut value = ciborium::Value::serialized(&block_with(vec![])).unwrap();
        let ciborium::Value::Map(fields) = &mut value else {
            panic!("a block is a map")
        };
        let as_integers = ciborium::Value::Array(vec![ciborium::Value::Array(vec![
            ciborium::Value::Integer(7.into()),
            ciborium::Value::Integer(255.into()),
        ])]);
        for (key, field) in fields.iter_mut() {
            if key.as_text() == Some("transactions") {
                *field = as_integers.clone();
            }
        }
        let block: Block = value.deserialized().unwrap();
        assert_eq!(block.transactions, vec![vec![7, 255]]);
    }
}
