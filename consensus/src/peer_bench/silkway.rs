//! The peer benchmark's shell for our engine: one thread per validator over `mpsc` channels.
//!
//! Each validator thread owns an [`Engine`] and a [`MemoryStore`], waits on its inbox with
//! `recv_timeout` until the engine's next deadline, feeds it messages, submissions and ticks, and
//! carries out the effects in order: `Persist` into the store before anything later, sends into
//! the peers' inboxes, commits into the shared [`Recorder`]. `SyncRequest`s are answered by the
//! shell from the store, as the engine expects.
//!
//! What it deliberately does not do: simulate faults, restart stopped validators, or check
//! signatures of transactions (neither engine does in this bench).
//!
//! Invariants: a tick is given whenever the deadline has passed, even while messages keep
//! arriving, so a loaded validator still times out; a validator never waits past its deadline.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::app::HashChainApp;
use crate::store::{serve_sync, MemoryStore};
use crate::types::{Message, Millis, Transaction, ValidatorIndex};
use crate::validators::ValidatorInfo;
use crate::{Config, Effect, Engine};
use ed25519_dalek::SigningKey;
use trade_docs::Country;

use super::recorder::Recorder;
use super::{transaction_id, Cluster, Submit, BLOCK_TXS_MAX};

/// Blocks served per sync request (the limit the simulation uses too).
const SYNC_BLOCKS_MAX: usize = 64;

/// Our engine's clock starts here rather than at 0, as in the simulation, so that no time the
/// engine computes (deadlines minus timeouts, skew windows) can go below zero.
const CLOCK_OFFSET_MS: Millis = 1_000_000;

/// What a validator thread receives.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // inputs pass through a channel once each
enum Input {
    Message {
        from: ValidatorIndex,
        message: Message,
    },
    Submit(Transaction),
    Stop,
}

/// Our validators, running.
#[derive(Debug)]
pub(crate) struct SilkwayCluster {
    inboxes: Vec<Sender<Input>>,
    threads: Vec<Option<JoinHandle<()>>>,
}

/// Starts `n` validators of our engine.
pub(crate) fn start(n: usize, recorder: Arc<Recorder>) -> SilkwayCluster {
    let keys: Vec<SigningKey> = (0..n).map(validator_key).collect();
    let validators: Vec<ValidatorInfo> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| ValidatorInfo {
            name: format!("validator-{i}"),
            // Alternate countries so that every quorum holds both, as the engine requires.
            country: if i % 2 == 0 { Country::KZ } else { Country::CN },
            public_key: key.verifying_key().to_bytes(),
            voting_power: 1,
        })
        .collect();
    let (inboxes, receivers): (Vec<_>, Vec<_>) = (0..n).map(|_| mpsc::channel()).unzip();
    let clock = Clock {
        start: recorder.start,
    };
    let threads = keys
        .into_iter()
        .zip(receivers)
        .enumerate()
        .map(|(i, (key, inbox))| {
            let shell = Shell {
                index: i as ValidatorIndex,
                store: MemoryStore::default(),
                inbox,
                peers: inboxes.clone(),
                recorder: recorder.clone(),
                clock,
                ticks: 0,
            };
            let validators = validators.clone();
            Some(thread::spawn(move || shell.run(key, validators)))
        })
        .collect();
    SilkwayCluster { inboxes, threads }
}

impl Cluster for SilkwayCluster {
    fn load_target(&self) -> Box<dyn Submit> {
        Box::new(SilkwaySubmit {
            inboxes: self.inboxes.clone(),
        })
    }

    fn stop(&mut self, index: usize) {
        let _ = self.inboxes[index].send(Input::Stop);
        if let Some(thread) = self.threads[index].take() {
            if thread.join().is_err() {
                tracing::error!(validator = index, "silkway validator panicked");
            }
        }
    }

    fn shutdown(mut self: Box<Self>) {
        for index in 0..self.threads.len() {
            self.stop(index);
        }
    }
}

#[derive(Debug)]
struct SilkwaySubmit {
    inboxes: Vec<Sender<Input>>,
}

impl Submit for SilkwaySubmit {
    fn submit(&mut self, tx: &[u8]) {
        for inbox in &self.inboxes {
            // A stopped validator's inbox is closed: the transaction is dropped, as the load
            // balancer in front of a dead node would drop it.
            let _ = inbox.send(Input::Submit(tx.to_vec()));
        }
    }
}

/// A deterministic key per validator, so that runs are comparable.
fn validator_key(i: usize) -> SigningKey {
    let mut seed = [0x5a; 32];
    seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
    SigningKey::from_bytes(&seed)
}

#[derive(Clone, Copy, Debug)]
struct Clock {
    start: Instant,
}

impl Clock {
    fn now_ms(self) -> Millis {
        self.start.elapsed().as_millis() as Millis + CLOCK_OFFSET_MS
    }
}

/// One validator's loop and the state it owns besides the engine.
struct Shell {
    index: ValidatorIndex,
    store: MemoryStore,
    inbox: Receiver<Input>,
    peers: Vec<Sender<Input>>,
    recorder: Arc<Recorder>,
    clock: Clock,
    ticks: u64,
}

impl Shell {
    fn run(mut self, key: SigningKey, validators: Vec<ValidatorInfo>) {
        // The same 1 s round timeout and block size limit as before the harness moved here,
        // stated rather than inherited so that a change of the defaults cannot move the
        // comparison.
        let config = Config {
            round_timeout_ms: 1000,
            block_txs_max: BLOCK_TXS_MAX,
            ..Config::default()
        };
        let app = HashChainApp::default();
        let now_ms = self.clock.now_ms();
        let (mut engine, effects) = match Engine::start(config, key, validators, app, now_ms) {
            Ok(started) => started,
            Err(error) => {
                let validator = self.index;
                tracing::error!(validator, %error, "silkway validator cannot start");
                return;
            }
        };
        if self.carry_out(effects) {
            while let Some(effects) = self.step(&mut engine) {
                if !self.carry_out(effects) {
                    break;
                }
            }
        }
        tracing::debug!(
            validator = self.index,
            committed_height = ?engine.status().committed_height,
            ticks = self.ticks,
            "silkway validator stopped"
        );
    }

    /// Waits for the next input or deadline and feeds it to the engine; `None` to stop.
    fn step(&mut self, engine: &mut Engine<HashChainApp>) -> Option<Vec<Effect>> {
        let deadline = engine.next_deadline()?;
        let now = self.clock.now_ms();
        if now >= deadline {
            self.ticks += 1;
            return Some(engine.handle_tick(now));
        }
        match self
            .inbox
            .recv_timeout(Duration::from_millis(deadline - now))
        {
            Ok(Input::Message {
                from,
                message: Message::SyncRequest(request),
            }) => {
                let response = serve_sync(&self.store, &request, SYNC_BLOCKS_MAX);
                let effects = response.map(|r| Effect::Send {
                    to: from,
                    message: Message::SyncResponse(r),
                });
                Some(effects.into_iter().collect())
            }
            Ok(Input::Message { from, message }) => {
                Some(engine.handle_message(from, message, self.clock.now_ms()))
            }
            // A full mempool or a duplicate refuses the transaction; the load thread's bound on
            // outstanding transactions keeps that rare, and a refused one simply never commits.
            Ok(Input::Submit(tx)) => {
                Some(engine.submit(tx, self.clock.now_ms()).unwrap_or_default())
            }
            Err(RecvTimeoutError::Timeout) => Some(Vec::new()),
            Ok(Input::Stop) | Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Carries out effects in order; `false` once the engine halted.
    fn carry_out(&mut self, effects: Vec<Effect>) -> bool {
        for effect in effects {
            match effect {
                Effect::Persist(record) => self.store.apply(&record),
                Effect::Send { to, message } => self.send(to, message),
                Effect::Broadcast(message) => {
                    for to in 0..self.peers.len() as ValidatorIndex {
                        if to != self.index {
                            self.send(to, message.clone());
                        }
                    }
                }
                Effect::Committed(commit) => {
                    let ids = commit
                        .transactions
                        .iter()
                        .filter_map(|tx| transaction_id(tx));
                    self.recorder
                        .on_block(commit.height, ids, self.recorder.now_us());
                }
                Effect::Halt { reason } => {
                    tracing::error!(validator = self.index, %reason, "silkway validator halted");
                    return false;
                }
            }
        }
        true
    }

    fn send(&self, to: ValidatorIndex, message: Message) {
        if let Some(inbox) = self.peers.get(usize::from(to)) {
            // A stopped validator's inbox is closed; messages to it are lost, as on a network.
            let _ = inbox.send(Input::Message {
                from: self.index,
                message,
            });
        }
    }
}
