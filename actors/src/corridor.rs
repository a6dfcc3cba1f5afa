//! The corridor's party actors: one per customs post, bank and exporter this node hosts.
//!
//! Each follows the ledger link from height 0, tracks the instruments that name its party (as
//! they stand now, with the time of the block that last changed them), and on every block and
//! every tick asks the deadline core what is due, acting on the actions it owns (the examining
//! bank its examination deadlines, the issuing bank expiry, the beneficiary the presentation
//! period, the post its service-level times):
//! - a deadline notice is handed to the notifier (`try_send`: a full notifier is asked again on
//!   the next tick, never waited for), whose outbox makes each email happen once;
//! - an expiry is submitted, signed with the bank's key when this node holds it, as an effect
//!   recorded in the party's own outbox: `pending` before submitting, `done` once the ledger
//!   has an outcome for it. A pending one is submitted again (freshly signed) on a later tick;
//!   the ledger refuses a second expiry of an expired credit, so a repeat cannot change state.
//!
//! Rebuilt by replay: a restarted party actor resubscribes from height 0 and rebuilds what it
//! tracks; its outbox and the notifier's keep effects from repeating. Deliberately not here:
//! computing deadlines (`deadlines`), mail (`notify`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use consensus::ledger::state::AnyInstrument;
use consensus::ledger::{InstrumentAction, SignedTx, TxBody, TX_VALIDITY_MAX_MS};
use consensus::types::Digest;
use ed25519_dalek::SigningKey;
use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::sync::oneshot;
use trade_docs::instrument::{LcAction, Role};

use crate::clock::Clock;
use crate::deadlines::{self, date_at, CustomsStage, DueAction, DueKind, Rules, Tracked};
use crate::follow::{self, BlockEvents, LedgerSource, LinkMsg, Tick};
use crate::notify::{Facts, Notice, NotifierMsg, Template};
use crate::outbox::{EffectState, Outbox};
use crate::supervisor::{Letter, Mailbox};

/// What kind of party an actor stands for.
#[derive(Clone, Debug)]
pub enum PartyKind {
    Customs,
    /// A bank, with its ledger signing key when this node may act for it.
    Bank(Option<Box<SigningKey>>),
    Exporter,
}

/// What a party actor handles.
#[derive(Debug)]
pub enum PartyMsg {
    Block(Arc<BlockEvents>),
    Tick,
    /// The last block height handled.
    Progress(oneshot::Sender<u64>),
}

impl From<Tick> for PartyMsg {
    fn from(_: Tick) -> PartyMsg {
        PartyMsg::Tick
    }
}

/// One party's actor.
#[derive(Clone, Debug)]
pub(crate) struct PartyActor {
    pub party: String,
    pub kind: PartyKind,
    pub source: Arc<dyn LedgerSource>,
    pub link: Mailbox<LinkMsg>,
    pub mailbox: Mailbox<PartyMsg>,
    pub notifier: Mailbox<NotifierMsg>,
    pub rules: Arc<Rules>,
    pub clock: Arc<dyn Clock>,
    pub outbox_path: PathBuf,
    pub tick_ms: u64,
}

pub(crate) struct PartyState {
    tracked: BTreeMap<Digest, Tracked>,
    /// Due notices the notifier has taken (in memory: after a restart they are handed again,
    /// and the notifier's outbox drops the repeats).
    handed: BTreeSet<String>,
    outbox: Outbox,
    height: u64,
}

impl Actor for PartyActor {
    type Msg = Letter<PartyMsg>;
    type State = PartyState;
    type Arguments = ();

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        _: (),
    ) -> Result<PartyState, ActorProcessingErr> {
        let outbox = Outbox::open(&self.outbox_path)?;
        follow::subscribe(&self.link, &self.mailbox, 0, PartyMsg::Block).await?;
        follow::spawn_ticker(myself, self.mailbox.clone(), self.tick_ms);
        Ok(PartyState {
            tracked: BTreeMap::new(),
            handed: BTreeSet::new(),
            outbox,
            height: 0,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        letter: Self::Msg,
        state: &mut PartyState,
    ) -> Result<(), ActorProcessingErr> {
        match letter.body {
            PartyMsg::Block(block) => {
                self.track(state, &block).await?;
                state.height = block.height;
                self.act(state).await?;
            }
            PartyMsg::Tick => self.act(state).await?,
            PartyMsg::Progress(reply) => {
                let _ = reply.send(state.height);
            }
        }
        Ok(())
    }
}

impl PartyActor {
    /// Reads every instrument the block touched; keeps those naming this party.
    async fn track(
        &self,
        state: &mut PartyState,
        block: &BlockEvents,
    ) -> Result<(), ActorProcessingErr> {
        let touched: BTreeSet<Digest> = block.txs.iter().filter_map(|t| t.instrument()).collect();
        for id in touched {
            let Some(record) = self.source.instrument(id).await? else {
                continue;
            };
            if record.instrument.parties().contains(&self.party.as_str()) {
                let tracked = Tracked {
                    id: record.id,
                    instrument: record.instrument,
                    changed_ms: block.time_ms,
                };
                state.tracked.insert(id, tracked);
            } else {
                state.tracked.remove(&id);
            }
        }
        Ok(())
    }

    /// Carries out what is due and owned by this party.
    async fn act(&self, state: &mut PartyState) -> Result<(), ActorProcessingErr> {
        let now_ms = self.clock.now_ms();
        let mut due = Vec::new();
        for (id, tracked) in &state.tracked {
            match deadlines::due(&self.rules, tracked, now_ms) {
                Ok(actions) => due.extend(
                    actions
                        .into_iter()
                        .filter(|a| a.owner == self.party)
                        .map(|a| (*id, a)),
                ),
                Err(e) => tracing::error!(party = %self.party, error = %e, "deadlines"),
            }
        }
        for (id, action) in due {
            match &action.due {
                DueKind::Expire { today, .. } => self.expire(state, id, &action.id, *today).await?,
                _ => self.hand_notice(state, id, &action),
            }
        }
        Ok(())
    }

    fn hand_notice(&self, state: &mut PartyState, id: Digest, action: &DueAction) {
        if state.handed.contains(&action.id) {
            return;
        }
        let Some(tracked) = state.tracked.get(&id) else {
            return;
        };
        let notice = due_notice(action, &tracked.instrument);
        if self.notifier.try_send(NotifierMsg::Notice(notice)).is_ok() {
            state.handed.insert(action.id.clone());
        }
    }

    /// Submits the expiry of credit `id`, once, when this node holds the issuing bank's key.
    async fn expire(
        &self,
        state: &mut PartyState,
        id: Digest,
        effect: &str,
        today: trade_docs::Date,
    ) -> Result<(), ActorProcessingErr> {
        let PartyKind::Bank(Some(key)) = &self.kind else {
            return Ok(());
        };
        if state.outbox.state(effect) == Some(EffectState::Done) {
            return Ok(());
        }
        state
            .outbox
            .begin(effect, serde_json::json!({ "instrument": id.to_string() }))?;
        let now_ms = self.clock.now_ms();
        let body = TxBody::Act {
            instrument: id,
            role: Role::IssuingBank,
            action: InstrumentAction::Lc(LcAction::Expire { today }),
        };
        let tx = SignedTx::sign(key, now_ms, now_ms + TX_VALIDITY_MAX_MS / 2, body)?.encode()?;
        match self.source.submit(tx).await {
            Ok(outcome) => {
                tracing::info!(%effect, applied = outcome.applied, reason = ?outcome.reason, "expiry submitted");
                state.outbox.finish(effect)?;
            }
            Err(e) => tracing::warn!(%effect, error = %e, "expiry not submitted; next tick"),
        }
        Ok(())
    }
}

/// The notice of a due action.
fn due_notice(action: &DueAction, instrument: &AnyInstrument) -> Notice {
    let reference = match instrument {
        AnyInstrument::LetterOfCredit(lc) => lc.terms.reference.clone(),
        AnyInstrument::Invoice(i) => i.terms.number.clone(),
        AnyInstrument::CustomsDeclaration(d) => d.terms.reference.clone(),
    };
    let stage = |s: &CustomsStage| match s {
        CustomsStage::Hold => "the hold",
        CustomsStage::Inspection => "the inspection",
    };
    let (template, detail, date) = match &action.due {
        DueKind::ExaminationWarning { bank, due_on } => (
            Template::DeadlineWarning,
            format!("{bank} must decide on the presentation by the close of {due_on} (UCP 600 14(b))"),
            due_on.to_string(),
        ),
        DueKind::ExaminationLapsed { bank, due_on } => (
            Template::DeadlineEscalation,
            format!(
                "{bank} did not decide within 5 banking days and is precluded from claiming \
                 that the documents are discrepant (UCP 600 16(f))"
            ),
            due_on.to_string(),
        ),
        DueKind::PresentationPeriodEnded { ended_on } => (
            Template::DeadlineEscalation,
            "the presentation period (21 days after the latest shipment date) ended without a presentation".into(),
            ended_on.to_string(),
        ),
        DueKind::Expire { expiry_date, .. } => (
            Template::DeadlineEscalation,
            "the credit expired".into(),
            expiry_date.to_string(),
        ),
        DueKind::CustomsWarning { post, stage: s, due_at_ms } => (
            Template::DeadlineWarning,
            format!("{post} must conclude {} by its service-level time", stage(s)),
            date_at(*due_at_ms, 0).to_string(),
        ),
        DueKind::CustomsOverdue { post, stage: s, due_at_ms } => (
            Template::DeadlineEscalation,
            format!("{post} did not conclude {} within its service-level time", stage(s)),
            date_at(*due_at_ms, 0).to_string(),
        ),
    };
    Notice {
        id: action.id.clone(),
        template,
        facts: Facts {
            reference,
            instrument: action.instrument.clone(),
            detail,
            date,
        },
        recipients: action.parties.clone(),
    }
}
