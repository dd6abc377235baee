//! The pages in a real browser: Debian's Chromium driven through chromedriver (thirtyfour),
//! against the server listening on loopback. One walk through the authority's day, from a
//! public referral to the review that counts the new client, with a screenshot of every
//! page (`test-artifacts/browser/`) and axe-core (npm, `tests/axe`) run on every page type:
//! no WCAG 2.1 A or AA violation may be found.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use iku_app::auth::totp::code;
use serde_json::Value;
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

use super::access::{PASSWORD, TestApp, unix_now};

/// What axe checks: WCAG 2.0 and 2.1, levels A and AA.
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
  .then(r => done(r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary) }))))
  .catch(e => done([{ id: 'axe-failed', help: String(e) }]));
"#;

/// chromedriver on a port of its own, and the browser session it drives.
pub(crate) struct Browser {
    pub(crate) driver: WebDriver,
    chromedriver: Child,
    _profile: tempfile::TempDir,
    base: String,
    pub(crate) artifacts: PathBuf,
    axe: String,
    shots: usize,
    /// Every page type checked, and what axe found on it.
    pub(crate) findings: Vec<(String, Vec<Value>)>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

impl Browser {
    /// A browser on the server at `app`, its screenshots in `test-artifacts/{walk}/` (emptied
    /// first).
    pub(crate) async fn start(app: SocketAddr, walk: &str) -> Browser {
        let port = free_port();
        let chromedriver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("chromedriver (apt-get install chromium-driver): {e}"));
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut caps = DesiredCapabilities::chrome();
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--window-size=1280,1000".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        for arg in &args {
            caps.add_arg(arg).unwrap_or_else(|e| panic!("{e}"));
        }
        caps.set_binary("/usr/bin/chromium")
            .unwrap_or_else(|e| panic!("{e}"));
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
            .await
            .unwrap_or_else(|e| panic!("a Chromium session: {e}"));
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let axe_path = manifest.join("tests/axe/node_modules/axe-core/axe.min.js");
        let axe = std::fs::read_to_string(&axe_path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (npm ci --prefix crates/iku-web/tests/axe)",
                axe_path.display()
            )
        });
        let artifacts = manifest.join("../../test-artifacts").join(walk);
        let _ = std::fs::remove_dir_all(&artifacts);
        std::fs::create_dir_all(&artifacts).unwrap_or_else(|e| panic!("{e}"));
        Browser {
            driver,
            chromedriver,
            _profile: profile,
            base: format!("http://{app}"),
            artifacts,
            axe,
            shots: 0,
            findings: Vec::new(),
        }
    }

    pub(crate) async fn go(&self, path: &str) {
        self.driver
            .goto(format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }

    /// Goes back to a page met before, by its whole address (`url`).
    pub(crate) async fn return_to(&self, url: &str) {
        self.driver
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }

    pub(crate) async fn find(&self, css: &str) -> WebElement {
        match self.driver.find(By::Css(css)).await {
            Ok(found) => found,
            Err(e) => panic!("{css} on {}: {e}", self.url().await),
        }
    }

    pub(crate) async fn url(&self) -> String {
        self.driver
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    pub(crate) async fn text(&self) -> String {
        self.find("body")
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap_or_else(|e| panic!("{e}"));
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    pub(crate) async fn choose(&self, css: &str, value: &str) {
        SelectElement::new(&self.find(css).await)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
    }

    pub(crate) async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// Clicks what submits a form (or follows a link) and waits until the next page has
    /// loaded: the old page is marked, and the mark is gone only from a new document.
    pub(crate) async fn submit(&self, css: &str) {
        let element = self.find(css).await;
        self.submit_with(element).await;
    }

    pub(crate) async fn submit_with(&self, element: WebElement) {
        self.mark_page().await;
        element.click().await.unwrap_or_else(|e| panic!("{e}"));
        self.wait_for_new_page().await;
    }

    /// Types `text` into a field and presses Enter (which submits its form), and waits for
    /// the next page.
    pub(crate) async fn enter_in(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        self.mark_page().await;
        field
            .send_keys(format!("{text}\n"))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        self.wait_for_new_page().await;
    }

    async fn mark_page(&self) {
        self.driver
            .execute("window.ikuOldPage = true;", Vec::new())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    async fn wait_for_new_page(&self) {
        let started = Instant::now();
        loop {
            let state = self
                .driver
                .execute(
                    "return window.ikuOldPage ? 'old' : document.readyState;",
                    Vec::new(),
                )
                .await
                .map(|r| r.json().as_str().unwrap_or_default().to_owned())
                .unwrap_or_default();
            if state == "complete" {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no new page after a click on {}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Takes a screenshot of the page and runs axe on it, as a page of `kind`.
    pub(crate) async fn check(&mut self, kind: &str) {
        let source = self.driver.source().await.unwrap_or_default();
        assert!(
            !source.contains('⟦'),
            "a word is missing on the {kind} page"
        );
        self.shots += 1;
        let name = format!("{:02}-{}.png", self.shots, kind.replace(' ', "-"));
        self.driver
            .screenshot(&self.artifacts.join(name))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        self.driver
            .execute(self.axe.as_str(), Vec::new())
            .await
            .unwrap_or_else(|e| panic!("axe-core on {kind}: {e}"));
        let found = self
            .driver
            .execute_async(AXE_RUN, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("axe.run on {kind}: {e}"));
        let violations = found.json().as_array().cloned().unwrap_or_default();
        self.findings.push((kind.to_owned(), violations));
    }

    pub(crate) async fn log_in(&self, name: &str, secret: &iku_app::auth::totp::TotpSecret) {
        self.log_in_at(name, secret, unix_now()).await;
    }

    /// Logs in with the code of the time `at` (a second login within one 30-second step
    /// takes the next step's code: a code is accepted once).
    pub(crate) async fn log_in_at(
        &self,
        name: &str,
        secret: &iku_app::auth::totp::TotpSecret,
        at: i64,
    ) {
        self.go("/en/staff/login").await;
        self.type_into("#username", name).await;
        self.type_into("#password", PASSWORD).await;
        self.type_into("#code", &code(secret, at)).await;
        self.submit("main form button[type=submit]").await;
    }

    /// From the statistics page: this year's annual review, for internal use, as HTML.
    pub(crate) async fn internal_review_of_this_year(&self) {
        let year = time::OffsetDateTime::now_utc().year().to_string();
        self.choose("#kind", "annual").await;
        self.type_into("#year", &year).await;
        self.choose("#disclosure", "internal").await;
        self.choose("#format", "html").await;
        self.submit("form[action$='/statistics/review'] button")
            .await;
    }

    pub(crate) async fn log_out(&self) {
        self.submit("form[action$='/staff/logout'] button").await;
    }

    pub(crate) async fn stop(self) -> Vec<(String, Vec<Value>)> {
        let Browser {
            driver,
            mut chromedriver,
            findings,
            ..
        } = self;
        let _ = driver.quit().await;
        let _ = chromedriver.kill();
        let _ = chromedriver.wait();
        findings
    }
}

/// Asserts that axe-core found no WCAG 2.1 AA violation on any page checked.
pub(crate) fn accessible(findings: &[(String, Vec<Value>)]) {
    let violations: Vec<_> = findings.iter().filter(|(_, v)| !v.is_empty()).collect();
    assert!(
        violations.is_empty(),
        "axe-core found WCAG 2.1 AA violations:\n{}",
        serde_json::to_string_pretty(&violations).unwrap_or_default()
    );
}

/// The number in the row `row` of the table captioned `caption` on the page.
pub(crate) async fn cell(browser: &Browser, caption: &str, row: &str) -> Option<String> {
    let script = r#"
      const [caption, row] = arguments;
      for (const table of document.querySelectorAll('table')) {
        const c = table.querySelector('caption');
        if (!c || c.textContent.trim() !== caption) continue;
        for (const tr of table.querySelectorAll('tbody tr')) {
          const th = tr.querySelector('th');
          if (th && th.textContent.trim() === row) return tr.querySelector('td').textContent.trim();
        }
      }
      return null;"#;
    let found = browser
        .driver
        .execute(script, vec![caption.into(), row.into()])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    found.json().as_str().map(str::to_owned)
}

pub(crate) fn image_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_referral_becomes_a_client_in_the_review_in_a_real_browser_and_every_page_passes_axe() {
    let app = TestApp::new();
    let addr = app.listen();
    let mut browser = Browser::start(addr, "browser").await;

    // The public side: the home page, the form, its errors, the confirmation.
    browser.go("/en/").await;
    browser.check("home").await;
    browser.go("/en/referral").await;
    browser.check("referral form").await;
    browser.submit("main button[value=check]").await;
    assert!(browser.text().await.contains("There is a problem"));
    browser.check("referral form with errors").await;
    browser.choose("#who", "victim_self").await;
    browser.type_into("#name", "Ottilie Brennwald").await;
    browser.type_into("#phone", "040 7654321").await;
    browser.click("#consent").await;
    browser.submit("main button[value=check]").await;
    // The answers to check, then sent.
    assert!(browser.text().await.contains("Ottilie Brennwald"));
    browser.check("referral check your answers").await;
    browser.submit("main button[value=send]").await;
    let reference = browser
        .find(".reference")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(reference.starts_with("R-"), "{}", browser.text().await);
    browser.check("referral done").await;
    // The reference is in no address, and the confirmation seen again has no number.
    assert!(browser.url().await.ends_with("/en/referral/done"));
    browser.go("/en/referral/done").await;
    assert!(!browser.text().await.contains(&reference));

    // A director logs in with a code, finds the referral in the inbox and admits the person.
    browser.log_in("director", &app.secret).await;
    assert!(
        browser.url().await.ends_with("/en/staff/cases"),
        "a director starts from the cases: {}",
        browser.url().await
    );
    browser.check("cases").await;
    browser.go("/en/staff/").await;
    browser.check("inbox").await;
    let link = browser
        .driver
        .find(By::XPath(format!("//tr[contains(., '{reference}')]//a")))
        .await
        .unwrap_or_else(|e| panic!("the referral in the inbox: {e}"));
    browser.submit_with(link).await;
    let opened = browser.text().await;
    assert!(opened.contains(&reference), "{opened}");
    browser.check("client page").await;
    browser.choose("#application", &reference).await;
    browser.click("#outcome-admitted").await;
    browser
        .submit("form[action$='/decision'] button[type=submit]")
        .await;
    browser.check("decision confirmation").await;
    browser.submit(".confirm button[type=submit]").await;
    assert!(
        browser
            .text()
            .await
            .contains("Admitted to the assistance system, "),
        "{}",
        browser.text().await
    );

    // The decision as its document, in Finnish from an English page.
    let case = browser.url().await;
    browser.submit("a[href*='/decisions/']").await;
    let document = browser.text().await;
    assert!(
        document.contains("Valitusosoitus") && document.contains("director"),
        "{document}"
    );
    browser.check("decision document").await;
    browser.return_to(&case).await;

    // Refused input comes back with the reason, nothing stored.
    browser.type_into("#reflection-days", "lots").await;
    browser
        .submit("form[action$='/record'] input[value=reflection] ~ button")
        .await;
    assert!(
        browser.text().await.contains("Nothing was saved"),
        "{}",
        browser.text().await
    );
    browser.check("client page with a refusal").await;

    browser.choose("#assessment-form", "forced_labour").await;
    browser.choose("#assessment-place", "finland").await;
    browser
        .submit("form[action$='/record'] input[value=assessment] ~ button")
        .await;
    browser.type_into("#reflection-days", "60").await;
    browser
        .choose("#reflection-granted_by", "assistance_system")
        .await;
    browser
        .submit("form[action$='/record'] input[value=reflection] ~ button")
        .await;
    let record = browser.text().await;
    assert!(record.contains("Forced labour"), "{record}");
    assert!(
        record.contains("59 days left") || record.contains("58 days left"),
        "{record}"
    );
    browser.check("client page with a reflection period").await;

    // The history names who recorded each entry; the latest (the reflection period) is
    // retracted after a confirmation, and the record no longer counts it.
    let case = browser.url().await;
    browser.submit("a[href$='/history']").await;
    let history = browser.text().await;
    assert!(
        history.contains("the public referral form") && history.contains("director"),
        "{history}"
    );
    browser.check("case history").await;
    browser
        .submit("tbody tr:last-child a[href*='retract=']")
        .await;
    browser.check("retraction confirmation").await;
    browser.submit(".confirm button[type=submit]").await;
    let history = browser.text().await;
    assert!(history.contains("Retracted by entry"), "{history}");
    browser.return_to(&case).await;
    assert!(!browser.text().await.contains("days left"));
    browser.go("/en/staff/deadlines").await;
    browser.check("deadlines").await;
    browser.go("/en/staff/audit").await;
    browser.check("break-the-glass openings").await;
    browser.log_out().await;

    // The statistician's internal review of this year counts the new client.
    browser.log_in("statistician", &app.secret).await;
    browser.go("/en/staff/statistics").await;
    browser.check("statistics").await;
    browser.internal_review_of_this_year().await;
    let counted = cell(
        &browser,
        "New clients by form of exploitation",
        "Forced labour",
    )
    .await;
    assert_eq!(counted.as_deref(), Some("1"), "{}", browser.text().await);
    browser.check("review").await;
    // Back to the pages from the review, and publishing this year's: the disclosure report
    // in words first, then the publication and its report.
    browser.submit("p.back a").await;
    assert!(browser.url().await.ends_with("/en/staff/statistics"));
    let this_year = time::OffsetDateTime::now_utc().year().to_string();
    browser.type_into("#publish-year", &this_year).await;
    browser
        .submit("form[action$='/statistics/publish'] button")
        .await;
    assert!(browser.text().await.contains("Disclosure report"));
    browser
        .check("publishing confirmation with the disclosure report")
        .await;
    browser
        .submit(".confirm form[action$='/statistics/publish'] button")
        .await;
    assert!(
        browser
            .text()
            .await
            .contains("The review was published and frozen.")
    );
    browser.submit("a[href$='/report']").await;
    browser.check("disclosure report").await;

    // The oversight pages, and a first login's enrolment.
    browser.go("/en/staff/statistics").await;
    browser.log_out().await;
    browser.log_in("admin", &app.secret).await;
    browser.go("/en/staff/admin").await;
    browser.check("accounts").await;
    browser.type_into("#add-username", "New Person").await;
    browser.choose("#add-role", "caseworker").await;
    browser.submit("#add button[type=submit]").await;
    browser.check("accounts with a mistake").await;
    browser.type_into("#add-username", "new.person").await;
    browser.type_into("#add-office", "oulu").await;
    browser.submit("#add button[type=submit]").await;
    assert!(browser.text().await.contains("First password"));
    browser.check("account added").await;
    browser.go("/en/staff/admin/accounts/new.person").await;
    browser.check("account").await;
    browser.log_out().await;
    browser.log_in("auditor", &app.secret).await;
    browser.go("/en/staff/audit").await;
    browser.check("audit log").await;
    browser.log_out().await;
    browser.go("/en/staff/login").await;
    browser.check("login").await;
    browser.type_into("#username", "newcomer").await;
    browser.type_into("#password", PASSWORD).await;
    browser.submit("main form button[type=submit]").await;
    browser.check("enrolment").await;
    browser.go("/fi/referral").await;
    browser.check("referral form in Finnish").await;
    browser.go("/sv/referral").await;
    browser.check("referral form in Swedish").await;

    // The check can fail: a picture without a text alternative is found.
    browser
        .driver
        .execute(
            "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/assets/none.png\">');",
            Vec::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    browser.check("a page broken on purpose").await;
    let broken = browser.findings.pop().map(|(_, v)| v).unwrap_or_default();
    assert!(
        broken.iter().any(|v| v["id"] == "image-alt"),
        "axe did not find the missing alt text: {broken:?}"
    );

    let artifacts = browser.artifacts.clone();
    let findings = browser.stop().await;
    assert_eq!(image_count(&artifacts), findings.len() + 1);
    accessible(&findings);
}
