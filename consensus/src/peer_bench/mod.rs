//! Peer benchmark: our HotStuff engine against `hotstuff_rs` 0.4, N validators in one process.
//!
//! Why it exists: `hotstuff_rs` is the one outside HotStuff implementation we keep, only as the
//! peer we measure against (ARCHITECTURE.md, "Why our own engine"). This module runs either
//! engine under the same load and reports one [`PeerReport`]; `cargo bench --bench peer` and
//! `silkway bench --engine hotstuff-rs` are thin command lines over [`run`].
//!
//! Why in-process: `hotstuff_rs` networking is a trait of its own that we would have to
//! implement over our QUIC transport, which is out of scope. So the comparison runs both engines
//! in one process over the same in-memory network, and says so in the report
//! (`"transport": "in-process"`). Our engine over QUIC between processes is measured elsewhere
//! (the `silkway bench` path for our engine in `ops`).
//!
//! What a run does: starts N validators, each on its own thread (ours) or threads (theirs), over
//! std `mpsc` channels (one inbox per validator, for both engines); a load thread submits
//! 300-byte transactions to every validator at [`PeerBenchArgs::rate_per_s`] (`None`: closed
//! loop, as fast as commits free room, with at most [`OUTSTANDING_MAX`] submitted and not yet
//! committed); after a quarter of the run the last [`PeerBenchArgs::down`] validators are
//! stopped. The report covers the steady window (S/4, S]: committed transactions and blocks per
//! second (a transaction or block counts when the first validator commits it), p50/p99
//! submit→commit latency, and the CPU cores the whole process used over the run (utime+stime
//! from `/proc/self/stat`, divided by wall time).
//!
//! What it deliberately does not do: model network delay or loss (the deterministic simulation
//! in [`crate::sim`] does that), persist anything to disk, or check safety (both engines are
//! trusted here; only speed and cost are measured). It is Linux-only (`/proc/self/stat`). It is
//! behind the `peer-bench` cargo feature so that `hotstuff_rs` never reaches a normal build.
//!
//! Invariants: the same load generator, transaction format, block size limit
//! ([`BLOCK_TXS_MAX`]) and round/view timeout (1 s) are used for both engines; times are
//! measured on one monotonic clock.

mod hotstuff_rs_peer;
mod recorder;
mod silkway;

use std::str::FromStr;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use recorder::{cpu_seconds, Recorder, Summary};

/// Size of every benchmark transaction: an 8-byte big-endian id, then filler.
pub const TX_BYTES: usize = 300;

/// Largest block, in transactions, for both engines (our `Config::default().block_txs_max`).
pub const BLOCK_TXS_MAX: usize = 4000;

/// Transactions submitted and not yet committed, at most: bounds both mempools and makes a
/// closed-loop run possible. Five full blocks keep a leader's next block full while up to three
/// blocks are in flight.
pub const OUTSTANDING_MAX: u64 = 5 * BLOCK_TXS_MAX as u64;

/// Shortest run accepted, in seconds: the steady window starts at a quarter of it.
pub const SECONDS_MIN: u64 = 2;

/// Longest run accepted, in seconds.
pub const SECONDS_MAX: u64 = 300;

/// Most validators accepted (every validator is at least a thread on a 2-core machine).
pub const VALIDATORS_MAX: usize = 31;

/// What the report says about how validators talk: always in one process, over channels.
pub const TRANSPORT: &str = "in-process";

/// Which engine a run measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerEngine {
    /// Our engine ([`crate::Engine`]) with `HashChainApp`.
    Silkway,
    /// The `hotstuff_rs` 0.4 crate with an equivalent hash-chain app.
    HotstuffRs,
}

impl PeerEngine {
    /// The name in the report and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            PeerEngine::Silkway => "silkway",
            PeerEngine::HotstuffRs => "hotstuff-rs",
        }
    }
}

impl FromStr for PeerEngine {
    type Err = PeerBenchError;

    /// `silkway`, or `hotstuff-rs` (also spelled `hotstuff_rs`, the crate's name).
    fn from_str(name: &str) -> Result<PeerEngine, PeerBenchError> {
        match name {
            "silkway" => Ok(PeerEngine::Silkway),
            "hotstuff-rs" | "hotstuff_rs" => Ok(PeerEngine::HotstuffRs),
            other => Err(PeerBenchError::UnknownEngine {
                name: other.to_string(),
            }),
        }
    }
}

/// What to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerBenchArgs {
    pub engine: PeerEngine,
    pub validators: usize,
    /// Length of the run; validators stop and the steady window starts at a quarter of it.
    pub seconds: u64,
    /// How many validators (the last ones) stop at a quarter of the run.
    pub down: usize,
    /// Transactions per second; `None` for a closed loop. `Some(0)` is refused.
    pub rate_per_s: Option<u64>,
    /// No load at all: shows what the engines cost when there is nothing to do.
    pub idle: bool,
}

impl PeerBenchArgs {
    /// Defaults of the command lines: 4 validators, 30 s, none down, closed loop, loaded.
    pub fn new(engine: PeerEngine) -> PeerBenchArgs {
        PeerBenchArgs {
            engine,
            validators: 4,
            seconds: 30,
            down: 0,
            rate_per_s: None,
            idle: false,
        }
    }

    /// Refuses arguments a run cannot honour, naming the one at fault.
    pub fn check(&self) -> Result<(), PeerBenchError> {
        if !(1..=VALIDATORS_MAX).contains(&self.validators) {
            return Err(PeerBenchError::Validators {
                validators: self.validators,
            });
        }
        if self.down >= self.validators {
            return Err(PeerBenchError::Down {
                down: self.down,
                validators: self.validators,
            });
        }
        if !(SECONDS_MIN..=SECONDS_MAX).contains(&self.seconds) {
            return Err(PeerBenchError::Seconds {
                seconds: self.seconds,
            });
        }
        if self.rate_per_s == Some(0) {
            return Err(PeerBenchError::ZeroRate);
        }
        Ok(())
    }

    /// When the stopped validators stop, and the steady window starts.
    fn steady_from(&self) -> Duration {
        Duration::from_secs(self.seconds) / 4
    }
}

/// The report of one run, printed as one JSON line. The first eight fields are the ones the
/// comparison table in BENCHMARKS.md uses.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeerReport {
    pub engine: &'static str,
    /// Always [`TRANSPORT`]: both engines run in this process.
    pub transport: &'static str,
    pub validators: usize,
    pub down: usize,
    pub tx_per_s: f64,
    pub blocks_per_s: f64,
    /// `None` when nothing committed in the steady window.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// CPU time of the whole process over wall time.
    pub cpu_cores: f64,
    pub seconds: u64,
    /// Transactions per second asked for; 0 for a closed loop.
    pub rate: u64,
    pub idle: bool,
    /// Transactions submitted over the whole run.
    pub txs_submitted: u64,
    /// Transactions first committed in the steady window.
    pub txs_committed: u64,
}

/// Why a run was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeerBenchError {
    #[error("engine: unknown engine '{name}' (silkway or hotstuff-rs)")]
    UnknownEngine { name: String },
    #[error("validators: {validators} is not between 1 and {VALIDATORS_MAX}")]
    Validators { validators: usize },
    #[error("down: {down} of {validators} validators leaves none running")]
    Down { down: usize, validators: usize },
    #[error("seconds: {seconds} is not between {SECONDS_MIN} and {SECONDS_MAX}")]
    Seconds { seconds: u64 },
    #[error("rate: 0 transactions per second; leave the rate out for a closed loop")]
    ZeroRate,
}

/// Runs one benchmark and reports on it; blocks for `args.seconds` and a little more.
pub fn run(args: &PeerBenchArgs) -> Result<PeerReport, PeerBenchError> {
    args.check()?;
    let recorder = Arc::new(Recorder::new());
    let mut cluster: Box<dyn Cluster> = match args.engine {
        PeerEngine::Silkway => Box::new(silkway::start(args.validators, recorder.clone())),
        PeerEngine::HotstuffRs => {
            Box::new(hotstuff_rs_peer::start(args.validators, recorder.clone()))
        }
    };
    let cpu_before_s = cpu_seconds();
    let wall = Instant::now();
    let end = recorder.start + Duration::from_secs(args.seconds);
    let load = (!args.idle).then(|| {
        let target = cluster.load_target();
        let recorder = recorder.clone();
        let rate_per_s = args.rate_per_s;
        thread::spawn(move || generate_load(target, &recorder, rate_per_s, end))
    });
    sleep_until(recorder.start + args.steady_from());
    for index in args.validators - args.down..args.validators {
        cluster.stop(index);
    }
    sleep_until(end);
    let cpu_s = cpu_seconds() - cpu_before_s;
    let wall_s = wall.elapsed().as_secs_f64();
    let txs_submitted = load.map_or(0, |l| l.join().unwrap_or(0));
    // Commit notifications of hotstuff_rs come through its event thread; give the ones for
    // commits made before the end a moment to arrive. Only commits up to `end` count.
    thread::sleep(Duration::from_millis(300));
    let summary = recorder.summarize(args.steady_from(), Duration::from_secs(args.seconds));
    cluster.shutdown();
    Ok(report(args, &summary, cpu_s / wall_s, txs_submitted))
}

/// The report of a finished run, figures rounded to two decimals.
fn report(
    args: &PeerBenchArgs,
    summary: &Summary,
    cpu_cores: f64,
    txs_submitted: u64,
) -> PeerReport {
    PeerReport {
        engine: args.engine.name(),
        transport: TRANSPORT,
        validators: args.validators,
        down: args.down,
        tx_per_s: round2(summary.tx_per_s),
        blocks_per_s: round2(summary.blocks_per_s),
        p50_ms: summary.p50_ms.map(round2),
        p99_ms: summary.p99_ms.map(round2),
        cpu_cores: round2(cpu_cores),
        seconds: args.seconds,
        rate: args.rate_per_s.unwrap_or(0),
        idle: args.idle,
        txs_submitted,
        txs_committed: summary.txs,
    }
}

/// A running set of validators of one engine.
trait Cluster {
    /// Where the load thread sends transactions.
    fn load_target(&self) -> Box<dyn Submit>;
    /// Stops validator `index` (its threads end; messages to it are dropped from then on).
    fn stop(&mut self, index: usize);
    /// Stops every validator still running.
    fn shutdown(self: Box<Self>);
}

/// Hands one transaction to every running validator.
trait Submit: Send {
    fn submit(&mut self, tx: &[u8]);
}

/// Submits transactions until `end`: paced at `rate_per_s`, never more than [`OUTSTANDING_MAX`]
/// ahead of commits. Returns how many it submitted.
fn generate_load(
    mut target: Box<dyn Submit>,
    recorder: &Recorder,
    rate_per_s: Option<u64>,
    end: Instant,
) -> u64 {
    let mut next_id: u64 = 0;
    loop {
        let now = Instant::now();
        if now >= end {
            return next_id;
        }
        let due = match rate_per_s {
            None => u64::MAX,
            Some(rate) => (now - recorder.start)
                .as_secs_f64()
                .mul_add(rate as f64, 1.0) as u64,
        };
        let allowed = recorder.committed_txs() + OUTSTANDING_MAX;
        let upto = due.min(allowed);
        while next_id < upto && Instant::now() < end {
            let tx = transaction(next_id);
            recorder.on_submit(next_id);
            target.submit(&tx);
            next_id += 1;
        }
        // Nothing due or no room: wait for the clock or for commits.
        thread::sleep(Duration::from_millis(1));
    }
}

/// Benchmark transaction `id`: the id, then filler that differs between transactions.
fn transaction(id: u64) -> Vec<u8> {
    let mut tx = Vec::with_capacity(TX_BYTES);
    tx.extend_from_slice(&id.to_be_bytes());
    // Reduce the id first: the same filler as `(id + i) % 26`, without overflow at large ids.
    let offset = (id % 26) as usize;
    tx.extend((8..TX_BYTES).map(|i| b'a' + ((offset + i) % 26) as u8));
    tx
}

/// The id of a benchmark transaction; `None` for anything else.
fn transaction_id(tx: &[u8]) -> Option<u64> {
    if tx.len() != TX_BYTES {
        return None;
    }
    let id: [u8; 8] = tx[..8].try_into().ok()?;
    Some(u64::from_be_bytes(id))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn sleep_until(at: Instant) {
    let now = Instant::now();
    if at > now {
        thread::sleep(at - now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_names_parse_and_round_trip() {
        let cases = [
            ("silkway", Some(PeerEngine::Silkway)),
            ("hotstuff-rs", Some(PeerEngine::HotstuffRs)),
            ("hotstuff_rs", Some(PeerEngine::HotstuffRs)),
            ("Silkway", None),
            ("", None),
        ];
        for (name, expected) in cases {
            assert_eq!(name.parse::<PeerEngine>().ok(), expected, "{name:?}");
        }
        for engine in [PeerEngine::Silkway, PeerEngine::HotstuffRs] {
            assert_eq!(engine.name().parse::<PeerEngine>(), Ok(engine));
        }
    }

    #[test]
    fn check_refuses_what_a_run_cannot_honour() {
        use PeerBenchError::*;
        // (validators, down, seconds, rate_per_s) and what `check` says.
        let cases = [
            ((4, 0, 30, None), Ok(())),
            ((4, 3, 2, Some(1)), Ok(())),
            ((31, 0, 300, None), Ok(())),
            ((0, 0, 30, None), Err(Validators { validators: 0 })),
            ((32, 0, 30, None), Err(Validators { validators: 32 })),
            (
                (4, 4, 30, None),
                Err(Down {
                    down: 4,
                    validators: 4,
                }),
            ),
            ((4, 0, 1, None), Err(Seconds { seconds: 1 })),
            ((4, 0, 301, None), Err(Seconds { seconds: 301 })),
            ((4, 0, 30, Some(0)), Err(ZeroRate)),
        ];
        for ((validators, down, seconds, rate_per_s), expected) in cases {
            let args = PeerBenchArgs {
                validators,
                down,
                seconds,
                rate_per_s,
                ..PeerBenchArgs::new(PeerEngine::Silkway)
            };
            assert_eq!(args.check(), expected, "{args:?}");
        }
    }

    #[test]
    fn transactions_carry_their_id_and_differ() {
        for id in [0, 1, 255, u64::MAX] {
            let tx = transaction(id);
            assert_eq!(tx.len(), TX_BYTES);
            assert_eq!(transaction_id(&tx), Some(id));
        }
        assert_ne!(transaction(1)[8..], transaction(2)[8..]);
        assert_eq!(transaction_id(&[0; TX_BYTES - 1]), None);
        assert_eq!(transaction_id(b""), None);
    }

    #[test]
    fn run_refuses_bad_arguments_before_starting_anything() {
        let mut args = PeerBenchArgs::new(PeerEngine::HotstuffRs);
        args.down = args.validators;
        assert_eq!(
            run(&args),
            Err(PeerBenchError::Down {
                down: 4,
                validators: 4
            })
        );
    }

    /// Both engines, 4 validators all up, a low rate for 2 s: each commits transactions, and
    /// the report says what ran and how.
    #[test]
    fn both_engines_commit_under_a_low_rate() {
        for engine in [PeerEngine::Silkway, PeerEngine::HotstuffRs] {
            let args = PeerBenchArgs {
                seconds: 2,
                rate_per_s: Some(200),
                ..PeerBenchArgs::new(engine)
            };
            let report = run(&args).expect("valid arguments");
            assert_eq!(report.engine, engine.name());
            assert_eq!(report.transport, "in-process");
            assert_eq!((report.validators, report.down), (4, 0));
            assert!(report.txs_submitted > 0, "{report:?}");
            assert!(report.txs_committed > 0, "{report:?}");
            assert!(report.txs_committed <= report.txs_submitted, "{report:?}");
            assert!(report.blocks_per_s > 0.0, "{report:?}");
            assert!(
                report.p50_ms.is_some() && report.p99_ms >= report.p50_ms,
                "{report:?}"
            );
        }
    }

    #[test]
    fn report_json_has_the_keys_the_issue_names() {
        let report = PeerReport {
            engine: "silkway",
            transport: TRANSPORT,
            validators: 4,
            down: 1,
            tx_per_s: 10.5,
            blocks_per_s: 2.0,
            p50_ms: Some(3.25),
            p99_ms: None,
            cpu_cores: 0.5,
            seconds: 8,
            rate: 0,
            idle: false,
            txs_submitted: 100,
            txs_committed: 63,
        };
        let json = serde_json::to_value(&report).expect("a report serializes");
        let keys = [
            "engine",
            "validators",
            "down",
            "tx_per_s",
            "p50_ms",
            "p99_ms",
            "cpu_cores",
        ];
        for key in keys {
            assert!(json.get(key).is_some(), "missing {key}: {json}");
        }
        assert_eq!(json["transport"], "in-process");
        assert_eq!(json["p50_ms"], 3.25);
        assert!(json["p99_ms"].is_null());
    }
}
