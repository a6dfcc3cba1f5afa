//! Throughput of UCP 600 examination: the Khorgos scenario presentation (four documents,
//! one discrepancy) examined against its credit, one presentation per iteration.
//!
//! Run briefly: `cargo bench -p trade-docs --bench examine -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use trade_docs::document::{Document, LetterOfCredit, Presentation};
use trade_docs::ucp600::examine;

const LC: &str = include_str!("../tests/fixtures/scenario/lc_khorgos.json");
const PRESENTATION: &str = include_str!("../tests/fixtures/scenario/presentation_khorgos.json");

fn scenario() -> (LetterOfCredit, Presentation) {
    let lc = trade_docs::json::import(LC).expect("credit fixture imports");
    let presentation = trade_docs::json::import(PRESENTATION).expect("presentation imports");
    match (lc, presentation) {
        (Document::LetterOfCredit(lc), Document::Presentation(p)) => (lc, p),
        _ => panic!("fixtures hold a credit and a presentation"),
    }
}

fn bench_examine(c: &mut Criterion) {
    let (lc, presentation) = scenario();
    let mut group = c.benchmark_group("ucp600");
    group.throughput(Throughput::Elements(1));
    group.bench_function("examine_khorgos_presentation", |b| {
        b.iter(|| examine(black_box(&lc), black_box(&presentation)))
    });
    group.finish();
}

criterion_group!(benches, bench_examine);
criterion_main!(benches);
