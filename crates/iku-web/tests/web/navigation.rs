//! Navigation by role: each role starts from its own home after logging in, its menu links
//! only the pages it may open (and each of those opens, each other page is refused), and a
//! refused page keeps the menu.

use axum::http::{Method, StatusCode};
use iku_app::auth::totp::code;
use iku_domain::access::{Area, Role};

use super::access::{PASSWORD, TestApp, unix_now};

/// Each area's page.
const PAGES: [(Area, &str); 8] = [
    (Area::Work, "/en/staff/work"),
    (Area::Inbox, "/en/staff/"),
    (Area::Cases, "/en/staff/cases"),
    (Area::Deadlines, "/en/staff/deadlines"),
    (Area::Statistics, "/en/staff/statistics"),
    (Area::Accounts, "/en/staff/admin"),
    (Area::AuditLog, "/en/staff/audit"),
    (Area::PersonalData, "/en/staff/personal-data"),
];

fn page_of(area: Area) -> &'static str {
    PAGES
        .iter()
        .find(|(a, _)| *a == area)
        .map_or("", |(_, p)| p)
}

/// The links of the staff's menu on a page, in order.
fn menu(html: &str) -> Vec<String> {
    let Some(nav) = html
        .split(r#"<nav class="staff""#)
        .nth(1)
        .and_then(|rest| rest.split("</nav>").next())
    else {
        return Vec::new();
    };
    nav.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn each_role_starts_at_its_home_and_sees_only_what_it_may_open() {
    let app = TestApp::new();
    for (name, role) in [
        ("cw.helsinki", Role::Caseworker),
        ("director", Role::Director),
        ("statistician", Role::Statistician),
        ("admin", Role::Admin),
        ("auditor", Role::Auditor),
        ("dpo", Role::DataProtection),
    ] {
        let code = code(&app.secret, unix_now());
        let (status, location, cookie, body) = app
            .page(
                Method::POST,
                "/en/staff/login",
                None,
                Some(&[("username", name), ("password", PASSWORD), ("code", &code)]),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {body}");
        assert_eq!(location.as_deref(), Some(page_of(role.home())), "{name}");
        let cookie = cookie
            .as_deref()
            .and_then(|c| c.split(';').next())
            .map(|c| c.trim_start_matches("iku_session=").to_owned())
            .unwrap_or_default();
        let mine: Vec<String> = role
            .areas()
            .iter()
            .map(|a| page_of(*a).to_owned())
            .collect();
        for (area, path) in PAGES {
            let (status, _, _, html) = app.page(Method::GET, path, Some(&cookie), None).await;
            if role.areas().contains(&area) {
                assert_eq!(status, StatusCode::OK, "{name} {path}: {html}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{name} {path}: {html}");
                assert!(
                    html.contains("Your role does not give access to this page"),
                    "{name} {path}: {html}"
                );
            }
            assert_eq!(
                menu(&html),
                mine,
                "{name} {path}: the menu kept and only theirs"
            );
        }
    }
}
