//! The letter of credit as a ledger instrument (PRODUCT.md §3, UCP 600).
//!
//! ```text
//! issued ─▶ advised ◀──▶ amendment_proposed        (accepted or rejected by the beneficiary)
//!              │  ◀──▶ cancellation_proposed ─▶ cancelled   (with the beneficiary's consent)
//!              ▼
//!   presentation.{presented … honoured} ─▶ settled ─▶ presentation.presented … (partial drawings)
//!   presentation.refused ─▶ presentation.presented …  (documents presented again)
//! issued, advised, a pending amendment or cancellation, settled, presentation.refused ─▶ expired
//! ```
//! The credit is *operative* (open to an amendment, a cancellation, a presentation or expiry)
//! when advised, settled, or after a refused presentation. A presentation in progress blocks
//! all of these: a presentation made before expiry must be decided even after expiry (UCP 600
//! art. 6(d), 15, 16).
//!
//! Permissions: the issuing bank issues, proposes amendments and cancellation, settles and
//! expires; the advising bank advises, and adds its confirmation acting as the confirming bank
//! when field 49 is `CONFIRM` or `MAY ADD` (in any state but a final one or a presentation;
//! once; it then holds [`Role::ConfirmingBank`] and may examine and decide presentations); the
//! beneficiary answers amendments and cancellation and presents; the presentation's own table
//! ([`PresentationAction::permitted_roles`]) covers examination, waiver and decision.
//!
//! Amounts: an amendment changes the terms only when the beneficiary accepts it (art. 10(b)).
//! `drawn` grows only on settlement, and never exceeds the amount plus its tolerance
//! ([`LcTerms::amount_max`]); a presentation may draw at most what is available. A second
//! drawing needs partial drawings to be allowed (field 43P). [`LcInstrument::balance`] shows
//! these figures to callers and is never stored.
//!
//! Deliberately not here: the confirming bank's consent to amendments (art. 10(a)) and the
//! examination period (art. 14(b)), which deadline actors enforce.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::presentation::{
    PresentationAction, PresentationEvent, PresentationInstrument, PresentationState,
};
use super::{
    authorize, check_amount, check_party_id, illegal, invalid, Actor, Context, History, Instrument,
    Rejection, Role, Transition,
};
use crate::cbor::CborError;
use crate::codes::Currency;
use crate::date::Date;
use crate::decimal::Decimal;
use crate::document::{
    Confirmation, Document, LcAmendment, LetterOfCredit, ShipmentPermission, Tolerance,
};
use crate::fingerprint::Fingerprint;

/// The terms of a credit that its life cycle depends on; the full MT700 stays off the ledger,
/// anchored by `document`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LcTerms {
    /// Field 20.
    pub reference: String,
    /// Fingerprint of the credit document as issued.
    pub document: Fingerprint,
    pub currency: Currency,
    pub amount: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Tolerance>,
    pub expiry_date: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_shipment_date: Option<Date>,
    /// Field 43P: whether the credit may be drawn more than once.
    pub partial_drawings_allowed: bool,
    /// Field 49: whether the issuing bank asks for, or allows, confirmation. Absent means
    /// "without", so the encoding of terms written before this field existed is unchanged.
    #[serde(default = "no_confirmation", skip_serializing_if = "is_without")]
    pub confirmation: Confirmation,
}

/// The parties to a credit, by ledger party id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LcParties {
    pub issuing_bank: String,
    pub advising_bank: String,
    pub applicant: String,
    pub beneficiary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirming_bank: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominated_bank: Option<String>,
}

/// An amendment as proposed (MT707): what it changes. Absent fields are unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendmentTerms {
    /// Field 26E: amendments are numbered 1, 2, 3 … in the order proposed.
    pub number: u16,
    /// Fingerprint of the amendment document.
    pub document: Fingerprint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increase: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decrease: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_expiry_date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_tolerance: Option<Tolerance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_latest_shipment_date: Option<Date>,
}

/// A letter of credit on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LcInstrument {
    /// The terms in force (amendments included once accepted).
    pub terms: LcTerms,
    pub parties: LcParties,
    pub state: LcState,
    /// Total settled so far, in the credit's currency.
    pub drawn: Decimal,
    /// Amendments proposed so far, accepted or not; the next must carry this number plus one.
    pub amendments_proposed: u16,
    /// The amendment awaiting the beneficiary, with the terms it would put in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_amendment: Option<PendingAmendment>,
    /// The current or last presentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presentation: Option<PresentationInstrument>,
    pub history: History<LcEvent>,
}

/// What a credit has paid and may still pay, in its currency: a view computed from the
/// instrument for callers (the gateway shows it as JSON), never stored on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Balance {
    pub currency: Currency,
    /// The credit amount in force (field 32B, accepted amendments included).
    pub amount: Decimal,
    /// The amount less the negative tolerance of field 39A. Absent when the credit has no
    /// tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_min: Option<Decimal>,
    /// The most the credit can ever pay: the amount plus the positive tolerance of field 39A
    /// (an "about" credit is coded 10/10 there, UCP 600 art. 30(a)). Absent when the credit
    /// has no tolerance, and then the amount is the most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_max: Option<Decimal>,
    /// Total settled so far.
    pub drawn: Decimal,
    /// The amount of the presentation in progress: presented, under examination or waiver,
    /// or honoured and awaiting settlement. Absent when none is (a refused one is over).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presented: Option<Decimal>,
    /// What may still be drawn: the most the credit can pay less `drawn`, never negative.
    /// Absent when the credit accepts no further drawing: expired, cancelled, or already drawn
    /// once without partial drawings allowed (field 43P).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<Decimal>,
}

/// An amendment awaiting acceptance, and the terms it would put in force (computed, and so
/// checked, when proposed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingAmendment {
    pub amendment: AmendmentTerms,
    pub amended_terms: LcTerms,
}

/// Where a credit stands. `Presentation(s)` holds exactly the state of `presentation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LcState {
    Issued,
    Advised,
    AmendmentProposed,
    CancellationProposed,
    Presentation(PresentationState),
    Settled,
    Expired,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LcAction {
    IssueLc {
        terms: LcTerms,
        parties: LcParties,
    },
    Advise,
    ProposeAmendment(AmendmentTerms),
    AcceptAmendment,
    RejectAmendment,
    ProposeCancellation,
    ConsentToCancellation,
    RefuseCancellation,
    Presentation(PresentationAction),
    Settle,
    /// Expires the credit; `today` must be after the expiry date and not after the block date.
    Expire {
        today: Date,
    },
    /// The advising bank adds its confirmation (field 49 `CONFIRM` or `MAY ADD`), acting as
    /// [`Role::ConfirmingBank`]; it then holds that role on the credit (UCP 600 art. 8).
    AddConfirmation,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LcEvent {
    LcIssued {
        amount: Decimal,
        expiry_date: Date,
    },
    LcAdvised,
    AmendmentProposed {
        number: u16,
    },
    AmendmentAccepted {
        number: u16,
        amount: Decimal,
        expiry_date: Date,
    },
    AmendmentRejected {
        number: u16,
    },
    CancellationProposed,
    CancellationRefused,
    LcCancelled,
    Presentation(PresentationEvent),
    LcSettled {
        amount: Decimal,
        drawn: Decimal,
    },
    LcExpired {
        expiry_date: Date,
    },
    /// `bank` (a party id) confirmed the credit.
    LcConfirmed {
        bank: String,
    },
}

impl LcTerms {
    /// The terms of an issued credit document.
    pub fn of_credit(credit: &LetterOfCredit) -> Result<LcTerms, CborError> {
        let document = Fingerprint::of_document(&Document::LetterOfCredit(credit.clone()))?;
        Ok(LcTerms {
            reference: credit.reference.clone(),
            document,
            currency: credit.currency,
            amount: credit.amount,
            tolerance: credit.tolerance,
            expiry_date: credit.expiry_date,
            latest_shipment_date: credit.latest_shipment_date,
            partial_drawings_allowed: credit.partial_shipments != ShipmentPermission::NotAllowed,
            confirmation: credit.confirmation,
        })
    }

    /// The most the credit can ever pay: its amount plus the positive tolerance (field 39A).
    /// `None` only on arithmetic overflow.
    pub fn amount_max(&self) -> Option<Decimal> {
        let plus = self.tolerance.map_or(0, |t| t.plus_percent);
        self.amount
            .checked_add(self.amount.percent(u32::from(plus))?)
    }

    fn check(&self, prefix: &str) -> Result<(), Rejection> {
        let reference = format!("{prefix}.reference");
        if self.reference.trim().is_empty() || self.reference.len() > 16 {
            return Err(invalid(&reference, "field 20 holds 1 to 16 characters"));
        }
        check_amount(&format!("{prefix}.amount"), self.amount, self.currency)?;
        if let Some(t) = self.tolerance {
            if t.plus_percent > 100 || t.minus_percent > 100 {
                return Err(invalid(
                    &format!("{prefix}.tolerance"),
                    "percentages are at most 100",
                ));
            }
        }
        if self.amount_max().is_none() {
            return Err(invalid(&format!("{prefix}.amount"), "is too large"));
        }
        if self
            .latest_shipment_date
            .is_some_and(|d| d > self.expiry_date)
        {
            return Err(invalid(
                &format!("{prefix}.latest_shipment_date"),
                "is after the expiry date",
            ));
        }
        Ok(())
    }
}

impl LcParties {
    /// The party holding `role` on the credit.
    pub fn holder(&self, role: Role) -> Option<&str> {
        match role {
            Role::IssuingBank => Some(&self.issuing_bank),
            Role::AdvisingBank => Some(&self.advising_bank),
            Role::Applicant => Some(&self.applicant),
            Role::Beneficiary => Some(&self.beneficiary),
            Role::ConfirmingBank => self.confirming_bank.as_deref(),
            Role::NominatedBank => self.nominated_bank.as_deref(),
            _ => None,
        }
    }

    fn check(&self) -> Result<(), Rejection> {
        check_party_id("parties.issuing_bank", &self.issuing_bank)?;
        check_party_id("parties.advising_bank", &self.advising_bank)?;
        check_party_id("parties.applicant", &self.applicant)?;
        check_party_id("parties.beneficiary", &self.beneficiary)?;
        if let Some(bank) = &self.confirming_bank {
            check_party_id("parties.confirming_bank", bank)?;
        }
        if let Some(bank) = &self.nominated_bank {
            check_party_id("parties.nominated_bank", bank)?;
        }
        Ok(())
    }
}

impl AmendmentTerms {
    /// The changes an MT707 makes, for the amendment document `amendment`.
    pub fn of_amendment(amendment: &LcAmendment) -> Result<AmendmentTerms, CborError> {
        let document = Fingerprint::of_document(&Document::Amendment(amendment.clone()))?;
        Ok(AmendmentTerms {
            number: amendment.amendment_number,
            document,
            increase: amendment.increase,
            decrease: amendment.decrease,
            new_expiry_date: amendment.new_expiry_date,
            new_tolerance: amendment.new_tolerance,
            new_latest_shipment_date: amendment.new_latest_shipment_date,
        })
    }

    /// The terms once this amendment is in force, refusing one that would leave the credit
    /// below what it has already paid.
    fn amend(&self, terms: &LcTerms, drawn: Decimal) -> Result<LcTerms, Rejection> {
        let mut amended = terms.clone();
        amended.amount = self.amended_amount(terms.amount, terms.currency)?;
        amended.expiry_date = self.new_expiry_date.unwrap_or(terms.expiry_date);
        amended.tolerance = self.new_tolerance.or(terms.tolerance);
        amended.latest_shipment_date = self.new_latest_shipment_date.or(terms.latest_shipment_date);
        amended.check("amended_terms")?;
        let max = amended
            .amount_max()
            .ok_or_else(|| invalid("increase", "the amended amount is too large"))?;
        if max < drawn {
            return Err(invalid(
                "decrease",
                format!("the amended credit would pay at most {max}, less than the {drawn} already drawn"),
            ));
        }
        Ok(amended)
    }

    /// The credit amount after the increase (field 32B) or decrease (33B), never both.
    fn amended_amount(&self, amount: Decimal, currency: Currency) -> Result<Decimal, Rejection> {
        match (self.increase, self.decrease) {
            (Some(_), Some(_)) => Err(invalid(
                "decrease",
                "an amendment either increases or decreases the amount, not both",
            )),
            (Some(increase), None) => {
                check_amount("increase", increase, currency)?;
                amount
                    .checked_add(increase)
                    .ok_or_else(|| invalid("increase", "the amended amount is too large"))
            }
            (None, Some(decrease)) => {
                check_amount("decrease", decrease, currency)?;
                amount
                    .checked_sub(decrease)
                    .filter(|a| !a.is_negative() && !a.is_zero())
                    .ok_or_else(|| invalid("decrease", "is not less than the credit amount"))
            }
            (None, None) => Ok(amount),
        }
    }
}

impl LcState {
    /// Open to an amendment, a cancellation, a new presentation or expiry.
    pub fn is_operative(&self) -> bool {
        matches!(
            self,
            LcState::Advised | LcState::Settled | LcState::Presentation(PresentationState::Refused)
        )
    }

    /// Expired and cancelled credits accept nothing further.
    pub fn is_final(&self) -> bool {
        matches!(self, LcState::Expired | LcState::Cancelled)
    }
}

impl fmt::Display for LcState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            LcState::Issued => "issued",
            LcState::Advised => "advised",
            LcState::AmendmentProposed => "amendment_proposed",
            LcState::CancellationProposed => "cancellation_proposed",
            LcState::Presentation(s) => return write!(f, "presentation.{s}"),
            LcState::Settled => "settled",
            LcState::Expired => "expired",
            LcState::Cancelled => "cancelled",
        };
        f.write_str(name)
    }
}

impl LcAction {
    pub fn name(&self) -> &'static str {
        match self {
            LcAction::IssueLc { .. } => "issue_lc",
            LcAction::Advise => "advise",
            LcAction::ProposeAmendment(_) => "propose_amendment",
            LcAction::AcceptAmendment => "accept_amendment",
            LcAction::RejectAmendment => "reject_amendment",
            LcAction::ProposeCancellation => "propose_cancellation",
            LcAction::ConsentToCancellation => "consent_to_cancellation",
            LcAction::RefuseCancellation => "refuse_cancellation",
            LcAction::Presentation(p) => p.name(),
            LcAction::Settle => "settle",
            LcAction::Expire { .. } => "expire",
            LcAction::AddConfirmation => "add_confirmation",
        }
    }

    /// The roles that may perform the action.
    pub fn permitted_roles(&self) -> &'static [Role] {
        match self {
            LcAction::IssueLc { .. }
            | LcAction::ProposeAmendment(_)
            | LcAction::ProposeCancellation
            | LcAction::Settle
            | LcAction::Expire { .. } => &[Role::IssuingBank],
            LcAction::Advise => &[Role::AdvisingBank],
            LcAction::AcceptAmendment
            | LcAction::RejectAmendment
            | LcAction::ConsentToCancellation
            | LcAction::RefuseCancellation => &[Role::Beneficiary],
            LcAction::Presentation(p) => p.permitted_roles(),
            LcAction::AddConfirmation => &[Role::ConfirmingBank],
        }
    }
}

impl From<PresentationAction> for LcAction {
    fn from(action: PresentationAction) -> Self {
        LcAction::Presentation(action)
    }
}

impl Instrument for LcInstrument {
    type Action = LcAction;
    type Event = LcEvent;

    fn open(action: LcAction, actor: &Actor, ctx: &Context) -> Transition<Self, LcEvent> {
        Self::issue(action, actor, ctx).into()
    }

    fn apply(&self, action: LcAction, actor: &Actor, ctx: &Context) -> Transition<Self, LcEvent> {
        self.step(action, actor, ctx).into()
    }

    fn history(&self) -> &History<LcEvent> {
        &self.history
    }
}

impl LcInstrument {
    /// What the credit can still pay: its maximum amount less what it has paid.
    pub fn available(&self) -> Option<Decimal> {
        self.terms.amount_max()?.checked_sub(self.drawn)
    }

    /// The credit's balance: amount and tolerance band, drawn, presented and remaining.
    pub fn balance(&self) -> Balance {
        let terms = &self.terms;
        let band = |percent: Option<u8>, plus: bool| {
            let delta = terms.amount.percent(u32::from(percent?))?;
            match plus {
                true => terms.amount.checked_add(delta),
                false => terms.amount.checked_sub(delta),
            }
        };
        let presented = match (&self.state, &self.presentation) {
            (LcState::Presentation(s), Some(p)) if *s != PresentationState::Refused => {
                Some(p.amount)
            }
            _ => None,
        };
        Balance {
            currency: terms.currency,
            amount: terms.amount,
            amount_min: band(terms.tolerance.map(|t| t.minus_percent), false),
            amount_max: band(terms.tolerance.map(|t| t.plus_percent), true),
            drawn: self.drawn,
            presented,
            remaining: self.remaining(),
        }
    }

    /// See [`Balance::remaining`]. `None` also on arithmetic overflow, which checked terms
    /// never reach.
    fn remaining(&self) -> Option<Decimal> {
        let spent = !self.drawn.is_zero() && !self.terms.partial_drawings_allowed;
        if self.state.is_final() || spent {
            return None;
        }
        let available = self.available()?;
        if available.is_negative() {
            // Settlement never lets `drawn` pass the maximum; a decoded instrument that breaks
            // this still shows nothing left rather than a negative balance.
            Decimal::new(0, self.terms.currency.minor_units())
        } else {
            Some(available)
        }
    }

    fn issue(action: LcAction, actor: &Actor, ctx: &Context) -> Result<(Self, LcEvent), Rejection> {
        let LcAction::IssueLc { terms, parties } = action else {
            return Err(Rejection::NotOpened {
                action: action.name().to_string(),
            });
        };
        authorize(
            actor,
            &[Role::IssuingBank],
            Some(&parties.issuing_bank),
            "issue_lc",
        )?;
        terms.check("terms")?;
        parties.check()?;
        if terms.expiry_date < ctx.date {
            return Err(invalid("terms.expiry_date", "is before the block date"));
        }
        let event = LcEvent::LcIssued {
            amount: terms.amount,
            expiry_date: terms.expiry_date,
        };
        let credit = LcInstrument {
            // Zero at the currency's scale; minor units (at most 3) never exceed SCALE_MAX, so
            // the fallback is never taken.
            drawn: Decimal::new(0, terms.currency.minor_units()).unwrap_or(Decimal::ZERO),
            terms,
            parties,
            state: LcState::Issued,
            amendments_proposed: 0,
            pending_amendment: None,
            presentation: None,
            history: History::opened(actor, ctx, event.clone()),
        };
        Ok((credit, event))
    }

    fn step(
        &self,
        action: LcAction,
        actor: &Actor,
        ctx: &Context,
    ) -> Result<(Self, LcEvent), Rejection> {
        let name = action.name();
        // Only the advising bank may become the confirming bank: before it confirms, nobody
        // holds that role, so its claim is checked against the advising bank.
        let holder = match action {
            LcAction::AddConfirmation => Some(self.parties.advising_bank.as_str()),
            _ => self.parties.holder(actor.role),
        };
        authorize(actor, action.permitted_roles(), holder, name)?;
        let mut next = self.clone();
        let event = match action {
            LcAction::IssueLc { .. } => return Err(illegal(self.state, name)),
            LcAction::Advise => next.advise()?,
            LcAction::ProposeAmendment(amendment) => next.propose_amendment(amendment, ctx)?,
            LcAction::AcceptAmendment | LcAction::RejectAmendment => {
                next.answer_amendment(matches!(action, LcAction::AcceptAmendment), name)?
            }
            LcAction::ProposeCancellation => {
                next.require(self.state.is_operative(), name)?;
                next.state = LcState::CancellationProposed;
                LcEvent::CancellationProposed
            }
            LcAction::ConsentToCancellation | LcAction::RefuseCancellation => {
                next.answer_cancellation(matches!(action, LcAction::ConsentToCancellation), name)?
            }
            LcAction::Presentation(p) => next.present(p, ctx)?,
            LcAction::Settle => next.settle()?,
            LcAction::Expire { today } => next.expire(today, ctx)?,
            LcAction::AddConfirmation => next.add_confirmation()?,
        };
        next.history.record(actor, ctx, event.clone())?;
        Ok((next, event))
    }

    fn require(&self, legal: bool, action: &str) -> Result<(), Rejection> {
        if legal {
            Ok(())
        } else {
            Err(illegal(self.state, action))
        }
    }

    fn advise(&mut self) -> Result<LcEvent, Rejection> {
        self.require(self.state == LcState::Issued, "advise")?;
        self.state = LcState::Advised;
        Ok(LcEvent::LcAdvised)
    }

    fn propose_amendment(
        &mut self,
        amendment: AmendmentTerms,
        ctx: &Context,
    ) -> Result<LcEvent, Rejection> {
        self.require(self.state.is_operative(), "propose_amendment")?;
        let Some(expected) = self.amendments_proposed.checked_add(1) else {
            return Err(invalid(
                "number",
                "field 26E has no number left for another amendment",
            ));
        };
        if amendment.number != expected {
            return Err(Rejection::AmendmentOutOfSequence {
                expected,
                found: amendment.number,
            });
        }
        if amendment.new_expiry_date.is_some_and(|d| d < ctx.date) {
            return Err(invalid("new_expiry_date", "is before the block date"));
        }
        let amended_terms = amendment.amend(&self.terms, self.drawn)?;
        self.amendments_proposed = expected;
        self.state = LcState::AmendmentProposed;
        self.pending_amendment = Some(PendingAmendment {
            amendment,
            amended_terms,
        });
        Ok(LcEvent::AmendmentProposed { number: expected })
    }

    /// Acceptance puts the amended terms in force (UCP 600 art. 10(b)); rejection leaves the
    /// credit as it was.
    fn answer_amendment(&mut self, accept: bool, action: &str) -> Result<LcEvent, Rejection> {
        let pending = match (&self.state, self.pending_amendment.take()) {
            (LcState::AmendmentProposed, Some(pending)) => pending,
            _ => return Err(illegal(self.state, action)),
        };
        self.state = LcState::Advised;
        let number = pending.amendment.number;
        if !accept {
            return Ok(LcEvent::AmendmentRejected { number });
        }
        self.terms = pending.amended_terms;
        Ok(LcEvent::AmendmentAccepted {
            number,
            amount: self.terms.amount,
            expiry_date: self.terms.expiry_date,
        })
    }

    fn answer_cancellation(&mut self, consent: bool, action: &str) -> Result<LcEvent, Rejection> {
        self.require(self.state == LcState::CancellationProposed, action)?;
        if consent {
            self.state = LcState::Cancelled;
            Ok(LcEvent::LcCancelled)
        } else {
            self.state = LcState::Advised;
            Ok(LcEvent::CancellationRefused)
        }
    }

    fn present(&mut self, action: PresentationAction, ctx: &Context) -> Result<LcEvent, Rejection> {
        let (presentation, event) = match (action, self.state) {
            (PresentationAction::PresentDocuments(submission), state) => {
                self.require(state.is_operative(), "present_documents")?;
                self.check_drawing(submission.currency, submission.amount, ctx)?;
                PresentationInstrument::present(submission, ctx.date)?
            }
            (action, LcState::Presentation(_)) => match &self.presentation {
                Some(current) => current.step(action)?,
                // `Presentation(_)` is entered only together with `presentation`; a decoded
                // instrument that breaks this is refused rather than trusted.
                None => return Err(illegal(self.state, action.name())),
            },
            (action, state) => return Err(illegal(state, action.name())),
        };
        self.state = LcState::Presentation(presentation.state);
        self.presentation = Some(presentation);
        Ok(LcEvent::Presentation(event))
    }

    /// A new drawing: before expiry (art. 6(d)), in the credit's currency, within what is
    /// available, and a second drawing only if partial drawings are allowed.
    fn check_drawing(
        &self,
        currency: Currency,
        amount: Decimal,
        ctx: &Context,
    ) -> Result<(), Rejection> {
        if ctx.date > self.terms.expiry_date {
            return Err(Rejection::PastExpiry {
                expiry_date: self.terms.expiry_date,
                date: ctx.date,
            });
        }
        if currency != self.terms.currency {
            return Err(Rejection::CurrencyMismatch {
                field: "currency".into(),
                expected: self.terms.currency,
                found: currency,
            });
        }
        if !self.drawn.is_zero() && !self.terms.partial_drawings_allowed {
            return Err(Rejection::PartialDrawingsNotAllowed);
        }
        let available = self
            .available()
            .ok_or_else(|| invalid("amount", "the credit's maximum amount overflows"))?;
        if amount > available {
            return Err(Rejection::ExceedsAvailable {
                field: "amount".into(),
                requested: amount,
                available,
            });
        }
        Ok(())
    }

    fn settle(&mut self) -> Result<LcEvent, Rejection> {
        let amount = match (&self.state, &self.presentation) {
            (LcState::Presentation(PresentationState::Honoured), Some(p)) => p.amount,
            _ => return Err(illegal(self.state, "settle")),
        };
        let drawn = self.drawn.checked_add(amount);
        let max = self.terms.amount_max();
        // Presenting checked the amount against what was available, and nothing can change
        // the terms or `drawn` while a presentation is in progress; this re-check keeps the
        // invariant even for an instrument decoded from elsewhere.
        let drawn = match (drawn, max) {
            (Some(drawn), Some(max)) if drawn <= max => drawn,
            _ => {
                return Err(Rejection::ExceedsAvailable {
                    field: "presentation.amount".into(),
                    requested: amount,
                    available: self.available().unwrap_or(Decimal::ZERO),
                })
            }
        };
        self.drawn = drawn;
        self.state = LcState::Settled;
        Ok(LcEvent::LcSettled { amount, drawn })
    }

    /// Confirmation is added to a live credit outside a presentation (one in progress is
    /// decided under the undertakings given when it was made), only when field 49 allows it,
    /// and once.
    fn add_confirmation(&mut self) -> Result<LcEvent, Rejection> {
        let live = !self.state.is_final() && !matches!(self.state, LcState::Presentation(_));
        self.require(live, "add_confirmation")?;
        if self.terms.confirmation == Confirmation::Without {
            return Err(invalid(
                "terms.confirmation",
                "field 49 is WITHOUT: the issuing bank does not allow confirmation",
            ));
        }
        if let Some(bank) = &self.parties.confirming_bank {
            return Err(invalid(
                "parties.confirming_bank",
                format!("the credit is already confirmed by '{bank}'"),
            ));
        }
        let bank = self.parties.advising_bank.clone();
        self.parties.confirming_bank = Some(bank.clone());
        Ok(LcEvent::LcConfirmed { bank })
    }

    /// Expiry is a date fact checked against the action's `today` and the block's date; the
    /// expiry date itself is still a day for presentation, so the credit expires after it.
    fn expire(&mut self, today: Date, ctx: &Context) -> Result<LcEvent, Rejection> {
        let state = self.state;
        let expirable = state.is_operative()
            || matches!(
                state,
                LcState::Issued | LcState::AmendmentProposed | LcState::CancellationProposed
            );
        self.require(expirable, "expire")?;
        if today > ctx.date {
            return Err(Rejection::DateAhead {
                today,
                block_date: ctx.date,
            });
        }
        if today <= self.terms.expiry_date {
            return Err(Rejection::NotYetExpired {
                expiry_date: self.terms.expiry_date,
                today,
            });
        }
        self.pending_amendment = None;
        self.state = LcState::Expired;
        Ok(LcEvent::LcExpired {
            expiry_date: self.terms.expiry_date,
        })
    }
}

fn no_confirmation() -> Confirmation {
    Confirmation::Without
}

fn is_without(confirmation: &Confirmation) -> bool {
    *confirmation == Confirmation::Without
}
