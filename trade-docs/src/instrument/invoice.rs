//! The invoice as a ledger instrument, and the double-financing guard (PRODUCT.md §3).
//!
//! ```text
//! registered ─▶ financed ─▶ repaid ─▶ financed ─▶ repaid …
//!   (assigned: the holder of the receivable changes; the state does not)
//! ```
//! - The seller registers the invoice, holding its receivable.
//! - A financier finances it: the instrument records that bank and the amount, at most the
//!   invoice total. Financing a financed invoice is refused; a repaid one may be financed again.
//! - The financier on record records the repayment.
//! - The seller assigns the receivable to another party while it holds it and no financing is
//!   outstanding (assigning a financed receivable would take it from under the financier).
//!
//! The same invoice may be registered twice (re-typed into another system, re-scanned): its
//! [`InvoiceTerms::fingerprint`] is the *business* fingerprint, equal for both. The
//! [`FinancingRegistry`] indexes live financings by that fingerprint so that the second is
//! refused ([`Rejection::AlreadyFinanced`]), and the refusal never names the bank that financed
//! the first: it says how much of the total is unfinanced and that nothing can be financed
//! until repayment. The registry is the ledger's index, kept pure here so the consensus crate
//! only stores it; it must see every invoice transition, which [`FinancingRegistry::apply`]
//! ensures when the ledger applies invoice actions only through it.
//!
//! Deliberately not here: the seller's consent to a financing (a contract between seller and
//! bank, off the ledger), partial repayments, and checking the business fingerprint against the
//! invoice document (the document stays off the ledger; the gateway computes it).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    authorize, check_amount, check_party_id, identify, illegal, invalid, permit, Actor, Context,
    History, Instrument, Rejection, Role, Transition,
};
use crate::codes::Currency;
use crate::date::Date;
use crate::decimal::Decimal;
use crate::document::Invoice;
use crate::fingerprint::Fingerprint;

/// What the ledger knows of an invoice's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceTerms {
    /// The business fingerprint ([`Fingerprint::of_invoice_business`]).
    pub fingerprint: Fingerprint,
    pub number: String,
    pub issue_date: Date,
    pub currency: Currency,
    pub total: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceParties {
    pub seller: String,
    pub buyer: String,
}

/// An outstanding financing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Financing {
    pub financier: String,
    pub amount: Decimal,
}

/// An invoice on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceInstrument {
    pub terms: InvoiceTerms,
    pub parties: InvoiceParties,
    /// Who holds the receivable: the seller until it assigns it.
    pub holder: String,
    pub state: InvoiceState,
    /// Present exactly when the state is `financed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub financing: Option<Financing>,
    pub history: History<InvoiceEvent>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceState {
    Registered,
    Financed,
    Repaid,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceAction {
    RegisterInvoice {
        terms: InvoiceTerms,
        parties: InvoiceParties,
    },
    Finance {
        amount: Decimal,
    },
    RecordRepayment,
    Assign {
        assignee: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceEvent {
    InvoiceRegistered { total: Decimal },
    InvoiceFinanced { amount: Decimal },
    RepaymentRecorded { amount: Decimal },
    ReceivableAssigned { assignee: String },
}

/// What the registry keeps of a live financing. It deliberately holds no financier: the guard
/// never needs to know who financed, so it cannot tell anyone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveFinancing {
    pub amount: Decimal,
    pub total: Decimal,
    pub currency: Currency,
}

/// The double-financing index: live financings by business fingerprint. At most one per
/// fingerprint, whatever the number of instruments registered with it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinancingRegistry {
    live: BTreeMap<Fingerprint, LiveFinancing>,
}

/// Two instruments with one business fingerprint are both financed: the ledger's state broke
/// the guard's invariant (this is corruption, not a rejected transaction).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invoice business fingerprint {fingerprint} is financed by two instruments at once")]
pub struct DuplicateFinancing {
    pub fingerprint: Fingerprint,
}

/// The double-financing rule: an invoice whose business fingerprint has a live financing may
/// not be financed, and the refusal says how much is unfinanced without naming the financier.
pub fn may_finance(live: Option<&LiveFinancing>) -> Result<(), Rejection> {
    match live {
        None => Ok(()),
        Some(live) => Err(already_financed(live)),
    }
}

fn already_financed(live: &LiveFinancing) -> Rejection {
    Rejection::AlreadyFinanced {
        // A live amount never exceeds the total (financing checks it), so this never falls
        // back; if a decoded state broke that, nothing is reported as unfinanced.
        unfinanced: live
            .total
            .checked_sub(live.amount)
            .filter(|d| !d.is_negative())
            .unwrap_or(Decimal::ZERO),
        total: live.total,
        currency: live.currency,
    }
}

impl InvoiceTerms {
    /// The terms of an invoice document, keyed by its business fingerprint.
    pub fn of_invoice(invoice: &Invoice) -> InvoiceTerms {
        InvoiceTerms {
            fingerprint: Fingerprint::of_invoice_business(invoice),
            number: invoice.number.clone(),
            issue_date: invoice.issue_date,
            currency: invoice.currency,
            total: invoice.total,
        }
    }

    fn check(&self) -> Result<(), Rejection> {
        if self.number.trim().is_empty() || self.number.len() > 64 {
            return Err(invalid("terms.number", "holds 1 to 64 characters"));
        }
        check_amount("terms.total", self.total, self.currency)
    }
}

impl InvoiceState {
    pub fn as_str(&self) -> &'static str {
        match self {
            InvoiceState::Registered => "registered",
            InvoiceState::Financed => "financed",
            InvoiceState::Repaid => "repaid",
        }
    }
}

impl fmt::Display for InvoiceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl InvoiceAction {
    pub fn name(&self) -> &'static str {
        match self {
            InvoiceAction::RegisterInvoice { .. } => "register_invoice",
            InvoiceAction::Finance { .. } => "finance",
            InvoiceAction::RecordRepayment => "record_repayment",
            InvoiceAction::Assign { .. } => "assign",
        }
    }

    pub fn permitted_roles(&self) -> &'static [Role] {
        match self {
            InvoiceAction::RegisterInvoice { .. } | InvoiceAction::Assign { .. } => &[Role::Seller],
            InvoiceAction::Finance { .. } | InvoiceAction::RecordRepayment => &[Role::Financier],
        }
    }
}

impl Instrument for InvoiceInstrument {
    type Action = InvoiceAction;
    type Event = InvoiceEvent;

    fn open(action: InvoiceAction, actor: &Actor, ctx: &Context) -> Transition<Self, InvoiceEvent> {
        Self::register(action, actor, ctx).into()
    }

    fn apply(
        &self,
        action: InvoiceAction,
        actor: &Actor,
        ctx: &Context,
    ) -> Transition<Self, InvoiceEvent> {
        self.step(action, actor, ctx).into()
    }

    fn history(&self) -> &History<InvoiceEvent> {
        &self.history
    }
}

impl InvoiceInstrument {
    fn register(
        action: InvoiceAction,
        actor: &Actor,
        ctx: &Context,
    ) -> Result<(Self, InvoiceEvent), Rejection> {
        let InvoiceAction::RegisterInvoice { terms, parties } = action else {
            return Err(Rejection::NotOpened {
                action: action.name().to_string(),
            });
        };
        authorize(
            actor,
            &[Role::Seller],
            Some(&parties.seller),
            "register_invoice",
        )?;
        terms.check()?;
        check_party_id("parties.seller", &parties.seller)?;
        check_party_id("parties.buyer", &parties.buyer)?;
        if parties.seller == parties.buyer {
            return Err(invalid("parties.buyer", "is the seller"));
        }
        let event = InvoiceEvent::InvoiceRegistered { total: terms.total };
        let invoice = InvoiceInstrument {
            holder: parties.seller.clone(),
            terms,
            parties,
            state: InvoiceState::Registered,
            financing: None,
            history: History::opened(actor, ctx, event.clone()),
        };
        Ok((invoice, event))
    }

    fn step(
        &self,
        action: InvoiceAction,
        actor: &Actor,
        ctx: &Context,
    ) -> Result<(Self, InvoiceEvent), Rejection> {
        let name = action.name();
        permit(actor, action.permitted_roles(), name)?;
        let mut next = self.clone();
        let event = match action {
            InvoiceAction::RegisterInvoice { .. } => {
                identify(actor, self.holder_of(actor.role))?;
                return Err(illegal(self.state, name));
            }
            InvoiceAction::Finance { amount } => next.finance(amount, actor)?,
            InvoiceAction::RecordRepayment => next.record_repayment(actor)?,
            InvoiceAction::Assign { assignee } => next.assign(assignee, actor)?,
        };
        next.history.record(actor, ctx, event.clone())?;
        Ok((next, event))
    }

    fn holder_of(&self, role: Role) -> Option<&str> {
        match role {
            Role::Seller => Some(&self.parties.seller),
            Role::Buyer => Some(&self.parties.buyer),
            Role::Financier => self.financing.as_ref().map(|f| f.financier.as_str()),
            _ => None,
        }
    }

    /// The financier takes its role by financing, so there is no holder to check it against.
    fn finance(&mut self, amount: Decimal, actor: &Actor) -> Result<InvoiceEvent, Rejection> {
        if let Some(financing) = &self.financing {
            return Err(already_financed(&live_financing(self, financing)));
        }
        self.require(
            matches!(self.state, InvoiceState::Registered | InvoiceState::Repaid),
            "finance",
        )?;
        check_amount("amount", amount, self.terms.currency)?;
        if amount > self.terms.total {
            return Err(Rejection::ExceedsAvailable {
                field: "amount".into(),
                requested: amount,
                available: self.terms.total,
            });
        }
        check_party_id("actor.party_id", &actor.party_id)?;
        self.financing = Some(Financing {
            financier: actor.party_id.clone(),
            amount,
        });
        self.state = InvoiceState::Financed;
        Ok(InvoiceEvent::InvoiceFinanced { amount })
    }

    /// Only the financier on record; any other bank is refused without learning who that is.
    fn record_repayment(&mut self, actor: &Actor) -> Result<InvoiceEvent, Rejection> {
        let amount = match &self.financing {
            Some(f) if f.financier == actor.party_id => f.amount,
            Some(_) => {
                return Err(Rejection::UndisclosedParty {
                    role: Role::Financier,
                    found: actor.party_id.clone(),
                })
            }
            None => {
                return Err(Rejection::RoleNotHeld {
                    role: Role::Financier,
                })
            }
        };
        self.financing = None;
        self.state = InvoiceState::Repaid;
        Ok(InvoiceEvent::RepaymentRecorded { amount })
    }

    fn assign(&mut self, assignee: String, actor: &Actor) -> Result<InvoiceEvent, Rejection> {
        identify(actor, self.holder_of(Role::Seller))?;
        self.require(self.state != InvoiceState::Financed, "assign")?;
        if self.holder != self.parties.seller {
            return Err(Rejection::ReceivableAssigned {
                holder: self.holder.clone(),
            });
        }
        check_party_id("assignee", &assignee)?;
        if assignee == self.parties.seller {
            return Err(invalid(
                "assignee",
                "is the seller, who already holds the receivable",
            ));
        }
        self.holder = assignee.clone();
        Ok(InvoiceEvent::ReceivableAssigned { assignee })
    }

    fn require(&self, legal: bool, action: &str) -> Result<(), Rejection> {
        if legal {
            Ok(())
        } else {
            Err(illegal(self.state, action))
        }
    }
}

impl FinancingRegistry {
    pub fn new() -> FinancingRegistry {
        FinancingRegistry::default()
    }

    /// Rebuilds the index from the invoices on the ledger (e.g. after a restart).
    pub fn from_instruments<'a>(
        invoices: impl IntoIterator<Item = &'a InvoiceInstrument>,
    ) -> Result<FinancingRegistry, DuplicateFinancing> {
        let mut registry = FinancingRegistry::new();
        for invoice in invoices {
            let Some(financing) = &invoice.financing else {
                continue;
            };
            let fingerprint = invoice.terms.fingerprint;
            if registry.live.contains_key(&fingerprint) {
                return Err(DuplicateFinancing { fingerprint });
            }
            registry
                .live
                .insert(fingerprint, live_financing(invoice, financing));
        }
        Ok(registry)
    }

    pub fn live(&self, fingerprint: &Fingerprint) -> Option<&LiveFinancing> {
        self.live.get(fingerprint)
    }

    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// The guard for one business fingerprint.
    pub fn may_finance(&self, fingerprint: &Fingerprint) -> Result<(), Rejection> {
        may_finance(self.live(fingerprint))
    }

    /// Registers an invoice. Registration is never guarded: the same invoice may be
    /// registered in two places, and only its financing is.
    pub fn open(
        &self,
        action: InvoiceAction,
        actor: &Actor,
        ctx: &Context,
    ) -> Transition<InvoiceInstrument, InvoiceEvent> {
        InvoiceInstrument::open(action, actor, ctx)
    }

    /// Applies an action to an invoice under the guard, and keeps the index in step. The
    /// instrument's own checks come first, so a party that may not finance learns nothing
    /// about other instruments.
    pub fn apply(
        &mut self,
        invoice: &InvoiceInstrument,
        action: InvoiceAction,
        actor: &Actor,
        ctx: &Context,
    ) -> Transition<InvoiceInstrument, InvoiceEvent> {
        let fingerprint = invoice.terms.fingerprint;
        let transition = invoice.apply(action, actor, ctx);
        let Transition::Applied { instrument, event } = transition else {
            return transition;
        };
        match (&event, &instrument.financing) {
            (InvoiceEvent::InvoiceFinanced { .. }, Some(financing)) => {
                if let Err(reason) = self.may_finance(&fingerprint) {
                    return Transition::Rejected { reason };
                }
                let live = live_financing(&instrument, financing);
                self.live.insert(fingerprint, live);
            }
            (InvoiceEvent::RepaymentRecorded { .. }, _) => {
                self.live.remove(&fingerprint);
            }
            _ => {}
        }
        Transition::Applied { instrument, event }
    }
}

fn live_financing(invoice: &InvoiceInstrument, financing: &Financing) -> LiveFinancing {
    LiveFinancing {
        amount: financing.amount,
        total: invoice.terms.total,
        currency: invoice.terms.currency,
    }
}
