//! Reading and writing the auth module's JSON files (users, pending approvals).
//!
//! Reads are bounded in size and report the file and the JSON path of a field at fault;
//! writes go to a temporary file in the same directory, are flushed to disk, and then renamed
//! over the target, so a crash leaves either the old file or the new one, never half of one.
//! The files hold password hashes and TOTP secrets, so on Unix they are created readable by
//! their owner only.
//!
//! What this does not do: lock the file against a second writer process (one gateway owns its
//! files), or keep backups.

use serde::{de::DeserializeOwned, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A JSON file of the auth module could not be read, parsed, validated or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be opened or read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is larger than the bound for its kind.
    #[error("{}: file is larger than {max_bytes} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The bound.
        max_bytes: u64,
    },
    /// The JSON is malformed or a field has the wrong shape (`field` is its JSON path, e.g.
    /// `users[2].role`; `.` when the problem is the document itself).
    #[error("{}: field '{field}': {reason}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The JSON path of the field at fault.
        field: String,
        /// What is wrong, with the line and column where serde_json knows them.
        reason: String,
    },
    /// The JSON is well-formed but a value breaks a rule (a login with capitals, a duplicate).
    #[error("{}: field '{field}': {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The JSON path of the field at fault.
        field: String,
        /// The rule it breaks.
        reason: String,
    },
    /// The file could not be written or renamed into place.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// Reads and parses `path`, refusing files larger than `max_bytes`.
pub(crate) fn load<T: DeserializeOwned>(path: &Path, max_bytes: u64) -> Result<T, FileError> {
    let read_error = |source| FileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    // Reading one byte past the bound tells a file at the bound from a larger one without
    // trusting the metadata (the file may grow between a stat and the read).
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > max_bytes {
        return Err(FileError::TooLarge {
            path: path.to_path_buf(),
            max_bytes,
        });
    }
    let parse_error = |field: String, reason: serde_json::Error| FileError::Parse {
        path: path.to_path_buf(),
        field,
        reason: reason.to_string(),
    };
    let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| parse_error(e.path().to_string(), e.into_inner()))?;
    deserializer
        .end()
        .map_err(|e| parse_error(".".to_owned(), e))?;
    Ok(value)
}

/// Writes `value` as pretty JSON to `path`, atomically (temporary file, fsync, rename).
pub(crate) fn save<T: Serialize>(path: &Path, value: &T) -> Result<(), FileError> {
    let write_error = |source| FileError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes =
        serde_json::to_vec_pretty(value).map_err(|e| write_error(std::io::Error::other(e)))?;
    bytes.push(b'\n');
    let temporary = temporary_path(path);
    let written = write_synced(&temporary, &bytes).and_then(|()| fs::rename(&temporary, path));
    if let Err(source) = written {
        // Best effort: a leftover temporary file is harmless, the error that matters is the
        // one returned.
        let _ = fs::remove_file(&temporary);
        return Err(write_error(source));
    }
    sync_parent(path).map_err(write_error)
}

/// `dir/.name.tmp`: in the target's directory, so the rename stays on one file system.
fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Flushes the directory entry of a renamed file, so the rename itself survives a crash.
fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(parent)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        items: Vec<Item>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item {
        name: String,
        count: u32,
    }

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.json");
        let doc = Doc {
            items: vec![Item {
                name: "a".into(),
                count: 2,
            }],
        };
        save(&path, &doc).unwrap();
        save(&path, &doc).unwrap();
        assert_eq!(load::<Doc>(&path, 1024).unwrap(), doc);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["doc.json"]);
    }

    #[test]
    fn load_errors_name_the_file_and_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.json");
        let cases = [
            (
                r#"{"items":[{"name":"a","count":1},{"name":"b","count":"x"}]}"#,
                "items[1].count",
            ),
            (
                r#"{"items":[{"name":"a","count":1,"extra":0}]}"#,
                "items[0].extra",
            ),
            (r#"{"items":[]} trailing"#, "."),
            (r#"{"items":"#, "items"),
        ];
        for (text, field) in cases {
            fs::write(&path, text).unwrap();
            let e = load::<Doc>(&path, 1024).unwrap_err();
            let message = e.to_string();
            assert!(message.contains("doc.json"), "{message}");
            assert!(message.contains(&format!("field '{field}'")), "{message}");
        }
    }

    #[test]
    fn load_refuses_a_file_over_the_bound_and_reports_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.json");
        fs::write(&path, r#"{"items":[]}"#).unwrap();
        assert!(load::<Doc>(&path, 12).is_ok());
        assert!(matches!(
            load::<Doc>(&path, 11),
            Err(FileError::TooLarge { max_bytes: 11, .. })
        ));
        let missing = dir.path().join("missing.json");
        assert!(matches!(
            load::<Doc>(&missing, 12),
            Err(FileError::Read { .. })
        ));
    }
}
