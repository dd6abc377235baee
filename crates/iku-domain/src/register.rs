//! The register: an append-only history of events with valid time and recorded time, and its
//! one query, "the state as of date D, as recorded at T".
//!
//! An event is visible as recorded at T when it was recorded at or before T and its
//! successor (the correction or retraction that amends it, if any) was not. A voided event
//! stays void: retracting a correction voids the correction and does not bring back what it
//! replaced.
//!
//! Visible events apply in order of their date, then of the `recorded_at` and seq (the order
//! in which events entered the register) of the first event of their chain: a correction takes
//! the place of the event it corrects, so that correcting an application's referrer never moves
//! the application behind the details recorded after it on the same day. A correction that
//! changes the date moves the event to its new date.

use std::hash::{Hash, Hasher};

use hashbrown::HashTable;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet, FxHasher};
use time::Date;

use crate::calendar::Timestamp;
use crate::event::{Event, EventBody, Subject};
use crate::ids::{ApplicationId, ChildId, EventId, PersonId};
use crate::rules::{Rule, Violation};
use crate::state::RegisterState;

mod history;
pub use history::HistoryEntry;

/// The whole history, in the order events entered it.
#[derive(Debug, Clone, Default)]
pub struct Register {
    events: Vec<Event>,
    /// Positions by event id, hashed from the events themselves (no second copy of the ids).
    index: HashTable<u32>,
    /// For each event, the event that corrects or retracts it.
    successor: Vec<Option<u32>>,
    /// For each event, the first event of its chain of corrections (itself if it corrects
    /// nothing; for a retraction, that of what it voids): whose place in a day it takes.
    root: Vec<u32>,
}

fn hash_id(id: &EventId) -> u64 {
    let mut h = FxHasher::default();
    id.as_str().hash(&mut h);
    h.finish()
}

fn violation(e: &Event, rule: Rule, detail: impl Into<String>) -> Violation {
    Violation {
        event: e.id.clone(),
        rule,
        detail: detail.into(),
    }
}

impl Register {
    /// Builds the register from events in the order they entered it, checking that ids are
    /// unique and that every correction and retraction amends one earlier event.
    pub fn new(events: Vec<Event>) -> Result<Self, Violation> {
        let mut register = Register::default();
        register.events.reserve(events.len());
        for e in events {
            register.push(e)?;
        }
        Ok(register)
    }

    /// Appends one event (the next in seq order).
    pub fn push(&mut self, e: Event) -> Result<(), Violation> {
        let seq = u32::try_from(self.events.len())
            .map_err(|_| violation(&e, Rule::AmendsEarlierEvent, "the register is full"))?;
        if self.find(&e.id).is_some() {
            return Err(violation(
                &e,
                Rule::AmendsEarlierEvent,
                format!("event id {} is used twice", e.id),
            ));
        }
        let target = match (&e.corrects, &e.body) {
            (Some(t), _) | (None, EventBody::Retraction { retracts: t }) => Some(t),
            _ => None,
        };
        if let Some(t) = target {
            let Some(ti) = self.find(t) else {
                return Err(violation(
                    &e,
                    Rule::AmendsEarlierEvent,
                    format!("event {t} is not in the register before it"),
                ));
            };
            let amended = &self.events[ti as usize];
            if amended.recorded_at > e.recorded_at {
                return Err(violation(
                    &e,
                    Rule::AmendsEarlierEvent,
                    format!("event {t} was recorded after this one"),
                ));
            }
            if matches!(amended.body, EventBody::Retraction { .. }) {
                return Err(violation(
                    &e,
                    Rule::AmendsEarlierEvent,
                    format!("event {t} is a retraction"),
                ));
            }
            if let Some(other) = self.successor[ti as usize] {
                return Err(violation(
                    &e,
                    Rule::AmendsEarlierEvent,
                    format!(
                        "event {t} is already amended by {}",
                        self.events[other as usize].id
                    ),
                ));
            }
            self.successor[ti as usize] = Some(seq);
        }
        let root = target
            .and_then(|t| self.find(t))
            .map_or(seq, |t| self.root[t as usize]);
        let hash = hash_id(&e.id);
        self.successor.push(None);
        self.root.push(root);
        self.events.push(e);
        let events = &self.events;
        self.index
            .insert_unique(hash, seq, |&i| hash_id(&events[i as usize].id));
        Ok(())
    }

    fn find(&self, id: &EventId) -> Option<u32> {
        self.index
            .find(hash_id(id), |&i| self.events[i as usize].id == *id)
            .copied()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Every event, in the order they entered the register.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Takes the events out, in seq order.
    pub fn into_events(self) -> Vec<Event> {
        self.events
    }

    pub fn get(&self, id: &EventId) -> Option<&Event> {
        self.find(id).map(|i| &self.events[i as usize])
    }

    /// The position of an event in the register (its seq).
    pub fn seq_of(&self, id: &EventId) -> Option<usize> {
        self.find(id).map(|i| i as usize)
    }

    /// The events visible as recorded at `as_recorded_at` (everything if `None`), in the order
    /// they apply. Retractions only void; they are not part of the view.
    pub fn view(&self, as_recorded_at: Option<Timestamp>) -> View<'_> {
        let seen = |i: u32| as_recorded_at.is_none_or(|t| self.events[i as usize].recorded_at <= t);
        View::ordered(
            &self.events,
            |i| {
                seen(i)
                    && !matches!(self.events[i as usize].body, EventBody::Retraction { .. })
                    && !self.successor[i as usize].is_some_and(seen)
            },
            |i| self.root[i as usize],
        )
    }

    /// The position of the first event of `seq`'s chain of corrections (for a retraction, of
    /// the chain it ends): the event whose place among the events of a day the chain keeps.
    pub fn chain_root(&self, seq: usize) -> usize {
        self.root[seq] as usize
    }
}

impl<'a> View<'a> {
    /// The view of events (in the order they entered the register) none of which amends
    /// another, as recorded at `as_recorded_at`: what `Register::view` gives for them, without
    /// building a register (the statistics fold a million small groups). None if one of them
    /// is a correction or a retraction.
    pub fn of_unamended(events: &'a [Event], as_recorded_at: Option<Timestamp>) -> Option<Self> {
        let amends =
            |e: &Event| e.corrects.is_some() || matches!(e.body, EventBody::Retraction { .. });
        if events.iter().any(amends) {
            return None;
        }
        Some(View::ordered(
            events,
            |i| as_recorded_at.is_none_or(|t| events[i as usize].recorded_at <= t),
            |i| i,
        ))
    }

    /// The events at the positions `visible` accepts, in apply order: (date, then the
    /// recorded_at and position of the first event of the chain, as `root` gives it). At most
    /// one event of a chain is visible, so the key is unique.
    fn ordered(
        events: &'a [Event],
        visible: impl Fn(u32) -> bool,
        root: impl Fn(u32) -> u32,
    ) -> Self {
        // The sort keys side by side: sorting them does not chase the events in memory.
        let mut order: Vec<(Date, Timestamp, u32, u32)> = (0..events.len() as u32)
            .filter(|&i| visible(i))
            .map(|i| {
                let r = root(i);
                (
                    events[i as usize].date,
                    events[r as usize].recorded_at,
                    r,
                    i,
                )
            })
            .collect();
        order.sort_unstable();
        View {
            events: order
                .into_iter()
                .map(|(_, _, _, i)| &events[i as usize])
                .collect(),
        }
    }
}

/// The register as recorded at one moment: the visible events in the order they apply.
#[derive(Debug, Clone)]
pub struct View<'a> {
    events: Vec<&'a Event>,
}

impl<'a> View<'a> {
    pub fn events(&self) -> &[&'a Event] {
        &self.events
    }

    /// The view's events grouped by person, each group in apply order: a decision goes with
    /// the person whose application it decides, a child's events with the parent. Events
    /// that refer to no known person or application are left out (`state_as_of` would skip
    /// them too). Persons come in the order of their first event; this is what the statistics
    /// fold, one person at a time.
    pub fn by_person(&self) -> Vec<(&'a PersonId, Vec<&'a Event>)> {
        let mut owner_of_application: HashMap<&ApplicationId, &'a PersonId> = HashMap::default();
        let mut parent_of_child: HashMap<&ChildId, &'a PersonId> = HashMap::default();
        for e in &self.events {
            match &e.body {
                EventBody::ApplicationReceived(a) => {
                    owner_of_application
                        .entry(&a.application)
                        .or_insert(&a.person);
                }
                EventBody::ChildAdmitted { child, parent } => {
                    parent_of_child.entry(child).or_insert(parent);
                }
                _ => {}
            }
        }
        let mut group_of: HashMap<&'a PersonId, usize> = HashMap::default();
        let mut groups: Vec<(&'a PersonId, Vec<&'a Event>)> = Vec::new();
        for &e in &self.events {
            let person = match e.body.subject() {
                Subject::Person(p) => Some(p),
                Subject::Application(a) => owner_of_application.get(a).copied(),
                Subject::Child(c, _) => parent_of_child.get(c).copied(),
                Subject::Event(_) => None,
            };
            let Some(person) = person else { continue };
            let group = *group_of.entry(person).or_insert_with(|| {
                groups.push((person, Vec::new()));
                groups.len() - 1
            });
            groups[group].1.push(e);
        }
        groups
    }

    /// The state as of `as_of`: the fold of the visible events dated on or before it.
    pub fn state_as_of(&self, as_of: Date) -> RegisterState {
        let mut state = RegisterState::default();
        for e in self.events.iter().take_while(|e| e.date <= as_of) {
            // An event that breaks a rule in this view is left out (see `state::apply`).
            let _ = state.apply(e);
        }
        state
    }

    /// Checks the history's rules: every event of the view must apply. Returns the
    /// violations, at most `limit`, in the order the events apply.
    pub fn validate(&self, limit: usize) -> Vec<Violation> {
        let with_application: HashSet<&PersonId> = self
            .events
            .iter()
            .filter_map(|e| match &e.body {
                EventBody::ApplicationReceived(a) => Some(&a.person),
                _ => None,
            })
            .collect();
        let received: HashSet<_> = self
            .events
            .iter()
            .filter_map(|e| match &e.body {
                EventBody::ApplicationReceived(a) => Some(&a.application),
                _ => None,
            })
            .collect();
        let mut state = RegisterState::default();
        let mut found = Vec::new();
        for e in &self.events {
            if found.len() >= limit {
                break;
            }
            if let Err(skipped) = state.apply(e) {
                // Say "too early" rather than "unknown" when the person or application is
                // there, only dated later.
                let rule = match (skipped.rule, e.body.subject()) {
                    (Rule::UnknownPerson, Subject::Person(p) | Subject::Child(_, Some(p)))
                        if with_application.contains(p) =>
                    {
                        Rule::NotBeforeApplication
                    }
                    (Rule::UnknownApplication, Subject::Application(a)) if received.contains(a) => {
                        Rule::DecisionAfterApplication
                    }
                    (rule, _) => rule,
                };
                found.push(violation(e, rule, skipped.detail));
            }
        }
        found
    }
}

#[cfg(test)]
mod tests;
