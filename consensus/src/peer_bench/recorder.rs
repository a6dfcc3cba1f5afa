//! What the peer benchmark measures: submission and first-commit times, and the process's CPU.
//!
//! The load thread and every validator's commit path share one [`Recorder`]; it keeps times in
//! microseconds since its `start`, on the monotonic clock, and turns them into rates and
//! percentiles over a window. [`cpu_seconds`] reads the whole process's CPU time.
//!
//! What it deliberately does not do: tell validators apart (a block or transaction counts once,
//! at its first commit anywhere), or bound its own memory (a run is at most
//! [`super::SECONDS_MAX`] long and submits at most one entry per transaction).
//!
//! Invariants: transaction ids are handed out in order from 0, so submission times are a vector
//! indexed by id; each update is a single insert under the lock, so a poisoned lock still holds
//! consistent numbers.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Linux reports utime/stime in clock ticks of 1/100 s on every architecture it runs on here
/// (`USER_HZ`); reading `sysconf` would need `libc`, which the crate does not otherwise use.
const CLOCK_TICKS_PER_S: f64 = 100.0;

/// Submission and first-commit times of transactions and blocks.
#[derive(Debug)]
pub(crate) struct Recorder {
    pub(crate) start: Instant,
    inner: Mutex<Recorded>,
    committed_txs: AtomicU64,
}

/// What the steady window measured.
#[derive(Debug)]
pub(crate) struct Summary {
    pub(crate) txs: u64,
    pub(crate) tx_per_s: f64,
    pub(crate) blocks_per_s: f64,
    pub(crate) p50_ms: Option<f64>,
    pub(crate) p99_ms: Option<f64>,
}

#[derive(Debug, Default)]
struct Recorded {
    /// Indexed by transaction id: ids are handed out in order from 0.
    submitted_us: Vec<u64>,
    committed_us: HashMap<u64, u64>,
    /// First commit of each height, by any validator.
    blocks_us: HashMap<u64, u64>,
}

impl Recorder {
    pub(crate) fn new() -> Recorder {
        Recorder {
            start: Instant::now(),
            inner: Mutex::new(Recorded::default()),
            committed_txs: AtomicU64::new(0),
        }
    }

    /// Microseconds since `start`.
    pub(crate) fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    /// Distinct transactions committed so far, by any validator.
    pub(crate) fn committed_txs(&self) -> u64 {
        self.committed_txs.load(Ordering::Relaxed)
    }

    /// Transaction `id` was submitted now; ids must come in order from 0.
    pub(crate) fn on_submit(&self, id: u64) {
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
    pub(crate) fn on_block(&self, height: u64, ids: impl IntoIterator<Item = u64>, at_us: u64) {
        let mut inner = self.lock();
        if inner.blocks_us.contains_key(&height) {
            return;
        }
        inner.blocks_us.insert(height, at_us);
        let mut fresh = 0;
        for id in ids {
            if let Entry::Vacant(entry) = inner.committed_us.entry(id) {
                entry.insert(at_us);
                fresh += 1;
            }
        }
        self.committed_txs.fetch_add(fresh, Ordering::Relaxed);
    }

    /// Rates and latencies of what was first committed in (`from`, `to`].
    pub(crate) fn summarize(&self, from: Duration, to: Duration) -> Summary {
        let (from_us, to_us) = (from.as_micros() as u64, to.as_micros() as u64);
        let window_s = to.saturating_sub(from).as_secs_f64();
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
        let per_s = |count: usize| {
            if window_s > 0.0 {
                count as f64 / window_s
            } else {
                0.0
            }
        };
        Summary {
            txs: latencies_us.len() as u64,
            tx_per_s: per_s(latencies_us.len()),
            blocks_per_s: per_s(blocks),
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

/// CPU seconds (user + system) this process has used so far, from `/proc/self/stat`; 0 where
/// that cannot be read (the report then shows no CPU use rather than failing the run).
pub(crate) fn cpu_seconds() -> f64 {
    let stat = match std::fs::read_to_string("/proc/self/stat") {
        Ok(stat) => stat,
        Err(error) => {
            tracing::warn!(%error, "cannot read /proc/self/stat; CPU use is reported as 0");
            return 0.0;
        }
    };
    stat_cpu_seconds(&stat)
}

/// utime + stime of a `/proc/<pid>/stat` line, in seconds; missing fields count as 0.
fn stat_cpu_seconds(stat: &str) -> f64 {
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

/// The `percent`th percentile (nearest rank) of sorted microseconds, in milliseconds.
fn percentile_ms(sorted_us: &[u64], percent: usize) -> Option<f64> {
    if sorted_us.is_empty() {
        return None;
    }
    let rank = (sorted_us.len() * percent).div_ceil(100).max(1);
    Some(sorted_us[rank - 1] as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let hundred: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        let cases: [(&[u64], usize, Option<f64>); 5] = [
            (&[], 50, None),
            (&[1500], 50, Some(1.5)),
            (&[1500], 99, Some(1.5)),
            (&hundred, 50, Some(50.0)),
            (&hundred, 99, Some(99.0)),
        ];
        for (sorted_us, percent, expected) in cases {
            assert_eq!(percentile_ms(sorted_us, percent), expected, "{percent}%");
        }
    }

    #[test]
    fn stat_cpu_reads_utime_and_stime_after_a_name_with_spaces() {
        // Fields 3..=15 after the name: state, ppid, pgrp, session, tty, tpgid, flags, minflt,
        // cminflt, majflt, cmajflt, utime = 250 ticks, stime = 50 ticks.
        let stat = "42 (peer (bench) x) R 1 42 42 0 -1 4194560 10 0 0 0 250 50 0 0 20 0";
        assert_eq!(stat_cpu_seconds(stat), 3.0);
        assert_eq!(stat_cpu_seconds("garbage"), 0.0);
    }

    #[test]
    fn first_commit_of_a_height_counts_and_only_inside_the_window() {
        let recorder = Recorder::new();
        for id in 0..4 {
            recorder.on_submit(id);
        }
        // Height 1 commits ids 0 and 1 at 1.5 s; another validator's commit of height 1 later
        // is ignored; height 2 commits id 2 after the window; id 3 never commits.
        recorder.on_block(1, [0, 1], 1_500_000);
        recorder.on_block(1, [0, 1, 3], 1_700_000);
        recorder.on_block(2, [2], 5_000_000);
        assert_eq!(recorder.committed_txs(), 3);
        let summary = recorder.summarize(Duration::from_secs(1), Duration::from_secs(3));
        assert_eq!(summary.txs, 2);
        assert_eq!(summary.tx_per_s, 1.0);
        assert_eq!(summary.blocks_per_s, 0.5);
        let p50_ms = summary.p50_ms.expect("two latencies");
        assert!(p50_ms > 1000.0 && p50_ms <= 1500.0, "{p50_ms}");
    }
}
