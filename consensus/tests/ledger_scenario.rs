//! The trade ledger end to end: the PRODUCT.md §7 scenario fed block by block into
//! `TradeApp`, its final states and queries (grants, the party index, document uses),
//! determinism of state roots, revocation, envelope rejections at execution, and admission
//! refusals.

use consensus::app::Application;
use consensus::ledger::app::block_date;
use consensus::ledger::scenario::{self, demo_parties, party_specs, Expect, Party, ScenarioStep};
use consensus::ledger::{
    query, Genesis, InstrumentAction, SignedTx, StateView, TradeApp, TxBody, TX_VALIDITY_MAX_MS,
};
use consensus::participant::ParticipantRole;
use consensus::types::*;
use ed25519_dalek::SigningKey;
use trade_docs::instrument::PresentationAction;
use trade_docs::{Country, Date};

const DAY_MS: u64 = 86_400_000;

fn parties() -> Vec<Party> {
    let keys: Vec<SigningKey> = (0..party_specs().len())
        .map(|i| SigningKey::from_bytes(&[i as u8 + 1; 32]))
        .collect();
    demo_parties(&keys)
}

fn genesis(parties: &[Party]) -> Genesis {
    Genesis {
        chain_id: "silkway-test".into(),
        validators: Vec::new(),
        participants: parties.iter().map(|p| p.participant.clone()).collect(),
    }
}

/// Noon (UTC) of today, so that a scenario of a few minutes stays on one date.
fn noon_today_ms() -> u64 {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    now_ms - now_ms % DAY_MS + DAY_MS / 2
}

fn block(height: Height, timestamp_ms: u64, transactions: Vec<Transaction>) -> Block {
    Block {
        epoch: 0,
        round: height,
        height,
        parent_id: Digest::ZERO,
        qc: QuorumCert::anchor(0, Digest::ZERO, 0),
        proposer: 0,
        timestamp_ms,
        transactions,
        executed: None,
    }
}

struct Run {
    parties: Vec<Party>,
    app: TradeApp,
    steps: Vec<ScenarioStep>,
    start_ms: u64,
}

impl Run {
    fn new() -> Run {
        let parties = parties();
        let app = TradeApp::new(&genesis(&parties));
        let start_ms = noon_today_ms();
        let steps = scenario::scenario(&parties, block_date(start_ms), start_ms).unwrap();
        Run {
            parties,
            app,
            steps,
            start_ms,
        }
    }

    fn step(&self, label: &str) -> &ScenarioStep {
        self.steps
            .iter()
            .find(|s| s.label == label)
            .unwrap_or_else(|| panic!("no step '{label}'"))
    }

    fn id(&self, label: &str) -> Digest {
        transaction_hash(&self.step(label).tx)
    }

    fn key(&self, org: &str) -> &SigningKey {
        &self
            .parties
            .iter()
            .find(|p| p.participant.org == org)
            .unwrap()
            .key
    }

    /// One step per block, one second apart; checks each outcome as it commits.
    fn run_all(&mut self) {
        for (i, step) in self.steps.iter().enumerate() {
            let height = i as u64 + 1;
            let timestamp_ms = self.start_ms + i as u64 * 1000;
            self.app.execute(
                &block(height, timestamp_ms, vec![step.tx.clone()]),
                &Digest::ZERO,
            );
            let outcome = query::outcome(&self.app, &transaction_hash(&step.tx))
                .unwrap_or_else(|| panic!("{}: no outcome", step.label));
            assert_eq!(outcome.height, height);
            match step.expect {
                Expect::Applied => assert!(outcome.applied, "{}: {:?}", step.label, outcome.reason),
                Expect::Rejected(fragment) => {
                    let reason = outcome.reason.unwrap_or_default();
                    assert!(!outcome.applied, "{}: applied", step.label);
                    assert!(reason.contains(fragment), "{}: {reason}", step.label);
                }
            }
        }
    }

    fn state_of(&self, label: &str) -> String {
        query::instrument(&self.app, &self.id(label)).unwrap().state
    }
}

#[test]
fn the_scenario_commits_with_every_expected_outcome_and_final_state() {
    let mut run = Run::new();
    run.run_all();
    assert_eq!(run.state_of("issue the credit"), "settled");
    assert_eq!(run.state_of("register the invoice"), "financed");
    assert_eq!(
        run.state_of("register the same invoice again, re-typed"),
        "registered",
        "the second financing was refused"
    );
    assert_eq!(
        run.state_of("submit the Chinese export declaration"),
        "released"
    );
    assert_eq!(
        run.state_of("submit the Kazakh import declaration"),
        "released"
    );
    let aktau =
        query::instrument(&run.app, &run.id("submit the Aktau import declaration")).unwrap();
    assert_eq!(aktau.state, "risk_assessed");
    let json = serde_json::to_value(&aktau).unwrap();
    assert_eq!(
        json["instrument"]["customs_declaration"]["assessment"]["channel"],
        "red"
    );
    assert_eq!(json["kind"], "customs_declaration");
}

#[test]
fn queries_answer_instruments_anchors_and_history() {
    let mut run = Run::new();
    run.run_all();
    let lc = run.id("issue the credit");
    let record = query::instrument(&run.app, &lc).unwrap();
    assert_eq!(record.kind, "letter_of_credit");
    assert_eq!(record.opened_height, 2);
    assert_eq!(record.id, lc.to_string());

    let history = query::history(&run.app, &lc, None, 100);
    let seqs: Vec<u64> = history.iter().map(|h| h.seq).collect();
    assert_eq!(
        seqs,
        (0..8).collect::<Vec<_>>(),
        "issue, advise, present, examine, seek, waive, honour, settle"
    );
    assert_eq!(history[0].party_id, scenario::ISSUING_BANK);
    assert_eq!(history[5].party_id, scenario::APPLICANT);
    assert!(history[0].event["letter_of_credit"]["lc_issued"].is_object());
    assert!(history[7].event["letter_of_credit"]["lc_settled"].is_object());
    let page = query::history(&run.app, &lc, Some(3), 2);
    assert_eq!(page.iter().map(|h| h.seq).collect::<Vec<_>>(), vec![4, 5]);
    assert!(query::history(&run.app, &Digest::ZERO, None, 10).is_empty());

    let anchor_tx = SignedTx::decode(&run.step("anchor the letter_of_credit").tx).unwrap();
    let TxBody::AnchorDocument { fingerprint, .. } = anchor_tx.body else {
        panic!("not an anchor");
    };
    let anchor = query::anchor(&run.app, &fingerprint).unwrap();
    assert_eq!(anchor.issuer, scenario::ISSUING_BANK);
    assert_eq!(anchor.kind, "letter_of_credit");
    assert_eq!(anchor.jurisdiction, Country::KZ);
    assert_eq!(anchor.height, 1);
    assert!(query::anchor(&run.app, &[0; 32]).is_none());
    assert!(query::instrument(&run.app, &Digest::ZERO).is_none());
}

#[test]
fn the_beneficiary_grants_the_issuing_bank_each_presented_document() {
    let mut run = Run::new();
    run.run_all();
    let grants: Vec<&ScenarioStep> = run
        .steps
        .iter()
        .filter(|s| s.label.starts_with("grant the issuing bank access to the "))
        .collect();
    let presentation = run
        .steps
        .iter()
        .position(|s| s.label == "present the documents")
        .unwrap();
    let presented = SignedTx::decode(&run.steps[presentation].tx).unwrap();
    let TxBody::Act {
        action: InstrumentAction::Presentation(PresentationAction::PresentDocuments(submission)),
        ..
    } = presented.body
    else {
        panic!("not a presentation");
    };
    assert_eq!(grants.len(), submission.documents.len());
    for (step, document) in grants.iter().zip(&submission.documents) {
        let TxBody::GrantAccess {
            fingerprint,
            grantee,
        } = SignedTx::decode(&step.tx).unwrap().body
        else {
            panic!("{}: not a grant", step.label);
        };
        assert_eq!(fingerprint, document.0, "{}", step.label);
        assert_eq!(grantee, scenario::ISSUING_BANK);
        let anchor = query::anchor(&run.app, &fingerprint).unwrap();
        assert_eq!(anchor.issuer, scenario::BENEFICIARY);
        let granted: Vec<&str> = anchor.grants.iter().map(|g| g.grantee.as_str()).collect();
        assert_eq!(granted, [scenario::ISSUING_BANK], "{}", step.label);
        let uses = query::document_uses(&run.app, &fingerprint);
        assert_eq!(uses.len(), 1, "{}", step.label);
        assert_eq!(uses[0].id, run.id("issue the credit").to_string());
    }
    let lc = run.id("issue the credit").to_string();
    let of_issuer = query::instruments_of(&run.app, scenario::ISSUING_BANK, None, 100);
    assert_eq!(
        of_issuer.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [lc]
    );
}

#[test]
fn the_write_sets_of_every_height_rebuild_the_state() {
    let mut run = Run::new();
    let genesis_writes = run.app.take_writes(0).unwrap();
    assert_eq!(
        genesis_writes
            .iter()
            .filter(|(k, _)| k.starts_with(b"part/"))
            .count(),
        run.parties.len()
    );
    run.run_all();
    // What a node persisting each height's writes in order ends up with.
    let mut replica = std::collections::BTreeMap::new();
    let heights = (1..=run.steps.len() as u64).map(|h| (h, run.app.take_writes(h).unwrap()));
    for (height, writes) in std::iter::once((0, genesis_writes)).chain(heights) {
        assert!(
            writes.windows(2).all(|w| w[0].0 < w[1].0),
            "key order at {height}"
        );
        if height > 0 {
            assert!(
                writes.iter().any(|(k, _)| k.starts_with(b"outcome/")),
                "height {height}"
            );
        }
        for (key, value) in writes {
            match value {
                Some(value) => replica.insert(key, value),
                None => replica.remove(&key),
            };
        }
    }
    let state: std::collections::BTreeMap<_, _> = run
        .app
        .state_scan(b"", None, usize::MAX)
        .into_iter()
        .collect();
    assert_eq!(replica, state);
    assert_eq!(run.app.take_writes(1), None, "taken once");
}

#[test]
fn equal_blocks_give_equal_roots_and_another_order_does_not() {
    let run = Run::new();
    let txs: Vec<Transaction> = run.steps.iter().map(|s| s.tx.clone()).collect();
    // Three blocks; the later steps depend on instruments opened by earlier ones.
    let blocks = [
        block(1, run.start_ms, txs[..10].to_vec()),
        block(2, run.start_ms + 500, txs[10..20].to_vec()),
        block(3, run.start_ms + 1000, txs[20..].to_vec()),
    ];
    let mut a = TradeApp::new(&genesis(&run.parties));
    let mut b = TradeApp::new(&genesis(&run.parties));
    assert_eq!(a.state_root(), b.state_root());
    for block in &blocks {
        let ra = a.execute(block, &Digest::ZERO).state_root;
        let rb = b.execute(block, &Digest::ZERO).state_root;
        assert_eq!(ra, rb, "height {}", block.height);
    }
    // The credit's anchor and its issue do not depend on each other; swapping them changes
    // only the outcomes' positions, which the root covers.
    let mut swapped = txs[..10].to_vec();
    swapped.swap(0, 1);
    let mut c = TradeApp::new(&genesis(&run.parties));
    let rc = c
        .execute(&block(1, run.start_ms, swapped), &Digest::ZERO)
        .state_root;
    let mut d = TradeApp::new(&genesis(&run.parties));
    let rd = d.execute(&blocks[0], &Digest::ZERO).state_root;
    assert_ne!(rc, rd);
}

#[test]
fn admitted_or_not_a_validator_reaches_the_same_outcomes() {
    let run = Run::new();
    let mut txs: Vec<Transaction> = run.steps.iter().map(|s| s.tx.clone()).collect();
    let mut forged = SignedTx::decode(&txs[3]).unwrap();
    forged.nonce += 1000;
    txs.insert(5, forged.encode().unwrap());
    let mut admitting = TradeApp::new(&genesis(&run.parties));
    let mut plain = TradeApp::new(&genesis(&run.parties));
    for tx in &txs {
        // Every genuine transaction is admitted; the forged one is refused.
        let _ = admitting.admit(tx, run.start_ms);
    }
    let block = block(1, run.start_ms, txs.clone());
    let ra = admitting.execute(&block, &Digest::ZERO).state_root;
    let rp = plain.execute(&block, &Digest::ZERO).state_root;
    assert_eq!(ra, rp);
    let outcome = query::outcome(&plain, &transaction_hash(&txs[5])).unwrap();
    assert!(outcome.reason.unwrap().contains("field 'signature'"));
}

#[test]
fn bad_envelopes_are_recorded_as_rejections() {
    let run = Run::new();
    let mut app = TradeApp::new(&genesis(&run.parties));
    let key = run.key(scenario::THIRD_BANK);
    let now = run.start_ms;
    let stranger = SigningKey::from_bytes(&[200; 32]);
    let good = scenario::bench_tx(key, 1, now + 1000);
    let cases: Vec<(Transaction, Option<&str>)> = vec![
        (good.clone(), None),
        (vec![0xff, 0x00], Some("field 'tx'")),
        (
            scenario::bench_tx(&stranger, 2, now + 1000),
            Some("field 'signer'"),
        ),
        (
            scenario::bench_tx(key, 3, now - 1),
            Some("field 'valid_until_ms'"),
        ),
        (
            scenario::bench_tx(key, 4, now + TX_VALIDITY_MAX_MS + 1),
            Some("field 'valid_until_ms'"),
        ),
    ];
    let mut txs: Vec<Transaction> = cases.iter().map(|(tx, _)| tx.clone()).collect();
    txs.push(good.clone()); // a replay in the same block
    app.execute(&block(1, now, txs), &Digest::ZERO);
    for (i, (tx, reason)) in cases.iter().enumerate() {
        let outcome = query::outcome(&app, &transaction_hash(tx)).unwrap();
        assert_eq!(outcome.index, i as u32, "the replay left the first outcome");
        match reason {
            None => assert!(outcome.applied, "{:?}", outcome.reason),
            Some(field) => assert!(outcome.reason.unwrap().contains(field), "case {i}"),
        }
    }
    // A replay in a later block is not applied again either.
    app.execute(&block(2, now + 10, vec![good.clone()]), &Digest::ZERO);
    assert_eq!(
        query::outcome(&app, &transaction_hash(&good))
            .unwrap()
            .height,
        1
    );
}

#[test]
fn a_revoked_signer_is_rejected_afterwards() {
    let run = Run::new();
    let mut app = TradeApp::new(&genesis(&run.parties));
    let now = run.start_ms;
    let third = run.key(scenario::THIRD_BANK).verifying_key().to_bytes();
    let revoke = |signer: &SigningKey, nonce| {
        let body = TxBody::RevokeParticipant {
            public_key: third,
            reason: "key reported compromised".into(),
        };
        SignedTx::sign(signer, nonce, now + 1000, body)
            .unwrap()
            .encode()
            .unwrap()
    };
    let by_bank = revoke(run.key(scenario::ISSUING_BANK), 1);
    let by_operator = revoke(run.key(scenario::OPERATOR_KZ), 2);
    let before = scenario::bench_tx(run.key(scenario::THIRD_BANK), 3, now + 1000);
    let after = scenario::bench_tx(run.key(scenario::THIRD_BANK), 4, now + 1000);
    let txs = vec![
        before.clone(),
        by_bank.clone(),
        by_operator.clone(),
        after.clone(),
    ];
    app.execute(&block(1, now, txs), &Digest::ZERO);
    let outcome = |tx: &Transaction| query::outcome(&app, &transaction_hash(tx)).unwrap();
    assert!(outcome(&before).applied);
    assert!(outcome(&by_bank)
        .reason
        .unwrap()
        .contains("only an operator"));
    assert!(outcome(&by_operator).applied);
    assert!(outcome(&after).reason.unwrap().contains("was revoked"));
    assert!(app.is_revoked(&third));
    assert_eq!(app.revoked_keys(), vec![third]);
    assert_eq!(app.participant(&third).unwrap().role, ParticipantRole::Bank);
}

#[test]
fn admission_refusals_name_their_field() {
    let run = Run::new();
    let mut app = TradeApp::new(&genesis(&run.parties));
    let now = run.start_ms;
    let key = run.key(scenario::ADVISING_BANK);
    let third = run.key(scenario::THIRD_BANK);
    let operator = run.key(scenario::OPERATOR_CN);
    let committed = scenario::bench_tx(key, 1, now + 1000);
    let revoke = TxBody::RevokeParticipant {
        public_key: third.verifying_key().to_bytes(),
        reason: "left the consortium".into(),
    };
    let revoke = SignedTx::sign(operator, 2, now + 1000, revoke)
        .unwrap()
        .encode()
        .unwrap();
    app.execute(
        &block(1, now, vec![committed.clone(), revoke]),
        &Digest::ZERO,
    );

    let mut bad_signature = SignedTx::decode(&scenario::bench_tx(key, 3, now + 1000)).unwrap();
    bad_signature.signature[0] ^= 1;
    let mut trailing = scenario::bench_tx(key, 4, now + 1000);
    trailing.push(0);
    let oversize = vec![0u8; 64 * 1024 + 1];
    let cases: Vec<(&str, Transaction, &str)> = vec![
        (
            "bad signature",
            bad_signature.encode().unwrap(),
            "signature",
        ),
        (
            "unknown signer",
            scenario::bench_tx(&SigningKey::from_bytes(&[99; 32]), 5, now + 1000),
            "signer",
        ),
        (
            "revoked signer",
            scenario::bench_tx(third, 6, now + 1000),
            "signer",
        ),
        (
            "expired",
            scenario::bench_tx(key, 7, now - 1),
            "valid_until_ms",
        ),
        (
            "too far ahead",
            scenario::bench_tx(key, 8, now + TX_VALIDITY_MAX_MS + 1),
            "valid_until_ms",
        ),
        ("replay", committed, "tx"),
        ("oversize", oversize, "tx"),
        ("trailing bytes", trailing, "tx"),
    ];
    for (name, tx, field) in cases {
        let err = app.admit(&tx, now).unwrap_err();
        assert_eq!(err.field(), field, "{name}: {err}");
        assert!(
            err.to_string().starts_with(&format!("field '{field}'")),
            "{name}: {err}"
        );
    }
    let fresh = scenario::bench_tx(key, 9, now + 1000);
    let admitted = app.admit(&fresh, now).unwrap();
    assert_eq!(admitted.hash, transaction_hash(&fresh));
    assert_eq!(admitted.signer, key.verifying_key().to_bytes());
}

#[test]
fn the_scenario_runs_on_any_day() {
    let parties = parties();
    for day in ["2026-04-28", "2028-02-29", "2035-12-31"] {
        let today: Date = day.parse().unwrap();
        let midnight_ms = (today
            .days_until("1970-01-01".parse().unwrap())
            .unsigned_abs())
            * DAY_MS;
        let start_ms = midnight_ms + DAY_MS / 2;
        assert_eq!(block_date(start_ms), today);
        let steps = scenario::scenario(&parties, today, start_ms).unwrap();
        let mut app = TradeApp::new(&genesis(&parties));
        for (i, step) in steps.iter().enumerate() {
            let ts = start_ms + i as u64;
            app.execute(
                &block(i as u64 + 1, ts, vec![step.tx.clone()]),
                &Digest::ZERO,
            );
            let outcome = query::outcome(&app, &transaction_hash(&step.tx)).unwrap();
            assert_eq!(
                outcome.applied,
                step.expect == Expect::Applied,
                "{day} {}: {:?}",
                step.label,
                outcome.reason
            );
        }
    }
}
