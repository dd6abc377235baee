//! A release as a linear model: every published number is a sum over profiles (persons who
//! contributed the same to everything), so published = X^T * persons, where X has a column per
//! number. The attacker is assumed to know X: which profiles exist, and what each adds to each
//! number. That is more than anyone outside knows, so what is safe here is safe there.

use rustc_hash::FxHashMap as HashMap;

use crate::compute::Contributions;
use crate::review::Number;

/// A column of X: (profile, how much each of its persons adds), by profile.
pub(crate) type Column = Vec<(u32, f64)>;

pub(crate) struct Model {
    /// How many persons each profile has: the true inner cells.
    pub persons: Vec<f64>,
    columns: HashMap<(usize, Number), Column>,
}

impl Model {
    pub fn of(contributions: &Contributions) -> Self {
        let mut columns: HashMap<(usize, Number), Column> = HashMap::default();
        for (j, profile) in contributions.profiles.iter().enumerate() {
            for (release, number, adds) in &profile.adds {
                columns
                    .entry((*release, number.clone()))
                    .or_default()
                    .push((j as u32, *adds as f64));
            }
        }
        Model {
            persons: contributions
                .profiles
                .iter()
                .map(|p| p.persons as f64)
                .collect(),
            columns,
        }
    }

    /// The column of a number of a release (empty: no person adds to it).
    pub fn column(&self, release: usize, number: &Number) -> Column {
        self.columns
            .get(&(release, number.clone()))
            .cloned()
            .unwrap_or_default()
    }

    /// The value the register gives a column.
    pub fn value(&self, column: &Column) -> f64 {
        column
            .iter()
            .map(|(j, a)| a * self.persons[*j as usize])
            .sum()
    }
}

/// The sum of columns (a folded cell).
pub(crate) fn sum(columns: &[Column]) -> Column {
    let mut all: Vec<(u32, f64)> = columns.iter().flatten().copied().collect();
    all.sort_by_key(|(j, _)| *j);
    let mut out: Column = Vec::with_capacity(all.len());
    for (j, a) in all {
        match out.last_mut() {
            Some((last, sum)) if *last == j => *sum += a,
            _ => out.push((j, a)),
        }
    }
    out
}
