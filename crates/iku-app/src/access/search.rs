//! Finding a person (`CaseScope::search`): the query made into terms
//! (`iku_domain::search`), their keyed HMACs looked up in the blind index, and the persons who
//! match enough of the query's tokens, best first. Only the cases in the user's scope are
//! shown; the others are counted, and shown only when the user gives a reason
//! (break-the-glass), which directors see. Every search is on record with what it searched by
//! and how many it found, never the terms.

use std::collections::{BTreeSet, HashMap};

use iku_domain::ids::PersonId;
use iku_domain::search::{self, Probe, Query};

use super::case::{CaseScope, ListedCase};
use super::{covers, glass_reason};
use crate::audit::{Action, Audited, entry};
use crate::{AppError, Lease};

/// A case found, and how many of the query's tokens it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub case: ListedCase,
    pub matched: usize,
    /// Outside the user's scope: shown because a reason was given.
    pub outside: bool,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult {
    pub probe: Probe,
    /// The cases found that are shown, best first (at most the limit asked for).
    pub found: Vec<Found>,
    /// Found outside the user's scope and not shown.
    pub outside: usize,
}

/// The persons the blind index finds for `query`, each with how many of its tokens they
/// match (at least as many as the query needs), best first.
pub(super) fn found_by(
    lease: &mut Lease<'_>,
    query: &Query,
) -> Result<Vec<(PersonId, usize)>, AppError> {
    let keys = &lease.app().config().keys;
    let blinds: Vec<_> = query
        .terms
        .iter()
        .map(|t| (keys.blind(&t.term), t.token))
        .collect();
    let mut terms: Vec<_> = blinds.iter().map(|(b, _)| *b).collect();
    terms.sort_unstable();
    terms.dedup();
    let rows = lease.with(|s| s.blind_lookup(&terms))?;
    let mut tokens: HashMap<PersonId, BTreeSet<usize>> = HashMap::new();
    for (term, person) in rows {
        let matched = blinds.iter().filter(|(b, _)| *b == term).map(|(_, t)| *t);
        tokens.entry(person).or_default().extend(matched);
    }
    let needed = query.needed();
    let mut hits: Vec<(PersonId, usize)> = tokens
        .into_iter()
        .map(|(p, t)| (p, t.len()))
        .filter(|(_, n)| *n >= needed)
        .collect();
    hits.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(hits)
}

impl CaseScope<'_> {
    /// The cases `text` finds, at most `limit`; with `glass` (a reason), those outside the
    /// user's scope too. On record once the answer is given.
    pub fn search(
        &mut self,
        text: &str,
        limit: usize,
        glass: Option<&str>,
    ) -> Result<Audited<SearchResult>, AppError> {
        let reason = glass.map(glass_reason).transpose()?;
        let this_year = iku_domain::calendar::finnish_date(crate::now()).year();
        let query = search::query(text, this_year).map_err(AppError::BadQuery)?;
        let hits = found_by(&mut self.lease, &query)?;
        let actor = self.actor;
        let (found, outside) = self.index(|index| {
            let mut found = Vec::new();
            let mut outside = 0;
            for (person, matched) in hits {
                let Some(summary) = index.case(&person) else {
                    continue;
                };
                // A restricted record is found by directors alone, not even by a reason.
                if summary.restricted && actor.role != iku_domain::access::Role::Director {
                    continue;
                }
                let a = index.assignment(&person);
                let theirs = covers(actor, a);
                if !theirs && reason.is_none() {
                    outside += 1;
                    continue;
                }
                found.push(Found {
                    case: ListedCase {
                        summary: summary.clone(),
                        office: a.map(|a| a.office.clone()),
                        assignee: a.and_then(|a| a.assignee.clone()),
                    },
                    matched,
                    outside: !theirs,
                });
            }
            found.truncate(limit);
            (found, outside)
        })?;
        let record = format!(
            "{}: {} found, {} outside the scope",
            query.probe.name(),
            found.len(),
            outside + found.iter().filter(|f| f.outside).count()
        );
        let user = actor.username.as_str();
        let mut on_record = match &reason {
            None => entry(user, Action::CasesSearch, &record, ""),
            Some(_) => entry(user, Action::CasesSearchBreakTheGlass, &record, ""),
        };
        on_record.note = reason;
        let pending = self.lease.app().writer.audit(on_record);
        Ok(Audited::new(
            SearchResult {
                probe: query.probe,
                found,
                outside,
            },
            Some(pending),
        ))
    }
}
