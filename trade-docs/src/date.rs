//! Calendar dates as trade documents carry them (no time of day, no zone).
//!
//! [`Date`] wraps `time::Date` so that every encoding (JSON, canonical CBOR) spells it the same
//! way, ISO 8601 `YYYY-MM-DD`. It deliberately never reads the clock: "today" always comes in
//! from the caller.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::macros::format_description;

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(time::Date);

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a calendar date (expected YYYY-MM-DD)")]
pub struct DateError(pub String);

impl Date {
    /// A date from year, month (1-12) and day; `None` if it does not exist.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Date> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(Date)
    }

    pub fn year(&self) -> i32 {
        self.0.year()
    }

    pub fn month(&self) -> u8 {
        u8::from(self.0.month())
    }

    pub fn day(&self) -> u8 {
        self.0.day()
    }

    /// Monday = 1 … Sunday = 7.
    pub fn iso_weekday(&self) -> u8 {
        self.0.weekday().number_from_monday()
    }

    /// The date `days` later (earlier if negative); `None` outside the supported range.
    pub fn add_days(&self, days: i64) -> Option<Date> {
        self.0.checked_add(time::Duration::days(days)).map(Date)
    }

    /// Whole days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(&self, later: Date) -> i64 {
        (later.0 - self.0).whole_days()
    }
}

impl From<time::Date> for Date {
    fn from(date: time::Date) -> Self {
        Date(date)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl FromStr for Date {
    type Err = DateError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // The strict length check refuses the variants `time` would accept (e.g. `+2026-...`).
        if text.len() != 10 {
            return Err(DateError(text.to_string()));
        }
        time::Date::parse(text, format_description!("[year]-[month]-[day]"))
            .map(Date)
            .map_err(|_| DateError(text.to_string()))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip_and_arithmetic() {
        let date: Date = "2026-03-21".parse().unwrap();
        assert_eq!(date.to_string(), "2026-03-21");
        assert_eq!(date.iso_weekday(), 6);
        assert_eq!(date.add_days(21).unwrap().to_string(), "2026-04-11");
        assert_eq!(date.days_until("2026-04-11".parse().unwrap()), 21);
        for bad in ["2026-02-30", "2026-3-21", "21.03.2026", "+2026-03-21", ""] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
    }
}
