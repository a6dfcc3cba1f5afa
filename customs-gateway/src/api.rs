//! The HTTP API under `/api/v1`: JSON in and out, and the outside formats where a user would
//! have them (MT700/MT707 as `text/plain`, CII as `application/xml`, files as multipart).
//!
//! Every route is listed once in [`ROUTES`], which the OpenAPI document is built from and a
//! test checks against what is served. Handlers are thin: authenticate, read a bounded body,
//! build a [`Command`] and hand it to maker/checker or [`commands::execute`]. A state-changing
//! call must carry an `Idempotency-Key` header; the same key twice is refused as a replay.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use trade_docs::Decimal;

use crate::auth::users::UserRole;
use crate::commands::{self, Command, LcVerb};
use crate::docstore;
use crate::error::ApiError;
use crate::gateway::{lock, now_unix_s, parse_digest, Caller, Gateway};
use crate::views;

/// One route of the API, for the OpenAPI document.
#[derive(Debug)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// `public`, `user`, or the roles allowed (`bank`, `exporter`, …).
    pub access: &'static str,
    /// Request body content types, if it takes a body.
    pub body: &'static [&'static str],
}

const JSON: &[&str] = &["application/json"];
const NONE: &[&str] = &[];

pub const ROUTES: &[Route] = &[
    Route { method: "get", path: "/api/v1/openapi.json", summary: "This document", access: "public", body: NONE },
    Route { method: "get", path: "/api/v1/status", summary: "The gateway's jurisdiction and its node's status", access: "public", body: NONE },
    Route { method: "post", path: "/api/v1/session", summary: "Sign in with login, password and TOTP code; sets the session cookie", access: "public", body: JSON },
    Route { method: "delete", path: "/api/v1/session", summary: "Sign out", access: "user", body: NONE },
    Route { method: "get", path: "/api/v1/me", summary: "The signed-in user and organization", access: "user", body: NONE },
    Route { method: "get", path: "/api/v1/participants", summary: "Registered participants", access: "user", body: NONE },
    Route { method: "get", path: "/api/v1/lcs", summary: "Letters of credit of the caller's organization, with balances and deadlines", access: "user", body: NONE },
    Route { method: "post", path: "/api/v1/lcs", summary: "Issue a letter of credit from an MT700 (text/plain) or JSON", access: "bank", body: &["text/plain", "application/json"] },
    Route { method: "get", path: "/api/v1/lcs/{id}", summary: "A credit: terms, parties, balance, deadlines, presentation, examination report, history", access: "user", body: NONE },
    Route { method: "post", path: "/api/v1/lcs/{id}/amendments", summary: "Propose an amendment from an MT707 (text/plain) or JSON", access: "bank", body: &["text/plain", "application/json"] },
    Route { method: "post", path: "/api/v1/lcs/{id}/actions/{action}", summary: "advise, add_confirmation, accept_amendment, reject_amendment, propose_cancellation, consent_to_cancellation, refuse_cancellation, seek_waiver, waive, decline_waiver, honour, refuse, settle", access: "user", body: NONE },
    Route { method: "post", path: "/api/v1/lcs/{id}/presentation", summary: "Present anchored documents under the credit: {\"documents\": [fingerprint, ...]}", access: "exporter", body: JSON },
    Route { method: "post", path: "/api/v1/lcs/{id}/presentation/examination", summary: "Run the UCP 600 examination now and record it", access: "bank", body: NONE },
    Route { method: "get", path: "/api/v1/lcs/{id}/advices/{message}", summary: "The SWIFT advice for the presentation: mt750 (discrepancies), mt734 (refusal), mt754 (payment)", access: "user", body: NONE },
    Route { method: "get", path: "/api/v1/documents", summary: "Documents the caller's organization uploaded", access: "user", body: NONE },
    Route { method: "post", path: "/api/v1/documents", summary: "Upload a document (multipart field 'file'; optional 'kind'); stored by content hash in this jurisdiction and anchored", access: "user", body: &["multipart/form-data"] },
    Route { method: "get", path: "/api/v1/documents/{fingerprint}", summary: "A document's anchor, grants, uses and (for its owner) reads", access: "user", body: NONE },
    Route { method: "get", path: "/api/v1/documents/{fingerprint}/content", summary: "A document's bytes: its owner, or under a ledger grant (each read logged)", access: "user", body: NONE },
    Route { method: "post", path: "/api/v1/documents/{fingerprint}/grants", summary: "Grant an organization access to the bytes: {\"grantee\": org}", access: "user", body: JSON },
    Route { method: "get", path: "/api/v1/verify/{fingerprint}", summary: "Is this fingerprint anchored, by whom, when, with what status", access: "public", body: NONE },
    Route { method: "post", path: "/api/v1/verify", summary: "Verify a file: its fingerprint computed and looked up", access: "public", body: &["application/octet-stream"] },
    Route { method: "get", path: "/api/v1/invoices", summary: "Invoices of the caller's organization", access: "user", body: NONE },
    Route { method: "post", path: "/api/v1/invoices", summary: "Register an invoice from CII XML (application/xml) or JSON", access: "exporter", body: &["application/xml", "application/json"] },
    Route { method: "get", path: "/api/v1/invoices/{id}", summary: "An invoice and its financing", access: "user", body: NONE },
    Route { method: "post", path: "/api/v1/invoices/{id}/finance", summary: "Finance the invoice: {\"amount\": \"200000.00\"}", access: "bank", body: JSON },
    Route { method: "post", path: "/api/v1/invoices/{id}/repay", summary: "Record the repayment", access: "bank", body: NONE },
    Route { method: "post", path: "/api/v1/invoices/{id}/assign", summary: "Assign the receivable: {\"assignee\": org}", access: "exporter", body: JSON },
    Route { method: "get", path: "/api/v1/approvals", summary: "Actions of the caller's organization awaiting a second user", access: "bank", body: NONE },
    Route { method: "post", path: "/api/v1/approvals/{id}/approve", summary: "Approve and execute a pending action (not by its maker)", access: "bank", body: NONE },
    Route { method: "post", path: "/api/v1/approvals/{id}/reject", summary: "Reject a pending action: {\"reason\": text}", access: "bank", body: JSON },
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/openapi.json", web::get().to(openapi))
            .route("/status", web::get().to(status))
            .route("/session", web::post().to(crate::pages::api_sign_in))
            .route("/session", web::delete().to(crate::pages::api_sign_out))
            .route("/me", web::get().to(me))
            .route("/participants", web::get().to(participants))
            .route("/lcs", web::get().to(list_lcs))
            .route("/lcs", web::post().to(issue_lc))
            .route("/lcs/{id}", web::get().to(show_lc))
            .route("/lcs/{id}/amendments", web::post().to(amend_lc))
            .route("/lcs/{id}/actions/{action}", web::post().to(lc_action))
            .route("/lcs/{id}/presentation", web::post().to(present))
            .route(
                "/lcs/{id}/presentation/examination",
                web::post().to(examine),
            )
            .route("/lcs/{id}/advices/{message}", web::get().to(advice))
            .route("/documents", web::get().to(list_documents))
            .route("/documents", web::post().to(upload))
            .route("/documents/{fp}", web::get().to(show_document))
            .route("/documents/{fp}/content", web::get().to(document_content))
            .route("/documents/{fp}/grants", web::post().to(grant))
            .route("/verify/{fp}", web::get().to(verify_fingerprint))
            .route("/verify", web::post().to(verify_file))
            .route("/invoices", web::get().to(list_invoices))
            .route("/invoices", web::post().to(register_invoice))
            .route("/invoices/{id}", web::get().to(show_invoice))
            .route("/invoices/{id}/finance", web::post().to(finance))
            .route("/invoices/{id}/repay", web::post().to(repay))
            .route("/invoices/{id}/assign", web::post().to(assign))
            .route("/approvals", web::get().to(list_approvals))
            .route("/approvals/{id}/approve", web::post().to(approve))
            .route("/approvals/{id}/reject", web::post().to(reject)),
    );
}

type Gw = web::Data<Arc<Gateway>>;
type Reply = Result<HttpResponse, ApiError>;

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}

async fn status(gw: Gw) -> Reply {
    let node = gw.ledger.status().await?;
    Ok(HttpResponse::Ok().json(json!({
        "jurisdiction": gw.config.jurisdiction,
        "node": node,
        "documents_held": gw.docs.len(),
    })))
}

async fn me(gw: Gw, req: HttpRequest) -> Reply {
    let caller = gw.signed_in(&req)?;
    Ok(HttpResponse::Ok()
        .json(json!({ "user": caller.user, "jurisdiction": gw.config.jurisdiction })))
}

async fn participants(gw: Gw, req: HttpRequest) -> Reply {
    gw.signed_in(&req)?;
    Ok(HttpResponse::Ok().json(gw.ledger.participants().await?))
}

/// Runs a command for an API caller: refuses a replay, holds it for a second user when
/// maker/checker asks, else executes it.
pub async fn run(gw: &Gateway, req: &HttpRequest, caller: &Caller, command: Command) -> Reply {
    gw.check_fresh(req, caller, None)?;
    dispatch(gw, caller, command).await
}

/// Holds `command` for approval when maker/checker asks for it, else executes it.
pub async fn dispatch(gw: &Gateway, caller: &Caller, command: Command) -> Reply {
    let user = &caller.user;
    if user.role == UserRole::Bank && gw.maker_checker.requires_checker(&user.org, command.name()) {
        let payload = serde_json::to_value(&command).map_err(ApiError::internal)?;
        let pending = lock(&gw.approvals)
            .propose(
                user,
                command.name(),
                command.summary(),
                payload,
                now_unix_s(),
            )
            .map_err(|e| ApiError::Conflict(e.to_string()))?;
        gw.save_approvals()?;
        return Ok(HttpResponse::Accepted().json(json!({
            "status": "pending_approval",
            "approval": pending,
        })));
    }
    let answer = commands::execute(gw, user, command).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Reads a request body of at most `limit` bytes.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::field("body", e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::TooLarge {
                size: body.len() + chunk.len(),
                limit,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// A UTF-8 text body, bounded, of one of `accepted` content types.
async fn text_body(
    gw: &Gateway,
    req: &HttpRequest,
    payload: web::Payload,
    accepted: &[&str],
) -> Result<(String, String), ApiError> {
    let ct = content_type(req);
    let essence = ct.split(';').next().unwrap_or("").trim().to_string();
    if !accepted.contains(&essence.as_str()) {
        return Err(ApiError::UnsupportedMediaType {
            found: essence,
            expected: accepted.join(" or "),
        });
    }
    let bytes = read_body(payload, gw.config.limits.body_bytes_max).await?;
    let text = String::from_utf8(bytes).map_err(|e| {
        ApiError::field(
            "body",
            format!("byte {}: not UTF-8 text", e.utf8_error().valid_up_to()),
        )
    })?;
    Ok((text, essence))
}

/// A JSON body parsed into `T`; errors name the line, column and field.
async fn json_body<T: DeserializeOwned>(
    gw: &Gateway,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    let (text, _) = text_body(gw, req, payload, JSON).await?;
    parse_json(&text)
}

pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| {
        ApiError::field(
            "body",
            format!("line {} column {}: {e}", e.line(), e.column()),
        )
    })
}

async fn list_lcs(gw: Gw, req: HttpRequest) -> Reply {
    let caller = gw.signed_in(&req)?;
    let credits = views::credits_of(&gw, &caller.user.org).await?;
    Ok(HttpResponse::Ok().json(credits))
}

async fn issue_lc(gw: Gw, req: HttpRequest, payload: web::Payload) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Bank])?;
    let (body, content_type) =
        text_body(&gw, &req, payload, &["text/plain", "application/json"]).await?;
    run(&gw, &req, &caller, Command::IssueLc { body, content_type }).await
}

async fn show_lc(gw: Gw, req: HttpRequest, id: web::Path<String>) -> Reply {
    let caller = gw.signed_in(&req)?;
    Ok(HttpResponse::Ok().json(views::credit_detail(&gw, &caller.user.org, &id).await?))
}

async fn amend_lc(gw: Gw, req: HttpRequest, id: web::Path<String>, payload: web::Payload) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Bank])?;
    let (body, content_type) =
        text_body(&gw, &req, payload, &["text/plain", "application/json"]).await?;
    let lc = id.into_inner();
    run(
        &gw,
        &req,
        &caller,
        Command::AmendLc {
            lc,
            body,
            content_type,
        },
    )
    .await
}

async fn lc_action(gw: Gw, req: HttpRequest, path: web::Path<(String, String)>) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Bank, UserRole::Exporter])?;
    let (lc, action) = path.into_inner();
    let verb = LcVerb::parse(&action).ok_or_else(|| {
        let names: Vec<&str> = LcVerb::ALL.iter().map(|v| v.as_str()).collect();
        ApiError::field(
            "action",
            format!("'{action}' is not one of {}", names.join(", ")),
        )
    })?;
    run(&gw, &req, &caller, Command::LcAct { lc, verb }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresentBody {
    documents: Vec<String>,
}

async fn present(gw: Gw, req: HttpRequest, id: web::Path<String>, payload: web::Payload) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Exporter])?;
    let body: PresentBody = json_body(&gw, &req, payload).await?;
    let command = Command::Present {
        lc: id.into_inner(),
        documents: body.documents,
    };
    run(&gw, &req, &caller, command).await
}

async fn examine(gw: Gw, req: HttpRequest, id: web::Path<String>) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Bank])?;
    run(
        &gw,
        &req,
        &caller,
        Command::Examine {
            lc: id.into_inner(),
        },
    )
    .await
}

pub(crate) async fn advice(gw: Gw, req: HttpRequest, path: web::Path<(String, String)>) -> Reply {
    let caller = gw.signed_in(&req)?;
    let (lc, message) = path.into_inner();
    let text = views::advice(&gw, &caller.user.org, &lc, &message).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(text))
}

async fn list_documents(gw: Gw, req: HttpRequest) -> Reply {
    let caller = gw.signed_in(&req)?;
    Ok(HttpResponse::Ok().json(gw.docs.of_org(&caller.user.org)))
}

/// An uploaded file: its bytes, content type and the declared kind.
#[derive(Debug)]
pub struct Upload {
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub kind: Option<String>,
}

/// Reads a multipart upload: field `file` (bounded), optional field `kind`; any other small
/// fields (a page form's CSRF token and form id) are returned beside it.
pub async fn read_upload_with_fields(
    mut form: Multipart,
    limit: usize,
) -> Result<(Upload, Vec<(String, String)>), ApiError> {
    let mut fields = Vec::new();
    let mut upload = Upload {
        bytes: Vec::new(),
        content_type: String::new(),
        kind: None,
    };
    let mut saw_file = false;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| ApiError::field("body", e.to_string()))?;
        let name = field.name().unwrap_or("").to_string();
        let ct = field.content_type().map(|m| m.essence_str().to_string());
        let mut bytes = Vec::new();
        let cap = if name == "file" { limit } else { 1024 };
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::field(name.clone(), e.to_string()))?;
            if bytes.len() + chunk.len() > cap {
                return Err(ApiError::TooLarge {
                    size: bytes.len() + chunk.len(),
                    limit: cap,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => {
                saw_file = true;
                upload.bytes = bytes;
                upload.content_type = ct.unwrap_or_else(|| "application/octet-stream".into());
            }
            "kind" => {
                let kind = String::from_utf8_lossy(&bytes).trim().to_string();
                upload.kind = (!kind.is_empty()).then_some(kind);
            }
            _ => fields.push((name, String::from_utf8_lossy(&bytes).into_owned())),
        }
        if fields.len() > 16 {
            return Err(ApiError::field("body", "too many form fields (at most 16)"));
        }
    }
    if !saw_file || upload.bytes.is_empty() {
        return Err(ApiError::field(
            "file",
            "the upload has no file, or it is empty",
        ));
    }
    Ok((upload, fields))
}

/// Stores and anchors an upload for `caller`.
pub async fn store_upload(
    gw: &Gateway,
    caller: &Caller,
    upload: &Upload,
) -> Result<Value, ApiError> {
    if !docstore::is_accepted(&upload.content_type) {
        return Err(ApiError::UnsupportedMediaType {
            found: upload.content_type.clone(),
            expected: "JSON, CBOR, CII XML, SWIFT text, PDF, PNG or JPEG".into(),
        });
    }
    if let Some(kind) = &upload.kind {
        if kind.len() > 64 || !kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(ApiError::field(
                "kind",
                "lower-case letters and '_', at most 64",
            ));
        }
    }
    let analysis = docstore::analyze(&upload.bytes, &upload.content_type, upload.kind.as_deref())
        .map_err(|e| ApiError::field("file", e.to_string()))?;
    let (meta, committed) = commands::store_and_anchor(
        gw,
        &caller.user,
        &upload.bytes,
        &upload.content_type,
        &analysis,
    )
    .await?;
    Ok(json!({ "document": meta, "anchored": committed }))
}

async fn upload(gw: Gw, req: HttpRequest, form: Multipart) -> Reply {
    let caller = gw.signed_in(&req)?;
    gw.check_fresh(&req, &caller, None)?;
    let (upload, _) = read_upload_with_fields(form, gw.config.limits.upload_bytes_max).await?;
    Ok(HttpResponse::Created().json(store_upload(&gw, &caller, &upload).await?))
}

async fn show_document(gw: Gw, req: HttpRequest, fp: web::Path<String>) -> Reply {
    let caller = gw.signed_in(&req)?;
    Ok(HttpResponse::Ok().json(views::document_detail(&gw, &caller.user.org, &fp).await?))
}

pub(crate) async fn document_content(gw: Gw, req: HttpRequest, fp: web::Path<String>) -> Reply {
    let fingerprint = parse_digest(&fp, "fingerprint")?;
    let (org, reader) = match gw.fetching_org(&req).await? {
        Some(vouched) => vouched,
        None => {
            let caller = gw.signed_in(&req)?;
            (caller.user.org, caller.user.login)
        }
    };
    let (meta, bytes) = gw.document_bytes(&fingerprint, &org, &reader).await?;
    Ok(HttpResponse::Ok()
        .content_type(meta.content_type)
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{}\"", meta.fingerprint),
        ))
        .body(bytes))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    grantee: String,
}

async fn grant(gw: Gw, req: HttpRequest, fp: web::Path<String>, payload: web::Payload) -> Reply {
    let caller = gw.signed_in(&req)?;
    let body: GrantBody = json_body(&gw, &req, payload).await?;
    let command = Command::Grant {
        fingerprint: fp.into_inner(),
        grantee: body.grantee,
    };
    run(&gw, &req, &caller, command).await
}

async fn verify_fingerprint(gw: Gw, fp: web::Path<String>) -> Reply {
    let fingerprint = parse_digest(&fp, "fingerprint")?;
    Ok(HttpResponse::Ok().json(views::verify(&gw, &[fingerprint]).await?.as_ref()))
}

async fn verify_file(gw: Gw, payload: web::Payload) -> Reply {
    let bytes = read_body(payload, gw.config.limits.upload_bytes_max).await?;
    Ok(HttpResponse::Ok().json(views::verify_bytes(&gw, &bytes).await?.as_ref()))
}

async fn list_invoices(gw: Gw, req: HttpRequest) -> Reply {
    let caller = gw.signed_in(&req)?;
    Ok(HttpResponse::Ok().json(views::invoices_of(&gw, &caller.user.org).await?))
}

async fn register_invoice(gw: Gw, req: HttpRequest, payload: web::Payload) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Exporter])?;
    let accepted = ["application/xml", "text/xml", "application/json"];
    let (body, content_type) = text_body(&gw, &req, payload, &accepted).await?;
    run(
        &gw,
        &req,
        &caller,
        Command::RegisterInvoice { body, content_type },
    )
    .await
}

async fn show_invoice(gw: Gw, req: HttpRequest, id: web::Path<String>) -> Reply {
    let caller = gw.signed_in(&req)?;
    Ok(HttpResponse::Ok().json(views::invoice_detail(&gw, &caller.user.org, &id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FinanceBody {
    amount: Decimal,
}

async fn finance(gw: Gw, req: HttpRequest, id: web::Path<String>, payload: web::Payload) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Bank])?;
    let body: FinanceBody = json_body(&gw, &req, payload).await?;
    let command = Command::FinanceInvoice {
        invoice: id.into_inner(),
        amount: body.amount,
    };
    run(&gw, &req, &caller, command).await
}

async fn repay(gw: Gw, req: HttpRequest, id: web::Path<String>) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Bank])?;
    run(
        &gw,
        &req,
        &caller,
        Command::RepayInvoice {
            invoice: id.into_inner(),
        },
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    assignee: String,
}

async fn assign(gw: Gw, req: HttpRequest, id: web::Path<String>, payload: web::Payload) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Exporter])?;
    let body: AssignBody = json_body(&gw, &req, payload).await?;
    let command = Command::AssignInvoice {
        invoice: id.into_inner(),
        assignee: body.assignee,
    };
    run(&gw, &req, &caller, command).await
}

async fn list_approvals(gw: Gw, req: HttpRequest) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Bank])?;
    Ok(HttpResponse::Ok().json(lock(&gw.approvals).pending_for(&caller.user.org)))
}

/// Approves a pending command as `caller` (not its maker) and executes it.
pub async fn approve_pending(gw: &Gateway, caller: &Caller, id: &str) -> Result<Value, ApiError> {
    let pending = lock(&gw.approvals)
        .approve(id, &caller.user, now_unix_s())
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    gw.save_approvals()?;
    let command: Command =
        serde_json::from_value(pending.payload.clone()).map_err(ApiError::internal)?;
    // The ledger transaction is signed by the organization; the maker and the checker are
    // both recorded in the gateway's log.
    tracing::info!(approval = %pending.id, maker = %pending.maker, checker = %caller.user.login, "approved");
    commands::execute(gw, &caller.user, command).await
}

async fn approve(gw: Gw, req: HttpRequest, id: web::Path<String>) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Bank])?;
    gw.check_fresh(&req, &caller, None)?;
    Ok(HttpResponse::Ok().json(approve_pending(&gw, &caller, &id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectBody {
    reason: String,
}

async fn reject(gw: Gw, req: HttpRequest, id: web::Path<String>, payload: web::Payload) -> Reply {
    let caller = gw.signed_in_as(&req, &[UserRole::Bank])?;
    gw.check_fresh(&req, &caller, None)?;
    let body: RejectBody = json_body(&gw, &req, payload).await?;
    let pending = lock(&gw.approvals)
        .reject(&id, &caller.user, &body.reason)
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    gw.save_approvals()?;
    Ok(HttpResponse::Ok().json(json!({ "rejected": pending })))
}
