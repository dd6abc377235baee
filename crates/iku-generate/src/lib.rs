//! Random registers for tests and benchmarks: valid by construction, deterministic per seed,
//! covering every event type, corrections (also of corrections) and retractions.
//!
//! Each person gets a plausible history between `start` and `end`: an application, details,
//! a decision and, for clients, assessments, measures, children, reflection periods, the
//! official identification (before 2023), termination and sometimes re-admission. Events are
//! returned in the order they were recorded, as a legacy system would export them.

pub mod demo;
mod journal;
mod plan;
mod rng;

use iku_domain::Timestamp;
use iku_domain::calendar::age_on;
use iku_domain::codes::{Code, CodeList};
use iku_domain::event::*;
use iku_domain::ids::{ApplicationId, ChildId, EventId, PersonId};
use iku_domain::personal::{Personal, PersonalFields};
use time::{Date, Duration, Month};

pub use rng::Rng;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub persons: usize,
    pub seed: u64,
    /// First and last date of the register's history.
    pub start: Date,
    pub end: Date,
    /// Personal fields (names, phone numbers, notes) on details events.
    pub personal_fields: bool,
    /// Put before every id, so that registers of different seeds can be imported together.
    pub id_prefix: String,
    /// Casework (not statistics): case journal entries, needs assessed and plans' measures,
    /// added without changing the rest.
    pub journal: bool,
}

impl Options {
    pub fn new(persons: usize, seed: u64) -> Self {
        Self {
            persons,
            seed,
            start: date(2018, Month::January, 1),
            end: date(2025, Month::December, 31),
            personal_fields: true,
            id_prefix: String::new(),
            journal: false,
        }
    }
}

fn date(y: i32, m: Month, d: u8) -> Date {
    Date::from_calendar_date(y, m, d).unwrap_or(Date::MIN)
}

/// Generates a register.
pub fn generate(options: &Options) -> Vec<Event> {
    let mut g = Generator {
        rng: Rng::new(options.seed),
        extra: Rng::new(options.seed ^ 0xC0_44EC_7104),
        options: options.clone(),
        events: Vec::with_capacity(options.persons * 7),
        next_event: 0,
        next_application: 0,
        next_child: 0,
        clock: Timestamp::from_micros(0),
    };
    for p in 0..options.persons {
        g.person(
            PersonId::parse(&format!("{}p{p}", options.id_prefix))
                .unwrap_or_else(|_| unreachable!()),
        );
    }
    if options.journal {
        let entries = journal::entries(&g.events, options);
        let plans = plan::plans(&g.events, options);
        g.events.extend(entries);
        g.events.extend(plans);
    }
    // Recorded order; generation order breaks ties, so an amendment follows what it amends.
    let mut events: Vec<(usize, Event)> = g.events.into_iter().enumerate().collect();
    events.sort_by_key(|(i, e)| (e.recorded_at, *i));
    events.into_iter().map(|(_, e)| e).collect()
}

/// Corrections with identical content of the events `select` picks among those that can be
/// corrected (no retraction, nothing amended already), recorded one microsecond apart after
/// the last event. They change nothing the register means: a review as of now, or a rule,
/// that sees a difference is wrong.
pub fn identical_corrections(events: &[Event], select: impl Fn(usize) -> bool) -> Vec<Event> {
    let amended: std::collections::HashSet<&EventId> = events
        .iter()
        .filter_map(|e| match (&e.corrects, &e.body) {
            (Some(t), _) | (None, EventBody::Retraction { retracts: t }) => Some(t),
            _ => None,
        })
        .collect();
    let last = events
        .iter()
        .map(|e| e.recorded_at.micros())
        .max()
        .unwrap_or(0);
    events
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            select(*i)
                && !matches!(e.body, EventBody::Retraction { .. })
                && !amended.contains(&e.id)
        })
        .enumerate()
        .map(|(n, (_, e))| Event {
            id: EventId::parse(&format!("{}-same", e.id)).unwrap_or_else(|_| e.id.clone()),
            recorded_at: Timestamp::from_micros(last + 1 + n as i64),
            corrects: Some(e.id.clone()),
            ..e.clone()
        })
        .collect()
}

struct Generator {
    rng: Rng,
    /// A second stream for what was added to the generator later (same-day corrections,
    /// identification after re-admission), so that a seed still gives the events it gave
    /// before, with these added.
    extra: Rng,
    options: Options,
    events: Vec<Event>,
    next_event: u64,
    next_application: u64,
    next_child: u64,
    /// The last recording moment of the current person: one person's events are recorded in
    /// the order they are generated, so the application comes before what follows it on the
    /// same day.
    clock: Timestamp,
}

fn pick<L: CodeList>(rng: &mut Rng, on: Date) -> Code<L> {
    let codes: Vec<Code<L>> = Code::<L>::all()
        .filter(|c| c.entry().valid_on(on))
        .collect();
    codes[rng.below(codes.len() as u64) as usize]
}

fn code<L: CodeList>(c: &str) -> Code<L> {
    Code::parse(c).unwrap_or_else(|| unreachable!("code {c} in codes.tsv"))
}

/// Weighted choice among codes: the published figures are far from uniform.
fn weighted<L: CodeList>(rng: &mut Rng, table: &[(&str, u64)]) -> Code<L> {
    let total: u64 = table.iter().map(|(_, w)| w).sum();
    let mut x = rng.below(total);
    for (c, w) in table {
        if x < *w {
            return code(c);
        }
        x -= w;
    }
    code(table[0].0)
}

const FIRST_NAMES: [&str; 12] = [
    "Aino", "Nadia", "Grace", "Linh", "Olena", "Tomas", "Ibrahim", "Mei", "Joy", "Pavel", "Amina",
    "Kofi",
];
const LAST_NAMES: [&str; 10] = [
    "Testinen",
    "Example",
    "Sample",
    "Mallikas",
    "Demo",
    "Fiktiv",
    "Placeholder",
    "Kuvitteellinen",
    "Synth",
    "Nimetön",
];

impl Generator {
    fn add(&mut self, date: Date, body: EventBody) -> EventId {
        let id = self.new_event_id();
        let recorded_at = self.recording_of(date);
        self.events.push(Event {
            id: id.clone(),
            date,
            recorded_at,
            corrects: None,
            body,
        });
        id
    }

    fn new_event_id(&mut self) -> EventId {
        self.next_event += 1;
        EventId::parse(&format!("{}e{}", self.options.id_prefix, self.next_event))
            .unwrap_or_else(|_| unreachable!())
    }

    /// A moment on the day after `date` or within a week (office hours, whole seconds).
    fn recording_of(&mut self, date: Date) -> Timestamp {
        let day = date.next_day().unwrap_or(date) + Duration::days(self.rng.below(7) as i64);
        let midnight = day.midnight().assume_utc();
        let second = 6 * 3600 + self.rng.below(10 * 3600) as i64;
        let candidate = Timestamp::from_offset_date_time(midnight + Duration::seconds(second));
        self.clock = candidate.max(Timestamp::from_micros(self.clock.micros() + 1_000_000));
        self.clock
    }

    fn later(&mut self, from: Date, min_days: i64, max_days: i64) -> Option<Date> {
        let d = from
            + Duration::days(min_days + self.rng.below((max_days - min_days + 1) as u64) as i64);
        (d <= self.options.end).then_some(d)
    }

    fn details(&mut self, birth: Date, first: bool) -> Details {
        let rng = &mut self.rng;
        let mut d = Details::default();
        if first {
            if rng.chance(80) {
                d.birth_date = Some(birth);
            } else if rng.chance(75) {
                d.birth_year = Some(birth.year());
            }
            d.gender = Some(weighted(
                rng,
                &[("female", 53), ("male", 45), ("other", 1), ("unknown", 1)],
            ));
            d.nationality = Some(if rng.chance(70) {
                weighted(
                    rng,
                    &[
                        ("NGA", 12),
                        ("IRQ", 8),
                        ("VNM", 8),
                        ("RUS", 6),
                        ("AFG", 6),
                        ("THA", 5),
                        ("UKR", 5),
                        ("FIN", 4),
                        ("SOM", 4),
                        ("ROU", 3),
                        ("XXX", 2),
                        ("XXA", 1),
                    ],
                )
            } else {
                pick(rng, birth)
            });
            d.municipality_of_residence = Some(rng.chance(30));
        }
        d.residence_status = Some(weighted(
            rng,
            &[
                ("asylum_seeker", 55),
                ("residence_permit", 17),
                ("illegal_stay", 12),
                ("finnish_citizen", 6),
                ("visa_exempt", 5),
                ("eu_citizen", 3),
                ("temporary_protection", 1),
                ("unknown", 1),
            ],
        ));
        if self.options.personal_fields && (first || rng.chance(20)) {
            let name = format!(
                "{} {}",
                FIRST_NAMES[rng.below(FIRST_NAMES.len() as u64) as usize],
                LAST_NAMES[rng.below(LAST_NAMES.len() as u64) as usize]
            );
            d.personal = PersonalFields {
                name: Some(Personal::new(&name)),
                phone: rng
                    .chance(60)
                    .then(|| Personal::new(&format!("+358 40 {:07}", rng.below(10_000_000)))),
                email: rng.chance(20).then(|| {
                    Personal::new(&format!("client{}@example.invalid", rng.below(1_000_000)))
                }),
                note: rng.chance(15).then(|| {
                    Personal::new("Synthetic test person; \"invented\" data.\nSecond line.")
                }),
                personal_identity_code: None,
                erased: false,
            };
        }
        d
    }

    fn assessment(&mut self, on: Date, minor: bool) -> Assessment {
        let n = 1 + self.rng.below(3) as usize;
        let mut forms: Vec<Exploitation> = Vec::with_capacity(n);
        while forms.len() < n {
            let form = weighted(
                &mut self.rng,
                &[
                    ("forced_labour", 40),
                    ("sexual_exploitation", 30),
                    ("forced_marriage", 8),
                    ("forced_criminality", 8),
                    ("forced_begging", 3),
                    ("benefit_fraud", 3),
                    ("child_soldier", 1),
                    ("organ_trafficking", 1),
                    ("other", 6),
                ],
            );
            if forms.iter().any(|f| f.form == form) {
                continue;
            }
            forms.push(Exploitation {
                form,
                primary: forms.is_empty(),
                place: if self.rng.chance(45) {
                    code("finland")
                } else {
                    code("abroad")
                },
                minor_at_time: (minor || self.rng.chance(10))
                    .then_some(true)
                    .or(self.rng.chance(50).then_some(false)),
            });
        }
        let _ = on;
        Assessment::new(forms).unwrap_or_else(|_| unreachable!("one primary, distinct forms"))
    }

    fn application(&mut self, person: &PersonId, on: Date) -> ApplicationId {
        self.next_application += 1;
        let application = ApplicationId::parse(&format!(
            "{}a{}",
            self.options.id_prefix, self.next_application
        ))
        .unwrap_or_else(|_| unreachable!());
        let referrer: Code<iku_domain::codes::Referrer> = weighted(
            &mut self.rng,
            &[
                ("reception_centre", 88),
                ("victim_self", 70),
                ("immigration_service", 63),
                ("lawyer", 49),
                ("victim_support", 46),
                ("police", 25),
                ("social_services", 17),
                ("shelter", 14),
                ("ngo", 10),
                ("prison", 3),
                ("parish", 2),
                ("border_guard", 2),
                ("child_welfare", 1),
                ("detention_unit", 1),
                ("health_care", 2),
                ("labour_inspection", 1),
                ("other", 3),
            ],
        );
        // Social work referred through the municipalities until 2022, then the counties.
        let referrer = code(iku_domain::codes::social_work_referrer(referrer.code(), on));
        let basis = if self.rng.chance(3) {
            Basis::Witness
        } else {
            Basis::Victim
        };
        self.add(
            on,
            EventBody::ApplicationReceived(ApplicationReceived {
                application: application.clone(),
                person: person.clone(),
                referrer,
                basis,
            }),
        );
        application
    }

    fn person(&mut self, person: PersonId) {
        let first = self.events.len();
        self.person_history(person);
        self.with_extra_stream(|g| g.same_day_corrections(first));
    }

    /// Runs `f` with the second random stream in place of the first.
    fn with_extra_stream(&mut self, f: impl FnOnce(&mut Self)) {
        std::mem::swap(&mut self.rng, &mut self.extra);
        f(self);
        std::mem::swap(&mut self.rng, &mut self.extra);
    }

    /// Corrections, recorded later, of a person's application or admission (from the events
    /// at `first` on): with the same content, or another referrer. Such a correction must keep
    /// its place before the details, assessment or child recorded after the original on the
    /// same day.
    fn same_day_corrections(&mut self, first: usize) {
        let amended = |g: &Self, id: &EventId| {
            g.events[first..].iter().any(|e| {
                e.corrects.as_ref() == Some(id)
                    || matches!(&e.body, EventBody::Retraction { retracts } if retracts == id)
            })
        };
        let targets: Vec<usize> = (first..self.events.len())
            .filter(|&i| {
                let e = &self.events[i];
                let kind_fits = match &e.body {
                    EventBody::ApplicationReceived(_) => true,
                    EventBody::ApplicationDecided(d) => d.decision == Decision::Admitted,
                    _ => false,
                };
                kind_fits && e.corrects.is_none() && !amended(self, &e.id)
            })
            .collect();
        for i in targets {
            if !self.rng.chance(6) {
                continue;
            }
            let (id, date, mut body) = {
                let e = &self.events[i];
                (e.id.clone(), e.date, e.body.clone())
            };
            if let EventBody::ApplicationReceived(a) = &mut body
                && self.rng.chance(50)
            {
                a.referrer = pick(&mut self.rng, date);
            }
            self.amend(id, date, Some(body));
        }
    }

    fn person_history(&mut self, person: PersonId) {
        self.clock = Timestamp::from_micros(0);
        let span = (self.options.end - self.options.start).whole_days().max(1);
        let applied = self.options.start + Duration::days(self.rng.below(span as u64) as i64);
        let age_years = if self.rng.chance(6) {
            12 + self.rng.below(6)
        } else {
            18 + self.rng.below(45)
        };
        let birth = applied - Duration::days(age_years as i64 * 365 + self.rng.below(365) as i64);
        let application = self.application(&person, applied);
        let details = self.details(birth, true);
        let details_event = self.add(
            applied,
            EventBody::PersonDetails(PersonDetails {
                person: person.clone(),
                details,
            }),
        );
        if self.rng.chance(8) {
            self.amend_details(&person, details_event, applied, birth);
        }
        let Some(decided) = self.later(applied, 0, 90) else {
            return;
        };
        let outcome = self.rng.below(100);
        let decision = match outcome {
            0..=64 => Decision::Admitted,
            65..=89 => Decision::Rejected {
                reason: pick(&mut self.rng, decided),
            },
            90..=94 => Decision::Withdrawn,
            _ => return, // still pending
        };
        let decision_event = self.add(
            decided,
            EventBody::ApplicationDecided(ApplicationDecided {
                application: application.clone(),
                decision,
                personal: Default::default(),
            }),
        );
        if let Decision::Rejected { .. } = decision {
            if self.rng.chance(10) {
                // A corrected rejection reason.
                let reason = pick(&mut self.rng, decided);
                self.amend(
                    decision_event,
                    decided,
                    Some(EventBody::ApplicationDecided(ApplicationDecided {
                        application,
                        decision: Decision::Rejected { reason },
                        personal: Default::default(),
                    })),
                );
            }
            return;
        }
        if decision != Decision::Admitted {
            return;
        }
        self.client_period(&person, decided, birth);
    }

    /// A client from `admitted`: assessments, measures, children, reflection period,
    /// identification, details changes, termination and perhaps re-admission.
    fn client_period(&mut self, person: &PersonId, admitted: Date, birth: Date) {
        let terminated = if self.rng.chance(45) {
            self.later(admitted, 20, 900)
        } else {
            None
        };
        let last = terminated.unwrap_or(self.options.end);
        let within = |g: &mut Self, min: i64| -> Option<Date> {
            let d = g.later(admitted, min, 600)?;
            (d < last).then_some(d)
        };
        if self.rng.chance(92) {
            let minor = age_on(birth, admitted) < 18;
            let a = self.assessment(admitted, minor);
            let assessed = self.add(
                admitted,
                EventBody::ExploitationAssessed(ExploitationAssessed {
                    person: person.clone(),
                    assessment: a,
                }),
            );
            if self.rng.chance(6) {
                let corrected = self.assessment(admitted, minor);
                self.amend(
                    assessed,
                    admitted,
                    Some(EventBody::ExploitationAssessed(ExploitationAssessed {
                        person: person.clone(),
                        assessment: corrected,
                    })),
                );
            }
            if let Some(on) = within(self, 30).filter(|_| self.rng.chance(10)) {
                let a = self.assessment(on, minor);
                self.add(
                    on,
                    EventBody::ExploitationAssessed(ExploitationAssessed {
                        person: person.clone(),
                        assessment: a,
                    }),
                );
            }
        }
        for _ in 0..self.rng.below(3) {
            if let Some(on) = within(self, 0) {
                let measure = pick(&mut self.rng, on);
                let provider = self.rng.chance(50).then(|| pick(&mut self.rng, on));
                let m = self.add(
                    on,
                    EventBody::AssistanceMeasure(AssistanceMeasureGiven {
                        person: person.clone(),
                        measure,
                        provider,
                    }),
                );
                if self.rng.chance(5) {
                    self.amend(m, on, None);
                }
            }
        }
        if self.rng.chance(15) {
            for _ in 0..1 + self.rng.below(2) {
                let Some(on) = within(self, 0) else { continue };
                self.next_child += 1;
                let child =
                    ChildId::parse(&format!("{}c{}", self.options.id_prefix, self.next_child))
                        .unwrap_or_else(|_| unreachable!());
                self.add(
                    on,
                    EventBody::ChildAdmitted {
                        child: child.clone(),
                        parent: person.clone(),
                    },
                );
                if let Some(left) = self.later(on, 1, 700).filter(|_| self.rng.chance(30)) {
                    let e = self.add(left, EventBody::ChildLeft { child });
                    if self.rng.chance(10) {
                        self.amend(e, left, None);
                    }
                }
            }
        }
        if self.rng.chance(12) {
            let granted_by = pick(&mut self.rng, admitted);
            let days = 30 + self.rng.below(91) as u16;
            self.add(
                admitted,
                EventBody::ReflectionPeriodGranted(ReflectionPeriodGranted {
                    person: person.clone(),
                    days,
                    granted_by,
                }),
            );
            let mut end = admitted + Duration::days(i64::from(days) - 1);
            let mut total = days;
            let mut last_change = admitted;
            if let Some(on) = self
                .later(admitted, 1, i64::from(days) - 1)
                .filter(|_| self.rng.chance(40))
            {
                let extra = 1 + self.rng.below(u64::from(REFLECTION_MAX_DAYS - total)) as u16;
                self.add(
                    on,
                    EventBody::ReflectionPeriodExtended {
                        person: person.clone(),
                        days: extra,
                    },
                );
                total += extra;
                last_change = on;
                end = admitted + Duration::days(i64::from(total) - 1);
            }
            let room = (end - last_change).whole_days();
            if let Some(on) = self
                .later(last_change, 1, room.max(1))
                .filter(|d| *d <= end && self.rng.chance(15))
            {
                self.add(
                    on,
                    EventBody::ReflectionPeriodInterrupted {
                        person: person.clone(),
                    },
                );
            }
        }
        let abolished = identification_abolished();
        if admitted < abolished && self.rng.chance(25) {
            self.add(
                admitted,
                EventBody::IdentificationStarted {
                    person: person.clone(),
                },
            );
            if let Some(heard) = self
                .later(admitted, 10, 200)
                .filter(|d| *d < abolished && self.rng.chance(80))
            {
                self.add(
                    heard,
                    EventBody::ExpertGroupHeard {
                        person: person.clone(),
                    },
                );
                if let Some(decided) = self
                    .later(heard, 1, 120)
                    .filter(|d| *d < abolished && self.rng.chance(80))
                {
                    let outcome = if self.rng.chance(90) {
                        IdentificationOutcome::Identified
                    } else {
                        IdentificationOutcome::NotIdentified
                    };
                    self.add(
                        decided,
                        EventBody::IdentificationDecided {
                            person: person.clone(),
                            outcome,
                        },
                    );
                }
            }
        }
        if let Some(on) = within(self, 60).filter(|_| self.rng.chance(25)) {
            let details = self.details(birth, false);
            self.add(
                on,
                EventBody::PersonDetails(PersonDetails {
                    person: person.clone(),
                    details,
                }),
            );
        }
        let Some(ended) = terminated else { return };
        let reason = pick(&mut self.rng, ended);
        self.add(
            ended,
            EventBody::AssistanceTerminated {
                person: person.clone(),
                reason,
            },
        );
        if let Some(again) = self.later(ended, 30, 700).filter(|_| self.rng.chance(10)) {
            let application = self.application(person, again);
            if let Some(decided) = self.later(again, 0, 60) {
                self.add(
                    decided,
                    EventBody::ApplicationDecided(ApplicationDecided {
                        application,
                        decision: Decision::Admitted,
                        personal: Default::default(),
                    }),
                );
                if decided < identification_abolished() {
                    self.with_extra_stream(|g| {
                        if g.rng.chance(30) {
                            // A new client period may have an official identification of its
                            // own.
                            g.add(
                                decided,
                                EventBody::IdentificationStarted {
                                    person: person.clone(),
                                },
                            );
                        }
                    });
                }
                let last_period_end = self.options.end;
                if let Some(on) = self
                    .later(decided, 0, 200)
                    .filter(|d| *d <= last_period_end)
                {
                    let measure = pick(&mut self.rng, on);
                    self.add(
                        on,
                        EventBody::AssistanceMeasure(AssistanceMeasureGiven {
                            person: person.clone(),
                            measure,
                            provider: None,
                        }),
                    );
                }
            }
        }
    }

    /// Corrections and retractions of a details event, sometimes in chains.
    fn amend_details(&mut self, person: &PersonId, target: EventId, on: Date, birth: Date) {
        let mut target = target;
        for _ in 0..1 + self.rng.below(3) {
            if self.rng.chance(25) {
                self.amend(target, on, None);
                return;
            }
            let details = self.details(birth, true);
            target = self.amend(
                target,
                on,
                Some(EventBody::PersonDetails(PersonDetails {
                    person: person.clone(),
                    details,
                })),
            );
        }
    }

    /// Records a correction (`Some(body)`) or a retraction (`None`) of `target`, some days
    /// after the target was recorded.
    fn amend(&mut self, target: EventId, date: Date, body: Option<EventBody>) -> EventId {
        let after = self
            .events
            .iter()
            .rev()
            .find(|e| e.id == target)
            .map(|e| e.recorded_at)
            .unwrap_or(Timestamp::from_micros(0));
        let id = self.new_event_id();
        let recorded_at = Timestamp::from_micros(
            after.micros() + 1_000_000 * (60 + self.rng.below(60 * 86_400) as i64),
        );
        self.clock = self.clock.max(recorded_at);
        let (corrects, body) = match body {
            Some(body) => (Some(target), body),
            None => (None, EventBody::Retraction { retracts: target }),
        };
        self.events.push(Event {
            id: id.clone(),
            date,
            recorded_at,
            corrects,
            body,
        });
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iku_domain::Register;
    use std::collections::HashSet;

    #[test]
    fn registers_are_valid_and_cover_every_event_type() {
        for seed in 0..20 {
            let options = Options {
                journal: true,
                ..Options::new(300, seed)
            };
            let events = generate(&options);
            let kinds: HashSet<EventKind> = events.iter().map(|e| e.body.kind()).collect();
            let register = Register::new(events);
            let Ok(register) = register else {
                panic!("seed {seed}: {register:?}")
            };
            let violations = register.view(None).validate(5);
            assert!(violations.is_empty(), "seed {seed}: {violations:?}");
            // Every kind but those of a person's own requests (a withdrawn consent, a
            // restriction), which close or freeze a case: the domain's tests make those.
            let requests = [
                EventKind::ConsentWithdrawn,
                EventKind::ProcessingRestricted,
                EventKind::RestrictionLifted,
            ];
            let made: Vec<EventKind> = EventKind::ALL
                .into_iter()
                .filter(|k| !requests.contains(k))
                .collect();
            assert!(
                made.iter().all(|k| kinds.contains(k)),
                "seed {seed}: {kinds:?}"
            );
            assert!(!requests.iter().any(|k| kinds.contains(k)));
            assert!(register.events().iter().any(|e| e.corrects.is_some()));
        }
    }

    #[test]
    fn a_journal_adds_entries_and_changes_nothing_else() {
        let plain = generate(&Options::new(200, 3));
        let with = generate(&Options {
            journal: true,
            ..Options::new(200, 3)
        });
        let (entries, rest): (Vec<Event>, Vec<Event>) = with.into_iter().partition(|e| {
            matches!(
                e.body,
                EventBody::JournalEntry(_) | EventBody::NeedAssessed(_) | EventBody::PlanMeasure(_)
            )
        });
        assert!(entries.len() > 20, "{}", entries.len());
        assert_eq!(rest, plain);
    }

    #[test]
    fn a_seed_means_the_same_register() {
        assert_eq!(
            generate(&Options::new(50, 7)),
            generate(&Options::new(50, 7))
        );
        assert_ne!(
            generate(&Options::new(50, 7)),
            generate(&Options::new(50, 8))
        );
    }
}
