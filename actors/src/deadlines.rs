//! Deadlines of the corridor, computed from ledger instruments and the time: the pure core the
//! bank, exporter and customs actors consult on every event and tick.
//!
//! - **Examination** (UCP 600 14(b)): the examining bank (the confirming bank, else the
//!   nominated bank, else the issuing bank) has until the 5th banking day following the day of
//!   presentation, counted on the banking calendar of its place (its BIC's country). A warning
//!   is due on the banking day before; once the day has passed undecided, an escalation: the
//!   bank is precluded from claiming that the documents are discrepant (16(f)).
//! - **Presentation period**: 21 days after the latest shipment date (UCP 600 14(c); field 48
//!   is not recorded on the ledger, so its default applies), at the issuing bank's place; a
//!   credit still without a presentation then is told so.
//! - **Expiry**: an operative credit whose expiry date has passed at the issuing bank's place
//!   is due to be expired (`LcAction::Expire`), which moves it to its final state.
//! - **Customs**: a declaration held, or with an inspection ordered, has its post's
//!   service-level time (`actors/customs-posts.toml`) from the block that did it; a warning at
//!   three quarters of it, an escalation when it passes.
//!
//! Every [`DueAction`] carries a stable id naming the instrument, the kind and the history
//! entry it stems from, so a shell that records ids it has acted on acts once, across restarts
//! and replays. Pure: no IO, no clock (`now_ms` is an argument), no async.
//! Deliberately not here: acting (submitting the expiry, sending mail), and which node acts.

use std::collections::BTreeMap;

use consensus::ledger::app::block_date;
use consensus::ledger::state::AnyInstrument;
use serde::{Deserialize, Serialize};
use trade_docs::instrument::{
    DeclarationEvent, DeclarationInstrument, DeclarationState, LcEvent, LcInstrument, LcState,
    PresentationEvent,
};
use trade_docs::{Country, Date};

use crate::calendar::{BankingCalendar, CalendarError};

/// Banking days following the day of presentation (UCP 600 14(b)).
pub const EXAMINATION_BANKING_DAYS: u32 = 5;
/// Days after shipment within which documents must be presented (UCP 600 14(c)).
pub const PRESENTATION_PERIOD_DAYS: i64 = 21;
const HOUR_MS: u64 = 3_600_000;

/// Why deadlines could not be computed for an instrument.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error("instrument {instrument}: {source}")]
    Calendar {
        instrument: String,
        source: CalendarError,
    },
    #[error("customs posts file: {0}")]
    Posts(String),
}

/// What is due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DueKind {
    /// The examining bank's last day is the next banking day.
    ExaminationWarning { bank: String, due_on: Date },
    /// The examination period passed without a decision (16(f)).
    ExaminationLapsed { bank: String, due_on: Date },
    /// The presentation period ended without a presentation.
    PresentationPeriodEnded { ended_on: Date },
    /// The credit's expiry date passed: the issuing bank expires it.
    Expire { expiry_date: Date, today: Date },
    /// A customs hold or inspection nears its service-level time.
    CustomsWarning {
        post: String,
        stage: CustomsStage,
        due_at_ms: u64,
    },
    /// A customs hold or inspection passed its service-level time.
    CustomsOverdue {
        post: String,
        stage: CustomsStage,
        due_at_ms: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomsStage {
    Hold,
    Inspection,
}

/// One due action: a stable id (so it happens once), the instrument, what, and to whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueAction {
    pub id: String,
    /// The instrument's id, hex.
    pub instrument: String,
    pub due: DueKind,
    /// The party whose actor carries the action out (one actor acts, so it happens once): the
    /// examining bank, the issuing bank for expiry, the beneficiary for the presentation
    /// period, the customs post for its service-level times.
    pub owner: String,
    /// The parties to tell, by party id.
    pub parties: Vec<String>,
}

/// An instrument as an actor tracks it: as the ledger holds it now, and the time of the block
/// that last changed it (customs service-level times run from there).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracked {
    pub id: String,
    pub instrument: AnyInstrument,
    pub changed_ms: u64,
}

/// A customs post and its service-level times.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomsPost {
    /// The post's ledger party id.
    pub party: String,
    pub name: String,
    pub country: Country,
    pub hold_hours: u64,
    pub inspection_hours: u64,
}

/// The banking calendars by country and the customs posts: what deadlines are computed on.
#[derive(Clone, Debug)]
pub struct Rules {
    calendars: BTreeMap<Country, BankingCalendar>,
    posts: BTreeMap<String, CustomsPost>,
}

impl Rules {
    /// The embedded calendars and customs posts.
    pub fn embedded() -> Result<Rules, DeadlineError> {
        let calendars = crate::calendar::countries()
            .into_iter()
            .map(|c| BankingCalendar::of_country(c).map(|cal| (c, cal)))
            .collect::<Result<_, _>>()
            .map_err(|source| DeadlineError::Calendar {
                instrument: "(none)".into(),
                source,
            })?;
        Ok(Rules {
            calendars,
            posts: customs_posts()?
                .into_iter()
                .map(|p| (p.party.clone(), p))
                .collect(),
        })
    }

    pub fn post(&self, party: &str) -> Option<&CustomsPost> {
        self.posts.get(party)
    }

    pub fn posts(&self) -> impl Iterator<Item = &CustomsPost> {
        self.posts.values()
    }

    /// The calendar of the bank `bic`'s place.
    pub fn calendar_of_bank(&self, bic: &str) -> Result<&BankingCalendar, CalendarError> {
        let country = bic
            .get(4..6)
            .and_then(|c| c.parse::<Country>().ok())
            .ok_or_else(|| CalendarError::File {
                file: "(bic)".into(),
                reason: format!("'{bic}' does not name a country in letters 5 and 6"),
            })?;
        self.calendars
            .get(&country)
            .ok_or(CalendarError::NoCountry { country })
    }
}

/// The customs posts of `actors/customs-posts.toml`.
pub fn customs_posts() -> Result<Vec<CustomsPost>, DeadlineError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        post: Vec<CustomsPost>,
    }
    let file: File = toml::from_str(include_str!("../customs-posts.toml"))
        .map_err(|e| DeadlineError::Posts(e.to_string()))?;
    Ok(file.post)
}

/// The date at a place whose banks keep `utc_offset_minutes`.
pub fn date_at(now_ms: u64, utc_offset_minutes: i32) -> Date {
    let shifted = now_ms as i64 + i64::from(utc_offset_minutes) * 60_000;
    block_date(shifted.max(0) as u64)
}

/// Every action due on `tracked` at `now_ms`, in a fixed order.
pub fn due(rules: &Rules, tracked: &Tracked, now_ms: u64) -> Result<Vec<DueAction>, DeadlineError> {
    let wrap = |source| DeadlineError::Calendar {
        instrument: tracked.id.clone(),
        source,
    };
    match &tracked.instrument {
        AnyInstrument::LetterOfCredit(lc) => {
            credit_due(rules, &tracked.id, lc, now_ms).map_err(wrap)
        }
        AnyInstrument::CustomsDeclaration(d) => Ok(customs_due(rules, tracked, d, now_ms)),
        AnyInstrument::Invoice(_) => Ok(Vec::new()),
    }
}

fn credit_due(
    rules: &Rules,
    id: &str,
    lc: &LcInstrument,
    now_ms: u64,
) -> Result<Vec<DueAction>, CalendarError> {
    let mut actions = examination_due(rules, id, lc, now_ms)?;
    let issuing = rules.calendar_of_bank(&lc.parties.issuing_bank)?;
    let today = date_at(now_ms, issuing.utc_offset_minutes());
    let parties = credit_parties(lc);
    let never_presented = matches!(lc.state, LcState::Issued | LcState::Advised);
    if let Some(shipment) = lc.terms.latest_shipment_date {
        let ended_on = shipment
            .add_days(PRESENTATION_PERIOD_DAYS)
            .unwrap_or(shipment);
        if never_presented && today > ended_on && ended_on < lc.terms.expiry_date {
            actions.push(DueAction {
                id: format!("presentation-period/{id}"),
                instrument: id.to_string(),
                due: DueKind::PresentationPeriodEnded { ended_on },
                owner: lc.parties.beneficiary.clone(),
                parties: parties.clone(),
            });
        }
    }
    if expirable(lc.state) && today > lc.terms.expiry_date {
        actions.push(DueAction {
            id: format!("expire/{id}"),
            instrument: id.to_string(),
            due: DueKind::Expire {
                expiry_date: lc.terms.expiry_date,
                today,
            },
            owner: lc.parties.issuing_bank.clone(),
            parties,
        });
    }
    Ok(actions)
}

/// The warning and the escalation of an undecided presentation.
fn examination_due(
    rules: &Rules,
    id: &str,
    lc: &LcInstrument,
    now_ms: u64,
) -> Result<Vec<DueAction>, CalendarError> {
    let Some(presentation) = lc.presentation.as_ref() else {
        return Ok(Vec::new());
    };
    if presentation.state.is_decided() || lc.state.is_final() {
        return Ok(Vec::new());
    }
    // The entry that opened this presentation names it in the ids: a later presentation under
    // the same credit gets its own warning.
    let Some(seq) = lc.history.entries().iter().rposition(|e| {
        matches!(
            e.event,
            LcEvent::Presentation(PresentationEvent::DocumentsPresented { .. })
        )
    }) else {
        return Ok(Vec::new());
    };
    let bank = examining_bank(lc).to_string();
    let calendar = rules.calendar_of_bank(&bank)?;
    let presented_on = presentation.presented_on;
    let due_on = calendar.add_banking_days(presented_on, EXAMINATION_BANKING_DAYS)?;
    let warn_on = calendar.add_banking_days(presented_on, EXAMINATION_BANKING_DAYS - 1)?;
    let today = date_at(now_ms, calendar.utc_offset_minutes());
    let parties = credit_parties(lc);
    let mut actions = Vec::new();
    if today >= warn_on {
        actions.push(DueAction {
            id: format!("examination-warning/{id}/{seq}"),
            instrument: id.to_string(),
            due: DueKind::ExaminationWarning {
                bank: bank.clone(),
                due_on,
            },
            owner: bank.clone(),
            parties: parties.clone(),
        });
    }
    if today > due_on {
        actions.push(DueAction {
            id: format!("examination-lapsed/{id}/{seq}"),
            instrument: id.to_string(),
            owner: bank.clone(),
            due: DueKind::ExaminationLapsed { bank, due_on },
            parties,
        });
    }
    Ok(actions)
}

/// The bank that examines a presentation: a confirming bank, else a nominated bank, else the
/// issuing bank (UCP 600 14(a), 7, 8).
pub fn examining_bank(lc: &LcInstrument) -> &str {
    let p = &lc.parties;
    p.confirming_bank
        .as_deref()
        .or(p.nominated_bank.as_deref())
        .unwrap_or(&p.issuing_bank)
}

fn expirable(state: LcState) -> bool {
    state.is_operative()
        || matches!(
            state,
            LcState::Issued | LcState::AmendmentProposed | LcState::CancellationProposed
        )
}

fn credit_parties(lc: &LcInstrument) -> Vec<String> {
    let mut parties: Vec<String> = AnyInstrument::LetterOfCredit(lc.clone())
        .parties()
        .into_iter()
        .map(str::to_string)
        .collect();
    parties.sort();
    parties.dedup();
    parties
}

fn customs_due(
    rules: &Rules,
    tracked: &Tracked,
    d: &DeclarationInstrument,
    now_ms: u64,
) -> Vec<DueAction> {
    let Some(post) = rules.post(&d.parties.customs) else {
        return Vec::new();
    };
    let (stage, hours) = match d.state {
        DeclarationState::Held => (CustomsStage::Hold, post.hold_hours),
        DeclarationState::InspectionOrdered => (CustomsStage::Inspection, post.inspection_hours),
        _ => return Vec::new(),
    };
    // The entry that put the declaration in this state names it in the ids.
    let seq = d.history.entries().iter().rposition(|e| {
        matches!(
            (stage, &e.event),
            (CustomsStage::Hold, DeclarationEvent::GoodsHeld { .. })
                | (
                    CustomsStage::Inspection,
                    DeclarationEvent::InspectionOrdered
                )
        )
    });
    let Some(seq) = seq else {
        return Vec::new();
    };
    let sla_ms = hours * HOUR_MS;
    let due_at_ms = tracked.changed_ms + sla_ms;
    let warn_at_ms = tracked.changed_ms + sla_ms * 3 / 4;
    let parties = vec![d.parties.customs.clone(), d.parties.declarant.clone()];
    let stage_name = match stage {
        CustomsStage::Hold => "hold",
        CustomsStage::Inspection => "inspection",
    };
    let mut actions = Vec::new();
    let id = &tracked.id;
    let post = post.party.clone();
    if now_ms >= warn_at_ms {
        actions.push(DueAction {
            id: format!("customs-{stage_name}-warning/{id}/{seq}"),
            instrument: id.clone(),
            due: DueKind::CustomsWarning {
                post: post.clone(),
                stage,
                due_at_ms,
            },
            owner: post.clone(),
            parties: parties.clone(),
        });
    }
    if now_ms > due_at_ms {
        actions.push(DueAction {
            id: format!("customs-{stage_name}-overdue/{id}/{seq}"),
            instrument: id.clone(),
            owner: post.clone(),
            due: DueKind::CustomsOverdue {
                post,
                stage,
                due_at_ms,
            },
            parties,
        });
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_posts_file_names_the_four_posts() {
        let names: Vec<String> = customs_posts()
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["Khorgos", "Aktau", "Almaty", "Horgos"]);
    }

    #[test]
    fn the_date_at_a_place_follows_its_offset() {
        // 2026-03-20T20:00Z is already the 21st in Almaty (UTC+5) and in Beijing (UTC+8).
        let now_ms = 1_774_036_800_000;
        assert_eq!(date_at(now_ms, 0).to_string(), "2026-03-20");
        assert_eq!(date_at(now_ms, 300).to_string(), "2026-03-21");
        assert_eq!(date_at(now_ms, 480).to_string(), "2026-03-21");
    }
}
