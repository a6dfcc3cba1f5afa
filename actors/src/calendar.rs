//! Banking-day calendars of Kazakhstan and China, one data file per country and year.
//!
//! The files (`actors/calendars/<country>-<year>.toml`, embedded with `include_str!`) list the
//! weekday bank holidays (moved days included), the holidays that fall on a weekend (for the
//! record), and the weekend days banks work (China's 调休). Each names its source. A banking
//! day is a Monday to Friday that is not a holiday, or a weekend day listed as worked.
//!
//! Invariant: a question about a date in a year with no calendar for that country is an error
//! ([`CalendarError::NoCalendar`]), never a silent weekends-only answer: a deadline computed
//! without the holidays would be wrong exactly when it matters. The files are checked when
//! loaded (each date in its file's year, on a weekday or weekend as its list says, no date in
//! two lists), and a unit test loads every embedded file.
//!
//! Deliberately not here: time zones beyond each file's UTC offset (read by the deadline shell
//! to know "today" at the bank's place) and any reading of the clock.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use trade_docs::{Country, Date};

/// The embedded calendar files: (country, year, text).
const FILES: &[(Country, i32, &str)] = &[
    (Country::KZ, 2026, include_str!("../calendars/kz-2026.toml")),
    (Country::KZ, 2027, include_str!("../calendars/kz-2027.toml")),
    (Country::CN, 2026, include_str!("../calendars/cn-2026.toml")),
    (Country::CN, 2027, include_str!("../calendars/cn-2027.toml")),
];

/// Most banking days one call may add (a year and a half): bounds the walk.
pub const BANKING_DAYS_ADD_MAX: u32 = 400;

/// Why a calendar could not answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("no banking calendar for country {country} in year {year}")]
    NoCalendar { country: Country, year: i32 },
    #[error("no banking calendar for country {country} at all")]
    NoCountry { country: Country },
    #[error("calendar file {file}: {reason}")]
    File { file: String, reason: String },
    #[error("cannot add {days} banking days: at most {BANKING_DAYS_ADD_MAX}")]
    TooFar { days: u32 },
}

/// One country's banking calendar over the years it has files for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankingCalendar {
    country: Country,
    utc_offset_minutes: i32,
    years: BTreeSet<i32>,
    holidays: BTreeMap<Date, String>,
    working_weekend_days: BTreeSet<Date>,
}

impl BankingCalendar {
    /// The calendar of the banks of `country`, from the embedded files.
    pub fn of_country(country: Country) -> Result<BankingCalendar, CalendarError> {
        let files: Vec<_> = FILES.iter().filter(|(c, _, _)| *c == country).collect();
        if files.is_empty() {
            return Err(CalendarError::NoCountry { country });
        }
        let mut calendar = BankingCalendar {
            country,
            utc_offset_minutes: 0,
            years: BTreeSet::new(),
            holidays: BTreeMap::new(),
            working_weekend_days: BTreeSet::new(),
        };
        for (_, year, text) in files {
            let name = format!("{}-{year}.toml", country.as_str().to_lowercase());
            calendar.add_file(&name, *year, text)?;
        }
        Ok(calendar)
    }

    /// The calendar of the bank whose BIC is `bic` (its country is letters 5 and 6).
    pub fn of_bic(bic: &str) -> Result<BankingCalendar, CalendarError> {
        let country = bic
            .get(4..6)
            .and_then(|code| code.parse::<Country>().ok())
            .ok_or_else(|| CalendarError::File {
                file: "(bic)".into(),
                reason: format!("'{bic}' does not name a country in letters 5 and 6"),
            })?;
        BankingCalendar::of_country(country)
    }

    pub fn country(&self) -> Country {
        self.country
    }

    /// The banks' offset from UTC, in minutes (to know "today" at the bank's place).
    pub fn utc_offset_minutes(&self) -> i32 {
        self.utc_offset_minutes
    }

    /// Whether banks of this country settle on `date`.
    pub fn is_banking_day(&self, date: Date) -> Result<bool, CalendarError> {
        if !self.years.contains(&date.year()) {
            return Err(CalendarError::NoCalendar {
                country: self.country,
                year: date.year(),
            });
        }
        let weekend = date.iso_weekday() >= 6;
        Ok(if weekend {
            self.working_weekend_days.contains(&date)
        } else {
            !self.holidays.contains_key(&date)
        })
    }

    /// The holiday's name, when `date` is a weekday bank holiday.
    pub fn holiday(&self, date: Date) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    /// The first banking day after `date`.
    pub fn next_banking_day(&self, date: Date) -> Result<Date, CalendarError> {
        self.add_banking_days(date, 1)
    }

    /// The `days`-th banking day following `date` (`date` itself never counts, UCP 600 14(b)
    /// "following the day of presentation"); `date` when `days` is 0.
    pub fn add_banking_days(&self, date: Date, days: u32) -> Result<Date, CalendarError> {
        if days > BANKING_DAYS_ADD_MAX {
            return Err(CalendarError::TooFar { days });
        }
        let mut current = date;
        let mut left = days;
        while left > 0 {
            current = current.add_days(1).ok_or(CalendarError::NoCalendar {
                country: self.country,
                year: current.year(),
            })?;
            if self.is_banking_day(current)? {
                left -= 1;
            }
        }
        Ok(current)
    }

    fn add_file(&mut self, name: &str, year: i32, text: &str) -> Result<(), CalendarError> {
        let bad = |reason: String| CalendarError::File {
            file: name.to_string(),
            reason,
        };
        let file: CalendarFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if file.year != year || file.country != self.country {
            return Err(bad(format!(
                "key 'country'/'year': says {} {}, expected {} {year}",
                file.country, file.year, self.country
            )));
        }
        self.utc_offset_minutes = file.utc_offset_minutes;
        let lists = [
            ("holidays", &file.holidays, false),
            ("weekend_holidays", &file.weekend_holidays, true),
            ("working_weekend_days", &file.working_weekend_days, true),
        ];
        let mut seen = BTreeSet::new();
        for (key, days, on_weekend) in lists {
            for day in days {
                check_day(key, day, year, on_weekend, &mut seen).map_err(bad)?;
            }
        }
        for day in file.holidays {
            self.holidays.insert(day.date, day.name);
        }
        self.working_weekend_days
            .extend(file.working_weekend_days.iter().map(|d| d.date));
        self.years.insert(year);
        Ok(())
    }
}

/// Every country with a calendar file.
pub fn countries() -> Vec<Country> {
    let set: BTreeSet<&str> = FILES.iter().map(|(c, _, _)| c.as_str()).collect();
    set.into_iter().filter_map(|c| c.parse().ok()).collect()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    country: Country,
    year: i32,
    utc_offset_minutes: i32,
    /// `published` or `provisional`; informative (the file's comment says what is missing).
    #[allow(dead_code)]
    status: String,
    holidays: Vec<Day>,
    weekend_holidays: Vec<Day>,
    working_weekend_days: Vec<Day>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Day {
    date: Date,
    name: String,
}

fn check_day(
    key: &str,
    day: &Day,
    year: i32,
    on_weekend: bool,
    seen: &mut BTreeSet<Date>,
) -> Result<(), String> {
    if day.date.year() != year {
        return Err(format!("key '{key}': {} is not in {year}", day.date));
    }
    if (day.date.iso_weekday() >= 6) != on_weekend {
        let expected = if on_weekend {
            "a weekend day"
        } else {
            "a weekday"
        };
        return Err(format!("key '{key}': {} is not {expected}", day.date));
    }
    if !seen.insert(day.date) {
        return Err(format!("key '{key}': {} is listed twice", day.date));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn every_embedded_file_loads() {
        for country in countries() {
            let calendar = BankingCalendar::of_country(country).unwrap();
            assert_eq!(calendar.years.len(), 2, "{country}");
        }
        assert_eq!(countries(), vec![Country::CN, Country::KZ]);
    }

    #[test]
    fn banking_days_by_country() {
        let kz = BankingCalendar::of_country(Country::KZ).unwrap();
        let cn = BankingCalendar::of_country(Country::CN).unwrap();
        let cases = [
            (&kz, "2026-03-20", true),  // Friday before Nauryz
            (&kz, "2026-03-23", false), // Nauryz
            (&kz, "2026-03-25", false), // moved from Sunday 22 March
            (&kz, "2026-03-26", true),
            (&kz, "2026-02-14", false), // a Saturday
            (&cn, "2026-02-14", true),  // 调休: a Saturday worked
            (&cn, "2026-02-16", false), // Spring Festival
            (&cn, "2026-02-23", false),
            (&cn, "2026-02-24", true),
            (&cn, "2026-03-23", true), // Nauryz is not a Chinese holiday
            (&kz, "2027-03-24", false),
            (&cn, "2027-02-08", false),
        ];
        for (calendar, date, expected) in cases {
            let answer = calendar.is_banking_day(d(date)).unwrap();
            assert_eq!(answer, expected, "{} {date}", calendar.country());
        }
    }

    #[test]
    fn adding_banking_days_skips_holidays_and_counts_worked_weekends() {
        let kz = BankingCalendar::of_country(Country::KZ).unwrap();
        let cn = BankingCalendar::of_country(Country::CN).unwrap();
        let cases = [
            (&kz, "2026-03-19", 5, "2026-03-31"), // 20, 26, 27, 30, 31
            (&kz, "2026-03-27", 1, "2026-03-30"),
            (&kz, "2026-03-27", 0, "2026-03-27"),
            (&cn, "2026-02-12", 5, "2026-02-26"), // 13, 14 (worked Saturday), 24, 25, 26
            (&cn, "2026-02-13", 1, "2026-02-14"),
        ];
        for (calendar, from, days, expected) in cases {
            let due = calendar.add_banking_days(d(from), days).unwrap();
            assert_eq!(due, d(expected), "{} {from} + {days}", calendar.country());
        }
        assert_eq!(
            kz.next_banking_day(d("2026-03-20")).unwrap(),
            d("2026-03-26")
        );
    }

    #[test]
    fn a_year_without_a_calendar_is_an_error() {
        let kz = BankingCalendar::of_country(Country::KZ).unwrap();
        assert_eq!(
            kz.is_banking_day(d("2028-01-05")),
            Err(CalendarError::NoCalendar {
                country: Country::KZ,
                year: 2028
            })
        );
        // The walk runs off the end of the last year's file.
        assert!(matches!(
            kz.add_banking_days(d("2027-12-28"), 5),
            Err(CalendarError::NoCalendar { year: 2028, .. })
        ));
        assert!(matches!(
            BankingCalendar::of_country("US".parse().unwrap()),
            Err(CalendarError::NoCountry { .. })
        ));
    }

    #[test]
    fn the_bank_place_comes_from_its_bic() {
        assert_eq!(
            BankingCalendar::of_bic("STCBKZKAXXX").unwrap().country(),
            Country::KZ
        );
        assert_eq!(
            BankingCalendar::of_bic("TSCMCNBJXXX")
                .unwrap()
                .utc_offset_minutes(),
            480
        );
        assert!(BankingCalendar::of_bic("XX").is_err());
    }

    #[test]
    fn a_bad_file_names_its_key() {
        let mut calendar = BankingCalendar::of_country(Country::KZ).unwrap();
        let text = "country = \"KZ\"\nyear = 2030\nutc_offset_minutes = 300\nstatus = \"x\"\n\
                    holidays = [{ date = \"2030-01-05\", name = \"a Saturday\" }]\n\
                    weekend_holidays = []\nworking_weekend_days = []\n";
        let error = calendar.add_file("kz-2030.toml", 2030, text).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("key 'holidays': 2030-01-05 is not a weekday"),
            "{error}"
        );
    }
}
