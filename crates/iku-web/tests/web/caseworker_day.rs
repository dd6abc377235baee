//! The caseworker's day in a real browser: a public referral placed by a director, found by
//! its caseworker by a misspelled name with the year of birth and by a phone number, a
//! journal entry written and seen in the history; the same person referred again, proposed
//! as a duplicate and linked; the review counts one person. Screenshots in
//! `test-artifacts/caseworker/`, axe-core on every page type.

use super::access::{TestApp, unix_now};

use super::browser::{Browser, cell};

const NAME: &str = "Ottilie Brennwald";
const NOTE: &str = "Called her: the meeting at the office is on Monday";

/// Refers `name` (born 1991, phone 040 765 4321) by the public form; the reference.
pub(super) async fn refer(browser: &Browser, name: &str) -> String {
    browser.go("/en/referral").await;
    browser.choose("#who", "victim_self").await;
    browser.type_into("#name", name).await;
    browser.type_into("#birth_year", "1991").await;
    browser.type_into("#phone", "040 765 4321").await;
    browser.click("#consent").await;
    browser.submit("main button[value=check]").await;
    browser.submit("main button[value=send]").await;
    let reference = browser.find(".reference").await.text().await;
    let reference = reference.unwrap_or_default();
    assert!(reference.starts_with("R-"), "{}", browser.text().await);
    reference
}

/// Opens the one case in the directors' queue of cases not yet placed.
pub(super) async fn open_unplaced(browser: &mut Browser) {
    browser.go("/en/staff/cases?office=-").await;
    let link = browser.find("table tbody th a").await;
    browser.submit_with(link).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caseworker_finds_their_client_keeps_a_journal_and_a_re_referral_is_linked() {
    let app = TestApp::new();
    let addr = app.listen();
    let mut browser = Browser::start(addr, "caseworker").await;

    // A referral: the director finds it in the queue, places it and admits the person.
    let first = refer(&browser, NAME).await;
    // Back from the confirmation (on a phone that may be shared): the answers checked before
    // sending are not shown again, neither from the browser's memory nor by asking again.
    browser
        .driver
        .back()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let story = ["Ottilie", "Brennwald", "765 4321", "1991"];
    let shows_story = |source: &str| story.iter().any(|s| source.contains(s));
    let mut source = String::new();
    for _ in 0..50 {
        source = browser.driver.source().await.unwrap_or_default();
        if !shows_story(&source) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    source = browser.driver.source().await.unwrap_or(source);
    assert!(!shows_story(&source), "after Back: {source}");
    browser.log_in("director", &app.secret).await;
    browser.go("/en/staff/cases?office=-").await;
    browser.check("cases without an office").await;
    open_unplaced(&mut browser).await;
    assert!(browser.text().await.contains("No office yet"));
    browser.check("client page not placed").await;
    browser.choose("#placement-office", "helsinki").await;
    browser.choose("#placement-assignee", "cw.helsinki").await;
    browser
        .submit("form[action$='/assignment'] button[type=submit]")
        .await;
    assert!(
        browser.text().await.contains("The case was placed."),
        "{}",
        browser.text().await
    );
    browser.choose("#application", &first).await;
    browser.click("#outcome-admitted").await;
    browser
        .submit("form[action$='/decision'] button[type=submit]")
        .await;
    browser.submit(".confirm button[type=submit]").await;
    browser.log_out().await;

    // The caseworker starts from their work and finds her by a misspelled name and year,
    // and by her phone number written otherwise.
    browser.log_in("cw.helsinki", &app.secret).await;
    assert!(browser.url().await.ends_with("/en/staff/work"));
    browser.check("my work").await;
    browser.type_into("#q", "Otilie Brenwald 1991").await;
    browser.submit("form.search button[type=submit]").await;
    let found = browser.text().await;
    assert!(found.contains("Found 1."), "{found}");
    assert!(found.contains("2 of 2 name parts"), "{found}");
    browser.check("search results").await;
    browser.type_into("#q", "+358 40 7654321").await;
    browser.submit("form.search button[type=submit]").await;
    assert!(browser.text().await.contains("Found 1."));
    browser.submit("table a[href*='/staff/cases/']").await;
    assert!(browser.text().await.contains(&first));

    // A journal entry, on the client page and in the history.
    browser.click("#journal details summary").await;
    browser.choose("#journal-kind", "phone_call").await;
    browser.type_into("#journal-text", NOTE).await;
    browser
        .submit("form[action$='/journal'] button[type=submit]")
        .await;
    let page = browser.text().await;
    assert!(
        page.contains("The entry was saved.") && page.contains(NOTE),
        "{page}"
    );
    browser.check("client page with a journal entry").await;

    // Her service needs and a plan: a need assessed, a measure agreed and delivered.
    browser.click("#plan details:nth-of-type(1) summary").await;
    browser.choose("#need-area", "accommodation").await;
    browser
        .type_into("#need-text", "Sleeps at a friend's; wants a safe place")
        .await;
    browser
        .submit("#plan form:has(#need-area) button[type=submit]")
        .await;
    assert!(browser.text().await.contains("The plan was saved."));
    browser
        .click("#plan details:has(#measure-area) summary")
        .await;
    browser.choose("#measure-area", "accommodation").await;
    browser
        .choose("#measure-measure", "safe_accommodation")
        .await;
    browser
        .choose("#measure-provider", "reception_centre")
        .await;
    browser
        .submit("#plan form:has(#measure-area) button[type=submit]")
        .await;
    let plan = browser.text().await;
    assert!(
        plan.contains("Safe accommodation") && plan.contains("Planned"),
        "{plan}"
    );
    browser.check("client page with a plan").await;
    browser.choose("#change-0", "done").await;
    browser
        .submit("#plan form.inline button[type=submit]")
        .await;
    assert!(browser.text().await.contains("Done"));
    browser.submit("a[href$='/history']").await;
    let history = browser.text().await;
    assert!(
        history.contains(NOTE) && history.contains("Phone call"),
        "{history}"
    );
    browser.check("history with a journal entry").await;
    browser.log_out().await;

    // The same person referred again: proposed to the director as a duplicate, and linked.
    let second = refer(&browser, NAME).await;
    browser
        .log_in_at("director", &app.secret, unix_now() + 30)
        .await;
    open_unplaced(&mut browser).await;
    let proposed = browser.text().await;
    assert!(
        proposed.contains("Could this be the same person?")
            && proposed.contains("same name and year of birth, same phone number"),
        "{proposed}"
    );
    browser.check("possible duplicate").await;
    browser.submit("#duplicates button[value=same]").await;
    let linked = browser.text().await;
    assert!(
        linked.contains("The application was linked to this case.")
            && linked.contains(&first)
            && linked.contains(&second),
        "{linked}"
    );
    browser.check("linked case").await;
    browser.log_out().await;

    // This year's review: two applications of hers, one person (and the three of March).
    browser.log_in("statistician", &app.secret).await;
    browser.go("/en/staff/statistics").await;
    browser.internal_review_of_this_year().await;
    let review = browser.text().await;
    assert!(
        review.contains("Persons behind the applications\nTotal 4.")
            && review.contains("Applications by referrer\nTotal 5."),
        "{review}"
    );
    let linked_self = cell(&browser, "Applications by referrer", "The victim themself").await;
    assert_eq!(linked_self.as_deref(), Some("2"));
    browser.check("review counting one person").await;

    let findings = browser.stop().await;
    super::browser::accessible(&findings);
}
