//! Where cases come from and where they go: new applications (`Intake`), a public referral
//! (no user: `App::receive_referral`), and placing a case in an office (`CaseDirection`).

use iku_domain::access::{Role, Username};
use iku_domain::ids::PersonId;
use iku_storage::access::CaseAssignment;
use serde_json::{Map, Value, json};

use super::case::{event_of, fresh};
use super::{Actor, office_exists};
use crate::audit::{Action, entry};
use crate::{App, AppError, Lease, now};

/// Recording new applications: caseworkers (into their office) and directors (into the
/// office they name).
pub struct Intake<'a> {
    actor: &'a Actor,
    lease: Lease<'a>,
    office: String,
}

/// A new application as recorded: the new person's id and the application's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub person: PersonId,
    pub application: String,
}

/// The events of a new application of a new person: the application (fields of the
/// interchange format) and the person's details as far as known, dated as the application.
fn new_case_events(
    mut application: Map<String, Value>,
    details: Option<Map<String, Value>>,
    person: &str,
    application_id: &str,
) -> Result<Vec<iku_domain::Event>, AppError> {
    application.insert("event".into(), json!("application_received"));
    application.insert("person".into(), json!(person));
    application.insert("application".into(), json!(application_id));
    let date = application.get("date").cloned();
    let mut events = vec![event_of(application)?];
    if let Some(mut details) = details {
        details.insert("event".into(), json!("person_details"));
        details.insert("person".into(), json!(person));
        if let Some(date) = date {
            details.entry("date").or_insert(date);
        }
        events.push(event_of(details)?);
    }
    Ok(events)
}

impl<'a> Intake<'a> {
    pub(super) fn new(actor: &'a Actor, lease: Lease<'a>, office: String) -> Self {
        Intake {
            actor,
            lease,
            office,
        }
    }

    /// Records a new application of a new person, with their details if given, in the
    /// office; on record.
    pub fn record(
        &mut self,
        application: Map<String, Value>,
        details: Option<Map<String, Value>>,
    ) -> Result<super::direction::NewCase, AppError> {
        let person = fresh("p")?;
        let application_id = fresh("a")?;
        let events = new_case_events(application, details, &person, &application_id)?;
        let record = entry(
            self.actor.username.as_str(),
            Action::ApplicationCreate,
            &person,
            "",
        );
        let app = self.lease.app();
        app.writer.write(events, vec![record]).wait()?;
        self.lease.with(|s| app.register.catch_up(s))?;
        let person =
            PersonId::parse(&person).map_err(|e| AppError::Internal(format!("an id: {e}")))?;
        let assignment = CaseAssignment {
            person: person.clone(),
            office: self.office.clone(),
            assignee: None,
            assigned_at: now(),
            assigned_by: self.actor.username.as_str().to_owned(),
        };
        self.lease.with(|s| s.assign_case(&assignment))?;
        // The office hears of it; a notice that fails loses nothing of the case.
        let today = iku_domain::calendar::finnish_date(now());
        if let Err(e) = app.notify_new_case(&person, today) {
            app.log_failure(&e);
        }
        Ok(NewCase {
            person,
            application: application_id,
        })
    }
}

/// Assigning cases to offices and caseworkers: directors.
pub struct CaseDirection<'a> {
    actor: &'a Actor,
    lease: Lease<'a>,
}

impl<'a> CaseDirection<'a> {
    pub(super) fn new(actor: &'a Actor, lease: Lease<'a>) -> Self {
        CaseDirection { actor, lease }
    }

    /// Where a case can be put: each office where caseworkers work, with its caseworkers
    /// (accounts not disabled), by name.
    pub fn places(&mut self) -> Result<Vec<(String, Vec<Username>)>, AppError> {
        let mut places: std::collections::BTreeMap<String, Vec<Username>> = Default::default();
        for a in self.lease.with(|s| s.accounts())? {
            if let (Role::Caseworker, false, Some(office)) = (a.role, a.disabled, a.office) {
                places.entry(office).or_default().push(a.username);
            }
        }
        for caseworkers in places.values_mut() {
            caseworkers.sort();
        }
        Ok(places.into_iter().collect())
    }

    /// Puts a case in an office where caseworkers work and, if named, with one of them.
    pub fn assign(
        &mut self,
        person: PersonId,
        office: &str,
        assignee: Option<Username>,
    ) -> Result<(), AppError> {
        let office = office.trim();
        if office.is_empty() || office.len() > 64 {
            return Err(AppError::BadRequest);
        }
        if !office_exists(&mut self.lease, office)? {
            return Err(AppError::UnknownOffice);
        }
        if let Some(assignee) = &assignee {
            let caseworker = self.lease.with(|s| s.account(assignee))?;
            if !caseworker.is_some_and(|a| a.role == Role::Caseworker && !a.disabled) {
                return Err(AppError::UnknownAssignee);
            }
        }
        let assignment = CaseAssignment {
            person,
            office: office.to_owned(),
            assignee,
            assigned_at: now(),
            assigned_by: self.actor.username.as_str().to_owned(),
        };
        self.lease.with(|s| s.assign_case(&assignment))?;
        let app = self.lease.app();
        self.lease.with(|s| app.register.catch_up(s))?;
        self.lease.app().audit(entry(
            self.actor.username.as_str(),
            Action::CaseAssign,
            assignment.person.as_str(),
            "",
        ))
    }
}

/// The code a flagged referral is flagged with.
pub const HIDDEN_FIELD_FILLED: &str = "hidden_field_filled";

impl App {
    /// A referral from the public form: a new application of a new person and their
    /// details, stored and on record; `flagged` (the form's hidden field was filled): kept
    /// for a person to check before it is trusted, never dropped. Waits for the commit
    /// without holding a thread. Returns the new person's id.
    pub async fn receive_referral(
        &self,
        application: Map<String, Value>,
        details: Map<String, Value>,
        reference: &str,
        flagged: bool,
    ) -> Result<PersonId, AppError> {
        let person = fresh("p")?;
        let events = new_case_events(application, Some(details), &person, reference)?;
        let why = if flagged { HIDDEN_FIELD_FILLED } else { "" };
        let record = entry("public", Action::ReferralReceived, &person, why);
        // Nothing is read: the referral waits for its commit without holding a thread.
        self.writer.write(events, vec![record]).done().await?;
        let person =
            PersonId::parse(&person).map_err(|e| AppError::Internal(format!("an id: {e}")))?;
        Ok(person)
    }

    /// Flags a referral for a person to check (blocking: a store is written).
    pub fn flag_referral(&self, person: &PersonId) -> Result<(), AppError> {
        self.lease()?
            .with(|s| s.flag_referral(person, HIDDEN_FIELD_FILLED, now()))
    }
}
