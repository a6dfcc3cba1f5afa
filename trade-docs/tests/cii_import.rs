//! CII import against the EN 16931 example files and against hostile or broken input.
//!
//! Each fixture must import into an invoice that passes validation, with a grand total equal
//! to the file's `GrandTotalAmount` (read here by plain string search, independently of the
//! importer). Broken inputs must be refused with an error that names the place at fault.

use std::cmp::Ordering;

use trade_docs::cii::{self, CiiError, CII_DEPTH_MAX, CII_SIZE_MAX_BYTES};
use trade_docs::{Country, Decimal, Document};

const EXAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/fixtures/cii/examples/"
);

fn fixture(name: &str) -> String {
    let path = format!("{EXAMPLES}{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The text of the first `<ram:{element}>` in the file, found without any XML parser.
fn raw_value(xml: &str, element: &str) -> String {
    let open = format!("<ram:{element}");
    let start = xml.find(&open).expect("element present");
    let after = &xml[start..];
    let value_start = after.find('>').expect("tag closes") + 1;
    let value_end = after.find("</").expect("element closes");
    after[value_start..value_end].trim().to_string()
}

macro_rules! fixture_imports {
    ($($test:ident => $file:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            let xml = fixture($file);
            let invoice = cii::import(&xml).unwrap_or_else(|e| panic!("{}: {e}", $file));
            assert_eq!(Document::Invoice(invoice.clone()).validate(), Ok(()));
            let expected: Decimal = raw_value(&xml, "GrandTotalAmount").parse().unwrap();
            assert_eq!(invoice.total.cmp(&expected), Ordering::Equal, "{}", $file);
            assert_eq!(invoice.total.scale(), invoice.currency.minor_units());
        }
    )*};
}

fixture_imports! {
    imports_example1 => "CII_example1.xml",
    imports_example2 => "CII_example2.xml",
    imports_example3 => "CII_example3.xml",
    imports_example4 => "CII_example4.xml",
    imports_example5 => "CII_example5.xml",
    imports_business_example_01 => "CII_business_example_01.xml",
    imports_rounding_issue => "CII-BR-CO-10-RoundingIssue.xml",
}

#[test]
fn maps_the_header_parties_and_settlement() {
    let invoice = cii::import(&fixture("CII_example3.xml")).unwrap();
    assert_eq!(invoice.number, "TOSL108");
    assert_eq!(invoice.type_code, "380");
    assert_eq!(invoice.issue_date.to_string(), "2013-04-10");
    assert_eq!(invoice.currency.as_str(), "DKK");
    assert_eq!(
        invoice.notes,
        ["Contract was established through our website"]
    );
    assert_eq!(invoice.seller.name, "SubscriptionSeller");
    // The VAT registration wins over the legal organization id.
    assert_eq!(invoice.seller.id.as_deref(), Some("DK16356706"));
    assert_eq!(
        invoice.seller.address,
        ["Main street 2, Building 4", "54321 Big city"]
    );
    assert_eq!(invoice.seller.country, "DK".parse::<Country>().ok());
    // The buyer has only a global id.
    assert_eq!(invoice.buyer.id.as_deref(), Some("5790000435975"));
    assert_eq!(
        invoice.charge_total.map(|d| d.to_string()),
        Some("100.00".into())
    );
    assert_eq!(invoice.allowance_total, None);
    assert_eq!(invoice.tax_basis_total.to_string(), "900.00");
    assert_eq!(
        invoice.tax_total.map(|d| d.to_string()),
        Some("225.00".into())
    );
    assert_eq!(invoice.due_payable.to_string(), "1125.00");
    assert_eq!(
        invoice.due_date.map(|d| d.to_string()),
        Some("2013-05-10".into())
    );
    let tax = &invoice.taxes[0];
    assert_eq!(
        (
            tax.category.as_str(),
            tax.basis.to_string(),
            tax.amount.to_string()
        ),
        ("S", "900.00".into(), "225.00".into())
    );
    let line = &invoice.lines[0];
    assert_eq!(line.description, "Paper subscription");
    assert_eq!(
        (line.unit.as_str(), line.unit_price.to_string()),
        ("C62", "800.00".into())
    );
    assert_eq!(line.tax_category.as_deref(), Some("S"));
    assert_eq!(
        line.tax_rate_percent.map(|d| d.to_string()),
        Some("25".into())
    );
}

#[test]
fn takes_the_tax_total_in_the_invoice_currency() {
    // Example 5 gives the tax total in DKK (invoice currency) and in EUR (tax currency).
    let invoice = cii::import(&fixture("CII_example5.xml")).unwrap();
    assert_eq!(
        invoice.tax_total.map(|d| d.to_string()),
        Some("675.00".into())
    );
    assert_eq!(
        invoice.prepaid_total.map(|d| d.to_string()),
        Some("2337.50".into())
    );
    assert_eq!(invoice.buyer_order_reference.as_deref(), Some("PO4711"));
    // Two lines name NL as origin and the third names none.
    assert_eq!(invoice.country_of_origin, "NL".parse::<Country>().ok());
    assert_eq!(
        invoice.seller.address,
        ["Hoofdstraat 4", "Om de hoek", "54321 Grootstad, Overijssel"]
    );
}

#[test]
fn keeps_negative_lines_and_exemptions() {
    let invoice = cii::import(&fixture("CII_example2.xml")).unwrap();
    let returned = &invoice.lines[1];
    assert_eq!(returned.quantity.to_string(), "-1");
    assert_eq!(returned.line_total.to_string(), "-3.96");
    // The price is kept as given; BasisQuantity is not divided out.
    assert_eq!(invoice.lines[0].unit_price.to_string(), "1273.00");
    let exempt = invoice.taxes.iter().find(|t| t.category == "E").unwrap();
    assert_eq!(exempt.basis.to_string(), "-25.00");
    assert_eq!(
        exempt.exemption_reason.as_deref(),
        Some("Exempt New Means of Transport")
    );
    // The Gross price is ignored; only the net price feeds the unit price.
    let rounding = cii::import(&fixture("CII-BR-CO-10-RoundingIssue.xml")).unwrap();
    assert_eq!(rounding.lines[0].unit_price.to_string(), "720.81");
    // An empty order reference is no reference.
    assert_eq!(rounding.buyer_order_reference, None);
    assert_eq!(rounding.buyer.id.as_deref(), Some("1"));
}

/// What a refused input must produce: the variant and a piece of its message.
struct Refusal {
    label: &'static str,
    xml: String,
    variant: fn(&CiiError) -> bool,
    message: String,
}

fn refusal(
    label: &'static str,
    xml: String,
    variant: fn(&CiiError) -> bool,
    message: impl Into<String>,
) -> Refusal {
    Refusal {
        label,
        xml,
        variant,
        message: message.into(),
    }
}

fn example3_with(from: &str, to: &str) -> String {
    let xml = fixture("CII_example3.xml");
    assert!(xml.contains(from), "{from} not in example 3");
    xml.replacen(from, to, 1)
}

const SUMMATION: &str = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementHeaderMonetarySummation";

fn refusals() -> Vec<Refusal> {
    let example3 = fixture("CII_example3.xml");
    let root_at = example3.find("<rsm:CrossIndustryInvoice").unwrap();
    let (prolog, body) = example3.split_at(root_at);
    let laughs = format!(
        "{prolog}<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>\n{body}"
    );
    let external = format!("{prolog}<!DOCTYPE x SYSTEM \"file:///etc/passwd\">\n{body}");
    let ubl = r#"<?xml version="1.0"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</ID></Invoice>"#;
    vec![
        refusal("billion laughs", laughs, |e| matches!(e, CiiError::Doctype { line: 10 }), "line 10: a DOCTYPE is refused"),
        refusal("external DTD", external, |e| matches!(e, CiiError::Doctype { .. }), "DOCTYPE"),
        refusal(
            "external entity reference",
            example3_with("<ram:ID>TOSL108</ram:ID>", "<ram:ID>&xxe;</ram:ID>"),
            |e| matches!(e, CiiError::EntityReference { .. }),
            "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID (line 22): entity reference '&xxe;' is refused",
        ),
        refusal(
            "entity in an attribute",
            example3_with("unitCode=\"C62\"", "unitCode=\"&unit;\""),
            |e| matches!(e, CiiError::EntityReference { .. }),
            "ram:BilledQuantity/@unitCode",
        ),
        refusal(
            "truncated",
            example3[..example3.len() / 2].to_string(),
            |e| matches!(e, CiiError::Malformed { .. }),
            "input ends inside /rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction",
        ),
        refusal(
            "mismatched end tag",
            example3_with("</ram:TypeCode>", "</ram:Type>"),
            |e| matches!(e, CiiError::Malformed { line: 23, .. }),
            "malformed XML",
        ),
        refusal(
            "missing grand total",
            example3_with("<ram:GrandTotalAmount>1125</ram:GrandTotalAmount>", ""),
            |e| matches!(e, CiiError::Missing { .. }),
            format!("{SUMMATION}/ram:GrandTotalAmount is required but missing"),
        ),
        refusal(
            "bad date",
            example3_with(">20130410<", ">2013041<"),
            |e| matches!(e, CiiError::BadValue { .. }),
            "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString (line 25): '2013041' is not a date in format 102",
        ),
        refusal(
            "unsupported date format",
            example3_with("format=\"102\">20130410", "format=\"203\">201304101200"),
            |e| matches!(e, CiiError::BadValue { .. }),
            "udt:DateTimeString/@format (line 25): '203' is not a supported date format",
        ),
        refusal(
            "bad amount",
            example3_with(">1125</ram:GrandTotalAmount>", ">1.125,00</ram:GrandTotalAmount>"),
            |e| matches!(e, CiiError::BadValue { .. }),
            format!("{SUMMATION}/ram:GrandTotalAmount (line 140): '1.125,00' is not a decimal number"),
        ),
        refusal(
            "amount finer than the currency",
            example3_with(">1125</ram:GrandTotalAmount>", ">1125.001</ram:GrandTotalAmount>"),
            |e| matches!(e, CiiError::BadValue { .. }),
            "'1125.001' cannot be held exactly with DKK's 2 fraction digits",
        ),
        refusal(
            "amount in another currency",
            example3_with("currencyID=\"DKK\">225", "currencyID=\"EUR\">225"),
            |e| matches!(e, CiiError::BadValue { .. }),
            format!("{SUMMATION}/ram:TaxTotalAmount/@currencyID (line 139): 'EUR' is not the invoice currency DKK"),
        ),
        refusal(
            "unknown currency",
            example3_with(">DKK</ram:InvoiceCurrencyCode>", ">DKR</ram:InvoiceCurrencyCode>"),
            |e| matches!(e, CiiError::BadValue { .. }),
            "ram:InvoiceCurrencyCode (line 97): 'DKR' is not an ISO 4217 currency code",
        ),
        refusal(
            "line without quantity unit",
            example3_with(" unitCode=\"C62\"", ""),
            |e| matches!(e, CiiError::Missing { .. }),
            "ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode is required but missing (see line 46)",
        ),
        refusal(
            "totals that do not add up",
            example3_with(
                "<ram:GrandTotalAmount>1125</ram:GrandTotalAmount>",
                "<ram:GrandTotalAmount>1126</ram:GrandTotalAmount>",
            ),
            |e| matches!(e, CiiError::Invalid(_)),
            format!("field 'total': does not equal the tax basis total plus the tax total (at {SUMMATION}/ram:GrandTotalAmount, line 140)"),
        ),
        refusal(
            "wrong root",
            ubl.to_string(),
            |e| matches!(e, CiiError::WrongRoot { line: 2, .. }),
            "root element is 'Invoice' in a foreign namespace",
        ),
        refusal(
            "too deep",
            example3_with(
                "<ram:ID>TOSL108</ram:ID>",
                &format!("{}<ram:ID>TOSL108</ram:ID>", "<ram:X>".repeat(CII_DEPTH_MAX)),
            ),
            |e| matches!(e, CiiError::TooDeep { .. }),
            "elements nest deeper than 32 levels",
        ),
        refusal(
            "too large",
            format!("{example3}{}", " ".repeat(CII_SIZE_MAX_BYTES)),
            |e| matches!(e, CiiError::TooLarge { .. }),
            "over the limit of 4194304 bytes",
        ),
    ]
}

#[test]
fn refuses_broken_and_hostile_input_naming_the_place() {
    for case in refusals() {
        let err = match cii::import(&case.xml) {
            Ok(_) => panic!("{}: accepted", case.label),
            Err(err) => err,
        };
        let message = err.to_string();
        assert!(
            (case.variant)(&err),
            "{}: wrong variant {err:?}",
            case.label
        );
        assert!(
            message.contains(&case.message),
            "{}: {message:?} does not contain {:?}",
            case.label,
            case.message
        );
    }
}

#[test]
fn predefined_entities_and_character_references_are_accepted() {
    let invoice = cii::import(&example3_with(
        "<ram:Name>SubscriptionSeller</ram:Name>",
        "<ram:Name>Seller &amp; Sons &lt;&#x41;&#66;&gt; &quot;&apos;</ram:Name>",
    ))
    .unwrap();
    assert_eq!(invoice.seller.name, "Seller & Sons <AB> \"'");
}
