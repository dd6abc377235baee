//! The case groups read lately, kept for the next read of the same case: a client page read
//! again and again costs no reads of its events. An entry is dropped when the held register
//! catches up with a write to its group (by this process or another), so a read after the
//! catch-up never sees an older group than the store holds.

use std::collections::HashMap;
use std::sync::Arc;

use iku_domain::ids::PersonId;

use super::CaseGroup;

/// How many groups are kept (a few tens of megabytes for the largest groups).
const KEPT: usize = 4096;

#[derive(Default)]
pub(super) struct GroupCache {
    groups: HashMap<PersonId, Arc<CaseGroup>>,
}

impl GroupCache {
    pub(super) fn get(&self, person: &PersonId) -> Option<Arc<CaseGroup>> {
        self.groups.get(person).cloned()
    }

    /// Keeps `group` as `person`'s. When full, every entry goes: a few reads come from the
    /// store again, and the cache never grows past its bound.
    pub(super) fn keep(&mut self, person: PersonId, group: Arc<CaseGroup>) {
        if self.groups.len() >= KEPT {
            self.groups.clear();
        }
        self.groups.insert(person, group);
    }

    /// Forgets the groups of `persons` (each person of a written group is named).
    pub(super) fn forget<'a>(&mut self, persons: impl IntoIterator<Item = &'a PersonId>) {
        for person in persons {
            self.groups.remove(person);
        }
    }
}
