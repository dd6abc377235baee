//! The audit log as the auditor works with it: a page a view (each view one entry of the log,
//! not one per entry shown), and the entries the filters keep taken away as a CSV file in the
//! user's language, which is on record too; nobody else takes it.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::access::{SECRETS, TestApp};

#[tokio::test]
async fn an_auditor_exports_the_filtered_log_as_csv_and_the_export_is_on_record() {
    let app = TestApp::new();
    let auditor = app.login("auditor").await;
    let director = app.login("director").await;
    let caseworker = app.login("cw.helsinki").await;
    app.call(
        Method::POST,
        "/api/cases/p3/break-the-glass",
        Some(&caseworker),
        Some(json!({"reason": "the client called the advice line at night"})),
    )
    .await;

    // A page view is one entry of the log, however many entries it shows.
    let reads = |app: &TestApp| {
        app.audit_actions()
            .iter()
            .filter(|(_, action, _, _)| action == "audit.read")
            .count()
    };
    let before = reads(&app);
    let (status, _, _, page) = app
        .page(Method::GET, "/fi/staff/audit", Some(&auditor.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reads(&app), before + 1);
    assert!(
        page.contains(r#"href="/fi/staff/audit.csv?actor=&amp;action=&amp;person=&amp;from=&amp;until=" download>Lataa nämä merkinnät CSV-tiedostona"#),
        "{page}"
    );

    // The logins, in Finnish: a semicolon between fields, the header in the language.
    let logins = app.audit_entries();
    let logins = logins.iter().filter(|e| e.entry.action == "login").count();
    assert!(logins >= 3);
    let (status, _, _, csv) = app
        .page(
            Method::GET,
            "/fi/staff/audit.csv?action=login",
            Some(&auditor.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines.first().copied(),
        Some("\u{feff}#;Aika;UTC;Kuka;Mitä;Tapahtuman koodi;Kohde;Syy"),
        "{csv}"
    );
    assert_eq!(lines.len(), 1 + logins, "{csv}");
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains(";Kirjautui sisään;login;")),
        "{csv}"
    );
    let exported = app
        .audit_actions()
        .into_iter()
        .filter(|(_, action, _, _)| action == "audit.export")
        .collect::<Vec<_>>();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].0, "auditor");
    assert_eq!(exported[0].2, format!("{logins} entries"));

    // In English, every entry, comma-separated; the break-the-glass reason stays sealed.
    let (_, _, _, all) = app
        .page(
            Method::GET,
            "/en/staff/audit.csv",
            Some(&auditor.cookie),
            None,
        )
        .await;
    assert!(
        all.starts_with("\u{feff}#,Time,UTC,Who,What,Action code,"),
        "{all}"
    );
    assert!(all.contains(",case.break_the_glass,"), "{all}");
    assert!(!all.contains("advice line"), "{all}");
    for secret in SECRETS {
        assert!(!all.contains(secret), "{secret}");
    }

    // A director reads the openings with their reasons on the page, and takes no file.
    for who in [&director, &caseworker] {
        let (status, _, _, _) = app
            .page(Method::GET, "/en/staff/audit.csv", Some(&who.cookie), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _, _, _) = app
        .page(
            Method::GET,
            "/en/staff/audit.csv?from=yesterday",
            Some(&auditor.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
