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
    authorize, check_party_id, check_text, check_texts, illegal, invalid, Actor, Context, History,
    Instrument, Rejection, Role, Transition,
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskAssessment {
    pub channel: Channel,
    #[serde(default)]
    pub rule_hits: Vec<String>,
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
        if assessment.channel != Channel::Green && assessment.rule_hits.is_empty() {
            return Err(invalid(
                "rule_hits",
                "a yellow or red channel names the rules that put it there",
            ));
        }
        let event = DeclarationEvent::RiskAssessed {
            channel: assessment.channel,
            // At most LIST_LEN_MAX rule hits (checked above), so it fits in a u16.
            rule_hits_len: u16::try_from(assessment.rule_hits.len()).unwrap_or(u16::MAX),
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

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Green => "green",
        Channel::Yellow => "yellow",
        Channel::Red => "red",
    }
}
