//! Integration: real `silkway node` processes on 127.0.0.1 talking QUIC with mutual TLS,
//! each with its own sled store.
//!
//! Each test lays out a network of 2 Kazakh and 2 Chinese validators with `silkway network
//! create` on its own ports, starts the validators as child processes, and talks to them as
//! the network's operator through the client protocol. Children are killed when a test ends,
//! whatever its outcome.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use consensus::identity::{self, IssueRequest};
use consensus::ledger::tx::{SignedTx, TxBody};
use consensus::net::client::{NodeClient, Request, SubmitResult};
use consensus::node::now_unix_s;
use consensus::participant::ParticipantRole;
use consensus::types::Digest;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::SigningKey;
use serde_json::Value;
use trade_docs::Country;

const BIN: &str = env!("CARGO_BIN_EXE_silkway");

struct Net {
    dir: tempfile::TempDir,
    network: Value,
    children: Vec<Option<Child>>,
}

impl Net {
    fn create(base_port: u16) -> Net {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(BIN)
            .args(["network", "create", "--kz", "2", "--cn", "2", "--base-port"])
            .arg(base_port.to_string())
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let network: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("network.json")).unwrap(),
        )
        .unwrap();
        let n = network["validators"].as_array().unwrap().len();
        let mut net = Net {
            dir,
            network,
            children: (0..n).map(|_| None).collect(),
        };
        for i in 0..n {
            net.start(i);
        }
        net
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn validator(&self, i: usize) -> &Value {
        &self.network["validators"][i]
    }

    fn start(&mut self, i: usize) {
        let config = self.path(self.validator(i)["config"].as_str().unwrap());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(config.with_file_name("node.log"))
            .unwrap();
        let child = Command::new(BIN)
            .arg("node")
            .arg("--config")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.children[i] = Some(child);
    }

    fn kill9(&mut self, i: usize) {
        let mut child = self.children[i].take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    fn key(&self, relative: &str) -> SigningKey {
        let pem = std::fs::read_to_string(self.path(relative)).unwrap();
        SigningKey::from_pkcs8_pem(&pem).unwrap()
    }

    fn operator_key(&self) -> SigningKey {
        self.key(self.network["client_key"].as_str().unwrap())
    }

    fn loader_key(&self) -> SigningKey {
        self.key("parties/corridor-load-generator/key.pem")
    }

    fn roots(&self) -> Vec<String> {
        ["ca/kz/ca.pem", "ca/cn/ca.pem"]
            .iter()
            .map(|p| std::fs::read_to_string(self.path(p)).unwrap())
            .collect()
    }

    async fn client_with(
        &self,
        i: usize,
        cert_pem: &str,
        key: &SigningKey,
    ) -> anyhow::Result<NodeClient> {
        let address = self.validator(i)["address"].as_str().unwrap().parse()?;
        Ok(NodeClient::connect_as(address, cert_pem, key, &self.roots()).await?)
    }

    async fn client(&self, i: usize) -> NodeClient {
        let cert = std::fs::read_to_string(
            self.path(self.network["client_certificate"].as_str().unwrap()),
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.client_with(i, &cert, &self.operator_key()).await {
                Ok(client) => return client,
                Err(e) if Instant::now() > deadline => panic!("validator {i} unreachable: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    async fn height(&self, i: usize) -> u64 {
        self.client(i)
            .await
            .status()
            .await
            .unwrap()
            .committed_height
    }

    /// Waits until validator `i` has committed `height`.
    async fn wait_height(&self, i: usize, height: u64, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let now = self.height(i).await;
            if now >= height {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "validator {i} stuck at height {now}, wanted {height}; logs in {}",
                self.dir.path().display()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for child in self.children.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            // Keep the logs of a failed run where a developer can read them.
            let kept = self.dir.path().with_extension("kept");
            let _ = std::fs::rename(self.dir.path(), &kept);
            eprintln!("network of the failed test kept in {}", kept.display());
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Submits `count` anchoring transactions, round-robin over `clients`; returns their hashes.
async fn submit_load(
    clients: &[NodeClient],
    key: &SigningKey,
    first_nonce: u64,
    count: usize,
) -> Vec<Digest> {
    let valid_until = consensus::node::now_ms() + 100_000;
    let mut hashes = Vec::new();
    for (turn, start) in (0..count).step_by(100).enumerate() {
        let txs: Vec<Vec<u8>> = (start..(start + 100).min(count))
            .map(|i| {
                consensus::ledger::scenario::bench_tx(key, first_nonce + i as u64, valid_until)
            })
            .collect();
        for result in clients[turn % clients.len()].submit(txs).await.unwrap() {
            match result {
                SubmitResult::Accepted(hash) => hashes.push(hash),
                SubmitResult::Refused(reason) => panic!("refused: {reason}"),
            }
        }
    }
    hashes
}

/// Waits until every hash has a committed outcome on validator client `client`; returns how
/// many were applied.
async fn wait_outcomes(client: &NodeClient, hashes: &[Digest], within: Duration) -> usize {
    let deadline = Instant::now() + within;
    let mut applied = 0;
    for hash in hashes {
        loop {
            if let Some(json) = client.query(&Request::Outcome { tx: *hash }).await.unwrap() {
                let outcome: Value = serde_json::from_str(&json).unwrap();
                applied += usize::from(outcome["applied"] == Value::Bool(true));
                break;
            }
            assert!(
                Instant::now() < deadline,
                "transaction {hash} not committed in time"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    applied
}

/// Collects (height → state root) from a validator's commit notices for `span`.
async fn roots_for(client: NodeClient, span: Duration) -> BTreeMap<u64, Digest> {
    let mut notices = client.watch_commits().await.unwrap();
    let mut roots = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + span;
    while let Ok(Some(notice)) = tokio::time::timeout_at(deadline, notices.recv()).await {
        roots.insert(notice.height, notice.state_root);
    }
    roots
}

#[test]
fn four_validators_commit_1000_transactions_and_agree_on_the_state_root() {
    let net = Net::create(7400);
    runtime().block_on(async {
        net.wait_height(0, 1, Duration::from_secs(60)).await;
        let mut clients = Vec::new();
        for i in 0..4 {
            clients.push(net.client(i).await);
        }
        let watchers: Vec<_> = clients
            .iter()
            .map(|c| tokio::spawn(roots_for(c.clone(), Duration::from_secs(20))))
            .collect();
        let hashes = submit_load(&clients, &net.loader_key(), 0, 1000).await;
        assert_eq!(hashes.len(), 1000);
        assert_eq!(
            wait_outcomes(&clients[2], &hashes, Duration::from_secs(60)).await,
            1000
        );
        let mut all = Vec::new();
        for w in watchers {
            all.push(w.await.unwrap());
        }
        let common: Vec<u64> = all[0]
            .keys()
            .filter(|h| all.iter().all(|roots| roots.contains_key(h)))
            .copied()
            .collect();
        assert!(
            common.len() >= 10,
            "too few heights seen by all four: {common:?}"
        );
        for h in common {
            let root = all[0][&h];
            for (i, roots) in all.iter().enumerate() {
                assert_eq!(
                    roots[&h], root,
                    "validator {i} has another state root at height {h}"
                );
            }
        }
    });
}

#[test]
fn a_killed_validator_is_not_missed_and_catches_up_after_restart() {
    let mut net = Net::create(7420);
    let rt = runtime();
    rt.block_on(net.wait_height(0, 1, Duration::from_secs(60)));
    net.kill9(3);
    rt.block_on(async {
        let before = net.height(0).await;
        net.wait_height(0, before + 10, Duration::from_secs(30))
            .await;
        let clients = vec![net.client(0).await, net.client(1).await];
        let hashes = submit_load(&clients, &net.loader_key(), 0, 200).await;
        assert_eq!(
            wait_outcomes(&clients[0], &hashes, Duration::from_secs(30)).await,
            200
        );
    });
    net.start(3);
    rt.block_on(async {
        let target = net.height(0).await;
        net.wait_height(3, target, Duration::from_secs(60)).await;
        // The restarted validator has the transactions committed while it was down.
        let restarted = net.client(3).await;
        let reference = net.client(0).await;
        let (a, b) = tokio::join!(
            roots_for(restarted, Duration::from_secs(5)),
            roots_for(reference, Duration::from_secs(5))
        );
        let common: Vec<_> = a.keys().filter(|h| b.contains_key(h)).collect();
        assert!(
            !common.is_empty(),
            "the restarted validator is not committing with the others"
        );
        for h in common {
            assert_eq!(a[h], b[h], "state roots differ at height {h}");
        }
    });
}

#[test]
fn a_certificate_from_an_unknown_ca_is_refused_at_the_handshake() {
    let net = Net::create(7440);
    runtime().block_on(async {
        net.wait_height(0, 1, Duration::from_secs(60)).await;
        let key = net.operator_key();
        let rogue_ca = identity::init_ca(Country::KZ, "Rogue Authority", now_unix_s(), 30).unwrap();
        let rogue_cert = identity::issue(
            &rogue_ca,
            &IssueRequest {
                org: "Silkway JV Kazakhstan".into(),
                name: "JV Operator KZ".into(),
                country: Country::KZ,
                role: ParticipantRole::Operator,
                key: key.clone(),
                validity_days: 30,
                dns_names: Vec::new(),
            },
            now_unix_s(),
        )
        .unwrap();
        let refused = match net.client_with(0, &rogue_cert, &key).await {
            Err(e) => e.to_string(),
            // A connection that slipped through must still be unusable.
            Ok(client) => match client.status().await {
                Err(e) => e.to_string(),
                Ok(_) => panic!("a certificate from an unknown CA was accepted"),
            },
        };
        assert!(!refused.is_empty());
        // The same key with the consortium's certificate is accepted.
        assert!(net.client(0).await.status().await.is_ok());
    });
}

#[test]
fn a_validator_revoked_on_the_ledger_is_cut_off() {
    let net = Net::create(7460);
    runtime().block_on(async {
        net.wait_height(0, 1, Duration::from_secs(60)).await;
        let client = net.client(0).await;
        let revoked_name = net.validator(3)["name"].as_str().unwrap().to_string();
        let revoked_key: [u8; 32] = hex::decode(net.validator(3)["public_key"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        // Before: validator 0 reaches the others.
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.status().await.unwrap().peers_connected.len() < 3 {
            assert!(
                Instant::now() < deadline,
                "validator 0 never reached all peers"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let tx = SignedTx::sign(
            &net.operator_key(),
            1,
            consensus::node::now_ms() + 60_000,
            TxBody::RevokeParticipant {
                public_key: revoked_key,
                reason: "key compromised (test)".into(),
            },
        )
        .unwrap()
        .encode()
        .unwrap();
        let hash = match client.submit(vec![tx]).await.unwrap().pop().unwrap() {
            SubmitResult::Accepted(hash) => hash,
            SubmitResult::Refused(reason) => panic!("revocation refused: {reason}"),
        };
        assert_eq!(
            wait_outcomes(&client, &[hash], Duration::from_secs(30)).await,
            1
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        let status = client.status().await.unwrap();
        assert!(
            !status.peers_connected.contains(&revoked_name),
            "validator 0 still connected to the revoked {revoked_name}: {:?}",
            status.peers_connected
        );
        // The others go on committing; the revoked validator falls behind and stays behind.
        let stalled = net.height(3).await;
        let before = net.height(0).await;
        net.wait_height(0, before + 10, Duration::from_secs(30))
            .await;
        assert!(
            net.height(3).await <= stalled + 1,
            "the revoked validator still follows the chain"
        );
        assert!(net
            .client(3)
            .await
            .status()
            .await
            .unwrap()
            .peers_connected
            .is_empty());
    });
}
