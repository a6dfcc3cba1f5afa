//! The core thread: the engine, the store and the application, driven by one inbox.
//!
//! The loop waits for an event until the engine's next deadline, hands the event to the
//! engine, and carries out the effects in their order. Consecutive `Persist` records are
//! written in one store call (one flush) before the next effect; a commit record is written
//! together with the application's state changes for that height, atomically. A tick is given
//! whenever the deadline has passed, even while events keep arriving, so a loaded validator
//! still times out.
//!
//! Transactions from clients pass the ledger's admission checks (encoding, signature, a
//! registered and unrevoked signer, validity window, replay) before they enter the engine's
//! mempool, and are forwarded to the current leader, so that they are proposed soon even
//! when this validator does not lead for a while. Transactions forwarded by a peer pass the
//! same checks and are not forwarded again. Client queries are answered from the committed
//! state in the sled store (`answer_query`), which every query bounds on its own.

use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use serde_bytes::ByteBuf;
use tokio::sync::mpsc;

use super::{now_ms, Inbound, NodeConfig, NodeError};
use crate::engine::{Commit, Effect, Engine};
use crate::ledger::{self, StateView, TradeApp};
use crate::net::client::{ClientCall, CommitNotice, NodeStatus, Request, Response, SubmitResult};
use crate::net::peer::{Lane, Peers, Received};
use crate::net::{wire, Access, PeerFrame};
use crate::store::{serve_sync, Record, RecordStore, SledStore};
use crate::types::{transaction_hashes, Digest, Message, Millis, Transaction};

/// What the core thread receives.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // each event passes through the inbox once
pub(super) enum Event {
    Peer(Received),
    Client(ClientCall),
    Shutdown,
}

pub(super) struct Core {
    name: String,
    country: String,
    public_key: [u8; 32],
    engine: Engine<TradeApp>,
    store: SledStore,
    peers: Arc<Peers>,
    access: Access,
    inbound: Inbound,
    /// The epoch the access list was built for.
    epoch: crate::types::Epoch,
    /// Validator keys of the current epoch, by index.
    validators: Vec<[u8; 32]>,
    validator_names: Vec<String>,
    watchers: Vec<mpsc::Sender<CommitNotice>>,
    last_commit_ms: Millis,
    state_root: Digest,
    revoked: BTreeSet<[u8; 32]>,
    sync_blocks_max: usize,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core").field("name", &self.name).finish()
    }
}

impl Core {
    pub(super) fn new(
        config: &NodeConfig,
        engine: Engine<TradeApp>,
        store: SledStore,
        peers: Arc<Peers>,
        access: Access,
        inbound: Inbound,
        public_key: [u8; 32],
    ) -> Core {
        let set = engine.validator_set();
        let country = set
            .index_of(&public_key)
            .and_then(|i| set.info(i))
            .map_or_else(|| "--".to_string(), |v| v.country.to_string());
        let mut core = Core {
            name: config.name.clone(),
            country,
            public_key,
            engine,
            store,
            peers,
            access,
            inbound,
            epoch: 0,
            validators: Vec::new(),
            validator_names: Vec::new(),
            watchers: Vec::new(),
            last_commit_ms: 0,
            state_root: Digest::default(),
            revoked: BTreeSet::new(),
            sync_blocks_max: config.consensus.sync_blocks_max.max(1),
        };
        core.refresh_access();
        core
    }

    /// Runs until shutdown (Ok) or until the node must stop (Err).
    pub(super) fn run(
        mut self,
        first: Vec<Effect>,
        inbox: Receiver<Event>,
    ) -> Result<(), NodeError> {
        self.carry_out(first)?;
        loop {
            let Some(deadline) = self.engine.next_deadline() else {
                let reason = self.engine.status().halted.unwrap_or_default();
                return Err(NodeError::Halted(reason));
            };
            let wait_ms = deadline.saturating_sub(now_ms());
            let event = if wait_ms == 0 {
                Err(RecvTimeoutError::Timeout)
            } else {
                inbox.recv_timeout(Duration::from_millis(wait_ms))
            };
            let effects = match event {
                Ok(Event::Shutdown) | Err(RecvTimeoutError::Disconnected) => return Ok(()),
                Ok(Event::Peer(received)) => self.on_peer(received),
                Ok(Event::Client(call)) => self.on_client(call),
                Err(RecvTimeoutError::Timeout) => self.engine.handle_tick(now_ms()),
            };
            self.carry_out(effects)?;
            if now_ms() >= deadline {
                let effects = self.engine.handle_tick(now_ms());
                self.carry_out(effects)?;
            }
        }
    }

    fn on_peer(&mut self, received: Received) -> Vec<Effect> {
        match received.frame {
            PeerFrame::Message(Message::SyncRequest(request)) => {
                if let Some(response) = serve_sync(&self.store, &request, self.sync_blocks_max) {
                    let frame = frame(&PeerFrame::Message(Message::SyncResponse(response)));
                    self.peers.send(&received.from, Lane::Sync, frame);
                }
                Vec::new()
            }
            PeerFrame::Message(message) => {
                let Some(index) = self.engine.validator_set().index_of(&received.from) else {
                    return Vec::new();
                };
                self.engine.handle_message(index, message, now_ms())
            }
            PeerFrame::Transactions(txs) => {
                let txs = txs.into_iter().map(ByteBuf::into_vec).collect();
                self.admit(txs, false).1
            }
        }
    }

    fn on_client(&mut self, call: ClientCall) -> Vec<Effect> {
        match call {
            ClientCall::Watch { notices } => {
                self.watchers.push(notices);
                Vec::new()
            }
            ClientCall::Request { request, reply } => {
                let (response, effects) = self.answer(request);
                let _ = reply.send(response);
                effects
            }
        }
    }

    fn answer(&mut self, request: Request) -> (Response, Vec<Effect>) {
        let response = match request {
            Request::Submit { txs } => {
                let txs = txs.into_iter().map(ByteBuf::into_vec).collect();
                let (results, effects) = self.admit(txs, true);
                return (Response::Submitted(results), effects);
            }
            Request::Status => Response::Status(self.status()),
            Request::WatchCommits => Response::Error("watch on its own stream".into()),
            Request::Blocks {
                after_height,
                limit,
            } => Response::Blocks(ledger::query::blocks(
                &self.store,
                &self.store,
                after_height,
                limit as usize,
            )),
            query => Response::Json(answer_query(&self.store, query).map(|v| v.to_string())),
        };
        (response, Vec::new())
    }

    /// Admission checks, then the engine's mempool; forwards what a client sent to the leader.
    fn admit(&mut self, txs: Vec<Transaction>, forward: bool) -> (Vec<SubmitResult>, Vec<Effect>) {
        let now = now_ms();
        let mut effects = Vec::new();
        let mut results = Vec::with_capacity(txs.len());
        let mut accepted = Vec::new();
        for tx in txs {
            let admitted = match self.engine.app_mut().admit(&tx, now) {
                Ok(admitted) => admitted,
                Err(e) => {
                    results.push(SubmitResult::Refused(e.to_string()));
                    continue;
                }
            };
            match self.engine.submit(tx.clone(), now) {
                Ok(more) => {
                    effects.extend(more);
                    results.push(SubmitResult::Accepted(admitted.hash));
                    accepted.push(ByteBuf::from(tx));
                }
                Err(e) => results.push(SubmitResult::Refused(e.to_string())),
            }
        }
        if forward && !accepted.is_empty() {
            self.forward_to_leader(accepted);
        }
        (results, effects)
    }

    fn forward_to_leader(&self, txs: Vec<ByteBuf>) {
        let status = self.engine.status();
        if status.index == Some(status.leader) {
            return;
        }
        if let Some(key) = self.validators.get(status.leader as usize) {
            self.peers.send(
                key,
                Lane::Transactions,
                frame(&PeerFrame::Transactions(txs)),
            );
        }
    }

    fn carry_out(&mut self, effects: Vec<Effect>) -> Result<(), NodeError> {
        let mut records = Vec::new();
        for effect in effects {
            match effect {
                Effect::Persist(record @ Record::Committed { .. }) => {
                    self.write(&mut records)?;
                    let Record::Committed { height, .. } = record else {
                        unreachable!("matched a commit record above");
                    };
                    let writes = self
                        .engine
                        .app_mut()
                        .take_writes(height)
                        .unwrap_or_default();
                    self.store.commit_with_state(&record, &writes)?;
                }
                Effect::Persist(record) => records.push(record),
                other => {
                    self.write(&mut records)?;
                    self.act(other)?;
                }
            }
        }
        self.write(&mut records)
    }

    fn write(&mut self, records: &mut Vec<Record>) -> Result<(), NodeError> {
        if !records.is_empty() {
            self.store.write(records)?;
            records.clear();
        }
        Ok(())
    }

    fn act(&mut self, effect: Effect) -> Result<(), NodeError> {
        match effect {
            Effect::Send { to, message } => {
                if let Some(key) = self.validators.get(to as usize) {
                    let lane = lane_of(&message);
                    self.peers
                        .send(key, lane, frame(&PeerFrame::Message(message)));
                }
            }
            Effect::Broadcast(message) => {
                let lane = lane_of(&message);
                let frame = frame(&PeerFrame::Message(message));
                for key in self.validators.iter().filter(|k| **k != self.public_key) {
                    self.peers.send(key, lane, frame.clone());
                }
            }
            Effect::Committed(commit) => self.on_commit(commit),
            Effect::Halt { reason } => return Err(NodeError::Halted(reason)),
            Effect::Persist(_) => unreachable!("persist effects are written by carry_out"),
        }
        Ok(())
    }

    fn on_commit(&mut self, commit: Commit) {
        self.last_commit_ms = commit.timestamp_ms;
        self.state_root = commit.state_root;
        let notice = CommitNotice {
            height: commit.height,
            block_id: commit.block_id,
            timestamp_ms: commit.timestamp_ms,
            state_root: commit.state_root,
            tx_hashes: transaction_hashes(&commit.transactions),
        };
        // A watcher whose queue is full is too slow to follow; it is dropped.
        self.watchers.retain(|w| w.try_send(notice.clone()).is_ok());
        // Revocations only ever grow and the set changes only with the epoch, so the access
        // list is rebuilt only when one of them moved, not on every block.
        let revocations = self.engine.app().revoked_len();
        if revocations != self.revoked.len() || commit.epoch != self.epoch {
            self.refresh_access();
        }
    }

    /// Brings the access list in line with the ledger: current validators, revoked keys; cuts
    /// off connections of newly revoked keys.
    fn refresh_access(&mut self) {
        self.epoch = self.engine.status().epoch;
        let set = self.engine.validator_set();
        let infos: Vec<_> = (0..set.len())
            .filter_map(|i| set.info(i as _).cloned())
            .collect();
        self.validators = infos.iter().map(|v| v.public_key).collect();
        self.validator_names = infos.iter().map(|v| v.name.clone()).collect();
        let revoked: BTreeSet<[u8; 32]> = self.engine.app().revoked_keys().into_iter().collect();
        let newly: Vec<[u8; 32]> = revoked.difference(&self.revoked).copied().collect();
        {
            let mut access = self.access.write().unwrap_or_else(|p| p.into_inner());
            access.validators = infos
                .iter()
                .map(|v| (v.public_key, v.name.clone()))
                .collect();
            access.revoked = revoked.clone();
        }
        for key in &newly {
            tracing::warn!(key = %hex::encode(key), "revoked on the ledger; cutting off");
            self.peers.cut_off(key);
            let conns = self
                .inbound
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(key)
                .unwrap_or_default();
            for conn in conns {
                conn.close(quinn::VarInt::from_u32(2), b"revoked");
            }
        }
        self.revoked = revoked;
    }

    fn status(&self) -> NodeStatus {
        let status = self.engine.status();
        let name_of = |key: &[u8; 32]| {
            self.validators
                .iter()
                .position(|k| k == key)
                .and_then(|i| self.validator_names.get(i).cloned())
                .unwrap_or_else(|| hex::encode(&key[..4]))
        };
        NodeStatus {
            name: self.name.clone(),
            country: self.country.clone(),
            public_key: hex::encode(self.public_key),
            epoch: status.epoch,
            view: status.round,
            committed_height: status.committed_height,
            state_root: self.state_root,
            leader: self
                .validator_names
                .get(status.leader as usize)
                .cloned()
                .unwrap_or_default(),
            peers_connected: self.peers.connected().iter().map(name_of).collect(),
            validators: self.validators.len(),
            mempool_len: status.mempool_len,
            last_commit_ms: self.last_commit_ms,
            dropped_frames: self.peers.dropped_frames(),
            halted: status.halted,
        }
    }
}

fn lane_of(message: &Message) -> Lane {
    match message {
        Message::SyncRequest(_) | Message::SyncResponse(_) => Lane::Sync,
        _ => Lane::Consensus,
    }
}

fn frame(frame: &PeerFrame) -> Arc<[u8]> {
    wire::encode(frame).into()
}

/// A query's answer from committed state, as JSON; `None` when nothing matches (and for the
/// requests that are not queries, which [`Core::answer`] handles itself). Each query bounds its
/// answer on its own.
fn answer_query(view: &dyn StateView, request: Request) -> Option<serde_json::Value> {
    use ledger::query;
    match request {
        Request::Instrument { id } => to_json(query::instrument(view, &id)),
        Request::Anchor { fingerprint } => to_json(query::anchor(view, &fingerprint.0)),
        Request::History {
            id,
            after_seq,
            limit,
        } => to_json(Some(query::history(view, &id, after_seq, limit as usize))),
        Request::Outcome { tx } => to_json(query::outcome(view, &tx)),
        Request::InstrumentsOf {
            party,
            after,
            limit,
        } => to_json(Some(query::instruments_of(
            view,
            &party,
            after,
            limit as usize,
        ))),
        Request::DocumentUses { fingerprint } => {
            to_json(Some(query::document_uses(view, &fingerprint.0)))
        }
        Request::Participant { public_key } => to_json(query::participant(view, &public_key.0)),
        Request::Participants => to_json(Some(query::participants(view))),
        Request::Submit { .. }
        | Request::Status
        | Request::WatchCommits
        | Request::Blocks { .. } => None,
    }
}

fn to_json<T: serde::Serialize>(value: Option<T>) -> Option<serde_json::Value> {
    value.and_then(|v| serde_json::to_value(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::scenario::{demo_parties, party_specs, THIRD_BANK};
    use crate::ledger::Genesis;

    /// The application over the demo parties, and the third bank's key.
    fn app() -> (TradeApp, [u8; 32]) {
        let keys: Vec<ed25519_dalek::SigningKey> = (0..party_specs().len())
            .map(|i| ed25519_dalek::SigningKey::from_bytes(&[i as u8 + 90; 32]))
            .collect();
        let participants: Vec<_> = demo_parties(&keys)
            .into_iter()
            .map(|p| p.participant)
            .collect();
        let third = participants.iter().find(|p| p.org == THIRD_BANK).unwrap();
        let third = third.public_key;
        let app = TradeApp::new(&Genesis {
            chain_id: "core-tests".into(),
            validators: Vec::new(),
            participants,
        });
        (app, third)
    }

    #[test]
    fn the_gateway_queries_survive_the_wire_and_answer_json() {
        let (app, third) = app();
        let cases: Vec<(Request, Option<serde_json::Value>)> = vec![
            (
                Request::InstrumentsOf {
                    party: THIRD_BANK.into(),
                    after: Some(Digest::ZERO),
                    limit: 10,
                },
                Some(serde_json::json!([])),
            ),
            (
                Request::DocumentUses {
                    fingerprint: Digest::ZERO,
                },
                Some(serde_json::json!([])),
            ),
            (
                Request::Participant {
                    public_key: Digest::ZERO,
                },
                None,
            ),
            (Request::Status, None),
        ];
        for (request, expected) in cases {
            // The frame without its 4-byte length prefix.
            let back: Request = wire::decode(&wire::encode(&request)[4..]).unwrap();
            assert_eq!(back, request);
            assert_eq!(answer_query(&app, back), expected, "{request:?}");
        }
        let one = answer_query(
            &app,
            Request::Participant {
                public_key: Digest(third),
            },
        )
        .unwrap();
        assert_eq!(one["org"], THIRD_BANK);
        assert_eq!(one["revoked"], false);
        let all = answer_query(&app, Request::Participants).unwrap();
        assert_eq!(all.as_array().unwrap().len(), party_specs().len());
        assert!(all.as_array().unwrap().contains(&one));
    }
}
