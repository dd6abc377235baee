//! The application layer as the server uses it: a write and its audit entry commit together;
//! what another process writes is seen.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::access::TestApp;

#[tokio::test]
async fn a_write_whose_audit_entry_cannot_be_written_leaves_nothing_stored() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let before = app.store().count().unwrap_or_default();
    // From now on the audit log refuses every entry.
    rusqlite::Connection::open(app.db_path())
        .and_then(|c| {
            c.execute_batch(
                "CREATE TRIGGER no_more BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'no more'); END;",
            )
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let answer = app
        .call(
            Method::POST,
            "/api/cases/p1/events",
            Some(&helsinki),
            Some(json!({"event": "assistance_measure", "date": "2026-06-01", "measure": "advice_guidance"})),
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        answer.text
    );
    assert_eq!(
        app.store().count().unwrap_or_default(),
        before,
        "an event was stored without its audit entry"
    );
}
