//! Personal values: special-category data that must never reach a log, an error message or a
//! statistic. They have no `Display`, and `Debug` prints a placeholder; the only way to the
//! text is `expose`, which is easy to find in review.

use std::fmt;

/// One personal value (a name, an identity code, a phone number, an e-mail address, a note).
#[derive(Clone, PartialEq, Eq)]
pub struct Personal(Box<str>);

impl Personal {
    pub fn new(value: &str) -> Self {
        Self(value.into())
    }

    /// The value itself, for encryption, export and the screens of those allowed to see it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Personal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<personal>")
    }
}

/// The longest value of each personal field, in characters: a name, an identity code (a
/// Finnish one is 11; foreign ones are longer), a phone number, an e-mail address (RFC 5321),
/// a note (what a referral tells, with its referrer's contact).
pub fn longest(field: &str) -> usize {
    match field {
        "name" => 200,
        "personal_identity_code" => 40,
        "phone" => 40,
        "email" => 254,
        _ => 10_000,
    }
}

/// Why a text is not taken as a personal value: too long, or it holds characters that are
/// not text (controls, and the bidirectional overrides that make a value read otherwise than
/// it is stored).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("at most {0} characters")]
    TooLong(usize),
    #[error("control characters and bidirectional overrides are not allowed")]
    NotText,
}

/// Checks a text typed by a person: at most `longest` characters; no control characters but
/// tabs and line breaks where `lines` allows them (a note), and none of the bidirectional
/// embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069).
pub fn check_text(text: &str, longest: usize, lines: bool) -> Result<(), TextError> {
    if text.chars().count() > longest {
        return Err(TextError::TooLong(longest));
    }
    let allowed = |c: char| lines && matches!(c, '\t' | '\n' | '\r');
    let bad = |c: char| {
        (c.is_control() && !allowed(c))
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if text.chars().any(bad) {
        return Err(TextError::NotText);
    }
    Ok(())
}

/// The personal fields a `person_details` event may carry, in interchange order.
pub const PERSONAL_FIELD_NAMES: [&str; 5] =
    ["name", "personal_identity_code", "phone", "email", "note"];

/// The personal fields of one `person_details` event; each is absent unless the event
/// carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonalFields {
    pub name: Option<Personal>,
    pub personal_identity_code: Option<Personal>,
    pub phone: Option<Personal>,
    pub email: Option<Personal>,
    pub note: Option<Personal>,
    /// The fields this event carried were erased by the retention purge (the event's other
    /// facts stay for the statistics).
    pub erased: bool,
}

impl PersonalFields {
    /// The fields in interchange order, with their names.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Personal)> {
        PERSONAL_FIELD_NAMES
            .into_iter()
            .zip([
                &self.name,
                &self.personal_identity_code,
                &self.phone,
                &self.email,
                &self.note,
            ])
            .filter_map(|(name, value)| value.as_ref().map(|v| (name, v)))
    }

    /// The slot of the field called `name`, if it is a personal field.
    pub fn slot_mut(&mut self, name: &str) -> Option<&mut Option<Personal>> {
        match name {
            "name" => Some(&mut self.name),
            "personal_identity_code" => Some(&mut self.personal_identity_code),
            "phone" => Some(&mut self.phone),
            "email" => Some(&mut self.email),
            "note" => Some(&mut self.note),
            _ => None,
        }
    }

    /// The fields after the retention purge: none, and the mark that there were some.
    pub fn erased() -> Self {
        Self {
            erased: true,
            ..Self::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Takes over every field `newer` carries, keeping the others.
    pub fn update_from(&mut self, newer: &PersonalFields) {
        for (name, value) in newer.iter() {
            if let Some(slot) = self.slot_mut(name) {
                *slot = Some(value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_value() {
        let fields = PersonalFields {
            name: Some(Personal::new("Maria Example")),
            email: Some(Personal::new("maria@example.org")),
            ..Default::default()
        };
        let printed = format!("{fields:?} {:?}", Personal::new("010203-123X"));
        assert!(!printed.contains("Maria"));
        assert!(!printed.contains("example.org"));
        assert!(!printed.contains("123X"));
        assert!(printed.contains("<personal>"));
    }

    #[test]
    fn update_takes_only_the_fields_carried() {
        let mut fields = PersonalFields {
            name: Some(Personal::new("A")),
            phone: Some(Personal::new("1")),
            ..Default::default()
        };
        fields.update_from(&PersonalFields {
            phone: Some(Personal::new("2")),
            ..Default::default()
        });
        assert_eq!(fields.name.as_ref().map(Personal::expose), Some("A"));
        assert_eq!(fields.phone.as_ref().map(Personal::expose), Some("2"));
    }
}
