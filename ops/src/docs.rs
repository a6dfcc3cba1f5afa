//! `silkway docs`: the offline document tools.
//!
//! Each subcommand reads files, calls one `trade-docs` function, and prints JSON on stdout.
//! The JSON of a document is the public contract described in the README (`kind`, and per kind
//! `reference`/`currency`/`amount`/`expiry_date` or `number`/`issue_date`/`currency`/`total`);
//! `import` prints exactly the document, so its output imports again with `--format json`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use serde_json::{json, Value};
use trade_docs::document::Presentation;
use trade_docs::envelope::{self, Verified};
use trade_docs::{ucp600, Date, Document, Fingerprint};

use crate::input::{self, Format};

#[derive(Debug, Subcommand)]
pub enum DocsCommand {
    /// Read a document in an outside format and print it as SilkwayChain JSON.
    Import {
        #[arg(long, value_enum)]
        format: Format,
        file: PathBuf,
    },
    /// Read a document (any format, sniffed) and write it in the given format.
    Export {
        #[arg(long, value_enum)]
        format: Format,
        file: PathBuf,
        /// Write to this file instead of stdout (needed for CBOR on a terminal).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print a document's fingerprint (and an invoice's business fingerprint).
    Fingerprint {
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Sign a document with a PKCS#8 Ed25519 key into a COSE_Sign1 envelope.
    Sign {
        #[arg(long)]
        key: PathBuf,
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Also write the raw envelope bytes here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Verify a signed envelope (raw COSE bytes, or the JSON `silkway docs sign` prints).
    Verify { file: PathBuf },
    /// Examine documents presented under a letter of credit (UCP 600).
    Examine {
        /// The credit: MT700 or JSON.
        #[arg(long)]
        lc: PathBuf,
        /// The presented documents (JSON, CII), or one presentation JSON.
        #[arg(long, num_args = 1.., required = true)]
        documents: Vec<PathBuf>,
        /// The day of presentation (YYYY-MM-DD); defaults to today (UTC).
        #[arg(long)]
        presented_on: Option<String>,
    },
}

pub fn run(command: DocsCommand) -> Result<()> {
    match command {
        DocsCommand::Import { format, file } => {
            let document = input::load(&file, Some(format))?;
            print_json(&serde_json::to_value(&document)?)
        }
        DocsCommand::Export { format, file, out } => {
            let document = input::load(&file, None)?;
            let bytes = input::export(&document, format)?;
            write_output(out.as_deref(), &bytes)
        }
        DocsCommand::Fingerprint { file, format } => {
            let document = input::load(&file, format)?;
            print_json(&fingerprints(&document)?)
        }
        DocsCommand::Sign {
            key,
            file,
            format,
            out,
        } => sign(&key, &file, format, out.as_deref()),
        DocsCommand::Verify { file } => {
            let verified = verify(&file).with_context(|| file.display().to_string())?;
            print_json(&json!({
                "valid": true,
                "kind": verified.document.kind(),
                "fingerprint": verified.fingerprint,
                "signer": verified.signer,
                "document": verified.document,
            }))
        }
        DocsCommand::Examine {
            lc,
            documents,
            presented_on,
        } => examine(&lc, &documents, presented_on),
    }
}

fn fingerprints(document: &Document) -> Result<Value> {
    let mut out = json!({
        "kind": document.kind(),
        "fingerprint": Fingerprint::of_document(document)?,
    });
    if let Document::Invoice(invoice) = document {
        out["business_fingerprint"] = json!(Fingerprint::of_invoice_business(invoice));
    }
    Ok(out)
}

fn sign(key: &Path, file: &Path, format: Option<Format>, out: Option<&Path>) -> Result<()> {
    let key = crate::keys::load_ed25519(key).with_context(|| key.display().to_string())?;
    let document = input::load(file, format)?;
    let bytes = envelope::sign(&document, &key)?;
    if let Some(out) = out {
        std::fs::write(out, &bytes).with_context(|| out.display().to_string())?;
    }
    print_json(&json!({
        "kind": document.kind(),
        "fingerprint": Fingerprint::of_document(&document)?,
        "signer": envelope::SignerId::ed25519(&key.verifying_key()),
        "envelope": hex::encode(&bytes),
    }))
}

/// Accepts the raw envelope or the JSON printed by `sign` (its `envelope` field, hex).
fn verify(file: &Path) -> Result<Verified> {
    let bytes = input::read_bounded(file)?;
    let raw = match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) => {
            let hex_text = value["envelope"]
                .as_str()
                .context("JSON input has no \"envelope\" field")?;
            hex::decode(hex_text).context("field \"envelope\" is not hex")?
        }
        Err(_) => bytes,
    };
    Ok(envelope::verify(&raw)?)
}

fn examine(lc: &Path, documents: &[PathBuf], presented_on: Option<String>) -> Result<()> {
    let credit = match input::load(lc, None)? {
        Document::LetterOfCredit(credit) => credit,
        other => bail!(
            "{}: expected a letter_of_credit, found a {}",
            lc.display(),
            other.kind()
        ),
    };
    let presented_on = presented_on
        .map(|text| text.parse::<Date>().context("--presented-on"))
        .transpose()?;
    let mut loaded = documents
        .iter()
        .map(|path| input::load(path, None))
        .collect::<Result<Vec<_>>>()?;
    let mut presentation = match (loaded.pop(), loaded.is_empty()) {
        (Some(Document::Presentation(p)), true) => p,
        (last, _) => Presentation {
            lc_reference: credit.reference.clone(),
            presented_on: today(),
            presenter: credit.beneficiary.clone(),
            documents: loaded.into_iter().chain(last).collect(),
        },
    };
    if let Some(date) = presented_on {
        presentation.presented_on = date;
    }
    Document::Presentation(presentation.clone()).validate()?;
    let report = ucp600::examine(&credit, &presentation);
    print_json(&serde_json::to_value(&report)?)
}

/// Today's date in UTC: the shell reads the clock so that the core never has to.
fn today() -> Date {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = now.div_euclid(86_400);
    // Invariant: 1970-01-01 plus the days since the epoch is within `time`'s range.
    Date::from_ymd(1970, 1, 1)
        .and_then(|epoch| epoch.add_days(days))
        .expect("today is a valid date")
}

fn print_json(value: &Value) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    Ok(())
}

fn write_output(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) => std::fs::write(path, bytes).with_context(|| path.display().to_string()),
        None => Ok(std::io::stdout().lock().write_all(bytes)?),
    }
}
