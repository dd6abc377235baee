//! What probing the running server found, each kept as a test: personal data in the audit
//! log, ...

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::access::{SECRETS, TestApp};

/// The raw database file and its write-ahead log, as text.
fn raw_database(app: &TestApp) -> String {
    let mut raw = std::fs::read(app.db_path()).unwrap_or_default();
    let wal = app.db_path().with_extension("db-wal");
    raw.extend(std::fs::read(wal).unwrap_or_default());
    String::from_utf8_lossy(&raw).into_owned()
}

#[tokio::test]
async fn a_break_the_glass_reason_is_sealed_auditors_see_one_was_given_and_directors_read_it() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    // A reason that names someone, as a hurried caseworker would write it.
    let reason = format!("{} called about {}", SECRETS[4], SECRETS[5]);
    let opened = app
        .call(
            Method::POST,
            "/api/cases/p3/break-the-glass",
            Some(&helsinki),
            Some(json!({ "reason": reason })),
        )
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text);
    // Not in the database file: the reason's words nowhere, though the record's fields are
    // sealed too (so a name is found in neither).
    let raw = raw_database(&app);
    assert!(
        !raw.contains("called about"),
        "the reason is stored in plain text"
    );
    let auditor = app.login("auditor").await;
    let (_, _, _, html) = app
        .page(Method::GET, "/en/staff/audit", Some(&auditor.cookie), None)
        .await;
    assert!(html.contains("A reason was given (sealed"), "{html}");
    assert!(!html.contains("called about"));
    let director = app.login("director").await;
    let (_, _, _, html) = app
        .page(Method::GET, "/en/staff/audit", Some(&director.cookie), None)
        .await;
    assert!(html.contains("called about"), "{html}");
}
