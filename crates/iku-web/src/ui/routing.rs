//! Where a case is handled, on the client page: its office and caseworker for everyone who
//! sees it, and for directors the form that places it (a public referral comes in without
//! an office, in the unassigned queue, until a director places it). The caseworkers of the
//! office then see it among their cases and in their inbox.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use iku_app::access::CasePage;
use iku_domain::access::Username;
use iku_domain::codes::Lang;
use iku_domain::ids::PersonId;
use maud::{Markup, html};
use serde::Deserialize;

use super::case::{self, Said};
use super::staff::{Poster, away};
use super::{Refusal, language, not_found, t};
use crate::state::Shared;

/// The offices where caseworkers work, each with its caseworkers.
pub type Places = Vec<(String, Vec<Username>)>;

/// The case's office and caseworker, and (directors: `places`) the form that places it.
pub(super) fn section(lang: Lang, case: &CasePage, places: Option<&Places>, csrf: &str) -> Markup {
    let code = lang.code();
    let person = case.record.id.as_str();
    let office = case.office.as_deref().unwrap_or_default();
    let assignee = case.assignee.as_ref().map_or("", Username::as_str);
    html! {
        section id="placement" aria-labelledby="placement-title" {
            h2 id="placement-title" { (t(lang, "placement.title")) }
            p {
                @match &case.office {
                    Some(office) => {
                        (t(lang, "staff.inbox.office")) ": " strong { (office) }
                        @if !assignee.is_empty() {
                            " · " (t(lang, "cases.assignee")) ": " strong { (assignee) }
                        }
                    }
                    None => strong { (t(lang, "placement.unplaced")) },
                }
            }
            @if let Some(places) = places {
                form method="post" action={ "/" (code) "/staff/cases/" (person) "/assignment" } class="filters" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="placement-office" { (t(lang, "staff.inbox.office")) }
                    select id="placement-office" name="office" required {
                        option value="" { (t(lang, "placement.choose")) }
                        @for (name, _) in places {
                            option value=(name) selected[name == office] { (name) }
                        }
                    }
                    label for="placement-assignee" { (t(lang, "cases.assignee")) }
                    select id="placement-assignee" name="assignee" {
                        option value="" { (t(lang, "placement.nobody")) }
                        @for (name, caseworkers) in places {
                            optgroup label=(name) {
                                @for c in caseworkers {
                                    option value=(c.as_str()) selected[c.as_str() == assignee] { (c.as_str()) }
                                }
                            }
                        }
                    }
                    button type="submit" { (t(lang, "placement.save")) }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Placement {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    assignee: String,
}

/// Places the case (directors); back to the case, which says so, or the case again with
/// what was wrong.
pub async fn place(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    Form(sent): Form<Placement>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let person = PersonId::parse(&person).map_err(|_| Refusal::from(not_found()))?;
    let principal = poster.check(lang, &sent.csrf)?;
    let assignee = match sent.assignee.trim() {
        "" => None,
        name => Some(Username::parse(name).map_err(|_| Refusal::from(not_found()))?),
    };
    let (who, whom, office) = (principal.clone(), person.clone(), sent.office.clone());
    let done = state
        .blocking(move |app| who.case_direction(app)?.assign(whom, &office, assignee))
        .await;
    let problem = match done {
        Ok(()) => {
            let to = format!(
                "/{}/staff/cases/{}?saved=placed",
                lang.code(),
                person.as_str()
            );
            return Ok(Redirect::to(&to).into_response());
        }
        Err(e) => match e.code {
            "unknown_office" | "bad_request" => t(lang, "placement.error.office"),
            "unknown_assignee" => t(lang, "placement.error.assignee"),
            _ => return Ok(away(lang, &e)),
        },
    };
    let said = Said {
        problem: Some(&problem),
        ..Said::default()
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(case::page(&state, lang, principal, person, status, &said).await)
}
