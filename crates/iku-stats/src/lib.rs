//! The annual and semiannual reviews (`review.md`): every table computed from the register in
//! one pass (`compute`), today's simple disclosure rule for the published mode, and the
//! outputs (JSON, the machine contract; CSV with labels in fi/sv/en).
//!
//! Pure: no I/O. The caller loads the register (without personal fields: statistics need
//! none) and writes the output.

pub mod compare;
mod compute;
pub mod csv;
pub mod html;
pub mod labels;
pub mod period;
pub mod review;
pub mod series;
pub mod xlsx;

pub use compute::{FactsReviewError, compute, compute_from_facts};
pub use period::{Period, ReviewKind};
pub use review::{Cell, Review, Table};

/// The publication threshold: nationalities are shown only where this many clients have
/// them.
pub const THRESHOLD: u64 = 5;

/// Tables whose nationality cells are disclosure-controlled.
const NATIONALITY_TABLES: [&str; 3] = [
    "new_clients_by_nationality",
    "finland_by_nationality",
    "clients_by_nationality",
];

/// Applies today's practice to a review: in the nationality tables, nationalities with fewer
/// than `THRESHOLD` persons are folded into one `other` cell. (Linked-table suppression, which
/// also protects totals, margins and other tables, is a later issue; the review says which
/// rule it used.)
pub fn publish_simple(mut review: Review) -> Review {
    review.disclosure.mode = "published";
    review.disclosure.note = Some(
        "Nationalities with fewer than 5 persons are folded into \"other\" (today's practice); \
         no secondary suppression has been applied.",
    );
    for table in review
        .tables
        .iter_mut()
        .filter(|t| NATIONALITY_TABLES.contains(&t.id))
    {
        let (kept, folded): (Vec<Cell>, Vec<Cell>) = table
            .cells
            .drain(..)
            .partition(|c| c.value.is_some_and(|v| v >= THRESHOLD));
        table.cells = kept;
        let other: u64 = folded.iter().filter_map(|c| c.value).sum();
        if other > 0 {
            table.cells.push(Cell {
                key: [("nationality", "other".to_owned())].into_iter().collect(),
                value: Some(other),
                suppressed: None,
            });
        }
    }
    review
}
