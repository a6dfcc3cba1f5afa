//! Throughput of the SWIFT importer: `import_mt700` of the scenario credit with full headers
//! (`tests/fixtures/swift/mt700_khorgos.txt`), one message per iteration. The target is at
//! least 100,000 messages per second on one core.
//!
//! Run briefly on shared machines:
//! `cargo bench -p trade-docs --bench swift -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use trade_docs::swift::{export_mt700, import_mt700};

const KHORGOS: &str = include_str!("../tests/fixtures/swift/mt700_khorgos.txt");

fn swift(c: &mut Criterion) {
    let mut group = c.benchmark_group("swift");
    group.throughput(Throughput::Elements(1));
    group.bench_function("import_mt700_khorgos", |b| {
        b.iter(|| import_mt700(black_box(KHORGOS)))
    });
    // Invariant: the fixture is a valid MT700; the import tests assert it.
    let credit = import_mt700(KHORGOS).expect("the fixture imports");
    group.bench_function("export_mt700_khorgos", |b| {
        b.iter(|| export_mt700(black_box(&credit)))
    });
    group.finish();
}

criterion_group!(benches, swift);
criterion_main!(benches);
