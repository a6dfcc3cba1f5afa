//! Clearance rule sets: a TOML rules file and the data files beside it, parsed, checked and
//! compiled for [`super::evaluate`].
//!
//! # The rules file
//!
//! ```toml
//! name = "kz-default"          # optional label shown with the version id
//! bands = "bands.csv"          # reference price bands, a file beside this one (optional)
//! watchlist = "watchlist.csv"  # watch lists of parties, a file beside this one (optional)
//!
//! [channels]                   # the sum of the hits' weights picks the channel
//! yellow_from = 40             # score >= 40: yellow (document check)
//! red_from = 80                # score >= 80: red (physical inspection)
//!
//! [draw]                       # random selection (optional); see `draw`
//! rate_ppm = 10000             # parts per million: 1 %
//! channel = "yellow"           # the least channel a selected declaration gets
//!
//! [[rule]]
//! id = "VAL-BAND-LOW"          # [A-Z0-9._-], at most 64 bytes, unique
//! version = 1                  # bump when the rule's meaning changes
//! weight = 50                  # added to the score (negative lowers it) ...
//! # forced = "red"             # ... or: the least channel this rule imposes (yellow or red)
//! reason = "declared unit value below the reference band for HS {hs6} from {origin}"
//! when = { unit_value_below_band = { margin_pct = 0 } }
//! ```
//!
//! A condition is one predicate, or a combination: `{ all = [c, …] }`, `{ any = [c, …] }`,
//! `{ not = c }`. Predicates without parameters are written as strings (`when =
//! "mirror_missing"`, `{ not = "no_reference_band" }`). The predicates:
//!
//! | predicate | holds when |
//! |---|---|
//! | `unit_value_below_band = { margin_pct = 0 }` | the declared value per band unit (kg of net mass, or the declared unit) is below the band's low end less `margin_pct` % |
//! | `unit_value_above_band = { margin_pct = 0 }` | … above the band's high end plus `margin_pct` % |
//! | `"no_reference_band"` | no band for the HS-6 and origin (or `*`) in the declared currency and unit |
//! | `value_exceeds_lc_amount = { tolerance_pct = 10 }` | the customs value exceeds the linked credit's amount by more than the tolerance |
//! | `value_below_lc_amount = { tolerance_pct = 10 }` | … is below it by more than the tolerance |
//! | `value_differs_from_invoice = { tolerance_pct = 2 }` | the customs value and the linked invoice's total differ by more than the tolerance (of the invoice total) |
//! | `mirror_mismatch = { field = "value", tolerance_pct = 5 }` | the mirror declaration differs in `value`, `quantity`, `gross_mass`, `net_mass` or `hs6` by more than the tolerance (of the larger) |
//! | `"mirror_missing"` | no mirror declaration is linked |
//! | `party_on_watchlist = { list = "sanctions", parties = ["consignor"] }` | a party (`declarant`, `consignor`, `consignee`; all three by default) is on the named list, by tax id or name |
//! | `hs_chapter_in = ["93", "71"]` | the HS chapter is one of these |
//! | `hs_subheading_in = ["870840"]` | the HS-6 subheading is one of these |
//! | `origin_in = ["AF"]` | the country of origin is one of these |
//! | `declaration_kind_in = ["import"]` | the declaration is an export, import or transit as listed |
//! | `border_post_in = ["AKTAU"]` | the border post is one of these |
//! | `aeo = false` | the declarant's AEO status is as given |
//! | `pre_arrival = true` | the declaration was lodged before the goods arrived (or not) |
//!
//! A predicate over linked data that is absent (no credit, no invoice, no mirror, no band) does
//! not hold; rules that care say so with `mirror_missing` or `no_reference_band`. A value in
//! another currency than the linked document's does not compare and does not hold.
//!
//! Reasons may name `{hs6}`, `{hs_code}`, `{origin}`, `{border_post}`, `{reference}`,
//! `{value}`, `{currency}` and `{kind}`; any other `{…}` is refused. What was observed goes
//! into each hit's evidence, which the engine writes.
//!
//! `bands.csv`: `hs6,origin,currency,basis,low,high` (origin `*` for any; basis `kg` for net
//! mass or a UN/ECE unit code such as `C62`). `watchlist.csv`: `list,tax_id,name,note` (a tax id,
//! a name, or both; compared upper-cased, letters and digits only).
//!
//! # Versions and reloading
//!
//! A [`RuleSet`]'s version id is SHA-256 of the canonical CBOR of what it decides with: the
//! label, thresholds, draw, every rule as parsed and the data rows, sorted. Comments and layout
//! do not change it; any change of meaning does. [`RuleSetHolder`] swaps a new set in whole and
//! keeps the set in force when a reload fails.
//!
//! Deliberately not here: evaluating (`evaluate`), activating a set network-wide (governance),
//! watching files (the shell calls reload). Every error names the file and the line at fault.
//! Everything is bounded: file size, rules, nesting, list lengths, data rows.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use trade_docs::document::DeclarationKind;
use trade_docs::instrument::{Channel, HitEffect, RULE_ID_LEN_MAX};
use trade_docs::{Country, Currency, Decimal, Fingerprint};

use super::hs::split_csv_line;
use super::mirror::MirrorField;

/// At most this many bytes in a rules or data file.
pub const FILE_SIZE_MAX_BYTES: usize = 4 * 1024 * 1024;
/// At most this many rules in a set.
pub const RULES_LEN_MAX: usize = 1024;
/// Conditions nest at most this deep.
pub const CONDITION_DEPTH_MAX: usize = 8;
/// At most this many items in a predicate's list or a combination.
pub const CONDITION_LIST_MAX: usize = 256;
/// At most this many rows in a data file.
pub const DATA_ROWS_MAX: usize = 100_000;
/// At most this many distinct watch lists.
pub const WATCHLISTS_MAX: usize = 32;
/// At most this many characters in a reason template.
pub const REASON_LEN_MAX: usize = 200;
/// Weights lie within ± this bound.
pub const WEIGHT_ABS_MAX: i32 = 1000;

/// The placeholders a reason may name.
pub const REASON_PLACEHOLDERS: [&str; 8] = [
    "hs6",
    "hs_code",
    "origin",
    "border_post",
    "reference",
    "value",
    "currency",
    "kind",
];

/// Why a rule set was refused; every variant names the file and, where there is one, the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("{file}: cannot be read: {problem}")]
    Read { file: String, problem: String },
    #[error("{file}: {size} bytes, over the limit of {max}")]
    TooLarge {
        file: String,
        size: usize,
        max: usize,
    },
    #[error("{file}, line {line}, column {column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}, line {line}: rule '{rule_id}': {problem}")]
    Rule {
        file: String,
        line: usize,
        rule_id: String,
        problem: String,
    },
    #[error("{file}, line {line}: {problem}")]
    Data {
        file: String,
        line: usize,
        problem: String,
    },
    #[error("{file}: key '{key}': {problem}")]
    Key {
        file: String,
        key: String,
        problem: String,
    },
}

/// Sums of weights at or above which a declaration goes yellow, and red.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub yellow_from: i64,
    pub red_from: i64,
}

/// The random selection: its rate and the least channel a selected declaration gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawSpec {
    pub rate_ppm: u32,
    pub channel: Channel,
}

/// A condition as written in the rules file; see the module documentation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    UnitValueBelowBand {
        #[serde(default)]
        margin_pct: u32,
    },
    UnitValueAboveBand {
        #[serde(default)]
        margin_pct: u32,
    },
    NoReferenceBand,
    ValueExceedsLcAmount {
        tolerance_pct: u32,
    },
    ValueBelowLcAmount {
        tolerance_pct: u32,
    },
    ValueDiffersFromInvoice {
        tolerance_pct: u32,
    },
    MirrorMismatch {
        field: MirrorField,
        #[serde(default)]
        tolerance_pct: u32,
    },
    MirrorMissing,
    PartyOnWatchlist {
        list: String,
        #[serde(default = "PartyRole::all")]
        parties: Vec<PartyRole>,
    },
    HsChapterIn(Vec<String>),
    HsSubheadingIn(Vec<String>),
    OriginIn(Vec<Country>),
    DeclarationKindIn(Vec<DeclarationKind>),
    BorderPostIn(Vec<String>),
    Aeo(bool),
    PreArrival(bool),
}

/// The parties of a declaration a watch list is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    Declarant,
    Consignor,
    Consignee,
}

/// One rule as written (and hashed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced: Option<Channel>,
    pub reason: String,
    pub when: Condition,
}

/// A rule ready to evaluate.
#[derive(Clone, Debug)]
pub struct Rule {
    pub spec: RuleSpec,
    pub effect: HitEffect,
    /// The line of the rules file where the rule is written.
    pub line: usize,
    pub(crate) predicate: Predicate,
    /// The reason template, split at its placeholders.
    pub(crate) reason: Vec<Piece>,
}

/// A piece of a reason template: text as written, or a placeholder to fill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    Placeholder(Placeholder),
}

/// The values a reason may name, in the order of [`REASON_PLACEHOLDERS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placeholder {
    Hs6,
    HsCode,
    Origin,
    BorderPost,
    Reference,
    Value,
    Currency,
    Kind,
}

impl Placeholder {
    const ALL: [Placeholder; 8] = [
        Self::Hs6,
        Self::HsCode,
        Self::Origin,
        Self::BorderPost,
        Self::Reference,
        Self::Value,
        Self::Currency,
        Self::Kind,
    ];
}

/// Where a band's unit value is measured.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Per kilogram of net mass.
    Kg,
    /// Per declared unit (UN/ECE Recommendation 20 code, e.g. `C62`).
    Unit(String),
}

/// A reference price band for one HS-6 subheading and origin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Band {
    pub hs6: String,
    /// `None` for any origin (`*`).
    pub origin: Option<Country>,
    pub currency: Currency,
    pub basis: Basis,
    pub low: Decimal,
    pub high: Decimal,
}

/// One watch-list entry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct WatchEntry {
    pub list: String,
    pub tax_id: String,
    pub name: String,
    pub note: String,
}

/// A parsed, checked and compiled rule set with its version id.
#[derive(Debug)]
pub struct RuleSet {
    hash: Fingerprint,
    name: Option<String>,
    thresholds: Thresholds,
    draw: Option<DrawSpec>,
    rules: Vec<Rule>,
    pub(crate) bands: Bands,
    pub(crate) watchlists: Watchlists,
}

/// The rule set in force, swapped whole on reload; readers hold an `Arc` to the set they
/// started with, so a reload never changes an evaluation half-way.
#[derive(Debug)]
pub struct RuleSetHolder {
    current: RwLock<Arc<RuleSet>>,
}

impl RuleSet {
    /// Reads the rules file at `path` and the data files it names, beside it. The only IO of
    /// this module; [`RuleSet::parse`] does the rest.
    pub fn load(path: &Path) -> Result<RuleSet, RulesError> {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        let text = read_bounded(path, &file)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        RuleSet::parse(&file, &text, &mut |name| {
            read_bounded(&dir.join(name), name)
        })
    }

    /// Parses a rules file named `file` (for messages) whose data files `read` supplies by
    /// name. Pure apart from what `read` does.
    pub fn parse(
        file: &str,
        text: &str,
        read: &mut dyn FnMut(&str) -> Result<String, RulesError>,
    ) -> Result<RuleSet, RulesError> {
        check_size(file, text)?;
        let parsed: RulesFile = toml::from_str(text).map_err(|e| syntax(file, text, &e))?;
        check_thresholds(file, &parsed)?;
        let bands = match &parsed.bands {
            Some(name) => Bands::parse(name, &read_data(file, "bands", name, read)?)?,
            None => Bands::default(),
        };
        let watchlists = match &parsed.watchlist {
            Some(name) => Watchlists::parse(name, &read_data(file, "watchlist", name, read)?)?,
            None => Watchlists::default(),
        };
        let rules = compile_rules(file, text, &parsed.rules, &watchlists)?;
        let hash = content_hash(&parsed, &bands, &watchlists)?;
        Ok(RuleSet {
            hash,
            name: parsed.name,
            thresholds: parsed.channels,
            draw: parsed.draw,
            rules,
            bands,
            watchlists,
        })
    }

    /// SHA-256 of the canonical bytes of rules and data: the set's version id.
    pub fn hash(&self) -> Fingerprint {
        self.hash
    }

    /// The version id as shown: the label, if any, and the hash's first 12 hex digits.
    pub fn version_label(&self) -> String {
        let short = &self.hash.to_string()[..12];
        match &self.name {
            Some(name) => format!("{name}@{short}"),
            None => short.to_string(),
        }
    }

    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    pub fn draw(&self) -> Option<DrawSpec> {
        self.draw
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The channel a score reaches.
    pub fn channel_of_score(&self, score: i64) -> Channel {
        if score >= self.thresholds.red_from {
            Channel::Red
        } else if score >= self.thresholds.yellow_from {
            Channel::Yellow
        } else {
            Channel::Green
        }
    }
}

impl RuleSetHolder {
    pub fn new(rules: RuleSet) -> RuleSetHolder {
        RuleSetHolder {
            current: RwLock::new(Arc::new(rules)),
        }
    }

    /// The set in force.
    pub fn current(&self) -> Arc<RuleSet> {
        // A poisoned lock still holds a whole Arc: the only write is one assignment.
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Loads a new set with `load` and puts it in force; when `load` fails, the set in force
    /// stays and the error is returned.
    pub fn reload(
        &self,
        load: impl FnOnce() -> Result<RuleSet, RulesError>,
    ) -> Result<Arc<RuleSet>, RulesError> {
        let next = Arc::new(load()?);
        let mut guard = match self.current.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::clone(&next);
        Ok(next)
    }
}

impl PartyRole {
    pub const ALL: [PartyRole; 3] = [Self::Declarant, Self::Consignor, Self::Consignee];

    fn all() -> Vec<PartyRole> {
        Self::ALL.to_vec()
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Declarant => "declarant",
            Self::Consignor => "consignor",
            Self::Consignee => "consignee",
        }
    }

    pub(crate) fn bit(&self) -> u8 {
        match self {
            Self::Declarant => 1,
            Self::Consignor => 2,
            Self::Consignee => 4,
        }
    }
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Basis::Kg => f.write_str("kg"),
            Basis::Unit(code) => f.write_str(code),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The file as serde reads it.

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bands: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    watchlist: Option<String>,
    channels: Thresholds,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    draw: Option<DrawSpec>,
    #[serde(default, rename = "rule")]
    rules: Vec<toml::Spanned<RuleSpec>>,
}

/// What the version id hashes: the meaning of the set, in a fixed order.
#[derive(Serialize)]
struct Canonical<'a> {
    domain: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: &'a Option<String>,
    channels: Thresholds,
    #[serde(skip_serializing_if = "Option::is_none")]
    draw: Option<DrawSpec>,
    rules: Vec<&'a RuleSpec>,
    bands: Vec<&'a Band>,
    watchlist: Vec<&'a WatchEntry>,
}

fn content_hash(
    parsed: &RulesFile,
    bands: &Bands,
    watchlists: &Watchlists,
) -> Result<Fingerprint, RulesError> {
    let mut band_rows: Vec<&Band> = bands.by_key.values().collect();
    band_rows.sort_by(|a, b| (&a.hs6, a.origin, &a.basis).cmp(&(&b.hs6, b.origin, &b.basis)));
    let mut watch_rows: Vec<&WatchEntry> = watchlists.entries.iter().collect();
    watch_rows.sort();
    let canonical = Canonical {
        domain: "silkway/customs-rules/v1",
        name: &parsed.name,
        channels: parsed.channels,
        draw: parsed.draw,
        rules: parsed.rules.iter().map(|r| r.get_ref()).collect(),
        bands: band_rows,
        watchlist: watch_rows,
    };
    let bytes = trade_docs::cbor::to_canonical(&canonical).map_err(|e| RulesError::Key {
        file: "rule set".into(),
        key: "(all)".into(),
        problem: format!("does not encode: {e}"),
    })?;
    Ok(Fingerprint::sha256(&bytes))
}

fn check_size(file: &str, text: &str) -> Result<(), RulesError> {
    if text.len() > FILE_SIZE_MAX_BYTES {
        return Err(RulesError::TooLarge {
            file: file.into(),
            size: text.len(),
            max: FILE_SIZE_MAX_BYTES,
        });
    }
    Ok(())
}

fn read_bounded(path: &Path, file: &str) -> Result<String, RulesError> {
    let read_error = |e: std::io::Error| RulesError::Read {
        file: file.into(),
        problem: e.to_string(),
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > FILE_SIZE_MAX_BYTES as u64 {
        return Err(RulesError::TooLarge {
            file: file.into(),
            size: usize::try_from(size).unwrap_or(usize::MAX),
            max: FILE_SIZE_MAX_BYTES,
        });
    }
    std::fs::read_to_string(path).map_err(read_error)
}

/// A data file named in the rules file: a plain file name beside it, nothing else.
fn read_data(
    file: &str,
    key: &str,
    name: &str,
    read: &mut dyn FnMut(&str) -> Result<String, RulesError>,
) -> Result<String, RulesError> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && name.chars().all(|c| c.is_ascii_graphic());
    if !plain {
        return Err(RulesError::Key {
            file: file.into(),
            key: key.into(),
            problem: format!("'{name}' is not a plain file name beside the rules file"),
        });
    }
    let text = read(name)?;
    check_size(name, &text)?;
    Ok(text)
}

/// A TOML error at its line and column (from the span toml reports).
fn syntax(file: &str, text: &str, error: &toml::de::Error) -> RulesError {
    let (line, column) = error
        .span()
        .map_or((1, 1), |span| line_and_column(text, span.start));
    RulesError::Syntax {
        file: file.into(),
        line,
        column,
        message: error.message().trim().to_string(),
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, column)
}

fn check_thresholds(file: &str, parsed: &RulesFile) -> Result<(), RulesError> {
    let t = parsed.channels;
    let key_error = |key: &str, problem: String| RulesError::Key {
        file: file.into(),
        key: key.into(),
        problem,
    };
    if t.yellow_from <= 0 {
        return Err(key_error(
            "channels.yellow_from",
            format!("is {}, must be above 0", t.yellow_from),
        ));
    }
    if t.red_from < t.yellow_from {
        return Err(key_error(
            "channels.red_from",
            format!("is {}, below yellow_from {}", t.red_from, t.yellow_from),
        ));
    }
    if let Some(draw) = parsed.draw {
        if draw.rate_ppm > super::draw::RATE_PPM_MAX {
            return Err(key_error(
                "draw.rate_ppm",
                format!("is {}, more than 1000000 (100 %)", draw.rate_ppm),
            ));
        }
        if draw.channel == Channel::Green {
            return Err(key_error(
                "draw.channel",
                "must be yellow or red: a selection is a control".into(),
            ));
        }
    }
    if parsed.rules.len() > RULES_LEN_MAX {
        return Err(key_error(
            "rule",
            format!("{} rules, more than {RULES_LEN_MAX}", parsed.rules.len()),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Compiling rules.

/// A condition compiled for evaluation: lists resolved to indexes, sets to bit masks.
#[derive(Clone, Debug)]
pub(crate) enum Predicate {
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Not(Box<Predicate>),
    BandBelow {
        margin_pct: u32,
    },
    BandAbove {
        margin_pct: u32,
    },
    NoBand,
    LcAbove {
        tolerance_pct: u32,
    },
    LcBelow {
        tolerance_pct: u32,
    },
    InvoiceDiffers {
        tolerance_pct: u32,
    },
    Mirror {
        field: MirrorField,
        tolerance_pct: u32,
    },
    MirrorMissing,
    Watch {
        list: usize,
        parties: u8,
    },
    /// Bit `c` set for chapter `c` (1–97).
    Chapters(u128),
    /// Sorted HS-6 numbers.
    Subheadings(Vec<u32>),
    Origins(Vec<Country>),
    Kinds(Vec<DeclarationKind>),
    Posts(Vec<String>),
    Aeo(bool),
    PreArrival(bool),
}

fn compile_rules(
    file: &str,
    text: &str,
    specs: &[toml::Spanned<RuleSpec>],
    watchlists: &Watchlists,
) -> Result<Vec<Rule>, RulesError> {
    let mut seen = BTreeSet::new();
    let mut rules = Vec::with_capacity(specs.len());
    for spanned in specs {
        let spec = spanned.get_ref();
        let line = rule_line(text, spanned.span());
        let fault = |problem: String| RulesError::Rule {
            file: file.into(),
            line,
            rule_id: spec.id.clone(),
            problem,
        };
        check_rule_id(&spec.id).map_err(&fault)?;
        if !seen.insert(spec.id.as_str()) {
            return Err(fault("the id is used by an earlier rule".into()));
        }
        let effect = effect_of(spec).map_err(&fault)?;
        let reason = compile_reason(&spec.reason).map_err(&fault)?;
        let predicate = compile(&spec.when, watchlists, 1).map_err(&fault)?;
        rules.push(Rule {
            spec: spec.clone(),
            effect,
            line,
            predicate,
            reason,
        });
    }
    Ok(rules)
}

/// The line of a rule: the `[[rule]]` header above its first key, when there is one.
fn rule_line(text: &str, span: Range<usize>) -> usize {
    let (line, _) = line_and_column(text, span.start);
    let before = text.get(..span.start).unwrap_or("");
    match before.rfind("[[rule]]") {
        Some(at) if before[at..].lines().skip(1).all(|l| l.trim().is_empty()) => {
            line_and_column(text, at).0
        }
        _ => line,
    }
}

fn check_rule_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= RULE_ID_LEN_MAX
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the id must be 1 to {RULE_ID_LEN_MAX} characters of A-Z, 0-9, '-', '_', '.'"
        ))
    }
}

fn effect_of(spec: &RuleSpec) -> Result<HitEffect, String> {
    match (spec.weight, spec.forced) {
        (Some(weight), None) if weight.abs() <= WEIGHT_ABS_MAX => Ok(HitEffect::Weight(weight)),
        (Some(weight), None) => Err(format!(
            "weight {weight} is outside -{WEIGHT_ABS_MAX}..={WEIGHT_ABS_MAX}"
        )),
        (None, Some(Channel::Green)) => Err("forced must be yellow or red".into()),
        (None, Some(channel)) => Ok(HitEffect::Forced(channel)),
        (Some(_), Some(_)) => Err("has both a weight and a forced channel; give one".into()),
        (None, None) => Err("has neither a weight nor a forced channel".into()),
    }
}

/// Checks a reason template and splits it at its placeholders.
fn compile_reason(reason: &str) -> Result<Vec<Piece>, String> {
    if reason.trim().is_empty() {
        return Err("the reason must not be blank".into());
    }
    if reason.chars().count() > REASON_LEN_MAX {
        return Err(format!(
            "the reason is longer than {REASON_LEN_MAX} characters"
        ));
    }
    let mut pieces = Vec::new();
    let mut rest = reason;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err("the reason has a '{' without its '}'".into());
        };
        let name = &after[..close];
        let found = REASON_PLACEHOLDERS.iter().position(|p| *p == name);
        let Some(placeholder) = found.and_then(|i| Placeholder::ALL.get(i)) else {
            return Err(format!(
                "the reason names {{{name}}}; known: {}",
                REASON_PLACEHOLDERS.join(", ")
            ));
        };
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_string()));
        }
        pieces.push(Piece::Placeholder(*placeholder));
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err("the reason has a '}' without its '{'".into());
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Ok(pieces)
}

fn compile(
    condition: &Condition,
    watchlists: &Watchlists,
    depth: usize,
) -> Result<Predicate, String> {
    use Condition as C;
    use Predicate as P;
    if depth > CONDITION_DEPTH_MAX {
        return Err(format!(
            "the condition nests deeper than {CONDITION_DEPTH_MAX}"
        ));
    }
    let children = |list: &[Condition], name: &str| -> Result<Vec<Predicate>, String> {
        bounded(list, name)?;
        if list.is_empty() {
            return Err(format!("'{name}' needs at least one condition"));
        }
        list.iter()
            .map(|c| compile(c, watchlists, depth + 1))
            .collect()
    };
    Ok(match condition {
        C::All(list) => P::All(children(list, "all")?),
        C::Any(list) => P::Any(children(list, "any")?),
        C::Not(inner) => P::Not(Box::new(compile(inner, watchlists, depth + 1)?)),
        C::UnitValueBelowBand { margin_pct } => P::BandBelow {
            margin_pct: percent("margin_pct", *margin_pct)?,
        },
        C::UnitValueAboveBand { margin_pct } => P::BandAbove {
            margin_pct: *margin_pct,
        },
        C::NoReferenceBand => P::NoBand,
        C::ValueExceedsLcAmount { tolerance_pct } => P::LcAbove {
            tolerance_pct: *tolerance_pct,
        },
        C::ValueBelowLcAmount { tolerance_pct } => P::LcBelow {
            tolerance_pct: percent("tolerance_pct", *tolerance_pct)?,
        },
        C::ValueDiffersFromInvoice { tolerance_pct } => P::InvoiceDiffers {
            tolerance_pct: percent("tolerance_pct", *tolerance_pct)?,
        },
        C::MirrorMismatch {
            field,
            tolerance_pct,
        } => P::Mirror {
            field: *field,
            tolerance_pct: percent("tolerance_pct", *tolerance_pct)?,
        },
        C::MirrorMissing => P::MirrorMissing,
        C::PartyOnWatchlist { list, parties } => compile_watch(list, parties, watchlists)?,
        C::HsChapterIn(chapters) => P::Chapters(chapter_mask(chapters)?),
        C::HsSubheadingIn(codes) => P::Subheadings(subheadings(codes)?),
        C::OriginIn(countries) => P::Origins(bounded(countries, "origin_in")?.to_vec()),
        C::DeclarationKindIn(kinds) => P::Kinds(bounded(kinds, "declaration_kind_in")?.to_vec()),
        C::BorderPostIn(posts) => P::Posts(
            bounded(posts, "border_post_in")?
                .iter()
                .map(|p| p.trim().to_ascii_uppercase())
                .collect(),
        ),
        C::Aeo(aeo) => P::Aeo(*aeo),
        C::PreArrival(pre) => P::PreArrival(*pre),
    })
}

fn bounded<'a, T>(list: &'a [T], name: &str) -> Result<&'a [T], String> {
    if list.len() > CONDITION_LIST_MAX {
        return Err(format!(
            "'{name}' lists {} items, more than {CONDITION_LIST_MAX}",
            list.len()
        ));
    }
    Ok(list)
}

/// Percentages that subtract from 100 must not exceed it.
fn percent(name: &str, value: u32) -> Result<u32, String> {
    if value > 100 {
        return Err(format!("{name} is {value}, more than 100"));
    }
    Ok(value)
}

fn compile_watch(
    list: &str,
    parties: &[PartyRole],
    watchlists: &Watchlists,
) -> Result<Predicate, String> {
    let index = watchlists.index_of(list).ok_or_else(|| {
        format!(
            "watch list '{list}' is not in the watchlist file (lists: {})",
            watchlists.names.join(", ")
        )
    })?;
    if parties.is_empty() {
        return Err("'parties' must name at least one party".into());
    }
    let mask = parties.iter().fold(0, |mask, p| mask | p.bit());
    Ok(Predicate::Watch {
        list: index,
        parties: mask,
    })
}

fn chapter_mask(chapters: &[String]) -> Result<u128, String> {
    bounded(chapters, "hs_chapter_in")?;
    chapters.iter().try_fold(0u128, |mask, chapter| {
        let number = chapter
            .parse::<u8>()
            .ok()
            .filter(|c| chapter.len() == 2 && (1..=97).contains(c))
            .ok_or_else(|| format!("'{chapter}' is not an HS chapter (01 to 97)"))?;
        Ok(mask | (1u128 << number))
    })
}

fn subheadings(codes: &[String]) -> Result<Vec<u32>, String> {
    bounded(codes, "hs_subheading_in")?;
    let mut numbers = codes
        .iter()
        .map(|code| {
            code.parse::<u32>()
                .ok()
                .filter(|_| code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| format!("'{code}' is not a 6-digit HS subheading"))
        })
        .collect::<Result<Vec<u32>, String>>()?;
    numbers.sort_unstable();
    Ok(numbers)
}

// ---------------------------------------------------------------------------------------------
// Data files.

/// Reference bands by (HS-6, origin); origin `**` stands for any.
#[derive(Debug, Default)]
pub(crate) struct Bands {
    by_key: HashMap<(u32, [u8; 2]), Band>,
}

/// Watch lists: names (a list's index is its bit) and entries by normalized tax id and name.
#[derive(Debug, Default)]
pub(crate) struct Watchlists {
    names: Vec<String>,
    by_tax_id: HashMap<String, u32>,
    by_name: HashMap<String, u32>,
    entries: Vec<WatchEntry>,
}

const ANY_ORIGIN: [u8; 2] = *b"**";

impl Bands {
    fn parse(file: &str, text: &str) -> Result<Bands, RulesError> {
        let mut bands = Bands::default();
        for (line, fields) in data_rows(file, text, "hs6,origin,currency,basis,low,high", 6)? {
            let fault = |problem: String| RulesError::Data {
                file: file.into(),
                line,
                problem,
            };
            let band = band_of(&fields).map_err(fault)?;
            let number = band.hs6.parse::<u32>().unwrap_or_default();
            let origin = band.origin.map_or(ANY_ORIGIN, |c| country_bytes(&c));
            if bands.by_key.insert((number, origin), band).is_some() {
                return Err(fault(format!(
                    "a second band for HS {} and origin {}",
                    fields[0], fields[1]
                )));
            }
        }
        Ok(bands)
    }

    /// The band for a subheading and origin, or the one for any origin.
    pub(crate) fn find(&self, hs6: u32, origin: &Country) -> Option<&Band> {
        self.by_key
            .get(&(hs6, country_bytes(origin)))
            .or_else(|| self.by_key.get(&(hs6, ANY_ORIGIN)))
    }
}

fn country_bytes(country: &Country) -> [u8; 2] {
    let b = country.as_str().as_bytes();
    [b[0], b[1]]
}

fn band_of(fields: &[String]) -> Result<Band, String> {
    let [hs6, origin, currency, basis, low, high] = fields else {
        return Err(format!("has {} columns, expected 6", fields.len()));
    };
    if hs6.len() != 6 || !hs6.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("hs6 '{hs6}' is not a 6-digit subheading"));
    }
    let origin = match origin.as_str() {
        "*" => None,
        code => Some(
            code.parse::<Country>()
                .map_err(|e| format!("origin: {e}"))?,
        ),
    };
    let currency: Currency = currency.parse().map_err(|e| format!("currency: {e}"))?;
    let basis = match basis.as_str() {
        "kg" => Basis::Kg,
        code if is_unit_code(code) => Basis::Unit(code.to_string()),
        other => return Err(format!("basis '{other}' is neither 'kg' nor a unit code")),
    };
    let low: Decimal = low.parse().map_err(|e| format!("low: {e}"))?;
    let high: Decimal = high.parse().map_err(|e| format!("high: {e}"))?;
    if low.is_negative() || low.is_zero() || high < low {
        return Err(format!("the band {low}–{high} must have 0 < low <= high"));
    }
    Ok(Band {
        hs6: hs6.clone(),
        origin,
        currency,
        basis,
        low,
        high,
    })
}

/// A UN/ECE Recommendation 20 code: 2 or 3 upper-case letters or digits.
pub(crate) fn is_unit_code(code: &str) -> bool {
    (2..=3).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl Watchlists {
    fn parse(file: &str, text: &str) -> Result<Watchlists, RulesError> {
        let mut lists = Watchlists::default();
        for (line, fields) in data_rows(file, text, "list,tax_id,name,note", 4)? {
            let fault = |problem: String| RulesError::Data {
                file: file.into(),
                line,
                problem,
            };
            let [list, tax_id, name, note] = fields.as_slice() else {
                return Err(fault(format!("has {} columns, expected 4", fields.len())));
            };
            let (list, id_key, name_key) = (list.trim(), normalize(tax_id), normalize(name));
            if list.is_empty() || (id_key.is_empty() && name_key.is_empty()) {
                return Err(fault("needs a list and a tax id or a name".into()));
            }
            let bit = lists.bit_of(list).map_err(fault)?;
            for (key, map) in [
                (id_key, &mut lists.by_tax_id),
                (name_key, &mut lists.by_name),
            ] {
                if !key.is_empty() {
                    *map.entry(key).or_default() |= bit;
                }
            }
            lists.entries.push(WatchEntry {
                list: list.into(),
                tax_id: tax_id.trim().into(),
                name: name.trim().into(),
                note: note.trim().into(),
            });
        }
        Ok(lists)
    }

    fn bit_of(&mut self, list: &str) -> Result<u32, String> {
        if let Some(index) = self.index_of(list) {
            return Ok(1 << index);
        }
        if self.names.len() == WATCHLISTS_MAX {
            return Err(format!("more than {WATCHLISTS_MAX} watch lists"));
        }
        self.names.push(list.to_string());
        Ok(1 << (self.names.len() - 1))
    }

    fn index_of(&self, list: &str) -> Option<usize> {
        self.names.iter().position(|n| n == list)
    }

    pub(crate) fn name(&self, index: usize) -> &str {
        self.names.get(index).map_or("?", String::as_str)
    }

    /// The lists (as a bit mask) a party with this tax id and name is on.
    pub(crate) fn lists_of(&self, tax_id: Option<&str>, name: &str) -> u32 {
        if self.entries.is_empty() {
            return 0;
        }
        let by_id = tax_id.map_or(0, |id| {
            self.by_tax_id.get(&normalize(id)).copied().unwrap_or(0)
        });
        by_id | self.by_name.get(&normalize(name)).copied().unwrap_or(0)
    }
}

/// Upper case, letters and digits only: `Kaspi  Trading, llp` and `KASPI TRADING LLP` agree.
pub(crate) fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The rows of a CSV data file after its header, with their line numbers.
fn data_rows(
    file: &str,
    text: &str,
    header: &str,
    columns: usize,
) -> Result<Vec<(usize, Vec<String>)>, RulesError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with('#')
    });
    match lines.next() {
        Some((_, first)) if first.trim() == header => {}
        other => {
            return Err(RulesError::Data {
                file: file.into(),
                line: other.map_or(1, |(index, _)| index + 1),
                problem: format!("the first row must be the header '{header}'"),
            })
        }
    }
    let mut rows = Vec::new();
    for (index, raw) in lines {
        let line = index + 1;
        let fault = |problem: String| RulesError::Data {
            file: file.into(),
            line,
            problem,
        };
        if rows.len() == DATA_ROWS_MAX {
            return Err(fault(format!("more than {DATA_ROWS_MAX} rows")));
        }
        let fields = split_csv_line(raw).map_err(fault)?;
        if fields.len() != columns {
            return Err(fault(format!(
                "has {} columns, expected {columns}",
                fields.len()
            )));
        }
        rows.push((
            line,
            fields.into_iter().map(|f| f.trim().to_string()).collect(),
        ));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANDS: &str = "hs6,origin,currency,basis,low,high\n870840,CN,USD,kg,11.00,25.00\n";
    const WATCH: &str = "list,tax_id,name,note\nsanctions,,KASPI SHADOW TRADING LLP,x\n";

    /// Parses `text` with the two data files above available by name.
    fn parse(text: &str) -> Result<RuleSet, RulesError> {
        parse_with(text, BANDS, WATCH)
    }

    fn parse_with(text: &str, bands: &str, watch: &str) -> Result<RuleSet, RulesError> {
        let mut read = |name: &str| match name {
            "bands.csv" => Ok(bands.to_string()),
            "watchlist.csv" => Ok(watch.to_string()),
            other => Err(RulesError::Read {
                file: other.into(),
                problem: "no such file".into(),
            }),
        };
        RuleSet::parse("test.toml", text, &mut read)
    }

    const HEAD: &str = "bands = \"bands.csv\"\nwatchlist = \"watchlist.csv\"\n\n[channels]\nyellow_from = 40\nred_from = 80\n";

    fn rule(body: &str) -> String {
        format!("{HEAD}\n[[rule]]\n{body}\n")
    }

    fn line_of(error: &RulesError) -> usize {
        match error {
            RulesError::Syntax { line, .. }
            | RulesError::Rule { line, .. }
            | RulesError::Data { line, .. } => *line,
            other => panic!("no line in {other}"),
        }
    }

    fn sample(name: &str) -> RuleSet {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .join(name);
        RuleSet::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn the_sample_rule_sets_load() {
        let default = sample("default.toml");
        let strict = sample("strict.toml");
        assert_eq!(default.rules().len(), 16);
        assert_eq!(strict.rules().len(), 17);
        assert_eq!(default.name(), Some("corridor-default"));
        assert!(default.version_label().starts_with("corridor-default@"));
        assert_eq!(
            default.version_label().len(),
            "corridor-default@".len() + 12
        );
        assert_ne!(default.hash(), strict.hash());
        assert_eq!(
            default.draw(),
            Some(DrawSpec {
                rate_ppm: 10_000,
                channel: Channel::Yellow
            })
        );
        // The rule's line is its `[[rule]]` header.
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/default.toml"),
        )
        .unwrap();
        let first = default.rules()[0].line;
        assert_eq!(text.lines().nth(first - 1), Some("[[rule]]"));
    }

    /// Rule line numbers below count from the top of `rule(…)`: HEAD is 6 lines, then a blank
    /// line, so `[[rule]]` is line 8 and the rule's first key line 9.
    #[test]
    fn a_malformed_rules_file_names_its_line() {
        let cases: Vec<(&str, String, usize, &str)> = vec![
            ("toml syntax", format!("{HEAD}\n[[rule]]\nid = \"A\nversion = 1\n"), 9, "string"),
            (
                "unknown predicate",
                rule("id = \"A\"\nversion = 1\nweight = 1\nreason = \"r\"\nwhen = { price_low = {} }"),
                13,
                "price_low",
            ),
            (
                "unknown key",
                rule("id = \"A\"\nversion = 1\nweight = 1\nreason = \"r\"\nwhen = \"mirror_missing\"\ncolour = 1"),
                14,
                "colour",
            ),
            (
                "weight and forced",
                rule("id = \"A\"\nversion = 1\nweight = 1\nforced = \"red\"\nreason = \"r\"\nwhen = \"mirror_missing\""),
                8,
                "both a weight and a forced",
            ),
            (
                "forced green",
                rule("id = \"A\"\nversion = 1\nforced = \"green\"\nreason = \"r\"\nwhen = \"mirror_missing\""),
                8,
                "yellow or red",
            ),
            (
                "bad id",
                rule("id = \"a b\"\nversion = 1\nweight = 1\nreason = \"r\"\nwhen = \"mirror_missing\""),
                8,
                "the id must be",
            ),
            (
                "unknown placeholder",
                rule("id = \"A\"\nversion = 1\nweight = 1\nreason = \"HS {hs8}\"\nwhen = \"mirror_missing\""),
                8,
                "{hs8}",
            ),
            (
                "unknown watch list",
                rule("id = \"A\"\nversion = 1\nweight = 1\nreason = \"r\"\nwhen = { party_on_watchlist = { list = \"pep\" } }"),
                8,
                "'pep' is not in the watchlist file",
            ),
            (
                "bad chapter",
                rule("id = \"A\"\nversion = 1\nweight = 1\nreason = \"r\"\nwhen = { hs_chapter_in = [\"98\"] }"),
                8,
                "'98' is not an HS chapter",
            ),
            (
                "bad country",
                rule("id = \"A\"\nversion = 1\nweight = 1\nreason = \"r\"\nwhen = { origin_in = [\"XX\"] }"),
                13,
                "XX",
            ),
            (
                "tolerance over 100",
                rule("id = \"A\"\nversion = 1\nweight = 1\nreason = \"r\"\nwhen = { value_below_lc_amount = { tolerance_pct = 150 } }"),
                8,
                "more than 100",
            ),
            (
                "empty any",
                rule("id = \"A\"\nversion = 1\nweight = 1\nreason = \"r\"\nwhen = { any = [] }"),
                8,
                "at least one",
            ),
            (
                "too deep",
                rule(&format!(
                    "id = \"A\"\nversion = 1\nweight = 1\nreason = \"r\"\nwhen = {}\"mirror_missing\"{}",
                    "{ not = ".repeat(9),
                    " }".repeat(9)
                )),
                8,
                "deeper than 8",
            ),
        ];
        for (name, text, line, words) in cases {
            let error = parse(&text).expect_err(name);
            assert_eq!(line_of(&error), line, "{name}: {error}");
            assert!(error.to_string().contains(words), "{name}: {error}");
            assert!(
                error.to_string().starts_with("test.toml"),
                "{name}: {error}"
            );
        }
        let duplicate = format!(
            "{}\n[[rule]]\nid = \"A\"\nversion = 2\nweight = 1\nreason = \"r\"\nwhen = {{ aeo = false }}\n",
            rule("id = \"A\"\nversion = 1\nweight = 1\nreason = \"r\"\nwhen = { aeo = true }")
        );
        let error = parse(&duplicate).unwrap_err();
        assert_eq!(line_of(&error), 15, "{error}");
        assert!(error.to_string().contains("used by an earlier rule"));
    }

    #[test]
    fn keys_outside_rules_are_named() {
        let cases = [
            (
                HEAD.replace("yellow_from = 40", "yellow_from = 0"),
                "channels.yellow_from",
            ),
            (
                HEAD.replace("red_from = 80", "red_from = 30"),
                "channels.red_from",
            ),
            (
                format!("{HEAD}\n[draw]\nrate_ppm = 2000000\nchannel = \"yellow\"\n"),
                "draw.rate_ppm",
            ),
            (
                format!("{HEAD}\n[draw]\nrate_ppm = 20\nchannel = \"green\"\n"),
                "draw.channel",
            ),
            (HEAD.replace("bands.csv", "../bands.csv"), "bands"),
        ];
        for (text, key) in cases {
            match parse(&text) {
                Err(RulesError::Key { key: k, .. }) => assert_eq!(k, key),
                other => panic!("{key}: {other:?}"),
            }
        }
        match parse(&HEAD.replace("bands.csv", "missing.csv")) {
            Err(RulesError::Read { file, .. }) => assert_eq!(file, "missing.csv"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_malformed_data_file_names_its_line() {
        let header = "hs6,origin,currency,basis,low,high";
        let bands = [
            (
                format!("# comment\n{header}\n870840,CN,XXX,kg,1.00,2.00\n"),
                3,
                "currency",
            ),
            (
                format!("{header}\n870840,CN,USD,kg,1.00,2.00\n87084,CN,USD,kg,1.00,2.00\n"),
                3,
                "hs6",
            ),
            (
                format!("{header}\n870840,CN,USD,kg,3.00,2.00\n"),
                2,
                "low <= high",
            ),
            (
                format!("{header}\n870840,CN,USD,litre,3.00,4.00\n"),
                2,
                "basis",
            ),
            (format!("{header}\n870840,CN,USD,kg,1.00\n"), 2, "columns"),
            (
                format!("{header}\n870840,*,USD,kg,1,2\n\n870840,*,USD,kg,1,3\n"),
                4,
                "second band",
            ),
            ("hs6,origin\n".to_string(), 1, "header"),
        ];
        for (text, line, words) in bands {
            let error = parse_with(HEAD, &text, WATCH).unwrap_err();
            assert_eq!(line_of(&error), line, "{error}");
            assert!(error.to_string().contains(words), "{error}");
            assert!(error.to_string().starts_with("bands.csv"), "{error}");
        }
        let watch = "list,tax_id,name,note\nsanctions,,,no one\n";
        let error = parse_with(HEAD, BANDS, watch).unwrap_err();
        assert_eq!(line_of(&error), 2, "{error}");
        assert!(error.to_string().starts_with("watchlist.csv"));
    }

    #[test]
    fn the_version_id_follows_meaning_not_layout() {
        let body = "id = \"A\"\nversion = 1\nweight = 10\nreason = \"r\"\nwhen = { aeo = false }";
        let base = parse(&rule(body)).unwrap().hash();
        let relaid = rule(&format!("# a comment\n{}", body.replace(" = ", "   =   ")));
        assert_eq!(parse(&relaid).unwrap().hash(), base);
        let changed = [
            rule(&body.replace("weight = 10", "weight = 11")),
            rule(&body.replace("version = 1", "version = 2")),
            rule(&body.replace("reason = \"r\"", "reason = \"s\"")),
            rule(&body.replace("aeo = false", "aeo = true")),
            rule(body).replace("red_from = 80", "red_from = 81"),
        ];
        for text in changed {
            assert_ne!(parse(&text).unwrap().hash(), base, "{text}");
        }
        let other_band = BANDS.replace("25.00", "26.00");
        assert_ne!(
            parse_with(&rule(body), &other_band, WATCH).unwrap().hash(),
            base
        );
        let reordered_watch = "list,tax_id,name,note\nb,,Y,\na,,X,\n";
        let ordered_watch = "list,tax_id,name,note\na,,X,\nb,,Y,\n";
        assert_eq!(
            parse_with(&rule(body), BANDS, reordered_watch)
                .unwrap()
                .hash(),
            parse_with(&rule(body), BANDS, ordered_watch)
                .unwrap()
                .hash(),
        );
    }

    #[test]
    fn a_failed_reload_keeps_the_set_in_force() {
        let body = "id = \"A\"\nversion = 1\nweight = 10\nreason = \"r\"\nwhen = { aeo = false }";
        let holder = RuleSetHolder::new(parse(&rule(body)).unwrap());
        let before = holder.current().hash();
        let error = holder
            .reload(|| parse(&format!("{HEAD}\n[[rule]]\nid = ")))
            .unwrap_err();
        assert!(matches!(error, RulesError::Syntax { .. }));
        assert_eq!(holder.current().hash(), before);
        let next = holder
            .reload(|| parse(&rule(&body.replace("10", "20"))))
            .unwrap();
        assert_ne!(next.hash(), before);
        assert_eq!(holder.current().hash(), next.hash());
    }

    #[test]
    fn lines_and_columns_count_from_one() {
        let text = "ab\ncd\n";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, 1), (1, 2));
        assert_eq!(line_and_column(text, 3), (2, 1));
        assert_eq!(line_and_column(text, 99), (3, 1));
    }
}
