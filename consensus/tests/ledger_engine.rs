//! The PRODUCT.md §7 scenario through the real engine: four validators (two Kazakh, two
//! Chinese) in one process on a lossless network with a virtual clock, each running its own
//! `TradeApp`. Every step is admitted and submitted at every validator, and the next one only
//! after its outcome is committed everywhere; all validators must agree on every outcome and
//! on the state root of every height.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use consensus::app::{Application, Execution};
use consensus::engine::{Config, Effect, Engine};
use consensus::ledger::app::block_date;
use consensus::ledger::scenario::{self, demo_parties, party_specs, Expect};
use consensus::ledger::{query, Genesis, TradeApp, TxOutcome};
use consensus::store::{serve_sync, MemoryStore};
use consensus::types::*;
use consensus::validators::ValidatorInfo;
use ed25519_dalek::SigningKey;
use trade_docs::Country;

/// A `TradeApp` the engine executes and the test reads.
#[derive(Clone, Debug)]
struct Shared(Rc<RefCell<TradeApp>>);

impl Application for Shared {
    fn execute(&mut self, block: &Block, id: &Digest) -> Execution {
        self.0.borrow_mut().execute(block, id)
    }
}

struct Net {
    engines: Vec<Engine<Shared>>,
    apps: Vec<Shared>,
    stores: Vec<MemoryStore>,
    queue: VecDeque<(Millis, usize, ValidatorIndex, Message)>,
    now: Millis,
    /// (height, state root) of every commit, per validator.
    commits: Vec<Vec<(Height, Digest)>>,
}

impl Net {
    fn new(keys: &[SigningKey], genesis: &Genesis, now: Millis) -> Net {
        let mut net = Net {
            engines: Vec::new(),
            apps: Vec::new(),
            stores: vec![MemoryStore::default(); keys.len()],
            queue: VecDeque::new(),
            now,
            commits: vec![Vec::new(); keys.len()],
        };
        for (i, key) in keys.iter().enumerate() {
            let app = Shared(Rc::new(RefCell::new(TradeApp::new(genesis))));
            let (engine, effects) = Engine::start(
                Config::default(),
                key.clone(),
                genesis.validators.clone(),
                app.clone(),
                now,
            )
            .unwrap();
            net.engines.push(engine);
            net.apps.push(app);
            net.apply(i, effects);
        }
        net
    }

    fn apply(&mut self, i: usize, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Persist(record) => self.stores[i].apply(&record),
                Effect::Send { to, message } => self.queue.push_back((
                    self.now + 2,
                    usize::from(to),
                    i as ValidatorIndex,
                    message,
                )),
                Effect::Broadcast(message) => {
                    for j in (0..self.engines.len()).filter(|j| *j != i) {
                        let from = i as ValidatorIndex;
                        self.queue
                            .push_back((self.now + 2, j, from, message.clone()));
                    }
                }
                Effect::Committed(c) => {
                    self.apps[i].0.borrow_mut().take_writes(c.height);
                    self.commits[i].push((c.height, c.state_root));
                }
                Effect::Halt { reason } => panic!("validator {i} halted: {reason}"),
            }
        }
    }

    /// Advances to the next message or deadline.
    fn step(&mut self) {
        let next_message = self.queue.front().map(|m| m.0);
        let next_tick = self.engines.iter().filter_map(|e| e.next_deadline()).min();
        let next = next_message.into_iter().chain(next_tick).min().unwrap();
        self.now = self.now.max(next);
        if next_message == Some(next) {
            let (_, to, from, message) = self.queue.pop_front().unwrap();
            self.deliver(to, from, message);
            return;
        }
        for i in 0..self.engines.len() {
            if self.engines[i]
                .next_deadline()
                .is_some_and(|d| d <= self.now)
            {
                let effects = self.engines[i].handle_tick(self.now);
                self.apply(i, effects);
            }
        }
    }

    fn deliver(&mut self, to: usize, from: ValidatorIndex, message: Message) {
        if let Message::SyncRequest(request) = &message {
            if let Some(response) = serve_sync(&self.stores[to], request, 64) {
                let reply = Message::SyncResponse(response);
                self.queue.push_back((
                    self.now + 2,
                    usize::from(from),
                    to as ValidatorIndex,
                    reply,
                ));
            }
            return;
        }
        let effects = self.engines[to].handle_message(from, message, self.now);
        self.apply(to, effects);
    }

    /// Admits and submits `tx` at every validator, then runs until all have its outcome.
    fn commit(&mut self, tx: &Transaction) -> Vec<TxOutcome> {
        for i in 0..self.engines.len() {
            self.apps[i].0.borrow_mut().admit(tx, self.now).unwrap();
            let effects = self.engines[i].submit(tx.clone(), self.now).unwrap();
            self.apply(i, effects);
        }
        let hash = transaction_hash(tx);
        let deadline = self.now + 30_000;
        while self.now < deadline {
            let outcomes: Vec<_> = self
                .apps
                .iter()
                .filter_map(|app| query::outcome(&*app.0.borrow(), &hash))
                .collect();
            if outcomes.len() == self.apps.len() {
                return outcomes;
            }
            self.step();
        }
        panic!("transaction {hash} not committed everywhere within 30 s");
    }
}

#[test]
fn four_validators_commit_the_scenario_and_agree() {
    let validator_keys: Vec<SigningKey> = (0..4)
        .map(|i| SigningKey::from_bytes(&[i as u8 + 101; 32]))
        .collect();
    let party_keys: Vec<SigningKey> = (0..party_specs().len())
        .map(|i| SigningKey::from_bytes(&[i as u8 + 1; 32]))
        .collect();
    let parties = demo_parties(&party_keys);
    let countries = [Country::KZ, Country::CN, Country::KZ, Country::CN];
    let genesis = Genesis {
        chain_id: "silkway-engine-test".into(),
        validators: validator_keys
            .iter()
            .zip(countries)
            .enumerate()
            .map(|(i, (key, country))| ValidatorInfo {
                name: format!("v{i}"),
                country,
                public_key: key.verifying_key().to_bytes(),
                voting_power: 1,
            })
            .collect(),
        participants: parties.iter().map(|p| p.participant.clone()).collect(),
    };
    // Noon of a fixed day: the virtual clock, not the wall clock, stamps blocks.
    let start_ms = 1_780_000_000_000 - 1_780_000_000_000 % 86_400_000 + 43_200_000;
    let steps = scenario::scenario(&parties, block_date(start_ms), start_ms).unwrap();
    let mut net = Net::new(&validator_keys, &genesis, start_ms);
    for step in &steps {
        let outcomes = net.commit(&step.tx);
        assert!(
            outcomes.windows(2).all(|w| w[0] == w[1]),
            "{}: {outcomes:?}",
            step.label
        );
        let applied = step.expect == Expect::Applied;
        assert_eq!(
            outcomes[0].applied, applied,
            "{}: {:?}",
            step.label, outcomes[0].reason
        );
    }
    assert!(net.now < start_ms + consensus::ledger::TX_VALIDITY_MAX_MS);
    let shortest = net.commits.iter().map(Vec::len).min().unwrap();
    assert!(shortest >= steps.len() / 2, "{shortest} commits");
    for commits in &net.commits[1..] {
        assert_eq!(commits[..shortest], net.commits[0][..shortest]);
    }
}
