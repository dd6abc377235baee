//! Import, the part both backends share: reading and parsing a file, and planning what to
//! write. A backend opens a write transaction, loads what is stored, calls `plan`, writes the
//! plan and commits; any error before the commit leaves the database as it was.
//!
//! Planning: an id already stored with identical content is skipped (so a re-import is a
//! no-op); with other content it is an error. New events are ordered by `recorded_at`
//! (stable, so file order breaks ties) and appended; then the history's rules run over
//! stored + new events.

use std::fmt;
use std::io::Read;

use iku_domain::calendar::format_date;
use iku_domain::ids::{EventId, PersonId};
use iku_domain::interchange::write_stored;
use iku_domain::interchange::{ParseContext, ParsedLine, parse_line};
use iku_domain::personal::PersonalFields;
use iku_domain::register::Register;
use iku_domain::rules::Rule;
use iku_domain::{Event, EventBody};
use iku_domain::{facts, grouping};

use crate::crypto::{Keyring, Sealed};
use crate::{StoreError, groups};

/// At most this many errors are reported; the rest are counted.
pub const MAX_ERRORS: usize = 20;

/// A parsed line with its line number (1-based).
#[derive(Debug, Clone)]
pub struct NumberedLine {
    pub line: usize,
    pub parsed: ParsedLine,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    /// Events already stored with identical content.
    pub unchanged: usize,
    /// The persons of the groups the import was checked with, when it was checked with the
    /// groups it touches (None: with the whole register): what a copy of the register held
    /// elsewhere must read again.
    pub persons: Option<Vec<iku_domain::ids::PersonId>>,
    /// The seqs of the audit entries written with it.
    pub audit_seqs: Vec<i64>,
}

/// What an import's rules are checked over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Checks {
    /// The groups a small import touches; the whole register for a large one.
    #[default]
    Auto,
    /// Always the groups the import touches.
    Groups,
    /// Always the whole register.
    WholeRegister,
}

impl Checks {
    /// Whether `new` events are checked with the groups they touch, `stored` being stored.
    pub(crate) fn by_groups(self, new: usize, stored: u64) -> bool {
        match self {
            Checks::Groups => true,
            Checks::WholeRegister => false,
            // Finding the groups costs a few lookups per event: cheaper than reading the
            // register as long as the import is small beside it.
            Checks::Auto => stored >= 1_000 && (new as u64) * 16 <= stored,
        }
    }
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
pub trait Progress: Sync {
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

/// Reads and parses every line, on every core. Blank lines are skipped. A last line without
/// a newline that does not parse is reported as cut off.
pub fn read_lines(
    mut input: impl Read,
    ctx: &ParseContext,
    progress: &dyn Progress,
) -> Result<Vec<NumberedLine>, ImportError> {
    progress.phase("reading", 0);
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    progress.phase("parsing", lines.len() as u64);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = lines.len().div_ceil(threads).max(1);
    let parsed: Vec<Vec<Result<NumberedLine, LineError>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = lines
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| scope.spawn(move || parse_chunk(part, c * chunk, ctx, progress)))
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(lines.len());
    let mut errors = Errors::default();
    for result in parsed.into_iter().flatten() {
        match result {
            Ok(line) => out.push(line),
            Err(e) => errors.push(e),
        }
    }
    errors.check()?;
    Ok(out)
}

/// Parses lines numbered from `first + 1`; stops collecting errors after `MAX_ERRORS + 1`
/// (the caller counts only that many).
fn parse_chunk(
    lines: &[&[u8]],
    first: usize,
    ctx: &ParseContext,
    progress: &dyn Progress,
) -> Vec<Result<NumberedLine, LineError>> {
    let mut out = Vec::with_capacity(lines.len());
    for (i, raw) in lines.iter().enumerate() {
        let number = first + i + 1;
        let complete = raw.last() == Some(&b'\n');
        let error = |message: String, rule| LineError {
            line: Some(number),
            event: None,
            message,
            rule,
        };
        let Ok(text) = std::str::from_utf8(raw) else {
            out.push(Err(error("not valid UTF-8".into(), None)));
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        out.push(match parse_line(text, ctx) {
            Ok(parsed) => Ok(NumberedLine {
                line: number,
                parsed,
            }),
            Err(e) if complete => Err(error(e.to_string(), e.rule)),
            Err(e) => Err(error(
                format!("the file ends in the middle of this line (cut off?): {e}"),
                e.rule,
            )),
        });
        if i % 10_000 == 9_999 {
            progress.advance(10_000);
        }
    }
    out
}

/// What a backend writes: the stored events the import is checked with (all of them, or the
/// groups it touches: `groups`) and the new events after them, whose positions from
/// `first_new` on are new, in seq order.
pub(crate) struct Plan {
    pub register: Register,
    /// The seqs of the stored events the register holds (its first `first_new`).
    stored_seqs: Vec<i64>,
    pub first_new: usize,
    pub unchanged: usize,
    /// The line of each new event, by its position after `first_new`.
    line_of_new: Vec<usize>,
}

/// What the new events add beside their rows: the owner links and the register keys.
pub(crate) struct Written {
    pub links: Vec<(u32, u32)>,
    pub keys: Vec<(&'static str, String, u32)>,
}

impl Plan {
    pub(crate) fn new_events(&self) -> &[Event] {
        &self.register.events()[self.first_new..]
    }
}

/// Plans an import over stored events (in seq order, without personal fields, at
/// `stored_seqs`: the whole register, or the groups the import touches); `stored_personal`
/// opens the personal fields of a stored event when a line must be compared with it.
pub(crate) fn plan(
    stored: Vec<Event>,
    stored_seqs: Vec<i64>,
    lines: Vec<NumberedLine>,
    mut stored_personal: impl FnMut(&EventId) -> Result<PersonalFields, StoreError>,
) -> Result<Plan, ImportError> {
    let mut errors = Errors::default();
    let first_new = stored.len();
    let mut register = Register::new(stored).map_err(|v| ImportError::Invalid {
        errors: vec![LineError {
            line: None,
            message: format!("{} (rule: {})", v.detail, v.rule),
            event: Some(v.event),
            rule: Some(v.rule),
        }],
        more: 0,
    })?;

    // Recorded order; the stable sort keeps file order among events recorded at the same
    // time. Sorting positions, not the events, spares moving them all.
    let mut order: Vec<u32> = (0..lines.len() as u32).collect();
    order.sort_by_key(|&i| lines[i as usize].parsed.event.recorded_at);
    let mut slots: Vec<Option<NumberedLine>> = lines.into_iter().map(Some).collect();
    let mut line_of_new: Vec<usize> = Vec::with_capacity(order.len());
    let mut unchanged = 0;
    for i in order {
        let Some(line) = slots[i as usize].take() else {
            continue;
        };
        let id = &line.parsed.event.id;
        match register.seq_of(id) {
            Some(seq) if seq < first_new => {
                let mut existing = register.events()[seq].clone();
                if let Some(slot) = existing.body.personal_mut() {
                    *slot = stored_personal(id)?;
                }
                if same(&existing, &line.parsed) {
                    unchanged += 1;
                } else {
                    errors.push(LineError {
                        line: Some(line.line),
                        event: Some(id.clone()),
                        message: "this event id is already stored with other content".into(),
                        rule: None,
                    });
                }
            }
            Some(seq) => {
                // Twice in this file: fine if both lines say the same.
                if !same(&register.events()[seq], &line.parsed) {
                    errors.push(LineError {
                        line: Some(line.line),
                        event: Some(id.clone()),
                        message: format!(
                            "line {} has the same event id with other content",
                            line_of_new[seq - first_new]
                        ),
                        rule: None,
                    });
                }
            }
            None => {
                let number = line.line;
                match register.push(line.parsed.event) {
                    Ok(()) => line_of_new.push(number),
                    Err(v) => errors.push(LineError {
                        line: Some(number),
                        message: format!("{} (rule: {})", v.detail, v.rule),
                        event: Some(v.event),
                        rule: Some(v.rule),
                    }),
                }
            }
        }
    }
    errors.check()?;
    Ok(Plan {
        register,
        stored_seqs,
        first_new,
        unchanged,
        line_of_new,
    })
}

impl Plan {
    /// Runs the history's rules over stored + new events.
    fn check(&self) -> Result<(), ImportError> {
        let mut errors = Errors::default();
        for v in self.register.view(None).validate(MAX_ERRORS) {
            let line = self
                .register
                .seq_of(&v.event)
                .and_then(|seq| seq.checked_sub(self.first_new))
                .map(|n| self.line_of_new[n]);
            errors.push(LineError {
                line,
                message: format!("{} (rule: {})", v.detail, v.rule),
                event: Some(v.event),
                rule: Some(v.rule),
            });
        }
        errors.check()
    }

    /// Checks the history's rules and, at the same time, feeds `sink` the new events' rows
    /// (see `write_rows`). The caller writes inside its transaction and commits only if this
    /// returns Ok: a broken rule rolls back what was written, so nothing is stored. Returns
    /// the owner links and the register keys the new events add (`grouping`, `groups`), for
    /// the caller to store with them.
    pub fn check_and_write<'a>(
        &'a self,
        first_seq: i64,
        keys: &Keyring,
        progress: &dyn Progress,
        sink: impl FnMut(Vec<Row<'a>>) -> Result<(), StoreError>,
    ) -> Result<Written, ImportError> {
        std::thread::scope(|scope| {
            let checked = scope.spawn(|| self.check());
            let written = write_rows(
                self.new_events(),
                || {
                    let owners = grouping::owners(&self.register, self.first_new);
                    let owners = groups::in_the_whole(owners, &self.stored_seqs, first_seq);
                    let keys = groups::keys(&self.register, self.first_new, &owners.owners);
                    (owners, keys)
                },
                first_seq,
                keys,
                progress,
                sink,
            );
            checked
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            Ok(written?)
        })
    }

    /// What the new events change in the blind index; `open` gives the personal fields of a
    /// stored event.
    pub(crate) fn index_update(
        &self,
        keys: &Keyring,
        open: impl FnMut(&EventId) -> Result<PersonalFields, StoreError>,
    ) -> Result<crate::blind::IndexUpdate, StoreError> {
        let persons = crate::blind::touched(&self.register, self.first_new);
        if persons.is_empty() {
            return Ok(crate::blind::IndexUpdate::default());
        }
        let mut rows =
            crate::blind::rows(&self.register, Some(&persons), self.first_new, keys, open)?;
        // In term order, the rows go into the index's B-tree one after another.
        rows.sort_unstable();
        rows.dedup();
        // Only a person with details stored before may have rows to replace (a person's
        // events are all in their group, which the plan holds).
        let mut stored: Vec<PersonId> = self.register.events()[..self.first_new]
            .iter()
            .filter_map(|e| match &e.body {
                EventBody::PersonDetails(d) if persons.contains(&d.person) => {
                    Some(d.person.clone())
                }
                _ => None,
            })
            .collect();
        stored.sort_unstable();
        stored.dedup();
        Ok(crate::blind::IndexUpdate {
            persons: stored,
            rows,
        })
    }

    /// The persons of the groups the import touched (everything, for a whole register), by
    /// the register as it is after it.
    pub(crate) fn persons(&self) -> Vec<iku_domain::ids::PersonId> {
        self.register
            .view(None)
            .by_person()
            .into_iter()
            .map(|(p, _)| p.clone())
            .collect()
    }
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

/// One event ready to be written.
pub(crate) struct Row<'a> {
    pub seq: i64,
    pub event: &'a Event,
    /// `YYYY-MM-DD`
    pub date: String,
    /// The canonical line without personal fields.
    pub payload: String,
    pub sealed: Option<Sealed>,
    /// The statistics' read form (`iku_domain::facts`) and the event's owner.
    pub facts: Vec<u8>,
    pub owner: u32,
}

/// Feeds `sink` the rows of `events` (seq numbers from `first_seq`), in order, a batch at a
/// time. The rows are
/// made (serialised, personal fields sealed) on another thread while `sink` writes: on two
/// cores that halves the time of a large import.
fn write_rows<'a>(
    events: &'a [Event],
    owners: impl FnOnce() -> (grouping::Owners, Vec<(&'static str, String, u32)>) + Send,
    first_seq: i64,
    keys: &Keyring,
    progress: &dyn Progress,
    mut sink: impl FnMut(Vec<Row<'a>>) -> Result<(), StoreError>,
) -> Result<Written, StoreError> {
    const BATCH: usize = 4096;
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Result<Vec<Row<'a>>, StoreError>>(4);
        let producer = scope.spawn(move || {
            // The owners are worked out here, while the rules are checked on another thread.
            let (grouping::Owners { owners, links }, keys_added) = owners();
            let written = Written {
                links,
                keys: keys_added,
            };
            for (b, batch) in events.chunks(BATCH).enumerate() {
                let rows: Result<Vec<Row<'a>>, StoreError> = batch
                    .iter()
                    .enumerate()
                    .map(|(i, event)| {
                        let sealed = match event.body.personal() {
                            Some(p) if !p.is_empty() || p.erased => Some(keys.seal(&event.id, p)?),
                            _ => None,
                        };
                        let n = b * BATCH + i;
                        Ok(Row {
                            seq: first_seq + n as i64,
                            event,
                            date: format_date(event.date),
                            payload: write_stored(event),
                            sealed,
                            facts: facts::to_bytes(event),
                            owner: owners.get(n).copied().unwrap_or(u32::MAX),
                        })
                    })
                    .collect();
                let failed = rows.is_err();
                // The receiver is gone only if writing failed; then there is nothing to do.
                if send.send(rows).is_err() || failed {
                    return written;
                }
            }
            written
        });
        for rows in receive {
            let rows = rows?;
            let n = rows.len() as u64;
            sink(rows)?;
            progress.advance(n);
        }
        Ok(producer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Store(e.into())
    }
}

impl From<postgres::Error> for ImportError {
    fn from(e: postgres::Error) -> Self {
        ImportError::Store(e.into())
    }
}
