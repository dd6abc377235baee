//! The state of the register on one date: what a fold over the events dated on or before that
//! date gives. `apply` is the fold's one step; an event whose preconditions do not hold is
//! left out, and `apply` says which rule it broke, so the same code is the state's meaning
//! (`View::state_as_of`) and the history's validation (`validate`).

use rustc_hash::FxHashMap as HashMap;
use time::Date;

use crate::codes::{
    AssistanceMeasure, Code, Referrer, ReflectionGrantedBy, ServiceProvider, TerminationReason,
};
use crate::event::*;
use crate::ids::{ApplicationId, ChildId, PersonId};
use crate::rules::Rule;

/// The register on one date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterState {
    pub persons: HashMap<PersonId, PersonState>,
    /// Which person each application is for.
    pub applications: HashMap<ApplicationId, PersonId>,
    /// Whose child each child is.
    pub children: HashMap<ChildId, PersonId>,
}

/// One person on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonState {
    pub id: PersonId,
    /// In the order they were received.
    pub applications: Vec<ApplicationState>,
    /// Field by field, the latest value dated on or before the date.
    pub details: Details,
    /// The latest assessment dated on or before the date, with its date.
    pub assessment: Option<(Date, Assessment)>,
    /// Client periods, oldest first; the last is open while the person is a client.
    pub client_periods: Vec<ClientPeriod>,
    pub reflection_periods: Vec<ReflectionPeriod>,
    /// Official identifications, oldest first: one process per client period.
    pub identifications: Vec<Identification>,
    pub measures: Vec<MeasureGiven>,
    pub children: Vec<ChildState>,
    /// The dates casework set to come back to the case (no review reads them).
    pub casework: Casework,
    /// Since when the person's consent is withdrawn (until a new application), and since
    /// when processing of their data is restricted.
    pub consent_withdrawn: Option<Date>,
    pub restricted: Option<Date>,
}

/// The dates the casework of a person set: the journal's follow-ups, and the due and review
/// dates of the plan's measures still open. What the reminders are made of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Casework {
    pub follow_ups: Vec<Date>,
    pub measures_due: Vec<Date>,
    pub plan_reviews: Vec<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationState {
    pub id: ApplicationId,
    pub received: Date,
    pub referrer: Code<Referrer>,
    pub basis: Basis,
    pub decided: Option<(Date, Decision)>,
}

/// From an admission to the termination, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPeriod {
    pub admitted: Date,
    /// The application whose admission began the period.
    pub application: ApplicationId,
    pub terminated: Option<(Date, Code<TerminationReason>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectionPeriod {
    pub granted: Date,
    pub granted_by: Code<ReflectionGrantedBy>,
    /// In total, extensions included.
    pub days: u16,
    pub interrupted: Option<Date>,
}

impl ReflectionPeriod {
    /// The last day of the period as granted and extended (ignoring an interruption).
    pub fn last_day(&self) -> Date {
        self.granted
            .checked_add(time::Duration::days(i64::from(self.days) - 1))
            .unwrap_or(Date::MAX)
    }

    /// Whether the period runs on `on`.
    pub fn runs_on(&self, on: Date) -> bool {
        on >= self.granted && on <= self.last_day() && self.interrupted.is_none_or(|i| on < i)
    }
}

/// The official identification of 2015-2022.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identification {
    /// How many client periods had begun when it started (the process belongs to the last).
    pub client_periods: usize,
    pub started: Date,
    pub expert_group_heard: Option<Date>,
    pub decided: Option<(Date, IdentificationOutcome)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureGiven {
    pub date: Date,
    pub measure: Code<AssistanceMeasure>,
    pub provider: Option<Code<ServiceProvider>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildState {
    pub id: ChildId,
    pub admitted: Date,
    pub left: Option<Date>,
}

impl PersonState {
    fn new(id: PersonId) -> Self {
        Self {
            id,
            applications: Vec::new(),
            details: Details::default(),
            assessment: None,
            client_periods: Vec::new(),
            reflection_periods: Vec::new(),
            identifications: Vec::new(),
            measures: Vec::new(),
            children: Vec::new(),
            casework: Casework::default(),
            consent_withdrawn: None,
            restricted: None,
        }
    }

    /// The open client period, if the person is a client.
    pub fn current_client_period(&self) -> Option<&ClientPeriod> {
        self.client_periods
            .last()
            .filter(|p| p.terminated.is_none())
    }

    pub fn is_client(&self) -> bool {
        self.current_client_period().is_some()
    }

    /// The latest official identification process.
    pub fn identification(&self) -> Option<&Identification> {
        self.identifications.last()
    }

    /// The children in the person's care who have not left (counted while the person is a
    /// client).
    pub fn children_present(&self) -> impl Iterator<Item = &ChildState> {
        self.children.iter().filter(|c| c.left.is_none())
    }

    /// The reflection period running on `on`, to extend or interrupt.
    fn running_reflection_period(&mut self, on: Date) -> Result<&mut ReflectionPeriod, Skipped> {
        match self.reflection_periods.last_mut().filter(|r| r.runs_on(on)) {
            Some(period) => Ok(period),
            None => Err(Skipped {
                rule: Rule::ReflectionPeriodRunning,
                detail: "no reflection period runs on this date".into(),
            }),
        }
    }

    fn application_mut(&mut self, id: &ApplicationId) -> Option<&mut ApplicationState> {
        self.applications.iter_mut().find(|a| &a.id == id)
    }
}

/// Why `apply` left an event out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub rule: Rule,
    pub detail: String,
}

fn skip(rule: Rule, detail: impl Into<String>) -> Result<(), Skipped> {
    Err(Skipped {
        rule,
        detail: detail.into(),
    })
}

impl RegisterState {
    fn person_mut(&mut self, id: &PersonId) -> Result<&mut PersonState, Skipped> {
        match self.persons.get_mut(id) {
            Some(p) => Ok(p),
            None => Err(Skipped {
                rule: Rule::UnknownPerson,
                detail: format!("person {id} has no application on or before this date"),
            }),
        }
    }

    /// Whom an event is about, if the register knows them.
    fn person_of(&self, body: &EventBody) -> Option<&PersonState> {
        let id = match body.subject() {
            crate::event::Subject::Person(p) => p,
            crate::event::Subject::Application(a) => self.applications.get(a)?,
            crate::event::Subject::Child(_, Some(parent)) => parent,
            crate::event::Subject::Child(c, None) => self.children.get(c)?,
            crate::event::Subject::Event(_) => return None,
        };
        self.persons.get(id)
    }

    /// What a withdrawn consent and a restriction leave to be recorded.
    fn guard(&self, body: &EventBody) -> Result<(), Skipped> {
        let Some(person) = self.person_of(body) else {
            return Ok(());
        };
        let lifting = matches!(body, EventBody::RestrictionLifted { .. });
        if person.restricted.is_some() && !lifting {
            return skip(
                Rule::ProcessingRestricted,
                format!("processing of person {}'s data is restricted", person.id),
            );
        }
        let closing = matches!(
            body,
            EventBody::ApplicationReceived(_)
                | EventBody::AssistanceTerminated { .. }
                | EventBody::ChildLeft { .. }
                | EventBody::ProcessingRestricted { .. }
                | EventBody::RestrictionLifted { .. }
                | EventBody::Retraction { .. }
                | EventBody::ApplicationDecided(crate::event::ApplicationDecided {
                    decision: Decision::Withdrawn,
                    ..
                })
        );
        if person.consent_withdrawn.is_some() && !closing {
            return skip(
                Rule::AfterConsentWithdrawn,
                format!("person {} withdrew their consent", person.id),
            );
        }
        Ok(())
    }

    /// Applies one event, dated on or after every event applied before. A retraction changes
    /// nothing here: the view has already left out what it voids.
    pub fn apply(&mut self, e: &Event) -> Result<(), Skipped> {
        let date = e.date;
        self.guard(&e.body)?;
        match &e.body {
            EventBody::ApplicationReceived(a) => {
                if self.applications.contains_key(&a.application) {
                    return skip(
                        Rule::ApplicationReceivedOnce,
                        format!("application {} was received already", a.application),
                    );
                }
                self.applications
                    .insert(a.application.clone(), a.person.clone());
                let person = self
                    .persons
                    .entry(a.person.clone())
                    .or_insert_with(|| PersonState::new(a.person.clone()));
                person.applications.push(ApplicationState {
                    id: a.application.clone(),
                    received: date,
                    referrer: a.referrer,
                    basis: a.basis,
                    decided: None,
                });
                // A new referral is given with a new consent.
                person.consent_withdrawn = None;
            }
            EventBody::PersonDetails(d) => {
                self.person_mut(&d.person)?.details.update_from(&d.details);
            }
            EventBody::ApplicationDecided(d) => {
                let Some(person_id) = self.applications.get(&d.application).cloned() else {
                    return skip(
                        Rule::UnknownApplication,
                        format!(
                            "application {} is not received on or before this date",
                            d.application
                        ),
                    );
                };
                let person = self.person_mut(&person_id)?;
                let was_client = person.is_client();
                let Some(application) = person.application_mut(&d.application) else {
                    return skip(
                        Rule::UnknownApplication,
                        format!("application {}", d.application),
                    );
                };
                if application.decided.is_some() {
                    return skip(
                        Rule::DecidedOnce,
                        format!("application {} is decided already", d.application),
                    );
                }
                application.decided = Some((date, d.decision));
                if d.decision == Decision::Admitted && !was_client {
                    person.client_periods.push(ClientPeriod {
                        admitted: date,
                        application: d.application.clone(),
                        terminated: None,
                    });
                }
            }
            EventBody::ExploitationAssessed(a) => {
                self.person_mut(&a.person)?.assessment = Some((date, a.assessment.clone()));
            }
            EventBody::ChildAdmitted { child, parent } => {
                if self.children.contains_key(child) {
                    return skip(
                        Rule::ChildOnce,
                        format!("child {child} was admitted already"),
                    );
                }
                let person = self.person_mut(parent)?;
                if !person.is_client() {
                    return skip(
                        Rule::ParentIsClient,
                        format!("person {parent} is not a client on this date"),
                    );
                }
                person.children.push(ChildState {
                    id: child.clone(),
                    admitted: date,
                    left: None,
                });
                self.children.insert(child.clone(), parent.clone());
            }
            EventBody::ChildLeft { child } => {
                let Some(parent) = self.children.get(child).cloned() else {
                    return skip(
                        Rule::ChildOnce,
                        format!("child {child} is not admitted on or before this date"),
                    );
                };
                let person = self.person_mut(&parent)?;
                match person.children.iter_mut().find(|c| &c.id == child) {
                    Some(c) if c.left.is_none() => c.left = Some(date),
                    _ => return skip(Rule::ChildOnce, format!("child {child} has left already")),
                }
            }
            EventBody::ReflectionPeriodGranted(g) => {
                let person = self.person_mut(&g.person)?;
                if person
                    .reflection_periods
                    .last()
                    .is_some_and(|r| r.runs_on(date))
                {
                    return skip(
                        Rule::ReflectionPeriodRunning,
                        "a reflection period is already running; extend it instead",
                    );
                }
                person.reflection_periods.push(ReflectionPeriod {
                    granted: date,
                    granted_by: g.granted_by,
                    days: g.days,
                    interrupted: None,
                });
            }
            EventBody::ReflectionPeriodExtended { person, days } => {
                let period = self.person_mut(person)?.running_reflection_period(date)?;
                let total = period.days + days;
                if total > REFLECTION_MAX_DAYS {
                    return skip(
                        Rule::ReflectionPeriodLength,
                        format!("the period would last {total} days"),
                    );
                }
                period.days = total;
            }
            EventBody::ReflectionPeriodInterrupted { person } => {
                let period = self.person_mut(person)?.running_reflection_period(date)?;
                period.interrupted = Some(date);
            }
            EventBody::IdentificationStarted { person } => {
                let person = self.person_mut(person)?;
                let periods = person.client_periods.len();
                if person
                    .identification()
                    .is_some_and(|i| i.client_periods == periods)
                {
                    return skip(
                        Rule::IdentificationOrder,
                        "identification was started already in this client period",
                    );
                }
                person.identifications.push(Identification {
                    client_periods: periods,
                    started: date,
                    expert_group_heard: None,
                    decided: None,
                });
            }
            EventBody::ExpertGroupHeard { person } => {
                let person = self.person_mut(person)?;
                match person.identifications.last_mut() {
                    Some(i) if i.expert_group_heard.is_none() && i.decided.is_none() => {
                        i.expert_group_heard = Some(date);
                    }
                    _ => {
                        return skip(
                            Rule::IdentificationOrder,
                            "the expert group is heard once, after identification started and before the decision",
                        );
                    }
                }
            }
            EventBody::IdentificationDecided { person, outcome } => {
                let person = self.person_mut(person)?;
                match person.identifications.last_mut() {
                    Some(i) if i.decided.is_none() => i.decided = Some((date, *outcome)),
                    _ => {
                        return skip(
                            Rule::IdentificationOrder,
                            "identification is decided once, after it started",
                        );
                    }
                }
            }
            EventBody::AssistanceMeasure(m) => {
                let person = self.person_mut(&m.person)?;
                if !person.is_client() {
                    return skip(
                        Rule::OnlyClient,
                        format!("person {} is not a client on this date", m.person),
                    );
                }
                person.measures.push(MeasureGiven {
                    date,
                    measure: m.measure,
                    provider: m.provider,
                });
            }
            EventBody::AssistanceTerminated { person: id, reason } => {
                let person = self.person_mut(id)?;
                match person.client_periods.last_mut() {
                    Some(p) if p.terminated.is_none() => p.terminated = Some((date, *reason)),
                    _ => {
                        return skip(
                            Rule::OnlyClient,
                            format!("person {id} is not a client on this date"),
                        );
                    }
                }
            }
            EventBody::Retraction { .. } => {}
            // The journal is casework, not a fact the statistics count: the state keeps only
            // the date to come back to it, and an entry is about a person the register knows.
            EventBody::JournalEntry(j) => {
                let person = self.person_mut(&j.person)?;
                person.casework.follow_ups.extend(j.follow_up);
            }
            // The client plan likewise: casework about a person the register knows (its
            // delivered measures are counted by their own assistance_measure events). A
            // measure's dates are to come back to while it is open (the view has put a
            // measure's latest version in place of the ones it corrects).
            EventBody::NeedAssessed(n) => {
                self.person_mut(&n.person)?;
            }
            EventBody::PlanMeasure(m) => {
                let person = self.person_mut(&m.person)?;
                if m.status.is_open() {
                    person.casework.measures_due.extend(m.due);
                    person.casework.plan_reviews.extend(m.review);
                }
            }
            EventBody::ConsentWithdrawn { person } => {
                let person = self.person_mut(person)?;
                person.consent_withdrawn.get_or_insert(date);
            }
            EventBody::ProcessingRestricted { person } => {
                self.person_mut(person)?.restricted = Some(date);
            }
            EventBody::RestrictionLifted { person } => {
                let person = self.person_mut(person)?;
                if person.restricted.take().is_none() {
                    return skip(
                        Rule::ProcessingRestricted,
                        format!(
                            "processing of person {}'s data is not restricted",
                            person.id
                        ),
                    );
                }
            }
        }
        Ok(())
    }
}
