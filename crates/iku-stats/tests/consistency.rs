//! On generated registers: the tables agree with each other, and with counts made directly
//! from the register's events and from its global fold (`state_as_of`), which the review's
//! per-person fold does not use.

use iku_domain::calendar::parse_date;
use iku_domain::event::{Decision, EventBody};
use iku_domain::grouping::StoredFacts;
use iku_domain::interchange::{ParseContext, parse_line};
use iku_domain::{Register, Timestamp};
use iku_generate::{Options, generate, identical_corrections};
use iku_stats::{Period, Review, compute, compute_from_facts};
use proptest::prelude::*;

fn total(r: &Review, id: &str) -> u64 {
    r.table(id)
        .and_then(|t| t.total)
        .unwrap_or_else(|| panic!("{id}"))
}

fn value(r: &Review, id: &str, key: &[&str]) -> u64 {
    r.table(id).and_then(|t| t.value(key)).unwrap_or(0)
}

fn check(register: &Register, period: Period, t: Option<Timestamp>) {
    let r = compute(register, period, t);
    let view = register.view(t);
    let within = |d| period.contains(d);
    let events = view.events();
    let ctx = format!("{period:?} {t:?}");

    // Against the events themselves.
    let received = events
        .iter()
        .filter(|e| within(e.date) && matches!(e.body, EventBody::ApplicationReceived(_)))
        .count() as u64;
    assert_eq!(total(&r, "applications_by_referrer"), received, "{ctx}");
    let decided = |outcome: &str| {
        events
            .iter()
            .filter(|e| within(e.date) && matches!(&e.body, EventBody::ApplicationDecided(d) if d.decision.outcome() == outcome))
            .count() as u64
    };
    for outcome in ["admitted", "rejected", "withdrawn"] {
        assert_eq!(
            value(&r, "decisions_by_outcome", &[outcome]),
            decided(outcome),
            "{ctx} {outcome}"
        );
    }
    let terminated = events
        .iter()
        .filter(|e| within(e.date) && matches!(e.body, EventBody::AssistanceTerminated { .. }))
        .count() as u64;
    assert_eq!(
        value(&r, "decisions_by_outcome", &["terminated"]),
        terminated,
        "{ctx}"
    );
    assert_eq!(total(&r, "terminations_by_reason"), terminated, "{ctx}");
    assert_eq!(
        total(&r, "rejections_by_reason"),
        decided("rejected"),
        "{ctx}"
    );

    // Against the global fold at the reference date.
    let state = view.state_as_of(period.end());
    let clients = state.persons.values().filter(|p| p.is_client()).count() as u64;
    let children: u64 = state
        .persons
        .values()
        .filter(|p| p.is_client())
        .map(|p| p.children_present().count() as u64)
        .sum();
    let pending: u64 = state
        .persons
        .values()
        .flat_map(|p| &p.applications)
        .filter(|a| a.decided.is_none())
        .count() as u64;
    assert_eq!(total(&r, "clients_by_gender_age"), clients, "{ctx}");
    assert_eq!(
        value(&r, "clients_composition", &["child_of_client"]),
        children,
        "{ctx}"
    );
    assert_eq!(
        r.table("decisions_by_outcome")
            .and_then(|t| t.extra.get("pending_at_end").copied()),
        Some(pending),
        "{ctx}"
    );
    let admitted_persons = state
        .persons
        .values()
        .filter(|p| {
            p.applications
                .iter()
                .any(|a| matches!(a.decided, Some((d, Decision::Admitted)) if within(d)))
        })
        .count() as u64;
    assert_eq!(
        total(&r, "new_clients_by_gender_age"),
        admitted_persons,
        "{ctx}"
    );

    // Between tables.
    for id in [
        "new_clients_by_age_group",
        "new_clients_by_residence_status",
        "new_clients_by_exploitation",
        "new_clients_by_exploitation_and_gender",
        "new_clients_by_exploitation_and_place",
        "new_clients_by_nationality",
    ] {
        assert_eq!(total(&r, id), admitted_persons, "{ctx} {id}");
    }
    assert_eq!(
        value(&r, "new_clients_composition", &["adult"])
            + value(&r, "new_clients_composition", &["minor"]),
        admitted_persons,
        "{ctx}"
    );
    for id in [
        "clients_by_exploitation",
        "clients_by_nationality",
        "clients_by_provider",
    ] {
        assert_eq!(total(&r, id), clients, "{ctx} {id}");
    }
    assert_eq!(
        value(&r, "clients_composition", &["adult"]) + value(&r, "clients_composition", &["minor"]),
        clients,
        "{ctx}"
    );
    assert_eq!(
        total(&r, "finland_by_gender") + value(&r, "finland_by_exploitation", &["witness"]),
        total(&r, "finland_by_exploitation"),
        "{ctx}"
    );
    for id in [
        "finland_by_residence_status",
        "finland_by_nationality",
        "finland_by_referrer",
    ] {
        assert_eq!(total(&r, id), total(&r, "finland_by_gender"), "{ctx} {id}");
    }
    assert!(
        total(&r, "new_clients_exploitation_all_forms") >= admitted_persons,
        "{ctx}"
    );
    if period.end().month() == time::Month::December {
        let year = period.year.to_string();
        let series = |group: &str| {
            r.table("series_clients_at_year_end")
                .and_then(|t| t.value(&[&year, group]))
                .unwrap_or(0)
        };
        assert_eq!(series("adult") + series("minor"), clients, "{ctx}");
        assert_eq!(series("child_of_client"), children, "{ctx}");
        let new: u64 = ["sexual_exploitation", "forced_labour", "other"]
            .iter()
            .map(|g| {
                r.table("series_new_clients")
                    .and_then(|t| t.value(&[&year, g]))
                    .unwrap_or(0)
            })
            .sum();
        assert_eq!(new, admitted_persons, "{ctx}");
        assert_eq!(
            value(&r, "series_applications", &[&year]),
            received,
            "{ctx}"
        );
    }
}

#[test]
fn tables_agree_with_the_register_and_with_each_other() {
    for seed in 0..30 {
        let events = generate(&Options::new(250, seed));
        let register = Register::new(events).unwrap_or_else(|v| panic!("{v}"));
        let moments: Vec<Option<Timestamp>> = vec![
            None,
            Timestamp::parse("2021-01-15T12:00:00Z").ok(),
            Timestamp::parse("2023-07-01T00:00:00Z").ok(),
        ];
        for year in [2018, 2020, 2022, 2025] {
            for t in &moments {
                check(&register, Period::annual(year), *t);
                check(&register, Period::semiannual(year), *t);
            }
        }
    }
}

/// The statistics read path (stored facts, grouped, folded on every core) gives the review
/// the whole register gives, at every moment.
fn same_from_facts(register: &Register, period: Period, t: Option<Timestamp>) {
    let facts = StoredFacts::of(register);
    let whole = serde_json::to_string(&compute(register, period, t)).unwrap_or_default();
    let grouped = compute_from_facts(&facts, period, t)
        .map(|r| serde_json::to_string(&r).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!whole.is_empty());
    assert_eq!(grouped, whole, "{period:?} {t:?}");
}

/// Whether an event corrects an application or a decision: the corrections whose place
/// among the events of their day matters.
fn corrects_an_application_or_admission(register: &Register, e: &iku_domain::Event) -> bool {
    e.corrects
        .as_ref()
        .and_then(|t| register.get(t))
        .is_some_and(|t| {
            matches!(
                &t.body,
                EventBody::ApplicationReceived(_) | EventBody::ApplicationDecided(_)
            )
        })
}

#[test]
fn the_facts_path_gives_the_same_review_as_the_register() {
    let mut same_day_corrections = 0;
    for seed in 0..30 {
        let events = generate(&Options::new(200, 100 + seed));
        let register = Register::new(events).unwrap_or_else(|v| panic!("{v}"));
        same_day_corrections += register
            .events()
            .iter()
            .filter(|e| corrects_an_application_or_admission(&register, e))
            .count();
        for t in [
            None,
            Timestamp::parse("2019-03-01T00:00:00Z").ok(),
            Timestamp::parse("2022-11-15T12:00:00Z").ok(),
        ] {
            for year in [2019, 2022, 2025] {
                same_from_facts(&register, Period::annual(year), t);
                same_from_facts(&register, Period::semiannual(year), t);
            }
        }
    }
    assert!(
        same_day_corrections > 20,
        "the registers correct applications and admissions: {same_day_corrections}"
    );
}

/// The review of `period` as of now, as JSON.
fn review_json(register: &Register, period: Period) -> String {
    serde_json::to_string(&compute(register, period, None)).unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// A correction that says what the event said changes nothing: it is accepted (the
    /// register's rules hold, whatever was recorded on its day after the original) and every
    /// review as of now, on both read paths, is what it was.
    #[test]
    fn correcting_any_event_with_identical_content_changes_no_review(
        seed in any::<u64>(),
        persons in 1usize..60,
        every in 1usize..5,
        offset in 0usize..5,
    ) {
        let events = generate(&Options::new(persons, seed));
        let register = Register::new(events.clone()).map_err(|v| TestCaseError::fail(v.to_string()))?;
        let corrections = identical_corrections(&events, |i| (i + offset) % every == 0);
        prop_assume!(!corrections.is_empty());
        let corrected = Register::new(events.into_iter().chain(corrections).collect())
            .map_err(|v| TestCaseError::fail(v.to_string()))?;
        let violations = corrected.view(None).validate(5);
        prop_assert!(violations.is_empty(), "{:?}", violations);
        let facts = StoredFacts::of(&corrected);
        for period in [
            Period::annual(2018),
            Period::semiannual(2020),
            Period::annual(2022),
            Period::annual(2025),
        ] {
            let before = review_json(&register, period);
            prop_assert_eq!(&review_json(&corrected, period), &before, "{:?}", period);
            let from_facts = compute_from_facts(&facts, period, None)
                .map(|r| serde_json::to_string(&r).unwrap_or_default())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&from_facts, &before, "{:?} (facts)", period);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The case journal is casework, not statistics: a register with journal entries gives
    /// every review, on both read paths, that it gives without them.
    #[test]
    fn the_journal_never_reaches_a_review(seed in any::<u64>(), persons in 1usize..80) {
        let plain = Register::new(generate(&Options::new(persons, seed)))
            .map_err(|v| TestCaseError::fail(v.to_string()))?;
        let options = Options { journal: true, ..Options::new(persons, seed) };
        let with = Register::new(generate(&options))
            .map_err(|v| TestCaseError::fail(v.to_string()))?;
        prop_assume!(with.events().len() > plain.events().len());
        prop_assert!(with.view(None).validate(5).is_empty());
        let facts = StoredFacts::of(&with);
        for period in [Period::annual(2019), Period::semiannual(2022), Period::annual(2025)] {
            let before = review_json(&plain, period);
            prop_assert_eq!(&review_json(&with, period), &before, "{:?}", period);
            let from_facts = compute_from_facts(&facts, period, None)
                .map(|r| serde_json::to_string(&r).unwrap_or_default())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&from_facts, &before, "{:?} (facts)", period);
        }
    }
}

/// Lines of the interchange format, recorded a day apart in the order given.
fn register_of(lines: &[&str]) -> Register {
    let ctx = ParseContext::new(
        parse_date("2024-12-31").unwrap_or(time::Date::MIN),
        Timestamp::parse("2025-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0)),
    );
    let start = Timestamp::parse("2020-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0));
    let events = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut e = parse_line(line, &ctx)
                .unwrap_or_else(|e| panic!("{line}: {e}"))
                .event;
            e.recorded_at = Timestamp::from_micros(start.micros() + i as i64 * 86_400_000_000);
            e
        })
        .collect();
    Register::new(events).unwrap_or_else(|v| panic!("{v}"))
}

#[test]
fn the_facts_path_follows_events_that_move_between_persons() {
    // An application first recorded for p1, then corrected to p2 (p1 keeps another
    // application); its decision, p2's details and a child move with it; an application id
    // and a child id reused under another person after a retraction.
    let register = register_of(&[
        r#"{"id":"e1","event":"application_received","date":"2020-01-10","application":"a1","person":"p1","referrer":"police","consent":true}"#,
        r#"{"id":"e2","event":"application_received","date":"2020-01-12","application":"a2","person":"p1","referrer":"lawyer","consent":true}"#,
        r#"{"id":"e3","event":"person_details","date":"2020-01-12","person":"p1","gender":"female","birth_year":1990,"nationality":"NGA"}"#,
        r#"{"id":"e4","event":"application_decided","date":"2020-02-01","application":"a1","outcome":"admitted"}"#,
        r#"{"id":"e5","event":"application_received","date":"2020-01-10","application":"a1","person":"p2","referrer":"police","consent":true,"corrects":"e1"}"#,
        r#"{"id":"e6","event":"person_details","date":"2020-01-10","person":"p2","gender":"male","birth_year":2008,"nationality":"VNM"}"#,
        r#"{"id":"e7","event":"child_admitted","date":"2020-03-01","child":"c1","parent":"p2"}"#,
        r#"{"id":"e8","event":"application_decided","date":"2020-02-03","application":"a2","outcome":"admitted"}"#,
        r#"{"id":"e9","event":"retraction","date":"2020-03-01","retracts":"e7"}"#,
        r#"{"id":"e10","event":"child_admitted","date":"2020-03-02","child":"c1","parent":"p1"}"#,
        r#"{"id":"e11","event":"application_received","date":"2020-04-01","application":"a3","person":"p3","referrer":"police","consent":true}"#,
        r#"{"id":"e12","event":"retraction","date":"2020-04-01","retracts":"e11"}"#,
        r#"{"id":"e13","event":"application_received","date":"2020-04-02","application":"a3","person":"p4","referrer":"shelter","consent":true}"#,
        r#"{"id":"e14","event":"application_decided","date":"2020-04-20","application":"a3","outcome":"admitted"}"#,
    ]);
    let violations = register.view(None).validate(5);
    assert!(violations.is_empty(), "{violations:?}");
    let facts = StoredFacts::of(&register);
    // e1..e14 recorded a day apart from 2020-01-01: every moment between two of them.
    for day in 0..15 {
        let t = Timestamp::from_micros(
            Timestamp::parse("2020-01-01T12:00:00Z")
                .map(|t| t.micros())
                .unwrap_or(0)
                + day * 86_400_000_000,
        );
        same_from_facts(&register, Period::annual(2020), Some(t));
    }
    same_from_facts(&register, Period::annual(2020), None);
    // The three persons tied together form one group; p4 is tied to p3 by application a3.
    assert_eq!(facts.groups().len(), 2);
}
