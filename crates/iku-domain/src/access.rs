//! Who may use iku: roles, offices and account names. What each role may do is decided where
//! requests are handled (iku-web), by handing out scoped handles; here are the words.

use std::fmt;

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
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Caseworker,
        Role::Director,
        Role::Statistician,
        Role::Admin,
        Role::Auditor,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Director => "director",
            Role::Statistician => "statistician",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }

    /// A caseworker works in an office; the other roles are national.
    pub fn needs_office(self) -> bool {
        self == Role::Caseworker
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
