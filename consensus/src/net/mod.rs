//! The QUIC shell between validators, and between a node and its clients.
//!
//! One `quinn` endpoint per node serves two application protocols, told apart by ALPN:
//! - [`PEER_ALPN`], validator to validator ([`peer`]): each node dials every other validator
//!   and sends on its own outgoing connection, in three lanes — consensus messages, forwarded
//!   transactions, block sync — each on its own QUIC stream, so that a large sync response
//!   cannot hold up a vote. Each lane has a bounded queue; a full queue drops the newest frame
//!   and counts it (consensus tolerates loss; sync asks again).
//! - [`CLIENT_ALPN`], for a participant's tools ([`client`]): submit transactions, read the
//!   node's status, query committed state, watch commits.
//!
//! Both sides of every connection authenticate with consortium certificates (mutual TLS; see
//! [`crate::identity`]). The handshake refuses a certificate that does not chain to a
//! consortium root or whose key is revoked on the ledger; after it, a peer connection is kept
//! only if its key belongs to a validator of the current set. [`Access`] holds what those
//! checks need and is updated by the node as the ledger commits.
//!
//! What this module deliberately does not do: interpret messages (the engine does), or decide
//! anything about the ledger. Frames are length-prefixed CBOR ([`wire`]).

pub mod client;
pub mod peer;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

use crate::participant::Participant;
use crate::types::Message;

/// The ALPN of validator-to-validator connections.
pub const PEER_ALPN: &[u8] = b"silkway-peer/1";
/// The ALPN of client connections.
pub const CLIENT_ALPN: &[u8] = b"silkway-client/1";

/// What one peer frame carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)] // frames are built once and sent
pub enum PeerFrame {
    Message(Message),
    /// Transactions a validator admitted and forwards to the leader.
    Transactions(Vec<serde_bytes::ByteBuf>),
}

/// Who may connect: the validators of the current set and the revoked keys.
#[derive(Clone, Debug, Default)]
pub struct AccessList {
    /// Validator keys of the current epoch, with their names.
    pub validators: BTreeMap<[u8; 32], String>,
    pub revoked: BTreeSet<[u8; 32]>,
}

/// The access list, shared between the node (which updates it) and the transport.
pub type Access = Arc<RwLock<AccessList>>;

impl AccessList {
    /// Whether a participant may hold a peer connection.
    pub fn admits_peer(&self, key: &[u8; 32]) -> Result<(), String> {
        self.admits(key)?;
        if self.validators.contains_key(key) {
            Ok(())
        } else {
            Err("not a validator of the current set".into())
        }
    }

    /// Whether a participant may connect at all.
    pub fn admits(&self, key: &[u8; 32]) -> Result<(), String> {
        if self.revoked.contains(key) {
            Err("certificate key is revoked on the ledger".into())
        } else {
            Ok(())
        }
    }
}

/// Reads the access list; a poisoned lock still holds a consistent list (writers replace
/// whole fields), so it is used as it is.
pub fn read_access(access: &Access) -> std::sync::RwLockReadGuard<'_, AccessList> {
    access
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The participant a connection's handshake authenticated.
pub fn connection_participant(connection: &quinn::Connection) -> Option<Participant> {
    let certs = connection
        .peer_identity()?
        .downcast::<Vec<rustls_pki_types::CertificateDer<'static>>>()
        .ok()?;
    crate::identity::peer_participant(certs.first()?.as_ref()).ok()
}

/// The application protocol a connection negotiated.
pub fn connection_alpn(connection: &quinn::Connection) -> Option<Vec<u8>> {
    connection
        .handshake_data()?
        .downcast::<quinn::crypto::rustls::HandshakeData>()
        .ok()?
        .protocol
}

/// A quinn client configuration from a rustls one.
pub fn quinn_client(
    client: rustls::ClientConfig,
) -> Result<quinn::ClientConfig, crate::identity::IdentityError> {
    let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(client).map_err(|e| {
        crate::identity::IdentityError::Tls {
            reason: e.to_string(),
        }
    })?;
    Ok(quinn::ClientConfig::new(Arc::new(crypto)))
}

/// Limits of the transport. Every queue and frame has a bound here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TransportConfig {
    /// Frames waiting per peer and lane.
    pub send_queue_len_max: usize,
    /// The largest frame read from a peer or client.
    pub frame_bytes_max: usize,
    pub reconnect_backoff_min_ms: u64,
    pub reconnect_backoff_max_ms: u64,
    pub idle_timeout_ms: u64,
    pub keep_alive_ms: u64,
    /// Client requests in flight per connection.
    pub client_streams_max: u32,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            send_queue_len_max: 1024,
            frame_bytes_max: 24 * 1024 * 1024,
            reconnect_backoff_min_ms: 100,
            reconnect_backoff_max_ms: 5_000,
            idle_timeout_ms: 10_000,
            keep_alive_ms: 2_000,
            client_streams_max: 64,
        }
    }
}

impl TransportConfig {
    /// quinn's settings for every connection of the node.
    pub fn quinn(&self) -> Arc<quinn::TransportConfig> {
        let mut transport = quinn::TransportConfig::default();
        let idle =
            quinn::IdleTimeout::try_from(std::time::Duration::from_millis(self.idle_timeout_ms))
                .unwrap_or(quinn::IdleTimeout::from(quinn::VarInt::from_u32(10_000)));
        transport
            .max_idle_timeout(Some(idle))
            .keep_alive_interval(Some(std::time::Duration::from_millis(self.keep_alive_ms)))
            .max_concurrent_bidi_streams(quinn::VarInt::from_u32(self.client_streams_max))
            .max_concurrent_uni_streams(quinn::VarInt::from_u32(8))
            // Blocks of a few MiB must not stall on the default per-stream window.
            .stream_receive_window(quinn::VarInt::from_u32(16 * 1024 * 1024))
            .send_window(64 * 1024 * 1024);
        Arc::new(transport)
    }
}
