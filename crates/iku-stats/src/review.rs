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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// Whether the audit found every suppressed cell safe (published mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_passed: Option<bool>,
}

/// One table: cells keyed by their dimensions' codes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub id: &'static str,
    pub unit: &'static str,
    pub dims: Vec<&'static str>,
    pub cells: Vec<Cell>,
    /// None when suppressed (`total_suppressed` says why).
    pub total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_suppressed: Option<&'static str>,
    pub extra: BTreeMap<&'static str, u64>,
    /// Extra figures withheld by disclosure control (absent from `extra`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_suppressed: Vec<&'static str>,
}

/// One published number of a review: a cell, a table's total, or one of its extra figures.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Number {
    pub table: &'static str,
    pub part: NumberPart,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NumberPart {
    /// The cell with these codes, in the table's `dims` order.
    Cell(Vec<String>),
    Total,
    Extra(&'static str),
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.part {
            NumberPart::Cell(key) => write!(f, "{}[{}]", self.table, key.join(",")),
            NumberPart::Total => write!(f, "{}.total", self.table),
            NumberPart::Extra(name) => write!(f, "{}.{name}", self.table),
        }
    }
}

/// Extra figures that are not sums over persons (so not part of a linear model of a release).
pub const NOT_SUMS: [&str; 1] = ["distinct_nationalities"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub key: BTreeMap<&'static str, String>,
    /// None when suppressed.
    pub value: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<&'static str>,
    /// The cell's share of the table's total in per cent, one decimal (`Review::fill_shares`);
    /// none where the cell or the total is withheld or the table runs over years.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
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

impl Cell {
    /// The cell's codes in the order of `dims`.
    pub fn codes(&self, dims: &[&'static str]) -> Vec<String> {
        dims.iter()
            .map(|d| self.key.get(d).cloned().unwrap_or_default())
            .collect()
    }
}

impl Review {
    /// Keeps the series' years `from..=to` (a chart over a chosen range of years); a
    /// series' total becomes the sum of the years kept, or none if one of them is withheld.
    pub fn keep_years(&mut self, from: i32, to: i32) {
        for t in &mut self.tables {
            if t.dims.first() != Some(&"year") {
                continue;
            }
            t.cells.retain(|c| {
                c.key
                    .get("year")
                    .and_then(|y| y.parse::<i32>().ok())
                    .is_some_and(|y| (from..=to).contains(&y))
            });
            if t.total.is_some() {
                t.total = t.cells.iter().map(|c| c.value).sum();
            }
        }
    }

    /// Gives every cell its share of its table's total, as the publications write "60 % women
    /// and girls": per cent with one decimal, where both the cell and the total are published
    /// and the total is not zero. A series (by year) has none: a year is no part of a whole.
    pub fn fill_shares(&mut self) {
        for t in &mut self.tables {
            let series = t.dims.first() == Some(&"year");
            for c in &mut t.cells {
                c.share = match (c.value, t.total) {
                    (Some(v), Some(total)) if total > 0 && !series => {
                        Some((v as f64 * 1000.0 / total as f64).round() / 10.0)
                    }
                    _ => None,
                };
            }
        }
    }

    /// Whether the period's own tables count nobody: every cell and total zero, nothing
    /// withheld (the long series, which carry earlier years, are not the period's).
    pub fn counts_nobody(&self) -> bool {
        let mut period = self
            .tables
            .iter()
            .filter(|t| !t.id.starts_with("series_"))
            .peekable();
        // A review of series alone (a chart over years) says nothing of its period.
        period.peek().is_some()
            && period.all(|t| {
                t.total.is_some_and(|total| total == 0)
                    && t.cells.iter().all(|c| c.value == Some(0))
                    && t.extra.values().all(|v| *v == 0)
                    && t.extra_suppressed.is_empty()
            })
    }

    /// Every published number that is a sum over persons, with its value (suppressed ones
    /// left out).
    pub fn numbers(&self) -> Vec<(Number, u64)> {
        let mut out = Vec::new();
        for t in &self.tables {
            let number = |part| Number { table: t.id, part };
            for c in &t.cells {
                if let Some(v) = c.value {
                    out.push((number(NumberPart::Cell(c.codes(&t.dims))), v));
                }
            }
            if let Some(v) = t.total {
                out.push((number(NumberPart::Total), v));
            }
            for (name, v) in &t.extra {
                if !NOT_SUMS.contains(name) {
                    out.push((number(NumberPart::Extra(name)), *v));
                }
            }
        }
        out
    }

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
