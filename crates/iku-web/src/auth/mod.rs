//! Authentication. Today: password hashing and TOTP codes; the login flow (TOTP, sessions, lockout) arrives
//! with the issue "Access".

pub mod password;
pub mod totp;
