//! Read models for the API and the pages: a credit with its balance and deadlines, a
//! document with its anchor, grants and reads, the verification of a file, and the SWIFT
//! advices of a presentation. Everything is read from the ledger on each call (the gateway
//! keeps no ledger state); the shapes are plain serde values so both the JSON API and the
//! templates use them.

use std::sync::Arc;

use actors::ledger::HistoryRecord;
use serde::Serialize;
use serde_json::{json, Value};
use trade_docs::instrument::{
    Balance, InvoiceInstrument, LcEvent, LcInstrument, LcTerms, PendingAmendment,
    PresentationEvent, PresentationInstrument, PresentationState,
};
use trade_docs::swift::{self as advice, Disposal, DisposalCode};
use trade_docs::{Date, Decimal};

use crate::commands::as_credit;
use crate::docstore::{self, DocMeta, ReadLogEntry};
use crate::error::ApiError;
use crate::gateway::{parse_digest, Gateway};

/// Instruments listed per organization, at most.
const LIST_MAX: u32 = 100;
/// Banking days the examining bank has after the day of presentation (UCP 600 14(b)).
const EXAMINATION_BANKING_DAYS: u32 = 5;

/// One credit in a list.
#[derive(Clone, Debug, Serialize)]
pub struct CreditSummary {
    pub id: String,
    pub reference: String,
    pub state: String,
    /// The caller organization's roles on the credit.
    pub roles: Vec<&'static str>,
    pub balance: Balance,
    pub deadlines: Deadlines,
    pub parties: trade_docs::instrument::LcParties,
}

/// The dates a party to a credit must keep.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Deadlines {
    pub expiry_date: Option<Date>,
    pub latest_shipment_date: Option<Date>,
    /// The day documents were presented, when they were.
    pub presented_on: Option<Date>,
    /// The last day the examining bank may decide: 5 banking days following presentation
    /// (Saturdays and Sundays skipped; national holiday calendars come with the actors).
    pub examination_due: Option<Date>,
}

/// The credits naming `org`, newest last.
pub async fn credits_of(gw: &Gateway, org: &str) -> Result<Vec<CreditSummary>, ApiError> {
    let views = gw.ledger.instruments_of(org, None, LIST_MAX).await?;
    Ok(views
        .iter()
        .filter_map(|view| {
            as_credit(view)
                .ok()
                .map(|lc| summary(&view.id, view.state.clone(), lc, org))
        })
        .collect())
}

fn summary(id: &str, state: String, lc: &LcInstrument, org: &str) -> CreditSummary {
    CreditSummary {
        id: id.to_string(),
        reference: lc.terms.reference.clone(),
        state,
        roles: roles_of(lc, org),
        balance: lc.balance(),
        deadlines: deadlines(lc),
        parties: lc.parties.clone(),
    }
}

/// The roles `org` holds on a credit.
pub fn roles_of(lc: &LcInstrument, org: &str) -> Vec<&'static str> {
    trade_docs::instrument::Role::ALL
        .into_iter()
        .filter(|r| lc.parties.holder(*r) == Some(org))
        .map(|r| r.as_str())
        .collect()
}

/// The credit's deadlines, from its terms and history.
pub fn deadlines(lc: &LcInstrument) -> Deadlines {
    let presented_on = lc
        .presentation
        .as_ref()
        .and_then(|_| {
            lc.history.entries().iter().rev().find(|e| {
                matches!(
                    e.event,
                    LcEvent::Presentation(PresentationEvent::DocumentsPresented { .. })
                )
            })
        })
        .map(|e| e.date);
    let undecided = lc
        .presentation
        .as_ref()
        .is_some_and(|p| !p.state.is_decided());
    Deadlines {
        expiry_date: Some(lc.terms.expiry_date),
        latest_shipment_date: lc.terms.latest_shipment_date,
        presented_on,
        examination_due: presented_on
            .filter(|_| undecided)
            .map(|d| add_banking_days(d, EXAMINATION_BANKING_DAYS)),
    }
}

/// `days` banking days following `from`, counting Monday to Friday.
pub fn add_banking_days(from: Date, days: u32) -> Date {
    let mut date = from;
    let mut left = days;
    while left > 0 {
        date = date.add_days(1).unwrap_or(date);
        if !is_weekend(date) {
            left -= 1;
        }
    }
    date
}

fn is_weekend(date: Date) -> bool {
    // 1970-01-01 was a Thursday; days since then modulo 7 gives the weekday.
    let epoch = Date::from_ymd(1970, 1, 1).unwrap_or(date);
    let weekday = epoch.days_until(date).rem_euclid(7); // 0 = Thursday
    weekday == 2 || weekday == 3
}

/// A credit in full, for a party to it.
#[derive(Clone, Debug, Serialize)]
pub struct CreditDetail {
    pub credit: CreditSummary,
    pub terms: LcTerms,
    pub pending_amendment: Option<PendingAmendment>,
    pub presentation: Option<PresentationInstrument>,
    /// The full UCP 600 report, where this gateway examined the presentation.
    pub examination_report: Option<Value>,
    pub advices: Vec<&'static str>,
    pub history: Vec<HistoryRecord>,
}

pub async fn credit_detail(gw: &Gateway, org: &str, id: &str) -> Result<CreditDetail, ApiError> {
    let view = gw.instrument(id).await?;
    let lc = as_credit(&view)?;
    if roles_of(lc, org).is_empty() {
        return Err(ApiError::Forbidden(format!(
            "organization '{org}' is no party to credit {id}"
        )));
    }
    let examination_report = lc
        .presentation
        .as_ref()
        .and_then(|p| p.examination.as_ref())
        .and_then(|e| e.report.as_ref())
        .and_then(|fp| gw.docs.report(&fp.to_string()));
    let history = gw
        .ledger
        .history(&actors::ledger::Digest(parse_digest(id, "id")?), None, 256)
        .await?;
    Ok(CreditDetail {
        credit: summary(&view.id, view.state.clone(), lc, org),
        terms: lc.terms.clone(),
        pending_amendment: lc.pending_amendment.clone(),
        presentation: lc.presentation.clone(),
        examination_report,
        advices: available_advices(lc),
        history,
    })
}

/// The advices that apply to the presentation's state.
pub fn available_advices(lc: &LcInstrument) -> Vec<&'static str> {
    let Some(p) = &lc.presentation else {
        return Vec::new();
    };
    use PresentationState::*;
    match p.state {
        ExaminedDiscrepant | WaiverSought | Waived | NotWaived => vec!["mt750"],
        Refused => vec!["mt750", "mt734"],
        Honoured => vec!["mt754"],
        Presented | ExaminedCompliant => Vec::new(),
    }
}

/// The SWIFT text of one advice for the credit's presentation.
pub async fn advice(gw: &Gateway, org: &str, id: &str, message: &str) -> Result<String, ApiError> {
    let view = gw.instrument(id).await?;
    let lc = as_credit(&view)?;
    if roles_of(lc, org).is_empty() {
        return Err(ApiError::Forbidden(format!(
            "organization '{org}' is no party to credit {id}"
        )));
    }
    if !available_advices(lc).contains(&message) {
        return Err(ApiError::NotFound(format!(
            "advice '{message}' for this credit in its state (available: {})",
            available_advices(lc).join(", ")
        )));
    }
    let p = lc
        .presentation
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("presentation".into()))?;
    let date = lc
        .history
        .last()
        .map(|e| e.date)
        .unwrap_or(lc.terms.expiry_date);
    let discrepancies = p
        .examination
        .as_ref()
        .map(|e| e.discrepancies.clone())
        .unwrap_or_default();
    let reference = lc.terms.reference.clone();
    let sender = format!("{}/{}", &id[..8.min(id.len())], message.to_uppercase());
    let text = match message {
        "mt734" => advice::mt734(&advice::RefusalAdvice {
            sender_reference: sender,
            related_reference: reference,
            date,
            currency: p.currency,
            amount: p.amount,
            discrepancies,
            disposal: Disposal {
                code: DisposalCode::Hold,
                narrative: Some("DOCUMENTS HELD PENDING YOUR INSTRUCTIONS".into()),
            },
        }),
        "mt750" => advice::mt750(&advice::DiscrepancyAdvice {
            sender_reference: sender,
            related_reference: reference,
            currency: p.currency,
            amount: p.amount,
            discrepancies,
        }),
        _ => advice::mt754(&advice::PaymentAdvice {
            sender_reference: sender,
            related_reference: reference,
            date: Some(date),
            currency: p.currency,
            amount: p.amount,
            sender_to_receiver_info: None,
        }),
    };
    text.map_err(ApiError::internal)
}

/// A document for a caller: what is anchored, the grants, which instruments use it, and —
/// for the owner — who read it.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentDetail {
    pub anchor: actors::ledger::AnchorRecord,
    pub uses: Vec<actors::ledger::DocumentUse>,
    /// What this gateway stores of it, for its owner.
    pub stored: Option<DocMeta>,
    /// The reads by other organizations, for its owner.
    pub reads: Vec<ReadLogEntry>,
}

pub async fn document_detail(
    gw: &Gateway,
    org: &str,
    fp_hex: &str,
) -> Result<DocumentDetail, ApiError> {
    let fp = parse_digest(fp_hex, "fingerprint")?;
    let anchor = gw
        .anchor(&fp)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("anchored document {fp_hex}")))?;
    let uses = gw.ledger.document_uses(&fp).await?;
    let stored: Option<DocMeta> = gw.docs.meta(fp_hex).filter(|m| m.org == org);
    let reads: Vec<ReadLogEntry> = if anchor.issuer == org {
        gw.docs.reads_of(fp_hex, 100)
    } else {
        Vec::new()
    };
    Ok(DocumentDetail {
        anchor,
        uses,
        stored,
        reads,
    })
}

/// What the verify page shows for the first anchored candidate fingerprint: by whom, when,
/// with what status; or that none is anchored.
pub async fn verify(gw: &Gateway, candidates: &[[u8; 32]]) -> Result<Arc<Value>, ApiError> {
    let mut first = None;
    for fp in candidates {
        let answer = verify_one(gw, fp).await?;
        if answer["anchored"] == true {
            return Ok(answer);
        }
        first.get_or_insert(answer);
    }
    first.ok_or_else(|| ApiError::field("fingerprint", "no fingerprint to verify"))
}

/// The verify answer for one fingerprint, from the read cache when it holds one for the
/// newest committed height.
async fn verify_one(gw: &Gateway, fp: &[u8; 32]) -> Result<Arc<Value>, ApiError> {
    if let Some(answer) = gw.reads.answer(fp) {
        return Ok(answer);
    }
    let height = gw.reads.height();
    let answer = Arc::new(match gw.anchor(fp).await? {
        Some(anchor) => {
            let uses = gw.ledger.document_uses(fp).await?;
            json!({
                "anchored": true,
                "fingerprint": hex::encode(fp),
                "kind": anchor.kind,
                "title": anchor.title,
                "issuer": anchor.issuer,
                "jurisdiction": anchor.jurisdiction,
                "anchored_at_height": anchor.height,
                "anchored_at_ms": anchor.time_ms,
                "uses": uses,
            })
        }
        None => json!({
            "anchored": false,
            "fingerprint": hex::encode(fp),
            "message": "no anchored document has this fingerprint: the file is not the one anchored, or it was altered",
        }),
    });
    if let Some(height) = height {
        gw.reads.keep(*fp, height, answer.clone());
    }
    Ok(answer)
}

/// Verifies a file: its document fingerprint if it reads as a trade document, else (and
/// also) the SHA-256 of its bytes.
pub async fn verify_bytes(gw: &Gateway, bytes: &[u8]) -> Result<Arc<Value>, ApiError> {
    let mut candidates = Vec::new();
    if let Ok(analysis) = docstore::analyze_document(bytes) {
        candidates.push(analysis.fingerprint);
    }
    candidates.push(docstore::sha256(bytes));
    verify(gw, &candidates).await
}

/// One invoice in a list.
#[derive(Clone, Debug, Serialize)]
pub struct InvoiceSummary {
    pub id: String,
    pub number: String,
    pub state: String,
    pub currency: trade_docs::Currency,
    pub total: Decimal,
    pub seller: String,
    pub buyer: String,
    pub holder: String,
    /// The financed amount, shown only to the seller, the holder and the financier.
    pub financed: Option<Decimal>,
    pub financier: Option<String>,
}

pub async fn invoices_of(gw: &Gateway, org: &str) -> Result<Vec<InvoiceSummary>, ApiError> {
    let views = gw.ledger.instruments_of(org, None, LIST_MAX).await?;
    Ok(views
        .into_iter()
        .filter_map(|view| match view.instrument {
            actors::ledger::AnyInstrument::Invoice(inv) => {
                Some(invoice_summary(&view.id, &view.state, &inv))
            }
            _ => None,
        })
        .collect())
}

/// An invoice for a caller: in full for its parties (seller, buyer, holder, financier); for
/// any other organization — a bank considering financing it — only its terms and state, never
/// who financed it.
pub async fn invoice_detail(gw: &Gateway, org: &str, id: &str) -> Result<Value, ApiError> {
    let view = gw.instrument(id).await?;
    let actors::ledger::AnyInstrument::Invoice(inv) = &view.instrument else {
        return Err(ApiError::NotFound(format!("invoice {id}")));
    };
    let party = [&inv.parties.seller, &inv.parties.buyer, &inv.holder].contains(&&org.to_string())
        || inv.financing.as_ref().is_some_and(|f| f.financier == org);
    if party {
        return Ok(
            json!({ "invoice": invoice_summary(&view.id, &view.state, inv), "instrument": view }),
        );
    }
    Ok(json!({
        "invoice": {
            "id": view.id,
            "number": inv.terms.number,
            "state": view.state,
            "currency": inv.terms.currency,
            "total": inv.terms.total,
            "seller": inv.parties.seller,
            "buyer": inv.parties.buyer,
        }
    }))
}

fn invoice_summary(id: &str, state: &str, inv: &InvoiceInstrument) -> InvoiceSummary {
    InvoiceSummary {
        id: id.to_string(),
        number: inv.terms.number.clone(),
        state: state.to_string(),
        currency: inv.terms.currency,
        total: inv.terms.total,
        seller: inv.parties.seller.clone(),
        buyer: inv.parties.buyer.clone(),
        holder: inv.holder.clone(),
        financed: inv.financing.as_ref().map(|f| f.amount),
        financier: inv.financing.as_ref().map(|f| f.financier.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banking_days_skip_weekends() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        // 2026-04-24 is a Friday.
        let cases = [
            ("2026-04-24", 1, "2026-04-27"),
            ("2026-04-24", 5, "2026-05-01"),
            ("2026-04-25", 1, "2026-04-27"),
            ("2026-04-20", 5, "2026-04-27"),
            ("2026-04-20", 0, "2026-04-20"),
        ];
        for (from, days, expected) in cases {
            assert_eq!(
                add_banking_days(d(from), days),
                d(expected),
                "{from} + {days}"
            );
        }
    }
}
