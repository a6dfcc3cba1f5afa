//! The JSON encoding of documents.
//!
//! JSON is the same data model as canonical CBOR: a `kind` key naming the document type, then
//! its fields; amounts as decimal strings (`"125000.00"`), dates as `YYYY-MM-DD`. Import refuses
//! unknown keys and reports the line and column of a syntax or type error; it then validates
//! the document and reports every field at fault. Input over a size cap is refused unread.

use crate::document::{Document, DocumentKind, Invalid};

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
///
/// Parsing happens in two steps so that every error has a place: syntax errors keep
/// serde_json's line and column; errors of shape (a wrong type, a missing or unknown field)
/// get their field path from `serde_path_to_error`, and the line where that key is written.
/// serde cannot report positions inside an internally tagged enum directly.
pub fn import(text: &str) -> Result<Document, JsonError> {
    if text.len() > JSON_SIZE_MAX_BYTES {
        return Err(JsonError::TooLarge {
            size: text.len(),
            max: JSON_SIZE_MAX_BYTES,
        });
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| JsonError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let document = typed_document(text, value)?;
    document.validate()?;
    Ok(document)
}

/// Deserializes the document type that `kind` names, so that errors carry a field path
/// (serde loses paths inside internally tagged enums).
fn typed_document(text: &str, mut value: serde_json::Value) -> Result<Document, JsonError> {
    let kind_value = value.as_object_mut().and_then(|o| o.remove("kind"));
    let kind: DocumentKind = match kind_value {
        Some(kind) => serde_json::from_value(kind).map_err(|e| shape_error(text, "kind", e))?,
        None => {
            return Err(shape_error(
                text,
                "kind",
                "missing field `kind` naming the document type",
            ))
        }
    };
    Ok(match kind {
        DocumentKind::LetterOfCredit => Document::LetterOfCredit(typed(text, value)?),
        DocumentKind::Amendment => Document::Amendment(typed(text, value)?),
        DocumentKind::Invoice => Document::Invoice(typed(text, value)?),
        DocumentKind::PackingList => Document::PackingList(typed(text, value)?),
        DocumentKind::TransportDocument => Document::TransportDocument(typed(text, value)?),
        DocumentKind::CertificateOfOrigin => Document::CertificateOfOrigin(typed(text, value)?),
        DocumentKind::CustomsDeclaration => Document::CustomsDeclaration(typed(text, value)?),
        DocumentKind::Presentation => Document::Presentation(typed(text, value)?),
    })
}

fn typed<T: serde::de::DeserializeOwned>(
    text: &str,
    value: serde_json::Value,
) -> Result<T, JsonError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        shape_error(text, &path, e.into_inner())
    })
}

fn shape_error(text: &str, path: &str, problem: impl std::fmt::Display) -> JsonError {
    let (line, column) = locate_key(text, path);
    JsonError::Syntax {
        line,
        column,
        message: format!("field '{path}': {problem}"),
    }
}

/// The line and column of the last key of `path` (`lines[2].quantity` → `"quantity"`) in
/// `text`, searching after each earlier key in turn; (1, 1) when it cannot be found, e.g. for
/// a missing field.
fn locate_key(text: &str, path: &str) -> (usize, usize) {
    let mut from = 0;
    for key in path
        .split(['.', '['])
        .filter(|k| !k.is_empty() && !k.ends_with(']'))
    {
        match text[from..].find(&format!("\"{key}\"")) {
            Some(at) => from += at,
            None => break,
        }
    }
    let before = &text[..from];
    let line = before.matches('\n').count() + 1;
    let column = from - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// Renders a document as pretty-printed JSON.
pub fn export(document: &Document) -> String {
    // Invariant: every document type serializes; its fields are strings, integers, booleans
    // and sequences of those, none of which serde_json can refuse.
    serde_json::to_string_pretty(document).expect("documents always serialize to JSON")
}
