//! What changed in a review since it was published: the frozen JSON against a re-run, cell by
//! cell (totals and extras included).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::review::Review;

/// One cell whose value differs (None: the cell is absent or suppressed on that side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub table: String,
    /// The cell's codes joined by `/` in the table's dimension order, or `total`, or the
    /// extra's name.
    pub key: String,
    pub published: Option<u64>,
    pub current: Option<u64>,
}

fn cells(review: &Value) -> BTreeMap<(String, String), Option<u64>> {
    let mut out = BTreeMap::new();
    let empty = Vec::new();
    for t in review["tables"].as_array().unwrap_or(&empty) {
        let id = t["id"].as_str().unwrap_or_default().to_owned();
        let dims: Vec<&str> = t["dims"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for c in t["cells"].as_array().unwrap_or(&empty) {
            let key: Vec<&str> = dims
                .iter()
                .map(|d| c["key"][d].as_str().unwrap_or_default())
                .collect();
            out.insert((id.clone(), key.join("/")), c["value"].as_u64());
        }
        if let Some(total) = t["total"].as_u64() {
            out.insert((id.clone(), "total".to_owned()), Some(total));
        }
        if let Some(extra) = t["extra"].as_object() {
            for (k, v) in extra {
                out.insert((id.clone(), k.clone()), v.as_u64());
            }
        }
    }
    out
}

/// The cells of `current` that differ from the published JSON document.
pub fn compare(published: &str, current: &Review) -> Result<Vec<Change>, serde_json::Error> {
    let before = cells(&serde_json::from_str(published)?);
    let after = cells(&serde_json::to_value(current)?);
    let mut keys: Vec<&(String, String)> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    Ok(keys
        .into_iter()
        .filter_map(|k| {
            let (p, c) = (
                before.get(k).copied().flatten(),
                after.get(k).copied().flatten(),
            );
            (p != c).then(|| Change {
                table: k.0.clone(),
                key: k.1.clone(),
                published: p,
                current: c,
            })
        })
        .collect())
}
