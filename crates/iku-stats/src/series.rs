//! Published figures of the years before the register, for the long series tables. Loaded
//! from a JSON document:
//!
//! ```json
//! {"series_new_clients": {"2006": {"sexual_exploitation": 5, "forced_labour": 2, "other": 1}},
//!  "series_clients_at_year_end": {"2006": {"adult": 10, "minor": 1, "child_of_client": 2}},
//!  "series_applications": {"2006": 12}}
//! ```
//!
//! A year the register itself covers is taken from the register: its figures can be
//! corrected, the published aggregates cannot.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::review::{Cell, Review};

/// The groups of each two-dimensional series, in their order.
const SERIES: [(&str, &str, &[&str]); 3] = [
    (
        "series_new_clients",
        "form_group",
        &["sexual_exploitation", "forced_labour", "other"],
    ),
    (
        "series_clients_at_year_end",
        "group",
        &["adult", "minor", "child_of_client"],
    ),
    ("series_applications", "", &[]),
];

/// Why a document of aggregates was refused; names the place in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeriesError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("expected an object of series at the top")]
    NotAnObject,
    #[error(
        "unknown series `{0}`: expected series_new_clients, series_clients_at_year_end or series_applications"
    )]
    UnknownSeries(String),
    #[error("{series}: `{year}` is not a year from 1990 to 2100")]
    Year { series: String, year: String },
    #[error("{series} {year}: unknown group `{group}`; expected one of {expected}")]
    Group {
        series: String,
        year: String,
        group: String,
        expected: String,
    },
    #[error("{series} {year}: expected a whole number of persons or applications at `{at}`")]
    Value {
        series: String,
        year: String,
        at: String,
    },
}

/// Aggregates by series, year and group (`""` for the one-dimensional series).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesAggregates(BTreeMap<String, BTreeMap<i32, BTreeMap<String, u64>>>);

impl SeriesAggregates {
    pub fn parse(document: &str) -> Result<Self, SeriesError> {
        let value: Value =
            serde_json::from_str(document).map_err(|e| SeriesError::Json(e.to_string()))?;
        let Value::Object(top) = value else {
            return Err(SeriesError::NotAnObject);
        };
        let mut out = SeriesAggregates::default();
        for (series, years) in top {
            let Some((_, _, groups)) = SERIES.iter().find(|(id, _, _)| *id == series) else {
                return Err(SeriesError::UnknownSeries(series));
            };
            let Value::Object(years) = years else {
                return Err(SeriesError::Value {
                    series,
                    year: String::new(),
                    at: "(years)".into(),
                });
            };
            let by_year = out.0.entry(series.clone()).or_default();
            for (year, v) in years {
                let y = year
                    .parse::<i32>()
                    .ok()
                    .filter(|y| (1990..=2100).contains(y))
                    .ok_or_else(|| SeriesError::Year {
                        series: series.clone(),
                        year: year.clone(),
                    })?;
                let value_err = |at: &str| SeriesError::Value {
                    series: series.clone(),
                    year: year.clone(),
                    at: at.to_owned(),
                };
                let cells = by_year.entry(y).or_default();
                if groups.is_empty() {
                    cells.insert(
                        String::new(),
                        v.as_u64().ok_or_else(|| value_err("(value)"))?,
                    );
                    continue;
                }
                let Value::Object(by_group) = v else {
                    return Err(value_err("(groups)"));
                };
                for (group, n) in by_group {
                    if !groups.contains(&group.as_str()) {
                        return Err(SeriesError::Group {
                            series: series.clone(),
                            year: year.clone(),
                            group,
                            expected: groups.join(", "),
                        });
                    }
                    let n = n.as_u64().ok_or_else(|| value_err(&group))?;
                    cells.insert(group, n);
                }
            }
        }
        Ok(out)
    }

    /// Adds the aggregates of the years before the register's first to the series tables.
    pub fn apply(&self, review: &mut Review) {
        for (id, dim, groups) in SERIES {
            let Some(table) = review.tables.iter_mut().find(|t| t.id == id) else {
                continue;
            };
            let Some(years) = self.0.get(id) else {
                continue;
            };
            let first_register_year = table
                .cells
                .iter()
                .filter_map(|c| c.key.get("year").and_then(|y| y.parse::<i32>().ok()))
                .min()
                .unwrap_or(i32::MAX);
            let mut earlier = Vec::new();
            for (year, cells) in years.range(..first_register_year) {
                let keys: Vec<&str> = if groups.is_empty() {
                    vec![""]
                } else {
                    groups.to_vec()
                };
                for group in keys {
                    let mut key: BTreeMap<&'static str, String> =
                        [("year", year.to_string())].into_iter().collect();
                    if !dim.is_empty() {
                        key.insert(dim, group.to_owned());
                    }
                    let value = cells.get(group).copied().unwrap_or(0);
                    earlier.push(Cell {
                        key,
                        value: Some(value),
                        suppressed: None,
                        share: None,
                    });
                }
            }
            let added: u64 = earlier.iter().filter_map(|c| c.value).sum();
            table.total = table.total.map(|t| t + added);
            earlier.append(&mut table.cells);
            table.cells = earlier;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_place() {
        let e = |doc: &str| {
            SeriesAggregates::parse(doc)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(e("{").starts_with("not JSON"));
        assert!(e(r#"{"series_x": {}}"#).contains("unknown series `series_x`"));
        assert!(e(r#"{"series_applications": {"20x6": 1}}"#).contains("`20x6` is not a year"));
        assert!(e(r#"{"series_applications": {"2006": -1}}"#).contains("series_applications 2006"));
        assert!(
            e(r#"{"series_new_clients": {"2006": {"begging": 1}}}"#)
                .contains("unknown group `begging`")
        );
        assert!(SeriesAggregates::parse(r#"{"series_applications": {"2006": 12}}"#).is_ok());
    }
}
