//! A release published earlier, read back from its frozen JSON: which numbers it published
//! (with their values) and which it withheld. Frozen releases are the input, never re-derived:
//! their values are checked against the register as recorded when they were computed.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::review::{Number, NumberPart, Review};

/// What a frozen release showed, in terms of the numbers of its recomputed review.
#[derive(Debug, Default)]
pub(crate) struct Shown {
    pub published: Vec<(Number, u64)>,
    /// Withheld: suppressed, or folded into "other" (not listed).
    pub withheld: Vec<Number>,
    /// Of those, the ones it protected for their own sake: suppressed as primary, or folded.
    pub sensitive: Vec<Number>,
    /// Folded nationality cells: (table, the codes not listed, the "other" value if shown).
    pub folded: Vec<(&'static str, Vec<Number>, Option<u64>)>,
}

/// Why a frozen release cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrozenError {
    #[error("the frozen review is not JSON: {0}")]
    Json(String),
    #[error("the frozen review has a table `{0}` that the review does not have")]
    UnknownTable(String),
}

/// Reads `document` against `recomputed` (the same review, computed as recorded at the moment
/// the frozen one was).
pub(crate) fn read(document: &str, recomputed: &Review) -> Result<Shown, FrozenError> {
    let doc: Value =
        serde_json::from_str(document).map_err(|e| FrozenError::Json(e.to_string()))?;
    let empty = Vec::new();
    let mut shown = Shown::default();
    for t in doc["tables"].as_array().unwrap_or(&empty) {
        let id = t["id"].as_str().unwrap_or_default();
        let table = recomputed
            .table(id)
            .ok_or_else(|| FrozenError::UnknownTable(id.to_owned()))?;
        let number = |part| Number {
            table: table.id,
            part,
        };
        // Cells of years before the register (published aggregates) are not sums over its
        // persons, and a total that includes them is not either.
        let known: BTreeSet<Vec<String>> =
            table.cells.iter().map(|c| c.codes(&table.dims)).collect();
        let mut listed = BTreeSet::new();
        let mut outside = false;
        let mut other: Option<Option<u64>> = None;
        for c in t["cells"].as_array().unwrap_or(&empty) {
            let codes: Vec<String> = table
                .dims
                .iter()
                .map(|d| c["key"][d].as_str().unwrap_or_default().to_owned())
                .collect();
            let value = c["value"].as_u64();
            if table.dims == ["nationality"] && codes == ["other"] {
                other = Some(value);
                continue;
            }
            if !known.contains(&codes) {
                outside = true;
                continue;
            }
            listed.insert(codes.clone());
            match value {
                Some(v) => shown.published.push((number(NumberPart::Cell(codes)), v)),
                None => {
                    if c["suppressed"].as_str() == Some("primary") {
                        shown
                            .sensitive
                            .push(number(NumberPart::Cell(codes.clone())));
                    }
                    shown.withheld.push(number(NumberPart::Cell(codes)));
                }
            }
        }
        if table.dims == ["nationality"] {
            let unlisted: Vec<Number> = known
                .iter()
                .filter(|k| !listed.contains(*k))
                .map(|k| number(NumberPart::Cell(k.clone())))
                .collect();
            shown.withheld.extend(unlisted.iter().cloned());
            shown.sensitive.extend(unlisted.iter().cloned());
            if let Some(value) = other {
                shown.folded.push((table.id, unlisted, value));
            }
        }
        match t["total"].as_u64() {
            Some(v) if !outside => shown.published.push((number(NumberPart::Total), v)),
            Some(_) => {}
            None => shown.withheld.push(number(NumberPart::Total)),
        }
        for name in table.extra.keys() {
            if crate::review::NOT_SUMS.contains(name) {
                continue;
            }
            match t["extra"][*name].as_u64() {
                Some(v) => shown.published.push((number(NumberPart::Extra(name)), v)),
                None => shown.withheld.push(number(NumberPart::Extra(name))),
            }
        }
    }
    Ok(shown)
}
