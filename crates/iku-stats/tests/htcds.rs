//! The HTCDS release (`iku_stats::htcds`): on generated registers, every combination of the
//! quasi-identifiers an outsider may know counts at least k persons (counted here, apart from
//! the release's own counting), each person is released or withheld once, what was recoded is
//! said, and no id of the register is written.

use std::collections::BTreeMap;

use iku_domain::event::EventBody;
use iku_domain::{Register, RegisterState};
use iku_generate::{Options, generate};
use iku_stats::htcds::{COLUMNS, K, release};
use proptest::prelude::*;

/// What an outsider may know of a person, by the release's column names.
const KNOWN: [&str; 6] = [
    "yearOfRegistration",
    "prs_Gender",
    "ageBroad",
    "majorityStatus",
    "prs_Nationality",
    "CountryOfExploitation",
];

fn register(persons: usize, seed: u64) -> (Register, RegisterState) {
    let register =
        Register::new(generate(&Options::new(persons, seed))).unwrap_or_else(|v| panic!("{v}"));
    let day =
        time::Date::from_calendar_date(2026, time::Month::December, 31).unwrap_or(time::Date::MIN);
    let state = register.view(None).state_as_of(day);
    (register, state)
}

/// The smallest number of persons sharing a combination of the known columns.
fn smallest_combination(records: &[[String; 10]]) -> usize {
    let at: Vec<usize> = KNOWN
        .iter()
        .map(|name| {
            COLUMNS
                .iter()
                .position(|c| c == name)
                .unwrap_or_else(|| panic!("no column {name}"))
        })
        .collect();
    let mut counts: BTreeMap<Vec<&str>, usize> = BTreeMap::new();
    for r in records {
        let key: Vec<&str> = at.iter().map(|&i| r[i].as_str()).collect();
        *counts.entry(key).or_default() += 1;
    }
    counts.values().copied().min().unwrap_or(usize::MAX)
}

fn persons_with_applications(state: &RegisterState) -> usize {
    state
        .persons
        .values()
        .filter(|p| !p.applications.is_empty())
        .count()
}

#[test]
fn a_release_of_a_thousand_persons_keeps_every_combination_at_k_and_says_what_it_recoded() {
    let (register, state) = register(1000, 7);
    let r = release(&state, K);
    assert!(smallest_combination(&r.records) >= K);
    assert_eq!(
        r.records.len() + r.withheld,
        persons_with_applications(&state)
    );
    assert!(
        r.withheld * 100 <= persons_with_applications(&state),
        "{}",
        r.withheld
    );
    // Something had to be recoded in a register this size, and the release says what.
    assert!(!r.recoded.is_empty());
    let json = r.to_json();
    assert_eq!(json["k"], K);
    assert_eq!(
        json["recoded"].as_array().map(Vec::len),
        Some(r.recoded.len())
    );
    // No id of the register, in either form.
    let written = r.to_csv() + &json.to_string();
    for event in register.events() {
        if let EventBody::ApplicationReceived(a) = &event.body {
            for id in [a.person.as_str(), a.application.as_str()] {
                assert!(
                    !written.contains(&format!(",{id},"))
                        && !written.contains(&format!("\"{id}\"")),
                    "{id} was written"
                );
            }
        }
    }
    assert_eq!(r.to_csv().lines().next(), Some(COLUMNS.join(",").as_str()));
}

#[test]
fn a_register_smaller_than_k_releases_nobody() {
    let (_, state) = register(6, 3);
    let r = release(&state, K);
    assert!(r.records.is_empty());
    assert_eq!(r.withheld, persons_with_applications(&state));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn every_combination_counts_at_least_k_on_random_registers(
        persons in 20usize..800,
        seed in 0u64..1_000,
        k in prop::sample::select(vec![2usize, 5, 11]),
    ) {
        let (_, state) = register(persons, seed);
        let r = release(&state, k);
        prop_assert!(smallest_combination(&r.records) >= k);
        prop_assert_eq!(r.records.len() + r.withheld, persons_with_applications(&state));
    }
}

#[test]
fn nothing_is_shared_of_a_person_who_withdrew_their_consent() {
    use iku_domain::interchange::{ParseContext, parse_line};
    let events = generate(&Options::new(300, 11));
    let person = events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::ApplicationReceived(a) => Some(a.person.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no person"));
    let day =
        time::Date::from_calendar_date(2026, time::Month::December, 31).unwrap_or(time::Date::MIN);
    let before = Register::new(events.clone())
        .unwrap_or_else(|v| panic!("{v}"))
        .view(None)
        .state_as_of(day);
    let ctx = ParseContext::new(
        day,
        iku_domain::Timestamp::from_micros(1_800_000_000_000_000),
    );
    let line = format!(
        r#"{{"id":"withdrawn-1","event":"consent_withdrawn","date":"2026-12-30","recorded_at":"2026-12-30T10:00:00Z","person":"{}"}}"#,
        person.as_str()
    );
    let withdrawal = parse_line(&line, &ctx)
        .map(|p| p.event)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut with = events;
    with.push(withdrawal);
    let after = Register::new(with)
        .unwrap_or_else(|v| panic!("{v}"))
        .view(None)
        .state_as_of(day);
    let (b, a) = (release(&before, 2), release(&after, 2));
    assert_eq!(
        a.records.len() + a.withheld + 1,
        b.records.len() + b.withheld
    );
}
