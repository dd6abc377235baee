//! Deciding an application from the client page, in two steps: the decision as chosen is
//! shown back to be confirmed (a decision is corrected only by a new entry, and it changes
//! who is a client), and only the confirmation records it; the client page then says it
//! was recorded. What was chosen travels in the form, never in an address.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_domain::calendar::{format_date, parse_entered_date};
use iku_domain::codes::{Code, Lang, RejectionReason};
use maud::html;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::case::{person_of, record_then_show};
use super::confirm::Ask;
use super::staff::{Poster, date};
use super::{Refusal, language, t};
use crate::state::Shared;

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    application: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
    /// The reasons of this case, in the official's words (optional).
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    date: String,
    /// "yes": the decision shown back was confirmed.
    #[serde(default)]
    confirm: String,
}

const OUTCOMES: [&str; 3] = ["admitted", "rejected", "withdrawn"];

/// Shows the decision back to be confirmed, or (confirmed) records it and goes back to the
/// case, which says so; a date or a choice that is not one is said on the case's page.
pub async fn decide(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    Form(form): Form<DecisionForm>,
) -> Result<Response, Refusal> {
    let (lang, person) = (language(&code)?, person_of(&person)?);
    let principal = poster.check(lang, &form.csrf)?;
    let Some(day) = parse_entered_date(&form.date) else {
        let why = t(lang, "case.date.error");
        return Ok(again(&state, lang, principal, person, &form, &why).await);
    };
    let reason = Code::<RejectionReason>::parse(&form.reason);
    let chosen = OUTCOMES.contains(&form.outcome.as_str())
        && (form.outcome != "rejected" || reason.is_some());
    if !chosen {
        let why = t(lang, "case.invalid");
        return Ok(again(&state, lang, principal, person, &form, &why).await);
    }
    let reasons = form.reasons.trim();
    if iku_domain::personal::check_text(reasons, 10_000, true).is_err() {
        let why = t(lang, "decision.reasons.case.error");
        return Ok(again(&state, lang, principal, person, &form, &why).await);
    }
    if form.confirm != "yes" {
        return Ok(confirmation(
            lang,
            &principal,
            person.as_str(),
            &form,
            day,
            reason,
        ));
    }
    let mut event: Map<String, Value> = Map::new();
    event.insert("event".into(), json!("application_decided"));
    event.insert("date".into(), json!(format_date(day)));
    event.insert("application".into(), json!(form.application));
    event.insert("outcome".into(), json!(form.outcome));
    if form.outcome == "rejected" {
        event.insert("reason".into(), json!(form.reason));
    }
    if !reasons.is_empty() {
        event.insert("note".into(), json!(reasons));
    }
    let then = "?saved=decision";
    Ok(record_then_show(&state, lang, principal, person, event, then).await)
}

/// The case again with the decision form as it was sent and why it was not taken.
async fn again(
    state: &Shared,
    lang: Lang,
    principal: crate::session::Principal,
    person: iku_domain::ids::PersonId,
    form: &DecisionForm,
    why: &str,
) -> Response {
    let typed = super::case::DecisionTyped {
        application: &form.application,
        outcome: &form.outcome,
        reason: &form.reason,
        reasons: &form.reasons,
        date: &form.date,
    };
    let said = super::case::Said {
        problem: Some(why),
        decision_typed: Some(&typed),
        ..super::case::Said::default()
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    super::case::page(state, lang, principal, person, status, &said).await
}

/// The decision as chosen, with the button that records it and the way back.
fn confirmation(
    lang: Lang,
    principal: &crate::session::Principal,
    person: &str,
    form: &DecisionForm,
    day: time::Date,
    reason: Option<Code<RejectionReason>>,
) -> Response {
    let case = format!("/{}/staff/cases/{person}", lang.code());
    let ask = Ask {
        title: "decision.confirm.title",
        shown: html! {
            dl {
                dt { (t(lang, "staff.inbox.reference")) }
                dd { (form.application) }
                dt { (t(lang, "case.decision")) }
                dd { (t(lang, &format!("outcome.{}", form.outcome))) }
                @if let Some(reason) = reason.filter(|_| form.outcome == "rejected") {
                    dt { (t(lang, "case.reason")) }
                    dd { (reason.label(lang)) }
                }
                dt { (t(lang, "decision.date")) }
                dd { (date(lang, day)) }
                @if !form.reasons.trim().is_empty() {
                    dt { (t(lang, "decision.reasons.case")) }
                    dd class="journal-text" { (form.reasons.trim()) }
                }
            }
            p { (t(lang, "decision.confirm.text")) }
        },
        action: format!("{case}/decision"),
        fields: vec![
            ("application", &form.application),
            ("outcome", &form.outcome),
            ("reason", &form.reason),
            ("reasons", &form.reasons),
            ("date", &form.date),
        ],
        yes: "decision.confirm.yes",
        back: (case, "decision.confirm.no"),
        after: html! {},
    };
    super::confirm::page(lang, principal, &format!("/staff/cases/{person}"), ask)
}
