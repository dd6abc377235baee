//! The decision document through the router: in Finnish and Swedish (English marked a
//! translation), citing the law of the decision's date, naming who decided, its read on
//! record, and only for those who may open the case.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::access::{SECRETS, TestApp, hidden};

#[tokio::test]
async fn an_imported_admission_reads_as_a_decision_in_finnish_and_swedish() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let get = |path: &str| {
        let (app, cookie, path) = (&app, helsinki.cookie.clone(), path.to_owned());
        async move {
            let (status, _, _, body) = app.page(Method::GET, &path, Some(&cookie), None).await;
            (status, body)
        }
    };
    // The client page links the decided application to its document in Finnish, as the
    // English page has no official language of its own.
    let (_, case) = get("/en/staff/cases/p1").await;
    let path = "/en/staff/cases/p1/decisions/p1-a/fi";
    assert!(case.contains(&format!(r#"href="{path}""#)), "{case}");

    let (status, fi) = get(path).await;
    assert_eq!(status, StatusCode::OK, "{fi}");
    for expected in [
        r#"<article class="decision" lang="fi">"#,
        "Salassa pidettävä",
        "Asianosainen otetaan ihmiskaupan uhrien auttamisjärjestelmään 6.3.2026 alkaen.",
        // Admitted after 2022: the admission is the identification.
        "samalla ihmiskaupan uhriksi tunnistaminen",
        "(746/2011) 33, 34 ja 35 §",
        "Hallintolaki (434/2003)",
        "valittamalla hallinto-oikeuteen",
        "30 päivän kuluessa",
        "(808/2019)",
        "Poliisi",
        // The decision came in with the import: iku does not know who made it.
        "sen tekijä ilmenee alkuperäisestä päätöksestä",
        // Addressed to the person, by name.
        SECRETS[0],
    ] {
        assert!(fi.contains(expected), "{expected}: {fi}");
    }
    assert!(!fi.contains('⟦'), "{fi}");

    let (_, sv) = get("/en/staff/cases/p1/decisions/p1-a/sv").await;
    for expected in [
        r#"lang="sv""#,
        "Besvärsanvisning",
        "inom 30 dagar",
        "Parten tas upp i hjälpsystemet för offer för människohandel från och med 6.3.2026.",
    ] {
        assert!(sv.contains(expected), "{expected}: {sv}");
    }
    let (_, en) = get("/en/staff/cases/p1/decisions/p1-a/en").await;
    assert!(en.contains("Unofficial translation"), "{en}");

    let reads = app
        .audit_actions()
        .into_iter()
        .filter(|(actor, action, record, _)| {
            actor == "cw.helsinki" && action == "case.decision" && record == "p1 case.decision p1-a"
        })
        .count();
    assert_eq!(reads, 3);

    // No such application, or one of another person, is no document.
    for path in [
        "/en/staff/cases/p1/decisions/nothing/fi",
        "/en/staff/cases/p1/decisions/p2-a/fi",
        "/en/staff/cases/p1/decisions/p1-a/de",
    ] {
        assert_eq!(get(path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    // Another office's caseworker may not read it.
    let tampere = app.login("cw.tampere").await;
    let (status, _, _, body) = app
        .page(Method::GET, path, Some(&tampere.cookie), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!body.contains(SECRETS[0]));
}

#[tokio::test]
async fn a_rejection_decided_in_iku_names_its_official_and_its_reason() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let (person, application) = app
        .new_application(
            &helsinki,
            json!({"date": "2026-10-01", "referrer": "ngo", "consent": true}),
        )
        .await;
    let case = format!("/sv/staff/cases/{person}");
    let (_, _, _, html) = app
        .page(Method::GET, &case, Some(&helsinki.cookie), None)
        .await;
    let fields = [
        ("csrf", hidden(&html, "csrf")),
        ("application", application.clone()),
        ("outcome", "rejected".to_owned()),
        ("reason", "no_need_for_assistance".to_owned()),
        ("reasons", REASONS.to_owned()),
        ("date", "2026-10-05".to_owned()),
        ("confirm", "yes".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // A day that does not exist: the page says so, and the form keeps all that was typed.
    let mut mistyped = fields.clone();
    mistyped.retain(|(k, _)| *k != "date");
    mistyped.push(("date", "31.2.2026"));
    let (status, _, _, again) = app
        .page(
            Method::POST,
            &format!("{case}/decision"),
            Some(&helsinki.cookie),
            Some(&mistyped),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for kept in [
        r#"value="31.2.2026""#.to_owned(),
        r#"value="rejected" checked"#.to_owned(),
        r#"<option value="no_need_for_assistance" selected>"#.to_owned(),
        format!(r#"<option value="{application}" selected>"#),
        "Yrkesutbildning ordnad av arbetsgivaren.".to_owned(),
    ] {
        assert!(again.contains(&kept), "{kept}: {again}");
    }
    let (status, _, _, body) = app
        .page(
            Method::POST,
            &format!("{case}/decision"),
            Some(&helsinki.cookie),
            Some(&fields),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");

    // A Swedish page links the Swedish document.
    let (_, _, _, html) = app
        .page(Method::GET, &case, Some(&helsinki.cookie), None)
        .await;
    let path = format!("{case}/decisions/{application}/sv");
    assert!(html.contains(&path), "{html}");
    let (status, _, _, sv) = app
        .page(Method::GET, &path, Some(&helsinki.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{sv}");
    for expected in [
        "Parten tas inte upp i hjälpsystemet för offer för människohandel.",
        "Parten är inte i behov av hjälpsystemets hjälpinsatser.",
        "Namnet är inte känt",
        "cw.helsinki",
    ] {
        assert!(sv.contains(expected), "{expected}: {sv}");
    }
    assert!(!sv.contains("identifiering som offer"), "{sv}");
    // The reasons of this case, after the standard reasoning, a paragraph each.
    let standard = sv.find("Parten är inte i behov").unwrap_or(usize::MAX);
    let own = sv
        .find("<p>Yrkesutbildning ordnad av arbetsgivaren")
        .unwrap_or(0);
    assert!(standard < own, "{sv}");
    assert!(sv.contains("<p>Hon har bostad och arbete.</p>"), "{sv}");
    // Sealed at rest, like every personal field.
    let mut raw = std::fs::read(app.db_path()).unwrap_or_default();
    raw.extend(std::fs::read(app.db_path().with_extension("db-wal")).unwrap_or_default());
    let needle = "Hon har bostad och arbete";
    assert!(!raw.windows(needle.len()).any(|w| w == needle.as_bytes()));
}

/// Reasons an official wrote for one case, in two paragraphs.
const REASONS: &str = "Yrkesutbildning ordnad av arbetsgivaren.\n\nHon har bostad och arbete.";

#[tokio::test]
async fn a_removal_reads_as_a_decision_with_its_ground_38_f_and_the_appeal() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let (person, application) = app
        .new_application(
            &helsinki,
            json!({"date": "2026-09-01", "referrer": "ngo", "consent": true}),
        )
        .await;
    let case = format!("/fi/staff/cases/{person}");
    let (status, _, _, _) = app
        .page(
            Method::GET,
            &format!("{case}/removal/fi"),
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "never removed");
    for event in [
        json!({"event": "application_decided", "date": "2026-09-10", "application": application,
               "outcome": "admitted"}),
        json!({"event": "assistance_terminated", "date": "2026-11-20",
               "reason": "no_longer_needed"}),
    ] {
        let written = app
            .call(
                Method::POST,
                &format!("/api/cases/{person}/events"),
                Some(&helsinki),
                Some(event),
            )
            .await;
        assert_eq!(written.status, StatusCode::OK, "{}", written.text);
    }
    let (_, _, _, html) = app
        .page(Method::GET, &case, Some(&helsinki.cookie), None)
        .await;
    let path = format!("{case}/removal/fi");
    assert!(html.contains(&format!(r#"<a href="{path}">"#)), "{html}");
    let (status, _, _, fi) = app
        .page(Method::GET, &path, Some(&helsinki.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{fi}");
    for expected in [
        "<h1>Päätös auttamisjärjestelmästä poistamisesta</h1>",
        "poistetaan ihmiskaupan uhrien auttamisjärjestelmästä 20.11.2026 alkaen",
        "Poistamisen peruste: Ei enää avun tarvetta.",
        "ei enää tarvitse auttamisjärjestelmän palveluja",
        "(746/2011) 38 f §",
        "kohtuullisen ajan",
        "Laki oikeudenkäynnistä hallintoasioissa (808/2019)",
        "cw.helsinki",
    ] {
        assert!(fi.contains(expected), "{expected}: {fi}");
    }
    assert!(
        app.audit_actions()
            .iter()
            .any(|(actor, action, record, _)| actor == "cw.helsinki"
                && action == "case.decision"
                && record.ends_with("removal")),
        "the read is on record"
    );
    // Another office's caseworker does not read it.
    let tampere = app.login("cw.tampere").await;
    let (status, _, _, _) = app
        .page(Method::GET, &path, Some(&tampere.cookie), None)
        .await;
    assert_ne!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_reflection_period_has_its_written_notice_in_the_three_languages() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let path = "/sv/staff/cases/p1/reflection/sv";
    let (status, _, _, _) = app
        .page(Method::GET, path, Some(&helsinki.cookie), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no period yet");
    let granted = app
        .call(
            Method::POST,
            "/api/cases/p1/events",
            Some(&helsinki),
            Some(
                json!({"event": "reflection_period_granted", "date": "2026-11-02",
                        "days": 30, "granted_by": "assistance_system"}),
            ),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    let (_, _, _, case) = app
        .page(
            Method::GET,
            "/sv/staff/cases/p1",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert!(
        case.contains(&format!(r#"<a href="{path}">Meddelande om betänketid</a>"#)),
        "{case}"
    );
    let (status, _, _, sv) = app
        .page(Method::GET, path, Some(&helsinki.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{sv}");
    for expected in [
        "<dt>Betänketiden börjar</dt><dd>2.11.2026</dd>",
        "<dd>30 dagar</dd>",
        "<dt>Sista dagen</dt><dd>1.12.2026</dd>",
        "din vistelse i Finland laglig",
        "återupptagit kontakten med de misstänkta",
        "Utlänningslagen (301/2004) 52 b och 52 c §",
    ] {
        assert!(sv.contains(expected), "{expected}: {sv}");
    }
    let (_, _, _, en) = app
        .page(
            Method::GET,
            "/sv/staff/cases/p1/reflection/en",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert!(
        en.contains("<dd>30 days</dd>") && en.contains("Aliens Act (301/2004)"),
        "{en}"
    );
}
