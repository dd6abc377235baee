//! Every table of a review, computed in one pass over the register's persons.
//!
//! Each person's events (`View::by_person`) are folded once, up to the period's end, with
//! checkpoints: the end of each admission day (new clients are described as they were on
//! their admission date), each 31 December (the series), and the period's end (clients at the
//! reference date). The meaning of every count is `interchange.md`, "Meaning used by the
//! statistics"; the comments below quote it where a choice had to be made.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use iku_domain::calendar::{age_on, format_date};
use iku_domain::codes::{
    Code, CodeList, ExploitationForm, Referrer, ReflectionGrantedBy, RejectionReason,
    ResidenceStatus, ServiceProvider, TerminationReason,
};
use iku_domain::event::{Assessment, Basis, Decision, Details, EventBody};
use iku_domain::grouping::{BadFacts, StoredFacts};
use iku_domain::ids::{ApplicationId, PersonId};
use iku_domain::state::{PersonState, RegisterState};
use iku_domain::{Event, Register, Timestamp, View, Violation};
use time::{Date, Month};

use crate::period::Period;
use crate::review::{Cell, Disclosure, Number, PeriodDates, Review, Table};

/// Counts keyed by the codes of a table's dimensions, as the tables are built from them.
type Counts = BTreeMap<Vec<String>, u64>;

/// One part of a key while counting: a code, or a year of the series. Counting a million
/// persons adds tens of millions of times, so a key is two words, not a vector of strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Part {
    Code(&'static str),
    Year(i32),
    Absent,
}

/// Counts while counting (see `Part`); `finish` turns them into `Counts`.
type Tallied = HashMap<[Part; 2], u64>;

fn key(parts: &[&'static str]) -> [Part; 2] {
    let part = |i: usize| parts.get(i).map_or(Part::Absent, |c| Part::Code(c));
    [part(0), part(1)]
}

fn add(counts: &mut Tallied, parts: &[&'static str]) {
    *counts.entry(key(parts)).or_default() += 1;
}

/// Adds `n` (for counts of children).
fn add_n(counts: &mut Tallied, parts: &[&'static str], n: u64) {
    if n > 0 {
        *counts.entry(key(parts)).or_default() += n;
    }
}

/// Adds `n` under a year of the series and, if given, a code.
fn add_in_year(counts: &mut Tallied, year: i32, code: Option<&'static str>, n: u64) {
    if n > 0 {
        let code = code.map_or(Part::Absent, Part::Code);
        *counts.entry([Part::Year(year), code]).or_default() += n;
    }
}

fn finish(counts: Tallied) -> Counts {
    counts
        .into_iter()
        .map(|(key, n)| {
            let key = key
                .iter()
                .filter_map(|p| match p {
                    Part::Code(c) => Some((*c).to_owned()),
                    Part::Year(y) => Some(y.to_string()),
                    Part::Absent => None,
                })
                .collect();
            (key, n)
        })
        .collect()
}

/// Whole months of a reflection period, as the review's rows name them.
const MONTHS: [&str; 6] = [
    "months_1", "months_2", "months_3", "months_4", "months_5", "months_6",
];

/// The default age groups of codes.md.
const AGE_GROUPS: [(i32, &str); 7] = [
    (0, "0-17"),
    (18, "18-29"),
    (30, "30-39"),
    (40, "40-49"),
    (50, "50-59"),
    (60, "60-69"),
    (70, "70+"),
];

fn age_group(age: Option<i32>) -> &'static str {
    match age {
        None => "unknown",
        Some(a) => AGE_GROUPS
            .iter()
            .rev()
            .find(|(from, _)| a >= *from)
            .map_or("0-17", |(_, g)| g),
    }
}

/// A minor is under 18 on the reference date. An unknown age is not known to be a minor, so
/// it counts as an adult in the adult/minor splits (and as `unknown` in age groups).
fn is_minor(age: Option<i32>) -> bool {
    age.is_some_and(|a| a < 18)
}

fn age(details: &Details, on: Date) -> Option<i32> {
    details.birth().map(|b| age_on(b, on))
}

/// women/girls (female), men/boys (male), other (gender other or unknown, any age).
fn gender_age(details: &Details, on: Date) -> &'static str {
    let minor = is_minor(age(details, on));
    match details.gender.map(|g| g.code()) {
        Some("female") if minor => "girls",
        Some("female") => "women",
        Some("male") if minor => "boys",
        Some("male") => "men",
        _ => "other",
    }
}

fn sex(details: &Details) -> &'static str {
    match details.gender.map(|g| g.code()) {
        Some("female") => "female",
        Some("male") => "male",
        _ => "other",
    }
}

fn nationality(details: &Details) -> &'static str {
    details.nationality.map_or("XXX", |n| n.code())
}

fn residence(details: &Details) -> &'static str {
    details.residence_status.map_or("unknown", |r| r.code())
}

/// Lawful or unlawful stay (`definitions::stay`).
fn stay(details: &Details) -> &'static str {
    crate::definitions::stay(residence(details))
}

/// The row of a person in exploitation tables: `witness` for a witness, else the primary form
/// of the assessment, else `unknown`.
fn exploitation_row(basis: Basis, assessment: Option<&Assessment>) -> &'static str {
    match (basis, assessment) {
        (Basis::Witness, _) => "witness",
        (Basis::Victim, Some(a)) => a.primary().form.code(),
        (Basis::Victim, None) => "unknown",
    }
}

fn date(year: i32, month: Month, day: u8) -> Date {
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MIN)
}

/// A new client as on their admission date.
struct Admission {
    date: Date,
    basis: Basis,
    referrer: Code<Referrer>,
    details: Details,
    assessment: Option<Assessment>,
}

/// Declares `Tally` (what the fold fills), `Counted` (what the tables are built from), and
/// how two tallies of disjoint sets of persons add up.
macro_rules! tally {
    (counts: $($c:ident),* ; totals: $($n:ident),* $(,)?) => {
        /// Everything the tables count, filled person by person.
        #[derive(Default)]
        struct Tally {
            $($c: Tallied,)*
            $($n: u64,)*
        }

        /// A finished tally.
        struct Counted {
            $($c: Counts,)*
            $($n: u64,)*
        }

        impl Tally {
            fn add_up(&mut self, other: Tally) {
                $(for (k, v) in other.$c {
                    *self.$c.entry(k).or_default() += v;
                })*
                $(self.$n += other.$n;)*
            }

            /// What the tally holds, in one canonical order: equal for equal tallies.
            fn signature(&self) -> Signature {
                let mut s = Vec::new();
                let mut field = 0u8;
                $(
                    s.extend(self.$c.iter().map(|(k, v)| (field, *k, *v)));
                    field += 1;
                )*
                $(
                    if self.$n > 0 {
                        s.push((field, [Part::Absent; 2], self.$n));
                    }
                    field += 1;
                )*
                let _ = field;
                s.sort_unstable();
                s
            }

            fn of_signature(signature: &[(u8, [Part; 2], u64)]) -> Tally {
                let mut t = Tally::default();
                for (field, k, v) in signature {
                    let mut i = 0u8;
                    $(
                        if *field == i {
                            *t.$c.entry(*k).or_default() += v;
                        }
                        i += 1;
                    )*
                    $(
                        if *field == i {
                            t.$n += v;
                        }
                        i += 1;
                    )*
                    let _ = i;
                }
                t
            }

            fn finish(self) -> Counted {
                Counted {
                    $($c: finish(self.$c),)*
                    $($n: self.$n,)*
                }
            }
        }
    };
}

tally! {
    counts: applications_by_referrer, decisions, rejections, new_composition, new_gender_age,
        new_age_group, new_residence, new_exploitation, new_all_forms, new_form_sex,
        new_form_place, new_nationality, finland_exploitation, finland_sex, finland_residence,
        finland_nationality, finland_referrer, clients_composition, clients_gender_age,
        clients_exploitation, clients_nationality, clients_provider, reflection,
        reflection_months, identifications, terminations, series_new, series_clients,
        series_applications, new_stay, applications_referrer_type, series_new_age,
        series_applications_type;
    totals: applications_persons, pending_at_end, decided_from_earlier_periods,
        finland_persons, finland_minor_at_time, finland_minor_at_admission,
        clients_admitted_as_minor, identifications_in_process, identifications_awaiting,
}

/// The years the series run over: from the register's first year to the last year that
/// ended by the reference date.
fn series_years(first_year: i32, period: Period) -> std::ops::RangeInclusive<i32> {
    let last_full_year = if period.end() == date(period.year, Month::December, 31) {
        period.year
    } else {
        period.year - 1
    };
    first_year..=last_full_year
}

/// Folds every person of a view into `tally`.
fn fold_view(view: &View<'_>, period: Period, tally: &mut Tally) {
    for (person, events) in view.by_person() {
        fold_person(person, &events, period, tally);
    }
}

/// Computes every table of the review of `period`, from the register as recorded at
/// `as_recorded_at` (everything if None), with exact counts (`internal` mode).
pub fn compute(register: &Register, period: Period, as_recorded_at: Option<Timestamp>) -> Review {
    let view = register.view(as_recorded_at);
    let first_year = view.events().first().map_or(period.year, |e| e.date.year());
    let years = series_years(first_year, period);
    let mut tally = Tally::default();
    fold_view(&view, period, &mut tally);
    tables(tally.finish(), period, as_recorded_at, years)
}

/// Why stored facts could not be counted.
#[derive(Debug, thiserror::Error)]
pub enum FactsReviewError {
    #[error(transparent)]
    Facts(#[from] BadFacts),
    #[error("stored events break the register's rules: {0}")]
    Register(Violation),
}

/// The same review as `compute` gives for the register whose facts these are, computed group
/// by group (`grouping`) on every core: the statistics read path, which never builds the
/// whole register. A consistency test holds the two equal.
pub fn compute_from_facts(
    facts: &StoredFacts,
    period: Period,
    as_recorded_at: Option<Timestamp>,
) -> Result<Review, FactsReviewError> {
    let groups = facts.groups();
    // The series start at the first visible event's year, known only after the fold (each
    // person's fold has its own year ends, from their first event on).
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let runs = groups.split(threads);
    let results: Vec<Result<(Tally, Option<Date>), FactsReviewError>> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = runs
                .into_iter()
                .map(|run| {
                    let groups = &groups;
                    scope.spawn(move || {
                        let mut tally = Tally::default();
                        let mut first: Option<Date> = None;
                        // Groups are fetched from memory a batch at a time, all at once
                        // (`StoredFacts::touch`), before they are decoded.
                        const BATCH: usize = 32;
                        let (start, end) = (run.start, run.end);
                        for g in run {
                            if (g - start) % BATCH == 0 {
                                std::hint::black_box(facts.touch(groups, g..(g + BATCH).min(end)));
                            }
                            let events = facts.events_of(groups, g)?;
                            let mut fold = |view: View<'_>| {
                                if let Some(e) = view.events().first() {
                                    first = Some(first.map_or(e.date, |f| f.min(e.date)));
                                }
                                fold_view(&view, period, &mut tally);
                            };
                            // Most groups are one person whose history was never amended.
                            match View::of_unamended(&events, as_recorded_at) {
                                Some(view) => fold(view),
                                None => {
                                    let register = Register::new(events)
                                        .map_err(FactsReviewError::Register)?;
                                    fold(register.view(as_recorded_at));
                                }
                            }
                        }
                        Ok((tally, first))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
    let mut tally = Tally::default();
    let mut first: Option<Date> = None;
    for result in results {
        let (t, f) = result?;
        tally.add_up(t);
        first = match (first, f) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let years = series_years(first.map_or(period.year, |d| d.year()), period);
    Ok(tables(tally.finish(), period, as_recorded_at, years))
}

/// A tally in canonical form (see `Tally::signature`).
type Signature = Vec<(u8, [Part; 2], u64)>;

/// What a group of persons contributed to one or more reviews, person by person: the linear
/// model of a release that disclosure control protects (`crate::disclosure`).
#[derive(Debug, Clone)]
pub struct Contributions {
    /// Each review in full (internal mode), in the order asked for.
    pub reviews: Vec<Review>,
    /// The persons who contributed, grouped by what they contributed to every review.
    pub profiles: Vec<Profile>,
}

/// Persons who contributed exactly the same to every review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub persons: u64,
    /// (review's index, number, how much each of these persons adds to it); no zeros.
    pub adds: Vec<(usize, Number, u64)>,
}

/// One review to compute: its period, and the moment it reads the register as recorded at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    pub period: Period,
    pub as_recorded_at: Option<Timestamp>,
}

/// The reviews of `releases` (each as `compute_from_facts` gives it) and every person's
/// contribution to them. A person is the same person in every release (by their id), so a
/// person counted in the semiannual and the annual review is one profile across both.
pub fn contributions_from_facts(
    facts: &StoredFacts,
    releases: &[Release],
) -> Result<Contributions, FactsReviewError> {
    let groups = facts.groups();
    let mut profiles: HashMap<Vec<Signature>, u64> = HashMap::default();
    let mut totals: Vec<Tally> = releases.iter().map(|_| Tally::default()).collect();
    let mut first: Vec<Option<Date>> = vec![None; releases.len()];
    for g in 0..groups.len() {
        let events = facts.events_of(&groups, g)?;
        let register;
        let views: Vec<View<'_>> = match releases
            .iter()
            .map(|r| View::of_unamended(&events, r.as_recorded_at))
            .collect::<Option<Vec<_>>>()
        {
            Some(views) => views,
            None => {
                register = Register::new(events.clone()).map_err(FactsReviewError::Register)?;
                releases
                    .iter()
                    .map(|r| register.view(r.as_recorded_at))
                    .collect()
            }
        };
        let mut by_person: BTreeMap<PersonId, Vec<Signature>> = BTreeMap::new();
        for (r, (release, view)) in releases.iter().zip(&views).enumerate() {
            if let Some(e) = view.events().first() {
                first[r] = Some(first[r].map_or(e.date, |f| f.min(e.date)));
            }
            for (person, events) in view.by_person() {
                let mut tally = Tally::default();
                fold_person(person, &events, release.period, &mut tally);
                let signature = tally.signature();
                totals[r].add_up(tally);
                by_person
                    .entry(person.clone())
                    .or_insert_with(|| vec![Vec::new(); releases.len()])[r] = signature;
            }
        }
        for (_, signatures) in by_person {
            if signatures.iter().any(|s| !s.is_empty()) {
                *profiles.entry(signatures).or_default() += 1;
            }
        }
    }
    let years: Vec<_> = releases
        .iter()
        .zip(&first)
        .map(|(r, f)| series_years(f.map_or(r.period.year, |d| d.year()), r.period))
        .collect();
    let reviews = releases
        .iter()
        .zip(totals)
        .zip(&years)
        .map(|((r, t), y)| tables(t.finish(), r.period, r.as_recorded_at, y.clone()))
        .collect();
    let mut profiles: Vec<Profile> = profiles
        .into_iter()
        .map(|(signatures, persons)| {
            let adds = signatures
                .iter()
                .enumerate()
                .flat_map(|(r, s)| {
                    let one = tables(
                        Tally::of_signature(s).finish(),
                        releases[r].period,
                        releases[r].as_recorded_at,
                        years[r].clone(),
                    );
                    one.numbers()
                        .into_iter()
                        .filter(|(_, v)| *v > 0)
                        .map(move |(n, v)| (r, n, v))
                })
                .collect();
            Profile { persons, adds }
        })
        .collect();
    // Hash order is not an order: the model must be the same on every run.
    profiles.sort_by(|a, b| a.adds.cmp(&b.adds));
    Ok(Contributions { reviews, profiles })
}

/// One person's fold: the checkpoints still ahead and what was seen at those passed.
struct Fold<'a> {
    person: &'a PersonId,
    /// 31 Decembers before the period's end, then the period's end.
    checkpoints: Vec<Date>,
    next_checkpoint: usize,
    /// The first admission of a year, waiting for the end of its day.
    pending: Option<(Date, ApplicationId)>,
    /// The first admission of each year, as on its day.
    admissions: BTreeMap<i32, Admission>,
}

impl Fold<'_> {
    /// Takes the snapshots due before `upto` (all, if None): `state` holds every event dated
    /// before it.
    fn pass(&mut self, upto: Option<Date>, state: &RegisterState, tally: &mut Tally) {
        let before = |d: Date| upto.is_none_or(|u| d < u);
        let person = state.persons.get(self.person);
        if let Some((d, application)) = self.pending.take_if(|(d, _)| before(*d))
            && let Some(p) = person
            && let Some(a) = p.applications.iter().find(|a| a.id == application)
        {
            self.admissions
                .entry(d.year())
                .or_insert_with(|| Admission {
                    date: d,
                    basis: a.basis,
                    referrer: a.referrer,
                    details: p.details.clone(),
                    assessment: p.assessment.as_ref().map(|(_, a)| a.clone()),
                });
        }
        // A person not yet in the register on a checkpoint has nothing to count there.
        while let Some(&c) = self
            .checkpoints
            .get(self.next_checkpoint)
            .filter(|c| before(**c))
        {
            if let Some(p) = person {
                count_clients_at_year_end(p, c, tally);
            }
            self.next_checkpoint += 1;
        }
    }
}

/// Folds one person's events up to the period's end and counts them.
fn fold_person(person: &PersonId, events: &[&Event], period: Period, tally: &mut Tally) {
    let end = period.end();
    // The series' year ends, from the person's first event on (nobody is in the register
    // before it), then the period's end.
    let since = events.first().map_or(end, |e| e.date);
    let last_series_year = *series_years(since.year(), period).end();
    let mut checkpoints: Vec<Date> = (since.year()..=last_series_year)
        .map(|y| date(y, Month::December, 31))
        .take_while(|d| *d < end)
        .collect();
    checkpoints.push(end);
    let mut fold = Fold {
        person,
        checkpoints,
        next_checkpoint: 0,
        pending: None,
        admissions: BTreeMap::new(),
    };
    let mut state = RegisterState::default();
    for e in events.iter().take_while(|e| e.date <= end) {
        fold.pass(Some(e.date), &state, tally);
        let applied = state.apply(e).is_ok();
        if let (true, EventBody::ApplicationDecided(d)) = (applied, &e.body)
            && d.decision == Decision::Admitted
            && fold.pending.is_none()
            && !fold.admissions.contains_key(&e.date.year())
        {
            fold.pending = Some((e.date, d.application.clone()));
        }
    }
    fold.pass(None, &state, tally);

    // Only events dated up to the end were applied: the state now is the state at the end.
    let Some(p) = state.persons.get(person) else {
        return;
    };
    count_period_events(p, period, tally);
    for (year, a) in &fold.admissions {
        if *year <= last_series_year {
            let row = exploitation_row(a.basis, a.assessment.as_ref());
            add_in_year(
                &mut tally.series_new,
                *year,
                Some(crate::definitions::form_group(row)),
                1,
            );
            let age = age_group(age(&a.details, a.date));
            add_in_year(&mut tally.series_new_age, *year, Some(age), 1);
        }
        if period.contains(a.date) {
            count_new_client(a, tally);
        }
    }
    count_clients_at_end(p, end, tally);
}

/// Applications, decisions, terminations, reflection periods, identifications: what happened
/// in the period, read from the state at its end.
fn count_period_events(p: &PersonState, period: Period, tally: &mut Tally) {
    let start = period.start();
    let mut applied_in_period = false;
    for a in &p.applications {
        if period.contains(a.received) {
            applied_in_period = true;
            add(&mut tally.applications_by_referrer, &[a.referrer.code()]);
            add(
                &mut tally.applications_referrer_type,
                &[crate::definitions::referrer_type(a.referrer.code())],
            );
        }
        add_in_year(&mut tally.series_applications, a.received.year(), None, 1);
        add_in_year(
            &mut tally.series_applications_type,
            a.received.year(),
            Some(crate::definitions::referrer_type(a.referrer.code())),
            1,
        );
        match a.decided {
            None => tally.pending_at_end += 1,
            Some((d, decision)) if period.contains(d) => {
                add(&mut tally.decisions, &[decision.outcome()]);
                if let Decision::Rejected { reason } = decision {
                    add(&mut tally.rejections, &[reason.code()]);
                }
                if a.received < start {
                    tally.decided_from_earlier_periods += 1;
                }
            }
            Some(_) => {}
        }
    }
    if applied_in_period {
        tally.applications_persons += 1;
    }
    for c in &p.client_periods {
        if let Some((d, reason)) = c.terminated
            && period.contains(d)
        {
            add(&mut tally.decisions, &["terminated"]);
            add(&mut tally.terminations, &[reason.code()]);
        }
    }
    for child in &p.children {
        if period.contains(child.admitted) {
            add(&mut tally.new_composition, &["child_of_client"]);
        }
    }
    for r in &p.reflection_periods {
        if period.contains(r.granted) {
            add(&mut tally.reflection, &[r.granted_by.code()]);
            // Whole months, rounded up (30 days = 1 month; 183 days = 6 months).
            let months = (u32::from(r.days) * 2).div_ceil(61).clamp(1, 6);
            add(&mut tally.reflection_months, &[MONTHS[months as usize - 1]]);
        }
    }
    // One process per client period: every decision in the period counts; only the latest
    // process can be waiting at the end (an earlier one ended with its client period).
    let latest = p.identifications.len().saturating_sub(1);
    for (n, i) in p.identifications.iter().enumerate() {
        match (i.expert_group_heard, i.decided) {
            (_, Some((d, outcome))) if period.contains(d) => {
                add(&mut tally.identifications, &[outcome.name()])
            }
            (_, Some(_)) => {}
            _ if n < latest => {}
            (Some(_), None) => tally.identifications_in_process += 1,
            (None, None) => tally.identifications_awaiting += 1,
        }
    }
}

/// One new client, as on the admission date.
fn count_new_client(a: &Admission, tally: &mut Tally) {
    let age = age(&a.details, a.date);
    let minor = is_minor(age);
    add(
        &mut tally.new_composition,
        &[if minor { "minor" } else { "adult" }],
    );
    add(&mut tally.new_gender_age, &[gender_age(&a.details, a.date)]);
    add(&mut tally.new_age_group, &[age_group(age)]);
    add(&mut tally.new_residence, &[residence(&a.details)]);
    add(&mut tally.new_stay, &[stay(&a.details)]);
    let row = exploitation_row(a.basis, a.assessment.as_ref());
    add(&mut tally.new_exploitation, &[row]);
    match (a.basis, &a.assessment) {
        (Basis::Victim, Some(assessment)) => {
            for f in assessment.forms() {
                add(&mut tally.new_all_forms, &[f.form.code()]);
            }
        }
        _ => add(&mut tally.new_all_forms, &[row]),
    }
    add(&mut tally.new_form_sex, &[row, sex(&a.details)]);
    let primary = a
        .assessment
        .as_ref()
        .map(Assessment::primary)
        .filter(|_| a.basis == Basis::Victim);
    // A witness's place is Finland, assessed or not: witnesses assist in a Finnish criminal
    // investigation (published 2020: witness/finland = 3), as `finland_by_exploitation` counts
    // them.
    let place = match a.basis {
        Basis::Witness => "finland",
        Basis::Victim => a
            .assessment
            .as_ref()
            .map_or("unknown", |x| x.primary().place.code()),
    };
    add(&mut tally.new_form_place, &[row, place]);
    add(&mut tally.new_nationality, &[nationality(&a.details)]);
    match (a.basis, primary) {
        // "finland_by_exploitation also shows the witnesses admitted in the period as its
        // witness row, as the published reviews do."
        (Basis::Witness, _) => add(&mut tally.finland_exploitation, &["witness"]),
        (Basis::Victim, Some(f)) if f.place.is("finland") => {
            tally.finland_persons += 1;
            add(&mut tally.finland_exploitation, &[row]);
            add(&mut tally.finland_sex, &[sex(&a.details)]);
            add(&mut tally.finland_residence, &[residence(&a.details)]);
            add(&mut tally.finland_nationality, &[nationality(&a.details)]);
            add(&mut tally.finland_referrer, &[a.referrer.code()]);
            let forms = a.assessment.as_ref().map_or(&[][..], Assessment::forms);
            if forms.iter().any(|f| f.minor_at_time == Some(true)) {
                tally.finland_minor_at_time += 1;
            }
            if minor {
                tally.finland_minor_at_admission += 1;
            }
        }
        _ => {}
    }
}

/// Clients at the reference date.
fn count_clients_at_end(p: &PersonState, end: Date, tally: &mut Tally) {
    let Some(period) = p.current_client_period() else {
        return;
    };
    let d = &p.details;
    let age_now = age(d, end);
    add(
        &mut tally.clients_composition,
        &[if is_minor(age_now) { "minor" } else { "adult" }],
    );
    add_n(
        &mut tally.clients_composition,
        &["child_of_client"],
        p.children_present().count() as u64,
    );
    if is_minor(age(d, period.admitted)) {
        tally.clients_admitted_as_minor += 1;
    }
    add(&mut tally.clients_gender_age, &[gender_age(d, end)]);
    let basis = p
        .applications
        .iter()
        .find(|a| a.id == period.application)
        .map_or(Basis::Victim, |a| a.basis);
    add(
        &mut tally.clients_exploitation,
        &[exploitation_row(
            basis,
            p.assessment.as_ref().map(|(_, a)| a),
        )],
    );
    add(&mut tally.clients_nationality, &[nationality(d)]);
    add(&mut tally.clients_provider, &[d.service_provider().code()]);
}

/// Clients on a 31 December, for the series (the period's end counts too when it is one).
fn count_clients_at_year_end(p: &PersonState, on: Date, tally: &mut Tally) {
    if on.month() != Month::December || on.day() != 31 || !p.is_client() {
        return;
    }
    let year = on.year();
    let minor = is_minor(age(&p.details, on));
    let group = if minor { "minor" } else { "adult" };
    add_in_year(&mut tally.series_clients, year, Some(group), 1);
    add_in_year(
        &mut tally.series_clients,
        year,
        Some("child_of_client"),
        p.children_present().count() as u64,
    );
}

// ---- Building the tables -------------------------------------------------------------------

fn codes<L: CodeList>() -> Vec<&'static str> {
    Code::<L>::all().map(Code::code).collect()
}

/// The codes of a dated list in use at some time in `period` (a code of the 2023 reform is
/// no row of a review of 2020, nor one retired in 2022 of a review of 2024); a key that
/// occurs all the same still follows (`closed`).
fn codes_in<L: CodeList>(period: Period) -> Vec<&'static str> {
    let (start, end) = (period.start(), period.end());
    Code::<L>::all()
        .filter(|c| {
            let e = c.entry();
            e.valid_from.is_none_or(|from| from <= end)
                && e.valid_until.is_none_or(|until| until >= start)
        })
        .map(Code::code)
        .collect()
}

fn forms_with(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = codes::<ExploitationForm>();
    v.extend_from_slice(extra);
    v
}

fn cell(dims: &[&'static str], key: &[String], value: u64) -> Cell {
    Cell {
        key: dims.iter().copied().zip(key.iter().cloned()).collect(),
        value: Some(value),
        suppressed: None,
        share: None,
    }
}

/// A table of stocks over years: the sum of the years' figures counts the same persons again
/// and again, so it is no total (each year's is, summed over the groups).
fn without_total(mut table: Table) -> Table {
    table.total = None;
    table
}

/// A table over closed code lists: every combination of `rows` is listed, zeros included, in
/// the lists' order; any other key that occurs follows.
fn closed(
    id: &'static str,
    unit: &'static str,
    dims: &[&'static str],
    rows: &[Vec<&str>],
    counts: &Counts,
) -> Table {
    let mut keys: Vec<Vec<String>> = vec![vec![]];
    for list in rows {
        keys = keys
            .into_iter()
            .flat_map(|k| {
                list.iter().map(move |c| {
                    let mut k = k.clone();
                    k.push((*c).to_owned());
                    k
                })
            })
            .collect();
    }
    let listed: BTreeSet<&Vec<String>> = keys.iter().collect();
    let mut cells: Vec<Cell> = keys
        .iter()
        .map(|k| cell(dims, k, counts.get(k).copied().unwrap_or(0)))
        .collect();
    cells.extend(
        counts
            .iter()
            .filter(|(k, _)| !listed.contains(k))
            .map(|(k, v)| cell(dims, k, *v)),
    );
    Table {
        id,
        unit,
        dims: dims.to_vec(),
        total: Some(counts.values().sum()),
        cells,
        total_suppressed: None,
        extra: BTreeMap::new(),
        extra_suppressed: Vec::new(),
    }
}

/// A table listing only the keys that occur, largest first, then by code.
fn open(id: &'static str, unit: &'static str, dims: &[&'static str], counts: &Counts) -> Table {
    let mut entries: Vec<(&Vec<String>, &u64)> = counts.iter().collect();
    entries.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    Table {
        id,
        unit,
        dims: dims.to_vec(),
        total: Some(counts.values().sum()),
        cells: entries
            .into_iter()
            .map(|(k, v)| cell(dims, k, *v))
            .collect(),
        total_suppressed: None,
        extra: BTreeMap::new(),
        extra_suppressed: Vec::new(),
    }
}

/// A table with no dimensions: only its total.
fn total_only(id: &'static str, unit: &'static str, total: u64) -> Table {
    Table {
        id,
        unit,
        dims: Vec::new(),
        cells: Vec::new(),
        total: Some(total),
        total_suppressed: None,
        extra: BTreeMap::new(),
        extra_suppressed: Vec::new(),
    }
}

fn with_extra(mut t: Table, extra: &[(&'static str, u64)]) -> Table {
    t.extra.extend(extra.iter().copied());
    t
}

/// Nationalities other than `XXX` (unknown); `XXA` (stateless) counts.
fn distinct_nationalities(counts: &Counts) -> u64 {
    counts
        .keys()
        .filter(|k| k.first().is_some_and(|n| n != "XXX"))
        .count() as u64
}

fn tables(
    t: Counted,
    period: Period,
    as_recorded_at: Option<Timestamp>,
    years: std::ops::RangeInclusive<i32>,
) -> Review {
    let outcome = vec!["admitted", "rejected", "terminated", "withdrawn"];
    let group = vec!["adult", "minor", "child_of_client"];
    let gender_age = vec!["women", "girls", "men", "boys", "other"];
    let mut age_groups: Vec<&'static str> = AGE_GROUPS.iter().map(|(_, g)| *g).collect();
    age_groups.push("unknown");
    let sexes = vec!["female", "male", "other"];
    let places = vec!["finland", "abroad"];
    let rows = forms_with(&["witness", "unknown"]);
    let years: Vec<String> = years.map(|y| y.to_string()).collect();
    let years: Vec<&str> = years.iter().map(String::as_str).collect();
    let form_groups = vec!["sexual_exploitation", "forced_labour", "other"];

    let applications_persons =
        total_only("applications_persons", "persons", t.applications_persons);
    let finland_minor = with_extra(
        total_only("finland_minor_at_time", "persons", t.finland_minor_at_time),
        &[("minor_at_admission", t.finland_minor_at_admission)],
    );

    let mut finland_by_gender = closed(
        "finland_by_gender",
        "persons",
        &["sex"],
        std::slice::from_ref(&sexes),
        &t.finland_sex,
    );
    finland_by_gender.total = Some(t.finland_persons);

    let referrer_types = vec!["authority", "ngo_or_parish", "self", "lawyer", "other"];
    let mut series_age_groups: Vec<&'static str> = AGE_GROUPS.iter().map(|(_, g)| *g).collect();
    series_age_groups.push("unknown");
    let series_applications = closed(
        "series_applications",
        "applications",
        &["year"],
        std::slice::from_ref(&years),
        &t.series_applications,
    );

    let tables = vec![
        closed(
            "applications_by_referrer",
            "applications",
            &["referrer"],
            &[codes_in::<Referrer>(period)],
            &t.applications_by_referrer,
        ),
        applications_persons,
        with_extra(
            closed(
                "decisions_by_outcome",
                "decisions",
                &["outcome"],
                &[outcome],
                &t.decisions,
            ),
            &[
                ("pending_at_end", t.pending_at_end),
                (
                    "decided_from_earlier_periods",
                    t.decided_from_earlier_periods,
                ),
            ],
        ),
        closed(
            "rejections_by_reason",
            "decisions",
            &["reason"],
            &[codes::<RejectionReason>()],
            &t.rejections,
        ),
        closed(
            "new_clients_composition",
            "persons",
            &["group"],
            std::slice::from_ref(&group),
            &t.new_composition,
        ),
        closed(
            "new_clients_by_gender_age",
            "persons",
            &["gender_age"],
            std::slice::from_ref(&gender_age),
            &t.new_gender_age,
        ),
        closed(
            "new_clients_by_age_group",
            "persons",
            &["age_group"],
            &[age_groups],
            &t.new_age_group,
        ),
        closed(
            "new_clients_by_residence_status",
            "persons",
            &["residence_status"],
            &[codes::<ResidenceStatus>()],
            &t.new_residence,
        ),
        closed(
            "new_clients_by_exploitation",
            "persons",
            &["form"],
            std::slice::from_ref(&rows),
            &t.new_exploitation,
        ),
        with_extra(
            closed(
                "new_clients_exploitation_all_forms",
                "cases",
                &["form"],
                std::slice::from_ref(&rows),
                &t.new_all_forms,
            ),
            &[("persons", t.new_exploitation.values().sum())],
        ),
        closed(
            "new_clients_by_exploitation_and_gender",
            "persons",
            &["form", "sex"],
            &[rows.clone(), sexes.clone()],
            &t.new_form_sex,
        ),
        closed(
            "new_clients_by_exploitation_and_place",
            "persons",
            &["form", "place"],
            &[forms_with(&[]), places],
            &t.new_form_place,
        ),
        with_extra(
            open(
                "new_clients_by_nationality",
                "persons",
                &["nationality"],
                &t.new_nationality,
            ),
            &[(
                "distinct_nationalities",
                distinct_nationalities(&t.new_nationality),
            )],
        ),
        closed(
            "finland_by_exploitation",
            "persons",
            &["form"],
            &[forms_with(&["witness"])],
            &t.finland_exploitation,
        ),
        finland_by_gender,
        closed(
            "finland_by_residence_status",
            "persons",
            &["residence_status"],
            &[codes::<ResidenceStatus>()],
            &t.finland_residence,
        ),
        with_extra(
            open(
                "finland_by_nationality",
                "persons",
                &["nationality"],
                &t.finland_nationality,
            ),
            &[(
                "distinct_nationalities",
                distinct_nationalities(&t.finland_nationality),
            )],
        ),
        closed(
            "finland_by_referrer",
            "persons",
            &["referrer"],
            &[codes_in::<Referrer>(period)],
            &t.finland_referrer,
        ),
        finland_minor,
        with_extra(
            closed(
                "clients_composition",
                "persons",
                &["group"],
                std::slice::from_ref(&group),
                &t.clients_composition,
            ),
            &[
                ("admitted_as_minor", t.clients_admitted_as_minor),
                (
                    "still_minor",
                    t.clients_composition
                        .get(&vec!["minor".to_owned()])
                        .copied()
                        .unwrap_or(0),
                ),
            ],
        ),
        closed(
            "clients_by_gender_age",
            "persons",
            &["gender_age"],
            &[gender_age],
            &t.clients_gender_age,
        ),
        closed(
            "clients_by_exploitation",
            "persons",
            &["form"],
            &[rows],
            &t.clients_exploitation,
        ),
        with_extra(
            open(
                "clients_by_nationality",
                "persons",
                &["nationality"],
                &t.clients_nationality,
            ),
            &[
                (
                    "distinct_nationalities",
                    distinct_nationalities(&t.clients_nationality),
                ),
                (
                    "unknown_or_stateless",
                    ["XXX", "XXA"]
                        .iter()
                        .map(|n| {
                            t.clients_nationality
                                .get(&vec![(*n).to_owned()])
                                .copied()
                                .unwrap_or(0)
                        })
                        .sum(),
                ),
            ],
        ),
        closed(
            "clients_by_provider",
            "persons",
            &["provider"],
            &[codes::<ServiceProvider>()],
            &t.clients_provider,
        ),
        {
            let mut r = closed(
                "reflection_periods",
                "grants",
                &["granted_by"],
                &[codes::<ReflectionGrantedBy>()],
                &t.reflection,
            );
            for m in 1..=6 {
                let key = format!("months_{m}");
                let label: &'static str = [
                    "months_1", "months_2", "months_3", "months_4", "months_5", "months_6",
                ][m - 1];
                r.extra.insert(
                    label,
                    t.reflection_months.get(&vec![key]).copied().unwrap_or(0),
                );
            }
            r
        },
        with_extra(
            closed(
                "identifications",
                "decisions",
                &["outcome"],
                &[vec!["identified", "not_identified"]],
                &t.identifications,
            ),
            &[
                ("in_process_at_end", t.identifications_in_process),
                ("awaiting_at_end", t.identifications_awaiting),
            ],
        ),
        closed(
            "terminations_by_reason",
            "decisions",
            &["reason"],
            &[codes::<TerminationReason>()],
            &t.terminations,
        ),
        closed(
            "series_new_clients",
            "persons",
            &["year", "form_group"],
            &[years.clone(), form_groups],
            &t.series_new,
        ),
        without_total(closed(
            "series_clients_at_year_end",
            "persons",
            &["year", "group"],
            &[years.clone(), group],
            &t.series_clients,
        )),
        series_applications,
        closed(
            "series_new_clients_by_age_group",
            "persons",
            &["year", "age_group"],
            &[years.clone(), series_age_groups],
            &t.series_new_age,
        ),
        closed(
            "series_applications_by_referrer_type",
            "applications",
            &["year", "referrer_type"],
            &[years.clone(), referrer_types.clone()],
            &t.series_applications_type,
        ),
        // The groupings the publications use besides the code lists.
        closed(
            "new_clients_by_stay",
            "persons",
            &["stay"],
            &[vec!["lawful", "unlawful", "unknown"]],
            &t.new_stay,
        ),
        closed(
            "applications_by_referrer_type",
            "applications",
            &["referrer_type"],
            &[referrer_types],
            &t.applications_referrer_type,
        ),
    ];
    let mut review = Review {
        report: period.kind.name(),
        period: PeriodDates {
            start: format_date(period.start()),
            end: format_date(period.end()),
        },
        as_recorded_at: as_recorded_at.map(|t| t.to_string()),
        disclosure: Disclosure {
            mode: "internal",
            threshold: crate::THRESHOLD,
            note: None,
            audit_passed: None,
        },
        tables,
    };
    review.fill_shares();
    review
}
