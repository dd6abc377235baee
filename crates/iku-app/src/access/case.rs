//! Cases: the ones a user may see (`CaseScope`), and one case opened (`CaseAccess`): its
//! record, its history, a decision's document, and writes to it.

use std::collections::HashMap;
use std::sync::Arc;

use iku_domain::event::Subject;
use iku_domain::ids::{ApplicationId, PersonId};
use iku_domain::state::{ApplicationState, PersonState};
use iku_domain::{Event, EventBody};
use iku_storage::access::CaseAssignment;
use serde_json::{Map, Value};

use super::{Actor, Grounds, covers};
use crate::audit::{Action, entry};
use crate::history::{self, Recorded};
use crate::register::Current;
use crate::{AppError, Lease};

/// The cases a caseworker or director may see.
pub struct CaseScope<'a> {
    actor: &'a Actor,
    lease: Lease<'a>,
    assignments: HashMap<PersonId, CaseAssignment>,
}

impl<'a> CaseScope<'a> {
    pub(super) fn new(actor: &'a Actor, mut lease: Lease<'a>) -> Result<Self, AppError> {
        let assignments = lease
            .with(|s| s.case_assignments())?
            .into_iter()
            .map(|a| (a.person.clone(), a))
            .collect();
        Ok(CaseScope {
            actor,
            lease,
            assignments,
        })
    }

    /// The assignment in force of a case, if any.
    pub fn assignment(&self, person: &PersonId) -> Option<&CaseAssignment> {
        self.assignments.get(person)
    }

    pub fn covers(&self, person: &PersonId) -> bool {
        covers(self.actor, self.assignment(person))
    }

    /// The register as it stands today and the cases in scope among its persons (listing
    /// them is on record).
    pub fn today(&mut self) -> Result<(Arc<Current>, Vec<PersonId>), AppError> {
        let app = self.lease.app();
        let current = self.lease.with(|s| app.register.get(s))?;
        let mut persons: Vec<&PersonId> = current.today().persons.keys().collect();
        persons.sort();
        let listed: Vec<PersonId> = persons
            .into_iter()
            .filter(|p| self.covers(p))
            .cloned()
            .collect();
        app.audit(entry(
            self.actor.username.as_str(),
            Action::CasesList,
            &format!("{} cases", listed.len()),
            "",
        ))?;
        Ok((current, listed))
    }

    /// Which of `persons` came in by a public referral flagged for a person to check.
    pub fn flagged_referrals(&mut self, persons: &[PersonId]) -> Result<Vec<PersonId>, AppError> {
        Ok(self
            .lease
            .with(|s| s.referral_flags(persons))?
            .into_iter()
            .map(|(p, _)| p)
            .collect())
    }
}

/// An application's decision as its document shows it (`CaseAccess::decision`).
pub struct DecisionRecord {
    pub person: PersonState,
    pub application: ApplicationState,
    /// The application's decision in force, and its date.
    pub decision: iku_domain::event::Decision,
    pub decided_on: time::Date,
    /// The decision event in force, with who recorded it.
    pub decided: Recorded,
}

/// An event written to a case: its id and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub id: String,
    pub kind: &'static str,
}

/// One case, opened: reading it writes the audit entry.
pub struct CaseAccess<'a> {
    actor: &'a Actor,
    lease: Lease<'a>,
    person: PersonId,
    grounds: Grounds,
}

/// A fresh id with a prefix saying what it names.
pub(crate) fn fresh(prefix: &str) -> Result<String, AppError> {
    Ok(format!("{prefix}-{}", &crate::login::random_token()?[..20]))
}

/// An event a user entered (fields of the interchange format), with the id and recorded
/// time the system gives it.
pub(crate) fn event_of(mut fields: Map<String, Value>) -> Result<Event, AppError> {
    for given in ["id", "recorded_at"] {
        if fields.contains_key(given) {
            return Err(AppError::InvalidEvent(format!(
                "field `{given}`: the server sets it"
            )));
        }
    }
    fields.insert("id".into(), Value::String(fresh("w")?));
    let line = Value::Object(fields).to_string();
    iku_domain::interchange::parse_line(&line, &crate::entry_context())
        .map(|p| p.event)
        .map_err(|e| AppError::InvalidEvent(e.to_string()))
}

/// The audit record of an event written to a case: the person, the kind and the event id
/// (never its content). `history` finds who recorded an event by it.
pub fn write_record(person: &PersonId, event: &Event) -> String {
    format!(
        "{} {} {}",
        person.as_str(),
        event.body.kind().name(),
        event.id.as_str()
    )
}

impl<'a> CaseAccess<'a> {
    pub(super) fn new(
        actor: &'a Actor,
        lease: Lease<'a>,
        person: PersonId,
        grounds: Grounds,
    ) -> Self {
        CaseAccess {
            actor,
            lease,
            person,
            grounds,
        }
    }

    pub fn person(&self) -> &PersonId {
        &self.person
    }

    /// Puts a read of the case on record: `what` was read (or, `of`, one thing in it: an
    /// application's decision), on the grounds the case was opened on.
    fn audit_read(&self, what: Action, of: Option<&str>) -> Result<(), AppError> {
        let mut record = match what {
            Action::CaseRead => self.person.as_str().to_owned(),
            _ => format!("{} {}", self.person.as_str(), what.name()),
        };
        if let Some(of) = of {
            record.push(' ');
            record.push_str(of);
        }
        let actor = self.actor.username.as_str();
        let app = self.lease.app();
        match &self.grounds {
            Grounds::InScope => app.audit(entry(actor, what, &record, "")),
            Grounds::BreakTheGlass(reason) => {
                let mut glass = entry(actor, Action::CaseBreakTheGlass, &record, "");
                glass.note = Some(reason.clone());
                app.audit(glass)
            }
        }
    }

    fn current(&mut self) -> Result<Arc<Current>, AppError> {
        let app = self.lease.app();
        self.lease.with(|s| app.register.get(s))
    }

    /// The case's record today, personal fields opened; its read is on record before it is
    /// returned. None (and nothing recorded) if the register has no such person.
    pub fn read(&mut self) -> Result<Option<PersonState>, AppError> {
        let current = self.current()?;
        let keys = &self.lease.app().config().keys;
        let person = self.person.clone();
        let record = self.lease.with(|s| current.record(s, keys, &person))?;
        if record.is_some() {
            self.audit_read(Action::CaseRead, None)?;
        }
        Ok(record)
    }

    /// The case's history (every event, voided ones too, without personal fields), its read
    /// on record. None (and nothing recorded) if the register has no such person.
    pub fn history(&mut self) -> Result<Option<Vec<Recorded>>, AppError> {
        let current = self.current()?;
        let person = self.person.clone();
        let history = self.lease.with(|s| history::gather(&current, s, &person))?;
        if history.is_empty() {
            return Ok(None);
        }
        self.audit_read(Action::CaseHistory, None)?;
        Ok(Some(history))
    }

    /// What the decision document of an application shows: the record (personal fields
    /// opened: the document is addressed to the person), the application, and the decision
    /// in force with who recorded it. None (and nothing recorded) if there is no such decided
    /// application in the case.
    pub fn decision(
        &mut self,
        application: &ApplicationId,
    ) -> Result<Option<DecisionRecord>, AppError> {
        let current = self.current()?;
        let keys = &self.lease.app().config().keys;
        let person_id = self.person.clone();
        let Some(person) = self.lease.with(|s| current.record(s, keys, &person_id))? else {
            return Ok(None);
        };
        let Some((applied, (decided_on, decision))) = person
            .applications
            .iter()
            .find(|a| &a.id == application)
            .and_then(|a| Some((a.clone(), a.decided?)))
        else {
            return Ok(None);
        };
        let decided = self
            .lease
            .with(|s| history::gather(&current, s, &person_id))?
            .into_iter()
            .find(|r| {
                r.in_force()
                    && matches!(&r.event.body,
                        EventBody::ApplicationDecided(d) if &d.application == application)
            });
        let Some(decided) = decided else {
            return Ok(None);
        };
        self.audit_read(Action::CaseDecision, Some(application.as_str()))?;
        Ok(Some(DecisionRecord {
            person,
            application: applied,
            decision,
            decided_on,
            decided,
        }))
    }

    /// Writes an event to the case (fields of the interchange format: the system gives its
    /// id and recorded time, and the case's person where the event names one): checked to be
    /// about this case, stored through the register's rules, on record. Only those who may
    /// write to the case learn what is wrong with an event.
    pub fn write(&mut self, mut fields: Map<String, Value>) -> Result<Written, AppError> {
        fill_person(&mut fields, &self.person);
        let event = event_of(fields)?;
        if !self.is_about(&event)? {
            return Err(AppError::OtherCase);
        }
        let written = Written {
            id: event.id.as_str().to_owned(),
            kind: event.body.kind().name(),
        };
        let record = entry(
            self.actor.username.as_str(),
            Action::CaseWrite,
            &write_record(&self.person, &event),
            "",
        );
        let app = self.lease.app();
        app.writer.write(vec![event], vec![record]).wait()?;
        Ok(written)
    }

    /// Whether `event` is about this case, as the register stands.
    fn is_about(&mut self, event: &Event) -> Result<bool, AppError> {
        let current = self.current()?;
        let person = &self.person;
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
