//! The document store of one jurisdiction: the bytes of uploaded documents, kept where they
//! were filed, addressed by their content hash.
//!
//! Layout under the store's folder: `objects/<sha-256 of the bytes, hex>` holds the bytes,
//! `meta/<anchored fingerprint, hex>.json` what was anchored for them, and
//! `reads/<anchored fingerprint, hex>.log` one JSON line per read of that document by another
//! party (a log per document, so showing a document's reads never scans everyone's). A client's file name is never used as a path. Writes go to a
//! temporary file first and are renamed into place, so a crash leaves either nothing or a
//! whole file, and a read checks the bytes against their hash before handing them out.
//!
//! The anchored fingerprint of a structured document (JSON, CBOR, CII XML, MT700/MT707) is its
//! `trade-docs` document fingerprint (SHA-256 of the canonical CBOR), so a re-serialized copy
//! verifies; for any other file (a scan, a PDF) it is the SHA-256 of the bytes.
//!
//! Deliberately not here: who may read (the HTTP shell checks ledger grants before calling
//! [`DocStore::read`]) and anchoring (the shell submits the ledger transaction). Bound: at most
//! `documents_max` documents.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use trade_docs::{formats, Country, Document, Fingerprint};

/// What the store keeps about one document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocMeta {
    /// The anchored fingerprint, hex.
    pub fingerprint: String,
    /// SHA-256 of the bytes, hex: the object's name.
    pub content_sha256: String,
    /// A document kind (`invoice`, `transport_document`, …) or, for an opaque file, the kind
    /// the uploader declared.
    pub kind: String,
    pub title: String,
    /// The format a structured document was read in (`json`, `cii`, `mt700`, …); absent for
    /// an opaque file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    pub content_type: String,
    pub size_bytes: usize,
    pub jurisdiction: Country,
    /// The organization that uploaded it (its ledger party id).
    pub org: String,
    /// The user who uploaded it.
    pub uploaded_by: String,
    pub uploaded_unix_s: u64,
}

/// One read of a document's bytes by someone other than its owner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadLogEntry {
    pub unix_s: u64,
    pub fingerprint: String,
    /// The reading organization.
    pub reader_org: String,
    /// The user, or `gateway` for a signed fetch by another jurisdiction's gateway.
    pub reader: String,
    /// The ledger height of the grant that allowed it.
    pub grant_height: u64,
}

/// A structured document's reading, or none for an opaque file.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub fingerprint: [u8; 32],
    pub content_sha256: [u8; 32],
    pub kind: String,
    pub title: String,
    pub format: Option<formats::Format>,
    pub document: Option<Document>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store holds its limit of {0} documents")]
    Full(usize),
    #[error("document store: {0}")]
    Io(String),
    #[error("document {0}: its bytes no longer match their hash")]
    Corrupt(String),
}

/// The store, shared by the gateway's request handlers.
#[derive(Debug)]
pub struct DocStore {
    dir: PathBuf,
    jurisdiction: Country,
    documents_max: usize,
    index: RwLock<BTreeMap<String, DocMeta>>,
    read_log: Mutex<()>,
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Reads `bytes` as a trade document if they are one; `content_type` decides whether failing
/// to parse is an error (a structured type) or makes the file opaque.
pub fn analyze(
    bytes: &[u8],
    content_type: &str,
    declared_kind: Option<&str>,
) -> Result<Analysis, formats::ImportError> {
    if !is_structured(content_type) {
        let content_sha256 = sha256(bytes);
        return Ok(Analysis {
            fingerprint: content_sha256,
            content_sha256,
            kind: declared_kind.unwrap_or("attachment").to_string(),
            title: declared_kind.unwrap_or("attachment").replace('_', " "),
            format: None,
            document: None,
        });
    }
    analyze_document(bytes)
}

/// Reads `bytes` as a trade document, in the format they sniff as.
pub fn analyze_document(bytes: &[u8]) -> Result<Analysis, formats::ImportError> {
    let format = formats::sniff(bytes);
    let document = formats::import(bytes, format)?;
    Ok(Analysis::of_document(bytes, format, document))
}

impl Analysis {
    /// The analysis of `document`, read from `bytes` in `format`.
    pub fn of_document(bytes: &[u8], format: formats::Format, document: Document) -> Analysis {
        let content_sha256 = sha256(bytes);
        // A validated document always has a canonical encoding; the byte hash is only a
        // fallback that keeps this total.
        let fingerprint = Fingerprint::of_document(&document)
            .map(|f| f.0)
            .unwrap_or(content_sha256);
        Analysis {
            fingerprint,
            content_sha256,
            kind: document.kind().as_str().to_string(),
            title: document.title(),
            format: Some(format),
            document: Some(document),
        }
    }
}

/// Content types whose body must parse as a trade document.
pub fn is_structured(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    matches!(
        essence,
        "application/json" | "application/xml" | "text/xml" | "text/plain" | "application/cbor"
    )
}

/// Content types the store accepts at all.
pub fn is_accepted(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    is_structured(content_type) || matches!(essence, "application/pdf" | "image/png" | "image/jpeg")
}

impl DocStore {
    /// Opens (creating) the store under `dir` and indexes what it holds.
    pub fn open(
        dir: &Path,
        jurisdiction: Country,
        documents_max: usize,
    ) -> Result<DocStore, StoreError> {
        for sub in ["objects", "meta", "reports", "reads", "tmp"] {
            fs::create_dir_all(dir.join(sub)).map_err(io(dir))?;
        }
        let mut index = BTreeMap::new();
        for entry in fs::read_dir(dir.join("meta")).map_err(io(dir))? {
            let path = entry.map_err(io(dir))?.path();
            let bytes = fs::read(&path).map_err(io(&path))?;
            let meta: DocMeta = serde_json::from_slice(&bytes)
                .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
            index.insert(meta.fingerprint.clone(), meta);
        }
        Ok(DocStore {
            dir: dir.to_path_buf(),
            jurisdiction,
            documents_max,
            index: RwLock::new(index),
            read_log: Mutex::new(()),
        })
    }

    pub fn jurisdiction(&self) -> Country {
        self.jurisdiction
    }

    /// Stores `bytes` with `meta`; storing the same document again keeps the first record.
    pub fn put(&self, bytes: &[u8], meta: DocMeta) -> Result<DocMeta, StoreError> {
        if let Some(existing) = self.meta(&meta.fingerprint) {
            return Ok(existing);
        }
        if self.len() >= self.documents_max {
            return Err(StoreError::Full(self.documents_max));
        }
        self.write_atomic(&self.dir.join("objects").join(&meta.content_sha256), bytes)?;
        let json = serde_json::to_vec_pretty(&meta).map_err(|e| StoreError::Io(e.to_string()))?;
        let name = format!("{}.json", meta.fingerprint);
        self.write_atomic(&self.dir.join("meta").join(name), &json)?;
        self.index
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(meta.fingerprint.clone(), meta.clone());
        Ok(meta)
    }

    pub fn meta(&self, fingerprint_hex: &str) -> Option<DocMeta> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index.get(fingerprint_hex).cloned()
    }

    pub fn len(&self) -> usize {
        self.index.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The documents an organization uploaded, newest first.
    pub fn of_org(&self, org: &str) -> Vec<DocMeta> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        let mut docs: Vec<DocMeta> = index.values().filter(|m| m.org == org).cloned().collect();
        docs.sort_by_key(|d| std::cmp::Reverse(d.uploaded_unix_s));
        docs
    }

    /// The bytes of a stored document, checked against their hash.
    pub fn read(&self, meta: &DocMeta) -> Result<Vec<u8>, StoreError> {
        let path = self.dir.join("objects").join(&meta.content_sha256);
        let bytes = fs::read(&path).map_err(io(&path))?;
        if hex::encode(sha256(&bytes)) != meta.content_sha256 {
            return Err(StoreError::Corrupt(meta.fingerprint.clone()));
        }
        Ok(bytes)
    }

    /// Appends a read to the log; the read is refused if it cannot be logged.
    pub fn log_read(&self, entry: &ReadLogEntry) -> Result<(), StoreError> {
        let path = self.read_log_path(&entry.fingerprint)?;
        let _guard = self.read_log.lock().unwrap_or_else(|p| p.into_inner());
        let mut line = serde_json::to_vec(entry).map_err(|e| StoreError::Io(e.to_string()))?;
        line.push(b'\n');
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        file.write_all(&line).map_err(io(&path))?;
        file.sync_data().map_err(io(&path))
    }

    /// The logged reads of one document, oldest first (at most `limit`, the newest ones).
    pub fn reads_of(&self, fingerprint_hex: &str, limit: usize) -> Vec<ReadLogEntry> {
        let Ok(path) = self.read_log_path(fingerprint_hex) else {
            return Vec::new();
        };
        let _guard = self.read_log.lock().unwrap_or_else(|p| p.into_inner());
        let text = fs::read_to_string(path).unwrap_or_default();
        let mut reads: Vec<ReadLogEntry> = text
            .lines()
            .filter_map(|line| serde_json::from_str::<ReadLogEntry>(line).ok())
            .collect();
        let skip = reads.len().saturating_sub(limit);
        reads.drain(..skip);
        reads
    }

    fn read_log_path(&self, fingerprint_hex: &str) -> Result<PathBuf, StoreError> {
        Ok(self
            .dir
            .join("reads")
            .join(format!("{}.log", hex_name(fingerprint_hex)?)))
    }

    /// Keeps an examination report beside the documents, under its ledger fingerprint.
    pub fn put_report<T: Serialize>(
        &self,
        fingerprint_hex: &str,
        report: &T,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(report).map_err(|e| StoreError::Io(e.to_string()))?;
        let name = format!("{}.json", hex_name(fingerprint_hex)?);
        self.write_atomic(&self.dir.join("reports").join(name), &json)
    }

    /// An examination report kept by [`DocStore::put_report`].
    pub fn report(&self, fingerprint_hex: &str) -> Option<serde_json::Value> {
        let name = format!("{}.json", hex_name(fingerprint_hex).ok()?);
        let bytes = fs::read(self.dir.join("reports").join(name)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| StoreError::Io(e.to_string()))?;
        let tmp = self.dir.join("tmp").join(hex::encode(nonce));
        let mut file = fs::File::create(&tmp).map_err(io(&tmp))?;
        file.write_all(bytes).map_err(io(&tmp))?;
        file.sync_all().map_err(io(&tmp))?;
        fs::rename(&tmp, path).map_err(io(path))
    }
}

/// A fingerprint used as a file name: exactly 64 hex digits, so no name can leave its folder.
fn hex_name(fingerprint_hex: &str) -> Result<&str, StoreError> {
    if fingerprint_hex.len() == 64 && fingerprint_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(fingerprint_hex)
    } else {
        Err(StoreError::Io(format!(
            "'{fingerprint_hex}' is not a fingerprint"
        )))
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Io(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trade_docs::demo;

    fn meta_for(analysis: &Analysis, org: &str) -> DocMeta {
        DocMeta {
            fingerprint: hex::encode(analysis.fingerprint),
            content_sha256: hex::encode(analysis.content_sha256),
            kind: analysis.kind.clone(),
            title: analysis.title.clone(),
            format: analysis.format.map(|f| f.to_string()),
            content_type: "application/json".into(),
            size_bytes: 1,
            jurisdiction: Country::CN,
            org: org.into(),
            uploaded_by: "tester".into(),
            uploaded_unix_s: 1,
        }
    }

    #[test]
    fn structured_documents_are_fingerprinted_by_content_not_spelling() {
        let compact = demo::INVOICE_KHORGOS_JSON.as_bytes();
        let value: serde_json::Value = serde_json::from_slice(compact).unwrap();
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        let a = analyze(compact, "application/json", None).unwrap();
        let b = analyze(&pretty, "application/json", None).unwrap();
        assert_eq!(a.kind, "invoice");
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_ne!(a.content_sha256, b.content_sha256);
        let pdf = analyze(
            b"%PDF-1.7 scan",
            "application/pdf",
            Some("certificate_of_origin"),
        )
        .unwrap();
        assert_eq!(pdf.fingerprint, sha256(b"%PDF-1.7 scan"));
        assert!(pdf.document.is_none());
        let err = analyze(b"{\"kind\": \"invoice\"}", "application/json", None).unwrap_err();
        assert!(
            err.to_string().contains("number") || err.to_string().contains("field"),
            "{err}"
        );
    }

    #[test]
    fn stores_by_hash_survives_reopen_and_detects_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let store = DocStore::open(dir.path(), Country::CN, 2).unwrap();
        let bytes = demo::INVOICE_KHORGOS_JSON.as_bytes();
        let analysis = analyze(bytes, "application/json", None).unwrap();
        let meta = store.put(bytes, meta_for(&analysis, "SELLER")).unwrap();
        assert!(dir
            .path()
            .join("objects")
            .join(&meta.content_sha256)
            .exists());
        assert_eq!(
            store.put(bytes, meta_for(&analysis, "OTHER")).unwrap().org,
            "SELLER"
        );
        let reopened = DocStore::open(dir.path(), Country::CN, 2).unwrap();
        assert_eq!(reopened.read(&meta).unwrap(), bytes);
        assert_eq!(reopened.of_org("SELLER").len(), 1);
        fs::write(
            dir.path().join("objects").join(&meta.content_sha256),
            b"tampered",
        )
        .unwrap();
        assert!(matches!(reopened.read(&meta), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn the_store_is_bounded_and_reads_are_logged() {
        let dir = tempfile::tempdir().unwrap();
        let store = DocStore::open(dir.path(), Country::CN, 1).unwrap();
        let first = analyze(b"%PDF one", "application/pdf", None).unwrap();
        let second = analyze(b"%PDF two", "application/pdf", None).unwrap();
        store.put(b"%PDF one", meta_for(&first, "A")).unwrap();
        assert!(matches!(
            store.put(b"%PDF two", meta_for(&second, "A")),
            Err(StoreError::Full(1))
        ));
        let fp = hex::encode(first.fingerprint);
        let read = |reader: &str| ReadLogEntry {
            unix_s: 5,
            fingerprint: fp.clone(),
            reader_org: reader.into(),
            reader: "u".into(),
            grant_height: 9,
        };
        store.log_read(&read("BANK1")).unwrap();
        store.log_read(&read("BANK2")).unwrap();
        let reads = store.reads_of(&fp, 1);
        assert_eq!(reads, vec![read("BANK2")]);
        let other = hex::encode(second.fingerprint);
        store
            .log_read(&ReadLogEntry {
                fingerprint: other.clone(),
                ..read("BANK3")
            })
            .unwrap();
        assert_eq!(store.reads_of(&fp, 10), vec![read("BANK1"), read("BANK2")]);
        assert_eq!(store.reads_of(&other, 10).len(), 1);
    }
}
