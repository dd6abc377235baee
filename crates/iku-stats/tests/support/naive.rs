//! The simple heuristic disclosure control is compared with (BENCHMARKS.md): today's
//! practice (small nationalities folded into "other"), the same primary rule, and then, as a
//! hypercube method checks, two suppressions in every line: in a one-dimensional table its
//! cells, in a two-dimensional one each row and each column; where a line has exactly one
//! suppressed cell, its smallest other nonzero cell is suppressed too, until no line has one.
//! Totals are never suppressed.

use iku_stats::{Cell, Review};

const QUASI_IDENTIFIERS: [&str; 4] = ["nationality", "age_group", "residence_status", "referrer"];

pub fn two_per_line(internal: &Review, threshold: u64) -> Review {
    let mut review = internal.clone();
    review.disclosure.mode = "published";
    let small = |v: Option<u64>| v.is_some_and(|v| (1..threshold).contains(&v));
    for t in &mut review.tables {
        if t.dims == ["nationality"] {
            let (kept, folded): (Vec<Cell>, Vec<Cell>) =
                t.cells.drain(..).partition(|c| !small(c.value));
            t.cells = kept;
            let other: u64 = folded.iter().filter_map(|c| c.value).sum();
            if other > 0 {
                t.cells.push(Cell {
                    key: [("nationality", "other".to_owned())].into_iter().collect(),
                    value: Some(other),
                    suppressed: None,
                    share: None,
                });
            }
        }
        let identifying = t.dims.len() >= 2 || t.dims.iter().any(|d| QUASI_IDENTIFIERS.contains(d));
        if !identifying {
            continue;
        }
        let values: Vec<Option<u64>> = t.cells.iter().map(|c| c.value).collect();
        let mut withheld: Vec<bool> = values.iter().map(|v| small(*v)).collect();
        let lines: Vec<Vec<usize>> = match t.dims.len() {
            1 => vec![(0..t.cells.len()).collect()],
            _ => {
                let mut lines = Vec::new();
                for d in &t.dims {
                    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> =
                        std::collections::BTreeMap::new();
                    for (i, c) in t.cells.iter().enumerate() {
                        groups.entry(c.key[d].as_str()).or_default().push(i);
                    }
                    lines.extend(groups.into_values());
                }
                lines
            }
        };
        loop {
            let mut changed = false;
            for line in &lines {
                if line.iter().filter(|&&i| withheld[i]).count() != 1 {
                    continue;
                }
                let smallest = line
                    .iter()
                    .copied()
                    .filter(|&i| !withheld[i] && values[i].is_some_and(|v| v > 0))
                    .min_by_key(|&i| (values[i], i));
                if let Some(i) = smallest {
                    withheld[i] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for (c, w) in t.cells.iter_mut().zip(&withheld) {
            if *w {
                c.suppressed = Some(if small(c.value) {
                    "primary"
                } else {
                    "secondary"
                });
                c.value = None;
            }
        }
    }
    review
}
