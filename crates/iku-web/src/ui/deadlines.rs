//! The deadlines page: in the user's scope, reflection periods ending within 14 days,
//! applications waiting over 30 days, and children's matters waiting for a decision.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_domain::calendar::finnish_date;

use super::staff::{Reader, away, date, is_childs_matter, staff_page};
use super::{escape, lang, not_found, t};
use crate::state::{Shared, now};

/// One line of a list: the case, a date, and what it is.
struct Due {
    person: String,
    day: time::Date,
    what: String,
}

pub async fn deadlines(
    State(state): State<Shared>,
    Path(code): Path<String>,
    reader: Reader,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let principal = reader.principal();
    let today = finnish_date(now());
    let found = state
        .blocking(move |app| {
            let (current, listed) = principal.cases(app)?.today()?;
            let register_state = current.today();
            let (mut reflection, mut waiting, mut children) = (Vec::new(), Vec::new(), Vec::new());
            for person in &listed {
                let Some(p) = register_state.persons.get(person) else {
                    continue;
                };
                let id = person.as_str().to_owned();
                for r in p
                    .reflection_periods
                    .iter()
                    .filter(|r| r.interrupted.is_none())
                {
                    let left = (r.last_day() - today).whole_days();
                    if (0..=14).contains(&left) {
                        reflection.push(Due {
                            person: id.clone(),
                            day: r.last_day(),
                            what: format!("{left} {}", t(lang, "case.days_left")),
                        });
                    }
                }
                let minor = is_childs_matter(p, today);
                for a in p.applications.iter().filter(|a| a.decided.is_none()) {
                    let days = (today - a.received).whole_days();
                    let line = Due {
                        person: id.clone(),
                        day: a.received,
                        what: format!("{} {days} {}", a.id.as_str(), t(lang, "staff.inbox.days")),
                    };
                    if minor {
                        children.push(Due {
                            person: id.clone(),
                            day: a.received,
                            what: line.what.clone(),
                        });
                    }
                    if days > 30 {
                        waiting.push(line);
                    }
                }
            }
            for list in [&mut reflection, &mut waiting, &mut children] {
                list.sort_by_key(|d| (d.day, d.person.clone()));
            }
            Ok((principal, reflection, waiting, children))
        })
        .await;
    let (principal, reflection, waiting, children) = match found {
        Ok(found) => found,
        Err(e) => return away(lang, &e),
    };
    let mut body = format!("<h1>{}</h1>", escape(&t(lang, "deadlines.title")));
    for (title, list, column) in [
        ("deadlines.reflection", &reflection, "deadlines.ends"),
        ("deadlines.waiting", &waiting, "staff.inbox.received"),
        ("deadlines.children", &children, "staff.inbox.received"),
    ] {
        let _ = write!(body, "<h2>{}</h2>", escape(&t(lang, title)));
        if list.is_empty() {
            let _ = write!(body, "<p>{}</p>", escape(&t(lang, "case.none")));
            continue;
        }
        let _ = write!(
            body,
            r#"<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col"></th></tr></thead><tbody>"#,
            escape(&t(lang, "case.title")),
            escape(&t(lang, column)),
        );
        for d in list {
            let _ = write!(
                body,
                r#"<tr><th scope="row"><a href="/{code}/staff/cases/{p}">{p}</a></th><td>{}</td><td>{}</td></tr>"#,
                date(lang, d.day),
                escape(&d.what),
                code = lang.code(),
                p = escape(&d.person),
            );
        }
        body.push_str("</tbody></table>");
    }
    staff_page(
        lang,
        StatusCode::OK,
        &t(lang, "deadlines.title"),
        "/staff/deadlines",
        Some(&principal),
        &body,
    )
}
