//! The JSON encoding of documents.
//!
//! JSON is the same data model as canonical CBOR: a `kind` key naming the document type, then
//! its fields; amounts as decimal strings (`"125000.00"`), dates as `YYYY-MM-DD`. Import refuses
//! unknown keys and reports the line and column of a syntax or type error; it then validates
//! the document and reports every field at fault. Input over a size cap is refused unread.

use crate::document::{Document, Invalid};

/// JSON documents larger than this are refused.
pub const JSON_SIZE_MAX_BYTES: usize = 1024 * 1024;

/// Why a JSON document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    #[error("input is {size} bytes, over the limit of {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Invalid(#[from] Invalid),
}

/// Parses and validates a document from JSON text.
pub fn import(text: &str) -> Result<Document, JsonError> {
    if text.len() > JSON_SIZE_MAX_BYTES {
        return Err(JsonError::TooLarge {
            size: text.len(),
            max: JSON_SIZE_MAX_BYTES,
        });
    }
    let document: Document = serde_json::from_str(text).map_err(|e| JsonError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    document.validate()?;
    Ok(document)
}

/// Renders a document as pretty-printed JSON.
pub fn export(document: &Document) -> String {
    // Invariant: every document type serializes; its fields are strings, integers, booleans
    // and sequences of those, none of which serde_json can refuse.
    serde_json::to_string_pretty(document).expect("documents always serialize to JSON")
}
