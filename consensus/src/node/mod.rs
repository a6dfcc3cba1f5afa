//! The validator node: the engine, the sled store, the ledger application and the QUIC
//! transport, put together and run.
//!
//! Threads: one *core* thread owns the [`Engine`], the store and the application; it waits on
//! a bounded inbox until the engine's next deadline, feeds it what arrived, and carries out the
//! effects in order (see [`core`]). The tokio runtime does the networking: dialing peers,
//! accepting connections, reading frames, serving clients, and hands everything to the core
//! through the inbox. The core never awaits the network: sends go into bounded per-peer lanes.
//!
//! Invariants: a record the engine asks to persist is written (and, for safety, commit and
//! epoch records, flushed) before any later effect is carried out, so no vote or timeout
//! leaves before the safety record that allows it is on disk; a store write that fails stops
//! the node with an error (fail-stop); a restarted node resumes from its store.
//!
//! What it deliberately does not do: read configuration files (the `silkway` binary loads
//! them and hands over a [`NodeSetup`]), or install logging.

mod core;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{mpsc as std_mpsc, Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

use crate::engine::{Config, Engine};
use crate::identity::{self, AdmissionPolicy, TlsIdentity, TrustAnchors};
use crate::ledger::{Genesis, TradeApp};
use crate::net::client::{self, ClientCall, Dispatch};
use crate::net::peer::{self, Deliver, PeerAddress, Peers, Received};
use crate::net::{
    connection_alpn, connection_participant, read_access, Access, AccessList, TransportConfig,
    CLIENT_ALPN, PEER_ALPN,
};
use crate::store::{RecordStore, SledStore};
use crate::types::Millis;

/// One validator's configuration (the `silkway node --config` file, parsed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// A name for logs and status, e.g. "kz-validator-1".
    pub name: String,
    /// The UDP address the node's QUIC endpoint binds.
    pub listen: SocketAddr,
    /// Where the sled store lives.
    pub data_dir: PathBuf,
    /// The validator's Ed25519 key (PKCS#8 PEM): its consensus key and its TLS key.
    pub key_file: PathBuf,
    /// The validator's certificate (PEM), issued by its country's consortium CA for that key.
    pub certificate_file: PathBuf,
    /// The chain's genesis (JSON): chain id, validators, first participants.
    pub genesis_file: PathBuf,
    /// The consortium roots (PEM), one per country.
    pub trust_roots: Vec<PathBuf>,
    /// Where the other validators listen.
    #[serde(default)]
    pub peers: Vec<PeerConfig>,
    #[serde(default)]
    pub consensus: ConsensusSettings,
    #[serde(default)]
    pub transport: TransportConfig,
}

/// A validator to dial.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    pub name: String,
    /// The validator's Ed25519 key, hex.
    pub public_key: String,
    pub address: SocketAddr,
}

/// Engine and node bounds; the defaults suit a consortium on one continent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsensusSettings {
    pub round_timeout_ms: Millis,
    pub round_timeout_max_ms: Millis,
    pub empty_block_interval_ms: Millis,
    pub clock_skew_max_ms: Millis,
    pub block_txs_max: usize,
    pub mempool_txs_max: usize,
    pub mempool_bytes_max: usize,
    /// Events (peer frames, client calls) waiting for the core thread.
    pub inbox_len_max: usize,
    /// Blocks served per sync request.
    pub sync_blocks_max: usize,
}

impl Default for ConsensusSettings {
    fn default() -> Self {
        let engine = Config::default();
        ConsensusSettings {
            round_timeout_ms: engine.round_timeout_ms,
            round_timeout_max_ms: engine.round_timeout_max_ms,
            empty_block_interval_ms: engine.empty_block_interval_ms,
            clock_skew_max_ms: engine.clock_skew_max_ms,
            block_txs_max: engine.block_txs_max,
            mempool_txs_max: engine.mempool_txs_max,
            mempool_bytes_max: engine.mempool_bytes_max,
            inbox_len_max: 4096,
            sync_blocks_max: 4,
        }
    }
}

impl ConsensusSettings {
    fn engine_config(&self) -> Config {
        Config {
            round_timeout_ms: self.round_timeout_ms,
            round_timeout_max_ms: self.round_timeout_max_ms,
            empty_block_interval_ms: self.empty_block_interval_ms,
            clock_skew_max_ms: self.clock_skew_max_ms,
            block_txs_max: self.block_txs_max,
            mempool_txs_max: self.mempool_txs_max,
            mempool_bytes_max: self.mempool_bytes_max,
            ..Config::default()
        }
    }
}

/// Everything a node needs, loaded.
#[derive(Debug)]
pub struct NodeSetup {
    pub config: NodeConfig,
    pub key: SigningKey,
    pub certificate_pem: String,
    pub genesis: Genesis,
    pub trust_roots_pem: Vec<String>,
}

/// Why a node stopped.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("store: {0}; stopping rather than going on without it")]
    Store(#[from] crate::store::StoreError),
    #[error("identity: {0}")]
    Identity(#[from] identity::IdentityError),
    #[error("cannot start the engine: {0}")]
    Start(#[from] crate::engine::StartError),
    #[error("cannot listen on {address}: {reason}")]
    Listen { address: SocketAddr, reason: String },
    #[error("config key 'peers[{index}].public_key': {reason}")]
    PeerKey { index: usize, reason: String },
    #[error("the engine halted: {0}")]
    Halted(String),
}

/// Milliseconds since the Unix epoch: the engine's clock.
pub fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

/// Seconds since the Unix epoch: the clock certificates are checked against.
pub fn now_unix_s() -> i64 {
    (now_ms() / 1000) as i64
}

impl crate::ledger::StateView for SledStore {
    fn state(&self, key: &[u8]) -> Option<Vec<u8>> {
        // A read error of committed state is answered as "not found" and logged; the node's
        // writes, which would fail the same way, stop it.
        SledStore::state(self, key).unwrap_or_else(|e| {
            tracing::error!(error = %e, "state read failed");
            None
        })
    }

    fn state_scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Vec<(Vec<u8>, Vec<u8>)> {
        SledStore::state_scan(self, prefix, after, limit).unwrap_or_else(|e| {
            tracing::error!(error = %e, "state scan failed");
            Vec::new()
        })
    }
}

/// Connections accepted from peers, by key, so a revoked peer can be cut off.
type Inbound = Arc<Mutex<BTreeMap<[u8; 32], Vec<quinn::Connection>>>>;

/// Runs a validator until `shutdown` resolves or the node must stop. Call inside a tokio
/// multi-thread runtime.
pub async fn run(
    setup: NodeSetup,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), NodeError> {
    let config = setup.config.clone();
    let store = SledStore::open(&config.data_dir)?;
    let app = TradeApp::new(&setup.genesis);
    let engine_config = config.consensus.engine_config();
    let now = now_ms();
    let (engine, effects) = match store.recovery()? {
        None => Engine::start(
            engine_config,
            setup.key.clone(),
            setup.genesis.validators.clone(),
            app,
            now,
        )?,
        Some(recovery) => {
            let height = recovery.committed.last().map_or(0, |b| b.height);
            let (mut engine, effects) =
                Engine::recover(engine_config, setup.key.clone(), recovery, app, now)?;
            // What replay produced is already on disk.
            for h in 0..=height {
                engine.app_mut().take_writes(h);
            }
            (engine, effects)
        }
    };

    let access: Access = Arc::new(RwLock::new(AccessList::default()));
    let anchors = Arc::new(TrustAnchors::from_pems(
        &setup
            .trust_roots_pem
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )?);
    let tls = TlsIdentity::from_pem(&setup.certificate_pem, &setup.key)?;
    let policy: AdmissionPolicy = {
        let access = access.clone();
        Arc::new(move |p: &identity::Participant| read_access(&access).admits(&p.public_key))
    };
    let mut server = identity::server_config(&tls, anchors.clone(), policy.clone(), now_unix_s)?;
    server.alpn_protocols = vec![PEER_ALPN.to_vec(), CLIENT_ALPN.to_vec()];
    let mut client = identity::client_config(&tls, anchors, policy, now_unix_s)?;
    client.alpn_protocols = vec![PEER_ALPN.to_vec()];
    let transport = config.transport.quinn();
    let endpoint = bind(&config, server, &transport)?;
    let mut client = crate::net::quinn_client(client)?;
    client.transport_config(transport);

    let peers = peer_addresses(&config)?;
    let peers = Arc::new(Peers::start(
        endpoint.clone(),
        client,
        peers,
        access.clone(),
        &config.transport,
    ));
    let (inbox, receiver) = std_mpsc::sync_channel(config.consensus.inbox_len_max);
    let inbound: Inbound = Arc::default();
    let accept = tokio::spawn(accept_loop(
        endpoint.clone(),
        access.clone(),
        inbound.clone(),
        inbox.clone(),
        config.transport.frame_bytes_max,
    ));

    let core = core::Core::new(
        &config,
        engine,
        store,
        peers.clone(),
        access,
        inbound,
        setup.key.verifying_key().to_bytes(),
    );
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let thread = std::thread::Builder::new()
        .name("silkway-core".into())
        .spawn(move || {
            let result = core.run(effects, receiver);
            let _ = done_tx.send(());
            result
        })
        .map_err(|e| NodeError::Halted(format!("cannot start the core thread: {e}")))?;
    tokio::select! {
        _ = shutdown => { let _ = inbox.try_send(core::Event::Shutdown); }
        _ = done_rx => {}
    }
    // Wait for the core without blocking the runtime.
    let result = tokio::task::spawn_blocking(move || thread.join())
        .await
        .map_err(|e| NodeError::Halted(e.to_string()))?
        .map_err(|_| NodeError::Halted("the core thread panicked".into()))?;
    accept.abort();
    endpoint.close(quinn::VarInt::from_u32(0), b"shutting down");
    let _ = tokio::time::timeout(Duration::from_secs(2), endpoint.wait_idle()).await;
    result
}

fn bind(
    config: &NodeConfig,
    server: rustls::ServerConfig,
    transport: &Arc<quinn::TransportConfig>,
) -> Result<quinn::Endpoint, NodeError> {
    let fail = |reason: String| NodeError::Listen {
        address: config.listen,
        reason,
    };
    let crypto = quinn::crypto::rustls::QuicServerConfig::try_from(server)
        .map_err(|e| fail(e.to_string()))?;
    let mut server = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    server.transport_config(transport.clone());
    quinn::Endpoint::server(server, config.listen).map_err(|e| fail(e.to_string()))
}

fn peer_addresses(config: &NodeConfig) -> Result<Vec<PeerAddress>, NodeError> {
    config
        .peers
        .iter()
        .enumerate()
        .map(|(index, peer)| {
            let public_key = hex::decode(&peer.public_key)
                .ok()
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .ok_or_else(|| NodeError::PeerKey {
                    index,
                    reason: "expected 64 hex digits (an Ed25519 public key)".into(),
                })?;
            Ok(PeerAddress {
                public_key,
                name: peer.name.clone(),
                address: peer.address,
            })
        })
        .collect()
}

/// Hands an event to the core, waiting while its inbox is full; false once the core is gone.
async fn deliver(inbox: &std_mpsc::SyncSender<core::Event>, mut event: core::Event) -> bool {
    loop {
        match inbox.try_send(event) {
            Ok(()) => return true,
            Err(std_mpsc::TrySendError::Full(back)) => {
                event = back;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Err(std_mpsc::TrySendError::Disconnected(_)) => return false,
        }
    }
}

async fn accept_loop(
    endpoint: quinn::Endpoint,
    access: Access,
    inbound: Inbound,
    inbox: std_mpsc::SyncSender<core::Event>,
    frame_bytes_max: usize,
) {
    let peer_deliver: Deliver = {
        let inbox = inbox.clone();
        Arc::new(move |received: Received| {
            let inbox = inbox.clone();
            Box::pin(async move { deliver(&inbox, core::Event::Peer(received)).await })
        })
    };
    let dispatch: Dispatch = Arc::new(move |call: ClientCall| {
        let inbox = inbox.clone();
        Box::pin(async move { deliver(&inbox, core::Event::Client(call)).await })
    });
    while let Some(incoming) = endpoint.accept().await {
        let (access, inbound) = (access.clone(), inbound.clone());
        let (peer_deliver, dispatch) = (peer_deliver.clone(), dispatch.clone());
        tokio::spawn(async move {
            let Ok(conn) = incoming.await else { return };
            let Some(participant) = connection_participant(&conn) else {
                return;
            };
            let key = participant.public_key;
            match connection_alpn(&conn).as_deref() {
                Some(PEER_ALPN) => {
                    if let Err(reason) = read_access(&access).admits_peer(&key) {
                        tracing::warn!(peer = %participant.name, %reason, "peer refused");
                        conn.close(quinn::VarInt::from_u32(3), reason.as_bytes());
                        return;
                    }
                    register(&inbound, key, &conn);
                    peer::serve_incoming(conn.clone(), key, peer_deliver, frame_bytes_max).await;
                    unregister(&inbound, &key, &conn);
                }
                Some(CLIENT_ALPN) => client::serve(conn, dispatch, frame_bytes_max).await,
                _ => conn.close(quinn::VarInt::from_u32(4), b"unknown protocol"),
            }
        });
    }
}

fn register(inbound: &Inbound, key: [u8; 32], conn: &quinn::Connection) {
    let mut map = inbound.lock().unwrap_or_else(|p| p.into_inner());
    map.entry(key).or_default().push(conn.clone());
}

fn unregister(inbound: &Inbound, key: &[u8; 32], conn: &quinn::Connection) {
    let mut map = inbound.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(conns) = map.get_mut(key) {
        conns.retain(|c| c.stable_id() != conn.stable_id());
        if conns.is_empty() {
            map.remove(key);
        }
    }
}
