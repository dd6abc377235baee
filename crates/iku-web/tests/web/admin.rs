//! The admins' account actions through the pages: disable (which ends the account's
//! sessions), enable, and reset a lost verification app; each on record, none on one's own
//! account that would lock it out, none for anyone but an admin.

use axum::http::{Method, StatusCode};
use iku_domain::access::Username;

use super::access::{PASSWORD, TestApp, hidden};

#[tokio::test]
async fn an_admin_disables_enables_and_resets_accounts_from_the_page() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let tampere = app.login("cw.tampere").await;
    let (status, _, _, page) = app
        .page(Method::GET, "/en/staff/admin", Some(&admin.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"href="/en/staff/admin/accounts/cw.tampere""#),
        "{page}"
    );
    // An account's page has its actions; no button disables the admin's own account.
    let (_, _, _, tampere_page) = app
        .page(
            Method::GET,
            "/en/staff/admin/accounts/cw.tampere",
            Some(&admin.cookie),
            None,
        )
        .await;
    assert!(
        tampere_page.contains(r#"action="/en/staff/admin/accounts/cw.tampere""#)
            && tampere_page.contains(r#"value="disable""#),
        "{tampere_page}"
    );
    let (_, _, _, own) = app
        .page(
            Method::GET,
            "/en/staff/admin/accounts/admin",
            Some(&admin.cookie),
            None,
        )
        .await;
    assert!(!own.contains(r#"value="disable""#), "{own}");
    assert!(!own.contains(r#"value="role""#), "{own}");
    let csrf = hidden(&page, "csrf");
    let act = |name: &str, action: &str, cookie: String, csrf: String| {
        let (app, path, action) = (
            &app,
            format!("/en/staff/admin/accounts/{name}"),
            action.to_owned(),
        );
        async move {
            let fields = [
                ("csrf", csrf.as_str()),
                ("action", action.as_str()),
                ("confirm", "yes"),
            ];
            let (status, location, _, body) = app
                .page(Method::POST, &path, Some(&cookie), Some(&fields))
                .await;
            (status, location, body)
        }
    };

    // Disabling is shown back to be confirmed first; nothing is done until then.
    let asked = [("csrf", csrf.as_str()), ("action", "disable")];
    let (status, _, _, page) = app
        .page(
            Method::POST,
            "/en/staff/admin/accounts/cw.tampere",
            Some(&admin.cookie),
            Some(&asked),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<h1>Disable the account?</h1>"), "{page}");
    assert!(
        page.contains("The owner of the account cw.tampere cannot log in"),
        "{page}"
    );
    assert!(page.contains(r#"name="confirm" value="yes""#), "{page}");
    let account = Username::parse("cw.tampere").unwrap_or_else(|e| panic!("{e}"));
    let disabled = || {
        app.store()
            .account(&account)
            .ok()
            .flatten()
            .map(|a| a.disabled)
    };
    assert_eq!(
        disabled(),
        Some(false),
        "not disabled before the confirmation"
    );
    let (status, location, _) =
        act("cw.tampere", "disable", admin.cookie.clone(), csrf.clone()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/en/staff/admin?done=disable"));
    assert_eq!(disabled(), Some(true), "disabled once confirmed");
    let (_, _, _, page) = app
        .page(
            Method::GET,
            "/en/staff/admin?done=disable",
            Some(&admin.cookie),
            None,
        )
        .await;
    assert!(page.contains("The account was disabled and its sessions ended."));
    // The disabled account's session is over, and it cannot log in.
    let (status, location, _, _) = app
        .page(Method::GET, "/en/staff/", Some(&tampere.cookie), None)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.is_some_and(|l| l.contains("/login")));
    assert_ne!(
        app.try_login("cw.tampere", PASSWORD, 0).await.status,
        StatusCode::OK
    );

    let (status, ..) = act("cw.tampere", "enable", admin.cookie.clone(), csrf.clone()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Enabled, it logs in again (with the next code: each is accepted once).
    assert_eq!(
        app.try_login("cw.tampere", PASSWORD, 1).await.status,
        StatusCode::OK
    );

    let helsinki = Username::parse("cw.helsinki").unwrap_or_else(|e| panic!("{e}"));
    let enrolled = || {
        app.store()
            .account(&helsinki)
            .ok()
            .flatten()
            .map(|a| a.totp_enrolled)
    };
    assert_eq!(enrolled(), Some(true));
    let (status, ..) = act(
        "cw.helsinki",
        "reset_totp",
        admin.cookie.clone(),
        csrf.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(enrolled(), Some(false));

    // Refused: the admin's own account, an account that is not there, an action that is not
    // one, a form without the session's token.
    let (status, _, body) = act("admin", "disable", admin.cookie.clone(), csrf.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body.contains("You cannot disable your own account"),
        "{body}"
    );
    let (status, ..) = act("nobody", "disable", admin.cookie.clone(), csrf.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, ..) = act("cw.tampere", "delete", admin.cookie.clone(), csrf.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, ..) = act(
        "cw.tampere",
        "disable",
        admin.cookie.clone(),
        "forged".into(),
    )
    .await;
    assert_ne!(status, StatusCode::SEE_OTHER);

    let audit = app.audit_actions();
    for (action, record) in [
        ("user.disable", "cw.tampere"),
        ("user.enable", "cw.tampere"),
        ("user.reset_totp", "cw.helsinki"),
    ] {
        assert!(
            audit
                .iter()
                .any(|(actor, a, r, _)| actor == "admin" && a == action && r == record),
            "{action}: {audit:?}"
        );
    }
    assert!(
        !audit
            .iter()
            .any(|(_, a, r, _)| a == "user.disable" && r != "cw.tampere")
    );
}

#[tokio::test]
async fn only_an_admin_acts_on_accounts() {
    let app = TestApp::new();
    for name in ["cw.helsinki", "director", "auditor", "statistician"] {
        let login = app.login(name).await;
        let (_, _, _, page) = app
            .page(Method::GET, "/en/staff/", Some(&login.cookie), None)
            .await;
        let fields = [
            ("csrf", hidden(&page, "csrf")),
            ("action", "disable".to_owned()),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, ..) = app
            .page(
                Method::POST,
                "/en/staff/admin/accounts/cw.tampere",
                Some(&login.cookie),
                Some(&fields),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
    }
    assert!(
        !app.audit_actions()
            .iter()
            .any(|(_, a, ..)| a == "user.disable")
    );
}

/// The first password on the one page that shows it (after "First password").
fn first_password(page: &str) -> String {
    page.split(r#"<p class="reference">"#)
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_else(|| panic!("no first password: {page}"))
        .to_owned()
}

#[tokio::test]
async fn an_admin_adds_an_account_whose_first_password_is_shown_once_and_changes_roles() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let (_, _, _, page) = app
        .page(Method::GET, "/fi/staff/admin", Some(&admin.cookie), None)
        .await;
    // Roles by their names in the language.
    assert!(page.contains("<td>käyttäjien ylläpitäjä</td>"), "{page}");
    let csrf = hidden(&page, "csrf");
    let add = |fields: Vec<(&'static str, String)>| {
        let (app, cookie, csrf) = (&app, admin.cookie.clone(), csrf.clone());
        async move {
            let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
            form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            app.page(
                Method::POST,
                "/fi/staff/admin/accounts",
                Some(&cookie),
                Some(&form),
            )
            .await
        }
    };

    // Mistakes: in Finnish, beside their fields and in the summary, what was typed kept.
    let (status, _, _, page) = add(vec![
        ("username", "Maija Meikäläinen".into()),
        ("role", "caseworker".into()),
        ("office", String::new()),
    ])
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(
            r#"<p class="error-message" id="add-username-error">Anna käyttäjätunnus: 3–64 merkkiä"#
        ),
        "{page}"
    );
    assert!(
        page.contains(
            r#"<p class="error-message" id="add-office-error">Työntekijälle annetaan toimipaikka"#
        ),
        "{page}"
    );
    assert!(page.contains(r##"<a href="#add-username">"##), "{page}");
    assert!(page.contains(r#"value="Maija Meikäläinen""#), "{page}");
    assert!(
        page.contains(r#"<option value="caseworker" selected>"#),
        "{page}"
    );
    let (status, _, _, page) = add(vec![
        ("username", "cw.tampere".into()),
        ("role", "auditor".into()),
    ])
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("Tämä käyttäjätunnus on jo olemassa"),
        "{page}"
    );

    // Added: the password on the answer itself (no address carries it), once.
    let (status, location, _, page) = add(vec![
        ("username", "maija.m".into()),
        ("role", "caseworker".into()),
        ("office", "oulu".into()),
    ])
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(location, None);
    assert!(
        page.contains("Käyttäjätunnus maija.m (työntekijä) on lisätty."),
        "{page}"
    );
    let password = first_password(&page);
    assert_eq!(password.len(), 20, "{password}");
    let maija = Username::parse("maija.m").unwrap_or_else(|e| panic!("{e}"));
    let stored = app.store().account(&maija).ok().flatten();
    let stored = stored.unwrap_or_else(|| panic!("not stored"));
    assert_eq!(stored.office.as_deref(), Some("oulu"));
    assert!(stored.must_change && !stored.password_hash.contains(&password));
    let (_, _, _, list) = app
        .page(Method::GET, "/fi/staff/admin", Some(&admin.cookie), None)
        .await;
    assert!(list.contains("maija.m") && !list.contains(&password));
    // The first password logs in (to a password change and a code to enrol).
    let first = app.try_login("maija.m", &password, 0).await;
    assert_ne!(first.status, StatusCode::UNAUTHORIZED, "{}", first.text);
    assert!(
        app.audit_actions()
            .iter()
            .any(|(_, action, record, _)| action == "user.add" && record == "maija.m (caseworker)"),
        "on record"
    );

    // A caseworker made a director: the session sees it at once, on record.
    let tampere = app.login("cw.tampere").await;
    let (status, _, _, _) = app
        .page(
            Method::GET,
            "/fi/staff/statistics",
            Some(&tampere.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let role = |role: &'static str, office: &'static str| {
        let (app, cookie, csrf) = (&app, admin.cookie.clone(), csrf.clone());
        async move {
            let form = [
                ("csrf", csrf.as_str()),
                ("action", "role"),
                ("role", role),
                ("office", office),
            ];
            app.page(
                Method::POST,
                "/fi/staff/admin/accounts/cw.tampere",
                Some(&cookie),
                Some(&form),
            )
            .await
        }
    };
    let (status, _, _, page) = role("director", "tampere").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="edit-office-error""#), "{page}");
    assert!(
        page.contains(r#"<option value="director" selected>"#),
        "{page}"
    );
    let (status, location, _, _) = role("director", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/fi/staff/admin?done=role"));
    let (status, _, _, _) = app
        .page(
            Method::GET,
            "/fi/staff/statistics",
            Some(&tampere.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the new role, at the next request");
    assert!(
        app.audit_actions().iter().any(
            |(_, action, record, _)| action == "user.role" && record == "cw.tampere (director)"
        )
    );

    // Not one's own role.
    let own = [
        ("csrf", csrf.as_str()),
        ("action", "role"),
        ("role", "auditor"),
        ("office", ""),
    ];
    let (status, _, _, page) = app
        .page(
            Method::POST,
            "/fi/staff/admin/accounts/admin",
            Some(&admin.cookie),
            Some(&own),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    let admin_name = Username::parse("admin").unwrap_or_else(|e| panic!("{e}"));
    let stored = app.store().account(&admin_name).ok().flatten();
    assert_eq!(stored.map(|a| a.role.name()), Some("admin"));
}
