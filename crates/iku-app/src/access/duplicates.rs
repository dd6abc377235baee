//! Who a new applicant may already be. While a case has an application waiting for a
//! decision, the persons the blind index finds for what is known of them (the same identity
//! code, phone number or e-mail address; the same name with the same year of birth) are
//! proposed, with why. The caseworker links the case to one of them (its events are moved by
//! corrections, so the register keeps what was recorded first and the statistics count one
//! person) or decides they are not the same person (the pair is not proposed again).

use std::collections::{BTreeMap, HashSet};

use iku_domain::event::{Event, Subject};
use iku_domain::ids::PersonId;
use iku_domain::interchange::{Personals, write_line};
use iku_domain::search::{self, Probe};
use iku_domain::state::PersonState;
use serde_json::{Map, Value};

use super::case::{CaseAccess, ListedCase, event_of, write_record};
use super::search::found_by;
use super::{Actor, covers, sees};
use crate::audit::{Action, entry};
use crate::register::Index;
use crate::{AppError, now};

/// A person this case's person may be, and why (the probes that found them, identity code
/// first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub case: ListedCase,
    pub why: Vec<Probe>,
}

/// The proposals for a case: those in the user's scope, and how many more were found in
/// cases the user does not see (a director sees them all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proposals {
    pub shown: Vec<Proposal>,
    pub elsewhere: usize,
}

/// The persons a case's person may be, and the probes that found each.
pub(super) type Candidates = BTreeMap<PersonId, Vec<Probe>>;

/// The candidates as the user may see them, best first (`index`: the register held in
/// memory).
pub(super) fn proposals(index: &Index, actor: &Actor, candidates: Candidates) -> Proposals {
    let mut proposals = Proposals::default();
    for (found, mut why) in candidates {
        let Some(summary) = index.case(&found) else {
            continue;
        };
        let a = index.assignment(&found);
        if !covers(actor, a) {
            proposals.elsewhere += 1;
            continue;
        }
        why.sort_by_key(rank);
        proposals.shown.push(Proposal {
            case: ListedCase {
                summary: summary.clone(),
                office: a.map(|a| a.office.clone()),
                assignee: a.and_then(|a| a.assignee.clone()),
            },
            why,
        });
    }
    proposals
        .shown
        .sort_by_key(|p| (rank(&p.why[0]), usize::MAX - p.why.len()));
    proposals
}

fn rank(probe: &Probe) -> u8 {
    match probe {
        Probe::IdentityCode => 0,
        Probe::Name { .. } => 1,
        Probe::Phone => 2,
        Probe::Email => 3,
    }
}

impl CaseAccess<'_> {
    /// The persons `record` (this case's person, personal fields opened) may be, with why:
    /// none once no application of theirs waits for a decision, nor those decided apart
    /// from them.
    pub(super) fn candidates(&mut self, record: &PersonState) -> Result<Candidates, AppError> {
        let mut why = Candidates::new();
        if record.applications.iter().all(|a| a.decided.is_some()) {
            return Ok(why);
        }
        let details = &record.details;
        let queries = search::queries_of(&details.personal, details.birth_year);
        if queries.is_empty() {
            return Ok(why);
        }
        let person = self.person.clone();
        let decided: HashSet<PersonId> = self
            .lease
            .with(|s| s.distinct_from(&person))?
            .into_iter()
            .collect();
        for query in &queries {
            for (found, _) in found_by(&mut self.lease, query)? {
                if found != person && !decided.contains(&found) {
                    why.entry(found).or_default().push(query.probe.clone());
                }
            }
        }
        Ok(why)
    }

    /// Links this case to `other`, the same person: every event of this case's person is
    /// moved to `other` by a correction (their applications, and the decisions on them,
    /// with it; the details given merge into theirs as of their date), in one write with its
    /// audit entry. Both cases must be the user's. Returns how many events were moved.
    pub fn link_to(&mut self, other: &PersonId) -> Result<usize, AppError> {
        let person = self.person.clone();
        if *other == person {
            return Err(AppError::BadRequest);
        }
        let actor = self.actor;
        let (exists, theirs) =
            self.index(|index| (index.case(other).is_some(), sees(actor, index, other)))?;
        if !exists {
            return Err(AppError::NotFound);
        }
        if !theirs {
            return Err(AppError::Forbidden);
        }
        let group = self.group()?;
        let mut events = group.events_of(&person);
        if events.is_empty() {
            return Err(AppError::NotFound);
        }
        let keys = &self.lease.app().config().keys;
        self.lease
            .with(|s| group.open(s, keys, &mut events, |_| true))?;
        let moved = events
            .iter()
            .filter_map(|e| moved_to(e, &person, other).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let n = moved.len();
        // Each correction on record as any write to the case is (the history names who made
        // it), and the link as a whole.
        let user = actor.username.as_str();
        let mut records: Vec<_> = moved
            .iter()
            .map(|e| entry(user, Action::CaseWrite, &write_record(other, e), ""))
            .collect();
        records.push(entry(
            user,
            Action::CaseLink,
            &format!(
                "{} linked to {}: {n} events moved",
                person.as_str(),
                other.as_str()
            ),
            "",
        ));
        let app = self.lease.app();
        app.writer.write(moved, records).wait()?;
        self.lease.with(|s| app.register.catch_up(s))?;
        Ok(n)
    }

    /// Decides that this case's person is not `other`: the pair is not proposed again. On
    /// record.
    pub fn not_the_same_as(&mut self, other: &PersonId) -> Result<(), AppError> {
        let person = self.person.clone();
        if *other == person {
            return Err(AppError::BadRequest);
        }
        let actor = self.actor.username.as_str().to_owned();
        self.lease
            .with(|s| s.mark_distinct(&person, other, &actor, now()))?;
        self.lease.app().audit(entry(
            &actor,
            Action::CaseDistinct,
            &format!("{} is not {}", person.as_str(), other.as_str()),
            "",
        ))
    }
}

/// The correction that moves `e` from `from` to `to`, if `e` is about `from` (an event about
/// one of their applications follows the application).
fn moved_to(e: &Event, from: &PersonId, to: &PersonId) -> Result<Option<Event>, AppError> {
    let field = match e.body.subject() {
        Subject::Person(p) if p == from => "person",
        Subject::Child(_, Some(parent)) if parent == from => "parent",
        _ => return Ok(None),
    };
    let line = write_line(e, Personals::Include);
    let mut fields: Map<String, Value> = serde_json::from_str(&line)
        .map_err(|err| AppError::Internal(format!("an event as written: {err}")))?;
    fields.remove("id");
    fields.remove("recorded_at");
    fields.insert("corrects".into(), Value::String(e.id.as_str().to_owned()));
    fields.insert(field.into(), Value::String(to.as_str().to_owned()));
    event_of(fields).map(Some)
}
