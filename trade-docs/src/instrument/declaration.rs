//! The customs declaration as a ledger instrument (PRODUCT.md §3, §4 clearance rules).
//!
//! ```text
//! submitted ─▶ risk_assessed ─▶ released                  (green or yellow channel)
//!                  │   ▲  ├───▶ held ─▶ released | inspection_ordered
//!                  │   └──┘ (channel overridden, with a reason)
//!                  └──────────▶ inspection_ordered ─▶ released (cleared) | seized
//! submitted, risk_assessed, held ─▶ withdrawn            (by the declarant)
//! ```
//! Only the declarant submits and withdraws; every other action is the customs post's. A
//! red-channel declaration is released only after an inspection clears it, unless an officer
//! overrides the channel with a recorded reason. A declaration under inspection cannot be
//! withdrawn: withdrawal would let goods escape an inspection already ordered.
//!
//! Deliberately not here: computing the channel (the clearance rules engine does, and this
//! instrument records its result and rule hits), the mirror check, and the declaration's
//! content, which stays off the ledger, anchored by [`DeclarationTerms::document`].

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    authorize, check_list_len, check_party_id, check_text, check_texts, illegal, invalid, Actor,
    Context, History, Instrument, Rejection, Role, Transition,
};
use crate::cbor::CborError;
use crate::document::{CustomsDeclaration, DeclarationKind, Document};
use crate::fingerprint::Fingerprint;

/// What the ledger records of a declaration's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationTerms {
    /// Fingerprint of the declaration document.
    pub document: Fingerprint,
    pub reference: String,
    pub declaration_kind: DeclarationKind,
    pub border_post: String,
}

/// The declarant and the customs post deciding on the declaration, by ledger party id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationParties {
    pub declarant: String,
    pub customs: String,
}

/// The risk channel: green (release), yellow (document check), red (physical inspection).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Green,
    Yellow,
    Red,
}

/// The clearance rules' result: a channel and every rule that hit, so an officer sees why.
///
/// `rule_hits` are free lines (an assessment made by hand, or recorded before the rules engine
/// existed); `hits` are the engine's structured hits with their evidence, `rule_set` the hash
/// of the rule set that decided and `draw` the random selection. The three newer fields are
/// left out of the encoding when empty, so an assessment without them encodes as before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskAssessment {
    pub channel: Channel,
    #[serde(default)]
    pub rule_hits: Vec<String>,
    /// SHA-256 of the canonical bytes of the rule set (rules and data) that decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<Fingerprint>,
    /// At most [`super::LIST_LEN_MAX`] hits, the weightiest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hits: Vec<RuleHit>,
    /// Hits the engine found beyond the [`super::LIST_LEN_MAX`] recorded ones.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hits_omitted: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw: Option<RandomDraw>,
}

/// At most this many characters (not bytes) in a hit's reason or evidence.
pub const HIT_TEXT_LEN_MAX: usize = 256;
/// At most this many bytes in a rule id.
pub const RULE_ID_LEN_MAX: usize = 64;

/// One clearance rule that hit, with the concrete evidence that made it hit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleHit {
    pub rule_id: String,
    pub rule_version: u32,
    pub effect: HitEffect,
    /// The reason shown to the officer, from the rule's template.
    pub reason: String,
    /// What was observed, e.g. `declared 0.80 USD/kg, band 2.10–6.40`.
    pub evidence: String,
}

/// What a hit contributes: a weight added to the score, or a channel it forces at least.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitEffect {
    Weight(i32),
    Forced(Channel),
}

/// The random selection, recomputable from ledger data: `value` is derived from `block` and
/// `declaration` (the customs gateway's `draw` module says how), and the declaration is
/// selected when `value` falls under `rate_ppm` parts per million of the `u64` range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomDraw {
    pub block: Fingerprint,
    pub declaration: Fingerprint,
    pub rate_ppm: u32,
    pub value: u64,
    pub selected: bool,
}

fn is_zero(n: &u16) -> bool {
    *n == 0
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionOutcome {
    Cleared,
    Seized,
}

/// A customs declaration on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationInstrument {
    pub terms: DeclarationTerms,
    pub parties: DeclarationParties,
    pub state: DeclarationState,
    /// The assessment in force (after any override); present after `submitted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<RiskAssessment>,
    pub history: History<DeclarationEvent>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationState {
    Submitted,
    RiskAssessed,
    Held,
    InspectionOrdered,
    Released,
    Seized,
    Withdrawn,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationAction {
    SubmitDeclaration {
        terms: DeclarationTerms,
        parties: DeclarationParties,
    },
    AssessRisk(RiskAssessment),
    OverrideChannel {
        channel: Channel,
        reason: String,
    },
    Release,
    Hold {
        reason: String,
    },
    OrderInspection,
    RecordInspection {
        outcome: InspectionOutcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        findings: Option<String>,
    },
    Withdraw,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationEvent {
    DeclarationSubmitted,
    RiskAssessed {
        channel: Channel,
        rule_hits_len: u16,
    },
    ChannelOverridden {
        from: Channel,
        to: Channel,
        reason: String,
    },
    GoodsReleased,
    GoodsHeld {
        reason: String,
    },
    InspectionOrdered,
    InspectionCleared {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        findings: Option<String>,
    },
    GoodsSeized {
        findings: String,
    },
    DeclarationWithdrawn,
}

impl DeclarationTerms {
    pub fn of_declaration(declaration: &CustomsDeclaration) -> Result<DeclarationTerms, CborError> {
        let document =
            Fingerprint::of_document(&Document::CustomsDeclaration(declaration.clone()))?;
        Ok(DeclarationTerms {
            document,
            reference: declaration.reference.clone(),
            declaration_kind: declaration.declaration_kind,
            border_post: declaration.border_post.clone(),
        })
    }
}

impl RiskAssessment {
    /// An assessment explained by free lines only: no rule set, no structured hits, no draw.
    pub fn from_lines(channel: Channel, rule_hits: Vec<String>) -> RiskAssessment {
        RiskAssessment {
            channel,
            rule_hits,
            rule_set: None,
            hits: Vec::new(),
            hits_omitted: 0,
            draw: None,
        }
    }
}

impl DeclarationState {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::RiskAssessed => "risk_assessed",
            Self::Held => "held",
            Self::InspectionOrdered => "inspection_ordered",
            Self::Released => "released",
            Self::Seized => "seized",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Released, seized and withdrawn declarations accept nothing further.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Released | Self::Seized | Self::Withdrawn)
    }
}

impl fmt::Display for DeclarationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl DeclarationAction {
    pub fn name(&self) -> &'static str {
        match self {
            Self::SubmitDeclaration { .. } => "submit_declaration",
            Self::AssessRisk(_) => "assess_risk",
            Self::OverrideChannel { .. } => "override_channel",
            Self::Release => "release",
            Self::Hold { .. } => "hold",
            Self::OrderInspection => "order_inspection",
            Self::RecordInspection { .. } => "record_inspection",
            Self::Withdraw => "withdraw",
        }
    }

    pub fn permitted_roles(&self) -> &'static [Role] {
        match self {
            Self::SubmitDeclaration { .. } | Self::Withdraw => &[Role::Declarant],
            _ => &[Role::Customs],
        }
    }
}

impl Instrument for DeclarationInstrument {
    type Action = DeclarationAction;
    type Event = DeclarationEvent;

    fn open(
        action: DeclarationAction,
        actor: &Actor,
        ctx: &Context,
    ) -> Transition<Self, DeclarationEvent> {
        Self::submit(action, actor, ctx).into()
    }

    fn apply(
        &self,
        action: DeclarationAction,
        actor: &Actor,
        ctx: &Context,
    ) -> Transition<Self, DeclarationEvent> {
        self.step(action, actor, ctx).into()
    }

    fn history(&self) -> &History<DeclarationEvent> {
        &self.history
    }
}

impl DeclarationInstrument {
    /// The channel in force, once assessed.
    pub fn channel(&self) -> Option<Channel> {
        self.assessment.as_ref().map(|a| a.channel)
    }

    fn submit(
        action: DeclarationAction,
        actor: &Actor,
        ctx: &Context,
    ) -> Result<(Self, DeclarationEvent), Rejection> {
        let DeclarationAction::SubmitDeclaration { terms, parties } = action else {
            return Err(Rejection::NotOpened {
                action: action.name().to_string(),
            });
        };
        authorize(
            actor,
            &[Role::Declarant],
            Some(&parties.declarant),
            "submit_declaration",
        )?;
        check_party_id("parties.declarant", &parties.declarant)?;
        check_party_id("parties.customs", &parties.customs)?;
        check_text("terms.reference", &terms.reference)?;
        check_text("terms.border_post", &terms.border_post)?;
        let event = DeclarationEvent::DeclarationSubmitted;
        let declaration = DeclarationInstrument {
            terms,
            parties,
            state: DeclarationState::Submitted,
            assessment: None,
            history: History::opened(actor, ctx, event.clone()),
        };
        Ok((declaration, event))
    }

    fn step(
        &self,
        action: DeclarationAction,
        actor: &Actor,
        ctx: &Context,
    ) -> Result<(Self, DeclarationEvent), Rejection> {
        use DeclarationAction as A;
        use DeclarationState as S;
        let name = action.name();
        authorize(
            actor,
            action.permitted_roles(),
            self.holder(actor.role),
            name,
        )?;
        let mut next = self.clone();
        let event = match (self.state, action) {
            (S::Submitted, A::AssessRisk(assessment)) => next.assess(assessment)?,
            (S::RiskAssessed | S::Held, A::OverrideChannel { channel, reason }) => {
                next.override_channel(channel, reason)?
            }
            (S::RiskAssessed | S::Held, A::Release) => next.release()?,
            (S::RiskAssessed, A::Hold { reason }) => {
                check_text("reason", &reason)?;
                next.state = S::Held;
                DeclarationEvent::GoodsHeld { reason }
            }
            (S::RiskAssessed | S::Held, A::OrderInspection) => {
                next.state = S::InspectionOrdered;
                DeclarationEvent::InspectionOrdered
            }
            (S::InspectionOrdered, A::RecordInspection { outcome, findings }) => {
                next.record_inspection(outcome, findings)?
            }
            (S::Submitted | S::RiskAssessed | S::Held, A::Withdraw) => {
                next.state = S::Withdrawn;
                DeclarationEvent::DeclarationWithdrawn
            }
            (state, _) => return Err(illegal(state, name)),
        };
        next.history.record(actor, ctx, event.clone())?;
        Ok((next, event))
    }

    fn holder(&self, role: Role) -> Option<&str> {
        match role {
            Role::Declarant => Some(&self.parties.declarant),
            Role::Customs => Some(&self.parties.customs),
            _ => None,
        }
    }

    /// Green and yellow channels may be released; red needs an inspection first.
    fn release(&mut self) -> Result<DeclarationEvent, Rejection> {
        if self.channel() == Some(Channel::Red) {
            return Err(Rejection::InspectionRequired);
        }
        self.state = DeclarationState::Released;
        Ok(DeclarationEvent::GoodsReleased)
    }

    fn assess(&mut self, assessment: RiskAssessment) -> Result<DeclarationEvent, Rejection> {
        check_texts("rule_hits", &assessment.rule_hits)?;
        check_hits(&assessment.hits)?;
        if let Some(draw) = &assessment.draw {
            if draw.rate_ppm > RATE_PPM_MAX {
                return Err(invalid(
                    "draw.rate_ppm",
                    format!("is {}, more than {RATE_PPM_MAX}", draw.rate_ppm),
                ));
            }
        }
        let selected = assessment.draw.is_some_and(|d| d.selected);
        let explained = !assessment.rule_hits.is_empty() || !assessment.hits.is_empty();
        if assessment.channel != Channel::Green && !explained && !selected {
            return Err(invalid(
                "rule_hits",
                "a yellow or red channel names the rules or the draw that put it there",
            ));
        }
        let hits_len = assessment.rule_hits.len() + assessment.hits.len();
        let event = DeclarationEvent::RiskAssessed {
            channel: assessment.channel,
            // At most 2 × LIST_LEN_MAX hits (checked above), so it fits in a u16.
            rule_hits_len: u16::try_from(hits_len).unwrap_or(u16::MAX),
        };
        self.state = DeclarationState::RiskAssessed;
        self.assessment = Some(assessment);
        Ok(event)
    }

    /// An officer's override, with its reason; the rule hits stay as the rules found them.
    fn override_channel(
        &mut self,
        channel: Channel,
        reason: String,
    ) -> Result<DeclarationEvent, Rejection> {
        check_text("reason", &reason)?;
        let Some(assessment) = self.assessment.as_mut() else {
            // Assessed states always carry an assessment; a decoded instrument without one is
            // refused rather than trusted.
            return Err(illegal(self.state, "override_channel"));
        };
        let from = assessment.channel;
        if from == channel {
            return Err(invalid(
                "channel",
                format!("is already {}", channel_name(channel)),
            ));
        }
        assessment.channel = channel;
        Ok(DeclarationEvent::ChannelOverridden {
            from,
            to: channel,
            reason,
        })
    }

    fn record_inspection(
        &mut self,
        outcome: InspectionOutcome,
        findings: Option<String>,
    ) -> Result<DeclarationEvent, Rejection> {
        if let Some(findings) = &findings {
            check_text("findings", findings)?;
        }
        Ok(match (outcome, findings) {
            (InspectionOutcome::Cleared, findings) => {
                self.state = DeclarationState::Released;
                DeclarationEvent::InspectionCleared { findings }
            }
            (InspectionOutcome::Seized, Some(findings)) => {
                self.state = DeclarationState::Seized;
                DeclarationEvent::GoodsSeized { findings }
            }
            (InspectionOutcome::Seized, None) => {
                return Err(invalid("findings", "a seizure states its findings"))
            }
        })
    }
}

/// At most one million parts per million: a rate of 100 %.
const RATE_PPM_MAX: u32 = 1_000_000;

/// Structured hits: at most [`super::LIST_LEN_MAX`], each with a rule id and bounded texts.
fn check_hits(hits: &[RuleHit]) -> Result<(), Rejection> {
    check_list_len("hits", hits.len())?;
    for (i, hit) in hits.iter().enumerate() {
        let field = |name: &str| format!("hits[{i}].{name}");
        check_text(&field("rule_id"), &hit.rule_id)?;
        if hit.rule_id.len() > RULE_ID_LEN_MAX {
            return Err(invalid(
                &field("rule_id"),
                format!(
                    "holds {} bytes, more than {RULE_ID_LEN_MAX}",
                    hit.rule_id.len()
                ),
            ));
        }
        // Bounded in characters, not bytes: evidence quotes names and figures in any script.
        for (name, text) in [("reason", &hit.reason), ("evidence", &hit.evidence)] {
            if text.trim().is_empty() {
                return Err(invalid(&field(name), "must not be blank"));
            }
            let chars = text.chars().count();
            if chars > HIT_TEXT_LEN_MAX {
                return Err(invalid(
                    &field(name),
                    format!("holds {chars} characters, more than {HIT_TEXT_LEN_MAX}"),
                ));
            }
        }
    }
    Ok(())
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Green => "green",
        Channel::Yellow => "yellow",
        Channel::Red => "red",
    }
}
