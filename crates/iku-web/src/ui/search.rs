//! Finding a person: the search form (on the cases page and its own page) and what it found.
//! The query is sent by POST and answered on that page, never put in an address, so no
//! name, phone number or identity code stays in a browser's history or a server's log. Cases
//! outside the user's scope are counted; they are shown when the user gives a reason
//! (break-the-glass). A form with a mistake comes back with what was typed and the mistake
//! beside its field.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_app::access::SearchResult;
use iku_domain::codes::Lang;
use iku_domain::search::Probe;
use maud::{Markup, html};
use serde::Deserialize;

use super::cases;
use super::staff::{Poster, Reader, away, staff_page};
use super::{Refusal, language, t};
use crate::session::Principal;
use crate::state::Shared;

/// The most cases a search shows.
const SHOWN: usize = 50;

/// What the search form sent.
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    q: String,
    /// Why the cases outside the user's scope are to be shown (break-the-glass): sent only by
    /// the form that asks for them, so that one sent empty is a reason missing, not a search.
    #[serde(default)]
    reason: Option<String>,
}

/// The search form: what was typed kept, a mistake beside the field.
pub(super) fn form(lang: Lang, csrf: &str, typed: &str, mistake: Option<&str>) -> Markup {
    let action = format!("/{}/staff/search", lang.code());
    search_box(lang, csrf, &action, "search.label", typed, mistake)
}

/// A search for a person posted to `action` (what was typed is in the body, never in an
/// address), its field labelled by the key `label`.
pub(super) fn search_box(
    lang: Lang,
    csrf: &str,
    action: &str,
    label: &str,
    typed: &str,
    mistake: Option<&str>,
) -> Markup {
    html! {
        form method="post" action=(action) class="search" role="search" {
            input type="hidden" name="csrf" value=(csrf);
            label for="q" { (t(lang, label)) }
            p class="hint" id="q-hint" { (t(lang, "search.hint")) }
            @if let Some(key) = mistake {
                p class="field-error" id="q-error" { (t(lang, key)) }
            }
            div class="row" {
                input type="search" id="q" name="q" value=(typed) autocomplete="off" spellcheck="false"
                    aria-describedby={ "q-hint" @if mistake.is_some() { " q-error" } }
                    aria-invalid=[mistake.map(|_| "true")];
                button type="submit" { (t(lang, "search.submit")) }
            }
        }
    }
}

/// The search page with nothing searched yet (where the language links lead).
pub async fn page(Path(code): Path<String>, reader: Reader) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = reader.principal();
    let body = html! {
        h1 { (t(lang, "search.title")) }
        (form(lang, principal.csrf_token(), "", None))
    };
    Ok(answer(lang, StatusCode::OK, &principal, body))
}

/// Searches and shows what was found.
pub async fn search(
    State(state): State<Shared>,
    Path(code): Path<String>,
    poster: Poster,
    Form(sent): Form<SearchForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = poster.check(lang, &sent.csrf)?;
    let (q, reason) = (sent.q.clone(), sent.reason.clone());
    let who = principal.clone();
    let found = state
        .audited(move |app| who.cases(app)?.search(&q, SHOWN, reason.as_deref()))
        .await;
    let csrf = principal.csrf_token();
    let (status, body) = match found {
        Ok(result) => (StatusCode::OK, results(lang, csrf, &sent, &result)),
        Err(e) => {
            let (field, key) = match e.code {
                "query_empty" => ("q", "search.error.empty"),
                "query_name_without_year" => ("q", "search.error.year"),
                "reason_required" => ("reason", "search.error.reason"),
                _ => return Ok(away(lang, &e)),
            };
            let body = html! {
                h1 { (t(lang, "search.title")) }
                @if field == "q" {
                    (form(lang, csrf, &sent.q, Some(key)))
                } @else {
                    (form(lang, csrf, &sent.q, None))
                    (glass_form(lang, csrf, &sent, Some(key)))
                }
            };
            (StatusCode::UNPROCESSABLE_ENTITY, body)
        }
    };
    Ok(answer(lang, status, &principal, body))
}

fn answer(lang: Lang, status: StatusCode, principal: &Principal, body: Markup) -> Response {
    staff_page(
        lang,
        status,
        &t(lang, "search.title"),
        "/staff/search",
        Some(principal),
        &body.into_string(),
    )
}

/// How a case matched, in words.
fn matched(lang: Lang, probe: &Probe, tokens_matched: usize) -> String {
    match probe {
        Probe::Name { tokens } => t(lang, "search.by.name")
            .replace("{matched}", &tokens_matched.to_string())
            .replace("{tokens}", &tokens.to_string()),
        Probe::Phone => t(lang, "search.by.phone").into_owned(),
        Probe::Email => t(lang, "search.by.email").into_owned(),
        Probe::IdentityCode => t(lang, "search.by.identity_code").into_owned(),
    }
}

fn results(lang: Lang, csrf: &str, sent: &SearchForm, result: &SearchResult) -> Markup {
    let code = lang.code();
    let count = t(lang, "search.found").replace("{n}", &result.found.len().to_string());
    html! {
        h1 { (t(lang, "search.title")) }
        (form(lang, csrf, &sent.q, None))
        p role="status" { (count) }
        @if !result.found.is_empty() {
            table {
                caption { (t(lang, "search.results")) }
                (cases::head(lang, &["search.match"]))
                tbody {
                    @for f in &result.found {
                        tr {
                            th scope="row" class="reference" {
                                (cases::link(code, &f.case.summary))
                                @if f.outside {
                                    " " span class="tag" { (t(lang, "search.outside.tag")) }
                                }
                            }
                            (cases::cells(lang, &f.case))
                            td { (matched(lang, &result.probe, f.matched)) }
                        }
                    }
                }
            }
        }
        @if result.outside > 0 {
            p { (t(lang, "search.outside.count").replace("{n}", &result.outside.to_string())) }
            (glass_form(lang, csrf, sent, None))
        }
    }
}

/// The count of cases found outside the user's scope, and the form that shows them with a
/// reason.
fn glass_form(lang: Lang, csrf: &str, sent: &SearchForm, mistake: Option<&str>) -> Markup {
    let code = lang.code();
    html! {
        section class="glass" aria-labelledby="glass-title" {
            h2 id="glass-title" { (t(lang, "search.outside.title")) }
            p { (t(lang, "search.outside")) }
            form method="post" action={ "/" (code) "/staff/search" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="q" value=(sent.q);
                @if let Some(key) = mistake {
                    p class="field-error" id="reason-error" { (t(lang, key)) }
                }
                label for="reason" { (t(lang, "search.reason")) }
                textarea id="reason" name="reason" rows="3" maxlength="500"
                    aria-describedby=[mistake.map(|_| "reason-error")]
                    aria-invalid=[mistake.map(|_| "true")] { (sent.reason.as_deref().unwrap_or_default()) }
                button type="submit" { (t(lang, "search.outside.show")) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What was typed comes back escaped, in the field and in the reason form.
    #[test]
    fn what_was_typed_is_escaped() {
        let sent = SearchForm {
            csrf: "token".into(),
            q: "\"><script>x</script> 1990".into(),
            reason: Some("<b>why</b>".into()),
        };
        let html = html! {
            (form(Lang::Sv, "token", &sent.q, Some("search.error.year")))
            (glass_form(Lang::Sv, "token", &sent, None))
        }
        .into_string();
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;b&gt;why&lt;/b&gt;"), "{html}");
        assert!(html.contains(r#"aria-invalid="true""#), "{html}");
        assert!(!html.contains("⟦"), "every word is there: {html}");
    }
}
