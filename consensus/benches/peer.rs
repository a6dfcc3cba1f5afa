//! Peer benchmark: our HotStuff engine against `hotstuff_rs` 0.4, N validators in one process.
//!
//! Why it exists: `hotstuff_rs` is the one outside HotStuff implementation we keep, only as the
//! peer we measure against. An earlier measurement of it (4 validators, in-memory network) found
//! near-zero progress with 1 of 4 validators stopped and busy-spinning threads; this binary
//! reproduces that measurement and takes the same one of our engine under the same load.
//!
//! How to run (release, since it is `cargo bench`; keep a run at most 60 s on a shared machine):
//!
//! ```text
//! cargo bench -p consensus --bench peer -- --engine silkway --validators 4 --seconds 30 --down 0 --rate 0
//! cargo bench -p consensus --bench peer -- --engine hotstuff-rs --validators 4 --seconds 30 --down 1 --rate 2000
//! cargo bench -p consensus --bench peer -- --engine silkway --validators 4 --seconds 20 --idle
//! ```
//!
//! What a run does: starts N validators, each on its own thread, over std `mpsc` channels (one
//! inbox per validator, for both engines); a load thread submits 300-byte transactions to every
//! validator at `--rate` per second (0: closed loop, as fast as commits free room, with at most
//! [`OUTSTANDING_MAX`] submitted and not yet committed); after S/4 seconds the last `--down`
//! validators are stopped. It prints one JSON line measured over the steady window (S/4, S]:
//! committed transactions and blocks per second (a transaction or block counts when the first
//! validator commits it), p50/p99 submit→commit latency, and the CPU cores the whole process used
//! over the run (utime+stime from `/proc/self/stat`, divided by wall time). `--idle` runs without
//! load, to show what the engines cost when there is nothing to do.
//!
//! What it deliberately does not do: model network delay or loss (the deterministic simulation in
//! `consensus::sim` does that), persist anything to disk, or check safety (both engines are
//! trusted here; only speed and cost are measured). It is Linux-only (`/proc/self/stat`).
//!
//! Invariants: the same load generator, transaction format, block size limit and round/view
//! timeout (1 s) are used for both engines; times are measured on one monotonic clock.

#[path = "peer/hotstuff_rs_peer.rs"]
mod hotstuff_rs_peer;
#[path = "peer/silkway.rs"]
mod silkway;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Size of every benchmark transaction: an 8-byte big-endian id, then filler.
const TX_BYTES: usize = 300;

/// Largest block, in transactions, for both engines (our `Config::default().block_txs_max`).
const BLOCK_TXS_MAX: usize = 4000;

/// Transactions submitted and not yet committed, at most: bounds both mempools and makes
/// `--rate 0` a closed loop. Five full blocks keep a leader's next block full while up to three
/// blocks are in flight.
const OUTSTANDING_MAX: u64 = 5 * BLOCK_TXS_MAX as u64;

/// Longest run accepted, in seconds.
const SECONDS_MAX: u64 = 300;

/// Most validators accepted (every validator is a thread on a 2-core machine).
const VALIDATORS_MAX: usize = 31;

/// Linux reports utime/stime in clock ticks of 1/100 s on every architecture it runs on here
/// (`USER_HZ`); reading `sysconf` would need `libc`, which the crate does not otherwise use.
const CLOCK_TICKS_PER_S: f64 = 100.0;

fn main() {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("peer: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let report = run(&args);
    match serde_json::to_string(&report) {
        Ok(line) => println!("{line}"),
        Err(e) => {
            eprintln!("peer: cannot serialize the report: {e}");
            std::process::exit(1);
        }
    }
}

const USAGE: &str = "usage: peer --engine {silkway,hotstuff-rs} [--validators N] [--seconds S] \
[--down K] [--rate R] [--idle]";

/// Which engine a run measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EngineKind {
    Silkway,
    HotstuffRs,
}

impl EngineKind {
    fn name(self) -> &'static str {
        match self {
            EngineKind::Silkway => "silkway",
            EngineKind::HotstuffRs => "hotstuff-rs",
        }
    }
}

/// The command line.
#[derive(Clone, Debug)]
struct Args {
    engine: EngineKind,
    validators: usize,
    seconds: u64,
    down: usize,
    /// Transactions per second; 0 means as fast as commits free room.
    rate_per_s: u64,
    idle: bool,
}

impl Args {
    fn parse(mut words: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut args = Args {
            engine: EngineKind::Silkway,
            validators: 4,
            seconds: 30,
            down: 0,
            rate_per_s: 0,
            idle: false,
        };
        let mut engine_given = false;
        while let Some(word) = words.next() {
            match word.as_str() {
                // `cargo bench` passes `--bench` to every bench binary.
                "--bench" => {}
                "--idle" => args.idle = true,
                "--engine" => {
                    args.engine = match value(&mut words, &word)?.as_str() {
                        "silkway" => EngineKind::Silkway,
                        "hotstuff-rs" | "hotstuff_rs" => EngineKind::HotstuffRs,
                        other => return Err(format!("--engine: unknown engine '{other}'")),
                    };
                    engine_given = true;
                }
                "--validators" => args.validators = number(&mut words, &word)?,
                "--seconds" => args.seconds = number(&mut words, &word)?,
                "--down" => args.down = number(&mut words, &word)?,
                "--rate" => args.rate_per_s = number(&mut words, &word)?,
                other => return Err(format!("unknown argument '{other}'")),
            }
        }
        if !engine_given {
            return Err("--engine is required".into());
        }
        args.check()?;
        Ok(args)
    }

    fn check(&self) -> Result<(), String> {
        if !(1..=VALIDATORS_MAX).contains(&self.validators) {
            return Err(format!("--validators: between 1 and {VALIDATORS_MAX}"));
        }
        if self.down >= self.validators {
            return Err("--down: must leave at least one validator running".into());
        }
        if !(4..=SECONDS_MAX).contains(&self.seconds) {
            return Err(format!("--seconds: between 4 and {SECONDS_MAX}"));
        }
        Ok(())
    }

    /// When the stopped validators stop, and the steady window starts.
    fn steady_from(&self) -> Duration {
        Duration::from_secs(self.seconds) / 4
    }
}

fn value(words: &mut impl Iterator<Item = String>, flag: &str) -> Result<String, String> {
    words.next().ok_or_else(|| format!("{flag}: missing value"))
}

fn number<T: std::str::FromStr>(
    words: &mut impl Iterator<Item = String>,
    flag: &str,
) -> Result<T, String> {
    let text = value(words, flag)?;
    text.parse()
        .map_err(|_| format!("{flag}: '{text}' is not a number"))
}

/// The JSON line a run prints. The first nine fields are the ones the comparison table uses.
#[derive(Debug, Serialize)]
struct Report {
    engine: &'static str,
    validators: usize,
    down: usize,
    tx_per_s: f64,
    blocks_per_s: f64,
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
    cpu_cores: f64,
    seconds: u64,
    rate: u64,
    idle: bool,
    /// Transactions submitted over the whole run, and committed in the steady window.
    txs_submitted: u64,
    txs_committed: u64,
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

fn run(args: &Args) -> Report {
    let recorder = Arc::new(Recorder::new());
    let mut cluster: Box<dyn Cluster> = match args.engine {
        EngineKind::Silkway => Box::new(silkway::start(args.validators, recorder.clone())),
        EngineKind::HotstuffRs => {
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
    Report {
        engine: args.engine.name(),
        validators: args.validators,
        down: args.down,
        tx_per_s: round2(summary.tx_per_s),
        blocks_per_s: round2(summary.blocks_per_s),
        p50_ms: summary.p50_ms.map(round2),
        p99_ms: summary.p99_ms.map(round2),
        cpu_cores: round2(cpu_s / wall_s),
        seconds: args.seconds,
        rate: args.rate_per_s,
        idle: args.idle,
        txs_submitted,
        txs_committed: summary.txs,
    }
}

/// Submits transactions until `end`: paced at `rate_per_s`, never more than [`OUTSTANDING_MAX`]
/// ahead of commits. Returns how many it submitted.
fn generate_load(
    mut target: Box<dyn Submit>,
    recorder: &Recorder,
    rate_per_s: u64,
    end: Instant,
) -> u64 {
    let mut next_id: u64 = 0;
    loop {
        let now = Instant::now();
        if now >= end {
            return next_id;
        }
        let due = match rate_per_s {
            0 => u64::MAX,
            rate => (now - recorder.start)
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
    tx.extend((8..TX_BYTES).map(|i| b'a' + ((id as usize + i) % 26) as u8));
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

/// Submission and first-commit times of transactions and blocks, in microseconds since
/// `start`. Shared by the load thread and every validator's commit path.
#[derive(Debug)]
struct Recorder {
    start: Instant,
    inner: Mutex<Recorded>,
    committed_txs: AtomicU64,
}

#[derive(Debug, Default)]
struct Recorded {
    /// Indexed by transaction id: ids are handed out in order from 0.
    submitted_us: Vec<u64>,
    committed_us: HashMap<u64, u64>,
    /// First commit of each height, by any validator.
    blocks_us: HashMap<u64, u64>,
}

/// What the steady window measured.
#[derive(Debug)]
struct Summary {
    txs: u64,
    tx_per_s: f64,
    blocks_per_s: f64,
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
}

impl Recorder {
    fn new() -> Recorder {
        Recorder {
            start: Instant::now(),
            inner: Mutex::new(Recorded::default()),
            committed_txs: AtomicU64::new(0),
        }
    }

    fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    fn committed_txs(&self) -> u64 {
        self.committed_txs.load(Ordering::Relaxed)
    }

    fn on_submit(&self, id: u64) {
        let now = self.now_us();
        let mut inner = self.lock();
        debug_assert_eq!(
            inner.submitted_us.len() as u64,
            id,
            "ids are handed out in order"
        );
        inner.submitted_us.push(now);
    }

    /// A validator committed block `height` carrying `ids` at `at_us`. Only the first validator
    /// to commit a height counts: every validator commits the same block there.
    fn on_block(&self, height: u64, ids: impl IntoIterator<Item = u64>, at_us: u64) {
        let mut inner = self.lock();
        if inner.blocks_us.contains_key(&height) {
            return;
        }
        inner.blocks_us.insert(height, at_us);
        let mut fresh = 0;
        for id in ids {
            if let std::collections::hash_map::Entry::Vacant(entry) = inner.committed_us.entry(id) {
                entry.insert(at_us);
                fresh += 1;
            }
        }
        self.committed_txs.fetch_add(fresh, Ordering::Relaxed);
    }

    /// Rates and latencies of what was first committed in (`from`, `to`].
    fn summarize(&self, from: Duration, to: Duration) -> Summary {
        let (from_us, to_us) = (from.as_micros() as u64, to.as_micros() as u64);
        let window_s = (to - from).as_secs_f64();
        let inner = self.lock();
        let in_window = |at: u64| at > from_us && at <= to_us;
        let mut latencies_us: Vec<u64> = inner
            .committed_us
            .iter()
            .filter(|(_, &at)| in_window(at))
            .filter_map(|(&id, &at)| {
                let submitted = *inner.submitted_us.get(id as usize)?;
                Some(at.saturating_sub(submitted))
            })
            .collect();
        latencies_us.sort_unstable();
        let blocks = inner
            .blocks_us
            .values()
            .filter(|&&at| in_window(at))
            .count();
        Summary {
            txs: latencies_us.len() as u64,
            tx_per_s: latencies_us.len() as f64 / window_s,
            blocks_per_s: blocks as f64 / window_s,
            p50_ms: percentile_ms(&latencies_us, 50),
            p99_ms: percentile_ms(&latencies_us, 99),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Recorded> {
        // A poisoned lock means a thread panicked while recording: the run is void anyway, and
        // the numbers already recorded are still consistent (each update is one insert).
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The `percent`th percentile (nearest rank) of sorted microseconds, in milliseconds.
fn percentile_ms(sorted_us: &[u64], percent: usize) -> Option<f64> {
    if sorted_us.is_empty() {
        return None;
    }
    let rank = (sorted_us.len() * percent).div_ceil(100).max(1);
    Some(sorted_us[rank - 1] as f64 / 1000.0)
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

/// CPU seconds (user + system) this process has used so far, from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = match std::fs::read_to_string("/proc/self/stat") {
        Ok(stat) => stat,
        Err(e) => {
            eprintln!("peer: cannot read /proc/self/stat ({e}); CPU use is reported as 0");
            return 0.0;
        }
    };
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the
    // last ')'. Field 3 (state) is then index 0, utime (field 14) index 11, stime index 12.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / CLOCK_TICKS_PER_S
}
