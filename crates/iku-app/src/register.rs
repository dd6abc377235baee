//! The register as it stands today, held in memory between requests (without personal
//! fields), so that a page does not read and fold the whole register. It is read again when
//! the database holds more events than it (whoever wrote them: this server or `iku import`)
//! or when the day has changed. A case's record is its person's events alone, with their
//! personal fields opened for that read only: the fold of one person's events gives what the
//! fold of the whole register gives for them (`View::by_person`, as the statistics use it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use iku_domain::calendar::finnish_date;
use iku_domain::ids::PersonId;
use iku_domain::state::{PersonState, RegisterState};
use iku_domain::{Event, EventBody, Register};
use iku_storage::{Keyring, Personals, Store, StoreError};
use time::Date;

use crate::now;

/// The register as read at one moment, and its state as of one day.
pub struct Current {
    register: Register,
    day: Date,
    today: RegisterState,
    /// Each person's visible events, as positions in the register, in the order they apply.
    groups: HashMap<PersonId, Vec<u32>>,
}

impl Current {
    fn of(register: Register, day: Date) -> Current {
        let view = register.view(None);
        let today = view.state_as_of(day);
        let groups = view
            .by_person()
            .into_iter()
            .map(|(person, events)| {
                let positions = events
                    .iter()
                    .filter_map(|e| register.seq_of(&e.id))
                    .map(|i| i as u32)
                    .collect();
                (person.clone(), positions)
            })
            .collect();
        drop(view);
        Current {
            register,
            day,
            today,
            groups,
        }
    }

    /// The whole register, without personal fields.
    pub fn register(&self) -> &Register {
        &self.register
    }

    /// The state of every person today, without personal fields.
    pub fn today(&self) -> &RegisterState {
        &self.today
    }

    /// Whether `event` is one of `person`'s visible events (the ones their record is
    /// folded from).
    pub fn owns(&self, person: &PersonId, event: &iku_domain::ids::EventId) -> bool {
        match (self.groups.get(person), self.register.seq_of(event)) {
            (Some(positions), Some(seq)) => positions.contains(&(seq as u32)),
            _ => false,
        }
    }

    /// One person's record today with their personal fields opened; None if the register
    /// has no such person.
    pub fn record(
        &self,
        store: &mut dyn Store,
        keys: &Keyring,
        person: &PersonId,
    ) -> Result<Option<PersonState>, StoreError> {
        let Some(positions) = self.groups.get(person) else {
            return Ok(None);
        };
        let mut events: Vec<Event> = positions
            .iter()
            .map(|&i| self.register.events()[i as usize].clone())
            .collect();
        let details: Vec<usize> = (0..events.len())
            .filter(|&i| matches!(events[i].body, EventBody::PersonDetails(_)))
            .collect();
        let ids: Vec<_> = details.iter().map(|&i| events[i].id.clone()).collect();
        let opened = store.personal_fields(keys, &ids)?;
        for (i, fields) in details.into_iter().zip(opened) {
            if let EventBody::PersonDetails(d) = &mut events[i].body {
                d.details.personal = fields;
            }
        }
        let mut state = RegisterState::default();
        for e in events.iter().take_while(|e| e.date <= self.day) {
            // What breaks a rule is left out, as in the whole register's fold.
            let _ = state.apply(e);
        }
        Ok(state.persons.remove(person))
    }
}

/// The server's copy, and the lock that lets one request at a time read it again.
#[derive(Default)]
pub struct CurrentRegister {
    held: Mutex<Option<Arc<Current>>>,
    reading: Mutex<()>,
}

impl CurrentRegister {
    /// The register as it stands: the copy held, or a new one if the database has more
    /// events or the day has changed.
    pub fn get(&self, store: &mut dyn Store) -> Result<Arc<Current>, StoreError> {
        let stored = store.count()?;
        let day = finnish_date(now());
        let fresh = |c: &Option<Arc<Current>>| {
            c.as_ref()
                .filter(|c| c.register.len() as u64 >= stored && c.day == day)
                .cloned()
        };
        if let Some(c) = fresh(&self.held.lock().unwrap_or_else(|p| p.into_inner())) {
            return Ok(c);
        }
        // One reads the register again; the others wait for it instead of reading it too.
        let _reading = self.reading.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = fresh(&self.held.lock().unwrap_or_else(|p| p.into_inner())) {
            return Ok(c);
        }
        let current = Arc::new(Current::of(store.load(Personals::Leave)?, day));
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = Some(current.clone());
        Ok(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iku_storage::import::{Silent, read_lines};

    /// Every person's record from their own events is what the whole register's fold gives.
    #[test]
    fn one_persons_record_is_the_whole_registers_fold_for_them() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = format!("sqlite:{}", dir.path().join("iku.db").display());
        let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
        let (keys, _) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
        {
            let mut options = iku_generate::Options::new(400, 11);
            options.end =
                Date::from_calendar_date(2025, time::Month::December, 31).unwrap_or(Date::MIN);
            let events = iku_generate::generate(&options);
            let text: String = events
                .iter()
                .map(|e| {
                    iku_domain::interchange::write_line(
                        e,
                        iku_domain::interchange::Personals::Include,
                    ) + "\n"
                })
                .collect();
            let lines = read_lines(text.as_bytes(), &crate::entry_context(), &Silent)
                .unwrap_or_else(|e| panic!("{e}"));
            store
                .import(lines, &keys, &Silent)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let day = finnish_date(now());
        let whole = store
            .load(Personals::Open(&keys))
            .unwrap_or_else(|e| panic!("{e}"))
            .view(None)
            .state_as_of(day);
        let current = CurrentRegister::default()
            .get(store.as_mut())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(whole.persons.len() > 300);
        let mut with_names = 0;
        for (person, expected) in &whole.persons {
            let record = current
                .record(store.as_mut(), &keys, person)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(record.as_ref(), Some(expected), "{person}");
            with_names += usize::from(expected.details.personal.name.is_some());
        }
        assert!(with_names > 0);
        let nobody = PersonId::parse("nobody").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            current.record(store.as_mut(), &keys, &nobody).ok(),
            Some(None)
        );
    }

    #[test]
    fn the_copy_is_read_again_when_the_database_has_more_events() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = format!("sqlite:{}", dir.path().join("iku.db").display());
        let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
        let (keys, _) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
        let held = CurrentRegister::default();
        let first = held.get(store.as_mut()).unwrap_or_else(|e| panic!("{e}"));
        assert!(first.today().persons.is_empty());
        let again = held.get(store.as_mut()).unwrap_or_else(|e| panic!("{e}"));
        assert!(Arc::ptr_eq(&first, &again));
        let line = r#"{"id":"x1","event":"application_received","date":"2020-03-01","application":"xa1","person":"xp1","referrer":"police","consent":true}"#;
        let lines = read_lines(line.as_bytes(), &crate::entry_context(), &Silent)
            .unwrap_or_else(|e| panic!("{e}"));
        // Written by another connection, as `iku import` would.
        iku_storage::open(&url)
            .map(|mut other| other.import(lines, &keys, &Silent))
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
        let after = held.get(store.as_mut()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(after.today().persons.len(), 1);
    }
}
