//! Checks on transport documents: places and ports (art. 20(a)(iii), 24(a)(iii)), partial
//! shipments (art. 31), transhipment (art. 20(c), 24(e)), clean (art. 27), on board or
//! dispatched (art. 20(a)(ii), 24(a)(ii)), originals (art. 20(a)(iv), 24(b)), and the
//! consignee 46A asks for.
//!
//! The judgements on transhipment, on board, partial shipments and originals are set out in
//! the module documentation of `ucp600`. Places are compared by words with the containment
//! rule of `text::place_matches`.
//!
//! What it deliberately does not do: examine carrier signatures, freight notations or
//! charter-party, air and multimodal documents (not in the model).

use crate::document::{ShipmentPermission, TransportDocument, TransportMode};

use super::report::{CheckId, Outcome};
use super::terms::asks_on_board;
use super::text::{place_matches, same_words, words};
use super::{discrepancy, mode_name, not_applicable, transport_label, verdict, Exam};

const NO_TRANSPORT: &str = "no transport document presented";

/// A place field of the credit and of the transport document, with its tag and name.
struct PlaceField {
    tag: &'static str,
    name: &'static str,
    shown: fn(&TransportDocument) -> Option<&str>,
}

fn place_field(id: CheckId) -> PlaceField {
    match id {
        CheckId::PortOfLoading => PlaceField {
            tag: "44E",
            name: "port of loading",
            shown: |t| t.port_of_loading.as_deref(),
        },
        CheckId::PortOfDischarge => PlaceField {
            tag: "44F",
            name: "port of discharge",
            shown: |t| t.port_of_discharge.as_deref(),
        },
        CheckId::PlaceOfFinalDestination => PlaceField {
            tag: "44B",
            name: "place of final destination",
            shown: |t| t.place_of_final_destination.as_deref(),
        },
        _ => PlaceField {
            tag: "44A",
            name: "place of taking in charge",
            shown: |t| t.place_of_taking_in_charge.as_deref(),
        },
    }
}

/// The credit's place for a place check.
fn required_place<'a>(exam: &Exam<'a>, id: CheckId) -> Option<&'a str> {
    let lc = exam.lc;
    match id {
        CheckId::PortOfLoading => lc.port_of_loading.as_deref(),
        CheckId::PortOfDischarge => lc.port_of_discharge.as_deref(),
        CheckId::PlaceOfFinalDestination => lc.place_of_final_destination.as_deref(),
        _ => lc.place_of_taking_in_charge.as_deref(),
    }
}

/// Art. 20(a)(iii), 24(a)(iii): each transport document shows the place the credit names.
pub(super) fn place(exam: &Exam<'_>, id: CheckId) -> Outcome {
    let field = place_field(id);
    let Some(required) = required_place(exam, id) else {
        return not_applicable(format!(
            "the credit names no {} ({})",
            field.name, field.tag
        ));
    };
    if exam.docs.transport.is_empty() {
        return not_applicable(NO_TRANSPORT);
    }
    let wrong = exam
        .docs
        .transport
        .iter()
        .filter_map(|t| match (field.shown)(t) {
            None => Some(format!("{} names no {}", transport_label(t), field.name)),
            Some(shown) if !place_matches(required, shown) => {
                Some(format!("{} shows '{shown}'", transport_label(t)))
            }
            Some(_) => None,
        })
        .collect();
    verdict(
        || format!("{} '{required}' ({})", field.name, field.tag),
        wrong,
    )
}

/// Art. 31(b): with partial shipments not allowed, several transport documents must show one
/// shipment: the same means of conveyance and destination.
pub(super) fn partial_shipments(exam: &Exam<'_>) -> Outcome {
    match exam.lc.partial_shipments {
        ShipmentPermission::Allowed => {
            return not_applicable("partial shipments are allowed (43P)")
        }
        ShipmentPermission::Conditional => {
            return not_applicable(
                "partial shipments are conditional (43P); the conditions are not examined",
            )
        }
        ShipmentPermission::NotAllowed => {}
    }
    let docs = &exam.docs.transport;
    if docs.len() <= 1 || one_shipment(docs) {
        return Outcome::Pass;
    }
    let each: Vec<String> = docs
        .iter()
        .map(|t| {
            let vehicle = t.vehicle.as_deref().unwrap_or("no vehicle shown");
            format!("{} ({vehicle}, {})", transport_label(t), t.shipment_date)
        })
        .collect();
    discrepancy(
        "one shipment on one means of conveyance (43P: partial shipments not allowed)",
        format!("{} shipments: {}", docs.len(), each.join("; ")),
    )
}

fn one_shipment(docs: &[&TransportDocument]) -> bool {
    let first = docs[0];
    let same = |a: Option<&str>, b: Option<&str>| match (a, b) {
        (Some(a), Some(b)) => same_words(a, b),
        (None, None) => true,
        _ => false,
    };
    let same_destination = docs.iter().all(|t| {
        same(
            t.place_of_final_destination.as_deref(),
            first.place_of_final_destination.as_deref(),
        ) && same(
            t.port_of_discharge.as_deref(),
            first.port_of_discharge.as_deref(),
        )
    });
    let vehicles_shown = docs.iter().all(|t| t.vehicle.is_some());
    let same_vehicle = vehicles_shown
        && docs
            .iter()
            .all(|t| same(t.vehicle.as_deref(), first.vehicle.as_deref()));
    // Without vehicles, the same day from the same place to the same destination is the best
    // evidence of one shipment the documents offer.
    let same_departure = !vehicles_shown
        && docs.iter().all(|t| {
            t.shipment_date == first.shipment_date
                && same(
                    t.place_of_taking_in_charge.as_deref(),
                    first.place_of_taking_in_charge.as_deref(),
                )
                && same(
                    t.port_of_loading.as_deref(),
                    first.port_of_loading.as_deref(),
                )
        });
    same_destination && (same_vehicle || same_departure)
}

/// Art. 20(c), 24(e): no transhipment where 43T prohibits it, save the articles' exceptions.
pub(super) fn transhipment(exam: &Exam<'_>) -> Outcome {
    match exam.lc.transhipment {
        ShipmentPermission::Allowed => return not_applicable("transhipment is allowed (43T)"),
        ShipmentPermission::Conditional => {
            return not_applicable(
                "transhipment is conditional (43T); the conditions are not examined",
            )
        }
        ShipmentPermission::NotAllowed => {}
    }
    if exam.docs.transport.is_empty() {
        return not_applicable(NO_TRANSPORT);
    }
    let refused = exam
        .docs
        .transport
        .iter()
        .filter(|t| t.transhipment)
        .filter_map(|t| transhipment_refused(exam, t))
        .collect();
    verdict(
        || {
            "no transhipment (43T), or only as art. 20(c)(ii) (goods in containers) or art. 24(e)(ii) (one document for the entire carriage) allow".into()
        },
        refused,
    )
}

/// Why a document indicating transhipment is not saved by an exception, or `None` if it is.
fn transhipment_refused(exam: &Exam<'_>, t: &TransportDocument) -> Option<String> {
    let label = transport_label(t);
    if t.mode == TransportMode::OceanBillOfLading {
        return t.containers.is_empty().then(|| {
            format!("{label} indicates transhipment and shows no container (art. 20(c)(ii))")
        });
    }
    let lc = exam.lc;
    let covers = |required: Option<&String>, shown: Option<&String>| match (required, shown) {
        (None, _) => true,
        (Some(r), Some(s)) => place_matches(r, s),
        (Some(_), None) => false,
    };
    let entire = covers(
        lc.place_of_taking_in_charge.as_ref(),
        t.place_of_taking_in_charge.as_ref(),
    ) && covers(
        lc.place_of_final_destination.as_ref(),
        t.place_of_final_destination.as_ref(),
    );
    (!entire).then(|| {
        format!(
            "{label} indicates transhipment and does not cover the entire carriage of 44A-44B (art. 24(e)(ii))"
        )
    })
}

/// Art. 27: no clause declaring a defective condition of the goods or their packaging.
pub(super) fn clean(exam: &Exam<'_>) -> Outcome {
    if exam.docs.transport.is_empty() {
        return not_applicable(NO_TRANSPORT);
    }
    let unclean = exam
        .docs
        .transport
        .iter()
        .filter(|t| !t.is_clean())
        .map(|t| {
            let clauses: Vec<String> = t.defect_clauses.iter().map(|c| format!("'{c}'")).collect();
            format!("{} bears {}", transport_label(t), clauses.join(", "))
        })
        .collect();
    verdict(
        || "a clean transport document (no clause declaring defective goods or packaging)".into(),
        unclean,
    )
}

/// Art. 20(a)(ii): a bill of lading shows shipment on board; art. 24(a)(ii): a road or rail
/// document may show receipt for carriage, unless its 46A clause asks for dispatch.
pub(super) fn on_board(exam: &Exam<'_>) -> Outcome {
    if exam.docs.transport.is_empty() {
        return not_applicable(NO_TRANSPORT);
    }
    let missing = exam
        .docs
        .transport
        .iter()
        .filter(|t| !t.shipped_on_board && must_be_on_board(exam, t.mode))
        .map(|t| {
            format!(
                "{} evidences receipt for carriage, not shipment or dispatch",
                transport_label(t)
            )
        })
        .collect();
    verdict(
        || {
            "shipment on board (bill of lading) or dispatch where 46A asks for it (road, rail)"
                .into()
        },
        missing,
    )
}

fn must_be_on_board(exam: &Exam<'_>, mode: TransportMode) -> bool {
    mode == TransportMode::OceanBillOfLading
        || exam.terms.transport_clauses(mode).any(asks_on_board)
}

/// Art. 20(a)(iv), 24(b): not decidable from a presentation's data; says what to verify.
pub(super) fn originals(exam: &Exam<'_>) -> Outcome {
    if exam.docs.transport.is_empty() {
        return not_applicable(NO_TRANSPORT);
    }
    let notes: Vec<String> = exam
        .docs
        .transport
        .iter()
        .map(|t| {
            let label = transport_label(t);
            match t.mode {
                TransportMode::OceanBillOfLading => format!(
                    "{label}: {} original(s) issued; verify that all were presented (art. 20(a)(iv))",
                    t.originals_issued
                ),
                TransportMode::RailWaybillSmgs => format!(
                    "{label}: a rail document is accepted as original whether marked original or not, and the duplicate is accepted (art. 24(b)(ii), (iii))"
                ),
                TransportMode::RoadCmr => format!(
                    "{label}: verify that the original for the consignor was presented (art. 24(b)(i))"
                ),
            }
        })
        .collect();
    not_applicable(format!(
        "the presentation records which documents were presented, not which originals: {}",
        notes.join("; ")
    ))
}

/// Art. 14(d): a transport document consigned as its 46A clause requires (`CONSIGNED TO X`).
pub(super) fn consignee(exam: &Exam<'_>) -> Outcome {
    let required = &exam.terms.consignees;
    if required.is_empty() {
        return not_applicable("46A names no consignee for a transport document");
    }
    let mut examined = false;
    let mut wrong = Vec::new();
    for (mode, party, _) in required {
        for t in exam.docs.transport.iter().filter(|t| t.mode == *mode) {
            examined = true;
            if !words(&t.consignee.name).contains_run(party) {
                wrong.push(format!(
                    "{} consigned to '{}'",
                    transport_label(t),
                    t.consignee.name
                ));
            }
        }
    }
    if !examined {
        let modes: Vec<&str> = required.iter().map(|(m, _, _)| mode_name(*m)).collect();
        return not_applicable(format!("no {} presented", modes.join(" or ")));
    }
    let expected = || {
        let each: Vec<String> = required
            .iter()
            .map(|(_, party, clause)| format!("consigned to '{party}' (46A: '{clause}')"))
            .collect();
        each.join("; ")
    };
    verdict(expected, wrong)
}
