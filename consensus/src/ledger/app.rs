//! [`TradeApp`]: the trade ledger application the engine executes committed blocks with.
//!
//! Executing a block applies its transactions in order. Each first passes the envelope checks
//! (strict decoding, signature, a registered and unrevoked signer, the validity window against
//! the block's timestamp, no replay), then its body: participant registration and revocation
//! (operators), document anchors and their access grants (the anchor's issuer organization),
//! and instrument actions, which go through the trade-docs state machines, invoices through the
//! [`FinancingRegistry`] (the double-financing guard). A transaction that fails any check is
//! recorded as rejected with its reason; nothing a block holds makes execution panic or fail.
//! Alongside, it keeps the indexes queries read: the participants of each organization, the
//! instruments naming each party, and the instruments referencing each document (see `state`).
//!
//! State root: `root(h) = SHA-256("silkway/ledger-root/v1" ‖ root(h−1) ‖ h ‖ W(h))`, where
//! `W(h)` hashes the writes of height `h` in key order (see [`writes_hash`]) and `root(−1)` is
//! zero; height 0 holds the genesis writes. The root is thus a hash chain over write sets:
//! two validators with equal roots wrote the same state, height by height.
//!
//! Replay protection: a transaction is valid only in a block stamped within
//! `[valid_until_ms − TX_VALIDITY_MAX_MS, valid_until_ms]`, and the hashes of committed
//! transactions are remembered until their `valid_until_ms` passes (pruned at every block), so
//! the set is bounded by the commit rate times the window. A repeat of a committed transaction
//! records no new outcome: `outcome/<hash>` keeps the first one.
//!
//! Architecture invariants: execution is deterministic (no clock, randomness, IO or hash-map
//! iteration; time is the block's timestamp), and its outcome does not depend on what this
//! validator admitted (see `verify`). The replay window and the verified set live in memory:
//! a restarting validator rebuilds them by replaying committed blocks into a fresh `TradeApp`,
//! as engine recovery does.
//!
//! Deliberately not here: governance with two-country approval of registrations and
//! revocations (a later issue; operators act alone for now), validator-set changes
//! (`next_validators` is always `None`), the chain id in signatures, and persistence (the node
//! takes each height's writes with [`TradeApp::take_writes`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use trade_docs::instrument::{
    Actor, Context, DeclarationInstrument, FinancingRegistry, Instrument, LcAction, LcInstrument,
    Rejection, Role, Transition, PARTY_ID_LEN_MAX, TEXT_LEN_MAX,
};
use trade_docs::Date;

use super::query::StateView;
use super::state::*;
use super::tx::{InstrumentAction, SignedTx, TxBody, TxError};
use super::verify::{verify_items, SignedItem, VerifiedSet};
use super::TX_VALIDITY_MAX_MS;
use crate::app::{Application, Execution};
use crate::participant::{Participant, ParticipantRole};
use crate::store::WriteSet;
use crate::types::{transaction_hash, Block, Digest, Height};
use crate::validators::ValidatorInfo;

/// At most this many heights' write sets wait for [`TradeApp::take_writes`].
pub const WRITES_KEPT_MAX: usize = 1024;
/// At most this many bytes in an anchor's title.
pub const TITLE_LEN_MAX: usize = 256;
/// At most this many bytes in an anchor's document kind name.
pub const KIND_LEN_MAX: usize = 64;
/// At most this many organizations may be granted access to one anchored document.
pub const GRANTS_PER_ANCHOR_MAX: usize = 64;

/// The chain's starting point; the node reads it from a JSON file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    pub chain_id: String,
    pub validators: Vec<ValidatorInfo>,
    pub participants: Vec<Participant>,
}

/// A transaction accepted into the mempool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admitted {
    pub hash: Digest,
    pub signer: [u8; 32],
}

/// Why a transaction was refused at admission, or rejected before its body was looked at.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionError {
    #[error(transparent)]
    Tx(#[from] TxError),
    #[error("field 'signature': does not verify against signer {signer}")]
    BadSignature { signer: String },
    #[error("field 'signer': {signer} is not a registered participant")]
    UnknownSigner { signer: String },
    #[error("field 'signer': {signer} was revoked")]
    RevokedSigner { signer: String },
    #[error(
        "field 'valid_until_ms': {valid_until_ms} is before {now_ms}; the transaction expired"
    )]
    Expired { valid_until_ms: u64, now_ms: u64 },
    #[error("field 'valid_until_ms': {valid_until_ms} is more than {max_ms} ms after {now_ms}")]
    TooFarAhead {
        valid_until_ms: u64,
        now_ms: u64,
        max_ms: u64,
    },
    #[error("field 'tx': transaction {hash} is already committed")]
    Replay { hash: String },
}

/// Why a well-formed, correctly signed transaction's body was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BodyRejection {
    #[error("field 'signer': only an operator may {action}; the signer is a {role}")]
    NotOperator {
        action: &'static str,
        role: ParticipantRole,
    },
    #[error("field 'public_key': {key} is already registered")]
    AlreadyRegistered { key: String },
    #[error("field 'public_key': {key} was revoked and cannot be registered again")]
    WasRevoked { key: String },
    #[error("field 'public_key': {key} is not a registered participant")]
    UnknownParticipant { key: String },
    #[error("field 'public_key': {key} is already revoked")]
    AlreadyRevoked { key: String },
    #[error("field '{field}': {problem}")]
    InvalidField {
        field: &'static str,
        problem: String,
    },
    #[error("field 'fingerprint': {fingerprint} is already anchored")]
    AlreadyAnchored { fingerprint: String },
    #[error("field 'fingerprint': {fingerprint} is not anchored")]
    UnknownAnchor { fingerprint: String },
    #[error(
        "field 'signer': only the anchor's issuer {issuer} may grant or revoke access; the \
         signer's organization is {org}"
    )]
    NotIssuer { issuer: String, org: String },
    #[error("field 'grantee': {grantee} is the anchor's issuer, which needs no grant")]
    GrantToIssuer { grantee: String },
    #[error("field 'grantee': {grantee} is not a registered, unrevoked participant organization")]
    UnknownGrantee { grantee: String },
    #[error("field 'grantee': {grantee} already has access")]
    AlreadyGranted { grantee: String },
    #[error("field 'grantee': {grantee} has no access to revoke")]
    NoGrant { grantee: String },
    #[error("field 'grantee': the anchor already holds {max} grants, the most it may hold")]
    TooManyGrants { max: usize },
    #[error("field 'role': a {certified} participant cannot act as {role}")]
    RoleNotCertified {
        role: Role,
        certified: ParticipantRole,
    },
    #[error("field 'instrument': no instrument {id}")]
    UnknownInstrument { id: String },
    #[error("field 'action': a {action} action does not apply to a {kind}")]
    WrongKind {
        action: &'static str,
        kind: &'static str,
    },
    #[error(transparent)]
    Instrument(#[from] Rejection),
}

/// The trade ledger application; see the module documentation.
#[derive(Debug)]
pub struct TradeApp {
    chain_id: String,
    state: BTreeMap<Vec<u8>, Vec<u8>>,
    root: Digest,
    /// Typed copies of state the hot path reads for every transaction.
    participants: BTreeMap<[u8; 32], Participant>,
    revoked: BTreeSet<[u8; 32]>,
    financing: FinancingRegistry,
    replay: ReplayWindow,
    verified: VerifiedSet,
    /// Writes of the height being executed.
    current: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Write sets not yet taken by the node, by height.
    untaken: BTreeMap<Height, WriteSet>,
}

/// The block a transaction executes in.
#[derive(Clone, Copy, Debug)]
struct BlockCtx {
    height: Height,
    time_ms: u64,
    date: Date,
}

impl TradeApp {
    pub fn new(genesis: &Genesis) -> TradeApp {
        let mut app = TradeApp {
            chain_id: genesis.chain_id.clone(),
            state: BTreeMap::new(),
            root: Digest::ZERO,
            participants: BTreeMap::new(),
            revoked: BTreeSet::new(),
            financing: FinancingRegistry::new(),
            replay: ReplayWindow::default(),
            verified: VerifiedSet::default(),
            current: BTreeMap::new(),
            untaken: BTreeMap::new(),
        };
        app.put(CHAIN_ID_KEY.to_vec(), encode(&genesis.chain_id));
        for participant in &genesis.participants {
            app.put_participant(participant.clone());
        }
        app.finish_height(0);
        app
    }

    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// The state root after the last executed height.
    pub fn state_root(&self) -> Digest {
        self.root
    }

    /// The writes of `height`, once; the node persists them with the commit record.
    pub fn take_writes(&mut self, height: Height) -> Option<WriteSet> {
        self.untaken.remove(&height)
    }

    pub fn participant(&self, key: &[u8; 32]) -> Option<Participant> {
        self.participants.get(key).cloned()
    }

    pub fn is_revoked(&self, key: &[u8; 32]) -> bool {
        self.revoked.contains(key)
    }

    /// How many keys are revoked (revocations are never undone, so this only grows).
    pub fn revoked_len(&self) -> usize {
        self.revoked.len()
    }

    pub fn revoked_keys(&self) -> Vec<[u8; 32]> {
        self.revoked.iter().copied().collect()
    }

    /// The mempool's front door: checks a transaction against committed state and `now_ms`,
    /// verifies its signature, and remembers it as verified so execution does not verify it
    /// again.
    pub fn admit(&mut self, tx: &[u8], now_ms: u64) -> Result<Admitted, AdmissionError> {
        let hash = transaction_hash(tx);
        let decoded = SignedTx::decode(tx)?;
        self.check_signer(&decoded.signer)?;
        check_window(decoded.valid_until_ms, now_ms)?;
        self.check_replay(&hash)?;
        if !self.verified.contains(&hash) {
            if !decoded.verify() {
                return Err(AdmissionError::BadSignature {
                    signer: hex::encode(decoded.signer),
                });
            }
            self.verified.insert(hash);
        }
        Ok(Admitted {
            hash,
            signer: decoded.signer,
        })
    }

    fn check_signer(&self, signer: &[u8; 32]) -> Result<&Participant, AdmissionError> {
        if self.revoked.contains(signer) {
            return Err(AdmissionError::RevokedSigner {
                signer: hex::encode(signer),
            });
        }
        self.participants
            .get(signer)
            .ok_or_else(|| AdmissionError::UnknownSigner {
                signer: hex::encode(signer),
            })
    }

    fn check_replay(&self, hash: &Digest) -> Result<(), AdmissionError> {
        if self.replay.contains(hash) {
            return Err(AdmissionError::Replay {
                hash: hash.to_string(),
            });
        }
        Ok(())
    }

    fn execute_block(&mut self, block: &Block) -> Digest {
        let ctx = BlockCtx {
            height: block.height,
            time_ms: block.timestamp_ms,
            date: block_date(block.timestamp_ms),
        };
        self.replay.prune(ctx.time_ms);
        let decoded: Vec<(Digest, Result<SignedTx, TxError>)> = block
            .transactions
            .iter()
            .map(|tx| (transaction_hash(tx), SignedTx::decode(tx)))
            .collect();
        let mut signatures = self.check_signatures(&decoded).into_iter();
        for (index, (hash, tx)) in decoded.into_iter().enumerate() {
            // Decoded transactions have one verdict each, in order.
            let signature_ok = tx.is_ok() && signatures.next().unwrap_or(false);
            self.execute_tx(ctx, index, hash, tx, signature_ok);
        }
        self.finish_height(block.height)
    }

    /// Signature verdicts of the decoded transactions, in order.
    fn check_signatures(&self, decoded: &[(Digest, Result<SignedTx, TxError>)]) -> Vec<bool> {
        let items: Vec<SignedItem> = decoded
            .iter()
            .filter_map(|(hash, tx)| tx.as_ref().ok().map(|tx| (hash, tx)))
            .map(|(hash, tx)| SignedItem {
                hash: *hash,
                // An empty message fails verification, as a body that cannot encode should.
                message: tx.signing_bytes().unwrap_or_default(),
                key: tx.signer,
                signature: tx.signature,
            })
            .collect();
        verify_items(&items, &self.verified)
    }

    fn execute_tx(
        &mut self,
        ctx: BlockCtx,
        index: usize,
        hash: Digest,
        tx: Result<SignedTx, TxError>,
        signature_ok: bool,
    ) {
        let result = match self.check_envelope(ctx, &hash, tx, signature_ok) {
            // The first commit's outcome stays.
            Err(AdmissionError::Replay { .. }) => return,
            Err(envelope) => Err(envelope.to_string()),
            Ok((tx, signer)) => {
                self.replay.insert(tx.valid_until_ms, hash);
                self.verified.remove(&hash);
                self.apply_body(ctx, hash, tx, &signer)
                    .map_err(|rejection| rejection.to_string())
            }
        };
        let outcome = TxOutcome {
            height: ctx.height,
            index: u32::try_from(index).unwrap_or(u32::MAX),
            applied: result.is_ok(),
            reason: result.err(),
        };
        self.put(outcome_key(&hash), encode(&outcome));
    }

    fn check_envelope(
        &self,
        ctx: BlockCtx,
        hash: &Digest,
        tx: Result<SignedTx, TxError>,
        signature_ok: bool,
    ) -> Result<(SignedTx, Participant), AdmissionError> {
        let tx = tx?;
        if !signature_ok {
            return Err(AdmissionError::BadSignature {
                signer: hex::encode(tx.signer),
            });
        }
        let signer = self.check_signer(&tx.signer)?.clone();
        check_window(tx.valid_until_ms, ctx.time_ms)?;
        self.check_replay(hash)?;
        Ok((tx, signer))
    }

    fn apply_body(
        &mut self,
        ctx: BlockCtx,
        hash: Digest,
        tx: SignedTx,
        signer: &Participant,
    ) -> Result<(), BodyRejection> {
        match tx.body {
            TxBody::RegisterParticipant(participant) => self.register(signer, participant),
            TxBody::RevokeParticipant { public_key, reason } => {
                self.revoke(ctx, signer, public_key, reason)
            }
            TxBody::AnchorDocument {
                fingerprint,
                kind,
                jurisdiction,
                title,
            } => {
                let record = AnchorRecord {
                    fingerprint: hex::encode(fingerprint),
                    kind,
                    jurisdiction,
                    title,
                    issuer: signer.org.clone(),
                    signer: hex::encode(signer.public_key),
                    height: ctx.height,
                    time_ms: ctx.time_ms,
                    grants: Vec::new(),
                };
                self.anchor(fingerprint, record)
            }
            TxBody::GrantAccess {
                fingerprint,
                grantee,
            } => self.grant(ctx, signer, fingerprint, grantee),
            TxBody::RevokeAccess {
                fingerprint,
                grantee,
            } => self.revoke_grant(signer, fingerprint, grantee),
            TxBody::Open { role, action } => self.open(ctx, hash, actor(signer, role)?, action),
            TxBody::Act {
                instrument,
                role,
                action,
            } => self.act(ctx, instrument, actor(signer, role)?, action),
        }
    }

    fn register(
        &mut self,
        signer: &Participant,
        participant: Participant,
    ) -> Result<(), BodyRejection> {
        require_operator(signer, "register a participant")?;
        let key = hex::encode(participant.public_key);
        if self.revoked.contains(&participant.public_key) {
            return Err(BodyRejection::WasRevoked { key });
        }
        if self.participants.contains_key(&participant.public_key) {
            return Err(BodyRejection::AlreadyRegistered { key });
        }
        check_text("participant.org", &participant.org, PARTY_ID_LEN_MAX)?;
        check_text("participant.name", &participant.name, TEXT_LEN_MAX)?;
        self.put_participant(participant);
        Ok(())
    }

    fn revoke(
        &mut self,
        ctx: BlockCtx,
        signer: &Participant,
        public_key: [u8; 32],
        reason: String,
    ) -> Result<(), BodyRejection> {
        require_operator(signer, "revoke a participant")?;
        let key = hex::encode(public_key);
        if !self.participants.contains_key(&public_key) {
            return Err(BodyRejection::UnknownParticipant { key });
        }
        if self.revoked.contains(&public_key) {
            return Err(BodyRejection::AlreadyRevoked { key });
        }
        check_text("reason", &reason, TEXT_LEN_MAX)?;
        let revocation = Revocation {
            reason,
            height: ctx.height,
            revoked_by: hex::encode(signer.public_key),
        };
        self.put(revoked_key(&public_key), encode(&revocation));
        self.revoked.insert(public_key);
        Ok(())
    }

    fn anchor(&mut self, fingerprint: [u8; 32], record: AnchorRecord) -> Result<(), BodyRejection> {
        check_text("title", &record.title, TITLE_LEN_MAX)?;
        check_kind(&record.kind)?;
        let key = anchor_key(&fingerprint);
        if self.state.contains_key(&key) {
            return Err(BodyRejection::AlreadyAnchored {
                fingerprint: record.fingerprint,
            });
        }
        self.put(key, encode(&record));
        Ok(())
    }

    /// Grants `grantee` access to the anchored document; see [`TxBody::GrantAccess`]. Checks
    /// in a fixed order: grantee text, anchor, issuer, self-grant, grantee registered,
    /// duplicate, bound.
    fn grant(
        &mut self,
        ctx: BlockCtx,
        signer: &Participant,
        fingerprint: [u8; 32],
        grantee: String,
    ) -> Result<(), BodyRejection> {
        let mut record = self.issued_anchor(signer, &fingerprint, &grantee)?;
        if grantee == record.issuer {
            return Err(BodyRejection::GrantToIssuer { grantee });
        }
        if !self.org_active(&grantee) {
            return Err(BodyRejection::UnknownGrantee { grantee });
        }
        if record.grants.iter().any(|g| g.grantee == grantee) {
            return Err(BodyRejection::AlreadyGranted { grantee });
        }
        if record.grants.len() >= GRANTS_PER_ANCHOR_MAX {
            return Err(BodyRejection::TooManyGrants {
                max: GRANTS_PER_ANCHOR_MAX,
            });
        }
        record.grants.push(GrantRecord {
            grantee,
            height: ctx.height,
            time_ms: ctx.time_ms,
        });
        self.put(anchor_key(&fingerprint), encode(&record));
        Ok(())
    }

    /// Removes `grantee`'s grant; a revoked or unknown organization's grant may be removed too.
    fn revoke_grant(
        &mut self,
        signer: &Participant,
        fingerprint: [u8; 32],
        grantee: String,
    ) -> Result<(), BodyRejection> {
        let mut record = self.issued_anchor(signer, &fingerprint, &grantee)?;
        let before = record.grants.len();
        record.grants.retain(|g| g.grantee != grantee);
        if record.grants.len() == before {
            return Err(BodyRejection::NoGrant { grantee });
        }
        self.put(anchor_key(&fingerprint), encode(&record));
        Ok(())
    }

    /// The anchor of `fingerprint`, if the signer's organization issued it (after checking
    /// the grantee is a well-formed party id).
    fn issued_anchor(
        &self,
        signer: &Participant,
        fingerprint: &[u8; 32],
        grantee: &str,
    ) -> Result<AnchorRecord, BodyRejection> {
        check_text("grantee", grantee, PARTY_ID_LEN_MAX)?;
        let record: AnchorRecord = self
            .state
            .get(&anchor_key(fingerprint))
            .and_then(|bytes| decode(bytes))
            .ok_or_else(|| BodyRejection::UnknownAnchor {
                fingerprint: hex::encode(fingerprint),
            })?;
        if record.issuer != signer.org {
            return Err(BodyRejection::NotIssuer {
                issuer: record.issuer,
                org: signer.org.clone(),
            });
        }
        Ok(record)
    }

    /// Whether `org` has a registered participant whose key is not revoked.
    fn org_active(&self, org: &str) -> bool {
        let Some(prefix) = org_prefix(org) else {
            return false;
        };
        self.state
            .range(prefix.clone()..)
            .take_while(|(key, _)| key.starts_with(&prefix))
            .filter_map(|(key, _)| <[u8; 32]>::try_from(&key[prefix.len()..]).ok())
            .any(|public_key| !self.revoked.contains(&public_key))
    }

    /// Opens an instrument whose id is the opening transaction's hash.
    fn open(
        &mut self,
        ctx: BlockCtx,
        id: Digest,
        actor: Actor,
        action: InstrumentAction,
    ) -> Result<(), BodyRejection> {
        let ictx = instrument_ctx(ctx);
        let instrument = match action {
            InstrumentAction::Lc(a) => {
                applied(LcInstrument::open(a, &actor, &ictx)).map(AnyInstrument::LetterOfCredit)
            }
            InstrumentAction::Invoice(a) => {
                applied(self.financing.open(a, &actor, &ictx)).map(AnyInstrument::Invoice)
            }
            InstrumentAction::Declaration(a) => {
                applied(DeclarationInstrument::open(a, &actor, &ictx))
                    .map(AnyInstrument::CustomsDeclaration)
            }
            InstrumentAction::Presentation(_) => Err(BodyRejection::InvalidField {
                field: "action",
                problem: "a presentation is made under its credit: act on the credit's id".into(),
            }),
        }?;
        self.store_instrument(id, ctx.height, instrument);
        Ok(())
    }

    fn act(
        &mut self,
        ctx: BlockCtx,
        id: Digest,
        actor: Actor,
        action: InstrumentAction,
    ) -> Result<(), BodyRejection> {
        let stored: StoredInstrument = self
            .state(&instrument_key(&id))
            .and_then(|bytes| decode(&bytes))
            .ok_or_else(|| BodyRejection::UnknownInstrument { id: id.to_string() })?;
        let ictx = instrument_ctx(ctx);
        let next = match (stored.instrument, action) {
            (AnyInstrument::LetterOfCredit(lc), InstrumentAction::Lc(a)) => {
                applied(lc.apply(a, &actor, &ictx)).map(AnyInstrument::LetterOfCredit)
            }
            (AnyInstrument::LetterOfCredit(lc), InstrumentAction::Presentation(p)) => {
                applied(lc.apply(LcAction::Presentation(p), &actor, &ictx))
                    .map(AnyInstrument::LetterOfCredit)
            }
            (AnyInstrument::Invoice(invoice), InstrumentAction::Invoice(a)) => {
                applied(self.financing.apply(&invoice, a, &actor, &ictx))
                    .map(AnyInstrument::Invoice)
            }
            (AnyInstrument::CustomsDeclaration(d), InstrumentAction::Declaration(a)) => {
                applied(d.apply(a, &actor, &ictx)).map(AnyInstrument::CustomsDeclaration)
            }
            (instrument, action) => Err(BodyRejection::WrongKind {
                action: action.kind(),
                kind: instrument.kind(),
            }),
        }?;
        self.store_instrument(id, stored.opened_height, next);
        Ok(())
    }

    /// Writes the instrument, its newest history entry and its index entries.
    fn store_instrument(&mut self, id: Digest, opened_height: Height, instrument: AnyInstrument) {
        if let Some((seq, entry)) = instrument.last_entry() {
            self.put(history_key(&id, seq), encode(&entry));
        }
        self.index_instrument(&id, &instrument);
        let stored = StoredInstrument {
            opened_height,
            instrument,
        };
        self.put(instrument_key(&id), encode(&stored));
    }

    /// Indexes the instrument under each party it names and each document it references.
    /// Entries are written once and never removed, so a height writes only new ones.
    fn index_instrument(&mut self, id: &Digest, instrument: &AnyInstrument) {
        let kind = encode(&instrument.kind());
        let parties = instrument
            .parties()
            .into_iter()
            .filter_map(|p| party_key(p, id));
        let documents = instrument.documents().into_iter().map(|f| uses_key(&f, id));
        let keys: Vec<Vec<u8>> = parties.chain(documents).collect();
        for key in keys {
            if !self.state.contains_key(&key) {
                self.put(key, kind.clone());
            }
        }
    }

    fn put_participant(&mut self, participant: Participant) {
        self.put(
            participant_key(&participant.public_key),
            encode(&participant),
        );
        if let Some(key) = org_key(&participant.org, &participant.public_key) {
            self.put(key, encode(&participant.role));
        }
        self.participants
            .insert(participant.public_key, participant);
    }

    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.state.insert(key.clone(), value.clone());
        self.current.insert(key, Some(value));
    }

    /// Closes a height: chains the root over its writes and keeps them for the node.
    fn finish_height(&mut self, height: Height) -> Digest {
        let writes: WriteSet = std::mem::take(&mut self.current).into_iter().collect();
        self.root = Digest::of(&[
            b"silkway/ledger-root/v1",
            &self.root.0,
            &height.to_be_bytes(),
            &writes_hash(&writes).0,
        ]);
        self.untaken.insert(height, writes);
        while self.untaken.len() > WRITES_KEPT_MAX {
            if let Some((dropped, _)) = self.untaken.pop_first() {
                tracing::warn!(
                    height = dropped,
                    "dropping the untaken write set of height {dropped}: the node did not take it"
                );
            }
        }
        self.root
    }
}

impl Application for TradeApp {
    fn execute(&mut self, block: &Block, _id: &Digest) -> Execution {
        Execution {
            state_root: self.execute_block(block),
            next_validators: None,
        }
    }
}

impl StateView for TradeApp {
    fn state(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.state.state(key)
    }

    fn state_scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.state.state_scan(prefix, after, limit)
    }
}

/// SHA-256 over a height's writes in key order: each key with its length, then a tag (0 for a
/// deletion, 1 for a value) and the value with its length.
pub fn writes_hash(writes: &WriteSet) -> Digest {
    let mut hasher = Sha256::new();
    hasher.update(b"silkway/ledger-writes/v1");
    hasher.update((writes.len() as u64).to_be_bytes());
    for (key, value) in writes {
        hasher.update((key.len() as u64).to_be_bytes());
        hasher.update(key);
        match value {
            None => hasher.update([0u8]),
            Some(value) => {
                hasher.update([1u8]);
                hasher.update((value.len() as u64).to_be_bytes());
                hasher.update(value);
            }
        }
    }
    Digest(hasher.finalize().into())
}

/// Whether a participant certified as `certified` may act on an instrument as `role`.
pub fn role_allowed(certified: ParticipantRole, role: Role) -> bool {
    use ParticipantRole as P;
    match certified {
        P::Bank => matches!(
            role,
            Role::IssuingBank
                | Role::AdvisingBank
                | Role::ConfirmingBank
                | Role::NominatedBank
                | Role::Financier
        ),
        P::Exporter => matches!(
            role,
            Role::Applicant | Role::Beneficiary | Role::Seller | Role::Buyer | Role::Declarant
        ),
        P::Customs => role == Role::Customs,
        P::Operator => role == Role::Operator,
        P::Validator => false,
    }
}

/// The UTC date of a block timestamp (clamped to the calendar's range, year 9999).
pub fn block_date(timestamp_ms: u64) -> Date {
    const LAST_SECOND: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    let seconds = (timestamp_ms / 1000).min(LAST_SECOND) as i64;
    let date = time::OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| t.date())
        .unwrap_or(time::Date::MAX);
    Date::from(date)
}

/// `now_ms <= valid_until_ms <= now_ms + TX_VALIDITY_MAX_MS`.
fn check_window(valid_until_ms: u64, now_ms: u64) -> Result<(), AdmissionError> {
    if valid_until_ms < now_ms {
        return Err(AdmissionError::Expired {
            valid_until_ms,
            now_ms,
        });
    }
    if valid_until_ms - now_ms > TX_VALIDITY_MAX_MS {
        return Err(AdmissionError::TooFarAhead {
            valid_until_ms,
            now_ms,
            max_ms: TX_VALIDITY_MAX_MS,
        });
    }
    Ok(())
}

fn actor(signer: &Participant, role: Role) -> Result<Actor, BodyRejection> {
    if !role_allowed(signer.role, role) {
        return Err(BodyRejection::RoleNotCertified {
            role,
            certified: signer.role,
        });
    }
    Ok(Actor::new(signer.org.clone(), role))
}

fn require_operator(signer: &Participant, action: &'static str) -> Result<(), BodyRejection> {
    if signer.role != ParticipantRole::Operator {
        return Err(BodyRejection::NotOperator {
            action,
            role: signer.role,
        });
    }
    Ok(())
}

fn check_text(field: &'static str, text: &str, len_max: usize) -> Result<(), BodyRejection> {
    if text.trim().is_empty() || text.len() > len_max {
        return Err(BodyRejection::InvalidField {
            field,
            problem: format!("holds 1 to {len_max} bytes of text, found {}", text.len()),
        });
    }
    Ok(())
}

/// A kind name: 1 to [`KIND_LEN_MAX`] bytes of lower-case letters, digits and underscores.
fn check_kind(kind: &str) -> Result<(), BodyRejection> {
    let well_formed = kind
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if kind.is_empty() || kind.len() > KIND_LEN_MAX || !well_formed {
        return Err(BodyRejection::InvalidField {
            field: "kind",
            problem: format!(
                "a document kind is 1 to {KIND_LEN_MAX} lower-case letters, digits or \
                 underscores, found '{kind}'"
            ),
        });
    }
    Ok(())
}

fn instrument_ctx(ctx: BlockCtx) -> Context {
    Context {
        height: ctx.height,
        date: ctx.date,
    }
}

fn applied<I, E>(transition: Transition<I, E>) -> Result<I, BodyRejection> {
    match transition {
        Transition::Applied { instrument, .. } => Ok(instrument),
        Transition::Rejected { reason } => Err(BodyRejection::Instrument(reason)),
    }
}

impl InstrumentAction {
    /// The instrument family the action belongs to.
    pub fn kind(&self) -> &'static str {
        match self {
            InstrumentAction::Lc(_) => "letter_of_credit",
            InstrumentAction::Presentation(_) => "presentation",
            InstrumentAction::Invoice(_) => "invoice",
            InstrumentAction::Declaration(_) => "customs_declaration",
        }
    }
}

impl AdmissionError {
    /// The field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            AdmissionError::Tx(_) | AdmissionError::Replay { .. } => "tx",
            AdmissionError::BadSignature { .. } => "signature",
            AdmissionError::UnknownSigner { .. } | AdmissionError::RevokedSigner { .. } => "signer",
            AdmissionError::Expired { .. } | AdmissionError::TooFarAhead { .. } => "valid_until_ms",
        }
    }
}

/// Hashes of committed transactions until their `valid_until_ms` passes.
#[derive(Debug, Default)]
struct ReplayWindow {
    by_expiry: BTreeSet<(u64, Digest)>,
    hashes: BTreeSet<Digest>,
}

impl ReplayWindow {
    fn insert(&mut self, valid_until_ms: u64, hash: Digest) {
        if self.hashes.insert(hash) {
            self.by_expiry.insert((valid_until_ms, hash));
        }
    }

    fn contains(&self, hash: &Digest) -> bool {
        self.hashes.contains(hash)
    }

    /// Forgets transactions that can no longer be valid in a block stamped `now_ms` or later.
    fn prune(&mut self, now_ms: u64) {
        while let Some(&(valid_until_ms, hash)) = self.by_expiry.first() {
            if valid_until_ms >= now_ms {
                break;
            }
            self.by_expiry.pop_first();
            self.hashes.remove(&hash);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_validity_window_is_inclusive_and_bounded() {
        let cases = [
            (1_000, 1_000, None),
            (1_000 + TX_VALIDITY_MAX_MS, 1_000, None),
            (999, 1_000, Some("valid_until_ms")),
            (1_001 + TX_VALIDITY_MAX_MS, 1_000, Some("valid_until_ms")),
        ];
        for (valid_until_ms, now_ms, field) in cases {
            let result = check_window(valid_until_ms, now_ms);
            assert_eq!(
                result.err().map(|e| e.field()),
                field,
                "{valid_until_ms} at {now_ms}"
            );
        }
    }

    #[test]
    fn certificate_roles_map_to_instrument_roles() {
        use ParticipantRole as P;
        let cases = [
            (P::Bank, Role::IssuingBank, true),
            (P::Bank, Role::Financier, true),
            (P::Bank, Role::Beneficiary, false),
            (P::Exporter, Role::Declarant, true),
            (P::Exporter, Role::Seller, true),
            (P::Exporter, Role::Financier, false),
            (P::Customs, Role::Customs, true),
            (P::Customs, Role::Declarant, false),
            (P::Operator, Role::Operator, true),
            (P::Validator, Role::Operator, false),
        ];
        for (certified, role, allowed) in cases {
            assert_eq!(
                role_allowed(certified, role),
                allowed,
                "{certified} as {role}"
            );
        }
        assert!(Role::ALL
            .iter()
            .all(|role| !role_allowed(P::Validator, *role)));
    }

    #[test]
    fn block_dates_are_utc_and_total() {
        let date = |ms: u64| block_date(ms).to_string();
        assert_eq!(date(0), "1970-01-01");
        // 2026-04-28T23:59:59.999Z and the next millisecond.
        assert_eq!(date(1_777_420_799_999), "2026-04-28");
        assert_eq!(date(1_777_420_800_000), "2026-04-29");
        assert_eq!(date(u64::MAX), "9999-12-31");
    }

    #[test]
    fn the_replay_window_forgets_only_what_can_no_longer_be_valid() {
        let mut window = ReplayWindow::default();
        let (a, b) = (Digest::of(&[b"a"]), Digest::of(&[b"b"]));
        window.insert(100, a);
        window.insert(200, b);
        window.prune(100);
        assert!(window.contains(&a), "still valid in a block stamped 100");
        window.prune(101);
        assert!(!window.contains(&a));
        assert!(window.contains(&b));
    }

    #[test]
    fn genesis_writes_belong_to_height_zero_and_scans_page() {
        let participants: Vec<Participant> = (0..5u8)
            .map(|i| Participant {
                org: format!("org {i}"),
                name: format!("name {i}"),
                country: trade_docs::Country::KZ,
                role: ParticipantRole::Bank,
                public_key: [i; 32],
                serial_hex: "01".into(),
                not_after_unix_s: 0,
            })
            .collect();
        let mut app = TradeApp::new(&Genesis {
            chain_id: "test".into(),
            validators: Vec::new(),
            participants,
        });
        let writes = app.take_writes(0).unwrap();
        assert_eq!(
            writes.len(),
            11,
            "five participants, their organization index entries and the chain id"
        );
        assert_eq!(app.take_writes(0), None, "taken once");
        let first = app.state_scan(PARTICIPANT_PREFIX, None, 2);
        assert_eq!(first.len(), 2);
        let rest = app.state_scan(PARTICIPANT_PREFIX, Some(&first[1].0), 10);
        assert_eq!(rest.len(), 3);
        assert_eq!(rest[0].0, participant_key(&[2; 32]));
    }
}
