//! The sled store on the node's hot path: one engine step's writes for a full block (4000
//! transactions of 256 bytes, its QC, the safety record and a commit, one `write` call with one
//! flush), the parts of that cost (block id, CBOR encoding, the same write without the flush),
//! and recovery of 1000 committed
//! blocks (100 transactions each) at restart.
//!
//! Run briefly on shared machines:
//! `cargo bench -p consensus --bench store -- --warm-up-time 1 --measurement-time 3`
//!
//! What it deliberately does not do: measure the engine or the network (see `peer`). The store
//! lives in a temporary directory on the disk of the target directory's file system, so the
//! flush is a real fsync; figures depend on that disk.

use std::hint::black_box;

use consensus::safety::SafetyData;
use consensus::store::{EpochState, Record, RecordStore, SledStore};
use consensus::types::*;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const TX_BYTES: usize = 256;

fn block(height: Height, txs: usize) -> Block {
    let mut parent = Block::genesis();
    parent.height = height.saturating_sub(1);
    Block {
        epoch: 0,
        round: height,
        height,
        parent_id: parent.id(),
        qc: QuorumCert::anchor(0, parent.id(), parent.height),
        proposer: 1,
        timestamp_ms: 1_000 + height,
        transactions: (0..txs)
            .map(|i| {
                let mut tx = vec![0x5a; TX_BYTES];
                tx[..8].copy_from_slice(&(height * 1_000_000 + i as u64).to_be_bytes());
                tx
            })
            .collect(),
        executed: Some((height.saturating_sub(1), Digest::of(&[b"root"]))),
    }
}

/// What one engine step persists when a block arrives that certifies its parent and commits.
fn step(height: Height, block: Block) -> Vec<Record> {
    let id = block.id();
    let qc = QuorumCert {
        epoch: 0,
        round: height,
        height,
        block_id: id,
        votes: (0..3).map(|i| (i, Sig([i as u8; 64]))).collect(),
    };
    let safety = SafetyData {
        epoch: 0,
        last_voted_round: height + 1,
        one_chain_round: height,
        last_vote: None,
    };
    vec![
        Record::Block(block),
        Record::Qc(qc),
        Record::Safety(safety),
        Record::Committed {
            height,
            block_id: id,
        },
    ]
}

fn started(dir: &std::path::Path) -> SledStore {
    // Invariant: a fresh temporary directory opens and takes the genesis records.
    let mut store = SledStore::open(dir).expect("a fresh store opens");
    let genesis = Block::genesis();
    let epoch = EpochState {
        epoch: 0,
        validators: vec![],
        anchor_id: genesis.id(),
        anchor_height: 0,
    };
    store
        .write(&[Record::Epoch(epoch), Record::Block(genesis)])
        .expect("genesis is written");
    store
}

fn write_full_block(c: &mut Criterion) {
    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(4000));
    let sample = block(1, 4000);
    group.bench_function("block_id_4000_txs", |b| b.iter(|| black_box(&sample).id()));
    group.bench_function("cbor_encode_block_4000_txs", |b| {
        b.iter(|| {
            let mut bytes = Vec::new();
            ciborium::into_writer(black_box(&sample), &mut bytes).expect("blocks encode");
            bytes
        })
    });
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary directory");
    let mut store = started(dir.path());
    let mut height = 0;
    group.bench_function("write_block_4000_txs_qc_safety_commit", |b| {
        b.iter_batched(
            || {
                height += 1;
                step(height, block(height, 4000))
            },
            |records| store.write(&records).expect("the write succeeds"),
            BatchSize::PerIteration,
        )
    });
    // The same block and QC alone need no flush: the difference to the above is the fsync.
    group.bench_function("write_block_4000_txs_qc_unflushed", |b| {
        b.iter_batched(
            || {
                height += 1;
                step(height, block(height, 4000))[..2].to_vec()
            },
            |records| store.write(&records).expect("the write succeeds"),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn recovery(c: &mut Criterion) {
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1000));
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary directory");
    let mut store = started(dir.path());
    for height in 1..=1000 {
        store
            .write(&step(height, block(height, 100)))
            .expect("the write succeeds");
    }
    group.bench_function("recovery_1000_blocks_of_100_txs", |b| {
        b.iter(|| store.recovery().expect("the store reads"))
    });
    group.finish();
}

criterion_group!(benches, write_full_block, recovery);
criterion_main!(benches);
