//! `silkway docs` and `silkway keys` run as a user runs them: the real binary on real files,
//! with `xmllint` as the independent judge of CII totals and schema validity.

use std::path::{Path, PathBuf};

use std::process::{Command, Output};

use serde_json::Value;

mod support;

use support::{silkway, silkway_json};

/// Runs silkway expecting failure; returns stderr.
fn silkway_fails(args: &[&str]) -> String {
    let out = silkway(args);
    assert!(!out.status.success(), "silkway {args:?} should have failed");
    assert_eq!(out.status.code(), Some(1), "errors exit with 1");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(rel: &str) -> String {
    repo()
        .join("trade-docs/tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

fn shared(rel: &str) -> PathBuf {
    repo().join("../shared/fixtures").join(rel)
}

fn xmllint(args: &[&str]) -> Output {
    Command::new("xmllint")
        .args(args)
        .output()
        .expect("xmllint is installed (Debian libxml2-utils)")
}

fn cii_examples() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(shared("cii/examples"))
        .expect("../shared/fixtures/cii/examples exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 7, "expected the 7 CII examples");
    files
}

#[test]
fn cii_import_total_matches_xmllint_and_export_validates_against_the_xsd() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = shared("cii/schema/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd");
    for file in cii_examples() {
        let path = file.display().to_string();
        let xpath = xmllint(&[
            "--xpath",
            "string(//*[local-name()='GrandTotalAmount'])",
            &path,
        ]);
        let expected: trade_docs::Decimal = String::from_utf8_lossy(&xpath.stdout)
            .trim()
            .parse()
            .unwrap();
        let invoice = silkway_json(&["docs", "import", "--format", "cii", &path]);
        assert_eq!(invoice["kind"], "invoice", "{path}");
        let total: trade_docs::Decimal = invoice["total"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            total.cmp(&expected),
            std::cmp::Ordering::Equal,
            "{path}: total {total} vs xmllint {expected}"
        );
        for key in ["number", "issue_date", "currency"] {
            assert!(invoice[key].is_string(), "{path}: missing {key}");
        }
        let json_path = dir.path().join("invoice.json");
        std::fs::write(&json_path, serde_json::to_vec(&invoice).unwrap()).unwrap();
        let xml_path = dir.path().join("export.xml");
        let out = silkway(&[
            "docs",
            "export",
            "--format",
            "cii",
            json_path.to_str().unwrap(),
            "--out",
            xml_path.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let check = xmllint(&[
            "--noout",
            "--schema",
            xsd.to_str().unwrap(),
            xml_path.to_str().unwrap(),
        ]);
        assert!(
            check.status.success(),
            "{path}: exported XML fails the XSD: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        let again = silkway_json(&[
            "docs",
            "import",
            "--format",
            "cii",
            xml_path.to_str().unwrap(),
        ]);
        assert_eq!(
            again, invoice,
            "{path}: CII export → import changed the invoice"
        );
    }
}

/// import → export → import gives the same JSON, for a message with full SWIFT headers.
fn swift_round_trip(format: &str, file: &str, kind: &str) {
    let dir = tempfile::tempdir().unwrap();
    let first = silkway_json(&["docs", "import", "--format", format, &fixture(file)]);
    assert_eq!(first["kind"], kind);
    let json_path = dir.path().join("doc.json");
    std::fs::write(&json_path, serde_json::to_vec(&first).unwrap()).unwrap();
    let text_path = dir.path().join("doc.txt");
    let out = silkway(&[
        "docs",
        "export",
        "--format",
        format,
        json_path.to_str().unwrap(),
        "--out",
        text_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = std::fs::read_to_string(&text_path).unwrap();
    assert!(
        exported.starts_with("{1:F01"),
        "export keeps the header blocks: {exported}"
    );
    let second = silkway_json(&[
        "docs",
        "import",
        "--format",
        format,
        text_path.to_str().unwrap(),
    ]);
    assert_eq!(first, second);
}

#[test]
fn mt700_with_headers_round_trips() {
    swift_round_trip("mt700", "swift/mt700_khorgos.txt", "letter_of_credit");
    let lc = silkway_json(&[
        "docs",
        "import",
        "--format",
        "mt700",
        &fixture("swift/mt700_khorgos.txt"),
    ]);
    assert_eq!(lc["reference"], "SCB/LC/26/0417");
    assert_eq!(lc["currency"], "USD");
    assert_eq!(lc["amount"], "248500.00");
    assert_eq!(lc["expiry_date"], "2026-05-15");
    assert_eq!(lc["issuing_bank"], "STCBKZKAXXX");
}

#[test]
fn mt707_with_headers_round_trips() {
    swift_round_trip("mt707", "swift/mt707_khorgos.txt", "amendment");
}

#[test]
fn the_scenario_mt700_and_json_credit_are_the_same_document() {
    let from_swift = silkway_json(&["docs", "fingerprint", &fixture("swift/mt700_khorgos.txt")]);
    let from_json = silkway_json(&["docs", "fingerprint", &fixture("scenario/lc_khorgos.json")]);
    assert_eq!(from_swift, from_json);
}

#[test]
fn truncated_mt700_is_refused_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("swift/mt700_khorgos.txt")).unwrap();
    let cut = dir.path().join("truncated.txt");
    std::fs::write(&cut, &text[..text.find(":45A:").unwrap()]).unwrap();
    let err = silkway_fails(&["docs", "import", "--format", "mt700", cut.to_str().unwrap()]);
    assert!(err.contains("truncated.txt"), "names the file: {err}");
    assert!(err.contains("line"), "names the line: {err}");
}

#[test]
fn mt700_without_mandatory_tag_is_refused_naming_the_tag() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("swift/mt700_khorgos.txt")).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with(":32B:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let path = dir.path().join("no32b.txt");
    std::fs::write(&path, without).unwrap();
    let err = silkway_fails(&[
        "docs",
        "import",
        "--format",
        "mt700",
        path.to_str().unwrap(),
    ]);
    assert!(err.contains("32B"), "names the tag: {err}");
}

#[test]
fn cii_with_doctype_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let xml = std::fs::read_to_string(&cii_examples()[0]).unwrap();
    let evil = xml.replacen(
        "<rsm:CrossIndustryInvoice",
        "<!DOCTYPE lol [<!ENTITY lol \"lol\">]>\n<rsm:CrossIndustryInvoice",
        1,
    );
    let path = dir.path().join("doctype.xml");
    std::fs::write(&path, evil).unwrap();
    let err = silkway_fails(&["docs", "import", "--format", "cii", path.to_str().unwrap()]);
    assert!(
        err.contains("doctype.xml") && err.to_lowercase().contains("doctype"),
        "{err}"
    );
}

#[test]
fn non_canonical_cbor_is_refused_with_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let cbor = dir.path().join("lc.cbor");
    let out = silkway(&[
        "docs",
        "export",
        "--format",
        "cbor",
        &fixture("scenario/lc_khorgos.json"),
        "--out",
        cbor.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&cbor).unwrap();
    // Re-encode the top-level map as an indefinite-length map: same data, not canonical.
    assert_eq!(bytes[0] & 0xe0, 0xa0, "top level is a map");
    let header_len = if bytes[0] & 0x1f < 24 { 1 } else { 2 };
    let mut indefinite = vec![0xbf];
    indefinite.extend_from_slice(&bytes[header_len..]);
    indefinite.push(0xff);
    let bad = dir.path().join("bad.cbor");
    std::fs::write(&bad, indefinite).unwrap();
    let err = silkway_fails(&[
        "docs",
        "fingerprint",
        "--format",
        "cbor",
        bad.to_str().unwrap(),
    ]);
    assert!(
        err.contains("bad.cbor") && err.contains("non-canonical") && err.contains("byte 0"),
        "{err}"
    );
}

#[test]
fn oversized_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    std::fs::write(&path, vec![b' '; 4 * 1024 * 1024 + 1]).unwrap();
    let err = silkway_fails(&["docs", "import", "--format", "json", path.to_str().unwrap()]);
    assert!(err.contains("huge.json") && err.contains("limit"), "{err}");
}

#[test]
fn json_errors_name_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(
        &path,
        "{\n  \"kind\": \"letter_of_credit\",\n  \"reference\": 42\n}",
    )
    .unwrap();
    let err = silkway_fails(&["docs", "import", "--format", "json", path.to_str().unwrap()]);
    assert!(err.contains("bad.json") && err.contains("line 3"), "{err}");
    let lc: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("scenario/lc_khorgos.json")).unwrap(),
    )
    .unwrap();
    let mut wrong = lc.clone();
    wrong["amount"] = Value::from("248500.5");
    std::fs::write(&path, wrong.to_string()).unwrap();
    let err = silkway_fails(&["docs", "import", "--format", "json", path.to_str().unwrap()]);
    assert!(
        err.contains("'amount'") && err.contains("fraction digits"),
        "{err}"
    );
}

#[test]
fn keys_sign_verify_and_a_bad_signature() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("exporter.pem");
    let generated = silkway_json(&[
        "keys",
        "generate",
        "--algorithm",
        "ed25519",
        "--out",
        key.to_str().unwrap(),
    ]);
    assert!(std::fs::read_to_string(&key)
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    let again = silkway_fails(&["keys", "generate", "--out", key.to_str().unwrap()]);
    assert!(again.contains("--force"), "refuses to overwrite: {again}");

    let envelope = dir.path().join("invoice.cose");
    let invoice = fixture("scenario/invoice_khorgos.json");
    let signed = silkway_json(&[
        "docs",
        "sign",
        "--key",
        key.to_str().unwrap(),
        &invoice,
        "--out",
        envelope.to_str().unwrap(),
    ]);
    assert_eq!(signed["signer"]["public_key"], generated["public_key"]);
    let verified = silkway_json(&["docs", "verify", envelope.to_str().unwrap()]);
    assert_eq!(verified["valid"], true);
    assert_eq!(verified["signer"]["public_key"], generated["public_key"]);
    assert_eq!(
        verified["fingerprint"],
        silkway_json(&["docs", "fingerprint", &invoice])["fingerprint"]
    );

    let mut bytes = std::fs::read(&envelope).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01; // inside the signature
    let tampered = dir.path().join("tampered.cose");
    std::fs::write(&tampered, bytes).unwrap();
    let err = silkway_fails(&["docs", "verify", tampered.to_str().unwrap()]);
    assert!(
        err.contains("tampered.cose") && err.contains("signature does not verify"),
        "{err}"
    );
}

#[test]
fn invoice_fingerprint_survives_retyping() {
    let dir = tempfile::tempdir().unwrap();
    let original = fixture("scenario/invoice_khorgos.json");
    let mut invoice: Value =
        serde_json::from_str(&std::fs::read_to_string(&original).unwrap()).unwrap();
    invoice["number"] = Value::from(
        invoice["number"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .replace('-', " "),
    );
    invoice["notes"] = serde_json::json!(["re-typed by the financing desk"]);
    let retyped = dir.path().join("retyped.json");
    std::fs::write(&retyped, invoice.to_string()).unwrap();
    let a = silkway_json(&["docs", "fingerprint", &original]);
    let b = silkway_json(&["docs", "fingerprint", retyped.to_str().unwrap()]);
    assert_ne!(a["fingerprint"], b["fingerprint"], "the document changed");
    assert_eq!(
        a["business_fingerprint"], b["business_fingerprint"],
        "the business identity did not"
    );
}

#[test]
fn examine_the_scenario_presentation_finds_the_late_shipment() {
    let docs = [
        "invoice_khorgos.json",
        "packing_list_khorgos.json",
        "smgs_khorgos.json",
        "certificate_of_origin_khorgos.json",
    ]
    .map(|f| fixture(&format!("scenario/{f}")));
    let mut args = vec!["docs", "examine", "--lc"];
    let lc = fixture("swift/mt700_khorgos.txt");
    args.push(&lc);
    args.push("--presented-on");
    args.push("2026-04-28");
    args.push("--documents");
    args.extend(docs.iter().map(String::as_str));
    let report = silkway_json(&args);
    assert_eq!(report["compliant"], false);
    let discrepancies: Vec<&Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"]["result"] == "discrepancy")
        .collect();
    assert_eq!(
        discrepancies.len(),
        1,
        "exactly the late shipment: {report:#}"
    );
    assert!(
        discrepancies[0].to_string().contains("2026-04-21"),
        "{:#}",
        discrepancies[0]
    );
    let from_presentation = silkway_json(&[
        "docs",
        "examine",
        "--lc",
        &lc,
        "--documents",
        &fixture("scenario/presentation_khorgos.json"),
    ]);
    assert_eq!(from_presentation["checks"], report["checks"]);
}
