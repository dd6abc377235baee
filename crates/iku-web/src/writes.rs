//! Writing to the register through the API: everything a caseworker does is an event of the
//! interchange format, sent to the case it is about (`POST /api/cases/{person}/events`), or a
//! new application (`POST /api/applications`). The server gives the event its id and
//! recorded time, checks that it is about the case in the address, and stores it through the
//! import (so the register's every rule applies, and personal fields are encrypted).

use axum::Json;
use axum::extract::{Path, State};
use iku_domain::Event;
use iku_domain::calendar::finnish_date;
use iku_domain::event::Subject;
use iku_domain::ids::PersonId;
use iku_domain::interchange::{ParseContext, parse_line};
use iku_storage::Store;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::session::{self, Principal};
use crate::state::{AppState, Shared, now};
use crate::writer::WriteError;

pub(crate) fn context() -> ParseContext {
    let at = now();
    ParseContext::new(finnish_date(at), at)
}

/// A fresh id with a prefix saying what it names.
fn fresh(prefix: &str) -> Result<String, ApiError> {
    Ok(format!("{prefix}-{}", &session::random_token()?[..20]))
}

/// The request's event, with the id and recorded time the server gives it.
pub(crate) fn event_of(mut fields: Map<String, Value>) -> Result<Event, ApiError> {
    for given in ["id", "recorded_at"] {
        if fields.contains_key(given) {
            return Err(ApiError::invalid_event(format!(
                "field `{given}`: the server sets it"
            )));
        }
    }
    fields.insert("id".into(), Value::String(fresh("w")?));
    let line = Value::Object(fields).to_string();
    parse_line(&line, &context())
        .map(|p| p.event)
        .map_err(|e| ApiError::invalid_event(e.to_string()))
}

/// Stores events through the import: all or nothing, every rule checked, durable when this
/// returns (with the events of other requests waiting meanwhile: `register_writer`).
pub(crate) fn store_events(state: &AppState, events: Vec<Event>) -> Result<(), ApiError> {
    stored(state, state.writer.store_events(events).wait())
}

/// `store_events`, awaited: no thread waits for the commit.
pub(crate) async fn store_events_async(
    state: &AppState,
    events: Vec<Event>,
) -> Result<(), ApiError> {
    let pending = state.writer.store_events(events);
    stored(state, pending.done().await)
}

fn stored(state: &AppState, done: Result<(), WriteError>) -> Result<(), ApiError> {
    match done {
        Ok(()) => Ok(()),
        Err(WriteError::Invalid(why)) => Err(ApiError::invalid_event(why)),
        Err(WriteError::Storage(e)) => Err(state.storage(e)),
    }
}

/// The case's person in the field that names it, where the request left it out.
fn fill_person(body: &mut Map<String, Value>, person: &PersonId) {
    let field = match body.get("event").and_then(Value::as_str) {
        Some("child_admitted") => "parent",
        Some("application_decided" | "child_left" | "retraction") | None => return,
        Some(_) => "person",
    };
    body.entry(field)
        .or_insert_with(|| Value::String(person.as_str().to_owned()));
}

/// Whether `event` is about `person`, as the register stands.
fn is_about(
    store: &mut dyn Store,
    state: &AppState,
    event: &Event,
    person: &PersonId,
) -> Result<bool, ApiError> {
    let current = state.current.get(store).map_err(|e| state.storage(e))?;
    if let Some(corrected) = &event.corrects
        && !current.owns(person, corrected)
    {
        return Ok(false);
    }
    let theirs = current.today().persons.get(person);
    Ok(match event.body.subject() {
        Subject::Person(p) => p == person,
        Subject::Child(_, Some(parent)) => parent == person,
        Subject::Child(child, None) => {
            theirs.is_some_and(|s| s.children.iter().any(|c| &c.id == child))
        }
        Subject::Application(application) => {
            theirs.is_some_and(|s| s.applications.iter().any(|a| &a.id == application))
        }
        Subject::Event(retracted) => current.owns(person, retracted),
    })
}

/// Records an event of a case (in the user's scope only: writing needs no break-the-glass).
pub async fn case_event(
    State(state): State<Shared>,
    principal: Principal,
    Path(person): Path<String>,
    Json(body): Json<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let person = PersonId::parse(&person).map_err(|_| ApiError::NOT_FOUND)?;
    let (id, kind) = record_case_event(&state, principal, person, body).await?;
    Ok(Json(json!({ "event": id, "kind": kind })))
}

/// An event of `person`'s case, from the API or a page: checked, stored, on record. Returns
/// the event's id and kind.
pub(crate) async fn record_case_event(
    state: &Shared,
    principal: Principal,
    person: PersonId,
    mut body: Map<String, Value>,
) -> Result<(String, &'static str), ApiError> {
    fill_person(&mut body, &person);
    state
        .with_store(move |store, state| {
            // Access first: what is wrong with an event is said only to those who may write
            // to the case (else a refusal would tell whether the case exists elsewhere).
            let access = principal.open_case(store, state, &person)?;
            let event = event_of(body)?;
            if !is_about(store, state, &event, &person)? {
                return Err(ApiError::OTHER_CASE);
            }
            let (id, kind) = (event.id.as_str().to_owned(), event.body.kind().name());
            let written = event.clone();
            store_events(state, vec![event])?;
            access.record_write(state, &written)?;
            Ok((id, kind))
        })
        .await
}

/// A new application of a new person: the application, and the person's details as far as
/// known. The case goes to the office of the caseworker who records it (a director names
/// the office).
pub async fn application(
    State(state): State<Shared>,
    principal: Principal,
    Json(mut body): Json<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let office = match body.remove("office") {
        Some(Value::String(o)) if !o.trim().is_empty() && o.len() <= 64 => Some(o),
        None => None,
        Some(_) => return Err(ApiError::BAD_REQUEST),
    };
    let details = match body.remove("details") {
        Some(Value::Object(d)) => Some(d),
        None => None,
        Some(_) => return Err(ApiError::BAD_REQUEST),
    };
    let person = fresh("p")?;
    let application = fresh("a")?;
    body.insert("event".into(), json!("application_received"));
    body.insert("person".into(), json!(person));
    body.insert("application".into(), json!(application));
    let date = body.get("date").cloned();
    let mut events = vec![event_of(body)?];
    if let Some(mut details) = details {
        details.insert("event".into(), json!("person_details"));
        details.insert("person".into(), json!(person));
        if let Some(date) = date {
            details.entry("date").or_insert(date);
        }
        events.push(event_of(details)?);
    }
    state
        .with_store(move |store, state| {
            let intake = principal.intake(office)?;
            intake.check_office(store, state)?;
            store_events(state, events)?;
            let person = PersonId::parse(&person).map_err(|_| ApiError::INTERNAL)?;
            intake.record_application(store, state, &person)?;
            Ok(Json(json!({
                "person": person.as_str(),
                "application": application,
            })))
        })
        .await
}
