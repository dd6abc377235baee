//! The history of a case through the router: who recorded what, what was corrected or
//! retracted, and a retraction made from the page after its confirmation step.

use axum::http::{Method, StatusCode};

use super::access::{SECRETS, TestApp, hidden};

/// The entries the history page offers to retract, in the page's order.
fn retractable(html: &str) -> Vec<String> {
    html.split("/history?retract=")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_history_shows_who_recorded_what_and_retracts_an_entry_after_a_confirmation() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let case = "/en/staff/cases/p1";
    let history = format!("{case}/history");
    let get = |path: String| {
        let cookie = helsinki.cookie.clone();
        let app = &app;
        async move {
            let (status, location, _, body) =
                app.page(Method::GET, &path, Some(&cookie), None).await;
            (status, location, body)
        }
    };
    let (status, _, html) = get(case.to_owned()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!(r#"href="{history}""#)), "{html}");
    let csrf = hidden(&html, "csrf");

    let (status, _, _, body) = app
        .page(
            Method::POST,
            &format!("{case}/record"),
            Some(&helsinki.cookie),
            Some(&[
                ("csrf", csrf.as_str()),
                ("kind", "details"),
                ("residence_status", "asylum_seeker"),
                ("municipality", "no"),
                ("date", "2026-04-01"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let residence = || {
        app.persons()
            .into_iter()
            .find(|p| p.id.as_str() == "p1")
            .and_then(|p| p.details.residence_status)
            .map(|r| r.code())
    };
    assert_eq!(residence(), Some("asylum_seeker"));

    let (status, _, html) = get(history.clone()).await;
    assert_eq!(status, StatusCode::OK);
    // The imported entries say so; the new one names who recorded it. No personal value is
    // on the page, though the imported details carry a name and an identity code.
    assert!(
        html.contains("p1-det") && html.contains("imported, not recorded in iku"),
        "{html}"
    );
    assert!(html.contains("cw.helsinki"), "{html}");
    for secret in SECRETS {
        assert!(
            !html.contains(secret),
            "a personal value on the history page"
        );
    }
    let entries = retractable(&html);
    let new: Vec<&String> = entries.iter().filter(|e| !e.starts_with("p1-")).collect();
    assert_eq!(new.len(), 1, "{entries:?}");
    let entry = new[0].clone();
    assert!(!html.contains("Retract this entry?"));

    // Asking to retract shows what would be retracted and asks first.
    let (status, _, confirm) = get(format!("{history}?retract={entry}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("Retract this entry?"), "{confirm}");
    assert_eq!(hidden(&confirm, "retracts"), entry);
    assert_eq!(hidden(&confirm, "kind"), "retraction");
    // An entry that is not this case's, or not in force, gets no confirmation.
    let (_, _, other) = get(format!("{history}?retract=p2-det")).await;
    assert!(!other.contains("Retract this entry?"));

    let date = hidden(&confirm, "date");
    let (status, location, _, body) = app
        .page(
            Method::POST,
            &format!("{case}/record"),
            Some(&helsinki.cookie),
            Some(&[
                ("csrf", hidden(&confirm, "csrf").as_str()),
                ("kind", "retraction"),
                ("retracts", entry.as_str()),
                ("date", date.as_str()),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location.as_deref(), Some(history.as_str()));
    assert_eq!(residence(), None, "the retracted details no longer count");

    let (_, _, html) = get(history.clone()).await;
    assert!(html.contains("Retracted by entry"), "{html}");
    assert!(html.contains(&format!("Retracts entry {entry}")), "{html}");
    assert!(
        !retractable(&html).contains(&entry),
        "a retracted entry cannot be retracted again"
    );
    let (_, _, again) = get(format!("{history}?retract={entry}")).await;
    assert!(!again.contains("Retract this entry?"));

    // Every read of the history is on record; the write names its entry.
    let audit = app.audit_actions();
    let reads = audit
        .iter()
        .filter(|(actor, action, record, _)| {
            actor == "cw.helsinki" && action == "case.history" && record == "p1 case.history"
        })
        .count();
    assert_eq!(reads, 5, "{audit:?}");
    assert!(
        audit
            .iter()
            .any(|(_, action, record, _)| action == "case.write"
                && record == &format!("p1 person_details {entry}")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn the_history_is_for_the_case_s_office_only() {
    let app = TestApp::new();
    let tampere = app.login("cw.tampere").await;
    let (status, _, _, body) = app
        .page(
            Method::GET,
            "/en/staff/cases/p1/history",
            Some(&tampere.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!body.contains("p1-det"));
    let (status, location, _, _) = app
        .page(Method::GET, "/en/staff/cases/p1/history", None, None)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.is_some_and(|l| l.contains("login")));
    // To a caseworker, a case that does not exist is as out of reach as another office's:
    // the answer does not tell which. The director sees every case, so is told it is not there.
    for (name, expected) in [
        ("cw.helsinki", StatusCode::FORBIDDEN),
        ("director", StatusCode::NOT_FOUND),
    ] {
        let (status, _, _, _) = app
            .page(
                Method::GET,
                "/en/staff/cases/nobody/history",
                Some(&app.login(name).await.cookie),
                None,
            )
            .await;
        assert_eq!(status, expected, "{name}");
    }
    assert!(
        !app.audit_actions()
            .iter()
            .any(|(actor, action, ..)| actor == "cw.tampere" && action == "case.history")
    );
}
