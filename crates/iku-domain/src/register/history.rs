//! A case's history: every event ever recorded about one person, the voided ones, the
//! corrections and the retractions too, each with what amended it. The register's views show
//! what is in force; this shows how it came to be, which is what a caseworker checks before
//! correcting anything and what an auditor reads.

use rustc_hash::FxHashSet as HashSet;

use super::Register;
use crate::event::{Event, EventBody, Subject};
use crate::ids::PersonId;

/// One event of a person's history.
#[derive(Debug, Clone, Copy)]
pub struct HistoryEntry<'a> {
    pub event: &'a Event,
    /// The correction or the retraction that amended it, if one did: from that event's
    /// recorded time on, this one is no longer in force.
    pub amended_by: Option<&'a Event>,
}

impl HistoryEntry<'_> {
    /// Whether the event is part of the record as it stands (a retraction never is: it only
    /// voids).
    pub fn in_force(&self) -> bool {
        self.amended_by.is_none() && !matches!(self.event.body, EventBody::Retraction { .. })
    }
}

impl Register {
    /// Every event about `person`: theirs by the person, application or child they name, or
    /// by the event they correct or retract. Unlike `View::by_person`, voided events count: an
    /// application received and then retracted still makes its decision part of the history.
    ///
    /// In the order the register applies them (date, then the place of the chain's first
    /// event), each correction and retraction right after what it amends: a history reads as
    /// the record does, with how each entry came to be beside it.
    pub fn history_of(&self, person: &PersonId) -> Vec<HistoryEntry<'_>> {
        let mut applications = HashSet::default();
        let mut children = HashSet::default();
        for e in &self.events {
            match &e.body {
                EventBody::ApplicationReceived(a) if &a.person == person => {
                    applications.insert(&a.application);
                }
                EventBody::ChildAdmitted { child, parent } if parent == person => {
                    children.insert(child);
                }
                _ => {}
            }
        }
        let mut theirs = vec![false; self.events.len()];
        for (seq, e) in self.events.iter().enumerate() {
            let amended = match (&e.corrects, &e.body) {
                (Some(t), _) | (None, EventBody::Retraction { retracts: t }) => self.find(t),
                _ => None,
            };
            // What an event amends entered the register before it (`push`).
            theirs[seq] = amended.is_some_and(|t| theirs[t as usize])
                || match e.body.subject() {
                    Subject::Person(p) | Subject::Child(_, Some(p)) => p == person,
                    Subject::Child(c, None) => children.contains(c),
                    Subject::Application(a) => applications.contains(a),
                    Subject::Event(_) => false,
                };
        }
        let mut order: Vec<usize> = (0..self.events.len()).filter(|&s| theirs[s]).collect();
        order.sort_by_key(|&seq| {
            let e = &self.events[seq];
            // A retraction sits with what it voids, on that event's date.
            let date = match &e.body {
                EventBody::Retraction { retracts } => self.get(retracts).map_or(e.date, |t| t.date),
                _ => e.date,
            };
            let root = self.chain_root(seq);
            (date, self.events[root].recorded_at, root, seq)
        });
        order
            .into_iter()
            .map(|seq| HistoryEntry {
                event: &self.events[seq],
                amended_by: self.successor[seq].map(|s| &self.events[s as usize]),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{APP, GENDER_F, GENDER_M, RETRACT_G2, register};

    const OTHER: &str = r#"{"id":"app2","event":"application_received","date":"2020-01-10","application":"a2","person":"p2","referrer":"police","consent":true}"#;
    const DECIDE_A1: &str = r#"{"id":"dec","event":"application_decided","date":"2020-02-01","application":"a1","outcome":"admitted"}"#;
    const RETRACT_APP: &str =
        r#"{"id":"r2","event":"retraction","date":"2020-01-10","retracts":"app"}"#;
    const CHILD: &str =
        r#"{"id":"c1","event":"child_admitted","date":"2020-03-01","child":"k1","parent":"p1"}"#;
    const CHILD_LEFT: &str = r#"{"id":"c2","event":"child_left","date":"2020-04-01","child":"k1"}"#;

    fn ids<'a>(entries: &[super::HistoryEntry<'a>]) -> Vec<&'a str> {
        entries.iter().map(|h| h.event.id.as_str()).collect()
    }

    #[test]
    fn the_history_holds_every_event_about_the_person_with_what_amended_it() {
        let r = register(&[
            (APP, 0),
            (OTHER, 0),
            (GENDER_F, 1),
            (DECIDE_A1, 2),
            (CHILD, 3),
            (CHILD_LEFT, 4),
            (GENDER_M, 10),
            (RETRACT_G2, 20),
        ]);
        let Ok(r) = r else { panic!("{r:?}") };
        let p1 = crate::ids::PersonId::parse("p1").unwrap_or_else(|e| panic!("{e}"));
        let history = r.history_of(&p1);
        assert_eq!(
            ids(&history),
            ["app", "g1", "g2", "r1", "dec", "c1", "c2"],
            "the other person's application is not theirs; each amendment right after what \
             it amends"
        );
        let by_id = |id: &str| history.iter().find(|h| h.event.id.as_str() == id).copied();
        let amender = |id: &str| by_id(id).and_then(|h| h.amended_by).map(|e| e.id.as_str());
        assert_eq!(amender("g1"), Some("g2"), "corrected");
        assert_eq!(amender("g2"), Some("r1"), "retracted");
        assert_eq!(amender("app"), None);
        let in_force: Vec<_> = history.iter().filter(|h| h.in_force()).collect();
        assert_eq!(in_force.len(), 4, "app, dec, c1, c2: {in_force:?}");
    }

    #[test]
    fn a_voided_application_keeps_its_decision_and_retraction_in_the_history() {
        let r = register(&[(APP, 0), (DECIDE_A1, 1), (RETRACT_APP, 5)]);
        let Ok(r) = r else { panic!("{r:?}") };
        let p1 = crate::ids::PersonId::parse("p1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ids(&r.history_of(&p1)), ["app", "r2", "dec"]);
        let p2 = crate::ids::PersonId::parse("p2").unwrap_or_else(|e| panic!("{e}"));
        assert!(r.history_of(&p2).is_empty());
    }
}
