//! The cases page: every case in the user's scope, filtered, a page at a time, on record.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::access::TestApp;

/// The cases a page links to, in order.
fn listed(html: &str) -> Vec<String> {
    html.split("<th scope=\"row\" class=\"reference\"><a href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter_map(|href| href.rsplit('/').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_cases_page_lists_the_cases_in_scope_filtered_and_paged() {
    let app = TestApp::new();
    let director = app.login("director").await;
    let helsinki = app.login("cw.helsinki").await;
    let statistician = app.login("statistician").await;
    // A new applicant in Helsinki, besides the three clients of the test app.
    let (applicant, _) = app
        .new_application(
            &helsinki,
            json!({"date": "2026-10-01", "referrer": "ngo", "consent": true}),
        )
        .await;
    let read = |cookie: String, path: &'static str| {
        let app = &app;
        async move {
            let (status, _, _, html) = app.page(Method::GET, path, Some(&cookie), None).await;
            (status, html)
        }
    };
    let before = app
        .audit_actions()
        .iter()
        .filter(|a| a.1 == "cases.list")
        .count();

    let (status, html) = read(director.cookie.clone(), "/en/staff/cases").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let mut all = vec!["p1".to_owned(), "p2".into(), "p3".into(), applicant.clone()];
    all.sort();
    assert_eq!(listed(&html), all);
    assert!(html.contains("<td>Applicant</td>"), "{html}");
    // Each case named by the reference people know it by: its latest application's.
    assert!(
        html.contains(r#"<a href="/en/staff/cases/p1">p1-a</a>"#),
        "{html}"
    );
    let (_, record) = read(director.cookie.clone(), "/en/staff/cases/p1").await;
    assert!(record.contains("<h1>Client p1-a</h1>"), "{record}");
    // A caseworker: their office's cases and those assigned to them (p2), not Oulu's p3.
    let (_, html) = read(helsinki.cookie.clone(), "/en/staff/cases").await;
    let mut theirs = vec!["p1".to_owned(), "p2".into(), applicant.clone()];
    theirs.sort();
    assert_eq!(listed(&html), theirs);
    // Filters.
    let (_, html) = read(director.cookie.clone(), "/en/staff/cases?status=applicant").await;
    assert_eq!(listed(&html), std::slice::from_ref(&applicant));
    // By caseworker: the choice lists those the cases in scope are assigned to.
    for login in [&helsinki, &director] {
        let (_, html) = read(
            login.cookie.clone(),
            "/en/staff/cases?caseworker=cw.helsinki",
        )
        .await;
        assert_eq!(listed(&html), ["p2"]);
        assert!(
            html.contains(r#"<option value="cw.helsinki" selected>"#),
            "{html}"
        );
    }
    // Due: p1's reflection period ends in 10 days; the applicant has waited over 30 days.
    let today = time::OffsetDateTime::now_utc().date();
    let granted = app
        .call(
            Method::POST,
            "/api/cases/p1/events",
            Some(&director),
            Some(json!({"event": "reflection_period_granted",
                        "date": (today - time::Duration::days(20)).to_string(),
                        "days": 30, "granted_by": "assistance_system"})),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    let (_, html) = read(director.cookie.clone(), "/en/staff/cases?due=yes").await;
    let mut due = vec!["p1".to_owned(), applicant.clone()];
    due.sort();
    assert_eq!(listed(&html), due);
    let (_, html) = read(director.cookie.clone(), "/en/staff/cases?office=oulu").await;
    assert_eq!(listed(&html), ["p3"]);
    let (_, html) = read(director.cookie.clone(), "/en/staff/cases?status=ended").await;
    assert!(listed(&html).is_empty());
    assert!(html.contains("No cases match these filters."), "{html}");
    // The next page starts after the case given.
    let (_, html) = read(director.cookie.clone(), "/en/staff/cases?after=p1").await;
    assert!(listed(&html).iter().all(|p| p.as_str() > "p1"), "{html}");
    assert!(!listed(&html).contains(&"p1".to_owned()));
    // In Finnish, and refused to a role that sees no cases.
    let (_, html) = read(director.cookie.clone(), "/fi/staff/cases").await;
    assert!(html.contains("<h1>Asiat</h1>"), "{html}");
    let (status, _) = read(statistician.cookie.clone(), "/en/staff/cases").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Every page shown is on record (ten; the refusal is not a listing).
    let after = app
        .audit_actions()
        .iter()
        .filter(|a| a.1 == "cases.list")
        .count();
    assert_eq!(after - before, 10);

    // Newest application first (the applicant's of October, then March's 3rd, 2nd, 1st),
    // on the page and by the API a page at a time.
    let newest = [applicant.clone(), "p3".into(), "p2".into(), "p1".into()];
    let (_, html) = read(director.cookie.clone(), "/en/staff/cases?sort=newest").await;
    assert_eq!(listed(&html), newest);
    assert!(html.contains("<td>1/10/2026</td>"), "{html}");
    let mut pages = Vec::new();
    let mut path = "/api/cases?sort=newest&limit=3".to_owned();
    loop {
        let page = app.call(Method::GET, &path, Some(&director), None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let persons = page.body["cases"].as_array().cloned().unwrap_or_default();
        pages.extend(
            persons
                .iter()
                .map(|c| c["person"].as_str().unwrap_or("").to_owned()),
        );
        if page.body["next"].is_null() {
            break;
        }
        path = format!(
            "/api/cases?sort=newest&limit=3&after={}&after_date={}",
            page.field("next"),
            page.field("next_date")
        );
    }
    assert_eq!(pages, newest);
    let refused = app
        .call(Method::GET, "/api/cases?sort=oldest", Some(&director), None)
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}
