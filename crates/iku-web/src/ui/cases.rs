//! The cases: every case in the user's scope (a caseworker's office and the cases assigned
//! to them; every case for a director), by reference, filtered by status, office,
//! caseworker and whether something is due; a page at a time (keyset:
//! the next page starts after the last case shown), whatever the register holds. Each page
//! read is on record. The first page built with a template that escapes by default (maud).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_app::access::{ListedCase, Page};
use iku_app::register::{CaseSummary, Status};
use iku_domain::access::Username;
use iku_domain::calendar::{finnish_date, format_date, parse_date};
use iku_domain::codes::Lang;
use iku_domain::ids::PersonId;
use maud::{Markup, html};
use serde::Deserialize;
use time::Date;

use super::staff::{Reader, date, from_scope, refused, staff_page};
use super::{lang, not_found, t, url_encode};
use crate::state::{Shared, now};

/// The office filter's value for the cases not yet placed in an office (public referrals).
const UNPLACED: &str = "-";

/// Cases on a page.
const PAGE: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub struct CasesQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    office: String,
    /// Only the cases assigned to this caseworker.
    #[serde(default)]
    caseworker: String,
    /// "yes": only the cases where something is due.
    #[serde(default)]
    due: String,
    /// "newest": the latest application first; else by reference.
    #[serde(default)]
    sort: String,
    /// The next page starts after this case (and, sorted newest first, this date of its
    /// latest application).
    #[serde(default)]
    after: String,
    #[serde(default)]
    after_date: String,
}

impl CasesQuery {
    fn status(&self) -> Option<Status> {
        Status::parse(&self.status)
    }

    fn due(&self) -> bool {
        self.due == "yes"
    }

    fn keeps(&self, case: &ListedCase, today: Date) -> bool {
        self.status().is_none_or(|s| case.summary.status() == s)
            && match self.office.as_str() {
                "" => true,
                UNPLACED => case.office.is_none(),
                office => case.office.as_deref() == Some(office),
            }
            && (self.caseworker.is_empty()
                || case.assignee.as_ref().map(Username::as_str) == Some(self.caseworker.as_str()))
            && (!self.due() || case.summary.is_due(today))
    }

    fn newest(&self) -> bool {
        self.sort == "newest"
    }

    /// The address of the page after `last` (sorted newest first, whose latest application
    /// came in on `latest`), with the same filters and order.
    fn next(&self, lang: Lang, (latest, last): &(Date, PersonId)) -> String {
        let mut url = format!(
            "/{}/staff/cases?status={}&office={}&caseworker={}&due={}&sort={}&after={}",
            lang.code(),
            url_encode(&self.status),
            url_encode(&self.office),
            url_encode(&self.caseworker),
            url_encode(&self.due),
            url_encode(&self.sort),
            url_encode(last.as_str()),
        );
        if self.newest() {
            url.push_str(&format!("&after_date={}", format_date(*latest)));
        }
        url
    }
}

pub async fn cases(
    State(state): State<Shared>,
    Path(code): Path<String>,
    reader: Reader,
    Query(query): Query<CasesQuery>,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let principal = reader.principal();
    let query = std::sync::Arc::new(query);
    let q = query.clone();
    let today = finnish_date(now());
    let listed = from_scope(&state, &principal, move |scope| {
        let after = PersonId::parse(&q.after).ok();
        let assignees = scope.assignees()?;
        let keep = |c: &ListedCase| q.keeps(c, today);
        let page = if q.newest() {
            let after = parse_date(&q.after_date).zip(after);
            scope.cases_newest(after, PAGE, keep)?
        } else {
            let page = scope.cases(after, PAGE, keep)?;
            Page {
                next: page.next.map(|p| (Date::MIN, p)),
                items: page.items,
            }
        };
        Ok((assignees, page))
    })
    .await;
    let (offices, (assignees, page)) = match listed {
        Ok(found) => found,
        Err(e) => return refused(lang, &e, &principal),
    };
    let body = cases_html(
        lang,
        principal.csrf_token(),
        &query,
        &offices,
        &assignees,
        &page,
    )
    .into_string();
    staff_page(
        lang,
        StatusCode::OK,
        &t(lang, "cases.title"),
        "/staff/cases",
        Some(&principal),
        &body,
    )
}

fn status_word(lang: Lang, status: Status) -> std::borrow::Cow<'static, str> {
    t(lang, &format!("cases.status.{}", status.name()))
}

fn cases_html(
    lang: Lang,
    csrf: &str,
    filter: &CasesQuery,
    offices: &[String],
    assignees: &[Username],
    page: &Page<ListedCase, (Date, PersonId)>,
) -> Markup {
    let code = lang.code();
    html! {
        h1 { (t(lang, "cases.title")) }
        (super::search::form(lang, csrf, "", None))
        form method="get" action={ "/" (code) "/staff/cases" } class="filters" {
            label for="status" { (t(lang, "cases.status")) }
            select id="status" name="status" {
                option value="" { (t(lang, "staff.inbox.all")) }
                @for status in Status::ALL {
                    option value=(status.name()) selected[filter.status == status.name()] {
                        (status_word(lang, status))
                    }
                }
            }
            label for="office" { (t(lang, "staff.inbox.office")) }
            select id="office" name="office" {
                option value="" { (t(lang, "staff.inbox.all")) }
                option value=(UNPLACED) selected[filter.office == UNPLACED] { (t(lang, "cases.unplaced")) }
                @for office in offices {
                    option value=(office) selected[*office == filter.office] { (office) }
                }
            }
            label for="caseworker" { (t(lang, "cases.assignee")) }
            select id="caseworker" name="caseworker" {
                option value="" { (t(lang, "staff.inbox.all")) }
                @for name in assignees {
                    option value=(name.as_str()) selected[name.as_str() == filter.caseworker] {
                        (name.as_str())
                    }
                }
            }
            label for="sort" { (t(lang, "cases.sort")) }
            select id="sort" name="sort" {
                option value="" { (t(lang, "cases.sort.reference")) }
                option value="newest" selected[filter.newest()] { (t(lang, "cases.sort.newest")) }
            }
            div class="checkbox" {
                input type="checkbox" id="due" name="due" value="yes" checked[filter.due()];
                label for="due" { (t(lang, "cases.due")) }
            }
            button type="submit" { (t(lang, "staff.inbox.filter")) }
        }
        @if page.items.is_empty() {
            p { (t(lang, "cases.empty")) }
        } @else {
            table {
                caption { (t(lang, "cases.title")) }
                (head(lang, &["cases.latest", "cases.waiting"]))
                tbody {
                    @for case in &page.items {
                        tr {
                            th scope="row" class="reference" { (link(code, &case.summary)) }
                            (cells(lang, case))
                            td { (date(lang, case.summary.latest)) }
                            td { (case.summary.waiting.len()) }
                        }
                    }
                }
            }
        }
        @if let Some(last) = &page.next {
            nav class="pages" aria-label=(t(lang, "pages.label")) {
                a href=(filter.next(lang, last)) rel="next" { (t(lang, "pages.next")) }
            }
        }
    }
}

/// The head of a table of cases, its last columns named by `last`.
pub(super) fn head(lang: Lang, last: &[&str]) -> Markup {
    html! {
        thead {
            tr {
                th scope="col" { (t(lang, "cases.case")) }
                th scope="col" { (t(lang, "cases.status")) }
                th scope="col" { (t(lang, "staff.inbox.office")) }
                th scope="col" { (t(lang, "cases.assignee")) }
                @for key in last {
                    th scope="col" { (t(lang, key)) }
                }
            }
        }
    }
}

/// The link to a case, named by the reference people know it by.
pub(super) fn link(code: &str, case: &CaseSummary) -> Markup {
    html! {
        a href={ "/" (code) "/staff/cases/" (case.person.as_str()) } { (case.reference()) }
    }
}

/// A case's status, office and caseworker, as cells of a table of cases.
pub(super) fn cells(lang: Lang, case: &ListedCase) -> Markup {
    html! {
        td { (status_word(lang, case.summary.status())) }
        td {
            @match &case.office {
                Some(office) => (office),
                None => (t(lang, "staff.inbox.unassigned")),
            }
        }
        td {
            @if let Some(assignee) = &case.assignee {
                (assignee.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a case's fields hold is escaped by the template, wherever it is written.
    #[test]
    fn what_the_register_holds_is_escaped() {
        let office = "<script>x</script>";
        let filter = CasesQuery {
            office: office.into(),
            ..CasesQuery::default()
        };
        let page = Page {
            items: Vec::new(),
            next: PersonId::parse("p1").ok().map(|p| (Date::MIN, p)),
        };
        let html =
            cases_html(Lang::En, "token", &filter, &[office.to_owned()], &[], &page).into_string();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"), "{html}");
        assert!(
            html.contains(
                "office=%3Cscript%3Ex%3C%2Fscript%3E&amp;caseworker=&amp;due=&amp;sort=&amp;after=p1"
            ),
            "{html}"
        );
    }
}
