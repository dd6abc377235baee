//! Authentication. Today: password hashing; the login flow (TOTP, sessions, lockout) arrives
//! with the issue "Access".

pub mod password;
