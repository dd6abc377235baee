//! The register cut into groups of events that only affect each other, so that a group can
//! be read, viewed and folded on its own (the statistics fold five million events this way,
//! on every core, without building one register of them all).
//!
//! Each event gets an **owner** when it is stored: the position of the first
//! `application_received` of the person it is about (a decision: of the person whose
//! application it decides; a child's event: of the parent; a retraction: the owner of what it
//! voids). Owners never change, as positions never do. Where one event ties two owners
//! together, a **link** is stored: a correction whose owner differs from what it corrects
//! (an application moved to another person), and an application or child id used under a
//! second person. A group is a set of owners closed under the links; everything
//! `View::by_person` and `RegisterState` look up by id (person, application, child, amended
//! event) then lies within one group, which is why a group's own `Register` gives the same
//! persons and folds as the whole register does (property test in iku-generate).

use std::ops::Range;

use rustc_hash::FxHashMap as HashMap;

use crate::Event;
use crate::event::{EventBody, Subject};
use crate::facts::{self, FactsError};
use crate::ids::{ApplicationId, ChildId, PersonId};
use crate::register::Register;

/// The owners of some events and the links they add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owners {
    /// One per event, in register order.
    pub owners: Vec<u32>,
    /// Pairs of owners that belong to one group.
    pub links: Vec<(u32, u32)>,
}

/// The owners of the events of `register` from position `from` on, and the links they add.
/// The events before `from` were given theirs when they were stored; recomputing them gives
/// the same (an owner depends only on earlier positions' first occurrences).
pub fn owners(register: &Register, from: usize) -> Owners {
    let events = register.events();
    let at = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    // First occurrences, over the whole register: an event may name a person, application or
    // child whose first event has a later position (imported in the same batch).
    let mut person_key: HashMap<&PersonId, u32> = HashMap::default();
    for (i, e) in events.iter().enumerate() {
        if let EventBody::ApplicationReceived(a) = &e.body {
            person_key.entry(&a.person).or_insert(at(i));
        }
    }
    let mut application_owner: HashMap<&ApplicationId, u32> = HashMap::default();
    let mut child_owner: HashMap<&ChildId, u32> = HashMap::default();
    for (i, e) in events.iter().enumerate() {
        match &e.body {
            EventBody::ApplicationReceived(a) => {
                let owner = person_key.get(&a.person).copied().unwrap_or(at(i));
                application_owner.entry(&a.application).or_insert(owner);
            }
            EventBody::ChildAdmitted { child, parent } => {
                let owner = person_key.get(parent).copied().unwrap_or(at(i));
                child_owner.entry(child).or_insert(owner);
            }
            _ => {}
        }
    }
    let own = |i: usize, e: &Event| -> u32 {
        let subject = match &e.body {
            // A retraction belongs with what it voids (never itself a retraction).
            EventBody::Retraction { retracts } => match register.seq_of(retracts) {
                Some(t) => events[t].body.subject(),
                None => return at(i),
            },
            body => body.subject(),
        };
        let found = match subject {
            Subject::Person(p) | Subject::Child(_, Some(p)) => person_key.get(p),
            Subject::Child(c, None) => child_owner.get(c),
            Subject::Application(a) => application_owner.get(a),
            Subject::Event(_) => None,
        };
        found.copied().unwrap_or(at(i))
    };
    let mut result = Owners::default();
    for (i, e) in events.iter().enumerate().skip(from) {
        let owner = own(i, e);
        let mut tied = Vec::new();
        if let Some(t) = e.corrects.as_ref().and_then(|t| register.seq_of(t)) {
            tied.push(own(t, &events[t]));
        }
        match &e.body {
            EventBody::ApplicationReceived(a) => tied.extend(application_owner.get(&a.application)),
            EventBody::ChildAdmitted { child, .. } => tied.extend(child_owner.get(child)),
            _ => {}
        }
        for other in tied {
            if other != owner && !result.links.contains(&(owner, other)) {
                result.links.push((owner, other));
            }
        }
        result.owners.push(owner);
    }
    result
}

/// Stored facts that do not decode, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the stored facts of the event at position {position}: {error}")]
pub struct BadFacts {
    pub position: usize,
    pub error: FactsError,
}

/// The stored facts of every event (`facts`), with their owners and links, as read for the
/// statistics.
#[derive(Debug, Clone)]
pub struct StoredFacts {
    /// The facts, in chunks as they were read (a chunk read apart is appended without copying
    /// its bytes).
    chunks: Vec<Vec<u8>>,
    /// The position of each chunk's first event.
    chunk_starts: Vec<usize>,
    /// Where each event's facts end in its chunk.
    ends: Vec<usize>,
    owners: Vec<u32>,
    links: Vec<(u32, u32)>,
}

impl Default for StoredFacts {
    fn default() -> Self {
        Self::with_capacity(0, 0)
    }
}

impl StoredFacts {
    pub fn with_capacity(events: usize, bytes: usize) -> Self {
        Self {
            chunks: vec![Vec::with_capacity(bytes)],
            chunk_starts: vec![0],
            ends: Vec::with_capacity(events),
            owners: Vec::with_capacity(events),
            links: Vec::new(),
        }
    }

    /// The facts of a whole register (what a store holds for it).
    pub fn of(register: &Register) -> Self {
        let o = owners(register, 0);
        let mut stored = Self::with_capacity(register.len(), register.len() * 64);
        let mut bytes = Vec::with_capacity(register.len() * 64);
        for (e, owner) in register.events().iter().zip(o.owners) {
            facts::encode(e, &mut bytes);
            stored.ends.push(bytes.len());
            stored.owners.push(owner);
        }
        stored.chunks = vec![bytes];
        stored.links = o.links;
        stored
    }

    /// Appends the next event's facts.
    pub fn push(&mut self, owner: u32, facts: &[u8]) {
        let chunk = self.chunks.last_mut();
        let end = chunk.map_or(0, |c| {
            c.extend_from_slice(facts);
            c.len()
        });
        self.ends.push(end);
        self.owners.push(owner);
    }

    /// Appends the facts of the events that follow (read apart, for speed).
    pub fn append(&mut self, next: StoredFacts) {
        let offset = self.len();
        self.chunk_starts
            .extend(next.chunk_starts.iter().map(|s| s + offset));
        self.chunks.extend(next.chunks);
        self.ends.extend_from_slice(&next.ends);
        self.owners.extend_from_slice(&next.owners);
        self.links.extend_from_slice(&next.links);
    }

    pub fn link(&mut self, a: u32, b: u32) {
        self.links.push((a, b));
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The owner of each event, in register order.
    pub fn owners(&self) -> &[u32] {
        &self.owners
    }

    /// The links, in the order stored.
    pub fn links(&self) -> &[(u32, u32)] {
        &self.links
    }

    /// The facts of the event at position `i`.
    pub fn facts(&self, i: usize) -> &[u8] {
        // The last chunk starting at or before i (an empty chunk starts where the next does).
        let k = self.chunk_starts.partition_point(|&s| s <= i) - 1;
        let start = if i == self.chunk_starts[k] {
            0
        } else {
            self.ends[i - 1]
        };
        &self.chunks[k][start..self.ends[i]]
    }

    /// The events in groups: every event's position, grouped, each group in register order.
    pub fn groups(&self) -> Groups {
        let n = self.len();
        // Union-find over the few owners that links tie together.
        let mut parent: HashMap<u32, u32> = HashMap::default();
        fn root(parent: &HashMap<u32, u32>, mut x: u32) -> u32 {
            while let Some(&p) = parent.get(&x).filter(|&&p| p != x) {
                x = p;
            }
            x
        }
        for &(a, b) in &self.links {
            let (ra, rb) = (root(&parent, a), root(&parent, b));
            if ra != rb {
                parent.insert(ra.max(rb), ra.min(rb));
            }
        }
        // A stored owner is a position, so a counting sort groups the events in two passes.
        let key = |i: usize| -> usize {
            let owner = root(&parent, self.owners[i]) as usize;
            if owner < n { owner } else { i }
        };
        let mut starts = vec![0u32; n + 1];
        for i in 0..n {
            starts[key(i) + 1] += 1;
        }
        for k in 0..n {
            starts[k + 1] += starts[k];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; n];
        for i in 0..n {
            let k = key(i);
            order[next[k] as usize] = i as u32;
            next[k] += 1;
        }
        let ranges = starts
            .windows(2)
            .filter(|w| w[1] > w[0])
            .map(|w| w[0] as usize..w[1] as usize)
            .collect();
        Groups { order, ranges }
    }

    /// Reads one byte at each end of the facts of every event of `groups` (by index):
    /// the events of a group lie far apart in memory, and reading them in a tight loop ahead
    /// of decoding lets the processor fetch many at once instead of waiting for each. Returns
    /// the bytes' sum, for the caller to pass to `std::hint::black_box`.
    pub fn touch(&self, groups: &Groups, which: Range<usize>) -> u8 {
        let mut sum = 0u8;
        for g in which.start..which.end.min(groups.len()) {
            for &i in groups.positions(g) {
                let f = self.facts(i as usize);
                sum = sum
                    .wrapping_add(f.first().copied().unwrap_or(0))
                    .wrapping_add(f.last().copied().unwrap_or(0));
            }
        }
        sum
    }

    /// The events of one group, decoded, in register order.
    pub fn events_of(&self, groups: &Groups, group: usize) -> Result<Vec<Event>, BadFacts> {
        groups
            .positions(group)
            .iter()
            .map(|&i| {
                let position = i as usize;
                facts::decode(self.facts(position)).map_err(|error| BadFacts { position, error })
            })
            .collect()
    }
}

/// Events grouped: positions in group order, and where each group lies among them.
#[derive(Debug, Clone)]
pub struct Groups {
    order: Vec<u32>,
    ranges: Vec<Range<usize>>,
}

impl Groups {
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The positions of the events of group `g`, ascending.
    pub fn positions(&self, g: usize) -> &[u32] {
        &self.order[self.ranges[g].clone()]
    }

    /// Splits the groups into at most `parts` runs of about equal numbers of events.
    pub fn split(&self, parts: usize) -> Vec<Range<usize>> {
        let total = self.order.len();
        let parts = parts.max(1);
        let mut runs = Vec::with_capacity(parts);
        let mut start = 0;
        for p in 1..=parts {
            let target = total * p / parts;
            let mut end = start;
            while end < self.ranges.len() && (self.ranges[end].start < target || p == parts) {
                end += 1;
            }
            if end > start {
                runs.push(start..end);
            }
            start = end;
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interchange::parse_line;
    use crate::interchange::tests::{ctx, every_event_type};

    #[test]
    fn facts_read_in_chunks_are_the_facts_read_whole() {
        let events = every_event_type()
            .iter()
            .map(|line| match parse_line(line, &ctx()) {
                Ok(p) => p.event,
                Err(e) => panic!("{line}: {e}"),
            })
            .collect();
        let register = Register::new(events).unwrap_or_else(|v| panic!("{v}"));
        let whole = StoredFacts::of(&register);
        for split in 0..=whole.len() {
            let mut first = StoredFacts::with_capacity(split, 0);
            let mut second = StoredFacts::with_capacity(0, 0);
            for i in 0..whole.len() {
                let part = if i < split { &mut first } else { &mut second };
                part.push(whole.owners()[i], whole.facts(i));
            }
            first.append(second);
            assert_eq!(first.len(), whole.len());
            for i in 0..whole.len() {
                assert_eq!(first.facts(i), whole.facts(i), "split {split}, event {i}");
                assert_eq!(first.owners()[i], whole.owners()[i]);
            }
        }
    }
}
