//! Following the ledger: committed blocks in order, resumable from a height, handed to the
//! corridor actors by the ledger link.
//!
//! [`LedgerSource`] is the port the actors read and submit through: [`LedgerClient`] over QUIC
//! in a node, an in-memory ledger in tests. [`BlockEvents`] is one committed block decoded for
//! actors: each transaction's body (when it decodes), signer and outcome, and the instrument it
//! touched. The [`LinkMsg`]-driven ledger link polls the source every `poll_ms` for blocks above
//! its head, keeps the last [`CACHE_BLOCKS_MAX`] of them, and feeds each subscriber from that
//! subscriber's own cursor with `try_send` into its bounded mailbox.
//!
//! Back-pressure, the invariant that matters: the link never waits for a subscriber. A full
//! (or restarting) subscriber's cursor stays at the last block it accepted, and the next tick
//! resumes it from there — from the cache, or from the source when it fell further behind — so
//! a slow subscriber neither stalls the others nor makes the link buffer without bound.
//! Subscribers (re)subscribe from the height they need in their `pre_start`, so a restarted one
//! rebuilds from there. Deliberately not here: deciding anything about the events.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use consensus::ledger::{CommittedBlock, InstrumentRecord, SignedTx, TxBody};
use consensus::types::Digest;
use ractor::{Actor, ActorProcessingErr, ActorRef};

use crate::ledger::{Committed, LedgerClient, LedgerError};
use crate::supervisor::{Letter, Mailbox, SupervisorError};

/// Blocks the link keeps for subscribers that are a little behind.
pub const CACHE_BLOCKS_MAX: usize = 1024;
/// Blocks asked of the source per request.
pub const PAGE_BLOCKS: u32 = 128;
/// Pages fetched per tick, for the head and for each lagging subscriber: bounds a tick's work.
const PAGES_PER_TICK_MAX: usize = 8;

/// A boxed future, as the object-safe [`LedgerSource`] returns them.
pub type SourceFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, LedgerError>> + Send + 'a>>;

/// What the actors need of the ledger.
pub trait LedgerSource: Send + Sync + fmt::Debug + 'static {
    /// Committed blocks above `after_height`, oldest first, at most `limit`.
    fn blocks(&self, after_height: u64, limit: u32) -> SourceFuture<'_, Vec<CommittedBlock>>;
    /// An instrument as it stands now.
    fn instrument(&self, id: Digest) -> SourceFuture<'_, Option<InstrumentRecord>>;
    /// Submits a signed transaction and waits for its committed outcome.
    fn submit(&self, tx: Vec<u8>) -> SourceFuture<'_, Committed>;
}

impl LedgerSource for LedgerClient {
    fn blocks(&self, after_height: u64, limit: u32) -> SourceFuture<'_, Vec<CommittedBlock>> {
        Box::pin(LedgerClient::blocks(self, after_height, limit))
    }

    fn instrument(&self, id: Digest) -> SourceFuture<'_, Option<InstrumentRecord>> {
        Box::pin(async move { LedgerClient::instrument(self, &id).await })
    }

    fn submit(&self, tx: Vec<u8>) -> SourceFuture<'_, Committed> {
        Box::pin(LedgerClient::submit(self, tx, Duration::from_secs(30)))
    }
}

/// One committed block, decoded for the actors.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockEvents {
    pub height: u64,
    pub time_ms: u64,
    pub txs: Vec<TxEvent>,
}

/// One committed transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct TxEvent {
    pub hash: Digest,
    pub signer: Option<[u8; 32]>,
    /// `None` when the bytes do not decode (the ledger refused them too).
    pub body: Option<TxBody>,
    pub applied: bool,
    pub reason: Option<String>,
}

impl BlockEvents {
    pub fn decode(block: &CommittedBlock) -> BlockEvents {
        let txs = block
            .txs
            .iter()
            .map(|tx| {
                let signed = SignedTx::decode(&tx.tx).ok();
                TxEvent {
                    hash: tx.hash,
                    signer: signed.as_ref().map(|s| s.signer),
                    body: signed.map(|s| s.body),
                    applied: tx.applied,
                    reason: tx.reason.clone(),
                }
            })
            .collect();
        BlockEvents {
            height: block.height,
            time_ms: block.timestamp_ms,
            txs,
        }
    }
}

impl TxEvent {
    /// The instrument an applied transaction opened or acted on.
    pub fn instrument(&self) -> Option<Digest> {
        if !self.applied {
            return None;
        }
        match self.body.as_ref()? {
            TxBody::Open { .. } => Some(self.hash),
            TxBody::Act { instrument, .. } => Some(*instrument),
            _ => None,
        }
    }
}

/// Hands a block to one subscriber without waiting: `Err` when its mailbox is full or it is
/// restarting.
pub type Deliver = Arc<dyn Fn(Arc<BlockEvents>) -> Result<(), SupervisorError> + Send + Sync>;

/// What the ledger link handles.
pub enum LinkMsg {
    /// Deliver to `name` every block above `after_height` (replacing an earlier subscription
    /// of that name).
    Subscribe {
        name: String,
        after_height: u64,
        deliver: Deliver,
    },
    /// Poll the source and feed the subscribers.
    Tick,
    /// The link's head height and each subscriber's cursor.
    Progress(tokio::sync::oneshot::Sender<(u64, BTreeMap<String, u64>)>),
}

impl fmt::Debug for LinkMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkMsg::Subscribe {
                name, after_height, ..
            } => write!(f, "Subscribe({name}, {after_height})"),
            LinkMsg::Tick => f.write_str("Tick"),
            LinkMsg::Progress(_) => f.write_str("Progress"),
        }
    }
}

/// Subscribes `mailbox` to the link: each block becomes `wrap(block)` in it.
pub async fn subscribe<M: Send + 'static>(
    link: &Mailbox<LinkMsg>,
    mailbox: &Mailbox<M>,
    after_height: u64,
    wrap: fn(Arc<BlockEvents>) -> M,
) -> Result<(), SupervisorError> {
    let target = mailbox.clone();
    let deliver: Deliver = Arc::new(move |block| target.try_send(wrap(block)));
    link.send(LinkMsg::Subscribe {
        name: mailbox.name().to_string(),
        after_height,
        deliver,
    })
    .await
}

/// The ledger link actor.
#[derive(Debug)]
pub(crate) struct Link {
    pub source: Arc<dyn LedgerSource>,
    pub mailbox: Mailbox<LinkMsg>,
    pub poll_ms: u64,
}

pub(crate) struct LinkState {
    head: u64,
    cache: VecDeque<Arc<BlockEvents>>,
    subscribers: BTreeMap<String, Subscriber>,
}

struct Subscriber {
    cursor: u64,
    deliver: Deliver,
}

impl Actor for Link {
    type Msg = Letter<LinkMsg>;
    type State = LinkState;
    type Arguments = ();

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        _: (),
    ) -> Result<LinkState, ActorProcessingErr> {
        spawn_ticker(myself, self.mailbox.clone(), self.poll_ms);
        Ok(LinkState {
            head: 0,
            cache: VecDeque::new(),
            subscribers: BTreeMap::new(),
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        letter: Self::Msg,
        state: &mut LinkState,
    ) -> Result<(), ActorProcessingErr> {
        match letter.body {
            LinkMsg::Subscribe {
                name,
                after_height,
                deliver,
            } => {
                let subscriber = Subscriber {
                    cursor: after_height,
                    deliver,
                };
                state.subscribers.insert(name, subscriber);
                self.feed(state).await;
            }
            LinkMsg::Tick => {
                self.poll(state).await;
                self.feed(state).await;
            }
            LinkMsg::Progress(reply) => {
                let cursors = state
                    .subscribers
                    .iter()
                    .map(|(name, s)| (name.clone(), s.cursor))
                    .collect();
                let _ = reply.send((state.head, cursors));
            }
        }
        Ok(())
    }
}

impl Link {
    /// Moves the head up to what the source has committed, a bounded number of pages per tick.
    async fn poll(&self, state: &mut LinkState) {
        for _ in 0..PAGES_PER_TICK_MAX {
            let page = match self.source.blocks(state.head, PAGE_BLOCKS).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "ledger link: polling the node failed");
                    return;
                }
            };
            let Some(last) = page.last() else {
                return;
            };
            state.head = last.height;
            for block in &page {
                state.cache.push_back(Arc::new(BlockEvents::decode(block)));
            }
            while state.cache.len() > CACHE_BLOCKS_MAX {
                state.cache.pop_front();
            }
        }
    }

    /// Feeds every subscriber from its cursor until it is level with the head, full, or down.
    async fn feed(&self, state: &mut LinkState) {
        let LinkState {
            head,
            cache,
            subscribers,
        } = state;
        for subscriber in subscribers.values_mut() {
            for _ in 0..PAGES_PER_TICK_MAX {
                if subscriber.cursor >= *head {
                    break;
                }
                let blocks = self.blocks_after(cache, subscriber.cursor).await;
                if blocks.is_empty() || !deliver_all(subscriber, blocks) {
                    break;
                }
            }
        }
    }

    /// Blocks right after `cursor`: from the cache when it holds the next one, else a page from
    /// the source (the subscriber fell behind the cache).
    async fn blocks_after(
        &self,
        cache: &VecDeque<Arc<BlockEvents>>,
        cursor: u64,
    ) -> Vec<Arc<BlockEvents>> {
        if let Some(first) = cache.front() {
            if first.height <= cursor + 1 {
                let skip = (cursor + 1 - first.height) as usize;
                return cache.iter().skip(skip).cloned().collect();
            }
        }
        match self.source.blocks(cursor, PAGE_BLOCKS).await {
            Ok(page) => page
                .iter()
                .map(|b| Arc::new(BlockEvents::decode(b)))
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "ledger link: reading old blocks failed");
                Vec::new()
            }
        }
    }
}

/// Delivers blocks in order; false as soon as one is not taken.
fn deliver_all(subscriber: &mut Subscriber, blocks: Vec<Arc<BlockEvents>>) -> bool {
    for block in blocks {
        if block.height <= subscriber.cursor {
            continue;
        }
        if (subscriber.deliver)(block.clone()).is_err() {
            return false;
        }
        subscriber.cursor = block.height;
    }
    true
}

/// Sends `Tick` to `mailbox` every `period_ms` while `actor` (this incarnation) lives. A tick
/// that finds the mailbox full is skipped: one pending tick does the same work.
pub(crate) fn spawn_ticker<M, A>(actor: ActorRef<A>, mailbox: Mailbox<M>, period_ms: u64)
where
    M: From<Tick> + Send + 'static,
    A: Send + 'static,
{
    let period = Duration::from_millis(period_ms.max(1));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(period).await;
            if !matches!(
                actor.get_status(),
                ractor::ActorStatus::Running | ractor::ActorStatus::Starting
            ) {
                return;
            }
            let _ = mailbox.try_send(M::from(Tick));
        }
    });
}

/// A timer tick.
#[derive(Clone, Copy, Debug)]
pub struct Tick;

impl From<Tick> for LinkMsg {
    fn from(_: Tick) -> LinkMsg {
        LinkMsg::Tick
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::sync::watch;

    use super::*;
    use crate::supervisor::{self, ChildSpec, Intensity, Restart, Strategy, SupervisorSpec};

    /// Empty committed blocks 1..=top.
    #[derive(Debug)]
    struct Blocks(u64);

    impl LedgerSource for Blocks {
        fn blocks(&self, after: u64, limit: u32) -> SourceFuture<'_, Vec<CommittedBlock>> {
            let page = (after + 1..=self.0)
                .take(limit as usize)
                .map(|height| CommittedBlock {
                    height,
                    block_id: Digest::ZERO,
                    timestamp_ms: height,
                    txs: Vec::new(),
                })
                .collect();
            Box::pin(async move { Ok(page) })
        }
        fn instrument(&self, _: Digest) -> SourceFuture<'_, Option<InstrumentRecord>> {
            Box::pin(async { Ok(None) })
        }
        fn submit(&self, _: Vec<u8>) -> SourceFuture<'_, Committed> {
            Box::pin(async { Err(LedgerError::Refused("read-only".into())) })
        }
    }

    /// Records the heights it receives, each only once its gate is open.
    struct Recorder;

    impl Actor for Recorder {
        type Msg = Letter<Arc<BlockEvents>>;
        type State = (Arc<Mutex<Vec<u64>>>, watch::Receiver<bool>);
        type Arguments = (Arc<Mutex<Vec<u64>>>, watch::Receiver<bool>);

        async fn pre_start(
            &self,
            _: ActorRef<Self::Msg>,
            args: Self::Arguments,
        ) -> Result<Self::State, ActorProcessingErr> {
            Ok(args)
        }

        async fn handle(
            &self,
            _: ActorRef<Self::Msg>,
            letter: Self::Msg,
            (seen, gate): &mut Self::State,
        ) -> Result<(), ActorProcessingErr> {
            gate.wait_for(|open| *open).await?;
            seen.lock().unwrap().push(letter.body.height);
            Ok(())
        }
    }

    async fn eventually(what: &str, check: impl Fn() -> bool) {
        for _ in 0..1000 {
            if check() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("never happened: {what}");
    }

    #[tokio::test]
    async fn a_slow_subscriber_neither_stalls_the_link_nor_loses_blocks() {
        let top = 1_100; // more than the cache: the slow one is resumed from the source
        let link = Mailbox::new("link", 4);
        let (fast, slow) = (Mailbox::new("fast", 4), Mailbox::new("slow", 2));
        let (fast_seen, slow_seen) = (Arc::default(), Arc::default());
        let (open, closed) = watch::channel(false);
        let (always, _) = watch::channel(true);
        let recorder =
            |mailbox: &Mailbox<_>, seen: &Arc<Mutex<Vec<u64>>>, gate: watch::Receiver<bool>| {
                let seen = seen.clone();
                ChildSpec::new(
                    mailbox.name().to_string(),
                    Restart::Permanent,
                    mailbox,
                    move || (Recorder, (seen.clone(), gate.clone())),
                )
            };
        let link_spec = {
            let mailbox = link.clone();
            ChildSpec::new("link", Restart::Permanent, &link, move || {
                let source: Arc<dyn LedgerSource> = Arc::new(Blocks(top));
                (
                    Link {
                        source,
                        mailbox: mailbox.clone(),
                        poll_ms: 5,
                    },
                    (),
                )
            })
        };
        let root = supervisor::start(SupervisorSpec {
            name: "follow-test".into(),
            strategy: Strategy::OneForOne,
            intensity: Intensity {
                restarts_max: 0,
                within_ms: 1,
            },
            children: vec![
                link_spec,
                recorder(&fast, &fast_seen, always.subscribe()),
                recorder(&slow, &slow_seen, closed),
            ],
        })
        .await
        .unwrap();
        subscribe(&link, &fast, 0, |b| b).await.unwrap();
        subscribe(&link, &slow, 0, |b| b).await.unwrap();
        let all: Vec<u64> = (1..=top).collect();
        // The fast subscriber gets everything while the slow one is stuck on its first block.
        eventually("the fast subscriber is level", || {
            *fast_seen.lock().unwrap() == all
        })
        .await;
        assert!(slow_seen.lock().unwrap().is_empty());
        let (head, cursors) = link.call(LinkMsg::Progress).await.unwrap();
        assert_eq!(head, top);
        assert!(
            cursors["slow"] <= 3,
            "the link took no more than the slow mailbox holds"
        );
        // Released, the slow one catches up in order, without a gap or a repeat.
        open.send(true).unwrap();
        eventually("the slow subscriber is level", || {
            *slow_seen.lock().unwrap() == all
        })
        .await;
        root.stop().await;
    }
}
