//! What an admin does to an account from its page: disable or enable it, reset its TOTP app,
//! lift a lock, change its role (`accounts`). What shuts the account's owner out is asked to
//! be confirmed first; every action ends on the accounts page, which says what was done.

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use iku_app::Account;
use iku_domain::access::{Role, Username};
use iku_domain::codes::Lang;
use maud::{Markup, html};
use serde::Deserialize;

use super::accounts::{AccountForm, change_role};
use super::staff::{Poster, refused, staff_page};
use super::{Refusal, language, not_found, t};
use crate::session::Principal;
use crate::state::{Shared, now};

#[derive(Deserialize)]
pub struct AccountAction {
    csrf: String,
    action: String,
    /// "yes": an action that shuts someone out was confirmed.
    #[serde(default)]
    confirm: String,
    /// The role form's fields (`action=role`).
    #[serde(default)]
    role: String,
    #[serde(default)]
    office: String,
    /// The contact form's fields (`action=contact`).
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    email: String,
}

/// The actions that shut an account's owner out until an admin acts again: asked to be
/// confirmed first.
const CONFIRMED: [&str; 2] = ["disable", "reset_totp"];

/// The buttons of the actions an account's state allows (an admin does not disable their
/// own account).
pub(super) fn buttons(lang: Lang, principal: &Principal, a: &Account) -> Markup {
    let name = a.username.as_str();
    let button = |action: &str, key: &str| {
        html! {
            form method="post" action={ "/" (lang.code()) "/staff/admin/accounts/" (name) } class="inline" {
                input type="hidden" name="csrf" value=(principal.csrf_token());
                input type="hidden" name="action" value=(action);
                button type="submit" class="secondary" {
                    (t(lang, key)) span class="visually-hidden" { " " (name) }
                }
            }
        }
    };
    let locked = a.locked_until.is_some_and(|until| until > now());
    html! {
        @if a.disabled {
            (button("enable", "admin.enable"))
        } @else if a.username != principal.username {
            (button("disable", "admin.disable"))
        }
        @if a.totp_enrolled { (button("reset_totp", "admin.reset_totp")) }
        @if locked { (button("unlock", "admin.unlock")) }
    }
}

/// The action shown back with the button that carries it out and the way back.
fn confirmation(lang: Lang, principal: &Principal, account: &str, action: &str) -> Response {
    let code = lang.code();
    let (title, text, yes) = (
        format!("admin.confirm.{action}"),
        format!("admin.confirm.{action}.text"),
        format!("admin.confirm.{action}.yes"),
    );
    let ask = super::confirm::Ask {
        title: &title,
        shown: html! { p { (t(lang, &text).replace("{account}", account)) } },
        action: format!("/{code}/staff/admin/accounts/{account}"),
        fields: vec![("action", action)],
        yes: &yes,
        back: (
            format!("/{code}/staff/admin/accounts/{account}"),
            "admin.back_to_account",
        ),
        after: html! {},
    };
    super::confirm::page(lang, principal, "/staff/admin", ask)
}

/// `POST /{lang}/staff/admin/accounts/{username}`: disable, enable, reset the TOTP secret,
/// lift a lock, or change the role; back to the accounts, which say what was done.
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
    if action == "role" {
        let typed = AccountForm {
            role: form.role,
            office: form.office,
            ..AccountForm::default()
        };
        return change_role(&state, lang, &principal, account, &typed).await;
    }
    if action == "contact" {
        let draft = super::account_contact::ContactDraft {
            full_name: form.full_name,
            title: form.title,
            email: form.email,
            mistake: None,
        };
        return super::account_contact::save(&state, lang, &principal, account, draft).await;
    }
    // Only an admin is asked: anyone else is refused by the action itself.
    let asked = principal.role == Role::Admin;
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
        Err(e) if e.code == "own_account" || e.code == "bad_request" => {
            let body = html! {
                h1 { (t(lang, "admin.title")) }
                p { (t(lang, &format!("admin.refused.{}", e.code))) }
                p { a href={ "/" (lang.code()) "/staff/admin" } { (t(lang, "admin.back")) } }
            };
            staff_page(
                lang,
                e.status,
                &t(lang, "admin.title"),
                "/staff/admin",
                Some(&principal),
                &body.into_string(),
            )
        }
        Err(e) => refused(lang, &e, &principal),
    })
}
