//! `silkway keys`: signing keys on disk.
//!
//! Keys are written as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), the form `openssl` and the
//! consortium CA (`rcgen`) read, with file mode 0600, and never over an existing file unless
//! asked. Randomness comes from the operating system. SM2 keys arrive with the bridge-cn issue.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, KeypairBytes};
use ed25519_dalek::SigningKey;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a new signing key and write it as PKCS#8 PEM.
    Generate {
        #[arg(long, value_enum, default_value_t = Algorithm::Ed25519)]
        algorithm: Algorithm,
        /// Where to write the private key (mode 0600).
        #[arg(long)]
        out: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Algorithm {
    Ed25519,
}

pub fn run(command: KeysCommand) -> Result<()> {
    match command {
        KeysCommand::Generate {
            algorithm: Algorithm::Ed25519,
            out,
            force,
        } => {
            let key = generate_ed25519()?;
            write_key(&key, &out, force).with_context(|| out.display().to_string())?;
            let summary = json!({
                "algorithm": "ed25519",
                "public_key": hex::encode(key.verifying_key().as_bytes()),
                "out": out.display().to_string(),
            });
            println!("{summary:#}");
            Ok(())
        }
    }
}

/// A fresh Ed25519 key from the operating system's random source.
pub fn generate_ed25519() -> Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Reads a PKCS#8 PEM Ed25519 private key.
pub fn load_ed25519(path: &Path) -> Result<SigningKey> {
    let pem = std::fs::read_to_string(path).context("cannot read key file")?;
    SigningKey::from_pkcs8_pem(&pem)
        .map_err(|e| anyhow::anyhow!("not a PKCS#8 PEM Ed25519 private key: {e}"))
}

/// Writes `key` as PKCS#8 PEM to `out` with mode 0600, in the version-1 form of RFC 8410
/// (the private key only): OpenSSL 3.0 — and so curl — cannot read the version-2 form that
/// also carries the public key, which `SigningKey::to_pkcs8_pem` writes.
pub fn write_key(key: &SigningKey, out: &Path, force: bool) -> Result<()> {
    let pem = KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    }
    .to_pkcs8_pem(LineEnding::LF)
    .map_err(|e| anyhow::anyhow!("cannot encode key: {e}"))?;
    write_file(out, pem.as_bytes(), 0o600, force)
}

/// Writes a new file with `mode`, refusing to replace an existing one unless `force`. The mode
/// is set again after opening, since `mode` only applies to a file the open creates and a
/// replaced file must not keep looser permissions than a secret needs.
pub fn write_file(out: &Path, contents: &[u8], mode: u32, force: bool) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).mode(mode);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options
        .open(out)
        .context("cannot create file (use --force to overwrite an existing one)")?;
    file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}
