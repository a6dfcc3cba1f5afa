//! The client protocol: how a participant's tools talk to a node.
//!
//! Every request opens its own bidirectional stream, writes one [`Request`] frame, and reads
//! one [`Response`] frame (`Blocks` a page of committed blocks with their transactions and
//! outcomes, for followers that resume from a height); `WatchCommits` instead reads a [`CommitNotice`] frame per committed
//! block until either side closes. The node answers from committed state only. The server side
//! ([`serve`]) hands each call to the node through a dispatch function; [`NodeClient`] is the
//! caller's side, used by `silkway status`, the demo, the load generator and the gateway.
//!
//! Bounds: a connection has at most `client_streams_max` requests in flight (QUIC stream
//! limit), a submission at most [`SUBMIT_TXS_MAX`] transactions, and a frame the transport's
//! `frame_bytes_max` bytes. A watcher that falls behind by more than its queue is dropped.

use std::net::SocketAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use tokio::sync::{mpsc, oneshot};

use super::wire::{self, WireError};
use crate::identity::{self, SERVER_NAME};
pub use crate::ledger::{CommittedBlock, CommittedTx};
use crate::types::{Digest, Epoch, Height, Millis, Round};

/// Most transactions in one `Submit`.
pub const SUBMIT_TXS_MAX: usize = 1024;
/// Commit notices queued per watcher before it is dropped.
pub const WATCH_QUEUE_LEN_MAX: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    Submit {
        txs: Vec<ByteBuf>,
    },
    Status,
    Instrument {
        id: Digest,
    },
    Anchor {
        fingerprint: Digest,
    },
    History {
        id: Digest,
        after_seq: Option<u64>,
        limit: u32,
    },
    Outcome {
        tx: Digest,
    },
    WatchCommits,
    /// The instruments naming `party`, a page of at most `LIST_PAGE_MAX` after `after`.
    InstrumentsOf {
        party: String,
        after: Option<Digest>,
        limit: u32,
    },
    /// The instruments referencing an anchored document: `[{"id", "kind", "state"}]`.
    DocumentUses {
        fingerprint: Digest,
    },
    /// A participant and whether it is revoked.
    Participant {
        public_key: Digest,
    },
    /// Every participant, each with whether it is revoked.
    Participants,
    /// Committed blocks above `after_height`, oldest first, each with its transactions and
    /// their outcomes: at most `limit` (bounded by `ledger::query::BLOCKS_PAGE_MAX` and a byte
    /// budget). Answered with [`Response::Blocks`].
    Blocks {
        after_height: Height,
        limit: u32,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)] // built once per request and sent
pub enum Response {
    Submitted(Vec<SubmitResult>),
    Status(NodeStatus),
    /// A query's answer as JSON text; `None` when nothing matches.
    Json(Option<String>),
    /// A page of committed blocks, for `Blocks`.
    Blocks(Vec<CommittedBlock>),
    Error(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubmitResult {
    Accepted(Digest),
    Refused(String),
}

/// One committed block, as a watcher sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitNotice {
    pub height: Height,
    pub block_id: Digest,
    pub timestamp_ms: Millis,
    pub state_root: Digest,
    pub tx_hashes: Vec<Digest>,
}

/// What a node says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeStatus {
    pub name: String,
    pub country: String,
    pub public_key: String,
    pub epoch: Epoch,
    /// The current round (view).
    pub view: Round,
    pub committed_height: Height,
    pub state_root: Digest,
    pub leader: String,
    /// Names of the validators this node's outgoing connections reach.
    pub peers_connected: Vec<String>,
    pub validators: usize,
    pub mempool_len: usize,
    pub last_commit_ms: Millis,
    pub dropped_frames: u64,
    pub halted: Option<String>,
}

/// A call handed to the node.
#[derive(Debug)]
pub enum ClientCall {
    Request {
        request: Request,
        reply: oneshot::Sender<Response>,
    },
    Watch {
        notices: mpsc::Sender<CommitNotice>,
    },
}

/// Hands a call to the node; resolves to false when the node is gone.
pub type Dispatch = Arc<
    dyn Fn(ClientCall) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
        + Send
        + Sync,
>;

/// Serves one client connection until it closes.
pub async fn serve(conn: quinn::Connection, dispatch: Dispatch, frame_bytes_max: usize) {
    let mut calls = tokio::task::JoinSet::new();
    while let Ok((send, recv)) = conn.accept_bi().await {
        calls.spawn(serve_stream(send, recv, dispatch.clone(), frame_bytes_max));
        while calls.try_join_next().is_some() {}
    }
    calls.abort_all();
}

async fn serve_stream(
    mut send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    dispatch: Dispatch,
    frame_bytes_max: usize,
) -> Result<(), WireError> {
    let Some(body) = wire::read_frame(&mut recv, frame_bytes_max).await? else {
        return Ok(());
    };
    let response = match wire::decode::<Request>(&body) {
        Ok(Request::WatchCommits) => return watch(send, dispatch).await,
        Ok(Request::Submit { txs }) if txs.len() > SUBMIT_TXS_MAX => Response::Error(format!(
            "field 'txs': {} transactions, at most {SUBMIT_TXS_MAX} per submission",
            txs.len()
        )),
        Ok(request) => {
            let (reply, answer) = oneshot::channel();
            if !dispatch(ClientCall::Request { request, reply }).await {
                return Ok(());
            }
            answer
                .await
                .unwrap_or_else(|_| Response::Error("node is shutting down".into()))
        }
        Err(e) => Response::Error(format!("request: {e}")),
    };
    wire::write_frame(&mut send, &wire::encode(&response)).await?;
    let _ = send.finish();
    Ok(())
}

async fn watch(mut send: quinn::SendStream, dispatch: Dispatch) -> Result<(), WireError> {
    let (notices, mut receiver) = mpsc::channel(WATCH_QUEUE_LEN_MAX);
    if !dispatch(ClientCall::Watch { notices }).await {
        return Ok(());
    }
    while let Some(notice) = receiver.recv().await {
        wire::write_frame(&mut send, &wire::encode(&notice)).await?;
    }
    Ok(())
}

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach node at {address}: {reason}")]
    Connect { address: SocketAddr, reason: String },
    #[error("node at {address}: {source}")]
    Wire {
        address: SocketAddr,
        source: WireError,
    },
    #[error("node at {address} answered: {message}")]
    Refused {
        address: SocketAddr,
        message: String,
    },
    #[error("client identity: {0}")]
    Identity(#[from] identity::IdentityError),
    #[error("node at {address} gave an unexpected answer to {request}")]
    Unexpected {
        address: SocketAddr,
        request: &'static str,
    },
}

/// A connection to one node, as a participant.
#[derive(Debug, Clone)]
pub struct NodeClient {
    address: SocketAddr,
    conn: quinn::Connection,
    frame_bytes_max: usize,
    // Kept so the endpoint (and its socket) lives as long as the client.
    _endpoint: quinn::Endpoint,
}

impl NodeClient {
    /// Connects with `config`, a client configuration whose ALPN is [`super::CLIENT_ALPN`].
    pub async fn connect(
        address: SocketAddr,
        config: quinn::ClientConfig,
    ) -> Result<NodeClient, ClientError> {
        let fail = |reason: String| ClientError::Connect { address, reason };
        let bind: SocketAddr = if address.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        }
        .parse()
        .map_err(|e: std::net::AddrParseError| fail(e.to_string()))?;
        let endpoint = quinn::Endpoint::client(bind).map_err(|e| fail(e.to_string()))?;
        let conn = endpoint
            .connect_with(config, address, SERVER_NAME)
            .map_err(|e| fail(e.to_string()))?
            .await
            .map_err(|e| fail(e.to_string()))?;
        Ok(NodeClient {
            address,
            conn,
            frame_bytes_max: super::TransportConfig::default().frame_bytes_max,
            _endpoint: endpoint,
        })
    }

    /// Connects as the participant `cert_pem` names, trusting the consortium roots
    /// `roots_pem`. The node is authenticated by its certificate's chain, not by its name.
    pub async fn connect_as(
        address: SocketAddr,
        cert_pem: &str,
        key: &ed25519_dalek::SigningKey,
        roots_pem: &[String],
    ) -> Result<NodeClient, ClientError> {
        let tls = identity::TlsIdentity::from_pem(cert_pem, key)?;
        let roots: Vec<&str> = roots_pem.iter().map(String::as_str).collect();
        let anchors = Arc::new(identity::TrustAnchors::from_pems(&roots)?);
        let policy: identity::AdmissionPolicy = Arc::new(|_| Ok(()));
        let mut rustls = identity::client_config(&tls, anchors, policy, crate::node::now_unix_s)?;
        rustls.alpn_protocols = vec![super::CLIENT_ALPN.to_vec()];
        NodeClient::connect(address, super::quinn_client(rustls)?).await
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Opens a stream for `request` and sends it.
    async fn open_request(
        &self,
        request: &Request,
    ) -> Result<(quinn::SendStream, quinn::RecvStream), ClientError> {
        let (mut send, recv) = self
            .conn
            .open_bi()
            .await
            .map_err(|e| ClientError::Connect {
                address: self.address,
                reason: e.to_string(),
            })?;
        wire::write_frame(&mut send, &wire::encode(request))
            .await
            .map_err(|source| ClientError::Wire {
                address: self.address,
                source,
            })?;
        Ok((send, recv))
    }

    /// One request, one response.
    pub async fn call(&self, request: &Request) -> Result<Response, ClientError> {
        let wire_err = |source| ClientError::Wire {
            address: self.address,
            source,
        };
        let (mut send, mut recv) = self.open_request(request).await?;
        let _ = send.finish();
        let body = wire::read_frame(&mut recv, self.frame_bytes_max)
            .await
            .map_err(wire_err)?
            .ok_or_else(|| wire_err(WireError::Read("no answer".into())))?;
        match wire::decode::<Response>(&body).map_err(wire_err)? {
            Response::Error(message) => Err(ClientError::Refused {
                address: self.address,
                message,
            }),
            response => Ok(response),
        }
    }

    pub async fn submit(&self, txs: Vec<Vec<u8>>) -> Result<Vec<SubmitResult>, ClientError> {
        let txs = txs.into_iter().map(ByteBuf::from).collect();
        match self.call(&Request::Submit { txs }).await? {
            Response::Submitted(results) => Ok(results),
            _ => Err(self.unexpected("submit")),
        }
    }

    pub async fn status(&self) -> Result<NodeStatus, ClientError> {
        match self.call(&Request::Status).await? {
            Response::Status(status) => Ok(status),
            _ => Err(self.unexpected("status")),
        }
    }

    /// A query answered with JSON (`Instrument`, `Anchor`, `History`, `Outcome`,
    /// `InstrumentsOf`, `DocumentUses`, `Participant`, `Participants`).
    pub async fn query(&self, request: &Request) -> Result<Option<String>, ClientError> {
        match self.call(request).await? {
            Response::Json(json) => Ok(json),
            _ => Err(self.unexpected("query")),
        }
    }

    /// Committed blocks above `after_height`, oldest first, with their transactions and
    /// outcomes; an empty page when the node has nothing above that height yet.
    pub async fn blocks(
        &self,
        after_height: Height,
        limit: u32,
    ) -> Result<Vec<CommittedBlock>, ClientError> {
        match self
            .call(&Request::Blocks {
                after_height,
                limit,
            })
            .await?
        {
            Response::Blocks(blocks) => Ok(blocks),
            _ => Err(self.unexpected("blocks")),
        }
    }

    /// Commit notices from now on, until the connection ends.
    pub async fn watch_commits(&self) -> Result<mpsc::Receiver<CommitNotice>, ClientError> {
        let (send, mut recv) = self.open_request(&Request::WatchCommits).await?;
        let (sender, receiver) = mpsc::channel(WATCH_QUEUE_LEN_MAX);
        let frame_bytes_max = self.frame_bytes_max;
        tokio::spawn(async move {
            let _keep_open = send;
            while let Ok(Some(body)) = wire::read_frame(&mut recv, frame_bytes_max).await {
                let Ok(notice) = wire::decode::<CommitNotice>(&body) else {
                    return;
                };
                if sender.send(notice).await.is_err() {
                    return;
                }
            }
        });
        Ok(receiver)
    }

    fn unexpected(&self, request: &'static str) -> ClientError {
        ClientError::Unexpected {
            address: self.address,
            request,
        }
    }
}
