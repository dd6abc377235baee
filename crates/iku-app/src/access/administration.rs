//! Oversight: accounts (admins; no case data) and the audit log (auditors; directors the
//! break-the-glass openings with their reasons).

use iku_domain::access::Username;
use iku_domain::personal::Personal;
use iku_storage::Account;
use iku_storage::audit::{AuditEntry, AuditFilter};

use super::{Actor, Page};
use crate::audit::{Action, entry};
use crate::{AppError, Lease};

/// Accounts: admins.
pub struct Administration<'a> {
    actor: &'a Actor,
    lease: Lease<'a>,
}

impl<'a> Administration<'a> {
    pub(super) fn new(actor: &'a Actor, lease: Lease<'a>) -> Self {
        Administration { actor, lease }
    }

    fn audit(&self, action: Action, record: &str) -> Result<(), AppError> {
        self.lease
            .app()
            .audit(entry(self.actor.username.as_str(), action, record, ""))
    }

    pub fn accounts(&mut self) -> Result<Vec<Account>, AppError> {
        self.audit(Action::AccountsList, "")?;
        self.lease.with(|s| s.accounts())
    }

    fn existing(&mut self, account: &Username) -> Result<(), AppError> {
        match self.lease.with(|s| s.account(account))? {
            Some(_) => Ok(()),
            None => Err(AppError::NotFound),
        }
    }

    /// Disables or enables an account (its sessions end with it: a session is only as good
    /// as its account). An admin may not disable their own, lest nobody be left to undo it.
    pub fn set_disabled(&mut self, account: &Username, disabled: bool) -> Result<(), AppError> {
        if disabled && account == &self.actor.username {
            return Err(AppError::OwnAccount);
        }
        self.existing(account)?;
        self.lease.with(|s| s.set_disabled(account, disabled))?;
        self.lease.app().forget_checked_sessions();
        let action = if disabled {
            Action::UserDisable
        } else {
            Action::UserEnable
        };
        self.audit(action, account.as_str())
    }

    /// Forgets an account's TOTP secret (a lost phone): it enrols a new one at its next login.
    pub fn reset_totp(&mut self, account: &Username) -> Result<(), AppError> {
        self.existing(account)?;
        self.lease.with(|s| s.reset_totp(account))?;
        self.lease.app().forget_checked_sessions();
        self.audit(Action::UserResetTotp, account.as_str())
    }

    /// Lifts a lock left by failed logins: the account's failures, and the addresses they
    /// came from, are forgotten.
    pub fn unlock(&mut self, account: &Username) -> Result<(), AppError> {
        self.existing(account)?;
        self.lease.with(|s| s.unlock(account))?;
        self.lease.app().forget_failed_logins(account);
        self.audit(Action::UserUnlock, account.as_str())
    }
}

/// The audit log: auditors; directors see the break-the-glass entries.
pub struct AuditReading<'a> {
    actor: &'a Actor,
    lease: Lease<'a>,
    everything: bool,
}

/// An audit entry as its reader sees it: with its note opened for a director judging a
/// break-the-glass opening; an auditor sees only that a note was given.
pub struct ReadEntry {
    pub entry: AuditEntry,
    pub note: Option<Personal>,
}

impl<'a> AuditReading<'a> {
    pub(super) fn new(actor: &'a Actor, lease: Lease<'a>, everything: bool) -> Self {
        AuditReading {
            actor,
            lease,
            everything,
        }
    }

    /// A page of the entries this reader may see (all of them, or a director's
    /// break-the-glass ones, with their reasons), newest first, before seq `before`, those
    /// `filter` keeps. Each page read is one entry of the log.
    pub fn page(
        &mut self,
        before: Option<i64>,
        limit: usize,
        mut filter: AuditFilter,
    ) -> Result<Page<ReadEntry, i64>, AppError> {
        let action = if self.everything {
            Action::AuditRead
        } else {
            filter.action = Some(Action::CaseBreakTheGlass.name().to_owned());
            Action::AuditBreakTheGlass
        };
        let found = self
            .lease
            .with(|s| s.audit_page(before, limit + 1, &filter))?;
        let app = self.lease.app();
        let shown = found.len().min(limit);
        app.audit(entry(
            self.actor.username.as_str(),
            action,
            &format!("{shown} entries"),
            "",
        ))?;
        let notes = if self.everything {
            vec![None; found.len()]
        } else {
            let seqs: Vec<i64> = found.iter().map(|e| e.seq).collect();
            let keys = &app.config().keys;
            self.lease.with(|s| s.audit_notes(keys, &seqs))?
        };
        let entries = found
            .into_iter()
            .zip(notes)
            .map(|(entry, note)| ReadEntry { entry, note })
            .collect();
        Ok(Page::of(entries, limit, |e: &ReadEntry| e.entry.seq))
    }
}
