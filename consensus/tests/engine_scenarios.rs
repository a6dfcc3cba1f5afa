//! Engine scenarios the randomized simulation does not aim at: validator-set changes and
//! epochs, a validator whose state diverges, and idleness. A small synchronous network
//! delivers every message in order on a virtual clock, with real engines and real signatures.

use std::collections::VecDeque;

use consensus::app::{Application, Execution, HashChainApp};
use consensus::engine::{Config, Effect, Engine};
use consensus::store::{serve_sync, MemoryStore, Record};
use consensus::types::*;
use consensus::validators::ValidatorInfo;
use ed25519_dalek::SigningKey;
use trade_docs::Country;

/// Validators on a lossless network with a fixed 2 ms delay.
struct Net<A: Application> {
    engines: Vec<Option<Engine<A>>>,
    stores: Vec<MemoryStore>,
    /// Every record each validator persisted, in order, to rebuild a store cut anywhere.
    logs: Vec<Vec<Record>>,
    queue: VecDeque<(Millis, usize, ValidatorIndex, Message)>,
    now: Millis,
    halted: Vec<Option<String>>,
    commits: Vec<Vec<(Epoch, Height, Digest)>>,
    ticks: u64,
}

fn keys(n: usize) -> Vec<SigningKey> {
    (0..n)
        .map(|i| SigningKey::from_bytes(&[i as u8 + 11; 32]))
        .collect()
}

fn infos(keys: &[SigningKey], countries: &[Country]) -> Vec<ValidatorInfo> {
    keys.iter()
        .zip(countries)
        .enumerate()
        .map(|(i, (k, c))| ValidatorInfo {
            name: format!("v{i}"),
            country: *c,
            public_key: k.verifying_key().to_bytes(),
            voting_power: 1,
        })
        .collect()
}

fn config() -> Config {
    Config {
        round_timeout_ms: 300,
        round_timeout_max_ms: 3000,
        empty_block_interval_ms: 200,
        ..Config::default()
    }
}

const KZ: Country = Country::KZ;
const CN: Country = Country::CN;

impl<A: Application> Net<A> {
    fn new(keys: &[SigningKey], validators: Vec<ValidatorInfo>, apps: Vec<A>) -> Net<A> {
        let mut net = Net {
            engines: Vec::new(),
            stores: vec![MemoryStore::default(); keys.len()],
            logs: vec![Vec::new(); keys.len()],
            queue: VecDeque::new(),
            now: 1_000_000,
            halted: vec![None; keys.len()],
            commits: vec![Vec::new(); keys.len()],
            ticks: 0,
        };
        for (i, (key, app)) in keys.iter().zip(apps).enumerate() {
            let (engine, effects) =
                Engine::start(config(), key.clone(), validators.clone(), app, net.now).unwrap();
            net.engines.push(Some(engine));
            net.apply(i, effects);
        }
        net
    }

    fn apply(&mut self, i: usize, effects: Vec<Effect>) {
        let me = i as ValidatorIndex;
        for effect in effects {
            match effect {
                Effect::Persist(record) => {
                    self.stores[i].apply(&record);
                    self.logs[i].push(record);
                }
                Effect::Send { to, message } => {
                    self.queue
                        .push_back((self.now + 2, usize::from(to), me, message))
                }
                Effect::Broadcast(message) => {
                    for j in (0..self.engines.len()).filter(|j| *j != i) {
                        self.queue.push_back((self.now + 2, j, me, message.clone()));
                    }
                }
                Effect::Committed(c) => self.commits[i].push((c.epoch, c.height, c.state_root)),
                Effect::Halt { reason } => {
                    self.halted[i] = Some(reason);
                    self.engines[i] = None;
                }
            }
        }
    }

    /// Runs until `until`: messages in order, ticks at each engine's deadline.
    fn run_until(&mut self, until: Millis) {
        while self.now < until {
            let next_message = self.queue.front().map(|m| m.0);
            let next_tick = self
                .engines
                .iter()
                .flatten()
                .filter_map(|e| e.next_deadline())
                .min();
            let next = [next_message, next_tick, Some(until)]
                .into_iter()
                .flatten()
                .min()
                .expect("until is always there");
            self.now = next.max(self.now);
            if next_message == Some(next) {
                let (_, to, from, message) = self.queue.pop_front().expect("peeked");
                self.deliver(to, from, message);
            } else if next_tick == Some(next) {
                self.tick_due();
            }
        }
    }

    fn deliver(&mut self, to: usize, from: ValidatorIndex, message: Message) {
        if let Message::SyncRequest(request) = &message {
            if let Some(response) = serve_sync(&self.stores[to], request, 64) {
                self.queue.push_back((
                    self.now + 2,
                    usize::from(from),
                    to as ValidatorIndex,
                    Message::SyncResponse(response),
                ));
            }
            return;
        }
        let now = self.now;
        if let Some(effects) = self.engines[to]
            .as_mut()
            .map(|e| e.handle_message(from, message, now))
        {
            self.apply(to, effects);
        }
    }

    fn tick_due(&mut self) {
        for i in 0..self.engines.len() {
            let now = self.now;
            let due = self.engines[i]
                .as_ref()
                .and_then(|e| e.next_deadline())
                .is_some_and(|d| d <= now);
            if due {
                self.ticks += 1;
                let effects = self.engines[i]
                    .as_mut()
                    .map(|e| e.handle_tick(now))
                    .unwrap_or_default();
                self.apply(i, effects);
            }
        }
    }

    fn submit_everywhere(&mut self, tx: Transaction) {
        for i in 0..self.engines.len() {
            let now = self.now;
            if let Some(Ok(effects)) = self.engines[i].as_mut().map(|e| e.submit(tx.clone(), now)) {
                self.apply(i, effects);
            }
        }
    }

    fn epoch_of(&self, i: usize) -> Option<Epoch> {
        self.engines[i].as_ref().map(|e| e.status().epoch)
    }

    fn height_of(&self, i: usize) -> Height {
        self.engines[i]
            .as_ref()
            .map_or(0, |e| e.status().committed_height)
    }
}

/// Two Kazakh and two Chinese validators running the hash-chain application.
fn four_validators() -> (Vec<SigningKey>, Net<HashChainApp>) {
    let ks = keys(4);
    let net = Net::new(
        &ks,
        infos(&ks, &[KZ, CN, KZ, CN]),
        vec![HashChainApp::default(); 4],
    );
    (ks, net)
}

#[test]
fn a_validator_set_change_starts_a_new_epoch_with_the_new_set() {
    let ks = keys(5);
    let countries = [KZ, CN, KZ, CN, KZ];
    let mut net = Net::new(
        &ks[..4],
        infos(&ks[..4], &countries[..4]),
        vec![HashChainApp::default(); 4],
    );
    net.submit_everywhere(b"before".to_vec());
    net.run_until(net.now + 2000);
    let before = net.height_of(0);
    assert!(before > 2, "epoch 0 commits ({before})");
    // Replace validator 3 (CN) by a new Chinese validator 4 that is not running: the new set
    // still has a quorum of 3 of 4 running validators.
    let next = infos(
        &[ks[0].clone(), ks[1].clone(), ks[2].clone(), ks[4].clone()],
        &[KZ, CN, KZ, CN],
    );
    net.submit_everywhere(HashChainApp::set_change(next));
    net.run_until(net.now + 3000);
    for i in 0..3 {
        assert_eq!(net.epoch_of(i), Some(1), "validator {i} moved to epoch 1");
    }
    let status = net.engines[3].as_ref().unwrap().status();
    assert_eq!(
        status.index, None,
        "the removed validator is no longer in the set"
    );
    let at_change = net.height_of(0);
    net.submit_everywhere(b"after".to_vec());
    net.run_until(net.now + 3000);
    assert!(
        net.height_of(0) > at_change,
        "epoch 1 commits with the remaining three"
    );
    let epochs: Vec<Epoch> = net.commits[0].iter().map(|c| c.0).collect();
    assert!(epochs.windows(2).all(|w| w[0] <= w[1]) && epochs.contains(&1));
    assert!(net.halted.iter().all(Option::is_none), "{:?}", net.halted);
}

#[test]
fn a_set_in_which_one_country_could_certify_alone_is_ignored() {
    let (ks, mut net) = four_validators();
    net.run_until(net.now + 1000);
    // Three Kazakh validators and one Chinese: the Kazakh side alone holds a quorum (3 of 4).
    let one_sided = infos(&ks, &[KZ, KZ, KZ, CN]);
    net.submit_everywhere(HashChainApp::set_change(one_sided));
    net.run_until(net.now + 3000);
    assert!(
        (0..4).all(|i| net.epoch_of(i) == Some(0)),
        "the set change was refused by every validator"
    );
    assert!(net.height_of(0) > 3, "and the chain went on");
}

/// An application that computes a different state from some height on, as a validator with
/// corrupted state or a nondeterministic bug would.
#[derive(Clone, Debug, Default)]
struct DivergingApp {
    inner: HashChainApp,
    from_height: Height,
}

impl Application for DivergingApp {
    fn execute(&mut self, block: &Block, id: &Digest) -> Execution {
        let mut execution = self.inner.execute(block, id);
        if self.from_height > 0 && block.height >= self.from_height {
            execution.state_root = Digest::of(&[b"corrupted", &execution.state_root.0]);
        }
        execution
    }
}

#[test]
fn a_validator_whose_state_diverges_halts_and_the_others_go_on() {
    let ks = keys(4);
    let apps = vec![
        DivergingApp::default(),
        DivergingApp::default(),
        DivergingApp::default(),
        DivergingApp {
            inner: HashChainApp::default(),
            from_height: 3,
        },
    ];
    let mut net = Net::new(&ks, infos(&ks, &[KZ, CN, KZ, CN]), apps);
    for n in 0..20u8 {
        net.submit_everywhere(vec![b't', n]);
        net.run_until(net.now + 300);
    }
    let reason = net.halted[3]
        .as_deref()
        .expect("the diverging validator halted");
    assert!(reason.contains("state root diverged"), "{reason}");
    assert!(net.halted[..3].iter().all(Option::is_none));
    assert!(
        net.height_of(0) > 10,
        "the honest three kept committing ({})",
        net.height_of(0)
    );
    // Honest validators agree on every root they computed.
    let roots = |i: usize| {
        net.commits[i]
            .iter()
            .map(|c| (c.1, c.2))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let (a, b) = (roots(0), roots(1));
    assert!(a.iter().all(|(h, r)| b.get(h).is_none_or(|s| s == r)));
}

#[test]
fn idle_validators_wake_only_for_their_deadlines() {
    let (_, mut net) = four_validators();
    net.run_until(net.now + 1000);
    let (ticks_before, start) = (net.ticks, net.now);
    net.run_until(start + 10_000);
    let per_validator_per_s = (net.ticks - ticks_before) as f64 / 4.0 / 10.0;
    // With no transactions, a validator wakes for the empty-block interval when it leads
    // (200 ms here) and for nothing else: far below any polling rate.
    assert!(
        per_validator_per_s <= 5.0,
        "{per_validator_per_s} wake-ups per validator per second"
    );
    assert!(
        per_validator_per_s > 0.0,
        "empty blocks keep certificates fresh"
    );
}

#[test]
fn a_crash_between_committing_a_set_change_and_recording_the_epoch_recovers_into_the_new_epoch() {
    let ks = keys(5);
    let countries = [KZ, CN, KZ, CN];
    let mut net = Net::new(
        &ks[..4],
        infos(&ks[..4], &countries),
        vec![HashChainApp::default(); 4],
    );
    net.run_until(net.now + 1000);
    let next = infos(
        &[ks[0].clone(), ks[1].clone(), ks[2].clone(), ks[4].clone()],
        &countries,
    );
    net.submit_everywhere(HashChainApp::set_change(next));
    net.run_until(net.now + 3000);
    assert_eq!(net.epoch_of(0), Some(1));
    // Validator 0's disk as if it crashed right after persisting the commit of the block that
    // ended epoch 0, before the record of epoch 1.
    let cut = net.logs[0]
        .iter()
        .position(|r| matches!(r, Record::Epoch(e) if e.epoch == 1))
        .expect("epoch 1 was recorded");
    let mut disk = MemoryStore::default();
    net.logs[0][..cut].iter().for_each(|r| disk.apply(r));
    let recovery = disk.recovery().expect("the store holds an epoch");
    assert_eq!(recovery.epoch.epoch, 0, "the cut store still says epoch 0");
    let (engine, effects) = Engine::recover(
        config(),
        ks[0].clone(),
        recovery,
        HashChainApp::default(),
        net.now,
    )
    .unwrap();
    assert_eq!(
        engine.status().epoch,
        1,
        "replay finishes the interrupted epoch change"
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Persist(Record::Epoch(s)) if s.epoch == 1)),
        "and records it"
    );
}
