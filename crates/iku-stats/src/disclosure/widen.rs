//! Where the audit finds a sensitive number's interval too narrow: how wide it must be, and
//! which published numbers to withhold beside it, one at a time, until it is wide enough.

use super::audit::{self, AuditError, Interval};
use super::relations::Relations;
use super::{Entry, Reason};

/// The width a sensitive entry's interval must have: the threshold, or less where the numbers
/// the rules show anyway (`Entry::public`) already bound it more tightly: at most the value of
/// a published sum it is part of (a margin or total below the threshold: the attacker then
/// cannot tell whether it counts anyone), and nothing where they give it exactly (three
/// witnesses, all exploited in Finland, as witnesses are by definition).
pub(super) fn required_width(
    relations: &Relations,
    entries: &[Entry],
    i: usize,
    threshold: u64,
) -> f64 {
    let mut required = threshold as f64;
    for relation in &relations.equal {
        let Some(&(_, sign)) = relation.iter().find(|(x, _)| *x as usize == i) else {
            continue;
        };
        let (mut other, mut same, mut same_hidden) = (0.0, 0.0, false);
        let mut usable = relation.iter().any(|(_, a)| a * sign < 0.0);
        for &(x, a) in relation.iter().filter(|(x, _)| *x as usize != i) {
            let e = &entries[x as usize];
            if a * sign < 0.0 {
                usable &= e.public;
                other += e.value as f64;
            } else if e.public {
                same += e.value as f64;
            } else {
                same_hidden = true;
            }
        }
        if usable {
            let bound = if same_hidden { other - same } else { 0.0 };
            required = required.min(bound.max(0.0));
        }
    }
    required
}

/// Whether an interval is wide enough (rounding aside).
pub(super) fn wide_enough(interval: &Result<Interval, AuditError>, required: f64) -> bool {
    interval
        .as_ref()
        .is_ok_and(|i| i.width() >= required - 1e-6)
}

/// What an attacker holds, over the withheld entries: `unknown[i]` is entry i's unknown.
fn attacker(relations: &Relations, entries: &[Entry]) -> (audit::Attacker, Vec<Option<usize>>) {
    attacker_not_knowing(relations, entries, |e| e.withheld.is_some())
}

/// What an attacker would hold who knew every number but those `hidden` says.
fn attacker_not_knowing(
    relations: &Relations,
    entries: &[Entry],
    hidden: impl Fn(&Entry) -> bool,
) -> (audit::Attacker, Vec<Option<usize>>) {
    let mut unknown = vec![None; entries.len()];
    let mut count = 0;
    for (i, e) in entries.iter().enumerate() {
        if hidden(e) {
            unknown[i] = Some(count);
            count += 1;
        }
    }
    let mut constraints = Vec::new();
    for (relation, equal) in relations.all() {
        let mut known = 0.0;
        let mut terms = Vec::new();
        for (i, a) in relation {
            match unknown[*i as usize] {
                Some(u) => terms.push((u, *a)),
                None => known += a * entries[*i as usize].value as f64,
            }
        }
        if !terms.is_empty() {
            constraints.push(audit::Constraint {
                terms,
                at_least: !equal,
                rhs: -known,
            });
        }
    }
    (audit::Attacker::new(count, constraints), unknown)
}

/// The interval of entry `i` as things stand.
fn interval_of(relations: &Relations, entries: &[Entry], i: usize) -> Result<Interval, AuditError> {
    let (attacker, unknown) = attacker(relations, entries);
    let u = unknown[i].ok_or_else(AuditError::not_withheld)?;
    attacker.interval(u).map(|(interval, _)| interval)
}

/// The audit: every sensitive number's interval; where one is too narrow, published numbers
/// of this release tied to it are withheld, one at a time, each the cheapest that widens it
/// most, until it is wide enough or nothing is left to withhold. Withholding more only widens
/// intervals, so one pass over the narrow ones settles them all.
pub(super) fn audit(relations: &Relations, entries: &mut [Entry]) {
    let sensitive: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].sensitive)
        .collect();
    let truth = audit::Witnesses::new(entries.iter().map(|e| e.value as f64).collect());
    let first = {
        let (attacker, unknown) = attacker(relations, entries);
        intervals(&attacker, &unknown, &sensitive, entries, &truth)
    };
    let mut narrow = Vec::new();
    for (&i, interval) in sensitive.iter().zip(first) {
        if !wide_enough(&interval, entries[i].required) {
            narrow.push(i);
        }
        entries[i].interval = Some(interval);
    }
    let mut widened = false;
    for i in narrow {
        // What the numbers the rules show (`Entry::public`) leave of it, all else withheld:
        // no suppression can do better.
        let (at_best, unknown) = attacker_not_knowing(relations, entries, |e| !e.public);
        if let Some(Ok((best, _))) = unknown[i].map(|u| at_best.interval(u)) {
            entries[i].required = entries[i].required.min(best.width());
        }
        loop {
            let interval = interval_of(relations, entries, i);
            let ok = wide_enough(&interval, entries[i].required);
            entries[i].interval = Some(interval);
            if ok {
                break;
            }
            let Some(extra) = partner(relations, entries, i) else {
                break;
            };
            entries[extra].withheld = Some(if entries[i].release == entries[extra].release {
                Reason::Secondary
            } else {
                Reason::CrossRelease
            });
            entries[extra].added_by_audit = true;
            widened = true;
        }
    }
    if widened {
        // Withheld since: each interval found holds two solutions that still fit what the
        // attacker holds (less is published), so the attacker's bounds are at least as far
        // apart. Recomputing them all would cost as much as the audit did.
        for &i in &sensitive {
            if let Some(Ok(interval)) = &mut entries[i].interval {
                interval.exact = false;
            }
        }
    }
}

/// The intervals of entries `which`, on every core. The solutions each core finds along the
/// way settle many numbers without a program of their own (`audit::Witnesses`, starting from
/// the truth).
fn intervals(
    attacker: &audit::Attacker,
    unknown: &[Option<usize>],
    which: &[usize],
    entries: &[Entry],
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
                            if wide_enough(&Ok(spread), entries[i].required) {
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

/// How many of the cheapest candidates `partner` tries with a linear program each.
const TRIED: usize = 6;

/// The published number of this release to withhold beside entry `i`, whose interval is too
/// narrow: among those tied to it by a relation (directly first, else through withheld
/// numbers), cells before extra figures and small before large, the first that makes the
/// interval wide enough, else the one that widens it most, else (nothing widens it alone) the
/// cheapest, which opens the way for the next.
fn partner(relations: &Relations, entries: &mut [Entry], i: usize) -> Option<usize> {
    let target = entries.iter().map(|e| e.release).max().unwrap_or(0);
    let candidate = |e: &Entry| e.release == target && !e.fixed && e.withheld.is_none();
    let now = entries[i]
        .interval
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .map_or(0.0, Interval::width);
    let deficit = entries[i].required - now;
    // Each candidate's closeness: how many rings out (tied directly, or through withheld
    // numbers), then the length of the shortest relation that ties it (a row of three before
    // a total of thirty).
    let mut closeness: rustc_hash::FxHashMap<usize, (usize, usize)> = Default::default();
    let mut tied_set: rustc_hash::FxHashSet<usize> = [i].into_iter().collect();
    for ring in 0.. {
        let mut reached = Vec::new();
        for (relation, _) in relations.all() {
            if !relation
                .iter()
                .any(|(x, _)| tied_set.contains(&(*x as usize)))
            {
                continue;
            }
            for (x, _) in relation {
                let k = *x as usize;
                if candidate(&entries[k]) {
                    let c = closeness.entry(k).or_insert((ring, relation.len()));
                    if c.0 == ring {
                        c.1 = c.1.min(relation.len());
                    }
                } else if entries[k].withheld.is_some() {
                    reached.push(k);
                }
            }
        }
        let before = tied_set.len();
        tied_set.extend(reached);
        if closeness.len() >= TRIED || tied_set.len() == before {
            break;
        }
    }
    // Then cells (of the tables others break down first) before extra figures, one that
    // could give the missing width alone before one that could not, the smallest first.
    let short = |k: usize| (entries[k].value as f64) < deficit;
    let mut candidates: Vec<usize> = closeness.keys().copied().collect();
    candidates.sort_by(|&a, &b| {
        (closeness[&a], entries[b].cost.0, short(a), entries[a].value)
            .cmp(&(closeness[&b], entries[a].cost.0, short(b), entries[b].value))
            .then_with(|| entries[a].number.cmp(&entries[b].number))
    });
    let mut best: Option<(usize, f64)> = None;
    for &k in candidates.iter().take(TRIED) {
        entries[k].withheld = Some(Reason::Secondary);
        let width = interval_of(relations, entries, i).map_or(0.0, |x| x.width());
        entries[k].withheld = None;
        if width >= entries[i].required - 1e-6 {
            return Some(k);
        }
        if width > now + 1e-6 && best.is_none_or(|(_, w)| width > w + 1e-6) {
            best = Some((k, width));
        }
    }
    best.map(|(k, _)| k).or_else(|| candidates.first().copied())
}
