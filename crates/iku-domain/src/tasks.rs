//! Tasks of the staff's work made by hand (issue 18): what is to be done (a kind from a list,
//! never free text, so that a task holds no personal value), for which case if any, by when,
//! and whose it is. A task's history is a log of changes, never edited: made, given to
//! another owner, done. What reminds of a case by a rule is `reminders`.

use time::Date;

use crate::access::Username;
use crate::calendar::Timestamp;
use crate::ids::PersonId;
use crate::reminders::Reminder;

/// What a task is for: one made by hand (`BY_HAND`), or one a caseworker took from a rule's
/// reminder (`of`), which can then be given on and marked done like any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskKind {
    Call,
    Meeting,
    Document,
    Decision,
    PlanReview,
    Other,
    ReflectionEnding,
    ApplicationWaiting,
    ChildsMatter,
    FollowUp,
    MeasureDue,
}

impl TaskKind {
    pub const ALL: [TaskKind; 11] = [
        TaskKind::Call,
        TaskKind::Meeting,
        TaskKind::Document,
        TaskKind::Decision,
        TaskKind::PlanReview,
        TaskKind::Other,
        TaskKind::ReflectionEnding,
        TaskKind::ApplicationWaiting,
        TaskKind::ChildsMatter,
        TaskKind::FollowUp,
        TaskKind::MeasureDue,
    ];

    /// What the form that makes a task offers.
    pub const BY_HAND: [TaskKind; 6] = [
        TaskKind::Call,
        TaskKind::Meeting,
        TaskKind::Document,
        TaskKind::Decision,
        TaskKind::PlanReview,
        TaskKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Call => "call",
            TaskKind::Meeting => "meeting",
            TaskKind::Document => "document",
            TaskKind::Decision => "decision",
            TaskKind::PlanReview => "plan_review",
            TaskKind::Other => "other",
            TaskKind::ReflectionEnding => "reflection_ending",
            TaskKind::ApplicationWaiting => "application_waiting",
            TaskKind::ChildsMatter => "childs_matter",
            TaskKind::FollowUp => "follow_up",
            TaskKind::MeasureDue => "measure_due",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The task a reminder becomes when someone takes it.
    pub fn of(reminder: Reminder) -> Self {
        match reminder {
            Reminder::ReflectionEnding => TaskKind::ReflectionEnding,
            Reminder::ApplicationWaiting => TaskKind::ApplicationWaiting,
            Reminder::ChildsMatter => TaskKind::ChildsMatter,
            Reminder::FollowUp => TaskKind::FollowUp,
            Reminder::MeasureDue => TaskKind::MeasureDue,
            Reminder::PlanReview => TaskKind::PlanReview,
        }
    }
}

/// What happened to a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Made {
        owner: Username,
        kind: TaskKind,
        person: Option<PersonId>,
        due: Date,
    },
    /// Given to another owner.
    Given {
        owner: Username,
    },
    Done,
}

impl Change {
    /// Its name in the store.
    pub fn name(&self) -> &'static str {
        match self {
            Change::Made { .. } => "made",
            Change::Given { .. } => "given",
            Change::Done => "done",
        }
    }
}

/// One change of a task: which, what, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskChange {
    pub task: String,
    pub change: Change,
    pub by: Username,
    pub at: Timestamp,
}

/// A task as its changes leave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: String,
    pub kind: TaskKind,
    pub person: Option<PersonId>,
    pub due: Date,
    pub owner: Username,
    pub made_by: Username,
    /// Who marked it done, and when.
    pub done: Option<(Username, Timestamp)>,
}

impl Task {
    /// Whether this task was taken from the reminder `reminder` of `person` due on `due`
    /// (the reminder is then the task's, and no longer listed apart).
    pub fn answers(&self, reminder: Reminder, person: &PersonId, due: Date) -> bool {
        self.kind == TaskKind::of(reminder)
            && self.person.as_ref() == Some(person)
            && self.due == due
    }
}

/// The tasks `changes` (in the order they were made) leave; a change of a task not made is
/// left out.
pub fn fold(changes: &[TaskChange]) -> Vec<Task> {
    let mut tasks: Vec<Task> = Vec::new();
    for c in changes {
        let found = tasks.iter_mut().find(|t| t.id == c.task);
        match (&c.change, found) {
            (
                Change::Made {
                    owner,
                    kind,
                    person,
                    due,
                },
                None,
            ) => tasks.push(Task {
                id: c.task.clone(),
                kind: *kind,
                person: person.clone(),
                due: *due,
                owner: owner.clone(),
                made_by: c.by.clone(),
                done: None,
            }),
            (Change::Given { owner }, Some(t)) if t.done.is_none() => t.owner = owner.clone(),
            (Change::Done, Some(t)) if t.done.is_none() => t.done = Some((c.by.clone(), c.at)),
            _ => {}
        }
    }
    tasks
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_reminder_taken_is_answered_by_its_task_only() {
        use super::*;
        let p = PersonId::parse("p1").unwrap_or_else(|e| panic!("{e}"));
        let due = Date::from_calendar_date(2026, time::Month::December, 7).unwrap_or(Date::MIN);
        let me = Username::parse("maria").unwrap_or_else(|e| panic!("{e}"));
        let task = Task {
            id: "t-1".into(),
            kind: TaskKind::of(Reminder::FollowUp),
            person: Some(p.clone()),
            due,
            owner: me.clone(),
            made_by: me,
            done: None,
        };
        assert!(task.answers(Reminder::FollowUp, &p, due));
        assert!(!task.answers(Reminder::MeasureDue, &p, due));
        assert!(!task.answers(Reminder::FollowUp, &p, due.next_day().unwrap_or(due)));
        let other = PersonId::parse("p2").unwrap_or_else(|e| panic!("{e}"));
        assert!(!task.answers(Reminder::FollowUp, &other, due));
        for kind in TaskKind::ALL {
            assert_eq!(TaskKind::parse(kind.name()), Some(kind));
        }
        for reminder in Reminder::ALL {
            assert!(
                !TaskKind::BY_HAND.contains(&TaskKind::of(reminder))
                    || reminder == Reminder::PlanReview
            );
        }
    }

    use super::*;

    fn user(name: &str) -> Username {
        Username::parse(name).unwrap_or_else(|e| panic!("{e}"))
    }

    fn change(task: &str, change: Change, by: &str, at: i64) -> TaskChange {
        TaskChange {
            task: task.into(),
            change,
            by: user(by),
            at: Timestamp::from_micros(at),
        }
    }

    #[test]
    fn a_task_is_made_given_and_done_and_nothing_changes_it_after() {
        let due = Date::from_calendar_date(2026, time::Month::December, 9).unwrap_or(Date::MIN);
        let made = Change::Made {
            owner: user("cw.helsinki"),
            kind: TaskKind::Call,
            person: PersonId::parse("p1").ok(),
            due,
        };
        let changes = [
            change(
                "t1",
                Change::Given {
                    owner: user("cw.oulu"),
                },
                "x.y",
                0,
            ),
            change("t1", made, "cw.helsinki", 1),
            change(
                "t1",
                Change::Given {
                    owner: user("cw.tampere"),
                },
                "cw.helsinki",
                2,
            ),
            change("t1", Change::Done, "cw.tampere", 3),
            change(
                "t1",
                Change::Given {
                    owner: user("cw.oulu"),
                },
                "cw.tampere",
                4,
            ),
            change("t1", Change::Done, "cw.oulu", 5),
        ];
        let tasks = fold(&changes);
        assert_eq!(tasks.len(), 1);
        let t = &tasks[0];
        assert_eq!(t.owner.as_str(), "cw.tampere");
        assert_eq!(t.made_by.as_str(), "cw.helsinki");
        assert_eq!(
            t.done.as_ref().map(|(by, at)| (by.as_str(), at.micros())),
            Some(("cw.tampere", 3))
        );
    }
}
