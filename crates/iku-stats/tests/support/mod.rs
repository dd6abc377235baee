//! Code shared by the tests and the disclosure benchmark: not under test itself.

pub mod attacker;
pub mod groups;
pub mod naive;
