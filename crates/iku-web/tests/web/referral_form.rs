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
