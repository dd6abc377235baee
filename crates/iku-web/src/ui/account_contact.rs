//! Who an account is, on its page: the full name and title a decision names its official by,
//! and the address notices of new work are mailed to. An admin sets them; a mistake comes back
//! beside its field with what was typed.

use axum::response::{IntoResponse, Redirect, Response};
use iku_domain::access::{ContactError, StaffContact, Username};
use iku_domain::codes::Lang;
use maud::{Markup, html};

use super::staff::refused;
use super::{Refusal, not_found, t};
use crate::session::Principal;
use crate::state::Shared;

/// The contact form as sent, and what was wrong with it.
#[derive(Debug, Clone, Default)]
pub(super) struct ContactDraft {
    pub full_name: String,
    pub title: String,
    pub email: String,
    pub mistake: Option<ContactError>,
}

impl ContactDraft {
    fn of(contact: &StaffContact) -> Self {
        ContactDraft {
            full_name: contact.full_name.clone(),
            title: contact.title.clone(),
            email: contact
                .email
                .as_ref()
                .map(|e| e.as_str().to_owned())
                .unwrap_or_default(),
            mistake: None,
        }
    }
}

/// The field a mistake is about, and what it says.
fn field_of(mistake: ContactError) -> (&'static str, &'static str) {
    match mistake {
        ContactError::FullName => ("full_name", "admin.contact.error.full_name"),
        ContactError::Title => ("title", "admin.contact.error.title"),
        ContactError::Email => ("email", "admin.contact.error.email"),
    }
}

/// What was wrong with the contact form, at the top of the account's page (where the eye
/// and a screen reader start), linked to the field.
pub(super) fn summary(lang: Lang, draft: Option<&ContactDraft>) -> Markup {
    let wrong = draft.and_then(|d| d.mistake).map(field_of);
    html! {
        @if let Some((id, key)) = wrong {
            div class="error-summary" role="alert" tabindex="-1" {
                h2 { (t(lang, "error.summary")) }
                ul { li { a href={ "#contact-" (id) } { (t(lang, key)) } } }
            }
        }
    }
}

/// The contact section of an account's page.
pub(super) fn section(
    lang: Lang,
    principal: &Principal,
    name: &str,
    stored: Option<&StaffContact>,
    draft: Option<&ContactDraft>,
) -> Markup {
    let shown = draft
        .cloned()
        .unwrap_or_else(|| stored.map(ContactDraft::of).unwrap_or_default());
    let wrong = shown.mistake.map(field_of);
    let field = |id: &'static str, key: &str, value: &str, kind: &str, hint: Option<&str>| {
        let error = wrong.filter(|(f, _)| *f == id).map(|(_, k)| k);
        let described = match (hint, error) {
            (Some(_), Some(_)) => Some(format!("contact-{id}-hint contact-{id}-error")),
            (Some(_), None) => Some(format!("contact-{id}-hint")),
            (None, Some(_)) => Some(format!("contact-{id}-error")),
            (None, None) => None,
        };
        html! {
            div.field.field-error[error.is_some()] {
                label for={ "contact-" (id) } { (t(lang, key)) }
                @if let Some(hint) = hint {
                    p class="hint" id={ "contact-" (id) "-hint" } { (t(lang, hint)) }
                }
                @if let Some(error) = error {
                    p class="error-message" id={ "contact-" (id) "-error" } { (t(lang, error)) }
                }
                input type=(kind) id={ "contact-" (id) } name=(id) value=(value)
                    aria-describedby=[described] aria-invalid=[error.map(|_| "true")];
            }
        }
    };
    html! {
        section aria-labelledby="contact-title" {
            h2 id="contact-title" { (t(lang, "admin.contact")) }
            form method="post" action={ "/" (lang.code()) "/staff/admin/accounts/" (name) } novalidate {
                input type="hidden" name="csrf" value=(principal.csrf_token());
                input type="hidden" name="action" value="contact";
                (field("full_name", "admin.contact.full_name", &shown.full_name, "text", None))
                (field("title", "admin.contact.title", &shown.title, "text", None))
                (field("email", "admin.contact.email", &shown.email, "email", Some("admin.contact.email.hint")))
                button type="submit" { (t(lang, "admin.contact.save")) }
            }
        }
    }
}

/// The contact form's send: saved (back to the accounts, which say so), or the account's
/// page with the mistake beside its field.
pub(super) async fn save(
    state: &Shared,
    lang: Lang,
    principal: &Principal,
    username: Username,
    mut draft: ContactDraft,
) -> Result<Response, Refusal> {
    let contact = match StaffContact::parse(&draft.full_name, &draft.title, &draft.email) {
        Ok(contact) => contact,
        Err(mistake) => {
            draft.mistake = Some(mistake);
            return super::accounts::account_page(
                state,
                lang,
                principal,
                &username,
                None,
                Some(&draft),
            )
            .await;
        }
    };
    let p = principal.clone();
    let saved = state
        .blocking(move |app| p.administration(app)?.set_contact(&username, &contact))
        .await;
    match saved {
        Ok(()) => {
            Ok(Redirect::to(&format!("/{}/staff/admin?done=contact", lang.code())).into_response())
        }
        Err(e) if e.code == "not_found" => Err(not_found().into()),
        Err(e) => Err(refused(lang, &e, principal).into()),
    }
}
