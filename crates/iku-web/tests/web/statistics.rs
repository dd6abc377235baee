//! The statistics pages as a statistician works in them: publishing shows what would be
//! published and its disclosure report in words before asking; a frozen report reads the same,
//! its JSON a link away; a review of a year with nobody in it says so; a review opened from
//! the pages leads back to them.

use axum::http::{Method, StatusCode};

use super::access::{TestApp, hidden};

#[tokio::test]
async fn publishing_shows_the_disclosure_report_in_words_before_it_asks() {
    let app = TestApp::new();
    let statistician = app.login("statistician").await;
    let (_, _, _, page) = app
        .page(
            Method::GET,
            "/fi/staff/statistics",
            Some(&statistician.cookie),
            None,
        )
        .await;
    let csrf = hidden(&page, "csrf");
    let publish = [
        ("csrf", csrf.as_str()),
        ("kind", "annual"),
        ("year", "2026"),
    ];
    let (status, _, _, asked) = app
        .page(
            Method::POST,
            "/fi/staff/statistics/publish",
            Some(&statistician.cookie),
            Some(&publish),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    assert!(asked.contains("<h1>Julkaistaanko katsaus?</h1>"), "{asked}");
    assert!(
        asked.contains("<h2 id=\"report-title\">Tietosuojaraportti</h2>"),
        "{asked}"
    );
    assert!(asked.contains("Katsaus julkaisee "), "{asked}");
    assert!(
        asked.contains("Tarkastus hyväksyi kaikki pienten lukujensa vuoksi pois jätetyt luvut"),
        "{asked}"
    );
    assert!(
        asked.contains(
            r#"href="/fi/staff/statistics/review?kind=annual&amp;year=2026&amp;disclosure=published&amp;format=html""#
        ),
        "{asked}"
    );
    // Words, not the report's JSON or its codes.
    assert!(!asked.contains("\"withheld\"") && !asked.contains("audit_passed"));
    assert!(!asked.contains("new_clients_by"), "{asked}");
    assert!(!asked.contains('⟦'), "{asked}");
    assert!(app.store().publications().unwrap_or_default().is_empty());
    assert!(
        app.audit_actions()
            .iter()
            .any(|(actor, action, record, _)| actor == "statistician"
                && action == "publication.disclosure_report"
                && record == "preview annual 2026"),
        "the preview's exact counts were read on record"
    );

    let confirmed = [publish.as_slice(), &[("confirm", "yes")]].concat();
    let (status, _, _, _) = app
        .page(
            Method::POST,
            "/fi/staff/statistics/publish",
            Some(&statistician.cookie),
            Some(&confirmed),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let stored = app.store().publications().unwrap_or_default();
    let frozen = stored[0].disclosure_report.clone().unwrap_or_default();

    // The frozen report, in words; its JSON unchanged a link away.
    let (status, _, _, report) = app
        .page(
            Method::GET,
            "/sv/staff/statistics/publications/1/report",
            Some(&statistician.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(report.contains("<h1>Årsöversikt 2026</h1>"), "{report}");
    assert!(report.contains("Översikten publicerar "), "{report}");
    assert!(
        report.contains(r#"href="/sv/staff/statistics/publications/1/report.json" download"#),
        "{report}"
    );
    assert!(
        !report.contains("audit_passed") && !report.contains('⟦'),
        "{report}"
    );
    let (status, _, _, json) = app
        .page(
            Method::GET,
            "/sv/staff/statistics/publications/1/report.json",
            Some(&statistician.cookie),
            None,
        )
        .await;
    assert_eq!((status, json.as_str()), (StatusCode::OK, frozen.as_str()));
    let (status, _, _, _) = app
        .page(
            Method::GET,
            "/sv/staff/statistics/publications/1/other",
            Some(&statistician.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_review_of_a_year_without_anyone_says_so_and_leads_back_to_the_pages() {
    let app = TestApp::new();
    let director = app.login("director").await;
    let review = |year: &'static str| {
        let (app, cookie) = (&app, director.cookie.clone());
        async move {
            let path = format!(
                "/en/staff/statistics/review?kind=annual&year={year}&disclosure=published&format=html"
            );
            app.page(Method::GET, &path, Some(&cookie), None).await
        }
    };
    let nobody = "The register holds no applications and no clients for this period";
    let (status, _, _, empty) = review("2016").await;
    assert_eq!(status, StatusCode::OK);
    assert!(empty.contains(nobody), "{empty}");
    assert!(
        empty.contains(
            r#"<p class="back"><a href="/en/staff/statistics">Back to the statistics</a></p>"#
        ),
        "{empty}"
    );
    let (_, _, _, full) = review("2026").await;
    assert!(!full.contains(nobody), "{full}");
}
