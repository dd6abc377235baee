//! Authorization in the types (after lldap): a front end gets a scoped handle for what its
//! user may do only from the `Actor`'s role and office check, and the handles' fields are
//! private to this module, so no other code makes one without the check. A handle owns the
//! store it was granted (`Lease`), and its methods write the audit entry of what they read or
//! change: no read of a case can skip its entry.

mod administration;
mod case;
mod consent;
mod decisions;
mod direction;
mod documents;
mod duplicates;
mod person_data;
mod plan;
mod search;
mod statistics;
mod work;

use iku_domain::access::{Role, Username};
use iku_domain::ids::PersonId;
use iku_domain::personal::Personal;
use iku_storage::access::CaseAssignment;

use crate::audit::{Action, entry};
use crate::{App, AppError, Lease};

pub use administration::{Administration, AuditReading, ReadEntry, new_account};
pub use case::{
    CaseAccess, CasePage, CaseScope, Ending, EndingCase, ListedCase, WaitingCase, WaitingCursor,
    Written, write_record as case_write_record,
};
pub use decisions::{DecisionRecord, RemovalRecord};
pub use direction::{CaseDirection, HIDDEN_FIELD_FILLED, Intake, NewCase};
pub use documents::Listed as ListedDocument;
pub use duplicates::{Proposal, Proposals};
pub use person_data::{AccessExport, Candidate, PersonData};
pub use plan::MeasureChange;
pub use search::{Found, SearchResult};
pub use statistics::Statistics;
pub use work::{Due, NewTask};

/// A page of a list: its items, and where the next page starts (None: this is the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, C> {
    pub items: Vec<T>,
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// The first `limit` of `items` (one more was taken to know if there are more), and the
    /// cursor of the last one shown.
    fn of(mut items: Vec<T>, limit: usize, cursor: impl Fn(&T) -> C) -> Self {
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more { items.last().map(cursor) } else { None };
        Page { items, next }
    }
}

/// Who acts: an account's name, role and (a caseworker's) office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub username: Username,
    pub role: Role,
    pub office: Option<String>,
}

/// Why a case was opened: in the user's scope, or outside it with a reason in the user's own
/// words (break-the-glass), which may name anyone: sealed in the audit log as a note.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Grounds {
    InScope,
    BreakTheGlass(Personal),
}

/// Whether a user sees a case: a director every case; a caseworker their office's and those
/// assigned to them.
fn covers(actor: &Actor, assignment: Option<&CaseAssignment>) -> bool {
    assignment.map_or(actor.role == Role::Director, |a| {
        covers_placed(actor, &a.office, a.assignee.as_ref())
    })
}

/// Whether `actor` sees `person`'s case in lists and searches: in their scope, and not
/// restricted unless they direct (a restricted record is the directors' and the data
/// protection officer's alone).
fn sees(actor: &Actor, index: &crate::register::Index, person: &PersonId) -> bool {
    covers(actor, index.assignment(person))
        && (actor.role == Role::Director || !index.case(person).is_some_and(|c| c.restricted))
}

/// A break-the-glass reason as given: at least ten characters of text, at most 500.
fn glass_reason(reason: &str) -> Result<Personal, AppError> {
    let reason = reason.trim();
    if reason.chars().count() < 10 || iku_domain::personal::check_text(reason, 500, true).is_err() {
        return Err(AppError::ReasonRequired);
    }
    Ok(Personal::new(reason))
}

/// Whether a user sees the cases of `office` assigned to `assignee`.
fn covers_placed(actor: &Actor, office: &str, assignee: Option<&Username>) -> bool {
    match actor.role {
        Role::Director => true,
        Role::Caseworker => {
            assignee == Some(&actor.username) || actor.office.as_deref() == Some(office)
        }
        _ => false,
    }
}

/// The assignment of `person`'s case in force, from the held register caught up with the
/// store (a case opened after this also reads its group from the register as caught up).
fn assignment(
    lease: &mut Lease<'_>,
    person: &PersonId,
) -> Result<Option<CaseAssignment>, AppError> {
    let app = lease.app();
    lease.with(|s| {
        app.register
            .read(s, |index| index.assignment(person).cloned())
    })
}

/// Whether processing of the person's data is restricted (as the held register has it).
fn restricted(lease: &mut Lease<'_>, person: &PersonId) -> Result<bool, AppError> {
    let app = lease.app();
    lease.with(|s| {
        app.register
            .read(s, |index| index.case(person).is_some_and(|c| c.restricted))
    })
}

/// Whether caseworkers work in `office` (an enabled caseworker account of it): a case put in
/// an office nobody works in would leave every caseworker's scope.
fn office_exists(lease: &mut Lease<'_>, office: &str) -> Result<bool, AppError> {
    Ok(lease
        .with(|s| s.accounts())?
        .iter()
        .any(|a| a.role == Role::Caseworker && !a.disabled && a.office.as_deref() == Some(office)))
}

impl Actor {
    fn audit(&self, app: &App, action: Action, record: &str) -> Result<(), AppError> {
        app.audit(entry(self.username.as_str(), action, record, ""))
    }

    /// The cases the user may see (caseworkers and directors).
    pub fn cases<'a>(&'a self, app: &'a App) -> Result<CaseScope<'a>, AppError> {
        match self.role {
            Role::Caseworker | Role::Director => CaseScope::new(self, app.lease()?),
            _ => Err(AppError::Forbidden),
        }
    }

    /// Opens a case in the user's scope (its assignment alone is read). A refused attempt is
    /// on record too: someone looking where they may not.
    pub fn open_case<'a>(
        &'a self,
        app: &'a App,
        person: &PersonId,
    ) -> Result<CaseAccess<'a>, AppError> {
        let mut lease = app.lease()?;
        let allowed = matches!(self.role, Role::Caseworker | Role::Director)
            && covers(self, assignment(&mut lease, person)?.as_ref())
            && (self.role == Role::Director || !restricted(&mut lease, person)?);
        if !allowed {
            self.audit(app, Action::CaseRefused, person.as_str())?;
            return Err(AppError::Forbidden);
        }
        Ok(CaseAccess::new(
            self,
            lease,
            person.clone(),
            Grounds::InScope,
        ))
    }

    /// Opens a case outside a caseworker's scope, for a reason that is sealed in the audit
    /// log and shown to directors (inside the scope the reason is not needed, not recorded).
    pub fn break_the_glass<'a>(
        &'a self,
        app: &'a App,
        person: &PersonId,
        reason: &str,
    ) -> Result<CaseAccess<'a>, AppError> {
        if !matches!(self.role, Role::Caseworker | Role::Director) {
            return Err(AppError::Forbidden);
        }
        let reason = glass_reason(reason)?;
        let mut lease = app.lease()?;
        if self.role != Role::Director && restricted(&mut lease, person)? {
            self.audit(app, Action::CaseRefused, person.as_str())?;
            return Err(AppError::Forbidden);
        }
        let assignment = assignment(&mut lease, person)?;
        let grounds = if covers(self, assignment.as_ref()) {
            Grounds::InScope
        } else {
            Grounds::BreakTheGlass(reason)
        };
        Ok(CaseAccess::new(self, lease, person.clone(), grounds))
    }

    /// Reviews: statisticians (internal and published) and directors (published).
    pub fn statistics<'a>(&'a self, app: &'a App) -> Result<Statistics<'a>, AppError> {
        match self.role {
            Role::Statistician | Role::Director => Ok(Statistics::new(self, app.lease()?)),
            _ => Err(AppError::Forbidden),
        }
    }

    /// Accounts: admins.
    pub fn administration<'a>(&'a self, app: &'a App) -> Result<Administration<'a>, AppError> {
        match self.role {
            Role::Admin => Ok(Administration::new(self, app.lease()?)),
            _ => Err(AppError::Forbidden),
        }
    }

    /// The audit log: auditors all of it; directors the break-the-glass openings.
    pub fn audit_log<'a>(&'a self, app: &'a App) -> Result<AuditReading<'a>, AppError> {
        match self.role {
            Role::Auditor => Ok(AuditReading::new(self, app.lease()?, true)),
            Role::Director => Ok(AuditReading::new(self, app.lease()?, false)),
            _ => Err(AppError::Forbidden),
        }
    }

    /// A person's requests under the GDPR: the data protection officer.
    pub fn person_data<'a>(&'a self, app: &'a App) -> Result<PersonData<'a>, AppError> {
        match self.role {
            Role::DataProtection => Ok(PersonData::new(self, app.lease()?)),
            _ => Err(AppError::Forbidden),
        }
    }

    /// Recording new applications: a caseworker into their own office; a director into the
    /// office they name, where caseworkers work.
    pub fn intake<'a>(
        &'a self,
        app: &'a App,
        office: Option<String>,
    ) -> Result<Intake<'a>, AppError> {
        let office = match (self.role, office) {
            (Role::Caseworker, None) => self.office.clone().ok_or(AppError::Forbidden)?,
            (Role::Caseworker, Some(o)) if Some(&o) == self.office.as_ref() => o,
            (Role::Director, Some(o)) => o,
            (Role::Director, None) => return Err(AppError::BadRequest),
            _ => return Err(AppError::Forbidden),
        };
        let mut lease = app.lease()?;
        if !office_exists(&mut lease, &office)? {
            return Err(AppError::UnknownOffice);
        }
        Ok(Intake::new(self, lease, office))
    }

    /// Assigning cases to offices and caseworkers: directors.
    pub fn case_direction<'a>(&'a self, app: &'a App) -> Result<CaseDirection<'a>, AppError> {
        match self.role {
            Role::Director => Ok(CaseDirection::new(self, app.lease()?)),
            _ => Err(AppError::Forbidden),
        }
    }
}
