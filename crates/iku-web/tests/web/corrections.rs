//! Corrections through the web application's write path: a correction takes the place of what
//! it corrects (an application corrected after the details of its day were recorded), and the
//! history lists it right after what it corrects; an official identification per client
//! period.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::access::TestApp;

#[tokio::test]
async fn a_corrected_application_keeps_its_place_and_follows_what_it_corrects_in_the_history() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    // p1's application and details were both recorded on 2026-03-01, the details after it.
    let answer = app
        .call(
            Method::POST,
            "/api/cases/p1/events",
            Some(&helsinki),
            Some(
                json!({"event": "application_received", "date": "2026-03-01", "corrects": "p1-app",
                        "application": "p1-a", "referrer": "border_guard", "consent": true}),
            ),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let correction = answer.body["event"].as_str().unwrap_or_default().to_owned();
    let p1 = app
        .persons()
        .into_iter()
        .find(|p| p.id.as_str() == "p1")
        .map(|p| {
            (
                p.applications[0].referrer.code(),
                p.details.gender.map(|g| g.code()),
                p.is_client(),
            )
        });
    assert_eq!(p1, Some(("border_guard", Some("female"), true)));

    let (status, _, _, html) = app
        .page(
            Method::GET,
            "/en/staff/cases/p1/history",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let at = |id: &str| {
        html.find(&format!(r#"<th scope="row">{id}</th>"#))
            .unwrap_or_else(|| panic!("{id} is not in the history: {html}"))
    };
    assert!(at("p1-app") < at(&correction), "{html}");
    assert!(at(&correction) < at("p1-det"), "{html}");
    assert!(at("p1-det") < at("p1-dec"), "{html}");
}

#[tokio::test]
async fn an_identification_is_started_once_per_client_period() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    // A case from the years of the official identification, entered now.
    let (person, application) = app
        .new_application(
            &helsinki,
            json!({"date": "2016-01-10", "referrer": "police", "consent": true}),
        )
        .await;
    let path = format!("/api/cases/{person}/events");
    let post = |body: serde_json::Value| {
        let (app, path, login) = (&app, path.clone(), helsinki.clone());
        async move {
            app.call(Method::POST, &path, Some(&login), Some(body))
                .await
        }
    };
    for body in [
        json!({"event": "application_decided", "date": "2016-02-01", "application": application, "outcome": "admitted"}),
        json!({"event": "identification_started", "date": "2016-02-02"}),
    ] {
        let answer = post(body).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    let again = post(json!({"event": "identification_started", "date": "2016-03-02"})).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.text
    );
    assert!(again.text.contains("client period"), "{}", again.text);
    // Removed, referred and admitted again: a new process may begin.
    for body in [
        json!({"event": "assistance_terminated", "date": "2016-06-01", "reason": "left_finland"}),
        json!({"event": "application_received", "date": "2018-01-10", "application": format!("{application}-2"),
               "referrer": "lawyer", "consent": true}),
        json!({"event": "application_decided", "date": "2018-02-01", "application": format!("{application}-2"), "outcome": "admitted"}),
        json!({"event": "identification_started", "date": "2018-02-02"}),
    ] {
        let answer = post(body).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    let processes = app
        .persons()
        .into_iter()
        .find(|p| p.id.as_str() == person)
        .map(|p| p.identifications.len());
    assert_eq!(processes, Some(2));
}
