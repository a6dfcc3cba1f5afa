//! Validated code newtypes: ISO 4217 currency, ISO 3166-1 country, HS code, BIC, Incoterms 2020.
//!
//! A value of these types is valid by construction: parsing (and serde deserialization, which
//! goes through the same parser) refuses anything else, so code that holds a [`Currency`] never
//! checks it again. They deliberately do not know which codes a given jurisdiction accepts
//! (e.g. which HS subheadings exist in the 2022 nomenclature); that belongs to customs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a code was refused; the message names the kind of code and the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("'{0}' is not an ISO 4217 currency code")]
    Currency(String),
    #[error("'{0}' is not an ISO 3166-1 alpha-2 country code")]
    Country(String),
    #[error("'{0}' is not an HS code (6 to 10 digits, chapter 01 to 97)")]
    HsCode(String),
    #[error(
        "'{0}' is not a BIC (4 letters bank, 2 letters country, 2 location, optional 3 branch)"
    )]
    Bic(String),
    #[error("'{0}' is not an Incoterms 2020 rule")]
    Incoterm(String),
}

/// Implements Display, FromStr and serde (as a string) for a newtype over an ASCII code.
macro_rules! string_code {
    ($ty:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Active ISO 4217 codes with their minor-unit digits.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYU", 2),
    ("UZS", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

/// An ISO 4217 alphabetic currency code with its minor-unit digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(&'static str);

impl Currency {
    pub fn as_str(&self) -> &'static str {
        self.0
    }

    /// The number of fraction digits an amount in this currency carries (2 for USD, 0 for
    /// JPY, 3 for KWD).
    pub fn minor_units(&self) -> u8 {
        CURRENCIES
            .iter()
            .find(|(code, _)| *code == self.0)
            .map_or(2, |(_, digits)| *digits)
    }
}

impl FromStr for Currency {
    type Err = CodeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        CURRENCIES
            .iter()
            .find(|(code, _)| *code == text)
            .map(|(code, _)| Currency(code))
            .ok_or_else(|| CodeError::Currency(text.to_string()))
    }
}
string_code!(Currency);

/// Officially assigned ISO 3166-1 alpha-2 codes.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI \
BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ \
GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN \
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS \
MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT \
PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF \
TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

impl Country {
    pub const KZ: Country = Country(*b"KZ");
    pub const CN: Country = Country(*b"CN");

    pub fn as_str(&self) -> &str {
        // Invariant: constructed only from two ASCII letters of COUNTRIES.
        std::str::from_utf8(&self.0).expect("country codes are ASCII")
    }
}

impl FromStr for Country {
    type Err = CodeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.as_bytes() {
            [a, b] if is_assigned_country([*a, *b]) => Ok(Country([*a, *b])),
            _ => Err(CodeError::Country(text.to_string())),
        }
    }
}
string_code!(Country);

/// Binary search in `COUNTRIES`, which is sorted, without allocating (BIC and document
/// parsing call this on every country field).
fn is_assigned_country(code: [u8; 2]) -> bool {
    let list = COUNTRIES.as_bytes();
    let (mut low, mut high) = (0, list.len().div_ceil(3));
    while low < high {
        let mid = (low + high) / 2;
        match [list[mid * 3], list[mid * 3 + 1]].cmp(&code) {
            std::cmp::Ordering::Less => low = mid + 1,
            std::cmp::Ordering::Greater => high = mid,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// A Harmonized System commodity code: the 6-digit subheading, optionally with a national
/// extension up to 10 digits (`870899`, `8708999709`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HsCode(String);

impl HsCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The internationally harmonized 6-digit subheading.
    pub fn subheading(&self) -> &str {
        &self.0[..6]
    }

    /// The 2-digit chapter.
    pub fn chapter(&self) -> &str {
        &self.0[..2]
    }
}

impl FromStr for HsCode {
    type Err = CodeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digits =
            text.len() >= 6 && text.len() <= 10 && text.bytes().all(|b| b.is_ascii_digit());
        let chapter_ok = digits
            && text[..2]
                .parse::<u8>()
                .is_ok_and(|c| (1..=97).contains(&c) && c != 77);
        if chapter_ok {
            Ok(HsCode(text.to_string()))
        } else {
            Err(CodeError::HsCode(text.to_string()))
        }
    }
}
string_code!(HsCode);

/// A business identifier code (ISO 9362), 8 or 11 characters, upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bic(String);

impl Bic {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 8-character institution and location part, without the branch.
    pub fn bic8(&self) -> &str {
        &self.0[..8]
    }

    /// The country of the institution.
    pub fn country(&self) -> Country {
        // Invariant: FromStr checked that characters 5-6 are a valid country code.
        self.0[4..6].parse().expect("validated at construction")
    }
}

impl FromStr for Bic {
    type Err = CodeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let b = text.as_bytes();
        let upper_alnum = |s: &[u8]| {
            s.iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        };
        let ok = (b.len() == 8 || b.len() == 11)
            && b[..4].iter().all(u8::is_ascii_uppercase)
            && text[4..6].parse::<Country>().is_ok()
            && upper_alnum(&b[6..]);
        if ok {
            Ok(Bic(text.to_string()))
        } else {
            Err(CodeError::Bic(text.to_string()))
        }
    }
}
string_code!(Bic);

/// The eleven Incoterms 2020 rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum IncotermRule {
    Exw,
    Fca,
    Cpt,
    Cip,
    Dap,
    Dpu,
    Ddp,
    Fas,
    Fob,
    Cfr,
    Cif,
}

impl IncotermRule {
    pub const ALL: [IncotermRule; 11] = [
        Self::Exw,
        Self::Fca,
        Self::Cpt,
        Self::Cip,
        Self::Dap,
        Self::Dpu,
        Self::Ddp,
        Self::Fas,
        Self::Fob,
        Self::Cfr,
        Self::Cif,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Exw => "EXW",
            Self::Fca => "FCA",
            Self::Cpt => "CPT",
            Self::Cip => "CIP",
            Self::Dap => "DAP",
            Self::Dpu => "DPU",
            Self::Ddp => "DDP",
            Self::Fas => "FAS",
            Self::Fob => "FOB",
            Self::Cfr => "CFR",
            Self::Cif => "CIF",
        }
    }

    /// Sea and inland waterway rules only (FAS, FOB, CFR, CIF).
    pub fn is_maritime_only(&self) -> bool {
        matches!(self, Self::Fas | Self::Fob | Self::Cfr | Self::Cif)
    }
}

impl fmt::Display for IncotermRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IncotermRule {
    type Err = CodeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| CodeError::Incoterm(text.to_string()))
    }
}

/// An Incoterms 2020 rule with its named place (`CPT Almaty`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incoterms {
    pub rule: IncotermRule,
    pub place: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_carry_minor_units() {
        assert_eq!("USD".parse::<Currency>().unwrap().minor_units(), 2);
        assert_eq!("JPY".parse::<Currency>().unwrap().minor_units(), 0);
        assert_eq!("KWD".parse::<Currency>().unwrap().minor_units(), 3);
        assert_eq!("KZT".parse::<Currency>().unwrap().minor_units(), 2);
        for bad in ["usd", "US", "XXX", "USDD", ""] {
            assert!(bad.parse::<Currency>().is_err(), "{bad}");
        }
    }

    #[test]
    fn country_list_is_sorted_for_binary_search() {
        let codes: Vec<&str> = COUNTRIES.split(' ').collect();
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "COUNTRIES must stay sorted and unique"
        );
        assert_eq!(codes.len(), 249);
        assert!(codes.iter().all(|c| c.parse::<Country>().is_ok()));
    }

    #[test]
    fn countries() {
        assert_eq!("KZ".parse::<Country>().unwrap(), Country::KZ);
        assert_eq!("CN".parse::<Country>().unwrap(), Country::CN);
        for bad in ["kz", "XX", "KAZ", "", "K"] {
            assert!(bad.parse::<Country>().is_err(), "{bad}");
        }
    }

    #[test]
    fn hs_codes() {
        let code: HsCode = "8708999709".parse().unwrap();
        assert_eq!(code.subheading(), "870899");
        assert_eq!(code.chapter(), "87");
        for bad in [
            "87089",
            "87089997091",
            "0000000",
            "9900000",
            "7700000",
            "87a899",
        ] {
            assert!(bad.parse::<HsCode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bics() {
        let bic: Bic = "STCBKZKAXXX".parse().unwrap();
        assert_eq!(bic.country(), Country::KZ);
        assert_eq!(bic.bic8(), "STCBKZKA");
        assert!("TSCBCNBJ".parse::<Bic>().is_ok());
        for bad in ["STCBKZK", "stcbkzka", "STCBZZKA", "STCBKZKAXX", "1TCBKZKA"] {
            assert!(bad.parse::<Bic>().is_err(), "{bad}");
        }
    }

    #[test]
    fn incoterms() {
        assert_eq!("cpt".parse::<IncotermRule>().unwrap(), IncotermRule::Cpt);
        assert!(IncotermRule::Fob.is_maritime_only());
        assert!(!IncotermRule::Cip.is_maritime_only());
        assert!("FOT".parse::<IncotermRule>().is_err());
    }
}
