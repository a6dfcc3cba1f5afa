//! The notifier: email to the parties of ledger events and deadlines, through `lettre` (SMTP),
//! each message sent once.
//!
//! It follows the ledger link from height 0: for every applied transaction that touched an
//! instrument, it reads the instrument and turns the history entries of that height into
//! [`Notice`]s ([`notices_of`]: credit issued or amended, presentation examined, discrepancy,
//! financing decided, declaration channel and release); the corridor actors send it deadline
//! notices. A notice goes to each of its parties that this node has an address for (the
//! config's party → address map, so each node mails its own parties only).
//!
//! Once only: one email is one effect keyed `<notice id>/<party>` in the notifier's
//! [`Outbox`]: recorded `pending` with its content before the first attempt, `done` after the
//! SMTP server accepted it. Its Message-ID is derived from that key, so the copy a crash
//! between acceptance and `done` may cause is recognisable. Replaying the ledger after a
//! restart finds every earlier email `done`. Bounded: `attempts_max` attempts per email with
//! doubling backoff from `backoff_ms`; what still fails stays `pending` and is tried again on
//! the next tick. The mailbox is bounded like every other; a slow SMTP server makes the ledger
//! link hold this subscriber back, never stall.
//!
//! Deliberately not here: the words (`templates`), TLS (the relay is local), deciding deadlines.

pub mod templates;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use consensus::ledger::state::AnyInstrument;
use consensus::ledger::InstrumentRecord;
use consensus::types::Digest;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use ractor::{Actor, ActorProcessingErr, ActorRef};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use trade_docs::instrument::{Channel, DeclarationEvent, InvoiceEvent, LcEvent, PresentationEvent};

use crate::follow::{self, BlockEvents, LedgerSource, LinkMsg, Tick};
use crate::outbox::{EffectState, Outbox};
use crate::supervisor::{Letter, Mailbox};
pub use templates::{Facts, Template};

/// How this node sends mail, and to whom.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub smtp_host: String,
    pub smtp_port: u16,
    /// The sender, e.g. `SilkwayChain <notify@kz.silkway.example>`.
    pub from: String,
    /// Party id → email address, for the parties this node mails.
    pub addresses: BTreeMap<String, String>,
    #[serde(default = "attempts_max_default")]
    pub attempts_max: u32,
    #[serde(default = "backoff_ms_default")]
    pub backoff_ms: u64,
    #[serde(default = "smtp_timeout_ms_default")]
    pub smtp_timeout_ms: u64,
    /// The domain of generated Message-IDs.
    #[serde(default = "message_id_domain_default")]
    pub message_id_domain: String,
}

fn attempts_max_default() -> u32 {
    5
}
fn backoff_ms_default() -> u64 {
    200
}
fn smtp_timeout_ms_default() -> u64 {
    10_000
}
fn message_id_domain_default() -> String {
    "silkway.corridor".into()
}

/// Something to tell some parties, once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Stable across replays: `event/<instrument>/<seq>`, or a due action's id.
    pub id: String,
    pub template: Template,
    pub facts: Facts,
    /// Party ids.
    pub recipients: Vec<String>,
}

/// What the notifier handles.
#[derive(Debug)]
pub enum NotifierMsg {
    Block(Arc<BlockEvents>),
    Notice(Notice),
    /// The last block height handled.
    Progress(oneshot::Sender<u64>),
    Tick,
}

impl From<Tick> for NotifierMsg {
    fn from(_: Tick) -> NotifierMsg {
        NotifierMsg::Tick
    }
}

/// The Message-ID of the email that is effect `effect_id`.
pub fn message_id(effect_id: &str, domain: &str) -> String {
    let digest = Digest::of(&[b"silkway/mail/v1", effect_id.as_bytes()]);
    format!("<{}@{domain}>", &digest.to_string()[..32])
}

/// The notices of the history entries `record` gained at `height`.
pub fn notices_of(record: &InstrumentRecord, height: u64) -> Vec<Notice> {
    let mut recipients: Vec<String> = record
        .instrument
        .parties()
        .into_iter()
        .map(str::to_string)
        .collect();
    recipients.sort();
    recipients.dedup();
    let facts = |detail: String, date: String| Facts {
        reference: reference_of(&record.instrument),
        instrument: record.id.clone(),
        detail,
        date,
    };
    let mut notices = Vec::new();
    let mut push = |seq: usize, found: Option<(Template, String)>, date: String| {
        if let Some((template, detail)) = found {
            notices.push(Notice {
                id: format!("event/{}/{seq}", record.id),
                template,
                facts: facts(detail, date),
                recipients: recipients.clone(),
            });
        }
    };
    match &record.instrument {
        AnyInstrument::LetterOfCredit(lc) => {
            let currency = lc.terms.currency.as_str();
            for (seq, e) in lc.history.entries().iter().enumerate() {
                if e.height == height {
                    push(seq, credit_notice(&e.event, currency), e.date.to_string());
                }
            }
        }
        AnyInstrument::Invoice(invoice) => {
            let currency = invoice.terms.currency.as_str();
            for (seq, e) in invoice.history.entries().iter().enumerate() {
                if let (true, InvoiceEvent::InvoiceFinanced { amount }) =
                    (e.height == height, &e.event)
                {
                    let detail = format!("{currency} {amount} advanced against it");
                    push(
                        seq,
                        Some((Template::FinancingDecided, detail)),
                        e.date.to_string(),
                    );
                }
            }
        }
        AnyInstrument::CustomsDeclaration(d) => {
            for (seq, e) in d.history.entries().iter().enumerate() {
                if e.height == height {
                    push(seq, declaration_notice(&e.event), e.date.to_string());
                }
            }
        }
    }
    notices
}

fn reference_of(instrument: &AnyInstrument) -> String {
    match instrument {
        AnyInstrument::LetterOfCredit(lc) => lc.terms.reference.clone(),
        AnyInstrument::Invoice(i) => i.terms.number.clone(),
        AnyInstrument::CustomsDeclaration(d) => d.terms.reference.clone(),
    }
}

fn credit_notice(event: &LcEvent, currency: &str) -> Option<(Template, String)> {
    Some(match event {
        LcEvent::LcIssued {
            amount,
            expiry_date,
        } => (
            Template::LcIssued,
            format!("{currency} {amount}, expiring {expiry_date}"),
        ),
        LcEvent::AmendmentAccepted {
            number,
            amount,
            expiry_date,
        } => (
            Template::LcAmended,
            format!("amendment {number}: {currency} {amount}, expiring {expiry_date}"),
        ),
        LcEvent::Presentation(PresentationEvent::DocumentsExamined {
            compliant: true, ..
        }) => (Template::PresentationExamined, "no discrepancy".into()),
        LcEvent::Presentation(PresentationEvent::DocumentsExamined {
            compliant: false,
            discrepancies_len,
        }) => (
            Template::Discrepancy,
            format!("{discrepancies_len} discrepancies"),
        ),
        _ => return None,
    })
}

fn declaration_notice(event: &DeclarationEvent) -> Option<(Template, String)> {
    let channel = |c: &Channel| match c {
        Channel::Green => "green channel (release)",
        Channel::Yellow => "yellow channel (document check)",
        Channel::Red => "red channel (physical inspection)",
    };
    Some(match event {
        DeclarationEvent::RiskAssessed { channel: c, .. } => {
            (Template::DeclarationChannel, channel(c).to_string())
        }
        DeclarationEvent::ChannelOverridden { to, reason, .. } => (
            Template::DeclarationChannel,
            format!("{} by an officer: {reason}", channel(to)),
        ),
        DeclarationEvent::GoodsReleased => (Template::DeclarationReleased, "released".into()),
        DeclarationEvent::InspectionCleared { .. } => (
            Template::DeclarationReleased,
            "cleared by inspection".into(),
        ),
        _ => return None,
    })
}

/// One email as the outbox keeps it until it is sent.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Mail {
    to: String,
    subject: String,
    body: String,
    message_id: String,
}

/// The notifier actor.
#[derive(Clone, Debug)]
pub(crate) struct Notifier {
    pub config: MailConfig,
    pub outbox_path: PathBuf,
    pub source: Arc<dyn LedgerSource>,
    pub link: Mailbox<LinkMsg>,
    pub mailbox: Mailbox<NotifierMsg>,
    pub retry_ms: u64,
}

pub(crate) struct NotifierState {
    outbox: Outbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    height: u64,
}

impl Actor for Notifier {
    type Msg = Letter<NotifierMsg>;
    type State = NotifierState;
    type Arguments = ();

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        _: (),
    ) -> Result<NotifierState, ActorProcessingErr> {
        let outbox = Outbox::open(&self.outbox_path)?;
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.config.smtp_host.clone())
                .port(self.config.smtp_port)
                .timeout(Some(Duration::from_millis(self.config.smtp_timeout_ms)))
                .build();
        follow::subscribe(&self.link, &self.mailbox, 0, NotifierMsg::Block).await?;
        follow::spawn_ticker(myself, self.mailbox.clone(), self.retry_ms);
        Ok(NotifierState {
            outbox,
            transport,
            height: 0,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        letter: Self::Msg,
        state: &mut NotifierState,
    ) -> Result<(), ActorProcessingErr> {
        match letter.body {
            NotifierMsg::Block(block) => {
                for notice in self.block_notices(&block).await? {
                    self.deliver(state, &notice).await?;
                }
                state.height = block.height;
            }
            NotifierMsg::Notice(notice) => self.deliver(state, &notice).await?,
            NotifierMsg::Progress(reply) => {
                let _ = reply.send(state.height);
            }
            NotifierMsg::Tick => self.retry_pending(state).await?,
        }
        Ok(())
    }
}

impl Notifier {
    async fn block_notices(&self, block: &BlockEvents) -> Result<Vec<Notice>, ActorProcessingErr> {
        let mut touched: Vec<Digest> = block.txs.iter().filter_map(|t| t.instrument()).collect();
        touched.dedup();
        let mut notices = Vec::new();
        for id in touched {
            // A read failure fails this incarnation: its restart replays from height 0, so the
            // block is not skipped.
            if let Some(record) = self.source.instrument(id).await? {
                notices.extend(notices_of(&record, block.height));
            }
        }
        Ok(notices)
    }

    /// Emails `notice` to each recipient with an address, once.
    async fn deliver(
        &self,
        state: &mut NotifierState,
        notice: &Notice,
    ) -> Result<(), ActorProcessingErr> {
        for party in &notice.recipients {
            let Some(address) = self.config.addresses.get(party) else {
                continue;
            };
            let effect = format!("{}/{party}", notice.id);
            if state.outbox.state(&effect).is_some() {
                continue;
            }
            let rendered = templates::render(notice.template, &notice.facts, party);
            let mail = Mail {
                to: address.clone(),
                subject: rendered.subject,
                body: rendered.body,
                message_id: message_id(&effect, &self.config.message_id_domain),
            };
            state.outbox.begin(&effect, serde_json::to_value(&mail)?)?;
            self.send(state, &effect, &mail).await?;
        }
        Ok(())
    }

    async fn retry_pending(&self, state: &mut NotifierState) -> Result<(), ActorProcessingErr> {
        for (effect, payload) in state.outbox.pending() {
            let Ok(mail) = serde_json::from_value::<Mail>(payload) else {
                continue;
            };
            self.send(state, &effect, &mail).await?;
        }
        Ok(())
    }

    /// Sends with bounded retries; marks the effect done on success. A failure after the last
    /// attempt leaves it pending for the next tick (not an actor failure: the SMTP server is
    /// down, not this actor).
    async fn send(
        &self,
        state: &mut NotifierState,
        effect: &str,
        mail: &Mail,
    ) -> Result<(), ActorProcessingErr> {
        let message = Message::builder()
            .message_id(Some(mail.message_id.clone()))
            .from(self.config.from.parse()?)
            .to(mail.to.parse()?)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())?;
        let mut backoff = Duration::from_millis(self.config.backoff_ms);
        for attempt in 1..=self.config.attempts_max.max(1) {
            match state.transport.send(message.clone()).await {
                Ok(_) => {
                    state.outbox.finish(effect)?;
                    return Ok(());
                }
                Err(e) => {
                    tracing::warn!(%effect, attempt, error = %e, "sending mail failed");
                    if attempt < self.config.attempts_max {
                        tokio::time::sleep(backoff).await;
                        backoff *= 2;
                    }
                }
            }
        }
        debug_assert_eq!(state.outbox.state(effect), Some(EffectState::Pending));
        Ok(())
    }
}
