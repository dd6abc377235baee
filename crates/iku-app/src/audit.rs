//! What the audit log says was done: every action of the system, by a name that never changes
//! (the chain holds the names; the audit page and exports name them in words).

use std::fmt;

/// An action put on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// A login with a password and a code.
    Login,
    /// A login through the OpenID Connect provider.
    LoginOidc,
    /// A failed login (the reason a code: `password`, `locked`, ...).
    LoginFailed,
    Logout,
    TotpEnrolled,
    PasswordChange,
    /// The cases in the user's scope were listed.
    CasesList,
    /// A search for a person (what it searched by and how many it found, never the terms).
    CasesSearch,
    /// A search shown beyond the user's scope, with a reason (a sealed note).
    CasesSearchBreakTheGlass,
    CaseRead,
    CaseHistory,
    /// A case linked to another of the same person (its events moved to theirs).
    CaseLink,
    /// A possible duplicate decided not to be the same person.
    CaseDistinct,
    /// The case journal was read.
    CaseJournal,
    /// A decision's document was read.
    CaseDecision,
    /// A file was attached to the case (`document.add`), or one was taken from it.
    DocumentAdd,
    DocumentRead,
    /// A case outside the user's scope was opened, with a reason (a sealed note).
    CaseBreakTheGlass,
    CaseWrite,
    /// An attempt at a case outside the user's scope was refused.
    CaseRefused,
    CaseAssign,
    ApplicationCreate,
    /// A referral came in through the public form.
    ReferralReceived,
    ReportInternal,
    ReportPublished,
    Publish,
    PublicationDisclosureReport,
    AccountsList,
    UserAdd,
    UserAddFromOidc,
    UserRoleFromOidc,
    /// An admin changed an account's role or office.
    UserRole,
    /// An admin set an account's full name, title and address.
    UserContact,
    UserDisable,
    UserEnable,
    UserResetTotp,
    UserUnlock,
    /// A task made by hand, given to another owner, done.
    TaskMake,
    TaskGive,
    TaskDone,
    /// A notice of a new case mailed (to how many; the reason a code), a digest mailed.
    MailNotice,
    MailDigest,
    /// The data protection officer searched for a person who asks for their data (how many
    /// found), recorded their request (the day it came), handed over what is held.
    GdprSearch,
    GdprRequest,
    GdprExport,
    AuditRead,
    /// An auditor took the log (as filtered) away as a file.
    AuditExport,
    AuditBreakTheGlass,
    /// The command line's.
    Import,
    Export,
    Backup,
    Restore,
    Verify,
    KeysRotate,
    RetentionPurge,
    SeriesLoad,
    /// The demo's: its register, accounts and case assignments.
    ImportDemo,
    UserAddDemo,
    CaseAssignDemo,
}

impl Action {
    pub const ALL: [Action; 59] = [
        Action::Login,
        Action::LoginOidc,
        Action::LoginFailed,
        Action::Logout,
        Action::TotpEnrolled,
        Action::PasswordChange,
        Action::CasesList,
        Action::CasesSearch,
        Action::CasesSearchBreakTheGlass,
        Action::CaseRead,
        Action::CaseHistory,
        Action::CaseLink,
        Action::CaseDistinct,
        Action::CaseJournal,
        Action::CaseDecision,
        Action::DocumentAdd,
        Action::DocumentRead,
        Action::CaseBreakTheGlass,
        Action::CaseWrite,
        Action::CaseRefused,
        Action::CaseAssign,
        Action::ApplicationCreate,
        Action::ReferralReceived,
        Action::ReportInternal,
        Action::ReportPublished,
        Action::Publish,
        Action::PublicationDisclosureReport,
        Action::AccountsList,
        Action::UserAdd,
        Action::UserAddFromOidc,
        Action::UserRoleFromOidc,
        Action::UserRole,
        Action::UserContact,
        Action::UserDisable,
        Action::UserEnable,
        Action::UserResetTotp,
        Action::UserUnlock,
        Action::TaskMake,
        Action::TaskGive,
        Action::TaskDone,
        Action::MailNotice,
        Action::MailDigest,
        Action::GdprSearch,
        Action::GdprRequest,
        Action::GdprExport,
        Action::AuditRead,
        Action::AuditExport,
        Action::AuditBreakTheGlass,
        Action::Import,
        Action::Export,
        Action::Backup,
        Action::Restore,
        Action::Verify,
        Action::KeysRotate,
        Action::RetentionPurge,
        Action::SeriesLoad,
        Action::ImportDemo,
        Action::UserAddDemo,
        Action::CaseAssignDemo,
    ];

    /// The name the chain holds.
    pub fn name(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginOidc => "login.oidc",
            Action::LoginFailed => "login.failed",
            Action::Logout => "logout",
            Action::TotpEnrolled => "totp.enrolled",
            Action::PasswordChange => "password.change",
            Action::CasesList => "cases.list",
            Action::CasesSearch => "cases.search",
            Action::CasesSearchBreakTheGlass => "cases.search.break_the_glass",
            Action::CaseRead => "case.read",
            Action::CaseHistory => "case.history",
            Action::CaseLink => "case.link",
            Action::CaseDistinct => "case.distinct",
            Action::CaseJournal => "case.journal",
            Action::CaseDecision => "case.decision",
            Action::DocumentAdd => "document.add",
            Action::DocumentRead => "document.read",
            Action::CaseBreakTheGlass => "case.break_the_glass",
            Action::CaseWrite => "case.write",
            Action::CaseRefused => "case.refused",
            Action::CaseAssign => "case.assign",
            Action::ApplicationCreate => "application.create",
            Action::ReferralReceived => "referral.received",
            Action::ReportInternal => "report.internal",
            Action::ReportPublished => "report.published",
            Action::Publish => "publish",
            Action::PublicationDisclosureReport => "publication.disclosure_report",
            Action::AccountsList => "accounts.list",
            Action::UserAdd => "user.add",
            Action::UserAddFromOidc => "user.add_from_oidc",
            Action::UserRoleFromOidc => "user.role_from_oidc",
            Action::UserRole => "user.role",
            Action::UserContact => "user.contact",
            Action::UserDisable => "user.disable",
            Action::UserEnable => "user.enable",
            Action::UserResetTotp => "user.reset_totp",
            Action::UserUnlock => "user.unlock",
            Action::TaskMake => "task.make",
            Action::TaskGive => "task.give",
            Action::TaskDone => "task.done",
            Action::MailNotice => "mail.notice",
            Action::MailDigest => "mail.digest",
            Action::GdprSearch => "gdpr.search",
            Action::GdprRequest => "gdpr.request",
            Action::GdprExport => "gdpr.export",
            Action::AuditRead => "audit.read",
            Action::AuditExport => "audit.export",
            Action::AuditBreakTheGlass => "audit.break_the_glass",
            Action::Import => "import",
            Action::Export => "export",
            Action::Backup => "backup",
            Action::Restore => "restore",
            Action::Verify => "verify",
            Action::KeysRotate => "keys.rotate",
            Action::RetentionPurge => "retention.purge",
            Action::SeriesLoad => "series.load",
            Action::ImportDemo => "import.demo",
            Action::UserAddDemo => "user.add.demo",
            Action::CaseAssignDemo => "case.assign.demo",
        }
    }

    /// The action a stored name means, if any.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An entry: `actor` did `action` to `record` (an id, never a personal value), for `reason`
/// (a code, or empty).
pub(crate) fn entry(
    actor: &str,
    action: Action,
    record: &str,
    reason: &str,
) -> iku_storage::audit::NewAuditEntry {
    iku_storage::audit::NewAuditEntry::new(actor, action.name(), record, reason)
}

/// What a read found, given only once the audit entry that records the read is committed.
/// A server awaits the commit without holding one of its worker threads, so the reads
/// waiting meanwhile share one commit.
#[must_use = "a read's value is given once its audit entry is committed"]
pub struct Audited<T> {
    value: T,
    /// None: nothing was read, so nothing is recorded.
    entry: Option<crate::writer::Pending>,
}

impl<T> Audited<T> {
    pub(crate) fn new(value: T, entry: Option<crate::writer::Pending>) -> Self {
        Audited { value, entry }
    }

    /// The value turned into another, its read still to be confirmed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Audited<U> {
        Audited {
            value: f(self.value),
            entry: self.entry,
        }
    }

    /// The value, once its audit entry is committed (blocking this thread until then).
    pub fn wait(self) -> Result<T, crate::AppError> {
        if let Some(entry) = self.entry {
            entry.wait()?;
        }
        Ok(self.value)
    }

    /// The value, once its audit entry is committed.
    pub async fn confirmed(self) -> Result<T, crate::AppError> {
        if let Some(entry) = self.entry {
            entry.done().await?;
        }
        Ok(self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_name_of_its_own() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        for a in Action::ALL {
            assert_eq!(Action::parse(a.name()), Some(a));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }
}
