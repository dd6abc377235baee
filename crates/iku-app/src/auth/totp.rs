//! TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the second factor every role must
//! use. Written here rather than taken from totp-rs, whose otpauth support brings a URL
//! parser and internationalised domain names into the build for one string we can format.
//! A code is accepted for the current step and one step either side (clock drift), and never
//! for a step at or before the last one accepted: a code cannot be replayed.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;

/// A TOTP secret (160 bits, as RFC 4226 recommends). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<secret>)")
    }
}

/// Why a code was refused. The login answers the same whatever the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("a code is six digits")]
    Format,
    #[error("the code does not match")]
    Wrong,
    #[error("the code was used already")]
    Replayed,
    #[error("the system random number generator failed")]
    Random,
}

impl TotpSecret {
    pub fn generate() -> Result<Self, TotpError> {
        let mut bytes = vec![0u8; 20];
        getrandom::fill(&mut bytes).map_err(|_| TotpError::Random)?;
        Ok(Self(bytes))
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The secret, for sealing it in the database.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret as authenticator apps take it typed in: RFC 4648 base32, no padding.
    pub fn base32(&self) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut out = String::new();
        let (mut buffer, mut bits) = (0u32, 0u32);
        for &byte in &self.0 {
            buffer = (buffer << 8) | u32::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
            }
        }
        if bits > 0 {
            out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
        }
        out
    }

    /// The enrolment link for an authenticator app (shown as a QR code or typed in).
    pub fn otpauth_uri(&self, account: &iku_domain::access::Username) -> String {
        // Account names are [a-z0-9._-]: nothing to percent-encode.
        format!(
            "otpauth://totp/iku:{account}?secret={}&issuer=iku&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            self.base32()
        )
    }
}

/// The six-digit code an authenticator app shows at `unix_time`.
pub fn code(secret: &TotpSecret, unix_time: i64) -> String {
    format!(
        "{:06}",
        code_at(&secret.0, unix_time.div_euclid(STEP_SECONDS), DIGITS)
    )
}

/// The code of `step`, with `digits` digits (RFC 4226 dynamic truncation).
fn code_at(secret: &[u8], step: i64, digits: u32) -> u32 {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return u32::MAX;
    };
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// Checks `code` at `unix_time`; `last_step` is the step of the last code accepted for this
/// account. Returns the step matched, to be stored as the new last step.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    unix_time: i64,
    last_step: Option<i64>,
) -> Result<i64, TotpError> {
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpError::Format);
    }
    let wanted: u32 = code.parse().map_err(|_| TotpError::Format)?;
    let now = unix_time.div_euclid(STEP_SECONDS);
    let matched = (now - 1..=now + 1).find(|&step| code_at(&secret.0, step, DIGITS) == wanted);
    match matched {
        None => Err(TotpError::Wrong),
        Some(step) if last_step.is_some_and(|last| step <= last) => Err(TotpError::Replayed),
        Some(step) => Ok(step),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B, SHA-1 (8 digits).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(code_at(secret, time / STEP_SECONDS, 8), code, "at {time}");
        }
    }

    fn code(secret: &TotpSecret, time: i64) -> String {
        format!("{:06}", code_at(&secret.0, time / STEP_SECONDS, DIGITS))
    }

    #[test]
    fn a_code_is_accepted_once_within_a_step_of_drift() -> Result<(), TotpError> {
        let secret = TotpSecret::generate()?;
        let t = 1_800_000_000;
        let step = verify(&secret, &code(&secret, t), t, None)?;
        assert_eq!(step, t / STEP_SECONDS);
        // The same code again: refused as a replay, even within its window.
        assert_eq!(
            verify(&secret, &code(&secret, t), t + 5, Some(step)),
            Err(TotpError::Replayed)
        );
        // The next step's code is fine; one step of drift either way is allowed, two are not.
        assert!(verify(&secret, &code(&secret, t + 30), t + 30, Some(step)).is_ok());
        assert!(verify(&secret, &code(&secret, t - 30), t, None).is_ok());
        assert_eq!(
            verify(&secret, &code(&secret, t - 60), t, None),
            Err(TotpError::Wrong)
        );
        assert_eq!(verify(&secret, "12345", t, None), Err(TotpError::Format));
        assert_eq!(verify(&secret, "12345a", t, None), Err(TotpError::Format));
        Ok(())
    }

    #[test]
    fn base32_and_the_enrolment_link() {
        // RFC 4648 test vector: "foobar" -> MZXW6YTBOI (unpadded).
        assert_eq!(
            TotpSecret::from_bytes(b"foobar".to_vec()).base32(),
            "MZXW6YTBOI"
        );
        let name = iku_domain::access::Username::parse("maria").unwrap_or_else(|e| panic!("{e}"));
        let uri = TotpSecret::from_bytes(b"12345678901234567890".to_vec()).otpauth_uri(&name);
        assert_eq!(
            uri,
            "otpauth://totp/iku:maria?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=iku&algorithm=SHA1&digits=6&period=30"
        );
        assert!(
            !format!(
                "{:?}",
                TotpSecret::from_bytes(b"12345678901234567890".to_vec())
            )
            .contains("123")
        );
    }
}
