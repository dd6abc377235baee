//! A client from admission to removal in a real browser (issue 18's walk): admitted after a
//! public referral; a journal entry with a follow-up date, a plan of two measures, a task made
//! by hand; "my work" lists the task and what the rules remind of (the follow-up, a measure
//! due); a police statement attached and taken back byte for byte; a measure delivered (the
//! register records the assistance the statistics read); removed on a statutory ground with
//! its decision document. Screenshots in `test-artifacts/lifecycle/`, axe-core on every page.

use iku_domain::calendar::finnish_date;
use serde_json::Value;

use super::access::TestApp;
use super::browser::Browser;
use super::caseworker_day::{open_unplaced, refer};

const NAME: &str = "Ilmatar Kaukovaara";

/// A date as the English pages take it.
fn english(day: time::Date) -> String {
    format!("{}/{}/{}", day.day(), u8::from(day.month()), day.year())
}

/// A scanned statement: a PDF with bytes of every value.
fn statement() -> Vec<u8> {
    let mut file = b"%PDF-1.7\n(Police statement of Ilmatar Kaukovaara)\n".to_vec();
    file.extend((0..=255u8).cycle().take(40_000));
    file
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_goes_from_admission_through_a_plan_and_documents_to_removal() {
    let app = TestApp::new();
    let addr = app.listen();
    let mut browser = Browser::start(addr, "lifecycle").await;
    let today = finnish_date(iku_app::now());
    let days = time::Duration::days;

    // Admitted: referred, placed with Helsinki's caseworker, the decision confirmed.
    let reference = refer(&browser, NAME).await;
    browser.log_in("director", &app.secret).await;
    open_unplaced(&mut browser).await;
    browser.choose("#placement-office", "helsinki").await;
    browser.choose("#placement-assignee", "cw.helsinki").await;
    browser
        .submit("form[action$='/assignment'] button[type=submit]")
        .await;
    browser.choose("#application", &reference).await;
    browser.click("#outcome-admitted").await;
    browser
        .submit("form[action$='/decision'] button[type=submit]")
        .await;
    browser.submit(".confirm button[type=submit]").await;
    assert!(
        browser.text().await.contains("The decision was recorded."),
        "{}",
        browser.text().await
    );
    browser.log_out().await;

    browser.log_in("cw.helsinki", &app.secret).await;
    browser.type_into("#q", &format!("{NAME} 1991")).await;
    browser.submit("form.search button[type=submit]").await;
    browser.submit("table a[href*='/staff/cases/']").await;
    let case = browser.url().await;

    // A journal entry with a follow-up in two days.
    browser.click("#journal details summary").await;
    browser.choose("#journal-kind", "meeting").await;
    browser
        .type_into(
            "#journal-text",
            "Met at the office; she will bring her papers",
        )
        .await;
    browser
        .type_into("#journal-follow_up", &english(today + days(2)))
        .await;
    browser
        .submit("form[action$='/journal'] button[type=submit]")
        .await;
    assert!(browser.text().await.contains("The entry was saved."));

    // A plan of two measures, the first due in three days.
    browser.click("#plan details:nth-of-type(1) summary").await;
    browser.choose("#need-area", "accommodation").await;
    browser
        .type_into("#need-text", "No safe place to sleep")
        .await;
    browser
        .submit("#plan form:has(#need-area) button[type=submit]")
        .await;
    for (area, measure, due) in [
        ("accommodation", "safe_accommodation", today + days(3)),
        ("health", "health_care", today + days(20)),
    ] {
        browser
            .click("#plan details:has(#measure-area) summary")
            .await;
        browser.choose("#measure-area", area).await;
        browser.choose("#measure-measure", measure).await;
        browser.type_into("#measure-due", &english(due)).await;
        browser
            .submit("#plan form:has(#measure-area) button[type=submit]")
            .await;
        assert!(browser.text().await.contains("The plan was saved."));
    }
    let plan = browser.text().await;
    assert!(
        plan.contains("Safe accommodation") && plan.contains("Health care"),
        "{plan}"
    );

    // A task made by hand: call her tomorrow.
    browser.click("#tasks details summary").await;
    browser.choose("#task-kind", "call").await;
    browser
        .type_into("#task-due", &english(today + days(1)))
        .await;
    browser.submit("#tasks form button[type=submit]").await;
    assert!(browser.text().await.contains("The task was added."));

    // Her police statement, attached and taken back byte for byte.
    let file = statement();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("poliisin-lausunto.pdf");
    std::fs::write(&path, &file).unwrap_or_else(|e| panic!("{e}"));
    browser.click("#documents details summary").await;
    browser.choose("#document-kind", "police_statement").await;
    browser
        .find("#document-file")
        .await
        .send_keys(path.to_string_lossy().as_ref())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    browser.submit("#documents form button[type=submit]").await;
    let attached = browser.text().await;
    assert!(
        attached.contains("The document was attached.")
            && attached.contains("poliisin-lausunto.pdf")
            && attached.contains("Police statement"),
        "{attached}"
    );
    browser
        .check("client page with a plan, a task and a document")
        .await;
    // The link as the browser follows it, with the browser's session (the page's policy
    // lets no script fetch it, so the test does).
    let link = browser
        .find("#documents a[download]")
        .await
        .attr("href")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_default();
    let cookie = browser
        .driver
        .get_named_cookie("iku_session")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, _, back) = super::documents::send(
        &app,
        axum::http::Method::GET,
        &link,
        cookie.value.as_str(),
        None,
    )
    .await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert!(
        back == file,
        "the file came back changed ({} bytes)",
        back.len()
    );

    // My work: the task, and what the rules remind of.
    browser.go("/en/staff/work").await;
    let work = browser.text().await;
    for expected in ["Call", "Follow up (case journal)", "Measure due"] {
        assert!(work.contains(expected), "{expected}: {work}");
    }
    browser.check("my work with reminders and a task").await;

    // The first measure delivered: the register records the assistance given.
    let given = |app: &TestApp| {
        app.persons()
            .iter()
            .filter(|p| p.applications.iter().any(|a| a.id.as_str() == reference))
            .map(|p| p.measures.len())
            .sum::<usize>()
    };
    assert_eq!(given(&app), 0);
    browser.return_to(&case).await;
    browser.choose("#change-0", "done").await;
    browser
        .submit("#plan form.inline:has(#change-0) button[type=submit]")
        .await;
    assert!(browser.text().await.contains("Done"));
    assert_eq!(given(&app), 1);

    // Removed on a statutory ground, with the decision document.
    browser
        .click("details:has(#termination-reason) summary")
        .await;
    let reason: Value = browser
        .driver
        .execute(
            "return document.querySelector('#termination-reason option:nth-child(1)').value",
            Vec::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .clone();
    browser
        .choose("#termination-reason", reason.as_str().unwrap_or_default())
        .await;
    browser
        .submit("form:has(#termination-reason) button[type=submit]")
        .await;
    browser.submit("a[href*='/removal/']").await;
    let removal = browser.text().await;
    assert!(
        // The official language of an English page's document is Finnish.
        removal.contains(NAME) && removal.contains("38 f") && removal.contains("Valitusosoitus"),
        "{removal}"
    );
    browser.check("removal decision").await;

    let findings = browser.stop().await;
    super::browser::accessible(&findings);
}
