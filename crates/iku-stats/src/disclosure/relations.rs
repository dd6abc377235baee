//! The relations an attacker knows between the numbers of releases, as the published
//! definitions make them (`crate::definitions`), each checked person by person in the
//! register:
//!
//! - between two tables of one population (counting the same persons, broken down
//!   differently), the sum of one's cells in a group equals the sum of the other's cells in
//!   the same group, or, where one is a slice of the other's persons (exploited in Finland), is
//!   at most it. A group is a choice of the attributes both tables have: a shared dimension,
//!   a grouping of one's dimension into the other's (gender and age into sex, referrer into
//!   referrer type, age group into minor and adult), the slice a table counts and the
//!   review's year (a row of a series). Margins, slices and recoded tables are all of this
//!   kind;
//! - a table's total, and an extra figure, as the sum of the cells of a table of its
//!   population that count exactly its persons, or of the cells it is defined as; "other"
//!   nationalities as the sum of those folded into it;
//! - across releases, an annual number that counts everyone its semiannual counterpart
//!   counts (so the second half, annual minus first half, is never negative).
//!
//! Tables of different populations are not related, even where, in one register, two of their
//! groups happen to count the same persons: an attacker cannot know that they do.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::model::{Column, sum};
use super::{Entry, Kind};
use crate::definitions::{EXTRA_CELLS, GROUPINGS, population, slice};

/// Linear relations over entries (by index).
#[derive(Debug, Default)]
pub(crate) struct Relations {
    /// Each sums to zero: the coefficients of entries.
    pub equal: Vec<Column>,
    /// Each sums to at least zero.
    pub at_least: Vec<Column>,
}

impl Relations {
    /// Every relation, with whether it is an equation.
    pub fn all(&self) -> impl Iterator<Item = (&Column, bool)> {
        self.equal
            .iter()
            .map(|r| (r, true))
            .chain(self.at_least.iter().map(|r| (r, false)))
    }
}

/// The cells of one table of one release, with the attributes they can be grouped by.
struct TableCells {
    id: &'static str,
    /// Attribute names, the same for every cell.
    attributes: Vec<&'static str>,
    /// (entry, its value of each attribute: none where a grouping leaves it out).
    cells: Vec<(usize, Vec<Option<String>>)>,
    /// Every person's contribution to the table: the sum of its cells.
    everyone: Column,
    /// Whether it has a total (published: totals always are).
    total: bool,
}

impl TableCells {
    fn of(id: &'static str, dims: &[&'static str]) -> Self {
        let mut attributes: Vec<&'static str> = dims.to_vec();
        for g in &GROUPINGS {
            if dims.contains(&g.from) && !attributes.contains(&g.to) {
                attributes.push(g.to);
            }
        }
        if let Some(s) = slice(id).filter(|s| !attributes.contains(&s.dim)) {
            attributes.push(s.dim);
        }
        if !attributes.contains(&"year") {
            attributes.push("year");
        }
        TableCells {
            id,
            attributes,
            cells: Vec::new(),
            everyone: Vec::new(),
            total: false,
        }
    }

    /// A cell's value of each attribute.
    fn values(
        &self,
        id: &str,
        dims: &[&'static str],
        codes: &[String],
        year: &str,
    ) -> Vec<Option<String>> {
        let code = |d: &str| dims.iter().position(|x| *x == d).map(|p| codes[p].clone());
        self.attributes
            .iter()
            .map(|a| {
                if let Some(c) = code(a) {
                    return Some(c);
                }
                if let Some(g) = GROUPINGS
                    .iter()
                    .find(|g| g.to == *a && dims.contains(&g.from))
                {
                    return code(g.from).and_then(|c| (g.map)(&c)).map(str::to_owned);
                }
                match slice(id) {
                    Some(s) if s.dim == *a => Some(s.code.to_owned()),
                    _ => (*a == "year").then(|| year.to_owned()),
                }
            })
            .collect()
    }
}

/// The relations among `entries`; `years[r]` is release r's year.
pub(crate) fn find(entries: &[Entry], years: &[String]) -> Relations {
    let mut tables: BTreeMap<(usize, &'static str), TableCells> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        if !matches!(e.kind, Kind::Cell) {
            continue;
        }
        let year = years.get(e.release).map_or("", String::as_str);
        let t = tables
            .entry((e.release, e.number.table))
            .or_insert_with(|| TableCells::of(e.number.table, &e.dims));
        let values = t.values(e.number.table, &e.dims, &e.codes, year);
        t.cells.push((i, values));
    }
    for e in entries.iter().filter(|e| matches!(e.kind, Kind::Total)) {
        if let Some(t) = tables.get_mut(&(e.release, e.number.table)) {
            t.total = true;
        }
    }
    for t in tables.values_mut() {
        let columns: Vec<Column> = t
            .cells
            .iter()
            .map(|(i, _)| entries[*i].column.clone())
            .collect();
        t.everyone = sum(&columns);
    }
    let mut found = Found::default();
    for (n, e) in entries.iter().enumerate() {
        match &e.kind {
            Kind::Other { folded } => {
                let mut relation = vec![(n as u32, 1.0)];
                relation.extend(folded.iter().map(|f| (*f as u32, -1.0)));
                found.equal(relation);
            }
            // A total or an extra figure: the cells of a table of its population that count
            // exactly its persons, or, for some extra figures, the cells they are made of.
            Kind::Total | Kind::Extra(_) if !e.column.is_empty() => {
                for ((release, id), t) in &tables {
                    if *release != e.release {
                        continue;
                    }
                    let cells: Vec<usize> =
                        if population(id) == population(e.number.table) && t.everyone == e.column {
                            t.cells.iter().map(|(c, _)| *c).collect()
                        } else {
                            extra_cells(entries, e, t)
                        };
                    if !cells.is_empty() {
                        let mut relation = vec![(n as u32, 1.0)];
                        relation.extend(cells.iter().map(|c| (*c as u32, -1.0)));
                        found.equal(relation);
                    }
                }
            }
            _ => {}
        }
    }
    let keys: Vec<&(usize, &'static str)> = tables.keys().collect();
    for (x, a) in keys.iter().enumerate() {
        for b in &keys[x + 1..] {
            if a.0 == b.0 {
                between(entries, &tables[*a], &tables[*b], &mut found);
            }
        }
    }
    found.relations.at_least.extend(across_releases(entries));
    found.relations
}

/// The cells of its own table an extra figure is the sum of by definition
/// (`definitions::EXTRA_CELLS`), where the register agrees.
fn extra_cells(entries: &[Entry], e: &Entry, t: &TableCells) -> Vec<usize> {
    let Kind::Extra(name) = e.kind else {
        return Vec::new();
    };
    let Some((_, dim, codes)) = EXTRA_CELLS.iter().find(|(n, _, _)| *n == name) else {
        return Vec::new();
    };
    if t.id != e.number.table {
        return Vec::new();
    }
    let Some(p) = e.dims.iter().position(|d| d == dim) else {
        return Vec::new();
    };
    let cells: Vec<usize> = t
        .cells
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| codes.contains(&entries[*c].codes[p].as_str()))
        .collect();
    let columns: Vec<Column> = cells.iter().map(|c| entries[*c].column.clone()).collect();
    if sum(&columns) == e.column {
        cells
    } else {
        Vec::new()
    }
}

/// Relations collected once each.
#[derive(Default)]
struct Found {
    relations: Relations,
    seen: HashSet<(bool, Vec<(u32, i64)>)>,
}

impl Found {
    fn add(&mut self, mut relation: Column, equal: bool) {
        relation.sort_by_key(|(i, _)| *i);
        let key = relation.iter().map(|(i, a)| (*i, *a as i64)).collect();
        if self.seen.insert((equal, key)) {
            if equal {
                self.relations.equal.push(relation);
            } else {
                self.relations.at_least.push(relation);
            }
        }
    }

    fn equal(&mut self, relation: Column) {
        self.add(relation, true);
    }
}

/// Whether every profile adds no more to `a` than to `b`.
fn at_most(a: &Column, b: &Column) -> bool {
    let bigger: HashMap<u32, f64> = b.iter().copied().collect();
    a.iter()
        .all(|(j, x)| bigger.get(j).is_some_and(|y| *y >= *x))
}

/// The group relations between two tables of one release.
fn between(entries: &[Entry], a: &TableCells, b: &TableCells, found: &mut Found) {
    // Only tables the definitions relate: of one population, one within another as a slice
    // of its persons; never because, in this register, they happen to count alike.
    if population(a.id) != population(b.id) {
        return;
    }
    let common: Vec<(usize, usize)> = a
        .attributes
        .iter()
        .enumerate()
        .filter_map(|(x, name)| b.attributes.iter().position(|y| y == name).map(|y| (x, y)))
        .collect();
    let within = |x: &TableCells, y: &TableCells| {
        slice(x.id).is_some() && slice(y.id).is_none() && at_most(&x.everyone, &y.everyone)
    };
    let a_within_b = within(a, b);
    let b_within_a = within(b, a);
    // Every choice of the common attributes (tables have few: at most two dimensions and
    // what they group into).
    for choice in 1u32..(1 << common.len().min(8)) {
        let chosen: Vec<(usize, usize)> = common
            .iter()
            .enumerate()
            .filter(|(k, _)| choice & (1 << k) != 0)
            .map(|(_, p)| *p)
            .collect();
        let group = |t: &TableCells, side: fn(&(usize, usize)) -> usize| {
            let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
            for (entry, values) in &t.cells {
                let key: Option<Vec<String>> =
                    chosen.iter().map(|p| values[side(p)].clone()).collect();
                if let Some(key) = key {
                    groups.entry(key).or_default().push(*entry);
                }
            }
            groups
        };
        let of_a = group(a, |p| p.0);
        let of_b = group(b, |p| p.1);
        // Whole tables: what their totals already say.
        if of_a.len() == 1 && of_b.len() == 1 && a.total && b.total {
            continue;
        }
        for (key, cells_a) in &of_a {
            let Some(cells_b) = of_b.get(key) else {
                continue;
            };
            let column = |cells: &[usize]| {
                sum(&cells
                    .iter()
                    .map(|c| entries[*c].column.clone())
                    .collect::<Vec<_>>())
            };
            let (sum_a, sum_b) = (column(cells_a), column(cells_b));
            if sum_a.is_empty() && sum_b.is_empty() {
                continue;
            }
            let signed = |plus: &[usize], minus: &[usize]| -> Column {
                plus.iter()
                    .map(|c| (*c as u32, 1.0))
                    .chain(minus.iter().map(|c| (*c as u32, -1.0)))
                    .collect()
            };
            if sum_a == sum_b {
                found.equal(signed(cells_a, cells_b));
            } else if a_within_b && at_most(&sum_a, &sum_b) {
                found.add(signed(cells_b, cells_a), false);
            } else if b_within_a && at_most(&sum_b, &sum_a) {
                found.add(signed(cells_a, cells_b), false);
            }
        }
    }
}

/// A number by what it is in any release: table, kind, codes.
type SameNumber<'a> = (&'static str, (u8, &'static str), &'a Vec<String>);

/// a - b >= 0 where a is a number of the last release and b the same number of an earlier
/// one, and every person adds at least as much to a as to b.
fn across_releases(entries: &[Entry]) -> Vec<Column> {
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
        if at_most(&e.column, &entries[a].column) {
            // Earlier releases' entries come first: b < a.
            out.push(vec![(b as u32, -1.0), (a as u32, 1.0)]);
        }
    }
    out
}
