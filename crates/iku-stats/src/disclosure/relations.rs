//! The relations an attacker knows between the numbers of releases, found in the register
//! itself: a number that is the sum of cells of another table (a margin, a total, a slice: the
//! tables are linked through these), a table's total as the sum of its cells, and across
//! releases, an annual number that counts everyone its semiannual counterpart counts (so the
//! second half, annual minus first half, is never negative).
//!
//! A relation is taken where it holds person by person (every person adds the same to both
//! sides), and, for a cell, only between tables that share a dimension, matching on it: that
//! is what the tables' definitions make true. Two cells of unrelated classifications that
//! happen to count the same persons are not related (an attacker cannot know that they do).

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::model::{Column, sum};
use super::{Entry, Kind};

/// Linear relations over entries (by index).
#[derive(Debug, Default)]
pub(crate) struct Relations {
    /// Each sums to zero: +1 for the number, -1 for each cell it is the sum of.
    pub equal: Vec<Column>,
    /// (a, b): entry a is at least entry b.
    pub at_least: Vec<(usize, usize)>,
}

/// The entries of one table of one release.
#[derive(Default)]
struct TableEntries {
    dims: Vec<&'static str>,
    /// Cells, folded ones included ("other" is not a cell of its own: it is their sum).
    cells: Vec<usize>,
    /// For each profile, the cells it adds to.
    by_profile: HashMap<u32, Vec<usize>>,
}

pub(crate) fn find(entries: &[Entry]) -> Relations {
    let mut tables: BTreeMap<(usize, &'static str), TableEntries> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let t = tables.entry((e.release, e.number.table)).or_default();
        t.dims.clone_from(&e.dims);
        if let Kind::Cell = e.kind {
            t.cells.push(i);
            for (j, _) in &e.column {
                t.by_profile.entry(*j).or_default().push(i);
            }
        }
    }
    let mut seen: HashSet<Vec<(u32, i64)>> = HashSet::default();
    let mut relations = Relations::default();
    let mut add = |relation: Column, relations: &mut Relations| {
        let key: Vec<(u32, i64)> = relation.iter().map(|(i, a)| (*i, *a as i64)).collect();
        if seen.insert(key) {
            relations.equal.push(relation);
        }
    };
    for (n, e) in entries.iter().enumerate() {
        if e.column.is_empty() {
            continue;
        }
        if let Kind::Other { folded } = &e.kind {
            let mut relation = vec![(n as u32, 1.0)];
            relation.extend(folded.iter().map(|f| (*f as u32, -1.0)));
            relation.sort_by_key(|(i, _)| *i);
            add(relation, &mut relations);
            continue;
        }
        for ((release, table), t) in &tables {
            if *release != e.release {
                continue;
            }
            let same_table = *table == e.number.table;
            let shared: Vec<usize> = match e.kind {
                Kind::Cell if same_table => continue,
                Kind::Cell => e
                    .dims
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| t.dims.contains(d))
                    .map(|(k, _)| k)
                    .collect(),
                _ => Vec::new(),
            };
            if matches!(e.kind, Kind::Cell) && shared.is_empty() {
                continue;
            }
            let mut cells: Vec<usize> = e
                .column
                .iter()
                .filter_map(|(j, _)| t.by_profile.get(j))
                .flatten()
                .copied()
                .collect();
            cells.sort_unstable();
            cells.dedup();
            if cells.is_empty() || (cells == [n]) {
                continue;
            }
            let matches = cells.iter().all(|&c| {
                shared.iter().all(|&k| {
                    let d = e.dims[k];
                    let pos = t.dims.iter().position(|x| *x == d);
                    pos.is_some_and(|p| entries[c].codes.get(p) == e.codes.get(k))
                })
            });
            if !matches {
                continue;
            }
            let columns: Vec<Column> = cells.iter().map(|&c| entries[c].column.clone()).collect();
            if sum(&columns) != e.column {
                continue;
            }
            let mut relation = vec![(n as u32, 1.0)];
            relation.extend(cells.iter().map(|&c| (c as u32, -1.0)));
            relation.sort_by_key(|(i, _)| *i);
            add(relation, &mut relations);
        }
    }
    relations.at_least = across_releases(entries);
    relations
}

/// A number by what it is in any release: table, kind, codes.
type SameNumber<'a> = (&'static str, (u8, &'static str), &'a Vec<String>);

/// (a, b) where a is a number of the last release and b the same number of an earlier one,
/// and every person adds at least as much to a as to b.
fn across_releases(entries: &[Entry]) -> Vec<(usize, usize)> {
    let last = entries.iter().map(|e| e.release).max().unwrap_or(0);
    let ours: HashMap<SameNumber<'_>, usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.release == last)
        .map(|(i, e)| ((e.number.table, e.kind.tag(), &e.codes), i))
        .collect();
    let mut out = Vec::new();
    for (b, e) in entries.iter().enumerate() {
        if e.release == last || e.column.is_empty() {
            continue;
        }
        let Some(&a) = ours.get(&(e.number.table, e.kind.tag(), &e.codes)) else {
            continue;
        };
        let bigger: HashMap<u32, f64> = entries[a].column.iter().copied().collect();
        if e.column
            .iter()
            .all(|(j, x)| bigger.get(j).is_some_and(|y| y >= x))
        {
            out.push((a, b));
        }
    }
    out
}
