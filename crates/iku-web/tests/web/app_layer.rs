//! The application layer as the server uses it: a write and its audit entry commit together;
//! a read is answered only once it is on record; what another process writes is seen.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::access::{SECRETS, TestApp};

/// From now on the audit log refuses every entry.
fn refuse_audit_entries(app: &TestApp) {
    rusqlite::Connection::open(app.db_path())
        .and_then(|c| {
            c.execute_batch(
                "CREATE TRIGGER no_more BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'no more'); END;",
            )
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn a_write_whose_audit_entry_cannot_be_written_leaves_nothing_stored() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let before = app.store().count().unwrap_or_default();
    refuse_audit_entries(&app);
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

/// A case's record, its history or a decision whose read cannot be put on record is not
/// shown: the answer is a failure that holds nothing of the case.
#[tokio::test]
async fn a_read_that_cannot_be_put_on_record_shows_nothing() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let read = app
        .call(Method::GET, "/api/cases/p1", Some(&helsinki), None)
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.text.contains(SECRETS[0]));
    refuse_audit_entries(&app);
    for path in [
        "/api/cases/p1",
        "/en/staff/cases/p1",
        "/en/staff/cases/p1/history",
    ] {
        let read = app.call(Method::GET, path, Some(&helsinki), None).await;
        assert_eq!(read.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(!read.text.contains(SECRETS[0]), "{path}: {}", read.text);
        assert!(!read.text.contains("p1-det"), "{path}: {}", read.text);
    }
}

/// The inbox, the cases and the audit log a page at a time: following the next links shows
/// every row once, and no page is longer than its size.
#[tokio::test]
async fn lists_come_a_page_at_a_time_and_every_row_once() {
    let app = TestApp::new();
    let director = app.login("director").await;
    for n in 0..120 {
        let created = app
            .call(
                Method::POST,
                "/api/applications",
                Some(&director),
                Some(
                    json!({"date": format!("2026-0{}-{:02}", 4 + n % 5, 1 + n % 28),
                            "referrer": "police", "consent": true, "office": "helsinki"}),
                ),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    }
    // The inbox: 120 waiting, 50 a page.
    let mut path = "/en/staff/".to_owned();
    let mut rows: Vec<String> = Vec::new();
    let mut pages = 0;
    loop {
        let (status, _, _, html) = app
            .page(Method::GET, &path, Some(&director.cookie), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let page: Vec<String> = html
            .split("<tr><th scope=\"row\"><a href=\"/en/staff/cases/")
            .skip(1)
            .filter_map(|r| r.split('"').next().map(str::to_owned))
            .collect();
        assert!(page.len() <= 50, "{}", page.len());
        rows.extend(page);
        pages += 1;
        match html
            .split("rel=\"next\"")
            .next()
            .and_then(|h| h.rsplit("href=\"").next())
        {
            Some(next) if html.contains("rel=\"next\"") => {
                path = next
                    .split('"')
                    .next()
                    .unwrap_or_default()
                    .replace("&amp;", "&")
            }
            _ => break,
        }
    }
    assert_eq!((pages, rows.len()), (3, 120));
    let mut unique = rows.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 120);
    // The API's cases, 25 a page: the 123 cases, each once.
    let mut after: Option<String> = None;
    let mut cases = Vec::new();
    loop {
        let path = match &after {
            Some(a) => format!("/api/cases?limit=25&after={a}"),
            None => "/api/cases?limit=25".to_owned(),
        };
        let answer = app.call(Method::GET, &path, Some(&director), None).await;
        let page = answer.body["cases"].as_array().cloned().unwrap_or_default();
        assert!(page.len() <= 25);
        cases.extend(
            page.iter()
                .map(|c| c["person"].as_str().unwrap_or_default().to_owned()),
        );
        match answer.body["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(cases.len(), 123);
    let applicants = app
        .call(
            Method::GET,
            "/api/cases?status=applicant&limit=500",
            Some(&director),
            None,
        )
        .await;
    assert_eq!(applicants.body["cases"].as_array().map(Vec::len), Some(120));
    // The audit log, newest first, 40 a page.
    let auditor = app.login("auditor").await;
    let mut before: Option<i64> = None;
    let mut seqs = Vec::new();
    loop {
        let path = match before {
            Some(b) => format!("/api/audit?limit=40&before={b}"),
            None => "/api/audit?limit=40".to_owned(),
        };
        let answer = app.call(Method::GET, &path, Some(&auditor), None).await;
        let page = answer.body["entries"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(page.len() <= 40);
        seqs.extend(page.iter().filter_map(|e| e["seq"].as_i64()));
        match answer.body["next"].as_i64() {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert!(seqs.len() > 120, "{}", seqs.len());
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first, each once"
    );
}

/// Another process writes (an import): the server's lists show it when next asked.
#[tokio::test]
async fn what_another_process_imports_is_seen() {
    let app = TestApp::new();
    let director = app.login("director").await;
    let before = app
        .call(Method::GET, "/api/cases", Some(&director), None)
        .await;
    assert_eq!(before.body["cases"].as_array().map(Vec::len), Some(3));
    let line = r#"{"id":"x1","event":"application_received","date":"2026-03-01","application":"xa1","person":"xp1","referrer":"police","consent":true}"#;
    let lines = iku_storage::import::read_lines(
        line.as_bytes(),
        &iku_app::entry_context(),
        &iku_storage::import::Silent,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let keys = app.keys();
    app.store()
        .import(lines, &keys, &iku_storage::import::Silent)
        .unwrap_or_else(|e| panic!("{e}"));
    let after = app
        .call(Method::GET, "/api/cases", Some(&director), None)
        .await;
    let persons: Vec<&str> = after.body["cases"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["person"].as_str()).collect())
        .unwrap_or_default();
    assert!(persons.contains(&"xp1"), "{persons:?}");
    let (_, _, _, inbox) = app
        .page(Method::GET, "/en/staff/", Some(&director.cookie), None)
        .await;
    assert!(inbox.contains("/en/staff/cases/xp1"), "{inbox}");
}
