//! A caseworker's work: the reminders of the cases in their scope that are overdue or fall
//! due within the next two weeks (`iku_domain::reminders`), soonest first, each with the case's
//! reference, read from the register held in memory (a request costs the reminders it finds);
//! and the tasks made by hand (`iku_domain::tasks`): made, given to a colleague who sees the
//! case, done, each change appended to the task log and on record.

use iku_domain::access::{Role, Username};
use iku_domain::ids::PersonId;
use iku_domain::reminders::{KEPT_OVERDUE, REFLECTION_ENDING, Reminder, horizon};
use iku_domain::tasks::{Change, Task, TaskChange, TaskKind, fold};
use time::Date;

use super::case::{CaseScope, fresh};
use super::{Actor, sees};
use crate::AppError;
use crate::audit::{Action, entry};

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
        let log = self.task_log()?;
        let mut found = self.due(today, &log)?;
        let more = found.len() > limit;
        found.truncate(limit);
        self.listed("reminders", found.len())?;
        Ok((found, more))
    }

    /// Every task the user holds or held, from their part of the task log.
    pub(crate) fn task_log(&mut self) -> Result<Vec<Task>, AppError> {
        let me = self.actor.username.clone();
        Ok(fold(&self.lease.with(|s| s.task_changes(Some(&me)))?))
    }

    /// Every reminder of the cases in scope that is overdue or due by the horizon, soonest
    /// first, not on record (the caller records what it shows); `log` is the user's tasks
    /// (`task_log`), which answer the reminders they were taken from.
    pub(crate) fn due(&mut self, today: Date, log: &[Task]) -> Result<Vec<Due>, AppError> {
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
            found.retain(|d| sees(actor, index, &d.person));
            found
        })?;
        // A reminder the user took as a task is the task's now (open or done).
        let me = &self.actor.username;
        found.retain(|d| {
            !log.iter()
                .any(|t| &t.made_by == me && t.answers(d.reminder, &d.person, d.due))
        });
        found.sort_by(|a, b| (a.due, a.reminder, &a.person).cmp(&(b.due, b.reminder, &b.person)));
        Ok(found)
    }
}

/// A task to make: what, for which case (if any), by when, and whose (None: the user's own).
#[derive(Debug, Clone)]
pub struct NewTask {
    pub kind: TaskKind,
    pub person: Option<PersonId>,
    pub due: Date,
    pub owner: Option<Username>,
}

impl CaseScope<'_> {
    /// The user's open tasks, soonest due first, each with its case's reference (the listing
    /// on record).
    pub fn tasks(&mut self) -> Result<Vec<(Task, Option<String>)>, AppError> {
        let mine = self.open_tasks()?;
        let listed = self.index(|index| {
            mine.into_iter()
                .map(|t| {
                    let reference = t
                        .person
                        .as_ref()
                        .and_then(|p| index.case(p))
                        .map(|c| c.reference().to_owned());
                    (t, reference)
                })
                .collect::<Vec<_>>()
        })?;
        self.listed("tasks", listed.len())?;
        Ok(listed)
    }

    /// The user's open tasks, soonest due first, not on record.
    pub(crate) fn open_tasks(&mut self) -> Result<Vec<Task>, AppError> {
        let log = self.task_log()?;
        Ok(self.open_in(log))
    }

    /// The open tasks of `log` the user owns, soonest due first.
    pub(crate) fn open_in(&self, log: Vec<Task>) -> Vec<Task> {
        let me = &self.actor.username;
        let mut mine: Vec<Task> = log
            .into_iter()
            .filter(|t| &t.owner == me && t.done.is_none())
            .collect();
        mine.sort_by(|a, b| (a.due, &a.id).cmp(&(b.due, &b.id)));
        mine
    }

    /// The accounts a task may be given to: enabled caseworkers and directors, by name.
    pub fn task_owners(&mut self) -> Result<Vec<Username>, AppError> {
        let accounts = self.lease.with(|s| s.accounts())?;
        Ok(accounts
            .into_iter()
            .filter(|a| !a.disabled && matches!(a.role, Role::Caseworker | Role::Director))
            .map(|a| a.username)
            .collect())
    }

    /// Checks that `owner` may hold a task of `person`: an enabled caseworker or director
    /// who sees the case.
    fn may_own(&mut self, owner: &Username, person: Option<&PersonId>) -> Result<(), AppError> {
        let account = self.lease.with(|s| s.account(owner))?;
        let Some(account) = account.filter(|a| !a.disabled) else {
            return Err(AppError::UnknownAssignee);
        };
        let actor = Actor {
            username: account.username,
            role: account.role,
            office: account.office,
        };
        if !matches!(actor.role, Role::Caseworker | Role::Director) {
            return Err(AppError::UnknownAssignee);
        }
        if let Some(person) = person {
            let sees = self.index(|index| sees(&actor, index, person))?;
            if !sees {
                return Err(AppError::UnknownAssignee);
            }
        }
        Ok(())
    }

    /// Makes a task (of a case in the user's scope, if any), on record; its id.
    pub fn make_task(&mut self, task: NewTask) -> Result<String, AppError> {
        if let Some(person) = &task.person
            && !self.covers(person)?
        {
            return Err(AppError::Forbidden);
        }
        let owner = task
            .owner
            .clone()
            .unwrap_or_else(|| self.actor.username.clone());
        self.may_own(&owner, task.person.as_ref())?;
        let id = fresh("t")?;
        let record = format!(
            "{id} {} {} {owner}",
            task.person.as_ref().map_or("-", PersonId::as_str),
            task.kind.name()
        );
        self.change_task(
            &id,
            Change::Made {
                owner,
                kind: task.kind,
                person: task.person,
                due: task.due,
            },
        )?;
        self.audit_task(Action::TaskMake, &record)?;
        Ok(id)
    }

    /// The open task `id` as its owner (or a director) may change it.
    fn open_task(&mut self, id: &str) -> Result<Task, AppError> {
        let changes = self.lease.with(|s| s.task_changes_of(id))?;
        let task = fold(&changes)
            .into_iter()
            .find(|t| t.id == id && t.done.is_none())
            .ok_or(AppError::NotFound)?;
        if task.owner != self.actor.username && self.actor.role != Role::Director {
            return Err(AppError::Forbidden);
        }
        Ok(task)
    }

    /// Marks the task done, on record.
    pub fn finish_task(&mut self, id: &str) -> Result<(), AppError> {
        self.open_task(id)?;
        self.change_task(id, Change::Done)?;
        self.audit_task(Action::TaskDone, id)
    }

    /// Gives the task to another owner who sees its case, on record.
    pub fn give_task(&mut self, id: &str, to: Username) -> Result<(), AppError> {
        let task = self.open_task(id)?;
        self.may_own(&to, task.person.as_ref())?;
        let record = format!("{id} {to}");
        self.change_task(id, Change::Given { owner: to })?;
        self.audit_task(Action::TaskGive, &record)
    }

    fn change_task(&mut self, id: &str, change: Change) -> Result<(), AppError> {
        let logged = TaskChange {
            task: id.to_owned(),
            change,
            by: self.actor.username.clone(),
            at: crate::now(),
        };
        self.lease.with(|s| s.add_task_change(&logged))
    }

    fn audit_task(&self, action: Action, record: &str) -> Result<(), AppError> {
        self.lease
            .app()
            .audit(entry(self.actor.username.as_str(), action, record, ""))
    }
}
