//! CII export: schema validity against the D16B XSD (checked by `xmllint`, Debian package
//! `libxml2-utils`) and round trips, `import(export(invoice)) == invoice`.
//!
//! The fixtures cover what real files hold; the corridor invoice below covers the fields only
//! SilkwayChain fills (LC reference, shipping marks, Incoterms, origin, HS codes); the property
//! test covers text that needs escaping.

use std::path::PathBuf;
use std::process::Command;

use proptest::prelude::*;
use trade_docs::cii;
use trade_docs::document::{Invoice, InvoiceLine, TaxBreakdown};
use trade_docs::{Country, Decimal, Document, IncotermRule, Incoterms, Party};

const EXAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/fixtures/cii/examples/"
);
const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/fixtures/cii/schema/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"
);

fn fixture(name: &str) -> String {
    let path = format!("{EXAMPLES}{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Runs `xmllint --noout --schema` on `xml` written to a temporary file.
fn xmllint(label: &str, xml: &str) -> Result<(), String> {
    let path: PathBuf =
        std::env::temp_dir().join(format!("silkway-cii-{}-{label}.xml", std::process::id()));
    std::fs::write(&path, xml).expect("temp file is writable");
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(XSD)
        .arg(&path)
        .output()
        .expect("xmllint runs (install libxml2-utils)");
    let _ = std::fs::remove_file(&path);
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn assert_exports_valid_and_round_trips(label: &str, invoice: &Invoice) {
    let xml = cii::export(invoice);
    if let Err(report) = xmllint(label, &xml) {
        panic!("{label}: export does not validate against the XSD:\n{report}\n{xml}");
    }
    let again = cii::import(&xml).unwrap_or_else(|e| panic!("{label}: re-import failed: {e}"));
    assert_eq!(&again, invoice, "{label}: round trip changed the invoice");
}

macro_rules! fixture_exports {
    ($($test:ident => $file:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            let invoice = cii::import(&fixture($file)).unwrap();
            assert_exports_valid_and_round_trips(stringify!($test), &invoice);
        }
    )*};
}

fixture_exports! {
    exports_example1 => "CII_example1.xml",
    exports_example2 => "CII_example2.xml",
    exports_example3 => "CII_example3.xml",
    exports_example4 => "CII_example4.xml",
    exports_example5 => "CII_example5.xml",
    exports_business_example_01 => "CII_business_example_01.xml",
    exports_rounding_issue => "CII-BR-CO-10-RoundingIssue.xml",
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn line(id: &str, description: &str, quantity: &str, price: &str, total: &str) -> InvoiceLine {
    InvoiceLine {
        line_id: id.into(),
        description: description.into(),
        quantity: d(quantity),
        unit: "C62".into(),
        unit_price: d(price),
        line_total: d(total),
        hs_code: Some("870899".parse().unwrap()),
        tax_category: Some("Z".into()),
        tax_rate_percent: Some(d("0")),
    }
}

/// The first consignment of the demo scenario: tractor parts from Urumqi to Almaty under a
/// letter of credit.
fn corridor_invoice() -> Invoice {
    Invoice {
        number: "THI-2026-0117".into(),
        issue_date: "2026-03-02".parse().unwrap(),
        type_code: "380".into(),
        seller: Party {
            name: "Tianshan Heavy Industry Co.".into(),
            address: vec!["88 Kashgar Road".into(), "830000 Urumqi, Xinjiang".into()],
            country: Some(Country::CN),
            id: Some("91650100TSHI00117X".into()),
        },
        buyer: Party {
            name: "Steppe Agro Machinery LLP".into(),
            address: vec![
                "Abai Avenue 10".into(),
                "Office 4".into(),
                "050000 Almaty".into(),
            ],
            country: Some(Country::KZ),
            id: Some("990140000123".into()),
        },
        currency: "USD".parse().unwrap(),
        lines: vec![
            line(
                "1",
                "Tractor gearbox assemblies",
                "10",
                "1250.00",
                "12500.00",
            ),
            line(
                "2",
                "Drive axles, \"heavy\" <HD> & spares",
                "4",
                "3375.5000",
                "13502.00",
            ),
        ],
        line_total: d("26002.00"),
        allowance_total: None,
        charge_total: None,
        tax_basis_total: d("26002.00"),
        taxes: vec![TaxBreakdown {
            category: "Z".into(),
            rate_percent: Some(d("0")),
            basis: d("26002.00"),
            amount: d("0.00"),
            exemption_reason: Some("Export outside the customs territory".into()),
        }],
        tax_total: Some(d("0.00")),
        total: d("26002.00"),
        prepaid_total: None,
        due_payable: d("26002.00"),
        due_date: Some("2026-05-01".parse().unwrap()),
        incoterms: Some(Incoterms {
            rule: IncotermRule::Cpt,
            place: "Almaty".into(),
        }),
        lc_reference: Some("SCB-LC-2026-0042".into()),
        buyer_order_reference: Some("SAM-PO-311".into()),
        country_of_origin: Some(Country::CN),
        shipping_marks: Some("SAM ALMATY\nLC SCB-LC-2026-0042\nNOS 1-24".into()),
        notes: vec!["Shipped by rail via Khorgos".into()],
    }
}

#[test]
fn corridor_invoice_exports_valid_and_round_trips() {
    let invoice = corridor_invoice();
    assert_eq!(Document::Invoice(invoice.clone()).validate(), Ok(()));
    assert_exports_valid_and_round_trips("corridor", &invoice);
    let xml = cii::export(&invoice);
    for expected in [
        "<ram:LetterOfCreditReferencedDocument>",
        "<ram:DeliveryTypeCode>CPT</ram:DeliveryTypeCode>",
        "<ram:SubjectCode>MKS</ram:SubjectCode>",
        "<ram:ClassCode listID=\"HS\">870899</ram:ClassCode>",
        "Drive axles, &quot;heavy&quot; &lt;HD&gt; &amp; spares",
    ] {
        assert!(xml.contains(expected), "{expected} not in the export");
    }
}

#[test]
fn the_schema_check_catches_misordered_elements() {
    // Guards the harness itself: if xmllint or the XSD path were wrong, every export would
    // "validate" and the tests above would prove nothing.
    let xml = cii::export(&corridor_invoice()).replacen("<ram:TypeCode>380</ram:TypeCode>", "", 1);
    let xml = xml.replacen(
        "</rsm:ExchangedDocument>",
        "<ram:TypeCode>380</ram:TypeCode></rsm:ExchangedDocument>",
        1,
    );
    let report = xmllint("misordered", &xml).expect_err("a misordered document must not validate");
    assert!(report.contains("TypeCode"), "{report}");
}

/// Text that survives a round trip: not blank, no surrounding whitespace (import trims), but
/// full of markup characters and non-ASCII.
fn text() -> impl Strategy<Value = String> {
    "[A-Za-z<>&\"'Қ中]([A-Za-z0-9<>&\"'Қ中 \n]{0,16}[A-Za-z0-9<>&\"'中])?"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn text_round_trips(
        number in text(),
        seller in text(),
        description in text(),
        note in text(),
        marks in text(),
        address in proptest::collection::vec(text(), 0..6),
    ) {
        let mut invoice = corridor_invoice();
        invoice.number = number;
        invoice.seller.name = seller;
        invoice.seller.address = address;
        invoice.lines[0].description = description;
        invoice.notes = vec![note];
        invoice.shipping_marks = Some(marks);
        let again = cii::import(&cii::export(&invoice)).unwrap();
        prop_assert_eq!(again, invoice);
    }
}
