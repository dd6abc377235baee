//! The rows of `task_changes` (migration 17), the same for both backends: a task change as
//! columns, and back; a row that does not read back is corruption.

use iku_domain::access::Username;
use iku_domain::calendar::{Timestamp, format_date, parse_date};
use iku_domain::ids::PersonId;
use iku_domain::tasks::{Change, TaskChange, TaskKind};

use crate::StoreError;

/// A change's columns besides its task, by and at: change, owner, kind, person, due.
pub(crate) struct Columns {
    pub change: &'static str,
    pub owner: Option<String>,
    pub kind: Option<&'static str>,
    pub person: Option<String>,
    pub due: Option<String>,
}

pub(crate) fn columns(c: &TaskChange) -> Columns {
    let mut row = Columns {
        change: c.change.name(),
        owner: None,
        kind: None,
        person: None,
        due: None,
    };
    match &c.change {
        Change::Made {
            owner,
            kind,
            person,
            due,
        } => {
            row.owner = Some(owner.as_str().to_owned());
            row.kind = Some(kind.name());
            row.person = person.as_ref().map(|p| p.as_str().to_owned());
            row.due = Some(format_date(*due));
        }
        Change::Given { owner } => row.owner = Some(owner.as_str().to_owned()),
        Change::Done => {}
    }
    row
}

/// A stored row: task, change, owner, kind, person, due, by, at.
pub(crate) struct Row {
    pub task: String,
    pub change: String,
    pub owner: Option<String>,
    pub kind: Option<String>,
    pub person: Option<String>,
    pub due: Option<String>,
    pub by: String,
    pub at: i64,
}

pub(crate) fn change_of(row: Row) -> Result<TaskChange, StoreError> {
    let bad = |what: &str| StoreError::Corrupt {
        seq: -1,
        message: format!("task {}: {what}", row.task),
    };
    let user = |name: Option<&str>| {
        name.and_then(|n| Username::parse(n).ok())
            .ok_or_else(|| bad("an owner that is no account name"))
    };
    let change = match row.change.as_str() {
        "made" => Change::Made {
            owner: user(row.owner.as_deref())?,
            kind: row
                .kind
                .as_deref()
                .and_then(TaskKind::parse)
                .ok_or_else(|| bad("a kind not known"))?,
            person: match row.person.as_deref() {
                Some(p) => Some(PersonId::parse(p).map_err(|_| bad("a bad person id"))?),
                None => None,
            },
            due: row
                .due
                .as_deref()
                .and_then(parse_date)
                .ok_or_else(|| bad("a due date that is no date"))?,
        },
        "given" => Change::Given {
            owner: user(row.owner.as_deref())?,
        },
        "done" => Change::Done,
        _ => return Err(bad("a change not known")),
    };
    Ok(TaskChange {
        by: user(Some(&row.by))?,
        task: row.task,
        change,
        at: Timestamp::from_micros(row.at),
    })
}
