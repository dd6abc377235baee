//! The client page's forms in the user's language: dates as people write them (31.12.2026
//! in Finnish and Swedish, 31/12/2026 in English, or ISO), filled in that way, anything else
//! refused with nothing stored; and what the register refuses said in the page's words.

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

/// A form sent to a path under the case, its fields, and the words its refusal is said in.
type Sent<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

/// What the register refuses reaches the page in the page's language, never as the
/// register's own message (which names fields and rules for developers): each refusal
/// below is said in the words of the page's language, and nothing else.
#[tokio::test]
async fn a_refusal_reaches_the_page_in_its_language() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let words = |lang: usize, key: &str| -> String {
        include_str!("../../data/ui.tsv")
            .lines()
            .find(|l| l.starts_with(&format!("{key}\t")))
            .and_then(|l| l.split('\t').nth(1 + lang))
            .unwrap_or_else(|| panic!("no words for {key}"))
            .to_owned()
    };
    for (lang, code) in [(0, "fi"), (1, "sv"), (2, "en")] {
        let page = format!("/{code}/staff/cases/p1");
        let (_, _, _, html) = app
            .page(Method::GET, &page, Some(&helsinki.cookie), None)
            .await;
        let token = hidden(&html, "csrf");
        let today = time::OffsetDateTime::now_utc().date().to_string();
        let sent: [Sent<'_>; 3] = [
            (
                "record",
                vec![
                    ("kind", "reflection"),
                    ("days", "20"),
                    ("granted_by", "assistance_system"),
                ],
                "rule.reflection_period_length",
            ),
            (
                "record",
                vec![("kind", "extension"), ("days", "30")],
                "rule.reflection_period_running",
            ),
            (
                "decision",
                vec![("application", "p1-a"), ("outcome", "")],
                "case.invalid",
            ),
        ];
        for (path, fields, key) in sent {
            let mut form = vec![("csrf", token.as_str()), ("date", today.as_str())];
            form.extend(fields);
            let (status, _, _, html) = app
                .page(
                    Method::POST,
                    &format!("{page}/{path}"),
                    Some(&helsinki.cookie),
                    Some(&form),
                )
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{code} {key}: {html}"
            );
            let said = words(lang, key).replace('\'', "&#39;");
            let shown = html
                .split(r#"<div class="error-summary" role="alert">"#)
                .nth(1)
                .and_then(|rest| rest.split("</div>").next())
                .unwrap_or_else(|| panic!("{code} {key}: no refusal shown: {html}"));
            assert!(shown.contains(&said), "{code} {key}: {shown}");
            for developer in ["field `", "expected", "rule:", "event "] {
                assert!(!shown.contains(developer), "{code} {key}: {shown}");
            }
        }
    }
    // A program is told the rule by its code, beside the register's message.
    let refused = app
        .call(
            Method::POST,
            "/api/cases/p1/events",
            Some(&helsinki),
            Some(
                serde_json::json!({"event": "reflection_period_granted", "date": "2026-11-01",
                                    "days": 20, "granted_by": "assistance_system"}),
            ),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.field("rule"),
        "reflection_period_length",
        "{}",
        refused.text
    );
    assert_eq!(refused.field("code"), "invalid_event");
}
