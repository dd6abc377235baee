//! "My work", the caseworker's home: what is due in their cases by the rules of casework.md
//! (a reflection period ending within 14 days, an application waiting 30 days, a child's
//! matter, a journal follow-up, a measure due, a plan review), overdue first, then this week
//! and next, counted in days in Helsinki; nothing of another office's.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::access::TestApp;

fn iso(d: time::Date) -> String {
    iku_domain::calendar::format_date(d)
}

/// The section of the page under the heading that begins with `title`.
fn section(html: &str, title: &str) -> String {
    html.split(&format!(">{title} ("))
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn my_work_lists_what_is_overdue_and_due_this_week_and_next_in_my_cases() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let today = iku_domain::calendar::finnish_date(iku_domain::Timestamp::from_offset_date_time(
        time::OffsetDateTime::now_utc(),
    ));
    let days = time::Duration::days;
    let write = |body: serde_json::Value| {
        let (app, login) = (&app, &helsinki);
        async move {
            let answer = app
                .call(
                    Method::POST,
                    "/api/cases/p1/events",
                    Some(login),
                    Some(body),
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        }
    };
    // p1's reflection period ends in 9 days (next week); a follow-up tomorrow (this week);
    // a measure due yesterday (overdue); its plan reviewed in 20 days (not yet listed).
    write(
        json!({"event": "reflection_period_granted", "date": iso(today - days(20)),
                 "days": 30, "granted_by": "assistance_system"}),
    )
    .await;
    write(
        json!({"event": "journal_entry", "date": iso(today), "kind": "phone_call",
                 "note": "Soitti", "follow_up": iso(today + days(1))}),
    )
    .await;
    write(
        json!({"event": "plan_measure", "date": iso(today - days(3)), "area": "health",
                 "measure": "health_care", "status": "planned", "due": iso(today - days(1)),
                 "review": iso(today + days(20))}),
    )
    .await;
    // A child's application, received 40 days ago.
    let (child, _) = app
        .new_application(
            &helsinki,
            json!({"date": iso(today - days(40)), "referrer": "child_welfare", "consent": true,
                   "details": {"birth_year": today.year() - 12}}),
        )
        .await;

    let (status, _, _, html) = app
        .page(Method::GET, "/fi/staff/work", Some(&helsinki.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let overdue = section(&html, "Myöhässä");
    let this_week = section(&html, "Tällä viikolla");
    let next_week = section(&html, "Ensi viikolla");
    assert!(overdue.contains("Toimenpiteen määräaika"), "{html}");
    assert!(overdue.contains("Lapsen asia odottaa päätöstä"), "{html}");
    assert!(
        overdue.contains(&format!("/fi/staff/cases/{child}")),
        "{html}"
    );
    assert!(
        this_week.contains("Palaa asiaan (asiakaskertomus)"),
        "{html}"
    );
    assert!(next_week.contains("Harkinta-aika päättyy"), "{html}");
    assert!(
        !html.contains("Suunnitelman tarkistus"),
        "in 20 days: {html}"
    );
    // Each case by its reference, each day as Finns write it.
    assert!(overdue.contains(">p1-a</a>"), "{overdue}");
    let yesterday = today - days(1);
    let written = format!(
        "{}.{}.{}",
        yesterday.day(),
        u8::from(yesterday.month()),
        yesterday.year()
    );
    assert!(overdue.contains(&written), "{overdue}");
    assert!(
        app.audit_actions()
            .iter()
            .any(|(actor, action, record, _)| actor == "cw.helsinki"
                && action == "cases.list"
                && record.starts_with("reminders: ")),
        "the listing is on record"
    );

    // The measure done: its dates are no longer to come back to.
    let (_, _, _, case) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    let measure = super::access::hidden(&case, "id");
    let csrf = super::access::hidden(&case, "csrf");
    let today_fi = format!(
        "{}.{}.{}",
        today.day(),
        u8::from(today.month()),
        today.year()
    );
    let (status, _, _, _) = app
        .page(
            Method::POST,
            "/fi/staff/cases/p1/plan",
            Some(&helsinki.cookie),
            Some(&[
                ("csrf", csrf.as_str()),
                ("kind", "change"),
                ("id", measure.as_str()),
                ("date", today_fi.as_str()),
                ("status", "done"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, _, html) = app
        .page(Method::GET, "/fi/staff/work", Some(&helsinki.cookie), None)
        .await;
    assert!(!html.contains("Toimenpiteen määräaika"), "{html}");

    // Tampere's caseworker sees nothing of Helsinki's, and starts from their own work.
    let tampere = app.login("cw.tampere").await;
    let (_, _, _, theirs) = app
        .page(Method::GET, "/fi/staff/work", Some(&tampere.cookie), None)
        .await;
    assert!(
        !theirs.contains("/fi/staff/cases/p1\"") && !theirs.contains(&child),
        "{theirs}"
    );
}
