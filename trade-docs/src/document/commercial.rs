//! Commercial documents: invoice, packing list, certificate of origin.
//!
//! The invoice carries enough of the UN/CEFACT Cross Industry Invoice to import every CII
//! example and export schema-valid XML (lines, tax breakdown, header totals), plus the fields
//! documentary-credit practice looks at (LC reference, shipping marks, incoterms, origin).

use serde::{Deserialize, Serialize};

use super::{Faults, Party};
use crate::codes::{Country, Currency, HsCode, Incoterms};
use crate::date::Date;
use crate::decimal::Decimal;

/// One line of an invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLine {
    pub line_id: String,
    pub description: String,
    pub quantity: Decimal,
    /// UN/ECE Recommendation 20 unit code (`C62` piece, `KGM` kilogram, `SET`).
    pub unit: String,
    /// Net price per unit.
    pub unit_price: Decimal,
    /// The line's net amount.
    pub line_total: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hs_code: Option<HsCode>,
    /// VAT category (`S`, `Z`, `E`, ...) and rate of the line, when the invoice carries tax.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_rate_percent: Option<Decimal>,
}

/// One entry of an invoice's tax breakdown (per category and rate).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxBreakdown {
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_percent: Option<Decimal>,
    pub basis: Decimal,
    pub amount: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption_reason: Option<String>,
}

/// A commercial invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invoice {
    pub number: String,
    pub issue_date: Date,
    /// UNTDID 1001 document type (`380` commercial invoice, `381` credit note).
    pub type_code: String,
    pub seller: Party,
    pub buyer: Party,
    pub currency: Currency,
    pub lines: Vec<InvoiceLine>,
    /// Sum of the lines' net amounts.
    pub line_total: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowance_total: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_total: Option<Decimal>,
    /// Total without tax (line total − allowances + charges).
    pub tax_basis_total: Decimal,
    #[serde(default)]
    pub taxes: Vec<TaxBreakdown>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_total: Option<Decimal>,
    /// Grand total, tax included: the amount drawn under a credit.
    pub total: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepaid_total: Option<Decimal>,
    /// Amount due for payment.
    pub due_payable: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incoterms: Option<Incoterms>,
    /// The documentary credit the invoice is drawn under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_order_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_origin: Option<Country>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_marks: Option<String>,
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Invoice {
    pub(super) fn check(&self, faults: &mut Faults) {
        faults.not_blank("number", &self.number);
        faults.not_blank("type_code", &self.type_code);
        self.seller.check("seller", faults);
        self.buyer.check("buyer", faults);
        let c = self.currency;
        if self.lines.is_empty() {
            faults.push("lines", "an invoice has at least one line");
        }
        for (i, line) in self.lines.iter().enumerate() {
            let path = format!("lines[{i}]");
            faults.not_blank(&format!("{path}.description"), &line.description);
            faults.not_blank(&format!("{path}.unit"), &line.unit);
            // A line's quantity may be negative: EN 16931 invoices credit returned goods with
            // negative lines (e.g. quantity -1 at the normal price), and the CII examples do.
        }
        let totals = [
            ("tax_basis_total", Some(self.tax_basis_total)),
            ("total", Some(self.total)),
            ("allowance_total", self.allowance_total),
            ("charge_total", self.charge_total),
            ("prepaid_total", self.prepaid_total),
        ];
        for (field, value) in totals {
            if let Some(value) = value {
                faults.money(field, value, c);
            }
        }
        // Line total, tax total and due amount may be negative on credit notes and corrections,
        // so only their scale is checked here.
        for (field, value) in [
            ("line_total", Some(self.line_total)),
            ("tax_total", self.tax_total),
            ("due_payable", Some(self.due_payable)),
        ] {
            if let Some(value) = value {
                if value.scale() != c.minor_units() {
                    faults.push(
                        field,
                        format!(
                            "{c} amounts have {} fraction digits, found '{value}'",
                            c.minor_units()
                        ),
                    );
                }
            }
        }
        self.check_sums(faults);
    }

    /// The header totals must add up exactly (EN 16931 BR-CO-10, -13, -15).
    fn check_sums(&self, faults: &mut Faults) {
        let zero = Decimal::ZERO;
        let lines = Decimal::sum(self.lines.iter().map(|l| l.line_total));
        if lines.is_some_and(|sum| sum != self.line_total) {
            faults.push(
                "line_total",
                format!(
                    "is '{}' but the lines add up to '{}'",
                    self.line_total,
                    lines.unwrap_or(zero)
                ),
            );
        }
        let basis = self
            .line_total
            .checked_sub(self.allowance_total.unwrap_or(zero))
            .and_then(|v| v.checked_add(self.charge_total.unwrap_or(zero)));
        if basis.is_some_and(|b| b != self.tax_basis_total) {
            faults.push(
                "tax_basis_total",
                "does not equal line total − allowances + charges",
            );
        }
        let grand = self
            .tax_basis_total
            .checked_add(self.tax_total.unwrap_or(zero));
        if grand.is_some_and(|g| g != self.total) {
            faults.push(
                "total",
                "does not equal the tax basis total plus the tax total",
            );
        }
    }
}

/// One packing unit (or group of identical units) of a packing list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackingLine {
    pub description: String,
    /// Number of packages of this kind.
    pub package_count: u32,
    /// UN/ECE Recommendation 21 package type (`PK`, `CT` carton, `PL` pallet, `CR` crate).
    pub package_kind: String,
    pub quantity: Decimal,
    pub unit: String,
    pub net_mass_kg: Decimal,
    pub gross_mass_kg: Decimal,
}

/// A packing list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackingList {
    pub number: String,
    pub issue_date: Date,
    pub seller: Party,
    pub buyer: Party,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_marks: Option<String>,
    pub lines: Vec<PackingLine>,
    pub total_packages: u32,
    pub total_net_mass_kg: Decimal,
    pub total_gross_mass_kg: Decimal,
}

impl PackingList {
    pub(super) fn check(&self, faults: &mut Faults) {
        faults.not_blank("number", &self.number);
        self.seller.check("seller", faults);
        self.buyer.check("buyer", faults);
        if self.lines.is_empty() {
            faults.push("lines", "a packing list has at least one line");
        }
        for (i, line) in self.lines.iter().enumerate() {
            let path = format!("lines[{i}]");
            faults.not_blank(&format!("{path}.description"), &line.description);
            faults.non_negative(&format!("{path}.net_mass_kg"), line.net_mass_kg);
            if line.net_mass_kg > line.gross_mass_kg {
                faults.push(
                    &format!("{path}.net_mass_kg"),
                    "is more than the gross mass",
                );
            }
        }
        let packages: u64 = self.lines.iter().map(|l| u64::from(l.package_count)).sum();
        if packages != u64::from(self.total_packages) {
            faults.push(
                "total_packages",
                format!("is {} but the lines hold {packages}", self.total_packages),
            );
        }
        let net = Decimal::sum(self.lines.iter().map(|l| l.net_mass_kg));
        if net.is_some_and(|n| n != self.total_net_mass_kg) {
            faults.push("total_net_mass_kg", "does not equal the sum of the lines");
        }
        let gross = Decimal::sum(self.lines.iter().map(|l| l.gross_mass_kg));
        if gross.is_some_and(|g| g != self.total_gross_mass_kg) {
            faults.push("total_gross_mass_kg", "does not equal the sum of the lines");
        }
    }
}

/// A certificate of origin (e.g. CT-1 or form A issued by a chamber of commerce).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateOfOrigin {
    pub number: String,
    pub issue_date: Date,
    /// The issuing authority (chamber of commerce, CCPIT).
    pub issuer: Party,
    pub exporter: Party,
    pub consignee: Party,
    pub country_of_origin: Country,
    pub goods_description: String,
    #[serde(default)]
    pub hs_codes: Vec<HsCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// The documentary credit the certificate names, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_reference: Option<String>,
}

impl CertificateOfOrigin {
    pub(super) fn check(&self, faults: &mut Faults) {
        faults.not_blank("number", &self.number);
        faults.not_blank("goods_description", &self.goods_description);
        self.issuer.check("issuer", faults);
        self.exporter.check("exporter", faults);
        self.consignee.check("consignee", faults);
    }
}
