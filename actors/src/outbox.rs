//! The outbox: a small durable record of effects (an email, a submission) by stable id, so a
//! restarted actor that replays the ledger neither repeats nor loses one.
//!
//! One JSON line per change, appended and fsynced before the call returns: `pending` with the
//! effect's payload before the effect is tried, `done` after it succeeded. An effect marked
//! `done` is never tried again; one left `pending` (the process died mid-effect, or retries ran
//! out) is tried again after a restart with the same id — an email keeps its Message-ID, so a
//! receiver can tell the copy — which makes delivery at-least-once and keyed, never lost.
//! Opening rewrites the file with one line per effect (temp file and rename), so it grows with
//! the number of effects, not of attempts; at most [`OUTBOX_ENTRIES_MAX`] effects are kept
//! (the oldest `done` ones are dropped first once over, which only matters after years).
//! Deliberately not here: performing effects.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Most effects kept.
pub const OUTBOX_ENTRIES_MAX: usize = 100_000;

/// Why the outbox could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("outbox {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("outbox {path} line {line}: {reason}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// Where an effect stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectState {
    Pending,
    Done,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Line {
    id: String,
    state: EffectState,
    /// What to do again if it stays pending; absent on `done` lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payload: Option<serde_json::Value>,
}

/// A durable set of effects by id.
#[derive(Debug)]
pub struct Outbox {
    path: PathBuf,
    file: File,
    entries: BTreeMap<String, (EffectState, Option<serde_json::Value>)>,
}

impl Outbox {
    /// Opens (or creates) the outbox at `path`, compacting it.
    pub fn open(path: &Path) -> Result<Outbox, OutboxError> {
        let io = |source| OutboxError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let entries = read_entries(path)?;
        let temp = path.with_extension("compacting");
        {
            let mut out = File::create(&temp).map_err(io)?;
            for (id, (state, payload)) in &entries {
                write_line(&mut out, id, *state, payload.clone()).map_err(io)?;
            }
            out.sync_all().map_err(io)?;
        }
        std::fs::rename(&temp, path).map_err(io)?;
        let file = OpenOptions::new().append(true).open(path).map_err(io)?;
        Ok(Outbox {
            path: path.to_path_buf(),
            file,
            entries,
        })
    }

    pub fn state(&self, id: &str) -> Option<EffectState> {
        self.entries.get(id).map(|(state, _)| *state)
    }

    /// Effects left pending, with their payloads, in id order.
    pub fn pending(&self) -> Vec<(String, serde_json::Value)> {
        self.entries
            .iter()
            .filter(|(_, (state, _))| *state == EffectState::Pending)
            .filter_map(|(id, (_, payload))| Some((id.clone(), payload.clone()?)))
            .collect()
    }

    /// Records that effect `id` is about to be tried, with what it is; durable on return.
    pub fn begin(&mut self, id: &str, payload: serde_json::Value) -> Result<(), OutboxError> {
        self.append(id, EffectState::Pending, Some(payload))
    }

    /// Records that effect `id` happened; durable on return.
    pub fn finish(&mut self, id: &str) -> Result<(), OutboxError> {
        self.append(id, EffectState::Done, None)
    }

    fn append(
        &mut self,
        id: &str,
        state: EffectState,
        payload: Option<serde_json::Value>,
    ) -> Result<(), OutboxError> {
        let io = |source| OutboxError::Io {
            path: self.path.clone(),
            source,
        };
        write_line(&mut self.file, id, state, payload.clone()).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.entries.insert(id.to_string(), (state, payload));
        self.trim();
        Ok(())
    }

    fn trim(&mut self) {
        while self.entries.len() > OUTBOX_ENTRIES_MAX {
            let oldest_done = self
                .entries
                .iter()
                .find(|(_, (state, _))| *state == EffectState::Done)
                .map(|(id, _)| id.clone());
            match oldest_done {
                Some(id) => self.entries.remove(&id),
                None => return,
            };
        }
    }
}

fn write_line(
    out: &mut File,
    id: &str,
    state: EffectState,
    payload: Option<serde_json::Value>,
) -> std::io::Result<()> {
    let line = Line {
        id: id.to_string(),
        state,
        payload,
    };
    let mut text = serde_json::to_string(&line).map_err(std::io::Error::other)?;
    text.push('\n');
    out.write_all(text.as_bytes())
}

type Entries = BTreeMap<String, (EffectState, Option<serde_json::Value>)>;

fn read_entries(path: &Path) -> Result<Entries, OutboxError> {
    let mut entries = BTreeMap::new();
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(entries),
        Err(source) => {
            return Err(OutboxError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let lines: Vec<_> = BufReader::new(file).lines().collect();
    let count = lines.len();
    for (index, line) in lines.into_iter().enumerate() {
        let text = line.map_err(|source| OutboxError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let parsed: Line = match serde_json::from_str(&text) {
            Ok(parsed) => parsed,
            // A torn last line is a write the process died in: that effect was not recorded.
            Err(_) if index + 1 == count => break,
            Err(e) => {
                return Err(OutboxError::Corrupt {
                    path: path.to_path_buf(),
                    line: index + 1,
                    reason: e.to_string(),
                })
            }
        };
        let payload = match (parsed.state, entries.remove(&parsed.id)) {
            (EffectState::Done, _) => None,
            (EffectState::Pending, _) => parsed.payload,
        };
        entries.insert(parsed.id, (parsed.state, payload));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_survive_a_reopen_and_done_stays_done() {
        let dir = std::env::temp_dir().join(format!("outbox-test-{}", std::process::id()));
        let path = dir.join("outbox.jsonl");
        let _ = std::fs::remove_file(&path);
        let mut outbox = Outbox::open(&path).unwrap();
        outbox
            .begin("mail/a", serde_json::json!({"to": "a"}))
            .unwrap();
        outbox.finish("mail/a").unwrap();
        outbox
            .begin("mail/b", serde_json::json!({"to": "b"}))
            .unwrap();
        drop(outbox);
        // A torn last line (the process died writing it) is ignored.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"id\":\"mail/c\",\"sta")
            .unwrap();
        let outbox = Outbox::open(&path).unwrap();
        assert_eq!(outbox.state("mail/a"), Some(EffectState::Done));
        assert_eq!(outbox.state("mail/b"), Some(EffectState::Pending));
        assert_eq!(outbox.state("mail/c"), None);
        assert_eq!(
            outbox.pending(),
            vec![("mail/b".to_string(), serde_json::json!({"to": "b"}))]
        );
        // Compaction left one line per effect.
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
