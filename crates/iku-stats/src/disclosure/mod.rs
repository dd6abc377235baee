//! Disclosure control for the published mode (`review.md`, "Disclosure control"): a release
//! is a linear model (`model`), cells below the threshold are withheld (primary), further
//! numbers are withheld so that none of those is a linear combination of what is published
//! (`gauss`), and an audit (`audit`) checks that an attacker holding everything published,
//! this release and the frozen ones before it (`frozen`), cannot narrow any withheld number to
//! less than the threshold's width.

mod audit;
mod frozen;
mod gauss;
mod model;
mod relations;
mod report;

use std::cmp::Reverse;

use iku_domain::grouping::StoredFacts;

use crate::compute::{Contributions, FactsReviewError, Release, contributions_from_facts};
use crate::review::{Disclosure, Number, NumberPart, Review};

pub use audit::{AuditError, Interval};
pub use frozen::FrozenError;
pub use report::{DisclosureReport, Withheld};

use model::{Column, Model};
use relations::Relations;

/// What the published mode says it did.
pub const NOTE: &str = "Cells counting fewer persons than the threshold are suppressed (–), with \
    further cells where they could be derived from the rest of this release and the releases \
    before it; nationalities below the threshold are folded into \"other\". An audit checked \
    every suppressed cell.";

/// The dimensions that, with a small count, could point at a person (review.md).
const QUASI_IDENTIFIERS: [&str; 6] = [
    "nationality",
    "age_group",
    "residence_status",
    "referrer",
    // Groupings of residence status and referrer.
    "stay",
    "referrer_type",
];

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
    /// Published for certain: before (frozen), or a zero (zeros are published).
    fixed: bool,
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

    let relations = relations::find(&entries);
    suppress(&relations, &mut entries);
    audit(&relations, &mut entries, threshold);

    let review = apply(target, &entries, threshold);
    let report = DisclosureReport::new(&review, contributions, last, &entries, threshold);
    Ok(Protected { review, report })
}

/// Who decides what is withheld among a release's numbers: a frozen release (what it showed),
/// or primary suppression now.
enum Decided<'a> {
    Earlier(&'a frozen::Shown),
    Now(u64),
}

fn is_quasi_identifying(dims: &[&str]) -> bool {
    dims.len() >= 2 || dims.iter().any(|d| QUASI_IDENTIFIERS.contains(d))
}

/// Adds the numbers of a release, withheld as `decided` says.
fn add_release(
    model: &Model,
    r: usize,
    review: &Review,
    entries: &mut Vec<Entry>,
    decided: &Decided<'_>,
) {
    let small = |v: u64| v > 0 && matches!(decided, Decided::Now(k) if v < *k);
    let shown_as = |number: &Number| -> Option<Option<u64>> {
        match decided {
            Decided::Earlier(shown) => Some(
                shown
                    .published
                    .iter()
                    .find(|(n, _)| n == number)
                    .map(|(_, v)| *v),
            ),
            Decided::Now(_) => None,
        }
    };
    for (t_index, t) in review.tables.iter().enumerate() {
        let qi = is_quasi_identifying(&t.dims);
        let nationality = t.dims == ["nationality"];
        let make = |kind: Kind, codes: Vec<String>, value: u64, class: u8| {
            let part = match &kind {
                Kind::Cell | Kind::Other { .. } => NumberPart::Cell(codes.clone()),
                Kind::Total => NumberPart::Total,
                Kind::Extra(name) => NumberPart::Extra(name),
            };
            let number = Number { table: t.id, part };
            let withheld = match shown_as(&number) {
                // A frozen release: what it did not publish is withheld.
                Some(None) => Some(Reason::EarlierRelease),
                Some(Some(_)) => None,
                None => match kind {
                    Kind::Cell if nationality && small(value) => Some(Reason::Folded),
                    Kind::Cell | Kind::Other { .. } if qi && small(value) => Some(Reason::Primary),
                    Kind::Extra(_) if nationality && small(value) => Some(Reason::Primary),
                    _ => None,
                },
            };
            Entry {
                release: r,
                column: model.column(r, &number),
                fixed: value == 0 || shown_as(&number).is_some_and(|s| s.is_some()),
                number,
                kind,
                dims: t.dims.clone(),
                codes,
                value,
                withheld,
                cost: (class, Reverse(value), t_index),
                added_by_audit: false,
                interval: None,
            }
        };
        let mut folded = Vec::new();
        for c in &t.cells {
            let value = c.value.unwrap_or(0);
            let e = make(Kind::Cell, c.codes(&t.dims), value, 2);
            let is_folded = match decided {
                Decided::Earlier(shown) => shown
                    .folded
                    .iter()
                    .any(|(id, unlisted, _)| *id == t.id && unlisted.contains(&e.number)),
                Decided::Now(_) => e.withheld == Some(Reason::Folded),
            };
            if is_folded {
                folded.push(entries.len());
            }
            entries.push(e);
        }
        let other_shown = match decided {
            Decided::Earlier(shown) => shown.folded.iter().any(|(id, _, _)| *id == t.id),
            Decided::Now(_) => !folded.is_empty(),
        };
        if nationality && other_shown {
            let columns: Vec<Column> = folded.iter().map(|&f| entries[f].column.clone()).collect();
            let column = model::sum(&columns);
            let value = model.value(&column).round() as u64;
            let mut e = make(
                Kind::Other {
                    folded: folded.clone(),
                },
                vec!["other".to_owned()],
                value,
                2,
            );
            if let Decided::Earlier(shown) = decided {
                let published = shown
                    .folded
                    .iter()
                    .find(|(id, _, _)| *id == t.id)
                    .and_then(|(_, _, v)| *v);
                e.withheld = published.is_none().then_some(Reason::EarlierRelease);
                e.fixed = published.is_some();
            }
            e.column = column;
            entries.push(e);
        }
        if let Some(total) = t.total {
            entries.push(make(Kind::Total, Vec::new(), total, 0));
        }
        for (name, value) in &t.extra {
            if !crate::review::NOT_SUMS.contains(name) {
                entries.push(make(Kind::Extra(name), Vec::new(), *value, 1));
            }
        }
    }
}

/// A frozen release must show what the register, as recorded when it was computed, gives.
fn check_earlier(
    entries: &[Entry],
    shown: &frozen::Shown,
    r: usize,
) -> Result<(), DisclosureError> {
    for e in entries.iter().filter(|e| e.release == r) {
        let frozen = match &e.kind {
            Kind::Other { .. } => shown
                .folded
                .iter()
                .find(|(id, _, _)| *id == e.number.table)
                .and_then(|(_, _, v)| *v),
            _ => shown
                .published
                .iter()
                .find(|(n, _)| *n == e.number)
                .map(|(_, v)| *v),
        };
        if let Some(frozen) = frozen
            && frozen != e.value
        {
            return Err(DisclosureError::EarlierDiffers {
                number: e.number.to_string(),
                frozen,
                register: e.value,
            });
        }
    }
    Ok(())
}

/// The unit vector of entry `i`.
fn unit(i: usize) -> Column {
    vec![(i as u32, 1.0)]
}

/// Secondary suppression: the relations and what is published for certain first, then this
/// release's numbers in cost order (totals, then extra figures, then cells, largest first),
/// each published unless it would make a withheld number derivable.
fn suppress(relations: &Relations, entries: &mut [Entry]) {
    let protected: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].withheld.is_some())
        .collect();
    let units: Vec<Column> = protected.iter().map(|&i| unit(i)).collect();
    let columns: Vec<&Column> = units.iter().collect();
    let mut elimination = gauss::Elimination::new(entries.len(), &columns);
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
    let target = entries.iter().map(|e| e.release).max().unwrap_or(0);
    for i in order {
        let revealed = elimination.would_reveal(&unit(i));
        if revealed.is_empty() {
            elimination.publish(&unit(i));
        } else {
            let ours = revealed
                .iter()
                .any(|&p| entries[protected[p]].release == target);
            entries[i].withheld = Some(if ours {
                Reason::Secondary
            } else {
                Reason::CrossRelease
            });
        }
    }
}

/// Whether an interval is wide enough: at least the threshold (rounding aside).
fn wide_enough(interval: &Result<Interval, AuditError>, threshold: u64) -> bool {
    interval
        .as_ref()
        .is_ok_and(|i| i.width() >= threshold as f64 - 1e-6)
}

/// What an attacker holds, over the withheld entries: `unknown[i]` is entry i's unknown.
fn attacker(relations: &Relations, entries: &[Entry]) -> (audit::Attacker, Vec<Option<usize>>) {
    let mut unknown = vec![None; entries.len()];
    let mut count = 0;
    for (i, e) in entries.iter().enumerate() {
        if e.withheld.is_some() {
            unknown[i] = Some(count);
            count += 1;
        }
    }
    let split = |terms: &mut dyn Iterator<Item = (usize, f64)>| {
        let mut known = 0.0;
        let mut unknowns = Vec::new();
        for (i, a) in terms {
            match unknown[i] {
                Some(u) => unknowns.push((u, a)),
                None => known += a * entries[i].value as f64,
            }
        }
        (unknowns, known)
    };
    let mut constraints = Vec::new();
    for relation in &relations.equal {
        let (terms, known) = split(&mut relation.iter().map(|(i, a)| (*i as usize, *a)));
        if !terms.is_empty() {
            constraints.push(audit::Constraint {
                terms,
                at_least: false,
                rhs: -known,
            });
        }
    }
    for &(a, b) in &relations.at_least {
        let (terms, known) = split(&mut [(a, 1.0), (b, -1.0)].into_iter());
        if !terms.is_empty() {
            constraints.push(audit::Constraint {
                terms,
                at_least: true,
                rhs: -known,
            });
        }
    }
    (audit::Attacker::new(count, constraints), unknown)
}

/// The audit: every withheld number's interval; where one is too narrow, the cheapest
/// published number of this release tied to it is withheld too, until every interval is wide
/// enough or nothing is left to withhold.
fn audit(relations: &Relations, entries: &mut [Entry], threshold: u64) {
    let mut pending: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].withheld.is_some())
        .collect();
    let truth = audit::Witnesses::new(entries.iter().map(|e| e.value as f64).collect());
    loop {
        let (attacker, unknown) = attacker(relations, entries);
        let intervals = intervals(&attacker, &unknown, &pending, threshold, &truth);
        let mut next = Vec::new();
        for (&i, interval) in pending.iter().zip(intervals) {
            let ok = wide_enough(&interval, threshold);
            entries[i].interval = Some(interval);
            if ok {
                continue;
            }
            if let Some(extra) = cheapest_tied(relations, entries, i) {
                entries[extra].withheld = Some(if entries[i].release == entries[extra].release {
                    Reason::Secondary
                } else {
                    Reason::CrossRelease
                });
                entries[extra].added_by_audit = true;
                next.push(i);
                next.push(extra);
            }
        }
        if next.is_empty() {
            return;
        }
        next.sort_unstable();
        next.dedup();
        pending = next;
    }
}

/// The intervals of entries `which`, on every core. The solutions each core finds along the
/// way settle many numbers without a program of their own (`audit::Witnesses`, starting from
/// the truth).
fn intervals(
    attacker: &audit::Attacker,
    unknown: &[Option<usize>],
    which: &[usize],
    threshold: u64,
    truth: &audit::Witnesses,
) -> Vec<Result<Interval, AuditError>> {
    let mut entry_of = vec![0; unknown.iter().flatten().count()];
    for (i, u) in unknown.iter().enumerate() {
        if let Some(u) = u {
            entry_of[*u] = i;
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = which.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = which
            .chunks(chunk)
            .map(|part| {
                let mut mine = truth.clone();
                let entry_of = &entry_of;
                scope.spawn(move || {
                    let results: Vec<Result<Interval, AuditError>> = part
                        .iter()
                        .map(|&i| {
                            let u = unknown[i].ok_or_else(AuditError::not_withheld)?;
                            let spread = mine.spread(i);
                            if wide_enough(&Ok(spread), threshold) {
                                return Ok(spread);
                            }
                            let (interval, ends) = attacker.interval(u)?;
                            for end in &ends {
                                mine.add(end.iter().map(|(u, v)| (entry_of[*u], *v)));
                            }
                            Ok(interval)
                        })
                        .collect();
                    results
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// The published number of this release that shares a relation (an equation, or the annual
/// bounding the semiannual) with entry `i` (directly, or else through other withheld numbers) and costs least to withhold: small cells before large
/// ones, cells before extras and totals.
fn cheapest_tied(relations: &Relations, entries: &[Entry], i: usize) -> Option<usize> {
    let target = entries.iter().map(|e| e.release).max().unwrap_or(0);
    let candidate = |k: usize| {
        let e = &entries[k];
        e.release == target && !e.fixed && e.withheld.is_none()
    };
    let cheapest = |ks: &mut dyn Iterator<Item = usize>| {
        ks.filter(|&k| candidate(k)).max_by(|&a, &b| {
            entries[a]
                .cost
                .cmp(&entries[b].cost)
                .then_with(|| entries[b].number.cmp(&entries[a].number))
        })
    };
    let tied_to = |set: &rustc_hash::FxHashSet<usize>| -> Vec<usize> {
        let equal = relations
            .equal
            .iter()
            .filter(|r| r.iter().any(|(x, _)| set.contains(&(*x as usize))))
            .flat_map(|r| r.iter().map(|(x, _)| *x as usize));
        let at_least = relations
            .at_least
            .iter()
            .filter(|(a, b)| set.contains(a) || set.contains(b))
            .flat_map(|(a, b)| [*a, *b]);
        equal.chain(at_least).collect()
    };
    let mut set: rustc_hash::FxHashSet<usize> = [i].into_iter().collect();
    loop {
        let tied = tied_to(&set);
        if let Some(k) = cheapest(&mut tied.iter().copied()) {
            return Some(k);
        }
        let before = set.len();
        set.extend(tied.into_iter().filter(|&k| entries[k].withheld.is_some()));
        if set.len() == before {
            return None;
        }
    }
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
            e.withheld.is_none()
                || e.interval
                    .as_ref()
                    .is_some_and(|i| wide_enough(i, threshold))
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
