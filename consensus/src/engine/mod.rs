//! The HotStuff engine: a sans-IO core (after `quinn-proto`).
//!
//! Events go in — [`Engine::handle_message`], [`Engine::handle_tick`], [`Engine::submit`] —
//! each with the current time; effects come out as a list, in the order a shell must carry
//! them out: [`Effect::Persist`] durably *before* any later effect, then sends, commits, or a
//! halt. [`Engine::next_deadline`] says when to call `handle_tick` next; between deadlines an
//! idle validator does nothing. No threads, clocks, IO or randomness inside.
//!
//! What it deliberately does not do: serve block sync (the shell answers `SyncRequest`s from
//! its store with [`crate::store::serve_sync`]), check transaction signatures or nonces (the
//! node's mempool), or read the wall clock (the proposer's timestamp comes from `now`).

mod handlers;

use std::collections::{BTreeMap, VecDeque};

use ed25519_dalek::SigningKey;
use serde::Serialize;
use trade_docs::Country;

use crate::app::Application;
use crate::block_tree::BlockTree;
use crate::leader::LeaderElection;
use crate::mempool::{Mempool, MempoolError, MempoolLimits};
use crate::pacemaker::{Entered, Pacemaker, Timing};
use crate::safety::{SafetyData, SafetyRules};
use crate::store::{EpochState, Record, Recovery};
use crate::types::*;
use crate::validators::{Identity, SetError, ValidatorSet};

/// Engine parameters. Every queue and batch has a bound here.
#[derive(Clone, Debug)]
pub struct Config {
    pub round_timeout_ms: Millis,
    pub round_timeout_max_ms: Millis,
    /// An idle leader proposes an empty block after this long, to keep certificates fresh.
    pub empty_block_interval_ms: Millis,
    pub clock_skew_max_ms: Millis,
    pub block_txs_max: usize,
    pub block_bytes_max: usize,
    pub mempool_txs_max: usize,
    pub mempool_bytes_max: usize,
    pub tx_bytes_max: usize,
    /// Rounds ahead of the current one for which votes and timeouts are kept.
    pub future_rounds_max: Round,
    /// A validator that proposed none of the last (this × validators) blocks is not chosen as
    /// leader.
    pub leader_window_per_validator: usize,
    /// Every this many rounds, the leader is plain round-robin over all validators.
    pub leader_retry_every_rounds: Round,
    /// Every quorum must contain validators of each of these countries.
    pub required_countries: Vec<Country>,
    /// Deliberately broken behaviour, for showing that the simulation catches it.
    #[cfg(any(test, feature = "injected-bugs"))]
    pub injected_bug: Option<InjectedBug>,
}

/// Bugs a test build can inject.
#[cfg(any(test, feature = "injected-bugs"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectedBug {
    /// Send the vote before persisting the safety record.
    SendVoteBeforePersist,
    /// Never persist the safety record.
    SkipSafetyPersist,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            round_timeout_ms: 1000,
            round_timeout_max_ms: 30_000,
            empty_block_interval_ms: 250,
            clock_skew_max_ms: 2000,
            block_txs_max: 4000,
            block_bytes_max: 4 * 1024 * 1024,
            mempool_txs_max: 200_000,
            mempool_bytes_max: 256 * 1024 * 1024,
            tx_bytes_max: 64 * 1024,
            future_rounds_max: 16,
            leader_window_per_validator: 3,
            leader_retry_every_rounds: 50,
            required_countries: vec![Country::KZ, Country::CN],
            #[cfg(any(test, feature = "injected-bugs"))]
            injected_bug: None,
        }
    }
}

/// A committed block as the shell sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub epoch: Epoch,
    pub height: Height,
    pub round: Round,
    pub block_id: Digest,
    pub timestamp_ms: Millis,
    pub transactions: Vec<Transaction>,
    pub state_root: Digest,
}

/// What the shell must do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum Effect {
    /// Write durably before carrying out any later effect.
    Persist(Record),
    Send {
        to: ValidatorIndex,
        message: Message,
    },
    /// Send to every other validator of the current epoch.
    Broadcast(Message),
    Committed(Commit),
    /// Stop: this validator cannot go on safely.
    Halt {
        reason: String,
    },
}

/// Why an engine could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    #[error("validator set: {0}")]
    Set(#[from] SetError),
    #[error("recovered store is inconsistent: {0}")]
    Inconsistent(String),
}

/// A snapshot for status displays and metrics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    pub epoch: Epoch,
    pub round: Round,
    pub committed_height: Height,
    pub high_qc_round: Round,
    pub leader: ValidatorIndex,
    pub index: Option<ValidatorIndex>,
    pub mempool_len: usize,
    pub halted: Option<String>,
}

/// One validator's consensus state machine.
#[derive(Debug)]
pub struct Engine<A: Application> {
    config: Config,
    key: SigningKey,
    app: A,
    epoch: EpochState,
    validators: ValidatorSet,
    index: Option<ValidatorIndex>,
    safety: SafetyRules,
    tree: BlockTree,
    pacemaker: Pacemaker,
    leaders: LeaderElection,
    mempool: Mempool,
    votes: BTreeMap<(Round, Digest), BTreeMap<ValidatorIndex, Vote>>,
    timeouts: BTreeMap<Round, BTreeMap<ValidatorIndex, Timeout>>,
    last_tc: Option<TimeoutCert>,
    proposed_round: Round,
    roots: BTreeMap<Height, Digest>,
    executed_height: Height,
    /// A proposal waiting for its parent to arrive by sync.
    waiting: Option<(ValidatorIndex, Proposal)>,
    /// The block last asked for by sync, and when, to avoid asking again and again.
    sync_asked: Option<(Digest, Millis)>,
    halted: Option<String>,
    now: Millis,
    inbox: VecDeque<(ValidatorIndex, Message)>,
    out: Vec<Effect>,
}

/// Leader election for `n` validators: at most f = ⌊(n − 1) / 3⌋ are ever left out.
fn leader_election(config: &Config, n: usize) -> LeaderElection {
    let window = config.leader_window_per_validator.max(1) * n;
    LeaderElection::new(n, (n - 1) / 3, window, config.leader_retry_every_rounds)
}

/// How many recent state roots are kept to check the roots blocks carry.
const ROOTS_KEPT: usize = 4096;

impl<A: Application> Engine<A> {
    /// Starts a brand-new chain from genesis with the epoch-0 validator set.
    pub fn start(
        config: Config,
        key: SigningKey,
        validators: Vec<crate::validators::ValidatorInfo>,
        app: A,
        now: Millis,
    ) -> Result<(Self, Vec<Effect>), StartError> {
        let genesis = Block::genesis();
        let genesis_id = genesis.id();
        let epoch = EpochState {
            epoch: 0,
            validators,
            anchor_id: genesis_id,
            anchor_height: 0,
        };
        let mut engine = Self::assemble(
            config,
            key,
            app,
            epoch.clone(),
            genesis.clone(),
            SafetyData::default(),
            now,
        )?;
        engine.persist(Record::Epoch(epoch));
        engine.persist(Record::Block(genesis));
        engine.persist(Record::Committed {
            height: 0,
            block_id: genesis_id,
        });
        engine.persist(Record::Safety(engine.safety.data().clone()));
        engine.enter_round(1, Entered::Start);
        engine.drain();
        let out = std::mem::take(&mut engine.out);
        Ok((engine, out))
    }

    /// Restarts from what the store kept: replays committed blocks into `app` (which must be
    /// fresh), restores the tree, the certificates and the safety record.
    pub fn recover(
        config: Config,
        key: SigningKey,
        recovery: Recovery,
        app: A,
        now: Millis,
    ) -> Result<(Self, Vec<Effect>), StartError> {
        let safety = if recovery.safety.epoch == recovery.epoch.epoch {
            recovery.safety.clone()
        } else {
            SafetyData {
                epoch: recovery.epoch.epoch,
                ..SafetyData::default()
            }
        };
        let mut engine = Self::assemble(
            config,
            key,
            app,
            recovery.epoch.clone(),
            Block::genesis(),
            safety,
            now,
        )?;
        engine.replay(&recovery)?;
        // Resume in the round the highest certificate opens: the one round in which the
        // safety rules let this validator time out, so it can never be stuck in silence.
        engine.last_tc = recovery
            .highest_tc
            .clone()
            .filter(|tc| tc.epoch == engine.epoch.epoch);
        let tc_round = engine.last_tc.as_ref().map_or(0, |tc| tc.round);
        let round = engine.tree.high_qc().round.max(tc_round) + 1;
        engine.enter_round(round, Entered::Start);
        engine.drain();
        let out = std::mem::take(&mut engine.out);
        Ok((engine, out))
    }

    fn assemble(
        config: Config,
        key: SigningKey,
        app: A,
        epoch: EpochState,
        root: Block,
        safety: SafetyData,
        now: Millis,
    ) -> Result<Self, StartError> {
        let validators = ValidatorSet::new(
            epoch.epoch,
            epoch.validators.clone(),
            &config.required_countries,
        )?;
        let index = validators.index_of(&key.verifying_key().to_bytes());
        let identity = Identity::new(index.unwrap_or(ValidatorIndex::MAX), key.clone());
        let leaders = leader_election(&config, validators.len());
        let timing = Timing {
            round_timeout_ms: config.round_timeout_ms,
            round_timeout_max_ms: config.round_timeout_max_ms,
        };
        let mempool = Mempool::new(MempoolLimits {
            txs_max: config.mempool_txs_max,
            bytes_max: config.mempool_bytes_max,
            tx_bytes_max: config.tx_bytes_max,
        });
        let anchor = QuorumCert::anchor(epoch.epoch, epoch.anchor_id, epoch.anchor_height);
        let tree = BlockTree::new(root, anchor);
        Ok(Engine {
            config,
            key,
            app,
            epoch,
            validators,
            index,
            safety: SafetyRules::new(safety, identity),
            tree,
            pacemaker: Pacemaker::new(timing),
            leaders,
            mempool,
            votes: BTreeMap::new(),
            timeouts: BTreeMap::new(),
            last_tc: None,
            proposed_round: 0,
            roots: BTreeMap::new(),
            executed_height: 0,
            waiting: None,
            sync_asked: None,
            halted: None,
            now,
            inbox: VecDeque::new(),
            out: Vec::new(),
        })
    }

    /// A message from validator `from` (as authenticated by the transport).
    pub fn handle_message(
        &mut self,
        from: ValidatorIndex,
        message: Message,
        now: Millis,
    ) -> Vec<Effect> {
        self.now = self.now.max(now);
        self.inbox.push_back((from, message));
        self.drain();
        std::mem::take(&mut self.out)
    }

    /// Time has reached (or passed) a deadline.
    pub fn handle_tick(&mut self, now: Millis) -> Vec<Effect> {
        self.now = self.now.max(now);
        if self.halted.is_none() {
            if self.now >= self.pacemaker.deadline() {
                self.local_timeout();
            }
            self.maybe_propose();
            self.drain();
        }
        std::mem::take(&mut self.out)
    }

    /// A new transaction for the next blocks.
    pub fn submit(&mut self, tx: Transaction, now: Millis) -> Result<Vec<Effect>, MempoolError> {
        self.now = self.now.max(now);
        self.mempool.add(tx)?;
        if self.halted.is_none() {
            self.maybe_propose();
            self.drain();
        }
        Ok(std::mem::take(&mut self.out))
    }

    /// When `handle_tick` must be called next; `None` once halted.
    pub fn next_deadline(&self) -> Option<Millis> {
        if self.halted.is_some() {
            return None;
        }
        let propose_at = self
            .may_propose()
            .then(|| self.pacemaker.started_at() + self.config.empty_block_interval_ms);
        Some(propose_at.map_or(self.pacemaker.deadline(), |p| {
            p.min(self.pacemaker.deadline())
        }))
    }

    pub fn status(&self) -> Status {
        Status {
            epoch: self.epoch.epoch,
            round: self.pacemaker.round(),
            committed_height: self.tree.committed_height(),
            high_qc_round: self.tree.high_qc().round,
            leader: self.leader_after(self.pacemaker.round(), &self.tree.high_qc().block_id),
            index: self.index,
            mempool_len: self.mempool.len(),
            halted: self.halted.clone(),
        }
    }

    /// The application, for reading committed state and taking what it produced.
    pub fn app(&self) -> &A {
        &self.app
    }

    pub fn app_mut(&mut self) -> &mut A {
        &mut self.app
    }

    /// The validator set of the current epoch.
    pub fn validator_set(&self) -> &ValidatorSet {
        &self.validators
    }

    /// Blocks held above the committed root.
    pub fn tree_len(&self) -> usize {
        self.tree.len()
    }

    /// Whether this validator may still propose in the current round: it leads it, has not
    /// proposed in it, and has not voted or timed out in it.
    fn may_propose(&self) -> bool {
        let round = self.pacemaker.round();
        self.is_leader(round)
            && self.proposed_round < round
            && self.safety.data().last_voted_round < round
    }

    fn is_leader(&self, round: Round) -> bool {
        self.index == Some(self.leader_after(round, &self.tree.high_qc().block_id))
    }

    /// The leader of `round` in a block that extends `parent`: it depends on `parent`'s chain
    /// only, so every validator holding `parent` agrees (see `leader`).
    fn leader_after(&self, round: Round, parent: &Digest) -> ValidatorIndex {
        let mut uncommitted: Vec<ValidatorIndex> =
            self.tree.ancestors(parent).map(|b| b.proposer).collect();
        uncommitted.reverse();
        self.leaders.leader(round, &uncommitted)
    }

    fn persist(&mut self, record: Record) {
        self.out.push(Effect::Persist(record));
    }

    fn halt(&mut self, reason: String) {
        if self.halted.is_none() {
            self.halted = Some(reason.clone());
            self.out.push(Effect::Halt { reason });
        }
    }
}
