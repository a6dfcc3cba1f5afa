//! The examination report: every check with its article, title and outcome.
//!
//! A report always lists every [`CheckId`] once, in the order of [`CheckId::ALL`], so two
//! reports line up check by check and a user interface can show a fixed grid. A check that
//! could not be made says why ([`Outcome::NotApplicable`]); it is never silently dropped.
//!
//! What it deliberately does not hold: the examination deadline (five banking days, art.
//! 14(b)) and the bank's decision. Both need a banking-day calendar or a person and belong to
//! the actors that run the presentation.
//!
//! Invariants: `compliant` is true exactly when no check is a discrepancy; ids serialize as
//! stable snake_case strings that other crates and stored reports may rely on.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::date::Date;

/// The result of examining one presentation under one credit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The credit's number (field 20).
    pub lc_reference: String,
    pub presented_on: Date,
    /// The last calendar day for presentation: the earliest shipment date plus the
    /// presentation period (field 48, or 21 days), but not after the expiry date. The expiry
    /// date alone when no transport document was presented. Calendar days only: the art. 29(a)
    /// extension to the next banking day is the actors' business.
    pub presentation_deadline: Date,
    /// True when no check found a discrepancy.
    pub compliant: bool,
    pub checks: Vec<Check>,
}

impl Report {
    /// The checks that found a discrepancy, in report order.
    pub fn discrepancies(&self) -> impl Iterator<Item = &Check> + '_ {
        self.checks.iter().filter(|c| c.outcome.is_discrepancy())
    }

    /// One line per discrepancy, `<article>: expected <..>, found <..>`, as the ledger records
    /// them and as MT734/MT750 field 77J lists them (commas, not semicolons: `;` is outside
    /// the SWIFT `x` character set).
    pub fn discrepancy_lines(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter_map(|check| match &check.outcome {
                Outcome::Discrepancy { expected, found } => Some(format!(
                    "{}: expected {expected}, found {found}",
                    check.article
                )),
                _ => None,
            })
            .collect()
    }

    /// True when no check found a discrepancy (recomputed, not read from `compliant`).
    pub fn is_compliant(&self) -> bool {
        self.discrepancies().next().is_none()
    }

    /// The check with this id.
    pub fn check(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// One examined rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub id: CheckId,
    /// The rule's source: `UCP 600 art. 14(c)`, `ISBP 821 C3`.
    pub article: Cow<'static, str>,
    /// What the check asks, for a person.
    pub title: Cow<'static, str>,
    pub outcome: Outcome,
}

/// What one check found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case", deny_unknown_fields)]
pub enum Outcome {
    Pass,
    /// The documents do not comply; both texts are written for a document examiner.
    Discrepancy {
        expected: String,
        found: String,
    },
    /// The check could not be made or does not apply, and why.
    NotApplicable {
        reason: String,
    },
}

impl Outcome {
    pub fn is_discrepancy(&self) -> bool {
        matches!(self, Self::Discrepancy { .. })
    }
}

/// Which transport articles a check cites: art. 20 (bill of lading), art. 24 (road, rail), or
/// both when neither or both kinds were presented.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Modes {
    pub(super) ocean: bool,
    pub(super) inland: bool,
}

macro_rules! check_ids {
    ($($variant:ident = $id:literal, $title:literal, $article:expr;)+) => {
        /// The checks an examination makes; each serializes as its stable snake_case id.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum CheckId {
            $($variant,)+
        }

        impl CheckId {
            /// Every check, in report order.
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant,)+];

            /// The stable id (`presentation_period`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $id,)+
                }
            }

            /// The check's question, for a person.
            pub fn title(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $title,)+
                }
            }

            fn source(self) -> Article {
                match self {
                    $(CheckId::$variant => $article,)+
                }
            }
        }
    };
}

/// Where a check's rule comes from.
enum Article {
    Fixed(&'static str),
    /// UCP 600 articles for a bill of lading (art. 20), for road and rail (art. 24), and both.
    ByMode {
        ocean: &'static str,
        inland: &'static str,
        both: &'static str,
    },
}

use Article::{ByMode, Fixed};

check_ids! {
    PresentationPeriod = "presentation_period",
        "documents presented within the period after shipment",
        Fixed("UCP 600 art. 14(c)");
    Expiry = "expiry",
        "documents presented on or before the expiry date",
        Fixed("UCP 600 art. 6(d)(i), 6(e)");
    DocumentsRequired = "documents_required",
        "every document called for by 46A is presented",
        Fixed("UCP 600 art. 14(a)");
    DocumentsNotExamined = "documents_not_examined",
        "46A clauses this examination could not classify",
        Fixed("UCP 600 art. 14(a)");
    DocumentsNotRequired = "documents_not_required",
        "documents presented but not called for are disregarded",
        Fixed("UCP 600 art. 14(g)");
    InvoiceType = "invoice_type",
        "the invoice is a commercial invoice",
        Fixed("UCP 600 art. 18(a)");
    InvoiceIssuer = "invoice_issuer",
        "the invoice is issued by the beneficiary",
        Fixed("UCP 600 art. 18(a)(i)");
    InvoiceApplicant = "invoice_applicant",
        "the invoice is made out in the name of the applicant",
        Fixed("UCP 600 art. 18(a)(ii)");
    InvoiceCurrency = "invoice_currency",
        "the invoice is made out in the currency of the credit",
        Fixed("UCP 600 art. 18(a)(iii)");
    InvoiceAmount = "invoice_amount",
        "the invoice amount is within the credit amount and its tolerance",
        Fixed("UCP 600 art. 18(b), 30(a), 30(c)");
    GoodsQuantity = "goods_quantity",
        "the invoiced quantity is within the quantity of the credit and its tolerance",
        Fixed("UCP 600 art. 30(a), 30(b)");
    GoodsDescription = "goods_description",
        "the goods description on the invoice corresponds with 45A",
        Fixed("UCP 600 art. 18(c); ISBP 821 C3");
    ShipmentDate = "shipment_date",
        "shipment on or before the latest shipment date (44C)",
        ByMode {
            ocean: "UCP 600 art. 20(a)(ii)",
            inland: "UCP 600 art. 24(a)(ii)",
            both: "UCP 600 art. 20(a)(ii), 24(a)(ii)",
        };
    PlaceOfTakingInCharge = "place_of_taking_in_charge",
        "place of taking in charge or dispatch as 44A",
        ByMode {
            ocean: "UCP 600 art. 20(a)(iii)",
            inland: "UCP 600 art. 24(a)(iii)",
            both: "UCP 600 art. 20(a)(iii), 24(a)(iii)",
        };
    PortOfLoading = "port_of_loading",
        "port of loading as 44E",
        ByMode {
            ocean: "UCP 600 art. 20(a)(iii)",
            inland: "UCP 600 art. 24(a)(iii)",
            both: "UCP 600 art. 20(a)(iii), 24(a)(iii)",
        };
    PortOfDischarge = "port_of_discharge",
        "port of discharge as 44F",
        ByMode {
            ocean: "UCP 600 art. 20(a)(iii)",
            inland: "UCP 600 art. 24(a)(iii)",
            both: "UCP 600 art. 20(a)(iii), 24(a)(iii)",
        };
    PlaceOfFinalDestination = "place_of_final_destination",
        "place of final destination as 44B",
        ByMode {
            ocean: "UCP 600 art. 20(a)(iii)",
            inland: "UCP 600 art. 24(a)(iii)",
            both: "UCP 600 art. 20(a)(iii), 24(a)(iii)",
        };
    PartialShipments = "partial_shipments",
        "partial shipments as 43P allows",
        Fixed("UCP 600 art. 31(a), 31(b)");
    Transhipment = "transhipment",
        "transhipment as 43T allows",
        ByMode {
            ocean: "UCP 600 art. 20(c)",
            inland: "UCP 600 art. 24(e)",
            both: "UCP 600 art. 20(c), 24(e)",
        };
    TransportClean = "transport_clean",
        "the transport document is clean",
        Fixed("UCP 600 art. 27");
    TransportOnBoard = "transport_on_board",
        "the transport document shows shipment on board or dispatch",
        ByMode {
            ocean: "UCP 600 art. 20(a)(ii)",
            inland: "UCP 600 art. 24(a)(ii)",
            both: "UCP 600 art. 20(a)(ii), 24(a)(ii)",
        };
    TransportOriginals = "transport_originals",
        "the full set of original transport documents is presented",
        ByMode {
            ocean: "UCP 600 art. 20(a)(iv)",
            inland: "UCP 600 art. 24(b)",
            both: "UCP 600 art. 20(a)(iv), 24(b)",
        };
    TransportConsignee = "transport_consignee",
        "the transport document is consigned as 46A requires",
        Fixed("UCP 600 art. 14(d)");
    CertificateOfOriginCountry = "certificate_of_origin_country",
        "the certificate of origin shows the country of origin the credit requires",
        Fixed("UCP 600 art. 14(f); ISBP 821 L3");
    CertificateOfOriginIssuer = "certificate_of_origin_issuer",
        "the certificate of origin is issued by whom the credit requires",
        Fixed("UCP 600 art. 14(d), 14(f)");
    ConsistentQuantity = "consistent_quantity",
        "invoice and packing list show the same quantities",
        Fixed("UCP 600 art. 14(d)");
    ConsistentGrossMass = "consistent_gross_mass",
        "packing list and transport document show the same gross mass",
        Fixed("UCP 600 art. 14(d)");
    ConsistentPackageCount = "consistent_package_count",
        "packing list and transport document show the same number of packages",
        Fixed("UCP 600 art. 14(d)");
    ConsistentShippingMarks = "consistent_shipping_marks",
        "shipping marks do not conflict between documents",
        Fixed("UCP 600 art. 14(d)");
    ConsistentInvoiceNumber = "consistent_invoice_number",
        "documents refer to the presented invoice",
        Fixed("UCP 600 art. 14(d)");
    ConsistentOrigin = "consistent_origin",
        "invoice and certificate of origin show the same country of origin",
        Fixed("UCP 600 art. 14(d)");
    ConsistentConsignee = "consistent_consignee",
        "the consignee on the certificate of origin does not conflict",
        Fixed("UCP 600 art. 14(d)");
    DocumentDates = "document_dates",
        "no document is dated after the presentation",
        Fixed("UCP 600 art. 14(i)");
    DocumentsPredatingCredit = "documents_predating_credit",
        "no document is dated before the credit where the credit forbids it",
        Fixed("UCP 600 art. 14(i); 47A");
    LcNumberIndicated = "lc_number_indicated",
        "documents indicate the credit number where the credit requires it",
        Fixed("UCP 600 art. 14(d), 14(h); ISBP 821 A26");
}

impl CheckId {
    /// The article this check cites when documents of `modes` were presented.
    pub(super) fn article(self, modes: Modes) -> &'static str {
        match self.source() {
            Fixed(text) => text,
            ByMode {
                ocean,
                inland,
                both,
            } => match (modes.ocean, modes.inland) {
                (true, false) => ocean,
                (false, true) => inland,
                _ => both,
            },
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialize_as_their_stable_names() {
        for id in CheckId::ALL {
            let json = serde_json::to_string(id).unwrap();
            assert_eq!(json, format!("\"{}\"", id.as_str()));
            assert!(!id.title().is_empty());
        }
        let mut names: Vec<&str> = CheckId::ALL.iter().map(|id| id.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CheckId::ALL.len(), "ids are unique");
    }

    #[test]
    fn articles_follow_the_transport_mode() {
        let rail = Modes {
            ocean: false,
            inland: true,
        };
        let sea = Modes {
            ocean: true,
            inland: false,
        };
        let id = CheckId::ShipmentDate;
        assert_eq!(id.article(rail), "UCP 600 art. 24(a)(ii)");
        assert_eq!(id.article(sea), "UCP 600 art. 20(a)(ii)");
        assert_eq!(
            id.article(Modes::default()),
            "UCP 600 art. 20(a)(ii), 24(a)(ii)"
        );
        assert_eq!(CheckId::Expiry.article(rail), "UCP 600 art. 6(d)(i), 6(e)");
    }

    #[test]
    fn outcome_json_shape() {
        let outcome = Outcome::Discrepancy {
            expected: "a".into(),
            found: "b".into(),
        };
        assert_eq!(
            serde_json::to_string(&outcome).unwrap(),
            r#"{"result":"discrepancy","expected":"a","found":"b"}"#
        );
        assert_eq!(
            serde_json::to_string(&Outcome::Pass).unwrap(),
            r#"{"result":"pass"}"#
        );
    }
}
