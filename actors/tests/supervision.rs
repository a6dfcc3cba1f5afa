//! The supervisor's contract, on small test actors: a panicking actor is restarted with its
//! state rebuilt from its durable source; a child that keeps failing trips its supervisor's
//! intensity and the failure climbs to the supervisor above; rest-for-one restarts the later
//! siblings and leaves the earlier ones alone; a full mailbox refuses instead of growing.
//!
//! Waiting is by condition (poll until true, give up after a generous bound), never by
//! asserting how long something took.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actors::supervisor::{
    self, ChildSpec, Exit, Intensity, Letter, Mailbox, Restart, Strategy, SupervisorError,
    SupervisorSpec,
};
use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::sync::oneshot;

/// Polls `check` until it holds; fails the test after 10 s.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..1000 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}

fn intensity(restarts_max: u32) -> Intensity {
    Intensity {
        restarts_max,
        within_ms: 60_000,
    }
}

// A counter whose additions are durable (the shared journal stands for the ledger): a restart
// rebuilds the sum from the journal.

enum CounterMsg {
    Add(u64),
    Sum(oneshot::Sender<u64>),
    Panic,
}

struct Counter;

impl Actor for Counter {
    type Msg = Letter<CounterMsg>;
    type State = (Arc<Mutex<Vec<u64>>>, u64);
    type Arguments = Arc<Mutex<Vec<u64>>>;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        journal: Self::Arguments,
    ) -> Result<Self::State, ActorProcessingErr> {
        let sum = journal.lock().unwrap().iter().sum();
        Ok((journal, sum))
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        letter: Self::Msg,
        (journal, sum): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match letter.body {
            CounterMsg::Add(n) => {
                journal.lock().unwrap().push(n);
                *sum += n;
            }
            CounterMsg::Sum(reply) => {
                let _ = reply.send(*sum);
            }
            CounterMsg::Panic => panic!("asked to panic"),
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_panicking_actor_is_restarted_with_its_state_intact() -> anyhow::Result<()> {
    let journal = Arc::new(Mutex::new(Vec::new()));
    let counter = Mailbox::new("counter", 16);
    let spec = SupervisorSpec {
        name: "root".into(),
        strategy: Strategy::OneForOne,
        intensity: intensity(3),
        children: vec![ChildSpec::new("counter", Restart::Permanent, &counter, {
            let journal = journal.clone();
            move || (Counter, journal.clone())
        })],
    };
    let root = supervisor::start(spec).await?;
    counter.send(CounterMsg::Add(5)).await?;
    counter.send(CounterMsg::Add(7)).await?;
    counter.send(CounterMsg::Panic).await?;
    eventually("the counter restarted", async || {
        root.children().await.unwrap()[0].restarts == 1 && counter.is_running()
    })
    .await;
    assert_eq!(counter.call(CounterMsg::Sum).await?, 12);
    counter.send(CounterMsg::Add(1)).await?;
    assert_eq!(counter.call(CounterMsg::Sum).await?, 13);
    root.stop().await;
    assert_eq!(root.wait().await, Exit::Stopped);
    Ok(())
}

// An actor that fails right after it starts, every time, counting its starts.

struct Doomed;

impl Actor for Doomed {
    type Msg = Letter<()>;
    type State = ();
    type Arguments = Arc<AtomicU32>;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        starts: Self::Arguments,
    ) -> Result<(), ActorProcessingErr> {
        starts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn post_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        _state: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        Err("the disk is on fire".into())
    }
}

#[tokio::test]
async fn a_child_that_keeps_failing_trips_the_intensity_and_escalates() -> anyhow::Result<()> {
    let starts = Arc::new(AtomicU32::new(0));
    let doomed = Mailbox::new("doomed", 1);
    let inner = SupervisorSpec {
        name: "inner".into(),
        strategy: Strategy::OneForOne,
        intensity: intensity(2),
        children: vec![ChildSpec::new("doomed", Restart::Permanent, &doomed, {
            let starts = starts.clone();
            move || (Doomed, starts.clone())
        })],
    };
    let root = supervisor::start(SupervisorSpec {
        name: "root".into(),
        strategy: Strategy::OneForOne,
        intensity: intensity(1),
        children: vec![ChildSpec::supervisor(inner, Restart::Permanent)],
    })
    .await?;
    // The inner supervisor restarts its child twice, then fails; the root restarts it once,
    // the same happens again, and the root gives up too: 2 × 3 starts of the child.
    let exit = tokio::time::timeout(Duration::from_secs(20), root.wait()).await?;
    match exit {
        Exit::Failed(reason) => assert!(reason.contains("'root': restart intensity exceeded")),
        Exit::Stopped => panic!("the root should have failed"),
    }
    assert_eq!(starts.load(Ordering::SeqCst), 6);
    assert!(matches!(
        root.children().await,
        Err(SupervisorError::NotRunning { .. })
    ));
    Ok(())
}

// Three siblings that count their starts; the middle one can be made to panic.

struct Sibling;

impl Actor for Sibling {
    type Msg = Letter<CounterMsg>;
    type State = ();
    type Arguments = Arc<AtomicU32>;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        starts: Self::Arguments,
    ) -> Result<(), ActorProcessingErr> {
        starts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        letter: Self::Msg,
        _state: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        match letter.body {
            CounterMsg::Panic => panic!("asked to panic"),
            CounterMsg::Sum(reply) => {
                let _ = reply.send(0);
            }
            CounterMsg::Add(_) => {}
        }
        Ok(())
    }
}

#[tokio::test]
async fn rest_for_one_restarts_the_later_siblings_only() -> anyhow::Result<()> {
    let starts: Vec<Arc<AtomicU32>> = (0..3).map(|_| Arc::new(AtomicU32::new(0))).collect();
    let mailboxes: Vec<Mailbox<CounterMsg>> =
        (0..3).map(|i| Mailbox::new(format!("s{i}"), 4)).collect();
    let children = (0..3)
        .map(|i| {
            let count = starts[i].clone();
            ChildSpec::new(
                format!("s{i}"),
                Restart::Permanent,
                &mailboxes[i],
                move || (Sibling, count.clone()),
            )
        })
        .collect();
    let root = supervisor::start(SupervisorSpec {
        name: "rest".into(),
        strategy: Strategy::RestForOne,
        intensity: intensity(5),
        children,
    })
    .await?;
    mailboxes[1].send(CounterMsg::Panic).await?;
    eventually("s1 and s2 restarted", async || {
        starts[1].load(Ordering::SeqCst) == 2 && starts[2].load(Ordering::SeqCst) == 2
    })
    .await;
    assert_eq!(starts[0].load(Ordering::SeqCst), 1, "s0 is left alone");
    let info = root.children().await?;
    let restarts: Vec<u32> = info.iter().map(|c| c.restarts).collect();
    assert_eq!(restarts, [0, 1, 1]);
    assert!(info.iter().all(|c| c.running));
    // Every sibling answers through its mailbox, the restarted ones as their new incarnation.
    for mailbox in &mailboxes {
        assert_eq!(mailbox.call(CounterMsg::Sum).await?, 0);
    }
    root.stop().await;
    Ok(())
}

// An actor that blocks on its first letter until released, to fill its mailbox.

struct Stuck;

impl Actor for Stuck {
    type Msg = Letter<Option<oneshot::Receiver<()>>>;
    type State = ();
    type Arguments = ();

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        _: (),
    ) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        letter: Self::Msg,
        _state: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        if let Some(release) = letter.body {
            let _ = release.await;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_full_mailbox_refuses_instead_of_growing() -> anyhow::Result<()> {
    let stuck = Mailbox::new("stuck", 2);
    let root = supervisor::start(SupervisorSpec {
        name: "bounded".into(),
        strategy: Strategy::OneForOne,
        intensity: intensity(1),
        children: vec![ChildSpec::new("stuck", Restart::Permanent, &stuck, || {
            (Stuck, ())
        })],
    })
    .await?;
    let (release, blocked) = oneshot::channel();
    stuck.try_send(Some(blocked))?;
    stuck.try_send(None)?;
    assert!(matches!(
        stuck.try_send(None),
        Err(SupervisorError::Full { capacity: 2, .. })
    ));
    release.send(()).ok();
    // Once the actor has handled its letters, there is room again.
    eventually("room in the mailbox", async || stuck.try_send(None).is_ok()).await;
    root.stop().await;
    Ok(())
}
