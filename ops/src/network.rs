//! A local network on disk: consortium CAs, validator and party certificates, the genesis, one
//! node configuration per validator, and `network.json`, the map `silkway status`, the demo and
//! the benchmark read. Also starting and stopping the validator processes.
//!
//! Layout of a network directory:
//! ```text
//! network.json                 validators (name, country, address, config), client identity
//! genesis.json                 chain id, validator set, registered participants
//! ca/kz/{ca.pem,ca.key}        the Kazakh consortium root (and ca/cn/ the Chinese one)
//! validators/<name>/           node.toml, key.pem, cert.pem, store/ (sled), node.log
//! parties/<slug>/              key.pem, cert.pem of each trade party
//! ```
//! What it deliberately does not do: decide anything about the ledger (the genesis lists what
//! `consensus::ledger` needs), or parse node configuration (see `node.rs`).

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result};
use consensus::identity::{self, CaBundle, IssueRequest};
use consensus::ledger::scenario::PartySpec;
use consensus::ledger::Genesis;
use consensus::net::client::{NodeClient, NodeStatus};
use consensus::node::{NodeConfig, PeerConfig};
use consensus::participant::{Participant, ParticipantRole};
use consensus::validators::ValidatorInfo;
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use trade_docs::Country;

use crate::keys;

/// `network.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    pub chain_id: String,
    pub validators: Vec<ValidatorEntry>,
    /// The identity tools use to talk to the nodes (an operator's certificate and key).
    pub client_certificate: PathBuf,
    pub client_key: PathBuf,
    pub trust_roots: Vec<PathBuf>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorEntry {
    pub name: String,
    pub country: Country,
    pub address: SocketAddr,
    pub config: PathBuf,
    pub public_key: String,
}

/// How to lay out a new network.
#[derive(Clone, Debug)]
pub struct Layout {
    pub dir: PathBuf,
    /// Validator countries in index order.
    pub countries: Vec<Country>,
    pub base_port: u16,
    pub parties: Vec<PartySpec>,
    pub consensus: consensus::node::ConsensusSettings,
}

const CERT_VALIDITY_DAYS: u32 = 365;
const CA_VALIDITY_DAYS: u32 = 3650;

/// The countries of `kz` Kazakh and `cn` Chinese validators, Kazakh ones first.
pub fn countries(kz: usize, cn: usize) -> Vec<Country> {
    let mut countries = vec![Country::KZ; kz];
    countries.extend(vec![Country::CN; cn]);
    countries
}

/// Creates every file of a new network under `layout.dir`.
pub fn create(layout: &Layout) -> Result<NetworkFile> {
    let dir = &layout.dir;
    fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    let now = consensus::node::now_unix_s();
    let kz_ca = make_ca(dir, Country::KZ, now)?;
    let cn_ca = make_ca(dir, Country::CN, now)?;
    let ca_of = |country: Country| {
        if country == Country::KZ {
            &kz_ca
        } else {
            &cn_ca
        }
    };
    let mut per_country = std::collections::BTreeMap::<Country, usize>::new();
    let mut validators = Vec::new();
    let mut participants = Vec::new();
    for (index, country) in layout.countries.iter().enumerate() {
        let count = per_country.entry(*country).or_default();
        *count += 1;
        let name = format!("{}-validator-{count}", country.as_str().to_lowercase());
        let vdir = dir.join("validators").join(&name);
        let org = format!("Silkway JV {}", country_name(*country));
        let (participant, _) = issue_into(
            &vdir,
            ca_of(*country),
            &org,
            &name,
            *country,
            ParticipantRole::Validator,
            now,
        )?;
        participants.push(participant.clone());
        validators.push((index, name, participant));
    }
    for spec in &layout.parties {
        let pdir = dir.join("parties").join(slug(&spec.name));
        let (participant, _) = issue_into(
            &pdir,
            ca_of(spec.country),
            &spec.org,
            &spec.name,
            spec.country,
            spec.role,
            now,
        )?;
        participants.push(participant);
    }
    let genesis = Genesis {
        chain_id: format!("silkway-local-{now}"),
        validators: validators
            .iter()
            .map(|(_, name, p)| ValidatorInfo {
                name: name.clone(),
                country: p.country,
                public_key: p.public_key,
                voting_power: 1,
            })
            .collect(),
        participants,
    };
    write_json(&dir.join("genesis.json"), &genesis)?;
    let entries = write_node_configs(layout, &validators)?;
    let operator = layout
        .parties
        .iter()
        .find(|p| p.role == ParticipantRole::Operator)
        .context("the layout has no operator party for tools to connect as")?;
    let network = NetworkFile {
        chain_id: genesis.chain_id.clone(),
        validators: entries,
        client_certificate: PathBuf::from("parties")
            .join(slug(&operator.name))
            .join("cert.pem"),
        client_key: PathBuf::from("parties")
            .join(slug(&operator.name))
            .join("key.pem"),
        trust_roots: vec!["ca/kz/ca.pem".into(), "ca/cn/ca.pem".into()],
    };
    write_json(&dir.join("network.json"), &network)?;
    Ok(network)
}

fn write_node_configs(
    layout: &Layout,
    validators: &[(usize, String, Participant)],
) -> Result<Vec<ValidatorEntry>> {
    let address = |index: usize| -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], layout.base_port + index as u16))
    };
    let mut entries = Vec::new();
    for (index, name, participant) in validators {
        let vdir = Path::new("validators").join(name);
        let config = NodeConfig {
            name: name.clone(),
            listen: address(*index),
            data_dir: "store".into(),
            key_file: "key.pem".into(),
            certificate_file: "cert.pem".into(),
            genesis_file: "../../genesis.json".into(),
            trust_roots: vec!["../../ca/kz/ca.pem".into(), "../../ca/cn/ca.pem".into()],
            peers: validators
                .iter()
                .filter(|(other, ..)| other != index)
                .map(|(other, name, p)| PeerConfig {
                    name: name.clone(),
                    public_key: hex::encode(p.public_key),
                    address: address(*other),
                })
                .collect(),
            consensus: layout.consensus.clone(),
            transport: Default::default(),
        };
        let toml = toml::to_string_pretty(&config).context("node configuration to TOML")?;
        let path = layout.dir.join(&vdir).join("node.toml");
        fs::write(&path, toml).with_context(|| path.display().to_string())?;
        entries.push(ValidatorEntry {
            name: name.clone(),
            country: participant.country,
            address: address(*index),
            config: vdir.join("node.toml"),
            public_key: hex::encode(participant.public_key),
        });
    }
    Ok(entries)
}

fn make_ca(dir: &Path, country: Country, now: i64) -> Result<CaBundle> {
    let ca_dir = dir.join("ca").join(country.as_str().to_lowercase());
    fs::create_dir_all(&ca_dir)?;
    let org = format!("Silkway Consortium {}", country_name(country));
    let ca = identity::init_ca(country, &org, now, CA_VALIDITY_DAYS)?;
    fs::write(ca_dir.join("ca.pem"), &ca.cert_pem)?;
    write_secret(&ca_dir.join("ca.key"), &ca.key_pem)?;
    Ok(ca)
}

/// Generates a key, issues its certificate, writes both into `dir`.
fn issue_into(
    dir: &Path,
    ca: &CaBundle,
    org: &str,
    name: &str,
    country: Country,
    role: ParticipantRole,
    now: i64,
) -> Result<(Participant, SigningKey)> {
    fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    let key = keys::generate_ed25519()?;
    let request = IssueRequest {
        org: org.to_string(),
        name: name.to_string(),
        country,
        role,
        key: key.clone(),
        validity_days: CERT_VALIDITY_DAYS,
        dns_names: Vec::new(),
    };
    let cert_pem = identity::issue(ca, &request, now)?;
    keys::write_key(&key, &dir.join("key.pem"), true)?;
    fs::write(dir.join("cert.pem"), &cert_pem)?;
    let participant = participant_of_pem(&cert_pem)?;
    Ok((participant, key))
}

/// Reads the participant a PEM certificate names.
pub fn participant_of_pem(cert_pem: &str) -> Result<Participant> {
    use rustls_pki_types::pem::PemObject;
    let der = rustls_pki_types::CertificateDer::from_pem_slice(cert_pem.as_bytes())
        .map_err(|e| anyhow::anyhow!("not a PEM certificate: {e}"))?;
    Ok(identity::parse_participant(der.as_ref())?)
}

/// Loads the parties of a network directory with their keys, in `specs` order.
pub fn load_parties(dir: &Path, specs: &[PartySpec]) -> Result<Vec<(Participant, SigningKey)>> {
    specs
        .iter()
        .map(|spec| {
            let pdir = dir.join("parties").join(slug(&spec.name));
            let cert = fs::read_to_string(pdir.join("cert.pem"))
                .with_context(|| pdir.join("cert.pem").display().to_string())?;
            let key = keys::load_ed25519(&pdir.join("key.pem"))
                .with_context(|| pdir.join("key.pem").display().to_string())?;
            Ok((participant_of_pem(&cert)?, key))
        })
        .collect()
}

pub fn read_network(dir: &Path) -> Result<NetworkFile> {
    let path = dir.join("network.json");
    let text = fs::read_to_string(&path).with_context(|| {
        format!(
            "{}: not a network directory (run `silkway demo` first)",
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| path.display().to_string())
}

/// A client connection to one validator, as the network's operator.
pub async fn connect(dir: &Path, network: &NetworkFile, address: SocketAddr) -> Result<NodeClient> {
    let cert = fs::read_to_string(dir.join(&network.client_certificate))
        .with_context(|| network.client_certificate.display().to_string())?;
    let key = keys::load_ed25519(&dir.join(&network.client_key))?;
    let roots = network
        .trust_roots
        .iter()
        .map(|p| fs::read_to_string(dir.join(p)).with_context(|| p.display().to_string()))
        .collect::<Result<Vec<_>>>()?;
    Ok(NodeClient::connect_as(address, &cert, &key, &roots).await?)
}

/// Validator processes started by this command.
#[derive(Debug)]
pub struct Processes {
    pub children: Vec<(String, Child)>,
}

/// Starts one `silkway node` process per validator, logging into its directory.
pub fn start_nodes(dir: &Path, network: &NetworkFile) -> Result<Processes> {
    let mut processes = Processes {
        children: Vec::new(),
    };
    for v in &network.validators {
        let config = dir.join(&v.config);
        let args = ["node".as_ref(), "--config".as_ref(), config.as_os_str()];
        spawn_logged(
            &mut processes,
            &v.name,
            &config.with_file_name("node.log"),
            &args,
        )?;
    }
    Ok(processes)
}

/// Starts `silkway <args>` as `name`, appending its output to `log_path`.
pub fn spawn_logged(
    processes: &mut Processes,
    name: &str,
    log_path: &Path,
    args: &[&std::ffi::OsStr],
) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find the silkway binary")?;
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .with_context(|| log_path.display().to_string())?;
    let child = Command::new(&exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {name}"))?;
    processes.children.push((name.to_string(), child));
    Ok(())
}

impl Processes {
    /// Asks every node to stop (SIGTERM), waits up to `grace`, then kills what is left.
    pub fn stop(&mut self, grace: Duration) {
        for (_, child) in &self.children {
            signal(child, nix::sys::signal::Signal::SIGTERM);
        }
        let deadline = std::time::Instant::now() + grace;
        for (name, child) in &mut self.children {
            loop {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if std::time::Instant::now() >= deadline => {
                        eprintln!("{name} did not stop in time; killing it");
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        }
    }

    /// The first validator that exited, with its status.
    pub fn exited(&mut self) -> Option<(String, std::process::ExitStatus)> {
        self.children.iter_mut().find_map(|(name, child)| {
            child
                .try_wait()
                .ok()
                .flatten()
                .map(|status| (name.clone(), status))
        })
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        // Never leave a validator behind, whatever path brought us here.
        for (_, child) in &mut self.children {
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

pub fn signal(child: &Child, signal: nix::sys::signal::Signal) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, signal);
}

pub fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

fn country_name(country: Country) -> &'static str {
    if country == Country::KZ {
        "Kazakhstan"
    } else {
        "China"
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    fs::write(path, text + "\n").with_context(|| path.display().to_string())
}

pub fn write_secret(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| path.display().to_string())?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

/// `silkway network`: lay out a local network without starting it.
#[derive(Debug, clap::Subcommand)]
pub enum NetworkCommand {
    /// Create CAs, certificates, the genesis and node configurations for a local network.
    Create {
        #[arg(long)]
        data_dir: PathBuf,
        /// Kazakh validators.
        #[arg(long, default_value_t = 2)]
        kz: usize,
        /// Chinese validators.
        #[arg(long, default_value_t = 2)]
        cn: usize,
        #[arg(long, default_value_t = 7100)]
        base_port: u16,
    },
}

pub fn run(command: NetworkCommand) -> Result<()> {
    match command {
        NetworkCommand::Create {
            data_dir,
            kz,
            cn,
            base_port,
        } => {
            if data_dir.join("network.json").exists() {
                anyhow::bail!("--data-dir: {} already holds a network", data_dir.display());
            }
            let mut parties = consensus::ledger::scenario::party_specs();
            parties.extend(
                crate::bench::bench_parties()
                    .into_iter()
                    .filter(|p| p.role != ParticipantRole::Operator),
            );
            let network = create(&Layout {
                dir: data_dir,
                countries: countries(kz, cn),
                base_port,
                parties,
                consensus: Default::default(),
            })?;
            println!("{}", serde_json::to_string_pretty(&network)?);
            Ok(())
        }
    }
}

/// Every validator's status, asked concurrently; `None` for one that does not answer.
pub async fn all_statuses(dir: &Path, network: &NetworkFile) -> Vec<Option<NodeStatus>> {
    let mut calls = tokio::task::JoinSet::new();
    for (index, v) in network.validators.iter().enumerate() {
        let (dir, network, address) = (dir.to_path_buf(), network.clone(), v.address);
        calls.spawn(async move {
            let call = async {
                let client = connect(&dir, &network, address).await.ok()?;
                client.status().await.ok()
            };
            let status = tokio::time::timeout(Duration::from_secs(2), call).await;
            (index, status.ok().flatten())
        });
    }
    let mut statuses = vec![None; network.validators.len()];
    while let Some(Ok((index, status))) = calls.join_next().await {
        statuses[index] = status;
    }
    statuses
}

/// Waits until every validator answers and has committed above genesis; fails when one of
/// `processes` exits or `within` passes. Returns the highest committed height.
pub async fn wait_until_committing(
    dir: &Path,
    network: &NetworkFile,
    processes: &mut Processes,
    within: Duration,
) -> Result<u64> {
    let started = std::time::Instant::now();
    loop {
        if let Some((name, status)) = processes.exited() {
            anyhow::bail!("validator {name} exited ({status}); see its node.log");
        }
        let statuses = all_statuses(dir, network).await;
        if statuses
            .iter()
            .all(|s| s.as_ref().is_some_and(|s| s.committed_height > 0))
        {
            return Ok(statuses
                .iter()
                .flatten()
                .map(|s| s.committed_height)
                .max()
                .unwrap_or(0));
        }
        if started.elapsed() > within {
            anyhow::bail!("the validators did not start committing within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
