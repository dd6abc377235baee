//! A person's request for their data (GDPR art. 15), as the data protection officer answers
//! it: found by what they gave (in a form's body, never an address), the request recorded with
//! its day, and the answer: every entry of theirs with its personal fields and texts, nothing
//! of another person's, texts that may name others marked for review, and every read and
//! change of their record; each step on record, and the pages the officer's alone.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::access::{SECRETS, TestApp, hidden};

const JOURNAL: &str = "Referrer Kaarina Ohjaaja (040 111 2222) came with her to the office";

#[tokio::test]
async fn the_officer_hands_over_everything_held_about_one_person_and_nothing_else() {
    let app = TestApp::new();
    // Casework on p1, and on p2, before the request.
    let helsinki = app.login("cw.helsinki").await;
    let (status, _, _, _) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for (person, note) in [("p1", JOURNAL), ("p2", "Toisen asiakkaan tapaaminen")] {
        let answer = app
            .call(
                Method::POST,
                &format!("/api/cases/{person}/events"),
                Some(&helsinki),
                Some(json!({"event": "journal_entry", "date": "2026-11-02",
                            "kind": "meeting", "note": note})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }

    // A document of hers.
    let (_, token) = app
        .page_and_token("/fi/staff/cases/p1", &helsinki.cookie)
        .await;
    let statement = b"%PDF-1.4\n(statement)\n".to_vec();
    let (status, _, _) = super::documents::send(
        &app,
        Method::POST,
        "/fi/staff/cases/p1/documents",
        &helsinki.cookie,
        Some(super::documents::multipart(
            &token,
            "police_statement",
            Some(("lausunto.pdf", &statement)),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Others may not open the officer's pages.
    let (status, _, _, _) = app
        .page(
            Method::GET,
            "/en/staff/personal-data/p1",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let dpo = app.login("dpo").await;
    let (status, _, _, html) = app
        .page(
            Method::GET,
            "/en/staff/personal-data",
            Some(&dpo.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let csrf = hidden(&html, "csrf");
    // Found by the identity code she gave, sent in the form's body.
    let (status, _, _, html) = app
        .page(
            Method::POST,
            "/en/staff/personal-data",
            Some(&dpo.cookie),
            Some(&[("csrf", csrf.as_str()), ("q", SECRETS[1])]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Persons found (1)") && html.contains("p1-a"),
        "{html}"
    );
    // The day the request came cannot be in the future.
    let (status, _, _, _) = app
        .page(
            Method::POST,
            "/en/staff/personal-data/p1",
            Some(&dpo.cookie),
            Some(&[("csrf", csrf.as_str()), ("received", "1/1/2099")]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, location, _, _) = app
        .page(
            Method::POST,
            "/en/staff/personal-data/p1",
            Some(&dpo.cookie),
            Some(&[("csrf", csrf.as_str()), ("received", "2/12/2026")]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/en/staff/personal-data/p1"));

    // The readable answer.
    let (status, _, _, html) = app
        .page(
            Method::GET,
            "/en/staff/personal-data/p1",
            Some(&dpo.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for theirs in [SECRETS[0], SECRETS[1], "Kaarina Ohjaaja"] {
        assert!(html.contains(theirs), "{theirs}: {html}");
    }
    assert!(html.contains("Review before handing over"), "{html}");
    // Her document, handed over as it was attached.
    let link = html
        .split(r#"href="/en/staff/personal-data/p1/documents/"#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|id| format!("/en/staff/personal-data/p1/documents/{id}"))
        .unwrap_or_else(|| panic!("no document link: {html}"));
    let (status, _, file) =
        super::documents::send(&app, Method::GET, &link, &dpo.cookie, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(file == statement);
    for others in [
        SECRETS[2],
        SECRETS[3],
        SECRETS[4],
        SECRETS[5],
        "Toisen asiakkaan",
    ] {
        assert!(
            !html.contains(others),
            "{others} is another person's: {html}"
        );
    }

    // The machine-readable answer: every entry of p1's, none of another's, every read.
    let answer = app
        .call(
            Method::GET,
            "/en/staff/personal-data/p1.json",
            Some(&dpo),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let ids: Vec<&str> = answer.body["events"]
        .as_array()
        .map(|events| events.iter().filter_map(|e| e["id"].as_str()).collect())
        .unwrap_or_default();
    for id in ["p1-app", "p1-det", "p1-dec"] {
        assert!(ids.contains(&id), "{id}: {ids:?}");
    }
    assert_eq!(
        ids.len(),
        4,
        "the three of March and the journal entry: {ids:?}"
    );
    assert!(
        !ids.iter()
            .any(|id| id.starts_with("p2") || id.starts_with("p3"))
    );
    let journal = answer.body["events"]
        .as_array()
        .and_then(|events| events.iter().find(|e| e["event"] == "journal_entry"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(journal["note"], JOURNAL);
    assert_eq!(journal["recorded_by"], "cw.helsinki");
    let review: Vec<&str> = answer.body["review_before_handover"]
        .as_array()
        .map(|ids| ids.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(review.contains(&journal["id"].as_str().unwrap_or_default()));
    let trail = answer.body["trail"].as_array().cloned().unwrap_or_default();
    let read_by = |actor: &str, action: &str| {
        trail
            .iter()
            .any(|e| e["actor"] == actor && e["action"] == action)
    };
    assert!(read_by("cw.helsinki", "case.read"), "{trail:?}");
    assert!(read_by("cw.helsinki", "case.write"), "{trail:?}");
    assert!(read_by("dpo", "gdpr.request"), "{trail:?}");
    // Every entry about p1 in the log is in the trail (but the hand-over of this very answer,
    // recorded as it is given), and none about another.
    let about_p1 = app
        .audit_actions()
        .iter()
        .filter(|(_, _, record, _)| record == "p1" || record.starts_with("p1 "))
        .count();
    assert_eq!(trail.len(), about_p1 - 1, "{trail:?}");
    assert!(trail.iter().all(|e| {
        let record = e["record"].as_str().unwrap_or_default();
        record == "p1" || record.starts_with("p1 ")
    }));

    // Each step on record: the search (no term), the request with its day, the hand-overs.
    let actions = app.audit_actions();
    let done = |action: &str| {
        actions
            .iter()
            .filter(|(actor, a, _, _)| actor == "dpo" && a == action)
            .map(|(_, _, record, reason)| (record.clone(), reason.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        done("gdpr.search"),
        [("identity_code: 1 found".to_owned(), String::new())]
    );
    assert_eq!(
        done("gdpr.request"),
        [("p1".to_owned(), "2026-12-02".to_owned())]
    );
    assert_eq!(done("gdpr.export").len(), 2);
    assert_eq!(done("document.read").len(), 1);
    assert!(
        !actions
            .iter()
            .any(|(_, _, record, _)| record.contains(SECRETS[1]))
    );
}
