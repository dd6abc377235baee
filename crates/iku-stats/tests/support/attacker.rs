//! An attacker written apart from the code under test. It knows each person's contribution to
//! every number (from the review of a register of that person alone), takes every published
//! number as an equation, and knows the relations the published definitions make
//! (`iku_stats::definitions`: which tables count the same persons, the groupings of codes,
//! the slices, the extra figures made of cells), each where it holds person by person: two
//! tables of one population sum alike over any group of the attributes they share (at most,
//! for a slice); a total or extra figure is the sum of a table of its population; "other"
//! nationalities are the sum of those not listed; and an annual number counts at least what
//! its semiannual counterpart counts. It then bounds every withheld number with two linear
//! programs over the withheld numbers (each >= 0), and works out on its own how wide each
//! sensitive one must be (`Found::required`).

use std::collections::{BTreeMap, BTreeSet};

use iku_domain::{Event, Register};
use iku_stats::definitions::{EXTRA_CELLS, GROUPINGS, Grouping, population, slice};
use iku_stats::{Release, Review, compute};
use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOutcome};

/// A number of a release, in the attacker's own terms.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Cell(String, Vec<String>),
    Total(String),
    Extra(String, String),
}

impl Key {
    fn table(&self) -> &str {
        match self {
            Key::Cell(t, _) | Key::Total(t) | Key::Extra(t, _) => t,
        }
    }
}

/// A relation: the sum of the left numbers is (if not equal, at least) that of the right.
type Relation = (Vec<Key>, Vec<Key>, bool);

/// Every linear number of a review with its value (None: withheld).
pub fn numbers(review: &Review) -> BTreeMap<Key, Option<u64>> {
    let mut out = BTreeMap::new();
    for t in &review.tables {
        for c in &t.cells {
            let codes = c.codes(&t.dims);
            out.insert(Key::Cell(t.id.to_owned(), codes), c.value);
        }
        out.insert(Key::Total(t.id.to_owned()), t.total);
        for (name, v) in &t.extra {
            if *name != "distinct_nationalities" {
                out.insert(Key::Extra(t.id.to_owned(), (*name).to_owned()), Some(*v));
            }
        }
        for name in &t.extra_suppressed {
            out.insert(Key::Extra(t.id.to_owned(), (*name).to_owned()), None);
        }
    }
    out
}

/// One release as the attacker holds it.
pub struct Seen {
    pub published: Review,
    /// Each number's contribution, person by person (only numbers someone adds to).
    pub per_person: BTreeMap<Key, Vec<f64>>,
    dims: BTreeMap<String, Vec<String>>,
}

fn register_of(events: &[Event]) -> Register {
    let mut events = events.to_vec();
    events.sort_by_key(|e| e.recorded_at);
    Register::new(events).unwrap_or_else(|v| panic!("{v}"))
}

impl Seen {
    /// `persons`: each person's own events.
    pub fn new(persons: &[Vec<Event>], release: Release, published: Review) -> Self {
        let mut per_person: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
        for (p, events) in persons.iter().enumerate() {
            let alone = compute(&register_of(events), release.period, release.as_recorded_at);
            for (key, value) in numbers(&alone) {
                if let Some(v) = value.filter(|v| *v > 0) {
                    per_person
                        .entry(key)
                        .or_insert_with(|| vec![0.0; persons.len()])[p] = v as f64;
                }
            }
        }
        let dims = published
            .tables
            .iter()
            .map(|t| {
                (
                    t.id.to_owned(),
                    t.dims.iter().map(|d| (*d).to_owned()).collect(),
                )
            })
            .collect();
        let mut seen = Seen {
            published,
            per_person,
            dims,
        };
        seen.add_other();
        seen
    }

    /// "other" nationalities: the sum of those the release does not list.
    fn add_other(&mut self) {
        let listed: BTreeSet<Key> = numbers(&self.published).into_keys().collect();
        let tables: Vec<String> = self
            .dims
            .iter()
            .filter(|(_, d)| *d == &["nationality"])
            .map(|(t, _)| t.clone())
            .collect();
        for table in tables {
            let other = Key::Cell(table.clone(), vec!["other".to_owned()]);
            if !listed.contains(&other) {
                continue;
            }
            let mut sum = vec![0.0; self.persons()];
            for (k, v) in &self.per_person {
                if matches!(k, Key::Cell(t, _) if *t == table) && !listed.contains(k) {
                    sum.iter_mut().zip(v).for_each(|(s, x)| *s += x);
                }
            }
            self.per_person.insert(other, sum);
        }
    }

    fn persons(&self) -> usize {
        self.per_person.values().next().map_or(0, Vec::len)
    }

    /// The review's year, a dimension of every table that has none (its row in a series).
    fn year(&self) -> String {
        self.published.period.start.chars().take(4).collect()
    }

    /// What a table's cells can be grouped by, as the published definitions say: its
    /// dimensions, the groupings of them (`iku_stats::definitions`), the slice it counts and
    /// the year.
    fn attributes(&self, table: &str) -> Vec<(String, Option<&'static Grouping>)> {
        let dims = &self.dims[table];
        let mut out: Vec<(String, Option<&'static Grouping>)> =
            dims.iter().map(|d| (d.clone(), None)).collect();
        for g in &GROUPINGS {
            if dims.iter().any(|d| d == g.from) && !out.iter().any(|(a, _)| a == g.to) {
                out.push((g.to.to_owned(), Some(g)));
            }
        }
        if let Some(s) = slice(table).filter(|s| !out.iter().any(|(a, _)| a == s.dim)) {
            out.push((s.dim.to_owned(), None));
        }
        if !out.iter().any(|(a, _)| a == "year") {
            out.push(("year".to_owned(), None));
        }
        out
    }

    /// A cell's value of each of its table's attributes (none: a grouping leaves it out).
    fn values(&self, table: &str, codes: &[String]) -> Vec<Option<String>> {
        let dims = &self.dims[table];
        let code = |d: &str| dims.iter().position(|x| x == d).map(|p| codes[p].clone());
        self.attributes(table)
            .into_iter()
            .map(|(a, grouping)| match grouping {
                Some(g) => code(g.from).and_then(|c| (g.map)(&c)).map(str::to_owned),
                None => code(&a).or_else(|| match slice(table) {
                    Some(s) if s.dim == a => Some(s.code.to_owned()),
                    _ => (a == "year").then(|| self.year()),
                }),
            })
            .collect()
    }

    /// Every person's contribution to the sum of `keys`.
    fn sum(&self, keys: &[&Key]) -> Vec<f64> {
        let mut out = vec![0.0; self.persons()];
        for k in keys {
            if let Some(v) = self.per_person.get(*k) {
                out.iter_mut().zip(v).for_each(|(s, x)| *s += x);
            }
        }
        out
    }

    /// The cells of a table, listed or not ("other" aside).
    fn cells(&self, table: &str) -> Vec<Key> {
        let listed = numbers(&self.published);
        let mut cells: BTreeSet<Key> = listed.into_keys().collect();
        cells.extend(self.per_person.keys().cloned());
        cells
            .into_iter()
            .filter(|k| matches!(k, Key::Cell(t, c) if t == table && !self.is_other(table, c)))
            .collect()
    }

    fn is_other(&self, table: &str, codes: &[String]) -> bool {
        codes == ["other"] && self.dims[table] == ["nationality"]
    }

    /// The relations the definitions make: (left, right, whether equal): the sum of the left
    /// numbers is (at least, if not equal) the sum of the right ones.
    fn relations(&self) -> Vec<Relation> {
        let listed = numbers(&self.published);
        let mut out = Vec::new();
        for table in self.dims.keys() {
            let other = Key::Cell(table.clone(), vec!["other".to_owned()]);
            if self.dims[table] == ["nationality"] && self.per_person.contains_key(&other) {
                let folded = self
                    .cells(table)
                    .into_iter()
                    .filter(|k| !listed.contains_key(k))
                    .collect();
                out.push((vec![other], folded, true));
            }
        }
        // A total or extra figure: the cells of a table of its population that count exactly
        // its persons; an extra figure defined as some cells of its table: those.
        for (n, nv) in &self.per_person {
            let (Key::Total(own) | Key::Extra(own, _)) = n else {
                continue;
            };
            for table in self.dims.keys() {
                let cells = self.cells(table);
                let whole = population(table) == population(own)
                    && self.sum(&cells.iter().collect::<Vec<_>>()) == *nv;
                let defined: Vec<Key> = match n {
                    Key::Extra(_, name) if table == own => EXTRA_CELLS
                        .iter()
                        .filter(|(x, _, _)| x == name)
                        .flat_map(|(_, dim, codes)| {
                            let p = self.dims[table].iter().position(|d| d == dim);
                            cells.iter().filter(move |k| {
                                matches!(k, Key::Cell(_, c) if p.is_some_and(|p| codes.contains(&c[p].as_str())))
                            })
                        })
                        .cloned()
                        .collect(),
                    _ => Vec::new(),
                };
                if whole {
                    out.push((vec![n.clone()], cells, true));
                } else if !defined.is_empty()
                    && self.sum(&defined.iter().collect::<Vec<_>>()) == *nv
                {
                    out.push((vec![n.clone()], defined, true));
                }
            }
        }
        // Two tables' cells in the same group, by any choice of the attributes they share.
        let tables: Vec<&String> = self.dims.keys().collect();
        for (x, a) in tables.iter().enumerate() {
            for b in &tables[x + 1..] {
                self.group_relations(a, b, &mut out);
            }
        }
        out
    }

    fn group_relations(&self, a: &str, b: &str, out: &mut Vec<Relation>) {
        let (names_a, names_b) = (self.attributes(a), self.attributes(b));
        let common: Vec<(usize, usize)> = names_a
            .iter()
            .enumerate()
            .filter_map(|(x, (n, _))| names_b.iter().position(|(m, _)| m == n).map(|y| (x, y)))
            .collect();
        let (cells_a, cells_b) = (self.cells(a), self.cells(b));
        let everyone = |cells: &[Key]| self.sum(&cells.iter().collect::<Vec<_>>());
        if population(a) != population(b) {
            return;
        }
        let within = |x: &str, y: &str, vx: &[f64], vy: &[f64]| {
            slice(x).is_some() && slice(y).is_none() && vx.iter().zip(vy).all(|(p, q)| p <= q)
        };
        let (all_a, all_b) = (everyone(&cells_a), everyone(&cells_b));
        let a_in_b = within(a, b, &all_a, &all_b);
        let b_in_a = within(b, a, &all_b, &all_a);
        for choice in 1u32..(1 << common.len()) {
            let chosen: Vec<(usize, usize)> = common
                .iter()
                .enumerate()
                .filter(|(k, _)| choice & (1 << k) != 0)
                .map(|(_, p)| *p)
                .collect();
            let group = |table: &str, cells: &[Key], side: usize| {
                let mut groups: BTreeMap<Vec<String>, Vec<Key>> = BTreeMap::new();
                for k in cells {
                    let Key::Cell(_, codes) = k else { continue };
                    let values = self.values(table, codes);
                    let key: Option<Vec<String>> = chosen
                        .iter()
                        .map(|p| values[if side == 0 { p.0 } else { p.1 }].clone())
                        .collect();
                    if let Some(key) = key {
                        groups.entry(key).or_default().push(k.clone());
                    }
                }
                groups
            };
            let (of_a, of_b) = (group(a, &cells_a, 0), group(b, &cells_b, 1));
            for (key, ga) in &of_a {
                let Some(gb) = of_b.get(key) else { continue };
                let (sa, sb) = (everyone(ga), everyone(gb));
                if sa.iter().chain(&sb).all(|x| *x == 0.0) {
                    continue;
                }
                if sa == sb {
                    out.push((ga.clone(), gb.clone(), true));
                } else if a_in_b && sa.iter().zip(&sb).all(|(p, q)| p <= q) {
                    out.push((gb.clone(), ga.clone(), false));
                } else if b_in_a && sb.iter().zip(&sa).all(|(p, q)| p <= q) {
                    out.push((ga.clone(), gb.clone(), false));
                }
            }
        }
    }
}

/// Terms over the unknowns, whether `>=` (else `=`), and the right-hand side.
type Constraint = (Vec<(usize, f64)>, bool, f64);

/// A withheld number and what the attacker derives about it.
#[derive(Debug, Clone)]
pub struct Found {
    pub release: usize,
    pub key: Key,
    pub truth: u64,
    pub lower: f64,
    pub upper: f64,
    /// Protected for its own sake (a small count of a table that could point at a person, a
    /// small nationality): how wide its interval must be (`required`). None: withheld to
    /// protect others.
    pub required: Option<f64>,
}

impl Found {
    /// Whether the attacker narrowed a sensitive number more than the rules allow.
    pub fn too_narrow(&self) -> bool {
        self.required
            .is_some_and(|r| self.upper - self.lower < r - 1e-6)
    }
}

/// Whether small counts of a table could point at a person (review.md): a quasi-identifier,
/// or a cross of two dimensions (a series' year is not a dimension of the person).
pub fn quasi_identifying(dims: &[String]) -> bool {
    const QI: [&str; 6] = [
        "nationality",
        "age_group",
        "residence_status",
        "referrer",
        "stay",
        "referrer_type",
    ];
    let who: Vec<&String> = dims.iter().filter(|d| *d != "year").collect();
    who.len() >= 2 || who.iter().any(|d| QI.contains(&d.as_str()))
}

impl Seen {
    fn truth(&self, key: &Key) -> f64 {
        self.per_person.get(key).map_or(0.0, |v| v.iter().sum())
    }

    fn total(&self, table: &str) -> f64 {
        self.truth(&Key::Total(table.to_owned()))
    }

    /// A number this release's rules show whatever is withheld: of a table whose small counts
    /// point at no one, a total, a zero (but in a table of fewer than k persons), and, of a
    /// release before, whatever it published.
    fn public(&self, key: &Key, earlier: bool, threshold: f64) -> bool {
        let table = key.table();
        let qi = quasi_identifying(&self.dims[table]);
        let series = self.dims[table].iter().any(|d| d == "year");
        let small_table = qi && !series && (1.0..threshold).contains(&self.total(table));
        let published = numbers(&self.published)
            .get(key)
            .is_some_and(Option::is_some);
        match key {
            _ if earlier && published => true,
            Key::Total(_) => true,
            Key::Extra(..) => self.dims[table] != ["nationality"],
            Key::Cell(..) => !qi || (self.truth(key) == 0.0 && !small_table),
        }
    }

    /// Whether a withheld number is protected for its own sake.
    fn sensitive(&self, key: &Key, threshold: f64) -> bool {
        let truth = self.truth(key);
        let table = key.table();
        let small = truth > 0.0 && truth < threshold;
        small
            && match key {
                Key::Cell(..) => quasi_identifying(&self.dims[table]),
                Key::Extra(..) => self.dims[table] == ["nationality"],
                Key::Total(_) => false,
            }
    }

    /// How wide a sensitive number's interval must be: the threshold, or less where the
    /// numbers the rules show anyway bound it more tightly (a sum of them it is part of), or
    /// give it exactly.
    fn required(&self, key: &Key, relations: &[Relation], earlier: bool, threshold: f64) -> f64 {
        let mut required = threshold;
        for (left, right, _) in relations.iter().filter(|r| r.2) {
            let (same, other) = if left.contains(key) {
                (left, right)
            } else if right.contains(key) {
                (right, left)
            } else {
                continue;
            };
            if !other.iter().all(|k| self.public(k, earlier, threshold)) {
                continue;
            }
            let bound: f64 = other.iter().map(|k| self.truth(k)).sum();
            let shown: f64 = same
                .iter()
                .filter(|k| *k != key && self.public(k, earlier, threshold))
                .map(|k| self.truth(k))
                .sum();
            let hidden = same
                .iter()
                .any(|k| k != key && !self.public(k, earlier, threshold));
            let width = if hidden { bound - shown } else { 0.0 };
            required = required.min(width.max(0.0));
        }
        required
    }
}

/// The unknowns (a number of a release, by index) and the constraints over them.
struct System {
    unknown: BTreeMap<(usize, Key), usize>,
    constraints: Vec<Constraint>,
}

/// What an attacker holds who knows the numbers `known` gives (a number no one adds to and
/// not known is zero), and the relations.
fn system(
    releases: &[&Seen],
    relations: &[Vec<Relation>],
    known: &dyn Fn(usize, &Key) -> Option<f64>,
) -> System {
    let mut unknown: BTreeMap<(usize, Key), usize> = BTreeMap::new();
    for (r, seen) in releases.iter().enumerate() {
        let mut keys: BTreeSet<Key> = numbers(&seen.published).into_keys().collect();
        keys.extend(seen.per_person.keys().cloned());
        for key in keys {
            if known(r, &key).is_none() {
                let n = unknown.len();
                unknown.insert((r, key), n);
            }
        }
    }
    let term = |r: usize, k: &Key, a: f64, terms: &mut Vec<(usize, f64)>, constant: &mut f64| {
        match unknown.get(&(r, k.clone())) {
            Some(u) => terms.push((*u, a)),
            None => *constant += a * known(r, k).unwrap_or(0.0),
        }
    };
    let mut constraints: Vec<Constraint> = Vec::new();
    for (r, rs) in relations.iter().enumerate() {
        for (left, right, equal) in rs {
            let (mut terms, mut constant) = (Vec::new(), 0.0);
            for n in left {
                term(r, n, 1.0, &mut terms, &mut constant);
            }
            for c in right {
                term(r, c, -1.0, &mut terms, &mut constant);
            }
            if !terms.is_empty() {
                constraints.push((terms, !equal, -constant));
            }
        }
    }
    if let [earlier @ .., last] = releases {
        for (r, seen) in earlier.iter().enumerate() {
            for (key, before) in &seen.per_person {
                let Some(after) = last.per_person.get(key) else {
                    continue;
                };
                if before.iter().zip(after).all(|(b, a)| a >= b) {
                    let (mut terms, mut constant) = (Vec::new(), 0.0);
                    term(releases.len() - 1, key, 1.0, &mut terms, &mut constant);
                    term(r, key, -1.0, &mut terms, &mut constant);
                    if !terms.is_empty() {
                        constraints.push((terms, true, -constant));
                    }
                }
            }
        }
    }
    System {
        unknown,
        constraints,
    }
}

/// Every withheld number of every release (true value above zero), with the narrowest
/// interval the attacker gets from all the releases together and, for a sensitive one, how
/// wide it must be: the threshold, or what the numbers the rules show anyway leave of it (a
/// sum of them it is part of; with every other number withheld, the interval they give).
pub fn attack(releases: &[&Seen], threshold: u64) -> Vec<Found> {
    let threshold = threshold as f64;
    let relations: Vec<Vec<Relation>> = releases.iter().map(|s| s.relations()).collect();
    let last = releases.len().saturating_sub(1);
    let shown: Vec<BTreeMap<Key, Option<u64>>> =
        releases.iter().map(|s| numbers(&s.published)).collect();
    let published =
        |r: usize, k: &Key| -> Option<f64> { shown[r].get(k).copied().flatten().map(|v| v as f64) };
    let held = system(releases, &relations, &published);
    let public = |r: usize, k: &Key| -> Option<f64> {
        let seen = releases[r];
        seen.public(k, r < last, threshold).then(|| seen.truth(k))
    };
    let mut at_best: Option<System> = None;
    let mut found = Vec::new();
    for ((r, key), &u) in &held.unknown {
        let seen = releases[*r];
        let truth = seen.truth(key) as u64;
        if truth == 0 {
            continue;
        }
        let (lower, upper) = bounds(held.unknown.len(), &held.constraints, u);
        let mut required = seen
            .sensitive(key, threshold)
            .then(|| seen.required(key, &relations[*r], *r < last, threshold));
        if let Some(needed) = required.filter(|n| upper - lower < n - 1e-6) {
            let best = at_best.get_or_insert_with(|| system(releases, &relations, &public));
            if let Some(&v) = best.unknown.get(&(*r, key.clone())) {
                let (l, h) = bounds(best.unknown.len(), &best.constraints, v);
                required = Some(needed.min(h - l));
            }
        }
        found.push(Found {
            release: *r,
            key: key.clone(),
            truth,
            lower,
            upper,
            required,
        });
    }
    found
}

/// The lowest and highest value of unknown `target`. Only the constraints tied to it (directly
/// or through other unknowns) can bound it: the rest is a separate problem that the true
/// values solve, so it is left out.
fn bounds(unknowns: usize, constraints: &[Constraint], target: usize) -> (f64, f64) {
    let mut tied = vec![false; unknowns];
    tied[target] = true;
    let mut used = vec![false; constraints.len()];
    loop {
        let mut grew = false;
        for (c, (terms, _, _)) in constraints.iter().enumerate() {
            if !used[c] && terms.iter().any(|(u, _)| tied[*u]) {
                used[c] = true;
                grew = true;
                for (u, _) in terms {
                    tied[*u] = true;
                }
            }
        }
        if !grew {
            break;
        }
    }
    let solve = |direction| {
        let mut p = Problem::new(direction);
        let vars: Vec<_> = (0..unknowns)
            .map(|u| {
                let cost = if u == target { 1.0 } else { 0.0 };
                tied[u].then(|| p.add_var(cost, (0.0, f64::INFINITY)))
            })
            .collect();
        for (c, (terms, at_least, rhs)) in constraints.iter().enumerate() {
            if !used[c] {
                continue;
            }
            let expr: Vec<_> = terms
                .iter()
                .filter_map(|(u, a)| vars[*u].map(|v| (v, *a)))
                .collect();
            let op = if *at_least {
                ComparisonOp::Ge
            } else {
                ComparisonOp::Eq
            };
            p.add_constraint(expr.as_slice(), op, *rhs);
        }
        match p.solve() {
            Ok(SolveOutcome::Solution(s)) => s.objective(),
            Err(microlp::Error::Unbounded) => f64::INFINITY,
            other => panic!("the attacker's LP: {other:?}"),
        }
    };
    (
        solve(OptimizationDirection::Minimize),
        solve(OptimizationDirection::Maximize),
    )
}

/// The table of a found number, for messages.
pub fn describe(f: &Found) -> String {
    format!("release {} {} {:?}", f.release, f.key.table(), f.key)
}
