//! The simulation's CI seed set: 50 seeds each at N = 4 and N = 7, and 20 Twins runs
//! (10 at N = 4 with one twin, 10 at N = 7 with two), each a 16-virtual-second run with the
//! standard faults for its first half. Every violation fails the test with its seed; replay
//! one with `silkway sim --validators N --seed-start SEED --seeds 1 --virtual-seconds 16`.
//! The 1,000-seed runs live behind `silkway sim` (BENCHMARKS.md).

use consensus::sim::{run, SimConfig, SimReport};

fn config(seed: u64, validators: usize, twins: usize) -> SimConfig {
    SimConfig {
        twins,
        duration_ms: 16_000,
        fault_until_ms: 8_000,
        heal_bound_ms: 8_000,
        ..SimConfig::new(seed, validators)
    }
}

/// Runs the seeds on two threads and returns every report.
fn run_all(configs: Vec<SimConfig>) -> Vec<SimReport> {
    let (left, right) = configs.split_at(configs.len() / 2);
    std::thread::scope(|s| {
        let a = s.spawn(|| left.iter().map(run).collect::<Vec<_>>());
        let b = s.spawn(|| right.iter().map(run).collect::<Vec<_>>());
        [
            a.join().expect("simulation thread"),
            b.join().expect("simulation thread"),
        ]
        .concat()
    })
}

fn assert_clean(reports: &[SimReport], what: &str) {
    let failing: Vec<_> = reports
        .iter()
        .filter(|r| !r.violations.is_empty())
        .map(|r| (r.seed, &r.violations[0]))
        .collect();
    assert!(
        failing.is_empty(),
        "{what}: seeds with violations: {failing:?}"
    );
    assert!(
        reports
            .iter()
            .all(|r| r.commits > 0 && r.faults_injected > 0),
        "{what}: every run commits under faults"
    );
}

#[test]
fn fifty_seeds_at_four_and_at_seven_validators() {
    for n in [4, 7] {
        let reports = run_all((0..50).map(|seed| config(seed, n, 0)).collect());
        assert_clean(&reports, &format!("N = {n}"));
    }
}

#[test]
fn twenty_twins_scenarios() {
    let configs = (0..10)
        .map(|seed| config(seed, 4, 1))
        .chain((0..10).map(|seed| config(seed, 7, 2)))
        .collect();
    assert_clean(&run_all(configs), "Twins");
}
