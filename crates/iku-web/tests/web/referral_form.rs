//! The public referral form's mistakes, as a person on a phone meets them: the page's title
//! says there are errors and the summary takes the focus; a year in the future and a text
//! too long say what is wrong and the limit; the consent box is tied to its error; the year
//! is asked for with a number pad; "not known" is offered once.

use axum::http::{Method, StatusCode};

use super::access::TestApp;

#[tokio::test]
async fn the_forms_mistakes_say_what_is_wrong_and_where() {
    let app = TestApp::new();
    let (_, _, _, blank) = app.page(Method::GET, "/fi/referral", None, None).await;
    assert!(
        blank.contains("<title>Ohjaa henkilö avun piiriin"),
        "{blank}"
    );
    assert!(
        !blank.contains(r#"value="unknown""#),
        "one 'not known', not two: {blank}"
    );
    assert!(
        blank.contains(r#"<option value="">Ei tiedossa</option>"#),
        "{blank}"
    );
    assert!(
        blank.contains(
            r#"id="birth_year" name="birth_year" value="" autocomplete="off" inputmode="numeric""#
        ),
        "{blank}"
    );

    let next_year = (time::OffsetDateTime::now_utc().year() + 1).to_string();
    let long_name = "A".repeat(201);
    let (status, _, _, html) = app
        .page(
            Method::POST,
            "/fi/referral",
            None,
            Some(&[
                ("who", "ngo"),
                ("name", long_name.as_str()),
                ("birth_year", next_year.as_str()),
                ("phone", "040 1234567"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("<title>Virhe: Ohjaa henkilö avun piiriin"),
        "{html}"
    );
    assert!(
        html.contains(r#"class="error-summary" role="alert" tabindex="-1" autofocus"#),
        "{html}"
    );
    assert!(
        html.contains("Syntymävuosi ei voi olla tulevaisuudessa"),
        "{html}"
    );
    assert!(
        html.contains("Nimi on liian pitkä: enintään 200 merkkiä"),
        "{html}"
    );
    assert!(
        html.contains(r#"aria-describedby="consent-error consent-hint" aria-invalid="true""#),
        "{html}"
    );
    assert!(html.contains(r##"<a href="#consent">"##), "{html}");
    assert!(
        html.contains(&format!(r#"value="{next_year}""#)),
        "what was typed is kept"
    );
    assert_eq!(app.persons().len(), 3, "nothing stored");
}

/// A complete referral, as typed (the step is the button pressed).
const STORY: [(&str, &str); 6] = [
    ("who", "victim_self"),
    ("name", "Ottilie Brennwald"),
    ("birth_year", "1991"),
    ("phone", "040 765 4321"),
    ("what", "Töissä ravintolassa <ilman palkkaa>"),
    ("consent", "yes"),
];

fn with_step(step: &str) -> Vec<(&str, &str)> {
    let mut form = STORY.to_vec();
    form.push(("step", step));
    form
}

#[tokio::test]
async fn the_answers_are_checked_before_they_are_sent_and_nothing_is_stored_until_then() {
    let app = TestApp::new();
    let before = app.persons().len();
    // Continue: every answer shown to check, in the page's form, nothing stored yet.
    let (status, _, _, check) = app
        .page(
            Method::POST,
            "/en/referral",
            None,
            Some(&with_step("check")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{check}");
    assert!(
        check.contains("<title>Check your answers before sending"),
        "{check}"
    );
    for shown in [
        "The victim themself",
        "Ottilie Brennwald",
        "1991",
        "040 765 4321",
        "Töissä ravintolassa &lt;ilman palkkaa&gt;",
        "The person agrees to the referral",
    ] {
        assert!(check.contains(shown), "{shown} in {check}");
    }
    assert!(check.contains(r#"<input type="hidden" name="name" value="Ottilie Brennwald">"#));
    assert!(
        check.contains(r#"<dd class="answer">Not given</dd>"#),
        "the e-mail left empty: {check}"
    );
    assert!(check.contains(r#"value="change-phone""#), "{check}");
    assert_eq!(app.persons().len(), before, "nothing stored before sending");

    // Change: the form again, everything kept, the cursor in the field to change.
    let (status, _, _, change) = app
        .page(
            Method::POST,
            "/en/referral",
            None,
            Some(&with_step("change-phone")),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        change.contains(r#"id="phone" name="phone" value="040 765 4321" autocomplete="off" aria-describedby="phone-hint" autofocus"#),
        "{change}"
    );
    assert!(change.contains(r#"value="Ottilie Brennwald""#));
    assert!(!change.contains("error-summary"), "{change}");

    // A step the page never sends is a check, never a send.
    let (status, _, _, _) = app
        .page(
            Method::POST,
            "/en/referral",
            None,
            Some(&with_step("whatever")),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.persons().len(), before, "nothing stored");

    // Send: stored once, and on to the confirmation.
    let (status, location, _) = app.post_form("/en/referral", &with_step("send")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/en/referral/done"));
    assert_eq!(app.persons().len(), before + 1);
}

#[tokio::test]
async fn switching_language_carries_what_was_typed_to_the_same_page() {
    let app = TestApp::new();
    let (_, _, _, blank) = app.page(Method::GET, "/en/referral", None, None).await;
    // The switch is a button of the form, to the same page in the other language.
    assert!(
        blank.contains(r#"<button type="submit" class="link" form="referral" formaction="/sv/referral" name="step" value="form" lang="sv">På svenska</button>"#),
        "{blank}"
    );
    // Enter in a field presses the form's first button in the page: the one that goes on to
    // the check.
    let first_button = blank.find("<button").map(|i| &blank[i..i + 120]);
    assert!(
        first_button.is_some_and(|b| b.contains(r#"form="referral" name="step" value="check""#)),
        "{first_button:?}"
    );

    let mut half = vec![("name", "Ottilie Brennwald"), ("phone", "040 765")];
    half.push(("step", "form"));
    let (status, _, _, swedish) = app
        .page(Method::POST, "/sv/referral", None, Some(&half))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(swedish.contains(r#"<html lang="sv">"#));
    assert!(
        swedish.contains(r#"value="Ottilie Brennwald""#),
        "{swedish}"
    );
    assert!(swedish.contains(r#"value="040 765""#), "{swedish}");
    assert!(
        !swedish.contains("error-summary"),
        "half a form in another language is not an error: {swedish}"
    );

    // On the check page, the switch shows the check again in the other language.
    let (_, _, _, check) = app
        .page(
            Method::POST,
            "/fi/referral",
            None,
            Some(&with_step("check")),
        )
        .await;
    assert!(
        check.contains(r#"formaction="/sv/referral" name="step" value="check""#),
        "{check}"
    );
    assert!(
        check.contains("Tarkista tiedot ennen lähettämistä"),
        "{check}"
    );
    assert!(check.contains("Uhri itse"), "{check}");
}

/// In a browser: halfway through in English, the person switches to Swedish and finds what
/// they typed; Enter goes on to the check; "Change" brings them to the field; sent.
#[tokio::test(flavor = "multi_thread")]
async fn in_a_browser_the_language_switch_keeps_the_story_and_the_answers_are_checked() {
    use super::browser::Browser;

    let app = TestApp::new();
    let addr = app.listen();
    let mut browser = Browser::start(addr, "referral").await;
    browser.go("/en/referral").await;
    browser.choose("#who", "victim_self").await;
    browser.type_into("#name", "Ottilie Brennwald").await;
    browser.type_into("#phone", "040 765 4321").await;
    browser.submit("button[lang=sv]").await;
    assert!(browser.url().await.ends_with("/sv/referral"));
    let name = browser.find("#name").await.value().await.ok().flatten();
    assert_eq!(name.as_deref(), Some("Ottilie Brennwald"));
    let phone = browser.find("#phone").await.value().await.ok().flatten();
    assert_eq!(phone.as_deref(), Some("040 765 4321"));
    browser.check("referral form switched to Swedish").await;

    browser.click("#consent").await;
    // Enter in a field: on to the check, not to another language.
    browser.enter_in("#birth_year", "1991").await;
    let heading = browser.find("h1").await.text().await.unwrap_or_default();
    assert_eq!(heading, "Kontrollera uppgifterna innan du skickar");
    assert!(browser.url().await.ends_with("/sv/referral"));
    let text = browser.text().await;
    assert!(
        text.contains("Offret själv") && text.contains("1991"),
        "{text}"
    );
    browser.check("referral check in Swedish").await;

    browser.submit("button[value=change-phone]").await;
    let focused = browser
        .driver
        .execute("return document.activeElement.id", Vec::new())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(focused.json().as_str(), Some("phone"));
    browser.type_into("#phone", "040 765 4322").await;
    browser.submit("main button[value=check]").await;
    assert!(browser.text().await.contains("040 765 4322"));
    browser.submit("main button[value=send]").await;
    assert!(browser.url().await.ends_with("/sv/referral/done"));
    assert!(browser.find(".reference").await.text().await.is_ok());

    let findings = browser.stop().await;
    let violations: Vec<_> = findings.iter().filter(|(_, v)| !v.is_empty()).collect();
    assert!(violations.is_empty(), "axe: {violations:?}");
}
