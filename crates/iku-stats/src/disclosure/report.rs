//! The disclosure report stored with a release: what was withheld, why, and the audit's
//! intervals. For statisticians (it holds the true counts of withheld cells), never published.

use serde::Serialize;

use super::widen::wide_enough;
use super::{Entry, Reason};
use crate::compute::Contributions;
use crate::review::{PeriodDates, Review};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisclosureReport {
    pub report: &'static str,
    pub period: PeriodDates,
    pub as_recorded_at: Option<String>,
    pub threshold: u64,
    /// The releases published before, taken as fixed: (report, period start, as recorded at).
    pub earlier_releases: Vec<ReleaseRef>,
    /// Profiles (persons who contributed alike), and the numbers this release publishes.
    pub profiles: usize,
    pub published_numbers: usize,
    pub counts: Counts,
    /// Whether every sensitive number's interval is as wide as it must be.
    pub audit_passed: bool,
    pub withheld: Vec<Withheld>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseRef {
    pub report: &'static str,
    pub period: PeriodDates,
    pub as_recorded_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub primary: usize,
    pub folded: usize,
    pub secondary: usize,
    pub cross_release: usize,
    /// Of the secondary ones, those the audit added.
    pub added_by_audit: usize,
    /// Withheld numbers of earlier releases, checked again here.
    pub earlier_release: usize,
}

/// One withheld number and what an attacker can derive about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Withheld {
    /// `table[codes]`, `table.total` or `table.extra_name`.
    pub number: String,
    /// `this` or the earlier release's report name.
    pub release: &'static str,
    pub reason: Reason,
    pub value: u64,
    pub lower: Option<f64>,
    /// None: unbounded (or the audit failed to solve, see `passed`).
    pub upper: Option<f64>,
    /// True: `lower` and `upper` are the attacker's bounds. False: they are two values the
    /// attacker cannot tell apart from the truth, so the bounds are at least this far apart.
    pub exact: bool,
    /// For a number protected for its own sake (primary, folded): how wide its interval must
    /// be (the threshold, or its table's total where that is smaller). None: withheld to
    /// protect others, with no width of its own to keep.
    pub required_width: Option<f64>,
    pub passed: bool,
}

impl DisclosureReport {
    pub(super) fn new(
        review: &Review,
        contributions: &Contributions,
        last: usize,
        entries: &[Entry],
        threshold: u64,
    ) -> Self {
        let mut counts = Counts::default();
        let mut withheld = Vec::new();
        for e in entries {
            let Some(reason) = e.withheld else { continue };
            match reason {
                Reason::Primary => counts.primary += 1,
                Reason::Folded => counts.folded += 1,
                Reason::Secondary => counts.secondary += 1,
                Reason::CrossRelease => counts.cross_release += 1,
                Reason::EarlierRelease => counts.earlier_release += 1,
            }
            counts.added_by_audit += usize::from(e.added_by_audit);
            let interval = e.interval.as_ref();
            let (lower, upper, exact) = match interval {
                Some(Ok(i)) => (
                    Some(round(i.lower)),
                    i.upper.is_finite().then(|| round(i.upper)),
                    i.exact,
                ),
                _ => (None, None, false),
            };
            withheld.push(Withheld {
                number: e.number.to_string(),
                release: if e.release == last {
                    "this"
                } else {
                    contributions.reviews[e.release].report
                },
                reason,
                value: e.value,
                lower,
                upper,
                exact,
                required_width: e.sensitive.then_some(e.required),
                passed: !e.sensitive || interval.is_some_and(|i| wide_enough(i, e.required)),
            });
        }
        DisclosureReport {
            report: review.report,
            period: review.period.clone(),
            as_recorded_at: review.as_recorded_at.clone(),
            threshold,
            earlier_releases: contributions.reviews[..last]
                .iter()
                .map(|r| ReleaseRef {
                    report: r.report,
                    period: r.period.clone(),
                    as_recorded_at: r.as_recorded_at.clone(),
                })
                .collect(),
            profiles: contributions.profiles.len(),
            published_numbers: entries
                .iter()
                .filter(|e| e.release == last && e.withheld.is_none())
                .count(),
            audit_passed: withheld.iter().all(|w| w.passed),
            counts,
            withheld,
        }
    }

    /// The report's JSON, pretty-printed, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Intervals to a millionth: the solver's rounding is not part of the report.
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
