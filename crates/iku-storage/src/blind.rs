//! The blind index's rows (migration 15): for each person, the keyed HMAC of each term they
//! are found by (`iku_domain::search::person_terms`), from the personal fields of their
//! details events in force and their birth year. Both backends write what this computes: the
//! rows of the persons a write changes, in the write's transaction, or every person's when
//! the index is rebuilt under a new key.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use iku_domain::event::{Details, Subject};
use iku_domain::ids::{EventId, PersonId};
use iku_domain::personal::PersonalFields;
use iku_domain::{EventBody, Register};

use crate::StoreError;
use crate::crypto::{Blind, Keyring};

/// From this many rows into an empty blind index, its index by person is made afterwards.
pub(crate) const BULK: usize = 10_000;

/// What a write changes in the blind index: every row of `persons` is replaced by `rows`.
#[derive(Debug, Default)]
pub(crate) struct IndexUpdate {
    pub persons: Vec<PersonId>,
    pub rows: Vec<(Blind, PersonId)>,
}

/// The persons whose terms the events from `first_new` on may change: those of details
/// events, of the details events they correct, and of the details events they retract.
pub(crate) fn touched(register: &Register, first_new: usize) -> HashSet<PersonId> {
    let details_person = |id: &EventId| match register.get(id).map(|e| &e.body) {
        Some(EventBody::PersonDetails(d)) => Some(d.person.clone()),
        _ => None,
    };
    let mut persons = HashSet::new();
    for e in &register.events()[first_new..] {
        if let EventBody::PersonDetails(d) = &e.body {
            persons.insert(d.person.clone());
        }
        if let Some(corrected) = &e.corrects {
            persons.extend(details_person(corrected));
        }
        if let Subject::Event(retracted) = e.body.subject() {
            persons.extend(details_person(retracted));
        }
    }
    persons
}

/// A person, their birth year, and the personal fields of their details events in force.
type FoundBy<'a> = (&'a PersonId, Option<i32>, Vec<Cow<'a, PersonalFields>>);

/// The rows of `persons` (all persons: None) as `register` stands today. The personal fields
/// of an event before `first_new` are not in the register (it was read without them):
/// `open` gives them.
pub(crate) fn rows(
    register: &Register,
    persons: Option<&HashSet<PersonId>>,
    first_new: usize,
    keys: &Keyring,
    mut open: impl FnMut(&EventId) -> Result<PersonalFields, StoreError>,
) -> Result<Vec<(Blind, PersonId)>, StoreError> {
    let wanted = |p: &PersonId| persons.is_none_or(|set| set.contains(p));
    // Each person's details events in force, in the order they apply.
    let mut details: HashMap<&PersonId, Vec<(usize, &Details)>> = HashMap::new();
    for e in register.view(None).events() {
        if let EventBody::PersonDetails(d) = &e.body
            && wanted(&d.person)
        {
            let seq = register.seq_of(&e.id).unwrap_or(usize::MAX);
            details
                .entry(&d.person)
                .or_default()
                .push((seq, &d.details));
        }
    }
    // What each person is found by (their birth year as their details stand now), opened
    // one after another; then made into keyed terms on every core.
    let mut people: Vec<FoundBy<'_>> = Vec::with_capacity(details.len());
    for (person, events) in details {
        let (mut born, mut year) = (None, None);
        let mut fields = Vec::with_capacity(events.len());
        for (seq, d) in events {
            born = d.birth_date.or(born);
            year = d.birth_year.or(year);
            if seq < first_new {
                fields.push(Cow::Owned(open(&register.events()[seq].id)?));
            } else {
                fields.push(Cow::Borrowed(&d.personal));
            }
        }
        people.push((person, born.map(|b| b.year()).or(year), fields));
    }
    let terms_of = |people: &[FoundBy<'_>]| {
        let mut rows = Vec::new();
        for (person, year, fields) in people {
            let terms = iku_domain::search::person_terms(fields.iter().map(|f| &**f), *year);
            rows.extend(terms.iter().map(|t| (keys.blind(t), (*person).clone())));
        }
        rows
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = people.len().div_ceil(threads).max(1_000);
    let rows = std::thread::scope(|scope| {
        let parts: Vec<_> = people
            .chunks(chunk)
            .map(|part| scope.spawn(move || terms_of(part)))
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    Ok(rows)
}

/// A pair of persons in the order the table of pairs decided apart keeps them (by id).
pub(crate) fn pair<'a>(a: &'a PersonId, b: &'a PersonId) -> (&'a PersonId, &'a PersonId) {
    if a.as_str() < b.as_str() {
        (a, b)
    } else {
        (b, a)
    }
}

/// A person id as the blind index stores it.
pub(crate) fn person_of(stored: &str) -> Result<PersonId, StoreError> {
    PersonId::parse(stored).map_err(|e| StoreError::Corrupt {
        seq: -1,
        message: format!("a stored person id is bad: {e}"),
    })
}
