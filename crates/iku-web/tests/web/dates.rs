//! Dates as people write them on the client page's forms: 31.12.2026 in Finnish and Swedish,
//! 31/12/2026 in English, or ISO; filled in that way; anything else refused in the user's
//! language with nothing stored.

use axum::http::{Method, StatusCode};

use super::access::{TestApp, hidden};

#[tokio::test]
async fn the_record_forms_take_dates_as_the_language_writes_them() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    let today = time::OffsetDateTime::now_utc().date();
    let finnish = format!(
        "{}.{}.{}",
        today.day(),
        u8::from(today.month()),
        today.year()
    );
    assert!(
        html.contains(&format!(r#"value="{finnish}""#)),
        "filled in as Finnish writes it: {html}"
    );
    let token = hidden(&html, "csrf");
    let record = |date: &'static str| {
        let (app, cookie, token) = (&app, helsinki.cookie.clone(), token.clone());
        async move {
            let form = [
                ("csrf", token.as_str()),
                ("kind", "reflection"),
                ("days", "30"),
                ("granted_by", "assistance_system"),
                ("date", date),
            ];
            app.page(
                Method::POST,
                "/fi/staff/cases/p1/record",
                Some(&cookie),
                Some(&form),
            )
            .await
        }
    };
    let before = app.store().count().unwrap_or_default();
    let (status, _, _, html) = record("31.13.2026").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("Anna päivämäärä muodossa 31.12.2026. Mitään ei tallennettu."),
        "{html}"
    );
    assert_eq!(app.store().count().ok(), Some(before));
    let (status, _, _, html) = record("1.11.2026").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let p1 = app.persons().into_iter().find(|p| p.id.as_str() == "p1");
    let granted = p1.and_then(|p| p.reflection_periods.first().map(|r| r.granted));
    assert_eq!(
        granted.map(|d| d.to_string()).as_deref(),
        Some("2026-11-01")
    );
}
