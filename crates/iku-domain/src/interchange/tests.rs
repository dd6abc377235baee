use super::*;

pub(crate) fn ctx() -> ParseContext {
    ParseContext::new(
        parse_date("2024-06-30").unwrap_or(Date::MIN),
        Timestamp::parse("2024-06-30T12:00:00Z").unwrap_or(Timestamp::from_micros(0)),
    )
}

fn parse(line: &str) -> Result<ParsedLine, ParseError> {
    parse_line(line, &ctx())
}

fn field_of(line: &str) -> (Option<String>, Option<Rule>) {
    match parse(line) {
        Ok(_) => panic!("accepted: {line}"),
        Err(e) => (e.field, e.rule),
    }
}

const APP: &str = r#"{"id":"e1","event":"application_received","date":"2020-03-01","application":"a1","person":"p1","referrer":"police","consent":true}"#;

#[test]
fn a_minimal_application_parses_with_defaults() {
    let parsed = parse(APP).map_err(|e| e.to_string());
    let Ok(ParsedLine {
        event,
        recorded_at_given,
    }) = parsed
    else {
        panic!("{parsed:?}");
    };
    assert!(!recorded_at_given);
    assert_eq!(event.recorded_at, ctx().now);
    let EventBody::ApplicationReceived(a) = &event.body else {
        panic!("wrong body");
    };
    assert_eq!(a.basis, Basis::Victim);
    assert_eq!(a.referrer.code(), "police");
}

/// One line of every event type, with every optional field somewhere (also used by the
/// tests of `facts`).
pub(crate) fn every_event_type() -> Vec<String> {
    vec![
        APP.replace(r#""consent":true"#, r#""consent":true,"basis":"witness","recorded_at":"2020-03-02T10:00:00+02:00""#),
        r#"{"id":"e2","event":"person_details","date":"2020-03-01","person":"p1","birth_year":1990,"gender":"female","nationality":"NGA","residence_status":"asylum_seeker","municipality_of_residence":false,"name":"Ada \"Q\" Ö","note":"line\nbreak"}"#.into(),
        r#"{"id":"e3","event":"application_decided","date":"2020-03-05","application":"a1","outcome":"rejected","reason":"not_trafficking"}"#.into(),
        r#"{"id":"e4","event":"exploitation_assessed","date":"2020-03-05","person":"p1","forms":[{"form":"sexual_exploitation","primary":true,"place":"abroad","minor_at_time":true},{"form":"forced_labour","primary":false,"place":"finland"}]}"#.into(),
        r#"{"id":"e5","event":"child_admitted","date":"2020-03-05","child":"c1","parent":"p1"}"#.into(),
        r#"{"id":"e6","event":"child_left","date":"2020-03-06","child":"c1"}"#.into(),
        r#"{"id":"e7","event":"reflection_period_granted","date":"2020-03-05","person":"p1","days":30,"granted_by":"police"}"#.into(),
        r#"{"id":"e8","event":"reflection_period_extended","date":"2020-03-06","person":"p1","days":60}"#.into(),
        r#"{"id":"e9","event":"reflection_period_interrupted","date":"2020-03-07","person":"p1"}"#.into(),
        r#"{"id":"e10","event":"identification_started","date":"2020-03-05","person":"p1"}"#.into(),
        r#"{"id":"e11","event":"expert_group_heard","date":"2020-03-05","person":"p1"}"#.into(),
        r#"{"id":"e12","event":"identification_decided","date":"2020-03-05","person":"p1","outcome":"not_identified"}"#.into(),
        r#"{"id":"e13","event":"assistance_measure","date":"2020-03-05","person":"p1","measure":"legal_aid","provider":"municipality"}"#.into(),
        r#"{"id":"e14","event":"assistance_terminated","date":"2020-03-05","person":"p1","reason":"criminal_process_ended","corrects":"e9"}"#.into(),
        r#"{"id":"e15","event":"retraction","date":"2020-03-05","retracts":"e14"}"#.into(),
        r#"{"id":"e16","event":"journal_entry","date":"2020-03-06","person":"p1","kind":"phone_call","author":"maria.k","follow_up":"2020-03-20","note":"Soitti: \"ok\"\nhuomenna"}"#.into(),
        r#"{"id":"e17","event":"need_assessed","date":"2020-03-06","person":"p1","area":"accommodation","author":"maria.k","note":"Asuu tuttavan luona"}"#.into(),
        r#"{"id":"e18","event":"plan_measure","date":"2020-03-06","person":"p1","area":"accommodation","measure":"safe_accommodation","provider":"reception_centre","status":"planned","due":"2020-03-20","review":"2020-04-01","author":"maria.k","note":"Turvakoti haetaan"}"#.into(),
        r#"{"id":"e19","event":"plan_measure","date":"2020-03-10","person":"p1","area":"legal_aid","measure":"legal_aid","status":"done","author":"maria.k","corrects":"e18"}"#.into(),
    ]
}

const MEASURE: &str = r#"{"id":"m1","event":"plan_measure","date":"2020-03-06","person":"p1","area":"health","measure":"health_care","status":"started","author":"maria.k"}"#;

#[test]
fn a_plan_measure_needs_its_area_measure_status_and_author() {
    let Ok(parsed) = parse(MEASURE) else {
        panic!("rejected")
    };
    let EventBody::PlanMeasure(m) = &parsed.event.body else {
        panic!("wrong body")
    };
    assert_eq!((m.area, m.status), (NeedArea::Health, PlanStatus::Started));
    assert_eq!(m.text(), None, "what was agreed may be left out");
    let cases = [
        (MEASURE.replace(r#""health","#, r#""wellness","#), "area"),
        (MEASURE.replace("health_care", "massage"), "measure"),
        (MEASURE.replace("started", "finished"), "status"),
        (MEASURE.replace(r#","status":"started""#, ""), "status"),
        (MEASURE.replace("maria.k", "Maria K"), "author"),
        (
            MEASURE.replace(r#""author""#, r#""due":"31.12.2020","author""#),
            "due",
        ),
    ];
    for (line, field) in cases {
        assert_eq!(field_of(&line).0.as_deref(), Some(field), "{line}");
    }
    let need = r#"{"id":"n1","event":"need_assessed","date":"2020-03-06","person":"p1","area":"income","author":"maria.k"}"#;
    assert_eq!(
        field_of(need).0.as_deref(),
        Some("note"),
        "an assessment needs its text"
    );
}

const JOURNAL: &str = r#"{"id":"j1","event":"journal_entry","date":"2020-03-06","person":"p1","kind":"meeting","author":"maria.k","note":"Met at the office"}"#;

#[test]
fn a_journal_entry_needs_its_kind_author_and_text() {
    let Ok(parsed) = parse(JOURNAL) else {
        panic!("rejected")
    };
    let EventBody::JournalEntry(j) = &parsed.event.body else {
        panic!("wrong body")
    };
    assert_eq!(j.kind, JournalKind::Meeting);
    assert_eq!(j.text().map(Personal::expose), Some("Met at the office"));
    let cases = [
        (JOURNAL.replace("meeting", "party"), "kind"),
        (JOURNAL.replace(r#","kind":"meeting""#, ""), "kind"),
        (JOURNAL.replace("maria.k", "Maria K"), "author"),
        (
            JOURNAL.replace(r#","note":"Met at the office""#, ""),
            "note",
        ),
        (JOURNAL.replace("Met at the office", "  "), "note"),
        (
            JOURNAL.replace(r#""note""#, r#""follow_up":"2020-03-05","note""#),
            "follow_up",
        ),
        (JOURNAL.replace(r#""note""#, r#""name":"X","note""#), "name"),
    ];
    for (line, field) in cases {
        assert_eq!(field_of(&line).0.as_deref(), Some(field), "{line}");
    }
}

#[test]
fn a_journal_entry_keeps_its_text_apart_when_stored() {
    let Ok(parsed) = parse(JOURNAL) else {
        panic!("rejected")
    };
    let stored = write_stored(&parsed.event);
    assert!(!stored.contains("office"), "{stored}");
    let envelope = StoredEnvelope {
        id: "j1",
        kind: "journal_entry",
        date: parsed.event.date,
        recorded_at: parsed.event.recorded_at,
    };
    let text = parsed.event.body.personal().cloned().unwrap_or_default();
    assert_eq!(
        parse_stored(&stored, envelope, text),
        Ok(parsed.event.clone())
    );
    // Erased by the retention purge, it is still an entry, saying so.
    let erased = parse_stored(&stored, envelope, PersonalFields::erased());
    let line = erased.map(|e| write_line(&e, Personals::Include));
    assert!(
        line.as_ref()
            .is_ok_and(|l| l.ends_with(r#""personal_erased":true}"#)),
        "{line:?}"
    );
    assert!(line.is_ok_and(|l| parse(&l).is_ok()));
}

#[test]
fn every_event_type_round_trips_through_the_canonical_form() {
    let lines = every_event_type();
    for line in &lines {
        let first = parse(line).map_err(|e| format!("{line}: {e}"));
        let Ok(first) = first else {
            panic!("{first:?}")
        };
        let written = write_line(&first.event, Personals::Include);
        let again = parse(&written).map(|p| p.event);
        assert_eq!(again.as_ref(), Ok(&first.event), "{written}");
        assert_eq!(
            again.map(|e| write_line(&e, Personals::Include)),
            Ok(written)
        );
    }
}

#[test]
fn stored_form_keeps_personal_fields_apart() {
    let line = r#"{"id":"e2","event":"person_details","date":"2020-03-01","person":"p1","name":"Secret Name"}"#;
    let Ok(parsed) = parse(line) else {
        panic!("rejected")
    };
    let stored = write_stored(&parsed.event);
    assert!(!stored.contains("Secret"));
    let EventBody::PersonDetails(d) = &parsed.event.body else {
        panic!()
    };
    let envelope = StoredEnvelope {
        id: "e2",
        kind: "person_details",
        date: parsed.event.date,
        recorded_at: parsed.event.recorded_at,
    };
    let back = parse_stored(&stored, envelope, d.details.personal.clone());
    assert_eq!(back, Ok(parsed.event));
    assert_eq!(stored, r#"{"person":"p1"}"#);
}

#[test]
fn errors_name_the_field_and_the_rule() {
    let cases: Vec<(String, Option<&str>, Option<Rule>)> = vec![
        ("{".into(), None, None),
        ("[1]".into(), Some("(line)"), None),
        (APP.replace("police", "polise"), Some("referrer"), None),
        (APP.replace(r#""consent":true"#, r#""consent":false"#), Some("consent"), Some(Rule::ConsentRequired)),
        (APP.replace(r#","consent":true"#, ""), Some("consent"), None),
        (APP.replace("2020-03-01", "2020-02-30"), Some("date"), None),
        (APP.replace("2020-03-01", "2024-07-01"), Some("date"), Some(Rule::NoFutureDate)),
        (APP.replace(r#""id":"e1""#, r#""id":"e 1""#), Some("id"), None),
        (APP.replace(r#""person":"p1""#, r#""person":"p1","persn":"x""#), Some("persn"), None),
        (APP.replace("application_received", "application_recieved"), Some("event"), None),
        (APP.replace(r#""consent":true"#, r#""consent":true,"recorded_at":"yesterday""#), Some("recorded_at"), None),
        (APP.replace(r#""consent":true"#, r#""consent":true,"recorded_at":"2030-01-01T00:00:00Z""#), Some("recorded_at"), Some(Rule::NoFutureDate)),
        (APP.replace(r#""consent":true"#, r#""consent":true,"recorded_at":"2020-01-01T00:00:00Z""#), Some("date"), Some(Rule::NoFutureDate)),
        (r#"{"id":"x","event":"exploitation_assessed","date":"2020-01-01","person":"p","forms":[{"form":"other","primary":false,"place":"abroad"}]}"#.into(), Some("forms"), Some(Rule::OnePrimaryForm)),
        (r#"{"id":"x","event":"exploitation_assessed","date":"2020-01-01","person":"p","forms":[{"form":"other","primary":true,"place":"moon"}]}"#.into(), Some("forms[0].place"), None),
        (r#"{"id":"x","event":"reflection_period_granted","date":"2020-01-01","person":"p","days":184,"granted_by":"police"}"#.into(), Some("days"), Some(Rule::ReflectionPeriodLength)),
        (r#"{"id":"x","event":"reflection_period_granted","date":"2020-01-01","person":"p","days":29,"granted_by":"police"}"#.into(), Some("days"), Some(Rule::ReflectionPeriodLength)),
        (r#"{"id":"x","event":"identification_started","date":"2023-01-01","person":"p"}"#.into(), Some("date"), Some(Rule::IdentificationBefore2023)),
        (r#"{"id":"x","event":"assistance_terminated","date":"2023-01-01","person":"p","reason":"not_identified"}"#.into(), Some("reason"), Some(Rule::CodeInForce)),
        (r#"{"id":"x","event":"application_decided","date":"2021-01-01","application":"a","outcome":"rejected"}"#.into(), Some("reason"), None),
        (r#"{"id":"x","event":"application_decided","date":"2021-01-01","application":"a","outcome":"admitted","reason":"other"}"#.into(), Some("reason"), None),
        (r#"{"id":"x","event":"person_details","date":"2021-01-01","person":"p"}"#.into(), Some("person"), None),
        (r#"{"id":"x","event":"person_details","date":"2021-01-01","person":"p","birth_date":"1990-01-01","birth_year":1991}"#.into(), Some("birth_year"), None),
        (r#"{"id":"x","event":"retraction","date":"2021-01-01","retracts":"y","corrects":"z"}"#.into(), Some("corrects"), None),
        (r#"{"id":"x","event":"child_left","date":"2021-01-01"}"#.into(), Some("child"), None),
    ];
    for (line, field, rule) in cases {
        let (f, r) = field_of(&line);
        assert_eq!((f.as_deref(), r), (field, rule), "{line}");
    }
}

#[test]
fn errors_never_repeat_the_value() {
    let line = r#"{"id":"x","event":"person_details","date":"2021-01-01","person":"p","gender":"Maria Virtanen"}"#;
    let message = parse(line).map(|_| ()).map_err(|e| e.to_string());
    assert!(
        matches!(&message, Err(m) if m.contains("gender") && !m.contains("Maria")),
        "{message:?}"
    );
    let line = r#"{"id":"x","event":"person_details","date":"2021-01-01","person":"p","name":12}"#;
    let message = parse(line).map(|_| ()).map_err(|e| e.to_string());
    assert!(
        matches!(&message, Err(m) if m.contains("name") && m.contains("a number")),
        "{message:?}"
    );
}

proptest::proptest! {
    #[test]
    fn strings_are_escaped_exactly_as_serde_json_does(s in "(\\PC|[\\x00-\\x1f\"\\\\\u{7f}])*") {
        let mut ours = String::new();
        escape_into(&mut ours, &s);
        proptest::prop_assert_eq!(Some(ours), serde_json::to_string(&s).ok());
    }
}

#[test]
fn no_event_before_the_system_began_unless_imported_as_history() {
    for date in ["0000-01-01", "1700-01-01", "2005-12-31"] {
        let line = APP.replace("2020-03-01", date);
        assert_eq!(
            field_of(&line),
            (Some("date".into()), Some(Rule::NotBeforeSystem)),
            "{date}"
        );
        let history = parse_line(&line, &ctx().history());
        assert!(history.is_ok(), "{date}: {history:?}");
    }
    assert!(parse(&APP.replace("2020-03-01", "2006-01-01")).is_ok());
}

#[test]
fn birth_dates_and_years_are_plausible_ages() {
    let details = |birth: &str| {
        format!(
            r#"{{"id":"d1","event":"person_details","date":"2020-03-01","person":"p1",{birth}}}"#
        )
    };
    assert!(parse(&details(r#""birth_year":1900"#)).is_ok());
    assert!(parse(&details(r#""birth_date":"1900-01-01""#)).is_ok());
    for too_old in [r#""birth_year":1899"#, r#""birth_year":0"#] {
        assert_eq!(field_of(&details(too_old)).0.as_deref(), Some("birth_year"));
    }
    assert_eq!(
        field_of(&details(r#""birth_date":"1899-12-31""#))
            .0
            .as_deref(),
        Some("birth_date")
    );
}

#[test]
fn personal_fields_are_bounded_and_hold_only_text() {
    let details = |field: &str, value: &str| {
        let value = serde_json::to_string(value).unwrap_or_default();
        format!(
            r#"{{"id":"d1","event":"person_details","date":"2020-03-01","person":"p1","{field}":{value}}}"#
        )
    };
    assert!(parse(&details("name", &"Å".repeat(200))).is_ok());
    let too_long = parse(&details("name", &"Å".repeat(201))).map(|_| ());
    assert!(
        matches!(&too_long, Err(e) if e.field.as_deref() == Some("name") && e.expected.contains("200")),
        "{too_long:?}"
    );
    assert!(parse(&details("name", &"x".repeat(1_500_000))).is_err());
    for bad in [
        "Ann\u{0}a",
        "Ann\u{1b}[31ma",
        "Anna\u{202e}lakaM",
        "Anna\u{2067}x",
        "A\nB",
    ] {
        let refused = parse(&details("name", bad)).map(|_| ());
        assert!(
            matches!(&refused, Err(e) if e.expected.contains("control characters")),
            "{bad:?}: {refused:?}"
        );
        // An error never repeats what was typed.
        assert!(refused.is_err_and(|e| !e.to_string().contains("Ann")));
    }
    // A note keeps its lines and tabs; a phone number may not.
    assert!(parse(&details("note", "first line\r\nsecond\tline")).is_ok());
    assert!(parse(&details("phone", "040\n123")).is_err());
    assert!(parse(&details("note", &"n".repeat(10_001))).is_err());
}

/// A code dated out of use is refused for what enters the register, but what the register
/// holds already stays readable: a list may have been dated after the event was stored.
#[test]
fn a_code_out_of_use_is_refused_on_entry_and_read_back_when_stored() {
    let old = r#"{"id":"e1","event":"application_received","date":"2024-01-10","application":"a1","person":"p1","referrer":"social_services","consent":true}"#;
    let refused = parse(old).err().and_then(|e| e.rule);
    assert_eq!(refused, Some(Rule::CodeInForce));
    let new = old.replace("social_services", "wellbeing_services_county");
    let Ok(parsed) = parse(&new) else {
        panic!("the county's code refused")
    };
    // As if it had been stored before the list was dated.
    let stored =
        write_stored(&parsed.event).replace("wellbeing_services_county", "social_services");
    let envelope = StoredEnvelope {
        id: "e1",
        kind: "application_received",
        date: parsed.event.date,
        recorded_at: parsed.event.recorded_at,
    };
    let back = parse_stored(&stored, envelope, PersonalFields::default());
    assert!(
        matches!(&back, Ok(e) if matches!(&e.body, EventBody::ApplicationReceived(a) if a.referrer.code() == "social_services")),
        "{back:?}"
    );
}
