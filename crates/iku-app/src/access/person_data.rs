//! A person's requests under the GDPR (art. 15, the right of access), for the data protection
//! officer's role: finding the person who asks, recording the request, and everything the
//! register holds about them, gathered for the hand-over: their record, every event of their
//! case with its personal fields opened (journal, plan, decisions' reasons), their documents,
//! the tasks about them and who read or changed their record and when. Each step is on record
//! (`gdpr.search`, `gdpr.request`, `gdpr.export`); texts in free words may name other people
//! and are marked for review before the hand-over.

use iku_domain::ids::PersonId;
use iku_domain::search;
use iku_domain::state::PersonState;
use iku_domain::tasks::{Task, fold};
use iku_storage::audit::{AuditEntry, AuditFilter};

use super::Actor;
use super::search::found_by;
use crate::audit::{Action, Audited, entry};
use crate::history::{self, Recorded};
use crate::{AppError, Lease};

/// Everything the register holds about one person, as handed over.
#[derive(Debug)]
pub struct AccessExport {
    pub person: PersonId,
    /// The record today: details, applications and decisions, assessment, client periods,
    /// reflection periods, identification, measures, removal, children.
    pub record: PersonState,
    /// Every event of the case as recorded, corrected and retracted ones too, personal fields
    /// opened.
    pub events: Vec<Recorded>,
    pub documents: Vec<super::ListedDocument>,
    /// The tasks made about the case.
    pub tasks: Vec<Task>,
    /// Who read or changed the record, and when (the audit log's entries about the person).
    pub trail: Vec<AuditEntry>,
}

impl AccessExport {
    /// The events whose free text (a note, a journal entry, a plan's text, a decision's
    /// reasons) may name other people, such as the referrer's contact: to be read before the
    /// hand-over, and what of others' is in them blacked out.
    pub fn to_review(&self) -> impl Iterator<Item = &Recorded> {
        self.events
            .iter()
            .filter(|r| r.event.body.personal().is_some_and(|p| p.note.is_some()))
    }
}

impl AccessExport {
    /// The export as JSON, the machine-readable form of the hand-over: every event in the
    /// interchange format with its personal fields, who recorded it and whether it is in
    /// force; the documents, tasks and the trail; and the events to review.
    pub fn to_json(&self) -> serde_json::Value {
        use iku_domain::calendar::format_date;
        use iku_domain::interchange::{Personals, write_line};
        use serde_json::{Value, json};
        let events: Vec<Value> = self
            .events
            .iter()
            .map(|r| {
                let mut line: Value =
                    serde_json::from_str(&write_line(&r.event, Personals::Include))
                        .unwrap_or(Value::Null);
                if let Value::Object(fields) = &mut line {
                    fields.insert("recorded_by".into(), json!(r.recorded_by.name()));
                    fields.insert("in_force".into(), json!(r.in_force()));
                }
                line
            })
            .collect();
        let documents: Vec<Value> = self
            .documents
            .iter()
            .map(|(d, name)| {
                json!({"id": d.id, "kind": d.kind.name(), "type": d.media.mime(), "size": d.size,
                       "name": name.as_ref().map(|n| n.expose()), "added_by": d.added_by.as_str(),
                       "added_at": d.added_at.to_string(), "erased": d.erased})
            })
            .collect();
        let tasks: Vec<Value> = self
            .tasks
            .iter()
            .map(|t| {
                json!({"id": t.id, "kind": t.kind.name(), "due": format_date(t.due),
                       "owner": t.owner.as_str(), "made_by": t.made_by.as_str(),
                       "done": t.done.is_some()})
            })
            .collect();
        let trail: Vec<Value> = self
            .trail
            .iter()
            .map(|e| {
                json!({"at": e.at.to_string(), "actor": e.entry.actor, "action": e.entry.action,
                       "record": e.entry.record})
            })
            .collect();
        let review: Vec<&str> = self.to_review().map(|r| r.event.id.as_str()).collect();
        json!({
            "person": self.person.as_str(),
            "events": events,
            "documents": documents,
            "tasks": tasks,
            "trail": trail,
            "review_before_handover": review,
        })
    }
}

/// A person the officer may mean, and their case's reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub person: PersonId,
    pub reference: String,
    pub matched: usize,
}

/// The data protection officer's handle.
pub struct PersonData<'a> {
    actor: &'a Actor,
    lease: Lease<'a>,
}

impl<'a> PersonData<'a> {
    pub(super) fn new(actor: &'a Actor, lease: Lease<'a>) -> Self {
        PersonData { actor, lease }
    }

    pub(super) fn actor_name(&self) -> &str {
        self.actor.username.as_str()
    }

    pub(super) fn app(&self) -> &'a crate::App {
        self.lease.app()
    }

    /// The held register caught up with what was just written.
    pub(super) fn catch_up(&mut self) -> Result<(), AppError> {
        let app = self.lease.app();
        self.lease.with(|s| app.register.catch_up(s))
    }

    fn audit(&self, action: Action, record: &str, reason: &str) -> Result<(), AppError> {
        self.lease
            .app()
            .audit(entry(self.actor.username.as_str(), action, record, reason))
    }

    /// The persons a search finds (by what the person who asks gave: name and year of birth,
    /// identity code, phone, e-mail), best first; on record with how many, never the terms.
    pub fn find(&mut self, query: &str) -> Result<Vec<Candidate>, AppError> {
        let this_year = iku_domain::calendar::finnish_date(crate::now()).year();
        let query = search::query(query, this_year).map_err(AppError::BadQuery)?;
        let found = found_by(&mut self.lease, &query)?;
        let app = self.lease.app();
        let candidates = self.lease.with(|s| {
            app.register.read(s, |index| {
                found
                    .into_iter()
                    .filter_map(|(person, matched)| {
                        let reference = index.case(&person)?.reference().to_owned();
                        Some(Candidate {
                            person,
                            reference,
                            matched,
                        })
                    })
                    .collect::<Vec<_>>()
            })
        })?;
        self.audit(
            Action::GdprSearch,
            &format!("{}: {} found", query.probe.name(), candidates.len()),
            "",
        )?;
        Ok(candidates)
    }

    /// Records that `person` asked for their data (received on `received`, as the officer
    /// says: the month to answer runs from then).
    pub fn record_request(
        &mut self,
        person: &PersonId,
        received: time::Date,
    ) -> Result<(), AppError> {
        self.known(person)?;
        self.audit(
            Action::GdprRequest,
            person.as_str(),
            &iku_domain::calendar::format_date(received),
        )
    }

    fn known(&mut self, person: &PersonId) -> Result<(), AppError> {
        let app = self.lease.app();
        let known = self
            .lease
            .with(|s| app.register.read(s, |index| index.case(person).is_some()))?;
        if known {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Everything held about `person`, given once its hand-over (`gdpr.export`) is on record;
    /// None (nothing recorded) if the register has no such person.
    pub fn export(&mut self, person: &PersonId) -> Result<Audited<Option<AccessExport>>, AppError> {
        let Some(export) = gather(&mut self.lease, person)? else {
            return Ok(Audited::new(None, None));
        };
        let handed = entry(
            self.actor.username.as_str(),
            Action::GdprExport,
            person.as_str(),
            "",
        );
        let pending = self.lease.app().writer.audit(handed);
        Ok(Audited::new(Some(export), Some(pending)))
    }
}

impl PersonData<'_> {
    /// A document of `person`'s with its file, to hand over; given once its read
    /// (`document.read`) is on record. None if the person has no such document; an erased
    /// one is gone.
    pub fn document(
        &mut self,
        person: &PersonId,
        id: &str,
    ) -> Result<Audited<Option<iku_domain::documents::Document>>, AppError> {
        let keys = &self.lease.app().config().keys;
        let found = self.lease.with(|s| s.document(id, keys))?;
        let Some(document) = super::documents::theirs(found, person)? else {
            return Ok(Audited::new(None, None));
        };
        let read = entry(
            self.actor.username.as_str(),
            Action::DocumentRead,
            &format!("{} document.read {id}", person.as_str()),
            "",
        );
        let pending = self.lease.app().writer.audit(read);
        Ok(Audited::new(Some(document), Some(pending)))
    }
}

impl crate::App {
    /// `export` for the command line (`iku person export`), recorded under `actor`
    /// (`cli:USER`), who runs it with the database's keys in hand.
    pub fn export_person(
        &self,
        actor: &str,
        person: &PersonId,
    ) -> Result<Option<AccessExport>, AppError> {
        let mut lease = self.lease()?;
        let Some(export) = gather(&mut lease, person)? else {
            return Ok(None);
        };
        self.audit(entry(actor, Action::GdprExport, person.as_str(), ""))?;
        Ok(Some(export))
    }
}

/// Everything held about `person`; None if the register has no such person.
fn gather(lease: &mut Lease<'_>, person: &PersonId) -> Result<Option<AccessExport>, AppError> {
    let app = lease.app();
    let keys = &app.config().keys;
    lease.with(|s| {
        let group = app.register.group(s, person, false)?;
        let Some(record) = group.record(s, keys, person)? else {
            return Ok(None);
        };
        let mut events = history::gather(&group.register, s, person)?;
        let mut opened: Vec<_> = events.iter().map(|r| r.event.clone()).collect();
        group.open(s, keys, &mut opened, |_| true)?;
        for (r, e) in events.iter_mut().zip(opened) {
            r.event = e;
        }
        let documents = s.documents_of(person, keys)?;
        let tasks: Vec<Task> = fold(&s.task_changes(None)?)
            .into_iter()
            .filter(|t| t.person.as_ref() == Some(person))
            .collect();
        let trail = trail(s, person)?;
        Ok(Some(AccessExport {
            person: person.clone(),
            record,
            events,
            documents,
            tasks,
            trail,
        }))
    })
}

/// The audit log's entries about `person`, oldest first.
fn trail(
    store: &mut dyn iku_storage::Store,
    person: &PersonId,
) -> Result<Vec<AuditEntry>, iku_storage::StoreError> {
    let filter = AuditFilter {
        person: Some(person.as_str().to_owned()),
        ..AuditFilter::default()
    };
    let mut found = Vec::new();
    let mut before = None;
    loop {
        let page = store.audit_page(before, 500, &filter)?;
        let Some(last) = page.last() else { break };
        before = Some(last.seq);
        found.extend(page);
    }
    found.reverse();
    Ok(found)
}
