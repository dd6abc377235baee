//! Oversight: accounts (admins; no case data) and the audit log (auditors; directors the
//! break-the-glass openings with their reasons).

use iku_domain::access::{Role, StaffContact, Username};
use iku_domain::personal::Personal;
use iku_storage::audit::{AuditEntry, AuditFilter};
use iku_storage::{Account, StoreError};

use super::{Actor, Page};
use crate::audit::{Action, entry};
use crate::auth::password::FirstPassword;
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

    /// Who the accounts are (full names, titles, addresses), read with the accounts.
    pub fn contacts(&mut self) -> Result<Vec<(Username, StaffContact)>, AppError> {
        self.lease.with(|s| s.contacts())
    }

    /// Sets who an account is: the full name and title its decisions name it by, and the
    /// address notices of new work go to; on record (the values are staff's, not a client's,
    /// but the entry names only the account).
    pub fn set_contact(
        &mut self,
        account: &Username,
        contact: &StaffContact,
    ) -> Result<(), AppError> {
        self.existing(account)?;
        self.lease.with(|s| s.set_contact(account, contact))?;
        self.audit(Action::UserContact, account.as_str())
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

    /// Adds an account with a random first password (to be changed at the first login,
    /// with a TOTP app enrolled): the password is handed back to be shown once.
    pub fn add(
        &mut self,
        account: Username,
        role: Role,
        office: Option<String>,
    ) -> Result<FirstPassword, AppError> {
        if self.lease.with(|s| s.account(&account))?.is_some() {
            return Err(AppError::AccountExists);
        }
        let record = format!("{account} ({role})");
        let (new, password) = new_account(account, role, office)?;
        match self.lease.with(|s| s.add_account(&new, crate::now())) {
            Err(AppError::Storage(StoreError::AccountExists(_))) => {
                return Err(AppError::AccountExists);
            }
            other => other?,
        }
        self.audit(Action::UserAdd, &record)?;
        Ok(password)
    }

    /// Gives an account another role, or moves a caseworker to another office; its sessions
    /// see the change at their next request. An admin does not change their own, lest the
    /// last admin make themself something else.
    pub fn set_role(
        &mut self,
        account: &Username,
        role: Role,
        office: Option<String>,
    ) -> Result<(), AppError> {
        if account == &self.actor.username {
            return Err(AppError::OwnAccount);
        }
        let office = office_for(role, office)?;
        self.existing(account)?;
        self.lease
            .with(|s| s.set_role(account, role, office.as_deref()))?;
        self.lease.app().forget_checked_sessions();
        self.audit(Action::UserRole, &format!("{account} ({role})"))
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

/// A new account of `role` (and a caseworker's office) with a random first password, to be
/// changed at the first login with a TOTP app enrolled: the account to store, and the
/// password to hand over once.
pub fn new_account(
    username: Username,
    role: Role,
    office: Option<String>,
) -> Result<(Account, FirstPassword), AppError> {
    let office = office_for(role, office)?;
    let (password, password_hash) =
        FirstPassword::generate().map_err(|e| AppError::Internal(e.to_string()))?;
    let account = Account {
        username,
        role,
        office,
        password_hash,
        must_change: true,
        totp_enrolled: false,
        disabled: false,
        locked_until: None,
    };
    Ok((account, password))
}

/// The office an account of `role` has: a caseworker's, named; none for another role.
fn office_for(role: Role, office: Option<String>) -> Result<Option<String>, AppError> {
    let office = office
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty());
    match (role.needs_office(), office) {
        (true, Some(office)) if is_office_name(&office) => Ok(Some(office)),
        (false, None) => Ok(None),
        _ => Err(AppError::OfficeForRole),
    }
}

/// An office's name: lowercase letters (Finnish and Swedish ones too), digits and `-`, as
/// the names the cases list filters by and its addresses carry.
fn is_office_name(name: &str) -> bool {
    (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_lowercase() || c.is_ascii_digit() || c == '-')
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

    /// Every entry `filter` keeps, newest first, for the auditor to take away (a director's
    /// reading opens break-the-glass reasons, which stay on the page): one entry of the log
    /// records the export, with how many entries it holds.
    pub fn export(&mut self, filter: AuditFilter) -> Result<Vec<AuditEntry>, AppError> {
        /// Entries read at a time.
        const BATCH: usize = 1000;
        if !self.everything {
            return Err(AppError::Forbidden);
        }
        let mut entries: Vec<AuditEntry> = Vec::new();
        loop {
            let before = entries.last().map(|e| e.seq);
            let batch = self.lease.with(|s| s.audit_page(before, BATCH, &filter))?;
            let done = batch.len() < BATCH;
            entries.extend(batch);
            if done {
                break;
            }
        }
        self.lease.app().audit(entry(
            self.actor.username.as_str(),
            Action::AuditExport,
            &format!("{} entries", entries.len()),
            "",
        ))?;
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caseworker_has_an_office_and_no_other_role_has_one() {
        let office = |role, office: &str| office_for(role, Some(office.to_owned())).ok();
        assert_eq!(
            office(Role::Caseworker, " oulu "),
            Some(Some("oulu".into()))
        );
        assert_eq!(
            office(Role::Caseworker, "pori-2"),
            Some(Some("pori-2".into()))
        );
        assert_eq!(
            office(Role::Caseworker, "hämeenlinna"),
            Some(Some("hämeenlinna".into()))
        );
        for bad in ["", "Oulu", "oulu/x", "a b", &"x".repeat(65)] {
            assert_eq!(office(Role::Caseworker, bad), None, "{bad:?}");
        }
        assert_eq!(office(Role::Director, ""), Some(None));
        assert_eq!(office(Role::Director, "oulu"), None);
        assert_eq!(office_for(Role::Auditor, None).ok(), Some(None));
    }
}
