//! The JSON API: cases, reviews, the audit log and accounts, each behind its scoped handle
//! (`scope`). Every answer is JSON; every error the one shape of `error`.

use axum::Json;
use axum::extract::{Path, Query, State};
use iku_app::AppError;
use iku_app::access::ListedCase;
use iku_app::register::Status;
use iku_domain::EventBody;
use iku_domain::access::Username;
use iku_domain::calendar::{finnish_date, format_date, parse_date};
use iku_domain::ids::PersonId;
use iku_domain::state::PersonState;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::session::Principal;
use crate::state::Shared;

fn person_id(s: &str) -> Result<PersonId, ApiError> {
    PersonId::parse(s).map_err(|_| ApiError::NOT_FOUND)
}

#[derive(Debug, Default, Deserialize)]
pub struct CasesQuery {
    /// The page starts after this person.
    #[serde(default)]
    after: Option<String>,
    /// At most this many (1..=500; 100 if not given).
    #[serde(default)]
    limit: Option<usize>,
    /// Only cases of this status: applicant, client, ended.
    #[serde(default)]
    status: Option<String>,
    /// Only the cases of this office.
    #[serde(default)]
    office: Option<String>,
    /// Only the cases assigned to this caseworker.
    #[serde(default)]
    caseworker: Option<String>,
    /// true: only the cases where something is due.
    #[serde(default)]
    due: Option<bool>,
    /// reference (by id, the default) or newest (the latest application first).
    #[serde(default)]
    sort: Option<String>,
    /// With sort=newest: the date of the latest application of the case `after`.
    #[serde(default)]
    after_date: Option<String>,
}

/// The cases the user may see, with their office, assignee and status: a page at a time, in
/// the order of their ids or the latest application first (`next`, with `next_date` for the
/// latter: where the next page starts).
pub async fn cases(
    State(state): State<Shared>,
    principal: Principal,
    Query(query): Query<CasesQuery>,
) -> Result<Json<Value>, ApiError> {
    let after = match query.after.as_deref() {
        Some(a) => Some(person_id(a).map_err(|_| ApiError::BAD_REQUEST)?),
        None => None,
    };
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::BAD_REQUEST);
    }
    let status = match query.status.as_deref() {
        None => None,
        Some(code) => Some(Status::parse(code).ok_or(ApiError::BAD_REQUEST)?),
    };
    let newest = match query.sort.as_deref() {
        None | Some("reference") => false,
        Some("newest") => true,
        Some(_) => return Err(ApiError::BAD_REQUEST),
    };
    let after_date = match query.after_date.as_deref() {
        Some(d) => Some(parse_date(d).ok_or(ApiError::BAD_REQUEST)?),
        None => None,
    };
    let (office, caseworker, due) = (query.office, query.caseworker, query.due == Some(true));
    let today = finnish_date(crate::state::now());
    let keep = move |c: &ListedCase| {
        status.is_none_or(|s| c.summary.status() == s)
            && office.as_ref().is_none_or(|o| c.office.as_ref() == Some(o))
            && caseworker
                .as_deref()
                .is_none_or(|w| c.assignee.as_ref().map(Username::as_str) == Some(w))
            && (!due || c.summary.is_due(today))
    };
    let (cases, next) = state
        .blocking(move |app| {
            let mut scope = principal.cases(app)?;
            if newest {
                let page = scope.cases_newest(after_date.zip(after), limit, keep)?;
                Ok((page.items, page.next))
            } else {
                let page = scope.cases(after, limit, keep)?;
                let latest = |p: PersonId| (time::Date::MIN, p);
                Ok((page.items, page.next.map(latest)))
            }
        })
        .await?;
    let listed: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "person": c.summary.person.as_str(),
                "office": c.office,
                "assignee": c.assignee.as_ref().map(Username::as_str),
                "client": c.summary.client,
                "status": c.summary.status().name(),
                "latest_application": format_date(c.summary.latest),
            })
        })
        .collect();
    Ok(Json(json!({
        "cases": listed,
        "next": next.as_ref().map(|(_, p)| p.as_str()),
        "next_date": next.filter(|_| newest).map(|(d, _)| format_date(d)),
    })))
}

/// A case's record, personal fields included, as of today.
fn record(person: &PersonState) -> Value {
    let d = &person.details;
    let personal: serde_json::Map<String, Value> = d
        .personal
        .iter()
        .map(|(name, value)| (name.to_owned(), json!(value.expose())))
        .collect();
    json!({
        "person": person.id.as_str(),
        "details": {
            "birth_date": d.birth_date.map(format_date),
            "birth_year": d.birth_year,
            "gender": d.gender.map(|c| c.code()),
            "nationality": d.nationality.map(|c| c.code()),
            "residence_status": d.residence_status.map(|c| c.code()),
            "municipality_of_residence": d.municipality_of_residence,
            "service_provider": d.service_provider().code(),
            "personal": personal,
            "personal_erased": d.personal.erased,
        },
        "applications": person.applications.iter().map(|a| json!({
            "application": a.id.as_str(),
            "received": format_date(a.received),
            "referrer": a.referrer.code(),
            "decided": a.decided.map(|(date, decision)| json!({
                "date": format_date(date),
                "outcome": decision.outcome(),
            })),
        })).collect::<Vec<_>>(),
        "assessment": person.assessment.as_ref().map(|(date, a)| json!({
            "date": format_date(*date),
            "forms": a.forms().iter().map(|f| json!({
                "form": f.form.code(),
                "primary": f.primary,
                "place": f.place.code(),
                "minor_at_time": f.minor_at_time,
            })).collect::<Vec<_>>(),
        })),
        "client_periods": person.client_periods.iter().map(|c| json!({
            "admitted": format_date(c.admitted),
            "application": c.application.as_str(),
            "terminated": c.terminated.map(|(date, reason)| json!({
                "date": format_date(date),
                "reason": reason.code(),
            })),
        })).collect::<Vec<_>>(),
        "reflection_periods": person.reflection_periods.iter().map(|r| json!({
            "granted": format_date(r.granted),
            "granted_by": r.granted_by.code(),
            "days": r.days,
        })).collect::<Vec<_>>(),
        "children": person.children.iter().map(|c| json!({
            "child": c.id.as_str(),
            "admitted": format_date(c.admitted),
            "left": c.left.map(format_date),
        })).collect::<Vec<_>>(),
    })
}

pub async fn case(
    State(state): State<Shared>,
    principal: Principal,
    Path(person): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let person = person_id(&person)?;
    let found = state
        .audited(move |app| principal.open_case(app, &person)?.read())
        .await?;
    let person = found.ok_or(AppError::NotFound)?;
    Ok(Json(record(&person)))
}

/// A case's journal: its entries in force, newest first.
pub async fn journal(
    State(state): State<Shared>,
    principal: Principal,
    Path(person): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let person = person_id(&person)?;
    let entries = state
        .audited(move |app| principal.open_case(app, &person)?.journal())
        .await?
        .ok_or(AppError::NotFound)?;
    let entries: Vec<Value> = entries
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::JournalEntry(j) => Some(json!({
                "id": e.id.as_str(),
                "date": format_date(e.date),
                "kind": j.kind.name(),
                "author": j.author.as_str(),
                "follow_up": j.follow_up.map(format_date),
                "text": j.text().map(|t| t.expose()),
            })),
            _ => None,
        })
        .collect();
    Ok(Json(Value::Array(entries)))
}

#[derive(Deserialize)]
pub struct Search {
    query: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

/// Finds persons through the blind index (in the body, never in an address; on record
/// without the terms).
pub async fn search(
    State(state): State<Shared>,
    principal: Principal,
    Json(request): Json<Search>,
) -> Result<Json<Value>, ApiError> {
    let limit = request.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) || request.query.chars().count() > 500 {
        return Err(ApiError::BAD_REQUEST);
    }
    let result = state
        .audited(move |app| {
            principal
                .cases(app)?
                .search(&request.query, limit, request.reason.as_deref())
        })
        .await?;
    let found: Vec<Value> = result
        .found
        .iter()
        .map(|f| {
            json!({
                "person": f.case.summary.person.as_str(),
                "status": f.case.summary.status().name(),
                "office": f.case.office,
                "assignee": f.case.assignee.as_ref().map(Username::as_str),
                "matched": f.matched,
                "outside": f.outside,
            })
        })
        .collect();
    Ok(Json(json!({
        "searched_by": result.probe.name(),
        "found": found,
        "outside": result.outside,
    })))
}

#[derive(Deserialize)]
pub struct BreakTheGlass {
    reason: String,
}

/// Opens a case outside the caseworker's scope, giving a reason (audited, shown to
/// directors).
pub async fn break_the_glass(
    State(state): State<Shared>,
    principal: Principal,
    Path(person): Path<String>,
    Json(request): Json<BreakTheGlass>,
) -> Result<Json<Value>, ApiError> {
    let person = person_id(&person)?;
    let found = state
        .audited(move |app| {
            principal
                .break_the_glass(app, &person, &request.reason)?
                .read()
        })
        .await?;
    let person = found.ok_or(AppError::NotFound)?;
    Ok(Json(record(&person)))
}

#[derive(Deserialize)]
pub struct Assignment {
    office: String,
    #[serde(default)]
    assignee: Option<String>,
}

/// Assigns a case to an office and, optionally, a caseworker (directors).
pub async fn assign(
    State(state): State<Shared>,
    principal: Principal,
    Path(person): Path<String>,
    Json(request): Json<Assignment>,
) -> Result<Json<Value>, ApiError> {
    let person = person_id(&person)?;
    let assignee = request
        .assignee
        .as_deref()
        .map(Username::parse)
        .transpose()
        .map_err(|_| ApiError::BAD_REQUEST)?;
    state
        .blocking(move |app| {
            principal
                .case_direction(app)?
                .assign(person, &request.office, assignee)
        })
        .await?;
    Ok(Json(json!({ "status": "assigned" })))
}

#[derive(Deserialize)]
pub struct ReviewQuery {
    #[serde(default)]
    disclosure: Option<String>,
}

/// A review (JSON, the machine contract): published mode by default; internal for
/// statisticians, on record.
pub async fn review(
    State(state): State<Shared>,
    principal: Principal,
    Path((kind, year)): Path<(String, i32)>,
    Query(query): Query<ReviewQuery>,
) -> Result<Json<Value>, ApiError> {
    let period = match kind.as_str() {
        "annual" => iku_stats::Period::annual(year),
        "semiannual" => iku_stats::Period::semiannual(year),
        _ => return Err(ApiError::NOT_FOUND),
    };
    if !(1990..=2100).contains(&year) {
        return Err(ApiError::NOT_FOUND);
    }
    let internal = match query.disclosure.as_deref() {
        None | Some("published") => false,
        Some("internal") => true,
        Some(_) => return Err(ApiError::BAD_REQUEST),
    };
    let review = state
        .blocking(move |app| {
            let what = format!("{kind} {year}");
            principal.statistics(app)?.review(period, internal, &what)
        })
        .await?;
    serde_json::to_value(&review)
        .map(Json)
        .map_err(|e| ApiError::internal(format!("a review as JSON: {e}")))
}

/// The audit log (auditors), or its break-the-glass entries (directors).
pub async fn audit(
    State(state): State<Shared>,
    principal: Principal,
    Query(query): Query<crate::ui::audit_log::AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    let filter = query.filter()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BAD_REQUEST);
    }
    let before = query.before;
    let page = state
        .blocking(move |app| principal.audit_log(app)?.page(before, limit, filter))
        .await?;
    let entries: Vec<Value> = page
        .items
        .iter()
        .map(|read| {
            let e = &read.entry;
            // An auditor sees that a reason in words was given; a director judging the
            // opening reads it.
            let note = match (&read.note, e.noted) {
                (Some(note), _) => json!(note.expose()),
                (None, true) => json!("sealed"),
                (None, false) => Value::Null,
            };
            json!({
                "seq": e.seq,
                "at": e.at.to_string(),
                "actor": e.entry.actor,
                "action": e.entry.action,
                "record": e.entry.record,
                "reason": e.entry.reason,
                "note": note,
            })
        })
        .collect();
    Ok(Json(json!({ "entries": entries, "next": page.next })))
}

/// The accounts (admins): never a password hash or a TOTP secret.
pub async fn accounts(
    State(state): State<Shared>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    state
        .blocking(move |app| {
            let accounts: Vec<Value> = principal
                .administration(app)?
                .accounts()?
                .into_iter()
                .map(|a| {
                    json!({
                        "username": a.username.as_str(),
                        "role": a.role.name(),
                        "office": a.office,
                        "totp_enrolled": a.totp_enrolled,
                        "disabled": a.disabled,
                    })
                })
                .collect();
            Ok(Json(json!({ "accounts": accounts })))
        })
        .await
}
