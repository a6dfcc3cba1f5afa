//! UCP 600 examination of the Khorgos scenario (PRODUCT.md §7) and of named mutations of it.
//!
//! The scenario fixtures in `tests/fixtures/scenario/` are the documents as presented: the
//! SMGS shows shipment one day after 44C, so the scenario has exactly one discrepancy. The
//! *compliant baseline* is the same presentation with shipment on the latest shipment date;
//! every table case is one named mutation of that baseline with the exact set of checks that
//! must fail, and for some the exact texts an examiner would read.
//!
//! Every mutated credit and presentation must still pass `Document::validate()`, so each case is
//! a presentation a bank could actually receive.

use std::collections::BTreeSet;
use std::fs;

use trade_docs::document::{
    CertificateOfOrigin, Document, DocumentKind, Invoice, LetterOfCredit, PackingList,
    Presentation, ShipmentPermission, TransportDocument, TransportMode,
};
use trade_docs::ucp600::{examine, CheckId, Outcome, Report};
use trade_docs::{Date, Decimal};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/scenario");

fn fixture(name: &str) -> Document {
    let path = format!("{FIXTURES}/{name}");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    trade_docs::json::import(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

/// A credit and a presentation under it.
#[derive(Clone)]
struct Scenario {
    lc: LetterOfCredit,
    presentation: Presentation,
}

impl Scenario {
    /// The scenario exactly as the fixtures hold it (shipment one day late).
    fn khorgos() -> Scenario {
        let Document::LetterOfCredit(lc) = fixture("lc_khorgos.json") else {
            panic!("lc_khorgos.json is not a letter of credit");
        };
        let Document::Presentation(presentation) = fixture("presentation_khorgos.json") else {
            panic!("presentation_khorgos.json is not a presentation");
        };
        Scenario { lc, presentation }
    }

    /// The scenario with shipment on the latest shipment date: no discrepancy.
    fn compliant() -> Scenario {
        let mut s = Scenario::khorgos();
        let smgs = s.smgs();
        smgs.shipment_date = date("2026-04-20");
        smgs.issue_date = date("2026-04-20");
        s
    }

    fn examine(&self) -> Report {
        examine(&self.lc, &self.presentation)
    }

    fn validate(&self) {
        Document::LetterOfCredit(self.lc.clone())
            .validate()
            .expect("credit is valid");
        Document::Presentation(self.presentation.clone())
            .validate()
            .expect("presentation is valid");
    }

    fn invoice(&mut self) -> &mut Invoice {
        self.presentation
            .documents
            .iter_mut()
            .find_map(|doc| match doc {
                Document::Invoice(d) => Some(d),
                _ => None,
            })
            .expect("an invoice is presented")
    }

    fn packing_list(&mut self) -> &mut PackingList {
        self.presentation
            .documents
            .iter_mut()
            .find_map(|doc| match doc {
                Document::PackingList(d) => Some(d),
                _ => None,
            })
            .expect("a packing list is presented")
    }

    fn smgs(&mut self) -> &mut TransportDocument {
        self.presentation
            .documents
            .iter_mut()
            .find_map(|doc| match doc {
                Document::TransportDocument(d) => Some(d),
                _ => None,
            })
            .expect("a transport document is presented")
    }

    fn certificate(&mut self) -> &mut CertificateOfOrigin {
        self.presentation
            .documents
            .iter_mut()
            .find_map(|doc| match doc {
                Document::CertificateOfOrigin(d) => Some(d),
                _ => None,
            })
            .expect("a certificate of origin is presented")
    }

    fn remove(&mut self, kind: DocumentKind) {
        self.presentation.documents.retain(|doc| doc.kind() != kind);
    }

    /// Adds a charge (e.g. freight) to the invoice, raising its total by `amount`.
    fn invoice_charge(&mut self, amount: &str) {
        let inv = self.invoice();
        let total = inv.line_total.checked_add(d(amount)).unwrap();
        inv.charge_total = Some(d(amount));
        set_totals(inv, total);
    }

    /// Grants an allowance on the invoice, lowering its total by `amount`.
    fn invoice_allowance(&mut self, amount: &str) {
        let inv = self.invoice();
        let total = inv.line_total.checked_sub(d(amount)).unwrap();
        inv.allowance_total = Some(d(amount));
        set_totals(inv, total);
    }

    /// Splits the SMGS into two: 20 crates on the first, 15 on a second `24-0092`.
    fn split_smgs(&mut self, second_vehicle: &str, second_shipped: &str) {
        let first = self.smgs();
        let mut second = first.clone();
        first.package_count = 20;
        first.gross_mass_kg = d("10400.0");
        second.number = "24-0092".into();
        second.package_count = 15;
        second.gross_mass_kg = d("12150.0");
        second.vehicle = Some(second_vehicle.into());
        second.shipment_date = date(second_shipped);
        second.issue_date = date(second_shipped);
        self.presentation
            .documents
            .push(Document::TransportDocument(second));
    }

    /// The second consignment's route: an ocean bill of lading Baku - Aktau.
    fn route_by_sea(&mut self) {
        self.lc.documents_required[1] = "FULL SET OF CLEAN ON BOARD OCEAN BILLS OF LADING MADE OUT TO ORDER OF STEPPE COMMERCIAL BANK MARKED FREIGHT PREPAID".into();
        self.lc.place_of_taking_in_charge = None;
        self.lc.place_of_final_destination = None;
        self.lc.port_of_loading = Some("BAKU".into());
        self.lc.port_of_discharge = Some("AKTAU".into());
        let bl = self.smgs();
        bl.mode = TransportMode::OceanBillOfLading;
        bl.number = "CSL-BAK-0417".into();
        bl.carrier.name = "CASPIAN SHIPPING LINES".into();
        bl.consignee.name = "TO ORDER OF STEPPE COMMERCIAL BANK".into();
        bl.place_of_taking_in_charge = None;
        bl.place_of_final_destination = None;
        bl.port_of_loading = Some("BAKU PORT".into());
        bl.port_of_discharge = Some("AKTAU".into());
        bl.transhipment = false;
        bl.vehicle = Some("MV CASPIAN STAR".into());
        bl.originals_issued = 3;
    }
}

fn set_totals(inv: &mut Invoice, total: Decimal) {
    inv.tax_basis_total = total;
    inv.total = total;
    inv.due_payable = total;
}

/// One mutation of the compliant baseline and what the examination must find.
struct Case {
    name: &'static str,
    mutate: fn(&mut Scenario),
    /// Exactly the checks that must be discrepancies.
    fails: &'static [CheckId],
    /// For some cases, one discrepancy's exact texts: (check, expected, found).
    texts: Option<(CheckId, &'static str, &'static str)>,
}

use CheckId::*;

const CASES: &[Case] = &[
    Case {
        name: "compliant_baseline",
        mutate: |_| {},
        fails: &[],
        texts: None,
    },
    Case {
        name: "presented_one_day_after_the_period",
        mutate: |s| s.presentation.presented_on = date("2026-05-12"),
        fails: &[PresentationPeriod],
        texts: Some((
            PresentationPeriod,
            "presentation on or before 2026-05-11: 21 days (field 48) after shipment on 2026-04-20 (SMGS 24-0091)",
            "presented on 2026-05-12",
        )),
    },
    Case {
        name: "presented_on_the_last_day_of_the_period",
        mutate: |s| s.presentation.presented_on = date("2026-05-11"),
        fails: &[],
        texts: None,
    },
    Case {
        name: "presented_after_expiry_and_period",
        mutate: |s| s.presentation.presented_on = date("2026-05-16"),
        fails: &[PresentationPeriod, Expiry],
        texts: None,
    },
    Case {
        name: "expiry_before_the_period_ends",
        mutate: |s| {
            s.lc.expiry_date = date("2026-05-01");
            s.presentation.presented_on = date("2026-05-04");
        },
        fails: &[Expiry],
        texts: Some((
            Expiry,
            "presentation on or before the expiry date 2026-05-01 (31D, KAZAKHSTAN)",
            "presented on 2026-05-04",
        )),
    },
    Case {
        name: "field_48_of_seven_days",
        mutate: |s| s.lc.presentation_period.as_mut().unwrap().days = 7,
        fails: &[PresentationPeriod],
        texts: None,
    },
    Case {
        name: "no_field_48_means_21_days",
        mutate: |s| {
            s.lc.presentation_period = None;
            s.presentation.presented_on = date("2026-05-11");
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "no_field_48_presented_on_day_22",
        mutate: |s| {
            s.lc.presentation_period = None;
            s.presentation.presented_on = date("2026-05-12");
        },
        fails: &[PresentationPeriod],
        texts: Some((
            PresentationPeriod,
            "presentation on or before 2026-05-11: 21 days (the art. 14(c) default) after shipment on 2026-04-20 (SMGS 24-0091)",
            "presented on 2026-05-12",
        )),
    },
    Case {
        name: "shipped_one_day_late",
        mutate: |s| s.smgs().shipment_date = date("2026-04-21"),
        fails: &[ShipmentDate],
        texts: None,
    },
    Case {
        name: "invoice_issued_by_another_company",
        mutate: |s| {
            let inv = s.invoice();
            inv.seller.name = "TIANSHAN TRADING CO.".into();
            inv.seller.id = Some("91650100MA7XYZ9999".into());
        },
        fails: &[InvoiceIssuer],
        texts: Some((
            InvoiceIssuer,
            "issued by the beneficiary 'TIANSHAN HEAVY INDUSTRY CO.' (59)",
            "invoice TH-INV-2611 issued by 'TIANSHAN TRADING CO.'",
        )),
    },
    Case {
        name: "invoice_issuer_in_other_case_without_full_stop",
        mutate: |s| s.invoice().seller.name = "Tianshan Heavy Industry Co".into(),
        fails: &[],
        texts: None,
    },
    Case {
        name: "invoice_made_out_to_another_buyer",
        mutate: |s| {
            let inv = s.invoice();
            inv.buyer.name = "STEPPE AGRO TRADING LLP".into();
            inv.buyer.id = Some("260140099999".into());
        },
        fails: &[InvoiceApplicant],
        texts: None,
    },
    Case {
        name: "invoice_in_another_currency",
        mutate: |s| s.invoice().currency = "EUR".parse().unwrap(),
        fails: &[InvoiceCurrency],
        texts: Some((
            InvoiceCurrency,
            "amounts in USD (32B)",
            "invoice TH-INV-2611 in EUR",
        )),
    },
    Case {
        name: "amount_at_the_upper_tolerance",
        mutate: |s| s.invoice_charge("12425.00"),
        fails: &[],
        texts: None,
    },
    Case {
        name: "amount_one_cent_over_the_tolerance",
        mutate: |s| s.invoice_charge("12425.01"),
        fails: &[InvoiceAmount],
        texts: Some((
            InvoiceAmount,
            "invoice amount between USD 236075.00 and USD 260925.00 (32B USD 248500.00, 39A +5/-5 %)",
            "invoice TH-INV-2611 for USD 260925.01",
        )),
    },
    Case {
        name: "amount_under_the_tolerance_partial_not_allowed",
        mutate: |s| s.invoice_allowance("12425.01"),
        fails: &[InvoiceAmount],
        texts: None,
    },
    Case {
        name: "amount_under_the_tolerance_partial_allowed",
        mutate: |s| {
            s.invoice_allowance("12425.01");
            s.lc.partial_shipments = ShipmentPermission::Allowed;
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "no_39a_amount_one_cent_over",
        mutate: |s| {
            s.lc.tolerance = None;
            s.invoice_charge("0.01");
        },
        fails: &[InvoiceAmount],
        texts: Some((
            InvoiceAmount,
            "invoice amount between USD 236075.00 and USD 248500.00 (32B USD 248500.00, no tolerance; art. 30(c) allows 5 % less)",
            "invoice TH-INV-2611 for USD 248500.01",
        )),
    },
    Case {
        name: "no_39a_about_in_47a_allows_ten_percent",
        mutate: |s| {
            s.lc.tolerance = None;
            s.lc.additional_conditions
                .push("CREDIT AMOUNT ABOUT USD 248,500.00".into());
            s.invoice_charge("20000.00");
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "no_39a_about_in_47a_exceeded",
        mutate: |s| {
            s.lc.tolerance = None;
            s.lc.additional_conditions
                .push("CREDIT AMOUNT ABOUT USD 248,500.00".into());
            s.invoice_charge("24850.01");
        },
        fails: &[InvoiceAmount],
        texts: None,
    },
    Case {
        name: "no_39a_four_percent_short_is_art_30c",
        mutate: |s| {
            s.lc.tolerance = None;
            s.invoice_allowance("9940.00");
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "no_39a_six_percent_short",
        mutate: |s| {
            s.lc.tolerance = None;
            s.invoice_allowance("14910.00");
        },
        fails: &[InvoiceAmount],
        texts: None,
    },
    Case {
        name: "quantity_stated_and_met",
        mutate: |s| s.lc.goods_description.push_str(", QUANTITY: 70 UNITS"),
        fails: &[],
        texts: None,
    },
    Case {
        name: "quantity_short_of_counted_units",
        mutate: |s| s.lc.goods_description.push_str(", QUANTITY: 80 UNITS"),
        fails: &[GoodsQuantity],
        texts: Some((
            GoodsQuantity,
            "quantity exactly 80 UNITS (45A '80 UNITS', counted items: no tolerance, art. 30(b))",
            "invoice TH-INV-2611 for 70 C62",
        )),
    },
    Case {
        name: "quantity_over_counted_units",
        mutate: |s| s.lc.goods_description.push_str(", QUANTITY: 60 UNITS"),
        fails: &[GoodsQuantity],
        texts: None,
    },
    Case {
        name: "quantity_about_within_ten_percent",
        mutate: |s| s.lc.goods_description.push_str(", ABOUT 65 UNITS"),
        fails: &[],
        texts: None,
    },
    Case {
        name: "quantity_about_exceeded",
        mutate: |s| s.lc.goods_description.push_str(", ABOUT 60 UNITS"),
        fails: &[GoodsQuantity],
        texts: None,
    },
    Case {
        name: "tonnes_within_five_percent",
        mutate: |s| {
            s.lc.goods_description.push_str(", 22 MT");
            invoice_and_packing_units(s, "TNE", "12.5", "10.5");
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "tonnes_over_five_percent",
        mutate: |s| {
            s.lc.goods_description.push_str(", 21 MT");
            invoice_and_packing_units(s, "TNE", "12.5", "10.5");
        },
        fails: &[GoodsQuantity],
        texts: Some((
            GoodsQuantity,
            "quantity between 19.95 and 22.05 MT (45A '21 MT', ±5 %, art. 30(b))",
            "invoice TH-INV-2611 for 23.0 TNE",
        )),
    },
    Case {
        name: "kilograms_compared_with_tonnes",
        mutate: |s| {
            s.lc.goods_description.push_str(", 22 MT");
            invoice_and_packing_units(s, "KGM", "12500", "10500");
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "invoice_line_not_called_for",
        mutate: |s| {
            let line = &mut s.invoice().lines[1];
            line.description = "OFFICE FURNITURE".into();
            line.hs_code = Some("940360".parse().unwrap());
        },
        fails: &[GoodsDescription],
        texts: Some((
            GoodsDescription,
            "each invoice line sharing a significant word with 45A, or under HS 8708 of 45A, and no line under another HS heading",
            "invoice TH-INV-2611: line 2 'OFFICE FURNITURE' (HS 940360)",
        )),
    },
    Case {
        name: "invoice_line_without_hs_sharing_a_word",
        mutate: |s| {
            let line = &mut s.invoice().lines[0];
            line.description = "TRACTOR GEARBOX ASSEMBLY".into();
            line.hs_code = None;
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "invoice_line_under_the_credit_heading",
        mutate: |s| s.invoice().lines[1].description = "MISCELLANEOUS ITEMS".into(),
        fails: &[],
        texts: None,
    },
    Case {
        name: "invoice_line_under_a_conflicting_heading",
        mutate: |s| {
            let line = &mut s.invoice().lines[0];
            line.description = "GEARBOXES".into();
            line.hs_code = Some("848340".parse().unwrap());
        },
        fails: &[GoodsDescription],
        texts: None,
    },
    Case {
        name: "dispatched_from_another_station",
        mutate: |s| s.smgs().place_of_taking_in_charge = Some("KASHGAR".into()),
        fails: &[PlaceOfTakingInCharge],
        texts: Some((
            PlaceOfTakingInCharge,
            "place of taking in charge 'URUMQI' (44A)",
            "SMGS 24-0091 shows 'KASHGAR'",
        )),
    },
    Case {
        name: "destination_written_differently",
        mutate: |s| s.smgs().place_of_final_destination = Some("almaty 1 station".into()),
        fails: &[],
        texts: None,
    },
    Case {
        name: "destination_elsewhere",
        mutate: |s| s.smgs().place_of_final_destination = Some("ASTANA".into()),
        fails: &[PlaceOfFinalDestination],
        texts: None,
    },
    Case {
        name: "destination_not_shown",
        mutate: |s| s.smgs().place_of_final_destination = None,
        fails: &[PlaceOfFinalDestination],
        texts: None,
    },
    Case {
        name: "credit_names_a_port_the_waybill_lacks",
        mutate: |s| s.lc.port_of_loading = Some("TIANJIN".into()),
        fails: &[PortOfLoading],
        texts: None,
    },
    Case {
        name: "two_trains_partial_shipments_not_allowed",
        mutate: |s| s.split_smgs("TRAIN 80255", "2026-04-20"),
        fails: &[PartialShipments],
        texts: Some((
            PartialShipments,
            "one shipment on one means of conveyance (43P: partial shipments not allowed)",
            "2 shipments: SMGS 24-0091 (TRAIN 80241, 2026-04-20); SMGS 24-0092 (TRAIN 80255, 2026-04-20)",
        )),
    },
    Case {
        name: "two_waybills_same_train_different_dates",
        mutate: |s| s.split_smgs("TRAIN 80241", "2026-04-19"),
        fails: &[],
        texts: None,
    },
    Case {
        name: "two_trains_partial_shipments_allowed",
        mutate: |s| {
            s.split_smgs("TRAIN 80255", "2026-04-19");
            s.lc.partial_shipments = ShipmentPermission::Allowed;
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "transhipment_prohibited_but_one_waybill_covers_the_carriage",
        mutate: |s| s.lc.transhipment = ShipmentPermission::NotAllowed,
        fails: &[],
        texts: None,
    },
    Case {
        name: "transhipment_prohibited_and_waybill_ends_at_the_border",
        mutate: |s| {
            s.lc.transhipment = ShipmentPermission::NotAllowed;
            s.smgs().place_of_final_destination = Some("KHORGOS".into());
        },
        fails: &[Transhipment, PlaceOfFinalDestination],
        texts: None,
    },
    Case {
        name: "ocean_bill_of_lading_route",
        mutate: Scenario::route_by_sea,
        fails: &[],
        texts: None,
    },
    Case {
        name: "ocean_bill_received_for_shipment",
        mutate: |s| {
            s.route_by_sea();
            s.smgs().shipped_on_board = false;
        },
        fails: &[TransportOnBoard],
        texts: Some((
            TransportOnBoard,
            "shipment on board (bill of lading) or dispatch where 46A asks for it (road, rail)",
            "B/L CSL-BAK-0417 evidences receipt for carriage, not shipment or dispatch",
        )),
    },
    Case {
        name: "ocean_transhipment_prohibited_without_containers",
        mutate: |s| {
            s.route_by_sea();
            s.lc.transhipment = ShipmentPermission::NotAllowed;
            let bl = s.smgs();
            bl.transhipment = true;
            bl.containers.clear();
        },
        fails: &[Transhipment],
        texts: None,
    },
    Case {
        name: "ocean_transhipment_prohibited_in_containers",
        mutate: |s| {
            s.route_by_sea();
            s.lc.transhipment = ShipmentPermission::NotAllowed;
            s.smgs().transhipment = true;
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "ocean_bill_to_order_of_another_bank",
        mutate: |s| {
            s.route_by_sea();
            s.smgs().consignee.name = "TO ORDER OF CASPIAN BANK".into();
        },
        fails: &[TransportConsignee],
        texts: None,
    },
    Case {
        name: "rail_waybill_received_for_carriage",
        mutate: |s| s.smgs().shipped_on_board = false,
        fails: &[],
        texts: None,
    },
    Case {
        name: "rail_waybill_not_dispatched_where_46a_asks",
        mutate: |s| {
            s.lc.documents_required[1] = "RAILWAY CONSIGNMENT NOTE SMGS EVIDENCING DISPATCH, CONSIGNED TO STEPPE COMMERCIAL BANK MARKED FREIGHT PAID".into();
            s.smgs().shipped_on_board = false;
        },
        fails: &[TransportOnBoard],
        texts: None,
    },
    Case {
        name: "waybill_with_a_defect_clause",
        mutate: |s| s.smgs().defect_clauses = vec!["2 CRATES DAMAGED".into()],
        fails: &[TransportClean],
        texts: Some((
            TransportClean,
            "a clean transport document (no clause declaring defective goods or packaging)",
            "SMGS 24-0091 bears '2 CRATES DAMAGED'",
        )),
    },
    Case {
        name: "packing_list_missing",
        mutate: |s| s.remove(DocumentKind::PackingList),
        fails: &[DocumentsRequired],
        texts: Some((
            DocumentsRequired,
            "documents called for by 46A: 'PACKING LIST IN 2 COPIES'",
            "no packing list presented",
        )),
    },
    Case {
        name: "certificate_of_origin_missing",
        mutate: |s| s.remove(DocumentKind::CertificateOfOrigin),
        fails: &[DocumentsRequired],
        texts: None,
    },
    Case {
        name: "cmr_presented_instead_of_smgs",
        mutate: |s| s.smgs().mode = TransportMode::RoadCmr,
        fails: &[DocumentsRequired],
        texts: Some((
            DocumentsRequired,
            "documents called for by 46A: 'RAILWAY CONSIGNMENT NOTE SMGS CONSIGNED TO STEPPE COMMERCIAL BANK MARKED FREIGHT PAID'",
            "no SMGS presented; transport documents presented: CMR 24-0091",
        )),
    },
    Case {
        name: "no_transport_document",
        mutate: |s| s.remove(DocumentKind::TransportDocument),
        fails: &[DocumentsRequired],
        texts: None,
    },
    Case {
        name: "unclassified_46a_clause_is_listed_not_failed",
        mutate: |s| {
            s.lc.documents_required
                .push("INSURANCE POLICY FOR 110 PCT OF INVOICE VALUE".into());
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "packing_list_not_called_for_is_disregarded",
        mutate: |s| {
            s.lc.documents_required.remove(2);
            packing_gross_mass(s, "12200.0", "22600.0");
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "gross_mass_conflicts",
        mutate: |s| packing_gross_mass(s, "12200.0", "22600.0"),
        fails: &[ConsistentGrossMass],
        texts: Some((
            ConsistentGrossMass,
            "the same gross mass on the packing list and the transport document",
            "packing list TH-PL-2611 shows 22600.0 kg; SMGS 24-0091 shows 22550.0 kg",
        )),
    },
    Case {
        name: "gross_mass_written_with_another_scale",
        mutate: |s| s.smgs().gross_mass_kg = d("22550"),
        fails: &[],
        texts: None,
    },
    Case {
        name: "package_count_conflicts",
        mutate: |s| s.smgs().package_count = 36,
        fails: &[ConsistentPackageCount],
        texts: None,
    },
    Case {
        name: "packing_list_quantity_conflicts",
        mutate: |s| s.packing_list().lines[0].quantity = d("39"),
        fails: &[ConsistentQuantity],
        texts: Some((
            ConsistentQuantity,
            "the same quantities on the invoice and the packing list",
            "invoice TH-INV-2611 shows 70 C62; packing list TH-PL-2611 shows 69 C62",
        )),
    },
    Case {
        name: "shipping_marks_conflict",
        mutate: |s| s.smgs().shipping_marks = Some("SAM/AST/2611".into()),
        fails: &[ConsistentShippingMarks],
        texts: None,
    },
    Case {
        name: "shipping_marks_with_additional_data",
        mutate: |s| s.smgs().shipping_marks = Some("SAM/ALA/2611 MADE IN CHINA".into()),
        fails: &[],
        texts: None,
    },
    Case {
        name: "certificate_shows_another_origin",
        mutate: |s| s.certificate().country_of_origin = "KZ".parse().unwrap(),
        fails: &[CertificateOfOriginCountry, ConsistentOrigin],
        texts: Some((
            CertificateOfOriginCountry,
            "country of origin CN ('CERTIFICATE OF ORIGIN ISSUED BY CCPIT SHOWING CHINA AS COUNTRY OF ORIGIN')",
            "certificate of origin CCPIT-XJ-26-004417 shows KZ",
        )),
    },
    Case {
        name: "origin_required_by_code",
        mutate: |s| {
            s.lc.documents_required[3] =
                "CERTIFICATE OF ORIGIN ISSUED BY CCPIT, COUNTRY OF ORIGIN: KZ".into();
        },
        fails: &[CertificateOfOriginCountry],
        texts: None,
    },
    Case {
        name: "certificate_issued_by_a_chamber_of_commerce",
        mutate: |s| s.certificate().issuer.name = "URUMQI CHAMBER OF COMMERCE".into(),
        fails: &[CertificateOfOriginIssuer],
        texts: None,
    },
    Case {
        name: "ccpit_full_name_without_acronym",
        mutate: |s| {
            s.certificate().issuer.name =
                "China Council for the Promotion of International Trade, Xinjiang".into();
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "waybill_consigned_to_the_applicant",
        mutate: |s| s.smgs().consignee.name = "STEPPE AGRO MACHINERY LLP".into(),
        fails: &[TransportConsignee],
        texts: Some((
            TransportConsignee,
            "consigned to 'STEPPE COMMERCIAL BANK' (46A: 'RAILWAY CONSIGNMENT NOTE SMGS CONSIGNED TO STEPPE COMMERCIAL BANK MARKED FREIGHT PAID')",
            "SMGS 24-0091 consigned to 'STEPPE AGRO MACHINERY LLP'",
        )),
    },
    Case {
        name: "certificate_consigned_to_the_beneficiary",
        mutate: |s| s.certificate().consignee.name = "TIANSHAN HEAVY INDUSTRY CO.".into(),
        fails: &[ConsistentConsignee],
        texts: None,
    },
    Case {
        name: "packing_list_names_another_invoice",
        mutate: |s| s.packing_list().invoice_number = Some("TH-INV-2612".into()),
        fails: &[ConsistentInvoiceNumber],
        texts: None,
    },
    Case {
        name: "invoice_dated_after_presentation",
        mutate: |s| s.invoice().issue_date = date("2026-04-29"),
        fails: &[DocumentDates],
        texts: Some((
            DocumentDates,
            "documents dated on or before the presentation on 2026-04-28",
            "invoice TH-INV-2611 dated 2026-04-29",
        )),
    },
    Case {
        name: "certificate_dated_before_the_credit_is_allowed",
        mutate: |s| s.certificate().issue_date = date("2026-03-01"),
        fails: &[],
        texts: None,
    },
    Case {
        name: "certificate_dated_before_the_credit_where_47a_forbids",
        mutate: |s| {
            s.certificate().issue_date = date("2026-03-01");
            s.lc.additional_conditions.push(
                "DOCUMENTS DATED PRIOR TO THE ISSUE DATE OF THIS CREDIT ARE NOT ACCEPTABLE"
                    .into(),
            );
        },
        fails: &[DocumentsPredatingCredit],
        texts: None,
    },
    Case {
        name: "predating_ban_on_transport_documents_only",
        mutate: |s| {
            s.certificate().issue_date = date("2026-03-01");
            s.lc.additional_conditions.push(
                "TRANSPORT DOCUMENT DATED PRIOR TO LC ISSUANCE DATE NOT ACCEPTABLE".into(),
            );
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "invoice_without_the_credit_number",
        mutate: |s| s.invoice().lc_reference = None,
        fails: &[LcNumberIndicated],
        texts: Some((
            LcNumberIndicated,
            "credit number SCB/LC/26/0417 on all documents ('ALL DOCUMENTS MUST INDICATE LC NUMBER SCB/LC/26/0417')",
            "invoice TH-INV-2611 does not indicate the credit number",
        )),
    },
    Case {
        name: "waybill_with_a_wrong_credit_number",
        mutate: |s| s.smgs().lc_reference = Some("SCB/LC/26/0418".into()),
        fails: &[LcNumberIndicated],
        texts: None,
    },
    Case {
        name: "credit_number_required_on_the_invoice_only",
        mutate: |s| {
            s.lc.additional_conditions = vec!["INVOICE MUST INDICATE L/C NO.".into()];
            s.smgs().lc_reference = None;
            s.certificate().lc_reference = None;
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "credit_number_condition_naming_no_document",
        mutate: |s| {
            s.lc.additional_conditions = vec!["LC NUMBER MUST BE INDICATED".into()];
            s.invoice().lc_reference = None;
        },
        fails: &[],
        texts: None,
    },
    Case {
        name: "credit_number_with_other_separators",
        mutate: |s| s.invoice().lc_reference = Some("scb lc 26 0417".into()),
        fails: &[],
        texts: None,
    },
    Case {
        name: "pro_forma_invoice",
        mutate: |s| s.invoice().type_code = "325".into(),
        fails: &[InvoiceType],
        texts: None,
    },
    Case {
        name: "late_shipment_and_unclean_waybill",
        mutate: |s| {
            let smgs = s.smgs();
            smgs.shipment_date = date("2026-04-21");
            smgs.defect_clauses = vec!["PACKAGING TORN".into()];
        },
        fails: &[ShipmentDate, TransportClean],
        texts: None,
    },
];

/// Sets both invoice and packing-list line units and quantities.
fn invoice_and_packing_units(s: &mut Scenario, unit: &str, first: &str, second: &str) {
    for (line, quantity) in s.invoice().lines.iter_mut().zip([first, second]) {
        line.unit = unit.into();
        line.quantity = d(quantity);
    }
    for (line, quantity) in s.packing_list().lines.iter_mut().zip([first, second]) {
        line.unit = unit.into();
        line.quantity = d(quantity);
    }
}

/// Sets the packing list's second line gross mass and its total.
fn packing_gross_mass(s: &mut Scenario, line: &str, total: &str) {
    let list = s.packing_list();
    list.lines[1].gross_mass_kg = d(line);
    list.total_gross_mass_kg = d(total);
}

fn failing(report: &Report) -> BTreeSet<CheckId> {
    report.discrepancies().map(|c| c.id).collect()
}

/// What went wrong with one case, or nothing.
fn run_case(case: &Case) -> Option<String> {
    let mut scenario = Scenario::compliant();
    (case.mutate)(&mut scenario);
    scenario.validate();
    let report = scenario.examine();
    let expected: BTreeSet<CheckId> = case.fails.iter().copied().collect();
    let found = failing(&report);
    if found != expected {
        return Some(format!("expected {expected:?}, found {found:?}"));
    }
    if report.compliant != expected.is_empty() || report.is_compliant() != expected.is_empty() {
        return Some(format!("compliant is {}", report.compliant));
    }
    let (id, want_expected, want_found) = case.texts?;
    let Some(check) = report.check(id) else {
        return Some(format!("{id} is not reported"));
    };
    match &check.outcome {
        Outcome::Discrepancy { expected, found }
            if expected == want_expected && found == want_found =>
        {
            None
        }
        other => Some(format!(
            "{id}: wanted expected {want_expected:?} / found {want_found:?}, got {other:?}"
        )),
    }
}

#[test]
fn table_of_mutations() {
    assert!(CASES.len() >= 40, "at least 40 cases");
    let names: BTreeSet<&str> = CASES.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), CASES.len(), "case names are unique");
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|case| run_case(case).map(|why| format!("{}: {why}", case.name)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn scenario_has_exactly_the_late_shipment() {
    let report = Scenario::khorgos().examine();
    let discrepancies: Vec<_> = report.discrepancies().collect();
    assert_eq!(discrepancies.len(), 1, "{discrepancies:#?}");
    let check = discrepancies[0];
    assert_eq!(check.id, ShipmentDate);
    assert_eq!(check.article, "UCP 600 art. 24(a)(ii)");
    assert_eq!(
        check.outcome,
        Outcome::Discrepancy {
            expected: "shipment on or before 2026-04-20 (44C)".into(),
            found: "SMGS 24-0091 shows shipment on 2026-04-21".into(),
        }
    );
    assert!(!report.compliant);
    assert_eq!(report.lc_reference, "SCB/LC/26/0417");
    assert_eq!(report.presented_on, date("2026-04-28"));
    // 2026-04-21 + 21 days, before the expiry on 2026-05-15.
    assert_eq!(report.presentation_deadline, date("2026-05-12"));
}

#[test]
fn every_check_is_reported_once_in_order() {
    let report = Scenario::khorgos().examine();
    let ids: Vec<CheckId> = report.checks.iter().map(|c| c.id).collect();
    assert_eq!(ids, CheckId::ALL);
    for check in &report.checks {
        assert!(!check.title.is_empty() && check.article.starts_with("UCP 600"));
    }
}

#[test]
fn outcomes_that_are_not_applicable_say_why() {
    let mut scenario = Scenario::compliant();
    scenario
        .lc
        .documents_required
        .push("INSURANCE POLICY FOR 110 PCT OF INVOICE VALUE".into());
    scenario.lc.additional_conditions = vec!["LC NUMBER MUST BE INDICATED".into()];
    let report = scenario.examine();
    let reason = |id: CheckId| match &report.check(id).unwrap().outcome {
        Outcome::NotApplicable { reason } => reason.clone(),
        other => panic!("{id} is {other:?}"),
    };
    assert_eq!(
        reason(DocumentsNotExamined),
        "not examined, verify by hand: 'INSURANCE POLICY FOR 110 PCT OF INVOICE VALUE'"
    );
    assert!(reason(LcNumberIndicated).contains("art. 14(h)"));
    assert_eq!(reason(GoodsQuantity), "45A states no quantity of goods");
    assert_eq!(reason(Transhipment), "transhipment is allowed (43T)");
    assert!(reason(TransportOriginals).contains("art. 24(b)(ii)"));
}

#[test]
fn disregarded_documents_are_named() {
    let mut scenario = Scenario::compliant();
    scenario.lc.documents_required.remove(2);
    let report = scenario.examine();
    assert_eq!(
        report.check(DocumentsNotRequired).unwrap().outcome,
        Outcome::NotApplicable {
            reason:
                "not called for by 46A, so disregarded and not examined: packing list TH-PL-2611"
                    .into()
        }
    );
    assert!(matches!(
        report.check(ConsistentGrossMass).unwrap().outcome,
        Outcome::NotApplicable { .. }
    ));
}

#[test]
fn deadline_is_the_expiry_without_transport_document() {
    let mut scenario = Scenario::compliant();
    scenario.remove(DocumentKind::TransportDocument);
    assert_eq!(scenario.examine().presentation_deadline, date("2026-05-15"));
    let mut scenario = Scenario::compliant();
    scenario.lc.expiry_date = date("2026-05-01");
    assert_eq!(scenario.examine().presentation_deadline, date("2026-05-01"));
}

#[test]
fn report_round_trips_through_json() {
    let report = Scenario::khorgos().examine();
    let json = serde_json::to_string_pretty(&report).unwrap();
    assert!(json.contains(r#""id": "shipment_date""#));
    assert!(json.contains(r#""result": "discrepancy""#));
    let again: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(again, report);
}

#[test]
fn examination_is_deterministic() {
    let scenario = Scenario::khorgos();
    assert_eq!(scenario.examine(), scenario.examine());
}

#[test]
fn fixtures_validate_and_agree() {
    let names = [
        "lc_khorgos.json",
        "invoice_khorgos.json",
        "packing_list_khorgos.json",
        "smgs_khorgos.json",
        "certificate_of_origin_khorgos.json",
        "presentation_khorgos.json",
    ];
    // `fixture` imports through `json::import`, which validates.
    let docs: Vec<Document> = names.iter().map(|n| fixture(n)).collect();
    let Document::Presentation(presentation) = &docs[5] else {
        panic!("not a presentation");
    };
    assert_eq!(presentation.documents, docs[1..5].to_vec());
    assert_eq!(presentation.presented_on, date("2026-04-28"));
}
