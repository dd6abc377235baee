//! Disclosure control, measured: the time to protect and audit a whole release (all tables),
//! the semiannual review alone and the annual one with the semiannual held fixed, against
//! the simple "two suppressions per line" heuristic on the same releases; and what the
//! attacker of the tests (`tests/support/attacker.rs`) recovers from each.
//!
//! `cargo bench -p iku-stats --bench disclosure -- [demo] [PERSONS ...]` (default: demo 1000):
//! the demo register (calibrated to the published 2020 figures), its reviews of 2021; and one
//! generated register per size, that many persons over 2018-2025, its reviews of 2020.

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

/// The median of some times, and their spread (the fastest and the slowest).
#[derive(Clone, Copy)]
struct Timing {
    median: Duration,
    min: Duration,
    max: Duration,
}

impl Timing {
    fn of(mut times: Vec<Duration>) -> Self {
        times.sort();
        Timing {
            median: times[times.len() / 2],
            min: times[0],
            max: times[times.len() - 1],
        }
    }

    fn show(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "{:.0} ms ({:.0}-{:.0})",
            ms(self.median),
            ms(self.min),
            ms(self.max)
        )
    }
}

/// Protects the last of `releases` `RUNS` times: the timing and the result.
fn timed(facts: &StoredFacts, releases: &[Release], earlier: &[&str]) -> (Timing, Protected) {
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
    (Timing::of(times), last.unwrap_or_else(|| unreachable!()))
}

/// Numbers a reader sees withheld ("–": cells, totals, extra figures), and of them the cells
/// withheld by the primary rule.
fn withheld(review: &Review) -> (usize, usize) {
    let mut all = 0;
    let mut primary = 0;
    for t in &review.tables {
        for c in &t.cells {
            all += usize::from(c.value.is_none());
            primary += usize::from(c.suppressed == Some("primary"));
        }
        all += usize::from(t.total.is_none() && t.total_suppressed.is_some());
        all += t.extra_suppressed.len();
    }
    (all, primary)
}

/// How many sensitive numbers the attacker narrows more than the rules allow, and how many of
/// those it recovers exactly.
fn recovered(found: &[support::attacker::Found]) -> (usize, usize) {
    let narrow: Vec<_> = found.iter().filter(|f| f.too_narrow()).collect();
    let exact = narrow.iter().filter(|f| f.upper - f.lower < 1e-6).count();
    (narrow.len(), exact)
}

/// One register and the two releases measured on it.
struct Case {
    name: String,
    persons: Vec<Vec<Event>>,
    register: Register,
    h1: Release,
    annual: Release,
}

fn generated(n: usize) -> Case {
    let persons = persons(n);
    let mut events: Vec<Event> = persons.iter().flatten().cloned().collect();
    events.sort_by_key(|e| e.recorded_at);
    let at = |s: &str| Timestamp::parse(s).ok();
    Case {
        name: format!("generated, {n} persons, 2020"),
        persons,
        register: Register::new(events).unwrap_or_else(|v| panic!("{v}")),
        h1: Release {
            period: Period::semiannual(2020),
            as_recorded_at: at("2020-07-20T00:00:00Z"),
        },
        annual: Release {
            period: Period::annual(2020),
            as_recorded_at: at("2021-01-20T00:00:00Z"),
        },
    }
}

fn demo() -> Case {
    let register =
        Register::new(iku_generate::demo::calibrated_register()).unwrap_or_else(|v| panic!("{v}"));
    let persons = support::groups::of(&register);
    Case {
        name: format!("demo, {} persons, 2021", persons.len()),
        persons,
        register,
        h1: Release {
            period: Period::semiannual(2021),
            as_recorded_at: None,
        },
        annual: Release {
            period: Period::annual(2021),
            as_recorded_at: None,
        },
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cases: Vec<Case> = Vec::new();
    if args.is_empty() || args.iter().any(|a| a == "demo") {
        cases.push(demo());
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if args.is_empty() { vec![1000] } else { sizes };
    cases.extend(sizes.into_iter().map(generated));
    println!(
        "| register | release | method | time, median of {RUNS} (spread) | withheld | by the primary rule | ratio | narrowed | exactly |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for case in &cases {
        let facts = StoredFacts::of(&case.register);
        let (h1, annual) = (case.h1, case.annual);
        let (h1_time, h1_ours) = timed(&facts, &[h1], &[]);
        let frozen = h1_ours.review.to_json();
        let (annual_time, annual_ours) = timed(&facts, &[h1, annual], &[&frozen]);

        let internal = contributions_from_facts(&facts, &[h1, annual])
            .unwrap_or_else(|e| panic!("{e}"))
            .reviews;
        let start = Instant::now();
        let h1_naive = two_per_line(&internal[0], THRESHOLD);
        let annual_naive = two_per_line(&internal[1], THRESHOLD);
        let once = start.elapsed() / 2;
        let naive_time = Timing {
            median: once,
            min: once,
            max: once,
        };

        let seen = |release, review: &Review| Seen::new(&case.persons, release, review.clone());
        let (h1_seen, annual_seen) = (seen(h1, &h1_ours.review), seen(annual, &annual_ours.review));
        let ours_h1 = recovered(&attack(&[&h1_seen], THRESHOLD));
        let ours_annual = recovered(&attack(&[&h1_seen, &annual_seen], THRESHOLD));
        let (h1_seen, annual_seen) = (seen(h1, &h1_naive), seen(annual, &annual_naive));
        let naive_h1 = recovered(&attack(&[&h1_seen], THRESHOLD));
        let found = attack(&[&h1_seen, &annual_seen], THRESHOLD);
        let naive_annual = recovered(&found);
        for f in found
            .iter()
            .filter(|f| f.too_narrow() && f.upper - f.lower < 1e-6)
            .take(5)
        {
            eprintln!(
                "{}, two per line, recovered exactly: {} = {}",
                case.name,
                describe(f),
                f.truth
            );
        }

        let row =
            |release: &str, method: &str, time: Timing, review: &Review, r: (usize, usize)| {
                let (all, primary) = withheld(review);
                println!(
                    "| {} | {release} | {method} | {} | {all} | {primary} | {:.2} | {} | {} |",
                    case.name,
                    time.show(),
                    all as f64 / primary.max(1) as f64,
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
            "{}, annual: {} profiles, {} published numbers, {:?}, audit passed: {}",
            case.name, r.profiles, r.published_numbers, r.counts, r.audit_passed
        );
    }
}
