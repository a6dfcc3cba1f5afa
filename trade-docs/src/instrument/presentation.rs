//! A presentation under a letter of credit: the documents presented, their examination, the
//! applicant's waiver, and the bank's decision (UCP 600 articles 14 to 16).
//!
//! ```text
//! presented ─▶ examined_compliant ─▶ honoured
//!     └──────▶ examined_discrepant ─▶ waiver_sought ─▶ waived | not_waived
//!                     ├─────────────────────────────▶ waived        (the applicant may waive unasked)
//!                     └─▶ refused      (also from waiver_sought, waived and not_waived)
//! waived ─▶ honoured                   (a waiver lets the bank honour; it does not oblige it)
//! ```
//!
//! A presentation lives inside its credit ([`super::LcInstrument`]): its parties are the
//! credit's, so the credit authorizes the actor with this module's permission table
//! ([`PresentationAction::permitted_roles`]), checks the credit-level conditions (the credit is
//! operative, not expired, the amount is available), keeps the history, and delegates the rest
//! here. This module deliberately does not examine documents (that is `ucp600`): it records the
//! examining bank's result, and it holds fingerprints, never the documents.
//!
//! Invariants: `examination` is present in every state after `presented`; a presentation is
//! honoured only from `examined_compliant` or `waived`; a compliant one is never refused (that
//! would be wrongful dishonour under article 15(a)).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{check_amount, check_list_len, check_texts, illegal, invalid, Rejection, Role};
use crate::codes::Currency;
use crate::date::Date;
use crate::decimal::Decimal;
use crate::fingerprint::Fingerprint;

/// What the beneficiary hands over: the fingerprints of the documents and the amount drawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentationSubmission {
    pub documents: Vec<Fingerprint>,
    pub currency: Currency,
    pub amount: Decimal,
}

/// The examining bank's result: compliant, or the discrepancies it found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examination {
    pub compliant: bool,
    /// One line per discrepancy, naming its UCP 600 article; empty exactly when compliant.
    #[serde(default)]
    pub discrepancies: Vec<String>,
    /// Fingerprint of the full examination report, kept off the ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Fingerprint>,
}

/// A presentation and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentationInstrument {
    pub documents: Vec<Fingerprint>,
    pub currency: Currency,
    pub amount: Decimal,
    pub presented_on: Date,
    pub state: PresentationState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examination: Option<Examination>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresentationState {
    Presented,
    ExaminedCompliant,
    ExaminedDiscrepant,
    WaiverSought,
    Waived,
    NotWaived,
    Honoured,
    Refused,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresentationAction {
    /// The beneficiary presents documents (opens a presentation).
    PresentDocuments(PresentationSubmission),
    /// The examining bank records its examination.
    RecordExamination(Examination),
    /// The bank approaches the applicant for a waiver (article 16(b)).
    SeekWaiver,
    /// The applicant waives the discrepancies.
    Waive,
    /// The applicant declines to waive them.
    DeclineWaiver,
    Honour,
    Refuse,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresentationEvent {
    DocumentsPresented {
        documents_len: u16,
        amount: Decimal,
    },
    DocumentsExamined {
        compliant: bool,
        discrepancies_len: u16,
    },
    WaiverSought,
    DiscrepanciesWaived,
    WaiverDeclined,
    PresentationHonoured {
        amount: Decimal,
    },
    PresentationRefused,
}

/// The banks that may examine and decide on a presentation: the issuing bank, or a confirming
/// or nominated bank named on the credit.
const EXAMINING_BANKS: &[Role] = &[Role::IssuingBank, Role::ConfirmingBank, Role::NominatedBank];

impl PresentationAction {
    pub fn name(&self) -> &'static str {
        match self {
            Self::PresentDocuments(_) => "present_documents",
            Self::RecordExamination(_) => "record_examination",
            Self::SeekWaiver => "seek_waiver",
            Self::Waive => "waive",
            Self::DeclineWaiver => "decline_waiver",
            Self::Honour => "honour",
            Self::Refuse => "refuse",
        }
    }

    /// Who may perform the action; the credit checks that the actor holds the role on it.
    pub fn permitted_roles(&self) -> &'static [Role] {
        match self {
            Self::PresentDocuments(_) => &[Role::Beneficiary],
            Self::Waive | Self::DeclineWaiver => &[Role::Applicant],
            Self::RecordExamination(_) | Self::SeekWaiver | Self::Honour | Self::Refuse => {
                EXAMINING_BANKS
            }
        }
    }
}

impl PresentationState {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Presented => "presented",
            Self::ExaminedCompliant => "examined_compliant",
            Self::ExaminedDiscrepant => "examined_discrepant",
            Self::WaiverSought => "waiver_sought",
            Self::Waived => "waived",
            Self::NotWaived => "not_waived",
            Self::Honoured => "honoured",
            Self::Refused => "refused",
        }
    }

    /// Honoured and refused end a presentation.
    pub fn is_decided(&self) -> bool {
        matches!(self, Self::Honoured | Self::Refused)
    }
}

impl fmt::Display for PresentationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PresentationInstrument {
    /// Opens a presentation on `date`, checking the submission on its own; the credit has
    /// already checked its currency, amount and date against the credit's terms.
    pub(crate) fn present(
        submission: PresentationSubmission,
        date: Date,
    ) -> Result<(PresentationInstrument, PresentationEvent), Rejection> {
        check_list_len("documents", submission.documents.len())?;
        if submission.documents.is_empty() {
            return Err(invalid(
                "documents",
                "a presentation holds at least one document",
            ));
        }
        for (i, fingerprint) in submission.documents.iter().enumerate() {
            if submission.documents[..i].contains(fingerprint) {
                return Err(invalid(
                    &format!("documents[{i}]"),
                    format!("document {fingerprint} is presented twice"),
                ));
            }
        }
        check_amount("amount", submission.amount, submission.currency)?;
        // The list length is at most LIST_LEN_MAX (checked above), so it fits in a u16.
        let documents_len = u16::try_from(submission.documents.len()).unwrap_or(u16::MAX);
        let event = PresentationEvent::DocumentsPresented {
            documents_len,
            amount: submission.amount,
        };
        let presentation = PresentationInstrument {
            documents: submission.documents,
            currency: submission.currency,
            amount: submission.amount,
            presented_on: date,
            state: PresentationState::Presented,
            examination: None,
        };
        Ok((presentation, event))
    }

    /// Applies a step after presenting. The actor is already authorized by the credit.
    pub(crate) fn step(
        &self,
        action: PresentationAction,
    ) -> Result<(PresentationInstrument, PresentationEvent), Rejection> {
        use PresentationState as S;
        let name = action.name();
        let mut next = self.clone();
        let event = match (self.state, action) {
            (S::Presented, PresentationAction::RecordExamination(examination)) => {
                next.record_examination(examination)?
            }
            (S::ExaminedDiscrepant, PresentationAction::SeekWaiver) => {
                next.state = S::WaiverSought;
                PresentationEvent::WaiverSought
            }
            (S::ExaminedDiscrepant | S::WaiverSought, PresentationAction::Waive) => {
                next.state = S::Waived;
                PresentationEvent::DiscrepanciesWaived
            }
            (S::WaiverSought, PresentationAction::DeclineWaiver) => {
                next.state = S::NotWaived;
                PresentationEvent::WaiverDeclined
            }
            (S::ExaminedCompliant | S::Waived, PresentationAction::Honour) => {
                next.state = S::Honoured;
                PresentationEvent::PresentationHonoured {
                    amount: self.amount,
                }
            }
            (
                S::ExaminedDiscrepant | S::WaiverSought | S::Waived | S::NotWaived,
                PresentationAction::Refuse,
            ) => {
                next.state = S::Refused;
                PresentationEvent::PresentationRefused
            }
            (state, _) => return Err(illegal(format!("presentation.{state}"), name)),
        };
        Ok((next, event))
    }

    fn record_examination(
        &mut self,
        examination: Examination,
    ) -> Result<PresentationEvent, Rejection> {
        check_texts("discrepancies", &examination.discrepancies)?;
        match (examination.compliant, examination.discrepancies.is_empty()) {
            (true, false) => {
                return Err(invalid(
                    "discrepancies",
                    "a compliant examination lists no discrepancy",
                ))
            }
            (false, true) => {
                return Err(invalid(
                    "discrepancies",
                    "a discrepant examination lists at least one discrepancy",
                ))
            }
            _ => {}
        }
        self.state = if examination.compliant {
            PresentationState::ExaminedCompliant
        } else {
            PresentationState::ExaminedDiscrepant
        };
        let event = PresentationEvent::DocumentsExamined {
            compliant: examination.compliant,
            // At most LIST_LEN_MAX discrepancies (checked above), so it fits in a u16.
            discrepancies_len: u16::try_from(examination.discrepancies.len()).unwrap_or(u16::MAX),
        };
        self.examination = Some(examination);
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PresentationAction as A;
    use PresentationState as S;

    fn presented() -> PresentationInstrument {
        let submission = PresentationSubmission {
            documents: vec![
                Fingerprint::sha256(b"invoice"),
                Fingerprint::sha256(b"smgs"),
            ],
            currency: "USD".parse().unwrap(),
            amount: "1000.00".parse().unwrap(),
        };
        PresentationInstrument::present(submission, "2026-05-04".parse().unwrap())
            .unwrap()
            .0
    }

    fn examination(compliant: bool) -> A {
        A::RecordExamination(Examination {
            compliant,
            discrepancies: if compliant {
                vec![]
            } else {
                vec!["art. 14(c): shipped one day late".into()]
            },
            report: None,
        })
    }

    fn at(state: S) -> PresentationInstrument {
        PresentationInstrument {
            state,
            ..presented()
        }
    }

    #[test]
    fn every_legal_step() {
        let cases = [
            (S::Presented, examination(true), S::ExaminedCompliant),
            (S::Presented, examination(false), S::ExaminedDiscrepant),
            (S::ExaminedCompliant, A::Honour, S::Honoured),
            (S::ExaminedDiscrepant, A::SeekWaiver, S::WaiverSought),
            (S::ExaminedDiscrepant, A::Waive, S::Waived),
            (S::ExaminedDiscrepant, A::Refuse, S::Refused),
            (S::WaiverSought, A::Waive, S::Waived),
            (S::WaiverSought, A::DeclineWaiver, S::NotWaived),
            (S::WaiverSought, A::Refuse, S::Refused),
            (S::Waived, A::Honour, S::Honoured),
            (S::Waived, A::Refuse, S::Refused),
            (S::NotWaived, A::Refuse, S::Refused),
        ];
        for (from, action, to) in cases {
            let name = action.name();
            let (next, _) = at(from)
                .step(action)
                .unwrap_or_else(|r| panic!("{from} {name}: {r}"));
            assert_eq!(next.state, to, "{from} {name}");
        }
    }

    #[test]
    fn illegal_steps_name_state_and_action() {
        let cases = [
            (S::ExaminedCompliant, A::Refuse),
            (S::ExaminedDiscrepant, A::Honour),
            (S::NotWaived, A::Honour),
            (S::Presented, A::Honour),
            (S::Presented, A::Waive),
            (S::Honoured, A::Refuse),
            (S::Refused, examination(true)),
            (S::ExaminedCompliant, examination(true)),
        ];
        for (from, action) in cases {
            let name = action.name();
            assert_eq!(
                at(from).step(action).unwrap_err(),
                Rejection::IllegalInState {
                    state: format!("presentation.{from}"),
                    action: name.into(),
                }
            );
        }
    }

    #[test]
    fn examination_must_be_consistent() {
        let inconsistent = [
            Examination {
                compliant: true,
                discrepancies: vec!["late".into()],
                report: None,
            },
            Examination {
                compliant: false,
                discrepancies: vec![],
                report: None,
            },
        ];
        for examination in inconsistent {
            assert!(matches!(
                presented().step(A::RecordExamination(examination)),
                Err(Rejection::InvalidField { field, .. }) if field == "discrepancies"
            ));
        }
    }

    #[test]
    fn submission_is_checked() {
        let fp = Fingerprint::sha256(b"invoice");
        let usd: Currency = "USD".parse().unwrap();
        let cases = [
            (vec![], "1.00", "documents"),
            (vec![fp, fp], "1.00", "documents[1]"),
            (vec![fp], "1.0", "amount"),
            (vec![fp], "0.00", "amount"),
            (vec![fp; LIST_LEN_MAX_PLUS_ONE], "1.00", "documents"),
        ];
        for (documents, amount, field) in cases {
            let submission = PresentationSubmission {
                documents,
                currency: usd,
                amount: amount.parse().unwrap(),
            };
            match PresentationInstrument::present(submission, "2026-05-04".parse().unwrap()) {
                Err(Rejection::InvalidField { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    const LIST_LEN_MAX_PLUS_ONE: usize = super::super::LIST_LEN_MAX + 1;
}
