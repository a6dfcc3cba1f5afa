//! `silkway bench --engine hotstuff-rs`: the comparison with the `hotstuff_rs` crate, run
//! through [`consensus::peer_bench`].
//!
//! Why in-process: `hotstuff_rs` 0.4 talks through a `Network` trait of its own, and running it
//! between processes would mean implementing that trait over our QUIC transport, which is out of
//! scope. So this comparison runs both engines in one process, a thread (or threads) per
//! validator over in-memory channels, under the same load — including ours, so that the two are
//! measured the same way — and the report says `"transport": "in-process"`. Our engine alone over
//! QUIC between processes is the other `silkway bench` path (`bench.rs`).
//!
//! What it deliberately does not do: parse flags (the `bench` command does, and calls [`run`]
//! with plain values), or install a log subscriber (`main` does).
//!
//! Invariants: prints exactly one line, the report as JSON, on success; prints nothing on a
//! refused argument, which comes back as an error naming it.

use anyhow::{Context, Result};
use consensus::peer_bench::{self, PeerBenchArgs, PeerEngine, PeerReport};

/// Runs the in-process comparison and prints its report as one JSON line.
///
/// `rate`: transactions per second; `None` or `Some(0)` for a closed loop (at most
/// `consensus::peer_bench::OUTSTANDING_MAX` transactions outstanding). `down`: validators
/// stopped after a quarter of the run. `idle`: no load at all.
pub fn run(
    engine_is_hotstuff: bool,
    validators: usize,
    seconds: u64,
    rate: Option<u64>,
    down: usize,
    idle: bool,
) -> Result<()> {
    let args = bench_args(engine_is_hotstuff, validators, seconds, rate, down, idle);
    let report = measure(&args)?;
    println!(
        "{}",
        serde_json::to_string(&report).context("cannot serialize the bench report")?
    );
    Ok(())
}

/// The harness's arguments from the command's plain values.
fn bench_args(
    engine_is_hotstuff: bool,
    validators: usize,
    seconds: u64,
    rate: Option<u64>,
    down: usize,
    idle: bool,
) -> PeerBenchArgs {
    let engine = if engine_is_hotstuff {
        PeerEngine::HotstuffRs
    } else {
        PeerEngine::Silkway
    };
    PeerBenchArgs {
        engine,
        validators,
        seconds,
        down,
        // `--rate 0` is the closed loop on the command line, as in the `peer` bench.
        rate_per_s: rate.filter(|&r| r > 0),
        idle,
    }
}

fn measure(args: &PeerBenchArgs) -> Result<PeerReport> {
    peer_bench::run(args).with_context(|| format!("bench --engine {}", args.engine.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_map_to_the_harness_arguments() {
        let args = bench_args(true, 7, 20, Some(0), 2, false);
        assert_eq!(args.engine, PeerEngine::HotstuffRs);
        assert_eq!((args.validators, args.seconds, args.down), (7, 20, 2));
        assert_eq!(args.rate_per_s, None, "rate 0 is the closed loop");
        let args = bench_args(false, 4, 10, Some(500), 0, true);
        assert_eq!(args.engine, PeerEngine::Silkway);
        assert_eq!(args.rate_per_s, Some(500));
        assert!(args.idle);
    }

    #[test]
    fn a_refused_argument_is_an_error_naming_it() {
        let error = run(false, 4, 10, None, 4, false).expect_err("no validator left running");
        assert!(format!("{error:#}").contains("down"), "{error:#}");
    }
}
