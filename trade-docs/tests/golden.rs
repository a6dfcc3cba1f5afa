//! Golden files: the canonical CBOR bytes of every fixture document, pinned in
//! `tests/golden/<name>.cbor.hex`, so that any change to the wire format (a renamed field, a
//! new optional field, a different importer mapping) shows up as a visible, reviewed diff.
//!
//! To accept an intended change: `SILKWAY_UPDATE_GOLDEN=1 cargo test -p trade-docs --test golden`,
//! then review and commit the changed `.cbor.hex` files. A missing golden file fails the test
//! rather than being created silently.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use trade_docs::cbor::{from_canonical, to_canonical};
use trade_docs::{cii, json, swift, Document, DocumentKind};

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// Every fixture, parsed by the importer its format calls for.
fn fixtures() -> Vec<(String, Document)> {
    let mut out = Vec::new();
    for dir in ["fixtures/scenario", "fixtures/swift"] {
        let mut paths: Vec<_> = std::fs::read_dir(tests_dir().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            let doc = match path.extension().and_then(|e| e.to_str()) {
                Some("json") => json::import(&text).unwrap_or_else(|e| panic!("{name}: {e}")),
                Some("txt") if name.starts_with("mt700") => {
                    Document::LetterOfCredit(swift::import_mt700(&text).unwrap())
                }
                Some("txt") if name.starts_with("mt707") => {
                    Document::Amendment(swift::import_mt707(&text).unwrap())
                }
                _ => continue,
            };
            out.push((name, doc));
        }
    }
    let cii_example = tests_dir().join("../../../shared/fixtures/cii/examples/CII_example1.xml");
    let xml =
        std::fs::read_to_string(cii_example).expect("shared CII fixtures beside the repository");
    out.push((
        "cii_example1".into(),
        Document::Invoice(cii::import(&xml).unwrap()),
    ));
    out
}

fn to_hex_lines(bytes: &[u8]) -> String {
    hex::encode(bytes)
        .as_bytes()
        .chunks(64)
        .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
        .collect()
}

#[test]
fn canonical_bytes_match_the_golden_files() {
    let update = std::env::var_os("SILKWAY_UPDATE_GOLDEN").is_some();
    let mut mismatched = Vec::new();
    let mut kinds = BTreeSet::new();
    for (name, doc) in fixtures() {
        kinds.insert(doc.kind());
        let bytes = to_canonical(&doc).unwrap();
        assert_eq!(
            from_canonical::<Document>(&bytes).unwrap(),
            doc,
            "{name} decodes back"
        );
        let path = tests_dir().join("golden").join(format!("{name}.cbor.hex"));
        let expected = to_hex_lines(&bytes);
        if update {
            std::fs::write(&path, &expected).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            mismatched.push(path.display().to_string());
        }
    }
    assert!(
        mismatched.is_empty(),
        "canonical bytes changed or golden file missing for {mismatched:?}; if intended, rerun with SILKWAY_UPDATE_GOLDEN=1 and review the diff"
    );
    let all: BTreeSet<_> = DocumentKind::ALL.into_iter().collect();
    assert_eq!(kinds, all, "every document kind has a golden file");
}
