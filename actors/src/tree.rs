//! A node's supervision tree of corridor actors, and the one handle to it.
//!
//! ```text
//! corridor (rest-for-one; 5 restarts in 60 s, then it fails)
//!  ├─ ledger-link          permanent   follows committed blocks, feeds the others
//!  ├─ notifier             permanent   email once per party and event / deadline
//!  └─ parties (one-for-one; 10 restarts in 60 s, then it fails to `corridor`)
//!      ├─ customs/<post>   permanent   one per customs post hosted here
//!      ├─ bank/<bic>       permanent   one per bank hosted here
//!      └─ exporter/<org>   permanent   one per exporter hosted here
//! ```
//!
//! Rest-for-one at the root because the later children depend on the earlier: a restarted
//! link has lost its subscriptions, so the notifier and the parties restart after it and
//! subscribe again (from height 0, rebuilding their state); a restarted notifier restarts the
//! parties, whose in-memory record of notices handed over is then rebuilt the same way.
//! Parties are independent of each other: one-for-one below them.
//!
//! [`start`] builds it from a [`CorridorConfig`] and returns a [`CorridorHandle`]; other crates
//! hold that, never an actor reference. Deliberately not here: reading configuration files
//! (ops does), installing logging.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use ed25519_dalek::SigningKey;

use crate::clock::Clock;
use crate::corridor::{PartyActor, PartyKind, PartyMsg};
use crate::deadlines::{DeadlineError, Rules};
use crate::follow::{LedgerSource, Link, LinkMsg};
use crate::notify::{MailConfig, Notifier, NotifierMsg};
use crate::supervisor::{
    self, ChildInfo, ChildSpec, Exit, Intensity, Mailbox, Restart, Strategy, SupervisorError,
    SupervisorHandle, SupervisorSpec,
};

/// Everything a corridor tree needs.
#[derive(Clone, Debug)]
pub struct CorridorConfig {
    /// The root supervisor's name (and a prefix in logs).
    pub name: String,
    /// Where the outboxes live (one file per effectful actor).
    pub data_dir: PathBuf,
    pub source: Arc<dyn LedgerSource>,
    pub clock: Arc<dyn Clock>,
    /// Party ids of the customs posts hosted by this node.
    pub customs_posts: Vec<String>,
    /// Banks hosted by this node, each with its signing key when the node acts for it.
    pub banks: Vec<(String, Option<SigningKey>)>,
    /// Party ids of the exporters hosted by this node.
    pub exporters: Vec<String>,
    pub mail: MailConfig,
    /// How often the ledger link asks the node for new blocks.
    pub poll_ms: u64,
    /// How often party actors check deadlines and the notifier retries pending mail.
    pub tick_ms: u64,
    /// Letters per mailbox.
    pub mailbox_len_max: usize,
}

/// Why a tree could not start or answer.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error(transparent)]
    Supervisor(#[from] SupervisorError),
    #[error(transparent)]
    Rules(#[from] DeadlineError),
    #[error("no actor named '{0}' in this corridor")]
    NoSuchActor(String),
}

/// How far each actor has read the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The highest committed height the link has seen.
    pub head: u64,
    /// Each actor's last handled height, by actor name.
    pub actors: BTreeMap<String, u64>,
}

/// The handle to a running corridor tree.
#[derive(Clone, Debug)]
pub struct CorridorHandle {
    root: SupervisorHandle,
    link: Mailbox<LinkMsg>,
    notifier: Mailbox<NotifierMsg>,
    parties: BTreeMap<String, Mailbox<PartyMsg>>,
}

/// Starts the tree drawn in the module doc.
pub async fn start(config: CorridorConfig) -> Result<CorridorHandle, TreeError> {
    let rules = Arc::new(Rules::embedded()?);
    let len = config.mailbox_len_max;
    let link = Mailbox::new("ledger-link", len);
    let notifier = Mailbox::new("notifier", len);
    let link_spec = {
        let (source, mailbox, poll_ms) = (config.source.clone(), link.clone(), config.poll_ms);
        ChildSpec::new("ledger-link", Restart::Permanent, &link, move || {
            let actor = Link {
                source: source.clone(),
                mailbox: mailbox.clone(),
                poll_ms,
            };
            (actor, ())
        })
    };
    let notifier_spec = {
        let actor = Arc::new(Notifier {
            config: config.mail.clone(),
            outbox_path: config.data_dir.join("notifier.outbox"),
            source: config.source.clone(),
            link: link.clone(),
            mailbox: notifier.clone(),
            retry_ms: config.tick_ms,
        });
        ChildSpec::new("notifier", Restart::Permanent, &notifier, move || {
            (actor.as_ref().clone(), ())
        })
    };
    let mut parties = BTreeMap::new();
    let mut party_specs = Vec::new();
    for (name, party, kind) in party_list(&config) {
        let mailbox = Mailbox::new(name.clone(), len);
        let actor = Arc::new(PartyActor {
            party,
            kind,
            source: config.source.clone(),
            link: link.clone(),
            mailbox: mailbox.clone(),
            notifier: notifier.clone(),
            rules: rules.clone(),
            clock: config.clock.clone(),
            outbox_path: config.data_dir.join(format!("{}.outbox", file_name(&name))),
            tick_ms: config.tick_ms,
        });
        party_specs.push(ChildSpec::new(
            name.clone(),
            Restart::Permanent,
            &mailbox,
            move || (actor.as_ref().clone(), ()),
        ));
        parties.insert(name, mailbox);
    }
    let parties_spec = SupervisorSpec {
        name: format!("{}/parties", config.name),
        strategy: Strategy::OneForOne,
        intensity: Intensity {
            restarts_max: 10,
            within_ms: 60_000,
        },
        children: party_specs,
    };
    let root = supervisor::start(SupervisorSpec {
        name: config.name.clone(),
        strategy: Strategy::RestForOne,
        intensity: Intensity {
            restarts_max: 5,
            within_ms: 60_000,
        },
        children: vec![
            link_spec,
            notifier_spec,
            ChildSpec::supervisor(parties_spec, Restart::Permanent),
        ],
    })
    .await?;
    Ok(CorridorHandle {
        root,
        link,
        notifier,
        parties,
    })
}

/// (actor name, party id, kind) of every party actor, in start order.
fn party_list(config: &CorridorConfig) -> Vec<(String, String, PartyKind)> {
    let customs = config
        .customs_posts
        .iter()
        .map(|p| (format!("customs/{p}"), p.clone(), PartyKind::Customs));
    let banks = config.banks.iter().map(|(p, key)| {
        (
            format!("bank/{p}"),
            p.clone(),
            PartyKind::Bank(key.clone().map(Box::new)),
        )
    });
    let exporters = config
        .exporters
        .iter()
        .map(|p| (format!("exporter/{p}"), p.clone(), PartyKind::Exporter));
    customs.chain(banks).chain(exporters).collect()
}

/// A party id as a file name: letters and digits kept, anything else an underscore.
fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

impl CorridorHandle {
    /// The root's children and their restart counts.
    pub async fn children(&self) -> Result<Vec<ChildInfo>, TreeError> {
        Ok(self.root.children().await?)
    }

    /// The names of the actors [`CorridorHandle::kill`] and [`Progress`] know.
    pub fn actor_names(&self) -> Vec<String> {
        let mut names = vec!["ledger-link".to_string(), "notifier".to_string()];
        names.extend(self.parties.keys().cloned());
        names
    }

    /// How far each actor has read the ledger.
    pub async fn progress(&self) -> Result<Progress, TreeError> {
        let (head, _) = self.link.call(LinkMsg::Progress).await?;
        let mut actors = BTreeMap::new();
        actors.insert(
            "notifier".to_string(),
            self.notifier.call(NotifierMsg::Progress).await?,
        );
        for (name, mailbox) in &self.parties {
            actors.insert(name.clone(), mailbox.call(PartyMsg::Progress).await?);
        }
        Ok(Progress { head, actors })
    }

    /// Kills one actor as a crash would; its supervisor restarts it by its policy.
    pub fn kill(&self, actor: &str) -> Result<(), TreeError> {
        match actor {
            "ledger-link" => Ok(self.link.kill()?),
            "notifier" => Ok(self.notifier.kill()?),
            name => match self.parties.get(name) {
                Some(mailbox) => Ok(mailbox.kill()?),
                None => Err(TreeError::NoSuchActor(name.to_string())),
            },
        }
    }

    /// Stops the tree, newest actors first.
    pub async fn stop(&self) {
        self.root.stop().await;
    }

    /// Waits until the tree ends, and says how.
    pub async fn wait(&self) -> Exit {
        self.root.wait().await
    }
}
