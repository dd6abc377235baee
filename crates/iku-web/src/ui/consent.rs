//! Consent on the client page: when it was given (the first referral), whether it was
//! withdrawn, and the form that records a withdrawal (closing the case); a restriction of
//! processing said at the top. The data protection officer restricts and lifts from the
//! answer to a request (`person_data`).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use iku_domain::calendar::{finnish_date, parse_entered_date};
use iku_domain::codes::Lang;
use iku_domain::ids::PersonId;
use iku_domain::state::PersonState;
use maud::{Markup, html};
use serde::Deserialize;

use super::case::{self, Said};
use super::staff::{Poster, date};
use super::{Refusal, language, not_found, t};
use crate::state::{Shared, now};

/// A restriction in force, said first on the page.
pub(super) fn banner(lang: Lang, p: &PersonState) -> Markup {
    html! {
        @if let Some(since) = p.restricted {
            div class="notice" role="note" {
                p { strong { (t(lang, "consent.restricted")) } " " (date(lang, since)) }
                p { (t(lang, "consent.restricted.text")) }
            }
        }
    }
}

/// The consent section.
pub(super) fn section(lang: Lang, p: &PersonState, csrf: &str, mistake: Option<&str>) -> Markup {
    let given = p.applications.first().map(|a| a.received);
    let action = format!("/{}/staff/cases/{}/consent", lang.code(), p.id.as_str());
    let today = date(lang, finnish_date(now()));
    html! {
        section id="consent" aria-labelledby="consent-title" {
            h2 id="consent-title" { (t(lang, "consent.title")) }
            @if let Some(given) = given {
                p { (t(lang, "consent.given")) " " (date(lang, given)) }
            }
            @match p.consent_withdrawn {
                Some(on) => p { strong { (t(lang, "consent.withdrawn")) " " (date(lang, on)) } },
                None => {
                    details open[mistake.is_some()] {
                        summary { (t(lang, "consent.withdraw")) }
                        p { (t(lang, "consent.withdraw.text")) }
                        form method="post" action=(action) novalidate {
                            input type="hidden" name="csrf" value=(csrf);
                            label for="consent-date" { (t(lang, "case.date")) }
                            p class="hint" id="consent-date-hint" { (t(lang, "journal.date.hint")) }
                            @if let Some(key) = mistake {
                                p class="error-message" id="consent-date-error" { (t(lang, key)) }
                            }
                            input type="text" id="consent-date" name="date" value=(today)
                                aria-describedby={ "consent-date-hint" @if mistake.is_some() { " consent-date-error" } }
                                aria-invalid=[mistake.map(|_| "true")];
                            button type="submit" { (t(lang, "consent.withdraw.submit")) }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    date: String,
}

/// `POST /{lang}/staff/cases/{person}/consent`: the person withdrew their consent.
pub async fn withdraw(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    Form(form): Form<ConsentForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let person = PersonId::parse(&person).map_err(|_| Refusal::from(not_found()))?;
    let principal = poster.check(lang, &form.csrf)?;
    let on = parse_entered_date(&form.date).filter(|d| *d <= finnish_date(now()));
    let Some(on) = on else {
        let said = Said {
            consent_mistake: Some("consent.error.date"),
            mistake_at: Some(("consent-date", &t(lang, "consent.error.date"))),
            ..Said::default()
        };
        return Ok(case::page(
            &state,
            lang,
            principal,
            person,
            StatusCode::UNPROCESSABLE_ENTITY,
            &said,
        )
        .await);
    };
    let (who, whom) = (principal.clone(), person.clone());
    let done = state
        .blocking(move |app| who.open_case(app, &whom)?.withdraw_consent(on))
        .await;
    match done {
        Ok(()) => {
            let to = format!(
                "/{}/staff/cases/{}?saved=consent",
                lang.code(),
                person.as_str()
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let why = super::refusal(lang, &e);
            let said = Said {
                problem: Some(&why),
                ..Said::default()
            };
            Ok(case::page(&state, lang, principal, person, e.status, &said).await)
        }
        Err(e) => Ok(super::staff::away(lang, &e)),
    }
}
