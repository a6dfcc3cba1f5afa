//! The automatic UCP 600 examination of a presentation, for the examining bank.
//!
//! The bank's gateway reads the credit document from its own store, the presented documents
//! under the beneficiary's ledger grants (from the beneficiary's jurisdiction, by a signed
//! fetch), runs `trade_docs::ucp600::examine`, keeps the full report beside its documents and
//! records the examination on the ledger (compliant or the discrepancies, and the report's
//! fingerprint). [`run_background`] does this for every new presentation to a bank this
//! gateway serves, so the report is ready when an examiner opens the credit.
//!
//! Deliberately not here: deciding (the bank honours, refuses or seeks a waiver itself) and
//! deadlines (the actors issue).

use std::time::Duration;

use actors::ledger::{InstrumentAction, TxBody};
use serde_json::{json, Value};
use trade_docs::cbor::to_canonical;
use trade_docs::document::Presentation;
use trade_docs::instrument::{
    Examination, LcEvent, LcState, PresentationAction, PresentationEvent, PresentationState,
};
use trade_docs::ucp600;
use trade_docs::{formats, Document, Fingerprint, Party};

use crate::commands::{acting_role, as_credit};
use crate::error::ApiError;
use crate::gateway::{parse_digest, Gateway};

/// How often the background examiner looks for new presentations.
const SCAN_INTERVAL: Duration = Duration::from_secs(2);
/// Credits listed per organization per scan.
const SCAN_PAGE: u32 = 100;

/// Examines the presentation under credit `lc` as `org` and records the result.
pub async fn examine(gw: &Gateway, org: &str, lc: &str) -> Result<Value, ApiError> {
    let view = gw.instrument(lc).await?;
    let credit = as_credit(&view)?;
    let presentation = credit
        .presentation
        .as_ref()
        .filter(|p| p.state == PresentationState::Presented)
        .ok_or_else(|| {
            ApiError::Conflict("the credit has no presentation awaiting examination".into())
        })?;
    let permitted = PresentationAction::SeekWaiver.permitted_roles();
    let role = acting_role(permitted, |r| credit.parties.holder(r), org)?;
    let lc_doc = match read_document(gw, &credit.terms.document, org).await? {
        Document::LetterOfCredit(doc) => doc,
        other => {
            return Err(ApiError::internal(format!(
                "credit document is a {}",
                other.kind()
            )))
        }
    };
    let mut documents = Vec::new();
    for fp in &presentation.documents {
        documents.push(read_document(gw, fp, org).await?);
    }
    let presented_on = credit
        .history
        .entries()
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.event,
                LcEvent::Presentation(PresentationEvent::DocumentsPresented { .. })
            )
        })
        .map(|e| e.date)
        .ok_or_else(|| ApiError::internal("a presented credit without its presentation event"))?;
    let submitted = Presentation {
        lc_reference: lc_doc.reference.clone(),
        presented_on,
        presenter: Party {
            name: credit.parties.beneficiary.clone(),
            address: Vec::new(),
            country: None,
            id: None,
        },
        documents,
    };
    let report = ucp600::examine(&lc_doc, &submitted);
    let bytes = to_canonical(&report).map_err(ApiError::internal)?;
    let report_fp = Fingerprint::sha256(&bytes);
    gw.docs
        .put_report(&report_fp.to_string(), &report)
        .map_err(ApiError::internal)?;
    let examination = Examination {
        compliant: report.is_compliant(),
        discrepancies: report.discrepancy_lines(),
        report: Some(report_fp),
    };
    let action = InstrumentAction::Presentation(PresentationAction::RecordExamination(examination));
    let instrument = actors::ledger::Digest(parse_digest(lc, "id")?);
    let committed = gw
        .submit_applied(
            org,
            TxBody::Act {
                instrument,
                role,
                action,
            },
        )
        .await?;
    Ok(json!({ "committed": committed, "report": report }))
}

async fn read_document(gw: &Gateway, fp: &Fingerprint, org: &str) -> Result<Document, ApiError> {
    let (_, bytes) = gw.document_bytes(&fp.0, org, "examiner").await?;
    formats::read(&bytes)
        .map_err(|e| ApiError::Conflict(format!("document {fp} is not machine-readable: {e}")))
}

/// Examines, forever, every presentation awaiting examination by a bank this gateway serves.
/// A presentation whose examination failed (a document not yet readable, a peer gateway
/// down) is retried with a doubling delay, so a lasting fault is not retried — and logged —
/// every scan.
pub async fn run_background(gw: std::sync::Arc<Gateway>) {
    let mut ticker = tokio::time::interval(SCAN_INTERVAL);
    let mut retries = Retries::default();
    loop {
        ticker.tick().await;
        let now = std::time::Instant::now();
        let orgs: Vec<String> = gw.orgs().map(str::to_string).collect();
        for org in orgs {
            let Ok(credits) = gw.ledger.instruments_of(&org, None, SCAN_PAGE).await else {
                continue;
            };
            for view in credits {
                let Ok(credit) = as_credit(&view) else {
                    continue;
                };
                let awaiting = credit.state == LcState::Presentation(PresentationState::Presented);
                let examiner = credit.parties.issuing_bank == org
                    || credit.parties.nominated_bank.as_deref() == Some(&org);
                if awaiting && examiner && retries.due(&view.id, now) {
                    match examine(&gw, &org, &view.id).await {
                        Ok(_) => {
                            retries.succeeded(&view.id);
                            tracing::info!(lc = %view.id, %org, "presentation examined")
                        }
                        Err(e) => {
                            let delay = retries.failed(&view.id, now);
                            tracing::warn!(lc = %view.id, %org, error = %e, retry_in_s = delay.as_secs(), "examination failed")
                        }
                    }
                }
            }
        }
    }
}

/// Longest wait between two attempts at a failing examination.
const RETRY_DELAY_MAX: Duration = Duration::from_secs(300);
/// Failing examinations tracked at most; beyond, the oldest entry is forgotten (and that
/// presentation simply retried at the next scan).
const RETRIES_MAX: usize = 1024;

/// When each failing examination may be tried again: the delay doubles from the scan interval
/// up to [`RETRY_DELAY_MAX`].
#[derive(Debug, Default)]
struct Retries {
    by_credit: std::collections::BTreeMap<String, (u32, std::time::Instant)>,
}

impl Retries {
    fn due(&self, credit: &str, now: std::time::Instant) -> bool {
        self.by_credit.get(credit).is_none_or(|(_, at)| now >= *at)
    }

    /// Records a failure; returns the delay until the next attempt.
    fn failed(&mut self, credit: &str, now: std::time::Instant) -> Duration {
        if self.by_credit.len() >= RETRIES_MAX && !self.by_credit.contains_key(credit) {
            self.by_credit.pop_first();
        }
        let failures = self.by_credit.get(credit).map_or(0, |(n, _)| *n) + 1;
        let delay = SCAN_INTERVAL
            .saturating_mul(1 << failures.min(16))
            .min(RETRY_DELAY_MAX);
        self.by_credit
            .insert(credit.to_string(), (failures, now + delay));
        delay
    }

    fn succeeded(&mut self, credit: &str) {
        self.by_credit.remove(credit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_examination_is_retried_later_and_later() {
        let start = std::time::Instant::now();
        let mut retries = Retries::default();
        assert!(retries.due("lc", start));
        let delays: Vec<u64> = (0..10)
            .map(|_| retries.failed("lc", start).as_secs())
            .collect();
        assert_eq!(delays, [4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert!(!retries.due("lc", start + Duration::from_secs(299)));
        assert!(retries.due("lc", start + Duration::from_secs(300)));
        assert!(retries.due("other", start));
        retries.succeeded("lc");
        assert!(retries.due("lc", start));
    }
}
