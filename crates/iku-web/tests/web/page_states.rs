//! Every kind of page in the states a user meets beside the happy path, checked by axe-core in
//! Chromium with a screenshot each: a referral held back by the per-address limit with its
//! story kept, a failed login, a refused page, mistakes in the search, the journal (in Finnish,
//! with its dates as Finns write them) and the password forms, a break-the-glass reason not
//! given, an account action to confirm, and a confirmation seen again without its reference.

use super::access::TestApp;
use super::browser::Browser;

#[tokio::test(flavor = "multi_thread")]
async fn the_pages_in_their_error_refusal_and_confirmation_states_pass_axe() {
    let app = TestApp::new();
    let addr = app.listen();
    let mut browser = Browser::start(addr, "states").await;

    browser.go("/en/referral/done").await;
    browser.check("referral confirmation seen again").await;

    // Five referrals from one address in a minute; the sixth is held back with everything
    // typed kept, when to send it again, and the advice line.
    for n in 0..6 {
        browser.go("/en/referral").await;
        browser.choose("#who", "ngo").await;
        browser
            .type_into("#phone", &format!("040 765 432{n}"))
            .await;
        browser
            .type_into("#what", "She works without pay at a berry farm")
            .await;
        browser.click("#consent").await;
        browser.submit("main button[value=check]").await;
        browser.submit("main button[value=send]").await;
    }
    let held = browser.text().await;
    assert!(held.contains("send it again in a minute"), "{held}");
    assert!(
        held.contains("029 54 63 177") || held.contains("+358 29 54 63 177"),
        "{held}"
    );
    let kept = browser.find("#what").await.text().await.unwrap_or_default();
    assert_eq!(kept, "She works without pay at a berry farm");
    browser.check("referral held back by the limit").await;

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
    // In Finnish, the dates as Finns write them: 31.12.2026 is taken, a day that does not
    // exist is said beside its field in Finnish, with everything typed kept.
    browser.go("/fi/staff/cases/p1").await;
    browser.click("#journal summary").await;
    browser.type_into("#journal-date", "1.12.2026").await;
    browser
        .type_into("#journal-text", "Soitti ja kertoi uudesta osoitteesta")
        .await;
    browser.type_into("#journal-follow_up", "31.2.2026").await;
    browser.submit("#journal form button[type=submit]").await;
    let said = browser.text().await;
    assert!(
        said.contains("Anna palaamispäivä muodossa 31.12.2026"),
        "{said}"
    );
    assert_eq!(
        browser
            .find("#journal-text")
            .await
            .text()
            .await
            .unwrap_or_default(),
        "Soitti ja kertoi uudesta osoitteesta"
    );
    browser.check("journal with a mistake in Finnish").await;
    browser.type_into("#journal-follow_up", "31.12.2026").await;
    browser.submit("#journal form button[type=submit]").await;
    let saved = browser.text().await;
    assert!(saved.contains("Merkintä tallennettiin."), "{saved}");
    assert!(saved.contains("Palaa asiaan 31.12.2026"), "{saved}");
    // A reflection period and a removal, each read as the document the person is given.
    let api = app.login_at("cw.helsinki", 1).await;
    let granted = app
        .call(
            axum::http::Method::POST,
            "/api/cases/p1/events",
            Some(&api),
            Some(
                serde_json::json!({"event": "reflection_period_granted", "date": "2026-11-02",
                                    "days": 30, "granted_by": "assistance_system"}),
            ),
        )
        .await;
    assert_eq!(
        granted.status,
        axum::http::StatusCode::OK,
        "{}",
        granted.text
    );
    let removed = app
        .call(
            axum::http::Method::POST,
            "/api/cases/p1/events",
            Some(&api),
            Some(
                serde_json::json!({"event": "assistance_terminated", "date": "2026-12-01",
                                    "reason": "own_request"}),
            ),
        )
        .await;
    assert_eq!(
        removed.status,
        axum::http::StatusCode::OK,
        "{}",
        removed.text
    );
    browser.go("/fi/staff/cases/p1/removal/fi").await;
    assert!(browser.text().await.contains("38 f §"));
    browser.check("removal decision document").await;
    browser.go("/en/staff/cases/p1").await;
    browser.submit("a[href*='/reflection/']").await;
    assert!(browser.text().await.contains("Aliens Act"));
    browser.check("reflection period notice").await;
    // In Swedish, the search's mistake.
    browser.go("/sv/staff/search").await;
    browser.submit("form[action$='/staff/search'] button").await;
    assert!(browser.text().await.contains("Skriv namn och födelseår"));
    browser.check("search with a mistake in Swedish").await;
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
    // An account's address mistyped: said beside the field.
    browser.go("/en/staff/admin/accounts/cw.tampere").await;
    browser
        .type_into("#contact-full_name", "Tuomas Tampere")
        .await;
    browser.type_into("#contact-email", "tuomas at iku").await;
    browser
        .submit("form:has(#contact-email) button[type=submit]")
        .await;
    assert!(
        browser
            .text()
            .await
            .contains("Write the e-mail address as name@domain.fi")
    );
    browser.check("account contact with a mistake").await;
    browser.log_out().await;

    // A file refused: an empty one, said beside the file field, the kind kept.
    browser.log_in("director", &app.secret).await;
    browser.go("/en/staff/cases/p1").await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let empty = dir.path().join("scan.pdf");
    std::fs::write(&empty, b"").unwrap_or_else(|e| panic!("{e}"));
    browser.click("#documents details summary").await;
    browser.choose("#document-kind", "medical_report").await;
    browser
        .find("#document-file")
        .await
        .send_keys(empty.to_string_lossy().as_ref())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    browser.submit("#documents form button[type=submit]").await;
    assert!(browser.text().await.contains("The file is empty."));
    browser.check("document refused").await;
    browser.log_out().await;

    // The data protection officer: a request found, recorded and answered.
    browser.log_in("dpo", &app.secret).await;
    assert!(browser.url().await.ends_with("/en/staff/personal-data"));
    browser.check("data requests").await;
    browser.type_into("#q", super::access::SECRETS[1]).await;
    browser.submit("form.search button[type=submit]").await;
    assert!(browser.text().await.contains("Persons found (1)"));
    browser.check("data request: person found").await;
    browser.submit("form.card button[type=submit]").await;
    let answer = browser.text().await;
    assert!(
        answer.contains("Data held about the person") && answer.contains("Who read or changed"),
        "{answer}"
    );
    browser.check("data request: the answer").await;

    let findings = browser.stop().await;
    super::browser::accessible(&findings);
}
