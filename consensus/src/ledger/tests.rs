//! Tests of the ledger's access grants, indexes and the queries over them, through
//! [`TradeApp`] executing blocks: who may grant and revoke access to an anchored document, the
//! bound on grants, the party index and its paging, document uses, participant queries, and
//! the pages of committed blocks with their outcomes that followers read.
//!
//! Deliberately not here: the envelope checks and the whole scenario's outcomes
//! (`tests/ledger_scenario.rs`), and the engine (`tests/ledger_engine.rs`).

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;
use trade_docs::instrument::{LcAction, Role};
use trade_docs::Country;

use super::app::{block_date, GRANTS_PER_ANCHOR_MAX};
use super::query::{self, StateView, LIST_PAGE_MAX};
use super::scenario::{self, demo_parties, party_specs, Expect, Party, ScenarioStep};
use super::state::*;
use super::{Genesis, InstrumentAction, SignedTx, TradeApp, TxBody, TxOutcome};
use crate::app::Application;
use crate::participant::{Participant, ParticipantRole};
use crate::store::{MemoryStore, Record};
use crate::types::{transaction_hash, Block, Digest, Height};

const DAY_MS: u64 = 86_400_000;
/// Noon of 2024-10-03, so that every block of a test falls on one date.
const START_MS: u64 = 20_000 * DAY_MS + DAY_MS / 2;
const DOCUMENT: [u8; 32] = [0xd0; 32];

/// A ledger with the demo parties (and any extra participants), executing one block per call.
struct Ledger {
    app: TradeApp,
    parties: Vec<Party>,
    height: Height,
    nonce: u64,
    /// The executed blocks, committed, as the node's store would hold them.
    store: MemoryStore,
}

impl Ledger {
    fn new(extra: Vec<Party>) -> Ledger {
        let keys: Vec<SigningKey> = (0..party_specs().len())
            .map(|i| SigningKey::from_bytes(&[i as u8 + 60; 32]))
            .collect();
        let mut parties = demo_parties(&keys);
        parties.extend(extra);
        let app = TradeApp::new(&Genesis {
            chain_id: "ledger-tests".into(),
            validators: Vec::new(),
            participants: parties.iter().map(|p| p.participant.clone()).collect(),
        });
        Ledger {
            app,
            parties,
            height: 0,
            nonce: 0,
            store: MemoryStore::default(),
        }
    }

    fn key(&self, org: &str) -> &SigningKey {
        &self
            .parties
            .iter()
            .find(|p| p.participant.org == org)
            .unwrap_or_else(|| panic!("no party {org}"))
            .key
    }

    fn sign(&mut self, org: &str, body: TxBody) -> Vec<u8> {
        self.nonce += 1;
        SignedTx::sign(self.key(org), self.nonce, START_MS + 60_000, body)
            .unwrap()
            .encode()
            .unwrap()
    }

    fn execute(&mut self, txs: Vec<Vec<u8>>) -> Vec<TxOutcome> {
        self.height += 1;
        let block = Block {
            height: self.height,
            round: self.height,
            timestamp_ms: START_MS + self.height,
            transactions: txs.clone(),
            ..Block::genesis()
        };
        self.app.execute(&block, &Digest::ZERO);
        let block_id = block.id();
        self.store.apply(&Record::Block(block));
        self.store.apply(&Record::Committed {
            height: self.height,
            block_id,
        });
        txs.iter()
            .map(|tx| query::outcome(&self.app, &transaction_hash(tx)).unwrap())
            .collect()
    }

    /// Signs `body` as `org` and executes it alone in a block.
    fn submit(&mut self, org: &str, body: TxBody) -> TxOutcome {
        let tx = self.sign(org, body);
        self.execute(vec![tx]).remove(0)
    }

    fn grants(&self, fingerprint: &[u8; 32]) -> Vec<String> {
        let anchor = query::anchor(&self.app, fingerprint).unwrap();
        anchor.grants.into_iter().map(|g| g.grantee).collect()
    }

    /// The scenario, one step per block, every outcome as expected; returns its steps.
    fn run_scenario(&mut self) -> Vec<ScenarioStep> {
        let steps = scenario::scenario(&self.parties, block_date(START_MS), START_MS).unwrap();
        let outcomes = steps
            .iter()
            .map(|step| self.execute(vec![step.tx.clone()]).remove(0))
            .collect::<Vec<_>>();
        for (step, outcome) in steps.iter().zip(outcomes) {
            let applied = step.expect == Expect::Applied;
            assert_eq!(outcome.applied, applied, "{}: {:?}", step.label, outcome);
        }
        steps
    }
}

fn grant(fingerprint: [u8; 32], grantee: &str) -> TxBody {
    TxBody::GrantAccess {
        fingerprint,
        grantee: grantee.into(),
    }
}

fn revoke(fingerprint: [u8; 32], grantee: &str) -> TxBody {
    TxBody::RevokeAccess {
        fingerprint,
        grantee: grantee.into(),
    }
}

fn anchor_body(fingerprint: [u8; 32]) -> TxBody {
    TxBody::AnchorDocument {
        fingerprint,
        kind: "packing_list".into(),
        jurisdiction: Country::CN,
        title: "Packing list TH-PL-2611".into(),
    }
}

fn step_id(steps: &[ScenarioStep], label: &str) -> Digest {
    let step = steps.iter().find(|s| s.label == label).unwrap();
    transaction_hash(&step.tx)
}

fn ids(records: &[query::InstrumentRecord]) -> Vec<String> {
    records.iter().map(|r| r.id.clone()).collect()
}

#[test]
fn only_the_issuer_grants_and_revokes_and_only_to_registered_organizations() {
    use scenario::{ADVISING_BANK, BENEFICIARY, ISSUING_BANK, OPERATOR_KZ, THIRD_BANK};
    let mut ledger = Ledger::new(Vec::new());
    assert!(ledger.submit(BENEFICIARY, anchor_body(DOCUMENT)).applied);
    let third = ledger.key(THIRD_BANK).verifying_key().to_bytes();
    let revocation = TxBody::RevokeParticipant {
        public_key: third,
        reason: "left the consortium".into(),
    };
    assert!(ledger.submit(OPERATOR_KZ, revocation).applied);
    // In order; each case sees the grants the applied ones before it made.
    let cases: Vec<(&str, &str, TxBody, Option<&str>)> = vec![
        (
            "non-issuer grants",
            ISSUING_BANK,
            grant(DOCUMENT, ADVISING_BANK),
            Some("field 'signer': only the anchor's issuer"),
        ),
        (
            "unknown organization",
            BENEFICIARY,
            grant(DOCUMENT, "NOBODY LLP"),
            Some("field 'grantee': NOBODY LLP is not a registered, unrevoked"),
        ),
        (
            "revoked organization",
            BENEFICIARY,
            grant(DOCUMENT, THIRD_BANK),
            Some("field 'grantee': CSFBKZKAXXX is not a registered, unrevoked"),
        ),
        (
            "grant to oneself",
            BENEFICIARY,
            grant(DOCUMENT, BENEFICIARY),
            Some("field 'grantee': TIANSHAN HEAVY INDUSTRY CO. is the anchor's issuer"),
        ),
        (
            "blank grantee",
            BENEFICIARY,
            grant(DOCUMENT, " "),
            Some("field 'grantee'"),
        ),
        (
            "unanchored document",
            BENEFICIARY,
            grant([1; 32], ISSUING_BANK),
            Some("field 'fingerprint': 0101"),
        ),
        (
            "revoke a grant never made",
            BENEFICIARY,
            revoke(DOCUMENT, ISSUING_BANK),
            Some("field 'grantee': STCBKZKAXXX has no access to revoke"),
        ),
        ("grant", BENEFICIARY, grant(DOCUMENT, ISSUING_BANK), None),
        (
            "duplicate grant",
            BENEFICIARY,
            grant(DOCUMENT, ISSUING_BANK),
            Some("field 'grantee': STCBKZKAXXX already has access"),
        ),
        (
            "second grant",
            BENEFICIARY,
            grant(DOCUMENT, ADVISING_BANK),
            None,
        ),
        (
            "non-issuer revokes",
            ISSUING_BANK,
            revoke(DOCUMENT, ISSUING_BANK),
            Some("field 'signer'"),
        ),
        ("revoke", BENEFICIARY, revoke(DOCUMENT, ISSUING_BANK), None),
        (
            "revoke again",
            BENEFICIARY,
            revoke(DOCUMENT, ISSUING_BANK),
            Some("has no access to revoke"),
        ),
        (
            "grant again after a revoke",
            BENEFICIARY,
            grant(DOCUMENT, ISSUING_BANK),
            None,
        ),
    ];
    for (name, signer, body, rejected) in cases {
        let outcome = ledger.submit(signer, body);
        match rejected {
            None => assert!(outcome.applied, "{name}: {:?}", outcome.reason),
            Some(fragment) => {
                let reason = outcome.reason.unwrap_or_default();
                assert!(!outcome.applied, "{name}: applied");
                assert!(reason.contains(fragment), "{name}: {reason}");
            }
        }
    }
    assert_eq!(ledger.grants(&DOCUMENT), [ADVISING_BANK, ISSUING_BANK]);
    let anchor = query::anchor(&ledger.app, &DOCUMENT).unwrap();
    assert_eq!(anchor.grants[1].height, ledger.height);
    assert_eq!(anchor.grants[1].time_ms, START_MS + ledger.height);
}

#[test]
fn an_organization_with_any_unrevoked_key_may_be_granted_access() {
    const ORG: &str = "SILKWAY JV KZ";
    let validator = |seed: u8| {
        let key = SigningKey::from_bytes(&[seed; 32]);
        Party {
            participant: Participant {
                org: ORG.into(),
                name: format!("kz-validator-{seed}"),
                country: Country::KZ,
                role: ParticipantRole::Validator,
                public_key: key.verifying_key().to_bytes(),
                serial_hex: format!("{seed:02x}"),
                not_after_unix_s: 4_102_444_800,
            },
            key,
        }
    };
    let mut ledger = Ledger::new(vec![validator(1), validator(2)]);
    let revocation = |seed: u8| TxBody::RevokeParticipant {
        public_key: SigningKey::from_bytes(&[seed; 32])
            .verifying_key()
            .to_bytes(),
        reason: "key rotated".into(),
    };
    let other = [0xd1; 32];
    assert!(
        ledger
            .submit(scenario::BENEFICIARY, anchor_body(DOCUMENT))
            .applied
    );
    assert!(
        ledger
            .submit(scenario::BENEFICIARY, anchor_body(other))
            .applied
    );
    assert!(ledger.submit(scenario::OPERATOR_CN, revocation(1)).applied);
    let one_left = ledger.submit(scenario::BENEFICIARY, grant(DOCUMENT, ORG));
    assert!(one_left.applied, "{:?}", one_left.reason);
    assert!(ledger.submit(scenario::OPERATOR_CN, revocation(2)).applied);
    let none_left = ledger.submit(scenario::BENEFICIARY, grant(other, ORG));
    assert!(none_left
        .reason
        .unwrap()
        .contains("not a registered, unrevoked"));
    // A grant to an organization revoked since can still be withdrawn.
    assert!(
        ledger
            .submit(scenario::BENEFICIARY, revoke(DOCUMENT, ORG))
            .applied
    );
}

#[test]
fn an_anchor_holds_at_most_its_bound_of_grants() {
    let banks: Vec<Party> = (0..=GRANTS_PER_ANCHOR_MAX)
        .map(|i| {
            let key = SigningKey::from_bytes(&[i as u8 + 130; 32]);
            Party {
                participant: Participant {
                    org: format!("BANK {i:02}"),
                    name: format!("Bank {i:02}"),
                    country: Country::KZ,
                    role: ParticipantRole::Bank,
                    public_key: key.verifying_key().to_bytes(),
                    serial_hex: format!("{i:02x}"),
                    not_after_unix_s: 4_102_444_800,
                },
                key,
            }
        })
        .collect();
    let mut ledger = Ledger::new(banks);
    assert!(
        ledger
            .submit(scenario::BENEFICIARY, anchor_body(DOCUMENT))
            .applied
    );
    let txs: Vec<Vec<u8>> = (0..GRANTS_PER_ANCHOR_MAX)
        .map(|i| {
            ledger.sign(
                scenario::BENEFICIARY,
                grant(DOCUMENT, &format!("BANK {i:02}")),
            )
        })
        .collect();
    assert!(ledger.execute(txs).iter().all(|o| o.applied));
    let last = format!("BANK {GRANTS_PER_ANCHOR_MAX:02}");
    let refused = ledger.submit(scenario::BENEFICIARY, grant(DOCUMENT, &last));
    assert_eq!(
        refused.reason.as_deref(),
        Some("field 'grantee': the anchor already holds 64 grants, the most it may hold")
    );
    assert!(
        ledger
            .submit(scenario::BENEFICIARY, revoke(DOCUMENT, "BANK 00"))
            .applied
    );
    assert!(
        ledger
            .submit(scenario::BENEFICIARY, grant(DOCUMENT, &last))
            .applied
    );
    let grants = ledger.grants(&DOCUMENT);
    assert_eq!(grants.len(), GRANTS_PER_ANCHOR_MAX);
    assert_eq!(grants.first().map(String::as_str), Some("BANK 01"));
    assert_eq!(grants.last(), Some(&last));
}

#[test]
fn an_anchor_without_grants_encodes_as_before_grants_existed() {
    let mut record = AnchorRecord {
        fingerprint: hex::encode(DOCUMENT),
        kind: "invoice".into(),
        jurisdiction: Country::CN,
        title: "Commercial invoice".into(),
        issuer: "ISSUER".into(),
        signer: "00".into(),
        height: 3,
        time_ms: 9,
        grants: Vec::new(),
    };
    let bytes = encode(&record);
    assert!(!bytes.windows(6).any(|w| w == b"grants"));
    assert_eq!(decode::<AnchorRecord>(&bytes), Some(record.clone()));
    record.grants.push(GrantRecord {
        grantee: "GRANTEE".into(),
        height: 4,
        time_ms: 10,
    });
    assert_eq!(decode::<AnchorRecord>(&encode(&record)), Some(record));
}

#[test]
fn the_party_index_lists_each_instrument_for_its_parties_only() {
    use scenario::*;
    let mut ledger = Ledger::new(Vec::new());
    let steps = ledger.run_scenario();
    let lc = step_id(&steps, "issue the credit").to_string();
    let invoice = step_id(&steps, "register the invoice").to_string();
    let of = |party: &str| ids(&query::instruments_of(&ledger.app, party, None, 100));
    for party in [ISSUING_BANK, ADVISING_BANK, APPLICANT, BENEFICIARY] {
        assert!(of(party).contains(&lc), "{party}");
    }
    for party in [
        THIRD_BANK,
        CUSTOMS_KHORGOS,
        CUSTOMS_HORGOS,
        OPERATOR_KZ,
        "NOBODY",
    ] {
        assert!(!of(party).contains(&lc), "{party}");
    }
    // The advising bank financed the first invoice; the third bank's financing was refused.
    assert_eq!(of(ADVISING_BANK), {
        let mut both = vec![lc.clone(), invoice.clone()];
        both.sort();
        both
    });
    assert!(of(THIRD_BANK).is_empty());
    assert_eq!(
        of(BENEFICIARY).len(),
        4,
        "credit, two invoices, export declaration"
    );
    assert_eq!(
        of(APPLICANT).len(),
        5,
        "credit, two invoices, two import declarations"
    );
    assert_eq!(of(CUSTOMS_AKTAU).len(), 1);
    let aktau = &query::instruments_of(&ledger.app, CUSTOMS_AKTAU, None, 10)[0];
    assert_eq!(
        (aktau.kind.as_str(), aktau.state.as_str()),
        ("customs_declaration", "risk_assessed")
    );
}

#[test]
fn optional_credit_parties_are_indexed() {
    use scenario::*;
    let mut ledger = Ledger::new(Vec::new());
    let steps = ledger.run_scenario();
    let issue = SignedTx::decode(
        &steps
            .iter()
            .find(|s| s.label == "issue the credit")
            .unwrap()
            .tx,
    )
    .unwrap();
    let TxBody::Open {
        action: InstrumentAction::Lc(LcAction::IssueLc { terms, mut parties }),
        ..
    } = issue.body
    else {
        panic!("not an issue");
    };
    parties.confirming_bank = Some(THIRD_BANK.into());
    parties.nominated_bank = Some(ADVISING_BANK.into());
    let body = TxBody::Open {
        role: Role::IssuingBank,
        action: InstrumentAction::Lc(LcAction::IssueLc { terms, parties }),
    };
    let tx = ledger.sign(ISSUING_BANK, body);
    assert!(ledger.execute(vec![tx.clone()])[0].applied);
    let id = transaction_hash(&tx).to_string();
    let of = |party: &str| ids(&query::instruments_of(&ledger.app, party, None, 100));
    assert_eq!(of(THIRD_BANK), vec![id.clone()]);
    assert!(of(ADVISING_BANK).contains(&id));
}

#[test]
fn party_pages_follow_the_index_and_are_bounded() {
    let mut ledger = Ledger::new(Vec::new());
    ledger.run_scenario();
    let party = scenario::APPLICANT;
    let all = query::instruments_of(&ledger.app, party, None, 100);
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = query::instruments_of(&ledger.app, party, after, 2);
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some(Digest(hex::decode(&last.id).unwrap().try_into().unwrap()));
        paged.extend(ids(&page));
    }
    assert_eq!(paged, ids(&all));
    assert!(paged.windows(2).all(|w| w[0] < w[1]), "in id order");
    assert!(query::instruments_of(&ledger.app, party, None, 0).is_empty());

    // Over the page bound: a copy of the state with 150 more instruments naming the party.
    let mut state: BTreeMap<Vec<u8>, Vec<u8>> = ledger
        .app
        .state_scan(b"", None, usize::MAX)
        .into_iter()
        .collect();
    let first = Digest(hex::decode(&all[0].id).unwrap().try_into().unwrap());
    let stored = ledger.app.state(&instrument_key(&first));
    for i in 0..150u8 {
        let id = Digest([i; 32]);
        state.insert(party_key(party, &id).unwrap(), encode(&"letter_of_credit"));
        state.insert(instrument_key(&id), stored.clone().unwrap());
    }
    assert_eq!(
        query::instruments_of(&state, party, None, 1000).len(),
        LIST_PAGE_MAX
    );
}

#[test]
fn document_uses_list_the_instruments_referencing_a_document() {
    let mut ledger = Ledger::new(Vec::new());
    let steps = ledger.run_scenario();
    let lc = step_id(&steps, "issue the credit").to_string();
    let fingerprint_of = |label: &str| {
        let tx = SignedTx::decode(&steps.iter().find(|s| s.label == label).unwrap().tx).unwrap();
        match tx.body {
            TxBody::AnchorDocument { fingerprint, .. } => fingerprint,
            _ => panic!("{label}: not an anchor"),
        }
    };
    let uses = |label: &str| {
        query::document_uses(&ledger.app, &fingerprint_of(label))
            .into_iter()
            .map(|u| (u.id, u.kind, u.state))
            .collect::<Vec<_>>()
    };
    let credit = (
        lc.clone(),
        "letter_of_credit".to_string(),
        "settled".to_string(),
    );
    assert_eq!(uses("anchor the letter_of_credit"), vec![credit.clone()]);
    // Presented documents are used by the credit; the invoice's business fingerprint is not
    // indexed, so the invoice document is used by the credit alone.
    assert_eq!(uses("anchor the invoice"), vec![credit.clone()]);
    assert_eq!(uses("anchor the transport_document"), [credit]);
    // Each declaration is anchored by the step just before its submission.
    let submit = "submit the Kazakh import declaration";
    let position = steps.iter().position(|s| s.label == submit).unwrap();
    let TxBody::AnchorDocument { fingerprint, .. } =
        SignedTx::decode(&steps[position - 1].tx).unwrap().body
    else {
        panic!("the step before a submission anchors its declaration");
    };
    let kz = step_id(&steps, submit).to_string();
    let json = serde_json::to_value(query::document_uses(&ledger.app, &fingerprint)).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{"id": kz, "kind": "customs_declaration", "state": "released"}])
    );
    assert!(query::document_uses(&ledger.app, &[0; 32]).is_empty());
}

#[test]
fn participant_queries_say_whether_a_key_is_revoked() {
    let mut ledger = Ledger::new(Vec::new());
    let third = ledger.key(scenario::THIRD_BANK).verifying_key().to_bytes();
    let record = query::participant(&ledger.app, &third).unwrap();
    assert_eq!(record.participant.org, scenario::THIRD_BANK);
    assert!(!record.revoked);
    let revocation = TxBody::RevokeParticipant {
        public_key: third,
        reason: "key reported compromised".into(),
    };
    assert!(ledger.submit(scenario::OPERATOR_KZ, revocation).applied);
    let record = query::participant(&ledger.app, &third).unwrap();
    assert!(record.revoked);
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(json["org"], scenario::THIRD_BANK);
    assert_eq!(json["public_key"], hex::encode(third));
    assert_eq!(json["role"], "bank");
    assert_eq!(json["revoked"], true);
    assert!(query::participant(&ledger.app, &[0; 32]).is_none());

    let all = query::participants(&ledger.app);
    assert_eq!(all.len(), ledger.parties.len());
    let keys: Vec<[u8; 32]> = all.iter().map(|r| r.participant.public_key).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "in key order");
    let revoked: Vec<&str> = all
        .iter()
        .filter(|r| r.revoked)
        .map(|r| r.participant.org.as_str())
        .collect();
    assert_eq!(revoked, [scenario::THIRD_BANK]);
}

#[test]
fn committed_blocks_come_in_order_with_their_outcomes() {
    let mut ledger = Ledger::new(Vec::new());
    let applied = ledger.sign(scenario::BENEFICIARY, anchor_body(DOCUMENT));
    // The same document anchored twice: the ledger refuses the second.
    let refused = ledger.sign(scenario::BENEFICIARY, anchor_body(DOCUMENT));
    ledger.execute(vec![applied.clone(), refused.clone()]);
    ledger.execute(Vec::new());
    let third = ledger.sign(scenario::APPLICANT, anchor_body([0xd1; 32]));
    ledger.execute(vec![third.clone()]);

    let page = query::blocks(&ledger.store, &ledger.app, 0, 10);
    let heights: Vec<Height> = page.iter().map(|b| b.height).collect();
    assert_eq!(heights, [1, 2, 3]);
    assert_eq!(page[0].timestamp_ms, START_MS + 1);
    let first = &page[0].txs;
    assert_eq!(first.len(), 2);
    assert_eq!(
        (first[0].tx.clone(), first[0].applied),
        (applied.clone(), true)
    );
    assert_eq!(first[0].hash, transaction_hash(&applied));
    assert!(!first[1].applied);
    assert!(first[1]
        .reason
        .as_deref()
        .unwrap_or_default()
        .contains("anchor"));
    assert!(page[1].txs.is_empty());
    // A transaction decodes back to what was signed.
    let decoded = SignedTx::decode(&page[2].txs[0].tx).unwrap();
    assert_eq!(decoded.body, anchor_body([0xd1; 32]));

    // Resumable: from a height, bounded by the limit, empty past the top.
    let resumed = query::blocks(&ledger.store, &ledger.app, 1, 1);
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0], page[1]);
    assert!(query::blocks(&ledger.store, &ledger.app, 3, 10).is_empty());
    // A limit of 0 still moves a follower on by one block.
    assert_eq!(query::blocks(&ledger.store, &ledger.app, 0, 0).len(), 1);

    // The request and the page survive the client wire.
    use crate::net::client::{Request, Response};
    use crate::net::wire;
    let request = Request::Blocks {
        after_height: 1,
        limit: 2,
    };
    assert_eq!(
        wire::decode::<Request>(&wire::encode(&request)[4..]).unwrap(),
        request
    );
    let response = Response::Blocks(page.clone());
    assert_eq!(
        wire::decode::<Response>(&wire::encode(&response)[4..]).unwrap(),
        response
    );
}
