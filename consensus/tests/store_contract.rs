//! Contract tests of the storage port: one suite run against every `RecordStore` (the
//! in-memory store of the simulation and the sled store of the node), cross-checks that both
//! recover the same state and serve the same sync answers, and the sled store's own promises:
//! reopening, application state, atomic commits, and surviving `kill -9` at any moment.
//!
//! Records come from a real run: four validators with real signatures on a lossless virtual
//! network, one of them stopped halfway so that rounds time out and timeout certificates
//! appear; every `Effect::Persist` of validator 0 is kept, grouped by engine step as the node
//! writes them.

use std::collections::BTreeMap;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use consensus::app::HashChainApp;
use consensus::engine::{Config, Effect, Engine};
use consensus::safety::SafetyData;
use consensus::store::{
    serve_sync, BlockReader, EpochState, MemoryStore, Record, RecordStore, SledStore, StoreError,
    WriteSet,
};
use consensus::types::*;
use consensus::validators::ValidatorInfo;
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use tempfile::TempDir;
use trade_docs::Country;

// ---------------------------------------------------------------------------------------------
// The contract, run on both stores.

macro_rules! contract_suite {
    ($name:ident, $open:path) => {
        mod $name {
            use super::*;

            #[test]
            fn an_empty_store_has_nothing_to_recover() {
                let (store, _dir) = $open();
                assert_eq!(RecordStore::recovery(&store).unwrap(), None);
                assert_eq!(store.committed_height(), 0);
            }

            #[test]
            fn recovery_holds_what_the_records_say() {
                let (mut store, _dir) = $open();
                check_recovery(&mut store);
            }

            #[test]
            fn the_block_reader_answers_what_the_records_say() {
                let (mut store, _dir) = $open();
                check_block_reader(&mut store);
            }
        }
    };
}

contract_suite!(memory, open_memory);
contract_suite!(sled, open_sled);

fn open_memory() -> (MemoryStore, ()) {
    (MemoryStore::default(), ())
}

fn open_sled() -> (SledStore, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (SledStore::open(dir.path()).unwrap(), dir)
}

fn write_all(store: &mut impl RecordStore, steps: &[Vec<Record>]) {
    for step in steps {
        store.write(step).unwrap();
    }
}

/// Checks recovery against a model of the records written directly in the test: the last
/// safety record and epoch, the highest timeout certificate, the committed chain in height
/// order, the blocks above it by id, and the certificates (epoch anchors included) by id.
fn check_recovery(store: &mut impl RecordStore) {
    let steps = real_run();
    write_all(store, steps);
    let records: Vec<&Record> = steps.iter().flatten().collect();
    let recovery = store.recovery().unwrap().expect("an epoch was recorded");
    let model = Model::of(&records);
    assert_eq!(recovery.safety, model.safety);
    assert_eq!(recovery.epoch, model.epoch);
    let highest_tc = recovery.highest_tc.as_ref().expect("the run had timeouts");
    assert_eq!(
        (highest_tc.epoch, highest_tc.round),
        model.highest_tc,
        "the lower certificate written last did not replace the highest"
    );
    let committed: Vec<(Height, Digest)> = recovery
        .committed
        .iter()
        .map(|b| (b.height, b.id()))
        .collect();
    let expected: Vec<(Height, Digest)> = model.committed.clone().into_iter().collect();
    assert_eq!(committed, expected);
    let tip = model.committed.keys().next_back().copied().unwrap_or(0);
    let pending: Vec<Digest> = recovery.pending.iter().map(Block::id).collect();
    let expected: Vec<Digest> = model
        .blocks
        .iter()
        .filter(|(_, b)| b.height > tip)
        .map(|(id, _)| *id)
        .collect();
    assert!(!pending.is_empty(), "the run ends with uncommitted blocks");
    assert_eq!(pending, expected);
    assert_eq!(
        recovery.qcs,
        model.qcs.values().cloned().collect::<Vec<_>>()
    );
}

fn check_block_reader(store: &mut impl RecordStore) {
    let steps = real_run();
    write_all(store, steps);
    let records: Vec<&Record> = steps.iter().flatten().collect();
    let model = Model::of(&records);
    for (id, block) in &model.blocks {
        assert_eq!(store.block(id).as_ref(), Some(block));
        assert_eq!(store.qc_for(id), model.qcs.get(id).cloned());
    }
    let tip = *model.committed.keys().next_back().unwrap();
    assert_eq!(store.committed_height(), tip);
    for height in 0..=tip + 1 {
        assert_eq!(
            store.committed_at(height),
            model.committed.get(&height).copied()
        );
    }
    let unknown = Digest::of(&[b"never stored"]);
    assert_eq!(store.block(&unknown), None);
    assert_eq!(store.qc_for(&unknown), None);
}

/// What the records say a store holds, computed without either store.
struct Model {
    safety: SafetyData,
    epoch: EpochState,
    highest_tc: (Epoch, Round),
    committed: BTreeMap<Height, Digest>,
    blocks: BTreeMap<Digest, Block>,
    qcs: BTreeMap<Digest, QuorumCert>,
}

impl Model {
    fn of(records: &[&Record]) -> Model {
        let mut model = Model {
            safety: SafetyData::default(),
            epoch: EpochState {
                epoch: 0,
                validators: vec![],
                anchor_id: Digest::ZERO,
                anchor_height: 0,
            },
            highest_tc: (0, 0),
            committed: BTreeMap::new(),
            blocks: BTreeMap::new(),
            qcs: BTreeMap::new(),
        };
        for record in records {
            match record {
                Record::Safety(data) => model.safety = data.clone(),
                Record::Block(block) => {
                    model.blocks.insert(block.id(), block.clone());
                }
                Record::Qc(qc) => {
                    model.qcs.insert(qc.block_id, qc.clone());
                }
                Record::Tc(tc) => model.highest_tc = model.highest_tc.max((tc.epoch, tc.round)),
                Record::Committed { height, block_id } => {
                    model.committed.insert(*height, *block_id);
                }
                Record::Epoch(state) => {
                    let anchor =
                        QuorumCert::anchor(state.epoch, state.anchor_id, state.anchor_height);
                    model.qcs.insert(state.anchor_id, anchor);
                    model.epoch = state.clone();
                }
            }
        }
        model
    }
}

// ---------------------------------------------------------------------------------------------
// Both stores agree.

#[test]
fn both_stores_recover_the_same_and_serve_the_same_sync_answers() {
    let (mut memory, _) = open_memory();
    let (mut sled, _dir) = open_sled();
    write_all(&mut memory, real_run());
    write_all(&mut sled, real_run());
    let recovery = RecordStore::recovery(&memory).unwrap();
    assert_eq!(sled.recovery().unwrap(), recovery);
    let recovery = recovery.unwrap();
    let tip = memory.committed_height();
    let last_pending = recovery
        .pending
        .iter()
        .max_by_key(|b| b.height)
        .unwrap()
        .id();
    let targets = [
        last_pending,
        memory.committed_at(tip).unwrap(),
        Digest::of(&[b"unknown"]),
    ];
    let mut answered = 0;
    for committed_height in [0, tip / 2, tip] {
        for target in targets {
            for limit in [1, 3, 64] {
                let request = SyncRequest {
                    committed_height,
                    target,
                };
                let expected = serve_sync(&memory, &request, limit);
                answered += usize::from(expected.is_some());
                assert_eq!(
                    serve_sync(&sled, &request, limit),
                    expected,
                    "{request:?} limit {limit}"
                );
            }
        }
    }
    assert!(answered > 10, "most requests have an answer ({answered})");
}

#[test]
fn an_engine_recovered_from_either_store_resumes_in_the_same_state() {
    let (mut memory, _) = open_memory();
    let (mut sled, _dir) = open_sled();
    write_all(&mut memory, real_run());
    write_all(&mut sled, real_run());
    let recover = |store: &dyn RecordStore| {
        let recovery = store.recovery().unwrap().unwrap();
        let (engine, _) = Engine::recover(
            config(),
            keys(4)[0].clone(),
            recovery,
            HashChainApp::default(),
            END_MS,
        )
        .unwrap();
        engine.status()
    };
    let status = recover(&memory);
    assert!(status.committed_height > 5, "{status:?}");
    assert_eq!(recover(&sled), status);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Random record sequences, including unknown blocks, commits of blocks never stored,
    /// certificates going down and epochs going back: both stores recover the same, before and
    /// after the sled store is reopened.
    #[test]
    fn random_record_sequences_recover_the_same_on_both_stores(
        steps in prop::collection::vec(prop::collection::vec(any_record(), 0..4), 0..24)
    ) {
        let mut memory = MemoryStore::default();
        let (mut sled, dir) = open_sled();
        write_all(&mut memory, &steps);
        write_all(&mut sled, &steps);
        let expected = RecordStore::recovery(&memory).unwrap();
        prop_assert_eq!(sled.recovery().unwrap(), expected.clone());
        drop(sled);
        let sled = SledStore::open(dir.path()).unwrap();
        prop_assert_eq!(sled.recovery().unwrap(), expected);
        prop_assert_eq!(sled.committed_height(), memory.committed_height());
        for i in 0..POOL {
            let id = pool_block(i).id();
            prop_assert_eq!(sled.block(&id), memory.block(&id));
            prop_assert_eq!(sled.qc_for(&id), memory.qc_for(&id));
        }
        for height in 0..8 {
            prop_assert_eq!(sled.committed_at(height), memory.committed_at(height));
        }
    }
}

/// Blocks of the random sequences come from a small pool, so that commits and certificates
/// often name a stored block.
const POOL: u64 = 10;

fn pool_block(i: u64) -> Block {
    Block {
        epoch: i / 5,
        round: i,
        height: i / 2,
        parent_id: Digest::of(&[b"parent", &i.to_be_bytes()]),
        qc: QuorumCert::anchor(i / 5, Digest::ZERO, 0),
        proposer: (i % 4) as ValidatorIndex,
        timestamp_ms: i,
        transactions: vec![i.to_be_bytes().to_vec(); (i % 3) as usize],
        executed: None,
    }
}

fn any_record() -> impl Strategy<Value = Record> {
    prop_oneof![
        (0..3u64, 0..20u64, 0..20u64).prop_map(|(epoch, voted, one_chain)| {
            Record::Safety(SafetyData {
                epoch,
                last_voted_round: voted,
                one_chain_round: one_chain,
                last_vote: None,
            })
        }),
        (0..POOL).prop_map(|i| Record::Block(pool_block(i))),
        (0..POOL, 1..20u64).prop_map(|(i, round)| Record::Qc(QuorumCert {
            epoch: i / 5,
            round,
            height: i / 2,
            block_id: pool_block(i).id(),
            votes: vec![(0, Sig([round as u8; 64]))],
        })),
        (0..3u64, 0..20u64).prop_map(|(epoch, round)| Record::Tc(TimeoutCert {
            epoch,
            round,
            timeouts: vec![(1, round.saturating_sub(1), Sig([7; 64]))],
            high_qc: QuorumCert::anchor(epoch, Digest::ZERO, 0),
        })),
        (0..8u64, 0..POOL + 2).prop_map(|(height, i)| Record::Committed {
            height,
            block_id: pool_block(i).id(),
        }),
        (0..3u64, 0..POOL).prop_map(|(epoch, i)| Record::Epoch(EpochState {
            epoch,
            validators: infos(&keys(4)),
            anchor_id: pool_block(i).id(),
            anchor_height: i / 2,
        })),
    ]
}

// ---------------------------------------------------------------------------------------------
// The sled store's own promises.

#[test]
fn reopening_the_sled_store_gives_the_same_recovery_and_answers() {
    let (mut sled, dir) = open_sled();
    write_all(&mut sled, real_run());
    let recovery = sled.recovery().unwrap();
    let tip = sled.committed_height();
    drop(sled);
    let sled = SledStore::open(dir.path()).unwrap();
    assert_eq!(sled.recovery().unwrap(), recovery);
    assert_eq!(sled.committed_height(), tip);
    assert!(sled.size_on_disk_bytes().unwrap() > 0);
}

#[test]
fn application_state_is_written_with_its_commit_and_survives_reopening() {
    let (mut sled, dir) = open_sled();
    write_all(&mut sled, &genesis_steps());
    let writes: WriteSet = vec![
        (b"lc/1".to_vec(), Some(b"issued".to_vec())),
        (b"lc/2".to_vec(), Some(b"issued".to_vec())),
        (b"doc/aa".to_vec(), Some(b"anchor".to_vec())),
    ];
    sled.commit_with_state(&commit(1), &writes).unwrap();
    let writes: WriteSet = vec![
        (b"lc/1".to_vec(), Some(b"amended".to_vec())),
        (b"lc/2".to_vec(), None),
    ];
    sled.commit_with_state(&commit(2), &writes).unwrap();
    drop(sled);
    let sled = SledStore::open(dir.path()).unwrap();
    assert_eq!(sled.applied_height().unwrap(), 2);
    assert_eq!(sled.committed_height(), 2);
    assert_eq!(sled.committed_at(2), Some(block_id(2)));
    assert_eq!(sled.state(b"lc/1").unwrap(), Some(b"amended".to_vec()));
    assert_eq!(sled.state(b"lc/2").unwrap(), None, "deleted");
    assert_eq!(sled.state(b"doc/aa").unwrap(), Some(b"anchor".to_vec()));
}

#[test]
fn commit_with_state_takes_only_a_commit_and_keeps_height_and_state_together() {
    let (mut sled, _dir) = open_sled();
    write_all(&mut sled, &genesis_steps());
    let writes: WriteSet = vec![(b"k".to_vec(), Some(b"v".to_vec()))];
    let not_a_commit = Record::Safety(SafetyData::default());
    assert!(matches!(
        sled.commit_with_state(&not_a_commit, &writes),
        Err(StoreError::NotACommit { kind: "safety" })
    ));
    assert_eq!(sled.state(b"k").unwrap(), None, "nothing was written");
    assert_eq!(sled.applied_height().unwrap(), 0);
    for height in 1..=5u64 {
        let writes: WriteSet = vec![(b"height".to_vec(), Some(height.to_be_bytes().to_vec()))];
        sled.commit_with_state(&commit(height), &writes).unwrap();
        assert_eq!(sled.applied_height().unwrap(), height);
        assert_eq!(sled.committed_height(), height);
        assert_eq!(state_height(&sled), height);
    }
}

#[test]
fn state_scan_pages_through_one_prefix_in_key_order() {
    let (mut sled, _dir) = open_sled();
    write_all(&mut sled, &genesis_steps());
    let keys = ["a/9", "b/1", "b/2", "b/3", "b/4", "ba", "c/1"];
    let writes: WriteSet = keys
        .iter()
        .map(|k| (k.as_bytes().to_vec(), Some(k.to_uppercase().into_bytes())))
        .collect();
    sled.commit_with_state(&commit(1), &writes).unwrap();
    let cases: [(&str, Option<&str>, usize, &[&str]); 8] = [
        ("b/", None, 10, &["b/1", "b/2", "b/3", "b/4"]),
        ("b/", None, 2, &["b/1", "b/2"]),
        ("b/", Some("b/2"), 2, &["b/3", "b/4"]),
        ("b/", Some("b/4"), 2, &[]),
        ("b/", Some("a/9"), 1, &["b/1"]),
        ("b", None, 10, &["b/1", "b/2", "b/3", "b/4", "ba"]),
        ("", Some("b/4"), 10, &["ba", "c/1"]),
        ("z", None, 10, &[]),
    ];
    for (prefix, after, limit, expected) in cases {
        let found = sled
            .state_scan(prefix.as_bytes(), after.map(str::as_bytes), limit)
            .unwrap();
        let found_keys: Vec<String> = found
            .iter()
            .map(|(k, _)| String::from_utf8(k.clone()).unwrap())
            .collect();
        assert_eq!(
            found_keys, expected,
            "prefix {prefix:?} after {after:?} limit {limit}"
        );
        for (key, value) in &found {
            assert_eq!(value, &key.to_ascii_uppercase());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// kill -9 at any moment.

const CRASH_CHILD_ENV: &str = "SILKWAY_STORE_CRASH_CHILD_DIR";
const CRASH_TEST: &str = "a_sled_store_killed_at_any_moment_keeps_every_acknowledged_write";

/// The test binary re-runs this very test as the child process (the environment variable
/// tells it apart): the child writes safety records, blocks and commits with state in a loop
/// and prints each acknowledged write; the parent kills it with SIGKILL after a varying delay
/// and reopens the store. Twenty crashes on one store, each resuming from what the previous
/// one left.
#[test]
fn a_sled_store_killed_at_any_moment_keeps_every_acknowledged_write() {
    if let Ok(dir) = std::env::var(CRASH_CHILD_ENV) {
        crash_child(Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut voted_before, mut height_before, mut acked_total) = (0, 0, 0);
    for run in 0..20u64 {
        let acks = run_and_kill(dir.path(), Duration::from_millis(20 + run * 97 % 260));
        acked_total += acks.len();
        let store = SledStore::open(dir.path()).unwrap();
        let recovery = store.recovery().unwrap().expect("the child wrote an epoch");
        let voted = recovery.safety.last_voted_round;
        let height = store.applied_height().unwrap();
        let acked_voted = acks
            .iter()
            .filter_map(|a| a.strip_prefix("safety "))
            .next_back();
        let acked_height = acks
            .iter()
            .filter_map(|a| a.strip_prefix("commit "))
            .next_back();
        let parse = |a: Option<&str>| a.map_or(0, |a| a.parse::<u64>().unwrap());
        assert!(
            voted >= parse(acked_voted).max(voted_before),
            "run {run}: voted round {voted} went back"
        );
        assert!(
            height >= parse(acked_height).max(height_before),
            "run {run}: height {height} went back"
        );
        assert_eq!(
            store.committed_height(),
            height,
            "run {run}: commit and state apart"
        );
        assert_eq!(
            state_height(&store),
            height,
            "run {run}: commit and state apart"
        );
        (voted_before, height_before) = (voted, height);
    }
    assert!(
        acked_total > 20,
        "the children got writes acknowledged ({acked_total})"
    );
}

/// Spawns the child on `dir`, kills it after `delay`, and returns its acknowledgements.
fn run_and_kill(dir: &Path, delay: Duration) -> Vec<String> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([CRASH_TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(CRASH_CHILD_ENV, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| line.strip_prefix("ack ").map(str::to_owned))
            .collect::<Vec<_>>()
    });
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    reader.join().unwrap()
}

/// The child's loop: every write is acknowledged on stdout only after it returned. Bounded,
/// in case the parent dies without killing it.
fn crash_child(dir: &Path) {
    let mut store = SledStore::open(dir).unwrap();
    let recovery = store.recovery().unwrap();
    if recovery.is_none() {
        write_all(&mut store, &genesis_steps());
    }
    let mut voted = recovery.map_or(0, |r| r.safety.last_voted_round);
    let mut height = store.applied_height().unwrap();
    for _ in 0..100_000 {
        voted += 1;
        let mut block = pool_block(voted % POOL);
        block.round = voted;
        block.transactions = vec![voted.to_be_bytes().repeat(16); 50];
        let safety = Record::Safety(SafetyData {
            epoch: 0,
            last_voted_round: voted,
            one_chain_round: voted - 1,
            last_vote: None,
        });
        store.write(&[Record::Block(block), safety]).unwrap();
        println!("ack safety {voted}");
        if voted % 3 == 0 {
            height += 1;
            let writes: WriteSet = vec![
                (b"height".to_vec(), Some(height.to_be_bytes().to_vec())),
                (format!("k/{height}").into_bytes(), Some(vec![1; 200])),
                (format!("k/{}", height.saturating_sub(2)).into_bytes(), None),
            ];
            store.commit_with_state(&commit(height), &writes).unwrap();
            println!("ack commit {height}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

fn block_id(height: Height) -> Digest {
    Digest::of(&[b"block", &height.to_be_bytes()])
}

fn commit(height: Height) -> Record {
    Record::Committed {
        height,
        block_id: block_id(height),
    }
}

fn state_height(store: &SledStore) -> Height {
    store.state(b"height").unwrap().map_or(0, |bytes| {
        u64::from_be_bytes(bytes.try_into().expect("8 bytes"))
    })
}

/// What `Engine::start` persists, for tests that only need a started store.
fn genesis_steps() -> Vec<Vec<Record>> {
    let genesis = Block::genesis();
    vec![vec![
        Record::Epoch(EpochState {
            epoch: 0,
            validators: infos(&keys(4)),
            anchor_id: genesis.id(),
            anchor_height: 0,
        }),
        Record::Block(genesis.clone()),
        Record::Committed {
            height: 0,
            block_id: genesis.id(),
        },
        Record::Safety(SafetyData::default()),
    ]]
}

fn keys(n: usize) -> Vec<SigningKey> {
    (0..n)
        .map(|i| SigningKey::from_bytes(&[i as u8 + 11; 32]))
        .collect()
}

fn infos(keys: &[SigningKey]) -> Vec<ValidatorInfo> {
    let countries = [Country::KZ, Country::CN];
    keys.iter()
        .enumerate()
        .map(|(i, k)| ValidatorInfo {
            name: format!("v{i}"),
            country: countries[i % 2],
            public_key: k.verifying_key().to_bytes(),
            voting_power: 1,
        })
        .collect()
}

fn config() -> Config {
    Config {
        round_timeout_ms: 300,
        round_timeout_max_ms: 3000,
        empty_block_interval_ms: 200,
        ..Config::default()
    }
}

const START_MS: Millis = 1_000_000;
/// Validator 3 stops here, so rounds it leads time out.
const STOP_MS: Millis = START_MS + 1500;
const END_MS: Millis = START_MS + 4000;

/// Validator 0's persisted records of a real run, one inner list per engine step, plus a lower
/// timeout certificate written after the highest one.
fn real_run() -> &'static Vec<Vec<Record>> {
    static RUN: OnceLock<Vec<Vec<Record>>> = OnceLock::new();
    RUN.get_or_init(|| {
        let mut net = Net::start(&keys(4));
        net.run_until(END_MS);
        let mut steps = net.steps;
        let tcs: Vec<TimeoutCert> = steps
            .iter()
            .flatten()
            .filter_map(|r| match r {
                Record::Tc(tc) => Some(tc.clone()),
                _ => None,
            })
            .collect();
        assert!(
            tcs.len() >= 2,
            "the run had timeouts ({} certificates)",
            tcs.len()
        );
        let lowest = tcs.iter().min_by_key(|tc| tc.round).unwrap().clone();
        steps.push(vec![Record::Tc(lowest)]);
        steps
    })
}

/// Four validators on a lossless network with a fixed 2 ms delay; validator 3 stops at
/// `STOP_MS`. Keeps validator 0's `Persist` records, one list per engine step.
struct Net {
    engines: Vec<Engine<HashChainApp>>,
    queue: VecDeque<(Millis, usize, ValidatorIndex, Message)>,
    now: Millis,
    steps: Vec<Vec<Record>>,
    next_tx_ms: Millis,
}

impl Net {
    fn start(keys: &[SigningKey]) -> Net {
        let mut net = Net {
            engines: Vec::new(),
            queue: VecDeque::new(),
            now: START_MS,
            steps: Vec::new(),
            next_tx_ms: START_MS,
        };
        for (i, key) in keys.iter().enumerate() {
            let (engine, effects) = Engine::start(
                config(),
                key.clone(),
                infos(keys),
                HashChainApp::default(),
                START_MS,
            )
            .unwrap();
            net.engines.push(engine);
            net.apply(i, effects);
        }
        net
    }

    fn up(&self, i: usize) -> bool {
        i != 3 || self.now < STOP_MS
    }

    fn apply(&mut self, i: usize, effects: Vec<Effect>) {
        let mut step = Vec::new();
        for effect in effects {
            match effect {
                Effect::Persist(record) => step.push(record),
                Effect::Send { to, message } => {
                    self.queue
                        .push_back((self.now + 2, usize::from(to), i as u16, message))
                }
                Effect::Broadcast(message) => {
                    for j in (0..self.engines.len()).filter(|j| *j != i) {
                        self.queue
                            .push_back((self.now + 2, j, i as u16, message.clone()));
                    }
                }
                Effect::Committed(_) => {}
                Effect::Halt { reason } => panic!("validator {i} halted: {reason}"),
            }
        }
        if i == 0 && !step.is_empty() {
            self.steps.push(step);
        }
    }

    fn run_until(&mut self, until: Millis) {
        while self.now < until {
            let next_message = self.queue.front().map(|m| m.0);
            let next_tick = (0..self.engines.len())
                .filter(|i| self.up(*i))
                .filter_map(|i| self.engines[i].next_deadline())
                .min();
            let next = [next_message, next_tick, Some(self.next_tx_ms), Some(until)]
                .into_iter()
                .flatten()
                .min()
                .expect("until is always there");
            self.now = next.max(self.now);
            if next_message == Some(next) {
                let (_, to, from, message) = self.queue.pop_front().expect("peeked");
                self.deliver(to, from, message);
            } else if next_tick == Some(next) {
                self.tick_due();
            } else if self.next_tx_ms == next {
                self.submit_everywhere();
            }
        }
    }

    fn deliver(&mut self, to: usize, from: ValidatorIndex, message: Message) {
        if !self.up(to) || !self.up(usize::from(from)) {
            return;
        }
        let effects = self.engines[to].handle_message(from, message, self.now);
        self.apply(to, effects);
    }

    fn tick_due(&mut self) {
        let up: Vec<usize> = (0..self.engines.len()).filter(|i| self.up(*i)).collect();
        for i in up {
            if self.engines[i]
                .next_deadline()
                .is_some_and(|d| d <= self.now)
            {
                let effects = self.engines[i].handle_tick(self.now);
                self.apply(i, effects);
            }
        }
    }

    fn submit_everywhere(&mut self) {
        let tx = format!("tx at {}", self.now).into_bytes();
        let up: Vec<usize> = (0..self.engines.len()).filter(|i| self.up(*i)).collect();
        for i in up {
            if let Ok(effects) = self.engines[i].submit(tx.clone(), self.now) {
                self.apply(i, effects);
            }
        }
        self.next_tx_ms = self.now + 50;
    }
}
