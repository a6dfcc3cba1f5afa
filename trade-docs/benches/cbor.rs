//! Throughput of canonical CBOR: encoding and strict decoding (which re-encodes to check
//! canonical form) of the scenario credit and of the whole scenario presentation (credit-sized
//! documents nested four deep), one document per iteration.
//!
//! Run briefly on shared machines:
//! `cargo bench -p trade-docs --bench cbor -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use trade_docs::cbor::{from_canonical, to_canonical};
use trade_docs::{json, Document};

const CREDIT: &str = include_str!("../tests/fixtures/scenario/lc_khorgos.json");
const PRESENTATION: &str = include_str!("../tests/fixtures/scenario/presentation_khorgos.json");

fn cbor(c: &mut Criterion) {
    let mut group = c.benchmark_group("cbor");
    group.throughput(Throughput::Elements(1));
    for (name, text) in [("credit", CREDIT), ("presentation", PRESENTATION)] {
        // Invariant: the fixtures are valid documents; the golden tests assert it.
        let document = json::import(text).expect("the fixture imports");
        let bytes = to_canonical(&document).expect("documents encode");
        group.bench_function(format!("encode_{name}"), |b| {
            b.iter(|| to_canonical(black_box(&document)))
        });
        group.bench_function(format!("decode_{name}"), |b| {
            b.iter(|| from_canonical::<Document>(black_box(&bytes)))
        });
    }
    group.finish();
}

criterion_group!(benches, cbor);
criterion_main!(benches);
