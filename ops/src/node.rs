//! `silkway node --config node.toml`: runs one validator.
//!
//! The configuration is TOML, one table per concern; paths in it are relative to the file's
//! own directory. Every error names the key at fault (`consensus.round_timeout_ms: invalid
//! type ...`) or the file it could not read. Logging goes to stderr through
//! `tracing-subscriber` (`RUST_LOG` filters it; default `info`). SIGINT and SIGTERM stop the
//! node cleanly: the core thread finishes its step, the store is flushed, connections close.
//!
//! The keys (see `consensus::node::NodeConfig` for their meaning):
//! ```toml
//! name = "kz-validator-1"
//! listen = "127.0.0.1:7100"
//! data_dir = "store"                      # sled store
//! key_file = "key.pem"                    # Ed25519 PKCS#8: consensus and TLS key
//! certificate_file = "cert.pem"           # issued by `silkway ca issue --role validator`
//! genesis_file = "../../genesis.json"
//! trust_roots = ["../../ca/kz/ca.pem", "../../ca/cn/ca.pem"]
//! [[peers]]                               # one per other validator
//! name = "cn-validator-1"
//! public_key = "<64 hex digits>"
//! address = "127.0.0.1:7104"
//! [consensus]                             # optional; engine and node bounds
//! round_timeout_ms = 1000
//! [transport]                             # optional; queue and frame bounds, backoff
//! send_queue_len_max = 1024
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use consensus::ledger::Genesis;
use consensus::node::{NodeConfig, NodeSetup};

use crate::keys;

#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The node's configuration file (TOML).
    #[arg(long)]
    pub config: PathBuf,
}

pub fn run(args: NodeArgs) -> Result<()> {
    init_logging();
    let setup = load(&args.config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async { consensus::node::run(setup, shutdown_signal()).await })?;
    Ok(())
}

/// Reads a TOML configuration file into `T`; errors name the file and the key at fault.
pub fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let deserializer =
        toml::Deserializer::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    serde_path_to_error::deserialize(deserializer)
        .map_err(|e| anyhow::anyhow!("{}: key '{}': {}", path.display(), e.path(), e.inner()))
}

/// Resolves a path from a configuration file against the file's own folder.
pub fn resolve(config: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        config.parent().unwrap_or(Path::new(".")).join(p)
    }
}

/// Reads a file a configuration key names; the error names the file and the key.
pub fn read_named(config: &Path, key: &str, p: &Path) -> Result<String> {
    let p = resolve(config, p);
    fs::read_to_string(&p).with_context(|| {
        format!(
            "{}: key '{key}': cannot read {}",
            config.display(),
            p.display()
        )
    })
}

/// Reads a configuration file and everything it names.
pub fn load(path: &Path) -> Result<NodeSetup> {
    let mut config: NodeConfig = read_toml(path)?;
    let resolve = |p: &Path| resolve(path, p);
    config.data_dir = resolve(&config.data_dir);
    let read = |key: &str, p: &Path| read_named(path, key, p);
    let key = keys::load_ed25519(&resolve(&config.key_file))
        .with_context(|| format!("{}: key 'key_file'", path.display()))?;
    let certificate_pem = read("certificate_file", &config.certificate_file)?;
    let genesis_text = read("genesis_file", &config.genesis_file)?;
    let genesis: Genesis = serde_json::from_str(&genesis_text)
        .with_context(|| format!("{}: key 'genesis_file': not a genesis", path.display()))?;
    let trust_roots_pem = config
        .trust_roots
        .iter()
        .enumerate()
        .map(|(i, p)| read(&format!("trust_roots[{i}]"), p))
        .collect::<Result<Vec<_>>>()?;
    Ok(NodeSetup {
        config,
        key,
        certificate_pem,
        genesis,
        trust_roots_pem,
    })
}

pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
