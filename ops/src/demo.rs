//! `silkway demo`: a local consortium of 4 Kazakh and 3 Chinese validators, each its own
//! process on 127.0.0.1 talking QUIC with mutual TLS, the PRODUCT.md §7 corridor scenario
//! submitted to it as signed transactions, and a gateway per country (Kazakh at :8080,
//! Chinese at :8081) with a user for every party, whose secrets go to `demo-users.json`.
//!
//! The first run creates the network under `--data-dir` (CAs, certificates, genesis, node
//! configurations; see `network.rs`), starts the validators, waits until they commit, submits
//! the scenario step by step (each after the previous one committed, checking its outcome), and
//! prints where to look. It then runs until Ctrl-C and stops every validator cleanly. A second
//! run resumes the same network from its stores and does not submit the scenario again.
//!
//! What it deliberately does not do: decide anything about the trade instruments (the ledger
//! does; the demo only reports the outcomes), or leave a validator running after it exits.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;
use consensus::ledger::scenario::{self, Expect, Party};
use consensus::net::client::{NodeClient, Request, SubmitResult};
use consensus::node::ConsensusSettings;
use consensus::types::Digest;

use crate::gateway::{self, DemoUsers};
use crate::network::{self, Layout, NetworkFile, Processes};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the network lives; a second run resumes from it.
    #[arg(long, default_value = "./silkway-demo")]
    pub data_dir: PathBuf,
    /// The first validator's UDP port; the others follow it.
    #[arg(long, default_value_t = 7100)]
    pub base_port: u16,
    /// The Kazakh gateway's HTTP port; the Chinese gateway's is the next one.
    #[arg(long, default_value_t = 8080)]
    pub gateway_port: u16,
}

/// How long the validators get to start committing.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one scenario step may take to commit.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
const SCENARIO_DONE: &str = "scenario.done";

pub fn run(args: DemoArgs) -> Result<()> {
    let dir = &args.data_dir;
    let fresh = !dir.join("network.json").exists();
    let network = if fresh {
        println!("creating a 4 + 3 validator network in {}", dir.display());
        network::create(&Layout {
            dir: dir.clone(),
            countries: network::countries(4, 3),
            base_port: args.base_port,
            parties: scenario::party_specs(),
            consensus: ConsensusSettings::default(),
        })?
    } else {
        let network = network::read_network(dir)?;
        let port = network.validators.first().map(|v| v.address.port());
        if port != Some(args.base_port) {
            bail!(
                "--base-port: {} was created with base port {}; use that, or another --data-dir",
                dir.display(),
                port.unwrap_or_default()
            );
        }
        println!("resuming the network in {}", dir.display());
        network
    };
    let demo = if dir.join(gateway::DEMO_USERS).exists() {
        gateway::read_demo(dir)?
    } else {
        gateway::create_demo(dir, &network, &scenario::party_specs(), args.gateway_port)?
    };
    let mut processes = network::start_nodes(dir, &network)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(drive(dir, &network, &demo, &mut processes));
    println!("stopping the gateways and validators ...");
    processes.stop(Duration::from_secs(10));
    println!("all validators stopped");
    outcome
}

async fn drive(
    dir: &Path,
    network: &NetworkFile,
    demo: &DemoUsers,
    processes: &mut Processes,
) -> Result<()> {
    let height = network::wait_until_committing(dir, network, processes, START_TIMEOUT).await?;
    println!(
        "{} validators up and committing (height {height})",
        network.validators.len()
    );
    let first = network.validators.first().context("no validators")?.address;
    let client = network::connect(dir, network, first).await?;
    if dir.join(SCENARIO_DONE).exists() {
        println!("the corridor scenario is already on the ledger (submitted by an earlier run)");
    } else {
        submit_scenario(dir, &client).await?;
        std::fs::write(dir.join(SCENARIO_DONE), "")?;
    }
    write_samples(dir)?;
    gateway::start_demo(dir, demo, processes)?;
    gateway::wait_ready(demo, processes, START_TIMEOUT).await?;
    print_where_to_look(dir, network, demo);
    loop {
        tokio::select! {
            _ = crate::node::shutdown_signal() => return Ok(()),
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                if let Some((name, status)) = processes.exited() {
                    bail!("{name} exited ({status}); see its log");
                }
            }
        }
    }
}

async fn submit_scenario(dir: &Path, client: &NodeClient) -> Result<()> {
    let specs = scenario::party_specs();
    let parties: Vec<Party> = network::load_parties(dir, &specs)?
        .into_iter()
        .map(|(participant, key)| Party { participant, key })
        .collect();
    let today = today()?;
    let steps = scenario::scenario(&parties, today, consensus::node::now_ms())
        .map_err(|e| anyhow::anyhow!("cannot build the scenario: {e}"))?;
    println!(
        "submitting the corridor scenario ({} signed transactions) ...",
        steps.len()
    );
    let mut surprises = 0;
    for step in steps {
        let hash = match client.submit(vec![step.tx.clone()]).await?.pop() {
            Some(SubmitResult::Accepted(hash)) => hash,
            Some(SubmitResult::Refused(reason)) => {
                bail!("{}: refused at the door: {reason}", step.label)
            }
            None => bail!("{}: no answer", step.label),
        };
        let (applied, reason) = wait_for_outcome(client, hash).await?;
        let as_expected = match (&step.expect, applied) {
            (Expect::Applied, true) => true,
            (Expect::Rejected(fragment), false) => reason.contains(fragment),
            _ => false,
        };
        let mark = if as_expected { "ok " } else { "!! " };
        surprises += usize::from(!as_expected);
        if applied {
            println!("  {mark} {}", step.label);
        } else {
            println!("  {mark} {} — refused by the ledger: {reason}", step.label);
        }
    }
    if surprises > 0 {
        bail!("{surprises} scenario steps did not end as expected");
    }
    Ok(())
}

/// Polls the committed outcome of a transaction.
async fn wait_for_outcome(client: &NodeClient, tx: Digest) -> Result<(bool, String)> {
    let started = Instant::now();
    while started.elapsed() < STEP_TIMEOUT {
        if let Some(json) = client.query(&Request::Outcome { tx }).await? {
            let value: serde_json::Value = serde_json::from_str(&json)?;
            let applied = value["applied"].as_bool().unwrap_or(false);
            let reason = value["reason"].as_str().unwrap_or_default().to_string();
            return Ok((applied, reason));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("transaction {tx} did not commit within {STEP_TIMEOUT:?}")
}

/// The credit number of the story's second run, by hand.
const SAMPLE_LC_REFERENCE: &str = "SCB/LC/26/0418";

/// Writes the documents for running the §7 story again by hand to `<dir>/samples/`, dated so
/// that a presentation today is one day late for shipment, as in the seeded story.
fn write_samples(dir: &Path) -> Result<()> {
    let samples = dir.join("samples");
    std::fs::create_dir_all(&samples)?;
    let files = scenario::story_documents(today()?, SAMPLE_LC_REFERENCE)
        .map_err(|e| anyhow::anyhow!("cannot build the sample documents: {e}"))?;
    for (name, text) in files {
        std::fs::write(samples.join(name), text).with_context(|| name.to_string())?;
    }
    Ok(())
}

fn today() -> Result<trade_docs::Date> {
    let now = time::OffsetDateTime::now_utc().date();
    trade_docs::Date::from_ymd(now.year(), now.month() as u8, now.day())
        .context("today's date is out of range")
}

fn print_where_to_look(dir: &Path, network: &NetworkFile, demo: &DemoUsers) {
    println!();
    println!("the corridor network is running:");
    for v in &network.validators {
        println!("  {:<16} {}  quic://{}", v.name, v.country, v.address);
    }
    println!();
    println!("  status:      silkway status --data-dir {}", dir.display());
    println!(
        "  node logs:   {}/validators/<name>/node.log",
        dir.display()
    );
    println!("  genesis:     {}/genesis.json", dir.display());
    println!(
        "  stores:      {}/validators/<name>/store (sled)",
        dir.display()
    );
    println!();
    for g in &demo.gateways {
        println!(
            "  gateway {}:  {}   (API: {}/api/v1/openapi.json; client certificates: https://silkway.node:{} at {})",
            g.country,
            g.url,
            g.url,
            g.https_listen.rsplit(':').next().unwrap_or_default(),
            g.https_listen
        );
    }
    println!(
        "  users:       {}/{} (logins, passwords, TOTP secrets, API tokens)",
        dir.display(),
        gateway::DEMO_USERS
    );
    println!("  a TOTP code: silkway totp --secret <totp_secret_b32>");
    println!(
        "  documents:   {}/samples/ (credit {SAMPLE_LC_REFERENCE}: MT700, CII invoice, packing list, SMGS, certificate of origin)",
        dir.display()
    );
    println!();
    println!("press Ctrl-C to stop every gateway and validator");
}
