//! The audit: for a withheld number, the lowest and the highest value an attacker can derive
//! from everything published and every relation between the numbers (`relations`), as two
//! linear programs (every number >= 0). Real-valued counts (the LP relaxation, as tau-Argus
//! audits): an attacker who also uses that counts are whole gains less than one at each end.
//!
//! Published numbers are constants, so the programs run over the withheld numbers only, and
//! only over those tied to the one audited through relations: the rest is a separate problem
//! that the true counts solve.

use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOutcome};
use rustc_hash::FxHashMap as HashMap;

/// What an attacker can derive about one number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lower: f64,
    /// Infinite when nothing bounds the number from above.
    pub upper: f64,
    /// True: the attacker's bounds. False: values of two solutions that fit everything the
    /// attacker holds, so the attacker's interval holds at least this one.
    pub exact: bool,
}

impl Interval {
    pub fn width(&self) -> f64 {
        self.upper - self.lower
    }
}

/// Why an interval could not be derived: the audit then counts the number as unprotected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit's linear program failed: {0}")]
pub struct AuditError(String);

impl AuditError {
    pub(crate) fn not_withheld() -> Self {
        AuditError("not a withheld number".to_owned())
    }
}

/// Values of unknowns (by index) that fit everything the attacker holds.
pub(crate) type Solution = Vec<(usize, f64)>;

/// A linear constraint over unknowns (by index): sum of terms `op` rhs.
#[derive(Debug, Clone)]
pub(crate) struct Constraint {
    pub terms: Vec<(usize, f64)>,
    pub at_least: bool,
    pub rhs: f64,
}

/// What an attacker holds: constraints over the unknown (withheld) numbers.
pub(crate) struct Attacker {
    constraints: Vec<Constraint>,
    /// For each unknown, the constraints it is in.
    by_unknown: Vec<Vec<usize>>,
}

impl Attacker {
    pub fn new(unknowns: usize, constraints: Vec<Constraint>) -> Self {
        let mut by_unknown = vec![Vec::new(); unknowns];
        for (c, constraint) in constraints.iter().enumerate() {
            for (u, _) in &constraint.terms {
                by_unknown[*u].push(c);
            }
        }
        Attacker {
            constraints,
            by_unknown,
        }
    }

    /// The unknowns and constraints tied to unknown `u`.
    pub fn component(&self, u: usize) -> (Vec<usize>, Vec<usize>) {
        let mut unknowns = vec![u];
        let mut seen_u: rustc_hash::FxHashSet<usize> = [u].into_iter().collect();
        let mut constraints = Vec::new();
        let mut seen_c = rustc_hash::FxHashSet::default();
        let mut next = 0;
        while let Some(&x) = unknowns.get(next) {
            next += 1;
            for &c in &self.by_unknown[x] {
                if seen_c.insert(c) {
                    constraints.push(c);
                    for (y, _) in &self.constraints[c].terms {
                        if seen_u.insert(*y) {
                            unknowns.push(*y);
                        }
                    }
                }
            }
        }
        (unknowns, constraints)
    }

    /// The interval of unknown `u`, and the two solutions (values of unknowns) at its ends:
    /// each fits everything the attacker holds.
    pub fn interval(&self, u: usize) -> Result<(Interval, [Solution; 2]), AuditError> {
        let (unknowns, constraints) = self.component(u);
        let (lower, low) =
            self.solve(OptimizationDirection::Minimize, u, &unknowns, &constraints)?;
        let (upper, high) =
            self.solve(OptimizationDirection::Maximize, u, &unknowns, &constraints)?;
        let interval = Interval {
            lower,
            upper,
            exact: true,
        };
        Ok((interval, [low, high]))
    }

    /// The optimum, and the solution's values (none when unbounded).
    fn solve(
        &self,
        direction: OptimizationDirection,
        target: usize,
        unknowns: &[usize],
        constraints: &[usize],
    ) -> Result<(f64, Solution), AuditError> {
        let mut problem = Problem::new(direction);
        let vars: HashMap<usize, _> = unknowns
            .iter()
            .map(|&x| {
                let cost = if x == target { 1.0 } else { 0.0 };
                (x, problem.add_var(cost, (0.0, f64::INFINITY)))
            })
            .collect();
        for &c in constraints {
            let constraint = &self.constraints[c];
            let expr: Vec<_> = constraint
                .terms
                .iter()
                .filter_map(|(x, a)| vars.get(x).map(|v| (*v, *a)))
                .collect();
            let op = if constraint.at_least {
                ComparisonOp::Ge
            } else {
                ComparisonOp::Eq
            };
            problem.add_constraint(expr.as_slice(), op, constraint.rhs);
        }
        match problem.solve() {
            Ok(SolveOutcome::Solution(s)) => {
                let values = vars.iter().map(|(x, v)| (*x, s.var_value(*v))).collect();
                Ok((s.objective(), values))
            }
            Ok(SolveOutcome::Interrupted(_)) => Err(AuditError("interrupted".to_owned())),
            Err(microlp::Error::Unbounded) => Ok((f64::INFINITY, Vec::new())),
            Err(e) => Err(AuditError(e.to_string())),
        }
    }
}

/// Solutions found so far, each fitting everything the attacker holds: a number whose values
/// across them already differ by the threshold needs no linear program of its own.
#[derive(Debug, Clone)]
pub(crate) struct Witnesses {
    points: Vec<Vec<f64>>,
}

impl Witnesses {
    /// Starts from the true values (which fit, by definition).
    pub fn new(truth: Vec<f64>) -> Self {
        Witnesses {
            points: vec![truth],
        }
    }

    /// The spread of entry `i` over the solutions.
    pub fn spread(&self, i: usize) -> Interval {
        let values = self.points.iter().map(|p| p[i]);
        Interval {
            lower: values.clone().fold(f64::INFINITY, f64::min),
            upper: values.fold(f64::NEG_INFINITY, f64::max),
            exact: false,
        }
    }

    /// Adds a solution over some entries (the others keep their true values: the rest of the
    /// problem is separate, so the true values still fit it).
    pub fn add(&mut self, values: impl Iterator<Item = (usize, f64)>) {
        let mut point = self.points[0].clone();
        let mut any = false;
        for (i, v) in values {
            point[i] = v;
            any = true;
        }
        if any {
            self.points.push(point);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(terms: &[(usize, f64)], rhs: f64) -> Constraint {
        Constraint {
            terms: terms.to_vec(),
            at_least: false,
            rhs,
        }
    }

    #[test]
    fn a_cell_between_a_total_and_a_sibling_is_bounded_by_them() {
        // a + b = 7, b + c = 4, c + d = 10: a in [3, 7].
        let attacker = Attacker::new(
            4,
            vec![
                eq(&[(0, 1.0), (1, 1.0)], 7.0),
                eq(&[(1, 1.0), (2, 1.0)], 4.0),
                eq(&[(2, 1.0), (3, 1.0)], 10.0),
            ],
        );
        let (i, _) = attacker.interval(0).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            (i.lower - 3.0).abs() < 1e-6 && (i.upper - 7.0).abs() < 1e-6,
            "{i:?}"
        );
    }

    #[test]
    fn an_inequality_narrows_the_interval() {
        // a + b = 10, a - c >= 0 with c = 4 known: a - 4 >= 0, so a in [4, 10].
        let attacker = Attacker::new(
            2,
            vec![
                eq(&[(0, 1.0), (1, 1.0)], 10.0),
                Constraint {
                    terms: vec![(0, 1.0)],
                    at_least: true,
                    rhs: 4.0,
                },
            ],
        );
        let (i, _) = attacker.interval(0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((i.lower.round(), i.upper.round()), (4.0, 10.0));
    }

    #[test]
    fn solutions_at_the_ends_of_an_interval_witness_it_for_others() {
        // a + b = 10: the solutions at the ends of a's interval also span b's.
        let attacker = Attacker::new(2, vec![eq(&[(0, 1.0), (1, 1.0)], 10.0)]);
        let (_, ends) = attacker.interval(0).unwrap_or_else(|e| panic!("{e}"));
        let mut witnesses = Witnesses::new(vec![3.0, 7.0]);
        assert_eq!(witnesses.spread(1).width(), 0.0);
        for end in &ends {
            witnesses.add(end.iter().copied());
        }
        let spread = witnesses.spread(1);
        assert!(
            (spread.width() - 10.0).abs() < 1e-6 && !spread.exact,
            "{spread:?}"
        );
    }

    #[test]
    fn nothing_known_about_a_number_leaves_it_unbounded() {
        let attacker = Attacker::new(1, Vec::new());
        let (i, _) = attacker.interval(0).unwrap_or_else(|e| panic!("{e}"));
        assert!(i.upper.is_infinite() && i.lower == 0.0);
    }
}
