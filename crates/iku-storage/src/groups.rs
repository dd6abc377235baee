//! A write checked against the groups it touches, not the whole register. The owners of
//! `iku_domain::grouping` cut the register into groups of events that only affect each
//! other; a write's new events name persons, applications, children and events, whose
//! owners (found through `register_keys` and `event_facts`), closed under `owner_links`, are
//! the groups the write touches. The register's rules over those groups and the new events
//! give what they give over the whole register (a property test holds them to it), at the
//! cost of what the write touches.

use std::collections::BTreeSet;

use iku_domain::event::Subject;
use iku_domain::grouping::Owners;
use iku_domain::{Event, EventBody, Register};

use crate::StoreError;

/// The kinds of `register_keys`.
pub(crate) const PERSON: &str = "person";
pub(crate) const APPLICATION: &str = "application";
pub(crate) const CHILD: &str = "child";

/// What a backend answers about what it stores, inside its write transaction.
pub(crate) trait Lookup {
    /// The owners of these ids of one kind (those stored).
    fn key_owners(&mut self, kind: &str, ids: &[String]) -> Result<Vec<u32>, StoreError>;
    /// The seqs of the stored events with these ids.
    fn event_seqs(&mut self, ids: &[String]) -> Result<Vec<i64>, StoreError>;
    /// The owners of the events at these seqs.
    fn owners_at(&mut self, seqs: &[i64]) -> Result<Vec<u32>, StoreError>;
    /// The owners a link ties to any of `owners`, either way.
    fn tied(&mut self, owners: &[u32]) -> Result<Vec<u32>, StoreError>;
    /// The seqs of the events these owners own.
    fn owned(&mut self, owners: &[u32]) -> Result<Vec<i64>, StoreError>;
    /// The events at these seqs (ascending), without personal fields.
    fn events_at(&mut self, seqs: &[i64]) -> Result<Vec<Event>, StoreError>;
    /// The owners of the events stored after seq `after`, and the last seq.
    fn owners_after(&mut self, after: i64) -> Result<(Vec<u32>, i64), StoreError>;
}

/// Some groups' events, in seq order, with their seqs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub seqs: Vec<i64>,
    pub events: Vec<Event>,
}

/// The events of the groups of `owners`, closed under the links.
fn groups_of(
    lookup: &mut dyn Lookup,
    owners: BTreeSet<u32>,
    extra: Vec<i64>,
) -> Result<Group, StoreError> {
    let mut owners = owners;
    let mut frontier: Vec<u32> = owners.iter().copied().collect();
    while !frontier.is_empty() {
        let tied = lookup.tied(&frontier)?;
        frontier = tied.into_iter().filter(|o| owners.insert(*o)).collect();
    }
    let owners: Vec<u32> = owners.into_iter().collect();
    let mut seqs: BTreeSet<i64> = lookup.owned(&owners)?.into_iter().collect();
    seqs.extend(extra);
    let seqs: Vec<i64> = seqs.into_iter().collect();
    let events = lookup.events_at(&seqs)?;
    Ok(Group { seqs, events })
}

/// The events of the group `person` belongs to: every event that may bear on their record.
pub(crate) fn group_of(
    lookup: &mut dyn Lookup,
    person: &iku_domain::ids::PersonId,
) -> Result<Group, StoreError> {
    let owners = lookup.key_owners(PERSON, &[person.as_str().to_owned()])?;
    if owners.is_empty() {
        return Ok(Group::default());
    }
    groups_of(lookup, owners.into_iter().collect(), Vec::new())
}

/// The events of every group an event stored after seq `after` belongs to, and the last seq.
pub(crate) fn groups_since(
    lookup: &mut dyn Lookup,
    after: i64,
) -> Result<(i64, Group), StoreError> {
    let (owners, last) = lookup.owners_after(after)?;
    if owners.is_empty() {
        return Ok((last, Group::default()));
    }
    Ok((
        last,
        groups_of(lookup, owners.into_iter().collect(), Vec::new())?,
    ))
}

/// The ids events name: of persons, applications and children, and of events (their own,
/// to find one stored already, and the ones they amend).
#[derive(Default)]
struct Named {
    persons: BTreeSet<String>,
    applications: BTreeSet<String>,
    children: BTreeSet<String>,
    events: BTreeSet<String>,
}

fn named<'a>(events: impl Iterator<Item = &'a Event>) -> Named {
    let mut n = Named::default();
    for e in events {
        n.events.insert(e.id.as_str().to_owned());
        if let Some(t) = &e.corrects {
            n.events.insert(t.as_str().to_owned());
        }
        match &e.body {
            EventBody::ApplicationReceived(a) => {
                n.applications.insert(a.application.as_str().to_owned());
            }
            EventBody::ChildAdmitted { child, .. } => {
                n.children.insert(child.as_str().to_owned());
            }
            _ => {}
        }
        match e.body.subject() {
            Subject::Person(p) => {
                n.persons.insert(p.as_str().to_owned());
            }
            Subject::Application(a) => {
                n.applications.insert(a.as_str().to_owned());
            }
            Subject::Child(c, parent) => {
                n.children.insert(c.as_str().to_owned());
                if let Some(p) = parent {
                    n.persons.insert(p.as_str().to_owned());
                }
            }
            Subject::Event(t) => {
                n.events.insert(t.as_str().to_owned());
            }
        }
    }
    n
}

/// The stored events a write of `events` must be checked with: every event of every group it
/// touches, in seq order, with their seqs.
pub(crate) fn touched<'a>(
    lookup: &mut dyn Lookup,
    events: impl Iterator<Item = &'a Event>,
) -> Result<(Vec<i64>, Vec<Event>), StoreError> {
    let named = named(events);
    let list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>();
    let mut owners: BTreeSet<u32> = BTreeSet::new();
    for (kind, ids) in [
        (PERSON, &named.persons),
        (APPLICATION, &named.applications),
        (CHILD, &named.children),
    ] {
        if !ids.is_empty() {
            owners.extend(lookup.key_owners(kind, &list(ids))?);
        }
    }
    let amended = lookup.event_seqs(&list(&named.events))?;
    owners.extend(lookup.owners_at(&amended)?);
    let group = groups_of(lookup, owners, amended)?;
    Ok((group.seqs, group.events))
}

/// The `register_keys` rows of the events of `register` from position `from` on, their owners
/// given (`owners[i]` for the event at `from + i`): where each person, application and child
/// first appears. A key stored already is kept (the store ignores it).
pub(crate) fn keys(
    register: &Register,
    from: usize,
    owners: &[u32],
) -> Vec<(&'static str, String, u32)> {
    let mut rows = Vec::new();
    for (e, owner) in register.events()[from..].iter().zip(owners) {
        match &e.body {
            EventBody::ApplicationReceived(a) => {
                rows.push((PERSON, a.person.as_str().to_owned(), *owner));
                rows.push((APPLICATION, a.application.as_str().to_owned(), *owner));
            }
            EventBody::ChildAdmitted { child, .. } => {
                rows.push((CHILD, child.as_str().to_owned(), *owner));
            }
            _ => {}
        }
    }
    rows
}

/// The owners of a register's events given as positions of the whole register: `seqs` are the
/// seqs of the stored events it holds (the first `seqs.len()`), the new ones follow from
/// `first_seq`.
pub(crate) fn in_the_whole(owners: Owners, seqs: &[i64], first_seq: i64) -> Owners {
    let position = |p: u32| -> u32 {
        let p = p as usize;
        let seq = match seqs.get(p) {
            Some(seq) => *seq,
            None => first_seq + (p - seqs.len()) as i64,
        };
        u32::try_from(seq - 1).unwrap_or(u32::MAX)
    };
    Owners {
        owners: owners.owners.into_iter().map(position).collect(),
        links: owners
            .links
            .into_iter()
            .map(|(a, b)| (position(a), position(b)))
            .collect(),
    }
}
