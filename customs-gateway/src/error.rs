//! The HTTP layer's one error type, each variant with its explicit status.
//!
//! A client always gets a JSON body `{"error": <code>, "message": <text>, "field": <name>?}`
//! naming the field, header, line or rule at fault; internal errors are logged with a request
//! id and answered with that id and nothing else (after the crates.io backend's `errors.rs`).
//! Pages render the same errors as HTML (see `pages`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest {
        field: Option<String>,
        message: String,
    },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("the session has expired; sign in again")]
    SessionExpired,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Replayed(String),
    #[error("the ledger refused this: {reason}")]
    Rejected { reason: String },
    #[error("{0}")]
    Conflict(String),
    #[error("the body is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("content type '{found}' is not accepted here; send {expected}")]
    UnsupportedMediaType { found: String, expected: String },
    #[error("too many failed sign-ins; try again after {retry_after_s} s")]
    Locked { retry_after_s: u64 },
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error (request {request_id}); the operators have the details")]
    Internal { request_id: String },
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// Logs `error` with a fresh request id and returns the generic answer naming that id.
    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        let mut id = [0u8; 8];
        // A request id only correlates a log line; if the system has no randomness left,
        // an all-zero id still answers the request.
        let _ = getrandom::fill(&mut id);
        let request_id = hex::encode(id);
        tracing::error!(request_id, %error, "internal error");
        ApiError::Internal { request_id }
    }

    /// The machine-readable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::SessionExpired => "session_expired",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Replayed(_) => "replayed_request",
            ApiError::Rejected { .. } => "rejected_by_ledger",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooLarge { .. } => "payload_too_large",
            ApiError::UnsupportedMediaType { .. } => "unsupported_media_type",
            ApiError::Locked { .. } => "locked",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal { .. } => "internal",
        }
    }

    pub fn field_name(&self) -> Option<&str> {
        match self {
            ApiError::BadRequest { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated(_) | ApiError::SessionExpired => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Replayed(_) | ApiError::Rejected { .. } | ApiError::Conflict(_) => {
                StatusCode::CONFLICT
            }
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(Body {
            error: self.code(),
            message: self.to_string(),
            field: self.field_name(),
        })
    }
}

impl From<actors::ledger::LedgerError> for ApiError {
    fn from(e: actors::ledger::LedgerError) -> ApiError {
        use actors::ledger::LedgerError;
        match e {
            LedgerError::Refused(reason) => ApiError::Rejected { reason },
            LedgerError::Unreachable(_) | LedgerError::NotCommitted { .. } => {
                ApiError::Unavailable(e.to_string())
            }
            LedgerError::Answer { .. } => ApiError::internal(e),
        }
    }
}
