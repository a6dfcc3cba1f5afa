//! `silkway gateway --config gateway.toml`: runs one jurisdiction's gateway (HTTP API and
//! pages) next to a validator.
//!
//! This module reads the configuration and every file it names (paths relative to the file's
//! folder), loads the organizations' keys, the users and the pending approvals, and hands them
//! to `customs_gateway::server`. Errors name the file and the key at fault. The keys:
//! ```toml
//! listen = "127.0.0.1:8080"
//! jurisdiction = "KZ"
//! data_dir = "data"                        # users.json, approvals.json, documents/
//! auto_examine = true                      # examine new presentations for our banks
//! [node]
//! address = "127.0.0.1:7100"
//! certificate_file = "../../parties/silkwaychain-operator-kz/cert.pem"
//! key_file = "../../parties/silkwaychain-operator-kz/key.pem"
//! trust_roots = ["../../ca/kz/ca.pem", "../../ca/cn/ca.pem"]
//! [[orgs]]                                 # one per organization this gateway signs for
//! org = "STCBKZKAXXX"
//! key_file = "../../parties/steppe-commercial-bank/key.pem"
//! [peers]                                  # other jurisdictions' gateways
//! CN = "http://127.0.0.1:8081"
//! [limits]                                 # optional
//! upload_bytes_max = 8388608
//! [maker_checker]                          # optional: actions needing a second bank user
//! "STCBKZKAXXX" = ["issue_lc", "honour"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use customs_gateway::auth::approvals::{ApprovalLimits, Approvals};
use customs_gateway::auth::users::UserStore;
use customs_gateway::{GatewayConfig, GatewaySetup};

use crate::keys;
use crate::node::{read_named, read_toml, resolve};

#[derive(Debug, Args)]
pub struct GatewayArgs {
    /// The gateway's configuration file (TOML).
    #[arg(long)]
    pub config: PathBuf,
}

pub fn run(args: GatewayArgs) -> Result<()> {
    crate::node::init_logging();
    let setup = load(&args.config)?;
    customs_gateway::server::run_blocking(setup)
}

/// The users file and the approvals file of a gateway's data folder.
pub fn users_path(data_dir: &Path) -> PathBuf {
    data_dir.join("users.json")
}

pub fn approvals_path(data_dir: &Path) -> PathBuf {
    data_dir.join("approvals.json")
}

/// Reads a gateway configuration file and everything it names.
pub fn load(path: &Path) -> Result<GatewaySetup> {
    let mut config: GatewayConfig = read_toml(path)?;
    config.data_dir = resolve(path, &config.data_dir);
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("{}: key 'data_dir'", path.display()))?;
    let mut org_keys = BTreeMap::new();
    for (i, org) in config.orgs.iter().enumerate() {
        let key = keys::load_ed25519(&resolve(path, &org.key_file))
            .with_context(|| format!("{}: key 'orgs[{i}].key_file'", path.display()))?;
        org_keys.insert(org.org.clone(), key);
    }
    let node_key = keys::load_ed25519(&resolve(path, &config.node.key_file))
        .with_context(|| format!("{}: key 'node.key_file'", path.display()))?;
    let trust_roots_pem = config
        .node
        .trust_roots
        .iter()
        .enumerate()
        .map(|(i, p)| read_named(path, &format!("node.trust_roots[{i}]"), p))
        .collect::<Result<Vec<_>>>()?;
    let node = actors::ledger::NodeAccess {
        address: config.node.address,
        certificate_pem: read_named(path, "node.certificate_file", &config.node.certificate_file)?,
        key: node_key,
        trust_roots_pem,
    };
    let users = UserStore::load(&users_path(&config.data_dir))
        .map_err(|e| anyhow::anyhow!("{}: key 'data_dir': {e}", path.display()))?;
    let approvals_file = approvals_path(&config.data_dir);
    let approvals = if approvals_file.exists() {
        Approvals::load(&approvals_file, ApprovalLimits::default())
            .map_err(|e| anyhow::anyhow!("{}: key 'data_dir': {e}", path.display()))?
    } else {
        Approvals::new(ApprovalLimits::default())
    };
    Ok(GatewaySetup {
        config,
        org_keys,
        node,
        users,
        approvals,
    })
}

/// A gateway of the local demo network.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DemoGateway {
    pub country: trade_docs::Country,
    pub url: String,
    /// The HTTPS listener for API clients with a consortium client certificate; its server
    /// certificate names `silkway.node`, so clients resolve that name to this address.
    pub https_listen: String,
    /// The configuration file, relative to the network folder.
    pub config: PathBuf,
}

/// One demo user with its secrets, as written to `demo-users.json`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DemoUser {
    pub login: String,
    pub display_name: String,
    pub org: String,
    pub role: customs_gateway::auth::users::UserRole,
    pub country: trade_docs::Country,
    /// The gateway this user signs in to.
    pub gateway: String,
    pub password: String,
    pub totp_secret_b32: Option<String>,
    pub token: String,
}

/// What `demo-users.json` holds.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DemoUsers {
    pub gateways: Vec<DemoGateway>,
    pub users: Vec<DemoUser>,
}

pub const DEMO_USERS: &str = "demo-users.json";

/// How far above its HTTP port a demo gateway listens for HTTPS (8080 → 8443).
pub const DEMO_HTTPS_OFFSET: u16 = 363;

/// Lays out one gateway per country of the network (Kazakh at `port`, Chinese at `port + 1`,
/// HTTPS for client certificates [`DEMO_HTTPS_OFFSET`] above each),
/// each with a user per party of that country, and writes every user's secrets to
/// `<dir>/demo-users.json`.
pub fn create_demo(
    dir: &Path,
    network: &crate::network::NetworkFile,
    specs: &[consensus::ledger::scenario::PartySpec],
    port: u16,
) -> Result<DemoUsers> {
    use consensus::participant::ParticipantRole as P;
    use customs_gateway::auth::users::{new_user_with_params, UserRole, UserStore};
    use trade_docs::Country;
    let countries = [(Country::KZ, "kz", port), (Country::CN, "cn", port + 1)];
    let url = |p: u16| format!("http://127.0.0.1:{p}");
    let https_listen = |p: u16| format!("127.0.0.1:{}", p + DEMO_HTTPS_OFFSET);
    let mut gateways = Vec::new();
    let mut users = Vec::new();
    // Cheap argon2 parameters: these are throw-away demo passwords, and the demo creates a
    // dozen users at start-up. Real deployments use `new_user` with the default parameters.
    let params = argon2::Params::new(8 * 1024, 1, 1, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    for (country, code, gw_port) in countries {
        let gdir = dir.join("gateways").join(code);
        std::fs::create_dir_all(gdir.join("data"))?;
        let node = network
            .validators
            .iter()
            .find(|v| v.country == country)
            .with_context(|| format!("the network has no {country} validator"))?;
        let operator = specs
            .iter()
            .find(|s| s.country == country && s.role == P::Operator)
            .with_context(|| format!("no {country} operator party"))?;
        let local: Vec<_> = specs
            .iter()
            .filter(|s| s.country == country && s.role != P::Validator)
            .collect();
        let party =
            |name: &str, file: &str| format!("../../parties/{}/{file}", crate::network::slug(name));
        let mut toml = format!(
            "listen = \"127.0.0.1:{gw_port}\"\njurisdiction = \"{country}\"\ndata_dir = \"data\"\n\n[tls]\nlisten = \"{}\"\n\n[node]\naddress = \"{}\"\ncertificate_file = \"{}\"\nkey_file = \"{}\"\ntrust_roots = [\"../../ca/kz/ca.pem\", \"../../ca/cn/ca.pem\"]\n",
            https_listen(gw_port),
            node.address,
            party(&operator.name, "cert.pem"),
            party(&operator.name, "key.pem"),
        );
        for spec in &local {
            toml.push_str(&format!(
                "\n[[orgs]]\norg = \"{}\"\nkey_file = \"{}\"\n",
                spec.org,
                party(&spec.name, "key.pem")
            ));
        }
        toml.push_str("\n[peers]\n");
        for (other, _, other_port) in countries.iter().filter(|c| c.0 != country) {
            toml.push_str(&format!("{other} = \"{}\"\n", url(*other_port)));
        }
        toml.push_str("\n# Maker/checker: actions of a bank that need a second user, e.g.\n# [maker_checker]\n# \"STCBKZKAXXX\" = [\"issue_lc\", \"honour\"]\n");
        std::fs::write(gdir.join("gateway.toml"), toml)?;
        let mut store = UserStore::new();
        for spec in &local {
            let role = match spec.role {
                P::Bank => UserRole::Bank,
                P::Exporter => UserRole::Exporter,
                P::Customs => UserRole::Customs,
                _ => UserRole::Operator,
            };
            let login = crate::network::slug(&spec.name);
            let (record, secrets) =
                new_user_with_params(&login, &spec.name, &spec.org, role, &params)
                    .map_err(|e| anyhow::anyhow!("demo user {login}: {e}"))?;
            store
                .insert(record)
                .map_err(|e| anyhow::anyhow!("demo user {login}: {e}"))?;
            users.push(DemoUser {
                login,
                display_name: spec.name.clone(),
                org: spec.org.clone(),
                role,
                country,
                gateway: url(gw_port),
                password: secrets.password,
                totp_secret_b32: secrets.totp_secret_b32,
                token: secrets.token,
            });
        }
        store
            .save(&users_path(&gdir.join("data")))
            .map_err(|e| anyhow::anyhow!("{}: {e}", gdir.display()))?;
        gateways.push(DemoGateway {
            country,
            url: url(gw_port),
            https_listen: https_listen(gw_port),
            config: PathBuf::from("gateways").join(code).join("gateway.toml"),
        });
    }
    let demo = DemoUsers { gateways, users };
    // The file holds live passwords, TOTP secrets and tokens: readable by its owner only.
    crate::network::write_secret(
        &dir.join(DEMO_USERS),
        &(serde_json::to_string_pretty(&demo)? + "\n"),
    )?;
    Ok(demo)
}

/// Reads `<dir>/demo-users.json`.
pub fn read_demo(dir: &Path) -> Result<DemoUsers> {
    let path = dir.join(DEMO_USERS);
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    serde_json::from_str(&text).with_context(|| path.display().to_string())
}

/// Starts a `silkway gateway` process per demo gateway, logging into its folder.
pub fn start_demo(
    dir: &Path,
    demo: &DemoUsers,
    processes: &mut crate::network::Processes,
) -> Result<()> {
    for g in &demo.gateways {
        let config = dir.join(&g.config);
        let name = format!("gateway-{}", g.country);
        crate::network::spawn_logged(
            processes,
            &name,
            &config.with_file_name("gateway.log"),
            &["gateway".as_ref(), "--config".as_ref(), config.as_os_str()],
        )?;
    }
    Ok(())
}

/// Waits until every demo gateway accepts connections; fails as soon as a process exits.
pub async fn wait_ready(
    demo: &DemoUsers,
    processes: &mut crate::network::Processes,
    timeout: std::time::Duration,
) -> Result<()> {
    let started = std::time::Instant::now();
    for g in &demo.gateways {
        let addr: std::net::SocketAddr = g
            .url
            .trim_start_matches("http://")
            .parse()
            .with_context(|| g.url.clone())?;
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                break;
            }
            if let Some((name, status)) = processes.exited() {
                anyhow::bail!("{name} exited ({status}); see its log");
            }
            if started.elapsed() > timeout {
                anyhow::bail!(
                    "gateway {} did not start within {timeout:?}; see its gateway.log",
                    g.url
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
    Ok(())
}

/// `silkway totp --secret BASE32`: the current one-time code, as an authenticator app shows
/// it (for demo users and scripted sign-ins).
#[derive(Debug, Args)]
pub struct TotpArgs {
    /// The TOTP secret in base32 (`totp_secret_b32` in demo-users.json).
    #[arg(long)]
    pub secret: String,
}

pub fn totp(args: TotpArgs) -> Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let code = customs_gateway::auth::users::totp_now(args.secret.trim(), now)
        .map_err(|e| anyhow::anyhow!("--secret: {e}"))?;
    println!("{code}");
    Ok(())
}
