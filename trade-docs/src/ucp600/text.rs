//! Text helpers for examination: words, phrase search, numbers, HS codes, country names.
//!
//! Credits and documents are free text typed by people in two countries, so examination
//! compares *words*, not characters: upper case, letters and digits only, everything else a
//! separator. `Tianshan Heavy Industry Co.` and `TIANSHAN HEAVY INDUSTRY CO` are the same words;
//! `ALMATY-1` is the words `ALMATY 1`. This is the "data need not be identical, but must not
//! conflict" reading of UCP 600 art. 14(d) applied mechanically.
//!
//! What it deliberately does not do: spelling correction, transliteration (Cyrillic, Chinese),
//! or any fuzzy matching that could make two different parties look alike.
//!
//! Invariants: every function is total (no panics on any input) and allocation-bounded by the
//! length of its input.

use std::fmt;

use crate::codes::Country;
use crate::decimal::Decimal;

/// The upper-case words of a text, kept in one buffer: word `i` spans
/// `text[ends[i - 1]..ends[i]]` (from 0 for the first). One allocation per text rather than one
/// per word, because an examination splits dozens of texts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Words {
    text: String,
    ends: Vec<usize>,
}

impl Words {
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Word `i`, or `None` past the end.
    pub(super) fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        // `ends` is non-decreasing and `i - 1 < i < ends.len()`, so the index is in range.
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// True when `word` is one of the words.
    pub(super) fn contains(&self, word: &str) -> bool {
        self.iter().any(|w| w == word)
    }

    /// True when `pattern` occurs starting at word `at`.
    pub(super) fn matches_at(&self, at: usize, pattern: &[&str]) -> bool {
        at + pattern.len() <= self.len()
            && pattern
                .iter()
                .enumerate()
                .all(|(j, p)| self.get(at + j) == Some(*p))
    }

    /// Index of the first occurrence of `pattern` at or after word `from`.
    pub(super) fn find_from(&self, pattern: &[&str], from: usize) -> Option<usize> {
        (from..self.len()).find(|&i| self.matches_at(i, pattern))
    }

    /// Index of the first occurrence of `pattern`.
    pub(super) fn find(&self, pattern: &[&str]) -> Option<usize> {
        self.find_from(pattern, 0)
    }

    /// True when `pattern` occurs anywhere.
    pub(super) fn has(&self, pattern: &[&str]) -> bool {
        self.find(pattern).is_some()
    }

    /// True when `needle` (non-empty) occurs as a contiguous run of these words.
    pub(super) fn contains_run(&self, needle: &Words) -> bool {
        let n = needle.len();
        n > 0
            && n <= self.len()
            && (0..=self.len() - n).any(|i| (0..n).all(|j| self.get(i + j) == needle.get(j)))
    }

    /// True when these words begin with `prefix` (non-empty).
    pub(super) fn starts_with(&self, prefix: &Words) -> bool {
        !prefix.is_empty()
            && prefix.len() <= self.len()
            && (0..prefix.len()).all(|j| self.get(j) == prefix.get(j))
    }

    /// Words `from..to` as their own [`Words`].
    pub(super) fn slice(&self, from: usize, to: usize) -> Words {
        let mut out = Words::default();
        for word in (from..to.min(self.len())).filter_map(|i| self.get(i)) {
            out.push(word);
        }
        out
    }

    fn push(&mut self, word: &str) {
        self.text.push_str(word);
        self.ends.push(self.text.len());
    }
}

/// The words joined by single spaces: `STEPPE COMMERCIAL BANK`.
impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, word) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(word)?;
        }
        Ok(())
    }
}

/// The upper-case words of `text`: runs of letters and digits.
pub(super) fn words(text: &str) -> Words {
    split_words(text, false)
}

/// Like [`words`], but every `,` and `;` becomes a `","` word, so a phrase read out of a clause
/// can stop at the comma that ends it.
pub(super) fn clause_words(text: &str) -> Words {
    split_words(text, true)
}

/// Hot path: called for every name, place and clause examined.
fn split_words(text: &str, keep_commas: bool) -> Words {
    let mut out = Words {
        text: String::with_capacity(text.len()),
        ends: Vec::with_capacity(text.len() / 4 + 1),
    };
    let mut in_word = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.text.push(c.to_ascii_uppercase());
            in_word = true;
            continue;
        }
        if !c.is_ascii() && c.is_alphanumeric() {
            out.text.extend(c.to_uppercase());
            in_word = true;
            continue;
        }
        if in_word {
            out.ends.push(out.text.len());
            in_word = false;
        }
        if keep_commas && (c == ',' || c == ';') {
            out.push(",");
        }
    }
    if in_word {
        out.ends.push(out.text.len());
    }
    out
}

/// Same words in the same order: the test for "the same party name".
pub(super) fn same_words(a: &str, b: &str) -> bool {
    let a = words(a);
    !a.is_empty() && a == words(b)
}

/// Whether a place shown on a transport document is the place the credit names.
///
/// Accepted: the document's words contain the credit's (`ALMATY-1 STATION` for `ALMATY`), or
/// the document's words begin the credit's (`URUMQI` for `URUMQI, CHINA`: the country the credit
/// adds need not be repeated). A document naming only part from the middle or end of the
/// credit's place (`CHINA` for `URUMQI, CHINA`) is not accepted.
pub(super) fn place_matches(required: &str, shown: &str) -> bool {
    let required = words(required);
    let shown = words(shown);
    shown.contains_run(&required) || required.starts_with(&shown)
}

/// Letters and digits only, upper case: `SCB/LC/26/0417` and `scb lc 26 0417` agree.
pub(super) fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Whitespace-separated tokens, upper case, with surrounding punctuation trimmed; unlike
/// [`words`] a token keeps the inner `.`, `,` and `/` of `1,200.50` or `8708.40`.
pub(super) fn loose_tokens(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|t| {
            t.trim_matches(|c: char| !c.is_alphanumeric())
                .to_uppercase()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// A number as written in a credit: `70`, `22.5`, `1,200`, `248,500.00`. Thousands separators
/// must group by three; anything else (letters, a second `.`) is not a number.
pub(super) fn parse_number(token: &str) -> Option<Decimal> {
    let (int, frac) = match token.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (token, None),
    };
    let mut groups = int.split(',');
    let first = groups.next().filter(|g| !g.is_empty())?;
    let mut digits = first.to_string();
    let grouped = int.contains(',');
    if grouped && first.len() > 3 {
        return None;
    }
    for group in groups {
        if group.len() != 3 {
            return None;
        }
        digits.push_str(group);
    }
    if let Some(frac) = frac {
        digits.push('.');
        digits.push_str(frac);
    }
    digits.parse().ok()
}

/// The HS codes a text names after an `HS` marker (`HS 8708`, `H.S. CODE 8708.40`,
/// `HS CODES 870840/870850 AND 870899`): 4 to 10 digits each, dots removed. Numbers without
/// the marker are not taken for HS codes, because credits are full of other numbers.
pub(super) fn hs_codes(text: &str) -> Vec<String> {
    let tokens = loose_tokens(text);
    let mut codes = Vec::new();
    let mut reading = false;
    for token in &tokens {
        let bare: String = token.chars().filter(|c| *c != '.').collect();
        if bare == "HS" {
            reading = true;
            continue;
        }
        let inline = bare.strip_prefix("HS").filter(|rest| is_hs_digits(rest));
        if let Some(code) = inline {
            codes.push(code.to_string());
            reading = true;
            continue;
        }
        if !reading
            || ["CODE", "CODES", "NO", "NOS", "NUMBER", "AND", "&"].contains(&token.as_str())
        {
            continue;
        }
        let parts: Vec<&str> = bare.split('/').collect();
        if parts.iter().all(|p| is_hs_digits(p)) {
            codes.extend(parts.iter().map(|p| p.to_string()));
        } else {
            reading = false;
        }
    }
    codes
}

fn is_hs_digits(text: &str) -> bool {
    (4..=10).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// Whether two HS codes agree on their common digits, at least the 4-digit heading
/// (`8708` and `870840` agree; `870840` and `870850` do not).
pub(super) fn hs_agree(a: &str, b: &str) -> bool {
    let common = a.len().min(b.len());
    common >= 4 && a[..common] == b[..common]
}

/// The significant word stems of a goods description, sorted and without repeats.
///
/// Significant: at least three characters, at least one letter, and not a function word or a
/// piece of trade boilerplate (`AS PER PROFORMA INVOICE`, Incoterms rules). Stems drop a plural
/// ending, so `GEARBOXES` and `GEARBOX` agree.
pub(super) fn significant_stems(text: &str) -> Vec<String> {
    let words = words(text);
    let mut stems: Vec<String> = words
        .iter()
        .filter(|w| w.chars().count() >= 3 && w.chars().any(char::is_alphabetic))
        .filter(|w| !STOPWORDS.contains(w))
        .map(stem)
        .collect();
    stems.sort();
    stems.dedup();
    stems
}

const STOPWORDS: &[&str] = &[
    "AND",
    "THE",
    "FOR",
    "WITH",
    "PER",
    "FROM",
    "INTO",
    "ONTO",
    "THAT",
    "THIS",
    "ARE",
    "WAS",
    "ALL",
    "ANY",
    "EACH",
    "OTHER",
    "NOT",
    "BUT",
    "NOR",
    "PROFORMA",
    "PRO",
    "FORMA",
    "INVOICE",
    "INCOTERMS",
    "CONTRACT",
    "ORDER",
    "NUMBER",
    "DATED",
    "DATE",
    "ORIGIN",
    "GOODS",
    "QUANTITY",
    "UNIT",
    "UNITS",
    "PRICE",
    "TOTAL",
    "AMOUNT",
    "VALUE",
    "MODEL",
    "TYPE",
    "NEW",
    "BRAND",
    "TERMS",
    "DELIVERY",
    "SHIPMENT",
    "EXW",
    "FCA",
    "CPT",
    "CIP",
    "DAP",
    "DPU",
    "DDP",
    "FAS",
    "FOB",
    "CFR",
    "CIF",
    "PCS",
    "SETS",
    "NOS",
];

fn stem(word: &str) -> String {
    if let Some(base) = word.strip_suffix("IES") {
        return format!("{base}Y");
    }
    for ending in ["XES", "SES", "CHES", "SHES", "ZES"] {
        if word.ends_with(ending) {
            return word[..word.len() - 2].to_string();
        }
    }
    match word.strip_suffix('S') {
        Some(base) if !base.ends_with('S') => base.to_string(),
        _ => word.to_string(),
    }
}

/// Country names and adjectives as credits in the corridor write them, with their ISO code.
/// Longer names first, so `PEOPLE S REPUBLIC OF CHINA` wins over `CHINA`.
const COUNTRY_NAMES: &[(&[&str], &str)] = &[
    (&["PEOPLE", "S", "REPUBLIC", "OF", "CHINA"], "CN"),
    (&["PEOPLES", "REPUBLIC", "OF", "CHINA"], "CN"),
    (&["REPUBLIC", "OF", "KAZAKHSTAN"], "KZ"),
    (&["RUSSIAN", "FEDERATION"], "RU"),
    (&["KYRGYZ", "REPUBLIC"], "KG"),
    (&["REPUBLIC", "OF", "KOREA"], "KR"),
    (&["UNITED", "STATES"], "US"),
    (&["P", "R", "CHINA"], "CN"),
    (&["PR", "CHINA"], "CN"),
    (&["P", "R", "C"], "CN"),
    (&["SOUTH", "KOREA"], "KR"),
    (&["CHINA"], "CN"),
    (&["CHINESE"], "CN"),
    (&["PRC"], "CN"),
    (&["KAZAKHSTAN"], "KZ"),
    (&["KAZAKHSTANI"], "KZ"),
    (&["KAZAKH"], "KZ"),
    (&["RUSSIA"], "RU"),
    (&["RUSSIAN"], "RU"),
    (&["KYRGYZSTAN"], "KG"),
    (&["UZBEKISTAN"], "UZ"),
    (&["TAJIKISTAN"], "TJ"),
    (&["TURKMENISTAN"], "TM"),
    (&["MONGOLIA"], "MN"),
    (&["AZERBAIJAN"], "AZ"),
    (&["GEORGIA"], "GE"),
    (&["BELARUS"], "BY"),
    (&["TURKEY"], "TR"),
    (&["TURKIYE"], "TR"),
    (&["IRAN"], "IR"),
    (&["INDIA"], "IN"),
    (&["JAPAN"], "JP"),
    (&["KOREA"], "KR"),
    (&["GERMANY"], "DE"),
    (&["ITALY"], "IT"),
    (&["FRANCE"], "FR"),
    (&["USA"], "US"),
];

/// Two-letter words that are ISO codes but far more often English (`TO`, `IN`, `AS`, `BY`);
/// never read as a country code.
const CODE_LOOKALIKES: &[&str] = &[
    "TO", "IN", "AS", "BY", "IS", "AT", "ON", "OR", "NO", "BE", "IT", "ME", "MY", "SO", "AM", "ID",
    "AN", "DO", "GO", "HE", "WE", "US",
];

/// The country named at `words[at..]`: a name from the table, or an ISO alpha-2 code that is not
/// an English look-alike. Returns the country and how many words it spans.
pub(super) fn country_at(words: &Words, at: usize) -> Option<(Country, usize)> {
    for (name, code) in COUNTRY_NAMES {
        if words.matches_at(at, name) {
            return code.parse().ok().map(|c| (c, name.len()));
        }
    }
    let word = words.get(at)?;
    if word.len() == 2 && !CODE_LOOKALIKES.contains(&word) {
        return word.parse().ok().map(|c| (c, 1));
    }
    None
}

/// The country whose name ends just before `words[end]` (names only, never bare codes).
pub(super) fn country_ending_at(words: &Words, end: usize) -> Option<Country> {
    COUNTRY_NAMES.iter().find_map(|(name, code)| {
        let start = end.checked_sub(name.len())?;
        words
            .matches_at(start, name)
            .then(|| code.parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Words {
        words(text)
    }

    fn list(words: &Words) -> Vec<&str> {
        words.iter().collect()
    }

    #[test]
    fn words_ignore_case_and_punctuation() {
        assert_eq!(
            w("Tianshan Heavy Industry Co."),
            w("TIANSHAN  HEAVY INDUSTRY CO")
        );
        assert_eq!(list(&w("ALMATY-1")), vec!["ALMATY", "1"]);
        assert_eq!(list(&w("Ürümqi-Gül")), vec!["ÜRÜMQI", "GÜL"]);
        assert_eq!(list(&clause_words("A, B;C")), vec!["A", ",", "B", ",", "C"]);
        assert_eq!(
            w("STEPPE, COMMERCIAL BANK").to_string(),
            "STEPPE COMMERCIAL BANK"
        );
        assert!(w("TO ORDER OF STEPPE BANK").contains_run(&w("STEPPE BANK")));
        assert!(!w("TO ORDER OF STEPPE").contains_run(&w("STEPPE BANK")));
        assert_eq!(w("A B C D").slice(1, 3), w("B C"));
        assert!(same_words(
            "steppe agro machinery llp",
            "STEPPE AGRO MACHINERY LLP"
        ));
        assert!(!same_words("", ""));
    }

    #[test]
    fn places() {
        for (required, shown, expected) in [
            ("ALMATY", "ALMATY-1", true),
            ("ALMATY", "almaty 1 station", true),
            ("URUMQI, CHINA", "URUMQI", true),
            ("URUMQI, CHINA", "CHINA", false),
            ("ALMATY", "ASTANA", false),
            ("ALMATY", "", false),
            ("ALMATY", "ALMATYNSKAYA", false),
        ] {
            assert_eq!(
                place_matches(required, shown),
                expected,
                "{required} / {shown}"
            );
        }
    }

    #[test]
    fn numbers() {
        for (token, expected) in [
            ("70", Some("70")),
            ("22.5", Some("22.5")),
            ("1,200", Some("1200")),
            ("248,500.00", Some("248500.00")),
            ("1,20", None),
            ("1200,000", None),
            ("12A", None),
            ("1.2.3", None),
            ("", None),
        ] {
            let expected: Option<Decimal> = expected.map(|e| e.parse().unwrap());
            assert_eq!(parse_number(token), expected, "{token}");
        }
    }

    #[test]
    fn hs_codes_after_a_marker_only() {
        for (text, expected) in [
            ("TRACTOR PARTS (HS 8708): GEARBOXES", vec!["8708"]),
            ("H.S. CODE 8708.40", vec!["870840"]),
            (
                "HS CODES 870840/870850 AND 870899",
                vec!["870840", "870850", "870899"],
            ),
            ("HS8708 PARTS", vec!["8708"]),
            ("PROFORMA INVOICE 2611, INCOTERMS 2020", vec![]),
            ("HS: 8708, 8709 GEARS 1234", vec!["8708", "8709"]),
        ] {
            assert_eq!(hs_codes(text), expected, "{text}");
        }
        assert!(hs_agree("8708", "870840"));
        assert!(!hs_agree("870840", "870850"));
        assert!(!hs_agree("87", "870850"));
    }

    #[test]
    fn stems_drop_plurals_and_boilerplate() {
        assert_eq!(
            significant_stems("GEARBOXES AND DRIVE AXLES AS PER PROFORMA INVOICE TH-PI-2611"),
            vec!["AXLE", "DRIVE", "GEARBOX"]
        );
        assert_eq!(
            significant_stems("BATTERIES, GLASS"),
            vec!["BATTERY", "GLASS"]
        );
    }

    #[test]
    fn countries() {
        let text = w("SHOWING PEOPLE'S REPUBLIC OF CHINA AS ORIGIN");
        assert_eq!(country_at(&text, 1), Some((Country::CN, 5)));
        assert_eq!(country_ending_at(&text, 6), Some(Country::CN));
        assert_eq!(country_at(&w("ORIGIN KZ"), 1), Some((Country::KZ, 1)));
        assert_eq!(country_at(&w("ORIGIN TO BE"), 1), None);
        assert_eq!(country_at(&w("ORIGIN ISSUED"), 1), None);
    }
}
