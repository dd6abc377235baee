//! A register cut into its persons.

use std::collections::BTreeMap;

use iku_domain::{Event, Register};

/// A register's persons, each with the events about them and the children in their care
/// (the groups the statistics fold apart), for the attacker to take apart.
pub fn of(register: &Register) -> Vec<Vec<Event>> {
    let owners = iku_domain::grouping::owners(register, 0);
    let mut parent: BTreeMap<u32, u32> = BTreeMap::new();
    fn root(parent: &mut BTreeMap<u32, u32>, x: u32) -> u32 {
        let p = *parent.entry(x).or_insert(x);
        if p == x {
            return x;
        }
        let r = root(parent, p);
        parent.insert(x, r);
        r
    }
    for (a, b) in &owners.links {
        let (ra, rb) = (root(&mut parent, *a), root(&mut parent, *b));
        parent.insert(ra.max(rb), ra.min(rb));
    }
    let mut groups: BTreeMap<u32, Vec<Event>> = BTreeMap::new();
    for (event, owner) in register.events().iter().zip(&owners.owners) {
        let group = root(&mut parent, *owner);
        groups.entry(group).or_default().push(event.clone());
    }
    groups.into_values().collect()
}
