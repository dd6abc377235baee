//! The client plan on the client page: a need assessed, a measure agreed, moved on and done
//! (which records the measure as given, as the reviews count it); each change a correction in
//! the case's history; mistakes beside their fields in the user's language with what was
//! typed kept; the texts sealed at rest.

use axum::http::{Method, StatusCode};

use super::access::{TestApp, hidden};

const ASSESSMENT: &str = "Asuu tuttavan luona, ei turvallista: toivoo turvakotia";
const AGREED: &str = "Turvakotipaikka haetaan tällä viikolla";

#[tokio::test]
async fn a_caseworker_assesses_needs_agrees_measures_and_a_measure_done_is_counted() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let page = "/fi/staff/cases/p1";
    let (_, _, _, html) = app
        .page(Method::GET, page, Some(&helsinki.cookie), None)
        .await;
    assert!(
        html.contains("Palvelutarve ja asiakassuunnitelma"),
        "{html}"
    );
    assert!(html.contains("Palvelutarvetta ei ole vielä arvioitu."));
    let csrf = hidden(&html, "csrf");
    let send = |fields: Vec<(&'static str, String)>| {
        let (app, cookie, csrf) = (&app, helsinki.cookie.clone(), csrf.clone());
        async move {
            let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
            form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            app.page(
                Method::POST,
                "/fi/staff/cases/p1/plan",
                Some(&cookie),
                Some(&form),
            )
            .await
        }
    };
    let measures_given = |app: &TestApp| {
        app.persons()
            .into_iter()
            .find(|p| p.id.as_str() == "p1")
            .map_or(0, |p| p.measures.len())
    };
    let given_before = measures_given(&app);

    // A need without its area nor text: said beside each field, in Finnish, typed kept.
    let (status, _, _, html) = send(vec![
        ("kind", "need".into()),
        ("date", "1.12.2026".into()),
        ("text", String::new()),
    ])
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(
            r#"<p class="error-message" id="need-area-error">Valitse tarpeen alue listasta</p>"#
        ),
        "{html}"
    );
    assert!(
        html.contains(r##"<a href="#need-text">Kirjoita arvio</a>"##),
        "{html}"
    );
    assert!(html.contains(r#"value="1.12.2026""#), "{html}");

    let (status, location, _, _) = send(vec![
        ("kind", "need".into()),
        ("date", "1.12.2026".into()),
        ("area", "accommodation".into()),
        ("text", ASSESSMENT.into()),
    ])
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/fi/staff/cases/p1?saved=plan#plan")
    );

    let (status, _, _, _) = send(vec![
        ("kind", "measure".into()),
        ("date", "1.12.2026".into()),
        ("area", "accommodation".into()),
        ("measure", "safe_accommodation".into()),
        ("provider", "reception_centre".into()),
        ("due", "31.12.2026".into()),
        ("review", "15.1.2027".into()),
        ("text", AGREED.into()),
    ])
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1?saved=plan",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert!(html.contains("Suunnitelma tallennettiin."), "{html}");
    for shown in [
        ASSESSMENT,
        AGREED,
        "Turvallinen asuminen",
        "Suunniteltu",
        "31.12.2026",
        "15.1.2027",
    ] {
        assert!(html.contains(shown), "{shown} in {html}");
    }
    let measure = hidden(&html, "id");
    assert!(!measure.is_empty(), "{html}");
    assert_eq!(measures_given(&app), given_before, "planned is not given");

    // Started, then done: the second records the measure as given, once.
    for status in ["started", "done"] {
        let (_, _, _, html) = app
            .page(Method::GET, page, Some(&helsinki.cookie), None)
            .await;
        let (code, _, _, body) = send(vec![
            ("kind", "change".into()),
            ("id", hidden(&html, "id")),
            ("date", "2.12.2026".into()),
            ("status", status.into()),
        ])
        .await;
        assert_eq!(code, StatusCode::SEE_OTHER, "{status}: {body}");
    }
    assert_eq!(measures_given(&app), given_before + 1, "done is given");
    let (_, _, _, html) = app
        .page(Method::GET, page, Some(&helsinki.cookie), None)
        .await;
    assert!(
        html.contains("Toteutunut") && html.contains(AGREED),
        "{html}"
    );
    assert!(
        !html.contains(r#"name="kind" value="change""#),
        "a done measure is not moved on"
    );

    // The history keeps every version of the measure, and who wrote it.
    let (_, _, _, history) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1/history",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    for shown in [
        "Suunnitelman toimenpide",
        "Suunniteltu",
        "Aloitettu",
        "Toteutunut",
        "cw.helsinki",
    ] {
        assert!(history.contains(shown), "{shown} in {history}");
    }
    let writes = app
        .audit_actions()
        .into_iter()
        .filter(|(actor, action, record, _)| {
            actor == "cw.helsinki" && action == "case.write" && record.starts_with("p1 ")
        })
        .count();
    assert_eq!(
        writes, 5,
        "need, measure, started, done and the measure given"
    );

    // Sealed at rest: the texts are in no row of the database file.
    let mut raw = std::fs::read(app.db_path()).unwrap_or_default();
    let wal = app.db_path().with_extension("db-wal");
    raw.extend(std::fs::read(wal).unwrap_or_default());
    assert!(!raw.is_empty());
    for text in [ASSESSMENT, AGREED] {
        assert!(
            !raw.windows(text.len()).any(|w| w == text.as_bytes()),
            "{text}"
        );
    }

    // Another office's caseworker moves nothing.
    let tampere = app.login("cw.tampere").await;
    let (_, _, _, theirs) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p2",
            Some(&tampere.cookie),
            None,
        )
        .await;
    let token = hidden(&theirs, "csrf");
    let (status, _, _, _) = app
        .page(
            Method::POST,
            "/fi/staff/cases/p1/plan",
            Some(&tampere.cookie),
            Some(&[
                ("csrf", token.as_str()),
                ("kind", "change"),
                ("id", measure.as_str()),
                ("date", "2.12.2026"),
                ("status", "cancelled"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
