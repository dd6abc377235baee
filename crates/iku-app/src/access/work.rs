//! A caseworker's work: the reminders of the cases in their scope that are overdue or fall
//! due within the next two weeks (`iku_domain::reminders`), soonest first, each with the case's
//! reference. Read from the register held in memory: a request costs the reminders it finds.

use iku_domain::ids::PersonId;
use iku_domain::reminders::{KEPT_OVERDUE, REFLECTION_ENDING, Reminder, horizon};
use time::Date;

use super::case::CaseScope;
use super::covers;
use crate::AppError;

/// One reminder of a case: why, the day it falls due, and the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub reminder: Reminder,
    pub due: Date,
    pub person: PersonId,
    /// What people call the case: its latest application's reference.
    pub reference: String,
}

impl CaseScope<'_> {
    /// The reminders of the cases in scope that are overdue or fall due by the lists'
    /// horizon, soonest first (at most `limit`, and whether there were more); the listing is
    /// on record. A reflection period is due from 14 days before its last day until it ends;
    /// an application from its 30th day of waiting (a child's matter at once) until it is
    /// decided; a date casework set for 30 days after it.
    pub fn reminders(&mut self, today: Date, limit: usize) -> Result<(Vec<Due>, bool), AppError> {
        let actor = self.actor;
        let until = horizon(today);
        let mut found: Vec<Due> = self.index(|index| {
            let due = |reminder, due, case: &crate::register::CaseSummary| Due {
                reminder,
                due,
                person: case.person.clone(),
                reference: case.reference().to_owned(),
            };
            let mut found = Vec::new();
            for (day, case) in index.reflection_ending(today, today + REFLECTION_ENDING) {
                found.push(due(Reminder::ReflectionEnding, day, case));
            }
            for (w, case) in index.waiting_after(None) {
                if case.childs_matter(today) {
                    found.push(due(Reminder::ChildsMatter, w.received, case));
                } else if Reminder::ApplicationWaiting.due(w.received) <= until {
                    let day = Reminder::ApplicationWaiting.due(w.received);
                    found.push(due(Reminder::ApplicationWaiting, day, case));
                }
            }
            for (day, reminder, case) in index.casework_between(today - KEPT_OVERDUE, until) {
                found.push(due(reminder, day, case));
            }
            found.retain(|d| covers(actor, index.assignment(&d.person)));
            found
        })?;
        found.sort_by(|a, b| (a.due, a.reminder, &a.person).cmp(&(b.due, b.reminder, &b.person)));
        let more = found.len() > limit;
        found.truncate(limit);
        self.listed("reminders", found.len())?;
        Ok((found, more))
    }
}
