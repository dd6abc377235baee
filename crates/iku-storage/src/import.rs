//! Import, the part both backends share: reading and parsing a file, and planning what to
//! write. A backend opens a write transaction, loads what is stored, calls `plan`, writes the
//! plan and commits; any error before the commit leaves the database as it was.
//!
//! Planning: an id already stored with identical content is skipped (so a re-import is a
//! no-op); with other content it is an error. New events are ordered by `recorded_at`
//! (stable, so file order breaks ties) and appended; then the history's rules run over
//! stored + new events.

use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;

use iku_domain::Event;
use iku_domain::ids::EventId;
use iku_domain::interchange::{ParseContext, ParsedLine, parse_line};
use iku_domain::personal::PersonalFields;
use iku_domain::register::Register;
use iku_domain::rules::Rule;

use crate::StoreError;

/// At most this many errors are reported; the rest are counted.
pub const MAX_ERRORS: usize = 20;

/// A parsed line with its line number (1-based).
#[derive(Debug, Clone)]
pub struct NumberedLine {
    pub line: usize,
    pub parsed: ParsedLine,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    /// Events already stored with identical content.
    pub unchanged: usize,
}

/// One thing wrong with the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// None for an event already stored.
    pub line: Option<usize>,
    pub event: Option<EventId>,
    pub message: String,
    pub rule: Option<Rule>,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.event) {
            (Some(line), Some(e)) => write!(f, "line {line} (event {e}): ")?,
            (Some(line), None) => write!(f, "line {line}: ")?,
            (None, Some(e)) => write!(f, "stored event {e}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}", list(.errors, *.more))]
    Invalid { errors: Vec<LineError>, more: usize },
    #[error("cannot read the input: {0}")]
    Read(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn list(errors: &[LineError], more: usize) -> String {
    let mut s = String::from("nothing was imported:");
    for e in errors {
        s.push_str("\n  ");
        s.push_str(&e.to_string());
    }
    if more > 0 {
        s.push_str(&format!("\n  ... and {more} more"));
    }
    s
}

/// Reports progress (a bar on a terminal, lines elsewhere, nothing in tests).
pub trait Progress {
    fn phase(&self, name: &str, total: u64);
    fn advance(&self, n: u64);
}

/// No progress reporting.
pub struct Silent;

impl Progress for Silent {
    fn phase(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Collects errors up to `MAX_ERRORS`, counting the rest.
#[derive(Default)]
struct Errors {
    errors: Vec<LineError>,
    more: usize,
}

impl Errors {
    fn push(&mut self, e: LineError) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        } else {
            self.more += 1;
        }
    }

    /// Fails with everything collected so far, if anything was.
    fn check(&mut self) -> Result<(), ImportError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ImportError::Invalid {
                errors: std::mem::take(&mut self.errors),
                more: self.more,
            })
        }
    }
}

/// Reads and parses every line. Blank lines are skipped. A last line without a newline that
/// does not parse is reported as cut off.
pub fn read_lines(
    mut input: impl BufRead,
    ctx: &ParseContext,
    progress: &dyn Progress,
) -> Result<Vec<NumberedLine>, ImportError> {
    let mut lines = Vec::new();
    let mut errors = Errors::default();
    let mut buf = Vec::with_capacity(512);
    let mut number = 0;
    progress.phase("reading", 0);
    loop {
        buf.clear();
        let n = input.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        number += 1;
        let complete = buf.last() == Some(&b'\n');
        let Ok(text) = std::str::from_utf8(&buf) else {
            errors.push(LineError {
                line: Some(number),
                event: None,
                message: "not valid UTF-8".into(),
                rule: None,
            });
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        match parse_line(text, ctx) {
            Ok(parsed) => lines.push(NumberedLine {
                line: number,
                parsed,
            }),
            Err(e) => {
                let mut message = e.to_string();
                if !complete {
                    message =
                        format!("the file ends in the middle of this line (cut off?): {message}");
                }
                errors.push(LineError {
                    line: Some(number),
                    event: None,
                    message,
                    rule: e.rule,
                });
            }
        }
        if number % 10_000 == 0 {
            progress.advance(10_000);
        }
    }
    errors.check()?;
    Ok(lines)
}

/// What a backend writes: the new events in seq order.
pub(crate) struct Plan {
    pub events: Vec<Event>,
    pub unchanged: usize,
}

/// Plans an import over the stored events (in seq order, without personal fields);
/// `stored_personal` opens the personal fields of a stored event when a line must be compared
/// with it.
pub(crate) fn plan(
    stored: Vec<Event>,
    lines: Vec<NumberedLine>,
    mut stored_personal: impl FnMut(&EventId) -> Result<PersonalFields, StoreError>,
) -> Result<Plan, ImportError> {
    let mut errors = Errors::default();
    let stored_index: HashMap<EventId, usize> = stored
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    let mut batch: HashMap<EventId, (usize, usize)> = HashMap::new();
    let mut fresh: Vec<NumberedLine> = Vec::with_capacity(lines.len());
    let mut unchanged = 0;
    for line in lines {
        let id = line.parsed.event.id.clone();
        if let Some(&i) = stored_index.get(&id) {
            let mut existing = stored[i].clone();
            if let iku_domain::EventBody::PersonDetails(d) = &mut existing.body {
                d.details.personal = stored_personal(&id)?;
            }
            if same(&existing, &line.parsed) {
                unchanged += 1;
            } else {
                errors.push(LineError {
                    line: Some(line.line),
                    event: Some(id),
                    message: "this event id is already stored with other content".into(),
                    rule: None,
                });
            }
        } else if let Some(&(first_line, at)) = batch.get(&id) {
            let first: &NumberedLine = &fresh[at];
            if !same(&first.parsed.event, &line.parsed) {
                errors.push(LineError {
                    line: Some(line.line),
                    event: Some(id),
                    message: format!("line {first_line} has the same event id with other content"),
                    rule: None,
                });
            }
        } else {
            batch.insert(id, (line.line, fresh.len()));
            fresh.push(line);
        }
    }
    errors.check()?;

    // Recorded order; the stable sort keeps file order among events recorded at the same time.
    fresh.sort_by_key(|l| l.parsed.event.recorded_at);
    let line_of: HashMap<EventId, usize> = fresh
        .iter()
        .map(|l| (l.parsed.event.id.clone(), l.line))
        .collect();
    let located = |v: iku_domain::Violation| LineError {
        line: line_of.get(&v.event).copied(),
        message: format!("{} (rule: {})", v.detail, v.rule),
        event: Some(v.event),
        rule: Some(v.rule),
    };
    let mut register = Register::new(stored).map_err(|v| ImportError::Invalid {
        errors: vec![located(v)],
        more: 0,
    })?;
    let mut events = Vec::with_capacity(fresh.len());
    for line in fresh {
        let event = line.parsed.event;
        if let Err(v) = register.push(event.clone()) {
            errors.push(located(v));
        }
        events.push(event);
    }
    errors.check()?;
    for v in register.view(None).validate(MAX_ERRORS) {
        errors.push(located(v));
    }
    errors.check()?;
    Ok(Plan { events, unchanged })
}

/// Whether a line says the same as a stored event. A line without `recorded_at` leaves the
/// recorded time as it was.
fn same(stored: &Event, line: &ParsedLine) -> bool {
    if line.recorded_at_given {
        *stored == line.event
    } else {
        let mut e = line.event.clone();
        e.recorded_at = stored.recorded_at;
        *stored == e
    }
}
