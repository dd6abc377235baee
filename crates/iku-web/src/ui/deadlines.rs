//! The deadlines page: in the user's scope, reflection periods ending within 14 days,
//! applications waiting over 30 days, and children's matters waiting for a decision; each
//! list a page at a time (keyset), whatever the register holds.

use iku_app::register::{REFLECTION_ENDING, WAITED_TOO_LONG};
use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_domain::calendar::{finnish_date, format_date, parse_date};
use iku_domain::codes::Lang;
use iku_domain::ids::{ApplicationId, PersonId};
use serde::Deserialize;

use super::staff::{Reader, date, refused, staff_page};
use super::{escape, lang, not_found, t, url_encode};
use crate::state::{Shared, now};

/// Rows on a page of each list.
const PAGE: usize = 50;

/// One line of a list: the case, a date, what it is; and where the list's next page starts.
struct Due {
    person: String,
    /// The case as people name it: its latest application's reference.
    reference: String,
    day: time::Date,
    what: String,
    /// The cursor of this line: its date and its person or application.
    key: String,
}

/// The lists, by the name their pages go by.
const LISTS: [&str; 3] = ["reflection", "waiting", "children"];

#[derive(Debug, Default, Deserialize)]
pub struct DeadlinesQuery {
    /// One list, from after its cursor (`after_date`, `after`); all three from the start if
    /// none.
    #[serde(default)]
    list: String,
    #[serde(default)]
    after_date: String,
    #[serde(default)]
    after: String,
}

pub async fn deadlines(
    State(state): State<Shared>,
    Path(code): Path<String>,
    reader: Reader,
    Query(query): Query<DeadlinesQuery>,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let principal = reader.principal();
    let today = finnish_date(now());
    let only = LISTS.iter().find(|l| **l == query.list).copied();
    let after_date = parse_date(&query.after_date);
    let after = query.after.clone();
    let p = principal.clone();
    let found = state
        .blocking(move |app| {
            let mut scope = p.cases(app)?;
            let mut lists: Vec<(&'static str, Vec<Due>, bool)> = Vec::new();
            let wanted = |list: &str| only.is_none_or(|o| o == list);
            if wanted("reflection") {
                let cursor = after_date.zip(PersonId::parse(&after).ok());
                let page = scope.reflection_ending(
                    today,
                    today + REFLECTION_ENDING,
                    cursor.filter(|_| only.is_some()),
                    PAGE,
                )?;
                let lines = page
                    .items
                    .iter()
                    .map(|e| Due {
                        person: e.person.as_str().to_owned(),
                        reference: e.reference.clone(),
                        day: e.last_day,
                        what: format!(
                            "{} {}",
                            (e.last_day - today).whole_days(),
                            t(lang, "case.days_left")
                        ),
                        key: e.person.as_str().to_owned(),
                    })
                    .collect();
                lists.push(("reflection", lines, page.next.is_some()));
            }
            for list in ["waiting", "children"] {
                if !wanted(list) {
                    continue;
                }
                let cursor = after_date
                    .zip(ApplicationId::parse(&after).ok())
                    .filter(|_| only.is_some());
                let waited_since = today - WAITED_TOO_LONG;
                let page = scope.waiting(cursor, PAGE, today, |w| match list {
                    "waiting" => w.received < waited_since,
                    _ => w.urgent,
                })?;
                let lines = page
                    .items
                    .iter()
                    .map(|w| Due {
                        person: w.person.as_str().to_owned(),
                        reference: w.application.as_str().to_owned(),
                        day: w.received,
                        what: format!(
                            "{} {}",
                            (today - w.received).whole_days(),
                            t(lang, "staff.inbox.days")
                        ),
                        key: w.application.as_str().to_owned(),
                    })
                    .collect();
                lists.push((list, lines, page.next.is_some()));
            }
            Ok(lists)
        })
        .await;
    let lists = match found {
        Ok(found) => found,
        Err(e) => return refused(lang, &e, &principal),
    };
    let body = deadlines_html(lang, &lists);
    staff_page(
        lang,
        StatusCode::OK,
        &t(lang, "deadlines.title"),
        "/staff/deadlines",
        Some(&principal),
        &body,
    )
}

fn deadlines_html(lang: Lang, lists: &[(&'static str, Vec<Due>, bool)]) -> String {
    let mut body = format!("<h1>{}</h1>", escape(&t(lang, "deadlines.title")));
    for (list, lines, more) in lists {
        let (title, column) = match *list {
            "reflection" => ("deadlines.reflection", "deadlines.ends"),
            "waiting" => ("deadlines.waiting", "staff.inbox.received"),
            _ => ("deadlines.children", "staff.inbox.received"),
        };
        let _ = write!(body, "<h2>{}</h2>", escape(&t(lang, title)));
        if lines.is_empty() {
            let _ = write!(body, "<p>{}</p>", escape(&t(lang, "case.none")));
            continue;
        }
        let _ = write!(
            body,
            r#"<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            escape(&t(lang, "case.title")),
            escape(&t(lang, column)),
            escape(&t(lang, "deadlines.what")),
        );
        for d in lines {
            let _ = write!(
                body,
                r#"<tr><th scope="row"><a href="/{code}/staff/cases/{p}">{r}</a></th><td>{}</td><td>{}</td></tr>"#,
                date(lang, d.day),
                escape(&d.what),
                code = lang.code(),
                p = escape(&d.person),
                r = escape(&d.reference),
            );
        }
        body.push_str("</tbody></table>");
        if let (true, Some(last)) = (*more, lines.last()) {
            let next = format!(
                "/{}/staff/deadlines?list={list}&after_date={}&after={}",
                lang.code(),
                format_date(last.day),
                url_encode(&last.key)
            );
            let _ = write!(
                body,
                r#"<nav class="pages" aria-label="{}"><a href="{}" rel="next">{}</a></nav>"#,
                escape(&t(lang, "pages.label")),
                escape(&next),
                escape(&t(lang, "pages.next")),
            );
        }
    }
    body
}
