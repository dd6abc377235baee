//! The data protection officer's pages (GDPR art. 15): find the person who asks (the search is
//! a POST, so nothing they gave is in an address), record their request with the day it came,
//! and the answer: everything held about them as a readable document (print it to PDF from
//! the browser) and as JSON, texts that may name others marked for review, who read or
//! changed the record listed. Each step is on record.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use iku_app::access::{AccessExport, Candidate};
use iku_app::history::Recorded;
use iku_domain::calendar::{finnish_date, parse_entered_date};
use iku_domain::codes::Lang;
use iku_domain::ids::PersonId;
use maud::{Markup, html};
use serde::Deserialize;

use super::staff::{Poster, Reader, date, date_time, refused, staff_page};
use super::{Refusal, language, not_found, t};
use crate::session::Principal;
use crate::state::{Shared, now};

const REST: &str = "/staff/personal-data";

fn page(lang: Lang, status: StatusCode, principal: &Principal, body: Markup) -> Response {
    staff_page(
        lang,
        status,
        &t(lang, "gdpr.title"),
        REST,
        Some(principal),
        &body.into_string(),
    )
}

fn search_form(lang: Lang, csrf: &str, typed: &str, mistake: Option<&str>) -> Markup {
    let action = format!("/{}{REST}", lang.code());
    super::search::search_box(lang, csrf, &action, "gdpr.find", typed, mistake)
}

/// `GET /{lang}/staff/personal-data`: the officer's home.
pub async fn home(Path(code): Path<String>, reader: Reader) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = reader.principal();
    if principal.role != iku_domain::access::Role::DataProtection {
        return Err(refused(lang, &crate::error::ApiError::FORBIDDEN, &principal).into());
    }
    let body = html! {
        h1 { (t(lang, "gdpr.title")) }
        p { (t(lang, "gdpr.intro")) }
        (search_form(lang, principal.csrf_token(), "", None))
    };
    Ok(page(lang, StatusCode::OK, &principal, body))
}

#[derive(Debug, Default, Deserialize)]
pub struct FindForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    q: String,
}

/// `POST /{lang}/staff/personal-data`: the persons the search finds, each with the form that
/// records their request.
pub async fn find(
    State(state): State<Shared>,
    Path(code): Path<String>,
    poster: Poster,
    Form(sent): Form<FindForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = poster.check(lang, &sent.csrf)?;
    let (who, q) = (principal.clone(), sent.q.clone());
    let found = state
        .blocking(move |app| who.person_data(app)?.find(&q))
        .await;
    let csrf = principal.csrf_token();
    let today = date(lang, finnish_date(now()));
    let (status, body) = match found {
        Ok(candidates) => (
            StatusCode::OK,
            html! {
                h1 { (t(lang, "gdpr.title")) }
                (search_form(lang, csrf, &sent.q, None))
                h2 { (t(lang, "gdpr.found")) " (" (candidates.len()) ")" }
                @if candidates.is_empty() {
                    p { (t(lang, "gdpr.none")) }
                }
                @for (n, c) in candidates.iter().enumerate() {
                    (request_form(lang, csrf, n, c, &today))
                }
            },
        ),
        Err(e) => {
            let key = match e.code {
                "query_empty" => "search.error.empty",
                "query_name_without_year" => "search.error.year",
                _ => return Err(refused(lang, &e, &principal).into()),
            };
            let body = html! {
                h1 { (t(lang, "gdpr.title")) }
                (search_form(lang, csrf, &sent.q, Some(key)))
            };
            (StatusCode::UNPROCESSABLE_ENTITY, body)
        }
    };
    Ok(page(lang, status, &principal, body))
}

fn request_form(lang: Lang, csrf: &str, n: usize, c: &Candidate, today: &str) -> Markup {
    let id = format!("received-{n}");
    html! {
        form method="post" action={ "/" (lang.code()) (REST) "/" (c.person.as_str()) } class="card" {
            input type="hidden" name="csrf" value=(csrf);
            p { strong { (c.reference) } " · " (t(lang, "case.person_id")) " " (c.person.as_str()) }
            label for=(id) { (t(lang, "gdpr.received")) }
            p class="hint" id={ (id) "-hint" } { (t(lang, "journal.date.hint")) }
            input type="text" id=(id) name="received" value=(today) aria-describedby={ (id) "-hint" };
            button type="submit" { (t(lang, "gdpr.prepare")) }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    received: String,
}

/// `POST /{lang}/staff/personal-data/{person}`: records the request, then shows the answer.
pub async fn request(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    Form(sent): Form<RequestForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = poster.check(lang, &sent.csrf)?;
    let person = PersonId::parse(&person).map_err(|_| Refusal::from(not_found()))?;
    let Some(received) = parse_entered_date(&sent.received).filter(|d| *d <= finnish_date(now()))
    else {
        let body = html! {
            h1 { (t(lang, "gdpr.title")) }
            p class="field-error" role="alert" { (t(lang, "gdpr.error.received")) }
            p { a href={ "/" (lang.code()) (REST) } { (t(lang, "gdpr.again")) } }
        };
        return Ok(page(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &principal,
            body,
        ));
    };
    let (who, whom) = (principal.clone(), person.clone());
    state
        .blocking(move |app| who.person_data(app)?.record_request(&whom, received))
        .await
        .map_err(|e| Refusal::from(refused(lang, &e, &principal)))?;
    let to = format!("/{}{REST}/{}", lang.code(), person.as_str());
    Ok(Redirect::to(&to).into_response())
}

/// `GET /{lang}/staff/personal-data/{person}` (the document) and `.../{person}.json`.
pub async fn export(
    State(state): State<Shared>,
    Path((code, asked)): Path<(String, String)>,
    reader: Reader,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = reader.principal();
    let (id, json) = match asked.strip_suffix(".json") {
        Some(id) => (id, true),
        None => (asked.as_str(), false),
    };
    let person = PersonId::parse(id).map_err(|_| Refusal::from(not_found()))?;
    let who = principal.clone();
    let read = state
        .audited(move |app| who.person_data(app)?.export(&person))
        .await
        .map_err(|e| Refusal::from(refused(lang, &e, &principal)))?;
    let Some(export) = read else {
        return Err(not_found().into());
    };
    if json {
        let body = serde_json::to_string_pretty(&export.to_json()).unwrap_or_default();
        let mut response = (StatusCode::OK, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let name = format!("attachment; filename=\"{}.json\"", export.person.as_str());
        if let Ok(value) = HeaderValue::from_str(&name) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    let body = html! {
        (document(lang, &export, true))
        (restriction_form(lang, principal.csrf_token(), &export))
    };
    Ok(page(lang, StatusCode::OK, &principal, body))
}

/// `GET /{lang}/staff/personal-data/{person}/documents/{id}`: a document's file, to hand over.
pub async fn document_file(
    State(state): State<Shared>,
    Path((code, person, id)): Path<(String, String, String)>,
    reader: Reader,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = reader.principal();
    let person = PersonId::parse(&person).map_err(|_| Refusal::from(not_found()))?;
    let who = principal.clone();
    let read = state
        .audited(move |app| who.person_data(app)?.document(&person, &id))
        .await
        .map_err(|e| Refusal::from(refused(lang, &e, &principal)))?;
    match read {
        Some(document) => Ok(super::documents::file(document)),
        None => Err(not_found().into()),
    }
}

/// The form that restricts processing of the person's data, or lifts the restriction.
fn restriction_form(lang: Lang, csrf: &str, e: &AccessExport) -> Markup {
    let (action, key) = if e.record.restricted.is_some() {
        ("lift", "gdpr.lift")
    } else {
        ("restrict", "gdpr.restrict")
    };
    html! {
        section aria-labelledby="restriction-title" {
            h2 id="restriction-title" { (t(lang, key)) }
            @if let Some(since) = e.record.restricted {
                p { (t(lang, "consent.restricted")) " " (date(lang, since)) }
            }
            p { (t(lang, "gdpr.restrict.text")) }
            form method="post" action={ "/" (lang.code()) (REST) "/" (e.person.as_str()) "/restriction" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="action" value=(action);
                button type="submit" { (t(lang, key)) }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RestrictionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

/// `POST /{lang}/staff/personal-data/{person}/restriction`: restricts processing from today,
/// or lifts the restriction; back to the answer.
pub async fn restriction(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    Form(sent): Form<RestrictionForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = poster.check(lang, &sent.csrf)?;
    let person = PersonId::parse(&person).map_err(|_| Refusal::from(not_found()))?;
    let restrict = match sent.action.as_str() {
        "restrict" => true,
        "lift" => false,
        _ => return Err(not_found().into()),
    };
    let (who, whom) = (principal.clone(), person.clone());
    let today = finnish_date(now());
    state
        .blocking(move |app| who.person_data(app)?.restrict(&whom, today, restrict))
        .await
        .map_err(|e| Refusal::from(refused(lang, &e, &principal)))?;
    let to = format!("/{}{REST}/{}", lang.code(), person.as_str());
    Ok(Redirect::to(&to).into_response())
}

/// The personal values an event carries, by field, the free text marked for review.
fn personal(lang: Lang, r: &Recorded) -> Markup {
    let Some(fields) = r.event.body.personal() else {
        return html! {};
    };
    html! {
        @for (name, value) in fields.iter() {
            @let review = name == "note";
            p class=[review.then_some("review")] {
                strong { (t(lang, &format!("gdpr.field.{name}"))) ": " }
                (value.expose())
                @if review { " " em { "(" (t(lang, "gdpr.review.mark")) ")" } }
            }
        }
    }
}

/// The answer to the request, as the officer reads it and hands it over (`links`: the
/// documents' files linked, on the officer's page).
fn document(lang: Lang, e: &AccessExport, links: bool) -> Markup {
    let code = lang.code();
    let person = e.person.as_str();
    let review: Vec<&Recorded> = e.to_review().collect();
    html! {
        h1 { (t(lang, "gdpr.export.title")) }
        p { (t(lang, "case.person_id")) " " strong { (person) } " · " (date_time(lang, now())) }
        p { (t(lang, "gdpr.export.print")) " "
            a href={ "/" (code) (REST) "/" (person) ".json" } download { (t(lang, "gdpr.export.json")) } }
        @if !review.is_empty() {
            div class="notice" role="note" {
                p { strong { (t(lang, "gdpr.review")) } }
                p { (t(lang, "gdpr.review.text")) }
                ul { @for r in &review { li { (date(lang, r.event.date)) " · " (super::history::describe(lang, &r.event.body)) } } }
            }
        }
        h2 { (t(lang, "gdpr.export.events")) " (" (e.events.len()) ")" }
        table {
            thead { tr {
                th scope="col" { (t(lang, "case.date")) }
                th scope="col" { (t(lang, "work.why")) }
                th scope="col" { (t(lang, "gdpr.export.recorded_by")) }
                th scope="col" { (t(lang, "gdpr.export.personal")) }
            } }
            tbody {
                @for r in &e.events {
                    tr {
                        td { (date(lang, r.event.date)) }
                        td {
                            (super::history::describe(lang, &r.event.body))
                            @if !r.in_force() { " " em { "(" (t(lang, "gdpr.export.amended")) ")" } }
                        }
                        td { (r.recorded_by.name()) }
                        td { (personal(lang, r)) }
                    }
                }
            }
        }
        h2 { (t(lang, "document.title")) " (" (e.documents.len()) ")" }
        @if e.documents.is_empty() {
            p { (t(lang, "document.none")) }
        } @else {
            ul {
                @for (d, name) in &e.documents {
                    li {
                        (t(lang, &format!("document.kind.{}", d.kind.name()))) ": "
                        @match name {
                            Some(name) if links => a href={ "/" (code) (REST) "/" (person) "/documents/" (d.id) } download { (name.expose()) },
                            Some(name) => (name.expose()),
                            None => em { (t(lang, "document.erased")) },
                        }
                        " · " (date_time(lang, d.added_at)) " · " (d.added_by.as_str())
                    }
                }
            }
        }
        h2 { (t(lang, "task.title.case")) " (" (e.tasks.len()) ")" }
        ul {
            @for task in &e.tasks {
                li { (date(lang, task.due)) " · " (t(lang, &format!("task.kind.{}", task.kind.name()))) " · " (task.owner.as_str()) }
            }
        }
        h2 { (t(lang, "gdpr.export.trail")) " (" (e.trail.len()) ")" }
        table {
            thead { tr {
                th scope="col" { (t(lang, "audit.time")) }
                th scope="col" { (t(lang, "audit.actor")) }
                th scope="col" { (t(lang, "audit.action")) }
            } }
            tbody {
                @for entry in &e.trail {
                    tr {
                        td { (date_time(lang, entry.at)) }
                        td { (entry.entry.actor) }
                        td { (super::audit_log::action_words(lang, &entry.entry.action)) }
                    }
                }
            }
        }
    }
}

/// The answer as a file of its own (`iku person export --format html`): the document with
/// the pages' style inside, to open anywhere and print to PDF.
pub fn standalone(lang: Lang, export: &AccessExport) -> String {
    let page = html! {
        (maud::DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                title { (t(lang, "gdpr.export.title")) " – " (export.person.as_str()) }
                style { (maud::PreEscaped(super::STYLE)) }
            }
            body { main { (document(lang, export, false)) } }
        }
    };
    page.into_string()
}
