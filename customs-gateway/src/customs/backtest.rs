//! Back-testing: recorded decisions replayed under another rule set, to see before activating
//! it which declarations would change channel.
//!
//! The caller hands in each declaration with the inputs it was assessed on and the channel the
//! ledger recorded (the assessment's, or the officer's override: whichever the caller wants to
//! compare with); the report counts, per recorded channel, where the declarations would go, and
//! lists every change with the rules that would hit. The draw is replayed from the same ledger
//! data at the new set's rate.
//!
//! Deliberately not here: reading committed declarations (the `silkway customs backtest`
//! command does) and printing beyond `Display`. Invariant: pure; the report's order is the
//! input's order.

use std::fmt;

use trade_docs::instrument::Channel;
use trade_docs::Fingerprint;

use super::evaluate::{evaluate, Inputs};
use super::rules::RuleSet;

/// One recorded decision to replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    /// How the report names the declaration (its reference or instrument id).
    pub label: String,
    pub inputs: Inputs,
    pub recorded: Channel,
}

/// A declaration whose channel would change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub label: String,
    pub from: Channel,
    pub to: Channel,
    /// The rules that would hit under the new set.
    pub rule_ids: Vec<String>,
    /// Whether the new set's random draw selected it.
    pub drawn: bool,
}

/// What a rule set would change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub rule_set_hash: Fingerprint,
    pub rule_set_label: String,
    /// `counts[from][to]`: declarations recorded `from` that would go `to` (green, yellow, red).
    pub counts: [[usize; 3]; 3],
    pub changes: Vec<Change>,
}

/// Replays every decision under `rules`.
pub fn backtest(rules: &RuleSet, replays: &[Replay]) -> Report {
    let mut counts = [[0; 3]; 3];
    let mut changes = Vec::new();
    for replay in replays {
        let assessment = evaluate(rules, &replay.inputs);
        counts[index(replay.recorded)][index(assessment.channel)] += 1;
        if assessment.channel != replay.recorded {
            changes.push(Change {
                label: replay.label.clone(),
                from: replay.recorded,
                to: assessment.channel,
                rule_ids: assessment.hits.into_iter().map(|h| h.rule_id).collect(),
                drawn: assessment.draw.is_some_and(|d| d.selected),
            });
        }
    }
    Report {
        rule_set_hash: rules.hash(),
        rule_set_label: rules.version_label(),
        counts,
        changes,
    }
}

impl Report {
    /// Declarations replayed.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Declarations recorded `from` that would go `to`.
    pub fn count(&self, from: Channel, to: Channel) -> usize {
        self.counts[index(from)][index(to)]
    }
}

const CHANNELS: [Channel; 3] = [Channel::Green, Channel::Yellow, Channel::Red];

fn index(channel: Channel) -> usize {
    match channel {
        Channel::Green => 0,
        Channel::Yellow => 1,
        Channel::Red => 2,
    }
}

fn name(channel: Channel) -> &'static str {
    match channel {
        Channel::Green => "green",
        Channel::Yellow => "yellow",
        Channel::Red => "red",
    }
}

/// Per recorded channel, where its declarations would go; then each change.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "back-test of {} declarations under {} ({})",
            self.total(),
            self.rule_set_label,
            self.rule_set_hash
        )?;
        for from in CHANNELS {
            let row = self.counts[index(from)];
            let recorded: usize = row.iter().sum();
            let parts: Vec<String> = CHANNELS
                .iter()
                .filter(|to| row[index(**to)] > 0)
                .map(|to| match *to == from {
                    true => format!("{} stay {}", row[index(*to)], name(*to)),
                    false => format!("{} would go {}", row[index(*to)], name(*to)),
                })
                .collect();
            let parts = if parts.is_empty() {
                "none".to_string()
            } else {
                parts.join(", ")
            };
            writeln!(f, "recorded {:<6} {recorded:>6}: {parts}", name(from))?;
        }
        writeln!(f, "{} would change channel", self.changes.len())?;
        for change in &self.changes {
            let drawn = if change.drawn { ", drawn" } else { "" };
            writeln!(
                f,
                "  {}: {} -> {} ({}{drawn})",
                change.label,
                name(change.from),
                name(change.to),
                if change.rule_ids.is_empty() {
                    "no rule".to_string()
                } else {
                    change.rule_ids.join(", ")
                }
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customs::scenario;

    /// The §7 declarations, recorded as the default set decided them.
    fn recorded() -> Vec<Replay> {
        let default = scenario::rules("default.toml");
        scenario::story()
            .into_iter()
            .map(|(label, inputs)| Replay {
                label: label.into(),
                recorded: evaluate(&default, &inputs).channel,
                inputs,
            })
            .collect()
    }

    #[test]
    fn the_same_set_changes_nothing() {
        let report = backtest(&scenario::rules("default.toml"), &recorded());
        assert!(report.changes.is_empty());
        assert_eq!(report.count(Channel::Green, Channel::Green), 2);
        assert_eq!(report.count(Channel::Red, Channel::Red), 1);
        assert_eq!(report.total(), 3);
    }

    #[test]
    fn the_strict_set_turns_the_khorgos_declarations_yellow() {
        let strict = scenario::rules("strict.toml");
        let report = backtest(&strict, &recorded());
        let changed: Vec<(&str, Channel, Channel)> = report
            .changes
            .iter()
            .map(|c| (c.label.as_str(), c.from, c.to))
            .collect();
        assert_eq!(
            changed,
            [
                ("cn_export", Channel::Green, Channel::Yellow),
                ("kz_import", Channel::Green, Channel::Yellow)
            ]
        );
        assert_eq!(report.changes[0].rule_ids, ["GDS-VEHICLE-PARTS"]);
        assert_eq!(report.count(Channel::Green, Channel::Yellow), 2);
        assert_eq!(report.count(Channel::Red, Channel::Red), 1);
        let shown = report.to_string();
        assert!(shown.starts_with(&format!(
            "back-test of 3 declarations under {}",
            strict.version_label()
        )));
        assert!(
            shown.contains("recorded green       2: 2 would go yellow\n"),
            "{shown}"
        );
        assert!(shown.contains("recorded yellow      0: none\n"), "{shown}");
        assert!(
            shown.contains("recorded red         1: 1 stay red\n"),
            "{shown}"
        );
        assert!(
            shown.contains("  kz_import: green -> yellow (GDS-VEHICLE-PARTS)\n"),
            "{shown}"
        );
    }

    #[test]
    fn an_officers_override_counts_as_recorded() {
        let mut replays = recorded();
        // The Aktau declaration was overridden to yellow after the seller's explanation.
        replays[2].recorded = Channel::Yellow;
        let report = backtest(&scenario::rules("default.toml"), &replays);
        assert_eq!(report.changes.len(), 1);
        assert_eq!(report.changes[0].to, Channel::Red);
        assert_eq!(report.count(Channel::Yellow, Channel::Red), 1);
    }
}
