//! Simulation tests: fault-free progress, determinism, faults, Twins, and that the
//! simulation catches a deliberately broken safety rule.

use super::*;
use crate::engine::InjectedBug;

fn quick(seed: u64, validators: usize) -> SimConfig {
    SimConfig {
        duration_ms: 12_000,
        fault_until_ms: 6_000,
        heal_bound_ms: 5_000,
        ..SimConfig::new(seed, validators)
    }
}

#[test]
fn fault_free_network_commits_steadily() {
    let config = SimConfig {
        faults: Faults::none(),
        ..quick(1, 4)
    };
    let report = run(&config);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert!(
        report.commits > 50,
        "only {} commits in 12 virtual seconds",
        report.commits
    );
}

#[test]
fn the_same_seed_replays_the_same_run() {
    let a = run(&quick(7, 4));
    let b = run(&quick(7, 4));
    assert_eq!(
        (
            a.commits,
            a.messages,
            a.faults_injected,
            a.heal_to_commit_ms
        ),
        (
            b.commits,
            b.messages,
            b.faults_injected,
            b.heal_to_commit_ms
        )
    );
    let c = run(&quick(8, 4));
    assert_ne!(
        (a.messages, a.faults_injected),
        (c.messages, c.faults_injected),
        "another seed gives another run"
    );
}

#[test]
fn faulty_network_keeps_safety_and_recovers() {
    for seed in 0..8 {
        for n in [4, 7] {
            let report = run(&quick(seed, n));
            assert!(
                report.violations.is_empty(),
                "seed {seed} n {n}: {:?}",
                report.violations
            );
            assert!(report.faults_injected > 0);
        }
    }
}

#[test]
fn one_of_four_crashed_for_the_whole_run_keeps_committing() {
    let base = run(&SimConfig {
        faults: Faults::none(),
        ..quick(3, 4)
    });
    let down = run(&SimConfig {
        faults: Faults::none(),
        crashed: 1,
        ..quick(3, 4)
    });
    assert!(down.violations.is_empty(), "{:?}", down.violations);
    assert!(
        down.commits * 2 >= base.commits,
        "with one down: {} commits, without: {}",
        down.commits,
        base.commits
    );
}

#[test]
fn twins_do_not_break_safety() {
    for seed in 0..6 {
        let report = run(&SimConfig {
            twins: 1,
            ..quick(seed, 4)
        });
        assert!(
            report
                .violations
                .iter()
                .all(|v| v.what.starts_with("no commit")),
            "seed {seed}: {:?}",
            report.violations
        );
    }
}

#[test]
fn skipping_the_safety_persist_is_caught() {
    // The CI seed set's configuration (`tests/sim_ci.rs`): 16 virtual seconds, standard
    // faults for the first half, seeds from 0.
    let ci_config = |seed: u64| SimConfig {
        duration_ms: 16_000,
        fault_until_ms: 8_000,
        heal_bound_ms: 8_000,
        ..SimConfig::new(seed, 4)
    };
    for bug in [
        InjectedBug::SkipSafetyPersist,
        InjectedBug::SendVoteBeforePersist,
    ] {
        let caught = (0..50).find(|&seed| {
            let mut config = ci_config(seed);
            config.engine.injected_bug = Some(bug);
            run(&config)
                .violations
                .iter()
                .any(|v| v.what.starts_with("double vote"))
        });
        assert!(
            caught.is_some(),
            "no seed of the 50-seed CI set at N = 4 caught {bug:?}"
        );
    }
}

#[test]
#[ignore = "debugging aid: prints the state of a run"]
fn debug_seed() {
    let seed: u64 = std::env::var("SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let crashed: usize = std::env::var("CRASHED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let faults = if std::env::var_os("NOFAULTS").is_some() {
        Faults::none()
    } else {
        Faults::standard()
    };
    let base = if std::env::var_os("FULL").is_some() {
        SimConfig::new(seed, 4)
    } else {
        quick(seed, 4)
    };
    let mut sim = Sim::new(SimConfig {
        crashed,
        faults,
        ..base
    });
    sim.boot();
    let mut last_print = 0;
    while let Some(((at, _), event)) = sim.queue.pop_first() {
        if at > sim.config.duration_ms {
            break;
        }
        sim.now = at;
        sim.step(event);
        if sim.now >= last_print + 500 {
            last_print = sim.now;
            let states: Vec<String> = sim
                .instances
                .iter()
                .map(|i| match &i.engine {
                    Some(e) => {
                        let s = e.status();
                        format!(
                            "r{} h{} q{} L{} tree{}",
                            s.round,
                            s.committed_height,
                            s.high_qc_round,
                            s.leader,
                            e.tree_len()
                        )
                    }
                    None => "down".into(),
                })
                .collect();
            println!("t={} groups={:?} {:?}", sim.now, sim.groups, states);
        }
    }
}
