//! Authorization in the types: a handler gets a scoped handle from a `Principal` only after
//! the role and office check, and a handle's methods write the audit entry of what they read
//! or change. The handles' fields are private to this module, so no other code can make one
//! without the check, and no read of a case can skip its audit entry.

use std::collections::HashMap;
use std::sync::Arc;

use iku_domain::access::{Role, Username};
use iku_domain::ids::{ApplicationId, PersonId};
use iku_domain::personal::Personal;
use iku_domain::state::{ApplicationState, PersonState};
use iku_storage::Store;
use iku_storage::access::CaseAssignment;

use crate::current::Current;
use crate::error::ApiError;
use crate::session::Principal;
use crate::state::AppState;

/// Why a case was opened: in the user's scope, or outside it with a reason in the user's own
/// words (break-the-glass), which may name anyone: sealed in the audit log as a note.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Grounds {
    InScope,
    BreakTheGlass(Personal),
}

/// The cases a caseworker or director may see.
pub struct CaseScope<'a> {
    principal: &'a Principal,
    assignments: HashMap<PersonId, CaseAssignment>,
}

/// An application's decision as its document shows it (`CaseAccess::decision`).
pub struct DecisionRecord {
    pub person: PersonState,
    pub application: ApplicationState,
    /// The application's decision in force, and its date.
    pub decision: iku_domain::event::Decision,
    pub decided_on: time::Date,
    /// The decision event in force, with who recorded it.
    pub decided: crate::case_history::Recorded,
}

/// One case, opened: reading it writes the audit entry.
pub struct CaseAccess<'a> {
    principal: &'a Principal,
    person: PersonId,
    grounds: Grounds,
}

/// Reviews: statisticians (internal and published) and directors (published).
pub struct Statistics<'a> {
    principal: &'a Principal,
}

/// Accounts: admins.
pub struct Administration<'a> {
    principal: &'a Principal,
}

/// The audit log: auditors; directors see the break-the-glass entries.
pub struct AuditReading<'a> {
    principal: &'a Principal,
    everything: bool,
}

/// Recording new applications: caseworkers (into their office) and directors (into the
/// office they name).
pub struct Intake<'a> {
    principal: &'a Principal,
    office: String,
}

/// Assigning cases to offices and caseworkers: directors.
pub struct CaseDirection<'a> {
    principal: &'a Principal,
}

impl Principal {
    pub fn cases(
        &self,
        store: &mut dyn Store,
        state: &AppState,
    ) -> Result<CaseScope<'_>, ApiError> {
        match self.role {
            Role::Caseworker | Role::Director => Ok(CaseScope {
                principal: self,
                assignments: store
                    .case_assignments()
                    .map_err(|e| state.storage(e))?
                    .into_iter()
                    .map(|a| (a.person.clone(), a))
                    .collect(),
            }),
            _ => Err(ApiError::FORBIDDEN),
        }
    }

    pub fn statistics(&self) -> Result<Statistics<'_>, ApiError> {
        match self.role {
            Role::Statistician | Role::Director => Ok(Statistics { principal: self }),
            _ => Err(ApiError::FORBIDDEN),
        }
    }

    pub fn administration(&self) -> Result<Administration<'_>, ApiError> {
        match self.role {
            Role::Admin => Ok(Administration { principal: self }),
            _ => Err(ApiError::FORBIDDEN),
        }
    }

    pub fn audit_log(&self) -> Result<AuditReading<'_>, ApiError> {
        match self.role {
            Role::Auditor => Ok(AuditReading {
                principal: self,
                everything: true,
            }),
            Role::Director => Ok(AuditReading {
                principal: self,
                everything: false,
            }),
            _ => Err(ApiError::FORBIDDEN),
        }
    }

    /// A caseworker records into their own office; a director must name one.
    pub fn intake(&self, office: Option<String>) -> Result<Intake<'_>, ApiError> {
        let office = match (self.role, office) {
            (Role::Caseworker, None) => self.office.clone().ok_or(ApiError::FORBIDDEN)?,
            (Role::Caseworker, Some(o)) if Some(&o) == self.office.as_ref() => o,
            (Role::Director, Some(o)) => o,
            (Role::Director, None) => return Err(ApiError::BAD_REQUEST),
            _ => return Err(ApiError::FORBIDDEN),
        };
        Ok(Intake {
            principal: self,
            office,
        })
    }

    pub fn case_direction(&self) -> Result<CaseDirection<'_>, ApiError> {
        match self.role {
            Role::Director => Ok(CaseDirection { principal: self }),
            _ => Err(ApiError::FORBIDDEN),
        }
    }
}

/// Whether a user sees a case: a director every case; a caseworker their office's and those
/// assigned to them.
fn covers(principal: &Principal, assignment: Option<&CaseAssignment>) -> bool {
    match principal.role {
        Role::Director => true,
        Role::Caseworker => assignment.is_some_and(|a| {
            a.assignee.as_ref() == Some(&principal.username)
                || Some(&a.office) == principal.office.as_ref()
        }),
        _ => false,
    }
}

impl CaseScope<'_> {
    /// The assignment in force of a case, if any.
    pub fn assignment(&self, person: &PersonId) -> Option<&CaseAssignment> {
        self.assignments.get(person)
    }

    pub fn covers(&self, person: &PersonId) -> bool {
        covers(self.principal, self.assignment(person))
    }

    /// The cases in scope, among `persons`; listing them is on record.
    pub fn list<'p>(
        &self,
        state: &AppState,
        persons: impl Iterator<Item = &'p PersonId>,
    ) -> Result<Vec<PersonId>, ApiError> {
        let listed: Vec<PersonId> = persons.filter(|p| self.covers(p)).cloned().collect();
        state.audit(
            self.principal.username.as_str(),
            "cases.list",
            &format!("{} cases", listed.len()),
            "",
        )?;
        Ok(listed)
    }

    /// The register as it stands today and the cases in scope among its persons (listing
    /// them is on record).
    pub fn today(
        &self,
        store: &mut dyn Store,
        state: &AppState,
    ) -> Result<(Arc<Current>, Vec<PersonId>), ApiError> {
        let current = state.current.get(store).map_err(|e| state.storage(e))?;
        let mut persons: Vec<&PersonId> = current.today().persons.keys().collect();
        persons.sort();
        let listed = self.list(state, persons.into_iter())?;
        Ok((current, listed))
    }
}

impl Principal {
    /// Opens a case in the user's scope (its assignment alone is read).
    pub fn open_case(
        &self,
        store: &mut dyn Store,
        state: &AppState,
        person: &PersonId,
    ) -> Result<CaseAccess<'_>, ApiError> {
        let allowed = matches!(self.role, Role::Caseworker | Role::Director)
            && covers(
                self,
                store
                    .case_assignment(person)
                    .map_err(|e| state.storage(e))?
                    .as_ref(),
            );
        if !allowed {
            // A refused attempt is on record too: someone looking where they may not.
            state.audit(self.username.as_str(), "case.refused", person.as_str(), "")?;
            return Err(ApiError::FORBIDDEN);
        }
        Ok(CaseAccess {
            principal: self,
            person: person.clone(),
            grounds: Grounds::InScope,
        })
    }

    /// Opens a case outside a caseworker's scope, for a reason that is audited and shown to
    /// directors (inside it, the reason is not needed and not recorded).
    pub fn break_the_glass(
        &self,
        store: &mut dyn Store,
        state: &AppState,
        person: &PersonId,
        reason: &str,
    ) -> Result<CaseAccess<'_>, ApiError> {
        if !matches!(self.role, Role::Caseworker | Role::Director) {
            return Err(ApiError::FORBIDDEN);
        }
        let reason = reason.trim();
        if reason.chars().count() < 10
            || iku_domain::personal::check_text(reason, 500, true).is_err()
        {
            return Err(ApiError::REASON_REQUIRED);
        }
        let assignment = store
            .case_assignment(person)
            .map_err(|e| state.storage(e))?;
        Ok(CaseAccess {
            principal: self,
            person: person.clone(),
            grounds: if covers(self, assignment.as_ref()) {
                Grounds::InScope
            } else {
                Grounds::BreakTheGlass(Personal::new(reason))
            },
        })
    }
}

impl CaseAccess<'_> {
    /// Records a write to the case (the event's kind and id; never its content).
    pub fn record_write(
        &self,
        state: &AppState,
        event: &iku_domain::Event,
    ) -> Result<(), ApiError> {
        state.audit(
            self.principal.username.as_str(),
            "case.write",
            &crate::case_history::write_record(&self.person, event),
            "",
        )
    }

    /// Puts a read of the case on record: `what` was read, on the grounds the case was
    /// opened on.
    fn audit_read(&self, state: &AppState, what: &str) -> Result<(), ApiError> {
        self.audit_read_of(state, what, None)
    }

    /// A read of the case, or (`of`) of one thing in it: an application's decision.
    fn audit_read_of(
        &self,
        state: &AppState,
        what: &str,
        of: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut record = match what {
            "case.read" => self.person.as_str().to_owned(),
            _ => format!("{} {what}", self.person.as_str()),
        };
        if let Some(of) = of {
            record.push(' ');
            record.push_str(of);
        }
        let actor = self.principal.username.as_str();
        match &self.grounds {
            Grounds::InScope => state.audit(actor, what, &record, ""),
            Grounds::BreakTheGlass(reason) => {
                state.audit_with_note(actor, "case.break_the_glass", &record, reason.clone())
            }
        }
    }

    /// What the decision document of an application shows: the record (personal fields
    /// opened: the document is addressed to the person), the application, and the decision in
    /// force with who recorded it. None (and nothing recorded) if there is no such decided
    /// application in the case.
    pub fn decision(
        &self,
        store: &mut dyn Store,
        state: &AppState,
        application: &ApplicationId,
    ) -> Result<Option<DecisionRecord>, ApiError> {
        let current = state.current.get(store).map_err(|e| state.storage(e))?;
        let Some(person) = current
            .record(store, &state.config.keys, &self.person)
            .map_err(|e| state.storage(e))?
        else {
            return Ok(None);
        };
        let Some((applied, (decided_on, decision))) = person
            .applications
            .iter()
            .find(|a| &a.id == application)
            .and_then(|a| Some((a.clone(), a.decided?)))
        else {
            return Ok(None);
        };
        let decided = crate::case_history::gather(&current, store, &self.person)
            .map_err(|e| state.storage(e))?
            .into_iter()
            .find(|r| {
                r.in_force()
                    && matches!(&r.event.body,
                        iku_domain::EventBody::ApplicationDecided(d) if &d.application == application)
            });
        let Some(decided) = decided else {
            return Ok(None);
        };
        self.audit_read_of(state, "case.decision", Some(application.as_str()))?;
        Ok(Some(DecisionRecord {
            person,
            application: applied,
            decision,
            decided_on,
            decided,
        }))
    }

    /// The case's history (every event, voided ones too, without personal fields), its read
    /// on record. None (and nothing recorded) if the register has no such person.
    pub fn history(
        &self,
        store: &mut dyn Store,
        state: &AppState,
    ) -> Result<Option<Vec<crate::case_history::Recorded>>, ApiError> {
        let current = state.current.get(store).map_err(|e| state.storage(e))?;
        let history = crate::case_history::gather(&current, store, &self.person)
            .map_err(|e| state.storage(e))?;
        if history.is_empty() {
            return Ok(None);
        }
        self.audit_read(state, "case.history")?;
        Ok(Some(history))
    }

    /// The case's record today, personal fields opened; its read is on record before it is
    /// returned. None (and nothing recorded) if the register has no such person.
    pub fn read(
        &self,
        store: &mut dyn Store,
        state: &AppState,
    ) -> Result<Option<PersonState>, ApiError> {
        let current = state.current.get(store).map_err(|e| state.storage(e))?;
        let record = current
            .record(store, &state.config.keys, &self.person)
            .map_err(|e| state.storage(e))?;
        if record.is_some() {
            self.audit_read(state, "case.read")?;
        }
        Ok(record)
    }
}

impl Intake<'_> {
    /// Refuses an office where no caseworker works (before anything is stored).
    pub fn check_office(&self, store: &mut dyn Store, state: &AppState) -> Result<(), ApiError> {
        if office_exists(store, state, &self.office)? {
            Ok(())
        } else {
            Err(ApiError::UNKNOWN_OFFICE)
        }
    }

    /// Puts the new case in the office, and records the write.
    pub fn record_application(
        &self,
        store: &mut dyn Store,
        state: &AppState,
        person: &PersonId,
    ) -> Result<(), ApiError> {
        let assignment = CaseAssignment {
            person: person.clone(),
            office: self.office.clone(),
            assignee: None,
            assigned_at: crate::state::now(),
            assigned_by: self.principal.username.as_str().to_owned(),
        };
        store
            .assign_case(&assignment)
            .map_err(|e| state.storage(e))?;
        state.audit(
            self.principal.username.as_str(),
            "application.create",
            person.as_str(),
            "",
        )
    }
}

impl Statistics<'_> {
    /// Exact counts are for statisticians only, and every such run is on record.
    pub fn internal(&self, state: &AppState, what: &str) -> Result<(), ApiError> {
        if self.principal.role != Role::Statistician {
            return Err(ApiError::FORBIDDEN);
        }
        state.audit(
            self.principal.username.as_str(),
            "report.internal",
            what,
            "",
        )
    }

    /// Publishes (freezes) the review of `period` in published mode, with its disclosure
    /// report (statisticians). False, and nothing stored, if its audit failed.
    pub fn publish(
        &self,
        store: &mut dyn Store,
        state: &AppState,
        period: iku_stats::Period,
    ) -> Result<bool, ApiError> {
        if self.principal.role != Role::Statistician {
            return Err(ApiError::FORBIDDEN);
        }
        let at = crate::state::now();
        let mode = crate::reviews::Mode::Published {
            threshold: iku_stats::THRESHOLD,
        };
        let (review, report) = crate::reviews::review_of(store, period, Some(at), mode)
            .map_err(|e| state.storage(e))?;
        if report.as_ref().is_some_and(|r| !r.audit_passed) {
            return Ok(false);
        }
        let publication = store
            .publish(
                iku_storage::NewPublication {
                    report: review.report.to_owned(),
                    year: period.year,
                    as_recorded_at: at,
                    disclosure: review.disclosure.mode.to_owned(),
                    document: review.to_json(),
                    disclosure_report: report.map(|r| r.to_json()),
                },
                at,
            )
            .map_err(|e| state.storage(e))?;
        state.audit(
            self.principal.username.as_str(),
            "publish",
            &format!(
                "{} {} version {}",
                publication.report, publication.year, publication.version
            ),
            "",
        )?;
        Ok(true)
    }

    /// A frozen publication's review, or (statisticians, on record) its disclosure report.
    pub fn frozen(
        &self,
        store: &mut dyn Store,
        state: &AppState,
        id: i64,
        report: bool,
    ) -> Result<Option<String>, ApiError> {
        if report && self.principal.role != Role::Statistician {
            return Err(ApiError::FORBIDDEN);
        }
        let found = store
            .publications()
            .map_err(|e| state.storage(e))?
            .into_iter()
            .find(|p| p.id == id);
        let Some(publication) = found else {
            return Ok(None);
        };
        if report {
            state.audit(
                self.principal.username.as_str(),
                "publication.disclosure_report",
                &format!("publication {id}"),
                "",
            )?;
            return Ok(publication.disclosure_report);
        }
        Ok(Some(publication.document))
    }

    pub fn published(&self, state: &AppState, what: &str) -> Result<(), ApiError> {
        state.audit(
            self.principal.username.as_str(),
            "report.published",
            what,
            "",
        )
    }
}

impl Administration<'_> {
    pub fn accounts(
        &self,
        store: &mut dyn Store,
        state: &AppState,
    ) -> Result<Vec<iku_storage::Account>, ApiError> {
        state.audit(self.principal.username.as_str(), "accounts.list", "", "")?;
        store.accounts().map_err(|e| state.storage(e))
    }

    /// Disables or enables an account (its sessions end with it: a session is only as good
    /// as its account). An admin may not disable their own, lest nobody be left to undo it.
    pub fn set_disabled(
        &self,
        store: &mut dyn Store,
        state: &AppState,
        account: &Username,
        disabled: bool,
    ) -> Result<(), ApiError> {
        if disabled && account == &self.principal.username {
            return Err(ApiError::OWN_ACCOUNT);
        }
        self.existing(store, state, account)?;
        store
            .set_disabled(account, disabled)
            .map_err(|e| state.storage(e))?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        state.audit(
            self.principal.username.as_str(),
            action,
            account.as_str(),
            "",
        )
    }

    /// Lifts a lock left by failed logins: the account's failures, and the addresses they came
    /// from, are forgotten.
    pub fn unlock(
        &self,
        store: &mut dyn Store,
        state: &AppState,
        account: &Username,
    ) -> Result<(), ApiError> {
        self.existing(store, state, account)?;
        store.unlock(account).map_err(|e| state.storage(e))?;
        state.login_failures.forget(account);
        state.audit(
            self.principal.username.as_str(),
            "user.unlock",
            account.as_str(),
            "",
        )
    }

    /// Forgets an account's TOTP secret (a lost phone): it enrols a new one at its next login.
    pub fn reset_totp(
        &self,
        store: &mut dyn Store,
        state: &AppState,
        account: &Username,
    ) -> Result<(), ApiError> {
        self.existing(store, state, account)?;
        store.reset_totp(account).map_err(|e| state.storage(e))?;
        state.audit(
            self.principal.username.as_str(),
            "user.reset_totp",
            account.as_str(),
            "",
        )
    }

    fn existing(
        &self,
        store: &mut dyn Store,
        state: &AppState,
        account: &Username,
    ) -> Result<(), ApiError> {
        match store.account(account).map_err(|e| state.storage(e))? {
            Some(_) => Ok(()),
            None => Err(ApiError::NOT_FOUND),
        }
    }
}

/// An audit entry as its reader sees it: with its note opened for a director judging a
/// break-the-glass opening; an auditor sees only that a note was given.
pub struct ReadEntry {
    pub entry: iku_storage::audit::AuditEntry,
    pub note: Option<Personal>,
}

impl AuditReading<'_> {
    /// The entries this reader may see: all of them, or a director's break-the-glass ones
    /// with their reasons.
    pub fn entries(
        &self,
        store: &mut dyn Store,
        state: &AppState,
    ) -> Result<Vec<ReadEntry>, ApiError> {
        let chain = store.audit_chain().map_err(|e| state.storage(e))?;
        let action = if self.everything {
            "audit.read"
        } else {
            "audit.break_the_glass"
        };
        state.audit(self.principal.username.as_str(), action, "", "")?;
        if self.everything {
            return Ok(chain
                .entries
                .into_iter()
                .map(|entry| ReadEntry { entry, note: None })
                .collect());
        }
        let glass: Vec<_> = chain
            .entries
            .into_iter()
            .filter(|e| e.entry.action == "case.break_the_glass")
            .collect();
        let seqs: Vec<i64> = glass.iter().map(|e| e.seq).collect();
        let notes = store
            .audit_notes(&state.config.keys, &seqs)
            .map_err(|e| state.storage(e))?;
        Ok(glass
            .into_iter()
            .zip(notes)
            .map(|(entry, note)| ReadEntry { entry, note })
            .collect())
    }
}

/// Whether caseworkers work in `office` (an enabled caseworker account of it): a case put in
/// an office nobody works in would leave every caseworker's scope.
fn office_exists(store: &mut dyn Store, state: &AppState, office: &str) -> Result<bool, ApiError> {
    Ok(store
        .accounts()
        .map_err(|e| state.storage(e))?
        .iter()
        .any(|a| a.role == Role::Caseworker && !a.disabled && a.office.as_deref() == Some(office)))
}

impl CaseDirection<'_> {
    /// Puts a case in an office where caseworkers work and, if named, with one of them.
    pub fn assign(
        &self,
        store: &mut dyn Store,
        state: &AppState,
        assignment: &CaseAssignment,
    ) -> Result<(), ApiError> {
        if !office_exists(store, state, &assignment.office)? {
            return Err(ApiError::UNKNOWN_OFFICE);
        }
        if let Some(assignee) = &assignment.assignee {
            let caseworker = store.account(assignee).map_err(|e| state.storage(e))?;
            if !caseworker.is_some_and(|a| a.role == Role::Caseworker && !a.disabled) {
                return Err(ApiError::UNKNOWN_ASSIGNEE);
            }
        }
        store
            .assign_case(assignment)
            .map_err(|e| state.storage(e))?;
        state.audit(
            self.principal.username.as_str(),
            "case.assign",
            assignment.person.as_str(),
            "",
        )
    }

    pub fn username(&self) -> &str {
        self.principal.username.as_str()
    }
}
