//! The HS 2022 nomenclature: which 6-digit subheadings exist, and what a declared code may be.
//!
//! The table is `customs-gateway/data/hs2022.csv` (UN Comtrade's HS 2022 list, PDDL; see
//! `data/README.md`), compiled into the binary and parsed once. A declared code is either an
//! existing 6-digit subheading or a 10-digit national code: an existing subheading followed by
//! four national digits (the EAEU's TN VED and China's tariff both use 10). The national digits
//! themselves are not checked: no national tariff is in the data.
//!
//! Deliberately not here: headings and chapters as declarable codes (a declaration names a
//! subheading), tariff rates, and any IO (the table is text handed in or compiled in).
//! Invariant: a [`Nomenclature`] holds only 6-digit codes of chapters 01–97, sorted, unique.

use std::sync::OnceLock;

use trade_docs::HsCode;

/// The HS 2022 table as compiled in.
const HS2022_CSV: &str = include_str!("../../data/hs2022.csv");

/// The subheadings of one HS edition with their descriptions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nomenclature {
    /// Sorted by code; binary-searched.
    subheadings: Vec<(u32, Box<str>)>,
}

/// Why a nomenclature table was refused; names the line at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HsError {
    #[error("line {line}: {problem}")]
    Line { line: usize, problem: String },
    #[error("the table holds no 6-digit subheading")]
    Empty,
}

/// Why a declared HS code is not in the nomenclature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HsCodeFault {
    #[error("subheading {hs6} does not exist in HS 2022")]
    UnknownSubheading { hs6: String },
    #[error("has {len} digits: a code is a 6-digit subheading or a 10-digit national code")]
    NationalLength { len: usize },
}

impl Nomenclature {
    /// The HS 2022 nomenclature compiled into the binary, parsed on first use.
    pub fn hs2022() -> &'static Nomenclature {
        static TABLE: OnceLock<Nomenclature> = OnceLock::new();
        // Invariant: the compiled-in table parses; `the_compiled_in_table_parses` proves it for
        // the file this binary was built with.
        TABLE.get_or_init(|| Nomenclature::parse(HS2022_CSV).expect("data/hs2022.csv parses"))
    }

    /// Parses the `section,hscode,description,parent,level` table, keeping level-6 rows.
    pub fn parse(csv: &str) -> Result<Nomenclature, HsError> {
        let mut subheadings = Vec::new();
        for (index, raw) in csv.lines().enumerate().skip(1) {
            let line = index + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let fields = split_csv_line(raw).map_err(|problem| HsError::Line { line, problem })?;
            let [section, code, description, _parent, level] = fields.as_slice() else {
                return Err(HsError::Line {
                    line,
                    problem: format!("has {} columns, expected 5", fields.len()),
                });
            };
            if level != "6" || section == "TOTAL" {
                continue;
            }
            let number = subheading_number(code).ok_or_else(|| HsError::Line {
                line,
                problem: format!("'{code}' is not a 6-digit subheading"),
            })?;
            subheadings.push((number, line, description.clone().into_boxed_str()));
        }
        // Stable sort: of two equal codes, the later line comes second and is the one named.
        subheadings.sort_by_key(|(code, _, _)| *code);
        if let Some(pair) = subheadings.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(HsError::Line {
                line: pair[1].1,
                problem: format!("subheading {:06} appears twice", pair[0].0),
            });
        }
        if subheadings.is_empty() {
            return Err(HsError::Empty);
        }
        let subheadings = subheadings
            .into_iter()
            .map(|(code, _, description)| (code, description))
            .collect();
        Ok(Nomenclature { subheadings })
    }

    /// The description of a 6-digit subheading, if it exists.
    pub fn subheading(&self, hs6: &str) -> Option<&str> {
        let number = subheading_number(hs6)?;
        self.subheadings
            .binary_search_by_key(&number, |(code, _)| *code)
            .ok()
            .map(|i| &*self.subheadings[i].1)
    }

    /// Checks a declared code: an existing subheading, alone or with four national digits.
    /// Returns the subheading's description.
    pub fn check(&self, code: &HsCode) -> Result<&str, HsCodeFault> {
        let len = code.as_str().len();
        if len != 6 && len != 10 {
            return Err(HsCodeFault::NationalLength { len });
        }
        self.subheading(code.subheading())
            .ok_or_else(|| HsCodeFault::UnknownSubheading {
                hs6: code.subheading().to_string(),
            })
    }

    /// The number of subheadings.
    pub fn len(&self) -> usize {
        self.subheadings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.subheadings.is_empty()
    }
}

/// `870840` → 870840; `None` unless exactly six digits of a chapter 01–97.
fn subheading_number(text: &str) -> Option<u32> {
    let digits = text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit());
    let number: u32 = text.parse().ok().filter(|_| digits)?;
    (10_000..980_000).contains(&number).then_some(number)
}

/// Splits one CSV line (RFC 4180: fields in double quotes may hold commas, `""` is a quote).
/// Quoted fields spanning lines do not occur in the table and are refused.
pub(crate) fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_table_parses() {
        let table = Nomenclature::hs2022();
        // 5613 level-6 rows, less the TOTAL section's 999999.
        assert_eq!(table.len(), 5612);
        assert_eq!(
            table.subheading("870840"),
            Some("Vehicle parts; gear boxes and parts thereof")
        );
        assert_eq!(table.subheading("999999"), None);
    }

    #[test]
    fn declared_codes_are_subheadings_or_ten_digit_national_codes() {
        let table = Nomenclature::hs2022();
        let code = |s: &str| s.parse::<HsCode>().unwrap();
        let cases: Vec<(&str, Result<(), HsCodeFault>)> = vec![
            ("870840", Ok(())),
            ("8708409909", Ok(())),
            ("843351", Ok(())),
            (
                "870860",
                Err(HsCodeFault::UnknownSubheading {
                    hs6: "870860".into(),
                }),
            ),
            (
                "8708609909",
                Err(HsCodeFault::UnknownSubheading {
                    hs6: "870860".into(),
                }),
            ),
            ("87084099", Err(HsCodeFault::NationalLength { len: 8 })),
            ("870840999", Err(HsCodeFault::NationalLength { len: 9 })),
        ];
        for (text, expected) in cases {
            assert_eq!(table.check(&code(text)).map(|_| ()), expected, "{text}");
        }
    }

    #[test]
    fn csv_fields_keep_quoted_commas_and_quotes() {
        let cases: Vec<(&str, Result<Vec<&str>, ()>)> = vec![
            ("a,b,c", Ok(vec!["a", "b", "c"])),
            (
                r#"I,01,"Horses, live",01,6"#,
                Ok(vec!["I", "01", "Horses, live", "01", "6"]),
            ),
            (r#"x,"say ""hi""",y"#, Ok(vec!["x", r#"say "hi""#, "y"])),
            ("a,,", Ok(vec!["a", "", ""])),
            (r#"a,"open"#, Err(())),
        ];
        for (line, expected) in cases {
            let got = split_csv_line(line);
            match expected {
                Ok(fields) => assert_eq!(got.unwrap(), fields, "{line}"),
                Err(()) => assert!(got.is_err(), "{line}"),
            }
        }
    }

    #[test]
    fn a_malformed_table_names_its_line() {
        let header = "section,hscode,description,parent,level\n";
        let cases = [
            (format!("{header}I,0101,x,01\n"), 2),
            (
                format!("{header}I,010121,ok,0101,6\nI,01012,short,0101,6\n"),
                3,
            ),
            (format!("{header}I,010121,\"open,0101,6\n"), 2),
            (
                format!("{header}I,010121,a,0101,6\nI,010129,b,0101,6\nI,010121,c,0101,6\n"),
                4,
            ),
        ];
        for (text, line) in cases {
            match Nomenclature::parse(&text) {
                Err(HsError::Line { line: at, .. }) => assert_eq!(at, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert_eq!(Nomenclature::parse(header), Err(HsError::Empty));
    }
}
