//! Disclosure control, measured: the time to protect and audit a whole release (all tables),
//! the semiannual review alone and the annual one with the semiannual held fixed, against
//! the simple "two suppressions per line" heuristic on the same releases; and what the
//! attacker of the tests (`tests/support/attacker.rs`) recovers from each.
//!
//! `cargo bench -p iku-stats --bench disclosure -- [PERSONS ...]` (default 1000), one register
//! per size: that many persons over 2018-2025, the reviews of 2020.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use iku_domain::grouping::StoredFacts;
use iku_domain::{Event, Register, Timestamp};
use iku_generate::{Options, generate};
use iku_stats::disclosure::{Protected, protect};
use iku_stats::{Period, Release, Review, THRESHOLD, contributions_from_facts};
use support::attacker::{Seen, attack, describe};
use support::naive::two_per_line;

const RUNS: usize = 5;

fn persons(n: usize) -> Vec<Vec<Event>> {
    (0..n)
        .map(|i| {
            let mut o = Options::new(1, 7_000_000 + i as u64);
            o.personal_fields = false;
            o.id_prefix = format!("b{i}-");
            generate(&o)
        })
        .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Protects the last of `releases` `RUNS` times: the median time and the result.
fn timed(facts: &StoredFacts, releases: &[Release], earlier: &[&str]) -> (Duration, Protected) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let contributions =
            contributions_from_facts(facts, releases).unwrap_or_else(|e| panic!("{e}"));
        let protected =
            protect(&contributions, earlier, THRESHOLD).unwrap_or_else(|e| panic!("{e}"));
        times.push(start.elapsed());
        last = Some(protected);
    }
    (median(times), last.unwrap_or_else(|| unreachable!()))
}

fn suppressed(review: &Review) -> usize {
    review
        .tables
        .iter()
        .map(|t| {
            t.cells.iter().filter(|c| c.value.is_none()).count()
                + usize::from(t.total.is_none())
                + t.extra_suppressed.len()
        })
        .sum()
}

/// How many withheld numbers the attacker narrows to less than the threshold's width, and how
/// many of those exactly.
fn recovered(found: &[support::attacker::Found]) -> (usize, usize) {
    let narrow = found
        .iter()
        .filter(|f| f.upper - f.lower < THRESHOLD as f64 - 1e-6)
        .count();
    let exact = found.iter().filter(|f| f.upper - f.lower < 1e-6).count();
    (narrow, exact)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() { vec![1000] } else { sizes };
    let at = |s: &str| Timestamp::parse(s).ok();
    let h1 = Release {
        period: Period::semiannual(2020),
        as_recorded_at: at("2020-07-20T00:00:00Z"),
    };
    let annual = Release {
        period: Period::annual(2020),
        as_recorded_at: at("2021-01-20T00:00:00Z"),
    };
    println!(
        "| persons | release | method | time (median of {RUNS}) | suppressed | narrowed below {THRESHOLD} | exactly |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in sizes {
        let persons = persons(n);
        let mut events: Vec<Event> = persons.iter().flatten().cloned().collect();
        events.sort_by_key(|e| e.recorded_at);
        let register = Register::new(events).unwrap_or_else(|v| panic!("{v}"));
        let facts = StoredFacts::of(&register);

        let (h1_time, h1_ours) = timed(&facts, &[h1], &[]);
        let frozen = h1_ours.review.to_json();
        let (annual_time, annual_ours) = timed(&facts, &[h1, annual], &[&frozen]);

        let internal = contributions_from_facts(&facts, &[h1, annual])
            .unwrap_or_else(|e| panic!("{e}"))
            .reviews;
        let start = Instant::now();
        let h1_naive = two_per_line(&internal[0], THRESHOLD);
        let annual_naive = two_per_line(&internal[1], THRESHOLD);
        let naive_time = start.elapsed() / 2;

        let seen = |release, review: &Review| Seen::new(&persons, release, review.clone());
        let (h1_seen, annual_seen) = (seen(h1, &h1_ours.review), seen(annual, &annual_ours.review));
        let ours_h1 = recovered(&attack(&[&h1_seen]));
        let ours_annual = recovered(&attack(&[&h1_seen, &annual_seen]));
        let (h1_seen, annual_seen) = (seen(h1, &h1_naive), seen(annual, &annual_naive));
        let naive_h1 = recovered(&attack(&[&h1_seen]));
        let found = attack(&[&h1_seen, &annual_seen]);
        let naive_annual = recovered(&found);
        for f in found.iter().filter(|f| f.upper - f.lower < 1e-6).take(5) {
            eprintln!(
                "{n} persons, two per line, recovered exactly: {} = {}",
                describe(f),
                f.truth
            );
        }

        let row =
            |release: &str, method: &str, time: Duration, review: &Review, r: (usize, usize)| {
                println!(
                    "| {n} | {release} | {method} | {:.0} ms | {} | {} | {} |",
                    time.as_secs_f64() * 1000.0,
                    suppressed(review),
                    r.0,
                    r.1
                );
            };
        row("semiannual", "ours", h1_time, &h1_ours.review, ours_h1);
        row(
            "semiannual",
            "two per line",
            naive_time,
            &h1_naive,
            naive_h1,
        );
        row(
            "annual, semiannual fixed",
            "ours",
            annual_time,
            &annual_ours.review,
            ours_annual,
        );
        row(
            "annual, semiannual fixed",
            "two per line",
            naive_time,
            &annual_naive,
            naive_annual,
        );
        let r = &annual_ours.report;
        eprintln!(
            "{n} persons, annual: {} profiles, {} published numbers, {:?}, audit passed: {}",
            r.profiles, r.published_numbers, r.counts, r.audit_passed
        );
    }
}
