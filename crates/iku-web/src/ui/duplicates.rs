//! Possible duplicates on the client page: while an application waits for a decision, the
//! persons the applicant may already be, with why, and the two answers: the same person (the
//! case is linked to theirs, and the page goes to theirs) or not the same person (the pair
//! is not proposed again).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use iku_app::access::Proposals;
use iku_domain::codes::Lang;
use iku_domain::ids::PersonId;
use iku_domain::search::Probe;
use maud::{Markup, html};
use serde::Deserialize;

use super::cases;
use super::staff::{Poster, away};
use super::{Refusal, language, not_found, t};
use crate::state::Shared;

/// The words for why a person is proposed.
fn why(lang: Lang, probe: &Probe) -> String {
    t(lang, &format!("duplicates.why.{}", probe.name())).into_owned()
}

/// The section of the client page (nothing when no one is proposed).
pub(super) fn section(lang: Lang, person: &PersonId, proposals: &Proposals, csrf: &str) -> Markup {
    let code = lang.code();
    let action = format!("/{code}/staff/cases/{}/duplicates", person.as_str());
    html! {
        @if !proposals.shown.is_empty() || proposals.elsewhere > 0 {
            section id="duplicates" class="duplicates" aria-labelledby="duplicates-title" {
                h2 id="duplicates-title" { (t(lang, "duplicates.title")) }
                p { (t(lang, "duplicates.intro")) }
                @if !proposals.shown.is_empty() {
                    table {
                        caption { (t(lang, "duplicates.caption")) }
                        (cases::head(lang, &["duplicates.why", "duplicates.answer"]))
                        tbody {
                            @for p in &proposals.shown {
                                @let other = p.case.summary.person.as_str();
                                tr {
                                    th scope="row" class="reference" {
                                        (cases::link(code, &p.case.summary))
                                    }
                                    (cases::cells(lang, &p.case))
                                    td { (p.why.iter().map(|w| why(lang, w)).collect::<Vec<_>>().join(", ")) }
                                    td class="answer" {
                                        form method="post" action=(action) class="inline" {
                                            input type="hidden" name="csrf" value=(csrf);
                                            input type="hidden" name="other" value=(other);
                                            button type="submit" name="answer" value="same" {
                                                (t(lang, "duplicates.same"))
                                            }
                                        }
                                        form method="post" action=(action) class="inline" {
                                            input type="hidden" name="csrf" value=(csrf);
                                            input type="hidden" name="other" value=(other);
                                            button type="submit" name="answer" value="distinct" class="secondary" {
                                                (t(lang, "duplicates.distinct"))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    p class="hint" { (t(lang, "duplicates.same.hint")) }
                }
                @if proposals.elsewhere > 0 {
                    p { (t(lang, "duplicates.elsewhere").replace("{n}", &proposals.elsewhere.to_string())) }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Answer {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    other: String,
    /// "same" or "distinct".
    #[serde(default)]
    answer: String,
}

/// Answers a proposal: linked, to the other person's page; decided apart, back to this one.
pub async fn answer(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    Form(sent): Form<Answer>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let person = PersonId::parse(&person).map_err(|_| Refusal::from(not_found()))?;
    let principal = poster.check(lang, &sent.csrf)?;
    let other = PersonId::parse(&sent.other).map_err(|_| Refusal::from(not_found()))?;
    let same = match sent.answer.as_str() {
        "same" => true,
        "distinct" => false,
        _ => return Err(not_found().into()),
    };
    let (whom, with) = (person.clone(), other.clone());
    let done = state
        .blocking(move |app| {
            let mut case = principal.open_case(app, &whom)?;
            if same {
                case.link_to(&with).map(drop)
            } else {
                case.not_the_same_as(&with)
            }
        })
        .await;
    if let Err(e) = done {
        return Ok(away(lang, &e));
    }
    let to = if same {
        format!(
            "/{}/staff/cases/{}?saved=linked",
            lang.code(),
            other.as_str()
        )
    } else {
        format!(
            "/{}/staff/cases/{}?saved=distinct",
            lang.code(),
            person.as_str()
        )
    };
    Ok(Redirect::to(&to).into_response())
}
