//! Support for the browser tests: the `silkway demo` and `chromedriver` processes they drive,
//! and a headless chromium session per demo user with the few page operations the tests need.
//!
//! Each process runs in its own process group behind a guard whose `Drop` stops the whole
//! group (the demo's validators and gateways, chromedriver's chromium), so nothing outlives a
//! failed test. A missing chromedriver or chromium is a failure naming `.ci/run`, never a
//! silent skip. What this deliberately does not do: judge the pages (the tests assert), or
//! retry an action (a page that fails is shown as it failed, with a screenshot).

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;
use serde::Deserialize;
use serde_json::{json, Value};

/// How long the demo gets to start its validators, seed the scenario and open its gateways.
const DEMO_START_TIMEOUT: Duration = Duration::from_secs(240);
/// How long a page may take to load after a click (a ledger action waits for its commit).
const PAGE_TIMEOUT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(250);
const CHROMIUM: &str = "/usr/bin/chromium";
const INSTALL_HINT: &str =
    "install it with `apt-get install -y chromium chromium-driver` (.ci/run installs it in CI)";

/// Where the screenshots go: `target/browser-artifacts/`, beside the test binaries.
pub fn artifacts_dir() -> Result<PathBuf> {
    // CARGO_BIN_EXE_silkway is <target>/<profile>/silkway.
    let bin = Path::new(env!("CARGO_BIN_EXE_silkway"));
    let target = bin
        .parent()
        .and_then(Path::parent)
        .context("the silkway binary has no target folder")?;
    let dir = target.join("browser-artifacts");
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    Ok(dir)
}

/// A demo user as `demo-users.json` lists it.
#[derive(Clone, Debug, Deserialize)]
pub struct DemoUser {
    pub login: String,
    pub password: String,
    pub totp_secret_b32: Option<String>,
    pub org: String,
    pub gateway: String,
}

#[derive(Deserialize)]
struct DemoUsers {
    users: Vec<DemoUser>,
}

/// A running `silkway demo` in a temporary folder; dropping it stops every process it started.
#[derive(Debug)]
pub struct Demo {
    child: Child,
    log: PathBuf,
    users: Vec<DemoUser>,
    dir: tempfile::TempDir,
}

impl Demo {
    /// Starts the demo and returns once it says its network and both gateways are running.
    pub async fn start(base_port: u16, gateway_port: u16, logs: &Path) -> Result<Demo> {
        let dir = tempfile::tempdir()?;
        let log = logs.join("demo.log");
        let out = File::create(&log).with_context(|| log.display().to_string())?;
        let child = Command::new(env!("CARGO_BIN_EXE_silkway"))
            .args(["demo", "--data-dir"])
            .arg(dir.path().join("net"))
            .args(["--base-port", &base_port.to_string()])
            .args(["--gateway-port", &gateway_port.to_string()])
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .process_group(0)
            .spawn()
            .context("starting silkway demo")?;
        let mut demo = Demo {
            child,
            log,
            users: Vec::new(),
            dir,
        };
        demo.wait_running().await?;
        let path = demo.data_dir().join("demo-users.json");
        let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        demo.users = serde_json::from_str::<DemoUsers>(&text)
            .with_context(|| path.display().to_string())?
            .users;
        Ok(demo)
    }

    /// The demo's data folder (`--data-dir`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("net")
    }

    /// A sample document the demo wrote to `samples/`.
    pub fn sample(&self, name: &str) -> PathBuf {
        self.data_dir().join("samples").join(name)
    }

    /// The demo user signed in as `login`.
    pub fn user(&self, login: &str) -> Result<DemoUser> {
        self.users
            .iter()
            .find(|u| u.login == login)
            .cloned()
            .with_context(|| format!("demo-users.json has no user '{login}'"))
    }

    /// Waits for the line the demo prints once its gateways accept connections.
    async fn wait_running(&mut self) -> Result<()> {
        let started = Instant::now();
        loop {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            if log.contains("the corridor network is running") {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("silkway demo exited ({status}) before it was running:\n{log}");
            }
            if started.elapsed() > DEMO_START_TIMEOUT {
                bail!("silkway demo was not running within {DEMO_START_TIMEOUT:?}:\n{log}");
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        // SIGTERM lets the demo stop its validators and gateways itself; whatever is left of its
        // process group after that (or after 30 s) is killed.
        let pid = Pid::from_raw(self.child.id() as i32);
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = killpg(pid, Signal::SIGKILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running chromedriver on loopback; dropping it kills it and its browsers.
#[derive(Debug)]
pub struct ChromeDriver {
    child: Child,
    port: u16,
    profiles: tempfile::TempDir,
    sessions: usize,
}

impl ChromeDriver {
    /// Starts `chromedriver --port=<port>`; fails (naming how to install it) if it is missing.
    pub async fn start(port: u16, logs: &Path) -> Result<ChromeDriver> {
        ensure!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: {INSTALL_HINT}"
        );
        let log = logs.join("chromedriver.log");
        let out = File::create(&log).with_context(|| log.display().to_string())?;
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .process_group(0)
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                bail!("chromedriver is not on PATH: {INSTALL_HINT}")
            }
            Err(e) => return Err(e).context("starting chromedriver"),
        };
        let driver = ChromeDriver {
            child,
            port,
            profiles: tempfile::tempdir()?,
            sessions: 0,
        };
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            ensure!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver did not listen on port {port} within 30 s; see {}",
                log.display()
            );
            tokio::time::sleep(POLL).await;
        }
        Ok(driver)
    }

    /// A new headless chromium with a fresh profile, for one user.
    pub async fn session(&mut self, name: &str, artifacts: &Path) -> Result<Browser> {
        self.sessions += 1;
        let profile = self
            .profiles
            .path()
            .join(format!("{}-{name}", self.sessions));
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,1024",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .with_context(|| format!("opening a chromium session for {name}"))?;
        Ok(Browser {
            client,
            name: name.to_string(),
            base_url: String::new(),
            artifacts: artifacts.to_path_buf(),
        })
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let pid = Pid::from_raw(self.child.id() as i32);
        let _ = killpg(pid, Signal::SIGKILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One user's browser, signed in to one gateway.
#[derive(Debug, Clone)]
pub struct Browser {
    pub client: Client,
    pub name: String,
    /// The gateway this browser talks to, e.g. `http://127.0.0.1:8380`.
    pub base_url: String,
    artifacts: PathBuf,
}

impl Browser {
    /// Opens `path` on this browser's gateway.
    pub async fn open(&self, path: &str) -> Result<()> {
        let url = format!("{}{path}", self.base_url);
        self.client.goto(&url).await.with_context(|| url.clone())
    }

    /// Signs `user` in on the sign-in page of the user's gateway, with a current TOTP code.
    pub async fn sign_in(&mut self, user: &DemoUser) -> Result<()> {
        self.base_url = user.gateway.clone();
        self.open("/login").await?;
        self.type_into("#login", &user.login).await?;
        self.type_into("#password", &user.password).await?;
        if let Some(secret) = &user.totp_secret_b32 {
            let now_s = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs();
            let code = customs_gateway::auth::users::totp_now(secret, now_s)
                .map_err(|e| anyhow::anyhow!("totp for {}: {e}", user.login))?;
            self.type_into("#totp", &code).await?;
        }
        self.click_to_next_page("#sign-in").await?;
        self.no_error_page().await?;
        let who = self.text("#who").await?;
        ensure!(
            who.contains(&user.org),
            "{}: the header says '{who}', not the org {}",
            self.name,
            user.org
        );
        Ok(())
    }

    /// The element `css`, waiting briefly for it to appear.
    pub async fn find(&self, css: &str) -> Result<fantoccini::elements::Element> {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => Ok(element),
            Err(e) => bail!(
                "{}: no element '{css}' on {}: {e}",
                self.name,
                self.url().await
            ),
        }
    }

    /// The visible text of `css`.
    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.find(css).await?.text().await?.trim().to_string())
    }

    /// Whether `css` is on the current page now (no waiting).
    pub async fn has(&self, css: &str) -> Result<bool> {
        Ok(!self.client.find_all(Locator::Css(css)).await?.is_empty())
    }

    /// Types `text` into the field `css`.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let field = self.find(css).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// Clicks `css` and waits until the browser has loaded the page the click led to.
    pub async fn click_to_next_page(&self, css: &str) -> Result<()> {
        // Mark the current document; the next document has no mark.
        self.client
            .execute("document.documentElement.dataset.leaving = '1';", vec![])
            .await?;
        self.find(css).await?.click().await?;
        let started = Instant::now();
        loop {
            let loaded = self
                .client
                .execute(
                    "return document.readyState === 'complete' \
                     && document.documentElement.dataset.leaving === undefined;",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(Value::Bool(true))) {
                return Ok(());
            }
            ensure!(
                started.elapsed() < PAGE_TIMEOUT,
                "{}: clicking '{css}' loaded no new page within {PAGE_TIMEOUT:?}",
                self.name
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks `css` (a form's button) and returns the flash message of the page it led to;
    /// an error page fails with its message.
    pub async fn act(&self, css: &str) -> Result<String> {
        self.click_to_next_page(css).await?;
        self.no_error_page().await?;
        self.text("#flash")
            .await
            .with_context(|| format!("{}: no flash message after clicking '{css}'", self.name))
    }

    /// Fails with the page's message if the current page is the error page.
    pub async fn no_error_page(&self) -> Result<()> {
        if self.has("#error-message").await? {
            let message = self.text("#error-message").await?;
            bail!(
                "{}: error page at {}: {message}",
                self.name,
                self.url().await
            );
        }
        Ok(())
    }

    /// Reloads the page until `css` reads `want`, for at most `timeout`; returns what it read.
    pub async fn reload_until_text(&self, css: &str, want: &str, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            let now = if self.has(css).await? {
                self.text(css).await?
            } else {
                String::new()
            };
            if now == want {
                return Ok(());
            }
            ensure!(
                started.elapsed() < timeout,
                "{}: '{css}' still reads '{now}', not '{want}', after {timeout:?}",
                self.name
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
            self.client.refresh().await?;
        }
    }

    /// Saves a PNG of the viewport to the artifacts folder as `<file>.png`.
    pub async fn screenshot(&self, file: &str) -> Result<()> {
        let png = self.client.screenshot().await?;
        let path = self.artifacts.join(format!("{file}.png"));
        std::fs::write(&path, png).with_context(|| path.display().to_string())
    }

    /// Scrolls `css` into view, then saves a PNG of the viewport as `<file>.png`.
    pub async fn screenshot_of(&self, css: &str, file: &str) -> Result<()> {
        let element = serde_json::to_value(self.find(css).await?)?;
        self.client
            .execute("arguments[0].scrollIntoView();", vec![element])
            .await?;
        self.screenshot(file).await
    }

    /// The current URL, for messages.
    pub async fn url(&self) -> String {
        match self.client.current_url().await {
            Ok(url) => url.to_string(),
            Err(e) => format!("(no url: {e})"),
        }
    }

    /// Ends the browser session (chromium exits).
    pub async fn close(self) -> Result<()> {
        self.client.close().await?;
        Ok(())
    }
}
