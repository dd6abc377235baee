//! Duplicates at intake: a re-referral of someone already known is proposed with why; linked,
//! its application and details move to the known person (one person in the statistics, the
//! first records kept in the history); decided apart, the pair is not proposed again.

use axum::http::{Method, StatusCode};

use super::access::{SECRETS, TestApp, hidden};

/// A public referral of p1 again (their name misspelled, their year of birth), with a phone
/// number; its person.
async fn refer_again(app: &TestApp, name: &str) -> String {
    let before: Vec<String> = app.persons().iter().map(|p| p.id.as_str().into()).collect();
    let (status, _, _) = app
        .post_form(
            "/fi/referral",
            &[
                ("who", "victim_self"),
                ("name", name),
                ("birth_year", "1990"),
                ("gender", "female"),
                ("phone", "+358 40 765 4321"),
                ("what", "Töitä ilman palkkaa"),
                ("consent", "yes"),
                ("step", "send"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.persons()
        .iter()
        .map(|p| p.id.as_str().to_owned())
        .find(|p| !before.contains(p))
        .unwrap_or_else(|| panic!("no new person"))
}

#[tokio::test]
async fn a_re_referral_is_proposed_and_linked_and_counted_as_one_person() {
    let app = TestApp::new();
    let director = app.login("director").await;
    let new = refer_again(&app, "Qwertyson Zyxva").await;
    let page = format!("/fi/staff/cases/{new}");
    let (status, _, _, html) = app
        .page(Method::GET, &page, Some(&director.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Voiko tämä olla sama henkilö?"), "{html}");
    assert!(html.contains(r#"href="/fi/staff/cases/p1""#), "{html}");
    assert!(html.contains("sama nimi ja syntymävuosi"), "{html}");
    assert!(!html.contains(r#"href="/fi/staff/cases/p2""#), "{html}");
    let token = hidden(&html, "csrf");

    // Linked: to p1's page, which says so and holds both applications and the new phone.
    let (status, location, _, body) = app
        .page(
            Method::POST,
            &format!("{page}/duplicates"),
            Some(&director.cookie),
            Some(&[
                ("csrf", token.as_str()),
                ("other", "p1"),
                ("answer", "same"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location.as_deref(), Some("/fi/staff/cases/p1?saved=linked"));
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1?saved=linked",
            Some(&director.cookie),
            None,
        )
        .await;
    assert!(
        html.contains("Hakemus yhdistettiin tähän asiaan."),
        "{html}"
    );
    assert!(html.contains("+358 40 765 4321"), "{html}");
    assert!(
        html.contains(SECRETS[1]),
        "p1's identity code stays: {html}"
    );
    let persons = app.persons();
    assert_eq!(persons.len(), 3, "one person, not two");
    let p1 = persons.iter().find(|p| p.id.as_str() == "p1");
    assert_eq!(p1.map(|p| p.applications.len()), Some(2));
    let (status, _, _, _) = app
        .page(Method::GET, &page, Some(&director.cookie), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the new person is gone");
    // Found at the new phone number as p1.
    let found = app
        .call(
            Method::POST,
            "/api/search",
            Some(&director),
            Some(serde_json::json!({"query": "040 765 4321"})),
        )
        .await;
    assert_eq!(found.body["found"][0]["person"], "p1", "{}", found.text);
    assert_eq!(found.body["found"].as_array().map(Vec::len), Some(1));
    // On record, without the name.
    let linked: Vec<_> = app
        .audit_actions()
        .into_iter()
        .filter(|a| a.1 == "case.link")
        .collect();
    assert_eq!(linked.len(), 1, "{linked:?}");
    assert!(linked[0].2.starts_with(&format!("{new} linked to p1: ")));
    // The history of p1 shows the application moved by a correction, and who moved it.
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1/history",
            Some(&director.cookie),
            None,
        )
        .await;
    assert!(html.contains("Hakemus vastaanotettu"), "{html}");
    // Moved by corrections the director is on record for.
    assert!(html.contains("<td>director</td>"), "{html}");
}

#[tokio::test]
async fn a_pair_decided_apart_is_not_proposed_again() {
    let app = TestApp::new();
    let director = app.login("director").await;
    let new = refer_again(&app, "Zyxwa Qwertyson").await;
    let page = format!("/sv/staff/cases/{new}");
    let (_, _, _, html) = app
        .page(Method::GET, &page, Some(&director.cookie), None)
        .await;
    assert!(html.contains("samma namn och födelseår"), "{html}");
    let token = hidden(&html, "csrf");
    let (status, location, _, body) = app
        .page(
            Method::POST,
            &format!("{page}/duplicates"),
            Some(&director.cookie),
            Some(&[
                ("csrf", token.as_str()),
                ("other", "p1"),
                ("answer", "distinct"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(
        location.as_deref(),
        Some(format!("{page}?saved=distinct").as_str())
    );
    let (_, _, _, html) = app
        .page(
            Method::GET,
            &format!("{page}?saved=distinct"),
            Some(&director.cookie),
            None,
        )
        .await;
    assert!(html.contains("Markerad som en annan person"), "{html}");
    assert!(!html.contains("Kan detta vara samma person?"), "{html}");
    assert_eq!(app.persons().len(), 4, "two persons");
    assert!(
        app.audit_actions()
            .iter()
            .any(|a| a.1 == "case.distinct" && a.2 == format!("{new} is not p1"))
    );

    // A caseworker of another office is not shown Helsinki's p1, only told of it.
    let third = refer_again(&app, "Zyxwa Qwertyson").await;
    let tampere = app.login("cw.tampere").await;
    let direction = app
        .call(
            Method::PUT,
            &format!("/api/cases/{third}/assignment"),
            Some(&director),
            Some(serde_json::json!({"office": "tampere"})),
        )
        .await;
    assert_eq!(direction.status, StatusCode::OK, "{}", direction.text);
    let (_, _, _, html) = app
        .page(
            Method::GET,
            &format!("/en/staff/cases/{third}"),
            Some(&tampere.cookie),
            None,
        )
        .await;
    assert!(!html.contains(r#"href="/en/staff/cases/p1""#), "{html}");
    assert!(
        html.contains("2 more possible matches in cases that are not yours"),
        "p1 and the second referral, both unassigned or Helsinki's: {html}"
    );
    // Nor may they link to it.
    let token = hidden(&html, "csrf");
    let (status, _, _, _) = app
        .page(
            Method::POST,
            &format!("/en/staff/cases/{third}/duplicates"),
            Some(&tampere.cookie),
            Some(&[
                ("csrf", token.as_str()),
                ("other", "p1"),
                ("answer", "same"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.persons().len(), 5);
}
