//! The events of the register, one type per event type of the interchange format.
//!
//! An `Event` that exists has passed every check that concerns the event alone (codes, ranges,
//! exactly one primary form, consent); the rules that concern the history are in `rules`.

use time::Date;

use crate::access::Username;
use crate::calendar::Timestamp;
use crate::codes::{
    AssistanceMeasure, Code, ExploitationForm, Gender, Nationality, Place, Referrer,
    ReflectionGrantedBy, RejectionReason, ResidenceStatus, ServiceProvider, TerminationReason,
};
use crate::ids::{ApplicationId, ChildId, EventId, PersonId};
use crate::personal::PersonalFields;
pub use crate::plan::{NeedArea, NeedAssessed, PlanMeasure, PlanStatus};

/// One fact of the register, with its valid date and the moment it was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: EventId,
    /// When it happened (valid time).
    pub date: Date,
    /// When it was entered (recorded time).
    pub recorded_at: Timestamp,
    /// The earlier event this one replaces from `recorded_at` on.
    pub corrects: Option<EventId>,
    pub body: EventBody,
}

/// What an event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventBody {
    ApplicationReceived(ApplicationReceived),
    PersonDetails(PersonDetails),
    ApplicationDecided(ApplicationDecided),
    ExploitationAssessed(ExploitationAssessed),
    ChildAdmitted {
        child: ChildId,
        parent: PersonId,
    },
    ChildLeft {
        child: ChildId,
    },
    ReflectionPeriodGranted(ReflectionPeriodGranted),
    ReflectionPeriodExtended {
        person: PersonId,
        days: u16,
    },
    ReflectionPeriodInterrupted {
        person: PersonId,
    },
    IdentificationStarted {
        person: PersonId,
    },
    ExpertGroupHeard {
        person: PersonId,
    },
    IdentificationDecided {
        person: PersonId,
        outcome: IdentificationOutcome,
    },
    AssistanceMeasure(AssistanceMeasureGiven),
    AssistanceTerminated {
        person: PersonId,
        reason: Code<TerminationReason>,
    },
    /// Voids `retracts` from this event's `recorded_at` on.
    Retraction {
        retracts: EventId,
    },
    JournalEntry(JournalEntry),
    NeedAssessed(NeedAssessed),
    PlanMeasure(PlanMeasure),
    /// The person withdrew the consent they gave at referral: processing stops (the case is
    /// closed), what happened before stays counted.
    ConsentWithdrawn {
        person: PersonId,
    },
    /// Processing of the person's data restricted (GDPR art. 18): the record is read-only
    /// and shown only to the data protection officer and directors, until lifted.
    ProcessingRestricted {
        person: PersonId,
    },
    RestrictionLifted {
        person: PersonId,
    },
}

/// The name of each event type in the interchange format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    ApplicationReceived,
    PersonDetails,
    ApplicationDecided,
    ExploitationAssessed,
    ChildAdmitted,
    ChildLeft,
    ReflectionPeriodGranted,
    ReflectionPeriodExtended,
    ReflectionPeriodInterrupted,
    IdentificationStarted,
    ExpertGroupHeard,
    IdentificationDecided,
    AssistanceMeasure,
    AssistanceTerminated,
    Retraction,
    JournalEntry,
    NeedAssessed,
    PlanMeasure,
    ConsentWithdrawn,
    ProcessingRestricted,
    RestrictionLifted,
}

impl EventKind {
    /// Every kind; a kind's position is its number in the stored facts, so new kinds go last.
    pub const ALL: [EventKind; 21] = [
        EventKind::ApplicationReceived,
        EventKind::PersonDetails,
        EventKind::ApplicationDecided,
        EventKind::ExploitationAssessed,
        EventKind::ChildAdmitted,
        EventKind::ChildLeft,
        EventKind::ReflectionPeriodGranted,
        EventKind::ReflectionPeriodExtended,
        EventKind::ReflectionPeriodInterrupted,
        EventKind::IdentificationStarted,
        EventKind::ExpertGroupHeard,
        EventKind::IdentificationDecided,
        EventKind::AssistanceMeasure,
        EventKind::AssistanceTerminated,
        EventKind::Retraction,
        EventKind::JournalEntry,
        EventKind::NeedAssessed,
        EventKind::PlanMeasure,
        EventKind::ConsentWithdrawn,
        EventKind::ProcessingRestricted,
        EventKind::RestrictionLifted,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::ApplicationReceived => "application_received",
            EventKind::PersonDetails => "person_details",
            EventKind::ApplicationDecided => "application_decided",
            EventKind::ExploitationAssessed => "exploitation_assessed",
            EventKind::ChildAdmitted => "child_admitted",
            EventKind::ChildLeft => "child_left",
            EventKind::ReflectionPeriodGranted => "reflection_period_granted",
            EventKind::ReflectionPeriodExtended => "reflection_period_extended",
            EventKind::ReflectionPeriodInterrupted => "reflection_period_interrupted",
            EventKind::IdentificationStarted => "identification_started",
            EventKind::ExpertGroupHeard => "expert_group_heard",
            EventKind::IdentificationDecided => "identification_decided",
            EventKind::AssistanceMeasure => "assistance_measure",
            EventKind::AssistanceTerminated => "assistance_terminated",
            EventKind::Retraction => "retraction",
            EventKind::JournalEntry => "journal_entry",
            EventKind::NeedAssessed => "need_assessed",
            EventKind::PlanMeasure => "plan_measure",
            EventKind::ConsentWithdrawn => "consent_withdrawn",
            EventKind::ProcessingRestricted => "processing_restricted",
            EventKind::RestrictionLifted => "restriction_lifted",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The official identification of 2015-2022: its events are valid only before 2023.
    pub fn is_official_identification(self) -> bool {
        matches!(
            self,
            EventKind::IdentificationStarted
                | EventKind::ExpertGroupHeard
                | EventKind::IdentificationDecided
        )
    }
}

/// Whom an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    Person(&'a PersonId),
    /// A child event: the child, and for `child_admitted` the parent.
    Child(&'a ChildId, Option<&'a PersonId>),
    /// A decision: the application (its person is known from `application_received`).
    Application(&'a ApplicationId),
    /// A retraction: the event it voids.
    Event(&'a EventId),
}

impl EventBody {
    pub fn kind(&self) -> EventKind {
        match self {
            EventBody::ApplicationReceived(_) => EventKind::ApplicationReceived,
            EventBody::PersonDetails(_) => EventKind::PersonDetails,
            EventBody::ApplicationDecided(_) => EventKind::ApplicationDecided,
            EventBody::ExploitationAssessed(_) => EventKind::ExploitationAssessed,
            EventBody::ChildAdmitted { .. } => EventKind::ChildAdmitted,
            EventBody::ChildLeft { .. } => EventKind::ChildLeft,
            EventBody::ReflectionPeriodGranted(_) => EventKind::ReflectionPeriodGranted,
            EventBody::ReflectionPeriodExtended { .. } => EventKind::ReflectionPeriodExtended,
            EventBody::ReflectionPeriodInterrupted { .. } => EventKind::ReflectionPeriodInterrupted,
            EventBody::IdentificationStarted { .. } => EventKind::IdentificationStarted,
            EventBody::ExpertGroupHeard { .. } => EventKind::ExpertGroupHeard,
            EventBody::IdentificationDecided { .. } => EventKind::IdentificationDecided,
            EventBody::AssistanceMeasure(_) => EventKind::AssistanceMeasure,
            EventBody::AssistanceTerminated { .. } => EventKind::AssistanceTerminated,
            EventBody::Retraction { .. } => EventKind::Retraction,
            EventBody::JournalEntry(_) => EventKind::JournalEntry,
            EventBody::NeedAssessed(_) => EventKind::NeedAssessed,
            EventBody::PlanMeasure(_) => EventKind::PlanMeasure,
            EventBody::ConsentWithdrawn { .. } => EventKind::ConsentWithdrawn,
            EventBody::ProcessingRestricted { .. } => EventKind::ProcessingRestricted,
            EventBody::RestrictionLifted { .. } => EventKind::RestrictionLifted,
        }
    }

    pub fn subject(&self) -> Subject<'_> {
        match self {
            EventBody::ApplicationReceived(a) => Subject::Person(&a.person),
            EventBody::PersonDetails(d) => Subject::Person(&d.person),
            EventBody::ApplicationDecided(d) => Subject::Application(&d.application),
            EventBody::ExploitationAssessed(a) => Subject::Person(&a.person),
            EventBody::ChildAdmitted { child, parent } => Subject::Child(child, Some(parent)),
            EventBody::ChildLeft { child } => Subject::Child(child, None),
            EventBody::ReflectionPeriodGranted(g) => Subject::Person(&g.person),
            EventBody::ReflectionPeriodExtended { person, .. }
            | EventBody::ReflectionPeriodInterrupted { person }
            | EventBody::IdentificationStarted { person }
            | EventBody::ExpertGroupHeard { person }
            | EventBody::IdentificationDecided { person, .. }
            | EventBody::AssistanceTerminated { person, .. }
            | EventBody::ConsentWithdrawn { person }
            | EventBody::ProcessingRestricted { person }
            | EventBody::RestrictionLifted { person } => Subject::Person(person),
            EventBody::AssistanceMeasure(m) => Subject::Person(&m.person),
            EventBody::Retraction { retracts } => Subject::Event(retracts),
            EventBody::JournalEntry(j) => Subject::Person(&j.person),
            EventBody::NeedAssessed(n) => Subject::Person(&n.person),
            EventBody::PlanMeasure(m) => Subject::Person(&m.person),
        }
    }

    /// The personal fields the event carries, sealed apart when stored: a person's details,
    /// and the texts of a decision's reasons, a journal entry, a need's assessment and a
    /// plan's measure.
    pub fn personal(&self) -> Option<&PersonalFields> {
        match self {
            EventBody::PersonDetails(d) => Some(&d.details.personal),
            EventBody::ApplicationDecided(d) => Some(&d.personal),
            EventBody::JournalEntry(j) => Some(&j.personal),
            EventBody::NeedAssessed(n) => Some(&n.personal),
            EventBody::PlanMeasure(m) => Some(&m.personal),
            _ => None,
        }
    }

    pub fn personal_mut(&mut self) -> Option<&mut PersonalFields> {
        match self {
            EventBody::PersonDetails(d) => Some(&mut d.details.personal),
            EventBody::ApplicationDecided(d) => Some(&mut d.personal),
            EventBody::JournalEntry(j) => Some(&mut j.personal),
            EventBody::NeedAssessed(n) => Some(&mut n.personal),
            EventBody::PlanMeasure(m) => Some(&mut m.personal),
            _ => None,
        }
    }
}

/// Why a person was referred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Basis {
    Victim,
    /// A person assisting in the criminal investigation of a trafficking offence.
    Witness,
}

impl Basis {
    pub fn name(self) -> &'static str {
        match self {
            Basis::Victim => "victim",
            Basis::Witness => "witness",
        }
    }
}

/// An application referring a person, made with their consent (an application without consent
/// cannot be recorded, so there is no consent field to get wrong).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationReceived {
    pub application: ApplicationId,
    pub person: PersonId,
    pub referrer: Code<Referrer>,
    pub basis: Basis,
}

/// Details of a person; each field is absent unless the event carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub birth_date: Option<Date>,
    pub birth_year: Option<i32>,
    pub gender: Option<Code<Gender>>,
    pub nationality: Option<Code<Nationality>>,
    pub residence_status: Option<Code<ResidenceStatus>>,
    pub municipality_of_residence: Option<bool>,
    pub personal: PersonalFields,
}

impl Details {
    /// Takes over every field `newer` carries, keeping the others.
    pub fn update_from(&mut self, newer: &Details) {
        fn take<T: Clone>(slot: &mut Option<T>, newer: &Option<T>) {
            if let Some(v) = newer {
                *slot = Some(v.clone());
            }
        }
        take(&mut self.birth_date, &newer.birth_date);
        take(&mut self.birth_year, &newer.birth_year);
        take(&mut self.gender, &newer.gender);
        take(&mut self.nationality, &newer.nationality);
        take(&mut self.residence_status, &newer.residence_status);
        take(
            &mut self.municipality_of_residence,
            &newer.municipality_of_residence,
        );
        self.personal.update_from(&newer.personal);
    }

    /// The birth date to compute ages with: a known date wins over a year, which is taken as
    /// 1 July of that year.
    pub fn birth(&self) -> Option<Date> {
        self.birth_date
            .or_else(|| self.birth_year.and_then(crate::calendar::mid_year))
    }

    /// Who provides the services: reception centre for asylum seekers and persons under
    /// temporary protection, otherwise the municipality for a person with a municipality of
    /// residence, otherwise the assistance system itself.
    pub fn service_provider(&self) -> Code<ServiceProvider> {
        let code = match self.residence_status {
            Some(s) if s.is("asylum_seeker") || s.is("temporary_protection") => "reception_centre",
            _ if self.municipality_of_residence == Some(true) => "municipality",
            _ => "assistance_system",
        };
        // The three codes are in the embedded table (tested in codes.rs).
        Code::parse(code).unwrap_or_else(|| unreachable!("service provider {code} in codes.tsv"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonDetails {
    pub person: PersonId,
    pub details: Details,
}

/// The decision on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The person is a client from the decision's date.
    Admitted,
    Rejected {
        reason: Code<RejectionReason>,
    },
    Withdrawn,
}

impl Decision {
    pub fn outcome(self) -> &'static str {
        match self {
            Decision::Admitted => "admitted",
            Decision::Rejected { .. } => "rejected",
            Decision::Withdrawn => "withdrawn",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDecided {
    pub application: ApplicationId,
    pub decision: Decision,
    /// The reasons of this case, written by the deciding official (`personal.note`, sealed:
    /// they may name anyone); the decision document prints them after the standard reasoning.
    pub personal: PersonalFields,
}

impl ApplicationDecided {
    /// The case-specific reasons, if written (and not erased by the purge).
    pub fn reasons(&self) -> Option<&crate::personal::Personal> {
        self.personal.note.as_ref()
    }
}

/// One form of exploitation in an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exploitation {
    pub form: Code<ExploitationForm>,
    pub primary: bool,
    pub place: Code<Place>,
    pub minor_at_time: Option<bool>,
}

/// An exploitation assessment: one or more forms, exactly one of them primary, no form twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment(Vec<Exploitation>);

/// Why a list of forms is not an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AssessmentError {
    #[error("exactly one form must be primary; {0} are")]
    PrimaryCount(usize),
    #[error("form {0} is listed twice")]
    DuplicateForm(&'static str),
}

impl Assessment {
    pub fn new(forms: Vec<Exploitation>) -> Result<Self, AssessmentError> {
        let primaries = forms.iter().filter(|f| f.primary).count();
        if primaries != 1 {
            return Err(AssessmentError::PrimaryCount(primaries));
        }
        for (i, f) in forms.iter().enumerate() {
            if forms[..i].iter().any(|g| g.form == f.form) {
                return Err(AssessmentError::DuplicateForm(f.form.code()));
            }
        }
        Ok(Self(forms))
    }

    pub fn forms(&self) -> &[Exploitation] {
        &self.0
    }

    pub fn primary(&self) -> &Exploitation {
        // `new` guarantees exactly one primary form.
        self.0
            .iter()
            .find(|f| f.primary)
            .unwrap_or_else(|| unreachable!("an assessment has a primary form"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExploitationAssessed {
    pub person: PersonId,
    pub assessment: Assessment,
}

/// The shortest and longest reflection period in days (Aliens Act 52 b §: at least 30 days,
/// at most six months in total, extensions included).
pub const REFLECTION_MIN_DAYS: u16 = 30;
pub const REFLECTION_MAX_DAYS: u16 = 183;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectionPeriodGranted {
    pub person: PersonId,
    pub days: u16,
    pub granted_by: Code<ReflectionGrantedBy>,
}

/// The outcome of the official identification (2015-2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentificationOutcome {
    Identified,
    NotIdentified,
}

impl IdentificationOutcome {
    pub fn name(self) -> &'static str {
        match self {
            IdentificationOutcome::Identified => "identified",
            IdentificationOutcome::NotIdentified => "not_identified",
        }
    }
}

/// The day the assistance system began (2006): no event of its register is dated before it,
/// unless imported as history from an earlier system (`ParseContext::history`).
pub fn system_began() -> Date {
    Date::from_calendar_date(2006, time::Month::January, 1).unwrap_or(Date::MIN)
}

/// The oldest age a person of the register is taken to be, for plausible birth dates.
pub const OLDEST_AGE: i32 = 120;

/// The first day on which official identification events are no longer recorded: from
/// 1.1.2023 admission itself is the identification.
pub fn identification_abolished() -> Date {
    Date::from_calendar_date(2023, time::Month::January, 1).unwrap_or(Date::MAX)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistanceMeasureGiven {
    pub person: PersonId,
    pub measure: Code<AssistanceMeasure>,
    pub provider: Option<Code<ServiceProvider>>,
}

/// How a contact written in the case journal took place (casework.md: the client narrative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JournalKind {
    Meeting,
    PhoneCall,
    Message,
    HomeVisit,
    /// A negotiation with another authority or a service provider.
    Negotiation,
    Other,
}

impl JournalKind {
    pub const ALL: [JournalKind; 6] = [
        JournalKind::Meeting,
        JournalKind::PhoneCall,
        JournalKind::Message,
        JournalKind::HomeVisit,
        JournalKind::Negotiation,
        JournalKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            JournalKind::Meeting => "meeting",
            JournalKind::PhoneCall => "phone_call",
            JournalKind::Message => "message",
            JournalKind::HomeVisit => "home_visit",
            JournalKind::Negotiation => "negotiation",
            JournalKind::Other => "other",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// An entry of the case journal: a dated, authored note of a contact. Its text is a personal
/// field (`personal.note`), sealed like a person's details. The journal is casework, not
/// statistics: no review reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub person: PersonId,
    pub kind: JournalKind,
    /// The account that wrote it.
    pub author: Username,
    /// When the caseworker means to come back to it.
    pub follow_up: Option<Date>,
    pub personal: PersonalFields,
}

impl JournalEntry {
    /// The entry's text; `None` once the retention purge has erased it.
    pub fn text(&self) -> Option<&crate::personal::Personal> {
        self.personal.note.as_ref()
    }
}
