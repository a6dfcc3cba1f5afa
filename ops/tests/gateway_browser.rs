//! The gateway's pages in a real browser: one `silkway demo` (4 + 3 validators, a Kazakh and a
//! Chinese gateway) and headless chromium through chromedriver, a separate browser per user,
//! clicking through the PRODUCT.md §7 credit story exactly as `/work/notes/story.sh` runs it
//! over the API: issue from MT700, advise, upload and present, automatic examination with the
//! art. 24(a)(ii) discrepancy, waiver sought and given, honour, settle, the public verify
//! page on an authentic and a tampered document, and a second financing of the seeded invoice
//! (re-typed as JSON) refused on a third bank's page.
//!
//! A PNG screenshot after each step goes to `target/browser-artifacts/` with the demo's and
//! chromedriver's logs. Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them); without them the test fails, it never skips. What it deliberately does not do: check
//! looks or layout, or test the API (the gateway's own tests do), or run a second demo.

#[path = "support/browser.rs"]
mod browser;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use browser::{artifacts_dir, Browser, ChromeDriver, Demo};
use fantoccini::Locator;

/// Ports of our own, away from a hand-run demo's 7100-7106 and 8080/8081.
const BASE_PORT: u16 = 7600;
const GATEWAY_PORT: u16 = 8380;
const CHROMEDRIVER_PORT: u16 = 9615;

const ISSUER: &str = "steppe-commercial-bank";
const ADVISER: &str = "tianshan-commercial-bank";
const EXPORTER: &str = "tianshan-heavy-industry-co";
const APPLICANT: &str = "steppe-agro-machinery-llp";
const THIRD_BANK: &str = "caspian-finance-bank";
const REFERENCE: &str = "SCB/LC/26/0418";
const DOCUMENTS: [&str; 4] = [
    "invoice.cii.xml",
    "packing-list.json",
    "smgs-waybill.json",
    "certificate-of-origin.json",
];
/// The automatic examination runs in the background after a presentation.
const EXAMINATION_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a ledger change takes to reach the other jurisdiction's gateway.
const CROSS_GATEWAY_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credit_story_clicks_through_both_gateways() -> Result<()> {
    let artifacts = artifacts_dir()?;
    let started = Instant::now();
    // chromedriver first: without it the test fails at once, before the minute the demo takes.
    let mut driver = ChromeDriver::start(CHROMEDRIVER_PORT, &artifacts).await?;
    let demo = Demo::start(BASE_PORT, GATEWAY_PORT, &artifacts).await?;
    println!("demo running after {:?}", started.elapsed());
    let mut browsers = Vec::new();
    let outcome = story(&demo, &mut driver, &artifacts, &mut browsers).await;
    if outcome.is_err() {
        for b in &browsers {
            let _ = b.screenshot(&format!("failed-{}", b.name)).await;
        }
    }
    for b in browsers {
        let _ = b.close().await;
    }
    println!("browser story done after {:?}", started.elapsed());
    // `demo` and then `driver` drop here (also on an early `?`), stopping their processes.
    outcome
}

async fn story(
    demo: &Demo,
    driver: &mut ChromeDriver,
    artifacts: &Path,
    browsers: &mut Vec<Browser>,
) -> Result<()> {
    let mut signed_in = async |name: &str, login: &str| -> Result<Browser> {
        let mut b = driver.session(name, artifacts).await?;
        browsers.push(b.clone());
        b.sign_in(&demo.user(login)?).await?;
        Ok(b)
    };
    let issuer = signed_in("issuing-bank", ISSUER).await?;
    let lc_path = issue(&issuer, demo).await.context("step 1: issue")?;
    let adviser = signed_in("advising-bank", ADVISER).await?;
    advise(&adviser, &lc_path).await.context("step 2: advise")?;
    let exporter = signed_in("beneficiary", EXPORTER).await?;
    present(&exporter, demo, &lc_path)
        .await
        .context("step 3: upload and present")?;
    examine_and_seek_waiver(&issuer, &lc_path)
        .await
        .context("step 4: examination and waiver request")?;
    let applicant = signed_in("applicant", APPLICANT).await?;
    waive_honour_settle(&applicant, &issuer, &lc_path)
        .await
        .context("step 5: waive, honour, settle")?;
    let third_bank = signed_in("third-bank", THIRD_BANK).await?;
    let mut public = driver.session("public", artifacts).await?;
    browsers.push(public.clone());
    public.base_url = demo.user(ISSUER)?.gateway;
    let exporter_org = demo.user(EXPORTER)?.org;
    verify(&public, demo, &exporter_org)
        .await
        .context("step 6: verify")?;
    double_financing(&exporter, &third_bank, demo)
        .await
        .context("step 7: second financing refused")
}

/// Step 7: the exporter registers the seeded invoice — financed by the advising bank when the
/// demo started — again, re-typed as SilkwayChain JSON; a third bank opens it and tries to
/// finance it; the page shows the ledger's refusal, with what remains financeable and without
/// naming the financier.
async fn double_financing(exporter: &Browser, third_bank: &Browser, demo: &Demo) -> Result<()> {
    let imported = std::process::Command::new(env!("CARGO_BIN_EXE_silkway"))
        .args(["docs", "import", "--format", "cii"])
        .arg(demo.sample("invoice.cii.xml"))
        .output()?;
    ensure!(
        imported.status.success(),
        "silkway docs import: {imported:?}"
    );
    let json = String::from_utf8(imported.stdout)?;
    exporter.open("/invoices").await?;
    let before = invoice_links(exporter).await?;
    exporter
        .find("#invoice-content-type")
        .await?
        .select_by_value("application/json")
        .await?;
    exporter.type_into("#invoice-body", &json).await?;
    let flash = exporter.act("#register-invoice").await?;
    ensure!(flash.contains("done"), "flash after registering: {flash}");
    let new: Vec<String> = invoice_links(exporter)
        .await?
        .difference(&before)
        .cloned()
        .collect();
    ensure!(
        new.len() == 1,
        "the invoices page lists new invoices {new:?}"
    );
    exporter.screenshot("07a-exporter-registered-again").await?;
    third_bank.open(&new[0]).await?;
    third_bank
        .reload_until_text("#invoice-state", "registered", CROSS_GATEWAY_TIMEOUT)
        .await?;
    third_bank.type_into("#finance-amount", "100000.00").await?;
    third_bank.click_to_next_page("#finance").await?;
    let refusal = third_bank.text("#error-message").await?;
    ensure!(
        refusal.contains("already financed") && refusal.contains("48500.00 USD"),
        "the refusal says so and what remains: {refusal}"
    );
    ensure!(
        !refusal.contains("TSCMCNBJ") && !refusal.contains("Tianshan Commercial"),
        "the refusal names the financier: {refusal}"
    );
    third_bank.screenshot("07b-third-bank-refused").await
}

/// The hrefs of the invoice links in the current page's invoice table.
async fn invoice_links(b: &Browser) -> Result<BTreeSet<String>> {
    let mut links = BTreeSet::new();
    for a in b.client.find_all(Locator::Css("#invoices a")).await? {
        links.extend(a.attr("href").await?);
    }
    Ok(links)
}

/// Step 1: the issuing bank pastes the MT700 into the new-credit form; returns `/lcs/<id>`.
async fn issue(issuer: &Browser, demo: &Demo) -> Result<String> {
    issuer.open("/").await?;
    let before = credit_links(issuer).await?;
    issuer.click_to_next_page("a[href='/lcs/new']").await?;
    let mt700 = std::fs::read_to_string(demo.sample("lc.mt700.txt"))?;
    issuer
        .find("#content-type")
        .await?
        .select_by_value("text/plain")
        .await?;
    issuer.type_into("#credit-body", &mt700).await?;
    let flash = issuer.act("#issue").await?;
    ensure!(
        flash.contains("issue_lc: done"),
        "flash after issuing: {flash}"
    );
    let new: Vec<String> = credit_links(issuer)
        .await?
        .difference(&before)
        .cloned()
        .collect();
    ensure!(new.len() == 1, "the home page lists new credits {new:?}");
    issuer.screenshot("01-issuing-bank-issued").await?;
    let lc_path = new[0].clone();
    issuer.click_to_next_page(&link_to(&lc_path)).await?;
    ensure!(issuer.text("#lc-reference").await? == REFERENCE);
    ensure!(issuer.text("#lc-state").await? == "issued");
    Ok(lc_path)
}

/// Step 2: the advising bank, on the other gateway, finds the credit and advises it.
async fn advise(adviser: &Browser, lc_path: &str) -> Result<()> {
    open_from_home(adviser, lc_path).await?;
    ensure!(adviser.text("#lc-state").await? == "issued");
    let flash = adviser.act("#act-advise").await?;
    ensure!(flash.contains("done"), "flash after advising: {flash}");
    ensure!(adviser.text("#lc-state").await? == "advised");
    adviser.screenshot("02-advising-bank-advised").await
}

/// Step 3: the beneficiary uploads the four documents, ticks them and presents them.
async fn present(exporter: &Browser, demo: &Demo, lc_path: &str) -> Result<()> {
    exporter.click_to_next_page("a[href='/documents']").await?;
    for file in DOCUMENTS {
        let path = demo.sample(file);
        // A file input takes the file's path as typed keys.
        exporter
            .find("#upload-file")
            .await?
            .send_keys(&path.display().to_string())
            .await?;
        let flash = exporter.act("#upload").await.context(file)?;
        ensure!(
            flash.contains("stored and anchored"),
            "flash after uploading {file}: {flash}"
        );
    }
    exporter.screenshot("03a-beneficiary-documents").await?;
    open_from_home(exporter, lc_path).await?;
    ensure!(exporter.text("#lc-state").await? == "advised");
    let boxes = exporter
        .client
        .find_all(Locator::Css("#present-form .present-doc"))
        .await?;
    let mut kinds = BTreeSet::new();
    for b in &boxes {
        kinds.insert(b.attr("data-kind").await?.unwrap_or_default());
        b.click().await?;
    }
    ensure!(
        boxes.len() == DOCUMENTS.len() && kinds.len() == DOCUMENTS.len(),
        "the presentation form offers {} documents of kinds {kinds:?}",
        boxes.len()
    );
    let flash = exporter.act("#present").await?;
    ensure!(flash.contains("done"), "flash after presenting: {flash}");
    ensure!(exporter.has("#presentation-state").await?);
    exporter.screenshot("03b-beneficiary-presented").await
}

/// Step 4: the issuing bank waits for the automatic examination, reads the art. 24(a)(ii)
/// discrepancy in the report, seeks the applicant's waiver and opens the MT750.
async fn examine_and_seek_waiver(issuer: &Browser, lc_path: &str) -> Result<()> {
    issuer.open(lc_path).await?;
    issuer
        .reload_until_text(
            "#presentation-state",
            "examined_discrepant",
            EXAMINATION_TIMEOUT,
        )
        .await?;
    let discrepant = discrepant_articles(issuer).await?;
    ensure!(
        discrepant.iter().any(|a| a.contains("24(a)(ii)")),
        "the report's discrepancies cite {discrepant:?}, not art. 24(a)(ii)"
    );
    let listed = issuer
        .client
        .find_all(Locator::Css("#discrepancies li"))
        .await?;
    ensure!(!listed.is_empty(), "no discrepancy listed under the state");
    issuer
        .screenshot_of("#presentation", "04a-issuing-bank-examined")
        .await?;
    let flash = issuer.act("#act-seek_waiver").await?;
    ensure!(
        flash.contains("done"),
        "flash after seeking a waiver: {flash}"
    );
    ensure!(issuer.text("#presentation-state").await? == "waiver_sought");
    issuer.click_to_next_page("#advice-mt750").await?;
    let mt750 = issuer.text("body").await?;
    ensure!(
        mt750.contains(&format!(":21:{REFERENCE}"))
            && mt750.contains(":77J:+UCP 600 art. 24(a)(ii)"),
        "the MT750 page reads:\n{mt750}"
    );
    issuer.screenshot("04b-issuing-bank-mt750").await?;
    issuer.client.back().await?;
    Ok(())
}

/// Step 5: the applicant waives; the issuing bank honours and settles.
async fn waive_honour_settle(applicant: &Browser, issuer: &Browser, lc_path: &str) -> Result<()> {
    open_from_home(applicant, lc_path).await?;
    let flash = applicant.act("#act-waive").await?;
    ensure!(flash.contains("done"), "flash after waiving: {flash}");
    ensure!(applicant.text("#presentation-state").await? == "waived");
    applicant.screenshot("05a-applicant-waived").await?;
    issuer.open(lc_path).await?;
    for verb in ["honour", "settle"] {
        let flash = issuer.act(&format!("#act-{verb}")).await?;
        ensure!(flash.contains("done"), "flash after {verb}: {flash}");
    }
    ensure!(issuer.text("#lc-state").await? == "settled");
    issuer.screenshot("05b-issuing-bank-settled").await
}

/// Step 6: on the public verify page (of the Kazakh gateway, for a Chinese upload), the packing
/// list is anchored with its issuer; a copy with one byte of a value changed is not.
async fn verify(public: &Browser, demo: &Demo, exporter_org: &str) -> Result<()> {
    let original = demo.sample("packing-list.json");
    let (anchored, issuer) = verify_file(public, &original).await?;
    ensure!(
        anchored == "true",
        "the sample verifies as anchored={anchored}"
    );
    ensure!(
        issuer == exporter_org,
        "the verify page names issuer '{issuer}'"
    );
    public.screenshot("06a-verify-anchored").await?;
    let tampered = demo.data_dir().join("tampered-packing-list.json");
    std::fs::write(&tampered, tamper(&std::fs::read(&original)?)?)?;
    let (anchored, _) = verify_file(public, &tampered).await?;
    ensure!(
        anchored == "false",
        "the tampered copy verifies as anchored={anchored}"
    );
    public.screenshot("06b-verify-tampered").await
}

/// Uploads `file` on the verify page; returns `data-anchored` and the issuer shown (if any).
async fn verify_file(public: &Browser, file: &Path) -> Result<(String, String)> {
    public.open("/verify").await?;
    public
        .find("#verify-file")
        .await?
        .send_keys(&file.display().to_string())
        .await?;
    public.click_to_next_page("#verify").await?;
    public.no_error_page().await?;
    let anchored = public
        .find("#verify-result")
        .await?
        .attr("data-anchored")
        .await?
        .unwrap_or_default();
    let issuer = if public.has("#verify-issuer").await? {
        public.text("#verify-issuer").await?
    } else {
        String::new()
    };
    Ok((anchored, issuer))
}

/// The JSON document with the first digit of its first number value changed (still valid JSON,
/// a different value).
fn tamper(json: &[u8]) -> Result<Vec<u8>> {
    let mut bytes = json.to_vec();
    let at = (1..bytes.len())
        .find(|&i| {
            let before = bytes[..i].iter().rev().find(|b| !b.is_ascii_whitespace());
            matches!(bytes[i], b'1'..=b'8') && before == Some(&b':')
        })
        .context("the sample JSON has no number value to change")?;
    bytes[at] += 1;
    serde_json::from_slice::<serde_json::Value>(&bytes).context("the tampered copy")?;
    Ok(bytes)
}

/// The hrefs of the credit links on the current page (the home page).
async fn credit_links(b: &Browser) -> Result<BTreeSet<String>> {
    let mut links = BTreeSet::new();
    for a in b.client.find_all(Locator::Css("a.credit-link")).await? {
        links.extend(a.attr("href").await?);
    }
    Ok(links)
}

fn link_to(lc_path: &str) -> String {
    format!("a.credit-link[href='{lc_path}']")
}

/// Opens the credit from the home page's list, reloading until the ledger change has reached
/// this browser's gateway.
async fn open_from_home(b: &Browser, lc_path: &str) -> Result<()> {
    let started = Instant::now();
    b.open("/").await?;
    while !credit_links(b).await?.contains(lc_path) {
        ensure!(
            started.elapsed() < CROSS_GATEWAY_TIMEOUT,
            "{}: the home page does not list {lc_path} after {CROSS_GATEWAY_TIMEOUT:?}",
            b.name
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        b.client.refresh().await?;
    }
    b.click_to_next_page(&link_to(lc_path)).await
}

/// The article cells of the examination report's rows whose result is a discrepancy.
async fn discrepant_articles(b: &Browser) -> Result<Vec<String>> {
    let mut articles = Vec::new();
    for row in b
        .client
        .find_all(Locator::Css("#examination-report tr"))
        .await?
    {
        let cells = row.find_all(Locator::Css("td")).await?;
        if cells.len() < 3 {
            continue; // the header row
        }
        if cells[2].text().await?.trim() == "discrepancy" {
            articles.push(cells[1].text().await?.trim().to_string());
        }
    }
    Ok(articles)
}
