//! Routing: a public referral waits without an office, in the directors' unassigned queue;
//! a director places it from the client page; the office's caseworkers then see it.

use axum::http::{Method, StatusCode};

use super::access::{TestApp, hidden};

#[tokio::test]
async fn a_public_referral_is_placed_by_a_director_and_seen_by_the_office() {
    let app = TestApp::new();
    let before: Vec<String> = app.persons().iter().map(|p| p.id.as_str().into()).collect();
    let (status, _, _) = app
        .post_form(
            "/en/referral",
            &[
                ("who", "ngo"),
                ("name", "Ilse Marquardt"),
                ("birth_year", "1994"),
                ("gender", "female"),
                ("phone", "+358 40 123 4567"),
                ("what", "Worked without pay"),
                ("contact", "Anna, Pro-tukipiste"),
                ("consent", "yes"),
                ("step", "send"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let new = app
        .persons()
        .iter()
        .map(|p| p.id.as_str().to_owned())
        .find(|p| !before.contains(p))
        .unwrap_or_else(|| panic!("no new person"));
    let link = format!(r#"href="/en/staff/cases/{new}""#);

    // Not placed: the directors' queue has it; no caseworker sees it.
    let director = app.login("director").await;
    let (_, _, _, queue) = app
        .page(
            Method::GET,
            "/en/staff/cases?office=-",
            Some(&director.cookie),
            None,
        )
        .await;
    assert!(queue.contains(&link), "{queue}");
    assert!(!queue.contains(r#"href="/en/staff/cases/p1""#), "{queue}");
    let helsinki = app.login("cw.helsinki").await;
    let (_, _, _, theirs) = app
        .page(Method::GET, "/en/staff/cases", Some(&helsinki.cookie), None)
        .await;
    assert!(!theirs.contains(&link), "{theirs}");

    // The director places it, with a caseworker, from its page.
    let page = format!("/en/staff/cases/{new}");
    let (_, _, _, html) = app
        .page(Method::GET, &page, Some(&director.cookie), None)
        .await;
    assert!(html.contains("No office yet"), "{html}");
    assert!(html.contains(r#"<optgroup label="helsinki">"#), "{html}");
    let token = hidden(&html, "csrf");
    let place = format!("{page}/assignment");
    let (status, _, _, html) = app
        .page(
            Method::POST,
            &place,
            Some(&director.cookie),
            Some(&[
                ("csrf", token.as_str()),
                ("office", "nowhere"),
                ("assignee", ""),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("Choose an office from the list."), "{html}");
    let (status, location, _, body) = app
        .page(
            Method::POST,
            &place,
            Some(&director.cookie),
            Some(&[
                ("csrf", token.as_str()),
                ("office", "helsinki"),
                ("assignee", "cw.helsinki"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location, Some(format!("{page}?saved=placed")));
    let (_, _, _, html) = app
        .page(
            Method::GET,
            &format!("{page}?saved=placed"),
            Some(&director.cookie),
            None,
        )
        .await;
    assert!(html.contains("The case was placed."), "{html}");
    assert!(html.contains("<strong>helsinki</strong>"), "{html}");

    // The office's caseworker sees it among their cases and in their inbox; the queue is
    // empty of it.
    for path in ["/en/staff/cases?caseworker=cw.helsinki", "/en/staff/"] {
        let (_, _, _, theirs) = app
            .page(Method::GET, path, Some(&helsinki.cookie), None)
            .await;
        assert!(theirs.contains(&link), "{path}: {theirs}");
    }
    let (_, _, _, queue) = app
        .page(
            Method::GET,
            "/en/staff/cases?office=-",
            Some(&director.cookie),
            None,
        )
        .await;
    assert!(!queue.contains(&link), "{queue}");
    assert!(
        app.audit_actions()
            .iter()
            .any(|a| a.0 == "director" && a.1 == "case.assign" && a.2 == new)
    );

    // A caseworker places nothing.
    let (_, _, _, html) = app
        .page(Method::GET, &page, Some(&helsinki.cookie), None)
        .await;
    assert!(!html.contains(&format!(r#"action="{place}""#)), "{html}");
    let token = hidden(&html, "csrf");
    let (status, _, _, _) = app
        .page(
            Method::POST,
            &place,
            Some(&helsinki.cookie),
            Some(&[("csrf", token.as_str()), ("office", "tampere")]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
