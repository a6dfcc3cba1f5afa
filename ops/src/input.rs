//! Reading documents from files in any supported format, with a size bound.
//!
//! The shell side of `trade-docs`: it reads bytes (never more than [`FILE_SIZE_MAX_BYTES`]) and
//! hands them to `trade_docs::formats`, which picks the importer by `--format` or by sniffing.
//! Every error carries the file name so that the message names the place at fault.

use std::fmt;
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use trade_docs::{formats, Document};

/// No document file may be larger than this (CII invoices with attachments stay far below it).
pub const FILE_SIZE_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The document formats `silkway docs` reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
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

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        f.write_str(&name)
    }
}

/// Reads a whole file (or stdin for `-`), refusing anything over the size bound.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let limit = FILE_SIZE_MAX_BYTES + 1;
    if path == Path::new("-") {
        std::io::stdin().take(limit).read_to_end(&mut bytes)?;
    } else {
        let file = std::fs::File::open(path).context("cannot open file")?;
        file.take(limit)
            .read_to_end(&mut bytes)
            .context("cannot read file")?;
    }
    if bytes.len() as u64 > FILE_SIZE_MAX_BYTES {
        bail!("file is larger than the limit of {FILE_SIZE_MAX_BYTES} bytes");
    }
    Ok(bytes)
}

impl Format {
    fn core(self) -> formats::Format {
        match self {
            Format::Mt700 => formats::Format::Mt700,
            Format::Mt707 => formats::Format::Mt707,
            Format::Cii => formats::Format::Cii,
            Format::Json => formats::Format::Json,
            Format::Cbor => formats::Format::Cbor,
        }
    }
}

/// Reads and imports a file; the format is given or sniffed.
pub fn load(path: &Path, format: Option<Format>) -> Result<Document> {
    let load = || {
        let bytes = read_bounded(path)?;
        let format = format.map_or_else(|| formats::sniff(&bytes), Format::core);
        Ok::<_, anyhow::Error>(formats::import(&bytes, format)?)
    };
    load().with_context(|| path.display().to_string())
}

/// Renders a document in `format`. CBOR is binary; the others are text.
pub fn export(document: &Document, format: Format) -> Result<Vec<u8>> {
    formats::export(document, format.core()).map_err(|e| anyhow::anyhow!("--format: {e}"))
}
