//! Signature checks of a block's transactions, and the set of transactions already verified at
//! admission.
//!
//! Architecture invariant: whether a transaction's signature counts as valid depends on that
//! transaction alone, never on what this validator happened to admit. A transaction is valid
//! when strict single verification (`verify_strict`) accepts it. Batch verification
//! (`ed25519_dalek::verify_batch`) is only a faster way to reach the same answer, and it can
//! disagree with single verification on crafted signatures (a torsion component in `R` can pass
//! a random linear combination). So batches are never formed from "whatever this validator has
//! not verified yet", which differs between validators: the block's signed transactions are
//! cut into fixed chunks of [`BATCH_LEN`] by position, the same on every validator. A chunk is
//! skipped only when every member was verified at admission (so each passes single
//! verification, and the batch would pass too); otherwise the whole chunk is batch-verified,
//! identically everywhere, and when the batch fails each member not verified at admission is
//! verified alone. A crafted signature fails admission, so no chunk holding one is ever
//! skipped, and every validator computes the same batch for it.
//!
//! Bounds: the verified set holds at most [`VERIFIED_LEN_MAX`] hashes, the oldest evicted
//! first; an evicted transaction is simply verified again in its block.

use std::collections::{HashSet, VecDeque};

use ed25519_dalek::{Signature, VerifyingKey};

use crate::types::Digest;

/// Transactions per batch verification.
pub const BATCH_LEN: usize = 64;
/// At most this many admitted transactions are remembered as verified.
pub const VERIFIED_LEN_MAX: usize = 1 << 17;

/// One signed transaction of a block, ready for verification.
#[derive(Debug)]
pub(crate) struct SignedItem {
    pub hash: Digest,
    pub message: Vec<u8>,
    pub key: [u8; 32],
    pub signature: [u8; 64],
}

/// Hashes of transactions whose signature passed single verification at admission.
#[derive(Debug, Default)]
pub(crate) struct VerifiedSet {
    hashes: HashSet<Digest>,
    order: VecDeque<Digest>,
}

impl VerifiedSet {
    pub fn insert(&mut self, hash: Digest) {
        if !self.hashes.insert(hash) {
            return;
        }
        self.order.push_back(hash);
        while self.order.len() > VERIFIED_LEN_MAX {
            if let Some(oldest) = self.order.pop_front() {
                self.hashes.remove(&oldest);
            }
        }
    }

    pub fn contains(&self, hash: &Digest) -> bool {
        self.hashes.contains(hash)
    }

    /// Forgets a committed transaction (its replay protection takes over).
    pub fn remove(&mut self, hash: &Digest) {
        self.hashes.remove(hash);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.hashes.len()
    }
}

/// Whether each item's signature is valid, in order; see the module documentation.
pub(crate) fn verify_items(items: &[SignedItem], verified: &VerifiedSet) -> Vec<bool> {
    let mut valid = Vec::with_capacity(items.len());
    for chunk in items.chunks(BATCH_LEN) {
        // A fully admitted chunk is skipped; any other is batch-verified as a whole.
        let all_admitted = chunk.iter().all(|item| verified.contains(&item.hash));
        if all_admitted || verify_chunk(chunk) {
            valid.extend(std::iter::repeat_n(true, chunk.len()));
        } else {
            valid.extend(
                chunk
                    .iter()
                    .map(|item| verified.contains(&item.hash) || verify_one(item)),
            );
        }
    }
    valid
}

/// Strict single verification: what validity means.
pub(crate) fn verify_one(item: &SignedItem) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(&item.key) else {
        return false;
    };
    key.verify_strict(&item.message, &Signature::from_bytes(&item.signature))
        .is_ok()
}

fn verify_chunk(chunk: &[SignedItem]) -> bool {
    let Ok(keys) = chunk
        .iter()
        .map(|item| VerifyingKey::from_bytes(&item.key))
        .collect::<Result<Vec<_>, _>>()
    else {
        return false;
    };
    // Weak (small-order) keys pass neither strict single verification nor, here, the batch.
    if keys.iter().any(VerifyingKey::is_weak) {
        return false;
    }
    let messages: Vec<&[u8]> = chunk.iter().map(|item| item.message.as_slice()).collect();
    let signatures: Vec<Signature> = chunk
        .iter()
        .map(|item| Signature::from_bytes(&item.signature))
        .collect();
    ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    fn item(i: u8, good: bool) -> SignedItem {
        let key = SigningKey::from_bytes(&[i.wrapping_add(1); 32]);
        let message = vec![i; 40];
        let mut signature = key.sign(&message).to_bytes();
        if !good {
            signature[5] ^= 1;
        }
        SignedItem {
            hash: Digest::of(&[&[i]]),
            message,
            key: key.verifying_key().to_bytes(),
            signature,
        }
    }

    #[test]
    fn batches_and_singles_agree_on_every_item() {
        let bad = [3usize, 70, 71, 130];
        let items: Vec<SignedItem> = (0..150u8)
            .map(|i| item(i, !bad.contains(&usize::from(i))))
            .collect();
        let expected: Vec<bool> = items.iter().map(verify_one).collect();
        assert_eq!(expected.iter().filter(|v| !**v).count(), bad.len());
        let mut verified = VerifiedSet::default();
        assert_eq!(verify_items(&items, &verified), expected);
        // Whatever was verified at admission, the answer is the same.
        for i in (0..150).step_by(3).filter(|i| !bad.contains(i)) {
            verified.insert(items[i].hash);
        }
        assert_eq!(verify_items(&items, &verified), expected);
        for (_, item) in items.iter().enumerate().filter(|(i, _)| !bad.contains(i)) {
            verified.insert(item.hash);
        }
        assert_eq!(verify_items(&items, &verified), expected);
    }

    #[test]
    fn the_verified_set_is_bounded() {
        let mut set = VerifiedSet::default();
        for i in 0..(VERIFIED_LEN_MAX as u64 + 10) {
            set.insert(Digest::of(&[&i.to_be_bytes()]));
        }
        assert_eq!(set.len(), VERIFIED_LEN_MAX);
        assert!(!set.contains(&Digest::of(&[&0u64.to_be_bytes()])));
        assert!(set.contains(&Digest::of(&[&(VERIFIED_LEN_MAX as u64).to_be_bytes()])));
    }
}
