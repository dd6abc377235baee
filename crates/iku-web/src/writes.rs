//! Writing to the register through the API: everything a caseworker does is an event of the
//! interchange format, sent to the case it is about (`POST /api/cases/{person}/events`), or a
//! new application (`POST /api/applications`). The application layer gives the event its id
//! and recorded time, checks that it is about the case in the address, and stores it through
//! the import (so the register's every rule applies, and personal fields are encrypted).

use axum::Json;
use axum::extract::{Path, State};
use iku_app::access::Written;
use iku_domain::ids::PersonId;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::session::Principal;
use crate::state::Shared;

/// Records an event of a case (in the user's scope only: writing needs no break-the-glass).
pub async fn case_event(
    State(state): State<Shared>,
    principal: Principal,
    Path(person): Path<String>,
    Json(body): Json<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let person = PersonId::parse(&person).map_err(|_| ApiError::NOT_FOUND)?;
    let written = record_case_event(&state, principal, person, body).await?;
    Ok(Json(json!({ "event": written.id, "kind": written.kind })))
}

/// An event of `person`'s case, from the API or a page: checked (access first), stored, on
/// record.
pub(crate) async fn record_case_event(
    state: &Shared,
    principal: Principal,
    person: PersonId,
    body: Map<String, Value>,
) -> Result<Written, ApiError> {
    state
        .blocking(move |app| principal.open_case(app, &person)?.write(body))
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
    let created = state
        .blocking(move |app| principal.intake(app, office)?.record(body, details))
        .await?;
    Ok(Json(json!({
        "person": created.person.as_str(),
        "application": created.application,
    })))
}
