//! Turning bytes in any supported outside format into a validated [`Document`]: the one place
//! that knows which importer reads which format, shared by the command line and the gateway.
//!
//! [`sniff`] guesses the format from the first meaningful bytes (SWIFT block or tag, JSON
//! object, XML, else CBOR); [`import`] runs that format's importer and then
//! [`Document::validate`], so a caller never holds a document that did not validate; [`read`]
//! does both. [`export`] writes a document back out in a format.
//! Deliberately not here: reading files or bounding their size (callers do, before this).

use std::fmt;

use crate::cbor::{self, CborError};
use crate::cii::{self, CiiError};
use crate::document::{Document, Invalid};
use crate::json::{self, JsonError};
use crate::swift::{self, SwiftError};

/// The outside formats documents arrive in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// SWIFT MT700 (issue of a documentary credit), with or without header blocks.
    Mt700,
    /// SWIFT MT707 (amendment to a documentary credit).
    Mt707,
    /// UN/CEFACT Cross Industry Invoice D16B XML.
    Cii,
    /// SilkwayChain JSON (any document kind).
    Json,
    /// Canonical CBOR (RFC 8949 §4.2), as fingerprinted and signed.
    Cbor,
}

/// Why bytes did not import; every variant's message names the line, field or offset.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("byte {offset}: the content is not UTF-8 text")]
    NotUtf8 { offset: usize },
    #[error(transparent)]
    Cbor(#[from] CborError),
    #[error(transparent)]
    Json(#[from] JsonError),
    #[error(transparent)]
    Swift(#[from] SwiftError),
    #[error(transparent)]
    Cii(#[from] CiiError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
}

impl Format {
    pub fn as_str(&self) -> &'static str {
        match self {
            Format::Mt700 => "mt700",
            Format::Mt707 => "mt707",
            Format::Cii => "cii",
            Format::Json => "json",
            Format::Cbor => "cbor",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Guesses a format from the first meaningful bytes.
pub fn sniff(bytes: &[u8]) -> Format {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with("{1:") || start.starts_with(':') {
        let is_amendment =
            text.contains("{2:I707") || text.contains("{2:O707") || text.contains(":26E:");
        return if is_amendment {
            Format::Mt707
        } else {
            Format::Mt700
        };
    }
    if start.starts_with('{') {
        Format::Json
    } else if start.starts_with('<') {
        Format::Cii
    } else {
        Format::Cbor
    }
}

/// Parses `bytes` in `format` into a validated document.
pub fn import(bytes: &[u8], format: Format) -> Result<Document, ImportError> {
    let document = match format {
        Format::Cbor => cbor::from_canonical::<Document>(bytes)?,
        Format::Json => json::import(utf8(bytes)?)?,
        Format::Mt700 => Document::LetterOfCredit(swift::import_mt700(utf8(bytes)?)?),
        Format::Mt707 => Document::Amendment(swift::import_mt707(utf8(bytes)?)?),
        Format::Cii => Document::Invoice(cii::import(utf8(bytes)?)?),
    };
    document.validate()?;
    Ok(document)
}

/// Imports `bytes` in the format [`sniff`] finds.
pub fn read(bytes: &[u8]) -> Result<Document, ImportError> {
    import(bytes, sniff(bytes))
}

/// A document that a format cannot express (an invoice as MT700, say).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("format {format} writes a {writes}, but the document is a {found}")]
    WrongKind {
        format: Format,
        writes: &'static str,
        found: String,
    },
    #[error(transparent)]
    Cbor(#[from] CborError),
}

/// Writes `document` in `format`: CBOR is binary, the others are text.
pub fn export(document: &Document, format: Format) -> Result<Vec<u8>, ExportError> {
    let wrong = |writes: &'static str| ExportError::WrongKind {
        format,
        writes,
        found: document.kind().to_string(),
    };
    Ok(match (format, document) {
        (Format::Json, doc) => (json::export(doc) + "\n").into_bytes(),
        (Format::Cbor, doc) => cbor::to_canonical(doc)?,
        (Format::Mt700, Document::LetterOfCredit(lc)) => swift::export_mt700(lc).into_bytes(),
        (Format::Mt700, _) => return Err(wrong("letter_of_credit")),
        (Format::Mt707, Document::Amendment(a)) => swift::export_mt707(a).into_bytes(),
        (Format::Mt707, _) => return Err(wrong("amendment")),
        (Format::Cii, Document::Invoice(invoice)) => cii::export(invoice).into_bytes(),
        (Format::Cii, _) => return Err(wrong("invoice")),
    })
}

fn utf8(bytes: &[u8]) -> Result<&str, ImportError> {
    std::str::from_utf8(bytes).map_err(|e| ImportError::NotUtf8 {
        offset: e.valid_up_to(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    #[test]
    fn sniffing_picks_the_importer_that_reads_each_demo_file() {
        let cases: [(&str, Format); 4] = [
            (demo::MT700_KHORGOS, Format::Mt700),
            (demo::MT707_KHORGOS, Format::Mt707),
            (demo::LC_KHORGOS_JSON, Format::Json),
            (demo::INVOICE_KHORGOS_JSON, Format::Json),
        ];
        for (text, expected) in cases {
            assert_eq!(sniff(text.as_bytes()), expected);
            assert!(import(text.as_bytes(), expected).is_ok(), "{expected}");
        }
        let xml = format!("\u{feff}  {}", "<rsm:CrossIndustryInvoice/>");
        assert_eq!(sniff(xml.as_bytes()), Format::Cii);
        assert_eq!(sniff(&[0xa1, 0x01]), Format::Cbor);
    }

    #[test]
    fn sniffs_headers_tags_and_byte_order_marks() {
        let cases: [(&[u8], Format); 7] = [
            (
                b"{1:F01STCBKZKAAXXX0000000000}{2:I700TSCMCNBJXXXXN}",
                Format::Mt700,
            ),
            (
                b"{1:F01STCBKZKAAXXX0000000000}{2:I707TSCMCNBJXXXXN}",
                Format::Mt707,
            ),
            (b":27:1/1\n:40A:IRREVOCABLE\n", Format::Mt700),
            (b":27:1/1\n:26E:1\n", Format::Mt707),
            (b"  {\"kind\":\"invoice\"}", Format::Json),
            (b"\xef\xbb\xbf<?xml version=\"1.0\"?>", Format::Cii),
            (&[0xa2, 0x61], Format::Cbor),
        ];
        for (bytes, expected) in cases {
            assert_eq!(sniff(bytes), expected, "{}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn bad_bytes_name_their_place() {
        let err = import(b"{\"kind\": 1\xff}", Format::Json).unwrap_err();
        assert_eq!(err.to_string(), "byte 10: the content is not UTF-8 text");
        let err = import(b":20:X\n", Format::Mt700).unwrap_err();
        assert!(matches!(err, ImportError::Swift(_)), "{err}");
    }
}
