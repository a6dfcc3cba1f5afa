//! Throughput of clearance rule evaluation: 200 rules (every predicate kind, a third of them
//! combinations) over the three PRODUCT.md §7 declarations with their invoice, credit and
//! mirror, and a random draw. Target: 100k declarations/s per core (issue 6). Two rule sets:
//! one where each declaration hits a few rules (1 to 6), as in practice, and one where it hits
//! dozens, to show the cost of writing evidence, which only hits pay.
//!
//! Run: `cargo bench -p customs-gateway --bench rules`; briefly:
//! `cargo bench -p customs-gateway --bench rules -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use customs_gateway::customs::{evaluate, DrawSeed, Inputs, RuleSet, RulesError};
use trade_docs::document::CustomsDeclaration;
use trade_docs::{demo, Document, Fingerprint};

const RULES_LEN: usize = 200;
const BANDS: &str = include_str!("../rules/bands.csv");
const WATCHLIST: &str = include_str!("../rules/watchlist.csv");

/// The condition of rule `i`: the predicates in turn. `hitting` parameters make most of them
/// hold for some of the §7 declarations; the others make them miss.
fn condition(i: usize, hitting: bool) -> String {
    let fields = ["value", "quantity", "gross_mass", "net_mass", "hs6"];
    let (low, high) = if hitting { (0, 10) } else { (45, 60) };
    match i % 12 {
        0 => format!("{{ unit_value_below_band = {{ margin_pct = {} }} }}", low + i % 15),
        1 => format!("{{ unit_value_above_band = {{ margin_pct = {} }} }}", i % 50),
        2 => format!("{{ value_below_lc_amount = {{ tolerance_pct = {} }} }}", low + i % 30),
        3 => format!("{{ value_exceeds_lc_amount = {{ tolerance_pct = {} }} }}", i % 20),
        4 => format!("{{ value_differs_from_invoice = {{ tolerance_pct = {} }} }}", high + i % 10),
        5 => format!(
            "{{ mirror_mismatch = {{ field = \"{}\", tolerance_pct = {} }} }}",
            fields[i % 5],
            i % 7
        ),
        6 => "{ party_on_watchlist = { list = \"high_risk\" } }".into(),
        7 => format!("{{ hs_chapter_in = [\"{:02}\", \"93\", \"71\"] }}", 1 + i % 86),
        8 => format!(
            "{{ all = [{{ origin_in = [\"CN\", \"AF\"] }}, {{ aeo = false }}, {{ hs_subheading_in = [\"{}\"] }}] }}",
            870_800 + i % 100
        ),
        9 if hitting => "{ any = [{ border_post_in = [\"AKTAU\", \"ALMATY\"] }, { declaration_kind_in = [\"transit\"] }] }".into(),
        9 => "{ any = [{ border_post_in = [\"ALMATY\"] }, { declaration_kind_in = [\"transit\"] }] }".into(),
        10 if hitting => "{ all = [\"mirror_missing\", { not = { pre_arrival = true } }] }".into(),
        10 => "{ all = [\"mirror_missing\", { pre_arrival = true }] }".into(),
        _ if hitting => "{ not = { any = [\"no_reference_band\", { aeo = true }] } }".into(),
        _ => "{ all = [\"no_reference_band\", { aeo = false }] }".into(),
    }
}

/// 200 rules; with `many_hits` every rule has hitting parameters, otherwise only the first
/// twelve (one of each kind), as in a rule set where a declaration hits a few rules.
fn rule_set(many_hits: bool) -> RuleSet {
    let mut text = String::from(
        "bands = \"bands.csv\"\nwatchlist = \"watchlist.csv\"\n[channels]\nyellow_from = 40\n\
         red_from = 80\n[draw]\nrate_ppm = 10000\nchannel = \"yellow\"\n",
    );
    for i in 0..RULES_LEN {
        text += &format!(
            "[[rule]]\nid = \"B-{i:03}\"\nversion = 1\nweight = {}\nreason = \"rule {i} for HS {{hs6}}\"\nwhen = {}\n",
            i % 30,
            condition(i, many_hits || i < 12)
        );
    }
    let mut read = |name: &str| -> Result<String, RulesError> {
        Ok(if name == "bands.csv" {
            BANDS
        } else {
            WATCHLIST
        }
        .to_string())
    };
    RuleSet::parse("bench.toml", &text, &mut read).expect("the generated rules parse")
}

fn declaration(text: &str) -> CustomsDeclaration {
    match trade_docs::json::import(text).expect("fixture imports") {
        Document::CustomsDeclaration(d) => d,
        _ => panic!("fixture is a declaration"),
    }
}

/// The §7 declarations as the shell links them, each with its own draw seed.
fn story() -> Vec<Inputs> {
    let invoice = match trade_docs::json::import(demo::INVOICE_KHORGOS_JSON) {
        Ok(Document::Invoice(i)) => i,
        _ => panic!("invoice fixture"),
    };
    let credit = match trade_docs::json::import(demo::LC_KHORGOS_JSON) {
        Ok(Document::LetterOfCredit(lc)) => lc,
        _ => panic!("credit fixture"),
    };
    let export = declaration(demo::DECLARATION_CN_EXPORT_HORGOS_JSON);
    let import = declaration(demo::DECLARATION_KZ_IMPORT_KHORGOS_JSON);
    let aktau = declaration(demo::DECLARATION_KZ_IMPORT_AKTAU_JSON);
    [
        (export.clone(), Some(import.clone())),
        (import, Some(export)),
        (aktau, None),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (declaration, mirror))| Inputs {
        invoice: Some(invoice.clone()),
        credit: Some(credit.clone()),
        mirror,
        draw_seed: Some(DrawSeed {
            block: Fingerprint([7; 32]),
            declaration: Fingerprint([i as u8; 32]),
        }),
        ..Inputs::new(declaration)
    })
    .collect()
}

fn bench_rules(c: &mut Criterion) {
    let story = story();
    let mut group = c.benchmark_group("customs_rules");
    group.throughput(Throughput::Elements(story.len() as u64));
    for (name, many_hits) in [
        ("evaluate_200_rules_few_hits", false),
        ("evaluate_200_rules_many_hits", true),
    ] {
        let rules = rule_set(many_hits);
        let hits: Vec<usize> = story
            .iter()
            .map(|i| evaluate(&rules, i).hits.len())
            .collect();
        eprintln!("{name}: hits per declaration (export, import, Aktau): {hits:?}");
        group.bench_function(name, |b| {
            b.iter(|| {
                for inputs in &story {
                    black_box(evaluate(black_box(&rules), black_box(inputs)));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_rules);
criterion_main!(benches);
