//! The server-rendered pages (askama templates in `templates/`): sign-in, the exporter's and
//! the bank's desks, a credit with its examination report, documents, invoices, approvals, and
//! the public "verify a document" page.
//!
//! Pages build the same [`Command`]s as the API and go through the same maker/checker and
//! execution; a form carries the session's CSRF token and a one-time form id, so a resubmitted
//! form is refused as a replay. After a change the browser is redirected (303) to the page
//! that shows its result. No script is needed to use any page.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{self, Upload};
use crate::auth::approvals::Pending;
use crate::auth::users::{User, UserRole};
use crate::commands::{Command, LcVerb};
use crate::docstore::{DocMeta, ReadLogEntry};
use crate::error::ApiError;
use crate::gateway::{lock, now_unix_s, Caller, Gateway, SESSION_COOKIE};
use crate::text::{Text, EN};
use crate::views::{self, CreditSummary, InvoiceSummary};
use actors::ledger::AnchorRecord;

type Gw = web::Data<Arc<Gateway>>;

/// What every page's frame needs.
#[derive(Debug)]
pub struct Base {
    pub user: Option<User>,
    pub csrf: String,
    pub form_id: String,
    pub flash: Option<String>,
}

/// A page handler's error: the API error, rendered as a page.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError(e)
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: &'static Text,
    b: Base,
    status: u16,
    message: String,
}

impl ResponseError for PageError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let page = ErrorPage {
            t: &EN,
            b: Base {
                user: None,
                csrf: String::new(),
                form_id: String::new(),
                flash: None,
            },
            status: self.status_code().as_u16(),
            message: self.0.to_string(),
        };
        let html = page.render().unwrap_or_else(|_| self.0.to_string());
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .body(html)
    }
}

type Page = Result<HttpResponse, PageError>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/lcs/new", web::get().to(new_lc))
        .route("/lcs", web::post().to(issue_lc))
        .route("/lcs/{id}", web::get().to(show_lc))
        .route("/lcs/{id}/act", web::post().to(lc_act))
        .route("/lcs/{id}/present", web::post().to(present))
        .route("/lcs/{id}/amend", web::post().to(amend))
        .route("/lcs/{id}/advices/{message}", web::get().to(advice))
        .route("/documents", web::get().to(documents))
        .route("/documents", web::post().to(upload))
        .route("/documents/{fp}", web::get().to(document))
        .route("/documents/{fp}/content", web::get().to(content))
        .route("/documents/{fp}/grant", web::post().to(grant))
        .route("/invoices", web::get().to(invoices))
        .route("/invoices", web::post().to(register_invoice))
        .route("/invoices/finance", web::post().to(finance))
        .route("/invoices/{id}", web::get().to(invoice))
        .route("/invoices/{id}/repay", web::post().to(repay))
        .route("/invoices/{id}/assign", web::post().to(assign))
        .route("/approvals", web::get().to(approvals))
        .route("/approvals/{id}/approve", web::post().to(approve))
        .route("/approvals/{id}/reject", web::post().to(reject))
        .route("/verify", web::get().to(verify_page))
        .route("/verify", web::post().to(verify_upload));
}

fn html(page: impl Template) -> Page {
    let body = page.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

fn random_hex() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(hex::encode(bytes))
}

/// The frame for a signed-in or anonymous visitor, with a fresh form id.
fn base(caller: Option<&Caller>, req: &HttpRequest) -> Result<Base, ApiError> {
    let csrf = caller
        .and_then(|c| c.session.as_ref())
        .map(|(_, csrf)| csrf.clone())
        .unwrap_or_default();
    let flash = web::Query::<Flash>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().done);
    Ok(Base {
        user: caller.map(|c| c.user.clone()),
        csrf,
        form_id: random_hex()?,
        flash,
    })
}

#[derive(Deserialize)]
struct Flash {
    done: Option<String>,
}

fn done(to: &str, message: &str) -> HttpResponse {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("done", message)
        .finish();
    redirect(&format!("{to}?{query}"))
}

/// The signed-in page visitor; an anonymous one is sent to the sign-in page.
fn visitor(gw: &Gateway, req: &HttpRequest) -> Result<Result<Caller, HttpResponse>, ApiError> {
    match gw.caller(req) {
        Ok(Some(caller)) => Ok(Ok(caller)),
        Ok(None) | Err(ApiError::SessionExpired) | Err(ApiError::Unauthenticated(_)) => {
            Ok(Err(redirect("/login")))
        }
        Err(e) => Err(e),
    }
}

/// A submitted form's fields.
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Form {
        Form(form_urlencoded::parse(body).into_owned().collect())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn required(&self, name: &str) -> Result<String, ApiError> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .ok_or_else(|| ApiError::field(name, format!("field '{name}' is required")))
    }
}

/// Checks a form's CSRF token and one-time id for a signed-in page session.
fn fresh_form(gw: &Gateway, req: &HttpRequest, form: &Form) -> Result<Caller, ApiError> {
    let caller = gw.signed_in(req)?;
    let csrf = form.get("csrf").unwrap_or("");
    let form_id = form.get("form_id").unwrap_or("");
    if form_id.is_empty() {
        return Err(ApiError::field(
            "form_id",
            "the form has no form id; reload the page",
        ));
    }
    gw.check_fresh(req, &caller, Some((csrf, form_id)))?;
    Ok(caller)
}

/// Runs a command from a page and redirects to `to` with what happened, or to the approvals
/// page when the command waits for a second user.
async fn run(gw: &Gateway, caller: &Caller, command: Command, to: &str) -> Page {
    let name = command.name();
    let response = api::dispatch(gw, caller, command).await?;
    if response.status() == actix_web::http::StatusCode::ACCEPTED {
        let message = format!("{name}: waiting for a second user's approval");
        return Ok(done("/approvals", &message));
    }
    Ok(done(to, &format!("{name}: done, recorded on the ledger")))
}

// ---- sign-in ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: &'static Text,
    b: Base,
}

async fn login_page(req: HttpRequest) -> Page {
    html(LoginPage {
        t: &EN,
        b: base(None, &req)?,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    login: String,
    password: String,
    #[serde(default)]
    totp: Option<String>,
}

/// A refused sign-in as the client sees it: an unknown login and a wrong password read the
/// same, so that nobody learns which logins exist.
fn auth_error(e: crate::auth::users::AuthError) -> ApiError {
    use crate::auth::users::AuthError;
    match e {
        AuthError::Locked { until_unix_s } => ApiError::Locked {
            retry_after_s: until_unix_s.saturating_sub(now_unix_s()),
        },
        AuthError::BrokenRecord { .. } => ApiError::internal(e),
        other => ApiError::Unauthenticated(other.client_message()),
    }
}

/// Signs a user in; returns the session cookie and the CSRF token.
/// Argon2 takes tens of milliseconds by design, so it runs on actix's blocking pool, not on a
/// worker that serves other requests meanwhile.
async fn sign_in(gw: &Gw, form: SignIn) -> Result<(Cookie<'static>, User, String), ApiError> {
    let shared = Gw::clone(gw);
    let user = web::block(move || {
        let totp = form
            .totp
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        shared
            .users
            .authenticate_password(form.login.trim(), &form.password, totp, now_unix_s())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(auth_error)?;
    let session = lock(&gw.sessions)
        .create(user.clone(), now_unix_s())
        .map_err(ApiError::internal)?;
    let csrf = session.csrf_token;
    let cookie = Cookie::build(SESSION_COOKIE, session.session_id)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    Ok((cookie, user, csrf))
}

async fn login(gw: Gw, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let sign = SignIn {
        login: form.required("login")?,
        password: form.required("password")?,
        totp: form.get("totp").map(str::to_string),
    };
    let (cookie, _, _) = sign_in(&gw, sign).await?;
    Ok(HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((header::LOCATION, "/"))
        .finish())
}

pub async fn api_sign_in(gw: Gw, payload: web::Payload) -> Result<HttpResponse, ApiError> {
    let bytes = api::read_body(payload, 4096).await?;
    let form: SignIn = api::parse_json(&String::from_utf8_lossy(&bytes))?;
    let (cookie, user, csrf) = sign_in(&gw, form).await?;
    Ok(HttpResponse::Ok()
        .cookie(cookie)
        .json(json!({ "user": user, "csrf": csrf })))
}

pub async fn api_sign_out(gw: Gw, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let caller = gw.signed_in(&req)?;
    if let Some((id, _)) = caller.session {
        lock(&gw.sessions).remove(&id);
    }
    Ok(HttpResponse::NoContent().finish())
}

async fn logout(gw: Gw, req: HttpRequest, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    if let Some((id, _)) = caller.session {
        lock(&gw.sessions).remove(&id);
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((header::LOCATION, "/login"))
        .finish())
}

// ---- home and credits ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: &'static Text,
    b: Base,
    credits: Vec<CreditSummary>,
    invoices: Vec<InvoiceSummary>,
}

async fn home(gw: Gw, req: HttpRequest) -> Page {
    let caller = match visitor(&gw, &req)? {
        Ok(c) => c,
        Err(to_login) => return Ok(to_login),
    };
    let credits = views::credits_of(&gw, &caller.user.org).await?;
    let invoices = views::invoices_of(&gw, &caller.user.org).await?;
    html(HomePage {
        t: &EN,
        b: base(Some(&caller), &req)?,
        credits,
        invoices,
    })
}

#[derive(Template)]
#[template(path = "lc_new.html")]
struct NewLcPage {
    t: &'static Text,
    b: Base,
}

async fn new_lc(gw: Gw, req: HttpRequest) -> Page {
    let caller = match visitor(&gw, &req)? {
        Ok(c) => c,
        Err(to_login) => return Ok(to_login),
    };
    html(NewLcPage {
        t: &EN,
        b: base(Some(&caller), &req)?,
    })
}

fn body_and_type(form: &Form) -> Result<(String, String), ApiError> {
    let body = form.required("body")?.replace("\r\n", "\n");
    let content_type = form.get("content_type").unwrap_or("text/plain").to_string();
    Ok((body, content_type))
}

async fn issue_lc(gw: Gw, req: HttpRequest, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    let (body, content_type) = body_and_type(&form)?;
    run(&gw, &caller, Command::IssueLc { body, content_type }, "/").await
}

/// One row of the examination report as the page shows it.
#[derive(Debug)]
pub struct CheckRow {
    pub title: String,
    pub article: String,
    pub result: String,
    pub expected: String,
    pub found: String,
}

fn check_rows(report: &Value) -> Vec<CheckRow> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    report["checks"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .map(|c| CheckRow {
                    title: text(&c["title"]),
                    article: text(&c["article"]),
                    result: text(&c["outcome"]["result"]),
                    expected: text(&c["outcome"]["expected"]),
                    found: text(&c["outcome"]["found"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One history line.
#[derive(Debug)]
pub struct HistoryRow {
    pub height: u64,
    pub date: String,
    pub party_id: String,
    pub role: String,
    pub event: String,
}

#[derive(Template)]
#[template(path = "lc.html")]
struct LcPage {
    t: &'static Text,
    b: Base,
    c: CreditSummary,
    verbs: Vec<&'static str>,
    can_present: bool,
    can_amend: bool,
    my_documents: Vec<DocMeta>,
    presentation: Option<trade_docs::instrument::PresentationInstrument>,
    checks: Vec<CheckRow>,
    advices: Vec<&'static str>,
    history: Vec<HistoryRow>,
}

/// The verbs a user with `roles` on a credit in `state` may offer: the page shows only those
/// that the credit's state can take (the ledger still decides, and says why when it refuses).
fn verbs_for(roles: &[&str], role: UserRole, state: &str) -> Vec<&'static str> {
    use LcVerb::*;
    let in_state: &[LcVerb] = match state {
        "issued" => &[Advise, AddConfirmation, ProposeCancellation],
        "advised" => &[AddConfirmation, ProposeCancellation],
        "amendment_proposed" => &[AcceptAmendment, RejectAmendment],
        "cancellation_proposed" => &[ConsentToCancellation, RefuseCancellation],
        "presentation.examined_discrepant" => &[SeekWaiver, Honour, Refuse],
        "presentation.examined_compliant" | "presentation.waived" => &[Honour, Refuse],
        "presentation.waiver_sought" => &[Waive, DeclineWaiver],
        "presentation.not_waived" => &[Refuse],
        "presentation.honoured" => &[Settle],
        _ => &[],
    };
    let mut verbs = Vec::new();
    for r in roles {
        let by_role: &[LcVerb] = match (*r, role) {
            ("issuing_bank", UserRole::Bank) => {
                &[SeekWaiver, Honour, Refuse, Settle, ProposeCancellation]
            }
            ("advising_bank", UserRole::Bank) => &[Advise, AddConfirmation],
            ("nominated_bank" | "confirming_bank", UserRole::Bank) => &[SeekWaiver, Honour, Refuse],
            ("applicant", _) => &[Waive, DeclineWaiver],
            ("beneficiary", _) => &[
                AcceptAmendment,
                RejectAmendment,
                ConsentToCancellation,
                RefuseCancellation,
            ],
            _ => &[],
        };
        verbs.extend(
            by_role
                .iter()
                .filter(|v| in_state.contains(v))
                .map(|v| v.as_str()),
        );
    }
    verbs.dedup();
    verbs
}

async fn show_lc(gw: Gw, req: HttpRequest, id: web::Path<String>) -> Page {
    let caller = match visitor(&gw, &req)? {
        Ok(c) => c,
        Err(to_login) => return Ok(to_login),
    };
    let org = caller.user.org.clone();
    let detail = views::credit_detail(&gw, &org, &id).await?;
    let c = detail.credit;
    let history = detail
        .history
        .iter()
        .map(|h| HistoryRow {
            height: h.height,
            date: h.date.to_string(),
            party_id: h.party_id.clone(),
            role: h.role.to_string(),
            event: event_name(&h.event),
        })
        .collect();
    let is_beneficiary = c.roles.contains(&"beneficiary");
    let open = c.state == "issued" || c.state == "advised";
    html(LcPage {
        t: &EN,
        verbs: verbs_for(&c.roles, caller.user.role, &c.state),
        can_present: is_beneficiary && caller.user.role == UserRole::Exporter && open,
        can_amend: c.roles.contains(&"issuing_bank") && caller.user.role == UserRole::Bank && open,
        my_documents: if is_beneficiary {
            gw.docs.of_org(&org)
        } else {
            Vec::new()
        },
        presentation: detail.presentation,
        checks: detail
            .examination_report
            .as_ref()
            .map(check_rows)
            .unwrap_or_default(),
        advices: detail.advices,
        history,
        c,
        b: base(Some(&caller), &req)?,
    })
}

/// The innermost event name of a history event (`{"letter_of_credit": {"lc_issued": ..}}`).
fn event_name(event: &Value) -> String {
    let mut names = Vec::new();
    let mut current = event;
    while let Some(map) = current.as_object() {
        let Some((k, v)) = map.iter().next() else {
            break;
        };
        names.push(k.replace('_', " "));
        current = v;
    }
    if let Some(s) = current.as_str() {
        names.push(s.replace('_', " "));
    }
    names.last().cloned().unwrap_or_default()
}

async fn lc_act(gw: Gw, req: HttpRequest, id: web::Path<String>, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    let verb_text = form.required("verb")?;
    let verb = LcVerb::parse(&verb_text).ok_or_else(|| {
        ApiError::field(
            "verb",
            format!("'{verb_text}' is not an action on a credit"),
        )
    })?;
    let lc = id.into_inner();
    let to = format!("/lcs/{lc}");
    run(&gw, &caller, Command::LcAct { lc, verb }, &to).await
}

async fn present(gw: Gw, req: HttpRequest, id: web::Path<String>, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    let lc = id.into_inner();
    let to = format!("/lcs/{lc}");
    let documents = form.all("documents");
    run(&gw, &caller, Command::Present { lc, documents }, &to).await
}

async fn amend(gw: Gw, req: HttpRequest, id: web::Path<String>, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    let (body, content_type) = body_and_type(&form)?;
    let lc = id.into_inner();
    let to = format!("/lcs/{lc}");
    run(
        &gw,
        &caller,
        Command::AmendLc {
            lc,
            body,
            content_type,
        },
        &to,
    )
    .await
}

/// The advice text: the API's answer, with errors as a page.
async fn advice(gw: Gw, req: HttpRequest, path: web::Path<(String, String)>) -> Page {
    Ok(api::advice(gw, req, path).await?)
}

// ---- documents ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "documents.html")]
struct DocumentsPage {
    t: &'static Text,
    b: Base,
    documents: Vec<DocMeta>,
}

async fn documents(gw: Gw, req: HttpRequest) -> Page {
    let caller = match visitor(&gw, &req)? {
        Ok(c) => c,
        Err(to_login) => return Ok(to_login),
    };
    html(DocumentsPage {
        t: &EN,
        documents: gw.docs.of_org(&caller.user.org),
        b: base(Some(&caller), &req)?,
    })
}

/// Reads a multipart page form: the file, and the CSRF token and form id fields.
async fn upload_form(
    gw: &Gateway,
    req: &HttpRequest,
    form: Multipart,
) -> Result<(Caller, Upload), ApiError> {
    let (upload, fields) =
        api::read_upload_with_fields(form, gw.config.limits.upload_bytes_max).await?;
    let form = Form(fields);
    let caller = fresh_form(gw, req, &form)?;
    Ok((caller, upload))
}

async fn upload(gw: Gw, req: HttpRequest, form: Multipart) -> Page {
    let (caller, upload) = upload_form(&gw, &req, form).await?;
    let answer = api::store_upload(&gw, &caller, &upload).await?;
    let title = answer["document"]["title"]
        .as_str()
        .unwrap_or("document")
        .to_string();
    Ok(done("/documents", &format!("{title}: stored and anchored")))
}

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    t: &'static Text,
    b: Base,
    anchor: AnchorRecord,
    reads: Vec<ReadLogEntry>,
}

async fn document(gw: Gw, req: HttpRequest, fp: web::Path<String>) -> Page {
    let caller = match visitor(&gw, &req)? {
        Ok(c) => c,
        Err(to_login) => return Ok(to_login),
    };
    let detail = views::document_detail(&gw, &caller.user.org, &fp).await?;
    html(DocumentPage {
        t: &EN,
        anchor: detail.anchor,
        reads: detail.reads,
        b: base(Some(&caller), &req)?,
    })
}

/// A document's bytes: the API's answer, with errors as a page.
async fn content(gw: Gw, req: HttpRequest, fp: web::Path<String>) -> Page {
    Ok(api::document_content(gw, req, fp).await?)
}

async fn grant(gw: Gw, req: HttpRequest, fp: web::Path<String>, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    let command = Command::Grant {
        fingerprint: fp.into_inner(),
        grantee: form.required("grantee")?,
    };
    run(&gw, &caller, command, "/documents").await
}

// ---- invoices -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "invoices.html")]
struct InvoicesPage {
    t: &'static Text,
    b: Base,
    invoices: Vec<InvoiceSummary>,
}

async fn invoices(gw: Gw, req: HttpRequest) -> Page {
    let caller = match visitor(&gw, &req)? {
        Ok(c) => c,
        Err(to_login) => return Ok(to_login),
    };
    html(InvoicesPage {
        t: &EN,
        invoices: views::invoices_of(&gw, &caller.user.org).await?,
        b: base(Some(&caller), &req)?,
    })
}

async fn register_invoice(gw: Gw, req: HttpRequest, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    let (body, content_type) = body_and_type(&form)?;
    run(
        &gw,
        &caller,
        Command::RegisterInvoice { body, content_type },
        "/invoices",
    )
    .await
}

async fn finance(gw: Gw, req: HttpRequest, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    let invoice = form.required("invoice")?;
    let amount_text = form.required("amount")?;
    let amount = amount_text
        .parse()
        .map_err(|e| ApiError::field("amount", format!("'{amount_text}': {e}")))?;
    let to = format!("/invoices/{invoice}");
    run(
        &gw,
        &caller,
        Command::FinanceInvoice { invoice, amount },
        &to,
    )
    .await
}

async fn repay(gw: Gw, req: HttpRequest, id: web::Path<String>, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    let invoice = id.into_inner();
    let to = format!("/invoices/{invoice}");
    run(&gw, &caller, Command::RepayInvoice { invoice }, &to).await
}

async fn assign(gw: Gw, req: HttpRequest, id: web::Path<String>, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    let invoice = id.into_inner();
    let to = format!("/invoices/{invoice}");
    let assignee = form.required("assignee")?;
    run(
        &gw,
        &caller,
        Command::AssignInvoice { invoice, assignee },
        &to,
    )
    .await
}

#[derive(Template)]
#[template(path = "invoice.html")]
struct InvoicePage {
    t: &'static Text,
    b: Base,
    id: String,
    number: String,
    state: String,
    total: String,
    financed: Option<String>,
}

async fn invoice(gw: Gw, req: HttpRequest, id: web::Path<String>) -> Page {
    let caller = match visitor(&gw, &req)? {
        Ok(c) => c,
        Err(to_login) => return Ok(to_login),
    };
    let detail = views::invoice_detail(&gw, &caller.user.org, &id).await?;
    let inv = &detail["invoice"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    html(InvoicePage {
        t: &EN,
        id: text(&inv["id"]),
        number: text(&inv["number"]),
        state: text(&inv["state"]),
        total: format!("{} {}", text(&inv["currency"]), text(&inv["total"])),
        financed: inv["financed"].as_str().map(str::to_string),
        b: base(Some(&caller), &req)?,
    })
}

// ---- approvals ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    t: &'static Text,
    b: Base,
    pending: Vec<Pending>,
}

async fn approvals(gw: Gw, req: HttpRequest) -> Page {
    let caller = match visitor(&gw, &req)? {
        Ok(c) => c,
        Err(to_login) => return Ok(to_login),
    };
    let pending = lock(&gw.approvals).pending_for(&caller.user.org);
    html(ApprovalsPage {
        t: &EN,
        pending,
        b: base(Some(&caller), &req)?,
    })
}

async fn approve(gw: Gw, req: HttpRequest, id: web::Path<String>, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    api::approve_pending(&gw, &caller, &id).await?;
    Ok(done("/approvals", "approved and recorded on the ledger"))
}

async fn reject(gw: Gw, req: HttpRequest, id: web::Path<String>, body: web::Bytes) -> Page {
    let form = Form::parse(&body);
    let caller = fresh_form(&gw, &req, &form)?;
    let reason = form.required("reason")?;
    lock(&gw.approvals)
        .reject(&id, &caller.user, &reason)
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    gw.save_approvals()?;
    Ok(done("/approvals", "rejected"))
}

// ---- verify -------------------------------------------------------------------------------

/// What the verify page shows of a result.
#[derive(Debug)]
pub struct VerifyResult {
    pub anchored: bool,
    pub fingerprint: String,
    pub kind: String,
    pub title: String,
    pub issuer: String,
    pub jurisdiction: String,
    pub when: String,
    pub height: u64,
    pub uses: Vec<String>,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    t: &'static Text,
    b: Base,
    result: Option<VerifyResult>,
}

async fn verify_page(gw: Gw, req: HttpRequest) -> Page {
    let caller = gw.caller(&req).ok().flatten();
    html(VerifyPage {
        t: &EN,
        b: base(caller.as_ref(), &req)?,
        result: None,
    })
}

async fn verify_upload(gw: Gw, req: HttpRequest, form: Multipart) -> Page {
    let (upload, _) = api::read_upload_with_fields(form, gw.config.limits.upload_bytes_max).await?;
    let answer = views::verify_bytes(&gw, &upload.bytes).await?;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let when = answer["anchored_at_ms"]
        .as_u64()
        .and_then(|ms| time::OffsetDateTime::from_unix_timestamp((ms / 1000) as i64).ok())
        .map(|t| format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute()))
        .unwrap_or_default();
    let uses = answer["uses"]
        .as_array()
        .map(|u| {
            u.iter()
                .map(|x| format!("{} {}", text(&x["kind"]), text(&x["state"])))
                .collect()
        })
        .unwrap_or_default();
    let result = VerifyResult {
        anchored: answer["anchored"].as_bool().unwrap_or(false),
        fingerprint: text(&answer["fingerprint"]),
        kind: text(&answer["kind"]),
        title: text(&answer["title"]),
        issuer: text(&answer["issuer"]),
        jurisdiction: text(&answer["jurisdiction"]),
        when,
        height: answer["anchored_at_height"].as_u64().unwrap_or_default(),
        uses,
    };
    let caller = gw.caller(&req).ok().flatten();
    html(VerifyPage {
        t: &EN,
        b: base(caller.as_ref(), &req)?,
        result: Some(result),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_offer_the_verbs_of_the_role_and_the_state() {
        let cases: [(&[&str], UserRole, &str, &[&str]); 6] = [
            (
                &["advising_bank"],
                UserRole::Bank,
                "issued",
                &["advise", "add_confirmation"],
            ),
            (
                &["issuing_bank"],
                UserRole::Bank,
                "presentation.examined_discrepant",
                &["seek_waiver", "honour", "refuse"],
            ),
            (
                &["applicant"],
                UserRole::Exporter,
                "presentation.waiver_sought",
                &["waive", "decline_waiver"],
            ),
            (
                &["issuing_bank"],
                UserRole::Bank,
                "presentation.honoured",
                &["settle"],
            ),
            (&["issuing_bank"], UserRole::Bank, "settled", &[]),
            (&["beneficiary"], UserRole::Exporter, "advised", &[]),
        ];
        for (roles, role, state, expected) in cases {
            assert_eq!(
                verbs_for(roles, role, state),
                expected,
                "{roles:?} in {state}"
            );
        }
    }
}
