//! The inbox: applications in the user's scope waiting for a decision, oldest first, with
//! days waiting; children's matters flagged urgent, flagged referrals marked; filtered by
//! office and referrer; a page at a time (keyset: the next page starts after the last row
//! shown), whatever the register holds.

use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_app::access::{Page, WaitingCase, WaitingCursor};
use iku_domain::calendar::{finnish_date, format_date, parse_date};
use iku_domain::codes::{Code, Lang, Referrer};
use iku_domain::ids::ApplicationId;
use serde::Deserialize;

use super::staff::{Reader, date, from_scope, refused, staff_page};
use super::{escape, lang, not_found, t};
use crate::state::{Shared, now};

/// Rows on a page.
const PAGE: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    office: String,
    #[serde(default)]
    referrer: String,
    /// The next page starts after this application, received on `after_date`.
    #[serde(default)]
    after_date: String,
    #[serde(default)]
    after: String,
}

impl InboxQuery {
    fn cursor(&self) -> Option<WaitingCursor> {
        Some((
            parse_date(&self.after_date)?,
            ApplicationId::parse(&self.after).ok()?,
        ))
    }

    fn keeps(&self, w: &WaitingCase) -> bool {
        (self.office.is_empty() || w.office.as_deref() == Some(self.office.as_str()))
            && (self.referrer.is_empty() || w.referrer.code() == self.referrer)
    }

    /// The address of the page after `cursor`, with the same filters.
    fn next(&self, lang: Lang, cursor: &WaitingCursor) -> String {
        format!(
            "/{}/staff/?office={}&referrer={}&after_date={}&after={}",
            lang.code(),
            super::url_encode(&self.office),
            super::url_encode(&self.referrer),
            format_date(cursor.0),
            super::url_encode(cursor.1.as_str()),
        )
    }
}

pub async fn inbox(
    State(state): State<Shared>,
    Path(code): Path<String>,
    reader: Reader,
    Query(query): Query<InboxQuery>,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let principal = reader.principal();
    let today = finnish_date(now());
    let query = std::sync::Arc::new(query);
    let q = query.clone();
    let listed = from_scope(&state, &principal, move |scope| {
        scope.waiting(q.cursor(), PAGE, today, |w| q.keeps(w))
    })
    .await;
    let (offices, page) = match listed {
        Ok(found) => found,
        Err(e) => return refused(lang, &e, &principal),
    };
    let body = inbox_html(lang, today, &query, &offices, &page);
    staff_page(
        lang,
        StatusCode::OK,
        &t(lang, "staff.inbox.title"),
        "/staff/",
        Some(&principal),
        &body,
    )
}

fn inbox_html(
    lang: Lang,
    today: time::Date,
    filter: &InboxQuery,
    offices: &[String],
    page: &Page<WaitingCase, WaitingCursor>,
) -> String {
    let mut body = format!("<h1>{}</h1>", escape(&t(lang, "staff.inbox.title")));
    let _ = write!(
        body,
        r#"<form method="get" action="/{}/staff/" class="filters"><label for="office">{}</label><select id="office" name="office"><option value="">{}</option>"#,
        lang.code(),
        escape(&t(lang, "staff.inbox.office")),
        escape(&t(lang, "staff.inbox.all"))
    );
    for office in offices {
        let _ = write!(
            body,
            r#"<option value="{o}"{s}>{o}</option>"#,
            o = escape(office),
            s = if *office == filter.office {
                " selected"
            } else {
                ""
            }
        );
    }
    let _ = write!(
        body,
        r#"</select><label for="referrer">{}</label><select id="referrer" name="referrer"><option value="">{}</option>"#,
        escape(&t(lang, "staff.inbox.referrer")),
        escape(&t(lang, "staff.inbox.all"))
    );
    for r in Code::<Referrer>::all() {
        let _ = write!(
            body,
            r#"<option value="{}"{}>{}</option>"#,
            r.code(),
            if r.code() == filter.referrer {
                " selected"
            } else {
                ""
            },
            escape(r.label(lang))
        );
    }
    let _ = write!(
        body,
        r#"</select><button type="submit">{}</button></form>"#,
        escape(&t(lang, "staff.inbox.filter"))
    );
    if page.items.is_empty() {
        let _ = write!(body, "<p>{}</p>", escape(&t(lang, "staff.inbox.empty")));
        return body;
    }
    let _ = write!(
        body,
        r#"<table><caption>{title}</caption><thead><tr><th scope="col">{reference}</th><th scope="col">{received}</th><th scope="col">{waiting}</th><th scope="col">{referrer}</th><th scope="col">{office}</th><th scope="col"><span class="visually-hidden">{urgent}</span></th></tr></thead><tbody>"#,
        title = escape(&t(lang, "staff.inbox.title")),
        reference = escape(&t(lang, "staff.inbox.reference")),
        received = escape(&t(lang, "staff.inbox.received")),
        waiting = escape(&t(lang, "staff.inbox.waiting")),
        referrer = escape(&t(lang, "staff.inbox.referrer")),
        office = escape(&t(lang, "staff.inbox.office")),
        urgent = escape(&t(lang, "staff.inbox.urgent")),
    );
    for w in &page.items {
        let days = (today - w.received).whole_days();
        let marks = [
            (w.urgent, "urgent", "staff.inbox.urgent"),
            (w.flagged, "flagged", "staff.inbox.flagged"),
        ]
        .iter()
        .filter(|(shown, _, _)| *shown)
        .map(|(_, class, key)| {
            format!(
                r#"<strong class="{class}">{}</strong>"#,
                escape(&t(lang, key))
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
        let _ = write!(
            body,
            r#"<tr><th scope="row"><a href="/{}/staff/cases/{}">{}</a></th><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{marks}</td></tr>"#,
            lang.code(),
            escape(w.person.as_str()),
            escape(w.application.as_str()),
            date(lang, w.received),
            days,
            escape(&t(lang, "staff.inbox.days")),
            escape(w.referrer.label(lang)),
            escape(
                &w.office
                    .clone()
                    .unwrap_or_else(|| t(lang, "staff.inbox.unassigned").into_owned())
            ),
        );
    }
    body.push_str("</tbody></table>");
    if let Some(next) = &page.next {
        let _ = write!(
            body,
            r#"<nav class="pages" aria-label="{}"><a href="{}" rel="next">{}</a></nav>"#,
            escape(&t(lang, "pages.label")),
            escape(&filter.next(lang, next)),
            escape(&t(lang, "pages.next")),
        );
    }
    body
}
