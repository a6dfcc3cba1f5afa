//! `silkway ca`: the consortium CA on disk.
//!
//! `ca init` writes a jurisdiction's root (`ca.pem`, and `ca.key` with mode 0600); `ca issue`
//! writes a participant's `cert.pem`, a new `key.pem` (mode 0600) unless `--key` names an
//! existing one, and `ca.pem`, a copy of the root; `ca show` prints what a certificate says.
//! Certificates are made and read by `consensus::identity`; this file only reads the clock,
//! reads and writes files, and names the flag or file at fault in every error. It never
//! overwrites a file unless `--force` is given.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use consensus::identity::{
    ders_from_pem, init_ca, issue, parse_participant, CaBundle, IdentityError, IssueRequest,
    ParticipantRole,
};
use serde_json::json;
use trade_docs::Country;

use crate::keys;

#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Create a jurisdiction's root CA: DIR/ca.pem and DIR/ca.key (mode 0600).
    Init {
        /// The jurisdiction: KZ or CN.
        #[arg(long, value_parser = corridor_country)]
        country: Country,
        /// The directory to write to (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The root's organization (O).
        #[arg(long, default_value = "SilkwayChain consortium")]
        org: String,
        #[arg(long, default_value_t = 3650)]
        validity_days: u32,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// Issue a participant certificate signed by a root: DIR/cert.pem, DIR/key.pem, DIR/ca.pem.
    Issue(IssueArgs),
    /// Print what a certificate (PEM or DER) says about its holder, as JSON.
    Show { file: PathBuf },
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// validator, bank, customs, exporter or operator.
    #[arg(long)]
    role: ParticipantRole,
    /// The participant's organization (O).
    #[arg(long)]
    org: String,
    /// The participant's jurisdiction, which must be the root's: KZ or CN.
    #[arg(long, value_parser = corridor_country)]
    country: Country,
    /// The directory holding the root (ca.pem and ca.key).
    #[arg(long)]
    ca: PathBuf,
    /// The directory to write to (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// The common name (CN), e.g. kz-validator-1; defaults to --org.
    #[arg(long)]
    name: Option<String>,
    /// An existing PKCS#8 PEM Ed25519 key to certify (e.g. a validator's consensus key);
    /// without it a new key is generated and written to DIR/key.pem.
    #[arg(long)]
    key: Option<PathBuf>,
    #[arg(long, default_value_t = 365)]
    validity_days: u32,
    /// An extra DNS name for the certificate (repeatable).
    #[arg(long = "dns-name")]
    dns_names: Vec<String>,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

pub fn run(command: CaCommand) -> Result<()> {
    match command {
        CaCommand::Init {
            country,
            out,
            org,
            validity_days,
            force,
        } => run_init(country, &out, &org, validity_days, force),
        CaCommand::Issue(args) => run_issue_command(args),
        CaCommand::Show { file } => {
            let summary = show(&file).with_context(|| file.display().to_string())?;
            println!("{summary:#}");
            Ok(())
        }
    }
}

fn run_init(
    country: Country,
    out: &Path,
    org: &str,
    validity_days: u32,
    force: bool,
) -> Result<()> {
    let bundle = init_ca(country, org, now_unix_s()?, validity_days).map_err(flag_error)?;
    create_dir(out)?;
    let (cert, key) = (out.join("ca.pem"), out.join("ca.key"));
    refuse_existing(&[&cert, &key], force)?;
    write(&key, bundle.key_pem.as_bytes(), 0o600, force)?;
    write(&cert, bundle.cert_pem.as_bytes(), 0o644, force)?;
    let summary = json!({
        "country": country,
        "org": org,
        "cert": cert.display().to_string(),
        "key": key.display().to_string(),
    });
    println!("{summary:#}");
    Ok(())
}

fn run_issue_command(args: IssueArgs) -> Result<()> {
    // A generated key is written next to the certificate; a given one stays where it is.
    let (key, new_key) = match &args.key {
        Some(path) => (
            keys::load_ed25519(path).with_context(|| format!("--key {}", path.display()))?,
            None,
        ),
        None => (keys::generate_ed25519()?, Some(args.out.join("key.pem"))),
    };
    let request = IssueRequest {
        name: args.name.unwrap_or_else(|| args.org.clone()),
        org: args.org,
        country: args.country,
        role: args.role,
        key,
        validity_days: args.validity_days,
        dns_names: args.dns_names,
    };
    run_issue(&request, &args.ca, &args.out, new_key, args.force)
}

/// Issues and writes the certificate, the root's copy and, if `new_key`, the generated key.
fn run_issue(
    request: &IssueRequest,
    ca_dir: &Path,
    out: &Path,
    new_key: Option<PathBuf>,
    force: bool,
) -> Result<()> {
    let bundle = read_ca(ca_dir)?;
    let cert_pem = issue(&bundle, request, now_unix_s()?).map_err(flag_error)?;
    let der = ders_from_pem(&cert_pem)?.remove(0);
    let participant = parse_participant(&der)?;
    create_dir(out)?;
    let (cert, ca) = (out.join("cert.pem"), out.join("ca.pem"));
    let mut targets = vec![&cert, &ca];
    targets.extend(new_key.as_ref());
    refuse_existing(&targets, force)?;
    if let Some(path) = &new_key {
        keys::write_key(&request.key, path, force).with_context(|| path.display().to_string())?;
    }
    write(&cert, cert_pem.as_bytes(), 0o644, force)?;
    write(&ca, bundle.cert_pem.as_bytes(), 0o644, force)?;
    let mut summary = serde_json::to_value(&participant)?;
    summary["cert"] = json!(cert.display().to_string());
    summary["ca"] = json!(ca.display().to_string());
    if let Some(path) = &new_key {
        summary["key"] = json!(path.display().to_string());
    }
    println!("{summary:#}");
    Ok(())
}

fn show(file: &Path) -> Result<serde_json::Value> {
    let bytes = std::fs::read(file).context("cannot read certificate file")?;
    // PEM if it reads as PEM, DER otherwise.
    let der = match std::str::from_utf8(&bytes).ok().map(ders_from_pem) {
        Some(Ok(mut ders)) => ders.remove(0).to_vec(),
        _ => bytes,
    };
    Ok(serde_json::to_value(parse_participant(&der)?)?)
}

fn read_ca(dir: &Path) -> Result<CaBundle> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path)
            .with_context(|| format!("--ca {}: cannot read {}", dir.display(), path.display()))
    };
    Ok(CaBundle {
        cert_pem: read("ca.pem")?,
        key_pem: read("ca.key")?,
    })
}

/// The corridor's jurisdictions: only Kazakhstan and China run consortium roots.
fn corridor_country(text: &str) -> Result<Country, String> {
    match text.parse::<Country>() {
        Ok(country) if country == Country::KZ || country == Country::CN => Ok(country),
        _ => Err("expected KZ or CN, the corridor's jurisdictions".into()),
    }
}

/// Names the command-line flag behind a request error.
fn flag_error(error: IdentityError) -> anyhow::Error {
    let flag = match &error {
        IdentityError::InvalidRequest { field, .. } => match *field {
            "org" => "--org",
            "name" => "--name",
            "validity_days" => "--validity-days",
            "dns_names" => "--dns-name",
            "country" => "--country",
            _ => return error.into(),
        },
        IdentityError::CountryMismatch { .. } => "--country",
        IdentityError::Pem { .. } | IdentityError::CaKeyMismatch => "--ca",
        _ => return error.into(),
    };
    anyhow::Error::new(error).context(flag)
}

fn refuse_existing(paths: &[&PathBuf], force: bool) -> Result<()> {
    match paths.iter().find(|path| path.exists()) {
        Some(path) if !force => anyhow::bail!(
            "{}: already exists (use --force to overwrite)",
            path.display()
        ),
        _ => Ok(()),
    }
}

fn write(path: &Path, contents: &[u8], mode: u32, force: bool) -> Result<()> {
    keys::write_file(path, contents, mode, force).with_context(|| path.display().to_string())
}

fn create_dir(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("--out {}", out.display()))
}

fn now_unix_s() -> Result<i64> {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?;
    Ok(i64::try_from(since_epoch.as_secs())?)
}
