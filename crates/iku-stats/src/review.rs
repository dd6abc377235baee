//! A review as data: tables of cells, in the JSON shape of review.md (the machine contract).

use std::collections::BTreeMap;

use serde::Serialize;

/// A whole review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub report: &'static str,
    pub period: PeriodDates,
    /// The moment the register was read as recorded at (RFC 3339), or null for "as corrected".
    pub as_recorded_at: Option<String>,
    pub disclosure: Disclosure,
    pub tables: Vec<Table>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodDates {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disclosure {
    /// `internal` (exact counts) or `published`.
    pub mode: &'static str,
    pub threshold: u64,
    /// What the published mode did, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

/// One table: cells keyed by their dimensions' codes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub id: &'static str,
    pub unit: &'static str,
    pub dims: Vec<&'static str>,
    pub cells: Vec<Cell>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    pub extra: BTreeMap<&'static str, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub key: BTreeMap<&'static str, String>,
    /// None when suppressed.
    pub value: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<&'static str>,
}

impl Table {
    /// The value of the cell whose key is `codes` (in `dims` order).
    pub fn value(&self, codes: &[&str]) -> Option<u64> {
        self.cells
            .iter()
            .find(|c| {
                self.dims
                    .iter()
                    .zip(codes)
                    .all(|(d, code)| c.key.get(d).map(String::as_str) == Some(*code))
            })
            .and_then(|c| c.value)
    }
}

impl Review {
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }

    /// The JSON document, pretty-printed, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}
