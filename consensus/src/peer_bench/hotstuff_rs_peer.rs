//! The peer benchmark's harness for `hotstuff_rs` 0.4: its pluggable parts over the same kind of
//! in-memory network as our shell.
//!
//! `hotstuff_rs` runs each replica on threads of its own (algorithm, network poller, block sync
//! server, event bus) and asks the user for four parts, all provided here:
//! - [`ChannelNetwork`]: its `Network` trait over `mpsc` channels, one inbox per replica;
//!   `broadcast` includes the sender itself, because a `hotstuff_rs` leader votes for its own
//!   proposal when the proposal comes back to it through the network;
//! - [`MemKv`]: its `KVStore` trait over a `HashMap` behind a `RwLock`;
//! - [`BenchApp`]: its `App` trait. `hotstuff_rs` has no mempool, so the app keeps one
//!   ([`PeerMempool`]): a leader's `produce_block` takes up to [`BLOCK_TXS_MAX`] pending
//!   transactions that are not already in the (at most [`PENDING_ANCESTORS_MAX`]) uncommitted
//!   blocks it extends, and commits remove them. The app state is a hash chain over block data,
//!   the counterpart of our `HashChainApp`;
//! - an `on_commit_block` handler that records commits and prunes the mempool.
//!
//! What it deliberately does not do: change the validator set, or tune `hotstuff_rs` beyond
//! choosing a 1 s view time like our round timeout (see [`configuration`]).
//!
//! Invariants: `produce_block`, `validate_block` and `validate_block_for_sync` compute the same
//! app state update from the same block data, as `hotstuff_rs` requires of a deterministic app.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};
use std::time::{Duration, SystemTime};

use ed25519_dalek::{SigningKey, VerifyingKey};
use hotstuff_rs::app::{
    App, ProduceBlockRequest, ProduceBlockResponse, ValidateBlockRequest, ValidateBlockResponse,
};
use hotstuff_rs::block_tree::accessors::public::BlockTreeCamera;
use hotstuff_rs::block_tree::pluggables::{KVGet, KVStore, WriteBatch};
use hotstuff_rs::events::CommitBlockEvent;
use hotstuff_rs::networking::messages::Message;
use hotstuff_rs::networking::network::Network;
use hotstuff_rs::replica::{Configuration, Replica, ReplicaSpec};
use hotstuff_rs::types::data_types::{
    BufferSize, ChainID, CryptoHash, Data, Datum, EpochLength, Power,
};
use hotstuff_rs::types::update_sets::{AppStateUpdates, ValidatorSetUpdates};
use hotstuff_rs::types::validator_set::{ValidatorSet, ValidatorSetState};
use sha2::{Digest as _, Sha256};

use super::recorder::Recorder;
use super::{transaction_id, Cluster, Submit, BLOCK_TXS_MAX, TX_BYTES};

/// How many uncommitted ancestors a leader looks through for transactions already proposed.
/// `hotstuff_rs` commits a block once three blocks extend it, so three suffice on the happy
/// path; a missed older one at worst proposes a transaction twice, and it counts once.
const PENDING_ANCESTORS_MAX: usize = 3;

/// The app state key of the hash chain root.
const ROOT_KEY: &[u8] = b"peer-bench/root";

/// `hotstuff_rs` replicas, running.
pub(crate) struct HotstuffRsCluster {
    replicas: Vec<Option<Replica<MemKv>>>,
    mempools: Vec<Arc<Mutex<PeerMempool>>>,
}

/// Initializes and starts `n` replicas.
pub(crate) fn start(n: usize, recorder: Arc<Recorder>) -> HotstuffRsCluster {
    let keys: Vec<SigningKey> = (0..n).map(replica_key).collect();
    let mut validator_set = ValidatorSet::new();
    for key in &keys {
        validator_set.put(&key.verifying_key(), Power::new(1));
    }
    let networks = ChannelNetwork::connect(keys.iter().map(SigningKey::verifying_key));
    let mut replicas = Vec::with_capacity(n);
    let mut mempools = Vec::with_capacity(n);
    for (key, network) in keys.into_iter().zip(networks) {
        let kv = MemKv::default();
        let state =
            ValidatorSetState::new(validator_set.clone(), validator_set.clone(), None, true);
        let mut app_state = AppStateUpdates::new();
        app_state.insert(ROOT_KEY.to_vec(), vec![0; 32]);
        Replica::initialize(kv.clone(), app_state, state);
        let mempool = Arc::new(Mutex::new(PeerMempool::default()));
        let on_commit = commit_handler(
            BlockTreeCamera::new(kv.clone()),
            mempool.clone(),
            recorder.clone(),
        );
        let replica = ReplicaSpec::builder()
            .app(BenchApp {
                mempool: mempool.clone(),
            })
            .network(network)
            .kv_store(kv)
            .configuration(configuration(key))
            .on_commit_block(on_commit)
            .build()
            .start();
        replicas.push(Some(replica));
        mempools.push(mempool);
    }
    HotstuffRsCluster { replicas, mempools }
}

/// The replica configuration: a 1 s view time like our round timeout, and the epoch length and
/// block sync settings of `hotstuff_rs`'s own tests. Block sync is left slow on purpose: in
/// 0.4.0 it serves blocks with empty data (see [`payload_ids`]), a validating app rejects them,
/// and a replica in sync mode does not vote, so every sync attempt stalls the chain. (Advertising
/// every 1 s and triggering after 3 s stalled a 4-validator run with no validator down.)
/// `max_view_time` must be whole seconds: the pacemaker computes view deadlines from
/// `max_view_time.as_secs()`, so 500 ms would give every view no time at all.
fn configuration(key: SigningKey) -> Configuration {
    Configuration::builder()
        .me(key)
        .chain_id(ChainID::new(0))
        .block_sync_request_limit(64)
        .block_sync_server_advertise_time(Duration::from_secs(10))
        .block_sync_response_timeout(Duration::from_secs(3))
        .block_sync_blacklist_expiry_time(Duration::from_secs(10))
        .block_sync_trigger_min_view_difference(2)
        .block_sync_trigger_timeout(Duration::from_secs(60))
        .progress_msg_buffer_capacity(BufferSize::new(64 * 1024 * 1024))
        .epoch_length(EpochLength::new(50))
        .max_view_time(Duration::from_secs(1))
        .log_events(false)
        .build()
}

impl Cluster for HotstuffRsCluster {
    fn load_target(&self) -> Box<dyn Submit> {
        Box::new(HotstuffRsSubmit {
            mempools: self.mempools.clone(),
        })
    }

    fn stop(&mut self, index: usize) {
        lock(&self.mempools[index]).stopped = true;
        // Dropping a `Replica` is how `hotstuff_rs` stops one: it signals and joins its threads.
        drop(self.replicas[index].take());
    }

    fn shutdown(mut self: Box<Self>) {
        for index in 0..self.replicas.len() {
            self.stop(index);
        }
    }
}

struct HotstuffRsSubmit {
    mempools: Vec<Arc<Mutex<PeerMempool>>>,
}

impl Submit for HotstuffRsSubmit {
    fn submit(&mut self, tx: &[u8]) {
        let Some(id) = transaction_id(tx) else {
            return;
        };
        for mempool in &self.mempools {
            let mut mempool = lock(mempool);
            if !mempool.stopped {
                mempool.pending.insert(id, tx.to_vec());
            }
        }
    }
}

/// A deterministic key per replica (not the keys of our validators, to keep the runs apart).
fn replica_key(i: usize) -> SigningKey {
    let mut seed = [0xa5; 32];
    seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
    SigningKey::from_bytes(&seed)
}

/// Records a commit (at the time `hotstuff_rs` stamped the event, not when the event thread got
/// to it) and removes the committed transactions from this replica's mempool.
fn commit_handler(
    camera: BlockTreeCamera<MemKv>,
    mempool: Arc<Mutex<PeerMempool>>,
    recorder: Arc<Recorder>,
) -> impl Fn(&CommitBlockEvent) + Send + 'static {
    move |event: &CommitBlockEvent| {
        let age_us = SystemTime::now()
            .duration_since(event.timestamp)
            .map_or(0, |age| age.as_micros() as u64);
        let at_us = recorder.now_us().saturating_sub(age_us);
        // Read the height and the one datum directly: `KVGet::block` (through `block_data`)
        // returns every block with empty data in hotstuff_rs 0.4.0, see [`payload_ids`].
        let snapshot = camera.snapshot();
        let Ok(Some(height)) = snapshot.block_height(&event.block) else {
            tracing::warn!(block = %event.block, "hotstuff_rs committed a block its store lacks");
            return;
        };
        let ids = payload_ids(snapshot.block_datum(&event.block, 0).as_ref());
        drop(snapshot);
        let mut pool = lock(&mempool);
        for id in &ids {
            pool.pending.remove(id);
        }
        drop(pool);
        recorder.on_block(height.int(), ids, at_us);
    }
}

/// Pending transactions of one replica, by id (the order they were submitted in).
#[derive(Debug, Default)]
struct PeerMempool {
    pending: BTreeMap<u64, Vec<u8>>,
    /// The replica was stopped: the load thread no longer feeds it.
    stopped: bool,
}

fn lock(mempool: &Mutex<PeerMempool>) -> MutexGuard<'_, PeerMempool> {
    // A poisoned lock means a replica thread panicked; the pool itself is still consistent
    // (every update is a single insert or remove).
    mempool
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The replicated application: a hash chain over block data, fed from [`PeerMempool`].
struct BenchApp {
    mempool: Arc<Mutex<PeerMempool>>,
}

impl App<MemKv> for BenchApp {
    fn produce_block(&mut self, request: ProduceBlockRequest<MemKv>) -> ProduceBlockResponse {
        let proposed = proposed_ids(&request);
        let payload: Vec<u8> = lock(&self.mempool)
            .pending
            .iter()
            .filter(|(id, _)| !proposed.contains(id))
            .take(BLOCK_TXS_MAX)
            .flat_map(|(_, tx)| tx.iter().copied())
            .collect();
        let data_hash = payload_hash(&payload);
        let root = request.block_tree().app_state(ROOT_KEY).unwrap_or_default();
        ProduceBlockResponse {
            data_hash,
            data: Data::new(vec![Datum::new(payload)]),
            app_state_updates: Some(root_update(&root, &data_hash)),
            validator_set_updates: None,
        }
    }

    fn validate_block(&mut self, request: ValidateBlockRequest<MemKv>) -> ValidateBlockResponse {
        self.validate_block_for_sync(request)
    }

    fn validate_block_for_sync(
        &mut self,
        request: ValidateBlockRequest<MemKv>,
    ) -> ValidateBlockResponse {
        let block = request.proposed_block();
        let [datum] = block.data.vec().as_slice() else {
            return ValidateBlockResponse::Invalid;
        };
        let payload = datum.bytes();
        let data_hash = payload_hash(payload);
        if payload.len() % TX_BYTES != 0 || data_hash != block.data_hash {
            return ValidateBlockResponse::Invalid;
        }
        let root = request.block_tree().app_state(ROOT_KEY).unwrap_or_default();
        ValidateBlockResponse::Valid {
            app_state_updates: Some(root_update(&root, &data_hash)),
            validator_set_updates: None,
        }
    }
}

/// Ids of the transactions in the uncommitted blocks the new block will extend.
fn proposed_ids(request: &ProduceBlockRequest<MemKv>) -> BTreeSet<u64> {
    let view = request.block_tree();
    let mut ids = BTreeSet::new();
    let mut cursor = request.parent_block();
    for _ in 0..PENDING_ANCESTORS_MAX {
        let Some(hash) = cursor else { break };
        let Ok(justify) = view.block_justify(&hash) else {
            break;
        };
        ids.extend(payload_ids(view.block_datum(&hash, 0).as_ref()));
        cursor = Some(justify.block);
    }
    ids
}

/// Ids of the transactions in a block's one datum (concatenated transactions).
///
/// Blocks are read datum by datum because `KVGet::block_data` in hotstuff_rs 0.4.0 drains its
/// iterator with `find` (checking that no datum is missing) and then collects the same, now
/// empty, iterator: every block read back from a store has empty data.
fn payload_ids(datum: Option<&Datum>) -> Vec<u64> {
    datum.map_or_else(Vec::new, |datum| {
        datum
            .bytes()
            .chunks(TX_BYTES)
            .filter_map(transaction_id)
            .collect()
    })
}

fn payload_hash(payload: &[u8]) -> CryptoHash {
    CryptoHash::new(Sha256::digest(payload).into())
}

/// root(b) = H(root(parent), data_hash(b)): the counterpart of our `HashChainApp`.
fn root_update(root: &[u8], data_hash: &CryptoHash) -> AppStateUpdates {
    let mut hasher = Sha256::new();
    hasher.update(b"peer-bench/hash-chain/v1");
    hasher.update(root);
    hasher.update(data_hash.bytes());
    let mut updates = AppStateUpdates::new();
    updates.insert(ROOT_KEY.to_vec(), hasher.finalize().to_vec());
    updates
}

/// A message as it travels: who sent it, and what.
type Envelope = (VerifyingKey, Message);

/// `hotstuff_rs`'s `Network` over `mpsc` channels: a fixed set of peers, one inbox each.
#[derive(Clone)]
struct ChannelNetwork {
    me: VerifyingKey,
    peers: Arc<Vec<(VerifyingKey, Sender<Envelope>)>>,
    inbox: Arc<Mutex<Receiver<Envelope>>>,
}

impl ChannelNetwork {
    /// One connected network handle per key, in the order given.
    fn connect(keys: impl Iterator<Item = VerifyingKey>) -> Vec<ChannelNetwork> {
        let (peers, inboxes): (Vec<_>, Vec<_>) = keys
            .map(|key| {
                let (sender, inbox) = mpsc::channel();
                ((key, sender), (key, inbox))
            })
            .unzip();
        let peers = Arc::new(peers);
        inboxes
            .into_iter()
            .map(|(me, inbox)| ChannelNetwork {
                me,
                peers: peers.clone(),
                inbox: Arc::new(Mutex::new(inbox)),
            })
            .collect()
    }
}

impl Network for ChannelNetwork {
    /// The peers are fixed at [`ChannelNetwork::connect`]; the bench never changes the set.
    fn init_validator_set(&mut self, _: ValidatorSet) {}

    fn update_validator_set(&mut self, _: ValidatorSetUpdates) {}

    fn broadcast(&mut self, message: Message) {
        for (_, peer) in self.peers.iter() {
            // A stopped replica's inbox is closed; the message is lost, as on a network.
            let _ = peer.send((self.me, message.clone()));
        }
    }

    fn send(&mut self, peer: VerifyingKey, message: Message) {
        if let Some((_, sender)) = self.peers.iter().find(|(key, _)| *key == peer) {
            let _ = sender.send((self.me, message));
        }
    }

    /// Must not block, by the trait's contract: `hotstuff_rs`'s poller thread calls it in a loop.
    fn recv(&mut self) -> Option<Envelope> {
        let inbox = self
            .inbox
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        inbox.try_recv().ok()
    }
}

/// `hotstuff_rs`'s `KVStore` in memory. Clones share the map.
#[derive(Clone, Default)]
struct MemKv(Arc<RwLock<HashMap<Vec<u8>, Vec<u8>>>>);

impl MemKv {
    fn read(&self) -> RwLockReadGuard<'_, HashMap<Vec<u8>, Vec<u8>>> {
        // Writers apply a batch in one go; a panic in one leaves the map usable for reading.
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl KVGet for MemKv {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.read().get(key).cloned()
    }
}

impl KVStore for MemKv {
    type WriteBatch = MemBatch;
    type Snapshot<'a> = MemSnapshot<'a>;

    fn write(&mut self, batch: MemBatch) {
        let mut map = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for (key, value) in batch.0 {
            match value {
                Some(value) => map.insert(key, value),
                None => map.remove(&key),
            };
        }
    }

    fn clear(&mut self) {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    fn snapshot(&self) -> MemSnapshot<'_> {
        MemSnapshot(self.read())
    }
}

/// A consistent view: holds the read lock, so no batch is applied while it lives.
struct MemSnapshot<'a>(RwLockReadGuard<'a, HashMap<Vec<u8>, Vec<u8>>>);

impl KVGet for MemSnapshot<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.get(key).cloned()
    }
}

/// Writes in the order made (`None`: delete), so a later write to a key wins.
struct MemBatch(Vec<(Vec<u8>, Option<Vec<u8>>)>);

impl WriteBatch for MemBatch {
    fn new() -> Self {
        MemBatch(Vec::new())
    }

    fn set(&mut self, key: &[u8], value: &[u8]) {
        self.0.push((key.to_vec(), Some(value.to_vec())));
    }

    fn delete(&mut self, key: &[u8]) {
        self.0.push((key.to_vec(), None));
    }
}
