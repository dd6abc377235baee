//! One case's group as stored, and what is read from it: the person's record, journal and
//! personal fields, opened only for the events the group holds.

use std::collections::HashMap;

use iku_domain::ids::{EventId, PersonId};
use iku_domain::state::PersonState;
use iku_domain::{Event, EventBody, Register};
use iku_storage::{Store, StoreError};

/// One case's group, as stored: its register (every event that may bear on the case, voided
/// ones too, without personal fields), and where its events that carry personal fields are
/// stored.
pub struct CaseGroup {
    pub register: Register,
    sealed_at: HashMap<EventId, i64>,
}

impl CaseGroup {
    pub fn read(store: &mut dyn Store, person: &PersonId) -> Result<CaseGroup, StoreError> {
        let group = store.group_of(person)?;
        let sealed_at = group
            .events
            .iter()
            .zip(&group.seqs)
            .filter(|(e, _)| e.body.personal().is_some())
            .map(|(e, seq)| (e.id.clone(), *seq))
            .collect();
        Ok(CaseGroup {
            register: crate::register_of(group.events)?,
            sealed_at,
        })
    }

    /// The person's visible events, in the order they apply (what their record is folded
    /// from).
    pub fn events_of(&self, person: &PersonId) -> Vec<Event> {
        self.register
            .view(None)
            .by_person()
            .into_iter()
            .find(|(p, _)| *p == person)
            .map(|(_, events)| events.into_iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Whether `event` is one of `person`'s visible events.
    pub fn owns(&self, person: &PersonId, event: &iku_domain::ids::EventId) -> bool {
        self.events_of(person).iter().any(|e| &e.id == event)
    }

    /// The person's state today, without personal fields; None if the group has no such
    /// person.
    pub fn state_of(&self, person: &PersonId) -> Option<PersonState> {
        fold(self.events_of(person), person)
    }

    /// The person's record today with their personal fields opened (the details events'
    /// alone); None if the register has no such person.
    pub fn record(
        &self,
        store: &mut dyn Store,
        keys: &iku_storage::Keyring,
        person: &PersonId,
    ) -> Result<Option<PersonState>, StoreError> {
        let mut events = self.events_of(person);
        self.open(store, keys, &mut events, |b| {
            matches!(b, EventBody::PersonDetails(_))
        })?;
        Ok(fold(events, person))
    }

    /// The person's journal entries in force, texts opened, newest first (by date, then as
    /// recorded).
    pub fn journal(
        &self,
        store: &mut dyn Store,
        keys: &iku_storage::Keyring,
        person: &PersonId,
    ) -> Result<Vec<Event>, StoreError> {
        let mut entries: Vec<Event> = self
            .events_of(person)
            .into_iter()
            .filter(|e| matches!(e.body, EventBody::JournalEntry(_)))
            .collect();
        entries.reverse();
        self.open(store, keys, &mut entries, |_| true)?;
        Ok(entries)
    }

    /// The person's client plan in force, texts opened: the latest assessment of each area
    /// of need (in the areas' order), and the plan's measures (as recorded).
    pub fn plan(
        &self,
        store: &mut dyn Store,
        keys: &iku_storage::Keyring,
        person: &PersonId,
    ) -> Result<Plan, StoreError> {
        let mut needs: Vec<Event> = Vec::new();
        let mut measures: Vec<Event> = Vec::new();
        for e in self.events_of(person) {
            match &e.body {
                EventBody::NeedAssessed(n) => {
                    // A later assessment of an area stands for it.
                    needs.retain(
                        |o| !matches!(&o.body, EventBody::NeedAssessed(p) if p.area == n.area),
                    );
                    needs.push(e);
                }
                EventBody::PlanMeasure(_) => measures.push(e),
                _ => {}
            }
        }
        let area = |e: &Event| match &e.body {
            EventBody::NeedAssessed(n) => Some(n.area),
            _ => None,
        };
        needs.sort_by_key(area);
        self.open(store, keys, &mut needs, |_| true)?;
        self.open(store, keys, &mut measures, |_| true)?;
        Ok(Plan { needs, measures })
    }

    /// Opens the personal fields of those of `events` (read from this group) that carry
    /// them and that `pick` chooses.
    pub fn open(
        &self,
        store: &mut dyn Store,
        keys: &iku_storage::Keyring,
        events: &mut [Event],
        pick: impl Fn(&EventBody) -> bool,
    ) -> Result<(), StoreError> {
        let (which, at): (Vec<usize>, Vec<(EventId, i64)>) = events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.body.personal().is_some() && pick(&e.body))
            .filter_map(|(i, e)| Some((i, (e.id.clone(), *self.sealed_at.get(&e.id)?))))
            .unzip();
        if which.is_empty() {
            return Ok(());
        }
        let opened = store.personal_fields_at(keys, &at)?;
        for (i, fields) in which.into_iter().zip(opened) {
            if let Some(slot) = events[i].body.personal_mut() {
                *slot = fields;
            }
        }
        Ok(())
    }
}

/// A client plan in force: the needs assessed (one event an area) and the measures agreed
/// (`NeedAssessed` and `PlanMeasure` events, texts opened).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub needs: Vec<Event>,
    pub measures: Vec<Event>,
}

/// Folds one person's events (in the order they apply) as of today; what breaks a rule is
/// left out, as in the whole register's fold.
fn fold(events: Vec<Event>, person: &PersonId) -> Option<PersonState> {
    let today = iku_domain::calendar::finnish_date(crate::now());
    let mut state = iku_domain::RegisterState::default();
    for e in events.iter().take_while(|e| e.date <= today) {
        let _ = state.apply(e);
    }
    state.persons.remove(person)
}
