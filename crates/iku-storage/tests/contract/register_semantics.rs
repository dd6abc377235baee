//! What the register means, through a real import on both backends: a correction takes the
//! place of what it corrects, one official identification per client period, a witness is
//! counted as exploited in Finland (`../shared/spec/interchange.md`).

use iku_domain::Rule;
use iku_generate::identical_corrections;
use iku_stats::{Period, compute_from_facts};
use iku_storage::{ImportError, Personals};

use super::{TestDb, export, file_of, import, keys, sample};

fn lines(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The example of the issue that found it: a referrer corrected in a second import, after the
/// person's details of the application's day were recorded.
fn a_corrected_application_keeps_its_place_before_the_details_of_its_day(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    import(
        store.as_mut(),
        &keys,
        &lines(&[
            r#"{"id":"a1","event":"application_received","date":"2020-04-21","recorded_at":"2020-04-21T10:00:00Z","application":"A1","person":"P1","referrer":"police","consent":true}"#,
            r#"{"id":"d1","event":"person_details","date":"2020-04-21","recorded_at":"2020-04-21T10:05:00Z","person":"P1","gender":"female","nationality":"ROU"}"#,
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    import(
        store.as_mut(),
        &keys,
        &lines(&[
            r#"{"id":"a1c","event":"application_received","date":"2020-04-21","recorded_at":"2020-06-01T10:00:00Z","application":"A1","person":"P1","referrer":"border_guard","consent":true,"corrects":"a1"}"#,
        ]),
    )
    .unwrap_or_else(|e| panic!("the correction is refused: {e}"));
    let register = store
        .load(Personals::Leave)
        .unwrap_or_else(|e| panic!("{e}"));
    let state = register.view(None).state_as_of(
        time::Date::from_calendar_date(2020, time::Month::December, 31).unwrap_or(time::Date::MIN),
    );
    let person = state.persons.values().next();
    assert_eq!(
        person.map(|p| (
            p.applications[0].referrer.code(),
            p.details.nationality.map(|n| n.code())
        )),
        Some(("border_guard", Some("ROU")))
    );
}

/// An admission corrected after a child, an assessment and a measure of the admission day.
fn a_corrected_admission_keeps_its_place_before_what_followed_it_that_day(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    import(
        store.as_mut(),
        &keys,
        &lines(&[
            r#"{"id":"a1","event":"application_received","date":"2021-02-01","recorded_at":"2021-02-01T08:00:00Z","application":"A1","person":"P1","referrer":"police","consent":true}"#,
            r#"{"id":"ad","event":"application_decided","date":"2021-03-01","recorded_at":"2021-03-01T08:00:00Z","application":"A1","outcome":"admitted"}"#,
            r#"{"id":"c1","event":"child_admitted","date":"2021-03-01","recorded_at":"2021-03-01T08:10:00Z","child":"K1","parent":"P1"}"#,
            r#"{"id":"m1","event":"assistance_measure","date":"2021-03-01","recorded_at":"2021-03-01T08:20:00Z","person":"P1","measure":"legal_aid"}"#,
            r#"{"id":"x1","event":"exploitation_assessed","date":"2021-03-01","recorded_at":"2021-03-01T08:30:00Z","person":"P1","forms":[{"form":"forced_labour","primary":true,"place":"finland"}]}"#,
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    import(
        store.as_mut(),
        &keys,
        &lines(&[
            r#"{"id":"adc","event":"application_decided","date":"2021-03-01","recorded_at":"2021-05-01T08:00:00Z","application":"A1","outcome":"admitted","corrects":"ad"}"#,
        ]),
    )
    .unwrap_or_else(|e| panic!("the correction is refused: {e}"));
    let facts = store.load_facts().unwrap_or_else(|e| panic!("{e}"));
    let review =
        compute_from_facts(&facts, Period::annual(2021), None).unwrap_or_else(|e| panic!("{e}"));
    let value = |table: &str, key: &[&str]| review.table(table).and_then(|t| t.value(key));
    assert_eq!(
        value("new_clients_composition", &["child_of_client"]),
        Some(1)
    );
    assert_eq!(
        value("new_clients_by_exploitation", &["forced_labour"]),
        Some(1)
    );
}

/// One official identification per client period: a person removed and admitted again may be
/// identified again, but not twice in one period.
fn official_identification_once_per_client_period(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    let first_period = [
        r#"{"id":"a1","event":"application_received","date":"2016-02-01","recorded_at":"2016-02-01T08:00:00Z","application":"A1","person":"P1","referrer":"police","consent":true}"#,
        r#"{"id":"ad1","event":"application_decided","date":"2016-03-01","recorded_at":"2016-03-01T08:00:00Z","application":"A1","outcome":"admitted"}"#,
        r#"{"id":"i1","event":"identification_started","date":"2016-03-02","recorded_at":"2016-03-02T08:00:00Z","person":"P1"}"#,
        r#"{"id":"t1","event":"assistance_terminated","date":"2016-09-01","recorded_at":"2016-09-01T08:00:00Z","person":"P1","reason":"left_finland"}"#,
    ];
    import(store.as_mut(), &keys, &lines(&first_period)).unwrap_or_else(|e| panic!("{e}"));
    let twice = r#"{"id":"i1b","event":"identification_started","date":"2016-04-02","recorded_at":"2016-04-02T08:00:00Z","person":"P1"}"#;
    let before = export(store.as_mut(), &keys);
    match import(store.as_mut(), &keys, &lines(&[twice])) {
        Err(ImportError::Invalid { errors, .. }) => {
            assert_eq!(
                errors[0].rule,
                Some(Rule::IdentificationOrder),
                "{errors:?}"
            )
        }
        other => panic!("a second process in one client period is accepted: {other:?}"),
    }
    assert_eq!(export(store.as_mut(), &keys), before, "nothing stored");
    import(
        store.as_mut(),
        &keys,
        &lines(&[
            r#"{"id":"a2","event":"application_received","date":"2018-01-10","recorded_at":"2018-01-10T08:00:00Z","application":"A2","person":"P1","referrer":"lawyer","consent":true}"#,
            r#"{"id":"ad2","event":"application_decided","date":"2018-02-01","recorded_at":"2018-02-01T08:00:00Z","application":"A2","outcome":"admitted"}"#,
            r#"{"id":"i2","event":"identification_started","date":"2018-02-02","recorded_at":"2018-02-02T08:00:00Z","person":"P1"}"#,
            r#"{"id":"h2","event":"expert_group_heard","date":"2018-03-02","recorded_at":"2018-03-02T08:00:00Z","person":"P1"}"#,
            r#"{"id":"dd2","event":"identification_decided","date":"2018-04-02","recorded_at":"2018-04-02T08:00:00Z","person":"P1","outcome":"identified"}"#,
        ]),
    )
    .unwrap_or_else(|e| panic!("a new process after re-admission is refused: {e}"));
    let facts = store.load_facts().unwrap_or_else(|e| panic!("{e}"));
    let review =
        compute_from_facts(&facts, Period::annual(2018), None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        review
            .table("identifications")
            .and_then(|t| t.value(&["identified"])),
        Some(1)
    );
}

/// A witness is counted as exploited in Finland in the place table, as in
/// `finland_by_exploitation`, whether assessed or not (published 2020: witness/finland = 3).
fn a_witness_is_counted_as_exploited_in_finland(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    import(
        store.as_mut(),
        &keys,
        &lines(&[
            r#"{"id":"w1","event":"application_received","date":"2020-02-01","recorded_at":"2020-02-01T08:00:00Z","application":"W1","person":"P1","referrer":"police","consent":true,"basis":"witness"}"#,
            r#"{"id":"w1d","event":"application_decided","date":"2020-02-10","recorded_at":"2020-02-10T08:00:00Z","application":"W1","outcome":"admitted"}"#,
            r#"{"id":"w2","event":"application_received","date":"2020-03-01","recorded_at":"2020-03-01T08:00:00Z","application":"W2","person":"P2","referrer":"police","consent":true,"basis":"witness"}"#,
            r#"{"id":"w2x","event":"exploitation_assessed","date":"2020-03-01","recorded_at":"2020-03-01T08:10:00Z","person":"P2","forms":[{"form":"forced_labour","primary":true,"place":"abroad"}]}"#,
            r#"{"id":"w2d","event":"application_decided","date":"2020-03-10","recorded_at":"2020-03-10T08:00:00Z","application":"W2","outcome":"admitted"}"#,
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let facts = store.load_facts().unwrap_or_else(|e| panic!("{e}"));
    let review =
        compute_from_facts(&facts, Period::annual(2020), None).unwrap_or_else(|e| panic!("{e}"));
    let value = |table: &str, key: &[&str]| review.table(table).and_then(|t| t.value(key));
    let place = "new_clients_by_exploitation_and_place";
    assert_eq!(value(place, &["witness", "finland"]), Some(2));
    assert_eq!(value(place, &["witness", "unknown"]).unwrap_or(0), 0);
    assert_eq!(value(place, &["witness", "abroad"]).unwrap_or(0), 0);
    assert_eq!(value("finland_by_exploitation", &["witness"]), Some(2));
}

/// Correcting events with what they already say, in a later import, is accepted and changes
/// no review.
fn identical_corrections_are_accepted_and_change_no_review(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    let events = sample(120, 21);
    import(store.as_mut(), &keys, &file_of(&events)).unwrap_or_else(|e| panic!("{e}"));
    let review = |store: &mut dyn iku_storage::Store, period| {
        let facts = store.load_facts().unwrap_or_else(|e| panic!("{e}"));
        compute_from_facts(&facts, period, None)
            .map(|r| serde_json::to_string(&r).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let periods = [
        Period::annual(2019),
        Period::annual(2023),
        Period::semiannual(2025),
    ];
    let before: Vec<String> = periods.iter().map(|p| review(store.as_mut(), *p)).collect();
    let corrections = identical_corrections(&events, |i| i % 3 == 0);
    assert!(corrections.len() > 100);
    import(store.as_mut(), &keys, &file_of(&corrections))
        .unwrap_or_else(|e| panic!("identical corrections are refused: {e}"));
    let after: Vec<String> = periods.iter().map(|p| review(store.as_mut(), *p)).collect();
    assert_eq!(after, before);
}

contract!(
    a_corrected_application_keeps_its_place_before_the_details_of_its_day,
    a_corrected_admission_keeps_its_place_before_what_followed_it_that_day,
    official_identification_once_per_client_period,
    a_witness_is_counted_as_exploited_in_finland,
    identical_corrections_are_accepted_and_change_no_review,
);
