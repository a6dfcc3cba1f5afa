//! A customs declaration as it enters: parsed from JSON and checked field by field before it
//! is anchored and submitted.
//!
//! The body is either a [`DeclarationEntry`] — `{"declaration": {…}, "pre_arrival": true,
//! "aeo_certificate": "KZ-AEO-0042"}` — or a bare declaration (the trade-docs
//! `CustomsDeclaration`, with or without `"kind": "customs_declaration"`). Every fault names
//! its JSON path as written (`declaration.consignor.id`, or `consignor.id` for a bare one);
//! parse errors carry the line as well.
//!
//! Checks, beyond those of the document itself (blank fields, net mass above gross, money in
//! the currency's minor units, export leaving its country): the HS code is a subheading of HS
//! 2022 or a 10-digit national code on one; quantity, masses and value are above zero; the
//! unit is a UN/ECE Recommendation 20 code; an Incoterms rule for sea only is not used with
//! another transport mode and names its place; an import or export crosses a border; the
//! declarant, consignor and consignee carry a country and a tax id of that country's shape
//! (Kazakhstan: 12-digit BIN or IIN; China: 18-character unified social credit code; others:
//! up to 35 letters, digits, `-` or `/`); containers have the ISO 6346 shape (the check digit
//! is not verified); every referenced document fingerprint is anchored, once.
//!
//! Deliberately not here: whether a tax id or AEO certificate is registered (the shell asks
//! the register), dates against today (no clock), and the channel (the rules).

use serde::{Deserialize, Serialize};
use trade_docs::document::{
    CustomsDeclaration, DeclarationKind, Document, FieldFault, Invalid, TransportMode,
};
use trade_docs::{Decimal, Fingerprint, Party};

use super::hs::Nomenclature;
use super::rules::is_unit_code;

/// Bodies larger than this are refused unread.
pub const ENTRY_SIZE_MAX_BYTES: usize = 256 * 1024;
/// At most this many documents referenced by one declaration.
pub const DOCUMENTS_MAX: usize = 64;
/// At most this many containers on one declaration.
pub const CONTAINERS_MAX: usize = 256;

/// A declaration with what the clearance rules need besides it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationEntry {
    pub declaration: CustomsDeclaration,
    /// Lodged before the goods arrive; the channel is assigned early and an arrival follows.
    #[serde(default)]
    pub pre_arrival: bool,
    /// The declarant's AEO certificate number, as claimed; the shell checks the register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aeo_certificate: Option<String>,
}

/// Why a declaration was refused on entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("the body is {size} bytes, over the limit of {max}")]
    TooLarge { size: usize, max: usize },
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("field '{path}' (line {line}): {message}")]
    Shape {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Invalid(#[from] Invalid),
}

/// Parses and validates a declaration as it enters; see the module documentation.
pub fn accept(
    text: &str,
    hs: &Nomenclature,
    is_anchored: &dyn Fn(&Fingerprint) -> bool,
) -> Result<DeclarationEntry, EntryError> {
    let (entry, wrapped) = parse_entry(text)?;
    let prefix = if wrapped { "declaration." } else { "" };
    validate(&entry, prefix, hs, is_anchored)?;
    Ok(entry)
}

/// Parses the JSON body; also says whether it was a wrapper (`true`) or a bare declaration.
pub fn parse_entry(text: &str) -> Result<(DeclarationEntry, bool), EntryError> {
    if text.len() > ENTRY_SIZE_MAX_BYTES {
        return Err(EntryError::TooLarge {
            size: text.len(),
            max: ENTRY_SIZE_MAX_BYTES,
        });
    }
    let mut value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| EntryError::Syntax {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    let wrapped = value.get("declaration").is_some();
    let declaration = if wrapped {
        value.get_mut("declaration")
    } else {
        Some(&mut value)
    };
    if let Some(serde_json::Value::Object(fields)) = declaration {
        if fields.get("kind").and_then(|k| k.as_str()) == Some("customs_declaration") {
            fields.remove("kind");
        }
    }
    let entry = if wrapped {
        typed::<DeclarationEntry>(text, value, "")?
    } else {
        DeclarationEntry {
            declaration: typed(text, value, "")?,
            pre_arrival: false,
            aeo_certificate: None,
        }
    };
    Ok((entry, wrapped))
}

/// Checks a parsed entry; every fault's field is its path after `prefix`.
pub fn validate(
    entry: &DeclarationEntry,
    prefix: &str,
    hs: &Nomenclature,
    is_anchored: &dyn Fn(&Fingerprint) -> bool,
) -> Result<(), Invalid> {
    let d = &entry.declaration;
    let mut faults = Faults::new(prefix);
    if let Err(invalid) = Document::CustomsDeclaration(d.clone()).validate() {
        for fault in invalid.faults {
            faults.push(&fault.field, fault.problem);
        }
    }
    if let Err(fault) = hs.check(&d.hs_code) {
        faults.push("hs_code", fault.to_string());
    }
    check_amounts(d, &mut faults);
    check_terms(d, &mut faults);
    for (name, party) in [
        ("declarant", &d.declarant),
        ("consignor", &d.consignor),
        ("consignee", &d.consignee),
    ] {
        check_party(name, party, &mut faults);
    }
    check_documents(&d.documents, is_anchored, &mut faults);
    if let Some(aeo) = &entry.aeo_certificate {
        if !is_identifier(aeo, 35) {
            let field = "aeo_certificate";
            faults.push_top(field, "must be 1 to 35 letters, digits, '-' or '/'");
        }
    }
    faults.finish()
}

fn check_amounts(d: &CustomsDeclaration, faults: &mut Faults) {
    for (field, value) in [
        ("quantity", d.quantity),
        ("gross_mass_kg", d.gross_mass_kg),
        ("net_mass_kg", d.net_mass_kg),
        ("customs_value", d.customs_value),
    ] {
        if value <= Decimal::ZERO {
            faults.push(field, format!("must be more than zero, found '{value}'"));
        }
    }
    if !is_unit_code(&d.unit) {
        faults.push(
            "unit",
            format!(
                "'{}' is not a UN/ECE Recommendation 20 code (2 or 3 letters or digits)",
                d.unit
            ),
        );
    }
}

fn check_terms(d: &CustomsDeclaration, faults: &mut Faults) {
    if d.incoterms.place.trim().is_empty() {
        faults.push("incoterms.place", "must name the place");
    }
    if d.incoterms.rule.is_maritime_only() && d.transport_mode != TransportMode::OceanBillOfLading {
        faults.push(
            "incoterms.rule",
            format!(
                "{} is for sea and inland waterway transport only",
                d.incoterms.rule
            ),
        );
    }
    if d.declaration_kind == DeclarationKind::Import
        && d.country_of_dispatch == d.country_of_destination
    {
        faults.push(
            "country_of_dispatch",
            "an import arrives from another country",
        );
    }
    if d.containers.len() > CONTAINERS_MAX {
        faults.push(
            "containers",
            format!(
                "{} containers, more than {CONTAINERS_MAX}",
                d.containers.len()
            ),
        );
    }
    for (i, container) in d.containers.iter().enumerate().take(CONTAINERS_MAX) {
        if !is_container_id(container) {
            faults.push(
                &format!("containers[{i}]"),
                format!("'{container}' is not an ISO 6346 container number (ABCU1234567)"),
            );
        }
    }
}

fn check_party(name: &str, party: &Party, faults: &mut Faults) {
    let Some(country) = party.country else {
        faults.push(&format!("{name}.country"), "is required on a declaration");
        return;
    };
    let field = format!("{name}.id");
    let Some(id) = party.id.as_deref() else {
        faults.push(&field, "the tax id is required on a declaration");
        return;
    };
    let problem = match country.as_str() {
        "KZ" if !(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())) => {
            Some("a Kazakh BIN or IIN has 12 digits")
        }
        "CN" if !(id.len() == 18
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())) =>
        {
            Some("a Chinese unified social credit code has 18 digits or capital letters")
        }
        "KZ" | "CN" => None,
        _ if !is_identifier(id, 35) => Some("must be 1 to 35 letters, digits, '-' or '/'"),
        _ => None,
    };
    if let Some(problem) = problem {
        faults.push(&field, format!("'{id}': {problem}"));
    }
}

fn check_documents(
    documents: &[Fingerprint],
    is_anchored: &dyn Fn(&Fingerprint) -> bool,
    faults: &mut Faults,
) {
    if documents.len() > DOCUMENTS_MAX {
        let problem = format!("{} documents, more than {DOCUMENTS_MAX}", documents.len());
        faults.push("documents", problem);
        return;
    }
    for (i, fingerprint) in documents.iter().enumerate() {
        let field = format!("documents[{i}]");
        if documents[..i].contains(fingerprint) {
            faults.push(&field, format!("{fingerprint} is listed twice"));
        } else if !is_anchored(fingerprint) {
            faults.push(
                &field,
                format!("{fingerprint} is not anchored on the ledger"),
            );
        }
    }
}

fn is_identifier(text: &str, len_max: usize) -> bool {
    (1..=len_max).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'/')
}

/// ISO 6346 shape: owner code (3 capitals), category (U, J or Z), 6 digits, a check digit.
fn is_container_id(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 11
        && b[..3].iter().all(u8::is_ascii_uppercase)
        && matches!(b[3], b'U' | b'J' | b'Z')
        && b[4..].iter().all(u8::is_ascii_digit)
}

/// Faults with their paths under a prefix.
struct Faults<'a> {
    prefix: &'a str,
    faults: Vec<FieldFault>,
}

impl<'a> Faults<'a> {
    fn new(prefix: &'a str) -> Faults<'a> {
        Faults {
            prefix,
            faults: Vec::new(),
        }
    }

    fn push(&mut self, field: &str, problem: impl Into<String>) {
        self.faults.push(FieldFault {
            field: format!("{}{field}", self.prefix),
            problem: problem.into(),
        });
    }

    /// A field of the wrapper itself, beside `declaration`.
    fn push_top(&mut self, field: &str, problem: impl Into<String>) {
        self.faults.push(FieldFault {
            field: field.to_string(),
            problem: problem.into(),
        });
    }

    fn finish(self) -> Result<(), Invalid> {
        if self.faults.is_empty() {
            Ok(())
        } else {
            Err(Invalid {
                faults: self.faults,
            })
        }
    }
}

fn typed<T: serde::de::DeserializeOwned>(
    text: &str,
    value: serde_json::Value,
    prefix: &str,
) -> Result<T, EntryError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = format!("{prefix}{}", e.path());
        EntryError::Shape {
            line: line_of_key(text, &path),
            message: e.into_inner().to_string(),
            path,
        }
    })
}

/// The line of the last key of `path` in `text`, finding each key after the one before it;
/// 1 when a key is not written (a missing field).
fn line_of_key(text: &str, path: &str) -> usize {
    let mut from = 0;
    for key in path
        .split(['.', '['])
        .filter(|k| !k.is_empty() && !k.ends_with(']') && *k != "?")
    {
        match text[from..].find(&format!("\"{key}\"")) {
            Some(at) => from += at,
            None => return 1,
        }
    }
    text[..from].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use trade_docs::demo;

    fn anchored(fingerprint: &Fingerprint) -> bool {
        fingerprint.0[0] == 0xaa
    }

    fn accept_json(value: &serde_json::Value) -> Result<DeclarationEntry, EntryError> {
        accept(
            &serde_json::to_string_pretty(value).unwrap(),
            Nomenclature::hs2022(),
            &anchored,
        )
    }

    fn khorgos() -> serde_json::Value {
        serde_json::from_str(demo::DECLARATION_KZ_IMPORT_KHORGOS_JSON).unwrap()
    }

    fn fields(error: EntryError) -> Vec<String> {
        match error {
            EntryError::Invalid(invalid) => invalid.faults.into_iter().map(|f| f.field).collect(),
            other => panic!("not a validation error: {other}"),
        }
    }

    #[test]
    fn the_scenario_declarations_enter_bare_or_wrapped() {
        for text in [
            demo::DECLARATION_CN_EXPORT_HORGOS_JSON,
            demo::DECLARATION_KZ_IMPORT_KHORGOS_JSON,
            demo::DECLARATION_KZ_IMPORT_AKTAU_JSON,
        ] {
            let bare: serde_json::Value = serde_json::from_str(text).unwrap();
            let entry = accept_json(&bare).unwrap();
            assert!(!entry.pre_arrival);
            let wrapped = serde_json::json!({
                "declaration": bare,
                "pre_arrival": true,
                "aeo_certificate": "KZ-AEO-0042",
            });
            let entry = accept_json(&wrapped).unwrap();
            assert!(entry.pre_arrival);
            assert_eq!(entry.aeo_certificate.as_deref(), Some("KZ-AEO-0042"));
        }
    }

    #[test]
    fn every_fault_names_its_field() {
        type Edit = fn(&mut serde_json::Value);
        #[rustfmt::skip]
        let cases: Vec<(Edit, &str)> = vec![
            (|v| v["hs_code"] = "870860".into(), "hs_code"),
            (|v| v["hs_code"] = "87084099".into(), "hs_code"),
            (|v| v["quantity"] = "0".into(), "quantity"),
            (|v| v["net_mass_kg"] = "0.0".into(), "net_mass_kg"),
            (|v| v["net_mass_kg"] = "18650.5".into(), "net_mass_kg"),
            (|v| v["customs_value"] = "0.00".into(), "customs_value"),
            (|v| v["customs_value"] = "248500.0".into(), "customs_value"),
            (|v| v["unit"] = "pieces".into(), "unit"),
            (|v| v["incoterms"]["rule"] = "FOB".into(), "incoterms.rule"),
            (|v| v["incoterms"]["place"] = " ".into(), "incoterms.place"),
            (|v| v["country_of_dispatch"] = "KZ".into(), "country_of_dispatch"),
            (|v| v["containers"][1] = "TGHU482194".into(), "containers[1]"),
            (|v| { v["declarant"].as_object_mut().unwrap().remove("id"); }, "declarant.id"),
            (|v| v["declarant"]["id"] = "26014001234".into(), "declarant.id"),
            (|v| v["consignor"]["id"] = "91650100ma7xyz1234".into(), "consignor.id"),
            (|v| { v["consignee"].as_object_mut().unwrap().remove("country"); }, "consignee.country"),
            (|v| { v["consignee"]["country"] = "DE".into(); v["consignee"]["id"] = "DE 123".into(); }, "consignee.id"),
            (|v| v["documents"] = serde_json::json!(["bb".repeat(32)]), "documents[0]"),
            (|v| v["documents"] = serde_json::json!(["aa".repeat(32), "aa".repeat(32)]), "documents[1]"),
            (|v| v["reference"] = "".into(), "reference"),
        ];
        for (edit, field) in cases {
            let mut bare = khorgos();
            edit(&mut bare);
            let wrapped = serde_json::json!({ "declaration": bare.clone() });
            assert_eq!(
                fields(accept_json(&bare).unwrap_err()),
                [field],
                "bare {field}"
            );
            let in_wrapper = format!("declaration.{field}");
            assert_eq!(
                fields(accept_json(&wrapped).unwrap_err()),
                [in_wrapper],
                "{field}"
            );
        }
        let mut other = khorgos();
        other["consignee"]["country"] = "DE".into();
        other["consignee"]["id"] = "DE-123/45".into();
        other["documents"] = serde_json::json!(["aa".repeat(32)]);
        assert!(accept_json(&other).is_ok());
        let bad_aeo = serde_json::json!({ "declaration": khorgos(), "aeo_certificate": "" });
        assert_eq!(
            fields(accept_json(&bad_aeo).unwrap_err()),
            ["aeo_certificate"]
        );
    }

    #[test]
    fn all_faults_are_reported_at_once() {
        let mut bare = khorgos();
        bare["quantity"] = "0".into();
        bare["gross_mass_kg"] = "0".into();
        bare["unit"] = "x".into();
        bare["consignor"]["id"] = "1".into();
        assert_eq!(
            fields(accept_json(&bare).unwrap_err()),
            [
                "net_mass_kg",
                "quantity",
                "gross_mass_kg",
                "unit",
                "consignor.id"
            ]
        );
    }

    #[test]
    fn parse_errors_carry_their_line() {
        let hs = Nomenclature::hs2022();
        let text = "{\n  \"declaration\": {\n    \"reference\": 7\n  }\n}";
        match accept(text, hs, &anchored) {
            Err(EntryError::Shape { path, line, .. }) => {
                assert_eq!((path.as_str(), line), ("declaration.reference", 3));
            }
            other => panic!("{other:?}"),
        }
        match accept("{\n  \"declaration\": \n}", hs, &anchored) {
            Err(EntryError::Syntax { line, .. }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
        let mut bare = khorgos();
        bare["colour"] = "red".into();
        let text = serde_json::to_string_pretty(&bare).unwrap();
        assert!(matches!(
            accept(&text, hs, &anchored),
            Err(EntryError::Shape { message, .. }) if message.contains("colour")
        ));
        let huge = " ".repeat(ENTRY_SIZE_MAX_BYTES + 1);
        assert!(matches!(
            accept(&huge, hs, &anchored),
            Err(EntryError::TooLarge { .. })
        ));
    }
}
