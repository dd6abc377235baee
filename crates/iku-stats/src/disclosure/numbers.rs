//! The numbers of a release as the model holds them, and what is decided about each before
//! any secondary suppression: from a frozen release, what it showed; now, the primary rule,
//! folding, and what is shown for certain.

use std::cmp::Reverse;

use super::model::{self, Column, Model};
use super::{DisclosureError, Entry, Kind, Reason, frozen};
use crate::review::{Number, NumberPart, Review};

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

/// Who decides what is withheld among a release's numbers: a frozen release (what it showed),
/// or primary suppression now.
pub(super) enum Decided<'a> {
    Earlier(&'a frozen::Shown),
    Now(u64),
}

/// Whether a table's small cells could point at a person: a quasi-identifier, or a cross of
/// two dimensions. A series' year is when, not who: a series by form group is not a cross.
fn is_quasi_identifying(dims: &[&str]) -> bool {
    let who = dims.iter().filter(|d| **d != "year");
    who.clone().count() >= 2 || who.clone().any(|d| QUASI_IDENTIFIERS.contains(d))
}

/// Adds the numbers of a release, withheld as `decided` says.
pub(super) fn add_release(
    model: &Model,
    r: usize,
    review: &Review,
    entries: &mut Vec<Entry>,
    decided: &Decided<'_>,
) {
    let year: i32 = review.period.start[..4.min(review.period.start.len())]
        .parse()
        .unwrap_or(i32::MAX);
    for (t_index, t) in review.tables.iter().enumerate() {
        let qi = is_quasi_identifying(&t.dims);
        let nationality = t.dims == ["nationality"];
        let series = t.dims.contains(&"year");
        // A table of groups that others break down (referrer type, stay, the series' form
        // groups): its cells are offered after the finer tables' cells, so that a group whose
        // parts are withheld already is the one withheld, with no new cell to follow it.
        let coarse = t
            .dims
            .iter()
            .all(|d| *d == "year" || crate::definitions::GROUPINGS.iter().any(|g| g.to == *d));
        // A table counting fewer than k persons (and not none) gives its total alone: any cell
        // beside it, a zero too, would tell where they are.
        let small_table = qi && !series && t.total.is_some_and(|v| small(decided, v));
        let year_of = |codes: &[String]| -> Option<i32> {
            let p = t.dims.iter().position(|d| *d == "year")?;
            codes.get(p)?.parse().ok()
        };
        let make = |kind: Kind, codes: Vec<String>, value: u64, class: u8| {
            let part = match &kind {
                Kind::Cell | Kind::Other { .. } => NumberPart::Cell(codes.clone()),
                Kind::Total => NumberPart::Total,
                Kind::Extra(name) => NumberPart::Extra(name),
            };
            let number = Number { table: t.id, part };
            let past = year_of(&codes).is_some_and(|y| y < year);
            let (withheld, fixed, sensitive) = match decided {
                // A frozen release: what it did not publish is withheld, what it published
                // is published.
                Decided::Earlier(shown) => match shown.published.iter().find(|(n, _)| *n == number)
                {
                    Some(_) => (None, true, false),
                    None => {
                        // An extra figure is withheld for its own sake only in a nationality
                        // table (the frozen JSON does not say why).
                        let sensitive = shown.sensitive.contains(&number)
                            || (nationality && matches!(kind, Kind::Extra(_)));
                        (Some(Reason::EarlierRelease), false, sensitive)
                    }
                },
                Decided::Now(_) => {
                    let small = small(decided, value);
                    let reason = match kind {
                        Kind::Cell if small_table => Some(Reason::Primary),
                        Kind::Cell if nationality && small => Some(Reason::Folded),
                        Kind::Cell | Kind::Other { .. } if qi && small => Some(Reason::Primary),
                        Kind::Extra(_) if nationality && small => Some(Reason::Primary),
                        _ => None,
                    };
                    let fixed = reason.is_none()
                        && (value == 0 || matches!(kind, Kind::Total) || (series && past && !qi));
                    (reason, fixed, reason.is_some())
                }
            };
            Entry {
                release: r,
                column: model.column(r, &number),
                public: fixed || !qi,
                fixed,
                sensitive,
                required: 0.0,
                number,
                kind,
                dims: t.dims.clone(),
                codes,
                value,
                withheld,
                cost: (
                    if coarse && class == 2 { 3 } else { class },
                    Reverse(value),
                    t_index,
                ),
                added_by_audit: false,
                interval: None,
            }
        };
        let mut folded = Vec::new();
        let mut listed = 0;
        for c in &t.cells {
            let value = c.value.unwrap_or(0);
            let e = make(Kind::Cell, c.codes(&t.dims), value, 2);
            let is_folded = match decided {
                Decided::Earlier(shown) => shown
                    .folded
                    .iter()
                    .any(|(id, unlisted, _)| *id == t.id && unlisted.contains(&e.number)),
                Decided::Now(_) => nationality && small(decided, value),
            };
            if is_folded {
                folded.push(entries.len());
            } else {
                listed += 1;
            }
            entries.push(e);
        }
        if nationality && small_table {
            // Folded, not listed, every one.
            for &f in &folded {
                entries[f].withheld = Some(Reason::Folded);
            }
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
            match decided {
                Decided::Earlier(shown) => {
                    let published = shown
                        .folded
                        .iter()
                        .find(|(id, _, _)| *id == t.id)
                        .and_then(|(_, _, v)| *v);
                    e.withheld = published.is_none().then_some(Reason::EarlierRelease);
                    e.fixed = published.is_some();
                    e.sensitive = published.is_none();
                }
                // Nothing listed: "other" is the total, and is given as it is.
                Decided::Now(_) if listed == 0 => {
                    e.withheld = None;
                    e.fixed = true;
                    e.sensitive = false;
                }
                Decided::Now(_) => {}
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

/// Whether a count is below the threshold (and not zero) in a release decided now.
fn small(decided: &Decided<'_>, v: u64) -> bool {
    v > 0 && matches!(decided, Decided::Now(k) if v < *k)
}

/// A frozen release must show what the register, as recorded when it was computed, gives.
pub(super) fn check_earlier(
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
