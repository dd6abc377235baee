//! Authentication's means: password hashing and TOTP codes (the login flow that uses them is
//! `login`).

pub mod password;
pub mod totp;
