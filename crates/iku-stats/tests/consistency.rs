//! On generated registers: the tables agree with each other, and with counts made directly
//! from the register's events and from its global fold (`state_as_of`), which the review's
//! per-person fold does not use.

use iku_domain::event::{Decision, EventBody};
use iku_domain::{Register, Timestamp};
use iku_generate::{Options, generate};
use iku_stats::{Period, Review, compute};

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
