//! Throughput of CII import on a real ~34 KB invoice (EN 16931 example 1, 20 lines).
//!
//! Run: `cargo bench -p trade-docs --bench cii -- --warm-up-time 1 --measurement-time 3`.
//! The target is at least 5 000 invoices per second on one core.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

const EXAMPLE1: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/fixtures/cii/examples/CII_example1.xml"
));

fn import(c: &mut Criterion) {
    let mut group = c.benchmark_group("cii");
    group.throughput(Throughput::Elements(1));
    group.bench_function("import_example1_34kb", |b| {
        b.iter(|| trade_docs::cii::import(black_box(EXAMPLE1)).expect("example 1 imports"))
    });
    let invoice = trade_docs::cii::import(EXAMPLE1).expect("example 1 imports");
    group.bench_function("export_example1", |b| {
        b.iter(|| trade_docs::cii::export(black_box(&invoice)))
    });
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
