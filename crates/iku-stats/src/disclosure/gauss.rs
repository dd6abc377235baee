//! Secondary suppression by Gaussian elimination (as Statistics Norway's GaussSuppression):
//! numbers are offered for publication one by one, in cost order; a number is published
//! unless, together with everything published before it, it would make a protected number a
//! linear combination of published ones, that is, exactly derivable.
//!
//! The published columns are kept as an echelon basis; each protected column is kept reduced
//! by it (its residual). A protected number is derivable exactly when its residual is zero, and
//! adding a reduced column `r` to the basis zeroes a residual exactly when the residual is a
//! multiple of `r`.

use super::model::Column;
use super::relations::Relations;
use super::{Entry, Reason};

/// Below this, a coefficient is taken as zero: the columns hold small whole numbers, so
/// anything this small is rounding.
const EPS: f64 = 1e-9;

/// The unit vector of entry `i`.
fn unit(i: usize) -> Column {
    vec![(i as u32, 1.0)]
}

/// Secondary suppression: the relations and what is published for certain first, then this
/// release's numbers in cost order (extra figures, then cells, largest first), each published
/// unless it would make a sensitive number derivable.
pub(super) fn suppress(relations: &Relations, entries: &mut [Entry]) {
    // A sensitive number the rules' public numbers give anyway has nothing to protect.
    let protected: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].sensitive && entries[i].required > 0.0)
        .collect();
    let units: Vec<Column> = protected.iter().map(|&i| unit(i)).collect();
    let columns: Vec<&Column> = units.iter().collect();
    let mut elimination = Elimination::new(entries.len(), &columns);
    for relation in &relations.equal {
        elimination.publish(relation);
    }
    for (i, e) in entries.iter().enumerate() {
        if e.fixed && e.withheld.is_none() {
            elimination.publish(&unit(i));
        }
    }
    let mut order: Vec<usize> = (0..entries.len())
        .filter(|&i| !entries[i].fixed && entries[i].withheld.is_none())
        .collect();
    order.sort_by(|&a, &b| {
        entries[a]
            .cost
            .cmp(&entries[b].cost)
            .then_with(|| entries[a].number.cmp(&entries[b].number))
    });
    for i in order {
        let revealed = elimination.would_reveal(&unit(i));
        if revealed.is_empty() {
            elimination.publish(&unit(i));
        } else {
            let ours = revealed
                .iter()
                .any(|&p| entries[protected[p]].release == entries[i].release);
            entries[i].withheld = Some(if ours {
                Reason::Secondary
            } else {
                Reason::CrossRelease
            });
        }
    }
}

pub(crate) struct Elimination {
    width: usize,
    /// (pivot, the vector's value at it, the vector), in the order added: each vector is zero
    /// at the pivots of those before it.
    basis: Vec<(usize, f64, Column)>,
    /// Each protected column, reduced by the basis (dense: there are few of them).
    residuals: Vec<Vec<f64>>,
}

impl Elimination {
    /// `width`: the number of profiles.
    pub fn new(width: usize, protected: &[&Column]) -> Self {
        let residuals = protected
            .iter()
            .map(|c| {
                let mut dense = vec![0.0; width];
                for (j, a) in c.iter() {
                    dense[*j as usize] += a;
                }
                dense
            })
            .collect();
        let mut e = Elimination {
            width,
            basis: Vec::new(),
            residuals,
        };
        let reduced: Vec<Vec<f64>> = std::mem::take(&mut e.residuals)
            .into_iter()
            .map(|mut r| {
                e.reduce_dense(&mut r);
                r
            })
            .collect();
        e.residuals = reduced;
        e
    }

    fn reduce_dense(&self, w: &mut [f64]) {
        for (pivot, at, b) in &self.basis {
            let f = w[*pivot] / at;
            if f.abs() > EPS {
                for (j, a) in b {
                    w[*j as usize] -= f * a;
                }
            }
            w[*pivot] = 0.0;
        }
        for x in w.iter_mut() {
            if x.abs() < EPS {
                *x = 0.0;
            }
        }
    }

    /// `c` reduced by the basis: what publishing it would add to what is known.
    fn reduce(&self, c: &Column) -> Column {
        let mut w = vec![0.0; self.width];
        for (j, a) in c {
            w[*j as usize] += a;
        }
        self.reduce_dense(&mut w);
        w.iter()
            .enumerate()
            .filter(|(_, a)| **a != 0.0)
            .map(|(j, a)| (j as u32, *a))
            .collect()
    }

    /// The protected numbers (by index) that publishing `c` would reveal; empty if none.
    pub fn would_reveal(&self, c: &Column) -> Vec<usize> {
        let r = self.reduce(c);
        let Some(&(pivot, at)) = r.iter().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())) else {
            return Vec::new();
        };
        self.residuals
            .iter()
            .enumerate()
            .filter(|(_, res)| {
                let f = res[pivot as usize] / at;
                // Zero at the pivot: not a multiple (a zero residual is already revealed, and
                // publishing changes nothing for it).
                if f.abs() <= EPS {
                    return false;
                }
                let mut multiple = res.to_vec();
                for (j, a) in &r {
                    multiple[*j as usize] -= f * a;
                }
                multiple.iter().all(|x| x.abs() <= EPS * 1e3)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Adds `c` to what is published.
    pub fn publish(&mut self, c: &Column) {
        let r = self.reduce(c);
        let Some(&(pivot, at)) = r.iter().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())) else {
            return;
        };
        let pivot = pivot as usize;
        for res in &mut self.residuals {
            let f = res[pivot] / at;
            if f.abs() > EPS {
                for (j, a) in &r {
                    res[*j as usize] -= f * a;
                }
                for x in res.iter_mut() {
                    if x.abs() < EPS {
                        *x = 0.0;
                    }
                }
            }
            res[pivot] = 0.0;
        }
        self.basis.push((pivot, at, r));
    }

    /// Whether protected number `i` is derivable from what is published.
    #[cfg(test)]
    pub fn revealed(&self, i: usize) -> bool {
        self.residuals[i].iter().all(|x| *x == 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(entries: &[(u32, f64)]) -> Column {
        entries.to_vec()
    }

    #[test]
    fn a_cell_is_revealed_by_its_total_and_its_sibling() {
        // Two profiles; a = profile 0, b = profile 1, total = both.
        let a = col(&[(0, 1.0)]);
        let b = col(&[(1, 1.0)]);
        let total = col(&[(0, 1.0), (1, 1.0)]);
        let mut e = Elimination::new(2, &[&a]);
        assert!(e.would_reveal(&total).is_empty());
        e.publish(&total);
        assert_eq!(e.would_reveal(&b), vec![0]);
        assert!(!e.revealed(0));
    }

    #[test]
    fn publishing_what_is_already_known_reveals_nothing_new() {
        let a = col(&[(0, 1.0)]);
        let bc = col(&[(1, 1.0), (2, 1.0)]);
        let abc = col(&[(0, 1.0), (1, 1.0), (2, 1.0)]);
        let mut e = Elimination::new(3, &[&a]);
        e.publish(&abc);
        // b + c would give a = abc - (b + c).
        assert_eq!(e.would_reveal(&bc), vec![0]);
        let b = col(&[(1, 1.0)]);
        assert!(e.would_reveal(&b).is_empty());
        e.publish(&b);
        // c now reveals a: a = abc - b - c.
        assert_eq!(e.would_reveal(&col(&[(2, 1.0)])), vec![0]);
    }

    #[test]
    fn a_number_published_whatever_it_reveals_is_seen_as_revealing() {
        let a = col(&[(0, 2.0)]);
        let mut e = Elimination::new(1, &[&a]);
        e.publish(&col(&[(0, 1.0)]));
        assert!(e.revealed(0));
    }
}
