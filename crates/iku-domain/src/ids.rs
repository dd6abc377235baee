//! Identifiers of events, persons, applications and children.
//!
//! Identifiers come from the interchange format and from legacy systems, so they are opaque
//! strings; they are parsed once into newtypes so that a person id can never be passed where
//! an application id is meant. They must not carry personal data (a caseworker could be
//! tempted to use an identity code): the allowed alphabet keeps them to ASCII letters, digits
//! and `.`, `_`, `-`, `:`.

use std::fmt;

// Identifiers are short (ids of a few to twenty characters): kept inline, they cost no
// allocation, and the statistics decode millions of them.
use smol_str::SmolStr;

/// The longest identifier accepted.
pub const MAX_ID_LEN: usize = 100;

/// Why a string is not an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an identifier may not be empty")]
    Empty,
    #[error("an identifier is at most {MAX_ID_LEN} characters")]
    TooLong,
    #[error("an identifier may contain only ASCII letters, digits and . _ - :")]
    BadCharacter,
}

fn check_id(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong);
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'))
    {
        return Err(IdError::BadCharacter);
    }
    Ok(())
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(SmolStr);

        impl $name {
            /// Parses an identifier.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                check_id(s)?;
                Ok(Self(s.into()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), &self.0)
            }
        }
    };
}

identifier!(
    /// The unique id of one event of the register.
    EventId
);
identifier!(
    /// A person referred to the assistance system (a presumed victim or a witness).
    PersonId
);
identifier!(
    /// One application (referral). A person may be referred more than once.
    ApplicationId
);
identifier!(
    /// A minor child in a client's care. A child who comes back gets a new id.
    ChildId
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_empty_long_and_foreign_characters() {
        assert_eq!(PersonId::parse(""), Err(IdError::Empty));
        assert_eq!(PersonId::parse(&"a".repeat(101)), Err(IdError::TooLong));
        assert_eq!(PersonId::parse("a b"), Err(IdError::BadCharacter));
        assert_eq!(PersonId::parse("ä"), Err(IdError::BadCharacter));
        assert_eq!(
            PersonId::parse("p-1:2_3.4").map(|p| p.to_string()),
            Ok("p-1:2_3.4".into())
        );
    }

    proptest! {
        #[test]
        fn parse_accepts_exactly_the_documented_alphabet(s in "\\PC{0,120}") {
            let ok = !s.is_empty() && s.len() <= MAX_ID_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_:".contains(&b));
            prop_assert_eq!(EventId::parse(&s).is_ok(), ok);
        }
    }
}
