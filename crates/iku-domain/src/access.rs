//! Who may use iku: roles, offices and account names, and how failed logins lock an account.
//! What each role may do is decided where requests are handled, by handing out scoped
//! handles; here are the words.

use std::fmt;

use crate::calendar::Timestamp;

/// A role. Each account has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Their own office's cases and the cases assigned to them.
    Caseworker,
    /// All cases.
    Director,
    /// Reviews; never a personal field.
    Statistician,
    /// Users and offices; no case data.
    Admin,
    /// The audit log; no case data.
    Auditor,
    /// The data protection officer: answers a person's requests under the GDPR (everything
    /// held about one person, on record); no case work, no lists of cases.
    DataProtection,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Caseworker,
        Role::Director,
        Role::Statistician,
        Role::Admin,
        Role::Auditor,
        Role::DataProtection,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Director => "director",
            Role::Statistician => "statistician",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
            Role::DataProtection => "data_protection",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }

    /// A caseworker works in an office; the other roles are national.
    pub fn needs_office(self) -> bool {
        self == Role::Caseworker
    }

    /// The staff's pages the role works in, its home first (the menu shows these, and only
    /// these: the handles the application layer gives out decide the same, and a test holds
    /// the two together).
    pub fn areas(self) -> &'static [Area] {
        match self {
            Role::Caseworker => &[Area::Work, Area::Cases, Area::Inbox, Area::Deadlines],
            Role::Director => &[
                Area::Cases,
                Area::Work,
                Area::Inbox,
                Area::Deadlines,
                Area::Statistics,
                Area::AuditLog,
            ],
            Role::Statistician => &[Area::Statistics],
            Role::Admin => &[Area::Accounts],
            Role::Auditor => &[Area::AuditLog],
            Role::DataProtection => &[Area::PersonalData],
        }
    }

    /// Where the role starts after logging in.
    pub fn home(self) -> Area {
        self.areas()[0]
    }
}

/// A part of the staff's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    /// What is due in the user's cases: the caseworker's home.
    Work,
    /// Applications waiting for a decision.
    Inbox,
    Cases,
    Deadlines,
    Statistics,
    Accounts,
    AuditLog,
    /// A person's requests under the GDPR: what is held about them, handed over.
    PersonalData,
}

impl Area {
    pub const ALL: [Area; 8] = [
        Area::Work,
        Area::Inbox,
        Area::Cases,
        Area::Deadlines,
        Area::Statistics,
        Area::Accounts,
        Area::AuditLog,
        Area::PersonalData,
    ];
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a string is not an account name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an account name is 3 to 64 characters: lowercase letters, digits and . _ -")]
pub struct UsernameError;

/// An account name: lowercase, so that `Maria` and `maria` cannot be two accounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(Box<str>);

impl Username {
    pub fn parse(s: &str) -> Result<Self, UsernameError> {
        let ok = (3..=64).contains(&s.len())
            && s.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            });
        if ok {
            Ok(Self(s.into()))
        } else {
            Err(UsernameError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An account's failed logins, as kept between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginState {
    /// Failed logins since the last success or the end of the last lock.
    pub failed: u32,
    /// While the lock lasts, addresses that failed at the account are refused unheard; an
    /// address that did not fail may still log in with both factors.
    pub locked_until: Option<Timestamp>,
    /// Locks since the last success: each lasts twice as long as the one before.
    pub locks: u32,
}

impl LoginState {
    pub fn is_locked(&self, at: Timestamp) -> bool {
        self.locked_until.is_some_and(|until| until > at)
    }
}

/// How failed logins lock an account: `max_failed` failures in a row lock it, for
/// `first_lock` the first time and twice as long each time after, up to `longest_lock`. A
/// lock slows a guesser down without keeping the account's owner out: it refuses only the
/// addresses that failed (the server keeps those), and it never outlives its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockPolicy {
    pub max_failed: u32,
    /// µs
    pub first_lock: i64,
    /// µs
    pub longest_lock: i64,
}

impl Default for LockPolicy {
    /// Five failures lock an account for 15 minutes, then 30, 60, ..., at most a day.
    fn default() -> Self {
        LockPolicy {
            max_failed: 5,
            first_lock: 15 * 60 * 1_000_000,
            longest_lock: 24 * 3600 * 1_000_000,
        }
    }
}

impl LockPolicy {
    /// The state after a failed login at `at`. A lock that has run out is forgotten first, so
    /// one failure after it does not lock the account again; a failure while locked counts
    /// but does not lengthen the lock (an attacker cannot keep extending it).
    pub fn after_failure(&self, state: LoginState, at: Timestamp) -> LoginState {
        if state.is_locked(at) {
            return LoginState {
                failed: state.failed.saturating_add(1),
                ..state
            };
        }
        let failed = if state.locked_until.is_some() {
            1
        } else {
            state.failed.saturating_add(1)
        };
        if failed < self.max_failed.max(1) {
            return LoginState {
                failed,
                locked_until: None,
                locks: state.locks,
            };
        }
        let locks = state.locks.saturating_add(1);
        let length = self
            .first_lock
            .saturating_mul(1i64 << (locks - 1).min(30))
            .min(self.longest_lock.max(self.first_lock));
        LoginState {
            failed: 0,
            locked_until: Some(Timestamp::from_micros(at.micros().saturating_add(length))),
            locks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_micros(minutes * 60_000_000)
    }

    fn fail(policy: &LockPolicy, state: LoginState, times: u32, minute: i64) -> LoginState {
        (0..times).fold(state, |s, _| policy.after_failure(s, at(minute)))
    }

    #[test]
    fn five_failures_lock_for_a_quarter_hour_and_an_expired_lock_is_forgotten() {
        let policy = LockPolicy::default();
        let four = fail(&policy, LoginState::default(), 4, 0);
        assert_eq!((four.failed, four.is_locked(at(0))), (4, false));
        let locked = policy.after_failure(four, at(0));
        assert!(locked.is_locked(at(14)) && !locked.is_locked(at(15)));
        // Failing while locked does not lengthen the lock.
        let still = fail(&policy, locked, 10, 10);
        assert_eq!(still.locked_until, locked.locked_until);
        // After the lock: one failure does not lock again.
        let after = policy.after_failure(still, at(16));
        assert_eq!((after.failed, after.is_locked(at(16))), (1, false));
    }

    #[test]
    fn each_lock_lasts_twice_as_long_up_to_a_day() {
        let policy = LockPolicy::default();
        let mut state = LoginState::default();
        let mut minute = 0;
        let mut lengths = Vec::new();
        for _ in 0..9 {
            state = fail(&policy, state, 5, minute);
            let until = state.locked_until.map_or(0, |u| u.micros() / 60_000_000);
            lengths.push(until - minute);
            minute = until;
        }
        assert_eq!(lengths, [15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
    }

    #[test]
    fn roles_and_names_parse_strictly() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.name()), Some(r));
        }
        assert_eq!(Role::parse("Director"), None);
        assert!(Username::parse("maria.k").is_ok());
        for bad in ["Maria", "ma", "maria k", "märta", &"a".repeat(65)] {
            assert_eq!(Username::parse(bad), Err(UsernameError), "{bad}");
        }
    }
}

/// A staff member's e-mail address, where notices of new work go: one `@`, no spaces or line
/// breaks (it is written into a mail's envelope and headers), at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffEmail(String);

impl StaffEmail {
    pub fn parse(text: &str) -> Result<Self, ContactError> {
        let text = text.trim();
        let (local, domain) = text.split_once('@').ok_or(ContactError::Email)?;
        let fits = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_graphic() && !"@<>()[]\\,;:\"".contains(c))
        };
        if text.len() > 254 || !fits(local) || !fits(domain) || !domain.contains('.') {
            return Err(ContactError::Email);
        }
        Ok(StaffEmail(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who a staff account is, as a decision names its official and where notices go: full name,
/// title, e-mail address (each optional until an admin gives it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaffContact {
    pub full_name: String,
    pub title: String,
    pub email: Option<StaffEmail>,
}

impl StaffContact {
    /// A contact from what an admin typed: a name and a title of at most 200 characters
    /// each without line breaks, and an address that parses (or none).
    pub fn parse(full_name: &str, title: &str, email: &str) -> Result<Self, ContactError> {
        let line = |text: &str, error| {
            let text = text.trim();
            if text.chars().count() > 200 || text.contains(['\r', '\n']) {
                Err(error)
            } else {
                Ok(text.to_owned())
            }
        };
        Ok(StaffContact {
            full_name: line(full_name, ContactError::FullName)?,
            title: line(title, ContactError::Title)?,
            email: match email.trim() {
                "" => None,
                email => Some(StaffEmail::parse(email)?),
            },
        })
    }
}

/// Which part of a contact is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("a full name is one line of at most 200 characters")]
    FullName,
    #[error("a title is one line of at most 200 characters")]
    Title,
    #[error("an e-mail address is name@domain.example, without spaces")]
    Email,
}

#[cfg(test)]
mod contact_tests {
    use super::*;

    #[test]
    fn addresses_that_could_break_a_mail_are_refused() {
        assert!(StaffEmail::parse("maria.virtanen@iku.example").is_ok());
        for bad in [
            "",
            "maria",
            "maria@",
            "@iku.example",
            "maria@localhost",
            "maria virtanen@iku.example",
            "maria@iku.example\r\nBcc: x@evil.example",
            "a@b@iku.example",
            "<maria@iku.example>",
        ] {
            assert_eq!(StaffEmail::parse(bad), Err(ContactError::Email), "{bad:?}");
        }
        let long = format!("{}@iku.example", "a".repeat(250));
        assert!(StaffEmail::parse(&long).is_err());
    }

    #[test]
    fn a_contact_is_one_line_each() {
        let c = StaffContact::parse(" Maria Virtanen ", "ylitarkastaja", "");
        assert_eq!(
            c,
            Ok(StaffContact {
                full_name: "Maria Virtanen".into(),
                title: "ylitarkastaja".into(),
                email: None,
            })
        );
        assert_eq!(
            StaffContact::parse("Maria\nVirtanen", "", ""),
            Err(ContactError::FullName)
        );
        assert_eq!(
            StaffContact::parse("", &"x".repeat(201), ""),
            Err(ContactError::Title)
        );
    }
}
