//! Letters of credit (MT700 fields), their amendments (MT707), and presentations under them.
//!
//! Field comments give the MT700/MT707 tag each field comes from, so the SWIFT importer and the
//! examination can be read against the standard. Free-text fields keep the text as issued
//! (line breaks included): UCP 600 examination compares documents with that text, and a
//! normalized copy would lose what the bank actually wrote.

use serde::{Deserialize, Serialize};

use super::{Document, Faults, Party};
use crate::codes::{Bic, Currency};
use crate::date::Date;
use crate::decimal::Decimal;

/// Form of documentary credit, MT700 field 40A.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormOfCredit {
    Irrevocable,
    IrrevocableTransferable,
    IrrevocableStandby,
    IrrevocableTransferableStandby,
}

/// How the credit is available, MT700 field 41a (second line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AvailableBy {
    Payment,
    Acceptance,
    Negotiation,
    DeferredPayment,
    MixedPayment,
}

/// Whether partial shipments (43P) or transhipment (43T) are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentPermission {
    Allowed,
    NotAllowed,
    Conditional,
}

/// Confirmation instructions, MT700 field 49.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirmation {
    Confirm,
    MayAdd,
    Without,
}

/// Percentage credit amount tolerance, MT700 field 39A (`10/10`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    pub plus_percent: u8,
    pub minus_percent: u8,
}

/// Period for presentation, MT700 field 48: days after the date of shipment, with an optional
/// narrative (`21/FROM THE DATE OF SHIPMENT`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentationPeriod {
    pub days: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
}

/// A documentary credit as issued by MT700.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LetterOfCredit {
    /// 20: documentary credit number.
    pub reference: String,
    /// 23: reference to pre-advice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_advice_reference: Option<String>,
    /// 40A.
    pub form_of_credit: FormOfCredit,
    /// 31C: date of issue.
    pub issue_date: Date,
    /// 40E: applicable rules (`UCP LATEST VERSION`).
    pub applicable_rules: String,
    /// 31D: date of expiry.
    pub expiry_date: Date,
    /// 31D: place of expiry.
    pub expiry_place: String,
    /// Sender of the MT700 (header block 1), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_bank: Option<Bic>,
    /// Receiver of the MT700 (header block 2), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advising_bank: Option<Bic>,
    /// 51a: applicant bank, when not the issuing bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant_bank: Option<Bic>,
    /// 50.
    pub applicant: Party,
    /// 59.
    pub beneficiary: Party,
    /// 32B: currency.
    pub currency: Currency,
    /// 32B: amount.
    pub amount: Decimal,
    /// 39A.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Tolerance>,
    /// 39C: additional amounts covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_amounts: Option<String>,
    /// 41a: available with (a BIC, or a name such as `ANY BANK`).
    pub available_with: String,
    /// 41a: available by.
    pub available_by: AvailableBy,
    /// 42C: drafts at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drafts_at: Option<String>,
    /// 42a: drawee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawee: Option<String>,
    /// 42M: mixed payment details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mixed_payment_details: Option<String>,
    /// 42P: negotiation / deferred payment details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred_payment_details: Option<String>,
    /// 43P.
    pub partial_shipments: ShipmentPermission,
    /// 43T.
    pub transhipment: ShipmentPermission,
    /// 44A: place of taking in charge / dispatch from / place of receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_taking_in_charge: Option<String>,
    /// 44E: port of loading / airport of departure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_of_loading: Option<String>,
    /// 44F: port of discharge / airport of destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_of_discharge: Option<String>,
    /// 44B: place of final destination / for transportation to / place of delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_final_destination: Option<String>,
    /// 44C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_shipment_date: Option<Date>,
    /// 44D.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_period: Option<String>,
    /// 45A: description of goods and/or services.
    pub goods_description: String,
    /// 46A: documents required, one clause per entry (the `+` items of the field).
    pub documents_required: Vec<String>,
    /// 47A: additional conditions, one clause per entry.
    #[serde(default)]
    pub additional_conditions: Vec<String>,
    /// 71D: charges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charges: Option<String>,
    /// 48: absent means the UCP 600 default of 21 days after shipment (article 14(c)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presentation_period: Option<PresentationPeriod>,
    /// 49.
    pub confirmation: Confirmation,
    /// 58a: requested confirmation party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_confirmation_party: Option<String>,
    /// 53a: reimbursing bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reimbursing_bank: Option<String>,
    /// 78: instructions to the paying / accepting / negotiating bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions_to_paying_bank: Option<String>,
    /// 57a: "advise through" bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advise_through: Option<String>,
    /// 72Z: sender to receiver information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_to_receiver_info: Option<String>,
}

impl LetterOfCredit {
    /// Days after shipment within which documents must be presented (field 48, or 21).
    pub fn presentation_days(&self) -> u16 {
        self.presentation_period.as_ref().map_or(21, |p| p.days)
    }

    pub(super) fn check(&self, faults: &mut Faults) {
        faults.not_blank("reference", &self.reference);
        if self.reference.len() > 16 {
            faults.push("reference", "field 20 holds at most 16 characters");
        }
        faults.not_blank("applicable_rules", &self.applicable_rules);
        faults.not_blank("expiry_place", &self.expiry_place);
        faults.not_blank("available_with", &self.available_with);
        faults.not_blank("goods_description", &self.goods_description);
        self.applicant.check("applicant", faults);
        self.beneficiary.check("beneficiary", faults);
        faults.money("amount", self.amount, self.currency);
        if self.amount.is_zero() {
            faults.push("amount", "must be greater than zero");
        }
        if self.expiry_date < self.issue_date {
            faults.push("expiry_date", "is before the issue date");
        }
        if let Some(latest) = self.latest_shipment_date {
            if latest > self.expiry_date {
                faults.push("latest_shipment_date", "is after the expiry date");
            }
        }
        if self.documents_required.is_empty() {
            faults.push(
                "documents_required",
                "a documentary credit requires at least one document",
            );
        }
        if let Some(t) = self.tolerance {
            if t.plus_percent > 100 || t.minus_percent > 100 {
                faults.push("tolerance", "percentages are at most 100");
            }
        }
    }
}

/// What an MT707 clause does to a multi-line field of the credit (45B, 46B, 47B).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentAction {
    Add,
    Delete,
    ReplaceAll,
}

/// One `/ADD/`, `/DELETE/` or `/REPALL/` clause of MT707 fields 45B, 46B or 47B.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendmentClause {
    pub action: AmendmentAction,
    pub text: String,
}

/// An amendment to a documentary credit, as sent by MT707.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LcAmendment {
    /// 20: the credit's number (sender's reference).
    pub reference: String,
    /// 21: receiver's reference (`NONREF` when none).
    pub receivers_reference: String,
    /// 26E: number of this amendment.
    pub amendment_number: u16,
    /// 30: date of amendment.
    pub amendment_date: Date,
    /// 31C: date of issue of the credit.
    pub issue_date: Date,
    /// 22A: purpose of message (`ISSU`, `ACNF`, `ADVI`).
    pub purpose: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_bank: Option<Bic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advising_bank: Option<Bic>,
    /// 59: beneficiary (as in the credit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary: Option<Party>,
    /// 31E: new date of expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_expiry_date: Option<Date>,
    /// Currency of 32B / 33B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// 32B: increase of the credit amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increase: Option<Decimal>,
    /// 33B: decrease of the credit amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decrease: Option<Decimal>,
    /// 39A.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_tolerance: Option<Tolerance>,
    /// 44C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_latest_shipment_date: Option<Date>,
    /// 44E.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_port_of_loading: Option<String>,
    /// 44F.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_port_of_discharge: Option<String>,
    /// 45B.
    #[serde(default)]
    pub goods_description_changes: Vec<AmendmentClause>,
    /// 46B.
    #[serde(default)]
    pub documents_required_changes: Vec<AmendmentClause>,
    /// 47B.
    #[serde(default)]
    pub additional_conditions_changes: Vec<AmendmentClause>,
    /// 71N: amendment charge payable by (`APPL`, `BENE`, `OTHR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charges_payable_by: Option<String>,
    /// 72Z.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_to_receiver_info: Option<String>,
}

impl LcAmendment {
    pub(super) fn check(&self, faults: &mut Faults) {
        faults.not_blank("reference", &self.reference);
        faults.not_blank("receivers_reference", &self.receivers_reference);
        faults.not_blank("purpose", &self.purpose);
        if self.amendment_date < self.issue_date {
            faults.push("amendment_date", "is before the credit's issue date");
        }
        let amount_changed = self.increase.is_some() || self.decrease.is_some();
        match self.currency {
            Some(currency) => {
                for (field, amount) in [("increase", self.increase), ("decrease", self.decrease)] {
                    if let Some(amount) = amount {
                        faults.money(field, amount, currency);
                    }
                }
            }
            None if amount_changed => {
                faults.push("currency", "required with an increase or decrease")
            }
            None => {}
        }
        if self.increase.is_some() && self.decrease.is_some() {
            faults.push(
                "decrease",
                "an amendment either increases or decreases the amount, not both",
            );
        }
        if let Some(party) = &self.beneficiary {
            party.check("beneficiary", faults);
        }
    }
}

/// Documents presented under a credit, as handed to the examiner. On the ledger a presentation
/// is recorded by the fingerprints of these documents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presentation {
    /// The credit's number (MT700 field 20).
    pub lc_reference: String,
    /// The day the documents reached the nominated or issuing bank.
    pub presented_on: Date,
    /// The presenter: the beneficiary or a bank acting for it.
    pub presenter: Party,
    /// The documents presented (invoices, transport documents, packing lists, certificates).
    pub documents: Vec<Document>,
}

impl Presentation {
    /// Documents that may be presented under a credit; a credit, an amendment, a declaration
    /// or a nested presentation may not.
    fn is_presentable(doc: &Document) -> bool {
        matches!(
            doc,
            Document::Invoice(_)
                | Document::PackingList(_)
                | Document::TransportDocument(_)
                | Document::CertificateOfOrigin(_)
        )
    }

    pub(super) fn check(&self, faults: &mut Faults) {
        faults.not_blank("lc_reference", &self.lc_reference);
        self.presenter.check("presenter", faults);
        if self.documents.is_empty() {
            faults.push("documents", "a presentation holds at least one document");
        }
        for (i, doc) in self.documents.iter().enumerate() {
            if !Self::is_presentable(doc) {
                faults.push(
                    &format!("documents[{i}]"),
                    format!("a {} cannot be presented under a credit", doc.kind()),
                );
            } else if let Err(invalid) = doc.validate() {
                for fault in invalid.faults {
                    faults.push(&format!("documents[{i}].{}", fault.field), fault.problem);
                }
            }
        }
    }
}
