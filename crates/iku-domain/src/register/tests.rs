use super::*;
use crate::calendar::parse_date;
use crate::interchange::{ParseContext, parse_line};

/// Builds a register from interchange lines; each line's `recorded_at` is given as `@T` after
/// the JSON, in minutes after 2021-01-01T00:00Z, so the tests read as time lines.
pub(super) fn register(lines: &[(&str, i64)]) -> Result<Register, Violation> {
    let ctx = ParseContext::new(parse_date("2026-01-01").unwrap_or(Date::MIN), at(1_000_000));
    let events = lines
        .iter()
        .map(|(l, minutes)| {
            let mut e = match parse_line(l, &ctx) {
                Ok(p) => p.event,
                Err(err) => panic!("{l}: {err}"),
            };
            e.recorded_at = at(*minutes);
            e
        })
        .collect();
    Register::new(events)
}

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_micros(1_609_459_200_000_000 + minutes * 60_000_000)
}

fn d(s: &str) -> Date {
    parse_date(s).unwrap_or(Date::MIN)
}

pub(super) const APP: &str = r#"{"id":"app","event":"application_received","date":"2020-01-10","application":"a1","person":"p1","referrer":"police","consent":true}"#;
const ADMIT: &str = r#"{"id":"adm","event":"application_decided","date":"2020-02-01","application":"a1","outcome":"admitted"}"#;
pub(super) const GENDER_F: &str =
    r#"{"id":"g1","event":"person_details","date":"2020-01-10","person":"p1","gender":"female"}"#;
pub(super) const GENDER_M: &str = r#"{"id":"g2","event":"person_details","date":"2020-01-10","person":"p1","gender":"male","corrects":"g1"}"#;
pub(super) const RETRACT_G2: &str =
    r#"{"id":"r1","event":"retraction","date":"2020-01-10","retracts":"g2"}"#;

fn gender(r: &Register, t: Option<i64>) -> Option<&'static str> {
    let state = r.view(t.map(at)).state_as_of(d("2020-12-31"));
    state
        .persons
        .values()
        .next()?
        .details
        .gender
        .map(|g| g.code())
}

#[test]
fn a_correction_replaces_from_its_recorded_time_and_a_retraction_voids_without_restoring() {
    let r = register(&[(APP, 0), (GENDER_F, 1), (GENDER_M, 10), (RETRACT_G2, 20)]);
    let Ok(r) = r else { panic!("{r:?}") };
    assert_eq!(gender(&r, Some(0)), None);
    assert_eq!(gender(&r, Some(5)), Some("female"));
    assert_eq!(gender(&r, Some(10)), Some("male"));
    // Retracting the correction voids it and does not bring back g1.
    assert_eq!(gender(&r, Some(20)), None);
    assert_eq!(gender(&r, None), None);
}

#[test]
fn valid_time_decides_what_state_as_of_sees() {
    let Ok(r) = register(&[(APP, 0), (ADMIT, 1)]) else {
        panic!()
    };
    let view = r.view(None);
    assert!(
        !view
            .state_as_of(d("2020-01-31"))
            .persons
            .values()
            .any(|p| p.is_client())
    );
    assert!(
        view.state_as_of(d("2020-02-01"))
            .persons
            .values()
            .all(|p| p.is_client())
    );
    assert!(view.state_as_of(d("2020-01-09")).persons.is_empty());
}

#[test]
fn amendments_must_point_at_one_earlier_event() {
    let unknown = r#"{"id":"x","event":"retraction","date":"2020-01-10","retracts":"nope"}"#;
    let twice = r#"{"id":"r2","event":"retraction","date":"2020-01-10","retracts":"g1"}"#;
    let retract_retraction =
        r#"{"id":"r3","event":"retraction","date":"2020-01-10","retracts":"r2"}"#;
    for lines in [
        vec![(APP, 0), (unknown, 1)],
        vec![(APP, 0), (GENDER_F, 1), (GENDER_M, 2), (twice, 3)],
        vec![(APP, 0), (GENDER_F, 1), (twice, 2), (retract_retraction, 3)],
        vec![(APP, 0), (GENDER_F, 5), (GENDER_M, 4)],
        vec![(APP, 0), (APP, 1)],
    ] {
        let result = register(&lines).map(|_| ());
        assert!(
            matches!(&result, Err(v) if v.rule == Rule::AmendsEarlierEvent),
            "{result:?}"
        );
    }
}

/// The rules broken by lines recorded a minute apart in the order given.
fn rules_broken(lines: &[&str]) -> Vec<Rule> {
    timed_rules_broken(&in_order(lines))
}

fn in_order<'a>(lines: &[&'a str]) -> Vec<(&'a str, i64)> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| (*l, i as i64))
        .collect()
}

#[test]
fn each_history_rule_is_named() {
    let ev = |id: &str, rest: &str| format!(r#"{{"id":"{id}",{rest}}}"#);
    let measure = ev(
        "m",
        r#""event":"assistance_measure","date":"2020-01-20","person":"p1","measure":"legal_aid""#,
    );
    let terminate = ev(
        "t",
        r#""event":"assistance_terminated","date":"2020-03-01","person":"p1","reason":"own_request""#,
    );
    let child = ev(
        "c",
        r#""event":"child_admitted","date":"2020-01-20","child":"c1","parent":"p1""#,
    );
    let early = ev(
        "e",
        r#""event":"person_details","date":"2020-01-01","person":"p1","gender":"male""#,
    );
    let stranger = ev(
        "s",
        r#""event":"person_details","date":"2020-01-20","person":"p9","gender":"male""#,
    );
    let decide_again = ev(
        "d2",
        r#""event":"application_decided","date":"2020-03-01","application":"a1","outcome":"withdrawn""#,
    );
    let decide_early = ev(
        "d0",
        r#""event":"application_decided","date":"2020-01-05","application":"a1","outcome":"withdrawn""#,
    );
    let decide_unknown = ev(
        "d9",
        r#""event":"application_decided","date":"2020-03-01","application":"a9","outcome":"withdrawn""#,
    );
    let grant = ev(
        "rg",
        r#""event":"reflection_period_granted","date":"2020-02-01","person":"p1","days":150,"granted_by":"police""#,
    );
    let extend = ev(
        "rx",
        r#""event":"reflection_period_extended","date":"2020-02-10","person":"p1","days":40"#,
    );
    let extend_late = ev(
        "ry",
        r#""event":"reflection_period_extended","date":"2020-12-10","person":"p1","days":10"#,
    );
    let heard = ev(
        "h",
        r#""event":"expert_group_heard","date":"2020-03-01","person":"p1""#,
    );
    let left = ev(
        "cl",
        r#""event":"child_left","date":"2020-03-01","child":"c9""#,
    );

    assert_eq!(rules_broken(&[APP, ADMIT]), vec![]);
    assert_eq!(rules_broken(&[APP, &measure]), vec![Rule::OnlyClient]);
    assert_eq!(rules_broken(&[APP, &terminate]), vec![Rule::OnlyClient]);
    assert_eq!(rules_broken(&[APP, ADMIT, &terminate]), vec![]);
    assert_eq!(rules_broken(&[APP, &child]), vec![Rule::ParentIsClient]);
    assert_eq!(
        rules_broken(&[APP, &early]),
        vec![Rule::NotBeforeApplication]
    );
    assert_eq!(rules_broken(&[APP, &stranger]), vec![Rule::UnknownPerson]);
    assert_eq!(
        rules_broken(&[APP, ADMIT, &decide_again]),
        vec![Rule::DecidedOnce]
    );
    assert_eq!(
        rules_broken(&[APP, &decide_early]),
        vec![Rule::DecisionAfterApplication]
    );
    assert_eq!(
        rules_broken(&[APP, &decide_unknown]),
        vec![Rule::UnknownApplication]
    );
    assert_eq!(
        rules_broken(&[APP, &grant, &extend]),
        vec![Rule::ReflectionPeriodLength]
    );
    assert_eq!(
        rules_broken(&[APP, &grant, &extend_late]),
        vec![Rule::ReflectionPeriodRunning]
    );
    assert_eq!(
        rules_broken(&[APP, &heard]),
        vec![Rule::IdentificationOrder]
    );
    assert_eq!(rules_broken(&[APP, &left]), vec![Rule::ChildOnce]);
}

#[test]
fn a_terminated_parents_children_do_not_count() {
    let child =
        r#"{"id":"c","event":"child_admitted","date":"2020-02-02","child":"c1","parent":"p1"}"#;
    let term = r#"{"id":"t","event":"assistance_terminated","date":"2020-06-01","person":"p1","reason":"own_request"}"#;
    let Ok(r) = register(&[(APP, 0), (ADMIT, 1), (child, 2), (term, 3)]) else {
        panic!()
    };
    let view = r.view(None);
    let counted = |on: &str| -> usize {
        view.state_as_of(d(on))
            .persons
            .values()
            .filter(|p| p.is_client())
            .map(|p| p.children_present().count())
            .sum()
    };
    assert_eq!(counted("2020-03-01"), 1);
    assert_eq!(counted("2020-06-01"), 0);
}

fn timed_rules_broken(lines: &[(&str, i64)]) -> Vec<Rule> {
    match register(lines) {
        Ok(r) => r
            .view(None)
            .validate(10)
            .into_iter()
            .map(|v| v.rule)
            .collect(),
        Err(v) => vec![v.rule],
    }
}

/// The ids of the view's events, in the order they apply.
fn applied(r: &Register, t: Option<i64>) -> Vec<String> {
    r.view(t.map(at))
        .events()
        .iter()
        .map(|e| e.id.to_string())
        .collect()
}

const DETAILS_SAME_DAY: &str =
    r#"{"id":"d1","event":"person_details","date":"2020-01-10","person":"p1","gender":"female"}"#;
const APP_CORRECTED: &str = r#"{"id":"app-c","event":"application_received","date":"2020-01-10","application":"a1","person":"p1","referrer":"border_guard","consent":true,"corrects":"app"}"#;

#[test]
fn a_correction_takes_the_place_of_what_it_corrects_among_the_events_of_its_day() {
    // The application, then the details of its day, then (later) a corrected referrer.
    let lines = [(APP, 0), (DETAILS_SAME_DAY, 5), (APP_CORRECTED, 60)];
    assert_eq!(timed_rules_broken(&lines), vec![]);
    let Ok(r) = register(&lines) else { panic!() };
    assert_eq!(applied(&r, None), ["app-c", "d1"]);
    assert_eq!(applied(&r, Some(30)), ["app", "d1"]);
    let state = r.view(None).state_as_of(d("2020-12-31"));
    let p = state.persons.values().next().map(|p| {
        (
            p.applications[0].referrer.code(),
            p.details.gender.map(|g| g.code()),
        )
    });
    assert_eq!(p, Some(("border_guard", Some("female"))));
    // A correction of a correction keeps the place of the first of the chain.
    let again = r#"{"id":"app-c2","event":"application_received","date":"2020-01-10","application":"a1","person":"p1","referrer":"police","consent":true,"corrects":"app-c"}"#;
    let Ok(r) = register(&[
        (APP, 0),
        (DETAILS_SAME_DAY, 5),
        (APP_CORRECTED, 60),
        (again, 70),
    ]) else {
        panic!()
    };
    assert_eq!(applied(&r, None), ["app-c2", "d1"]);
}

#[test]
fn an_admission_corrected_after_a_child_of_its_day_keeps_its_place() {
    let child =
        r#"{"id":"c","event":"child_admitted","date":"2020-02-01","child":"c1","parent":"p1"}"#;
    let measure = r#"{"id":"m","event":"assistance_measure","date":"2020-02-01","person":"p1","measure":"legal_aid"}"#;
    let admit_again = r#"{"id":"adm-c","event":"application_decided","date":"2020-02-01","application":"a1","outcome":"admitted","corrects":"adm"}"#;
    let lines = [
        (APP, 0),
        (ADMIT, 1),
        (child, 2),
        (measure, 3),
        (admit_again, 100),
    ];
    assert_eq!(timed_rules_broken(&lines), vec![]);
    let Ok(r) = register(&lines) else { panic!() };
    assert_eq!(applied(&r, None), ["app", "adm-c", "c", "m"]);
}

#[test]
fn a_correction_that_changes_the_date_moves_the_event_to_its_new_date() {
    let moved = r#"{"id":"d2","event":"person_details","date":"2020-03-01","person":"p1","gender":"male","corrects":"d1"}"#;
    let later = r#"{"id":"d3","event":"person_details","date":"2020-02-01","person":"p1","gender":"female"}"#;
    let Ok(r) = register(&[(APP, 0), (DETAILS_SAME_DAY, 1), (later, 2), (moved, 3)]) else {
        panic!()
    };
    assert_eq!(applied(&r, None), ["app", "d3", "d2"]);
    // And a correction that moves an application after what depends on it is refused.
    let app_late = r#"{"id":"app-c","event":"application_received","date":"2020-01-20","application":"a1","person":"p1","referrer":"police","consent":true,"corrects":"app"}"#;
    assert_eq!(
        timed_rules_broken(&[(APP, 0), (DETAILS_SAME_DAY, 1), (app_late, 2)]),
        vec![Rule::NotBeforeApplication]
    );
}

#[test]
fn official_identification_once_per_client_period() {
    let ev = |id: &str, date: &str, event: &str, rest: &str| {
        format!(r#"{{"id":"{id}","event":"{event}","date":"{date}"{rest}}}"#)
    };
    let p1 = r#","person":"p1""#;
    let start1 = ev("i1", "2020-02-02", "identification_started", p1);
    let start_again = ev("i2", "2020-03-02", "identification_started", p1);
    let term = ev(
        "t",
        "2020-06-01",
        "assistance_terminated",
        r#","person":"p1","reason":"own_request""#,
    );
    let app2 = ev(
        "app2",
        "2020-09-01",
        "application_received",
        r#","application":"a2","person":"p1","referrer":"police","consent":true"#,
    );
    let admit2 = ev(
        "adm2",
        "2020-09-10",
        "application_decided",
        r#","application":"a2","outcome":"admitted""#,
    );
    let start2 = ev("i3", "2020-09-11", "identification_started", p1);
    let heard2 = ev("h3", "2020-10-11", "expert_group_heard", p1);
    assert_eq!(
        rules_broken(&[APP, ADMIT, &start1, &start_again]),
        vec![Rule::IdentificationOrder],
        "twice in one client period"
    );
    let lines = [APP, ADMIT, &start1, &term, &app2, &admit2, &start2, &heard2];
    assert_eq!(rules_broken(&lines), vec![], "again after re-admission");
    let Ok(r) = register(&in_order(&lines)) else {
        panic!()
    };
    let state = r.view(None).state_as_of(d("2020-12-31"));
    let p = state.persons.values().next();
    let processes: Vec<_> = p
        .map(|p| {
            p.identifications
                .iter()
                .map(|i| (i.client_periods, i.started, i.expert_group_heard))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        processes,
        [
            (1, d("2020-02-02"), None),
            (2, d("2020-09-11"), Some(d("2020-10-11")))
        ]
    );
}

/// A withdrawn consent leaves only what closes the case, until a new application; a
/// restriction leaves only its lifting, and only a restriction in force is lifted.
#[test]
fn a_withdrawn_consent_and_a_restriction_leave_only_what_they_allow() {
    let withdrawn = r#"{"id":"cw","event":"consent_withdrawn","date":"2020-03-01","person":"p1"}"#;
    let details =
        r#"{"id":"d2","event":"person_details","date":"2020-03-02","person":"p1","gender":"male"}"#;
    let terminate = r#"{"id":"t1","event":"assistance_terminated","date":"2020-03-02","person":"p1","reason":"own_request"}"#;
    let again = r#"{"id":"app2","event":"application_received","date":"2020-04-01","application":"a2","person":"p1","referrer":"ngo","consent":true}"#;
    let later =
        r#"{"id":"d3","event":"person_details","date":"2020-04-02","person":"p1","gender":"male"}"#;
    assert_eq!(rules_broken(&[APP, ADMIT, withdrawn, terminate]), vec![]);
    assert_eq!(
        rules_broken(&[APP, ADMIT, withdrawn, details]),
        vec![Rule::AfterConsentWithdrawn]
    );
    assert_eq!(rules_broken(&[APP, ADMIT, withdrawn, again, later]), vec![]);

    let restrict =
        r#"{"id":"rs","event":"processing_restricted","date":"2020-03-01","person":"p1"}"#;
    let lift = r#"{"id":"rl","event":"restriction_lifted","date":"2020-03-05","person":"p1"}"#;
    let lift_again =
        r#"{"id":"rl2","event":"restriction_lifted","date":"2020-03-06","person":"p1"}"#;
    assert_eq!(
        rules_broken(&[APP, ADMIT, restrict, details]),
        vec![Rule::ProcessingRestricted]
    );
    assert_eq!(rules_broken(&[APP, ADMIT, restrict, lift, later]), vec![]);
    assert_eq!(
        rules_broken(&[APP, ADMIT, restrict, lift, lift_again]),
        vec![Rule::ProcessingRestricted]
    );
}
