//! `silkway status`: each validator's country, height, view, leader, connected peers and lag,
//! asked over the client protocol as the network's operator.
//!
//! Lag is how many blocks a validator's committed height is behind the highest one reported.
//! A validator that does not answer within two seconds is shown as down. `--json` prints the
//! same as one JSON array.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use crate::network;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The network directory (as made by `silkway demo`).
    #[arg(long, default_value = "./silkway-demo")]
    pub data_dir: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: StatusArgs) -> Result<()> {
    let network = network::read_network(&args.data_dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let statuses = runtime.block_on(network::all_statuses(&args.data_dir, &network));
    let top = statuses
        .iter()
        .flatten()
        .map(|s| s.committed_height)
        .max()
        .unwrap_or(0);
    if args.json {
        let rows: Vec<_> = network
            .validators
            .iter()
            .zip(&statuses)
            .map(|(v, s)| match s {
                Some(s) => json!({
                    "name": v.name, "country": v.country.as_str(), "up": true,
                    "height": s.committed_height, "view": s.view, "leader": s.leader,
                    "peers": s.peers_connected.len(), "lag": top - s.committed_height,
                    "mempool": s.mempool_len, "halted": s.halted,
                }),
                None => json!({"name": v.name, "country": v.country.as_str(), "up": false}),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!(
        "{:<16} {:<7} {:>8} {:>8} {:<16} {:>5} {:>5} {:>8}  state",
        "validator", "country", "height", "view", "leader", "peers", "lag", "mempool"
    );
    for (v, s) in network.validators.iter().zip(&statuses) {
        match s {
            Some(s) => println!(
                "{:<16} {:<7} {:>8} {:>8} {:<16} {:>5} {:>5} {:>8}  {}",
                v.name,
                v.country.as_str(),
                s.committed_height,
                s.view,
                s.leader,
                format!(
                    "{}/{}",
                    s.peers_connected.len(),
                    s.validators.saturating_sub(1)
                ),
                top - s.committed_height,
                s.mempool_len,
                s.halted
                    .as_deref()
                    .map_or("ok".to_string(), |r| format!("halted: {r}")),
            ),
            None => println!("{:<16} {:<7} {:>8}", v.name, v.country.as_str(), "down"),
        }
    }
    Ok(())
}
