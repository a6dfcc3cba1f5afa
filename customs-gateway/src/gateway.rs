//! The gateway's shared state and the operations every handler needs: who is calling,
//! signing and submitting a ledger transaction for the caller's organization, and reading a
//! document's bytes under a ledger grant, from this jurisdiction's store or from another
//! jurisdiction's gateway.
//!
//! Architecture invariant: the gateway holds no ledger state of its own. Every answer about an
//! instrument, an anchor or a grant is read from the node through the ledger link; what the
//! gateway keeps (users, sessions, pending approvals, the document bytes of its jurisdiction)
//! is not ledger state.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::HttpRequest;
use actors::ledger::{
    AnchorRecord, Committed, InstrumentRecord, LedgerClient, NodeAccess, SignedTx, TxBody,
};
use ed25519_dalek::SigningKey;

use crate::auth::approvals::{Approvals, MakerChecker};
use crate::auth::certificate::{self, PeerCertificate, Revocations};
use crate::auth::replay::{ReplayGuard, ReplayLimits};
use crate::auth::sessions::{SessionError, SessionLimits, Sessions};
use crate::auth::users::{User, UserRole, UserStore};
use crate::config::GatewayConfig;
use crate::docstore::{DocMeta, DocStore, ReadLogEntry};
use crate::error::ApiError;
use crate::fetch;
use crate::readcache::ReadCache;

/// How long a transaction the gateway signs stays valid (the ledger allows at most 120 s).
const TX_VALIDITY_MS: u64 = 60_000;
/// Verify answers kept per committed height.
const READ_CACHE_ENTRIES_MAX: usize = 65_536;
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "silkway_session";

/// Everything `ops` hands the gateway: the configuration and the secrets it loaded.
#[derive(Debug)]
pub struct GatewaySetup {
    pub config: GatewayConfig,
    /// The organizations' signing keys, by party id.
    pub org_keys: BTreeMap<String, SigningKey>,
    pub node: NodeAccess,
    pub users: UserStore,
    pub approvals: Approvals,
}

/// The state shared by all request handlers.
#[derive(Debug)]
pub struct Gateway {
    pub config: GatewayConfig,
    pub ledger: LedgerClient,
    pub docs: DocStore,
    org_keys: BTreeMap<String, SigningKey>,
    pub users: UserStore,
    pub sessions: Mutex<Sessions>,
    pub replay: Mutex<ReplayGuard>,
    pub approvals: Mutex<Approvals>,
    pub maker_checker: MakerChecker,
    /// Signatures of signed fetches already served, so none is served twice.
    fetch_replay: Mutex<ReplayGuard>,
    /// Verify answers for the newest committed height (derived, never ledger state).
    pub reads: ReadCache,
    /// Participants revoked on the ledger, for the client-certificate listener.
    pub revocations: Arc<Revocations>,
}

/// The authenticated caller of a request, and how it authenticated.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    /// The session id and its CSRF token when the caller came with the session cookie.
    pub session: Option<(String, String)>,
}

impl Gateway {
    pub fn new(setup: GatewaySetup) -> Result<Gateway, ApiError> {
        let config = setup.config;
        let docs = DocStore::open(
            &config.data_dir.join("documents"),
            config.jurisdiction,
            config.limits.documents_max,
        )
        .map_err(ApiError::internal)?;
        let maker_checker = MakerChecker {
            actions_by_org: config
                .maker_checker
                .iter()
                .map(|(org, actions)| (org.clone(), actions.iter().cloned().collect()))
                .collect(),
        };
        Ok(Gateway {
            ledger: LedgerClient::new(setup.node),
            docs,
            org_keys: setup.org_keys,
            users: setup.users,
            sessions: Mutex::new(Sessions::new(SessionLimits::default())),
            replay: Mutex::new(ReplayGuard::new(ReplayLimits::default())),
            approvals: Mutex::new(setup.approvals),
            maker_checker,
            fetch_replay: Mutex::new(ReplayGuard::new(ReplayLimits::default())),
            reads: ReadCache::new(READ_CACHE_ENTRIES_MAX),
            revocations: Arc::default(),
            config,
        })
    }

    /// The organizations this gateway signs for.
    pub fn orgs(&self) -> impl Iterator<Item = &str> {
        self.org_keys.keys().map(String::as_str)
    }

    pub fn holds_org(&self, org: &str) -> bool {
        self.org_keys.contains_key(org)
    }

    /// Who is calling: a bearer token, else the connection's client certificate, else the
    /// session cookie; `None` for an anonymous call.
    pub fn caller(&self, req: &HttpRequest) -> Result<Option<Caller>, ApiError> {
        if let Some(value) = req.headers().get("authorization") {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(|| {
                    ApiError::Unauthenticated(
                        "header 'authorization': expected 'Bearer <token>'".into(),
                    )
                })?;
            let user = self.users.authenticate_token(token.trim()).ok_or_else(|| {
                ApiError::Unauthenticated("header 'authorization': unknown token".into())
            })?;
            return Ok(Some(Caller {
                user,
                session: None,
            }));
        }
        if let Some(PeerCertificate(participant)) = req.conn_data::<PeerCertificate>() {
            // Checked again per request: a keep-alive connection outlives a revocation.
            self.revocations
                .admit(participant)
                .map_err(ApiError::Forbidden)?;
            let user = certificate::user_of(participant).ok_or_else(|| {
                ApiError::Forbidden("a validator certificate is not an API credential".into())
            })?;
            return Ok(Some(Caller {
                user,
                session: None,
            }));
        }
        let Some(cookie) = req.cookie(SESSION_COOKIE) else {
            return Ok(None);
        };
        let id = cookie.value().to_string();
        let session = lock(&self.sessions)
            .resolve(&id, now_unix_s())
            .map_err(|e| match e {
                SessionError::Expired => ApiError::SessionExpired,
                SessionError::Unknown => {
                    ApiError::Unauthenticated("unknown session; sign in again".into())
                }
            })?;
        Ok(Some(Caller {
            user: session.user,
            session: Some((id, session.csrf_token)),
        }))
    }

    /// The caller, who must be signed in.
    pub fn signed_in(&self, req: &HttpRequest) -> Result<Caller, ApiError> {
        self.caller(req)?.ok_or_else(|| {
            ApiError::Unauthenticated(
                "sign in: send 'authorization: Bearer <token>' or the session cookie".into(),
            )
        })
    }

    /// The caller, signed in with one of `roles`.
    pub fn signed_in_as(&self, req: &HttpRequest, roles: &[UserRole]) -> Result<Caller, ApiError> {
        let caller = self.signed_in(req)?;
        if !roles.contains(&caller.user.role) {
            let names: Vec<String> = roles
                .iter()
                .map(|r| format!("{r:?}").to_lowercase())
                .collect();
            return Err(ApiError::Forbidden(format!(
                "role '{}' may not do this; it needs {}",
                format!("{:?}", caller.user.role).to_lowercase(),
                names.join(" or ")
            )));
        }
        Ok(caller)
    }

    /// Refuses a state-changing request replayed: an API call must carry a fresh
    /// `Idempotency-Key`, a page form a fresh one-time form id with the session's CSRF token.
    pub fn check_fresh(
        &self,
        req: &HttpRequest,
        caller: &Caller,
        form_ids: Option<(&str, &str)>,
    ) -> Result<(), ApiError> {
        let now = now_unix_s();
        let key = match (&caller.session, form_ids) {
            (Some((session, _)), Some((csrf, form_id))) => {
                if !lock(&self.sessions).check_csrf(session, csrf) {
                    return Err(ApiError::Forbidden(
                        "field 'csrf': does not match this session; reload the page".into(),
                    ));
                }
                form_id.to_string()
            }
            (Some(_), None) => {
                return Err(ApiError::Forbidden(
                    "a page session may only change state through its forms".into(),
                ))
            }
            (None, _) => req
                .headers()
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .ok_or_else(|| {
                    ApiError::field(
                        "idempotency-key",
                        "header 'idempotency-key' is required on every state-changing call",
                    )
                })?,
        };
        lock(&self.replay)
            .check_and_record(&caller.user.login, &key, now)
            .map_err(|e| ApiError::Replayed(format!("replayed request: {e}")))
    }

    /// Writes the pending approvals to their file (after every change).
    pub fn save_approvals(&self) -> Result<(), ApiError> {
        let path = self.config.data_dir.join("approvals.json");
        lock(&self.approvals)
            .save(&path)
            .map_err(ApiError::internal)
    }

    /// Signs `body` with the caller's organization key and waits for the committed outcome.
    pub async fn submit(&self, org: &str, body: TxBody) -> Result<Committed, ApiError> {
        let key = self.org_keys.get(org).ok_or_else(|| {
            ApiError::Forbidden(format!(
                "this gateway holds no key for organization '{org}'"
            ))
        })?;
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(ApiError::internal)?;
        let tx = SignedTx::sign(
            key,
            u64::from_be_bytes(nonce),
            now_ms() + TX_VALIDITY_MS,
            body,
        )
        .and_then(|tx| tx.encode())
        .map_err(ApiError::internal)?;
        let wait = Duration::from_millis(self.config.limits.commit_wait_ms);
        Ok(self.ledger.submit(tx, wait).await?)
    }

    /// Like [`Gateway::submit`], but a ledger rejection is an error naming the ledger's reason.
    pub async fn submit_applied(&self, org: &str, body: TxBody) -> Result<Committed, ApiError> {
        let committed = self.submit(org, body).await?;
        if !committed.applied {
            return Err(ApiError::Rejected {
                reason: committed.reason.unwrap_or_else(|| "no reason given".into()),
            });
        }
        Ok(committed)
    }

    pub async fn instrument(&self, id_hex: &str) -> Result<InstrumentRecord, ApiError> {
        let id = parse_digest(id_hex, "id")?;
        self.ledger
            .instrument(&actors::ledger::Digest(id))
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("instrument {id_hex}")))
    }

    pub async fn anchor(&self, fingerprint: &[u8; 32]) -> Result<Option<AnchorRecord>, ApiError> {
        Ok(self.ledger.anchor(fingerprint).await?)
    }

    /// The bytes of an anchored document for `reader_org`: from this jurisdiction's store when
    /// it holds them (the owner, or a ledger grant, is required; a granted read is logged),
    /// else fetched from the holding jurisdiction's gateway with a signed fetch.
    pub async fn document_bytes(
        &self,
        fingerprint: &[u8; 32],
        reader_org: &str,
        reader: &str,
    ) -> Result<(DocMeta, Vec<u8>), ApiError> {
        let hex_fp = hex::encode(fingerprint);
        let anchor = self
            .anchor(fingerprint)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("anchored document {hex_fp}")))?;
        if anchor.jurisdiction != self.config.jurisdiction {
            return self
                .fetch_foreign(&anchor, fingerprint, reader_org, reader)
                .await;
        }
        let meta = self
            .docs
            .meta(&hex_fp)
            .ok_or_else(|| ApiError::NotFound(format!("the bytes of document {hex_fp}")))?;
        if anchor.issuer != reader_org {
            let grant = anchor
                .grants
                .iter()
                .find(|g| g.grantee == reader_org)
                .ok_or_else(|| {
                    ApiError::Forbidden(format!(
                        "organization '{reader_org}' holds no ledger grant on document {hex_fp}"
                    ))
                })?;
            self.docs
                .log_read(&ReadLogEntry {
                    unix_s: now_unix_s(),
                    fingerprint: hex_fp.clone(),
                    reader_org: reader_org.to_string(),
                    reader: reader.to_string(),
                    grant_height: grant.height,
                })
                .map_err(ApiError::internal)?;
        }
        let bytes = self.docs.read(&meta).map_err(ApiError::internal)?;
        Ok((meta, bytes))
    }

    async fn fetch_foreign(
        &self,
        anchor: &AnchorRecord,
        fingerprint: &[u8; 32],
        reader_org: &str,
        reader: &str,
    ) -> Result<(DocMeta, Vec<u8>), ApiError> {
        let base = self.config.peers.get(&anchor.jurisdiction).ok_or_else(|| {
            ApiError::Unavailable(format!(
                "document is held in {} and no gateway of {} is configured here",
                anchor.jurisdiction, anchor.jurisdiction
            ))
        })?;
        let key = self.org_keys.get(reader_org).ok_or_else(|| {
            ApiError::Forbidden(format!("this gateway holds no key for '{reader_org}'"))
        })?;
        let path = format!("/api/v1/documents/{}/content", hex::encode(fingerprint));
        let headers = fetch::sign(key, "GET", &path, now_ms(), reader);
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(15))
            .finish();
        let mut response = client
            .get(format!("{}{path}", base.trim_end_matches('/')))
            .insert_header((fetch::HEADER_KEY, headers.key_hex))
            .insert_header((fetch::HEADER_TIME, headers.time_ms.to_string()))
            .insert_header((fetch::HEADER_READER, headers.reader))
            .insert_header((fetch::HEADER_SIGNATURE, headers.signature_hex))
            .send()
            .await
            .map_err(|e| ApiError::Unavailable(format!("gateway {base}: {e}")))?;
        let limit = self.config.limits.upload_bytes_max;
        let body = response
            .body()
            .limit(limit)
            .await
            .map_err(|e| ApiError::Unavailable(format!("gateway {base}: {e}")))?;
        if !response.status().is_success() {
            let text = String::from_utf8_lossy(&body).into_owned();
            return Err(match response.status().as_u16() {
                403 => ApiError::Forbidden(format!(
                    "the {} gateway refused: {text}",
                    anchor.jurisdiction
                )),
                404 => ApiError::NotFound(format!(
                    "document {} at the {} gateway",
                    anchor.fingerprint, anchor.jurisdiction
                )),
                _ => ApiError::Unavailable(format!(
                    "gateway {base} answered {}: {text}",
                    response.status()
                )),
            });
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_string();
        let meta = DocMeta {
            fingerprint: anchor.fingerprint.clone(),
            content_sha256: hex::encode(crate::docstore::sha256(&body)),
            kind: anchor.kind.clone(),
            title: anchor.title.clone(),
            format: None,
            content_type,
            size_bytes: body.len(),
            jurisdiction: anchor.jurisdiction,
            org: anchor.issuer.clone(),
            uploaded_by: String::new(),
            uploaded_unix_s: anchor.time_ms / 1000,
        };
        Ok((meta, body.to_vec()))
    }

    /// Serves a signed fetch from another jurisdiction's gateway: checks the signature, that
    /// it is fresh and not replayed, and returns the signing organization and the reader it
    /// vouches for, as `<login>@<org>`.
    pub async fn fetching_org(
        &self,
        req: &HttpRequest,
    ) -> Result<Option<(String, String)>, ApiError> {
        let header = |name: &'static str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let Some(key_hex) = header(fetch::HEADER_KEY) else {
            return Ok(None);
        };
        let headers = fetch::FetchHeaders {
            key_hex,
            time_ms: header(fetch::HEADER_TIME)
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| ApiError::field(fetch::HEADER_TIME, "is missing or not a number"))?,
            reader: header(fetch::HEADER_READER).unwrap_or_default(),
            signature_hex: header(fetch::HEADER_SIGNATURE).unwrap_or_default(),
        };
        let key = fetch::verify(&headers, "GET", req.path(), now_ms())
            .map_err(|e| ApiError::Unauthenticated(e.to_string()))?;
        lock(&self.fetch_replay)
            .check_and_record("fetch", &headers.signature_hex, now_unix_s())
            .map_err(|e| ApiError::Replayed(format!("replayed fetch: {e}")))?;
        let participant = self
            .ledger
            .participant(&key)
            .await?
            .filter(|p| !p.revoked)
            .ok_or_else(|| {
                ApiError::Forbidden(
                    "the fetching key is no registered, unrevoked participant".into(),
                )
            })?;
        let org = participant.participant.org;
        let reader = format!("{}@{org}", headers.reader);
        Ok(Some((org, reader)))
    }
}

/// A 32-byte id or fingerprint from its hex; the error names `field`.
pub fn parse_digest(text: &str, field: &str) -> Result<[u8; 32], ApiError> {
    hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ApiError::field(field, format!("'{text}' is not 64 hexadecimal digits")))
}

pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A handler that panicked while holding a lock left the data as it was; the maps behind
    // these locks are valid after every single operation, so carrying on is safe.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub fn now_unix_s() -> u64 {
    now_ms() / 1000
}
