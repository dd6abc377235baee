//! Every kind of page in the states a user meets beside the happy path, checked by axe-core in
//! Chromium with a screenshot each: a failed login, a refused page, mistakes in the search, the
//! journal and the password forms, a break-the-glass reason not given, an account action to
//! confirm, and a confirmation seen again without its reference.

use super::access::TestApp;
use super::browser::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn the_pages_in_their_error_refusal_and_confirmation_states_pass_axe() {
    let app = TestApp::new();
    let addr = app.listen();
    let mut browser = Browser::start(addr, "states").await;

    browser.go("/en/referral/done").await;
    browser.check("referral confirmation seen again").await;

    browser.go("/en/staff/login").await;
    browser.type_into("#username", "cw.helsinki").await;
    browser.type_into("#password", "not the password").await;
    browser.type_into("#code", "000000").await;
    browser.submit("main form button[type=submit]").await;
    assert!(browser.url().await.contains("/en/staff/login"));
    browser.check("login failed").await;

    browser.log_in("cw.helsinki", &app.secret).await;
    browser.go("/en/staff/statistics").await;
    assert!(browser.text().await.contains("Cases"), "the menu stays");
    browser.check("refused page").await;

    browser.go("/en/staff/search").await;
    browser.submit("form[action$='/staff/search'] button").await;
    browser.check("search with a mistake").await;
    browser.type_into("#q", "010190-913X").await;
    browser.submit("form[action$='/staff/search'] button").await;
    browser.check("search results").await;

    browser.go("/en/staff/cases/p1").await;
    browser.click("#journal summary").await;
    browser.type_into("#journal-date", "31.2.2026").await;
    browser.submit("#journal form button[type=submit]").await;
    assert!(browser.text().await.contains("There is a problem"));
    browser.check("journal with mistakes").await;
    browser.log_out().await;

    // Tampere's caseworker finds Helsinki's client only by giving a reason.
    browser.log_in("cw.tampere", &app.secret).await;
    browser.go("/en/staff/search").await;
    browser.type_into("#q", "010190-913X").await;
    browser.submit("form[action$='/staff/search'] button").await;
    browser
        .check("search with a person outside the scope")
        .await;
    browser.submit(".glass form button").await;
    let said = browser.text().await;
    assert!(
        said.contains("Give the reason in at least 10 characters"),
        "{said}"
    );
    assert_eq!(
        browser
            .find("#reason")
            .await
            .attr("aria-invalid")
            .await
            .ok()
            .flatten()
            .as_deref(),
        Some("true")
    );
    browser
        .check("search outside the scope without a reason")
        .await;
    browser.log_out().await;

    browser.log_in("admin", &app.secret).await;
    browser.go("/en/staff/admin/accounts/cw.tampere").await;
    browser.submit("form input[value=disable] ~ button").await;
    assert!(browser.text().await.contains("Disable the account?"));
    browser.check("account action confirmation").await;
    browser.go("/en/staff/password").await;
    browser.check("password change").await;
    browser.type_into("#current", "wrong").await;
    browser.type_into("#new", "short").await;
    browser
        .submit("main form[action$='/staff/password'] button")
        .await;
    browser.check("password change with a mistake").await;

    let findings = browser.stop().await;
    let violations: Vec<_> = findings.iter().filter(|(_, v)| !v.is_empty()).collect();
    assert!(
        violations.is_empty(),
        "axe-core found WCAG 2.1 AA violations:\n{}",
        serde_json::to_string_pretty(&violations).unwrap_or_default()
    );
}
