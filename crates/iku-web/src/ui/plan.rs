//! The client plan on the client page: the service needs assessed by area (the latest
//! assessment of each), and the measures agreed with the client, each with its provider,
//! status, due date and review date; forms that assess a need, add a measure and move one on
//! (a measure done is also recorded as given, which the reviews count). Every change is an
//! event of the register, so the plan's history is kept; the texts are personal fields,
//! sealed at rest. A form with mistakes comes back with what was typed and each mistake
//! beside its field.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use iku_app::register::Plan;
use iku_domain::calendar::finnish_date;
use iku_domain::codes::{AssistanceMeasure, Code, CodeList, Lang, ServiceProvider};
use iku_domain::event::{NeedArea, PlanStatus};
use iku_domain::ids::PersonId;
use iku_domain::{Event, EventBody};
use maud::{Markup, html};

use super::case::{self, Said};
use super::plan_form::{Asked, LONGEST, Mistake};
pub use super::plan_form::{PlanDraft, PlanForm};
use super::staff::{Poster, date};
use super::{Refusal, language, not_found, t};
use crate::state::{Shared, now};

fn code_options<L: CodeList>(lang: Lang, chosen: &str, empty: Option<&str>) -> Markup {
    html! {
        @if let Some(words) = empty {
            option value="" { (t(lang, words)) }
        }
        @for code in Code::<L>::all() {
            option value=(code.code()) selected[code.code() == chosen] { (code.label(lang)) }
        }
    }
}

fn area_options(lang: Lang, chosen: &str) -> Markup {
    html! {
        option value="" { (t(lang, "referral.choose")) }
        @for area in NeedArea::ALL {
            option value=(area.name()) selected[area.name() == chosen] {
                (t(lang, &format!("plan.area.{}", area.name())))
            }
        }
    }
}

/// A plan form's opening: its token and kind, and the area of need it is about (with its
/// mistake, if any).
fn form_head(lang: Lang, csrf: &str, kind: &str, area: &str, mistake: Option<&str>) -> Markup {
    let id = format!("{kind}-area");
    html! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="kind" value=(kind);
        label for=(id) { (t(lang, "plan.area")) }
        (error(lang, mistake, &id))
        select id=(id) name="area" aria-invalid=[mistake.map(|_| "true")] {
            (area_options(lang, area))
        }
    }
}

/// A field's error, beside it.
fn error(lang: Lang, key: Option<&str>, id: &str) -> Markup {
    html! {
        @if let Some(key) = key {
            p class="error-message" id={ (id) "-error" } { (t(lang, key)) }
        }
    }
}

/// The plan section of the client page.
pub(super) fn section(
    lang: Lang,
    person: &PersonId,
    plan: &Plan,
    csrf: &str,
    draft: Option<&PlanDraft>,
    saved: bool,
) -> Markup {
    let today = date(lang, finnish_date(now()));
    let blank = PlanForm {
        date: today.clone(),
        ..PlanForm::default()
    };
    let (typed, mistakes): (&PlanForm, &[Mistake]) =
        draft.map_or((&blank, &[]), |d| (&d.form, &d.mistakes));
    let sent = |kind: &str| typed.kind == kind;
    let mistake = |kind: &str, field: &str| {
        mistakes
            .iter()
            .find(|(f, _)| sent(kind) && *f == field)
            .map(|(_, k)| *k)
    };
    let value = |kind: &str, f: &dyn Fn(&PlanForm) -> &str| -> String {
        if sent(kind) {
            f(typed).to_owned()
        } else {
            f(&blank).to_owned()
        }
    };
    let action = format!("/{}/staff/cases/{}/plan", lang.code(), person.as_str());
    html! {
        section id="plan" aria-labelledby="plan-title" {
            h2 id="plan-title" { (t(lang, "plan.title")) }
            @if saved {
                p class="notice" role="status" { (t(lang, "plan.saved")) }
            }
            @if !mistakes.is_empty() {
                div class="error-summary" role="alert" tabindex="-1" {
                    h3 { (t(lang, "error.summary")) }
                    ul {
                        @for (field, key) in mistakes {
                            li { a href={ "#" (typed.kind) "-" (field) } { (t(lang, key)) } }
                        }
                    }
                }
            }
            h3 { (t(lang, "plan.needs")) }
            @if plan.needs.is_empty() {
                p { (t(lang, "plan.needs.none")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (t(lang, "plan.area")) }
                        th scope="col" { (t(lang, "plan.assessment")) }
                        th scope="col" { (t(lang, "plan.assessed_on")) }
                    } }
                    tbody {
                        @for e in &plan.needs {
                            @if let EventBody::NeedAssessed(n) = &e.body {
                                tr {
                                    th scope="row" { (t(lang, &format!("plan.area.{}", n.area.name()))) }
                                    td class="journal-text" { (text_or_erased(lang, n.text(), n.personal.erased)) }
                                    td { (date(lang, e.date)) " · " (n.author.as_str()) }
                                }
                            }
                        }
                    }
                }
            }
            details open[sent("need")] {
                summary { (t(lang, "plan.need.add")) }
                form method="post" action=(action) novalidate {
                    (form_head(lang, csrf, "need", &value("need", &|f| &f.area), mistake("need", "area")))
                    label for="need-text" { (t(lang, "plan.assessment")) }
                    p class="hint" id="need-text-hint" { (t(lang, "plan.assessment.hint")) }
                    (error(lang, mistake("need", "text"), "need-text"))
                    textarea id="need-text" name="text" rows="5" maxlength=(LONGEST)
                        aria-describedby="need-text-hint"
                        aria-invalid=[mistake("need", "text").map(|_| "true")] { (value("need", &|f| &f.text)) }
                    label for="need-date" { (t(lang, "plan.date")) }
                    (error(lang, mistake("need", "date"), "need-date"))
                    input type="text" id="need-date" name="date" value=(value("need", &|f| &f.date))
                        aria-invalid=[mistake("need", "date").map(|_| "true")];
                    button type="submit" { (t(lang, "plan.need.save")) }
                }
            }
            h3 { (t(lang, "plan.measures")) }
            @if plan.measures.is_empty() {
                p { (t(lang, "plan.measures.none")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (t(lang, "plan.measure")) }
                        th scope="col" { (t(lang, "case.provider")) }
                        th scope="col" { (t(lang, "plan.status")) }
                        th scope="col" { (t(lang, "plan.due")) }
                        th scope="col" { (t(lang, "plan.review")) }
                        th scope="col" { (t(lang, "plan.change")) }
                    } }
                    tbody {
                        @for (n, e) in plan.measures.iter().enumerate() {
                            @if let EventBody::PlanMeasure(m) = &e.body {
                                tr {
                                    th scope="row" {
                                        (m.measure.label(lang))
                                        @let area = t(lang, &format!("plan.area.{}", m.area.name()));
                                        // The area, where it says more than the measure.
                                        @if area != m.measure.label(lang) {
                                            br;
                                            span class="hint" { (area) }
                                        }
                                        @if let Some(text) = m.text() {
                                            br;
                                            span class="journal-text" { (text.expose()) }
                                        }
                                    }
                                    td { (m.provider.map_or("–", |p| p.label(lang))) }
                                    td { (t(lang, &format!("plan.status.{}", m.status.name()))) }
                                    td { (m.due.map_or_else(|| "–".to_owned(), |d| date(lang, d))) }
                                    td { (m.review.map_or_else(|| "–".to_owned(), |d| date(lang, d))) }
                                    td {
                                        @if m.status.is_open() {
                                            (change_form(lang, &action, csrf, e, n, &today))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            details open[sent("measure")] {
                summary { (t(lang, "plan.measure.add")) }
                form method="post" action=(action) novalidate {
                    (form_head(lang, csrf, "measure", &value("measure", &|f| &f.area), mistake("measure", "area")))
                    label for="measure-measure" { (t(lang, "plan.measure")) }
                    (error(lang, mistake("measure", "measure"), "measure-measure"))
                    select id="measure-measure" name="measure" aria-invalid=[mistake("measure", "measure").map(|_| "true")] {
                        (code_options::<AssistanceMeasure>(lang, &value("measure", &|f| &f.measure), Some("referral.choose")))
                    }
                    label for="measure-provider" { (t(lang, "case.provider")) }
                    (error(lang, mistake("measure", "provider"), "measure-provider"))
                    select id="measure-provider" name="provider" {
                        (code_options::<ServiceProvider>(lang, &value("measure", &|f| &f.provider), Some("plan.provider.none")))
                    }
                    label for="measure-text" { (t(lang, "plan.agreed")) }
                    (error(lang, mistake("measure", "text"), "measure-text"))
                    textarea id="measure-text" name="text" rows="3" maxlength=(LONGEST)
                        aria-invalid=[mistake("measure", "text").map(|_| "true")] { (value("measure", &|f| &f.text)) }
                    label for="measure-due" { (t(lang, "plan.due")) }
                    (error(lang, mistake("measure", "due"), "measure-due"))
                    input type="text" id="measure-due" name="due" value=(value("measure", &|f| &f.due))
                        aria-describedby="measure-dates-hint"
                        aria-invalid=[mistake("measure", "due").map(|_| "true")];
                    label for="measure-review" { (t(lang, "plan.review")) }
                    (error(lang, mistake("measure", "review"), "measure-review"))
                    input type="text" id="measure-review" name="review" value=(value("measure", &|f| &f.review))
                        aria-describedby="measure-dates-hint"
                        aria-invalid=[mistake("measure", "review").map(|_| "true")];
                    p class="hint" id="measure-dates-hint" { (t(lang, "plan.dates.hint")) }
                    label for="measure-date" { (t(lang, "plan.date")) }
                    (error(lang, mistake("measure", "date"), "measure-date"))
                    input type="text" id="measure-date" name="date" value=(value("measure", &|f| &f.date))
                        aria-invalid=[mistake("measure", "date").map(|_| "true")];
                    button type="submit" { (t(lang, "plan.measure.save")) }
                }
            }
        }
    }
}

/// The small form of a measure's row that moves it on (today).
fn change_form(lang: Lang, action: &str, csrf: &str, e: &Event, n: usize, today: &str) -> Markup {
    html! {
        form method="post" action=(action) class="inline" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="kind" value="change";
            input type="hidden" name="id" value=(e.id.as_str());
            input type="hidden" name="date" value=(today);
            label for={ "change-" (n) } class="visually-hidden" { (t(lang, "plan.status")) }
            select id={ "change-" (n) } name="status" {
                @for status in [PlanStatus::Started, PlanStatus::Done, PlanStatus::Cancelled] {
                    option value=(status.name()) { (t(lang, &format!("plan.status.{}", status.name()))) }
                }
            }
            button type="submit" class="secondary" { (t(lang, "plan.change.save")) }
        }
    }
}

fn text_or_erased(
    lang: Lang,
    text: Option<&iku_domain::personal::Personal>,
    erased: bool,
) -> String {
    match text {
        Some(text) => text.expose().to_owned(),
        None if erased => t(lang, "journal.erased").into_owned(),
        None => String::new(),
    }
}

/// What a plan event says in the case's history: its area or measure, status and who wrote it.
pub(super) fn describe(lang: Lang, body: &EventBody) -> Option<String> {
    match body {
        EventBody::NeedAssessed(n) => Some(format!(
            "{} ({}): {}",
            t(lang, &format!("plan.area.{}", n.area.name())),
            n.author.as_str(),
            text_or_erased(lang, n.text(), n.personal.erased)
        )),
        EventBody::PlanMeasure(m) => {
            let mut said = format!(
                "{}, {} ({})",
                m.measure.label(lang),
                t(lang, &format!("plan.status.{}", m.status.name())),
                m.author.as_str()
            );
            if let Some(text) = m.text() {
                said.push_str(": ");
                said.push_str(text.expose());
            }
            Some(said)
        }
        _ => None,
    }
}

/// Writes what a plan form asks; back to the plan once stored, or the case again with the
/// form as it was typed and what is wrong with it.
pub async fn write(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    Form(form): Form<PlanForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let person = PersonId::parse(&person).map_err(|_| Refusal::from(not_found()))?;
    let principal = poster.check(lang, &form.csrf)?;
    let (why, mistakes, status) = match form.asked(finnish_date(now())) {
        Err(mistakes) => (None, mistakes, StatusCode::UNPROCESSABLE_ENTITY),
        Ok(asked) => {
            let (who, whom) = (principal.clone(), person.clone());
            let done = state
                .blocking(move |app| {
                    let mut case = who.open_case(app, &whom)?;
                    match asked {
                        Asked::Write(event) => case.write(event).map(|_| ()),
                        Asked::Change(id, change, on) => {
                            case.change_measure(&id, change, on).map(|_| ())
                        }
                    }
                })
                .await;
            match done {
                Ok(()) => {
                    let saved = format!(
                        "/{}/staff/cases/{}?saved=plan#plan",
                        lang.code(),
                        person.as_str()
                    );
                    return Ok(Redirect::to(&saved).into_response());
                }
                Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                    (Some(super::refusal(lang, &e)), Vec::new(), e.status)
                }
                Err(e) => return Ok(super::staff::away(lang, &e)),
            }
        }
    };
    let draft = PlanDraft { form, mistakes };
    let said = Said {
        problem: why.as_deref(),
        plan_draft: Some(&draft),
        ..Said::default()
    };
    Ok(case::page(&state, lang, principal, person, status, &said).await)
}
