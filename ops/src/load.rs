//! `silkway bench-load` (hidden): the load process of `silkway bench`.
//!
//! Signs anchoring transactions of about 300 bytes as the bench's load party, submits them in
//! batches round-robin to every validator (at `--rate` per second, or flat out with a bounded
//! number of batches in flight), watches commits on the first validator, and writes
//! `{"submitted","committed","tx_per_s","p50_ms","p99_ms"}` to `--out`, where latency is from
//! the submission of a batch to the commit notice that carries each transaction.
//!
//! Bounds: at most `IN_FLIGHT_MAX` batches of `BATCH_TXS` transactions outstanding; a validator
//! that refuses a call is skipped for a second.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use consensus::net::client::{NodeClient, SubmitResult};
use consensus::types::Digest;
use serde_json::json;

use crate::network;

#[derive(Debug, Args)]
pub struct LoadArgs {
    #[arg(long)]
    pub data_dir: PathBuf,
    #[arg(long)]
    pub duration: u64,
    #[arg(long)]
    pub rate: Option<u64>,
    #[arg(long)]
    pub out: PathBuf,
}

const BATCH_TXS: usize = 200;
const IN_FLIGHT_MAX: usize = 8;
/// How long after the load stops commits are still awaited.
const DRAIN: Duration = Duration::from_secs(5);

type Pending = Arc<Mutex<HashMap<Digest, Instant>>>;

pub fn run(args: LoadArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = runtime.block_on(load(&args))?;
    std::fs::write(&args.out, report.to_string()).with_context(|| args.out.display().to_string())
}

async fn load(args: &LoadArgs) -> Result<serde_json::Value> {
    let dir = &args.data_dir;
    let network = network::read_network(dir)?;
    let specs = crate::bench::bench_parties();
    let parties = network::load_parties(dir, &specs)?;
    let key = parties
        .iter()
        .find(|(p, _)| p.name == crate::bench::LOADER)
        .map(|(_, k)| k.clone())
        .context("no load party in the network")?;
    let mut clients = Vec::new();
    for v in &network.validators {
        clients.push(network::connect(dir, &network, v.address).await?);
    }
    let pending: Pending = Arc::default();
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let mut commits = clients[0].watch_commits().await?;
    let watcher = {
        let (pending, latencies) = (pending.clone(), latencies.clone());
        tokio::spawn(async move {
            while let Some(notice) = commits.recv().await {
                let now = Instant::now();
                let mut pending = lock(&pending);
                let mut latencies = lock(&latencies);
                for hash in &notice.tx_hashes {
                    if let Some(sent) = pending.remove(hash) {
                        latencies.push((now - sent).as_secs_f64() * 1000.0);
                    }
                }
            }
        })
    };
    let started = Instant::now();
    let submitted = submit_for(args, &clients, &key, &pending).await;
    let load_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(DRAIN).await;
    watcher.abort();
    let mut latencies = lock(&latencies).clone();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| -> Option<f64> {
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(i).map(|x| (x * 10.0).round() / 10.0)
    };
    Ok(json!({
        "submitted": submitted,
        "committed": latencies.len(),
        "tx_per_s": (latencies.len() as f64 / load_s).round(),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
    }))
}

/// Submits until the duration is over; returns how many transactions the nodes accepted.
async fn submit_for(
    args: &LoadArgs,
    clients: &[NodeClient],
    key: &ed25519_dalek::SigningKey,
    pending: &Pending,
) -> usize {
    let end = Instant::now() + Duration::from_secs(args.duration);
    let slots = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT_MAX));
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let batch_interval = args
        .rate
        .map(|r| Duration::from_secs_f64(BATCH_TXS as f64 / r.max(1) as f64));
    let mut next_at = Instant::now();
    let mut nonce = 0u64;
    let mut turn = 0usize;
    while Instant::now() < end {
        if let Some(interval) = batch_interval {
            tokio::time::sleep_until(next_at.into()).await;
            next_at += interval;
        }
        let Ok(permit) = slots.clone().acquire_owned().await else {
            break;
        };
        let valid_until = consensus::node::now_ms() + 100_000;
        let txs: Vec<Vec<u8>> = (0..BATCH_TXS)
            .map(|i| consensus::ledger::scenario::bench_tx(key, nonce + i as u64, valid_until))
            .collect();
        nonce += BATCH_TXS as u64;
        let client = clients[turn % clients.len()].clone();
        turn += 1;
        let (pending, accepted) = (pending.clone(), accepted.clone());
        tokio::spawn(async move {
            let sent = Instant::now();
            let hashes: Vec<Digest> = txs
                .iter()
                .map(|tx| consensus::types::transaction_hash(tx))
                .collect();
            lock(&pending).extend(hashes.iter().map(|h| (*h, sent)));
            match client.submit(txs).await {
                Ok(results) => {
                    let ok = results
                        .iter()
                        .filter(|r| matches!(r, SubmitResult::Accepted(_)))
                        .count();
                    accepted.fetch_add(ok, std::sync::atomic::Ordering::Relaxed);
                }
                Err(_) => {
                    {
                        let mut pending = lock(&pending);
                        for h in &hashes {
                            pending.remove(h);
                        }
                    }
                    // A validator that is down: give the others its turn for a while.
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            drop(permit);
        });
    }
    let _ = slots.acquire_many(IN_FLIGHT_MAX as u32).await;
    accepted.load(std::sync::atomic::Ordering::Relaxed)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
