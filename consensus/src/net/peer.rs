//! Validator-to-validator links: outgoing connections with reconnect and bounded lanes, and the
//! reading side of incoming connections.
//!
//! Each node dials every other validator and keeps that connection for what it sends; what it
//! receives arrives on the connections the others dialed. So there is no tie-breaking between
//! two connections of one pair, and a reconnect concerns one direction only. A dialed peer
//! must present the certificate of the validator key it was dialed for.
//!
//! Invariants: a lane's queue holds at most `send_queue_len_max` frames, and a frame that does
//! not fit is dropped and counted, never waited for (the engine's thread must not block on the
//! network); the backoff between attempts doubles up to its maximum; inbound frames are
//! handed to the node through its bounded inbox, waiting while it is full, so a slow node slows
//! its peers' streams (QUIC flow control) instead of growing a queue.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::wire::{self, WireError};
use super::{connection_participant, read_access, Access, PeerFrame, TransportConfig};
use crate::identity::SERVER_NAME;

/// The three streams of a peer connection, in priority order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Consensus = 0,
    Transactions = 1,
    Sync = 2,
}

const LANES: [Lane; 3] = [Lane::Consensus, Lane::Transactions, Lane::Sync];

/// A peer frame as received, with the key of the validator that sent it.
#[derive(Debug)]
pub struct Received {
    pub from: [u8; 32],
    pub frame: PeerFrame,
}

/// Where received frames go: the node's bounded inbox.
pub type Deliver = Arc<dyn Fn(Received) -> DeliverFuture + Send + Sync>;
pub type DeliverFuture = std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>;

/// A validator to dial.
#[derive(Clone, Debug)]
pub struct PeerAddress {
    pub public_key: [u8; 32],
    pub name: String,
    pub address: SocketAddr,
}

/// The sending side of the transport.
#[derive(Debug)]
pub struct Peers {
    links: BTreeMap<[u8; 32], Link>,
    connected: Arc<Mutex<BTreeMap<[u8; 32], quinn::Connection>>>,
    dropped_frames: Arc<AtomicU64>,
}

#[derive(Debug)]
struct Link {
    lanes: [mpsc::Sender<Arc<[u8]>>; 3],
    task: tokio::task::JoinHandle<()>,
}

impl Peers {
    /// Starts dialing every peer (on the current tokio runtime).
    pub fn start(
        endpoint: quinn::Endpoint,
        client: quinn::ClientConfig,
        peers: Vec<PeerAddress>,
        access: Access,
        config: &TransportConfig,
    ) -> Peers {
        let connected = Arc::new(Mutex::new(BTreeMap::new()));
        let mut links = BTreeMap::new();
        for peer in peers {
            let (senders, receivers): (Vec<_>, Vec<_>) = LANES
                .iter()
                .map(|_| mpsc::channel(config.send_queue_len_max))
                .unzip();
            let dialer = Dialer {
                endpoint: endpoint.clone(),
                client: client.clone(),
                peer: peer.clone(),
                access: access.clone(),
                connected: connected.clone(),
                backoff_min_ms: config.reconnect_backoff_min_ms,
                backoff_max_ms: config.reconnect_backoff_max_ms,
            };
            let task = tokio::spawn(dialer.run(receivers));
            let lanes: [mpsc::Sender<Arc<[u8]>>; 3] = senders
                .try_into()
                .unwrap_or_else(|_| unreachable!("one sender per lane"));
            links.insert(peer.public_key, Link { lanes, task });
        }
        Peers {
            links,
            connected,
            dropped_frames: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Queues an encoded frame for `to`; false when the peer is unknown or its lane is full.
    pub fn send(&self, to: &[u8; 32], lane: Lane, frame: Arc<[u8]>) -> bool {
        let sent = self
            .links
            .get(to)
            .is_some_and(|link| link.lanes[lane as usize].try_send(frame).is_ok());
        if !sent {
            self.dropped_frames.fetch_add(1, Ordering::Relaxed);
        }
        sent
    }

    /// Keys of the peers this node's outgoing connections currently reach.
    pub fn connected(&self) -> Vec<[u8; 32]> {
        lock(&self.connected).keys().copied().collect()
    }

    /// Round-trip times of the live outgoing connections, in milliseconds.
    pub fn rtt_ms(&self) -> BTreeMap<[u8; 32], u64> {
        lock(&self.connected)
            .iter()
            .map(|(key, conn)| (*key, conn.rtt().as_millis() as u64))
            .collect()
    }

    pub fn dropped_frames(&self) -> u64 {
        self.dropped_frames.load(Ordering::Relaxed)
    }

    /// Closes the outgoing connection to `key` (it was revoked); the dialer will not reconnect
    /// while the access list refuses it.
    pub fn cut_off(&self, key: &[u8; 32]) {
        if let Some(conn) = lock(&self.connected).remove(key) {
            conn.close(quinn::VarInt::from_u32(2), b"revoked");
        }
    }
}

impl Drop for Peers {
    fn drop(&mut self) {
        for link in self.links.values() {
            link.task.abort();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking holder leaves the map itself consistent (single inserts and removes).
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One peer's outgoing side: connect, write the lanes, reconnect.
struct Dialer {
    endpoint: quinn::Endpoint,
    client: quinn::ClientConfig,
    peer: PeerAddress,
    access: Access,
    connected: Arc<Mutex<BTreeMap<[u8; 32], quinn::Connection>>>,
    backoff_min_ms: u64,
    backoff_max_ms: u64,
}

type LaneReceiver = Arc<tokio::sync::Mutex<mpsc::Receiver<Arc<[u8]>>>>;

impl Dialer {
    async fn run(self, receivers: Vec<mpsc::Receiver<Arc<[u8]>>>) {
        let receivers: Vec<LaneReceiver> = receivers
            .into_iter()
            .map(|r| Arc::new(tokio::sync::Mutex::new(r)))
            .collect();
        let mut backoff_ms = self.backoff_min_ms;
        loop {
            match self.connect().await {
                Ok(conn) => {
                    backoff_ms = self.backoff_min_ms;
                    self.serve(conn, &receivers).await;
                }
                Err(reason) => {
                    tracing::debug!(peer = %self.peer.name, %reason, "connect failed");
                    backoff_ms = (backoff_ms * 2).min(self.backoff_max_ms);
                }
            }
            tokio::time::sleep(Duration::from_millis(backoff_ms)).await;
        }
    }

    async fn connect(&self) -> Result<quinn::Connection, String> {
        read_access(&self.access).admits_peer(&self.peer.public_key)?;
        let connecting = self
            .endpoint
            .connect_with(self.client.clone(), self.peer.address, SERVER_NAME)
            .map_err(|e| e.to_string())?;
        let conn = connecting.await.map_err(|e| e.to_string())?;
        let participant = connection_participant(&conn).ok_or("peer sent no certificate")?;
        if participant.public_key != self.peer.public_key {
            conn.close(quinn::VarInt::from_u32(1), b"unexpected validator key");
            return Err(format!(
                "peer at {} presented the key of '{}', not of '{}'",
                self.peer.address, participant.name, self.peer.name
            ));
        }
        Ok(conn)
    }

    /// Writes the lanes until the connection fails.
    async fn serve(&self, conn: quinn::Connection, receivers: &[LaneReceiver]) {
        lock(&self.connected).insert(self.peer.public_key, conn.clone());
        tracing::info!(peer = %self.peer.name, "connected");
        let mut writers = tokio::task::JoinSet::new();
        for (lane, receiver) in LANES.iter().zip(receivers) {
            let Ok(stream) = conn.open_uni().await else {
                break;
            };
            // Lower numbers are sent first: votes and proposals before transactions and sync.
            let _ = stream.set_priority(-(*lane as i32));
            writers.spawn(write_lane(stream, receiver.clone()));
        }
        tokio::select! {
            _ = conn.closed() => {}
            _ = writers.join_next() => conn.close(quinn::VarInt::from_u32(0), b"lane closed"),
        }
        writers.abort_all();
        lock(&self.connected).remove(&self.peer.public_key);
        tracing::info!(peer = %self.peer.name, "disconnected");
    }
}

async fn write_lane(mut stream: quinn::SendStream, receiver: LaneReceiver) -> WireError {
    let mut receiver = receiver.lock().await;
    while let Some(frame) = receiver.recv().await {
        if let Err(e) = wire::write_frame(&mut stream, &frame).await {
            return e;
        }
    }
    WireError::Write("lane queue closed".into())
}

/// Reads an incoming peer connection's streams until it closes. The caller has checked the
/// peer's key against the access list.
pub async fn serve_incoming(
    conn: quinn::Connection,
    from: [u8; 32],
    deliver: Deliver,
    frame_bytes_max: usize,
) {
    let mut readers = tokio::task::JoinSet::new();
    while let Ok(stream) = conn.accept_uni().await {
        readers.spawn(read_lane(stream, from, deliver.clone(), frame_bytes_max));
    }
    readers.abort_all();
}

async fn read_lane(
    mut stream: quinn::RecvStream,
    from: [u8; 32],
    deliver: Deliver,
    frame_bytes_max: usize,
) {
    loop {
        let body = match wire::read_frame(&mut stream, frame_bytes_max).await {
            Ok(Some(body)) => body,
            Ok(None) => return,
            Err(e) => {
                tracing::debug!(error = %e, "peer stream ended");
                return;
            }
        };
        match wire::decode::<PeerFrame>(&body) {
            Ok(frame) => {
                if !deliver(Received { from, frame }).await {
                    return;
                }
            }
            Err(e) => tracing::warn!(peer = %hex::encode(&from[..4]), error = %e, "bad frame"),
        }
    }
}
