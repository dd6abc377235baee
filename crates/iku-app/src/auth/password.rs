//! Passwords: argon2id with the crate's defaults (OWASP's minimum: 19 MiB, 2 passes, 1 lane),
//! stored as PHC strings, so the parameters travel with each hash and can be raised later.
//! Hashing is slow on purpose: the server calls it on a blocking thread.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password")]
pub struct HashError;

/// The PHC string of a password.
pub fn hash(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|_| HashError)
}

/// Whether `password` matches a stored PHC string (false for a malformed one).
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new random password for an account an admin creates: 20 characters from an alphabet
/// without look-alikes (about 100 bits), shown once, to be changed at the first login.
pub fn generate() -> Result<String, HashError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|_| HashError)?;
    // 256 is not a multiple of 55: the slight bias costs well under a bit of the 100.
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

/// An account's first password, as an admin hands it over: shown once, never logged (no
/// `Debug` or `Display` that prints it).
pub struct FirstPassword(String);

impl FirstPassword {
    /// A new random one, and its PHC string to store.
    pub fn generate() -> Result<(FirstPassword, String), HashError> {
        let password = generate()?;
        let stored = hash(&password)?;
        Ok((FirstPassword(password), stored))
    }

    /// The password itself, for the one page that shows it.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for FirstPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FirstPassword(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() -> Result<(), HashError> {
        let stored = hash("correct horse battery staple")?;
        assert!(stored.starts_with("$argon2id$v=19$"));
        assert!(verify("correct horse battery staple", &stored));
        assert!(!verify("correct horse battery stapler", &stored));
        assert!(!verify("anything", "not a hash"));
        // Salted: the same password hashes differently.
        assert_ne!(stored, hash("correct horse battery staple")?);
        Ok(())
    }

    #[test]
    fn a_first_password_verifies_against_its_hash_and_never_prints() -> Result<(), HashError> {
        let (password, stored) = FirstPassword::generate()?;
        assert!(verify(password.reveal(), &stored));
        let printed = format!("{password:?}");
        assert!(!printed.contains(password.reveal()), "{printed}");
        Ok(())
    }

    #[test]
    fn generated_passwords_are_long_and_differ() -> Result<(), HashError> {
        let (a, b) = (generate()?, generate()?);
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        Ok(())
    }
}
