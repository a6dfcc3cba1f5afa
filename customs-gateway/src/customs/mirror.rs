//! The mirror check: the exporting country's declaration against the importing country's
//! declaration of the same consignment.
//!
//! Two declarations are counterparts when one is an export and the other an import (or a
//! transit), they agree on the countries of dispatch and destination, and they share the
//! transport document number or a container. The declaration has no separate consignment id;
//! the transport document number is the one both sides copy from the same waybill.
//!
//! Fields compare symmetrically, so both sides of a consignment see the same mismatch: a
//! quantity (value, quantity, gross or net mass) differs beyond `tolerance_pct` when the
//! difference exceeds that share of the larger of the two; values in different currencies and
//! quantities in different units always differ (no exchange rates here); HS codes compare on
//! their international 6 digits, the national extensions being each country's own.
//!
//! Deliberately not here: finding candidates on the ledger (the shell), weights and channels
//! (the rules). Invariant: pure and allocation-free except for evidence texts.

use std::fmt::{self, Write};

use serde::{Deserialize, Serialize};
use trade_docs::document::{CustomsDeclaration, DeclarationKind};
use trade_docs::Decimal;

use super::evaluate::{fixed, percent_apart_tenths, Tenths};

/// A field the mirror check compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MirrorField {
    Value,
    Quantity,
    GrossMass,
    NetMass,
    Hs6,
}

/// One field beyond tolerance, described for both sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub field: MirrorField,
    /// E.g. `value: this 148000.00 USD, mirror HG-EX-2026-04-0311 248500.00 USD (40.4 % apart, tolerance 5 %)`.
    pub evidence: String,
}

impl MirrorField {
    pub const ALL: [MirrorField; 5] = [
        Self::Value,
        Self::Quantity,
        Self::GrossMass,
        Self::NetMass,
        Self::Hs6,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Value => "value",
            Self::Quantity => "quantity",
            Self::GrossMass => "gross_mass",
            Self::NetMass => "net_mass",
            Self::Hs6 => "hs6",
        }
    }
}

/// Whether `a` and `b` declare the same consignment from the two sides of a border.
pub fn is_counterpart(a: &CustomsDeclaration, b: &CustomsDeclaration) -> bool {
    use DeclarationKind::{Export, Import, Transit};
    let sides = matches!(
        (a.declaration_kind, b.declaration_kind),
        (Export, Import | Transit) | (Import | Transit, Export)
    );
    let route = a.country_of_dispatch == b.country_of_dispatch
        && a.country_of_destination == b.country_of_destination;
    let same_document = match (&a.transport_document_number, &b.transport_document_number) {
        (Some(x), Some(y)) => same_id(x, y),
        _ => false,
    };
    let shared_container = a
        .containers
        .iter()
        .any(|x| b.containers.iter().any(|y| same_id(x, y)));
    sides && route && (same_document || shared_container)
}

/// The counterpart of `declaration` among `candidates`: the first one sharing its transport
/// document number, else the first sharing a container.
pub fn find_counterpart<'a>(
    declaration: &CustomsDeclaration,
    candidates: impl IntoIterator<Item = &'a CustomsDeclaration>,
) -> Option<&'a CustomsDeclaration> {
    let matching: Vec<&CustomsDeclaration> = candidates
        .into_iter()
        .filter(|c| is_counterpart(declaration, c))
        .collect();
    let by_document = matching.iter().find(|c| {
        match (
            &declaration.transport_document_number,
            &c.transport_document_number,
        ) {
            (Some(x), Some(y)) => same_id(x, y),
            _ => false,
        }
    });
    by_document.or(matching.first()).copied()
}

/// Whether one field differs beyond `tolerance_pct`; see the module documentation.
pub fn differs(
    field: MirrorField,
    this: &CustomsDeclaration,
    mirror: &CustomsDeclaration,
    tolerance_pct: u32,
) -> bool {
    match field {
        MirrorField::Hs6 => this.hs_code.subheading() != mirror.hs_code.subheading(),
        MirrorField::Value if this.currency != mirror.currency => true,
        MirrorField::Quantity if this.unit != mirror.unit => true,
        _ => {
            let (a, b) = amounts(field, this, mirror);
            apart_beyond(fixed(a), fixed(b), tolerance_pct)
        }
    }
}

/// Every field that differs beyond `tolerance_pct`, described (for the officer's page).
pub fn compare(
    this: &CustomsDeclaration,
    mirror: &CustomsDeclaration,
    tolerance_pct: u32,
) -> Vec<Difference> {
    MirrorField::ALL
        .into_iter()
        .filter(|field| differs(*field, this, mirror, tolerance_pct))
        .map(|field| Difference {
            field,
            evidence: describe(field, this, mirror, tolerance_pct),
        })
        .collect()
}

/// What both declarations say of one field, e.g. `net mass: this 17120.0 kg, mirror
/// HG-EX-2026-04-0311 17120.0 kg (0.0 % apart, tolerance 2 %)`.
pub fn describe(
    field: MirrorField,
    this: &CustomsDeclaration,
    mirror: &CustomsDeclaration,
    tolerance_pct: u32,
) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = describe_into(field, this, mirror, tolerance_pct, &mut out);
    out
}

/// [`describe`], appended to `out`.
pub fn describe_into(
    field: MirrorField,
    this: &CustomsDeclaration,
    mirror: &CustomsDeclaration,
    tolerance_pct: u32,
    out: &mut String,
) -> fmt::Result {
    let reference = &mirror.reference;
    if field == MirrorField::Hs6 {
        let (a, b) = (this.hs_code.subheading(), mirror.hs_code.subheading());
        return write!(out, "HS-6: this {a}, mirror {reference} {b}");
    }
    let (a, b) = amounts(field, this, mirror);
    let (unit_a, unit_b) = match field {
        MirrorField::Value => (this.currency.as_str(), mirror.currency.as_str()),
        MirrorField::Quantity => (this.unit.as_str(), mirror.unit.as_str()),
        _ => ("kg", "kg"),
    };
    let name = match field {
        MirrorField::GrossMass => "gross mass",
        MirrorField::NetMass => "net mass",
        other => other.as_str(),
    };
    write!(
        out,
        "{name}: this {a} {unit_a}, mirror {reference} {b} {unit_b}"
    )?;
    if unit_a != unit_b {
        return out.write_str(" (not comparable: different currencies or units)");
    }
    let larger = fixed(a).max(fixed(b));
    let apart = Tenths(percent_apart_tenths(fixed(a), fixed(b), larger));
    write!(out, " ({apart} % apart, tolerance {tolerance_pct} %)")
}

fn amounts(
    field: MirrorField,
    this: &CustomsDeclaration,
    mirror: &CustomsDeclaration,
) -> (Decimal, Decimal) {
    match field {
        MirrorField::Value => (this.customs_value, mirror.customs_value),
        MirrorField::Quantity => (this.quantity, mirror.quantity),
        MirrorField::GrossMass => (this.gross_mass_kg, mirror.gross_mass_kg),
        MirrorField::NetMass | MirrorField::Hs6 => (this.net_mass_kg, mirror.net_mass_kg),
    }
}

/// `|a − b| > max(a, b) × tolerance_pct / 100`, exactly, in fixed point.
fn apart_beyond(a: i128, b: i128, tolerance_pct: u32) -> bool {
    let larger = a.max(b);
    (a - b).abs().saturating_mul(100) > larger.saturating_mul(i128::from(tolerance_pct))
}

/// Ids compare upper-cased, letters and digits only (`SMGS 2611/0091` = `smgs-2611-0091`).
fn same_id(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>()
    };
    let (a, b) = (norm(a), norm(b));
    !a.is_empty() && a == b
}

#[cfg(test)]
mod tests {
    use super::*;
    use trade_docs::{demo, Document};

    fn declaration(text: &str) -> CustomsDeclaration {
        match trade_docs::json::import(text).unwrap() {
            Document::CustomsDeclaration(d) => d,
            other => panic!("{:?}", other.kind()),
        }
    }

    fn khorgos() -> (CustomsDeclaration, CustomsDeclaration) {
        (
            declaration(demo::DECLARATION_CN_EXPORT_HORGOS_JSON),
            declaration(demo::DECLARATION_KZ_IMPORT_KHORGOS_JSON),
        )
    }

    #[test]
    fn the_khorgos_declarations_are_counterparts_and_match() {
        let (export, import) = khorgos();
        assert!(is_counterpart(&export, &import));
        assert!(is_counterpart(&import, &export));
        assert!(compare(&import, &export, 0).is_empty());
        assert!(compare(&export, &import, 0).is_empty());
        // Their national extensions differ (…9990 and …9909); the HS-6 is the same.
        assert_ne!(export.hs_code, import.hs_code);
    }

    #[test]
    fn counterparts_need_opposite_sides_the_same_route_and_a_shared_id() {
        let (export, import) = khorgos();
        let aktau = declaration(demo::DECLARATION_KZ_IMPORT_AKTAU_JSON);
        let cases: Vec<(&str, CustomsDeclaration, bool)> = vec![
            ("the import", import.clone(), true),
            ("another consignment", aktau, false),
            (
                "two exports",
                CustomsDeclaration {
                    declaration_kind: DeclarationKind::Export,
                    ..import.clone()
                },
                false,
            ),
            (
                "another route",
                CustomsDeclaration {
                    country_of_destination: "UZ".parse().unwrap(),
                    ..import.clone()
                },
                false,
            ),
            (
                "a shared container only",
                CustomsDeclaration {
                    transport_document_number: None,
                    containers: vec!["tghu 4821942".into()],
                    ..import.clone()
                },
                true,
            ),
            (
                "the waybill number spelt otherwise",
                CustomsDeclaration {
                    transport_document_number: Some("smgs 2611/0091".into()),
                    containers: vec![],
                    ..import.clone()
                },
                true,
            ),
            (
                "nothing shared",
                CustomsDeclaration {
                    transport_document_number: None,
                    containers: vec![],
                    ..import
                },
                false,
            ),
        ];
        for (name, candidate, expected) in cases {
            assert_eq!(is_counterpart(&export, &candidate), expected, "{name}");
        }
    }

    #[test]
    fn the_waybill_number_wins_over_a_shared_container() {
        let (export, import) = khorgos();
        let by_container = CustomsDeclaration {
            reference: "BY-CONTAINER".into(),
            transport_document_number: Some("OTHER".into()),
            ..import.clone()
        };
        let found = find_counterpart(&export, [&by_container, &import]).unwrap();
        assert_eq!(found.reference, import.reference);
        assert!(find_counterpart(&export, [&export]).is_none());
    }

    #[test]
    fn differences_beyond_tolerance_show_on_both_sides() {
        let (export, import) = khorgos();
        let shifted = CustomsDeclaration {
            customs_value: "236000.00".parse().unwrap(),
            gross_mass_kg: "18650.9".parse().unwrap(),
            hs_code: "8708509909".parse().unwrap(),
            ..import
        };
        // 248500 vs 236000: 5.03 % of the larger; the mass differs by 0.005 %.
        let fields = |this: &CustomsDeclaration, other: &CustomsDeclaration, tol| {
            compare(this, other, tol)
                .into_iter()
                .map(|d| d.field)
                .collect::<Vec<_>>()
        };
        use MirrorField::*;
        assert_eq!(fields(&shifted, &export, 5), vec![Value, Hs6]);
        assert_eq!(fields(&export, &shifted, 5), vec![Value, Hs6]);
        assert_eq!(fields(&shifted, &export, 6), vec![Hs6]);
        assert_eq!(fields(&shifted, &export, 0), vec![Value, GrossMass, Hs6]);
        let value = &compare(&shifted, &export, 5)[0].evidence;
        assert_eq!(
            value,
            "value: this 236000.00 USD, mirror HG-EX-2026-04-0311 248500.00 USD \
             (5.0 % apart, tolerance 5 %)"
        );
    }

    #[test]
    fn other_currencies_and_units_always_differ() {
        let (export, import) = khorgos();
        let in_cny = CustomsDeclaration {
            currency: "CNY".parse().unwrap(),
            ..export.clone()
        };
        let in_sets = CustomsDeclaration {
            unit: "SET".into(),
            ..export
        };
        assert!(differs(MirrorField::Value, &import, &in_cny, 100));
        assert!(differs(MirrorField::Quantity, &import, &in_sets, 100));
        assert!(describe(MirrorField::Value, &import, &in_cny, 5).contains("not comparable"));
    }
}
