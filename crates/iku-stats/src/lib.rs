//! The annual and semiannual reviews (`review.md`): every table computed from the register in
//! one pass (`compute`), disclosure control for the published mode (`disclosure`), and the
//! outputs (JSON, the machine contract; CSV, XLSX and HTML with labels in fi/sv/en).
//!
//! Pure: no I/O. The caller loads the register (without personal fields: statistics need
//! none) and writes the output.

pub mod compare;
mod compute;
pub mod csv;
pub mod definitions;
pub mod disclosure;
pub mod htcds;
pub mod html;
pub mod labels;
pub mod period;
pub mod review;
pub mod series;
pub mod xlsx;

pub use compute::{
    Contributions, FactsReviewError, Profile, Release, compute, compute_from_facts,
    contributions_from_facts,
};
pub use period::{Period, ReviewKind};
pub use review::{Cell, Number, NumberPart, Review, Table};

/// The publication threshold: cells counting fewer persons than this are withheld in the
/// published mode (`disclosure`).
pub const THRESHOLD: u64 = 5;
