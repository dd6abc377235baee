//! Consent and restriction of processing: a withdrawal closes the case in one commit (the
//! assistance ended on the person's own request), nothing more is recorded about them, and
//! the next review still counts what happened before; a restriction set by the data
//! protection officer makes the record read-only and hides it from caseworkers, directors
//! still read it, and lifting it gives it back.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::access::{Login, TestApp, hidden};

/// A table's total in the internal annual review of 2026.
async fn total(app: &TestApp, statistician: &Login, table: &str) -> u64 {
    let review = app
        .call(
            Method::GET,
            "/api/reviews/annual/2026?disclosure=internal",
            Some(statistician),
            None,
        )
        .await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.text);
    review.body["tables"]
        .as_array()
        .and_then(|tables| tables.iter().find(|t| t["id"] == table))
        .and_then(|t| t["total"].as_u64())
        .unwrap_or_else(|| panic!("no total of {table}: {}", review.text))
}

#[tokio::test]
async fn a_withdrawal_closes_the_case_and_the_review_still_counts_its_past() {
    let app = TestApp::new();
    let statistician = app.login("statistician").await;
    let counted = [
        "applications_persons",
        "new_clients_composition",
        "terminations_by_reason",
    ];
    let mut before = Vec::new();
    for table in counted {
        before.push(total(&app, &statistician, table).await);
    }
    let helsinki = app.login("cw.helsinki").await;
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert!(
        html.contains("Suostumus ohjaamiseen ja tietojen käsittelyyn annettu 1.3.2026"),
        "{html}"
    );
    let csrf = hidden(&html, "csrf");
    // A day in the future is refused, beside the field and at the top, nothing recorded.
    let (status, _, _, html) = app
        .page(
            Method::POST,
            "/fi/staff/cases/p1/consent",
            Some(&helsinki.cookie),
            Some(&[("csrf", csrf.as_str()), ("date", "1.1.2099")]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="consent-date-error""#), "{html}");
    let (status, location, _, _) = app
        .page(
            Method::POST,
            "/fi/staff/cases/p1/consent",
            Some(&helsinki.cookie),
            Some(&[("csrf", csrf.as_str()), ("date", "2.12.2026")]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/fi/staff/cases/p1?saved=consent")
    );
    let p1 = app
        .persons()
        .into_iter()
        .find(|p| p.id.as_str() == "p1")
        .unwrap_or_else(|| panic!("no p1"));
    assert!(p1.consent_withdrawn.is_some() && !p1.is_client());
    let ended = p1.client_periods.last().and_then(|c| c.terminated);
    assert_eq!(ended.map(|(_, reason)| reason.code()), Some("own_request"));
    // Nothing more is recorded about her.
    let refused = app
        .call(
            Method::POST,
            "/api/cases/p1/events",
            Some(&helsinki),
            Some(
                json!({"event": "journal_entry", "date": "2026-12-03", "kind": "meeting",
                        "note": "Soitto"}),
            ),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert_eq!(refused.body["rule"], "after_consent_withdrawn");
    // What happened before is still counted; the removal is counted too.
    let mut after = Vec::new();
    for table in counted {
        after.push(total(&app, &statistician, table).await);
    }
    assert_eq!(after, [before[0], before[1], before[2] + 1]);
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1?saved=consent",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert!(html.contains("Suostumus peruttu 2.12.2026"), "{html}");
}

#[tokio::test]
async fn a_restricted_record_is_read_only_and_the_directors_and_officers_alone() {
    let app = TestApp::new();
    let dpo = app.login("dpo").await;
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/en/staff/personal-data/p2",
            Some(&dpo.cookie),
            None,
        )
        .await;
    assert!(html.contains("Restrict processing"), "{html}");
    let csrf = hidden(&html, "csrf");
    let restrict = |action: &'static str| {
        let (app, cookie, csrf) = (&app, dpo.cookie.clone(), csrf.clone());
        async move {
            app.page(
                Method::POST,
                "/en/staff/personal-data/p2/restriction",
                Some(&cookie),
                Some(&[("csrf", csrf.as_str()), ("action", action)]),
            )
            .await
        }
    };
    let (status, _, _, _) = restrict("restrict").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // p2 is assigned to Helsinki's caseworker: now refused, and gone from their list.
    let helsinki = app.login("cw.helsinki").await;
    let (status, _, _, _) = app
        .page(
            Method::GET,
            "/en/staff/cases/p2",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let cases = app
        .call(Method::GET, "/api/cases", Some(&helsinki), None)
        .await;
    assert!(!cases.text.contains("\"p2\""), "{}", cases.text);
    // A director reads it, restricted, and nothing can be added.
    let director = app.login("director").await;
    let (status, _, _, html) = app
        .page(
            Method::GET,
            "/en/staff/cases/p2",
            Some(&director.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Processing of the data is restricted since"),
        "{html}"
    );
    let refused = app
        .call(
            Method::POST,
            "/api/cases/p2/events",
            Some(&director),
            Some(
                json!({"event": "journal_entry", "date": "2026-12-03", "kind": "meeting",
                        "note": "Tapaaminen"}),
            ),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert_eq!(refused.body["rule"], Value::from("processing_restricted"));

    // Lifted: the caseworker has it back.
    let (status, _, _, _) = restrict("lift").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _, _) = app
        .page(
            Method::GET,
            "/en/staff/cases/p2",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let written = app
        .audit_actions()
        .into_iter()
        .filter(|(actor, action, record, _)| {
            actor == "dpo" && action == "case.write" && record.starts_with("p2 ")
        })
        .count();
    assert_eq!(written, 2);
}
