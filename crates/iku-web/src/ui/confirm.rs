//! The page that asks before what cannot be taken back (a decision, publishing a review,
//! shutting an account's owner out): what is about to be done, the button that does it (the
//! form sent again, with `confirm=yes`), and the way back.

use axum::http::StatusCode;
use axum::response::Response;
use iku_domain::codes::Lang;
use maud::{Markup, html};

use super::staff::staff_page;
use super::t;
use crate::session::Principal;

/// What a confirmation asks: its title, what is shown of the act, where the form goes with
/// which fields, the button's words, and the way back.
pub(super) struct Ask<'a> {
    pub title: &'a str,
    pub shown: Markup,
    pub action: String,
    pub fields: Vec<(&'a str, &'a str)>,
    pub yes: &'a str,
    pub back: (String, &'a str),
    /// What follows the question, for those who want the detail (empty for most).
    pub after: Markup,
}

/// The confirmation page for `ask`, its language links leading to `rest`.
pub(super) fn page(lang: Lang, principal: &Principal, rest: &str, ask: Ask<'_>) -> Response {
    let body = html! {
        h1 { (t(lang, ask.title)) }
        div class="confirm" {
            (ask.shown)
            form method="post" action=(ask.action) {
                input type="hidden" name="csrf" value=(principal.csrf_token());
                @for (name, value) in &ask.fields {
                    input type="hidden" name=(name) value=(value);
                }
                input type="hidden" name="confirm" value="yes";
                button type="submit" { (t(lang, ask.yes)) }
            }
            p { a href=(ask.back.0) { (t(lang, ask.back.1)) } }
        }
        (ask.after)
    };
    staff_page(
        lang,
        StatusCode::OK,
        &t(lang, ask.title),
        rest,
        Some(principal),
        &body.into_string(),
    )
}
