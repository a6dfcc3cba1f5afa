//! Transport documents: ocean bill of lading, rail waybill (SMGS), road consignment note (CMR).
//!
//! One type covers the three modes because UCP 600 examines them alike (articles 20, 23, 24):
//! a carrier, the places of dispatch and destination, a date of shipment, the consignee, the
//! goods and whether the document is clean. Mode-specific meaning is noted per field.

use serde::{Deserialize, Serialize};

use super::{Faults, Party};
use crate::date::Date;
use crate::decimal::Decimal;

/// The transport mode, and so which UCP 600 article examines the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportMode {
    /// Ocean or charter-free bill of lading (article 20).
    OceanBillOfLading,
    /// SMGS rail consignment note (article 24).
    RailWaybillSmgs,
    /// CMR road consignment note (article 24).
    RoadCmr,
}

/// A transport document of any mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransportDocument {
    pub mode: TransportMode,
    pub number: String,
    pub issue_date: Date,
    /// The carrier, or its named agent, who signs the document.
    pub carrier: Party,
    pub shipper: Party,
    /// The consignee as written (`TO ORDER OF STEPPE COMMERCIAL BANK` on an order bill).
    pub consignee: Party,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_party: Option<Party>,
    /// Place of receipt / taking in charge (rail station of departure, road pick-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_taking_in_charge: Option<String>,
    /// Port of loading (ocean only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_of_loading: Option<String>,
    /// Port of discharge (ocean only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_of_discharge: Option<String>,
    /// Place of final destination / delivery (rail station of destination, road delivery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_final_destination: Option<String>,
    /// The date of shipment: the on-board notation on a bill of lading, the date stamp of the
    /// station of departure on an SMGS, the date of taking in charge on a CMR.
    pub shipment_date: Date,
    /// True when the document indicates shipment on board / dispatch (not merely "received
    /// for shipment").
    pub shipped_on_board: bool,
    /// Clauses declaring a defective condition of the goods or packaging (article 27); empty
    /// for a clean document.
    #[serde(default)]
    pub defect_clauses: Vec<String>,
    /// True when the document indicates transhipment.
    #[serde(default)]
    pub transhipment: bool,
    /// Vessel name, train number, or road vehicle registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<String>,
    /// Container or wagon numbers.
    #[serde(default)]
    pub containers: Vec<String>,
    pub goods_description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_marks: Option<String>,
    pub package_count: u32,
    pub gross_mass_kg: Decimal,
    /// Number of originals issued (a full set must be presented).
    pub originals_issued: u8,
    /// The documentary credit the document names, when it names one (credits often require
    /// every document to indicate the credit number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lc_reference: Option<String>,
}

impl TransportDocument {
    /// Clean means no clause declaring a defective condition (article 27).
    pub fn is_clean(&self) -> bool {
        self.defect_clauses.is_empty()
    }

    pub(super) fn check(&self, faults: &mut Faults) {
        faults.not_blank("number", &self.number);
        faults.not_blank("goods_description", &self.goods_description);
        self.carrier.check("carrier", faults);
        self.shipper.check("shipper", faults);
        self.consignee.check("consignee", faults);
        faults.non_negative("gross_mass_kg", self.gross_mass_kg);
        if self.originals_issued == 0 {
            faults.push("originals_issued", "at least one original is issued");
        }
        if self.mode == TransportMode::OceanBillOfLading
            && (self.port_of_loading.is_none() || self.port_of_discharge.is_none())
        {
            faults.push(
                "port_of_loading",
                "a bill of lading names its ports of loading and discharge",
            );
        }
    }
}
