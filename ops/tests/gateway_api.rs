//! The gateway's API against a real `silkway demo`: 7 validator processes over QUIC, the
//! seeded §7 scenario, and the Kazakh and Chinese gateways, driven with `curl` as a user would.
//!
//! One demo serves every check (starting it takes most of the time): the whole credit story
//! of PRODUCT.md §7 across both gateways, document residency under ledger grants with the
//! read logged, the double-financing refusal, and the bad-input answers (each a 4xx with a
//! JSON body naming the problem). The demo is killed when the test ends, pass or fail.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_silkway");
const BASE_PORT: &str = "7700";
const GATEWAY_PORT: u16 = 8480;

struct Demo {
    dir: tempfile::TempDir,
    child: Child,
    users: Value,
}

impl Drop for Demo {
    fn drop(&mut self) {
        // SIGTERM lets the demo stop its validators and gateways; kill what is left.
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Demo {
    fn start() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("net");
        let log = std::fs::File::create(dir.path().join("demo.out")).unwrap();
        let child = Command::new(BIN)
            .args(["demo", "--data-dir"])
            .arg(&data)
            .args(["--base-port", BASE_PORT, "--gateway-port"])
            .arg(GATEWAY_PORT.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut demo = Demo {
            dir,
            child,
            users: Value::Null,
        };
        demo.wait_ready();
        demo.users = serde_json::from_str(
            &std::fs::read_to_string(demo.data().join("demo-users.json")).unwrap(),
        )
        .unwrap();
        demo
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("net")
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(240);
        loop {
            let out = std::fs::read_to_string(self.dir.path().join("demo.out")).unwrap_or_default();
            if out.contains("press Ctrl-C") {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the demo exited ({status}):\n{out}");
            }
            assert!(Instant::now() < deadline, "the demo did not start:\n{out}");
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    fn user(&self, login: &str) -> &Value {
        self.users["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["login"] == login)
            .unwrap_or_else(|| panic!("no demo user {login}"))
    }

    fn sample(&self, name: &str) -> PathBuf {
        self.data().join("samples").join(name)
    }
}

/// One HTTP answer: status and body.
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Asserts the status and returns the JSON body.
    fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        self.json()
    }
}

static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Calls the gateway of `login` with its bearer token and a fresh idempotency key.
fn call(demo: &Demo, login: &str, method: &str, path: &str, extra: &[&str]) -> Answer {
    let key = format!(
        "test-{}",
        NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    call_with_key(demo, login, method, path, extra, &key)
}

fn call_with_key(
    demo: &Demo,
    login: &str,
    method: &str,
    path: &str,
    extra: &[&str],
    key: &str,
) -> Answer {
    let user = demo.user(login);
    let url = format!("{}{path}", user["gateway"].as_str().unwrap());
    let auth = format!("Authorization: Bearer {}", user["token"].as_str().unwrap());
    curl(
        &[
            &[
                "-X",
                method,
                "-H",
                &auth,
                "-H",
                &format!("Idempotency-Key: {key}"),
                &url,
            ],
            extra,
        ]
        .concat(),
    )
}

fn curl(args: &[&str]) -> Answer {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "60", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl runs (.ci/run installs it)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", "0"));
    Answer {
        status: status.trim().parse().unwrap_or(0),
        body: body.to_string(),
    }
}

const ISSUER: &str = "steppe-commercial-bank";
const ADVISER: &str = "tianshan-commercial-bank";
const THIRD_BANK: &str = "caspian-finance-bank";
const EXPORTER: &str = "tianshan-heavy-industry-co";
const APPLICANT: &str = "steppe-agro-machinery-llp";

fn state_of(answer: &Value) -> String {
    answer["instrument"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn credit_story(demo: &Demo) {
    let mt700 = format!("@{}", demo.sample("lc.mt700.txt").display());
    let issued = call(
        demo,
        ISSUER,
        "POST",
        "/api/v1/lcs",
        &["-H", "Content-Type: text/plain", "--data-binary", &mt700],
    )
    .expect(200);
    let lc = issued["committed"]["tx"].as_str().unwrap().to_string();
    assert_eq!(state_of(&issued), "issued");
    let act = |login: &str, verb: &str| {
        state_of(
            &call(
                demo,
                login,
                "POST",
                &format!("/api/v1/lcs/{lc}/actions/{verb}"),
                &[],
            )
            .expect(200),
        )
    };
    assert_eq!(act(ADVISER, "advise"), "advised");
    let mut fingerprints = Vec::new();
    for (file, ct) in [
        ("invoice.cii.xml", "application/xml"),
        ("packing-list.json", "application/json"),
        ("smgs-waybill.json", "application/json"),
        ("certificate-of-origin.json", "application/json"),
    ] {
        let form = format!("file=@{};type={ct}", demo.sample(file).display());
        let up = call(demo, EXPORTER, "POST", "/api/v1/documents", &["-F", &form]).expect(201);
        assert_eq!(
            up["document"]["jurisdiction"], "CN",
            "stored where it was filed"
        );
        fingerprints.push(up["document"]["fingerprint"].as_str().unwrap().to_string());
    }
    let body = serde_json::json!({ "documents": fingerprints }).to_string();
    let presented = call(
        demo,
        EXPORTER,
        "POST",
        &format!("/api/v1/lcs/{lc}/presentation"),
        &["-H", "Content-Type: application/json", "-d", &body],
    )
    .expect(200);
    assert_eq!(state_of(&presented), "presentation.presented");
    // The Kazakh gateway examines on its own, reading the Chinese documents under the grants.
    let deadline = Instant::now() + Duration::from_secs(60);
    let detail = loop {
        let detail = call(demo, ISSUER, "GET", &format!("/api/v1/lcs/{lc}"), &[]).expect(200);
        if detail["credit"]["state"] != "presentation.presented" {
            break detail;
        }
        assert!(
            Instant::now() < deadline,
            "no automatic examination: {detail}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(
        detail["credit"]["state"],
        "presentation.examined_discrepant"
    );
    let discrepant: Vec<&Value> = detail["examination_report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"]["result"] == "discrepancy")
        .collect();
    assert_eq!(discrepant.len(), 1, "{discrepant:?}");
    assert_eq!(discrepant[0]["article"], "UCP 600 art. 24(a)(ii)");
    assert_eq!(act(ISSUER, "seek_waiver"), "presentation.waiver_sought");
    let mt750 = call(
        demo,
        ISSUER,
        "GET",
        &format!("/api/v1/lcs/{lc}/advices/mt750"),
        &[],
    );
    assert_eq!(mt750.status, 200, "{}", mt750.body);
    assert!(
        mt750.body.contains(":21:SCB/LC/26/0418") && mt750.body.contains("24(a)(ii)"),
        "{}",
        mt750.body
    );
    // The beneficiary may not waive for the applicant.
    let wrong = call(
        demo,
        EXPORTER,
        "POST",
        &format!("/api/v1/lcs/{lc}/actions/waive"),
        &[],
    )
    .expect(403);
    assert_eq!(wrong["error"], "forbidden");
    assert_eq!(act(APPLICANT, "waive"), "presentation.waived");
    assert_eq!(act(ISSUER, "honour"), "presentation.honoured");
    let mt754 = call(
        demo,
        ISSUER,
        "GET",
        &format!("/api/v1/lcs/{lc}/advices/mt754"),
        &[],
    );
    assert!(
        mt754.body.contains(":32A:") && mt754.body.contains("USD248500,00"),
        "{}",
        mt754.body
    );
    assert_eq!(act(ISSUER, "settle"), "settled");
    // Every party sees the same settled credit, from its own jurisdiction's node.
    let seen = call(demo, EXPORTER, "GET", &format!("/api/v1/lcs/{lc}"), &[]).expect(200);
    assert_eq!(seen["credit"]["state"], "settled");
    assert_eq!(seen["credit"]["balance"]["drawn"], "248500.00");
}

fn residency(demo: &Demo) {
    let docs = call(demo, ISSUER, "GET", "/api/v1/documents", &[]).expect(200);
    let credit = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "letter_of_credit")
        .expect("the issuing bank holds its credit document");
    let fp = credit["fingerprint"].as_str().unwrap();
    let content = format!("/api/v1/documents/{fp}/content");
    let refused = call(demo, EXPORTER, "GET", &content, &[]).expect(403);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("no ledger grant"),
        "{refused}"
    );
    let grant = r#"{"grantee": "TIANSHAN HEAVY INDUSTRY CO."}"#;
    call(
        demo,
        ISSUER,
        "POST",
        &format!("/api/v1/documents/{fp}/grants"),
        &["-H", "Content-Type: application/json", "-d", grant],
    )
    .expect(200);
    let read = call(demo, EXPORTER, "GET", &content, &[]);
    assert_eq!(read.status, 200, "{}", read.body);
    assert!(read.body.contains(":20:SCB/LC/26/0418"));
    let detail = call(demo, ISSUER, "GET", &format!("/api/v1/documents/{fp}"), &[]).expect(200);
    let reads = detail["reads"].as_array().unwrap();
    assert!(
        reads
            .iter()
            .any(|r| r["reader_org"] == "TIANSHAN HEAVY INDUSTRY CO."
                && r["reader"] == format!("{EXPORTER}@TIANSHAN HEAVY INDUSTRY CO.")),
        "{detail}"
    );
}

/// The HTTPS listener: a bank's back office calls the API with its consortium certificate
/// (mutual TLS), no token; a client without a certificate does not get through the handshake.
fn client_certificate(demo: &Demo) {
    let net = demo.data();
    let https = GATEWAY_PORT + 363;
    let url = format!("https://silkway.node:{https}/api/v1/lcs");
    let resolve = format!("silkway.node:{https}:127.0.0.1");
    let party = |file: &str| net.join("parties").join(ISSUER).join(file);
    let ca = net.join("ca/kz/ca.pem");
    let tls = |extra: &[&str]| {
        curl(
            &[
                &["--resolve", &resolve, "--cacert", ca.to_str().unwrap()][..],
                extra,
                &[&url[..]],
            ]
            .concat(),
        )
    };
    let cert = party("cert.pem");
    let key = party("key.pem");
    let listed = tls(&[
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ])
    .expect(200);
    let references: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        references.iter().any(|r| r == "SCB/LC/26/0418"),
        "the issuing bank's certificate lists its credits: {listed}"
    );
    let anonymous = tls(&[]);
    assert_eq!(
        anonymous.status, 0,
        "no certificate, no TLS session: {}",
        anonymous.body
    );
}

fn double_financing(demo: &Demo) {
    // The sample invoice has the business fields of the seeded one, which the advising bank
    // financed: registered again (as CII), it may not be financed by anyone.
    let xml = format!("@{}", demo.sample("invoice.cii.xml").display());
    let registered = call(
        demo,
        EXPORTER,
        "POST",
        "/api/v1/invoices",
        &["-H", "Content-Type: application/xml", "--data-binary", &xml],
    )
    .expect(200);
    let id = registered["committed"]["tx"].as_str().unwrap();
    let body = r#"{"amount": "100000.00"}"#;
    let refused = call(
        demo,
        THIRD_BANK,
        "POST",
        &format!("/api/v1/invoices/{id}/finance"),
        &["-H", "Content-Type: application/json", "-d", body],
    )
    .expect(409);
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains("already financed") && message.contains("48500.00 USD"),
        "{message}"
    );
    assert!(
        !message.contains("TSCMCNBJ") && !message.contains("Tianshan Commercial"),
        "names the financier: {message}"
    );
    // The third bank sees the invoice's terms, never who financed it.
    let seen = call(
        demo,
        THIRD_BANK,
        "GET",
        &format!("/api/v1/invoices/{id}"),
        &[],
    )
    .expect(200);
    assert!(!seen.to_string().contains("TSCMCNBJXXX"), "{seen}");
}

fn bad_input(demo: &Demo) {
    // A malformed MT700 names the line and tag; nothing is issued.
    let before = call(demo, ISSUER, "GET", "/api/v1/lcs", &[])
        .expect(200)
        .as_array()
        .unwrap()
        .len();
    let bad = call(
        demo,
        ISSUER,
        "POST",
        "/api/v1/lcs",
        &[
            "-H",
            "Content-Type: text/plain",
            "--data-binary",
            ":20:ONLY-A-REFERENCE\n",
        ],
    )
    .expect(400);
    assert_eq!(bad["field"], "body");
    assert!(bad["message"].as_str().unwrap().contains("line"), "{bad}");
    let after = call(demo, ISSUER, "GET", "/api/v1/lcs", &[])
        .expect(200)
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "a refused credit left something behind");
    // Wrong content type, malformed CII, an exporter issuing a credit.
    let ct = call(
        demo,
        ISSUER,
        "POST",
        "/api/v1/lcs",
        &["-H", "Content-Type: application/msword", "-d", "x"],
    )
    .expect(415);
    assert_eq!(ct["error"], "unsupported_media_type");
    let cii = call(
        demo,
        EXPORTER,
        "POST",
        "/api/v1/invoices",
        &[
            "-H",
            "Content-Type: application/xml",
            "-d",
            "<rsm:CrossIndustryInvoice>",
        ],
    )
    .expect(400);
    assert_eq!(cii["field"], "body");
    let role = call(
        demo,
        EXPORTER,
        "POST",
        "/api/v1/lcs",
        &["-H", "Content-Type: text/plain", "-d", "x"],
    )
    .expect(403);
    assert!(
        role["message"].as_str().unwrap().contains("exporter"),
        "{role}"
    );
    // An oversized upload is refused before it is stored.
    let big = demo.dir.path().join("big.pdf");
    std::fs::write(&big, vec![b'%'; 9 * 1024 * 1024]).unwrap();
    let form = format!("file=@{};type=application/pdf", big.display());
    let too_big = call(demo, EXPORTER, "POST", "/api/v1/documents", &["-F", &form]).expect(413);
    assert_eq!(too_big["error"], "payload_too_large");
    // A replayed request: the same idempotency key twice.
    let grant_body = r#"{"grantee": "STCBKZKAXXX"}"#;
    let docs = call(demo, EXPORTER, "GET", "/api/v1/documents", &[]).expect(200);
    let fp = docs[0]["fingerprint"].as_str().unwrap().to_string();
    let path = format!("/api/v1/documents/{fp}/grants");
    let args = ["-H", "Content-Type: application/json", "-d", grant_body];
    let first = call_with_key(demo, EXPORTER, "POST", &path, &args, "replayed-key-1");
    assert_ne!(first.status, 0);
    let again = call_with_key(demo, EXPORTER, "POST", &path, &args, "replayed-key-1").expect(409);
    assert_eq!(again["error"], "replayed_request");
    // No key at all, an unknown token, no credentials.
    let bearer = format!(
        "Authorization: Bearer {}",
        demo.user(EXPORTER)["token"].as_str().unwrap()
    );
    let url = format!("http://127.0.0.1:{}{path}", GATEWAY_PORT + 1);
    let no_key = curl(&[&["-X", "POST", "-H", &bearer, &url][..], &args[..]].concat()).expect(400);
    assert_eq!(no_key["field"], "idempotency-key");
    let token = curl(&[
        "-H",
        "Authorization: Bearer swk_nope",
        &format!("http://127.0.0.1:{GATEWAY_PORT}/api/v1/me"),
    ])
    .expect(401);
    assert_eq!(token["error"], "unauthenticated");
    // The OpenAPI document lists every route the tests used.
    let doc = curl(&[&format!(
        "http://127.0.0.1:{GATEWAY_PORT}/api/v1/openapi.json"
    )])
    .expect(200);
    for route in [
        "/api/v1/lcs",
        "/api/v1/lcs/{id}/actions/{action}",
        "/api/v1/documents/{fingerprint}/content",
        "/api/v1/invoices/{id}/finance",
    ] {
        assert!(doc["paths"][route].is_object(), "{route}");
    }
}

#[test]
fn the_corridor_story_residency_and_refusals_through_the_gateways() {
    let demo = Demo::start();
    credit_story(&demo);
    residency(&demo);
    client_certificate(&demo);
    double_financing(&demo);
    bad_input(&demo);
}
