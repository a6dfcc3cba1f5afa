//! Random selection for control, derived from ledger data so that an auditor can recompute it.
//!
//! The draw of a declaration is
//! `value = first 8 bytes, big-endian, of SHA-256("silkway/customs-draw/v1" ‖ block ‖ declaration)`
//! where `block` is the id of the block that committed the declaration's submission and
//! `declaration` its instrument id (both 32 bytes). The declaration is selected when
//! `value < rate_ppm × 2^64 / 1 000 000`, computed exactly in 128 bits. Nobody chooses the
//! outcome: the declarant does not know the block id when it signs, and the proposer cannot
//! grind block ids without changing what it proposes, which every validator sees.
//!
//! Deliberately not here: which block and id the shell passes (the gateway reads them from the
//! ledger), and what a selection does to the channel (the rule set's `[draw]` table says, and
//! `evaluate` applies it). Invariant: pure; the same inputs give the same draw everywhere.

use sha2::{Digest, Sha256};
use trade_docs::instrument::RandomDraw;
use trade_docs::Fingerprint;

/// The domain separator hashed in front of the block and the declaration id.
pub const DRAW_DOMAIN: &[u8] = b"silkway/customs-draw/v1";
/// A rate of one million parts per million selects every declaration.
pub const RATE_PPM_MAX: u32 = 1_000_000;

/// The draw for one declaration at `rate_ppm` (clamped to [`RATE_PPM_MAX`]).
pub fn draw(block: &Fingerprint, declaration: &Fingerprint, rate_ppm: u32) -> RandomDraw {
    let rate_ppm = rate_ppm.min(RATE_PPM_MAX);
    let value = draw_value(block, declaration);
    RandomDraw {
        block: *block,
        declaration: *declaration,
        rate_ppm,
        value,
        selected: is_selected(value, rate_ppm),
    }
}

/// The 64-bit value drawn for a declaration; see the module documentation.
pub fn draw_value(block: &Fingerprint, declaration: &Fingerprint) -> u64 {
    let digest = Sha256::new()
        .chain_update(DRAW_DOMAIN)
        .chain_update(block.0)
        .chain_update(declaration.0)
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Whether `value` falls under `rate_ppm` parts per million of the `u64` range.
pub fn is_selected(value: u64, rate_ppm: u32) -> bool {
    let threshold = u128::from(rate_ppm.min(RATE_PPM_MAX)) << 64;
    u128::from(value) * u128::from(RATE_PPM_MAX) < threshold
}

/// An auditor's check of a recorded draw: recomputes value and selection from the block and
/// the declaration id it names.
pub fn verify(recorded: &RandomDraw) -> bool {
    draw(&recorded.block, &recorded.declaration, recorded.rate_ppm) == *recorded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed independently: `hashlib.sha256(b"silkway/customs-draw/v1" + b"\x11" * 32 +
    /// b"\x22" * 32).digest()[:8]` in Python.
    #[test]
    fn a_fixed_vector_recomputes() {
        let (block, declaration) = (Fingerprint([0x11; 32]), Fingerprint([0x22; 32]));
        assert_eq!(draw_value(&block, &declaration), 0x6af9_ee26_2c2c_a92a);
        // 0x6af9… is 41.8 % of the range.
        let cases = [
            (0, false),
            (20_000, false),
            (417_876, false),
            (417_877, true),
            (500_000, true),
            (RATE_PPM_MAX, true),
        ];
        for (rate_ppm, selected) in cases {
            let drawn = draw(&block, &declaration, rate_ppm);
            assert_eq!(drawn.selected, selected, "{rate_ppm}");
            assert!(verify(&drawn));
        }
    }

    #[test]
    fn the_threshold_is_exact_at_its_edges() {
        assert!(!is_selected(0, 0));
        assert!(is_selected(0, 1));
        assert!(is_selected(u64::MAX, RATE_PPM_MAX));
        assert!(is_selected(u64::MAX, u32::MAX), "clamped to 100 %");
        // One ppm of 2^64 is 18446744073709.55…: values up to …709 are selected.
        assert!(is_selected(18_446_744_073_709, 1));
        assert!(!is_selected(18_446_744_073_710, 1));
    }

    #[test]
    fn a_tampered_draw_does_not_verify() {
        let honest = draw(&Fingerprint([1; 32]), &Fingerprint([2; 32]), 20_000);
        let tampered = [
            RandomDraw {
                selected: !honest.selected,
                ..honest
            },
            RandomDraw {
                value: honest.value ^ 1,
                ..honest
            },
            RandomDraw {
                declaration: Fingerprint([3; 32]),
                ..honest
            },
        ];
        for draw in tampered {
            assert!(!verify(&draw), "{draw:?}");
        }
    }

    #[test]
    fn the_rate_is_met_over_many_declarations() {
        let block = Fingerprint([5; 32]);
        let selected = (0u32..20_000)
            .filter(|i| {
                let mut id = [0u8; 32];
                id[..4].copy_from_slice(&i.to_be_bytes());
                draw(&block, &Fingerprint(id), 50_000).selected
            })
            .count();
        // 5 % of 20 000 is 1000; the binomial standard deviation is about 31.
        assert!((850..1150).contains(&selected), "{selected}");
    }
}
