//! The register interchange format, version 1 (`interchange.md`): one JSON object per line.
//!
//! `parse_line` turns a line into an `Event`, checking everything that concerns the event
//! alone; `write_line` writes the canonical form (fixed field order, UTC timestamps), so an
//! export is byte-identical after a round trip. Error messages name the field and what was
//! expected, never the value found: a value might be personal data typed into the wrong field.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::value::RawValue;
use time::Date;

use crate::access::Username;
use crate::calendar::{Timestamp, format_date, parse_date};
use crate::codes::{Code, CodeList};
use crate::event::*;
use crate::ids::{ApplicationId, ChildId, EventId, IdError, PersonId};
use crate::personal::{PERSONAL_FIELD_NAMES, Personal, PersonalFields};
use crate::rules::Rule;

/// What a line of the file is checked against.
#[derive(Debug, Clone, Copy)]
pub struct ParseContext {
    /// No event may be dated after this day.
    pub today: Date,
    /// No event may be recorded after this moment; events without `recorded_at` get it.
    pub now: Timestamp,
    /// No event may be dated before this day: the day the system began, or for records of
    /// an earlier system imported as history, none.
    pub earliest: Date,
}

impl ParseContext {
    /// The context of events entered today: none dated before the system began.
    pub fn new(today: Date, now: Timestamp) -> Self {
        ParseContext {
            today,
            now,
            earliest: system_began(),
        }
    }

    /// Accepts events dated before the system began: records of an earlier system imported
    /// as history.
    pub fn history(self) -> Self {
        ParseContext {
            earliest: Date::MIN,
            ..self
        }
    }
}

/// A parsed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLine {
    pub event: Event,
    /// Whether the line gave `recorded_at` (otherwise it is the time of import).
    pub recorded_at_given: bool,
}

/// Why a line is not an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The field at fault (`forms[1].place`), if one is.
    pub field: Option<String>,
    /// What was expected, or what is wrong.
    pub expected: String,
    /// The rule broken, if the line is well-formed but breaks one.
    pub rule: Option<Rule>,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.expected)?;
        if let Some(rule) = self.rule {
            write!(f, " (rule: {rule})")?;
        }
        Ok(())
    }
}

fn err(field: &str, expected: impl Into<String>) -> ParseError {
    ParseError {
        field: Some(field.to_owned()),
        expected: expected.into(),
        rule: None,
    }
}

fn rule_err(field: &str, rule: Rule, detail: impl Into<String>) -> ParseError {
    ParseError {
        field: Some(field.to_owned()),
        expected: detail.into(),
        rule: Some(rule),
    }
}

/// Describes a JSON value by its kind only (never its content).
fn kind_of(v: &RawValue) -> &'static str {
    match v.get().as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "true or false",
        Some(b'"') => "a string",
        Some(b'[') => "a list",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

/// A JSON string, borrowed from the line unless it has escapes.
fn raw_str(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    if !text.starts_with('"') {
        return None;
    }
    match serde_json::from_str::<&str>(text) {
        Ok(s) => Some(Cow::Borrowed(s)),
        Err(_) => serde_json::from_str::<String>(text).ok().map(Cow::Owned),
    }
}

/// The fields of one JSON object, still unparsed (borrowed from the line, so reading a line
/// allocates only what the event keeps), taken one by one so that any left over is reported.
struct Fields<'j, 'p> {
    map: BTreeMap<&'j str, &'j RawValue>,
    prefix: &'p str,
    /// Whether a code must be in force on the event's date: so for what enters the
    /// register; not for what it holds already (a list may have been dated since).
    dated: bool,
}

impl<'j> Fields<'j, '_> {
    fn path(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn take(&mut self, key: &str) -> Option<&'j RawValue> {
        self.map.remove(key)
    }

    fn required(&mut self, key: &str) -> Result<&'j RawValue, ParseError> {
        self.take(key)
            .ok_or_else(|| err(&self.path(key), "required field is missing"))
    }

    fn string(&mut self, key: &str) -> Result<Option<Cow<'j, str>>, ParseError> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => raw_str(v).map(Some).ok_or_else(|| {
                err(
                    &self.path(key),
                    format!("expected a string, found {}", kind_of(v)),
                )
            }),
        }
    }

    fn required_string(&mut self, key: &str) -> Result<Cow<'j, str>, ParseError> {
        let path = self.path(key);
        self.string(key)?
            .ok_or_else(|| err(&path, "required field is missing"))
    }

    fn bool(&mut self, key: &str) -> Result<Option<bool>, ParseError> {
        match self.take(key).map(|v| (v, v.get())) {
            None => Ok(None),
            Some((_, "true")) => Ok(Some(true)),
            Some((_, "false")) => Ok(Some(false)),
            Some((v, _)) => Err(err(
                &self.path(key),
                format!("expected true or false, found {}", kind_of(v)),
            )),
        }
    }
    fn id<T>(&mut self, key: &str, parse: fn(&str) -> Result<T, IdError>) -> Result<T, ParseError> {
        let s = self.required_string(key)?;
        parse(&s).map_err(|e| err(&self.path(key), format!("expected an identifier: {e}")))
    }

    fn code<L: CodeList>(&mut self, key: &str, on: Date) -> Result<Option<Code<L>>, ParseError> {
        let Some(s) = self.string(key)? else {
            return Ok(None);
        };
        let path = self.path(key);
        let code = Code::<L>::parse(&s).ok_or_else(|| {
            err(
                &path,
                format!("expected {}, found an unknown code", Code::<L>::expected()),
            )
        })?;
        if self.dated && !code.entry().valid_on(on) {
            return Err(rule_err(
                &path,
                Rule::CodeInForce,
                format!(
                    "code {} is not in force on {}",
                    code.code(),
                    format_date(on)
                ),
            ));
        }
        Ok(Some(code))
    }

    fn required_code<L: CodeList>(&mut self, key: &str, on: Date) -> Result<Code<L>, ParseError> {
        let path = self.path(key);
        self.code(key, on)?
            .ok_or_else(|| err(&path, "required field is missing"))
    }

    fn date(&mut self, key: &str) -> Result<Option<Date>, ParseError> {
        let path = self.path(key);
        self.string(key)?
            .map(|s| {
                parse_date(&s)
                    .ok_or_else(|| err(&path, "expected a real calendar date as YYYY-MM-DD"))
            })
            .transpose()
    }

    fn integer(&mut self, key: &str) -> Result<Option<i64>, ParseError> {
        match self.take(key) {
            None => Ok(None),
            Some(v) if kind_of(v) == "a number" => serde_json::from_str::<i64>(v.get())
                .map(Some)
                .map_err(|_| err(&self.path(key), "expected a whole number")),
            Some(v) => Err(err(
                &self.path(key),
                format!("expected a whole number, found {}", kind_of(v)),
            )),
        }
    }

    /// Fails on the first field nobody took: a misspelt field would otherwise be lost.
    fn finish(self) -> Result<(), ParseError> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(k) => Err(err(&format!("{}{k}", self.prefix), "unknown field")),
        }
    }
}

/// Reads a JSON object's fields; `field` names it in errors.
fn object<'j, 'p>(
    text: &'j str,
    field: &str,
    prefix: &'p str,
) -> Result<Fields<'j, 'p>, ParseError> {
    match serde_json::from_str::<BTreeMap<&'j str, &'j RawValue>>(text) {
        Ok(map) => Ok(Fields {
            map,
            prefix,
            dated: true,
        }),
        Err(e) => Err(match serde_json::from_str::<&RawValue>(text) {
            // Valid JSON, but not an object (or a field name with escapes).
            Ok(v) if kind_of(v) != "an object" => {
                err(field, format!("expected an object, found {}", kind_of(v)))
            }
            // serde_json's syntax errors name a position and a kind, never the content.
            _ => ParseError {
                field: (field != "(line)").then(|| field.to_owned()),
                expected: format!("expected one JSON object: {e}"),
                rule: None,
            },
        }),
    }
}

/// Parses one line of an interchange file.
pub fn parse_line(line: &str, ctx: &ParseContext) -> Result<ParsedLine, ParseError> {
    let mut fields = object(line, "(line)", "")?;
    let given = fields.take("recorded_at");
    let recorded_at = match given {
        None => ctx.now,
        Some(v) => match raw_str(v) {
            Some(s) => Timestamp::parse(&s).map_err(|e| err("recorded_at", e.to_string()))?,
            None => {
                return Err(err(
                    "recorded_at",
                    format!("expected an RFC 3339 timestamp, found {}", kind_of(v)),
                ));
            }
        },
    };
    if recorded_at > ctx.now {
        return Err(rule_err(
            "recorded_at",
            Rule::NoFutureDate,
            "recorded in the future",
        ));
    }
    let event = parse_fields(fields, recorded_at, Mode::Interchange)?;
    if event.date > ctx.today {
        return Err(rule_err(
            "date",
            Rule::NoFutureDate,
            "the date is after today",
        ));
    }
    if event.date < ctx.earliest {
        return Err(rule_err(
            "date",
            Rule::NotBeforeSystem,
            format!(
                "the date is before {}, when the assistance system began (records of an earlier system are imported as history)",
                format_date(ctx.earliest)
            ),
        ));
    }
    // A day's slack: the date is local time, `recorded_at` is UTC.
    if event.date > recorded_at.date().next_day().unwrap_or(Date::MAX) {
        return Err(rule_err(
            "date",
            Rule::NoFutureDate,
            "the date is after the day the event was recorded",
        ));
    }
    Ok(ParsedLine {
        event,
        recorded_at_given: given.is_some(),
    })
}

/// The fields of a stored event kept in columns of their own.
#[derive(Debug, Clone, Copy)]
pub struct StoredEnvelope<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub date: Date,
    pub recorded_at: Timestamp,
}

/// Parses an event as stored (`write_stored`), adding the envelope and the personal fields
/// kept apart.
pub fn parse_stored(
    payload: &str,
    envelope: StoredEnvelope<'_>,
    personal: PersonalFields,
) -> Result<Event, ParseError> {
    // The envelope goes in front of the stored fields, making one object again.
    let mut text = String::with_capacity(payload.len() + 80);
    let mut w = LineWriter(String::new());
    w.str("id", envelope.id);
    w.str("event", envelope.kind);
    w.date("date", envelope.date);
    text.push_str(&w.0);
    match payload.strip_prefix('{') {
        Some(rest) if rest.trim_start().starts_with('}') => text.push_str(rest),
        Some(rest) => {
            text.push(',');
            text.push_str(rest);
        }
        None => {
            return Err(ParseError {
                field: None,
                expected: "stored event is not a JSON object".into(),
                rule: None,
            });
        }
    }
    let mut fields = object(&text, "(stored)", "")?;
    fields.dated = false;
    let mut event = parse_fields(fields, envelope.recorded_at, Mode::Stored)?;
    if let Some(slot) = event.body.personal_mut() {
        *slot = personal;
    }
    Ok(event)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Interchange,
    /// Personal fields come separately, so a details event may look empty.
    Stored,
}

fn parse_fields(
    mut f: Fields<'_, '_>,
    recorded_at: Timestamp,
    mode: Mode,
) -> Result<Event, ParseError> {
    let id = f.id("id", EventId::parse)?;
    let kind_name = f.required_string("event")?;
    let kind = EventKind::from_name(&kind_name).ok_or_else(|| {
        let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
        err(
            "event",
            format!(
                "expected one of {}, found an unknown event type",
                names.join(", ")
            ),
        )
    })?;
    let date = f
        .date("date")?
        .ok_or_else(|| err("date", "required field is missing"))?;
    let corrects = match f.string("corrects")? {
        None => None,
        Some(s) => Some(
            EventId::parse(&s)
                .map_err(|e| err("corrects", format!("expected an event id: {e}")))?,
        ),
    };
    if kind.is_official_identification() && date >= identification_abolished() {
        return Err(rule_err(
            "date",
            Rule::IdentificationBefore2023,
            "official identification ended on 2022-12-31",
        ));
    }
    let body = match kind {
        EventKind::ApplicationReceived => {
            let application = f.id("application", ApplicationId::parse)?;
            let person = f.id("person", PersonId::parse)?;
            let referrer = f.required_code("referrer", date)?;
            match f.bool("consent")? {
                Some(true) => {}
                Some(false) => {
                    return Err(rule_err(
                        "consent",
                        Rule::ConsentRequired,
                        "an application needs the person's consent",
                    ));
                }
                None => {
                    return Err(err(
                        "consent",
                        "required field is missing (it must be true)",
                    ));
                }
            }
            let basis = match f.string("basis")?.as_deref() {
                None | Some("victim") => Basis::Victim,
                Some("witness") => Basis::Witness,
                Some(_) => return Err(err("basis", "expected victim or witness")),
            };
            EventBody::ApplicationReceived(ApplicationReceived {
                application,
                person,
                referrer,
                basis,
            })
        }
        EventKind::PersonDetails => {
            let person = f.id("person", PersonId::parse)?;
            let details = parse_details(&mut f, date, mode)?;
            EventBody::PersonDetails(PersonDetails { person, details })
        }
        EventKind::ApplicationDecided => {
            let application = f.id("application", ApplicationId::parse)?;
            let outcome = f.required_string("outcome")?;
            let reason = f.code("reason", date)?;
            let decision = match (outcome.as_ref(), reason) {
                ("admitted", None) => Decision::Admitted,
                ("withdrawn", None) => Decision::Withdrawn,
                ("rejected", Some(reason)) => Decision::Rejected { reason },
                ("rejected", None) => {
                    return Err(err("reason", "a rejection needs a rejection reason code"));
                }
                ("admitted" | "withdrawn", Some(_)) => {
                    return Err(err("reason", "only a rejection has a reason"));
                }
                _ => return Err(err("outcome", "expected admitted, rejected or withdrawn")),
            };
            EventBody::ApplicationDecided(ApplicationDecided {
                application,
                decision,
                personal: parse_personal(&mut f, &["note"])?,
            })
        }
        EventKind::ExploitationAssessed => {
            let person = f.id("person", PersonId::parse)?;
            let dated = f.dated;
            let assessment = parse_forms(f.required("forms")?, date, dated)?;
            EventBody::ExploitationAssessed(ExploitationAssessed { person, assessment })
        }
        EventKind::ChildAdmitted => EventBody::ChildAdmitted {
            child: f.id("child", ChildId::parse)?,
            parent: f.id("parent", PersonId::parse)?,
        },
        EventKind::ChildLeft => EventBody::ChildLeft {
            child: f.id("child", ChildId::parse)?,
        },
        EventKind::ReflectionPeriodGranted => {
            let person = f.id("person", PersonId::parse)?;
            let days = reflection_days(&mut f, REFLECTION_MIN_DAYS)?;
            let granted_by = f.required_code("granted_by", date)?;
            EventBody::ReflectionPeriodGranted(ReflectionPeriodGranted {
                person,
                days,
                granted_by,
            })
        }
        EventKind::ReflectionPeriodExtended => EventBody::ReflectionPeriodExtended {
            person: f.id("person", PersonId::parse)?,
            days: reflection_days(&mut f, 1)?,
        },
        EventKind::ReflectionPeriodInterrupted => EventBody::ReflectionPeriodInterrupted {
            person: f.id("person", PersonId::parse)?,
        },
        EventKind::ConsentWithdrawn => EventBody::ConsentWithdrawn {
            person: f.id("person", PersonId::parse)?,
        },
        EventKind::ProcessingRestricted => EventBody::ProcessingRestricted {
            person: f.id("person", PersonId::parse)?,
        },
        EventKind::RestrictionLifted => EventBody::RestrictionLifted {
            person: f.id("person", PersonId::parse)?,
        },
        EventKind::IdentificationStarted => EventBody::IdentificationStarted {
            person: f.id("person", PersonId::parse)?,
        },
        EventKind::ExpertGroupHeard => EventBody::ExpertGroupHeard {
            person: f.id("person", PersonId::parse)?,
        },
        EventKind::IdentificationDecided => {
            let person = f.id("person", PersonId::parse)?;
            let outcome = match f.required_string("outcome")?.as_ref() {
                "identified" => IdentificationOutcome::Identified,
                "not_identified" => IdentificationOutcome::NotIdentified,
                _ => return Err(err("outcome", "expected identified or not_identified")),
            };
            EventBody::IdentificationDecided { person, outcome }
        }
        EventKind::AssistanceMeasure => EventBody::AssistanceMeasure(AssistanceMeasureGiven {
            person: f.id("person", PersonId::parse)?,
            measure: f.required_code("measure", date)?,
            provider: f.code("provider", date)?,
        }),
        EventKind::AssistanceTerminated => EventBody::AssistanceTerminated {
            person: f.id("person", PersonId::parse)?,
            reason: f.required_code("reason", date)?,
        },
        EventKind::JournalEntry => EventBody::JournalEntry(parse_journal(&mut f, date, mode)?),
        EventKind::NeedAssessed => EventBody::NeedAssessed(parse_need(&mut f, mode)?),
        EventKind::PlanMeasure => EventBody::PlanMeasure(parse_plan_measure(&mut f, date)?),
        EventKind::Retraction => {
            if corrects.is_some() {
                return Err(err("corrects", "a retraction cannot correct; it retracts"));
            }
            EventBody::Retraction {
                retracts: f.id("retracts", EventId::parse)?,
            }
        }
    };
    f.finish()?;
    Ok(Event {
        id,
        date,
        recorded_at,
        corrects,
        body,
    })
}

fn reflection_days(f: &mut Fields<'_, '_>, min: u16) -> Result<u16, ParseError> {
    let days = f
        .integer("days")?
        .ok_or_else(|| err("days", "required field is missing"))?;
    u16::try_from(days)
        .ok()
        .filter(|d| (min..=REFLECTION_MAX_DAYS).contains(d))
        .ok_or_else(|| {
            rule_err(
                "days",
                Rule::ReflectionPeriodLength,
                format!("expected {min} to {REFLECTION_MAX_DAYS} days"),
            )
        })
}

fn parse_details(f: &mut Fields<'_, '_>, date: Date, mode: Mode) -> Result<Details, ParseError> {
    let birth_date = f.date("birth_date")?;
    if birth_date.is_some_and(|b| b > date) {
        return Err(err("birth_date", "a birth date after the event's date"));
    }
    // Nobody of the register is older than `OLDEST_AGE` on the day of the event.
    let oldest = date.year() - OLDEST_AGE;
    if birth_date.is_some_and(|b| b.year() < oldest) {
        return Err(err(
            "birth_date",
            format!("a birth date more than {OLDEST_AGE} years before the event's date"),
        ));
    }
    let birth_year = match f.integer("birth_year")? {
        None => None,
        Some(y) => Some(
            i32::try_from(y)
                .ok()
                .filter(|y| (oldest..=date.year()).contains(y))
                .ok_or_else(|| {
                    err(
                        "birth_year",
                        format!(
                            "expected a year from {OLDEST_AGE} years before the event's year to the event's year"
                        ),
                    )
                })?,
        ),
    };
    if let (Some(d), Some(y)) = (birth_date, birth_year)
        && d.year() != y
    {
        return Err(err("birth_year", "it disagrees with birth_date"));
    }
    let mut details = Details {
        birth_date,
        birth_year,
        gender: f.code("gender", date)?,
        nationality: f.code("nationality", date)?,
        residence_status: f.code("residence_status", date)?,
        municipality_of_residence: f.bool("municipality_of_residence")?,
        personal: PersonalFields::default(),
    };
    details.personal = parse_personal(f, &PERSONAL_FIELD_NAMES)?;
    if mode == Mode::Interchange && details == Details::default() {
        return Err(err(
            "person",
            "a person_details event must carry at least one detail",
        ));
    }
    Ok(details)
}

/// The personal fields `names` of an event, or the mark that the retention purge erased them.
fn parse_personal(f: &mut Fields<'_, '_>, names: &[&str]) -> Result<PersonalFields, ParseError> {
    let mut personal = PersonalFields::default();
    let erased = f.bool("personal_erased")? == Some(true);
    for &name in names {
        if let Some(value) = f.string(name)?
            && let Some(slot) = personal.slot_mut(name)
        {
            crate::personal::check_text(&value, crate::personal::longest(name), name == "note")
                .map_err(|e| err(name, e.to_string()))?;
            *slot = Some(Personal::new(&value));
        }
    }
    if erased {
        if !personal.is_empty() {
            return Err(err(
                "personal_erased",
                "erased personal fields cannot be given too",
            ));
        }
        personal = PersonalFields::erased();
    }
    Ok(personal)
}

/// A journal entry: its text is the personal field `note`, required unless it was erased.
fn parse_journal(
    f: &mut Fields<'_, '_>,
    date: Date,
    mode: Mode,
) -> Result<JournalEntry, ParseError> {
    let person = f.id("person", PersonId::parse)?;
    let kind = f.required_string("kind")?;
    let kind = JournalKind::parse(&kind).ok_or_else(|| {
        let names: Vec<&str> = JournalKind::ALL.iter().map(|k| k.name()).collect();
        err("kind", format!("expected one of {}", names.join(", ")))
    })?;
    let author = parse_author(f)?;
    let follow_up = f.date("follow_up")?;
    if follow_up.is_some_and(|d| d < date) {
        return Err(err("follow_up", "a follow-up date before the entry's date"));
    }
    let personal = parse_text(f, mode, "a journal entry needs its text")?;
    Ok(JournalEntry {
        person,
        kind,
        author,
        follow_up,
        personal,
    })
}

/// An account name that an event says wrote it.
fn parse_author(f: &mut Fields<'_, '_>) -> Result<Username, ParseError> {
    Username::parse(&f.required_string("author")?)
        .map_err(|e| err("author", format!("expected an account name: {e}")))
}

/// The text of a casework event (the personal field `note`): required in the interchange
/// format unless the purge erased it; `missing` says what lacks it.
fn parse_text(
    f: &mut Fields<'_, '_>,
    mode: Mode,
    missing: &str,
) -> Result<PersonalFields, ParseError> {
    let personal = parse_personal(f, &["note"])?;
    let has_text = personal
        .note
        .as_ref()
        .is_some_and(|n| !n.expose().trim().is_empty());
    if mode == Mode::Interchange && !has_text && !personal.erased {
        return Err(err("note", missing));
    }
    Ok(personal)
}

/// An area of need, by its name.
fn parse_area(f: &mut Fields<'_, '_>) -> Result<NeedArea, ParseError> {
    let area = f.required_string("area")?;
    NeedArea::parse(&area).ok_or_else(|| {
        let names: Vec<&str> = NeedArea::ALL.iter().map(|a| a.name()).collect();
        err("area", format!("expected one of {}", names.join(", ")))
    })
}

/// A need's assessment: its text is the personal field `note`, required unless erased.
fn parse_need(f: &mut Fields<'_, '_>, mode: Mode) -> Result<NeedAssessed, ParseError> {
    let person = f.id("person", PersonId::parse)?;
    let area = parse_area(f)?;
    let author = parse_author(f)?;
    let personal = parse_text(f, mode, "a need's assessment needs its text")?;
    Ok(NeedAssessed {
        person,
        area,
        author,
        personal,
    })
}

/// A measure of the client plan; what was agreed (`note`) may be left out.
fn parse_plan_measure(f: &mut Fields<'_, '_>, date: Date) -> Result<PlanMeasure, ParseError> {
    let person = f.id("person", PersonId::parse)?;
    let area = parse_area(f)?;
    let measure = f.required_code("measure", date)?;
    let provider = f.code("provider", date)?;
    let status = f.required_string("status")?;
    let status = PlanStatus::parse(&status).ok_or_else(|| {
        let names: Vec<&str> = PlanStatus::ALL.iter().map(|s| s.name()).collect();
        err("status", format!("expected one of {}", names.join(", ")))
    })?;
    let due = f.date("due")?;
    let review = f.date("review")?;
    let author = parse_author(f)?;
    let personal = parse_personal(f, &["note"])?;
    Ok(PlanMeasure {
        person,
        area,
        measure,
        provider,
        status,
        due,
        review,
        author,
        personal,
    })
}

fn parse_forms(value: &RawValue, date: Date, dated: bool) -> Result<Assessment, ParseError> {
    let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(value.get()) else {
        return Err(err(
            "forms",
            format!("expected a list of forms, found {}", kind_of(value)),
        ));
    };
    if items.is_empty() {
        return Err(err("forms", "expected at least one form"));
    }
    let mut forms = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let prefix = format!("forms[{i}].");
        let mut g = object(item.get(), &format!("forms[{i}]"), &prefix)?;
        g.dated = dated;
        let form = g.required_code("form", date)?;
        let primary = g
            .bool("primary")?
            .ok_or_else(|| err(&format!("{prefix}primary"), "required field is missing"))?;
        let place = g.required_code("place", date)?;
        let minor_at_time = g.bool("minor_at_time")?;
        g.finish()?;
        forms.push(Exploitation {
            form,
            primary,
            place,
            minor_at_time,
        });
    }
    Assessment::new(forms).map_err(|e| match e {
        AssessmentError::PrimaryCount(_) => rule_err("forms", Rule::OnePrimaryForm, e.to_string()),
        AssessmentError::DuplicateForm(_) => err("forms", e.to_string()),
    })
}

/// Writes fields of one JSON object in the order they are added, straight into one buffer.
struct LineWriter(String);

impl LineWriter {
    fn key(&mut self, key: &str) {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        self.0.push('"');
        self.0.push_str(key);
        self.0.push_str("\":");
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        escape_into(&mut self.0, value);
    }

    fn date(&mut self, key: &str, value: Date) {
        use std::fmt::Write;
        self.key(key);
        // Writing to a String cannot fail.
        let _ = write!(
            self.0,
            "\"{:04}-{:02}-{:02}\"",
            value.year(),
            u8::from(value.month()),
            value.day()
        );
    }

    fn raw(&mut self, key: &str, value: impl std::fmt::Display) {
        use std::fmt::Write;
        self.key(key);
        let _ = write!(self.0, "{value}");
    }

    fn finish(mut self) -> String {
        if self.0.is_empty() {
            self.0.push('{');
        }
        self.0.push('}');
        self.0
    }
}

/// Writes `s` as a JSON string: quotes, backslashes and control characters escaped, all else
/// (non-ASCII included) as it is, as serde_json writes it.
fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escaped = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{08}' => "\\b",
            '\u{0c}' => "\\f",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escaped.is_empty() {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push_str(escaped);
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Whether `write_line` includes the personal fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personals {
    Include,
    /// For storage: the personal fields are encrypted and kept apart.
    Omit,
}

/// Writes an event as one canonical line (no newline).
pub fn write_line(e: &Event, personals: Personals) -> String {
    let mut w = LineWriter(String::with_capacity(200));
    w.str("id", e.id.as_str());
    w.str("event", e.body.kind().name());
    w.date("date", e.date);
    w.raw("recorded_at", format_args!("\"{}\"", e.recorded_at));
    if let Some(c) = &e.corrects {
        w.str("corrects", c.as_str());
    }
    write_body(&mut w, e, personals);
    w.finish()
}

/// Writes an event as stored: without the fields kept in columns of their own (`id`, `event`,
/// `date`, `recorded_at`) and without personal fields (sealed apart). `parse_stored` reads it.
pub fn write_stored(e: &Event) -> String {
    let mut w = LineWriter(String::with_capacity(120));
    if let Some(c) = &e.corrects {
        w.str("corrects", c.as_str());
    }
    write_body(&mut w, e, Personals::Omit);
    w.finish()
}

fn write_body(w: &mut LineWriter, e: &Event, personals: Personals) {
    match &e.body {
        EventBody::ApplicationReceived(a) => {
            w.str("application", a.application.as_str());
            w.str("person", a.person.as_str());
            w.str("referrer", a.referrer.code());
            w.raw("consent", true);
            w.str("basis", a.basis.name());
        }
        EventBody::PersonDetails(d) => {
            w.str("person", d.person.as_str());
            let x = &d.details;
            if let Some(b) = x.birth_date {
                w.date("birth_date", b);
            }
            if let Some(y) = x.birth_year {
                w.raw("birth_year", y);
            }
            if let Some(c) = x.gender {
                w.str("gender", c.code());
            }
            if let Some(c) = x.nationality {
                w.str("nationality", c.code());
            }
            if let Some(c) = x.residence_status {
                w.str("residence_status", c.code());
            }
            if let Some(m) = x.municipality_of_residence {
                w.raw("municipality_of_residence", m);
            }
            write_personal(w, &x.personal, personals);
        }
        EventBody::ApplicationDecided(d) => {
            w.str("application", d.application.as_str());
            w.str("outcome", d.decision.outcome());
            if let Decision::Rejected { reason } = d.decision {
                w.str("reason", reason.code());
            }
            write_personal(w, &d.personal, personals);
        }
        EventBody::ExploitationAssessed(a) => {
            w.str("person", a.person.as_str());
            let mut forms = String::from("[");
            for (i, f) in a.assessment.forms().iter().enumerate() {
                if i > 0 {
                    forms.push(',');
                }
                let mut o = LineWriter(String::new());
                o.str("form", f.form.code());
                o.raw("primary", f.primary);
                o.str("place", f.place.code());
                if let Some(m) = f.minor_at_time {
                    o.raw("minor_at_time", m);
                }
                forms.push_str(&o.finish());
            }
            forms.push(']');
            w.raw("forms", forms);
        }
        EventBody::ChildAdmitted { child, parent } => {
            w.str("child", child.as_str());
            w.str("parent", parent.as_str());
        }
        EventBody::ChildLeft { child } => w.str("child", child.as_str()),
        EventBody::ReflectionPeriodGranted(g) => {
            w.str("person", g.person.as_str());
            w.raw("days", g.days);
            w.str("granted_by", g.granted_by.code());
        }
        EventBody::ReflectionPeriodExtended { person, days } => {
            w.str("person", person.as_str());
            w.raw("days", days);
        }
        EventBody::ReflectionPeriodInterrupted { person }
        | EventBody::IdentificationStarted { person }
        | EventBody::ExpertGroupHeard { person }
        | EventBody::ConsentWithdrawn { person }
        | EventBody::ProcessingRestricted { person }
        | EventBody::RestrictionLifted { person } => w.str("person", person.as_str()),
        EventBody::IdentificationDecided { person, outcome } => {
            w.str("person", person.as_str());
            w.str("outcome", outcome.name());
        }
        EventBody::AssistanceMeasure(m) => {
            w.str("person", m.person.as_str());
            w.str("measure", m.measure.code());
            if let Some(p) = m.provider {
                w.str("provider", p.code());
            }
        }
        EventBody::AssistanceTerminated { person, reason } => {
            w.str("person", person.as_str());
            w.str("reason", reason.code());
        }
        EventBody::Retraction { retracts } => w.str("retracts", retracts.as_str()),
        EventBody::JournalEntry(j) => {
            w.str("person", j.person.as_str());
            w.str("kind", j.kind.name());
            w.str("author", j.author.as_str());
            if let Some(d) = j.follow_up {
                w.date("follow_up", d);
            }
            write_personal(w, &j.personal, personals);
        }
        EventBody::NeedAssessed(n) => {
            w.str("person", n.person.as_str());
            w.str("area", n.area.name());
            w.str("author", n.author.as_str());
            write_personal(w, &n.personal, personals);
        }
        EventBody::PlanMeasure(m) => {
            w.str("person", m.person.as_str());
            w.str("area", m.area.name());
            w.str("measure", m.measure.code());
            if let Some(p) = m.provider {
                w.str("provider", p.code());
            }
            w.str("status", m.status.name());
            if let Some(d) = m.due {
                w.date("due", d);
            }
            if let Some(d) = m.review {
                w.date("review", d);
            }
            w.str("author", m.author.as_str());
            write_personal(w, &m.personal, personals);
        }
    }
}

fn write_personal(w: &mut LineWriter, fields: &PersonalFields, personals: Personals) {
    if personals == Personals::Include {
        for (name, value) in fields.iter() {
            w.str(name, value.expose());
        }
        if fields.erased {
            w.raw("personal_erased", true);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
