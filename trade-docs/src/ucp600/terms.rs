//! What the examination reads out of a credit's free text (45A goods, 46A documents required,
//! 47A additional conditions), once per examination.
//!
//! Reading rules, all by words (see `text`):
//! - a 46A clause calls for the document named by its *earliest* document keyword; a clause
//!   whose earliest keyword names a document this crate does not model (`BENEFICIARY'S
//!   CERTIFICATE ... COMMERCIAL INVOICE`, `INSURANCE POLICY`) is unrecognised, so it is reported
//!   as not examined rather than mistaken for the document it mentions later;
//! - a transport clause's mode comes from its earliest mode word: bill of lading, CMR / ROAD /
//!   TRUCK, SMGS / RAIL / RAILWAY; a bare `CONSIGNMENT NOTE` is a rail consignment note;
//! - the credit amount is "about" when ABOUT or APPROXIMATELY (the two words of art. 30(a))
//!   stands at most three tokens before the credit's currency code or its amount in 45A or 47A;
//! - a quantity is a number followed by a unit word in 45A (`70 UNITS`, `ABOUT 22.5 MT`);
//! - the required country of origin is read from `<COUNTRY> AS [COUNTRY OF] ORIGIN`,
//!   `[COUNTRY OF] ORIGIN[:] [IS|TO BE|...] <COUNTRY>` and `<COUNTRY> ORIGIN`;
//! - `ISSUED BY <X>` in a certificate-of-origin clause names its issuer; `CONSIGNED TO <X>` or
//!   `MADE OUT TO <X>` in a transport clause names its consignee; both phrases end at a comma or
//!   at the next verb-like word (`MARKED`, `SHOWING`, `NOTIFY`, ...);
//! - the credit-number requirement and the ban on documents dated before the credit, from 46A
//!   and 47A, with the documents they apply to (see [`Stipulation`]).
//!
//! What it deliberately does not do: understand conditions it has no rule for. Anything it cannot
//! read is left for the checks to report as not applicable, never guessed.
//!
//! Invariant: reading is total; any credit text produces terms.

use crate::codes::Country;
use crate::decimal::Decimal;
use crate::document::{DocumentKind, LetterOfCredit, TransportMode};

use super::text::{
    clause_words, country_at, country_ending_at, hs_codes, loose_tokens, parse_number,
    significant_stems, words, Words,
};

/// The terms of one credit, as the checks need them.
#[derive(Debug)]
pub(super) struct CreditTerms<'a> {
    /// Every 46A clause, in order, with the document it calls for.
    pub(super) clauses: Vec<Clause<'a>>,
    /// Whether the credit amount is described as "about" (art. 30(a)).
    pub(super) amount_about: bool,
    pub(super) quantity: StatedQuantity,
    /// HS codes named in 45A.
    pub(super) goods_hs: Vec<String>,
    /// Significant word stems of 45A.
    pub(super) goods_stems: Vec<String>,
    pub(super) origin: Origin<'a>,
    /// `ISSUED BY <X>` of a certificate-of-origin clause: the words of X and the clause.
    pub(super) origin_issuer: Option<(Words, &'a str)>,
    /// `CONSIGNED TO <X>` of transport clauses: mode, the words of X, and the clause.
    pub(super) consignees: Vec<(TransportMode, Words, &'a str)>,
    /// Where documents must indicate the credit number.
    pub(super) lc_number: Vec<Stipulation<'a>>,
    /// Conditions asking for the credit number that name no document (art. 14(h)).
    pub(super) lc_number_disregarded: Vec<&'a str>,
    /// Where documents must not be dated before the credit's issue date.
    pub(super) no_predating: Option<Stipulation<'a>>,
}

/// One 46A clause.
#[derive(Debug)]
pub(super) struct Clause<'a> {
    pub(super) text: &'a str,
    /// The clause's words, commas kept (see `text::clause_words`).
    pub(super) words: Words,
    pub(super) calls_for: Option<CalledFor>,
}

/// A document a 46A clause calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CalledFor {
    Invoice,
    PackingList,
    Transport(TransportMode),
    CertificateOfOrigin,
}

impl CalledFor {
    pub(super) fn kind(self) -> DocumentKind {
        match self {
            Self::Invoice => DocumentKind::Invoice,
            Self::PackingList => DocumentKind::PackingList,
            Self::Transport(_) => DocumentKind::TransportDocument,
            Self::CertificateOfOrigin => DocumentKind::CertificateOfOrigin,
        }
    }
}

/// Which presented documents a condition applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Scope {
    All,
    Only(Vec<DocumentKind>),
}

impl Scope {
    pub(super) fn covers(&self, kind: DocumentKind) -> bool {
        match self {
            Self::All => true,
            Self::Only(kinds) => kinds.contains(&kind),
        }
    }
}

/// A condition on documents, with the clause that states it.
#[derive(Clone, Debug)]
pub(super) struct Stipulation<'a> {
    pub(super) scope: Scope,
    pub(super) source: &'a str,
}

/// A quantity of goods stated in 45A.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum StatedQuantity {
    NotStated,
    Stated(Quantity),
    /// Quantities in units of different dimensions (`20 MT ... 100 UNITS`): not summed.
    Mixed(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Quantity {
    pub(super) value: Decimal,
    pub(super) unit: Unit,
    /// Preceded by ABOUT or APPROXIMATELY.
    pub(super) about: bool,
    /// As written (`70 UNITS`), for messages.
    pub(super) text: String,
}

/// A unit of quantity: its dimension and its size in the dimension's base unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Unit {
    pub(super) dimension: Dimension,
    pub(super) base_per_unit: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dimension {
    Pieces,
    Sets,
    Pairs,
    MassKg,
    VolumeLitre,
    LengthMetre,
}

impl Dimension {
    /// Goods counted in packing units or individual items get no art. 30(b) tolerance.
    pub(super) fn is_counted(self) -> bool {
        matches!(self, Self::Pieces | Self::Sets | Self::Pairs)
    }
}

impl Unit {
    const fn new(dimension: Dimension, base_per_unit: i64) -> Unit {
        Unit {
            dimension,
            base_per_unit,
        }
    }

    /// The unit of a UN/ECE Recommendation 20 code as invoices and packing lists carry it.
    pub(super) fn from_rec20(code: &str) -> Option<Unit> {
        use Dimension::*;
        let unit = match code.trim().to_ascii_uppercase().as_str() {
            "C62" | "H87" | "EA" | "NAR" | "PCE" => Unit::new(Pieces, 1),
            "SET" => Unit::new(Sets, 1),
            "PR" => Unit::new(Pairs, 1),
            "KGM" => Unit::new(MassKg, 1),
            "TNE" => Unit::new(MassKg, 1000),
            "LTR" => Unit::new(VolumeLitre, 1),
            "MTQ" => Unit::new(VolumeLitre, 1000),
            "MTR" => Unit::new(LengthMetre, 1),
            _ => return None,
        };
        Some(unit)
    }

    /// The unit a credit writes after a number (`UNITS`, `PCS`, `MT`, `KGS`).
    fn from_word(word: &str) -> Option<Unit> {
        use Dimension::*;
        let unit = match word {
            "UNIT" | "UNITS" | "PCS" | "PC" | "PIECE" | "PIECES" | "NOS" | "ITEMS" => {
                Unit::new(Pieces, 1)
            }
            "SET" | "SETS" => Unit::new(Sets, 1),
            "PAIR" | "PAIRS" => Unit::new(Pairs, 1),
            "KG" | "KGS" | "KILOGRAMS" | "KILOS" => Unit::new(MassKg, 1),
            "MT" | "TONS" | "TONNES" | "TON" | "TONNE" => Unit::new(MassKg, 1000),
            "LITRES" | "LITERS" | "LTR" | "L" => Unit::new(VolumeLitre, 1),
            "CBM" | "M3" => Unit::new(VolumeLitre, 1000),
            "METRES" | "METERS" | "M" | "MTR" => Unit::new(LengthMetre, 1),
            _ => return None,
        };
        Some(unit)
    }
}

/// The country of origin the credit requires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Origin<'a> {
    NotStated,
    Required(Country, &'a str),
    /// The credit asks for a country of origin this reader cannot name.
    Unreadable(&'a str),
}

impl<'a> CreditTerms<'a> {
    /// Reads the terms of `lc`.
    pub(super) fn read(lc: &'a LetterOfCredit) -> CreditTerms<'a> {
        let clauses: Vec<Clause<'a>> = lc
            .documents_required
            .iter()
            .map(|text| {
                let words = clause_words(text);
                Clause {
                    text,
                    calls_for: classify(&words),
                    words,
                }
            })
            .collect();
        let (lc_number, lc_number_disregarded) = read_lc_number(lc, &clauses);
        let texts = || {
            std::iter::once(lc.goods_description.as_str())
                .chain(lc.additional_conditions.iter().map(String::as_str))
        };
        CreditTerms {
            amount_about: texts().any(|t| amount_is_about(t, lc)),
            quantity: read_quantity(&lc.goods_description),
            goods_hs: hs_codes(&lc.goods_description),
            goods_stems: significant_stems(&lc.goods_description),
            origin: read_origin(lc, &clauses),
            origin_issuer: read_after(&clauses, CalledFor::is_certificate, ISSUED_BY)
                .map(|(_, w, src)| (w, src)),
            consignees: read_consignees(&clauses),
            lc_number,
            lc_number_disregarded,
            no_predating: read_no_predating(lc),
            clauses,
        }
    }

    /// The 46A clauses calling for a transport document of `mode`.
    pub(super) fn transport_clauses(
        &self,
        mode: TransportMode,
    ) -> impl Iterator<Item = &Clause<'a>> + '_ {
        self.clauses
            .iter()
            .filter(move |c| c.calls_for == Some(CalledFor::Transport(mode)))
    }
}

impl CalledFor {
    fn is_certificate(self) -> bool {
        self == Self::CertificateOfOrigin
    }
}

/// What a document keyword points at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keyword {
    Invoice,
    PackingList,
    Transport,
    CertificateOfOrigin,
    /// A document this crate does not model.
    Other,
}

const KEYWORDS: &[(&[&str], Keyword)] = &[
    (&["COMMERCIAL", "INVOICE"], Keyword::Invoice),
    (&["INVOICE"], Keyword::Invoice),
    (&["INVOICES"], Keyword::Invoice),
    (&["PACKING", "LIST"], Keyword::PackingList),
    (&["PACKING", "LISTS"], Keyword::PackingList),
    (
        &["CERTIFICATE", "OF", "ORIGIN"],
        Keyword::CertificateOfOrigin,
    ),
    (
        &["CERTIFICATES", "OF", "ORIGIN"],
        Keyword::CertificateOfOrigin,
    ),
    (&["BILL", "OF", "LADING"], Keyword::Transport),
    (&["BILLS", "OF", "LADING"], Keyword::Transport),
    (&["B", "L"], Keyword::Transport),
    (&["SMGS"], Keyword::Transport),
    (&["RAILWAY"], Keyword::Transport),
    (&["RAIL"], Keyword::Transport),
    (&["CONSIGNMENT", "NOTE"], Keyword::Transport),
    (&["CMR"], Keyword::Transport),
    (&["ROAD"], Keyword::Transport),
    (&["PROFORMA"], Keyword::Other),
    (&["PRO", "FORMA"], Keyword::Other),
    (&["CERTIFICATE"], Keyword::Other),
    (&["CERTIFICATES"], Keyword::Other),
    (&["INSURANCE"], Keyword::Other),
    (&["POLICY"], Keyword::Other),
    (&["INSPECTION"], Keyword::Other),
    (&["DRAFT"], Keyword::Other),
    (&["DRAFTS"], Keyword::Other),
    (&["BILL", "OF", "EXCHANGE"], Keyword::Other),
    (&["WEIGHT"], Keyword::Other),
    (&["ANALYSIS"], Keyword::Other),
    (&["PHYTOSANITARY"], Keyword::Other),
    (&["BENEFICIARY"], Keyword::Other),
    (&["AIR"], Keyword::Other),
    (&["AIRWAY"], Keyword::Other),
    (&["SEA", "WAYBILL"], Keyword::Other),
    (&["MULTIMODAL"], Keyword::Other),
    (&["COMBINED", "TRANSPORT"], Keyword::Other),
    (&["CHARTER"], Keyword::Other),
];

/// Transport mode words, each with its mode.
const MODE_WORDS: &[(&[&str], TransportMode)] = &[
    (&["BILL", "OF", "LADING"], TransportMode::OceanBillOfLading),
    (&["BILLS", "OF", "LADING"], TransportMode::OceanBillOfLading),
    (&["B", "L"], TransportMode::OceanBillOfLading),
    (&["CMR"], TransportMode::RoadCmr),
    (&["ROAD"], TransportMode::RoadCmr),
    (&["TRUCK"], TransportMode::RoadCmr),
    (&["SMGS"], TransportMode::RailWaybillSmgs),
    (&["RAIL"], TransportMode::RailWaybillSmgs),
    (&["RAILWAY"], TransportMode::RailWaybillSmgs),
];

/// The earliest match of any pattern in `table`; at equal positions the longer pattern wins.
fn earliest<T: Copy>(words: &Words, table: &[(&[&str], T)]) -> Option<T> {
    table
        .iter()
        .filter_map(|(pattern, value)| words.find(pattern).map(|at| (at, pattern.len(), *value)))
        .min_by_key(|(at, len, _)| (*at, std::cmp::Reverse(*len)))
        .map(|(_, _, value)| value)
}

/// The document a 46A clause calls for; see the module documentation.
fn classify(words: &Words) -> Option<CalledFor> {
    match earliest(words, KEYWORDS)? {
        Keyword::Invoice => Some(CalledFor::Invoice),
        Keyword::PackingList => Some(CalledFor::PackingList),
        Keyword::CertificateOfOrigin => Some(CalledFor::CertificateOfOrigin),
        Keyword::Other => None,
        Keyword::Transport => Some(CalledFor::Transport(
            earliest(words, MODE_WORDS).unwrap_or(TransportMode::RailWaybillSmgs),
        )),
    }
}

/// Words that name a transport document of no particular mode; a condition may use them,
/// but a 46A clause using them alone is not classified (its mode would be a guess).
const ANY_TRANSPORT: &[&[&str]] = &[&["TRANSPORT", "DOCUMENT"], &["TRANSPORT", "DOCUMENTS"]];

/// Every document kind a condition names, anywhere in it.
fn kinds_named(words: &Words) -> Vec<DocumentKind> {
    let any_transport = ANY_TRANSPORT
        .iter()
        .any(|p| words.has(p))
        .then_some(DocumentKind::TransportDocument);
    let mut kinds: Vec<DocumentKind> = KEYWORDS
        .iter()
        .filter(|(pattern, _)| words.has(pattern))
        .filter_map(|(_, keyword)| match keyword {
            Keyword::Invoice => Some(DocumentKind::Invoice),
            Keyword::PackingList => Some(DocumentKind::PackingList),
            Keyword::Transport => Some(DocumentKind::TransportDocument),
            Keyword::CertificateOfOrigin => Some(DocumentKind::CertificateOfOrigin),
            Keyword::Other => None,
        })
        .chain(any_transport)
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

const ABOUT: &[&str] = &["ABOUT", "APPROXIMATELY"];

/// True when the credit amount is described as "about" in `text`; see the module docs.
fn amount_is_about(text: &str, lc: &LetterOfCredit) -> bool {
    let tokens = loose_tokens(text);
    tokens.iter().enumerate().any(|(i, t)| {
        ABOUT.contains(&t.as_str())
            && tokens.iter().skip(i + 1).take(3).any(|next| {
                next == lc.currency.as_str()
                    || parse_number(next).is_some_and(|n| n.cmp(&lc.amount).is_eq())
            })
    })
}

/// The quantity stated in 45A: the sum of every `<number> <unit>` of one dimension.
fn read_quantity(goods: &str) -> StatedQuantity {
    let tokens = loose_tokens(goods);
    let mut found: Vec<Quantity> = Vec::new();
    for (i, pair) in tokens.windows(2).enumerate() {
        let (Some(value), Some((unit, unit_text))) =
            (parse_number(&pair[0]), unit_after(&tokens, i + 1))
        else {
            continue;
        };
        let before = &tokens[i.saturating_sub(2)..i];
        found.push(Quantity {
            value,
            unit,
            about: before.iter().any(|t| ABOUT.contains(&t.as_str())),
            text: format!("{} {unit_text}", pair[0]),
        });
    }
    let Some(first) = found.first().cloned() else {
        return StatedQuantity::NotStated;
    };
    if found.iter().any(|q| q.unit != first.unit) {
        let texts: Vec<&str> = found.iter().map(|q| q.text.as_str()).collect();
        return StatedQuantity::Mixed(texts.join(", "));
    }
    let total = Decimal::sum(found.iter().map(|q| q.value));
    match total {
        Some(value) => StatedQuantity::Stated(Quantity {
            value,
            unit: first.unit,
            about: found.iter().all(|q| q.about),
            text: found
                .iter()
                .map(|q| q.text.as_str())
                .collect::<Vec<_>>()
                .join(" + "),
        }),
        None => StatedQuantity::Mixed(first.text),
    }
}

/// The unit at `tokens[at]` and its text, also reading `METRIC TONS`.
fn unit_after(tokens: &[String], at: usize) -> Option<(Unit, String)> {
    let word = tokens.get(at)?;
    if word == "METRIC" {
        let next = tokens.get(at + 1)?;
        return Unit::from_word(next).map(|u| (u, format!("METRIC {next}")));
    }
    Unit::from_word(word).map(|u| (u, word.clone()))
}

/// The required country of origin, from 46A, then 45A, then 47A.
fn read_origin<'a>(lc: &'a LetterOfCredit, clauses: &[Clause<'a>]) -> Origin<'a> {
    let credit_texts = std::iter::once(&lc.goods_description)
        .chain(&lc.additional_conditions)
        .map(|text| (words(text), text.as_str()));
    let clause_texts = clauses.iter().map(|c| (c.words.clone(), c.text));
    let mut unreadable = None;
    for (words, text) in clause_texts.chain(credit_texts) {
        match origin_in(&words) {
            Some(Some(country)) => return Origin::Required(country, text),
            Some(None) => unreadable = unreadable.or(Some(text)),
            None => {}
        }
    }
    unreadable.map_or(Origin::NotStated, Origin::Unreadable)
}

/// `Some(Some(country))` when a country of origin is required and named, `Some(None)` when
/// `AS COUNTRY OF ORIGIN` is asked for but the country cannot be read, `None` otherwise.
fn origin_in(words: &Words) -> Option<Option<Country>> {
    for pattern in [&["AS", "COUNTRY", "OF", "ORIGIN"][..], &["AS", "ORIGIN"]] {
        if let Some(at) = words.find(pattern) {
            return Some(country_ending_at(words, at));
        }
    }
    let mut from = 0;
    while let Some(at) = words.find_from(&["ORIGIN"], from) {
        let mut next = at + 1;
        while words
            .get(next)
            .is_some_and(|w| ["IS", "TO", "BE", "MUST", "SHOULD", "SHALL"].contains(&w))
        {
            next += 1;
        }
        if let Some((country, _)) = country_at(words, next) {
            return Some(Some(country));
        }
        if let Some(country) = country_ending_at(words, at) {
            return Some(Some(country));
        }
        from = at + 1;
    }
    None
}

const ISSUED_BY: &[&str] = &["ISSUED", "BY"];
const CONSIGNED_TO: &[&str] = &["CONSIGNED", "TO"];
const MADE_OUT_TO: &[&str] = &["MADE", "OUT", "TO"];

/// Words that end a party name read out of a clause.
const PHRASE_STOPS: &[&str] = &[
    ",",
    "MARKED",
    "NOTIFY",
    "NOTIFYING",
    "SHOWING",
    "INDICATING",
    "EVIDENCING",
    "STATING",
    "CERTIFYING",
    "CONFIRMING",
    "MENTIONING",
    "BEARING",
    "FREIGHT",
    "AND",
    "WITH",
    "IN",
    "FOR",
];

/// The words after `marker` in the first clause calling for a document `wanted` accepts, up to
/// the next stop word; a leading `ANY`, `A` or `THE` is dropped.
fn read_after<'a>(
    clauses: &[Clause<'a>],
    wanted: fn(CalledFor) -> bool,
    marker: &[&str],
) -> Option<(CalledFor, Words, &'a str)> {
    clauses.iter().find_map(|clause| {
        let calls_for = clause.calls_for.filter(|c| wanted(*c))?;
        let phrase = phrase_after(&clause.words, marker)?;
        Some((calls_for, phrase, clause.text))
    })
}

fn phrase_after(words: &Words, marker: &[&str]) -> Option<Words> {
    let mut start = words.find(marker)? + marker.len();
    if words
        .get(start)
        .is_some_and(|w| ["ANY", "A", "THE"].contains(&w))
    {
        start += 1;
    }
    let end = (start..words.len())
        .find(|&i| words.get(i).is_some_and(|w| PHRASE_STOPS.contains(&w)))
        .unwrap_or(words.len());
    (end > start).then(|| words.slice(start, end))
}

fn read_consignees<'a>(clauses: &[Clause<'a>]) -> Vec<(TransportMode, Words, &'a str)> {
    clauses
        .iter()
        .filter_map(|clause| {
            let Some(CalledFor::Transport(mode)) = clause.calls_for else {
                return None;
            };
            let w = &clause.words;
            let phrase = phrase_after(w, CONSIGNED_TO).or_else(|| phrase_after(w, MADE_OUT_TO))?;
            Some((mode, phrase, clause.text))
        })
        .collect()
}

const LC_NUMBER: &[&[&str]] = &[
    &["LC", "NUMBER"],
    &["LC", "NO"],
    &["L", "C", "NUMBER"],
    &["L", "C", "NO"],
    &["CREDIT", "NUMBER"],
    &["CREDIT", "NO"],
    &["DC", "NUMBER"],
    &["DC", "NO"],
];

const SHOW_VERBS: &[&str] = &[
    "INDICATE",
    "INDICATING",
    "INDICATED",
    "SHOW",
    "SHOWING",
    "SHOWN",
    "BEAR",
    "BEARING",
    "MENTION",
    "MENTIONING",
    "MENTIONED",
    "QUOTE",
    "QUOTING",
    "QUOTED",
    "STATE",
    "STATING",
    "STATED",
];

/// The conditions asking documents to indicate the credit number: from a 46A clause they
/// apply to that clause's document; from 47A to the documents they name, or to all documents
/// (`ALL DOCUMENTS`, `EACH DOCUMENT`). A 47A condition naming no document is returned
/// separately: art. 14(h) disregards it.
fn read_lc_number<'a>(
    lc: &'a LetterOfCredit,
    clauses: &[Clause<'a>],
) -> (Vec<Stipulation<'a>>, Vec<&'a str>) {
    let reference = words(&lc.reference);
    let asks = |w: &Words| {
        let names_number = LC_NUMBER.iter().any(|p| w.has(p)) || w.contains_run(&reference);
        names_number && w.iter().any(|x| SHOW_VERBS.contains(&x))
    };
    let mut found = Vec::new();
    for clause in clauses {
        if let (Some(calls_for), true) = (clause.calls_for, asks(&clause.words)) {
            found.push(Stipulation {
                scope: Scope::Only(vec![calls_for.kind()]),
                source: clause.text,
            });
        }
    }
    let mut disregarded = Vec::new();
    for condition in &lc.additional_conditions {
        let w = words(condition);
        if !asks(&w) {
            continue;
        }
        match scope_of(&w) {
            Some(scope) => found.push(Stipulation {
                scope,
                source: condition,
            }),
            None => disregarded.push(condition.as_str()),
        }
    }
    (found, disregarded)
}

/// The documents a condition applies to: all, the kinds it names, or none it can tell.
fn scope_of(words: &Words) -> Option<Scope> {
    let all = [
        &["ALL", "DOCUMENTS"][..],
        &["EACH", "DOCUMENT"],
        &["EVERY", "DOCUMENT"],
    ];
    if all.iter().any(|p| words.has(p)) {
        return Some(Scope::All);
    }
    let kinds = kinds_named(words);
    if !kinds.is_empty() {
        return Some(Scope::Only(kinds));
    }
    words.has(&["DOCUMENTS"]).then_some(Scope::All)
}

/// A 47A condition that documents dated before the credit's issue date are not acceptable.
fn read_no_predating(lc: &LetterOfCredit) -> Option<Stipulation<'_>> {
    lc.additional_conditions.iter().find_map(|condition| {
        let w = words(condition);
        let before = [&["PRIOR", "TO"][..], &["BEFORE"], &["EARLIER", "THAN"]]
            .iter()
            .any(|p| w.has(p));
        let issue = ["ISSUANCE", "ISSUE", "ISSUING"]
            .iter()
            .any(|x| w.contains(x));
        let refused = ["NOT", "UNACCEPTABLE"].iter().any(|x| w.contains(x));
        (before && issue && refused).then(|| Stipulation {
            scope: scope_of(&w).unwrap_or(Scope::All),
            source: condition.as_str(),
        })
    })
}

/// Whether the clause calling for a transport document of `mode` asks for shipment on board
/// or dispatch in so many words.
pub(super) fn asks_on_board(clause: &Clause<'_>) -> bool {
    let w = &clause.words;
    w.has(&["ON", "BOARD"])
        || ["SHIPPED", "DISPATCH", "DISPATCHED"]
            .iter()
            .any(|x| w.contains(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_46a_clauses() {
        use CalledFor::*;
        use TransportMode::*;
        for (clause, expected) in [
            ("SIGNED COMMERCIAL INVOICE IN 3 COPIES", Some(Invoice)),
            (
                "RAILWAY CONSIGNMENT NOTE SMGS CONSIGNED TO STEPPE COMMERCIAL BANK MARKED FREIGHT PAID",
                Some(Transport(RailWaybillSmgs)),
            ),
            ("PACKING LIST IN 2 COPIES", Some(PackingList)),
            (
                "CERTIFICATE OF ORIGIN ISSUED BY CCPIT SHOWING CHINA AS COUNTRY OF ORIGIN",
                Some(CertificateOfOrigin),
            ),
            (
                "FULL SET OF CLEAN ON BOARD OCEAN BILLS OF LADING MADE OUT TO ORDER",
                Some(Transport(OceanBillOfLading)),
            ),
            ("CONSIGNMENT NOTE CMR IN 2 ORIGINALS", Some(Transport(RoadCmr))),
            ("ROAD CONSIGNMENT NOTE", Some(Transport(RoadCmr))),
            ("CONSIGNMENT NOTE", Some(Transport(RailWaybillSmgs))),
            ("CLEAN ON BOARD B/L", Some(Transport(OceanBillOfLading))),
            (
                "BENEFICIARY'S CERTIFICATE THAT ONE COPY OF COMMERCIAL INVOICE WAS SENT",
                None,
            ),
            ("INSURANCE POLICY COVERING ALL RISKS", None),
            ("INSPECTION CERTIFICATE ISSUED BY SGS", None),
            ("WEIGHT LIST", None),
            ("SHIPPING ADVICE", None),
        ] {
            assert_eq!(classify(&clause_words(clause)), expected, "{clause}");
        }
    }

    #[test]
    fn reads_quantities() {
        let stated = |text: &str| match read_quantity(text) {
            StatedQuantity::Stated(q) => Some((q.value.to_string(), q.about, q.unit)),
            _ => None,
        };
        let text = |text: &str| match read_quantity(text) {
            StatedQuantity::Stated(q) => q.text,
            other => format!("{other:?}"),
        };
        assert_eq!(text("1,200 METRIC TONS OF WHEAT"), "1,200 METRIC TONS");
        assert_eq!(text("40 PCS GEARBOXES AND 30 PCS AXLES"), "40 PCS + 30 PCS");
        let pieces = Unit::new(Dimension::Pieces, 1);
        let tonnes = Unit::new(Dimension::MassKg, 1000);
        assert_eq!(
            stated("70 UNITS OF TRACTOR PARTS"),
            Some(("70".into(), false, pieces))
        );
        assert_eq!(
            stated("ABOUT 22.5 MT WHEAT"),
            Some(("22.5".into(), true, tonnes))
        );
        assert_eq!(
            stated("1,200 METRIC TONS"),
            Some(("1200".into(), false, tonnes))
        );
        assert_eq!(
            stated("40 PCS GEARBOXES AND 30 PCS AXLES"),
            Some(("70".into(), false, pieces))
        );
        assert_eq!(
            stated("TRACTOR PARTS (HS 8708): AS PER PROFORMA INVOICE TH-PI-2611, INCOTERMS 2020"),
            None
        );
        assert!(matches!(
            read_quantity("20 MT AND 5 UNITS"),
            StatedQuantity::Mixed(_)
        ));
    }

    #[test]
    fn reads_required_origin() {
        for (text, expected) in [
            (
                "CERTIFICATE OF ORIGIN SHOWING CHINA AS COUNTRY OF ORIGIN",
                Some(Some(Country::CN)),
            ),
            (
                "CERTIFICATE OF ORIGIN, ORIGIN: CHINA",
                Some(Some(Country::CN)),
            ),
            (
                "CERTIFICATE OF ORIGIN, COUNTRY OF ORIGIN CN",
                Some(Some(Country::CN)),
            ),
            ("COUNTRY OF ORIGIN IS KAZAKHSTAN", Some(Some(Country::KZ))),
            ("GOODS OF CHINESE ORIGIN", Some(Some(Country::CN))),
            (
                "CERTIFICATE OF ORIGIN SHOWING ATLANTIS AS COUNTRY OF ORIGIN",
                Some(None),
            ),
            ("CERTIFICATE OF ORIGIN ISSUED BY CCPIT", None),
            ("COUNTRY OF ORIGIN TO BE SHOWN", None),
        ] {
            assert_eq!(origin_in(&words(text)), expected, "{text}");
        }
    }

    #[test]
    fn reads_phrases_after_markers() {
        let phrase = |text: &str, marker: &[&str]| {
            phrase_after(&clause_words(text), marker).map(|w| w.to_string())
        };
        assert_eq!(
            phrase(
                "RAILWAY CONSIGNMENT NOTE SMGS CONSIGNED TO STEPPE COMMERCIAL BANK MARKED FREIGHT PAID",
                CONSIGNED_TO
            ),
            Some("STEPPE COMMERCIAL BANK".into())
        );
        assert_eq!(
            phrase(
                "CERTIFICATE OF ORIGIN ISSUED BY CCPIT, IN 2 COPIES",
                ISSUED_BY
            ),
            Some("CCPIT".into())
        );
        assert_eq!(
            phrase(
                "CERTIFICATE OF ORIGIN ISSUED BY ANY CHAMBER OF COMMERCE",
                ISSUED_BY
            ),
            Some("CHAMBER OF COMMERCE".into())
        );
        assert_eq!(phrase("PACKING LIST", ISSUED_BY), None);
    }

    #[test]
    fn reads_scopes() {
        for (text, expected) in [
            ("ALL DOCUMENTS MUST INDICATE LC NUMBER", Some(Scope::All)),
            (
                "INVOICE AND PACKING LIST MUST SHOW L/C NO.",
                Some(Scope::Only(vec![
                    DocumentKind::Invoice,
                    DocumentKind::PackingList,
                ])),
            ),
            ("LC NUMBER MUST BE INDICATED", None),
            (
                "TRANSPORT DOCUMENT DATED PRIOR TO LC ISSUANCE DATE NOT ACCEPTABLE",
                Some(Scope::Only(vec![DocumentKind::TransportDocument])),
            ),
        ] {
            assert_eq!(scope_of(&words(text)), expected, "{text}");
        }
    }
}
