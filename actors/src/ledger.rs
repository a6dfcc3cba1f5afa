//! The ledger link: the one handle through which the gateway and the actors read committed
//! ledger state and submit signed transactions to their node.
//!
//! [`LedgerClient`] wraps a QUIC client connection to one validator (`consensus::net::client`)
//! and reconnects once when the node went away (it restarts, or its connection idled out).
//! Submitting waits until the transaction is committed and returns its recorded outcome, so a
//! caller reports only what every validator agreed on. Answers are typed here from the node's
//! JSON, so callers never see the wire protocol.
//!
//! What it deliberately does not do: decide anything (the ledger decides; a refusal comes back
//! as an outcome with its reason), keep ledger state (every read goes to the node), or sign
//! (callers sign with the organization keys they hold).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, Mutex};

pub use consensus::ledger::state::{AnyInstrument, GrantRecord};
pub use consensus::ledger::{
    AnchorRecord, CommittedBlock, CommittedTx, DocumentUse, HistoryRecord, InstrumentAction,
    InstrumentRecord, ParticipantRecord, SignedTx, TxBody,
};
pub use consensus::net::client::{CommitNotice, NodeStatus};
pub use consensus::participant::{Participant, ParticipantRole};
pub use consensus::types::{transaction_hash, Digest};

use consensus::net::client::{ClientError, NodeClient, Request, SubmitResult};

/// How often an outcome is polled while waiting for a commit.
const OUTCOME_POLL: Duration = Duration::from_millis(50);

/// Why the ledger could not be reached or answered out of shape.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("ledger node unreachable: {0}")]
    Unreachable(String),
    #[error("the node refused the transaction before ordering it: {0}")]
    Refused(String),
    #[error("transaction {tx} not committed within {waited_ms} ms")]
    NotCommitted { tx: String, waited_ms: u64 },
    #[error("unexpected answer from the node to '{request}': {reason}")]
    Answer {
        request: &'static str,
        reason: String,
    },
}

/// A committed transaction's outcome: applied, or rejected with the ledger's reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Committed {
    /// The transaction's hash, hex; for an opening, the new instrument's id.
    pub tx: String,
    pub height: u64,
    pub applied: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How the link reaches its node: address, the participant certificate it connects as, and
/// the consortium roots it trusts.
#[derive(Clone, Debug)]
pub struct NodeAccess {
    pub address: SocketAddr,
    pub certificate_pem: String,
    pub key: ed25519_dalek::SigningKey,
    pub trust_roots_pem: Vec<String>,
}

/// A cloneable handle to the ledger link.
#[derive(Clone, Debug)]
pub struct LedgerClient {
    access: Arc<NodeAccess>,
    client: Arc<Mutex<Option<NodeClient>>>,
}

impl LedgerClient {
    /// A link that connects on first use (so a gateway can start before its node).
    pub fn new(access: NodeAccess) -> LedgerClient {
        LedgerClient {
            access: Arc::new(access),
            client: Arc::new(Mutex::new(None)),
        }
    }

    pub async fn status(&self) -> Result<NodeStatus, LedgerError> {
        self.with_client(|client| async move { client.status().await })
            .await
    }

    /// Submits one signed transaction and waits up to `timeout` for its committed outcome.
    pub async fn submit(&self, tx: Vec<u8>, timeout: Duration) -> Result<Committed, LedgerError> {
        let hash = transaction_hash(&tx);
        let results = self.call_submit(tx).await?;
        match results.into_iter().next() {
            Some(SubmitResult::Accepted(_)) => self.wait_outcome(&hash, timeout).await,
            Some(SubmitResult::Refused(reason)) => Err(LedgerError::Refused(reason)),
            None => Err(LedgerError::Answer {
                request: "submit",
                reason: "no result".into(),
            }),
        }
    }

    /// A notice per committed block from now on, until the node or the connection drops the
    /// stream (a watcher that falls behind is dropped by the node); the caller re-watches.
    pub async fn watch_commits(&self) -> Result<mpsc::Receiver<CommitNotice>, LedgerError> {
        self.with_client(|client| async move { client.watch_commits().await })
            .await
    }

    /// The committed outcome of `tx`, if it is committed.
    pub async fn outcome(&self, tx: &Digest) -> Result<Option<Committed>, LedgerError> {
        #[derive(Deserialize)]
        struct Outcome {
            height: u64,
            applied: bool,
            #[serde(default)]
            reason: Option<String>,
        }
        let found: Option<Outcome> = self.json(Request::Outcome { tx: *tx }, "outcome").await?;
        Ok(found.map(|o| Committed {
            tx: tx.to_string(),
            height: o.height,
            applied: o.applied,
            reason: o.reason,
        }))
    }

    pub async fn instrument(&self, id: &Digest) -> Result<Option<InstrumentRecord>, LedgerError> {
        self.json(Request::Instrument { id: *id }, "instrument")
            .await
    }

    pub async fn anchor(
        &self,
        fingerprint: &[u8; 32],
    ) -> Result<Option<AnchorRecord>, LedgerError> {
        let request = Request::Anchor {
            fingerprint: Digest(*fingerprint),
        };
        self.json(request, "anchor").await
    }

    pub async fn history(
        &self,
        id: &Digest,
        after_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<HistoryRecord>, LedgerError> {
        let request = Request::History {
            id: *id,
            after_seq,
            limit,
        };
        Ok(self.json(request, "history").await?.unwrap_or_default())
    }

    /// Instruments naming `party`, a page at a time in a stable order.
    pub async fn instruments_of(
        &self,
        party: &str,
        after: Option<Digest>,
        limit: u32,
    ) -> Result<Vec<InstrumentRecord>, LedgerError> {
        let request = Request::InstrumentsOf {
            party: party.to_string(),
            after,
            limit,
        };
        Ok(self
            .json(request, "instruments_of")
            .await?
            .unwrap_or_default())
    }

    /// The instruments that reference a document fingerprint.
    pub async fn document_uses(
        &self,
        fingerprint: &[u8; 32],
    ) -> Result<Vec<DocumentUse>, LedgerError> {
        let request = Request::DocumentUses {
            fingerprint: Digest(*fingerprint),
        };
        Ok(self
            .json(request, "document_uses")
            .await?
            .unwrap_or_default())
    }

    /// The participant holding `public_key`, with whether it is revoked.
    pub async fn participant(
        &self,
        public_key: &[u8; 32],
    ) -> Result<Option<ParticipantRecord>, LedgerError> {
        let request = Request::Participant {
            public_key: Digest(*public_key),
        };
        self.json(request, "participant").await
    }

    pub async fn participants(&self) -> Result<Vec<ParticipantRecord>, LedgerError> {
        Ok(self
            .json(Request::Participants, "participants")
            .await?
            .unwrap_or_default())
    }

    /// Committed blocks above `after_height`, oldest first, each with its transactions and
    /// their outcomes: at most `limit` (the node bounds it too); empty when there is nothing
    /// above that height yet. Followers resume from the last height they handled.
    pub async fn blocks(
        &self,
        after_height: u64,
        limit: u32,
    ) -> Result<Vec<CommittedBlock>, LedgerError> {
        self.with_client(|client| async move { client.blocks(after_height, limit).await })
            .await
            .map_err(|e| match e {
                LedgerError::Refused(reason) => LedgerError::Answer {
                    request: "blocks",
                    reason,
                },
                other => other,
            })
    }

    async fn wait_outcome(
        &self,
        hash: &Digest,
        timeout: Duration,
    ) -> Result<Committed, LedgerError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(outcome) = self.outcome(hash).await? {
                return Ok(outcome);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(LedgerError::NotCommitted {
                    tx: hash.to_string(),
                    waited_ms: timeout.as_millis() as u64,
                });
            }
            tokio::time::sleep(OUTCOME_POLL).await;
        }
    }

    async fn call_submit(&self, tx: Vec<u8>) -> Result<Vec<SubmitResult>, LedgerError> {
        // Resubmitting after a reconnect is safe: the node refuses a transaction it already
        // holds by its hash, and the ledger refuses a replay.
        self.with_client(|client| {
            let tx = tx.clone();
            async move { client.submit(vec![tx]).await }
        })
        .await
    }

    async fn json<T: DeserializeOwned>(
        &self,
        request: Request,
        name: &'static str,
    ) -> Result<Option<T>, LedgerError> {
        let answer = self
            .with_client(|client| {
                let request = request.clone();
                async move { client.query(&request).await }
            })
            .await
            .map_err(|e| match e {
                LedgerError::Refused(reason) => LedgerError::Answer {
                    request: name,
                    reason,
                },
                other => other,
            })?;
        answer
            .map(|text| {
                serde_json::from_str(&text).map_err(|e| LedgerError::Answer {
                    request: name,
                    reason: e.to_string(),
                })
            })
            .transpose()
    }

    /// Runs `call` on the connection, and once more on a fresh one if the connection failed;
    /// a refusal by the node is its answer and is not retried.
    async fn with_client<T, F, Fut>(&self, call: F) -> Result<T, LedgerError>
    where
        F: Fn(NodeClient) -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        match call(self.connected().await?).await {
            Ok(value) => Ok(value),
            Err(ClientError::Refused { message, .. }) => Err(LedgerError::Refused(message)),
            Err(_) => call(self.reconnected().await?).await.map_err(unreachable),
        }
    }

    async fn connected(&self) -> Result<NodeClient, LedgerError> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref() {
            return Ok(client.clone());
        }
        let client = self.dial().await?;
        *slot = Some(client.clone());
        Ok(client)
    }

    async fn reconnected(&self) -> Result<NodeClient, LedgerError> {
        let client = self.dial().await?;
        *self.client.lock().await = Some(client.clone());
        Ok(client)
    }

    async fn dial(&self) -> Result<NodeClient, LedgerError> {
        let a = &self.access;
        NodeClient::connect_as(a.address, &a.certificate_pem, &a.key, &a.trust_roots_pem)
            .await
            .map_err(unreachable)
    }
}

fn unreachable(e: ClientError) -> LedgerError {
    LedgerError::Unreachable(e.to_string())
}
