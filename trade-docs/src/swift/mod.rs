//! SWIFT MT700 (issue of a documentary credit) and MT707 (amendment to a documentary credit):
//! import from FIN message text into [`LetterOfCredit`] / [`LcAmendment`], and export back; and
//! the advices written after an examination, MT734 (refusal), MT750 (discrepancy) and MT754
//! (payment), generated only (`advice.rs`: [`mt734`], [`mt750`], [`mt754`]).
//!
//! Hand-written on purpose: no maintained Rust crate parses the MT7xx category, and the format
//! is small enough that owning it is cheaper than adapting a generic MT parser.
//!
//! What it accepts: a full FIN message (`{1:…}{2:…}{3:…}{4:` newline, fields, `-}` then optional
//! trailer blocks `{5:…}` / `{S:…}`) or just the block 4 text (lines starting `:TAG:`), with CRLF
//! or LF line endings. Header block 1 gives the sender and block 2 the message type and receiver;
//! for an MT700 those are the issuing and the advising bank.
//!
//! What import deliberately does not do: check the SWIFT `x`/`z` character sets, the per-field line
//! counts and widths narrower than 65 (e.g. 4*35x for field 50), the order of fields, or MT701 /
//! MT708 continuations. It never changes the case of data. Fields the model cannot hold (e.g.
//! 49G, 51D) are refused rather than dropped, so an import never silently loses a term.
//!
//! Invariants:
//! - input is at most [`INPUT_SIZE_MAX_BYTES`] bytes and block 4 at most
//!   [`BLOCK4_SIZE_MAX_CHARS`] characters (the SWIFT limit for an MT message); each field line
//!   holds at most [`LINE_WIDTH_MAX_CHARS`] characters after its tag;
//! - every error names the 1-based line of the input and the tag (or header block) at fault;
//! - an imported credit passes `Document::LetterOfCredit(..).validate()`, an imported amendment
//!   `Document::Amendment(..).validate()`;
//! - `import(export(import(text)))` equals `import(text)`. Free text is the key: prose fields
//!   (45A, the clauses of 46A/47A, 71D, 44A…) are joined with single spaces on import and
//!   re-wrapped at spaces on export; name-and-address fields (50, 59, 41D, 42D, 53D, 57D, 58D)
//!   and bank-to-bank fields (72Z, 78, 71N) keep their line breaks as `\n`. Export never breaks a
//!   line where the next one would read as a new tag, clause or block end.
//! - Dates are `YYMMDD` with a fixed century pivot: years 00-79 are 2000-2079, 80-99 are
//!   1980-1999, so export is exact for dates in 1980..=2079.

mod advice;
mod block;
mod mt700;
mod mt707;
mod render;
mod value;

pub use advice::{
    mt734, mt750, mt754, AdviceError, DiscrepancyAdvice, Disposal, DisposalCode, PaymentAdvice,
    RefusalAdvice,
};
pub use mt700::{export_mt700, import_mt700};
pub use mt707::{export_mt707, import_mt707};

#[cfg(doc)]
use crate::document::{LcAmendment, LetterOfCredit};

/// Inputs longer than this are refused unread. A block 4 at its SWIFT limit with CRLF line
/// endings and full headers stays far below it.
pub const INPUT_SIZE_MAX_BYTES: usize = 64 * 1024;

/// The SWIFT limit on the text of block 4 of an MT message, counted in characters from after
/// `{4:` to before `-}` (a CRLF counts as two).
pub const BLOCK4_SIZE_MAX_CHARS: usize = 10_000;

/// The widest line SWIFT allows in a field, counted after the `:TAG:` on the tag line.
pub const LINE_WIDTH_MAX_CHARS: usize = 65;

/// Why a SWIFT message was refused. Every variant but `TooLarge` names the 1-based input line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SwiftError {
    #[error("input is {size_bytes} bytes, over the limit of {max_bytes} bytes")]
    TooLarge { size_bytes: usize, max_bytes: usize },
    #[error(
        "line {line}, block 4: holds {size_chars} characters, over the SWIFT limit of {max_chars}"
    )]
    Block4TooLong {
        line: usize,
        size_chars: usize,
        max_chars: usize,
    },
    #[error("line {line}, block {block}: message is truncated: {problem}")]
    Truncated {
        line: usize,
        block: char,
        problem: String,
    },
    #[error("line {line}, block {block}: {problem}")]
    Header {
        line: usize,
        block: char,
        problem: String,
    },
    #[error("line {line}, block 2: message type is MT{found}, expected MT{expected}")]
    WrongMessageType {
        line: usize,
        expected: &'static str,
        found: String,
    },
    #[error("line {line}: {problem}")]
    Syntax { line: usize, problem: String },
    #[error("line {line}, tag {tag}: mandatory field is missing from block 4")]
    MissingTag { line: usize, tag: &'static str },
    #[error("line {line}, tag {tag}: {reason}")]
    UnexpectedTag {
        line: usize,
        tag: String,
        reason: String,
    },
    #[error("line {line}, tag {tag}: field repeats the one on line {first_line}")]
    DuplicateTag {
        line: usize,
        tag: String,
        first_line: usize,
    },
    #[error("line {line}, tag {tag}: {problem}")]
    BadField {
        line: usize,
        tag: String,
        problem: String,
    },
    #[error("line {line}, tag {tag}: field '{field}' {problem}")]
    Invalid {
        line: usize,
        tag: String,
        field: String,
        problem: String,
    },
}

impl SwiftError {
    /// The 1-based input line at fault; `None` only for input refused unread.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::TooLarge { .. } => None,
            Self::Block4TooLong { line, .. }
            | Self::Truncated { line, .. }
            | Self::Header { line, .. }
            | Self::WrongMessageType { line, .. }
            | Self::Syntax { line, .. }
            | Self::MissingTag { line, .. }
            | Self::UnexpectedTag { line, .. }
            | Self::DuplicateTag { line, .. }
            | Self::BadField { line, .. }
            | Self::Invalid { line, .. } => Some(*line),
        }
    }

    /// The block 4 field tag at fault (`32B`, `41D`), when the fault lies in a field.
    pub fn tag(&self) -> Option<&str> {
        match self {
            Self::MissingTag { tag, .. } => Some(tag),
            Self::UnexpectedTag { tag, .. }
            | Self::DuplicateTag { tag, .. }
            | Self::BadField { tag, .. }
            | Self::Invalid { tag, .. } => Some(tag),
            _ => None,
        }
    }
}
