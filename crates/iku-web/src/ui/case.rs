//! The client page: a case's record as of today (personal fields, read on record through the
//! scoped handle), and the decision on a waiting application, recorded as an event of the
//! case (every rule of the register checked).

use std::fmt::Write;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use iku_app::access::CasePage;
use iku_domain::access::Role;
use iku_domain::calendar::finnish_date;
use iku_domain::codes::{Code, Lang, RejectionReason};
use iku_domain::ids::PersonId;
use iku_domain::state::PersonState;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::case_forms::{Section, forms};

use super::journal::{self, Draft};
use super::record_form::{RecordForm, Unfit};
use super::routing::Places;
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

/// What the client page says besides the case: why a write was refused, a journal form sent
/// back with its mistakes, whether a journal entry was just saved.
#[derive(Default)]
pub(super) struct Said<'a> {
    pub problem: Option<&'a str>,
    /// A mistake in a form far down the page: said at the top, linked to its field (the id).
    pub mistake_at: Option<(&'static str, &'a str)>,
    pub draft: Option<&'a Draft>,
    pub saved: bool,
    /// What was just done to the case, in words (a key).
    pub notice: Option<&'static str>,
    /// A plan form sent back with its mistakes.
    pub plan_draft: Option<&'a super::plan::PlanDraft>,
    /// The decision form as it was sent, when it comes back with a mistake.
    pub decision_typed: Option<&'a DecisionTyped<'a>>,
    /// Whether the plan was just changed.
    pub plan_saved: bool,
    /// A document form sent back with what was wrong with the file.
    pub document_typed: Option<&'a super::documents::DocumentTyped>,
    /// Whether a document was just attached.
    pub document_saved: bool,
    /// What was wrong with the consent form (a key).
    pub consent_mistake: Option<&'static str>,
}

/// What the decision form sent, to fill it in again.
#[derive(Default)]
pub(super) struct DecisionTyped<'a> {
    pub application: &'a str,
    pub outcome: &'a str,
    pub reason: &'a str,
    pub reasons: &'a str,
    pub date: &'a str,
}

fn record_html(
    lang: Lang,
    case: &CasePage,
    places: Option<&Places>,
    csrf: &str,
    said: &Said<'_>,
) -> String {
    let (p, problem) = (&case.record, said.problem);
    let today = finnish_date(now());
    let unknown = t(lang, "case.unknown").into_owned();
    // Named by the reference people know it by (the latest application's), the person's id
    // beside it for those who look it up.
    let reference = p
        .applications
        .iter()
        .max_by_key(|a| a.received)
        .map_or(p.id.as_str(), |a| a.id.as_str());
    let mut b = format!(
        r#"<h1>{} {}</h1><p class="hint">{} {}</p>"#,
        escape(&t(lang, "case.title")),
        escape(reference),
        escape(&t(lang, "case.person_id")),
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
    if let Some((field, mistake)) = said.mistake_at {
        let _ = write!(
            b,
            r##"<div class="error-summary" role="alert" tabindex="-1"><h2>{}</h2><ul><li><a href="#{}">{}</a></li></ul></div>"##,
            escape(&t(lang, "error.summary")),
            escape(field),
            escape(mistake)
        );
    }
    if let Some(notice) = said.notice {
        let _ = write!(
            b,
            r#"<p class="notice" role="status">{}</p>"#,
            escape(&t(lang, notice))
        );
    }
    b.push_str(&super::duplicates::section(lang, &p.id, &case.proposals, csrf).into_string());
    b.push_str(&super::routing::section(lang, case, places, csrf).into_string());
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
    folded(&mut b, lang, "case.details.record", |b| {
        forms(b, lang, p, csrf, Section::Details)
    });
    b.push_str(
        &journal::section(lang, &p.id, &case.journal, csrf, said.draft, said.saved).into_string(),
    );
    // The plan is a client's: shown once the person was admitted (or has one already).
    let planned = !case.plan.needs.is_empty() || !case.plan.measures.is_empty();
    if !p.client_periods.is_empty() || planned {
        b.push_str(
            &super::plan::section(
                lang,
                &p.id,
                &case.plan,
                csrf,
                said.plan_draft,
                said.plan_saved,
            )
            .into_string(),
        );
    }

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
                r#"{}, {} <a href="{}">{}<span class="visually-hidden"> {}</span></a>"#,
                escape(&t(lang, &format!("outcome.{}", decision.outcome()))),
                date(lang, day),
                escape(&super::decision::document_path(
                    lang,
                    &p.id,
                    &a.id,
                    super::decision::official_language(lang)
                )),
                escape(&t(lang, "case.decision.document")),
                escape(a.id.as_str()),
            ),
            None => escape(&t(lang, "case.pending")),
        };
        let _ = write!(
            b,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{decision}</td></tr>"#,
            escape(a.id.as_str()),
            date(lang, a.received),
            escape(a.referrer.label(lang)),
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
        let typed = said.decision_typed;
        let chosen = |value: &str, pick: for<'d> fn(&'d DecisionTyped<'d>) -> &'d str| {
            typed.is_some_and(|d| pick(d) == value)
        };
        for a in &waiting {
            let _ = write!(
                b,
                r#"<option value="{0}"{1}>{0}</option>"#,
                escape(a.id.as_str()),
                if chosen(a.id.as_str(), |d| d.application) {
                    " selected"
                } else {
                    ""
                }
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
                r#"<div class="checkbox"><input type="radio" id="outcome-{outcome}" name="outcome" value="{outcome}"{}><label for="outcome-{outcome}">{}</label></div>"#,
                if chosen(outcome, |d| d.outcome) {
                    " checked"
                } else {
                    ""
                },
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
                r#"<option value="{}"{}>{}</option>"#,
                reason.code(),
                if chosen(reason.code(), |d| d.reason) {
                    " selected"
                } else {
                    ""
                },
                escape(reason.label(lang))
            );
        }
        let _ = write!(
            b,
            r#"</select><label for="reasons">{}</label><p class="hint" id="reasons-hint">{}</p><textarea id="reasons" name="reasons" rows="5" maxlength="10000" aria-describedby="reasons-hint">{}</textarea><label for="date">{}</label><p class="hint" id="date-hint">{}</p><input type="text" id="date" name="date" value="{}" aria-describedby="date-hint"><button type="submit">{}</button></form>"#,
            escape(&t(lang, "decision.reasons.case")),
            escape(&t(lang, "decision.reasons.case.hint")),
            escape(typed.map_or("", |d| d.reasons)),
            escape(&t(lang, "case.date")),
            escape(&t(lang, "case.date.hint")),
            escape(&typed.map_or_else(|| date(lang, today), |d| d.date.to_owned())),
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
    // The latest removal's decision document.
    if p.client_periods
        .last()
        .is_some_and(|c| c.terminated.is_some())
    {
        let _ = write!(
            b,
            r#"<p><a href="{}">{}</a></p>"#,
            escape(&super::removal::document_path(
                lang,
                &p.id,
                super::decision::official_language(lang)
            )),
            escape(&t(lang, "removal.document")),
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
    forms(&mut b, lang, p, csrf, Section::Assessment);
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
    // The written notice of the latest period, in the page's language (the person's may be
    // another: the notice offers the three).
    if !p.reflection_periods.is_empty() {
        let _ = write!(
            b,
            r#"<p><a href="{}">{}</a></p>"#,
            escape(&super::reflection_notice::notice_path(lang, &p.id, lang)),
            escape(&t(lang, "reflection.notice.title")),
        );
    }
    forms(&mut b, lang, p, csrf, Section::Reflection);
    measures_html(&mut b, lang, p);
    folded(&mut b, lang, "case.measure.record", |b| {
        forms(b, lang, p, csrf, Section::Measures)
    });
    let _ = write!(b, "<h2>{}</h2>", escape(&t(lang, "case.children")));
    if p.children.is_empty() {
        let _ = write!(b, "<p>{}</p>", escape(&t(lang, "case.none")));
    }
    for c in &p.children {
        let left = c
            .left
            .map(|d| format!(" – {} {}", t(lang, "case.child.gone"), date(lang, d)))
            .unwrap_or_default();
        let _ = write!(
            b,
            "<p>{} ({}{})</p>",
            escape(c.id.as_str()),
            date(lang, c.admitted),
            escape(&left)
        );
    }
    folded(&mut b, lang, "case.child.forms", |b| {
        forms(b, lang, p, csrf, Section::Children)
    });
    identification_html(&mut b, lang, p);
    folded(&mut b, lang, "case.identification.forms", |b| {
        forms(b, lang, p, csrf, Section::Identification)
    });
    if p.is_client() {
        let _ = write!(b, "<h2>{}</h2>", escape(&t(lang, "case.terminate")));
        folded(&mut b, lang, "case.terminate", |b| {
            forms(b, lang, p, csrf, Section::Termination)
        });
    }
    let _ = write!(
        b,
        r#"<h2>{}</h2><p><a href="/{}/staff/cases/{}/history">{}</a></p>"#,
        escape(&t(lang, "case.history")),
        lang.code(),
        escape(p.id.as_str()),
        escape(&t(lang, "case.history.show")),
    );
    b
}

/// Forms that are used less often, behind a summary that opens them (no script needed).
fn folded(b: &mut String, lang: Lang, summary: &str, inner: impl FnOnce(&mut String)) {
    let mut forms = String::new();
    inner(&mut forms);
    if !forms.is_empty() {
        let _ = write!(
            b,
            "<details><summary>{}</summary>{forms}</details>",
            escape(&t(lang, summary))
        );
    }
}

fn measures_html(b: &mut String, lang: Lang, p: &PersonState) {
    let _ = write!(b, "<h2>{}</h2>", escape(&t(lang, "case.measures")));
    if p.measures.is_empty() {
        let _ = write!(b, "<p>{}</p>", escape(&t(lang, "case.none")));
        return;
    }
    let _ = write!(
        b,
        r#"<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(&t(lang, "case.date")),
        escape(&t(lang, "case.measure")),
        escape(&t(lang, "case.provider")),
    );
    for m in &p.measures {
        let _ = write!(
            b,
            r#"<tr><td>{}</td><th scope="row">{}</th><td>{}</td></tr>"#,
            date(lang, m.date),
            escape(m.measure.label(lang)),
            escape(m.provider.map_or("–", |x| x.label(lang))),
        );
    }
    b.push_str("</tbody></table>");
}

/// The official identification (2015-2022): each process begun, one per client period.
fn identification_html(b: &mut String, lang: Lang, p: &PersonState) {
    let _ = write!(b, "<h2>{}</h2>", escape(&t(lang, "case.identification")));
    if p.identifications.is_empty() {
        let _ = write!(b, "<p>{}</p>", escape(&t(lang, "case.none")));
        return;
    }
    let _ = write!(
        b,
        r#"<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(&t(lang, "case.identification.started")),
        escape(&t(lang, "case.identification.heard")),
        escape(&t(lang, "case.identification.decide")),
    );
    for i in &p.identifications {
        let heard = i.expert_group_heard.map(|d| date(lang, d));
        let decided = i.decided.map(|(d, o)| {
            format!(
                "{}, {}",
                t(lang, &format!("identification.{}", o.name())),
                date(lang, d)
            )
        });
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            date(lang, i.started),
            escape(heard.as_deref().unwrap_or("–")),
            escape(decided.as_deref().unwrap_or("–")),
        );
    }
    b.push_str("</tbody></table>");
}

/// The record of `person` and its journal, read on record; None if the register has no such
/// person.
/// The case as the client page shows it, and (directors) where it can be placed.
type Shown = (Principal, Option<(CasePage, Option<Places>)>);

async fn read(state: &Shared, principal: Principal, person: PersonId) -> Result<Shown, ApiError> {
    state
        .audited(move |app| {
            let places = match principal.role {
                Role::Director => Some(principal.case_direction(app)?.places()?),
                _ => None,
            };
            let found = principal.open_case(app, &person)?.read_with_journal()?;
            Ok(found.map(|found| (principal, found.map(|f| (f, places)))))
        })
        .await
}

pub(super) async fn show(
    state: &Shared,
    lang: Lang,
    principal: Principal,
    person: PersonId,
    status: StatusCode,
    problem: Option<&str>,
) -> Response {
    let said = Said {
        problem,
        ..Said::default()
    };
    page(state, lang, principal, person, status, &said).await
}

/// The client page of `person`, saying `said`.
pub(super) async fn page(
    state: &Shared,
    lang: Lang,
    principal: Principal,
    person: PersonId,
    status: StatusCode,
    said: &Said<'_>,
) -> Response {
    match read(state, principal, person).await {
        Ok((principal, Some((found, places)))) => {
            let csrf = principal.csrf_token();
            let mut body = record_html(lang, &found, places.as_ref(), csrf, said);
            // A task for the case, the user's own (given to a colleague from "my work").
            let me = std::slice::from_ref(&principal.username);
            let tasks = maud::html! {
                section id="tasks" aria-labelledby="case-tasks-title" {
                    h2 id="case-tasks-title" { (t(lang, "task.title.case")) }
                    (super::tasks::new_form(lang, csrf, Some(&found.record.id), me, &principal.username, None))
                }
            };
            body.push_str(&tasks.into_string());
            let documents = super::documents::section(
                lang,
                &found.record.id,
                &found.documents,
                csrf,
                said.document_saved,
                said.document_typed,
            );
            body.push_str(&documents.into_string());
            let consent = super::consent::section(lang, &found.record, csrf, said.consent_mistake);
            body.push_str(&consent.into_string());
            // A restriction in force is said before anything else.
            body.insert_str(
                0,
                &super::consent::banner(lang, &found.record).into_string(),
            );
            let rest = format!("/staff/cases/{}", found.record.id.as_str());
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

#[derive(Debug, Default, Deserialize)]
pub struct CaseQuery {
    /// What was just saved ("journal"), to say so.
    #[serde(default)]
    saved: String,
}

pub async fn case(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    reader: Reader,
    Query(query): Query<CaseQuery>,
) -> Response {
    let (Some(lang), Ok(person)) = (lang(&code), PersonId::parse(&person)) else {
        return not_found();
    };
    let said = Said {
        saved: query.saved == "journal",
        plan_saved: query.saved == "plan",
        document_saved: query.saved == "document",
        notice: match query.saved.as_str() {
            "linked" => Some("duplicates.linked"),
            "distinct" => Some("duplicates.decided"),
            "placed" => Some("placement.saved"),
            "decision" => Some("decision.saved"),
            "recorded" => Some("case.saved"),
            "task" => Some("task.saved"),
            "consent" => Some("consent.saved"),
            _ => None,
        },
        ..Said::default()
    };
    page(
        &state,
        lang,
        reader.principal(),
        person,
        StatusCode::OK,
        &said,
    )
    .await
}

/// The path's person, or "not found".
pub(super) fn person_of(id: &str) -> Result<PersonId, Refusal> {
    PersonId::parse(id).map_err(|_| not_found().into())
}

/// Records an event of the case from one of its forms: back to the case if stored, else the
/// case again with the register's reason.
pub(super) async fn record_then_show(
    state: &Shared,
    lang: Lang,
    principal: Principal,
    person: PersonId,
    event: Map<String, Value>,
    then: &str,
) -> Response {
    let shown = principal.clone();
    match crate::writes::record_case_event(state, principal, person.clone(), event).await {
        Ok(_) => Redirect::to(&format!(
            "/{}/staff/cases/{}{then}",
            lang.code(),
            person.as_str()
        ))
        .into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let why = super::refusal(lang, &e);
            show(state, lang, shown, person, e.status, Some(&why)).await
        }
        Err(e) => super::staff::away(lang, &e),
    }
}

/// Records what one of the client page's forms says (`case_forms`).
pub async fn record(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    Form(form): Form<RecordForm>,
) -> Result<Response, Refusal> {
    let (lang, person) = (language(&code)?, person_of(&person)?);
    let principal = poster.check(lang, &form.csrf)?;
    match form.event() {
        Ok(event) => {
            let then = if form.is_retraction() {
                "/history"
            } else {
                "?saved=recorded"
            };
            Ok(record_then_show(&state, lang, principal, person, event, then).await)
        }
        Err(Unfit(key)) => {
            let (why, status) = (t(lang, key), StatusCode::UNPROCESSABLE_ENTITY);
            Ok(show(&state, lang, principal, person, status, Some(&why)).await)
        }
    }
}
