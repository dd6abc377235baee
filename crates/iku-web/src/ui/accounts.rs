//! The admins' pages (no case data): the accounts, each with its role in the user's language;
//! adding one, whose first password is shown once on the answer to the form (never in an
//! address, never stored but as its hash); and one account's page, where its role and office
//! change. The actions on an account (disable, enable, reset the TOTP app, unlock) are
//! `account_actions`.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use iku_app::Account;
use iku_domain::access::{Role, Username};
use iku_domain::codes::Lang;
use maud::{Markup, html};
use serde::Deserialize;

use super::staff::{Poster, Reader, date_time, refused, staff_page};
use super::{Refusal, language, not_found, t};
use crate::session::Principal;
use crate::state::{Shared, now};

/// What was just done, to say so.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

/// The notices `?done=` may ask for.
const DONE: [&str; 6] = [
    "disable",
    "enable",
    "reset_totp",
    "unlock",
    "role",
    "contact",
];

/// What the forms that add an account or change its role send, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) username: String,
    #[serde(default)]
    pub(super) role: String,
    #[serde(default)]
    pub(super) office: String,
}

/// A field in error: its name and the message key.
type Mistake = (&'static str, &'static str);

impl AccountForm {
    /// The role and office, or the mistakes in them.
    fn role(&self) -> Result<(Role, Option<String>), Vec<Mistake>> {
        let role = Role::parse(&self.role).ok_or(vec![("role", "admin.error.role")])?;
        let office = Some(self.office.trim().to_owned()).filter(|o| !o.is_empty());
        if role.needs_office() != office.is_some() {
            return Err(vec![("office", "admin.error.office")]);
        }
        Ok((role, office))
    }
}

/// `GET /{lang}/staff/admin`: the accounts, and the form that adds one.
pub async fn accounts(
    State(state): State<Shared>,
    Path(code): Path<String>,
    Query(done): Query<Done>,
    reader: Reader,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = reader.principal();
    let done = done.done.filter(|d| DONE.contains(&d.as_str()));
    list_page(&state, lang, &principal, done.as_deref(), None).await
}

/// The accounts page, with a notice of what was done or the add form as it was sent.
async fn list_page(
    state: &Shared,
    lang: Lang,
    principal: &Principal,
    done: Option<&str>,
    draft: Option<(&AccountForm, &[Mistake])>,
) -> Result<Response, Refusal> {
    let p = principal.clone();
    let listed = state
        .blocking(move |app| p.administration(app)?.accounts())
        .await;
    let accounts = listed.map_err(|e| Refusal::from(refused(lang, &e, principal)))?;
    let code = lang.code();
    let blank = AccountForm::default();
    let (typed, mistakes) = draft.unwrap_or((&blank, &[]));
    let body = html! {
        h1 { (t(lang, "admin.title")) }
        @if let Some(done) = done {
            p class="notice" role="status" { (t(lang, &format!("admin.done.{done}"))) }
        }
        table {
            thead { tr {
                th scope="col" { (t(lang, "staff.username")) }
                th scope="col" { (t(lang, "admin.role")) }
                th scope="col" { (t(lang, "staff.inbox.office")) }
                th scope="col" { (t(lang, "admin.totp")) }
                th scope="col" { (t(lang, "admin.state")) }
            } }
            tbody {
                @for a in &accounts {
                    tr {
                        th scope="row" {
                            a href={ "/" (code) "/staff/admin/accounts/" (a.username.as_str()) } {
                                (a.username.as_str())
                            }
                        }
                        td { (role_name(lang, a.role)) }
                        td { (a.office.as_deref().unwrap_or("")) }
                        td { (t(lang, if a.totp_enrolled { "admin.yes" } else { "admin.no" })) }
                        td { (standing(lang, a)) }
                    }
                }
            }
        }
        (add_form(lang, principal, &accounts, typed, mistakes))
    };
    let status = status_of(mistakes);
    Ok(staff_page(
        lang,
        status,
        &t(lang, "admin.title"),
        "/staff/admin",
        Some(principal),
        &body.into_string(),
    ))
}

/// A page with mistakes in its form answers 422.
fn status_of(mistakes: &[Mistake]) -> StatusCode {
    if mistakes.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A role by its name in the language.
pub(super) fn role_name(lang: Lang, role: Role) -> std::borrow::Cow<'static, str> {
    t(lang, &format!("role.{}", role.name()))
}

/// Whether the account is in use, and until when failed logins lock it.
pub(super) fn standing(lang: Lang, a: &Account) -> String {
    let mut standing = t(
        lang,
        if a.disabled {
            "admin.disabled"
        } else {
            "admin.active"
        },
    )
    .into_owned();
    if let Some(until) = a.locked_until.filter(|until| *until > now()) {
        standing.push_str("; ");
        standing
            .push_str(&t(lang, "admin.locked_until").replace("{time}", &date_time(lang, until)));
    }
    standing
}

/// The error summary of a form, linking to its fields (`prefix` + field).
fn summary(lang: Lang, mistakes: &[Mistake], prefix: &str) -> Markup {
    html! {
        @if !mistakes.is_empty() {
            div class="error-summary" role="alert" tabindex="-1" {
                h2 { (t(lang, "error.summary")) }
                ul {
                    @for (field, key) in mistakes {
                        li { a href={ "#" (prefix) (field) } { (t(lang, key)) } }
                    }
                }
            }
        }
    }
}

/// The role and office fields (of the add form, `prefix` "add-", or an account's, "edit-").
fn role_fields(
    lang: Lang,
    offices: &[&str],
    typed: &AccountForm,
    mistakes: &[Mistake],
    prefix: &str,
) -> Markup {
    let mistake = |field: &str| mistakes.iter().find(|(f, _)| *f == field).map(|(_, k)| *k);
    html! {
        div.field.field-error[mistake("role").is_some()] {
            label for={ (prefix) "role" } { (t(lang, "admin.role")) }
            @if let Some(key) = mistake("role") {
                p class="error-message" id={ (prefix) "role-error" } { (t(lang, key)) }
            }
            select id={ (prefix) "role" } name="role"
                aria-describedby=[mistake("role").map(|_| format!("{prefix}role-error"))]
                aria-invalid=[mistake("role").map(|_| "true")] {
                option value="" { (t(lang, "referral.choose")) }
                @for role in Role::ALL {
                    option value=(role.name()) selected[typed.role == role.name()] {
                        (role_name(lang, role))
                    }
                }
            }
        }
        div.field.field-error[mistake("office").is_some()] {
            label for={ (prefix) "office" } { (t(lang, "staff.inbox.office")) }
            p class="hint" id={ (prefix) "office-hint" } { (t(lang, "admin.office.hint")) }
            @if let Some(key) = mistake("office") {
                p class="error-message" id={ (prefix) "office-error" } { (t(lang, key)) }
            }
            input type="text" id={ (prefix) "office" } name="office" value=(typed.office)
                list={ (prefix) "offices" } autocomplete="off" spellcheck="false"
                aria-describedby={ (prefix) "office-hint" @if mistake("office").is_some() { " " (prefix) "office-error" } }
                aria-invalid=[mistake("office").map(|_| "true")];
            datalist id={ (prefix) "offices" } {
                @for office in offices { option value=(office) {} }
            }
        }
    }
}

/// The offices where accounts work, each once.
fn offices(accounts: &[Account]) -> Vec<&str> {
    let mut offices: Vec<&str> = accounts
        .iter()
        .filter_map(|a| a.office.as_deref())
        .collect();
    offices.sort_unstable();
    offices.dedup();
    offices
}

fn add_form(
    lang: Lang,
    principal: &Principal,
    accounts: &[Account],
    typed: &AccountForm,
    mistakes: &[Mistake],
) -> Markup {
    let mistake = |field: &str| mistakes.iter().find(|(f, _)| *f == field).map(|(_, k)| *k);
    html! {
        section id="add" aria-labelledby="add-title" {
            h2 id="add-title" { (t(lang, "admin.add")) }
            (summary(lang, mistakes, "add-"))
            form method="post" action={ "/" (lang.code()) "/staff/admin/accounts" } novalidate {
                input type="hidden" name="csrf" value=(principal.csrf_token());
                div.field.field-error[mistake("username").is_some()] {
                    label for="add-username" { (t(lang, "staff.username")) }
                    p class="hint" id="add-username-hint" { (t(lang, "admin.username.hint")) }
                    @if let Some(key) = mistake("username") {
                        p class="error-message" id="add-username-error" { (t(lang, key)) }
                    }
                    input type="text" id="add-username" name="username" value=(typed.username)
                        autocomplete="off" autocapitalize="none" spellcheck="false"
                        aria-describedby={ "add-username-hint" @if mistake("username").is_some() { " add-username-error" } }
                        aria-invalid=[mistake("username").map(|_| "true")];
                }
                (role_fields(lang, &offices(accounts), typed, mistakes, "add-"))
                button type="submit" { (t(lang, "admin.add.submit")) }
            }
        }
    }
}

/// `POST /{lang}/staff/admin/accounts`: adds an account; the answer shows its first password
/// once. A mistake brings the accounts page back with the form as it was sent.
pub async fn add(
    State(state): State<Shared>,
    Path(code): Path<String>,
    poster: Poster,
    Form(form): Form<AccountForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = poster.check(lang, &form.csrf)?;
    let mut mistakes = Vec::new();
    let username = Username::parse(form.username.trim());
    if username.is_err() {
        mistakes.push(("username", "admin.error.username"));
    }
    let role = form.role().map_err(|m| mistakes.extend(m));
    let (Ok(username), Ok((role, office))) = (username, role) else {
        return list_page(&state, lang, &principal, None, Some((&form, &mistakes))).await;
    };
    let p = principal.clone();
    let name = username.clone();
    let added = state
        .blocking(move |app| p.administration(app)?.add(name, role, office))
        .await;
    let password = match added {
        Ok(password) => password,
        Err(e) if e.code == "account_exists" => {
            let mistakes = [("username", "admin.error.exists")];
            return list_page(&state, lang, &principal, None, Some((&form, &mistakes))).await;
        }
        Err(e) if e.code == "office_for_role" => {
            let mistakes = [("office", "admin.error.office")];
            return list_page(&state, lang, &principal, None, Some((&form, &mistakes))).await;
        }
        Err(e) => return Err(refused(lang, &e, &principal).into()),
    };
    let code = lang.code();
    let body = html! {
        div class="panel" {
            h1 { (t(lang, "admin.added")) }
            p { (t(lang, "admin.added.text")
                .replace("{account}", username.as_str())
                .replace("{role}", &role_name(lang, role))) }
            p { (t(lang, "admin.first_password")) }
            p class="reference" { (password.reveal()) }
        }
        p { (t(lang, "admin.first_password.hint")) }
        p { a href={ "/" (code) "/staff/admin" } { (t(lang, "admin.back")) } }
    };
    Ok(staff_page(
        lang,
        StatusCode::OK,
        &t(lang, "admin.added"),
        "/staff/admin",
        Some(&principal),
        &body.into_string(),
    ))
}

/// `GET /{lang}/staff/admin/accounts/{username}`: one account, the form that changes its
/// role and office, and its actions.
pub async fn account(
    State(state): State<Shared>,
    Path((code, name)): Path<(String, String)>,
    reader: Reader,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = reader.principal();
    let username = Username::parse(&name).map_err(|_| Refusal::from(not_found()))?;
    account_page(&state, lang, &principal, &username, None, None).await
}

/// One account's page, with the role form as it was sent and its mistakes, if any.
pub(super) async fn account_page(
    state: &Shared,
    lang: Lang,
    principal: &Principal,
    username: &Username,
    draft: Option<(&AccountForm, &[Mistake])>,
    contact: Option<&super::account_contact::ContactDraft>,
) -> Result<Response, Refusal> {
    let p = principal.clone();
    let listed = state
        .blocking(move |app| {
            let mut admin = p.administration(app)?;
            Ok((admin.accounts()?, admin.contacts()?))
        })
        .await;
    let (accounts, contacts) = listed.map_err(|e| Refusal::from(refused(lang, &e, principal)))?;
    let stored = contacts.iter().find(|(n, _)| n == username).map(|(_, c)| c);
    let Some(account) = accounts.iter().find(|a| &a.username == username) else {
        return Err(not_found().into());
    };
    let current = AccountForm {
        role: account.role.name().to_owned(),
        office: account.office.clone().unwrap_or_default(),
        ..AccountForm::default()
    };
    let (typed, mistakes) = draft.unwrap_or((&current, &[]));
    let code = lang.code();
    let name = username.as_str();
    let own = username == &principal.username;
    let body = html! {
        p { a href={ "/" (code) "/staff/admin" } { (t(lang, "admin.back")) } }
        h1 { (name) }
        (super::account_contact::summary(lang, contact))
        dl class="facts" {
            dt { (t(lang, "admin.role")) } dd { (role_name(lang, account.role)) }
            dt { (t(lang, "staff.inbox.office")) } dd { (account.office.as_deref().unwrap_or("–")) }
            dt { (t(lang, "admin.totp")) }
            dd { (t(lang, if account.totp_enrolled { "admin.yes" } else { "admin.no" })) }
            dt { (t(lang, "admin.state")) } dd { (standing(lang, account)) }
        }
        @if own {
            p { (t(lang, "admin.own_account")) }
        } @else {
            section aria-labelledby="role-title" {
                h2 id="role-title" { (t(lang, "admin.change_role")) }
                (summary(lang, mistakes, "edit-"))
                form method="post" action={ "/" (code) "/staff/admin/accounts/" (name) } novalidate {
                    input type="hidden" name="csrf" value=(principal.csrf_token());
                    input type="hidden" name="action" value="role";
                    (role_fields(lang, &offices(&accounts), typed, mistakes, "edit-"))
                    button type="submit" { (t(lang, "admin.change_role.submit")) }
                }
            }
        }
        (super::account_contact::section(lang, principal, name, stored, contact))
        section aria-labelledby="actions-title" {
            h2 id="actions-title" { (t(lang, "admin.actions")) }
            (super::account_actions::buttons(lang, principal, account))
        }
    };
    let status = status_of(mistakes);
    Ok(staff_page(
        lang,
        status,
        name,
        &format!("/staff/admin/accounts/{name}"),
        Some(principal),
        &body.into_string(),
    ))
}

/// The role form's send: the account's new role and office, or its page with the mistakes.
pub(super) async fn change_role(
    state: &Shared,
    lang: Lang,
    principal: &Principal,
    username: Username,
    form: &AccountForm,
) -> Result<Response, Refusal> {
    let (role, office) = match form.role() {
        Ok(chosen) => chosen,
        Err(mistakes) => {
            return account_page(
                state,
                lang,
                principal,
                &username,
                Some((form, &mistakes)),
                None,
            )
            .await;
        }
    };
    let p = principal.clone();
    let whom = username.clone();
    let changed = state
        .blocking(move |app| p.administration(app)?.set_role(&whom, role, office))
        .await;
    match changed {
        Ok(()) => {
            Ok(Redirect::to(&format!("/{}/staff/admin?done=role", lang.code())).into_response())
        }
        Err(e) if e.code == "office_for_role" => {
            let mistakes = [("office", "admin.error.office")];
            account_page(
                state,
                lang,
                principal,
                &username,
                Some((form, &mistakes)),
                None,
            )
            .await
        }
        Err(e) if e.code == "not_found" => Err(not_found().into()),
        Err(e) => Err(refused(lang, &e, principal).into()),
    }
}
