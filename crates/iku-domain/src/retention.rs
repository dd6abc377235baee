//! What the retention schedule makes due for erasure (Act 615/2020, 15 §: case data at the
//! latest five years after the case ended; identity data with it). A case has ended when the
//! person is not a client and has no undecided application; it ended on the date of the last
//! decision or termination. The personal fields of such a person are erased; the events' codes
//! and dates stay, so past reviews can still be computed.

use rustc_hash::FxHashMap as HashMap;
use time::Date;

use crate::event::Subject;
use crate::ids::{EventId, PersonId};
use crate::register::Register;
use crate::state::PersonState;

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseEnd {
    Terminated,
    Rejected,
    Withdrawn,
}

impl CaseEnd {
    pub fn name(self) -> &'static str {
        match self {
            CaseEnd::Terminated => "assistance terminated",
            CaseEnd::Rejected => "application rejected",
            CaseEnd::Withdrawn => "application withdrawn",
        }
    }
}

/// A person whose personal fields are due for erasure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub person: PersonId,
    pub case_ended: Date,
    pub how: CaseEnd,
    /// Every details event of the person that still has personal fields (corrected and
    /// retracted ones too: they hold personal data as well).
    pub events: Vec<EventId>,
}

/// The day `years` years before `as_of` (28 February for 29 February in a common year).
pub fn cutoff(as_of: Date, years: u16) -> Date {
    let year = as_of.year() - i32::from(years);
    as_of
        .replace_year(year)
        .or_else(|_| as_of.replace_day(28).and_then(|d| d.replace_year(year)))
        .unwrap_or(Date::MIN)
}

fn case_end(p: &PersonState) -> Option<(Date, CaseEnd)> {
    if p.is_client() || p.applications.iter().any(|a| a.decided.is_none()) {
        return None;
    }
    let decisions = p.applications.iter().filter_map(|a| {
        let (date, decision) = a.decided?;
        let how = match decision {
            crate::event::Decision::Admitted => return None,
            crate::event::Decision::Rejected { .. } => CaseEnd::Rejected,
            crate::event::Decision::Withdrawn => CaseEnd::Withdrawn,
        };
        Some((date, how))
    });
    let terminations = p
        .client_periods
        .iter()
        .filter_map(|c| c.terminated.map(|(d, _)| (d, CaseEnd::Terminated)));
    decisions.chain(terminations).max_by_key(|(d, _)| *d)
}

/// The persons whose case ended before the cut-off (`years` before `as_of`) and who still
/// have personal fields, read from `register` loaded with its personal fields.
pub fn due(register: &Register, as_of: Date, years: u16) -> Vec<Due> {
    let limit = cutoff(as_of, years);
    let state = register.view(None).state_as_of(as_of);
    let mut with_personal: HashMap<&PersonId, Vec<EventId>> = HashMap::default();
    for e in register.events() {
        // A person's details and their journal's texts.
        if let (Some(fields), Subject::Person(person)) = (e.body.personal(), e.body.subject())
            && !fields.is_empty()
        {
            with_personal.entry(person).or_default().push(e.id.clone());
        }
    }
    let mut out: Vec<Due> = state
        .persons
        .values()
        .filter_map(|p| {
            let (ended, how) = case_end(p).filter(|(d, _)| *d < limit)?;
            let events = with_personal.remove(&p.id)?;
            Some(Due {
                person: p.id.clone(),
                case_ended: ended,
                how,
                events,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.case_ended
            .cmp(&b.case_ended)
            .then(a.person.cmp(&b.person))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_date;

    #[test]
    fn the_cutoff_counts_whole_years() {
        let d = |s| parse_date(s).unwrap_or(Date::MIN);
        assert_eq!(cutoff(d("2026-11-23"), 5), d("2021-11-23"));
        assert_eq!(cutoff(d("2024-02-29"), 5), d("2019-02-28"));
    }
}
