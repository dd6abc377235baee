//! An attacker written apart from the code under test. It knows each person's contribution to
//! every number (from the review of a register of that person alone), takes every published
//! number as an equation, and knows the relations the tables' definitions make: a number that
//! is, person by person, the sum of cells of another table of the same release that agree
//! with it on the dimensions they share (margins, totals, slices); "other" nationalities as
//! the sum of those not listed; and an annual number that counts at least what its semiannual
//! counterpart counts. It then bounds every withheld number with two linear programs over the
//! withheld numbers (each >= 0).

use std::collections::{BTreeMap, BTreeSet};

use iku_domain::{Event, Register};
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

    /// The relations the definitions make, as (number, the cells it is the sum of).
    fn relations(&self) -> Vec<(Key, Vec<Key>)> {
        let listed = numbers(&self.published);
        let is_other = |k: &Key| matches!(k, Key::Cell(t, c) if c == &["other"] && self.dims[t] == ["nationality"]);
        let mut out = Vec::new();
        for (n, nv) in &self.per_person {
            if is_other(n) {
                let Key::Cell(table, _) = n else { continue };
                let folded = self
                    .per_person
                    .keys()
                    .filter(|k| matches!(k, Key::Cell(t, _) if t == table))
                    .filter(|k| !is_other(k) && !listed.contains_key(*k))
                    .cloned()
                    .collect();
                out.push((n.clone(), folded));
                continue;
            }
            for (table, tdims) in &self.dims {
                let shared: Vec<(String, String)> = match n {
                    Key::Cell(t, _) if t == table => continue,
                    Key::Cell(t, codes) => self.dims[t]
                        .iter()
                        .zip(codes)
                        .filter(|(d, _)| tdims.contains(d))
                        .map(|(d, c)| (d.clone(), c.clone()))
                        .collect(),
                    _ => Vec::new(),
                };
                if matches!(n, Key::Cell(..)) && shared.is_empty() {
                    continue;
                }
                let cells: Vec<(&Key, &Vec<f64>)> = self
                    .per_person
                    .iter()
                    .filter(|(k, v)| {
                        matches!(k, Key::Cell(t, _) if t == table)
                            && !is_other(k)
                            && v.iter().zip(nv).any(|(a, b)| *a > 0.0 && *b > 0.0)
                    })
                    .collect();
                if cells.is_empty() {
                    continue;
                }
                let agree = cells.iter().all(|(k, _)| {
                    let Key::Cell(_, codes) = k else { return false };
                    shared.iter().all(|(d, c)| {
                        tdims
                            .iter()
                            .position(|x| x == d)
                            .is_some_and(|p| codes[p] == *c)
                    })
                });
                let sums =
                    (0..nv.len()).all(|p| cells.iter().map(|(_, v)| v[p]).sum::<f64>() == nv[p]);
                if agree && sums {
                    out.push((n.clone(), cells.iter().map(|(k, _)| (*k).clone()).collect()));
                }
            }
        }
        out
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
}

/// Every withheld number of every release (true value above zero), with the narrowest
/// interval the attacker gets from all the releases together.
pub fn attack(releases: &[&Seen]) -> Vec<Found> {
    // Unknowns: the withheld numbers (and the nationalities not listed).
    let mut unknown: BTreeMap<(usize, Key), usize> = BTreeMap::new();
    let mut known: BTreeMap<(usize, Key), f64> = BTreeMap::new();
    for (r, seen) in releases.iter().enumerate() {
        let shown = numbers(&seen.published);
        for (key, value) in &shown {
            match value {
                Some(v) => {
                    known.insert((r, key.clone()), *v as f64);
                }
                None => {
                    let n = unknown.len();
                    unknown.insert((r, key.clone()), n);
                }
            }
        }
        for key in seen.per_person.keys() {
            if !shown.contains_key(key) && !known.contains_key(&(r, key.clone())) {
                let n = unknown.len();
                unknown.entry((r, key.clone())).or_insert(n);
            }
        }
    }
    // A number no one adds to and not shown is zero.
    let term = |r: usize, k: &Key, a: f64, terms: &mut Vec<(usize, f64)>, constant: &mut f64| {
        match unknown.get(&(r, k.clone())) {
            Some(u) => terms.push((*u, a)),
            None => *constant += a * known.get(&(r, k.clone())).copied().unwrap_or(0.0),
        }
    };
    let mut constraints: Vec<Constraint> = Vec::new();
    for (r, seen) in releases.iter().enumerate() {
        for (n, cells) in seen.relations() {
            let (mut terms, mut constant) = (Vec::new(), 0.0);
            term(r, &n, 1.0, &mut terms, &mut constant);
            for c in &cells {
                term(r, c, -1.0, &mut terms, &mut constant);
            }
            if !terms.is_empty() {
                constraints.push((terms, false, -constant));
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
    unknown
        .iter()
        .filter_map(|((r, key), &u)| {
            let truth = releases[*r]
                .per_person
                .get(key)
                .map_or(0.0, |v| v.iter().sum::<f64>()) as u64;
            (truth > 0).then(|| {
                let (lower, upper) = bounds(unknown.len(), &constraints, u);
                Found {
                    release: *r,
                    key: key.clone(),
                    truth,
                    lower,
                    upper,
                }
            })
        })
        .collect()
}

fn bounds(unknowns: usize, constraints: &[Constraint], target: usize) -> (f64, f64) {
    let solve = |direction| {
        let mut p = Problem::new(direction);
        let vars: Vec<_> = (0..unknowns)
            .map(|u| p.add_var(if u == target { 1.0 } else { 0.0 }, (0.0, f64::INFINITY)))
            .collect();
        for (terms, at_least, rhs) in constraints {
            let expr: Vec<_> = terms.iter().map(|(u, a)| (vars[*u], *a)).collect();
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
