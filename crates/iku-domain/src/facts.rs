//! A compact binary form of an event without its personal fields: what the statistics read.
//!
//! The canonical stored form of an event is its interchange line (JSON). Reading five million
//! of those back for a review costs seconds in parsing and allocation alone, so every event is
//! also stored in this form, written once when the event is stored and never changed. It is
//! derived data: `decode(encode(e))` is `e` with its personal fields left out (a round-trip
//! property test holds that), and `iku verify` compares it with the canonical form.
//!
//! Layout: a version byte, the kind, the id, the valid date (Julian day, i32), the recorded
//! time (µs, i64), the corrected event if any, then the body's fields in declaration order.
//! Identifiers and codes are length-prefixed strings (codes by name, not by position, so that
//! a code list that grows does not change what stored bytes mean); integers little-endian.

use time::Date;

use crate::access::Username;
use crate::calendar::Timestamp;
use crate::codes::{Code, CodeList};
use crate::event::*;
use crate::ids::{ApplicationId, ChildId, EventId, IdError, PersonId};
use crate::personal::PersonalFields;

const VERSION: u8 = 1;

/// Why stored bytes are not an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactsError {
    #[error("the stored facts end early")]
    Truncated,
    #[error("unknown facts format version {0}")]
    Version(u8),
    #[error("unknown event kind {0}")]
    Kind(u8),
    #[error("bad value in the stored facts: {0}")]
    Value(&'static str),
    #[error("bad identifier in the stored facts: {0}")]
    Id(#[from] IdError),
    #[error("{0} bytes left over after the event")]
    Trailing(usize),
}

/// Appends the facts of `e` to `out`.
pub fn encode(e: &Event, out: &mut Vec<u8>) {
    let mut w = Writer(out);
    w.u8(VERSION);
    let kind = e.body.kind();
    w.u8(EventKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u8);
    w.str(e.id.as_str());
    w.i32(e.date.to_julian_day());
    w.i64(e.recorded_at.micros());
    w.opt_str(e.corrects.as_ref().map(EventId::as_str));
    match &e.body {
        EventBody::ApplicationReceived(a) => {
            w.str(a.application.as_str());
            w.str(a.person.as_str());
            w.str(a.referrer.code());
            w.u8(match a.basis {
                Basis::Victim => 0,
                Basis::Witness => 1,
            });
        }
        EventBody::PersonDetails(d) => {
            w.str(d.person.as_str());
            let x = &d.details;
            w.opt(x.birth_date, |w, d| w.i32(d.to_julian_day()));
            w.opt(x.birth_year, |w, y| w.i32(y));
            w.opt_code(x.gender);
            w.opt_code(x.nationality);
            w.opt_code(x.residence_status);
            w.opt(x.municipality_of_residence, |w, m| w.u8(u8::from(m)));
        }
        EventBody::ApplicationDecided(d) => {
            w.str(d.application.as_str());
            match d.decision {
                Decision::Admitted => w.u8(0),
                Decision::Rejected { reason } => {
                    w.u8(1);
                    w.str(reason.code());
                }
                Decision::Withdrawn => w.u8(2),
            }
        }
        EventBody::ExploitationAssessed(a) => {
            w.str(a.person.as_str());
            let forms = a.assessment.forms();
            w.u8(u8::try_from(forms.len()).unwrap_or(u8::MAX));
            for f in forms {
                w.str(f.form.code());
                w.u8(u8::from(f.primary));
                w.str(f.place.code());
                w.opt(f.minor_at_time, |w, m| w.u8(u8::from(m)));
            }
        }
        EventBody::ChildAdmitted { child, parent } => {
            w.str(child.as_str());
            w.str(parent.as_str());
        }
        EventBody::ChildLeft { child } => w.str(child.as_str()),
        EventBody::ReflectionPeriodGranted(g) => {
            w.str(g.person.as_str());
            w.u16(g.days);
            w.str(g.granted_by.code());
        }
        EventBody::ReflectionPeriodExtended { person, days } => {
            w.str(person.as_str());
            w.u16(*days);
        }
        EventBody::ReflectionPeriodInterrupted { person }
        | EventBody::IdentificationStarted { person }
        | EventBody::ExpertGroupHeard { person }
        | EventBody::ConsentWithdrawn { person }
        | EventBody::ProcessingRestricted { person }
        | EventBody::RestrictionLifted { person } => w.str(person.as_str()),
        EventBody::IdentificationDecided { person, outcome } => {
            w.str(person.as_str());
            w.u8(match outcome {
                IdentificationOutcome::Identified => 0,
                IdentificationOutcome::NotIdentified => 1,
            });
        }
        EventBody::AssistanceMeasure(m) => {
            w.str(m.person.as_str());
            w.str(m.measure.code());
            w.opt_code(m.provider);
        }
        EventBody::AssistanceTerminated { person, reason } => {
            w.str(person.as_str());
            w.str(reason.code());
        }
        EventBody::Retraction { retracts } => w.str(retracts.as_str()),
        EventBody::JournalEntry(j) => {
            w.str(j.person.as_str());
            let kind = JournalKind::ALL.iter().position(|k| *k == j.kind);
            w.u8(kind.unwrap_or(0) as u8);
            w.str(j.author.as_str());
            w.opt(j.follow_up, |w, d| w.i32(d.to_julian_day()));
        }
        EventBody::NeedAssessed(n) => {
            w.str(n.person.as_str());
            w.u8(position(&NeedArea::ALL, &n.area));
            w.str(n.author.as_str());
        }
        EventBody::PlanMeasure(m) => {
            w.str(m.person.as_str());
            w.u8(position(&NeedArea::ALL, &m.area));
            w.str(m.measure.code());
            w.opt_code(m.provider);
            w.u8(position(&PlanStatus::ALL, &m.status));
            w.opt(m.due, |w, d| w.i32(d.to_julian_day()));
            w.opt(m.review, |w, d| w.i32(d.to_julian_day()));
            w.str(m.author.as_str());
        }
    }
}

/// A value's place in its list, as the facts store it.
fn position<T: PartialEq>(all: &[T], value: &T) -> u8 {
    all.iter().position(|v| v == value).unwrap_or(0) as u8
}

/// The value at a stored place in its list.
fn at<T: Copy>(all: &[T], place: u8, what: &'static str) -> Result<T, FactsError> {
    all.get(usize::from(place))
        .copied()
        .ok_or(FactsError::Value(what))
}

/// The facts of `e` as a new buffer.
pub fn to_bytes(e: &Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    encode(e, &mut out);
    out
}

/// The valid date of encoded facts, read without decoding the rest.
pub fn date_of(bytes: &[u8]) -> Result<Date, FactsError> {
    let mut r = Reader(bytes);
    r.header()?;
    r.str()?;
    r.date()
}

/// Reads an event back; its personal fields are empty.
pub fn decode(bytes: &[u8]) -> Result<Event, FactsError> {
    let mut r = Reader(bytes);
    let kind = r.header()?;
    let id = EventId::parse(r.str()?)?;
    let date = r.date()?;
    let recorded_at = Timestamp::from_micros(r.i64()?);
    let corrects = match r.flag()? {
        true => Some(EventId::parse(r.str()?)?),
        false => None,
    };
    let body = match kind {
        EventKind::ApplicationReceived => EventBody::ApplicationReceived(ApplicationReceived {
            application: ApplicationId::parse(r.str()?)?,
            person: PersonId::parse(r.str()?)?,
            referrer: r.code()?,
            basis: match r.u8()? {
                0 => Basis::Victim,
                1 => Basis::Witness,
                _ => return Err(FactsError::Value("basis")),
            },
        }),
        EventKind::PersonDetails => {
            let person = PersonId::parse(r.str()?)?;
            let birth_date = match r.flag()? {
                true => Some(r.date()?),
                false => None,
            };
            let birth_year = match r.flag()? {
                true => Some(r.i32()?),
                false => None,
            };
            let details = Details {
                birth_date,
                birth_year,
                gender: r.opt_code()?,
                nationality: r.opt_code()?,
                residence_status: r.opt_code()?,
                municipality_of_residence: match r.flag()? {
                    true => Some(r.flag()?),
                    false => None,
                },
                personal: PersonalFields::default(),
            };
            EventBody::PersonDetails(PersonDetails { person, details })
        }
        EventKind::ApplicationDecided => EventBody::ApplicationDecided(ApplicationDecided {
            application: ApplicationId::parse(r.str()?)?,
            decision: match r.u8()? {
                0 => Decision::Admitted,
                1 => Decision::Rejected { reason: r.code()? },
                2 => Decision::Withdrawn,
                _ => return Err(FactsError::Value("decision")),
            },
            personal: PersonalFields::default(),
        }),
        EventKind::ExploitationAssessed => {
            let person = PersonId::parse(r.str()?)?;
            let n = r.u8()?;
            let mut forms = Vec::with_capacity(usize::from(n));
            for _ in 0..n {
                forms.push(Exploitation {
                    form: r.code()?,
                    primary: r.flag()?,
                    place: r.code()?,
                    minor_at_time: match r.flag()? {
                        true => Some(r.flag()?),
                        false => None,
                    },
                });
            }
            let assessment = Assessment::new(forms).map_err(|_| FactsError::Value("assessment"))?;
            EventBody::ExploitationAssessed(ExploitationAssessed { person, assessment })
        }
        EventKind::ChildAdmitted => EventBody::ChildAdmitted {
            child: ChildId::parse(r.str()?)?,
            parent: PersonId::parse(r.str()?)?,
        },
        EventKind::ChildLeft => EventBody::ChildLeft {
            child: ChildId::parse(r.str()?)?,
        },
        EventKind::ReflectionPeriodGranted => {
            EventBody::ReflectionPeriodGranted(ReflectionPeriodGranted {
                person: PersonId::parse(r.str()?)?,
                days: r.u16()?,
                granted_by: r.code()?,
            })
        }
        EventKind::ReflectionPeriodExtended => EventBody::ReflectionPeriodExtended {
            person: PersonId::parse(r.str()?)?,
            days: r.u16()?,
        },
        EventKind::ReflectionPeriodInterrupted => EventBody::ReflectionPeriodInterrupted {
            person: PersonId::parse(r.str()?)?,
        },
        EventKind::ConsentWithdrawn => EventBody::ConsentWithdrawn {
            person: PersonId::parse(r.str()?)?,
        },
        EventKind::ProcessingRestricted => EventBody::ProcessingRestricted {
            person: PersonId::parse(r.str()?)?,
        },
        EventKind::RestrictionLifted => EventBody::RestrictionLifted {
            person: PersonId::parse(r.str()?)?,
        },
        EventKind::IdentificationStarted => EventBody::IdentificationStarted {
            person: PersonId::parse(r.str()?)?,
        },
        EventKind::ExpertGroupHeard => EventBody::ExpertGroupHeard {
            person: PersonId::parse(r.str()?)?,
        },
        EventKind::IdentificationDecided => EventBody::IdentificationDecided {
            person: PersonId::parse(r.str()?)?,
            outcome: match r.u8()? {
                0 => IdentificationOutcome::Identified,
                1 => IdentificationOutcome::NotIdentified,
                _ => return Err(FactsError::Value("identification outcome")),
            },
        },
        EventKind::AssistanceMeasure => EventBody::AssistanceMeasure(AssistanceMeasureGiven {
            person: PersonId::parse(r.str()?)?,
            measure: r.code()?,
            provider: r.opt_code()?,
        }),
        EventKind::AssistanceTerminated => EventBody::AssistanceTerminated {
            person: PersonId::parse(r.str()?)?,
            reason: r.code()?,
        },
        EventKind::Retraction => EventBody::Retraction {
            retracts: EventId::parse(r.str()?)?,
        },
        EventKind::JournalEntry => EventBody::JournalEntry(JournalEntry {
            person: PersonId::parse(r.str()?)?,
            kind: *JournalKind::ALL
                .get(usize::from(r.u8()?))
                .ok_or(FactsError::Value("journal kind"))?,
            author: Username::parse(r.str()?).map_err(|_| FactsError::Value("author"))?,
            follow_up: match r.flag()? {
                true => Some(r.date()?),
                false => None,
            },
            personal: PersonalFields::default(),
        }),
        EventKind::NeedAssessed => EventBody::NeedAssessed(NeedAssessed {
            person: PersonId::parse(r.str()?)?,
            area: at(&NeedArea::ALL, r.u8()?, "need area")?,
            author: Username::parse(r.str()?).map_err(|_| FactsError::Value("author"))?,
            personal: PersonalFields::default(),
        }),
        EventKind::PlanMeasure => EventBody::PlanMeasure(PlanMeasure {
            person: PersonId::parse(r.str()?)?,
            area: at(&NeedArea::ALL, r.u8()?, "need area")?,
            measure: r.code()?,
            provider: r.opt_code()?,
            status: at(&PlanStatus::ALL, r.u8()?, "plan status")?,
            due: match r.flag()? {
                true => Some(r.date()?),
                false => None,
            },
            review: match r.flag()? {
                true => Some(r.date()?),
                false => None,
            },
            author: Username::parse(r.str()?).map_err(|_| FactsError::Value("author"))?,
            personal: PersonalFields::default(),
        }),
    };
    if !r.0.is_empty() {
        return Err(FactsError::Trailing(r.0.len()));
    }
    Ok(Event {
        id,
        date,
        recorded_at,
        corrects,
        body,
    })
}

struct Writer<'a>(&'a mut Vec<u8>);

impl Writer<'_> {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// Identifiers are at most 100 bytes and codes shorter (both checked when parsed).
    fn str(&mut self, s: &str) {
        self.u8(u8::try_from(s.len()).unwrap_or(u8::MAX));
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt<T>(&mut self, v: Option<T>, write: impl FnOnce(&mut Self, T)) {
        match v {
            Some(v) => {
                self.u8(1);
                write(self, v);
            }
            None => self.u8(0),
        }
    }
    fn opt_str(&mut self, v: Option<&str>) {
        self.opt(v, |w, s| w.str(s));
    }
    fn opt_code<L: CodeList>(&mut self, v: Option<Code<L>>) {
        self.opt(v, |w, c| w.str(c.code()));
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FactsError> {
        if self.0.len() < n {
            return Err(FactsError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], FactsError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, FactsError> {
        Ok(self.take(1)?[0])
    }
    fn flag(&mut self) -> Result<bool, FactsError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(FactsError::Value("flag")),
        }
    }
    fn u16(&mut self) -> Result<u16, FactsError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn i32(&mut self) -> Result<i32, FactsError> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    fn i64(&mut self) -> Result<i64, FactsError> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    fn date(&mut self) -> Result<Date, FactsError> {
        Date::from_julian_day(self.i32()?).map_err(|_| FactsError::Value("date"))
    }
    fn str(&mut self) -> Result<&'a str, FactsError> {
        let n = usize::from(self.u8()?);
        std::str::from_utf8(self.take(n)?).map_err(|_| FactsError::Value("text"))
    }
    fn code<L: CodeList>(&mut self) -> Result<Code<L>, FactsError> {
        Code::parse(self.str()?).ok_or(FactsError::Value("code"))
    }
    fn opt_code<L: CodeList>(&mut self) -> Result<Option<Code<L>>, FactsError> {
        match self.flag()? {
            true => Ok(Some(self.code()?)),
            false => Ok(None),
        }
    }
    fn header(&mut self) -> Result<EventKind, FactsError> {
        let version = self.u8()?;
        if version != VERSION {
            return Err(FactsError::Version(version));
        }
        let kind = self.u8()?;
        EventKind::ALL
            .get(usize::from(kind))
            .copied()
            .ok_or(FactsError::Kind(kind))
    }
}

#[cfg(test)]
mod tests;
