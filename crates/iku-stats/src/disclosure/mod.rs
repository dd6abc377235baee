//! Disclosure control for the published mode (`review.md`, "Disclosure control").
//!
//! A release is a linear model (`model`) with the relations its definitions make between
//! numbers (`relations`), each number decided first by the rules (`numbers`). What is shown
//! for certain: every total, every zero (but in a table of fewer than k persons, which gives
//! its total alone), whatever a frozen earlier release published, and the past years of a
//! series that counts no one by a quasi-identifier. What
//! is sensitive: a count of 1..k-1 in a table that could point at a person (primary), a
//! nationality folded into "other". Only the sensitive numbers need protection: the
//! attacker's interval for each, from everything published in this release and the frozen
//! ones before it, must be k wide, or as wide as the numbers the rules show anyway
//! (`Entry::public`) leave it, which no suppression can better. Further numbers are withheld
//! to get there, as few as will do: first so that no sensitive number is a linear
//! combination of published ones (`gauss`, in an order that spares large cells and the
//! tables others break down), then, where the audit (`audit`) finds an interval too narrow,
//! the tied number that widens it most cheaply, one at a time (`widen`).

mod audit;
mod frozen;
mod gauss;
mod model;
mod numbers;
mod relations;
mod report;
mod widen;

use std::cmp::Reverse;

use iku_domain::grouping::StoredFacts;

use crate::compute::{Contributions, FactsReviewError, Release, contributions_from_facts};
use crate::review::{Disclosure, Number, NumberPart, Review};

pub use audit::{AuditError, Interval};
pub use frozen::FrozenError;
pub use report::{DisclosureReport, Withheld};

use model::{Column, Model};
use numbers::{Decided, add_release, check_earlier};
use widen::{audit, required_width, wide_enough};

/// What the published mode says it did.
pub const NOTE: &str = "Cells counting fewer persons than the threshold are suppressed (–), with \
    further cells where they could be derived from the rest of this release and the releases \
    before it; nationalities below the threshold are folded into \"other\"; totals are always \
    given. An audit checked every cell suppressed for its own sake.";

/// Why a number is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Below the threshold in a table that could point at a person.
    Primary,
    /// A small nationality, folded into "other" (not listed).
    Folded,
    /// Would reveal a withheld number of this release.
    Secondary,
    /// Would reveal a withheld number of a release published before.
    CrossRelease,
    /// Withheld by a release published before (protected here, not part of this release).
    EarlierRelease,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::Primary,
        Reason::Folded,
        Reason::Secondary,
        Reason::CrossRelease,
        Reason::EarlierRelease,
    ];

    /// Its name in a disclosure report's JSON.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Primary => "primary",
            Reason::Folded => "folded",
            Reason::Secondary => "secondary",
            Reason::CrossRelease => "cross_release",
            Reason::EarlierRelease => "earlier_release",
        }
    }

    /// The `suppressed` code of a cell in the review's JSON.
    fn code(self) -> &'static str {
        match self {
            Reason::Primary => "primary",
            _ => "secondary",
        }
    }
}

/// Why a release could not be protected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisclosureError {
    #[error(transparent)]
    Frozen(#[from] FrozenError),
    #[error(
        "the release published before shows {number} = {frozen}, but the register as recorded \
         then gives {register}: it cannot be taken as what an attacker holds"
    )]
    EarlierDiffers {
        number: String,
        frozen: u64,
        register: u64,
    },
    #[error("{documents} frozen documents given for {earlier} releases before this one")]
    Releases { documents: usize, earlier: usize },
}

/// A protected release: the review to publish and its disclosure report.
#[derive(Debug, Clone)]
pub struct Protected {
    pub review: Review,
    pub report: DisclosureReport,
}

/// What a number of the model is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Cell,
    /// The sum of a nationality table's folded cells (entries by index).
    Other {
        folded: Vec<usize>,
    },
    Total,
    Extra(&'static str),
}

impl Kind {
    /// The same kind in another release (folded cells differ, "other" is still "other").
    fn tag(&self) -> (u8, &'static str) {
        match self {
            Kind::Cell => (0, ""),
            Kind::Other { .. } => (1, ""),
            Kind::Total => (2, ""),
            Kind::Extra(name) => (3, name),
        }
    }
}

/// One number of the model, with what is decided about it.
pub(crate) struct Entry {
    release: usize,
    number: Number,
    kind: Kind,
    dims: Vec<&'static str>,
    /// The cell's codes, in `dims` order (empty for totals and extras).
    codes: Vec<String>,
    /// Each profile's contribution (what relations are found from).
    column: Column,
    value: u64,
    /// None while published.
    withheld: Option<Reason>,
    /// Published for certain: before (frozen), a total (totals are always given), a zero
    /// (zeros are published), a past year of a series.
    fixed: bool,
    /// Protected for its own sake (primary, folded; in a release before: suppressed as
    /// primary, or folded): the attacker's interval must be at least `required` wide.
    sensitive: bool,
    /// The width the attacker's interval must have (`required_width`).
    required: f64,
    /// Shown by the rules: published for certain, or a number of a table whose small counts
    /// cannot point at a person (the primary rule never withholds them).
    public: bool,
    /// The cost order: lower is published first (kept), higher withheld first.
    cost: (u8, Reverse<u64>, usize),
    added_by_audit: bool,
    interval: Option<Result<Interval, AuditError>>,
}

/// Why a release could not be computed and protected.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Facts(#[from] FactsReviewError),
    #[error(transparent)]
    Disclosure(#[from] DisclosureError),
}

/// The review of `release` in published mode, from the register's stored facts, protected
/// together with the releases published before it (`earlier`: each release with its frozen
/// JSON, which an attacker holds).
pub fn protect_facts(
    facts: &StoredFacts,
    earlier: &[(Release, &str)],
    release: Release,
    threshold: u64,
) -> Result<Protected, PublishError> {
    let mut releases: Vec<Release> = earlier.iter().map(|(r, _)| *r).collect();
    releases.push(release);
    let contributions = contributions_from_facts(facts, &releases)?;
    let documents: Vec<&str> = earlier.iter().map(|(_, d)| *d).collect();
    Ok(protect(&contributions, &documents, threshold)?)
}

/// Protects the last review of `contributions`; the reviews before it are releases already
/// published, given as their frozen JSON `earlier` (in the same order).
pub fn protect(
    contributions: &Contributions,
    earlier: &[&str],
    threshold: u64,
) -> Result<Protected, DisclosureError> {
    let last = contributions.reviews.len().saturating_sub(1);
    if earlier.len() != last {
        return Err(DisclosureError::Releases {
            documents: earlier.len(),
            earlier: last,
        });
    }
    let model = Model::of(contributions);
    let mut entries = Vec::new();
    for (r, document) in earlier.iter().enumerate() {
        let shown = frozen::read(document, &contributions.reviews[r])?;
        add_release(
            &model,
            r,
            &contributions.reviews[r],
            &mut entries,
            &Decided::Earlier(&shown),
        );
        check_earlier(&entries, &shown, r)?;
    }
    let target = &contributions.reviews[last];
    add_release(&model, last, target, &mut entries, &Decided::Now(threshold));

    let years: Vec<String> = contributions
        .reviews
        .iter()
        .map(|r| r.period.start.chars().take(4).collect())
        .collect();
    let relations = relations::find(&entries, &years);
    for i in 0..entries.len() {
        if entries[i].sensitive {
            entries[i].required = required_width(&relations, &entries, i, threshold);
        }
    }
    gauss::suppress(&relations, &mut entries);
    audit(&relations, &mut entries);

    let review = apply(target, &entries, threshold);
    let report = DisclosureReport::new(&review, contributions, last, &entries, threshold);
    Ok(Protected { review, report })
}

/// The review as published: withheld cells, totals and extras marked, small nationalities
/// folded into "other".
fn apply(target: &Review, entries: &[Entry], threshold: u64) -> Review {
    let last = entries.iter().map(|e| e.release).max().unwrap_or(0);
    let decided: rustc_hash::FxHashMap<&Number, &Entry> = entries
        .iter()
        .filter(|e| e.release == last)
        .map(|e| (&e.number, e))
        .collect();
    let mut review = target.clone();
    review.disclosure = Disclosure {
        mode: "published",
        threshold,
        note: Some(NOTE),
        audit_passed: Some(entries.iter().all(|e| {
            !e.sensitive
                || e.interval
                    .as_ref()
                    .is_some_and(|i| wide_enough(i, e.required))
        })),
    };
    for t in &mut review.tables {
        let id = t.id;
        let number = |part| Number { table: id, part };
        let dims = t.dims.clone();
        t.cells.retain(|c| {
            decided
                .get(&number(NumberPart::Cell(c.codes(&dims))))
                .is_none_or(|e| e.withheld != Some(Reason::Folded))
        });
        if let Some(e) = decided
            .get(&number(NumberPart::Cell(vec!["other".to_owned()])))
            .filter(|e| matches!(e.kind, Kind::Other { .. }))
        {
            t.cells.push(crate::review::Cell {
                key: [("nationality", "other".to_owned())].into_iter().collect(),
                value: Some(e.value),
                suppressed: None,
                share: None,
            });
        }
        for c in &mut t.cells {
            if let Some(reason) = decided
                .get(&number(NumberPart::Cell(c.codes(&dims))))
                .and_then(|e| e.withheld)
            {
                c.value = None;
                c.suppressed = Some(reason.code());
            }
        }
        if let Some(reason) = decided
            .get(&number(NumberPart::Total))
            .and_then(|e| e.withheld)
        {
            t.total = None;
            t.total_suppressed = Some(reason.code());
        }
        let withheld: Vec<&'static str> = t
            .extra
            .keys()
            .copied()
            .filter(|name| {
                decided
                    .get(&number(NumberPart::Extra(name)))
                    .is_some_and(|e| e.withheld.is_some())
            })
            .collect();
        for name in &withheld {
            t.extra.remove(name);
        }
        t.extra_suppressed = withheld;
    }
    // Shares of what is published only: a withheld total leaves no share.
    review.fill_shares();
    review
}

#[cfg(test)]
mod reason_tests {
    use super::Reason;

    #[test]
    fn a_reasons_name_is_the_one_its_json_carries() {
        for reason in Reason::ALL {
            let json = serde_json::to_value(reason).unwrap_or_default();
            assert_eq!(json.as_str(), Some(reason.name()));
        }
    }
}
