//! Every state-changing operation of the gateway, as a [`Command`]: one value the API and the
//! pages build alike, that maker/checker can hold for a second user, and that
//! [`execute`] turns into signed ledger transactions for the caller's organization.
//!
//! Pure parts (parsing bodies into documents, resolving parties, choosing the role an
//! organization acts in) are functions of their inputs; `execute` is the shell that reads the
//! ledger, stores documents and submits. A command submits its transactions one after the
//! other and stops at the first the ledger rejects, reporting that rejection; what committed
//! before stays committed and is reported too (nothing is half-written inside one
//! transaction, and every earlier step — an anchor, a grant — is valid on its own).

use actors::ledger::{Committed, InstrumentAction, InstrumentRecord, ParticipantRecord, TxBody};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use trade_docs::document::{LcAmendment, LetterOfCredit};
use trade_docs::instrument::{
    AmendmentTerms, InvoiceAction, InvoiceParties, InvoiceTerms, LcAction, LcParties, LcTerms,
    PresentationAction, PresentationSubmission, Role,
};
use trade_docs::{formats, Decimal, Document, Fingerprint};

use crate::auth::users::User;
use crate::docstore::{self, DocMeta};
use crate::error::ApiError;
use crate::gateway::{now_unix_s, parse_digest, Gateway};

/// A state-changing request, as held for approval and as executed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Issue a credit from an MT700 (`text/plain`) or a JSON body.
    IssueLc {
        body: String,
        content_type: String,
    },
    /// Propose an amendment from an MT707 (`text/plain`) or a JSON amendment document.
    AmendLc {
        lc: String,
        body: String,
        content_type: String,
    },
    /// One of the credit's simple actions.
    LcAct {
        lc: String,
        verb: LcVerb,
    },
    /// Present anchored documents under a credit (granting the examining banks access).
    Present {
        lc: String,
        documents: Vec<String>,
    },
    /// Run the UCP 600 examination of the credit's presentation and record it.
    Examine {
        lc: String,
    },
    /// Register an invoice from CII XML or a JSON invoice document.
    RegisterInvoice {
        body: String,
        content_type: String,
    },
    FinanceInvoice {
        invoice: String,
        amount: Decimal,
    },
    RepayInvoice {
        invoice: String,
    },
    AssignInvoice {
        invoice: String,
        assignee: String,
    },
    /// Let another organization read an anchored document's bytes.
    Grant {
        fingerprint: String,
        grantee: String,
    },
}

/// The credit actions that carry no payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LcVerb {
    Advise,
    AddConfirmation,
    AcceptAmendment,
    RejectAmendment,
    ProposeCancellation,
    ConsentToCancellation,
    RefuseCancellation,
    SeekWaiver,
    Waive,
    DeclineWaiver,
    Honour,
    Refuse,
    Settle,
}

impl LcVerb {
    pub const ALL: [LcVerb; 13] = [
        LcVerb::Advise,
        LcVerb::AddConfirmation,
        LcVerb::AcceptAmendment,
        LcVerb::RejectAmendment,
        LcVerb::ProposeCancellation,
        LcVerb::ConsentToCancellation,
        LcVerb::RefuseCancellation,
        LcVerb::SeekWaiver,
        LcVerb::Waive,
        LcVerb::DeclineWaiver,
        LcVerb::Honour,
        LcVerb::Refuse,
        LcVerb::Settle,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            LcVerb::Advise => "advise",
            LcVerb::AddConfirmation => "add_confirmation",
            LcVerb::AcceptAmendment => "accept_amendment",
            LcVerb::RejectAmendment => "reject_amendment",
            LcVerb::ProposeCancellation => "propose_cancellation",
            LcVerb::ConsentToCancellation => "consent_to_cancellation",
            LcVerb::RefuseCancellation => "refuse_cancellation",
            LcVerb::SeekWaiver => "seek_waiver",
            LcVerb::Waive => "waive",
            LcVerb::DeclineWaiver => "decline_waiver",
            LcVerb::Honour => "honour",
            LcVerb::Refuse => "refuse",
            LcVerb::Settle => "settle",
        }
    }

    pub fn parse(text: &str) -> Option<LcVerb> {
        LcVerb::ALL.into_iter().find(|v| v.as_str() == text)
    }

    fn action(self) -> LcAction {
        let p = LcAction::Presentation;
        match self {
            LcVerb::Advise => LcAction::Advise,
            LcVerb::AddConfirmation => LcAction::AddConfirmation,
            LcVerb::AcceptAmendment => LcAction::AcceptAmendment,
            LcVerb::RejectAmendment => LcAction::RejectAmendment,
            LcVerb::ProposeCancellation => LcAction::ProposeCancellation,
            LcVerb::ConsentToCancellation => LcAction::ConsentToCancellation,
            LcVerb::RefuseCancellation => LcAction::RefuseCancellation,
            LcVerb::SeekWaiver => p(PresentationAction::SeekWaiver),
            LcVerb::Waive => p(PresentationAction::Waive),
            LcVerb::DeclineWaiver => p(PresentationAction::DeclineWaiver),
            LcVerb::Honour => p(PresentationAction::Honour),
            LcVerb::Refuse => p(PresentationAction::Refuse),
            LcVerb::Settle => LcAction::Settle,
        }
    }
}

impl Command {
    /// The action's name, as maker/checker configuration names it.
    pub fn name(&self) -> &'static str {
        match self {
            Command::IssueLc { .. } => "issue_lc",
            Command::AmendLc { .. } => "amend_lc",
            Command::LcAct { verb, .. } => verb.as_str(),
            Command::Present { .. } => "present",
            Command::Examine { .. } => "examine",
            Command::RegisterInvoice { .. } => "register_invoice",
            Command::FinanceInvoice { .. } => "finance",
            Command::RepayInvoice { .. } => "repay",
            Command::AssignInvoice { .. } => "assign",
            Command::Grant { .. } => "grant",
        }
    }

    /// One line for the approver.
    pub fn summary(&self) -> String {
        match self {
            Command::IssueLc { content_type, .. } => format!("issue a credit ({content_type})"),
            Command::AmendLc { lc, .. } => format!("amend credit {}", short(lc)),
            Command::LcAct { lc, verb } => format!("{} on credit {}", verb.as_str(), short(lc)),
            Command::Present { lc, documents } => {
                format!("present {} documents under {}", documents.len(), short(lc))
            }
            Command::Examine { lc } => format!("examine the presentation under {}", short(lc)),
            Command::RegisterInvoice { .. } => "register an invoice".into(),
            Command::FinanceInvoice { invoice, amount } => {
                format!("finance invoice {} for {amount}", short(invoice))
            }
            Command::RepayInvoice { invoice } => format!("record repayment of {}", short(invoice)),
            Command::AssignInvoice { invoice, assignee } => {
                format!("assign invoice {} to {assignee}", short(invoice))
            }
            Command::Grant {
                fingerprint,
                grantee,
            } => format!("grant {grantee} access to {}", short(fingerprint)),
        }
    }
}

fn short(hex: &str) -> &str {
    hex.get(..12).unwrap_or(hex)
}

/// Executes `command` for `user`; the answer is the JSON the API returns.
pub async fn execute(gw: &Gateway, user: &User, command: Command) -> Result<Value, ApiError> {
    match command {
        Command::IssueLc { body, content_type } => issue_lc(gw, user, &body, &content_type).await,
        Command::AmendLc {
            lc,
            body,
            content_type,
        } => amend_lc(gw, user, &lc, &body, &content_type).await,
        Command::LcAct { lc, verb } => {
            let view = gw.instrument(&lc).await?;
            let credit = as_credit(&view)?;
            let action = verb.action();
            // The advising bank becomes the confirming bank by adding its confirmation, so it
            // claims that role before it holds it; the ledger checks it is the advising bank.
            let confirming =
                verb == LcVerb::AddConfirmation && credit.parties.advising_bank == user.org;
            let role = if confirming {
                Role::ConfirmingBank
            } else {
                acting_role(
                    action.permitted_roles(),
                    |r| credit.parties.holder(r),
                    &user.org,
                )?
            };
            act(gw, user, &lc, role, InstrumentAction::Lc(action)).await
        }
        Command::Present { lc, documents } => present(gw, user, &lc, &documents).await,
        Command::Examine { lc } => crate::exam::examine(gw, &user.org, &lc).await,
        Command::RegisterInvoice { body, content_type } => {
            register_invoice(gw, user, &body, &content_type).await
        }
        Command::FinanceInvoice { invoice, amount } => {
            let action = InvoiceAction::Finance { amount };
            act_on_invoice(gw, user, &invoice, Role::Financier, action).await
        }
        Command::RepayInvoice { invoice } => {
            let action = InvoiceAction::RecordRepayment;
            act_on_invoice(gw, user, &invoice, Role::Financier, action).await
        }
        Command::AssignInvoice { invoice, assignee } => {
            let action = InvoiceAction::Assign { assignee };
            act_on_invoice(gw, user, &invoice, Role::Seller, action).await
        }
        Command::Grant {
            fingerprint,
            grantee,
        } => {
            let fp = parse_digest(&fingerprint, "fingerprint")?;
            let committed = gw
                .submit_applied(
                    &user.org,
                    TxBody::GrantAccess {
                        fingerprint: fp,
                        grantee,
                    },
                )
                .await?;
            Ok(json!({ "committed": committed, "anchor": gw.anchor(&fp).await? }))
        }
    }
}

/// The role `org` acts in: the first of `permitted` it holds on the instrument.
pub fn acting_role<'a>(
    permitted: &[Role],
    holder: impl Fn(Role) -> Option<&'a str>,
    org: &str,
) -> Result<Role, ApiError> {
    permitted
        .iter()
        .copied()
        .find(|role| holder(*role) == Some(org))
        .ok_or_else(|| {
            let names: Vec<&str> = permitted.iter().map(|r| r.as_str()).collect();
            ApiError::Forbidden(format!(
                "organization '{org}' is not the {} of this credit",
                names.join(" or ")
            ))
        })
}

async fn act(
    gw: &Gateway,
    user: &User,
    id: &str,
    role: Role,
    action: InstrumentAction,
) -> Result<Value, ApiError> {
    let instrument = actors::ledger::Digest(parse_digest(id, "id")?);
    let committed = gw
        .submit_applied(
            &user.org,
            TxBody::Act {
                instrument,
                role,
                action,
            },
        )
        .await?;
    answer(gw, &committed, id).await
}

async fn act_on_invoice(
    gw: &Gateway,
    user: &User,
    id: &str,
    role: Role,
    action: InvoiceAction,
) -> Result<Value, ApiError> {
    act(gw, user, id, role, InstrumentAction::Invoice(action)).await
}

async fn answer(gw: &Gateway, committed: &Committed, id: &str) -> Result<Value, ApiError> {
    let view = gw.instrument(id).await?;
    Ok(json!({ "committed": committed, "instrument": view }))
}

pub fn as_credit(
    view: &InstrumentRecord,
) -> Result<&trade_docs::instrument::LcInstrument, ApiError> {
    match &view.instrument {
        actors::ledger::AnyInstrument::LetterOfCredit(lc) => Ok(lc),
        _ => Err(ApiError::NotFound(format!("letter of credit {}", view.id))),
    }
}

/// Parses a body as a document: `text/plain` as SWIFT, JSON and XML by their importers.
pub fn parse_body(body: &str, content_type: &str) -> Result<Document, ApiError> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let format = match essence {
        "text/plain" => formats::sniff(body.as_bytes()),
        "application/json" => formats::Format::Json,
        "application/xml" | "text/xml" => formats::Format::Cii,
        other => {
            return Err(ApiError::UnsupportedMediaType {
                found: other.to_string(),
                expected: "text/plain (SWIFT), application/json or application/xml (CII)".into(),
            })
        }
    };
    formats::import(body.as_bytes(), format).map_err(|e| ApiError::field("body", e.to_string()))
}

/// A JSON issue request is either a credit document, or `{"credit": <document>, "parties":
/// {...}}` naming the ledger parties explicitly.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueRequest {
    credit: Value,
    #[serde(default)]
    parties: Option<PartyOverrides>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartyOverrides {
    advising_bank: Option<String>,
    applicant: Option<String>,
    beneficiary: Option<String>,
}

fn parse_credit(
    body: &str,
    content_type: &str,
) -> Result<(LetterOfCredit, PartyOverrides, String), ApiError> {
    let wrapped = content_type.starts_with("application/json")
        && serde_json::from_str::<Value>(body)
            .map(|v| v.get("credit").is_some())
            .unwrap_or(false);
    let (doc_text, overrides) = if wrapped {
        let request: IssueRequest = serde_json::from_str(body)
            .map_err(|e| ApiError::field("body", format!("line {}: {e}", e.line())))?;
        (
            request.credit.to_string(),
            request.parties.unwrap_or_default(),
        )
    } else {
        (body.to_string(), PartyOverrides::default())
    };
    match parse_body(&doc_text, content_type)? {
        Document::LetterOfCredit(lc) => Ok((lc, overrides, doc_text)),
        other => Err(ApiError::field(
            "kind",
            format!("expected a letter_of_credit, found a {}", other.kind()),
        )),
    }
}

/// The ledger party id of a name or id on a document: a registered organization whose id or
/// name matches, ignoring case and surrounding blanks.
pub fn resolve_party(
    participants: &[ParticipantRecord],
    field: &str,
    name_or_id: &str,
) -> Result<String, ApiError> {
    let wanted = name_or_id.trim().to_uppercase();
    let bic8 = |s: &str| s.trim_end_matches("XXX").to_string();
    participants
        .iter()
        .filter(|p| !p.revoked)
        .find(|p| {
            let org = p.participant.org.to_uppercase();
            org == wanted
                || p.participant.name.to_uppercase() == wanted
                || (wanted.len() >= 8 && bic8(&org) == bic8(&wanted))
        })
        .map(|p| p.participant.org.clone())
        .ok_or_else(|| {
            ApiError::field(
                field,
                format!("'{name_or_id}' is not a registered participant"),
            )
        })
}

fn lc_parties(
    credit: &LetterOfCredit,
    issuer: &str,
    overrides: &PartyOverrides,
    participants: &[ParticipantRecord],
) -> Result<LcParties, ApiError> {
    if let Some(bic) = &credit.issuing_bank {
        let resolved = resolve_party(participants, "issuing_bank", bic.as_str())?;
        if resolved != issuer {
            return Err(ApiError::Forbidden(format!(
                "field 'issuing_bank': the credit names {bic}, but you sign for '{issuer}'"
            )));
        }
    }
    let advising =
        match (&overrides.advising_bank, &credit.advising_bank) {
            (Some(id), _) => id.clone(),
            (None, Some(bic)) => bic.as_str().to_string(),
            (None, None) => return Err(ApiError::field(
                "parties.advising_bank",
                "the credit names no advising bank (MT700 receiver); give parties.advising_bank",
            )),
        };
    let pick = |o: &Option<String>, d: &str| o.clone().unwrap_or_else(|| d.to_string());
    Ok(LcParties {
        issuing_bank: issuer.to_string(),
        advising_bank: resolve_party(participants, "parties.advising_bank", &advising)?,
        applicant: resolve_party(
            participants,
            "applicant.name",
            &pick(&overrides.applicant, &credit.applicant.name),
        )?,
        beneficiary: resolve_party(
            participants,
            "beneficiary.name",
            &pick(&overrides.beneficiary, &credit.beneficiary.name),
        )?,
        confirming_bank: None,
        nominated_bank: None,
    })
}

/// Stores a document's bytes in this jurisdiction's store and anchors it (once).
pub async fn store_and_anchor(
    gw: &Gateway,
    user: &User,
    bytes: &[u8],
    content_type: &str,
    analysis: &docstore::Analysis,
) -> Result<(DocMeta, Option<Committed>), ApiError> {
    let meta = DocMeta {
        fingerprint: hex::encode(analysis.fingerprint),
        content_sha256: hex::encode(analysis.content_sha256),
        kind: analysis.kind.clone(),
        title: analysis.title.clone(),
        format: analysis.format.map(|f| f.to_string()),
        content_type: content_type.to_string(),
        size_bytes: bytes.len(),
        jurisdiction: gw.config.jurisdiction,
        org: user.org.clone(),
        uploaded_by: user.login.clone(),
        uploaded_unix_s: now_unix_s(),
    };
    if let Some(anchor) = gw.anchor(&analysis.fingerprint).await? {
        if anchor.issuer != user.org {
            return Err(ApiError::Conflict(format!(
                "document {} is already anchored by another organization",
                meta.fingerprint
            )));
        }
        let meta = gw.docs.put(bytes, meta).map_err(ApiError::internal)?;
        return Ok((meta, None));
    }
    let meta = gw.docs.put(bytes, meta).map_err(ApiError::internal)?;
    let body = TxBody::AnchorDocument {
        fingerprint: analysis.fingerprint,
        kind: analysis.kind.clone(),
        jurisdiction: gw.config.jurisdiction,
        title: analysis.title.clone(),
    };
    let committed = gw.submit_applied(&user.org, body).await?;
    Ok((meta, Some(committed)))
}

async fn store_document(
    gw: &Gateway,
    user: &User,
    document: Document,
    original: &str,
    content_type: &str,
) -> Result<(), ApiError> {
    let format = formats::sniff(original.as_bytes());
    let analysis = docstore::Analysis::of_document(original.as_bytes(), format, document);
    store_and_anchor(gw, user, original.as_bytes(), content_type, &analysis).await?;
    Ok(())
}

async fn issue_lc(
    gw: &Gateway,
    user: &User,
    body: &str,
    content_type: &str,
) -> Result<Value, ApiError> {
    let (credit, overrides, doc_text) = parse_credit(body, content_type)?;
    let participants = gw.ledger.participants().await?;
    let parties = lc_parties(&credit, &user.org, &overrides, &participants)?;
    let terms = LcTerms::of_credit(&credit).map_err(ApiError::internal)?;
    let document = Document::LetterOfCredit(credit);
    store_document(gw, user, document, &doc_text, content_type).await?;
    let open = TxBody::Open {
        role: Role::IssuingBank,
        action: InstrumentAction::Lc(LcAction::IssueLc { terms, parties }),
    };
    let committed = gw.submit_applied(&user.org, open).await?;
    answer(gw, &committed, &committed.tx).await
}

async fn amend_lc(
    gw: &Gateway,
    user: &User,
    lc: &str,
    body: &str,
    content_type: &str,
) -> Result<Value, ApiError> {
    let amendment: LcAmendment = match parse_body(body, content_type)? {
        Document::Amendment(a) => a,
        other => {
            return Err(ApiError::field(
                "kind",
                format!("expected an amendment (MT707), found a {}", other.kind()),
            ))
        }
    };
    let view = gw.instrument(lc).await?;
    let credit = as_credit(&view)?;
    if amendment.reference != credit.terms.reference {
        return Err(ApiError::field(
            "reference",
            format!(
                "the amendment is to credit {}, not {}",
                amendment.reference, credit.terms.reference
            ),
        ));
    }
    let terms = AmendmentTerms::of_amendment(&amendment).map_err(ApiError::internal)?;
    store_document(gw, user, Document::Amendment(amendment), body, content_type).await?;
    let action = InstrumentAction::Lc(LcAction::ProposeAmendment(terms));
    act(gw, user, lc, Role::IssuingBank, action).await
}

async fn present(
    gw: &Gateway,
    user: &User,
    lc: &str,
    documents: &[String],
) -> Result<Value, ApiError> {
    if documents.is_empty() || documents.len() > trade_docs::instrument::LIST_LEN_MAX {
        return Err(ApiError::field(
            "documents",
            format!(
                "present 1 to {} documents",
                trade_docs::instrument::LIST_LEN_MAX
            ),
        ));
    }
    let view = gw.instrument(lc).await?;
    let credit = as_credit(&view)?;
    if credit.parties.beneficiary != user.org {
        return Err(ApiError::Forbidden(format!(
            "only the beneficiary '{}' presents under this credit",
            credit.parties.beneficiary
        )));
    }
    let mut examiners = vec![credit.parties.issuing_bank.clone()];
    examiners.extend(credit.parties.nominated_bank.clone());
    examiners.extend(credit.parties.confirming_bank.clone());
    let mut fingerprints = Vec::new();
    let mut amount = None;
    for (i, hex_fp) in documents.iter().enumerate() {
        let field = format!("documents[{i}]");
        let fp = parse_digest(hex_fp, &field)?;
        let anchor = gw.anchor(&fp).await?.ok_or_else(|| {
            ApiError::field(field.clone(), format!("document {hex_fp} is not anchored"))
        })?;
        if anchor.issuer != user.org {
            return Err(ApiError::field(
                field,
                "you may present only documents you anchored",
            ));
        }
        if anchor.kind == "invoice" {
            amount = invoice_amount(gw, hex_fp);
        }
        for bank in &examiners {
            if !anchor.grants.iter().any(|g| &g.grantee == bank) {
                let grant = TxBody::GrantAccess {
                    fingerprint: fp,
                    grantee: bank.clone(),
                };
                gw.submit_applied(&user.org, grant).await?;
            }
        }
        fingerprints.push(Fingerprint(fp));
    }
    let (currency, amount) = amount.ok_or_else(|| {
        ApiError::field(
            "documents",
            "the presentation holds no invoice to draw its amount from",
        )
    })?;
    let submission = PresentationSubmission {
        documents: fingerprints,
        currency,
        amount,
    };
    let action = InstrumentAction::Presentation(PresentationAction::PresentDocuments(submission));
    act(gw, user, lc, Role::Beneficiary, action).await
}

/// The currency and total of an invoice held in this gateway's store.
fn invoice_amount(gw: &Gateway, fingerprint_hex: &str) -> Option<(trade_docs::Currency, Decimal)> {
    let meta = gw.docs.meta(fingerprint_hex)?;
    let bytes = gw.docs.read(&meta).ok()?;
    match formats::read(&bytes).ok()? {
        Document::Invoice(invoice) => Some((invoice.currency, invoice.total)),
        _ => None,
    }
}

async fn register_invoice(
    gw: &Gateway,
    user: &User,
    body: &str,
    content_type: &str,
) -> Result<Value, ApiError> {
    let invoice = match parse_body(body, content_type)? {
        Document::Invoice(invoice) => invoice,
        other => {
            return Err(ApiError::field(
                "kind",
                format!("expected an invoice, found a {}", other.kind()),
            ))
        }
    };
    let participants = gw.ledger.participants().await?;
    let seller = resolve_party(&participants, "seller.name", &invoice.seller.name)?;
    if seller != user.org {
        return Err(ApiError::Forbidden(format!(
            "field 'seller.name': the invoice's seller is '{seller}', but you sign for '{}'",
            user.org
        )));
    }
    let buyer = resolve_party(&participants, "buyer.name", &invoice.buyer.name)?;
    let terms = InvoiceTerms::of_invoice(&invoice);
    store_document(gw, user, Document::Invoice(invoice), body, content_type).await?;
    let open = TxBody::Open {
        role: Role::Seller,
        action: InstrumentAction::Invoice(InvoiceAction::RegisterInvoice {
            terms,
            parties: InvoiceParties { seller, buyer },
        }),
    };
    let committed = gw.submit_applied(&user.org, open).await?;
    answer(gw, &committed, &committed.tx).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use actors::ledger::{Participant, ParticipantRole};
    use trade_docs::Country;

    fn participant(org: &str, name: &str, revoked: bool) -> ParticipantRecord {
        ParticipantRecord {
            participant: Participant {
                org: org.into(),
                name: name.into(),
                country: Country::KZ,
                role: ParticipantRole::Bank,
                public_key: [1; 32],
                serial_hex: "01".into(),
                not_after_unix_s: 0,
            },
            revoked,
        }
    }

    #[test]
    fn parties_resolve_by_id_name_or_bic_and_never_to_a_revoked_one() {
        let registry = [
            participant("STCBKZKAXXX", "Steppe Commercial Bank", false),
            participant(
                "STEPPE AGRO MACHINERY LLP",
                "Steppe Agro Machinery LLP",
                false,
            ),
            participant("OLD BANK", "Old Bank", true),
        ];
        let cases = [
            ("STCBKZKA", Some("STCBKZKAXXX")),
            ("stcbkzkaxxx", Some("STCBKZKAXXX")),
            (
                " Steppe Agro Machinery LLP ",
                Some("STEPPE AGRO MACHINERY LLP"),
            ),
            ("Old Bank", None),
            ("Nobody", None),
        ];
        for (input, expected) in cases {
            let got = resolve_party(&registry, "applicant.name", input).ok();
            assert_eq!(got.as_deref(), expected, "{input}");
        }
        let err = resolve_party(&registry, "applicant.name", "Nobody").unwrap_err();
        assert_eq!(err.field_name(), Some("applicant.name"));
    }

    #[test]
    fn the_acting_role_is_the_one_the_organization_holds() {
        let holder = |role: Role| match role {
            Role::IssuingBank => Some("ISSUER"),
            Role::NominatedBank => Some("NOMINATED"),
            _ => None,
        };
        let banks = [Role::IssuingBank, Role::NominatedBank, Role::ConfirmingBank];
        assert_eq!(
            acting_role(&banks, holder, "NOMINATED").unwrap(),
            Role::NominatedBank
        );
        assert_eq!(
            acting_role(&banks, holder, "ISSUER").unwrap(),
            Role::IssuingBank
        );
        assert!(matches!(
            acting_role(&banks, holder, "X"),
            Err(ApiError::Forbidden(_))
        ));
    }

    #[test]
    fn bodies_parse_by_content_type_and_name_their_faults() {
        let lc = parse_body(trade_docs::demo::MT700_KHORGOS, "text/plain").unwrap();
        assert_eq!(lc.kind().as_str(), "letter_of_credit");
        let err = parse_body("x", "application/msword").unwrap_err();
        assert!(matches!(err, ApiError::UnsupportedMediaType { .. }));
        let err = parse_body(":20:ONLY\n", "text/plain").unwrap_err();
        assert_eq!(err.field_name(), Some("body"));
        let names: Vec<&str> = LcVerb::ALL.iter().map(|v| v.as_str()).collect();
        assert!(names.iter().all(|n| LcVerb::parse(n).is_some()));
        assert_eq!(LcVerb::parse("pay"), None);
    }
}
