//! The admins' page: the accounts (no case data). The audit log's is `audit_log`.

use std::fmt::Write;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use iku_domain::access::Username;
use serde::Deserialize;

use super::staff::{Poster, Reader, date_time, refused, staff_page};
use super::{Refusal, escape, lang, language, not_found, t};
use crate::state::{Shared, now};

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    /// What was just done, to say so: `disable`, `enable`, `reset_totp` or `unlock`.
    #[serde(default)]
    done: Option<String>,
}

pub async fn accounts(
    State(state): State<Shared>,
    Path(code): Path<String>,
    Query(done): Query<Done>,
    reader: Reader,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let principal = reader.principal();
    let p = principal.clone();
    let listed = state
        .blocking(move |app| p.administration(app)?.accounts())
        .await;
    let accounts = match listed {
        Ok(a) => a,
        Err(e) => return refused(lang, &e, &principal),
    };
    let yes_no = |b: bool| t(lang, if b { "admin.yes" } else { "admin.no" });
    let notice = match done.done.as_deref() {
        Some(action @ ("disable" | "enable" | "reset_totp" | "unlock")) => format!(
            r#"<p class="notice" role="status">{}</p>"#,
            escape(&t(lang, &format!("admin.done.{action}")))
        ),
        _ => String::new(),
    };
    let mut b = format!(
        r#"<h1>{}</h1>{notice}<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(&t(lang, "admin.title")),
        escape(&t(lang, "staff.username")),
        escape(&t(lang, "admin.role")),
        escape(&t(lang, "staff.inbox.office")),
        escape(&t(lang, "admin.totp")),
        escape(&t(lang, "admin.state")),
        escape(&t(lang, "admin.actions")),
    );
    for a in &accounts {
        let name = escape(a.username.as_str());
        let button = |action: &str, key: &str| {
            format!(
                r#"<form method="post" action="/{}/staff/admin/accounts/{name}" class="inline"><input type="hidden" name="csrf" value="{}"><input type="hidden" name="action" value="{action}"><button type="submit" class="secondary">{}<span class="visually-hidden"> {name}</span></button></form>"#,
                lang.code(),
                escape(principal.csrf_token()),
                escape(&t(lang, key)),
            )
        };
        let mut actions = if a.disabled {
            button("enable", "admin.enable")
        } else if a.username == principal.username {
            String::new()
        } else {
            button("disable", "admin.disable")
        };
        if a.totp_enrolled {
            actions.push_str(&button("reset_totp", "admin.reset_totp"));
        }
        let locked = a.locked_until.filter(|until| *until > now());
        if locked.is_some() {
            actions.push_str(&button("unlock", "admin.unlock"));
        }
        let mut standing = t(
            lang,
            if a.disabled {
                "admin.disabled"
            } else {
                "admin.active"
            },
        )
        .into_owned();
        if let Some(until) = locked {
            let _ = write!(
                standing,
                "; {}",
                t(lang, "admin.locked_until").replace("{time}", &date_time(lang, until))
            );
        }
        let _ = write!(
            b,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{actions}</td></tr>"#,
            escape(a.username.as_str()),
            escape(a.role.name()),
            escape(a.office.as_deref().unwrap_or("")),
            escape(&yes_no(a.totp_enrolled)),
            escape(&standing),
        );
    }
    b.push_str("</tbody></table>");
    staff_page(
        lang,
        StatusCode::OK,
        &t(lang, "admin.title"),
        "/staff/admin",
        Some(&principal),
        &b,
    )
}

#[derive(Deserialize)]
pub struct AccountAction {
    csrf: String,
    action: String,
    /// "yes": an action that shuts someone out was confirmed.
    #[serde(default)]
    confirm: String,
}

/// The actions that shut an account's owner out until an admin acts again: asked to be
/// confirmed first.
const CONFIRMED: [&str; 2] = ["disable", "reset_totp"];

/// The action shown back with the button that carries it out and the way back.
fn confirmation(
    lang: iku_domain::codes::Lang,
    principal: &crate::session::Principal,
    account: &str,
    action: &str,
) -> Response {
    let code = lang.code();
    let (title, text, yes) = (
        format!("admin.confirm.{action}"),
        format!("admin.confirm.{action}.text"),
        format!("admin.confirm.{action}.yes"),
    );
    let ask = super::confirm::Ask {
        title: &title,
        shown: maud::html! { p { (t(lang, &text).replace("{account}", account)) } },
        action: format!("/{code}/staff/admin/accounts/{account}"),
        fields: vec![("action", action)],
        yes: &yes,
        back: (format!("/{code}/staff/admin"), "admin.back"),
    };
    super::confirm::page(lang, principal, "/staff/admin", ask)
}

/// `POST /{lang}/staff/admin/accounts/{username}`: disable, enable, reset the TOTP secret,
/// or lift a lock; back to the accounts, which say what was done.
pub async fn account_action(
    State(state): State<Shared>,
    Path((code, name)): Path<(String, String)>,
    poster: Poster,
    Form(form): Form<AccountAction>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = poster.check(lang, &form.csrf)?;
    let account = Username::parse(&name).map_err(|_| Refusal::from(not_found()))?;
    let action = form.action;
    // Only an admin is asked: anyone else is refused by the action itself.
    let asked = principal.role == iku_domain::access::Role::Admin;
    if asked && CONFIRMED.contains(&action.as_str()) && form.confirm != "yes" {
        return Ok(confirmation(lang, &principal, account.as_str(), &action));
    }
    let what = action.clone();
    let p = principal.clone();
    let done = state
        .blocking(move |app| {
            let mut admin = p.administration(app)?;
            match what.as_str() {
                "disable" => admin.set_disabled(&account, true),
                "enable" => admin.set_disabled(&account, false),
                "reset_totp" => admin.reset_totp(&account),
                "unlock" => admin.unlock(&account),
                _ => Err(iku_app::AppError::BadRequest),
            }
        })
        .await;
    Ok(match done {
        Ok(()) => {
            Redirect::to(&format!("/{}/staff/admin?done={action}", lang.code())).into_response()
        }
        Err(e) if e.code == "not_found" => not_found(),
        Err(e) if e.code == "own_account" || e.code == "bad_request" => staff_page(
            lang,
            e.status,
            &t(lang, "admin.title"),
            "/staff/admin",
            Some(&principal),
            &format!(
                r#"<h1>{}</h1><p>{}</p><p><a href="/{}/staff/admin">{}</a></p>"#,
                escape(&t(lang, "admin.title")),
                escape(&t(lang, &format!("admin.refused.{}", e.code))),
                lang.code(),
                escape(&t(lang, "admin.back")),
            ),
        ),
        Err(e) => refused(lang, &e, &principal),
    })
}
