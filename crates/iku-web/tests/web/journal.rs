//! The case journal: written from the client page, shown there and in the history, amended
//! only by a retraction, read on record, sealed at rest, and only in the user's scope.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::access::{TestApp, hidden};

const TEXT: &str = "Soitin asiakkaalle: tapaaminen sovittu Zebrakadulle";

fn finnish(d: time::Date) -> String {
    format!("{}.{}.{}", d.day(), u8::from(d.month()), d.year())
}

#[tokio::test]
async fn a_journal_entry_is_written_shown_retracted_and_read_on_record() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let path = "/fi/staff/cases/p1";
    let (status, _, _, html) = app
        .page(Method::GET, path, Some(&helsinki.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("<h2 id=\"journal-title\">Asiakaskertomus</h2>"),
        "{html}"
    );
    assert!(html.contains("Asiakaskertomukseen ei ole vielä kirjoitettu mitään."));
    let token = hidden(&html, "csrf");
    let today = time::OffsetDateTime::now_utc().date();
    let journal = format!("{path}/journal");

    // Mistakes: each named beside its field, what was typed kept, nothing stored.
    let events_before = app.store().count().unwrap_or_default();
    let typed = [
        ("csrf", token.as_str()),
        ("date", "31.13.2026"),
        ("kind", "phone_call"),
        ("text", "<b>Soitto</b> jäi kesken"),
        ("follow_up", "huomenna"),
    ];
    let (status, _, _, html) = app
        .page(Method::POST, &journal, Some(&helsinki.cookie), Some(&typed))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("&lt;b&gt;Soitto&lt;/b&gt; jäi kesken"),
        "{html}"
    );
    assert!(html.contains(r#"value="31.13.2026""#), "{html}");
    assert!(html.contains(r##"<a href="#journal-date">Anna päivä muodossa 31.12.2026</a>"##));
    assert!(html.contains(r##"href="#journal-follow_up""##), "{html}");
    assert!(
        html.contains(r#"<option value="phone_call" selected>"#),
        "{html}"
    );
    assert_eq!(app.store().count().ok(), Some(events_before));

    // Written: back to the journal, which says so and shows the entry.
    let follow_up = finnish(today + time::Duration::days(7));
    let entry = [
        ("csrf", token.as_str()),
        ("date", &finnish(today - time::Duration::days(1))),
        ("kind", "phone_call"),
        ("text", TEXT),
        ("follow_up", &follow_up),
    ];
    let (status, location, _, body) = app
        .page(Method::POST, &journal, Some(&helsinki.cookie), Some(&entry))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        location.as_deref(),
        Some("/fi/staff/cases/p1?saved=journal#journal")
    );
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1?saved=journal",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert!(html.contains("Merkintä tallennettiin."), "{html}");
    assert!(html.contains(TEXT), "{html}");
    assert!(html.contains("Puhelu"), "{html}");
    assert!(html.contains("Kirjoittanut cw.helsinki"), "{html}");
    assert!(
        html.contains(&format!("Palaa asiaan {follow_up}")),
        "{html}"
    );

    // The audit trail names the entry, never its text.
    let exported = app
        .store()
        .audit_chain()
        .map(|c| format!("{:?}", c.entries));
    assert!(exported.is_ok_and(|e| !e.contains("Zebrakadulle")));
    let written = app
        .audit_actions()
        .into_iter()
        .filter(|a| a.1 == "case.write" && a.2.starts_with("p1 journal_entry "))
        .collect::<Vec<_>>();
    assert_eq!(written.len(), 1, "{written:?}");
    let id = written[0]
        .2
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_owned();

    // In the history, with its text; retracted from there, it leaves the journal and stays
    // in the history, void.
    let history = format!("{path}/history");
    let (_, _, _, html) = app
        .page(Method::GET, &history, Some(&helsinki.cookie), None)
        .await;
    assert!(
        html.contains("Asiakaskertomuksen merkintä: Puhelu (cw.helsinki)"),
        "{html}"
    );
    assert!(html.contains(TEXT), "{html}");
    let retract = [
        ("csrf", token.as_str()),
        ("kind", "retraction"),
        ("retracts", id.as_str()),
        ("date", &today.to_string()),
    ];
    let (status, _, _, body) = app
        .page(
            Method::POST,
            &format!("{path}/record"),
            Some(&helsinki.cookie),
            Some(&retract),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, _, _, html) = app
        .page(Method::GET, path, Some(&helsinki.cookie), None)
        .await;
    assert!(!html.contains(TEXT), "{html}");
    let (_, _, _, html) = app
        .page(Method::GET, &history, Some(&helsinki.cookie), None)
        .await;
    assert!(html.contains(TEXT), "{html}");
    assert!(html.contains(r#"class="void""#), "{html}");

    // The API: the author is whoever writes, whatever the request says; each read on record.
    let director = app.login("director").await;
    let written = app
        .call(
            Method::POST,
            "/api/cases/p1/events",
            Some(&director),
            Some(json!({"event": "journal_entry", "date": today.to_string(),
                        "kind": "meeting", "author": "someone.else", "note": "Tapaaminen"})),
        )
        .await;
    assert_eq!(written.status, StatusCode::OK, "{}", written.text);
    let reads_before = app
        .audit_actions()
        .iter()
        .filter(|a| a.1 == "case.journal")
        .count();
    let listed = app
        .call(Method::GET, "/api/cases/p1/journal", Some(&director), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(
        listed.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.text
    );
    assert_eq!(listed.body[0]["author"], "director");
    assert_eq!(listed.body[0]["kind"], "meeting");
    assert_eq!(listed.body[0]["text"], "Tapaaminen");
    let reads_after = app
        .audit_actions()
        .iter()
        .filter(|a| a.1 == "case.journal")
        .count();
    assert_eq!(reads_after, reads_before + 1);

    // Another office's caseworker reads no journal of Helsinki's, and writes none.
    let tampere = app.login("cw.tampere").await;
    let refused = app
        .call(Method::GET, "/api/cases/p1/journal", Some(&tampere), None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let unknown = app
        .call(
            Method::GET,
            "/api/cases/nobody/journal",
            Some(&director),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
}
