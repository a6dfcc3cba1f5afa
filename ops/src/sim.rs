//! `silkway sim`: runs the consensus engine's deterministic simulation over many seeds.
//!
//! Seeds run on all cores, each deterministic on its own; the JSON summary lists every seed
//! that broke an invariant with its first violations, so `--seed-start S --seeds 1` replays
//! exactly that run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{bail, Result};
use clap::Args;
use consensus::sim::{run, Faults, SimConfig, SimReport};
use serde_json::json;

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Validators in the consortium.
    #[arg(long, default_value_t = 4)]
    validators: usize,
    /// How many seeds to run.
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    seed_start: u64,
    /// Validators run twice with the same key (equivocating).
    #[arg(long, default_value_t = 0)]
    twins: usize,
    /// Validators crashed for the whole run.
    #[arg(long, default_value_t = 0)]
    crash: usize,
    /// Virtual seconds per run; faults stop halfway.
    #[arg(long, default_value_t = 40)]
    virtual_seconds: u64,
    /// Run on a clean network (no drops, partitions or crashes).
    #[arg(long)]
    no_faults: bool,
}

pub fn run_command(args: SimArgs) -> Result<()> {
    if args.validators < 1 || args.twins > args.validators || args.crash >= args.validators {
        bail!("--validators must be at least 1, --twins at most --validators, --crash below --validators");
    }
    let started = Instant::now();
    let reports = run_seeds(&args, args.crash);
    let mut summary = summarize(&args, &reports);
    if args.crash > 0 {
        let baseline = run_seeds(&args, 0);
        let base: u64 = baseline.iter().map(|r| r.commits).sum();
        let with: u64 = reports.iter().map(|r| r.commits).sum();
        summary["commits_without_crash"] = json!(base);
        summary["commit_rate_vs_no_crash"] =
            json!((with as f64 / base.max(1) as f64 * 1000.0).round() / 1000.0);
    }
    summary["wall_seconds"] = json!((started.elapsed().as_secs_f64() * 100.0).round() / 100.0);
    println!("{summary:#}");
    if summary["violations"]
        .as_array()
        .is_some_and(|v| !v.is_empty())
    {
        std::process::exit(1);
    }
    Ok(())
}

fn config(args: &SimArgs, seed: u64, crash: usize) -> SimConfig {
    let duration_ms = args.virtual_seconds * 1000;
    let mut config = SimConfig {
        twins: args.twins,
        crashed: crash,
        duration_ms,
        fault_until_ms: duration_ms / 2,
        ..SimConfig::new(seed, args.validators)
    };
    config.heal_bound_ms = config.heal_bound_ms.min(duration_ms / 2);
    if args.no_faults {
        config.faults = Faults::none();
    }
    config
}

/// Runs the seeds on every core, in any order, and returns the reports sorted by seed.
fn run_seeds(args: &SimArgs, crash: usize) -> Vec<SimReport> {
    let next = AtomicU64::new(args.seed_start);
    let end = args.seed_start + args.seeds;
    let reports = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= end {
                    break;
                }
                let report = run(&config(args, seed, crash));
                reports
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(report);
            });
        }
    });
    let mut reports = reports.into_inner().unwrap_or_else(|e| e.into_inner());
    reports.sort_by_key(|r| r.seed);
    reports
}

fn summarize(args: &SimArgs, reports: &[SimReport]) -> serde_json::Value {
    let violations: Vec<_> = reports
        .iter()
        .filter(|r| !r.violations.is_empty())
        .map(
            |r| json!({ "seed": r.seed, "first": r.violations.iter().take(3).collect::<Vec<_>>() }),
        )
        .collect();
    let heal: Vec<u64> = reports.iter().filter_map(|r| r.heal_to_commit_ms).collect();
    json!({
        "validators": args.validators,
        "seeds": reports.len(),
        "seed_start": args.seed_start,
        "twins": args.twins,
        "crash": args.crash,
        "violations": violations,
        "commits": reports.iter().map(|r| r.commits).sum::<u64>(),
        "faults_injected": reports.iter().map(|r| r.faults_injected).sum::<u64>(),
        "messages": reports.iter().map(|r| r.messages).sum::<u64>(),
        "max_heal_to_commit_ms": heal.iter().max(),
        "virtual_seconds": reports.iter().map(|r| r.virtual_ms).sum::<u64>() / 1000,
    })
}
