//! Finding a person: by a misspelled name with the year of birth and by a phone number as
//! typed, on the page and by the API; only the user's cases shown, the others counted and
//! shown with a reason; every search on record without its terms, and the terms in no
//! address and no log line.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::access::{SECRETS, TestApp, hidden};

/// p1's name (SECRETS[0], "Zyxwa Qwertyson") with a letter left out, its words swapped.
const MISSPELLED: &str = "Qwertson Zyxwa 1990";

#[tokio::test]
async fn a_caseworker_finds_their_client_and_only_theirs() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let (status, _, _, html) = app
        .page(Method::GET, "/fi/staff/cases", Some(&helsinki.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"action="/fi/staff/search""#), "{html}");
    let token = hidden(&html, "csrf");

    // A misspelled name with the year: p1 found, by two of its two name parts.
    let (status, location, _, html) = app
        .page(
            Method::POST,
            "/fi/staff/search",
            Some(&helsinki.cookie),
            Some(&[("csrf", token.as_str()), ("q", MISSPELLED)]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(location, None, "answered on the page, never redirected");
    assert!(html.contains(r#"href="/fi/staff/cases/p1""#), "{html}");
    assert!(html.contains("Löytyi 1."), "{html}");
    assert!(html.contains("nimen osia 2/2 ja syntymävuosi"), "{html}");
    assert!(
        html.contains(&format!(r#"value="{MISSPELLED}""#)),
        "the query kept: {html}"
    );

    // Oulu's p3 is found but not shown: counted, with the form that asks for a reason.
    let p3 = format!("{} 1990", SECRETS[4]);
    let (_, _, _, html) = app
        .page(
            Method::POST,
            "/fi/staff/search",
            Some(&helsinki.cookie),
            Some(&[("csrf", token.as_str()), ("q", p3.as_str())]),
        )
        .await;
    assert!(!html.contains("/fi/staff/cases/p3"), "{html}");
    assert!(html.contains("Löytyi 0."), "{html}");
    assert!(
        html.contains("Lisäksi löytyi 1 asiaa, jotka eivät kuulu sinulle."),
        "{html}"
    );
    // A reason too short: said beside the field, the query and the reason kept.
    let short = [
        ("csrf", token.as_str()),
        ("q", p3.as_str()),
        ("reason", "because"),
    ];
    let (status, _, _, html) = app
        .page(
            Method::POST,
            "/fi/staff/search",
            Some(&helsinki.cookie),
            Some(&short),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("Kerro syy vähintään 10 merkillä"), "{html}");
    assert!(html.contains(">because</textarea>"), "{html}");
    let reason = "Asiakas soitti Helsingin toimistoon, Oulun tiedot tarvitaan";
    let glass = [
        ("csrf", token.as_str()),
        ("q", p3.as_str()),
        ("reason", reason),
    ];
    let (status, _, _, html) = app
        .page(
            Method::POST,
            "/fi/staff/search",
            Some(&helsinki.cookie),
            Some(&glass),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"href="/fi/staff/cases/p3""#), "{html}");
    assert!(html.contains("ei sinun asiasi"), "{html}");

    // Mistakes in the query, in the user's language beside the field.
    for (q, said) in [
        ("   ", "Kirjoita nimi ja syntymävuosi"),
        ("Zyxwa Qwertyson", "Lisää nimen perään syntymävuosi"),
    ] {
        let (status, _, _, html) = app
            .page(
                Method::POST,
                "/fi/staff/search",
                Some(&helsinki.cookie),
                Some(&[("csrf", token.as_str()), ("q", q)]),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains(said), "{html}");
        assert!(html.contains(r#"aria-invalid="true""#), "{html}");
    }

    // On record: what it searched by and how many it found, never the terms.
    let searches: Vec<_> = app
        .audit_actions()
        .into_iter()
        .filter(|a| a.1.starts_with("cases.search"))
        .collect();
    let records: Vec<(&str, &str)> = searches
        .iter()
        .map(|a| (a.1.as_str(), a.2.as_str()))
        .collect();
    assert_eq!(
        records,
        [
            ("cases.search", "name: 1 found, 0 outside the scope"),
            ("cases.search", "name: 0 found, 1 outside the scope"),
            (
                "cases.search.break_the_glass",
                "name: 1 found, 1 outside the scope"
            ),
        ],
        "{searches:?}"
    );
    let chain = format!("{:?}", app.audit_entries());
    let logged = app.logged();
    for term in ["Qwertson", "Zyxwa", SECRETS[4], "Oulun tiedot"] {
        assert!(!chain.contains(term), "{term} in the audit chain");
        assert!(!logged.contains(term), "{term} in the log");
    }
    // The reason is on record, sealed, for the director.
    let glass_seq = app
        .audit_entries()
        .into_iter()
        .find(|e| e.entry.action == "cases.search.break_the_glass")
        .map(|e| e.seq);
    assert_eq!(
        glass_seq.and_then(|s| app.audit_note(s)).as_deref(),
        Some(reason)
    );

    // Who keeps no cases searches none.
    let statistician = app.login("statistician").await;
    let refused = app
        .call(
            Method::POST,
            "/api/search",
            Some(&statistician),
            Some(json!({"query": MISSPELLED})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
}

#[tokio::test]
async fn the_api_finds_a_phone_number_however_it_is_written() {
    let app = TestApp::new();
    let director = app.login("director").await;
    let written = app
        .call(
            Method::POST,
            "/api/cases/p2/events",
            Some(&director),
            Some(json!({"event": "person_details", "date": "2026-04-01", "phone": "+358 40 123 4567"})),
        )
        .await;
    assert_eq!(written.status, StatusCode::OK, "{}", written.text);

    let helsinki = app.login("cw.helsinki").await;
    for typed in ["040-123 4567", "+358401234567", "(040) 1234567"] {
        let found = app
            .call(
                Method::POST,
                "/api/search",
                Some(&helsinki),
                Some(json!({"query": typed})),
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.text);
        assert_eq!(found.body["searched_by"], "phone");
        assert_eq!(found.body["found"][0]["person"], "p2", "{}", found.text);
        assert_eq!(found.body["found"][0]["assignee"], "cw.helsinki");
        assert_eq!(found.body["found"][0]["outside"], false);
        assert_eq!(found.body["outside"], 0);
    }
    let none = app
        .call(
            Method::POST,
            "/api/search",
            Some(&helsinki),
            Some(json!({"query": "040 765 4321"})),
        )
        .await;
    assert_eq!(none.body["found"].as_array().map(Vec::len), Some(0));

    for (query, code) in [("", "query_empty"), ("Zyxwa", "query_name_without_year")] {
        let refused = app
            .call(
                Method::POST,
                "/api/search",
                Some(&helsinki),
                Some(json!({"query": query})),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.field("code"), code, "{}", refused.text);
    }
    let short = app
        .call(
            Method::POST,
            "/api/search",
            Some(&helsinki),
            Some(json!({"query": "040 123 4567", "reason": "why"})),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST, "{}", short.text);
    assert_eq!(short.field("code"), "reason_required");
}

/// A database whose search index is missing (from before the index, or emptied) is indexed
/// again whole when the application starts, and says so in its log; an index under the
/// active key is left as it is.
#[tokio::test]
async fn the_application_builds_a_missing_search_index_when_it_starts() {
    let app = TestApp::new();
    rusqlite::Connection::open(app.db_path())
        .and_then(|c| c.execute_batch("DELETE FROM blind_index; DELETE FROM blind_index_key;"))
        .unwrap_or_else(|e| panic!("{e}"));
    let director = app.login("director").await;
    let search = || {
        app.call(
            Method::POST,
            "/api/search",
            Some(&director),
            Some(json!({"query": MISSPELLED})),
        )
    };
    assert_eq!(
        search().await.body["found"].as_array().map(Vec::len),
        Some(0)
    );

    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let audit_key = iku_storage::audit::AuditKey::parse(&"cd".repeat(32), "test")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut config = iku_app::AppConfig::new(app.url().to_owned(), app.keys(), audit_key);
    config.log = iku_app::log::Log::to(move |line| {
        sink.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line.to_owned())
    });
    let starting = iku_app::App::new(config);
    starting.start().unwrap_or_else(|e| panic!("{e}"));
    let active = app.keys().active_key_id().to_owned();
    assert_eq!(
        app.store().blind_index_key().ok().flatten().as_deref(),
        Some(active.as_str())
    );
    let found = search().await;
    assert_eq!(found.body["found"][0]["person"], "p1", "{}", found.text);
    starting.start().unwrap_or_else(|e| panic!("{e}"));
    let logged = lines.lock().map(|l| l.clone()).unwrap_or_default();
    assert_eq!(logged.len(), 1, "built once: {logged:?}");
    assert!(
        logged[0].starts_with(&format!(
            "the search index built again under key {active}: "
        )),
        "{logged:?}"
    );
}
