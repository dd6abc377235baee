//! The audit log (auditors: every entry; directors: the break-the-glass openings with their
//! reasons), newest first, a page at a time (keyset by seq), filtered by actor, action, case
//! and days; the same query for the API (`AuditQuery`).

use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_app::access::{Page, ReadEntry};
use iku_app::{Action, AuditFilter};
use iku_domain::access::Role;
use iku_domain::calendar::{finnish_midnight, parse_date};
use iku_domain::codes::Lang;
use serde::Deserialize;

use super::staff::{Reader, date_time, refused, staff_page};
use super::{escape, lang, not_found, t, url_encode};
use crate::error::ApiError;
use crate::state::Shared;

/// Entries on a page.
const PAGE: usize = 100;

/// An action in the user's language (one this version does not know: its code).
pub(super) fn action_words(lang: Lang, name: &str) -> String {
    if Action::ALL.iter().any(|a| a.name() == name) {
        t(lang, &format!("action.{name}")).into_owned()
    } else {
        name.to_owned()
    }
}

/// A page of the audit log asked for: entries before seq `before`, of `actor`, of `action`,
/// about case `person`, from day `from` to day `until` (both included, Finnish days).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub before: Option<i64>,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
}

impl AuditQuery {
    /// The filter it asks for; a field that is not what it should be is a bad request.
    pub fn filter(&self) -> Result<AuditFilter, ApiError> {
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let day = |s: &str| -> Result<Option<time::Date>, ApiError> {
            match given(s) {
                None => Ok(None),
                Some(s) => parse_date(&s).map(Some).ok_or(ApiError::BAD_REQUEST),
            }
        };
        let action = given(&self.action);
        if action
            .as_deref()
            .is_some_and(|a| Action::parse(a).is_none())
        {
            return Err(ApiError::BAD_REQUEST);
        }
        Ok(AuditFilter {
            actor: given(&self.actor),
            action,
            person: given(&self.person),
            from: day(&self.from)?.map(finnish_midnight),
            until: day(&self.until)?
                .and_then(|d| d.next_day())
                .map(finnish_midnight),
        })
    }

    /// The address of the page before `seq`, with the same filters.
    fn next(&self, lang: Lang, seq: i64) -> String {
        format!(
            "/{}/staff/audit?before={seq}&{}",
            lang.code(),
            self.filters()
        )
    }

    /// The address of the file of every entry these filters keep.
    fn csv(&self, lang: Lang) -> String {
        format!("/{}/staff/audit.csv?{}", lang.code(), self.filters())
    }

    fn filters(&self) -> String {
        format!(
            "actor={}&action={}&person={}&from={}&until={}",
            url_encode(&self.actor),
            url_encode(&self.action),
            url_encode(&self.person),
            url_encode(&self.from),
            url_encode(&self.until),
        )
    }
}

pub async fn audit(
    State(state): State<Shared>,
    Path(code): Path<String>,
    reader: Reader,
    Query(query): Query<AuditQuery>,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let principal = reader.principal();
    let filter = match query.filter() {
        Ok(f) => f,
        Err(e) => return refused(lang, &e, &principal),
    };
    let (p, before) = (principal.clone(), query.before);
    let read = state
        .blocking(move |app| p.audit_log(app)?.page(before, PAGE, filter))
        .await;
    let page = match read {
        Ok(page) => page,
        Err(e) => return refused(lang, &e, &principal),
    };
    let title = if principal.role == Role::Auditor {
        "audit.title"
    } else {
        "audit.glass"
    };
    let body = audit_html(lang, title, &query, &page);
    staff_page(
        lang,
        StatusCode::OK,
        &t(lang, title),
        "/staff/audit",
        Some(&principal),
        &body,
    )
}

fn audit_html(lang: Lang, title: &str, query: &AuditQuery, page: &Page<ReadEntry, i64>) -> String {
    let mut b = format!("<h1>{}</h1>", escape(&t(lang, title)));
    let field = |b: &mut String, name: &str, key: &str, value: &str, kind: &str| {
        let _ = write!(
            b,
            r#"<label for="{name}">{}</label><input type="{kind}" id="{name}" name="{name}" value="{}">"#,
            escape(&t(lang, key)),
            escape(value)
        );
    };
    let _ = write!(
        b,
        r#"<form method="get" action="/{}/staff/audit" class="filters">"#,
        lang.code()
    );
    field(&mut b, "actor", "audit.actor", &query.actor, "text");
    // A director sees the break-the-glass openings alone: no other action to choose.
    if title == "audit.title" {
        let _ = write!(
            b,
            r#"<label for="action">{}</label><select id="action" name="action"><option value="">{}</option>"#,
            escape(&t(lang, "audit.action")),
            escape(&t(lang, "staff.inbox.all")),
        );
        for action in Action::ALL {
            let _ = write!(
                b,
                r#"<option value="{a}"{s}>{}</option>"#,
                escape(&action_words(lang, action.name())),
                a = action.name(),
                s = if action.name() == query.action {
                    " selected"
                } else {
                    ""
                }
            );
        }
        b.push_str("</select>");
    }
    field(&mut b, "person", "audit.case", &query.person, "text");
    field(&mut b, "from", "audit.from", &query.from, "date");
    field(&mut b, "until", "audit.until", &query.until, "date");
    let _ = write!(
        b,
        r#"<button type="submit">{}</button></form>"#,
        escape(&t(lang, "staff.inbox.filter"))
    );
    let _ = write!(
        b,
        r#"<table><thead><tr><th scope="col">#</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(&t(lang, "audit.time")),
        escape(&t(lang, "audit.actor")),
        escape(&t(lang, "audit.action")),
        escape(&t(lang, "audit.record")),
        escape(&t(lang, "audit.reason")),
    );
    for read in &page.items {
        let e = &read.entry;
        let reason = match (&read.note, e.noted) {
            (Some(note), _) => note.expose().to_owned(),
            (None, true) => t(lang, "audit.note_sealed").into_owned(),
            (None, false) => e.entry.reason.clone(),
        };
        let _ = write!(
            b,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            e.seq,
            escape(&date_time(lang, e.at)),
            escape(&e.entry.actor),
            escape(&action_words(lang, &e.entry.action)),
            escape(&e.entry.record),
            escape(&reason),
        );
    }
    b.push_str("</tbody></table>");
    if title == "audit.title" {
        let _ = write!(
            b,
            r#"<p><a href="{}" download>{}</a></p>"#,
            escape(&query.csv(lang)),
            escape(&t(lang, "audit.export")),
        );
    }
    if let Some(next) = page.next {
        let _ = write!(
            b,
            r#"<nav class="pages" aria-label="{}"><a href="{}" rel="next">{}</a></nav>"#,
            escape(&t(lang, "pages.label")),
            escape(&query.next(lang, next)),
            escape(&t(lang, "pages.next")),
        );
    }
    b
}
