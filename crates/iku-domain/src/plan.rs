//! The client plan (casework.md: *palvelutarpeen arviointi* and *asiakassuunnitelma*): the
//! service needs assessed by area, and the measures agreed with the client, each with who
//! provides it, its status, when it is due and when the plan is reviewed. Both are register
//! events like any other: a change is a correction of the event in force, so the plan's
//! history is kept. A measure's delivery is also an `assistance_measure`, which the
//! statistics count; the plan itself is casework, and no review reads it.

use time::Date;

use crate::access::Username;
use crate::codes::{AssistanceMeasure, Code, ServiceProvider};
use crate::ids::PersonId;
use crate::personal::PersonalFields;

/// An area of need the law lists for assistance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NeedArea {
    Advice,
    Accommodation,
    Health,
    SocialServices,
    Income,
    LegalAid,
    Interpretation,
    VoluntaryReturn,
    /// Tracing the parents or guardians of a minor.
    FamilyTracing,
    Other,
}

impl NeedArea {
    pub const ALL: [NeedArea; 10] = [
        NeedArea::Advice,
        NeedArea::Accommodation,
        NeedArea::Health,
        NeedArea::SocialServices,
        NeedArea::Income,
        NeedArea::LegalAid,
        NeedArea::Interpretation,
        NeedArea::VoluntaryReturn,
        NeedArea::FamilyTracing,
        NeedArea::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NeedArea::Advice => "advice",
            NeedArea::Accommodation => "accommodation",
            NeedArea::Health => "health",
            NeedArea::SocialServices => "social_services",
            NeedArea::Income => "income",
            NeedArea::LegalAid => "legal_aid",
            NeedArea::Interpretation => "interpretation",
            NeedArea::VoluntaryReturn => "voluntary_return",
            NeedArea::FamilyTracing => "family_tracing",
            NeedArea::Other => "other",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// Where a measure of the plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlanStatus {
    Planned,
    Started,
    /// Delivered: recorded with the `assistance_measure` the statistics count.
    Done,
    Cancelled,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 4] = [
        PlanStatus::Planned,
        PlanStatus::Started,
        PlanStatus::Done,
        PlanStatus::Cancelled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PlanStatus::Planned => "planned",
            PlanStatus::Started => "started",
            PlanStatus::Done => "done",
            PlanStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether the measure is still to be worked on.
    pub fn is_open(self) -> bool {
        matches!(self, PlanStatus::Planned | PlanStatus::Started)
    }
}

/// The assessment of one area of a client's service needs: what was found, and what the
/// client said, in its text (`personal.note`, sealed like a person's details). A newer
/// assessment of the area corrects the one in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedAssessed {
    pub person: PersonId,
    pub area: NeedArea,
    /// The account that assessed it.
    pub author: Username,
    pub personal: PersonalFields,
}

impl NeedAssessed {
    /// The assessment's text; `None` once the retention purge has erased it.
    pub fn text(&self) -> Option<&crate::personal::Personal> {
        self.personal.note.as_ref()
    }
}

/// A measure of the client plan: the area it answers, the assistance it is (a measure code the
/// statistics know), who provides it, where it stands, by when, when the plan is reviewed, and
/// what was agreed (`personal.note`, sealed). A change is a correction of the measure in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanMeasure {
    pub person: PersonId,
    pub area: NeedArea,
    pub measure: Code<AssistanceMeasure>,
    pub provider: Option<Code<ServiceProvider>>,
    pub status: PlanStatus,
    pub due: Option<Date>,
    pub review: Option<Date>,
    /// The account that recorded it.
    pub author: Username,
    pub personal: PersonalFields,
}

impl PlanMeasure {
    /// What was agreed; `None` if nothing was written, or once the purge has erased it.
    pub fn text(&self) -> Option<&crate::personal::Personal> {
        self.personal.note.as_ref()
    }
}
