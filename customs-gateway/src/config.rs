//! The gateway's configuration: one typed struct, loaded and path-resolved by `ops`.
//!
//! Every field has its unit in its name and unknown keys are refused, so a misspelt key is an
//! error naming it rather than a silently ignored setting. Paths are taken as given; `ops`
//! resolves them against the configuration file's folder before handing the struct over.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;
use trade_docs::Country;

/// A gateway serves one jurisdiction's users next to one of its validators.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// Where HTTP is served, e.g. `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// The jurisdiction whose documents this gateway stores.
    pub jurisdiction: Country,
    /// Users, sessions' persistent parts, approvals and the document store live here.
    pub data_dir: PathBuf,
    pub node: NodeConfig,
    /// The organizations whose keys this gateway holds and signs for.
    pub orgs: Vec<OrgKey>,
    /// Gateways of the other jurisdictions, by country code, e.g. `CN = "http://127.0.0.1:8081"`:
    /// where this gateway fetches a document held abroad, under a ledger grant.
    #[serde(default)]
    pub peers: BTreeMap<Country, String>,
    #[serde(default)]
    pub limits: Limits,
    /// Per organization, the actions that need a second user's approval (maker/checker),
    /// e.g. `"STCBKZKAXXX" = ["issue_lc", "honour"]`.
    #[serde(default)]
    pub maker_checker: BTreeMap<String, Vec<String>>,
    /// Background examination of new presentations for the banks this gateway serves.
    #[serde(default = "default_true")]
    pub auto_examine: bool,
    /// An HTTPS listener where API clients authenticate with their consortium certificate.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
}

/// The HTTPS listener: mutual TLS with consortium certificates. The gateway presents the
/// certificate it connects to its node with.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub listen: SocketAddr,
}

/// The validator this gateway talks to, and the identity it connects as.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    pub address: SocketAddr,
    pub certificate_file: PathBuf,
    pub key_file: PathBuf,
    pub trust_roots: Vec<PathBuf>,
}

/// An organization's signing key held by this gateway.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgKey {
    /// Its ledger party id, e.g. `STCBKZKAXXX`.
    pub org: String,
    pub key_file: PathBuf,
}

/// Bounds on what one request may carry and how long the gateway waits.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest accepted upload (a document file).
    pub upload_bytes_max: usize,
    /// Largest JSON or text body.
    pub body_bytes_max: usize,
    /// How long a submission may take to commit before the caller is told to check later.
    pub commit_wait_ms: u64,
    /// Documents kept in this gateway's store, at most.
    pub documents_max: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            upload_bytes_max: 8 * 1024 * 1024,
            body_bytes_max: 256 * 1024,
            commit_wait_ms: 15_000,
            documents_max: 100_000,
        }
    }
}

fn default_true() -> bool {
    true
}
