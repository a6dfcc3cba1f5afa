//! Deterministic simulation: N validators in one thread on a virtual clock, over a seeded
//! network that drops, delays, duplicates, reorders and partitions messages, with validators
//! crashed (sometimes in the middle of carrying out a step's effects) and restarted from what
//! they persisted. Twins — a validator run twice with the same key — make it equivocate.
//!
//! Every source of randomness is one ChaCha generator seeded from the run's seed, and every
//! collection iterated is ordered, so the same seed replays the same run exactly. The
//! invariants (see [`check`]) are checked after every step; a violation names its seed.
//!
//! A run has a fault phase and a healed phase: faults stop at `fault_until_ms`, crashed
//! validators come back, partitions heal, and commits must resume within `heal_bound_ms`.

mod check;

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use trade_docs::Country;

use check::Checker;
pub use check::Violation;

use crate::app::HashChainApp;
use crate::engine::{Config, Effect, Engine};
use crate::store::{serve_sync, MemoryStore};
use crate::types::*;
use crate::validators::ValidatorInfo;

/// What to simulate.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    pub validators: usize,
    /// How many validators run twice with the same key (Byzantine equivocation).
    pub twins: usize,
    /// How many validators are crashed for the whole run.
    pub crashed: usize,
    pub faults: Faults,
    /// Virtual length of the run.
    pub duration_ms: Millis,
    /// Faults stop at this virtual time.
    pub fault_until_ms: Millis,
    /// After the faults stop, every honest validator must commit again within this time.
    pub heal_bound_ms: Millis,
    /// Transactions submitted per virtual second (spread over the validators).
    pub tx_per_s: u32,
    pub engine: Config,
}

/// Network and process faults of the fault phase.
#[derive(Clone, Copy, Debug)]
pub struct Faults {
    pub drop_percent: u32,
    pub duplicate_percent: u32,
    pub delay_min_ms: Millis,
    pub delay_max_ms: Millis,
    /// Mean virtual time between partitions (0: none).
    pub partition_every_ms: Millis,
    /// Mean virtual time between crash-and-restart events (0: none).
    pub crash_every_ms: Millis,
}

impl Faults {
    /// The default fault mix of `silkway sim`.
    pub fn standard() -> Faults {
        Faults {
            drop_percent: 5,
            duplicate_percent: 5,
            delay_min_ms: 1,
            delay_max_ms: 60,
            partition_every_ms: 4000,
            crash_every_ms: 3000,
        }
    }

    /// A clean network: small delays only.
    pub fn none() -> Faults {
        Faults {
            drop_percent: 0,
            duplicate_percent: 0,
            delay_min_ms: 1,
            delay_max_ms: 10,
            partition_every_ms: 0,
            crash_every_ms: 0,
        }
    }
}

impl SimConfig {
    /// A run of `validators` with the standard faults and shortened timeouts.
    pub fn new(seed: u64, validators: usize) -> SimConfig {
        let engine = Config {
            round_timeout_ms: 300,
            round_timeout_max_ms: 3000,
            empty_block_interval_ms: 100,
            ..Config::default()
        };
        SimConfig {
            seed,
            validators,
            twins: 0,
            crashed: 0,
            faults: Faults::standard(),
            duration_ms: 40_000,
            fault_until_ms: 20_000,
            heal_bound_ms: 15_000,
            // Enough load that leaders always have transactions to propose, so block cadence
            // measures consensus, not arrivals.
            tx_per_s: 250,
            engine,
        }
    }
}

/// The outcome of one run.
#[derive(Clone, Debug, Serialize)]
pub struct SimReport {
    pub seed: u64,
    pub violations: Vec<Violation>,
    /// The lowest committed height among honest validators that were up at the end.
    pub commits: Height,
    pub virtual_ms: Millis,
    pub messages: u64,
    pub faults_injected: u64,
    /// Virtual time from the end of the fault phase to the first commit on every honest
    /// validator.
    pub heal_to_commit_ms: Option<Millis>,
}

/// Runs one simulation.
pub fn run(config: &SimConfig) -> SimReport {
    Sim::new(config.clone()).run()
}

/// One engine instance: a validator, or one of a pair of twins.
struct Instance {
    index: ValidatorIndex,
    key: SigningKey,
    twin: bool,
    engine: Option<Engine<HashChainApp>>,
    disk: MemoryStore,
    /// Generation of the scheduled tick, so that stale ticks are ignored.
    tick_generation: u64,
    /// Crash while carrying out the next step's effects.
    crash_mid_step: bool,
    clock_skew_ms: i64,
    /// Crashed for the whole run.
    dead: bool,
}

#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // events live briefly in one queue; boxing buys nothing
enum Event {
    Deliver {
        to: usize,
        from: ValidatorIndex,
        message: Message,
    },
    Tick {
        instance: usize,
        generation: u64,
    },
    Crash {
        instance: usize,
    },
    Restart {
        instance: usize,
    },
    Submit {
        tx: Transaction,
    },
    Partition,
    Heal,
}

struct Sim {
    config: SimConfig,
    rng: ChaCha8Rng,
    now: Millis,
    seq: u64,
    /// Pending events in the order they happen: by time, then by when they were scheduled.
    queue: BTreeMap<(Millis, u64), Event>,
    instances: Vec<Instance>,
    validators: Vec<ValidatorInfo>,
    /// Partition group of each instance; messages cross only within a group.
    groups: Vec<u8>,
    checker: Checker,
    messages: u64,
    faults_injected: u64,
    tx_counter: u64,
}

impl Sim {
    fn new(config: SimConfig) -> Sim {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let keys: Vec<SigningKey> = (0..config.validators)
            .map(|_| SigningKey::from_bytes(&rng.random()))
            .collect();
        let validators = keys
            .iter()
            .enumerate()
            .map(|(i, k)| ValidatorInfo {
                name: format!("validator-{i}"),
                // Alternate countries so that neither side can form a quorum alone.
                country: if i % 2 == 0 { Country::KZ } else { Country::CN },
                public_key: k.verifying_key().to_bytes(),
                voting_power: 1,
            })
            .collect();
        let mut instances = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let copies = if i < config.twins { 2 } else { 1 };
            for _ in 0..copies {
                let skew = rng.random_range(-50..=50);
                let dead = i >= config.validators - config.crashed;
                instances.push(Instance {
                    index: i as ValidatorIndex,
                    key: key.clone(),
                    twin: i < config.twins,
                    engine: None,
                    disk: MemoryStore::default(),
                    tick_generation: 0,
                    crash_mid_step: false,
                    clock_skew_ms: skew,
                    dead,
                });
            }
        }
        let groups = vec![0; instances.len()];
        let checker = Checker::new(instances.iter().map(|i| !i.twin && !i.dead).collect());
        Sim {
            config,
            rng,
            now: 0,
            seq: 0,
            queue: BTreeMap::new(),
            instances,
            validators,
            groups,
            checker,
            messages: 0,
            faults_injected: 0,
            tx_counter: 0,
        }
    }

    fn schedule(&mut self, at: Millis, event: Event) {
        self.seq += 1;
        self.queue.insert((at, self.seq), event);
    }

    fn run(mut self) -> SimReport {
        self.boot();
        while let Some(((at, _), event)) = self.queue.pop_first() {
            if at > self.config.duration_ms {
                break;
            }
            self.now = at;
            self.step(event);
            self.checker.check_liveness(
                self.now,
                self.config.fault_until_ms,
                self.config.heal_bound_ms,
            );
        }
        self.now = self.config.duration_ms;
        self.checker.check_liveness(
            self.now,
            self.config.fault_until_ms,
            self.config.heal_bound_ms,
        );
        self.checker.finish(
            self.now,
            self.config.fault_until_ms,
            self.config.heal_bound_ms,
        );
        SimReport {
            seed: self.config.seed,
            violations: self.checker.violations.clone(),
            commits: self.checker.min_honest_height(),
            virtual_ms: self.now,
            messages: self.messages,
            faults_injected: self.faults_injected,
            heal_to_commit_ms: self.checker.heal_to_commit_ms(self.config.fault_until_ms),
        }
    }

    fn boot(&mut self) {
        for i in 0..self.instances.len() {
            if !self.instances[i].dead {
                self.start_instance(i);
            }
        }
        if self.config.tx_per_s > 0 {
            let gap = 1000 / Millis::from(self.config.tx_per_s.max(1));
            let mut at = 0;
            while at < self.config.duration_ms {
                self.tx_counter += 1;
                let tx = format!("tx-{}-{}", self.config.seed, self.tx_counter).into_bytes();
                self.schedule(at, Event::Submit { tx });
                at += gap.max(1);
            }
        }
        self.schedule_faults();
        let heal_at = self.config.fault_until_ms;
        self.schedule(heal_at, Event::Heal);
    }

    fn schedule_faults(&mut self) {
        let f = self.config.faults;
        for (every, make) in [(f.partition_every_ms, 0u8), (f.crash_every_ms, 1u8)] {
            if every == 0 {
                continue;
            }
            let mut at = self.rng.random_range(0..every);
            while at < self.config.fault_until_ms {
                match make {
                    0 => self.schedule(at, Event::Partition),
                    _ => {
                        let instance = self.rng.random_range(0..self.instances.len());
                        self.schedule(at, Event::Crash { instance });
                        let back = at + self.rng.random_range(200..2000);
                        self.schedule(
                            back.min(self.config.fault_until_ms),
                            Event::Restart { instance },
                        );
                    }
                }
                at += self.rng.random_range(every / 2..every * 3 / 2);
            }
        }
    }

    fn local_now(&self, instance: usize) -> Millis {
        self.now
            .saturating_add_signed(self.instances[instance].clock_skew_ms)
            + 1_000_000
    }

    fn start_instance(&mut self, i: usize) {
        let now = self.local_now(i);
        let inst = &mut self.instances[i];
        let config = self.config.engine.clone();
        let result = match inst.disk.recovery() {
            Some(recovery) => Engine::recover(
                config,
                inst.key.clone(),
                recovery,
                HashChainApp::default(),
                now,
            ),
            None => Engine::start(
                config,
                inst.key.clone(),
                self.validators.clone(),
                HashChainApp::default(),
                now,
            ),
        };
        match result {
            Ok((engine, effects)) => {
                self.instances[i].engine = Some(engine);
                self.apply_effects(i, effects);
            }
            Err(e) => self
                .checker
                .violation(self.now, format!("instance {i} failed to start: {e}")),
        }
    }

    fn step(&mut self, event: Event) {
        match event {
            Event::Deliver { to, from, message } => self.deliver(to, from, message),
            Event::Tick {
                instance,
                generation,
            } => {
                if self.instances[instance].tick_generation == generation {
                    let now = self.local_now(instance);
                    if let Some(effects) = self.instances[instance]
                        .engine
                        .as_mut()
                        .map(|e| e.handle_tick(now))
                    {
                        self.apply_effects_after(instance, effects, true);
                    }
                }
            }
            Event::Crash { instance } => {
                if self.instances[instance].engine.is_some() {
                    self.instances[instance].crash_mid_step = true;
                    self.faults_injected += 1;
                }
            }
            Event::Restart { instance } => self.restart(instance),
            Event::Submit { tx } => self.submit(tx),
            Event::Partition => self.partition(),
            Event::Heal => self.heal(),
        }
    }

    fn deliver(&mut self, to: usize, from: ValidatorIndex, message: Message) {
        if self.instances[to].engine.is_none() {
            return;
        }
        if let Message::SyncRequest(request) = &message {
            let limit = 64;
            if let Some(response) = serve_sync(&self.instances[to].disk, request, limit) {
                let index = self.instances[to].index;
                self.send(to, index, Some(from), Message::SyncResponse(response));
            }
            return;
        }
        let now = self.local_now(to);
        let effects = self.instances[to]
            .engine
            .as_mut()
            .map(|e| e.handle_message(from, message, now))
            .unwrap_or_default();
        self.apply_effects(to, effects);
    }

    /// A client transaction reaches every validator that is up, as the node's mempool
    /// forwarding will make it; whichever validator leads next can propose it.
    fn submit(&mut self, tx: Transaction) {
        for i in 0..self.instances.len() {
            let now = self.local_now(i);
            let submitted = self.instances[i]
                .engine
                .as_mut()
                .map(|e| e.submit(tx.clone(), now));
            if let Some(Ok(effects)) = submitted {
                self.apply_effects(i, effects);
            }
        }
    }

    /// Carries out effects in order, persisting before anything later happens; a pending
    /// crash cuts the list at a random point.
    fn apply_effects(&mut self, i: usize, effects: Vec<Effect>) {
        self.apply_effects_after(i, effects, false);
    }

    fn apply_effects_after(&mut self, i: usize, effects: Vec<Effect>, after_tick: bool) {
        let cut = if self.instances[i].crash_mid_step && !effects.is_empty() {
            Some(self.rng.random_range(0..=effects.len()))
        } else {
            None
        };
        for (n, effect) in effects.into_iter().enumerate() {
            if cut == Some(n) {
                break;
            }
            self.apply_effect(i, effect);
        }
        if cut.is_some() {
            self.crash(i);
            return;
        }
        self.schedule_tick(i, after_tick);
    }

    fn apply_effect(&mut self, i: usize, effect: Effect) {
        let index = self.instances[i].index;
        match effect {
            Effect::Persist(record) => self.instances[i].disk.apply(&record),
            Effect::Send { to, message } => {
                self.checker.on_send(i, &message, self.now);
                self.send(i, index, Some(to), message);
            }
            Effect::Broadcast(message) => {
                self.checker.on_send(i, &message, self.now);
                self.send(i, index, None, message);
            }
            Effect::Committed(commit) => self.checker.on_commit(i, &commit, self.now),
            Effect::Halt { reason } => {
                self.checker.violation(
                    self.now,
                    format!("instance {i} (validator {index}) halted: {reason}"),
                );
                self.instances[i].engine = None;
            }
        }
    }

    /// Queues a message to validator `to` (every instance of it), or to all other validators.
    fn send(
        &mut self,
        from_instance: usize,
        from: ValidatorIndex,
        to: Option<ValidatorIndex>,
        message: Message,
    ) {
        let targets: Vec<usize> = (0..self.instances.len())
            .filter(|&j| match to {
                Some(index) => self.instances[j].index == index,
                None => self.instances[j].index != from,
            })
            .collect();
        for j in targets {
            self.messages += 1;
            if self.groups[j] != self.groups[from_instance] {
                continue;
            }
            let copies = self.network_copies();
            for _ in 0..copies {
                let f = self.faults();
                let delay = self.rng.random_range(f.delay_min_ms..=f.delay_max_ms);
                self.schedule(
                    self.now + delay,
                    Event::Deliver {
                        to: j,
                        from,
                        message: message.clone(),
                    },
                );
            }
        }
    }

    /// How many copies of a message arrive: 0 (dropped), 1, or 2 (duplicated).
    fn network_copies(&mut self) -> usize {
        let f = self.faults();
        let roll = self.rng.random_range(0..100);
        if roll < f.drop_percent {
            self.faults_injected += 1;
            0
        } else if roll < f.drop_percent + f.duplicate_percent {
            self.faults_injected += 1;
            2
        } else {
            1
        }
    }

    fn faults(&self) -> Faults {
        if self.now < self.config.fault_until_ms {
            self.config.faults
        } else {
            Faults::none()
        }
    }

    /// Schedules the instance's next tick at its engine's deadline. A deadline that is not
    /// after a tick just handled would make a real node spin: that is a violation.
    fn schedule_tick(&mut self, i: usize, after_tick: bool) {
        let Some(deadline) = self.instances[i]
            .engine
            .as_ref()
            .and_then(|e| e.next_deadline())
        else {
            return;
        };
        let skew = self.instances[i].clock_skew_ms;
        let mut at = deadline
            .saturating_sub(1_000_000)
            .saturating_add_signed(-skew);
        if after_tick && at <= self.now {
            let what =
                format!("instance {i} asked to be woken again at once after a tick: a busy loop");
            self.checker.violation(self.now, what);
            at = self.now + 1000;
        }
        let at = at.max(self.now);
        self.instances[i].tick_generation += 1;
        let generation = self.instances[i].tick_generation;
        self.schedule(
            at,
            Event::Tick {
                instance: i,
                generation,
            },
        );
    }

    fn crash(&mut self, i: usize) {
        self.instances[i].engine = None;
        self.instances[i].crash_mid_step = false;
        self.instances[i].tick_generation += 1;
    }

    fn restart(&mut self, i: usize) {
        if self.instances[i].crash_mid_step {
            // The crash never found a step to cut: crash now, between steps.
            self.crash(i);
        }
        if self.instances[i].engine.is_none() && !self.instances[i].dead {
            self.start_instance(i);
        }
    }

    fn partition(&mut self) {
        let n = self.instances.len();
        let groups: Vec<u8> = (0..n).map(|_| self.rng.random_range(0..2)).collect();
        self.groups = groups;
        self.faults_injected += 1;
        let heal_at = self.now + self.rng.random_range(300..3000);
        if heal_at < self.config.fault_until_ms {
            self.schedule(heal_at, Event::Heal);
        }
    }

    fn heal(&mut self) {
        self.groups = vec![0; self.instances.len()];
        if self.now >= self.config.fault_until_ms {
            for i in 0..self.instances.len() {
                self.restart(i);
            }
        }
    }
}

#[cfg(test)]
mod tests;
