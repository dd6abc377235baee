//! Cases: the ones a user may see (`CaseScope`), and one case opened (`CaseAccess`): its
//! record, its history, a decision's document, and writes to it.

use iku_domain::access::Username;
use iku_domain::codes::{Code, Referrer};
use iku_domain::event::Subject;
use iku_domain::ids::{ApplicationId, PersonId};
use iku_domain::state::PersonState;
use iku_domain::{Event, EventBody};
use serde_json::{Map, Value};
use std::sync::Arc;
use time::Date;

use super::{Actor, Grounds, Page, covers_placed, sees};
use crate::audit::{Action, Audited, entry};
use crate::history::{self, Recorded};
use crate::register::{CaseGroup, CaseSummary, Index};
use crate::writer::Pending;
use crate::{AppError, Lease};

/// The cases a caseworker or director may see.
pub struct CaseScope<'a> {
    pub(super) actor: &'a Actor,
    pub(super) lease: Lease<'a>,
}

/// An application waiting for a decision, as the inbox lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingCase {
    pub person: PersonId,
    pub application: ApplicationId,
    pub received: Date,
    pub referrer: Code<Referrer>,
    pub office: Option<String>,
    /// A child's matter: handled urgently.
    pub urgent: bool,
    /// Came in by a public referral flagged for a person to check.
    pub flagged: bool,
}

/// A case as the cases list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedCase {
    pub summary: CaseSummary,
    pub office: Option<String>,
    pub assignee: Option<Username>,
}

/// A case's record and its journal's entries in force (texts opened, newest first).
#[derive(Debug, Clone)]
pub struct CasePage {
    pub record: PersonState,
    pub journal: Vec<Event>,
    /// The client plan in force: needs assessed, measures agreed.
    pub plan: crate::register::Plan,
    /// Who the person may already be, while an application of theirs waits for a decision.
    pub proposals: super::Proposals,
    /// The office the case is in (None: not yet placed, a public referral) and its
    /// caseworker.
    pub office: Option<String>,
    pub assignee: Option<Username>,
    /// The files attached to the case, oldest first (names opened; files not read).
    pub documents: Vec<super::ListedDocument>,
}

/// Where the inbox's next page starts.
pub type WaitingCursor = (Date, ApplicationId);

/// A reflection period's last day and its case: where the deadlines' next page starts.
pub type Ending = (Date, PersonId);

/// A reflection period ending: its last day, its case and the case's reference (its latest
/// application's id), a line of the deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndingCase {
    pub last_day: Date,
    pub person: PersonId,
    pub reference: String,
}

impl<'a> CaseScope<'a> {
    pub(super) fn new(actor: &'a Actor, lease: Lease<'a>) -> Result<Self, AppError> {
        Ok(CaseScope { actor, lease })
    }

    /// Reads the register held in memory (caught up with the store first).
    pub(super) fn index<T>(&mut self, read: impl FnOnce(&Index) -> T) -> Result<T, AppError> {
        read_index(&mut self.lease, read)
    }

    pub(super) fn listed(&self, what: &str, n: usize) -> Result<(), AppError> {
        self.lease.app().audit(entry(
            self.actor.username.as_str(),
            Action::CasesList,
            &format!("{what}: {n} cases"),
            "",
        ))
    }

    /// Whether the user sees the case.
    pub fn covers(&mut self, person: &PersonId) -> Result<bool, AppError> {
        let actor = self.actor;
        self.index(|index| sees(actor, index, person))
    }

    /// The offices of the cases in the user's scope (for a list's filter).
    pub fn offices(&mut self) -> Result<Vec<String>, AppError> {
        let actor = self.actor;
        self.index(|index| {
            let mut offices: Vec<String> = index
                .offices()
                .filter(|o| {
                    actor.role == iku_domain::access::Role::Director
                        || actor.office.as_deref() == Some(*o)
                })
                .map(str::to_owned)
                .collect();
            offices.dedup();
            offices
        })
    }

    /// The caseworkers cases in the user's scope are assigned to, each once, in order (for
    /// a list's filter).
    pub fn assignees(&mut self) -> Result<Vec<Username>, AppError> {
        let actor = self.actor;
        self.index(|index| {
            let assignees: std::collections::BTreeSet<&Username> = index
                .placements()
                .filter(|(office, assignee)| covers_placed(actor, office, *assignee))
                .filter_map(|(_, assignee)| assignee)
                .collect();
            assignees.into_iter().cloned().collect()
        })
    }

    /// A page of the applications in scope waiting for a decision, oldest first, after
    /// `after`, those `keep` keeps; the listing is on record.
    pub fn waiting(
        &mut self,
        after: Option<WaitingCursor>,
        limit: usize,
        today: Date,
        keep: impl Fn(&WaitingCase) -> bool,
    ) -> Result<Page<WaitingCase, WaitingCursor>, AppError> {
        let actor = self.actor;
        let rows: Vec<WaitingCase> = self.index(|index| {
            index
                .waiting_after(after.as_ref())
                .filter(|(_, case)| sees(actor, index, &case.person))
                .map(|(w, case)| WaitingCase {
                    person: case.person.clone(),
                    application: w.application.clone(),
                    received: w.received,
                    referrer: w.referrer,
                    office: index.assignment(&case.person).map(|a| a.office.clone()),
                    urgent: case.childs_matter(today),
                    flagged: false,
                })
                .filter(|row| keep(row))
                .take(limit + 1)
                .collect()
        })?;
        let mut page = Page::of(rows, limit, |w| (w.received, w.application.clone()));
        let persons: Vec<PersonId> = page.items.iter().map(|w| w.person.clone()).collect();
        let flagged = self.lease.with(|s| s.referral_flags(&persons))?;
        for w in &mut page.items {
            w.flagged = flagged.iter().any(|(p, _)| p == &w.person);
        }
        self.listed("waiting", page.items.len())?;
        Ok(page)
    }

    /// A page of the cases in scope, in the order of their ids, after `after`, those `keep`
    /// keeps; the listing is on record.
    pub fn cases(
        &mut self,
        after: Option<PersonId>,
        limit: usize,
        keep: impl Fn(&ListedCase) -> bool,
    ) -> Result<Page<ListedCase, PersonId>, AppError> {
        let actor = self.actor;
        let rows = self
            .index(|index| listed(index, actor, index.cases_after(after.as_ref()), limit, keep))?;
        let page = Page::of(rows, limit, |c| c.summary.person.clone());
        self.listed("cases", page.items.len())?;
        Ok(page)
    }

    /// As `cases`, the case whose latest application came in last first; a page starts
    /// after (that application's date, the case).
    pub fn cases_newest(
        &mut self,
        after: Option<(Date, PersonId)>,
        limit: usize,
        keep: impl Fn(&ListedCase) -> bool,
    ) -> Result<Page<ListedCase, (Date, PersonId)>, AppError> {
        let actor = self.actor;
        let rows = self.index(|index| {
            listed(
                index,
                actor,
                index.newest_after(after.as_ref()),
                limit,
                keep,
            )
        })?;
        let page = Page::of(rows, limit, |c| {
            (c.summary.latest, c.summary.person.clone())
        });
        self.listed("cases", page.items.len())?;
        Ok(page)
    }

    /// A page of the reflection periods in scope whose last day is within `from..=until`,
    /// soonest first, after `after`; the listing is on record.
    pub fn reflection_ending(
        &mut self,
        from: Date,
        until: Date,
        after: Option<Ending>,
        limit: usize,
    ) -> Result<Page<EndingCase, Ending>, AppError> {
        let actor = self.actor;
        let rows: Vec<EndingCase> = self.index(|index| {
            index
                .reflection_ending(from, until)
                .filter(|(d, case)| {
                    after
                        .as_ref()
                        .is_none_or(|a| (*d, &case.person) > (a.0, &a.1))
                })
                .filter(|(_, case)| sees(actor, index, &case.person))
                .map(|(d, case)| EndingCase {
                    last_day: d,
                    person: case.person.clone(),
                    reference: case.reference().to_owned(),
                })
                .take(limit + 1)
                .collect()
        })?;
        let page = Page::of(rows, limit, |e| (e.last_day, e.person.clone()));
        self.listed("reflection periods ending", page.items.len())?;
        Ok(page)
    }
}

/// An event written to a case: its id and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub id: String,
    pub kind: &'static str,
}

/// One case, opened: reading it writes the audit entry.
pub struct CaseAccess<'a> {
    pub(super) actor: &'a Actor,
    pub(super) lease: Lease<'a>,
    pub(super) person: PersonId,
    grounds: Grounds,
    /// The held register was caught up with the store when the case was opened, and nothing
    /// was written since.
    caught_up: bool,
}

/// Reads the register held in memory, caught up with the store first (what both handles
/// read their lists and placements from).
fn read_index<T>(lease: &mut Lease<'_>, read: impl FnOnce(&Index) -> T) -> Result<T, AppError> {
    let app = lease.app();
    lease.with(|s| app.register.read(s, read))
}

/// Up to `limit` + 1 of `cases` that the user sees and `keep` keeps, as listed.
fn listed<'i>(
    index: &'i Index,
    actor: &Actor,
    cases: impl Iterator<Item = &'i CaseSummary>,
    limit: usize,
    keep: impl Fn(&ListedCase) -> bool,
) -> Vec<ListedCase> {
    cases
        .filter(|case| sees(actor, index, &case.person))
        .map(|case| {
            let a = index.assignment(&case.person);
            ListedCase {
                summary: case.clone(),
                office: a.map(|a| a.office.clone()),
                assignee: a.and_then(|a| a.assignee.clone()),
            }
        })
        .filter(|row| keep(row))
        .take(limit + 1)
        .collect()
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
        .map_err(|e| match e.rule {
            Some(rule) => AppError::RuleBroken(rule, e.to_string()),
            None => AppError::InvalidEvent(e.to_string()),
        })
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
            caught_up: true,
        }
    }

    pub fn person(&self) -> &PersonId {
        &self.person
    }

    /// Puts a read of the case on record: `what` was read (or, `of`, one thing in it: an
    /// application's decision), on the grounds the case was opened on. Handed to the writer:
    /// what was read is given once the entry is committed (`Audited`).
    pub(super) fn audit_read(&self, what: Action, of: Option<&str>) -> Pending {
        let mut record = match what {
            Action::CaseRead => self.person.as_str().to_owned(),
            _ => format!("{} {}", self.person.as_str(), what.name()),
        };
        if let Some(of) = of {
            record.push(' ');
            record.push_str(of);
        }
        let actor = self.actor.username.as_str();
        let entry = match &self.grounds {
            Grounds::InScope => entry(actor, what, &record, ""),
            Grounds::BreakTheGlass(reason) => {
                let mut glass = entry(actor, Action::CaseBreakTheGlass, &record, "");
                glass.note = Some(reason.clone());
                glass
            }
        };
        self.lease.app().writer.audit(entry)
    }

    /// Reads the register held in memory (caught up with the store first, unless nothing
    /// was written since it was).
    pub(super) fn index<T>(&mut self, read: impl FnOnce(&Index) -> T) -> Result<T, AppError> {
        read_index(&mut self.lease, read)
    }

    /// The case's group, as stored now.
    pub(super) fn group(&mut self) -> Result<Arc<CaseGroup>, AppError> {
        let person = self.person.clone();
        let caught_up = std::mem::replace(&mut self.caught_up, false);
        let app = self.lease.app();
        self.lease
            .with(|s| app.register.group(s, &person, caught_up))
    }

    /// The case's record today, personal fields opened; given once its read is on record.
    /// None (and nothing recorded) if the register has no such person.
    pub fn read(&mut self) -> Result<Audited<Option<PersonState>>, AppError> {
        let group = self.group()?;
        let keys = &self.lease.app().config().keys;
        let person = self.person.clone();
        let record = self.lease.with(|s| group.record(s, keys, &person))?;
        let entry = record
            .is_some()
            .then(|| self.audit_read(Action::CaseRead, None));
        Ok(Audited::new(record, entry))
    }

    /// The case's history (every event, voided ones too, without personal fields), given
    /// once its read is on record. None (and nothing recorded) if the register has no such
    /// person.
    pub fn history(&mut self) -> Result<Audited<Option<Vec<Recorded>>>, AppError> {
        let group = self.group()?;
        let person = self.person.clone();
        let keys = &self.lease.app().config().keys;
        let history = self.lease.with(|s| {
            let mut history = history::gather(&group.register, s, &person)?;
            open_journal(&group, s, keys, &mut history)?;
            Ok::<_, iku_storage::StoreError>(history)
        })?;
        if history.is_empty() {
            return Ok(Audited::new(None, None));
        }
        let entry = self.audit_read(Action::CaseHistory, None);
        Ok(Audited::new(Some(history), Some(entry)))
    }

    /// The case's record and its journal, as the client page shows them: one read on record.
    /// None (and nothing recorded) if the register has no such person.
    pub fn read_with_journal(&mut self) -> Result<Audited<Option<CasePage>>, AppError> {
        let group = self.group()?;
        let keys = &self.lease.app().config().keys;
        let person = self.person.clone();
        let read = self.lease.with(|s| {
            let Some(record) = group.record(s, keys, &person)? else {
                return Ok::<_, iku_storage::StoreError>(None);
            };
            let journal = group.journal(s, keys, &person)?;
            let plan = group.plan(s, keys, &person)?;
            let documents = s.documents_of(&person, keys)?;
            Ok(Some((record, journal, plan, documents)))
        })?;
        let page = match read {
            Some((record, journal, plan, documents)) => {
                let candidates = self.candidates(&record)?;
                let actor = self.actor;
                let (placed, proposals) = self.index(|i| {
                    let placed = i.assignment(&person).cloned();
                    (placed, super::duplicates::proposals(i, actor, candidates))
                })?;
                Some(CasePage {
                    proposals,
                    office: placed.as_ref().map(|a| a.office.clone()),
                    assignee: placed.and_then(|a| a.assignee),
                    record,
                    journal,
                    plan,
                    documents,
                })
            }
            None => None,
        };
        let entry = page
            .is_some()
            .then(|| self.audit_read(Action::CaseRead, None));
        Ok(Audited::new(page, entry))
    }

    /// The case journal's entries in force, texts opened, newest first; given once its read
    /// is on record. None (and nothing recorded) if the register has no such person.
    pub fn journal(&mut self) -> Result<Audited<Option<Vec<Event>>>, AppError> {
        let group = self.group()?;
        if group.state_of(&self.person).is_none() {
            return Ok(Audited::new(None, None));
        }
        let keys = &self.lease.app().config().keys;
        let person = self.person.clone();
        let entries = self.lease.with(|s| group.journal(s, keys, &person))?;
        let entry = self.audit_read(Action::CaseJournal, None);
        Ok(Audited::new(Some(entries), Some(entry)))
    }

    /// Writes an event to the case (fields of the interchange format: the system gives its
    /// id and recorded time, and the case's person where the event names one): checked to be
    /// about this case, stored through the register's rules, on record. Only those who may
    /// write to the case learn what is wrong with an event.
    pub fn write(&mut self, mut fields: Map<String, Value>) -> Result<Written, AppError> {
        fill_person(&mut fields, &self.person);
        // Casework (a journal entry, a need's assessment, a plan's measure) is written by
        // whoever sends it, whatever the request says.
        if let Some("journal_entry" | "need_assessed" | "plan_measure") =
            fields.get("event").and_then(Value::as_str)
        {
            let author = self.actor.username.as_str().to_owned();
            fields.insert("author".into(), Value::String(author));
        }
        let event = event_of(fields)?;
        let written = Written {
            id: event.id.as_str().to_owned(),
            kind: event.body.kind().name(),
        };
        self.write_events(vec![event])?;
        Ok(written)
    }

    /// Writes events to the case in one commit, each checked to be about it and each a
    /// `case.write` entry of the audit log committed with them.
    pub(super) fn write_events(&mut self, events: Vec<Event>) -> Result<(), AppError> {
        // A restricted record takes nothing, whatever day an entry is dated (the register's
        // rule refuses what is dated after the restriction; this, what is written during it).
        let person = self.person.clone();
        if self.index(|i| i.case(&person).is_some_and(|c| c.restricted))? {
            let rule = iku_domain::Rule::ProcessingRestricted;
            return Err(AppError::RuleBroken(rule, rule.describe().to_owned()));
        }
        for event in &events {
            if !self.is_about(event)? {
                return Err(AppError::OtherCase);
            }
        }
        let records = events
            .iter()
            .map(|event| {
                entry(
                    self.actor.username.as_str(),
                    Action::CaseWrite,
                    &write_record(&self.person, event),
                    "",
                )
            })
            .collect();
        let app = self.lease.app();
        app.writer.write(events, records).wait()?;
        // The lists show it at once (and whatever else was written meanwhile).
        self.lease.with(|s| app.register.catch_up(s))?;
        self.caught_up = true;
        Ok(())
    }

    pub(super) fn actor(&self) -> &Actor {
        self.actor
    }

    pub(super) fn lease_app(&self) -> &'a crate::App {
        self.lease.app()
    }

    pub(super) fn keys(&self) -> &iku_storage::Keyring {
        &self.lease.app().config().keys
    }

    /// Works with the case's store.
    pub(super) fn with_store<T>(
        &mut self,
        work: impl FnOnce(&mut dyn iku_storage::Store) -> Result<T, iku_storage::StoreError>,
    ) -> Result<T, AppError> {
        self.lease.with(work)
    }

    /// Whether `event` is about this case, as the register stands.
    fn is_about(&mut self, event: &Event) -> Result<bool, AppError> {
        let group = self.group()?;
        let person = &self.person;
        if let Some(corrected) = &event.corrects
            && !group.owns(person, corrected)
        {
            return Ok(false);
        }
        let theirs = group.state_of(person);
        let theirs = theirs.as_ref();
        Ok(match event.body.subject() {
            Subject::Person(p) => p == person,
            Subject::Child(_, Some(parent)) => parent == person,
            Subject::Child(child, None) => {
                theirs.is_some_and(|s| s.children.iter().any(|c| &c.id == child))
            }
            Subject::Application(application) => {
                theirs.is_some_and(|s| s.applications.iter().any(|a| &a.id == application))
            }
            Subject::Event(retracted) => group.owns(person, retracted),
        })
    }
}

/// Opens the texts of the journal entries in a history, amended ones too: an entry and what
/// corrected it stay readable to those entitled.
fn open_journal(
    group: &CaseGroup,
    store: &mut dyn iku_storage::Store,
    keys: &iku_storage::Keyring,
    history: &mut [Recorded],
) -> Result<(), iku_storage::StoreError> {
    let is_journal = |b: &EventBody| matches!(b, EventBody::JournalEntry(_));
    let mut events: Vec<Event> = history
        .iter()
        .map(|r| r.event.clone())
        .filter(|e| is_journal(&e.body))
        .collect();
    group.open(store, keys, &mut events, is_journal)?;
    let mut opened = events.into_iter();
    for r in history.iter_mut().filter(|r| is_journal(&r.event.body)) {
        if let Some(e) = opened.next() {
            r.event = e;
        }
    }
    Ok(())
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
