//! The domain of iku: what the assistance system records and what it means.
//!
//! Pure: no I/O, no async, no database. Storage, statistics and the web application build on
//! the types and the one query here (`Register::view(T).state_as_of(D)`).

pub mod access;
pub mod calendar;
pub mod codes;
pub mod decision;
pub mod documents;
pub mod event;
pub mod facts;
pub mod grouping;
pub mod ids;
pub mod interchange;
pub mod personal;
pub mod plan;
pub mod register;
pub mod reminders;
pub mod retention;
pub mod rules;
pub mod search;
pub mod state;
pub mod tasks;

pub use calendar::Timestamp;
pub use event::{Event, EventBody, EventKind};
pub use register::{Register, View};
pub use rules::{Rule, Violation};
pub use state::RegisterState;
