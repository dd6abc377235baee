//! Each definition of "Meaning used by the statistics" at its edge, on small hand-built
//! registers. Expected values are worked out by hand from the events, in the comments.

use iku_domain::calendar::parse_date;
use iku_domain::interchange::{ParseContext, parse_line};
use iku_domain::{Register, Timestamp};
use iku_stats::{Period, Review, compute};

/// A register from lines; `recorded_at` defaults to the day after each event's date.
fn register(lines: &[String]) -> Register {
    let ctx = ParseContext::new(
        parse_date("2026-01-01").unwrap_or(time::Date::MIN),
        Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0)),
    );
    let events = lines
        .iter()
        .map(|l| match parse_line(l, &ctx) {
            Ok(p) => {
                let mut e = p.event;
                if !p.recorded_at_given {
                    let next = e.date.next_day().unwrap_or(e.date);
                    e.recorded_at = Timestamp::from_offset_date_time(next.midnight().assume_utc());
                }
                e
            }
            Err(err) => panic!("{l}: {err}"),
        })
        .collect::<Vec<_>>();
    let mut events = events;
    events.sort_by_key(|e| e.recorded_at);
    let register = Register::new(events).unwrap_or_else(|v| panic!("{v}"));
    let violations = register.view(None).validate(5);
    assert!(violations.is_empty(), "{violations:?}");
    register
}

/// Builds event lines with running ids.
#[derive(Default)]
struct Lines {
    lines: Vec<String>,
    n: usize,
}

impl Lines {
    fn add(&mut self, date: &str, event: &str, rest: &str) -> String {
        self.n += 1;
        let id = format!("e{}", self.n);
        self.lines.push(format!(
            r#"{{"id":"{id}","event":"{event}","date":"{date}",{rest}}}"#
        ));
        id
    }
    fn apply(&mut self, date: &str, app: &str, person: &str, referrer: &str) {
        self.add(date, "application_received", &format!(r#""application":"{app}","person":"{person}","referrer":"{referrer}","consent":true"#));
    }
    fn witness(&mut self, date: &str, app: &str, person: &str) {
        self.add(date, "application_received", &format!(r#""application":"{app}","person":"{person}","referrer":"police","consent":true,"basis":"witness""#));
    }
    fn decide(&mut self, date: &str, app: &str, outcome: &str) {
        let reason = if outcome == "rejected" {
            r#","reason":"not_trafficking""#
        } else {
            ""
        };
        self.add(
            date,
            "application_decided",
            &format!(r#""application":"{app}","outcome":"{outcome}"{reason}"#),
        );
    }
    fn details(&mut self, date: &str, person: &str, fields: &str) -> String {
        self.add(
            date,
            "person_details",
            &format!(r#""person":"{person}",{fields}"#),
        )
    }
    fn assess(&mut self, date: &str, person: &str, forms: &str) {
        self.add(
            date,
            "exploitation_assessed",
            &format!(r#""person":"{person}","forms":[{forms}]"#),
        );
    }
    fn terminate(&mut self, date: &str, person: &str) {
        self.add(
            date,
            "assistance_terminated",
            &format!(r#""person":"{person}","reason":"no_longer_needed""#),
        );
    }
    fn review(&self, period: Period) -> Review {
        compute(&register(&self.lines), period, None)
    }
}

fn form(form: &str, primary: bool, place: &str) -> String {
    format!(r#"{{"form":"{form}","primary":{primary},"place":"{place}"}}"#)
}

fn value(review: &Review, table: &str, key: &[&str]) -> u64 {
    let t = review
        .table(table)
        .unwrap_or_else(|| panic!("no table {table}"));
    t.value(key)
        .unwrap_or_else(|| panic!("{table}: no cell {key:?}"))
}

fn extra(review: &Review, table: &str, key: &str) -> u64 {
    review
        .table(table)
        .and_then(|t| t.extra.get(key).copied())
        .unwrap_or_else(|| panic!("{table}.{key}"))
}

fn total(review: &Review, table: &str) -> u64 {
    review
        .table(table)
        .and_then(|t| t.total)
        .unwrap_or_else(|| panic!("{table}.total"))
}

#[test]
fn a_person_admitted_twice_in_the_period_counts_once_under_the_first_admission() {
    let mut l = Lines::default();
    l.apply("2020-02-01", "a1", "p1", "police");
    l.details(
        "2020-02-01",
        "p1",
        r#""gender":"female","birth_date":"1990-01-01""#,
    );
    l.decide("2020-02-10", "a1", "admitted");
    l.terminate("2020-05-01", "p1");
    l.apply("2020-08-01", "a2", "p1", "lawyer");
    l.decide("2020-08-05", "a2", "admitted");
    let r = l.review(Period::annual(2020));
    // Two applications from one person; two admissions, one new client, referred by the
    // police (the first admission's application), not by the lawyer.
    assert_eq!(total(&r, "applications_by_referrer"), 2);
    assert_eq!(total(&r, "applications_persons"), 1);
    assert_eq!(value(&r, "decisions_by_outcome", &["admitted"]), 2);
    assert_eq!(value(&r, "decisions_by_outcome", &["terminated"]), 1);
    assert_eq!(total(&r, "new_clients_by_gender_age"), 1);
    assert_eq!(value(&r, "new_clients_composition", &["adult"]), 1);
    // Re-admitted: a client at the end.
    assert_eq!(value(&r, "clients_by_gender_age", &["women"]), 1);
}

#[test]
fn a_minor_turning_18_during_the_period_is_a_minor_new_client_and_an_adult_client() {
    let mut l = Lines::default();
    l.apply("2020-03-01", "a1", "p1", "police");
    l.details(
        "2020-03-01",
        "p1",
        r#""gender":"male","birth_date":"2002-09-15""#,
    );
    l.decide("2020-03-10", "a1", "admitted");
    let r = l.review(Period::annual(2020));
    // 17 on 2020-03-10, 18 on 2020-12-31.
    assert_eq!(value(&r, "new_clients_composition", &["minor"]), 1);
    assert_eq!(value(&r, "new_clients_by_gender_age", &["boys"]), 1);
    assert_eq!(value(&r, "new_clients_by_age_group", &["0-17"]), 1);
    assert_eq!(value(&r, "clients_composition", &["adult"]), 1);
    assert_eq!(value(&r, "clients_by_gender_age", &["men"]), 1);
    assert_eq!(extra(&r, "clients_composition", "admitted_as_minor"), 1);
    assert_eq!(extra(&r, "clients_composition", "still_minor"), 0);
    // In the semiannual review (30.6.2020) the client is still a minor.
    let h1 = l.review(Period::semiannual(2020));
    assert_eq!(extra(&h1, "clients_composition", "still_minor"), 1);
}

#[test]
fn with_only_a_birth_year_the_person_is_born_on_1_july() {
    let mut l = Lines::default();
    l.apply("2020-06-30", "a1", "p1", "police");
    l.details("2020-06-30", "p1", r#""gender":"female","birth_year":2002"#);
    l.decide("2020-06-30", "a1", "admitted");
    l.apply("2020-07-01", "a2", "p2", "police");
    l.details("2020-07-01", "p2", r#""gender":"female","birth_year":2002"#);
    l.decide("2020-07-01", "a2", "admitted");
    let r = l.review(Period::annual(2020));
    // Born 1.7.2002: 17 on 30.6.2020, 18 on 1.7.2020.
    assert_eq!(value(&r, "new_clients_by_gender_age", &["girls"]), 1);
    assert_eq!(value(&r, "new_clients_by_gender_age", &["women"]), 1);
    // A birth date, where known, wins over the year.
    let mut l2 = Lines::default();
    l2.apply("2020-06-30", "a1", "p1", "police");
    l2.details("2020-06-30", "p1", r#""gender":"female","birth_year":2002"#);
    l2.details("2020-06-30", "p1", r#""birth_date":"2002-01-01""#);
    l2.decide("2020-06-30", "a1", "admitted");
    let r2 = l2.review(Period::annual(2020));
    assert_eq!(value(&r2, "new_clients_by_gender_age", &["women"]), 1);
}

#[test]
fn a_reassessment_changes_the_clients_table_but_not_the_new_clients_table() {
    let mut l = Lines::default();
    l.apply("2020-01-10", "a1", "p1", "police");
    l.details("2020-01-10", "p1", r#""gender":"male","birth_date":"1980-01-01","residence_status":"asylum_seeker","municipality_of_residence":false,"nationality":"IRQ""#);
    l.assess(
        "2020-01-20",
        "p1",
        &format!(
            "{},{}",
            form("forced_labour", true, "finland"),
            form("sexual_exploitation", false, "abroad")
        ),
    );
    l.decide("2020-01-20", "a1", "admitted");
    l.assess(
        "2020-09-01",
        "p1",
        &form("sexual_exploitation", true, "abroad"),
    );
    l.details(
        "2020-10-01",
        "p1",
        r#""residence_status":"residence_permit","municipality_of_residence":true"#,
    );
    let r = l.review(Period::annual(2020));
    assert_eq!(
        value(&r, "new_clients_by_exploitation", &["forced_labour"]),
        1
    );
    assert_eq!(
        value(&r, "new_clients_exploitation_all_forms", &["forced_labour"]),
        1
    );
    assert_eq!(
        value(
            &r,
            "new_clients_exploitation_all_forms",
            &["sexual_exploitation"]
        ),
        1
    );
    assert_eq!(
        extra(&r, "new_clients_exploitation_all_forms", "persons"),
        1
    );
    assert_eq!(
        value(
            &r,
            "new_clients_by_exploitation_and_place",
            &["forced_labour", "finland"]
        ),
        1
    );
    assert_eq!(value(&r, "finland_by_exploitation", &["forced_labour"]), 1);
    assert_eq!(
        value(&r, "finland_by_residence_status", &["asylum_seeker"]),
        1
    );
    assert_eq!(
        value(&r, "new_clients_by_residence_status", &["asylum_seeker"]),
        1
    );
    // At 31.12.: the later assessment and residence status.
    assert_eq!(
        value(&r, "clients_by_exploitation", &["sexual_exploitation"]),
        1
    );
    assert_eq!(value(&r, "clients_by_exploitation", &["forced_labour"]), 0);
    assert_eq!(value(&r, "clients_by_provider", &["municipality"]), 1);
    // Before the change, an asylum seeker's services come from the reception centre.
    let h1 = l.review(Period::semiannual(2020));
    assert_eq!(value(&h1, "clients_by_provider", &["reception_centre"]), 1);
}

#[test]
fn an_assessment_after_admission_leaves_the_new_client_unknown() {
    let mut l = Lines::default();
    l.apply("2020-01-10", "a1", "p1", "police");
    l.decide("2020-01-20", "a1", "admitted");
    l.assess("2020-02-01", "p1", &form("forced_labour", true, "finland"));
    l.witness("2020-01-10", "a2", "p2");
    l.decide("2020-01-20", "a2", "admitted");
    let r = l.review(Period::annual(2020));
    assert_eq!(value(&r, "new_clients_by_exploitation", &["unknown"]), 1);
    assert_eq!(value(&r, "new_clients_by_exploitation", &["witness"]), 1);
    // Witnesses show in finland_by_exploitation (its total too), not in finland_by_gender.
    assert_eq!(value(&r, "finland_by_exploitation", &["witness"]), 1);
    assert_eq!(total(&r, "finland_by_exploitation"), 1);
    // A witness's place is Finland, in the place table too (published 2020: witness/finland).
    let place = "new_clients_by_exploitation_and_place";
    assert_eq!(value(&r, place, &["witness", "finland"]), 1);
    let unknown = r
        .table(place)
        .and_then(|t| t.value(&["witness", "unknown"]));
    assert_eq!(unknown.unwrap_or(0), 0);
    assert_eq!(total(&r, "finland_by_gender"), 0);
    assert_eq!(value(&r, "clients_by_exploitation", &["forced_labour"]), 1);
    assert_eq!(value(&r, "new_clients_by_gender_age", &["other"]), 2);
}

#[test]
fn children_count_while_they_stay_and_their_parent_is_a_client() {
    let mut l = Lines::default();
    l.apply("2020-01-10", "a1", "p1", "police");
    l.decide("2020-01-20", "a1", "admitted");
    l.add(
        "2020-02-01",
        "child_admitted",
        r#""child":"c1","parent":"p1""#,
    );
    l.add(
        "2020-02-01",
        "child_admitted",
        r#""child":"c2","parent":"p1""#,
    );
    l.add("2020-11-01", "child_left", r#""child":"c2""#);
    l.apply("2019-05-10", "a2", "p2", "police");
    l.decide("2019-05-20", "a2", "admitted");
    l.add(
        "2019-06-01",
        "child_admitted",
        r#""child":"c3","parent":"p2""#,
    );
    l.terminate("2020-03-01", "p2");
    let r = l.review(Period::annual(2020));
    // New in 2020: c1 and c2 (c3 came in 2019).
    assert_eq!(
        value(&r, "new_clients_composition", &["child_of_client"]),
        2
    );
    // At 31.12.2020: c1 only (c2 left, c3's parent is no longer a client).
    assert_eq!(value(&r, "clients_composition", &["child_of_client"]), 1);
    assert_eq!(total(&r, "clients_by_gender_age"), 1);
    // The series: at 31.12.2019, p2 and c3.
    let s = r.table("series_clients_at_year_end").map(|t| {
        (
            t.value(&["2019", "adult"]),
            t.value(&["2019", "child_of_client"]),
        )
    });
    assert_eq!(s, Some((Some(1), Some(1))));
}

#[test]
fn decisions_on_last_years_applications_and_pending_ones() {
    let mut l = Lines::default();
    l.apply("2019-12-01", "a1", "p1", "police");
    l.decide("2020-01-15", "a1", "rejected");
    l.apply("2019-12-02", "a2", "p2", "ngo");
    l.apply("2020-12-30", "a3", "p3", "lawyer");
    l.decide("2021-01-05", "a3", "admitted");
    l.apply("2020-03-01", "a4", "p4", "lawyer");
    l.decide("2020-03-05", "a4", "withdrawn");
    let r = l.review(Period::annual(2020));
    assert_eq!(value(&r, "decisions_by_outcome", &["rejected"]), 1);
    assert_eq!(value(&r, "decisions_by_outcome", &["withdrawn"]), 1);
    assert_eq!(value(&r, "rejections_by_reason", &["not_trafficking"]), 1);
    assert_eq!(
        extra(&r, "decisions_by_outcome", "decided_from_earlier_periods"),
        1
    );
    // a2 (received 2019, never decided) and a3 (decided only in 2021).
    assert_eq!(extra(&r, "decisions_by_outcome", "pending_at_end"), 2);
    assert_eq!(total(&r, "applications_by_referrer"), 2);
    assert_eq!(value(&r, "applications_by_referrer", &["lawyer"]), 2);
    assert_eq!(value(&r, "series_applications", &["2019"]), 2);
}

#[test]
fn nationality_tables_count_unknown_and_stateless_apart() {
    let mut l = Lines::default();
    for (i, nat) in ["XXA", "XXX", "NGA", "NGA"].iter().enumerate() {
        let (app, person) = (format!("a{i}"), format!("p{i}"));
        l.apply("2020-01-10", &app, &person, "police");
        l.details("2020-01-10", &person, &format!(r#""nationality":"{nat}""#));
        l.decide("2020-01-20", &app, "admitted");
    }
    l.apply("2020-01-10", "a9", "p9", "police");
    l.decide("2020-01-20", "a9", "admitted");
    let r = l.review(Period::annual(2020));
    // XXA is a nationality; XXX and "not recorded" are unknown.
    assert_eq!(
        extra(&r, "clients_by_nationality", "distinct_nationalities"),
        2
    );
    assert_eq!(
        extra(&r, "clients_by_nationality", "unknown_or_stateless"),
        3
    );
    assert_eq!(value(&r, "clients_by_nationality", &["XXX"]), 2);
}

#[test]
fn identification_and_reflection_periods() {
    let mut l = Lines::default();
    for p in 1..=3 {
        l.apply("2020-01-10", &format!("a{p}"), &format!("p{p}"), "police");
        l.decide("2020-01-20", &format!("a{p}"), "admitted");
        l.add(
            "2020-02-01",
            "identification_started",
            &format!(r#""person":"p{p}""#),
        );
    }
    l.add("2020-03-01", "expert_group_heard", r#""person":"p1""#);
    l.add(
        "2020-04-01",
        "identification_decided",
        r#""person":"p1","outcome":"identified""#,
    );
    l.add("2020-03-01", "expert_group_heard", r#""person":"p2""#);
    l.add(
        "2020-01-20",
        "reflection_period_granted",
        r#""person":"p1","days":30,"granted_by":"assistance_system""#,
    );
    l.add(
        "2020-01-20",
        "reflection_period_granted",
        r#""person":"p2","days":60,"granted_by":"police""#,
    );
    l.add(
        "2020-02-01",
        "reflection_period_extended",
        r#""person":"p2","days":120"#,
    );
    let r = l.review(Period::annual(2020));
    assert_eq!(value(&r, "identifications", &["identified"]), 1);
    assert_eq!(extra(&r, "identifications", "in_process_at_end"), 1);
    assert_eq!(extra(&r, "identifications", "awaiting_at_end"), 1);
    assert_eq!(total(&r, "reflection_periods"), 2);
    assert_eq!(value(&r, "reflection_periods", &["police"]), 1);
    // 30 days: one month; 180 days in all: six.
    assert_eq!(extra(&r, "reflection_periods", "months_1"), 1);
    assert_eq!(extra(&r, "reflection_periods", "months_6"), 1);
}

#[test]
fn corrections_recorded_after_publication_change_the_rerun_exactly_there() {
    let mut l = Lines::default();
    l.apply("2020-01-10", "a1", "p1", "police");
    let d = l.details(
        "2020-01-10",
        "p1",
        r#""gender":"female","birth_date":"1990-01-01""#,
    );
    l.decide("2020-01-20", "a1", "admitted");
    l.apply("2020-02-10", "a2", "p2", "ngo");
    let decision = l.add(
        "2020-02-20",
        "application_decided",
        r#""application":"a2","outcome":"admitted""#,
    );
    // After publication (15.1.2021): p1 was a man; p2's admission is retracted.
    l.lines.push(format!(r#"{{"id":"c1","event":"person_details","date":"2020-01-10","recorded_at":"2021-03-01T10:00:00Z","corrects":"{d}","person":"p1","gender":"male","birth_date":"1990-01-01"}}"#));
    l.lines.push(format!(r#"{{"id":"r1","event":"retraction","date":"2020-02-20","recorded_at":"2021-03-02T10:00:00Z","retracts":"{decision}"}}"#));
    let reg = register(&l.lines);
    let published = Timestamp::parse("2021-01-15T12:00:00Z").unwrap_or(Timestamp::from_micros(0));
    let as_published = compute(&reg, Period::annual(2020), Some(published));
    let as_corrected = compute(&reg, Period::annual(2020), None);
    assert_eq!(
        value(&as_published, "new_clients_by_gender_age", &["women"]),
        1
    );
    assert_eq!(
        value(&as_published, "new_clients_by_gender_age", &["other"]),
        1
    );
    assert_eq!(
        value(&as_corrected, "new_clients_by_gender_age", &["men"]),
        1
    );
    assert_eq!(
        value(&as_corrected, "new_clients_by_gender_age", &["women"]),
        0
    );
    assert_eq!(total(&as_corrected, "new_clients_by_gender_age"), 1);
    assert_eq!(
        extra(&as_corrected, "decisions_by_outcome", "pending_at_end"),
        1
    );
    // Exactly there: every table that does not involve those two facts is unchanged.
    let changed: Vec<&str> = as_published
        .tables
        .iter()
        .zip(&as_corrected.tables)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.id)
        .collect();
    for id in &changed {
        assert!(
            id.starts_with("new_clients")
                || id.starts_with("clients")
                || id.starts_with("decisions")
                || id.starts_with("series")
                || id.starts_with("finland"),
            "{id} changed"
        );
    }
    assert!(!changed.contains(&"applications_by_referrer"));
    assert_eq!(
        as_published.as_recorded_at.as_deref(),
        Some("2021-01-15T12:00:00Z")
    );
}

#[test]
fn published_aggregates_extend_the_series_before_the_register_and_never_override_it() {
    let mut l = Lines::default();
    l.apply("2019-03-01", "a1", "p1", "police");
    l.assess(
        "2019-03-05",
        "p1",
        &form("sexual_exploitation", true, "abroad"),
    );
    l.decide("2019-03-05", "a1", "admitted");
    l.apply("2020-03-01", "a2", "p2", "police");
    let mut r = l.review(Period::annual(2020));
    let aggregates = iku_stats::series::SeriesAggregates::parse(
        r#"{"series_applications": {"2017": 30, "2018": 40, "2019": 999},
            "series_new_clients": {"2018": {"sexual_exploitation": 7, "other": 2}},
            "series_clients_at_year_end": {"2018": {"adult": 50, "child_of_client": 9}}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    aggregates.apply(&mut r);
    let apps = r
        .table("series_applications")
        .unwrap_or_else(|| panic!("table"));
    let years: Vec<(&str, Option<u64>)> = apps
        .cells
        .iter()
        .map(|c| (c.key["year"].as_str(), c.value))
        .collect();
    // 2019 comes from the register (1 application), not from the aggregates (999).
    assert_eq!(
        years,
        vec![
            ("2017", Some(30)),
            ("2018", Some(40)),
            ("2019", Some(1)),
            ("2020", Some(1))
        ]
    );
    assert_eq!(apps.total, Some(72));
    let new = r
        .table("series_new_clients")
        .unwrap_or_else(|| panic!("table"));
    assert_eq!(new.value(&["2018", "sexual_exploitation"]), Some(7));
    assert_eq!(new.value(&["2018", "forced_labour"]), Some(0));
    assert_eq!(new.value(&["2019", "sexual_exploitation"]), Some(1));
    let stock = r
        .table("series_clients_at_year_end")
        .unwrap_or_else(|| panic!("table"));
    assert_eq!(stock.value(&["2018", "child_of_client"]), Some(9));
    assert_eq!(stock.value(&["2019", "adult"]), Some(1));
}
