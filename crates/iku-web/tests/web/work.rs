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
        !html.contains("<td>Suunnitelman tarkistus</td>"),
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
    assert!(!html.contains("<td>Toimenpiteen määräaika</td>"), "{html}");

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

#[tokio::test]
async fn a_task_is_made_for_a_case_given_to_a_colleague_who_sees_it_and_done_on_record() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let (_, _, _, case) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert!(
        case.contains(r#"<h2 id="case-tasks-title">Tehtävät</h2>"#),
        "{case}"
    );
    let csrf = super::access::hidden(&case, "csrf");
    let post = |path: String, fields: Vec<(&'static str, String)>, cookie: String| {
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.page(Method::POST, &path, Some(&cookie), Some(&form))
                .await
        }
    };
    // A day that does not exist: said, nothing made.
    let (status, _, _, html) = post(
        "/fi/staff/tasks".into(),
        vec![
            ("csrf", csrf.clone()),
            ("kind", "call".into()),
            ("due", "31.2.2026".into()),
            ("owner", "cw.helsinki".into()),
            ("person", "p1".into()),
        ],
        helsinki.cookie.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Anna päivä muodossa 31.12.2026"), "{html}");
    assert!(
        html.contains(r#"value="31.2.2026""#),
        "what was typed is kept: {html}"
    );
    assert!(html.contains(r#"<option value="call" selected>"#), "{html}");
    let (status, location, _, _) = post(
        "/fi/staff/tasks".into(),
        vec![
            ("csrf", csrf.clone()),
            ("kind", "call".into()),
            ("due", "31.12.2026".into()),
            ("owner", "cw.helsinki".into()),
            ("person", "p1".into()),
        ],
        helsinki.cookie.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/fi/staff/cases/p1?saved=task"));
    let (_, _, _, work) = app
        .page(Method::GET, "/fi/staff/work", Some(&helsinki.cookie), None)
        .await;
    let tasks = work
        .split(r#"id="tasks-title""#)
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .unwrap_or_default()
        .to_owned();
    assert!(
        tasks.contains("Omat tehtävät (1)") || work.contains("Omat tehtävät (1)"),
        "{work}"
    );
    assert!(
        tasks.contains("31.12.2026") && tasks.contains("Soita"),
        "{tasks}"
    );
    assert!(
        tasks.contains(r#"<a href="/fi/staff/cases/p1">p1-a</a>"#),
        "{tasks}"
    );
    let action = tasks
        .split(r#"action="/fi/staff/tasks/"#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    assert!(action.starts_with("t-"), "{tasks}");

    // Tampere's caseworker does not see the case: the task cannot be theirs.
    let give = |to: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("action", "give".into()),
            ("owner", to.into()),
        ]
    };
    let path = format!("/fi/staff/tasks/{action}");
    let (status, _, _, _) = post(path.clone(), give("cw.tampere"), helsinki.cookie.clone()).await;
    assert_ne!(status, StatusCode::SEE_OTHER);
    // The director does: given, it leaves Helsinki's list and is the director's.
    let (status, location, _, _) =
        post(path.clone(), give("director"), helsinki.cookie.clone()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/fi/staff/work?saved=give"));
    let (_, _, _, work) = app
        .page(Method::GET, "/fi/staff/work", Some(&helsinki.cookie), None)
        .await;
    assert!(work.contains("Ei avoimia tehtäviä."), "{work}");
    // Helsinki's caseworker no longer changes it; the director marks it done.
    let done = vec![("csrf", csrf.clone()), ("action", "done".into())];
    let (status, _, _, _) = post(path.clone(), done, helsinki.cookie.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let director = app.login("director").await;
    let (_, _, _, theirs) = app
        .page(Method::GET, "/fi/staff/work", Some(&director.cookie), None)
        .await;
    assert!(theirs.contains("Soita"), "{theirs}");
    let token = super::access::hidden(&theirs, "csrf");
    let (status, _, _, _) = post(
        path,
        vec![("csrf", token), ("action", "done".into())],
        director.cookie.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, _, theirs) = app
        .page(Method::GET, "/fi/staff/work", Some(&director.cookie), None)
        .await;
    assert!(theirs.contains("Ei avoimia tehtäviä."), "{theirs}");
    let on_record: Vec<String> = app
        .audit_actions()
        .into_iter()
        .filter(|(_, action, _, _)| action.starts_with("task."))
        .map(|(actor, action, _, _)| format!("{actor} {action}"))
        .collect();
    assert_eq!(
        on_record,
        [
            "cw.helsinki task.make",
            "cw.helsinki task.give",
            "director task.done"
        ]
    );
}

/// A rule's reminder taken as a task: listed with the user's tasks (to give on or mark done)
/// and no longer among the reminders; done, it stays gone; both on record.
#[tokio::test]
async fn a_reminder_taken_as_a_task_leaves_the_reminders_and_is_done_like_any_task() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let today = iku_domain::calendar::finnish_date(iku_domain::Timestamp::from_offset_date_time(
        time::OffsetDateTime::now_utc(),
    ));
    let follow_up = today + time::Duration::days(2);
    let answer = app
        .call(
            Method::POST,
            "/api/cases/p1/events",
            Some(&helsinki),
            Some(
                json!({"event": "journal_entry", "date": iso(today), "kind": "meeting",
                        "note": "Tapasimme", "follow_up": iso(follow_up)}),
            ),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let work = || async {
        let (_, _, _, html) = app
            .page(Method::GET, "/fi/staff/work", Some(&helsinki.cookie), None)
            .await;
        html
    };
    let html = work().await;
    let reminders = section(&html, "Tällä viikolla");
    assert!(
        reminders.contains("Palaa asiaan (asiakaskertomus)"),
        "{html}"
    );
    assert!(reminders.contains("Ota tehtäväksi"), "{reminders}");
    let field = |name: &str| {
        reminders
            .split(&format!(r#"name="{name}" value=""#))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned()
    };
    let (csrf, kind, person, due) = (field("csrf"), field("kind"), field("person"), field("due"));
    assert_eq!((kind.as_str(), person.as_str()), ("follow_up", "p1"));
    let (status, location, _, _) = app
        .page(
            Method::POST,
            "/fi/staff/tasks",
            Some(&helsinki.cookie),
            Some(&[
                ("csrf", csrf.as_str()),
                ("kind", kind.as_str()),
                ("person", person.as_str()),
                ("due", due.as_str()),
                ("back", "work"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/fi/staff/work?saved=task"));
    let html = work().await;
    let tasks = section(&html, "Omat tehtävät");
    assert!(
        tasks.contains("Palaa asiaan") && tasks.contains(">p1-a</a>"),
        "{tasks}"
    );
    assert!(
        !section(&html, "Tällä viikolla").contains("Palaa asiaan (asiakaskertomus)"),
        "{html}"
    );
    // Done: gone from both lists.
    let id = tasks
        .split(r#"action="/fi/staff/tasks/"#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let (status, _, _, _) = app
        .page(
            Method::POST,
            &format!("/fi/staff/tasks/{id}"),
            Some(&helsinki.cookie),
            Some(&[("csrf", csrf.as_str()), ("action", "done")]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let html = work().await;
    assert!(!html.contains("Palaa asiaan"), "{html}");
    let actions = app.audit_actions();
    for action in ["task.make", "task.done"] {
        assert!(
            actions
                .iter()
                .any(|(actor, a, record, _)| actor == "cw.helsinki"
                    && a == action
                    && record.starts_with(&id)),
            "{action}: {actions:?}"
        );
    }
}
