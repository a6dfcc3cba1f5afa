//! Exact decimal numbers for money, quantities and masses.
//!
//! A [`Decimal`] is an integer mantissa with a fixed number of fraction digits (its scale):
//! `125000.00` is mantissa 12_500_000 at scale 2. Money is therefore held as integer minor
//! units, never as floating point. It deliberately does no rounding on its own: arithmetic that
//! would lose digits or overflow returns `None`, and the caller decides.
//!
//! Invariants: the scale is at most [`Decimal::SCALE_MAX`]; the textual form (used by JSON and
//! by canonical CBOR alike) is `-?DIGITS[.DIGITS]` with exactly `scale` fraction digits and no
//! superfluous leading zero, so one value at one scale has exactly one spelling.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An exact decimal: `mantissa × 10^-scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    mantissa: i64,
    scale: u8,
}

/// Why a decimal string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("'{0}' is not a decimal number (expected digits with an optional '.' fraction)")]
    Syntax(String),
    #[error("'{0}' has more than {max} fraction digits", max = Decimal::SCALE_MAX)]
    TooManyFractionDigits(String),
    #[error("'{0}' is too large")]
    Overflow(String),
}

impl Decimal {
    /// At most this many fraction digits; enough for every ISO 4217 currency and for masses in
    /// grams expressed as kilograms.
    pub const SCALE_MAX: u8 = 6;
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// `mantissa × 10^-scale`; `None` if the scale is above [`Decimal::SCALE_MAX`].
    pub const fn new(mantissa: i64, scale: u8) -> Option<Decimal> {
        if scale > Self::SCALE_MAX {
            None
        } else {
            Some(Decimal { mantissa, scale })
        }
    }

    /// A whole number.
    pub const fn from_int(value: i64) -> Decimal {
        Decimal {
            mantissa: value,
            scale: 0,
        }
    }

    pub const fn mantissa(self) -> i64 {
        self.mantissa
    }

    pub const fn scale(self) -> u8 {
        self.scale
    }

    pub const fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    pub const fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// The same value at a larger or equal scale, or at a smaller one when no non-zero digit is
    /// dropped. `None` when digits would be lost or the mantissa overflows.
    pub fn rescale(self, scale: u8) -> Option<Decimal> {
        if scale > Self::SCALE_MAX {
            return None;
        }
        match scale.cmp(&self.scale) {
            Ordering::Equal => Some(self),
            Ordering::Greater => {
                let factor = pow10(scale - self.scale);
                Some(Decimal {
                    mantissa: self.mantissa.checked_mul(factor)?,
                    scale,
                })
            }
            Ordering::Less => {
                let factor = pow10(self.scale - scale);
                (self.mantissa % factor == 0).then_some(Decimal {
                    mantissa: self.mantissa / factor,
                    scale,
                })
            }
        }
    }

    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let (a, b) = (self.rescale(scale)?, other.rescale(scale)?);
        Some(Decimal {
            mantissa: a.mantissa.checked_add(b.mantissa)?,
            scale,
        })
    }

    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        other.mantissa.checked_neg().and_then(|m| {
            self.checked_add(Decimal {
                mantissa: m,
                ..other
            })
        })
    }

    /// Exact product; `None` on overflow or when the scale would exceed the maximum.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.checked_add(other.scale)?;
        if scale > Self::SCALE_MAX {
            return None;
        }
        Some(Decimal {
            mantissa: self.mantissa.checked_mul(other.mantissa)?,
            scale,
        })
    }

    /// `self × percent / 100`, rounded half away from zero to `self`'s scale.
    pub fn percent(self, percent: u32) -> Option<Decimal> {
        let wide = i128::from(self.mantissa) * i128::from(percent);
        let rounded = if wide >= 0 {
            (wide + 50) / 100
        } else {
            (wide - 50) / 100
        };
        Some(Decimal {
            mantissa: i64::try_from(rounded).ok()?,
            scale: self.scale,
        })
    }

    /// Sum of many decimals; `None` on overflow.
    pub fn sum<I: IntoIterator<Item = Decimal>>(values: I) -> Option<Decimal> {
        values
            .into_iter()
            .try_fold(Decimal::ZERO, |acc, v| acc.checked_add(v))
    }
}

const fn pow10(exp: u8) -> i64 {
    let mut value = 1i64;
    let mut i = 0;
    while i < exp {
        value *= 10;
        i += 1;
    }
    value
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let a = i128::from(self.mantissa) * i128::from(pow10(Self::SCALE_MAX - self.scale));
        let b = i128::from(other.mantissa) * i128::from(pow10(Self::SCALE_MAX - other.scale));
        a.cmp(&b)
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let abs = self.mantissa.unsigned_abs();
        if self.scale == 0 {
            return write!(f, "{sign}{abs}");
        }
        let factor = pow10(self.scale).unsigned_abs();
        write!(
            f,
            "{sign}{}.{:0width$}",
            abs / factor,
            abs % factor,
            width = usize::from(self.scale)
        )
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;

    /// Parses the canonical form and also leading zeros (`007.50`); refuses exponents, `+`,
    /// spaces, and anything but ASCII digits.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let syntax = || DecimalError::Syntax(text.to_string());
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !all_digits(int) || !all_digits(frac) || body.ends_with('.') {
            return Err(syntax());
        }
        let scale = u8::try_from(frac.len())
            .ok()
            .filter(|s| *s <= Self::SCALE_MAX)
            .ok_or_else(|| DecimalError::TooManyFractionDigits(text.to_string()))?;
        let sign = if negative { "-" } else { "" };
        let mantissa: i64 = [sign, int, frac]
            .concat()
            .parse()
            .map_err(|_| DecimalError::Overflow(text.to_string()))?;
        Ok(Decimal { mantissa, scale })
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn parses_and_prints_canonically() {
        for (input, printed) in [
            ("0", "0"),
            ("125000.00", "125000.00"),
            ("-0.05", "-0.05"),
            ("007.50", "7.50"),
            ("1801.78", "1801.78"),
        ] {
            assert_eq!(d(input).to_string(), printed, "{input}");
        }
    }

    #[test]
    fn refuses_bad_syntax() {
        for bad in [
            "",
            "-",
            "1.",
            ".5",
            "1e5",
            "+1",
            " 1",
            "1,5",
            "1.2345678",
            "99999999999999999999",
        ] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(d("0.10").checked_add(d("0.2")).unwrap(), d("0.30"));
        assert_eq!(d("100.00").checked_sub(d("0.01")).unwrap(), d("99.99"));
        assert_eq!(d("12.5").checked_mul(d("4")).unwrap(), d("50.0"));
        assert_eq!(d("125000.00").percent(10).unwrap(), d("12500.00"));
        assert_eq!(d("0.05").percent(50).unwrap(), d("0.03"));
        assert_eq!(d("1.50").rescale(1), Some(d("1.5")));
        assert_eq!(d("1.55").rescale(1), None);
        assert!(d("100") == d("100.00").rescale(0).unwrap());
        assert!(d("99.99") < d("100"));
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(mantissa in any::<i64>(), scale in 0u8..=Decimal::SCALE_MAX) {
            let value = Decimal::new(mantissa, scale).unwrap();
            let again: Decimal = value.to_string().parse().unwrap();
            prop_assert_eq!(value, again);
        }
    }
}
