//! The project's supervisor, after OTP's: child specs, a restart strategy and a restart
//! intensity, over `ractor`'s linking and supervision events.
//!
//! A [`SupervisorSpec`] lists [`ChildSpec`]s in start order. Each child is spawned linked to the
//! supervisor by its spec's factory; when it exits, its [`Restart`] decides whether it comes
//! back (`Permanent` always, `Transient` only after a failure or a kill, `Temporary` never),
//! and the [`Strategy`] decides what else restarts: `OneForOne` only that child, `RestForOne`
//! that child and every child started after it (those are stopped first, newest first, then
//! all started again in order). More than [`Intensity::restarts_max`] restarts within
//! [`Intensity::within_ms`] means restarting does not help: the supervisor stops its children
//! and fails itself, so its own supervisor sees a failure (escalation), and a root's
//! [`SupervisorHandle::wait`] reports it.
//!
//! Children are reached through [`Mailbox`]es: a cloneable handle bound by the factory to
//! whichever incarnation of the actor runs now (a restarted actor has a new reference), and
//! bounded — a sender holds one of `capacity` permits per letter until the actor has handled
//! it, so a full mailbox pushes back on its sender (`send` waits, `try_send` refuses) instead
//! of growing. Raw `ActorRef`s never leave this crate.
//!
//! Invariants: a supervision event from a child that is no longer the current incarnation of
//! its spec is ignored (a stopped sibling, a replaced child); children are started in order and
//! stopped in reverse order; a failed restart counts against the intensity like a failure.
//! Deliberately not here: dynamic children added after start, and `ractor`'s global registry
//! (names are this module's own, so two trees in one process never collide).

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef, SpawnErr, SupervisionEvent};
use tokio::sync::{oneshot, watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How long a supervisor waits for a child it stops before it kills it.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// When a child that exited is started again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// Always.
    Permanent,
    /// Only after it failed (a panic, an error) or was killed; not after a normal stop.
    Transient,
    /// Never.
    Temporary,
}

/// What restarts along with a child that exited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// That child alone.
    OneForOne,
    /// That child and every child started after it.
    RestForOne,
}

/// At most `restarts_max` restarts within any `within_ms`; one more escalates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intensity {
    pub restarts_max: u32,
    pub within_ms: u64,
}

/// Why a supervisor or a mailbox could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    #[error("supervisor '{name}': child '{child}' did not start: {reason}")]
    ChildStart {
        name: String,
        child: String,
        reason: String,
    },
    #[error("supervisor '{name}' is not running")]
    NotRunning { name: String },
    #[error("mailbox of '{name}' is full ({capacity} letters)")]
    Full { name: String, capacity: usize },
    #[error("actor '{name}' is not running (restarting or stopped)")]
    ActorDown { name: String },
    #[error("actor '{name}' did not answer")]
    NoAnswer { name: String },
}

/// How a supervisor ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Stopped on request.
    Stopped,
    /// Gave up: restart intensity exceeded.
    Failed(String),
}

type StartFuture = Pin<Box<dyn Future<Output = Result<ActorCell, SpawnErr>> + Send>>;
type StartFn = Arc<dyn Fn(ActorCell) -> StartFuture + Send + Sync>;

/// A child: its name (unique in its supervisor), restart policy, and how to start it.
#[derive(Clone)]
pub struct ChildSpec {
    pub name: String,
    pub restart: Restart,
    start: StartFn,
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("name", &self.name)
            .field("restart", &self.restart)
            .finish()
    }
}

impl ChildSpec {
    /// A child built by `make` (a fresh actor and its arguments on every start), reached
    /// through `mailbox`, which each start rebinds to the new incarnation.
    pub fn new<A, M, F>(
        name: impl Into<String>,
        restart: Restart,
        mailbox: &Mailbox<M>,
        make: F,
    ) -> ChildSpec
    where
        A: Actor<Msg = Letter<M>>,
        M: Send + 'static,
        F: Fn() -> (A, A::Arguments) + Send + Sync + 'static,
    {
        let make = Arc::new(make);
        let mailbox = mailbox.clone();
        let start: StartFn = Arc::new(move |parent: ActorCell| {
            let (actor, args) = make();
            let mailbox = mailbox.clone();
            Box::pin(async move {
                let (actor_ref, _join) = A::spawn_linked(None, actor, args, parent).await?;
                mailbox.bind(actor_ref.clone());
                Ok(actor_ref.get_cell())
            })
        });
        ChildSpec {
            name: name.into(),
            restart,
            start,
        }
    }

    /// A nested supervisor; its failure is this supervisor's child failing.
    pub fn supervisor(spec: SupervisorSpec, restart: Restart) -> ChildSpec {
        let name = spec.name.clone();
        let start: StartFn = Arc::new(move |parent: ActorCell| {
            let spec = spec.clone();
            Box::pin(async move {
                let (exit, _) = watch::channel(None);
                let args = (spec, exit);
                let (actor_ref, _join) =
                    Supervisor::spawn_linked(None, Supervisor, args, parent).await?;
                Ok(actor_ref.get_cell())
            })
        });
        ChildSpec {
            name,
            restart,
            start,
        }
    }
}

/// A supervisor: its name, strategy, intensity and children in start order.
#[derive(Clone, Debug)]
pub struct SupervisorSpec {
    pub name: String,
    pub strategy: Strategy,
    pub intensity: Intensity,
    pub children: Vec<ChildSpec>,
}

/// A child as its supervisor reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildInfo {
    pub name: String,
    pub running: bool,
    /// Times this child was started again after an exit.
    pub restarts: u32,
}

/// A handle to a running supervisor.
#[derive(Clone, Debug)]
pub struct SupervisorHandle {
    name: String,
    actor: ActorRef<SupervisorMsg>,
    exit: watch::Receiver<Option<Exit>>,
}

/// Starts a root supervisor (one with no supervisor of its own) and its children.
pub async fn start(spec: SupervisorSpec) -> Result<SupervisorHandle, SupervisorError> {
    let name = spec.name.clone();
    let (exit_tx, exit) = watch::channel(None);
    let (actor, _join) = Supervisor::spawn(None, Supervisor, (spec, exit_tx))
        .await
        .map_err(|e| SupervisorError::ChildStart {
            name: name.clone(),
            child: "(supervisor)".into(),
            reason: e.to_string(),
        })?;
    Ok(SupervisorHandle { name, actor, exit })
}

impl SupervisorHandle {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The children, in start order.
    pub async fn children(&self) -> Result<Vec<ChildInfo>, SupervisorError> {
        let (reply, answer) = oneshot::channel();
        self.actor
            .send_message(SupervisorMsg::Children(reply))
            .map_err(|_| self.not_running())?;
        answer.await.map_err(|_| self.not_running())
    }

    /// Stops the children (newest first), then the supervisor; waits for both.
    pub async fn stop(&self) {
        // An error means the supervisor already ended, which is what was asked.
        let _ = self.actor.stop_and_wait(None, None).await;
    }

    /// Waits until the supervisor ends, and says how.
    pub async fn wait(&self) -> Exit {
        let mut exit = self.exit.clone();
        let ended = match exit.wait_for(Option::is_some).await {
            Ok(value) => value.clone().unwrap_or(Exit::Stopped),
            Err(_) => Exit::Stopped,
        };
        ended
    }

    fn not_running(&self) -> SupervisorError {
        SupervisorError::NotRunning {
            name: self.name.clone(),
        }
    }
}

/// What a supervisor answers.
#[derive(Debug)]
pub enum SupervisorMsg {
    Children(oneshot::Sender<Vec<ChildInfo>>),
}

/// A letter in a bounded mailbox: the message, and the sender's permit, given back when the
/// actor drops the letter (after handling it, or with a dead actor's queue).
#[derive(Debug)]
pub struct Letter<M> {
    pub body: M,
    _permit: OwnedSemaphorePermit,
}

/// A bounded, restart-proof handle to one supervised actor.
pub struct Mailbox<M> {
    inner: Arc<MailboxInner<M>>,
}

struct MailboxInner<M> {
    name: String,
    capacity: usize,
    permits: Arc<Semaphore>,
    current: RwLock<Option<ActorRef<Letter<M>>>>,
}

impl<M> Clone for Mailbox<M> {
    fn clone(&self) -> Self {
        Mailbox {
            inner: self.inner.clone(),
        }
    }
}

impl<M> fmt::Debug for Mailbox<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailbox")
            .field("name", &self.inner.name)
            .field("capacity", &self.inner.capacity)
            .finish()
    }
}

impl<M: Send + 'static> Mailbox<M> {
    /// An unbound mailbox holding at most `capacity` (at least 1) letters.
    pub fn new(name: impl Into<String>, capacity: usize) -> Mailbox<M> {
        let capacity = capacity.max(1);
        Mailbox {
            inner: Arc::new(MailboxInner {
                name: name.into(),
                capacity,
                permits: Arc::new(Semaphore::new(capacity)),
                current: RwLock::new(None),
            }),
        }
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Sends `body`, waiting while the mailbox is full.
    pub async fn send(&self, body: M) -> Result<(), SupervisorError> {
        let permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| self.down())?;
        self.post(body, permit)
    }

    /// Sends `body` if there is room now.
    pub fn try_send(&self, body: M) -> Result<(), SupervisorError> {
        let permit = self
            .inner
            .permits
            .clone()
            .try_acquire_owned()
            .map_err(|_| SupervisorError::Full {
                name: self.inner.name.clone(),
                capacity: self.inner.capacity,
            })?;
        self.post(body, permit)
    }

    /// Sends the message `make` builds around a reply channel, and waits for the answer.
    pub async fn call<R>(
        &self,
        make: impl FnOnce(oneshot::Sender<R>) -> M,
    ) -> Result<R, SupervisorError> {
        let (reply, answer) = oneshot::channel();
        self.send(make(reply)).await?;
        answer.await.map_err(|_| SupervisorError::NoAnswer {
            name: self.inner.name.clone(),
        })
    }

    /// Whether an incarnation is bound and running.
    pub fn is_running(&self) -> bool {
        self.current().is_some_and(|r| {
            matches!(
                r.get_status(),
                ractor::ActorStatus::Running | ractor::ActorStatus::Starting
            )
        })
    }

    /// Kills the running incarnation, as a crash would: its supervisor sees it and applies the
    /// child's restart policy. For operators and tests.
    pub fn kill(&self) -> Result<(), SupervisorError> {
        let actor = self.current().ok_or_else(|| self.down())?;
        actor.kill();
        Ok(())
    }

    fn post(&self, body: M, permit: OwnedSemaphorePermit) -> Result<(), SupervisorError> {
        let actor = self.current().ok_or_else(|| self.down())?;
        let letter = Letter {
            body,
            _permit: permit,
        };
        actor.send_message(letter).map_err(|_| self.down())
    }

    fn current(&self) -> Option<ActorRef<Letter<M>>> {
        // A poisoned lock only means a writer panicked mid-assignment of an Option: the value
        // is still a whole Option.
        self.inner
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn bind(&self, actor: ActorRef<Letter<M>>) {
        *self
            .inner
            .current
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(actor);
    }

    fn down(&self) -> SupervisorError {
        SupervisorError::ActorDown {
            name: self.inner.name.clone(),
        }
    }
}

/// The supervisor actor.
struct Supervisor;

struct SupervisorState {
    name: String,
    strategy: Strategy,
    intensity: Intensity,
    children: Vec<Child>,
    restarts: VecDeque<Instant>,
    exit: watch::Sender<Option<Exit>>,
}

struct Child {
    spec: ChildSpec,
    cell: Option<ActorCell>,
    restarts: u32,
}

impl Actor for Supervisor {
    type Msg = SupervisorMsg;
    type State = SupervisorState;
    type Arguments = (SupervisorSpec, watch::Sender<Option<Exit>>);

    async fn pre_start(
        &self,
        myself: ActorRef<SupervisorMsg>,
        (spec, exit): Self::Arguments,
    ) -> Result<SupervisorState, ActorProcessingErr> {
        let mut state = SupervisorState {
            name: spec.name,
            strategy: spec.strategy,
            intensity: spec.intensity,
            children: spec
                .children
                .into_iter()
                .map(|spec| Child {
                    spec,
                    cell: None,
                    restarts: 0,
                })
                .collect(),
            restarts: VecDeque::new(),
            exit,
        };
        for index in 0..state.children.len() {
            if let Err(e) = state.start_child(&myself, index).await {
                state.stop_from(&myself, 0).await;
                return Err(Box::new(e));
            }
        }
        Ok(state)
    }

    async fn post_stop(
        &self,
        myself: ActorRef<SupervisorMsg>,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        state.stop_from(&myself, 0).await;
        state.exit.send_replace(Some(Exit::Stopped));
        Ok(())
    }

    async fn handle(
        &self,
        _myself: ActorRef<SupervisorMsg>,
        message: SupervisorMsg,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            SupervisorMsg::Children(reply) => {
                let _ = reply.send(state.info());
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<SupervisorMsg>,
        event: SupervisionEvent,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        let (cell, abnormal, why) = match event {
            SupervisionEvent::ActorFailed(cell, error) => (cell, true, error.to_string()),
            SupervisionEvent::ActorTerminated(cell, _, reason) => {
                let killed = reason.as_deref() == Some("killed");
                (cell, killed, reason.unwrap_or_else(|| "stopped".into()))
            }
            _ => return Ok(()),
        };
        let Some(index) = state.index_of(&cell) else {
            return Ok(());
        };
        state.children[index].cell = None;
        let child = &state.children[index].spec;
        tracing::warn!(supervisor = %state.name, child = %child.name, %why, "child exited");
        let restart = match child.restart {
            Restart::Permanent => true,
            Restart::Transient => abnormal,
            Restart::Temporary => false,
        };
        if !restart {
            return Ok(());
        }
        if let Err(reason) = state.restart(&myself, index).await {
            state.stop_from(&myself, 0).await;
            state.exit.send_replace(Some(Exit::Failed(reason.clone())));
            return Err(reason.into());
        }
        Ok(())
    }
}

impl SupervisorState {
    fn info(&self) -> Vec<ChildInfo> {
        self.children
            .iter()
            .map(|c| ChildInfo {
                name: c.spec.name.clone(),
                running: c.cell.is_some(),
                restarts: c.restarts,
            })
            .collect()
    }

    fn index_of(&self, cell: &ActorCell) -> Option<usize> {
        let id = cell.get_id();
        self.children
            .iter()
            .position(|c| c.cell.as_ref().is_some_and(|own| own.get_id() == id))
    }

    async fn start_child(
        &mut self,
        myself: &ActorRef<SupervisorMsg>,
        index: usize,
    ) -> Result<(), SupervisorError> {
        let child = &mut self.children[index];
        let cell = (child.spec.start)(myself.get_cell()).await.map_err(|e| {
            SupervisorError::ChildStart {
                name: self.name.clone(),
                child: child.spec.name.clone(),
                reason: e.to_string(),
            }
        })?;
        child.cell = Some(cell);
        Ok(())
    }

    /// Restarts child `index` (and, rest-for-one, the children after it). `Err` with the
    /// reason when the intensity is exceeded.
    async fn restart(
        &mut self,
        myself: &ActorRef<SupervisorMsg>,
        index: usize,
    ) -> Result<(), String> {
        if self.strategy == Strategy::RestForOne {
            self.stop_from(myself, index + 1).await;
        }
        let last = match self.strategy {
            Strategy::OneForOne => index,
            Strategy::RestForOne => self.children.len() - 1,
        };
        for i in index..=last {
            if i != index && self.children[i].spec.restart == Restart::Temporary {
                continue;
            }
            self.restart_one(myself, i).await?;
        }
        Ok(())
    }

    /// Starts child `i` again, counting each attempt against the intensity.
    async fn restart_one(
        &mut self,
        myself: &ActorRef<SupervisorMsg>,
        i: usize,
    ) -> Result<(), String> {
        loop {
            self.count_restart()?;
            self.children[i].restarts += 1;
            match self.start_child(myself, i).await {
                Ok(()) => return Ok(()),
                Err(e) => tracing::warn!(supervisor = %self.name, error = %e, "restart failed"),
            }
        }
    }

    fn count_restart(&mut self) -> Result<(), String> {
        let now = Instant::now();
        let window = Duration::from_millis(self.intensity.within_ms);
        while self
            .restarts
            .front()
            .is_some_and(|t| now.duration_since(*t) > window)
        {
            self.restarts.pop_front();
        }
        if self.restarts.len() >= self.intensity.restarts_max as usize {
            return Err(format!(
                "supervisor '{}': restart intensity exceeded ({} restarts within {} ms)",
                self.name, self.intensity.restarts_max, self.intensity.within_ms
            ));
        }
        self.restarts.push_back(now);
        Ok(())
    }

    /// Stops children `from..`, newest first, without hearing their exits.
    async fn stop_from(&mut self, myself: &ActorRef<SupervisorMsg>, from: usize) {
        for child in self.children.iter_mut().skip(from).rev() {
            if let Some(cell) = child.cell.take() {
                cell.unlink(myself.get_cell());
                if cell.stop_and_wait(None, Some(STOP_WAIT)).await.is_err() {
                    cell.kill();
                }
            }
        }
    }
}
