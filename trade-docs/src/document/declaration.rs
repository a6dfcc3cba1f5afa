//! Customs declarations (export, import, transit), as PRODUCT.md §3 lists their fields.
//!
//! A declaration here is one consignment of one commodity line; what the rules engine derives
//! from it (channel, rule hits) is not part of the document but of its ledger instrument.

use serde::{Deserialize, Serialize};

use super::{Faults, Party};
use crate::codes::{Country, Currency, HsCode, Incoterms};
use crate::date::Date;
use crate::decimal::Decimal;
use crate::fingerprint::Fingerprint;

use super::TransportMode;

/// The customs procedure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationKind {
    Export,
    Import,
    Transit,
}

/// A customs declaration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomsDeclaration {
    pub declaration_kind: DeclarationKind,
    /// The declarant's own reference (local reference number).
    pub reference: String,
    pub submitted_on: Date,
    /// The person lodging the declaration (the trader or its customs broker).
    pub declarant: Party,
    pub consignor: Party,
    pub consignee: Party,
    pub country_of_origin: Country,
    pub country_of_dispatch: Country,
    pub country_of_destination: Country,
    pub hs_code: HsCode,
    pub goods_description: String,
    pub quantity: Decimal,
    /// UN/ECE Recommendation 20 unit code.
    pub unit: String,
    pub gross_mass_kg: Decimal,
    pub net_mass_kg: Decimal,
    pub customs_value: Decimal,
    pub currency: Currency,
    pub incoterms: Incoterms,
    pub transport_mode: TransportMode,
    /// Vessel, train or vehicle registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<String>,
    #[serde(default)]
    pub containers: Vec<String>,
    /// The customs post of entry or exit (`KHORGOS`, `AKTAU`, `HORGOS`).
    pub border_post: String,
    /// The transport document number that ties a consignment's export and import
    /// declarations together for the mirror check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_document_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_reference: Option<String>,
    /// Fingerprints of the documents attached to the declaration.
    #[serde(default)]
    pub documents: Vec<Fingerprint>,
}

impl CustomsDeclaration {
    pub(super) fn check(&self, faults: &mut Faults) {
        faults.not_blank("reference", &self.reference);
        faults.not_blank("goods_description", &self.goods_description);
        faults.not_blank("unit", &self.unit);
        faults.not_blank("border_post", &self.border_post);
        self.declarant.check("declarant", faults);
        self.consignor.check("consignor", faults);
        self.consignee.check("consignee", faults);
        faults.non_negative("quantity", self.quantity);
        faults.non_negative("net_mass_kg", self.net_mass_kg);
        if self.net_mass_kg > self.gross_mass_kg {
            faults.push("net_mass_kg", "is more than the gross mass");
        }
        faults.money("customs_value", self.customs_value, self.currency);
        if self.declaration_kind == DeclarationKind::Export
            && self.country_of_dispatch == self.country_of_destination
        {
            faults.push(
                "country_of_destination",
                "an export leaves the country of dispatch",
            );
        }
    }
}
