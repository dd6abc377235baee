//! "My work": what is due in the user's cases, overdue first, then this week and next week,
//! each line the day, the case by its reference, and why (`iku_domain::reminders`). The
//! caseworker's home.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_app::access::Due;
use iku_domain::calendar::finnish_date;
use iku_domain::codes::Lang;
use iku_domain::reminders::When;
use maud::{Markup, html};

use super::staff::{Reader, date, refused, staff_page};
use super::{Refusal, language, t};
use crate::state::{Shared, now};

/// The most lines the page shows.
const SHOWN: usize = 300;

/// `GET /{lang}/staff/work`.
/// What was just done (`?saved=`), to say so.
#[derive(Debug, Default, serde::Deserialize)]
pub struct WorkQuery {
    #[serde(default)]
    saved: String,
}

pub async fn work(
    State(state): State<Shared>,
    Path(code): Path<String>,
    reader: Reader,
    Query(query): Query<WorkQuery>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = reader.principal();
    let today = finnish_date(now());
    let p = principal.clone();
    let (due, more, tasks, owners) = state
        .blocking(move |app| {
            let mut scope = p.cases(app)?;
            let (due, more) = scope.reminders(today, SHOWN)?;
            let tasks = scope.tasks()?;
            let owners = scope.task_owners()?;
            Ok::<_, iku_app::AppError>((due, more, tasks, owners))
        })
        .await
        .map_err(|e| Refusal::from(refused(lang, &e, &principal)))?;
    let notice = match query.saved.as_str() {
        "task" => Some("task.saved"),
        "done" => Some("task.saved.done"),
        "give" => Some("task.saved.give"),
        _ => None,
    };
    let csrf = principal.csrf_token();
    let body = html! {
        h1 { (t(lang, "work.title")) }
        @if let Some(key) = notice {
            p class="notice" role="status" { (t(lang, key)) }
        }
        (super::search::form(lang, csrf, "", None))
        (super::tasks::list(lang, csrf, &tasks, &owners, &principal.username))
        (super::tasks::new_form(lang, csrf, None, &owners, &principal.username, None))
        h2 { (t(lang, "work.reminders")) }
        p { (t(lang, "work.intro")) }
        @if due.is_empty() {
            p class="notice" { (t(lang, "work.none")) }
        }
        @for when in When::ALL {
            @let lines: Vec<&Due> = due.iter().filter(|d| When::of(d.due, today) == Some(when)).collect();
            @if !lines.is_empty() {
                (list(lang, csrf, when, &lines))
            }
        }
        @if more {
            p class="hint" { (t(lang, "work.more").replace("{n}", &SHOWN.to_string())) }
        }
    };
    Ok(staff_page(
        lang,
        StatusCode::OK,
        &t(lang, "work.title"),
        "/staff/work",
        Some(&principal),
        &body.into_string(),
    ))
}

fn list(lang: Lang, csrf: &str, when: When, lines: &[&Due]) -> Markup {
    let id = format!("work-{}", when.name());
    html! {
        section aria-labelledby=(id) {
            h3 id=(id) { (t(lang, &format!("work.when.{}", when.name()))) " (" (lines.len()) ")" }
            table {
                thead { tr {
                    th scope="col" { (t(lang, "work.due")) }
                    th scope="col" { (t(lang, "case.title")) }
                    th scope="col" { (t(lang, "work.why")) }
                    th scope="col" { (t(lang, "admin.actions")) }
                } }
                tbody {
                    @for d in lines {
                        tr {
                            td { (date(lang, d.due)) }
                            th scope="row" {
                                a href={ "/" (lang.code()) "/staff/cases/" (d.person.as_str()) } { (d.reference) }
                            }
                            td { (t(lang, &format!("work.reminder.{}", d.reminder.name()))) }
                            td { (take(lang, csrf, d)) }
                        }
                    }
                }
            }
        }
    }
}

/// The button that takes a reminder as one's own task (to give on, or mark done).
fn take(lang: Lang, csrf: &str, d: &Due) -> Markup {
    let kind = iku_domain::tasks::TaskKind::of(d.reminder);
    html! {
        form method="post" action={ "/" (lang.code()) "/staff/tasks" } class="inline" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="kind" value=(kind.name());
            input type="hidden" name="person" value=(d.person.as_str());
            input type="hidden" name="due" value=(date(lang, d.due));
            input type="hidden" name="back" value="work";
            button type="submit" class="secondary" {
                (t(lang, "work.take"))
                span class="visually-hidden" { " " (d.reference) }
            }
        }
    }
}
