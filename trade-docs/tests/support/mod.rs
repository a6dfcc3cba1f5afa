//! Proptest strategies for every document type, shared by the property tests.
//!
//! The strategies cover the whole data model (every field, every enum variant, optional fields
//! both present and absent, any Unicode text) but deliberately do not make documents that
//! pass `validate`: canonical encoding must round-trip whatever a caller builds.
#![allow(dead_code)]

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use trade_docs::document::*;
use trade_docs::{Country, Currency, Date, Decimal, Fingerprint, HsCode, IncotermRule, Incoterms};

pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z0-9 ./-]{0,24}",
        any::<String>().prop_map(|s| s.chars().take(24).collect()),
    ]
}

pub fn lines() -> impl Strategy<Value = Vec<String>> {
    vec(text(), 0..3)
}

pub fn decimal() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0..=Decimal::SCALE_MAX)
        .prop_map(|(m, s)| Decimal::new(m, s).expect("scale in range"))
}

pub fn date() -> impl Strategy<Value = Date> {
    (1990i32..2100, 1u8..=12, 1u8..=28)
        .prop_map(|(y, m, d)| Date::from_ymd(y, m, d).expect("valid day"))
}

pub fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec!["USD", "CNY", "KZT", "EUR", "JPY", "KWD", "RUB"])
        .prop_map(|c| c.parse().expect("listed"))
}

pub fn country() -> impl Strategy<Value = Country> {
    prop::sample::select(vec!["KZ", "CN", "RU", "UZ", "DE", "TR"])
        .prop_map(|c| c.parse().expect("listed"))
}

pub fn hs_code() -> impl Strategy<Value = HsCode> {
    (1u32..97, 0u32..10_000, prop::bool::ANY).prop_filter_map(
        "chapter 77 is reserved",
        |(ch, rest, long)| {
            let code = if long {
                format!("{ch:02}{rest:04}1234")
            } else {
                format!("{ch:02}{rest:04}")
            };
            code.parse().ok()
        },
    )
}

pub fn bic() -> impl Strategy<Value = trade_docs::Bic> {
    prop::sample::select(vec![
        "STCBKZKAXXX",
        "TSCMCNBJXXX",
        "TSCMCNBJ",
        "ABCDKZKA001",
    ])
    .prop_map(|b| b.parse().expect("listed"))
}

pub fn party() -> impl Strategy<Value = Party> {
    (text(), lines(), option::of(country()), option::of(text())).prop_map(
        |(name, address, country, id)| Party {
            name,
            address,
            country,
            id,
        },
    )
}

pub fn incoterms() -> impl Strategy<Value = Incoterms> {
    (prop::sample::select(IncotermRule::ALL.to_vec()), text())
        .prop_map(|(rule, place)| Incoterms { rule, place })
}

pub fn fingerprint() -> impl Strategy<Value = Fingerprint> {
    any::<[u8; 32]>().prop_map(Fingerprint)
}

fn permission() -> impl Strategy<Value = ShipmentPermission> {
    prop_oneof![
        Just(ShipmentPermission::Allowed),
        Just(ShipmentPermission::NotAllowed),
        Just(ShipmentPermission::Conditional)
    ]
}

fn tolerance() -> impl Strategy<Value = Tolerance> {
    (0u8..=20, 0u8..=20).prop_map(|(plus_percent, minus_percent)| Tolerance {
        plus_percent,
        minus_percent,
    })
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    option::of(text())
}

pub fn letter_of_credit() -> impl Strategy<Value = LetterOfCredit> {
    let head = (
        text(),
        opt_text(),
        prop_oneof![
            Just(FormOfCredit::Irrevocable),
            Just(FormOfCredit::IrrevocableTransferable),
            Just(FormOfCredit::IrrevocableStandby),
            Just(FormOfCredit::IrrevocableTransferableStandby)
        ],
        date(),
        text(),
        date(),
        text(),
        option::of(bic()),
        option::of(bic()),
        option::of(bic()),
        party(),
        party(),
    );
    let money = (
        currency(),
        decimal(),
        option::of(tolerance()),
        opt_text(),
        text(),
        prop_oneof![
            Just(AvailableBy::Payment),
            Just(AvailableBy::Acceptance),
            Just(AvailableBy::Negotiation),
            Just(AvailableBy::DeferredPayment),
            Just(AvailableBy::MixedPayment)
        ],
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
    );
    let shipment = (
        permission(),
        permission(),
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
        option::of(date()),
        opt_text(),
        text(),
        lines(),
        lines(),
    );
    let tail = (
        opt_text(),
        option::of(
            (any::<u16>(), opt_text())
                .prop_map(|(days, narrative)| PresentationPeriod { days, narrative }),
        ),
        prop_oneof![
            Just(Confirmation::Confirm),
            Just(Confirmation::MayAdd),
            Just(Confirmation::Without)
        ],
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
    );
    (head, money, shipment, tail).prop_map(|(h, m, s, t)| LetterOfCredit {
        reference: h.0,
        pre_advice_reference: h.1,
        form_of_credit: h.2,
        issue_date: h.3,
        applicable_rules: h.4,
        expiry_date: h.5,
        expiry_place: h.6,
        issuing_bank: h.7,
        advising_bank: h.8,
        applicant_bank: h.9,
        applicant: h.10,
        beneficiary: h.11,
        currency: m.0,
        amount: m.1,
        tolerance: m.2,
        additional_amounts: m.3,
        available_with: m.4,
        available_by: m.5,
        drafts_at: m.6,
        drawee: m.7,
        mixed_payment_details: m.8,
        deferred_payment_details: m.9,
        partial_shipments: s.0,
        transhipment: s.1,
        place_of_taking_in_charge: s.2,
        port_of_loading: s.3,
        port_of_discharge: s.4,
        place_of_final_destination: s.5,
        latest_shipment_date: s.6,
        shipment_period: s.7,
        goods_description: s.8,
        documents_required: s.9,
        additional_conditions: s.10,
        charges: t.0,
        presentation_period: t.1,
        confirmation: t.2,
        requested_confirmation_party: t.3,
        reimbursing_bank: t.4,
        instructions_to_paying_bank: t.5,
        advise_through: t.6,
        sender_to_receiver_info: t.7,
    })
}

fn clauses() -> impl Strategy<Value = Vec<AmendmentClause>> {
    let action = prop_oneof![
        Just(AmendmentAction::Add),
        Just(AmendmentAction::Delete),
        Just(AmendmentAction::ReplaceAll)
    ];
    vec(
        (action, text()).prop_map(|(action, text)| AmendmentClause { action, text }),
        0..3,
    )
}

pub fn amendment() -> impl Strategy<Value = LcAmendment> {
    let head = (
        text(),
        text(),
        any::<u16>(),
        date(),
        date(),
        text(),
        option::of(bic()),
        option::of(bic()),
        option::of(party()),
        option::of(date()),
    );
    let changes = (
        option::of(currency()),
        option::of(decimal()),
        option::of(decimal()),
        option::of(tolerance()),
        option::of(date()),
        opt_text(),
        opt_text(),
        clauses(),
        clauses(),
        clauses(),
        opt_text(),
        opt_text(),
    );
    (head, changes).prop_map(|(h, c)| LcAmendment {
        reference: h.0,
        receivers_reference: h.1,
        amendment_number: h.2,
        amendment_date: h.3,
        issue_date: h.4,
        purpose: h.5,
        issuing_bank: h.6,
        advising_bank: h.7,
        beneficiary: h.8,
        new_expiry_date: h.9,
        currency: c.0,
        increase: c.1,
        decrease: c.2,
        new_tolerance: c.3,
        new_latest_shipment_date: c.4,
        new_port_of_loading: c.5,
        new_port_of_discharge: c.6,
        goods_description_changes: c.7,
        documents_required_changes: c.8,
        additional_conditions_changes: c.9,
        charges_payable_by: c.10,
        sender_to_receiver_info: c.11,
    })
}

fn invoice_line() -> impl Strategy<Value = InvoiceLine> {
    (
        text(),
        text(),
        decimal(),
        text(),
        decimal(),
        decimal(),
        option::of(hs_code()),
        opt_text(),
        option::of(decimal()),
    )
        .prop_map(
            |(
                line_id,
                description,
                quantity,
                unit,
                unit_price,
                line_total,
                hs_code,
                tax_category,
                tax_rate_percent,
            )| InvoiceLine {
                line_id,
                description,
                quantity,
                unit,
                unit_price,
                line_total,
                hs_code,
                tax_category,
                tax_rate_percent,
            },
        )
}

fn tax() -> impl Strategy<Value = TaxBreakdown> {
    (
        text(),
        option::of(decimal()),
        decimal(),
        decimal(),
        opt_text(),
    )
        .prop_map(
            |(category, rate_percent, basis, amount, exemption_reason)| TaxBreakdown {
                category,
                rate_percent,
                basis,
                amount,
                exemption_reason,
            },
        )
}

pub fn invoice() -> impl Strategy<Value = Invoice> {
    let head = (
        text(),
        date(),
        text(),
        party(),
        party(),
        currency(),
        vec(invoice_line(), 0..3),
        decimal(),
    );
    let totals = (
        option::of(decimal()),
        option::of(decimal()),
        decimal(),
        vec(tax(), 0..2),
        option::of(decimal()),
        decimal(),
        option::of(decimal()),
        decimal(),
        option::of(date()),
    );
    let extras = (
        option::of(incoterms()),
        opt_text(),
        opt_text(),
        option::of(country()),
        opt_text(),
        lines(),
    );
    (head, totals, extras).prop_map(|(h, t, e)| Invoice {
        number: h.0,
        issue_date: h.1,
        type_code: h.2,
        seller: h.3,
        buyer: h.4,
        currency: h.5,
        lines: h.6,
        line_total: h.7,
        allowance_total: t.0,
        charge_total: t.1,
        tax_basis_total: t.2,
        taxes: t.3,
        tax_total: t.4,
        total: t.5,
        prepaid_total: t.6,
        due_payable: t.7,
        due_date: t.8,
        incoterms: e.0,
        lc_reference: e.1,
        buyer_order_reference: e.2,
        country_of_origin: e.3,
        shipping_marks: e.4,
        notes: e.5,
    })
}

pub fn packing_list() -> impl Strategy<Value = PackingList> {
    let line = (
        text(),
        any::<u32>(),
        text(),
        decimal(),
        text(),
        decimal(),
        decimal(),
    )
        .prop_map(|l| PackingLine {
            description: l.0,
            package_count: l.1,
            package_kind: l.2,
            quantity: l.3,
            unit: l.4,
            net_mass_kg: l.5,
            gross_mass_kg: l.6,
        });
    (
        text(),
        date(),
        party(),
        party(),
        opt_text(),
        opt_text(),
        opt_text(),
        vec(line, 0..3),
        any::<u32>(),
        decimal(),
        decimal(),
    )
        .prop_map(|p| PackingList {
            number: p.0,
            issue_date: p.1,
            seller: p.2,
            buyer: p.3,
            invoice_number: p.4,
            lc_reference: p.5,
            shipping_marks: p.6,
            lines: p.7,
            total_packages: p.8,
            total_net_mass_kg: p.9,
            total_gross_mass_kg: p.10,
        })
}

fn mode() -> impl Strategy<Value = TransportMode> {
    prop_oneof![
        Just(TransportMode::OceanBillOfLading),
        Just(TransportMode::RailWaybillSmgs),
        Just(TransportMode::RoadCmr)
    ]
}

pub fn transport_document() -> impl Strategy<Value = TransportDocument> {
    let head = (
        mode(),
        text(),
        date(),
        party(),
        party(),
        party(),
        option::of(party()),
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
    );
    let tail = (
        date(),
        any::<bool>(),
        lines(),
        any::<bool>(),
        opt_text(),
        lines(),
        text(),
        opt_text(),
        any::<u32>(),
        decimal(),
        any::<u8>(),
    );
    (head, tail).prop_map(|(h, t)| TransportDocument {
        mode: h.0,
        number: h.1,
        issue_date: h.2,
        carrier: h.3,
        shipper: h.4,
        consignee: h.5,
        notify_party: h.6,
        place_of_taking_in_charge: h.7,
        port_of_loading: h.8,
        port_of_discharge: h.9,
        place_of_final_destination: h.10,
        shipment_date: t.0,
        shipped_on_board: t.1,
        defect_clauses: t.2,
        transhipment: t.3,
        vehicle: t.4,
        containers: t.5,
        goods_description: t.6,
        shipping_marks: t.7,
        package_count: t.8,
        gross_mass_kg: t.9,
        originals_issued: t.10,
        lc_reference: h.11,
    })
}

pub fn certificate_of_origin() -> impl Strategy<Value = CertificateOfOrigin> {
    (
        text(),
        date(),
        party(),
        party(),
        party(),
        country(),
        text(),
        vec(hs_code(), 0..3),
        opt_text(),
        opt_text(),
    )
        .prop_map(|c| CertificateOfOrigin {
            number: c.0,
            issue_date: c.1,
            issuer: c.2,
            exporter: c.3,
            consignee: c.4,
            country_of_origin: c.5,
            goods_description: c.6,
            hs_codes: c.7,
            invoice_number: c.8,
            lc_reference: c.9,
        })
}

pub fn customs_declaration() -> impl Strategy<Value = CustomsDeclaration> {
    let kind = prop_oneof![
        Just(DeclarationKind::Export),
        Just(DeclarationKind::Import),
        Just(DeclarationKind::Transit)
    ];
    let head = (
        kind,
        text(),
        date(),
        party(),
        party(),
        party(),
        country(),
        country(),
        country(),
        hs_code(),
        text(),
    );
    let goods = (
        decimal(),
        text(),
        decimal(),
        decimal(),
        decimal(),
        currency(),
        incoterms(),
        mode(),
        opt_text(),
        lines(),
    );
    let refs = (
        text(),
        opt_text(),
        opt_text(),
        opt_text(),
        vec(fingerprint(), 0..3),
    );
    (head, goods, refs).prop_map(|(h, g, r)| CustomsDeclaration {
        declaration_kind: h.0,
        reference: h.1,
        submitted_on: h.2,
        declarant: h.3,
        consignor: h.4,
        consignee: h.5,
        country_of_origin: h.6,
        country_of_dispatch: h.7,
        country_of_destination: h.8,
        hs_code: h.9,
        goods_description: h.10,
        quantity: g.0,
        unit: g.1,
        gross_mass_kg: g.2,
        net_mass_kg: g.3,
        customs_value: g.4,
        currency: g.5,
        incoterms: g.6,
        transport_mode: g.7,
        vehicle: g.8,
        containers: g.9,
        border_post: r.0,
        transport_document_number: r.1,
        invoice_number: r.2,
        lc_reference: r.3,
        documents: r.4,
    })
}

/// A document that may appear inside a presentation.
/// Boxed, because the unboxed union of these strategies overflows a test thread's stack in
/// debug builds.
pub fn presentable() -> BoxedStrategy<Document> {
    prop_oneof![
        invoice().prop_map(Document::Invoice).boxed(),
        packing_list().prop_map(Document::PackingList).boxed(),
        transport_document()
            .prop_map(Document::TransportDocument)
            .boxed(),
        certificate_of_origin()
            .prop_map(Document::CertificateOfOrigin)
            .boxed(),
    ]
    .boxed()
}

pub fn presentation() -> BoxedStrategy<Presentation> {
    (text(), date(), party(), vec(presentable(), 0..3))
        .prop_map(
            |(lc_reference, presented_on, presenter, documents)| Presentation {
                lc_reference,
                presented_on,
                presenter,
                documents,
            },
        )
        .boxed()
}

/// Any document of any kind.
pub fn document() -> BoxedStrategy<Document> {
    prop_oneof![
        letter_of_credit()
            .prop_map(Document::LetterOfCredit)
            .boxed(),
        amendment().prop_map(Document::Amendment).boxed(),
        presentable(),
        customs_declaration()
            .prop_map(Document::CustomsDeclaration)
            .boxed(),
        presentation().prop_map(Document::Presentation).boxed(),
    ]
    .boxed()
}
