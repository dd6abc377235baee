//! Tasks made by hand, on "my work" (the user's open tasks, each marked done or given to a
//! colleague from its row, and a form that makes one) and on the client page (a form that
//! makes one for the case). A task is a kind from a list, a day and an owner: nothing typed
//! into it can hold a personal value.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use iku_app::access::NewTask;
use iku_domain::access::Username;
use iku_domain::calendar::{finnish_date, parse_entered_date};
use iku_domain::codes::Lang;
use iku_domain::ids::PersonId;
use iku_domain::tasks::{Task, TaskKind};
use maud::{Markup, html};
use serde::Deserialize;

use super::staff::{Poster, date, refused, staff_page};
use super::{Refusal, language, not_found, t};
use crate::state::{Shared, now};

/// What a task form sends.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    owner: String,
    /// The case, from the client page's form.
    #[serde(default)]
    person: String,
    /// On a task's row: `done` or `give`.
    #[serde(default)]
    action: String,
    /// `work`: back to "my work" (a reminder taken as a task there), not to the case.
    #[serde(default)]
    back: String,
}

/// The form that makes a task (`person`: the client page's case), with the accounts it may be
/// given to.
pub(super) fn new_form(
    lang: Lang,
    csrf: &str,
    person: Option<&PersonId>,
    owners: &[Username],
    me: &Username,
    sent: Option<(&TaskForm, &str)>,
) -> Markup {
    let today = date(lang, finnish_date(now()));
    let mistake = sent.map(|(_, key)| key);
    let typed = |f: fn(&TaskForm) -> &str| sent.map(|(form, _)| f(form).to_owned());
    let due = typed(|f| &f.due).unwrap_or(today);
    let kind = typed(|f| &f.kind).unwrap_or_default();
    let owner = typed(|f| &f.owner).unwrap_or_else(|| me.as_str().to_owned());
    html! {
        details open[mistake.is_some()] {
            summary { (t(lang, "task.new")) }
            form method="post" action={ "/" (lang.code()) "/staff/tasks" } novalidate {
                input type="hidden" name="csrf" value=(csrf);
                @if let Some(p) = person {
                    input type="hidden" name="person" value=(p.as_str());
                }
                label for="task-kind" { (t(lang, "task.kind")) }
                select id="task-kind" name="kind" {
                    @for k in TaskKind::BY_HAND {
                        option value=(k.name()) selected[k.name() == kind] {
                            (t(lang, &format!("task.kind.{}", k.name())))
                        }
                    }
                }
                label for="task-due" { (t(lang, "task.due")) }
                p class="hint" id="task-due-hint" { (t(lang, "journal.date.hint")) }
                @if let Some(key) = mistake {
                    p class="error-message" id="task-due-error" { (t(lang, key)) }
                }
                input type="text" id="task-due" name="due" value=(due)
                    aria-describedby={ "task-due-hint" @if mistake.is_some() { " task-due-error" } }
                    aria-invalid=[mistake.map(|_| "true")];
                label for="task-owner" { (t(lang, "task.owner")) }
                select id="task-owner" name="owner" {
                    @for o in owners {
                        option value=(o.as_str()) selected[o.as_str() == owner] { (o.as_str()) }
                    }
                }
                button type="submit" { (t(lang, "task.make")) }
            }
        }
    }
}

/// The user's open tasks, each with its buttons.
pub(super) fn list(
    lang: Lang,
    csrf: &str,
    tasks: &[(Task, Option<String>)],
    owners: &[Username],
    me: &Username,
) -> Markup {
    let today = finnish_date(now());
    html! {
        section aria-labelledby="tasks-title" {
            h2 id="tasks-title" { (t(lang, "task.title")) " (" (tasks.len()) ")" }
            @if tasks.is_empty() {
                p { (t(lang, "task.none")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (t(lang, "work.due")) }
                        th scope="col" { (t(lang, "task.kind")) }
                        th scope="col" { (t(lang, "case.title")) }
                        th scope="col" { (t(lang, "admin.actions")) }
                    } }
                    tbody {
                        @for (n, (task, reference)) in tasks.iter().enumerate() {
                            tr {
                                td {
                                    (date(lang, task.due))
                                    @if task.due < today { " · " strong { (t(lang, "work.when.overdue")) } }
                                }
                                th scope="row" { (t(lang, &format!("task.kind.{}", task.kind.name()))) }
                                td {
                                    @match (&task.person, reference) {
                                        (Some(p), Some(r)) => a href={ "/" (lang.code()) "/staff/cases/" (p.as_str()) } { (r) },
                                        _ => "–",
                                    }
                                }
                                td { (row_actions(lang, csrf, task, n, owners, me)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn row_actions(
    lang: Lang,
    csrf: &str,
    task: &Task,
    n: usize,
    owners: &[Username],
    me: &Username,
) -> Markup {
    let action = format!("/{}/staff/tasks/{}", lang.code(), task.id);
    html! {
        form method="post" action=(action) class="inline" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="action" value="done";
            button type="submit" class="secondary" { (t(lang, "task.done")) }
        }
        form method="post" action=(action) class="inline" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="action" value="give";
            label for={ "give-" (n) } class="visually-hidden" { (t(lang, "task.give.to")) }
            select id={ "give-" (n) } name="owner" {
                @for owner in owners.iter().filter(|o| *o != me) {
                    option value=(owner.as_str()) { (owner.as_str()) }
                }
            }
            button type="submit" class="secondary" { (t(lang, "task.give")) }
        }
    }
}

/// Where a task form goes back to: the case it was made from, or the user's work.
fn back(lang: Lang, person: Option<&PersonId>, saved: &str) -> Response {
    let to = match person {
        Some(p) => format!("/{}/staff/cases/{}?saved={saved}", lang.code(), p.as_str()),
        None => format!("/{}/staff/work?saved={saved}", lang.code()),
    };
    Redirect::to(&to).into_response()
}

/// `POST /{lang}/staff/tasks`: makes a task.
pub async fn make(
    State(state): State<Shared>,
    Path(code): Path<String>,
    poster: Poster,
    Form(form): Form<TaskForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = poster.check(lang, &form.csrf)?;
    let person = match form.person.as_str() {
        "" => None,
        p => Some(PersonId::parse(p).map_err(|_| Refusal::from(not_found()))?),
    };
    let kind = TaskKind::parse(&form.kind);
    let owner = Username::parse(&form.owner).ok();
    let due = parse_entered_date(&form.due);
    let (Some(kind), Some(due)) = (kind, due) else {
        // The kind and owner come from lists; a day is what may be mistyped: the form comes
        // back with it, and with the owner chosen among those the task may be given to.
        let p = principal.clone();
        let owners = state
            .blocking(move |app| p.cases(app)?.task_owners())
            .await
            .map_err(|e| Refusal::from(refused(lang, &e, &principal)))?;
        let body = html! {
            h1 { (t(lang, "task.new")) }
            (new_form(lang, principal.csrf_token(), person.as_ref(), &owners,
                &principal.username, Some((&form, "task.error.due"))))
        };
        return Ok(staff_page(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &t(lang, "task.new"),
            "/staff/work",
            Some(&principal),
            &body.into_string(),
        ));
    };
    let task = NewTask {
        kind,
        person: person.clone(),
        due,
        owner,
    };
    let p = principal.clone();
    state
        .blocking(move |app| p.cases(app)?.make_task(task))
        .await
        .map_err(|e| Refusal::from(refused(lang, &e, &principal)))?;
    let to = if form.back == "work" {
        None
    } else {
        person.as_ref()
    };
    Ok(back(lang, to, "task"))
}

/// `POST /{lang}/staff/tasks/{id}`: marks a task done, or gives it to another owner.
pub async fn change(
    State(state): State<Shared>,
    Path((code, id)): Path<(String, String)>,
    poster: Poster,
    Form(form): Form<TaskForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = poster.check(lang, &form.csrf)?;
    let p = principal.clone();
    let (action, owner) = (form.action.clone(), Username::parse(&form.owner).ok());
    state
        .blocking(move |app| {
            let mut scope = p.cases(app)?;
            match (action.as_str(), owner) {
                ("done", _) => scope.finish_task(&id),
                ("give", Some(to)) => scope.give_task(&id, to),
                _ => Err(iku_app::AppError::BadRequest),
            }
        })
        .await
        .map_err(|e| Refusal::from(refused(lang, &e, &principal)))?;
    Ok(back(lang, None, &form.action))
}
