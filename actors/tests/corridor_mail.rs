//! The corridor tree end to end on an in-memory ledger (the trade ledger application and a
//! block store, answering the node's `Blocks` query with the node's own function), mailing a
//! REAL SMTP server started by the test: Python's `aiosmtpd`, writing a Maildir.
//!
//! The PRODUCT.md §7 story runs in two halves; between them the notifier is killed and
//! restarted by its supervisor (replaying the ledger from height 0); after them a customs post
//! orders an inspection and the clock moves past Aktau's service-level time; finally the whole
//! tree is stopped and started again on the same data directory. Every email must arrive
//! exactly once: each Message-ID once, and the expected set of (recipient, subject).
//!
//! Needs `python3 -m pip install aiosmtpd`. Without it the test says so loudly and passes,
//! unless `SILKWAY_CI` is set, where it fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actors::clock::ManualClock;
use actors::follow::{LedgerSource, SourceFuture};
use actors::ledger::{Committed, LedgerError};
use actors::notify::MailConfig;
use actors::tree::{self, CorridorConfig, CorridorHandle};
use consensus::app::Application;
use consensus::ledger::scenario::{self, demo_parties, party_specs, Party};
use consensus::ledger::{query, CommittedBlock, Genesis, InstrumentAction, InstrumentRecord};
use consensus::ledger::{SignedTx, TradeApp, TxBody};
use consensus::store::{MemoryStore, Record};
use consensus::types::{transaction_hash, Block, Digest};
use trade_docs::instrument::{DeclarationAction, Role};

const DAY_MS: u64 = 86_400_000;
const HOUR_MS: u64 = 3_600_000;
/// Noon UTC, Wednesday 15 April 2026.
const START_MS: u64 = 20_558 * DAY_MS + DAY_MS / 2;

/// The trade ledger in memory, one block per `execute`.
#[derive(Debug)]
struct MemLedger {
    inner: Mutex<(TradeApp, MemoryStore, u64)>,
}

impl MemLedger {
    fn new(parties: &[Party]) -> MemLedger {
        let app = TradeApp::new(&Genesis {
            chain_id: "corridor-mail".into(),
            validators: Vec::new(),
            participants: parties.iter().map(|p| p.participant.clone()).collect(),
        });
        MemLedger {
            inner: Mutex::new((app, MemoryStore::default(), 0)),
        }
    }

    fn execute(&self, txs: Vec<Vec<u8>>) -> u64 {
        let mut inner = self.inner.lock().unwrap();
        let (app, store, height) = &mut *inner;
        *height += 1;
        let block = Block {
            height: *height,
            round: *height,
            timestamp_ms: START_MS + *height,
            transactions: txs,
            ..Block::genesis()
        };
        let id = block.id();
        app.execute(&block, &id);
        store.apply(&Record::Block(block));
        store.apply(&Record::Committed {
            height: *height,
            block_id: id,
        });
        *height
    }

    fn height(&self) -> u64 {
        self.inner.lock().unwrap().2
    }
}

impl LedgerSource for MemLedger {
    fn blocks(&self, after_height: u64, limit: u32) -> SourceFuture<'_, Vec<CommittedBlock>> {
        let inner = self.inner.lock().unwrap();
        let page = query::blocks(&inner.1, &inner.0, after_height, limit as usize);
        Box::pin(async move { Ok(page) })
    }

    fn instrument(&self, id: Digest) -> SourceFuture<'_, Option<InstrumentRecord>> {
        let record = query::instrument(&self.inner.lock().unwrap().0, &id);
        Box::pin(async move { Ok(record) })
    }

    fn submit(&self, tx: Vec<u8>) -> SourceFuture<'_, Committed> {
        let hash = transaction_hash(&tx);
        let height = self.execute(vec![tx]);
        let outcome = query::outcome(&self.inner.lock().unwrap().0, &hash);
        Box::pin(async move {
            let outcome = outcome.ok_or(LedgerError::NotCommitted {
                tx: hash.to_string(),
                waited_ms: 0,
            })?;
            Ok(Committed {
                tx: hash.to_string(),
                height,
                applied: outcome.applied,
                reason: outcome.reason,
            })
        })
    }
}

/// aiosmtpd on a free loopback port, writing `maildir`; killed on drop.
struct SmtpServer {
    child: Child,
    port: u16,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts aiosmtpd, or `None` (after saying so loudly) when it is not installed outside CI.
fn smtp_server(maildir: &Path) -> Option<SmtpServer> {
    let installed = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        let message = "aiosmtpd is not installed (python3 -m pip install aiosmtpd)";
        if std::env::var_os("SILKWAY_CI").is_some() {
            panic!("{message}");
        }
        eprintln!("\n!!! SKIPPING corridor_mail: {message} !!!\n");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let server = SmtpServer { child, port };
    for _ in 0..500 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(server);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("aiosmtpd did not listen on port {port}");
}

/// (Message-ID, To, Subject) of every message in the Maildir.
fn mails(maildir: &Path) -> Vec<(String, String, String)> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else {
        return Vec::new();
    };
    let mut found: Vec<_> = entries
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .map(|text| {
            // Unfold headers (a long subject continues on lines that start with white space).
            let head = text
                .split("\n\n")
                .next()
                .unwrap_or_default()
                .replace("\r", "");
            let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
            let header = |name: &str| {
                unfolded
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                    .unwrap_or_default()
                    .to_string()
            };
            (header("Message-ID"), header("To"), header("Subject"))
        })
        .collect();
    found.sort();
    found
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..2000 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}

/// Waits until every actor of `corridor` has handled the ledger's last block.
async fn caught_up(corridor: &CorridorHandle, ledger: &MemLedger) {
    let top = ledger.height();
    eventually("every actor caught up", async || {
        corridor
            .progress()
            .await
            .is_ok_and(|p| p.head == top && p.actors.values().all(|h| *h == top))
    })
    .await;
}

fn config(dir: &Path, ledger: Arc<MemLedger>, clock: ManualClock, port: u16) -> CorridorConfig {
    let addresses: BTreeMap<String, String> = [
        (scenario::ISSUING_BANK, "lc-desk@steppe-bank.kz.test"),
        (scenario::BENEFICIARY, "exports@tianshan-heavy.cn.test"),
        (scenario::APPLICANT, "imports@steppe-agro.kz.test"),
        (scenario::CUSTOMS_AKTAU, "officers@aktau-customs.kz.test"),
    ]
    .into_iter()
    .map(|(p, a)| (p.to_string(), a.to_string()))
    .collect();
    CorridorConfig {
        name: "corridor-kz".into(),
        data_dir: dir.to_path_buf(),
        source: ledger,
        clock: Arc::new(clock),
        customs_posts: vec![
            scenario::CUSTOMS_AKTAU.into(),
            scenario::CUSTOMS_KHORGOS.into(),
        ],
        banks: vec![(scenario::ISSUING_BANK.into(), None)],
        exporters: vec![scenario::APPLICANT.into()],
        mail: MailConfig {
            smtp_host: "127.0.0.1".into(),
            smtp_port: port,
            from: "SilkwayChain KZ <notify@kz.silkway.test>".into(),
            addresses,
            attempts_max: 5,
            backoff_ms: 100,
            smtp_timeout_ms: 5_000,
            message_id_domain: "kz.silkway.test".into(),
        },
        poll_ms: 20,
        tick_ms: 50,
        mailbox_len_max: 8,
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_party_gets_each_notice_once_across_restarts() -> anyhow::Result<()> {
    let dir = temp_dir("corridor-mail");
    let maildir = dir.join("maildir");
    let Some(smtp) = smtp_server(&maildir) else {
        return Ok(());
    };
    let keys: Vec<_> = (0..party_specs().len())
        .map(|i| ed25519_dalek::SigningKey::from_bytes(&[i as u8 + 40; 32]))
        .collect();
    let parties = demo_parties(&keys);
    let ledger = Arc::new(MemLedger::new(&parties));
    let today = consensus::ledger::app::block_date(START_MS);
    let steps = scenario::scenario(&parties, today, START_MS)?;
    let (first, second) = steps.split_at(steps.len() / 2);
    let clock = ManualClock::at(START_MS);
    let data = dir.join("data");

    for step in first {
        ledger.execute(vec![step.tx.clone()]);
    }
    let corridor = tree::start(config(&data, ledger.clone(), clock.clone(), smtp.port)).await?;
    caught_up(&corridor, &ledger).await;
    let before_kill = mails(&maildir).len();
    assert!(before_kill > 0, "the first half of the story sent mail");

    // A crash of the notifier: restarted (with the parties, rest-for-one), it replays from 0.
    corridor.kill("notifier")?;
    eventually("the notifier restarted", async || {
        corridor.children().await.is_ok_and(|c| {
            c.iter()
                .any(|c| c.name == "notifier" && c.restarts == 1 && c.running)
        })
    })
    .await;
    caught_up(&corridor, &ledger).await;
    assert_eq!(mails(&maildir).len(), before_kill, "no mail sent twice");

    for step in second {
        ledger.execute(vec![step.tx.clone()]);
    }
    // The Aktau post orders the inspection the red channel calls for; 73 hours later its
    // 72-hour service-level time has passed.
    let aktau = steps
        .iter()
        .find(|s| s.label == "submit the Aktau import declaration")
        .map(|s| transaction_hash(&s.tx))
        .expect("the story submits the Aktau declaration");
    let post = parties
        .iter()
        .find(|p| p.participant.org == scenario::CUSTOMS_AKTAU)
        .unwrap();
    let order = TxBody::Act {
        instrument: aktau,
        role: Role::Customs,
        action: InstrumentAction::Declaration(DeclarationAction::OrderInspection),
    };
    let tx = SignedTx::sign(&post.key, 1, START_MS + 60_000, order)?.encode()?;
    ledger.execute(vec![tx]);
    caught_up(&corridor, &ledger).await;
    clock.advance(73 * HOUR_MS);
    let expected = expected_mails();
    eventually("the deadline mail arrived", async || {
        mails(&maildir).len() == expected.len()
    })
    .await;
    corridor.stop().await;

    // The whole tree again, on the same data: it replays everything and sends nothing new.
    let again = tree::start(config(&data, ledger.clone(), clock.clone(), smtp.port)).await?;
    caught_up(&again, &ledger).await;
    // Give its ticks a chance to (wrongly) send deadline mail again.
    let ticks_before = again.progress().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    again.stop().await;
    assert_eq!(ticks_before.head, ledger.height());

    let got = mails(&maildir);
    let mut ids: Vec<&String> = got.iter().map(|(id, _, _)| id).collect();
    ids.dedup();
    assert_eq!(ids.len(), got.len(), "a Message-ID arrived twice: {got:#?}");
    let mut pairs: Vec<(String, String)> = got.into_iter().map(|(_, to, s)| (to, s)).collect();
    pairs.sort();
    assert_eq!(pairs, expected);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// (To, Subject) of every email the story and the Aktau deadline must cause at this node,
/// which mails the issuing bank, both traders and the Aktau post (not the advising bank, the
/// financier, or the other posts: they have no address here).
fn expected_mails() -> Vec<(String, String)> {
    let (issuing, beneficiary, applicant, aktau) = (
        "lc-desk@steppe-bank.kz.test",
        "exports@tianshan-heavy.cn.test",
        "imports@steppe-agro.kz.test",
        "officers@aktau-customs.kz.test",
    );
    let mut expected = vec![];
    for to in [issuing, beneficiary, applicant] {
        expected.push((to, "Letter of credit SCB/LC/26/0417 issued"));
        expected.push((to, "Presentation under SCB/LC/26/0417 examined: discrepant"));
    }
    for to in [beneficiary, applicant] {
        expected.push((to, "Invoice TH-INV-2611 financed"));
    }
    let horgos = "Customs declaration HG-EX-2026-04-0311";
    let khorgos = "Customs declaration KHG-IM-2026-04-1177";
    let akt = "AKT-IM-2026-05-0219";
    let red = format!("Customs declaration {akt}: red channel (physical inspection)");
    let mut owned: Vec<(&str, String)> = vec![
        (beneficiary, format!("{horgos}: green channel (release)")),
        (beneficiary, format!("{horgos}: goods released")),
        (applicant, format!("{khorgos}: green channel (release)")),
        (applicant, format!("{khorgos}: goods released")),
    ];
    for to in [applicant, aktau] {
        owned.push((to, red.clone()));
        owned.push((to, format!("Deadline approaching: {akt}")));
        owned.push((to, format!("Deadline passed: {akt}")));
    }
    let mut all: Vec<(String, String)> = expected
        .into_iter()
        .map(|(to, s)| (to.to_string(), s.to_string()))
        .chain(owned.into_iter().map(|(to, s)| (to.to_string(), s)))
        .collect();
    all.sort();
    all
}
