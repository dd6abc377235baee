//! The register held in memory: a summary of every case, what the lists need (the
//! applications waiting for a decision, whether the person is a client, children, reflection
//! periods, the birth date), kept in indexes the lists page through. It is built once from
//! the stored facts when the application starts, and kept in step with the register by
//! reading only the groups written since the last seq it saw (this process's writes at once,
//! another's when next asked): what a write costs it is what the write touched. A case's
//! record, history and decisions are read from the case's group (`Store::group_of`); the
//! groups read lately are kept for the next read, until a write to them is caught up with.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Condvar, Mutex, RwLock};

use iku_domain::access::Username;
use iku_domain::codes::{Code, Referrer};
use iku_domain::event::Subject;
use iku_domain::grouping::StoredFacts;
use iku_domain::ids::{ApplicationId, PersonId};
use iku_domain::state::PersonState;
use iku_domain::{Event, EventBody, View};
use iku_storage::access::CaseAssignment;
use iku_storage::{Store, StoreError};
use time::Date;

/// An application waiting for a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub application: ApplicationId,
    pub received: Date,
    pub referrer: Code<Referrer>,
}

/// What the lists show of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    pub person: PersonId,
    /// Undecided applications, oldest first.
    pub waiting: Vec<Waiting>,
    /// A client period is open.
    pub client: bool,
    /// Ever admitted (a client now, or once).
    pub admitted: bool,
    pub birth: Option<Date>,
    /// Children with the person who have not left.
    pub children: u16,
    /// The last days of the reflection periods not interrupted.
    pub reflection_ends: Vec<Date>,
    /// When the latest application was received.
    pub latest: Date,
    /// The latest application's id: the reference people know the case by (a public
    /// referral's is the number the person was given).
    pub latest_application: Option<ApplicationId>,
    /// The dates casework set to come back to the case: follow-ups, measures due, plan
    /// reviews.
    pub casework: Vec<(Date, Reminder)>,
    /// Processing of the person's data is restricted (GDPR art. 18): only directors (and the
    /// data protection officer) open the case.
    pub restricted: bool,
}

use iku_domain::reminders::Reminder;
pub use iku_domain::reminders::{REFLECTION_ENDING, WAITED_TOO_LONG};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for a decision, not a client.
    Applicant,
    Client,
    /// Neither: decided and not admitted, or no longer a client.
    Ended,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Applicant, Status::Client, Status::Ended];

    /// The status's code (the lists' filters and the API say it so).
    pub fn name(self) -> &'static str {
        match self {
            Status::Applicant => "applicant",
            Status::Client => "client",
            Status::Ended => "ended",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name() == code)
    }
}

impl CaseSummary {
    fn of(p: &PersonState) -> CaseSummary {
        CaseSummary {
            person: p.id.clone(),
            waiting: p
                .applications
                .iter()
                .filter(|a| a.decided.is_none())
                .map(|a| Waiting {
                    application: a.id.clone(),
                    received: a.received,
                    referrer: a.referrer,
                })
                .collect(),
            client: p.is_client(),
            admitted: !p.client_periods.is_empty(),
            birth: p.details.birth(),
            children: u16::try_from(p.children_present().count()).unwrap_or(u16::MAX),
            reflection_ends: p
                .reflection_periods
                .iter()
                .filter(|r| r.interrupted.is_none())
                .map(|r| r.last_day())
                .collect(),
            latest: p
                .applications
                .iter()
                .map(|a| a.received)
                .max()
                .unwrap_or(Date::MIN),
            latest_application: p
                .applications
                .iter()
                .max_by_key(|a| a.received)
                .map(|a| a.id.clone()),
            casework: [
                (&p.casework.follow_ups, Reminder::FollowUp),
                (&p.casework.measures_due, Reminder::MeasureDue),
                (&p.casework.plan_reviews, Reminder::PlanReview),
            ]
            .into_iter()
            .flat_map(|(dates, kind)| dates.iter().map(move |d| (*d, kind)))
            .collect(),
            restricted: p.restricted.is_some(),
        }
    }

    /// What people call the case: its latest application's reference, or the person's id.
    pub fn reference(&self) -> &str {
        self.latest_application
            .as_ref()
            .map_or(self.person.as_str(), ApplicationId::as_str)
    }

    pub fn status(&self) -> Status {
        if self.client {
            Status::Client
        } else if !self.waiting.is_empty() {
            Status::Applicant
        } else {
            Status::Ended
        }
    }

    /// Whether something of the case is due on `today`: a reflection period ends within
    /// `REFLECTION_ENDING` days, or an application has waited longer than `WAITED_TOO_LONG`.
    pub fn is_due(&self, today: Date) -> bool {
        let soon = today + REFLECTION_ENDING;
        self.reflection_ends
            .iter()
            .any(|end| (today..=soon).contains(end))
            || self
                .waiting
                .iter()
                .any(|w| w.received < today - WAITED_TOO_LONG)
    }

    /// A matter concerning a child (handled urgently): the person is under 18 on `today`, or
    /// has a child with them.
    pub fn childs_matter(&self, today: Date) -> bool {
        self.birth
            .is_some_and(|b| iku_domain::calendar::age_on(b, today) < 18)
            || self.children > 0
    }
}

/// Every case's summary, and the indexes the lists page through.
#[derive(Debug, Default)]
pub struct Index {
    /// By person id (the cases list's order).
    cases: BTreeMap<PersonId, CaseSummary>,
    /// Waiting applications, oldest first (the inbox's order).
    waiting: BTreeSet<(Date, ApplicationId, PersonId)>,
    /// Reflection periods by their last day.
    reflection_ends: BTreeSet<(Date, PersonId)>,
    /// The dates casework set, by date.
    casework: BTreeMap<Date, BTreeSet<(Reminder, PersonId)>>,
    /// Cases by their latest application, newest first (the cases list's other order).
    newest: BTreeSet<(Reverse<Date>, PersonId)>,
    /// The last seq read.
    seen: u64,
    /// Each case's office and caseworker, as assigned last.
    assignments: HashMap<PersonId, CaseAssignment>,
    /// How many cases each office and caseworker hold (what a list's filters offer, without
    /// going through every case).
    placements: BTreeMap<(String, Option<Username>), usize>,
    /// The last assignment read.
    assignments_seen: i64,
}

impl Index {
    pub fn case(&self, person: &PersonId) -> Option<&CaseSummary> {
        self.cases.get(person)
    }

    /// The assignment in force of a case, if any.
    pub fn assignment(&self, person: &PersonId) -> Option<&CaseAssignment> {
        self.assignments.get(person)
    }

    /// The offices cases are in, each once, in order.
    pub fn offices(&self) -> impl Iterator<Item = &str> {
        let offices: BTreeSet<&str> = self.placements().map(|(office, _)| office).collect();
        offices.into_iter()
    }

    /// Each office and caseworker (none: the office's cases no one is assigned) that holds
    /// a case, once, in order.
    pub fn placements(&self) -> impl Iterator<Item = (&str, Option<&Username>)> {
        self.placements
            .keys()
            .map(|(office, assignee)| (office.as_str(), assignee.as_ref()))
    }

    fn assign(&mut self, last: i64, assignments: Vec<CaseAssignment>) {
        for a in assignments {
            let placed = (a.office.clone(), a.assignee.clone());
            if let Some(old) = self.assignments.insert(a.person.clone(), a) {
                let key = (old.office, old.assignee);
                if let Some(n) = self.placements.get_mut(&key) {
                    *n -= 1;
                    if *n == 0 {
                        self.placements.remove(&key);
                    }
                }
            }
            *self.placements.entry(placed).or_default() += 1;
        }
        self.assignments_seen = self.assignments_seen.max(last);
    }

    /// Every case, in the order of their ids, from after `after`.
    pub fn cases_after<'a>(
        &'a self,
        after: Option<&PersonId>,
    ) -> impl Iterator<Item = &'a CaseSummary> + 'a {
        let start = match after {
            Some(p) => std::ops::Bound::Excluded(p.clone()),
            None => std::ops::Bound::Unbounded,
        };
        self.cases
            .range((start, std::ops::Bound::Unbounded))
            .map(|(_, c)| c)
    }

    /// Every case, the latest application received first (then by id), from after `after`
    /// (that latest application's date, and the case).
    pub fn newest_after<'a>(
        &'a self,
        after: Option<&(Date, PersonId)>,
    ) -> impl Iterator<Item = &'a CaseSummary> + 'a {
        let start = match after {
            Some((d, p)) => std::ops::Bound::Excluded((Reverse(*d), p.clone())),
            None => std::ops::Bound::Unbounded,
        };
        self.newest
            .range((start, std::ops::Bound::Unbounded))
            .filter_map(|(_, p)| self.cases.get(p))
    }

    /// The waiting applications, oldest first, from after `after` (received, application).
    pub fn waiting_after<'a>(
        &'a self,
        after: Option<&(Date, ApplicationId)>,
    ) -> impl Iterator<Item = (&'a Waiting, &'a CaseSummary)> + 'a {
        let from = after.map(|(d, a)| (*d, a.clone()));
        self.waiting
            .iter()
            .skip_while(move |(d, a, _)| from.as_ref().is_some_and(|f| (*d, a) <= (f.0, &f.1)))
            .filter_map(|(_, a, p)| {
                let case = self.cases.get(p)?;
                let w = case.waiting.iter().find(|w| &w.application == a)?;
                Some((w, case))
            })
    }

    /// The reflection periods whose last day is within `from..=until`, soonest first.
    pub fn reflection_ending<'a>(
        &'a self,
        from: Date,
        until: Date,
    ) -> impl Iterator<Item = (Date, &'a CaseSummary)> + 'a {
        self.reflection_ends
            .iter()
            .skip_while(move |(d, _)| *d < from)
            .take_while(move |(d, _)| *d <= until)
            .filter_map(|(d, p)| Some((*d, self.cases.get(p)?)))
    }

    /// The dates casework set within `from..=until`, soonest first.
    pub fn casework_between<'a>(
        &'a self,
        from: Date,
        until: Date,
    ) -> impl Iterator<Item = (Date, Reminder, &'a CaseSummary)> + 'a {
        self.casework
            .range(from..=until)
            .flat_map(|(d, on)| on.iter().map(move |(r, p)| (*d, *r, p)))
            .filter_map(|(d, r, p)| Some((d, r, self.cases.get(p)?)))
    }

    pub fn len(&self) -> usize {
        self.cases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    fn remove(&mut self, person: &PersonId) {
        if let Some(old) = self.cases.remove(person) {
            for w in &old.waiting {
                self.waiting
                    .remove(&(w.received, w.application.clone(), person.clone()));
            }
            for d in &old.reflection_ends {
                self.reflection_ends.remove(&(*d, person.clone()));
            }
            for (d, r) in &old.casework {
                if let Some(on) = self.casework.get_mut(d) {
                    on.remove(&(*r, person.clone()));
                    if on.is_empty() {
                        self.casework.remove(d);
                    }
                }
            }
            self.newest.remove(&(Reverse(old.latest), person.clone()));
        }
    }

    fn insert(&mut self, summary: CaseSummary) {
        let person = summary.person.clone();
        self.remove(&person);
        for w in &summary.waiting {
            self.waiting
                .insert((w.received, w.application.clone(), person.clone()));
        }
        for d in &summary.reflection_ends {
            self.reflection_ends.insert((*d, person.clone()));
        }
        for (d, r) in &summary.casework {
            self.casework
                .entry(*d)
                .or_default()
                .insert((*r, person.clone()));
        }
        self.newest
            .insert((Reverse(summary.latest), person.clone()));
        self.cases.insert(person, summary);
    }

    /// Folds a view (a group's, or a whole register's) into summaries of its persons.
    fn fold(&mut self, view: &View<'_>) {
        let state = view.state_as_of(Date::MAX);
        for person in state.persons.values() {
            self.insert(CaseSummary::of(person));
        }
    }

    /// The index of a whole register's stored facts, group by group.
    pub fn build(facts: &StoredFacts) -> Result<Index, StoreError> {
        let mut index = Index::default();
        let groups = facts.groups();
        for g in 0..groups.len() {
            let events = facts
                .events_of(&groups, g)
                .map_err(|e| StoreError::Corrupt {
                    seq: e.position as i64 + 1,
                    message: e.to_string(),
                })?;
            match View::of_unamended(&events, None) {
                Some(view) => index.fold(&view),
                None => {
                    let register = crate::register_of(events)?;
                    index.fold(&register.view(None));
                }
            }
        }
        index.seen = facts.len() as u64;
        Ok(index)
    }

    /// Brings the groups read since `seen` in: every person they name is folded again (one
    /// who no longer has a visible application leaves the index). The persons named.
    fn apply(&mut self, last: u64, events: Vec<Event>) -> Result<BTreeSet<PersonId>, StoreError> {
        let mut named: BTreeSet<PersonId> = BTreeSet::new();
        for e in &events {
            if let EventBody::ApplicationReceived(a) = &e.body {
                named.insert(a.person.clone());
            }
            if let Subject::Person(p) | Subject::Child(_, Some(p)) = e.body.subject() {
                named.insert(p.clone());
            }
        }
        let register = crate::register_of(events)?;
        for person in &named {
            self.remove(person);
        }
        self.fold(&register.view(None));
        self.seen = self.seen.max(last);
        Ok(named)
    }
}

/// The index, shared: built once (requests wait for it), then brought up to date before it
/// is read.
#[derive(Default)]
pub struct HeldRegister {
    index: RwLock<Option<Index>>,
    /// One builds or catches up at a time; the others wait for it and then read.
    building: Mutex<()>,
    built: Condvar,
    /// Locked after `index` when both are.
    groups: Mutex<cache::GroupCache>,
}

impl HeldRegister {
    /// Whether the index has been built (the server is ready to serve lists).
    pub fn is_built(&self) -> bool {
        self.index
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Whether the index is built, building it now unless another is building it (then
    /// false at once: the caller is not kept waiting).
    pub fn ready(&self, store: &mut dyn Store) -> Result<bool, StoreError> {
        if self.is_built() {
            return Ok(true);
        }
        match self.building.try_lock() {
            Ok(one) => {
                drop(one);
                self.build(store)?;
                Ok(true)
            }
            Err(_) => Ok(false),
        }
    }

    /// Builds the index from the store's facts, unless built already.
    pub fn build(&self, store: &mut dyn Store) -> Result<(), StoreError> {
        let _one = self.building.lock().unwrap_or_else(|p| p.into_inner());
        if self.is_built() {
            return Ok(());
        }
        let mut index = Index::build(&store.load_facts()?)?;
        let (last, assignments) = store.case_assignments_since(0)?;
        index.assign(last, assignments);
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = Some(index);
        self.built.notify_all();
        Ok(())
    }

    /// Catches up with the register as stored: the groups written since the last seq seen,
    /// by any process.
    pub fn catch_up(&self, store: &mut dyn Store) -> Result<(), StoreError> {
        if !self.is_built() {
            return self.build(store);
        }
        let (seen, assignments_seen) = self.seen();
        let (last_event, last_assignment) = store.heads()?;
        if last_assignment > assignments_seen {
            let (assigned_last, assignments) = store.case_assignments_since(assignments_seen)?;
            if let Some(index) = self
                .index
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .as_mut()
            {
                index.assign(assigned_last, assignments);
            }
        }
        if last_event <= seen {
            return Ok(());
        }
        let _one = self.building.lock().unwrap_or_else(|p| p.into_inner());
        let (seen, _) = self.seen();
        let (last, group) = store.groups_since(seen)?;
        if last <= seen {
            return Ok(());
        }
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        if let Some(index) = index.as_mut() {
            let named = index.apply(last, group.events)?;
            self.groups
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .forget(&named);
        }
        Ok(())
    }

    /// `person`'s case group as stored (caught up with the store first, unless the caller
    /// just did): the one kept, or read and kept. A group read while another read caught up
    /// is not kept, as the catch-up may have forgotten it before it was read.
    pub fn group(
        &self,
        store: &mut dyn Store,
        person: &PersonId,
        caught_up: bool,
    ) -> Result<Arc<CaseGroup>, StoreError> {
        if !caught_up {
            self.catch_up(store)?;
        }
        let seen = self.seen();
        if let Some(group) = self.kept(person) {
            return Ok(group);
        }
        let group = Arc::new(CaseGroup::read(store, person)?);
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        if index.as_ref().map(|i| i.seen) == Some(seen.0) {
            self.groups
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .keep(person.clone(), group.clone());
        }
        Ok(group)
    }

    fn kept(&self, person: &PersonId) -> Option<Arc<CaseGroup>> {
        self.groups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(person)
    }

    /// The last event and the last assignment read.
    fn seen(&self) -> (u64, i64) {
        self.index
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map_or((0, 0), |i| (i.seen, i.assignments_seen))
    }

    /// Reads the index as it stands, once caught up with the store.
    pub fn read<T>(
        &self,
        store: &mut dyn Store,
        read: impl FnOnce(&Index) -> T,
    ) -> Result<T, StoreError> {
        self.catch_up(store)?;
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        Ok(read(index.as_ref().unwrap_or(&Index::default())))
    }
}

mod cache;
mod group;
pub use group::{CaseGroup, Plan};
#[cfg(test)]
mod tests;
