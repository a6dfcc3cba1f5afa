//! `silkway bench`: validator processes on 127.0.0.1 under load from a separate process.
//!
//! `--engine silkway` creates a fresh network of N validators (Kazakh and Chinese alternating
//! by halves) in a temporary directory, starts them, starts `silkway bench-load` against them,
//! stops K validators (SIGKILL) halfway if asked, and prints one JSON line
//! `{"engine","validators","down","tx_per_s","p50_ms","p99_ms","cpu_cores"}`: committed
//! transactions per second, submission-to-commit latency, and the CPU the validator processes
//! used (cores, from /proc, summed over the validators). `--idle` runs without load, to measure
//! an idle validator's CPU.
//!
//! `--engine hotstuff-rs` runs the comparison peer (see `peer_bench.rs`).
//!
//! What it deliberately does not do: assert targets (BENCHMARKS.md records the figures), or
//! keep the network (the directory is removed unless `--keep`).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use consensus::ledger::scenario::PartySpec;
use consensus::node::ConsensusSettings;
use consensus::participant::ParticipantRole;
use serde_json::json;
use trade_docs::Country;

use crate::network::{self, Layout};

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[arg(long, default_value_t = 4)]
    pub validators: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 20)]
    pub duration: u64,
    #[arg(long, value_enum, default_value_t = Engine::Silkway)]
    pub engine: Engine,
    /// Transactions per second to offer; flat out when absent.
    #[arg(long)]
    pub rate: Option<u64>,
    /// Validators to stop (SIGKILL) halfway through.
    #[arg(long, default_value_t = 0)]
    pub down: usize,
    /// No load: measure idle CPU.
    #[arg(long)]
    pub idle: bool,
    /// The first validator's UDP port.
    #[arg(long, default_value_t = 7300)]
    pub base_port: u16,
    /// Keep the network directory (printed) instead of removing it.
    #[arg(long)]
    pub keep: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    Silkway,
    HotstuffRs,
}

/// The party the load generator signs as.
pub const LOADER: &str = "Corridor Load Generator";

pub fn bench_parties() -> Vec<PartySpec> {
    vec![
        PartySpec {
            org: "Silkway JV Kazakhstan".into(),
            name: "JV Operator KZ".into(),
            country: Country::KZ,
            role: ParticipantRole::Operator,
        },
        PartySpec {
            org: LOADER.into(),
            name: LOADER.into(),
            country: Country::KZ,
            role: ParticipantRole::Exporter,
        },
    ]
}

pub fn run(args: BenchArgs) -> Result<()> {
    if args.engine == Engine::HotstuffRs {
        return crate::peer_bench::run(
            true,
            args.validators,
            args.duration,
            args.rate,
            args.down,
            args.idle,
        );
    }
    if args.validators < 4 || args.down * 3 >= args.validators {
        bail!("--validators must be at least 4 and --down below a third of them");
    }
    let dir = std::env::temp_dir().join(format!("silkway-bench-{}", std::process::id()));
    let result = bench(&args, &dir);
    if args.keep {
        eprintln!("network kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let report = result?;
    println!("{report}");
    Ok(())
}

fn bench(args: &BenchArgs, dir: &Path) -> Result<serde_json::Value> {
    let n = args.validators;
    let network = network::create(&Layout {
        dir: dir.to_path_buf(),
        countries: network::countries(n.div_ceil(2), n / 2),
        base_port: args.base_port,
        parties: bench_parties(),
        consensus: ConsensusSettings::default(),
    })?;
    let mut processes = network::start_nodes(dir, &network)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(network::wait_until_committing(
        dir,
        &network,
        &mut processes,
        Duration::from_secs(60),
    ))?;
    let pids: Vec<u32> = processes.children.iter().map(|(_, c)| c.id()).collect();
    let cpu_before: Vec<u64> = pids.iter().map(|p| cpu_ticks(*p)).collect();
    let started = Instant::now();
    let load = if args.idle {
        None
    } else {
        Some(start_load(dir, args)?)
    };
    let half = Duration::from_secs(args.duration) / 2;
    std::thread::sleep(half);
    let mut downed = 0;
    for (name, child) in processes.children.iter_mut().rev().take(args.down) {
        eprintln!("stopping {name} (SIGKILL)");
        let _ = child.kill();
        let _ = child.wait();
        downed += 1;
    }
    let report = match load {
        Some(mut child) => {
            let status = child.wait().context("load process")?;
            if !status.success() {
                bail!("the load process failed ({status})");
            }
            let text = std::fs::read_to_string(dir.join("load.json"))?;
            serde_json::from_str::<serde_json::Value>(&text)?
        }
        None => {
            std::thread::sleep(Duration::from_secs(args.duration) - half);
            json!({"tx_per_s": 0, "p50_ms": null, "p99_ms": null})
        }
    };
    let wall_s = started.elapsed().as_secs_f64();
    // Only validators alive at the end are counted for the whole interval.
    let live = pids.len() - downed;
    let cpu_s: f64 = pids
        .iter()
        .zip(&cpu_before)
        .take(live)
        .map(|(pid, before)| cpu_ticks(*pid).saturating_sub(*before) as f64 / clock_ticks())
        .sum();
    processes.stop(Duration::from_secs(10));
    Ok(json!({
        "engine": "silkway",
        "validators": n,
        "down": args.down,
        "tx_per_s": report["tx_per_s"],
        "p50_ms": report["p50_ms"],
        "p99_ms": report["p99_ms"],
        "cpu_cores": round2(cpu_s / wall_s),
        "cpu_cores_per_validator": (cpu_s / wall_s / live as f64 * 1000.0).round() / 1000.0,
    }))
}

fn start_load(dir: &Path, args: &BenchArgs) -> Result<std::process::Child> {
    let exe = std::env::current_exe()?;
    let mut command = Command::new(exe);
    command
        .arg("bench-load")
        .arg("--data-dir")
        .arg(dir)
        .arg("--duration")
        .arg(args.duration.to_string())
        .arg("--out")
        .arg(dir.join("load.json"));
    if let Some(rate) = args.rate {
        command.arg("--rate").arg(rate.to_string());
    }
    command.spawn().context("cannot start the load process")
}

/// User plus system CPU time of a process, in clock ticks (0 when it is gone).
pub fn cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    field(11) + field(12)
}

fn clock_ticks() -> f64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .map_or(100.0, |t| t as f64)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
