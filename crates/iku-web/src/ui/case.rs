//! The client page: a case's record as of today (personal fields, read on record through the
//! scoped handle), and the decision on a waiting application, recorded as an event of the
//! case (every rule of the register checked).

use std::fmt::Write;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use iku_domain::calendar::finnish_date;
use iku_domain::codes::{
    Code, CodeList, ExploitationForm, Lang, Place, ReflectionGrantedBy, RejectionReason,
};
use iku_domain::ids::PersonId;
use iku_domain::state::PersonState;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::staff::{Poster, Reader, date, staff_page};
use super::{Refusal, escape, lang, language, not_found, t};
use crate::error::ApiError;
use crate::session::Principal;
use crate::state::{Shared, now};

fn row(out: &mut String, label: &str, value: &str) {
    let _ = write!(
        out,
        r#"<tr><th scope="row">{}</th><td>{}</td></tr>"#,
        escape(label),
        escape(value)
    );
}

fn record_html(lang: Lang, p: &PersonState, csrf: &str, problem: Option<&str>) -> String {
    let today = finnish_date(now());
    let unknown = t(lang, "case.unknown");
    let mut b = format!(
        "<h1>{} {}</h1>",
        escape(&t(lang, "case.title")),
        escape(p.id.as_str())
    );
    if let Some(problem) = problem {
        let _ = write!(
            b,
            r#"<div class="error-summary" role="alert"><h2>{}</h2><p>{}</p></div>"#,
            escape(&t(lang, "case.refused")),
            escape(problem)
        );
    }
    let d = &p.details;
    let _ = write!(
        b,
        r#"<h2>{}</h2><table><tbody>"#,
        escape(&t(lang, "case.details"))
    );
    for (name, value) in d.personal.iter() {
        row(
            &mut b,
            &t(lang, &format!("case.field.{name}")),
            value.expose(),
        );
    }
    let birth = d
        .birth_date
        .map(|x| date(lang, x))
        .or(d.birth_year.map(|y| y.to_string()))
        .unwrap_or_else(|| unknown.clone());
    row(&mut b, &t(lang, "case.birth"), &birth);
    row(
        &mut b,
        &t(lang, "case.gender"),
        d.gender.map_or(&unknown[..], |g| g.label(lang)),
    );
    row(
        &mut b,
        &t(lang, "case.nationality"),
        d.nationality.map_or(&unknown[..], |n| n.label(lang)),
    );
    row(
        &mut b,
        &t(lang, "case.residence"),
        d.residence_status.map_or(&unknown[..], |r| r.label(lang)),
    );
    row(
        &mut b,
        &t(lang, "case.provider"),
        d.service_provider().label(lang),
    );
    b.push_str("</tbody></table>");

    let _ = write!(
        b,
        r#"<h2>{}</h2><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(&t(lang, "case.applications")),
        escape(&t(lang, "staff.inbox.reference")),
        escape(&t(lang, "case.received")),
        escape(&t(lang, "case.referrer")),
        escape(&t(lang, "case.decision")),
    );
    for a in &p.applications {
        let decision = match a.decided {
            Some((day, decision)) => format!(
                "{}, {}",
                t(lang, &format!("outcome.{}", decision.outcome())),
                date(lang, day)
            ),
            None => t(lang, "case.pending"),
        };
        let _ = write!(
            b,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            escape(a.id.as_str()),
            date(lang, a.received),
            escape(a.referrer.label(lang)),
            escape(&decision)
        );
    }
    b.push_str("</tbody></table>");
    let waiting: Vec<_> = p
        .applications
        .iter()
        .filter(|a| a.decided.is_none())
        .collect();
    if !waiting.is_empty() {
        let _ = write!(
            b,
            r#"<h2>{}</h2><form method="post" action="/{}/staff/cases/{}/decision"><input type="hidden" name="csrf" value="{}"><label for="application">{}</label><select id="application" name="application">"#,
            escape(&t(lang, "case.decide")),
            lang.code(),
            escape(p.id.as_str()),
            escape(csrf),
            escape(&t(lang, "staff.inbox.reference")),
        );
        for a in &waiting {
            let _ = write!(
                b,
                r#"<option value="{0}">{0}</option>"#,
                escape(a.id.as_str())
            );
        }
        let _ = write!(
            b,
            r#"</select><fieldset><legend>{}</legend>"#,
            escape(&t(lang, "case.outcome"))
        );
        for outcome in ["admitted", "rejected", "withdrawn"] {
            let _ = write!(
                b,
                r#"<div class="checkbox"><input type="radio" id="outcome-{outcome}" name="outcome" value="{outcome}"><label for="outcome-{outcome}">{}</label></div>"#,
                escape(&t(lang, &format!("outcome.{outcome}")))
            );
        }
        let _ = write!(
            b,
            r#"</fieldset><label for="reason">{}</label><select id="reason" name="reason"><option value="">–</option>"#,
            escape(&t(lang, "case.reason"))
        );
        for reason in Code::<RejectionReason>::all() {
            let _ = write!(
                b,
                r#"<option value="{}">{}</option>"#,
                reason.code(),
                escape(reason.label(lang))
            );
        }
        let _ = write!(
            b,
            r#"</select><label for="date">{}</label><p class="hint" id="date-hint">{}</p><input type="text" id="date" name="date" value="{}" aria-describedby="date-hint"><button type="submit">{}</button></form>"#,
            escape(&t(lang, "case.date")),
            escape(&t(lang, "case.date.hint")),
            iku_domain::calendar::format_date(today),
            escape(&t(lang, "case.save")),
        );
    }

    let _ = write!(b, "<h2>{}</h2>", escape(&t(lang, "case.client_periods")));
    if p.client_periods.is_empty() {
        let _ = write!(b, "<p>{}</p>", escape(&t(lang, "case.none")));
    }
    for c in &p.client_periods {
        let ended = c
            .terminated
            .map(|(day, reason)| {
                format!(
                    " – {} {} ({})",
                    t(lang, "case.terminated"),
                    date(lang, day),
                    reason.label(lang)
                )
            })
            .unwrap_or_default();
        let _ = write!(
            b,
            "<p>{} {}{}</p>",
            escape(&t(lang, "case.admitted")),
            date(lang, c.admitted),
            escape(&ended)
        );
    }
    let _ = write!(b, "<h2>{}</h2>", escape(&t(lang, "case.assessment")));
    match &p.assessment {
        None => {
            let _ = write!(b, "<p>{}</p>", escape(&t(lang, "case.none")));
        }
        Some((day, assessment)) => {
            let _ = write!(
                b,
                r#"<table><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
                date(lang, *day),
                escape(&t(lang, "case.form")),
                escape(&t(lang, "case.place")),
                escape(&t(lang, "case.primary")),
            );
            for f in assessment.forms() {
                let _ = write!(
                    b,
                    r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>"#,
                    escape(f.form.label(lang)),
                    escape(f.place.label(lang)),
                    if f.primary { "✓" } else { "" }
                );
            }
            b.push_str("</tbody></table>");
        }
    }
    let _ = write!(b, "<h2>{}</h2>", escape(&t(lang, "case.reflection")));
    if p.reflection_periods.is_empty() {
        let _ = write!(b, "<p>{}</p>", escape(&t(lang, "case.none")));
    }
    for r in &p.reflection_periods {
        let left = (r.last_day() - today).whole_days().max(0);
        let _ = write!(
            b,
            "<p>{} – {} ({}: {}); {} {}</p>",
            date(lang, r.granted),
            date(lang, r.last_day()),
            escape(&t(lang, "case.granted_by")),
            escape(r.granted_by.label(lang)),
            if r.interrupted.is_some() { 0 } else { left },
            escape(&t(lang, "case.days_left")),
        );
    }
    record_forms(&mut b, lang, p, csrf);
    let _ = write!(b, "<h2>{}</h2>", escape(&t(lang, "case.children")));
    if p.children.is_empty() {
        let _ = write!(b, "<p>{}</p>", escape(&t(lang, "case.none")));
    }
    for c in &p.children {
        let _ = write!(
            b,
            "<p>{} ({})</p>",
            escape(c.id.as_str()),
            date(lang, c.admitted)
        );
    }
    b
}

/// `<option>`s of a code list.
fn options<L: CodeList>(lang: Lang) -> String {
    Code::<L>::all()
        .map(|c| {
            format!(
                r#"<option value="{}">{}</option>"#,
                c.code(),
                escape(c.label(lang))
            )
        })
        .collect()
}

/// The forms of an exploitation assessment (one form, primary) and a reflection period.
fn record_forms(b: &mut String, lang: Lang, p: &PersonState, csrf: &str) {
    let today = iku_domain::calendar::format_date(finnish_date(now()));
    let action = format!(
        "/{}/staff/cases/{}/record",
        lang.code(),
        escape(p.id.as_str())
    );
    let _ = write!(
        b,
        r#"<h3>{title}</h3><form method="post" action="{action}"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="kind" value="assessment"><label for="form">{form}</label><select id="form" name="form">{forms}</select><label for="place">{place}</label><select id="place" name="place">{places}</select><div class="checkbox"><input type="checkbox" id="minor_at_time" name="minor_at_time" value="yes"><label for="minor_at_time">{minor}</label></div><label for="assessment-date">{date}</label><input type="text" id="assessment-date" name="date" value="{today}"><button type="submit">{save}</button></form>"#,
        title = escape(&t(lang, "case.assess")),
        csrf = escape(csrf),
        form = escape(&t(lang, "case.form")),
        forms = options::<ExploitationForm>(lang),
        place = escape(&t(lang, "case.place")),
        places = options::<Place>(lang),
        minor = escape(&t(lang, "case.minor_at_time")),
        date = escape(&t(lang, "case.date")),
        save = escape(&t(lang, "case.record")),
    );
    let _ = write!(
        b,
        r#"<h3>{title}</h3><form method="post" action="{action}"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="kind" value="reflection"><label for="days">{days}</label><input type="text" id="days" name="days" inputmode="numeric" value="30"><label for="granted_by">{by}</label><select id="granted_by" name="granted_by">{who}</select><label for="reflection-date">{date}</label><input type="text" id="reflection-date" name="date" value="{today}"><button type="submit">{save}</button></form>"#,
        title = escape(&t(lang, "case.grant")),
        csrf = escape(csrf),
        days = escape(&t(lang, "case.days")),
        by = escape(&t(lang, "case.granted_by")),
        who = options::<ReflectionGrantedBy>(lang),
        date = escape(&t(lang, "case.date")),
        save = escape(&t(lang, "case.record")),
    );
}

/// The record of `person`, read on record; None if the register has no such person.
async fn read(
    state: &Shared,
    principal: Principal,
    person: PersonId,
) -> Result<(Principal, Option<PersonState>), ApiError> {
    state
        .with_store(move |store, state| {
            let found = principal
                .open_case(store, state, &person)?
                .read(store, state)?;
            Ok((principal, found))
        })
        .await
}

async fn show(
    state: &Shared,
    lang: Lang,
    principal: Principal,
    person: PersonId,
    status: StatusCode,
    problem: Option<&str>,
) -> Response {
    match read(state, principal, person).await {
        Ok((principal, Some(p))) => {
            let body = record_html(lang, &p, &principal.csrf_token, problem);
            let rest = format!("/staff/cases/{}", p.id.as_str());
            staff_page(
                lang,
                status,
                &t(lang, "case.title"),
                &rest,
                Some(&principal),
                &body,
            )
        }
        Ok((_, None)) => not_found(),
        Err(e) => super::staff::away(lang, &e),
    }
}

pub async fn case(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    reader: Reader,
) -> Response {
    let (Some(lang), Ok(person)) = (lang(&code), PersonId::parse(&person)) else {
        return not_found();
    };
    show(
        &state,
        lang,
        reader.principal(),
        person,
        StatusCode::OK,
        None,
    )
    .await
}

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
    #[serde(default)]
    date: String,
}

/// Records the decision on an application of the case, then shows the case again.
pub async fn decide(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    Form(form): Form<DecisionForm>,
) -> Result<Response, Refusal> {
    let (lang, person) = (language(&code)?, person_of(&person)?);
    let principal = poster.check(lang, &form.csrf)?;
    let mut event: Map<String, Value> = Map::new();
    event.insert("event".into(), json!("application_decided"));
    event.insert("date".into(), json!(form.date.trim()));
    event.insert("application".into(), json!(form.application));
    event.insert("outcome".into(), json!(form.outcome));
    if form.outcome == "rejected" {
        event.insert("reason".into(), json!(form.reason));
    }
    Ok(record_then_show(&state, lang, principal, person, event).await)
}

/// The path's person, or "not found".
fn person_of(id: &str) -> Result<PersonId, Refusal> {
    PersonId::parse(id).map_err(|_| not_found().into())
}

/// Records an event of the case from one of its forms: back to the case if stored, else the
/// case again with the register's reason.
async fn record_then_show(
    state: &Shared,
    lang: Lang,
    principal: Principal,
    person: PersonId,
    event: Map<String, Value>,
) -> Response {
    let shown = principal.clone();
    match crate::writes::record_case_event(state, principal, person.clone(), event).await {
        Ok(_) => Redirect::to(&format!("/{}/staff/cases/{}", lang.code(), person.as_str()))
            .into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let why = e.detail.clone().unwrap_or_else(|| e.message.to_owned());
            show(state, lang, shown, person, e.status, Some(&why)).await
        }
        Err(e) => super::staff::away(lang, &e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    minor_at_time: Option<String>,
    #[serde(default)]
    days: String,
    #[serde(default)]
    granted_by: String,
}

/// Records an exploitation assessment or a reflection period from the client page's forms.
pub async fn record(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    Form(form): Form<RecordForm>,
) -> Result<Response, Refusal> {
    let (lang, person) = (language(&code)?, person_of(&person)?);
    let principal = poster.check(lang, &form.csrf)?;
    let event = match form.kind.as_str() {
        "assessment" => json!({
            "event": "exploitation_assessed",
            "date": form.date.trim(),
            "forms": [{
                "form": form.form,
                "primary": true,
                "place": form.place,
                "minor_at_time": form.minor_at_time.as_deref() == Some("yes"),
            }],
        }),
        "reflection" => {
            let Ok(days) = form.days.trim().parse::<u16>() else {
                let why = t(lang, "case.days");
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(show(&state, lang, principal, person, status, Some(&why)).await);
            };
            json!({
                "event": "reflection_period_granted",
                "date": form.date.trim(),
                "days": days,
                "granted_by": form.granted_by,
            })
        }
        _ => return Err(super::staff::away(lang, &ApiError::BAD_REQUEST).into()),
    };
    let event: Map<String, Value> = event.as_object().cloned().unwrap_or_default();
    Ok(record_then_show(&state, lang, principal, person, event).await)
}
