//! The lifecycle rules. Each rule has a name that every error carries, so that a person fixing
//! an import file learns which rule a line broke, not only that it is wrong.

use std::fmt;

use crate::ids::EventId;

/// A rule of the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// `consent` must be true: nobody is referred without their consent.
    ConsentRequired,
    /// An exploitation assessment has exactly one primary form.
    OnePrimaryForm,
    /// A reflection period is 30..=183 days in total, extensions included.
    ReflectionPeriodLength,
    /// An extension or interruption needs a reflection period that is running.
    ReflectionPeriodRunning,
    /// Official identification events are dated before 1.1.2023.
    IdentificationBefore2023,
    /// Identification: started once, heard and decided only after it started, decided once.
    IdentificationOrder,
    /// A code of a dated list is used only while it is in force.
    CodeInForce,
    /// No date after today, and no event dated after the day it was recorded.
    NoFutureDate,
    /// No event dated before the assistance system began (2006), unless imported as history.
    NotBeforeSystem,
    /// An application id is received once.
    ApplicationReceivedOnce,
    /// A decision refers to a received application.
    UnknownApplication,
    /// An application is decided once.
    DecidedOnce,
    /// A decision is not dated before its application.
    DecisionAfterApplication,
    /// An event refers to a person with an application.
    UnknownPerson,
    /// No event for a person is dated before their first application.
    NotBeforeApplication,
    /// Only a client can be terminated or get assistance measures.
    OnlyClient,
    /// A child's parent is a client when the child is admitted.
    ParentIsClient,
    /// A child id is admitted once; a child leaves once, after being admitted.
    ChildOnce,
    /// Corrections and retractions point at an existing earlier event that has no other
    /// correction or retraction, and a retraction is not itself corrected or retracted.
    AmendsEarlierEvent,
    /// After a person withdrew their consent, their case is only closed (a decision that the
    /// application was withdrawn, a termination, a restriction); a new application is a new
    /// consent.
    AfterConsentWithdrawn,
    /// While processing is restricted, nothing is added to the record but the lifting; only
    /// a restriction in force is lifted, and a restricted record is not restricted again.
    ProcessingRestricted,
}

impl Rule {
    pub const ALL: [Rule; 21] = [
        Rule::ConsentRequired,
        Rule::OnePrimaryForm,
        Rule::ReflectionPeriodLength,
        Rule::ReflectionPeriodRunning,
        Rule::IdentificationBefore2023,
        Rule::IdentificationOrder,
        Rule::CodeInForce,
        Rule::NoFutureDate,
        Rule::NotBeforeSystem,
        Rule::ApplicationReceivedOnce,
        Rule::UnknownApplication,
        Rule::DecidedOnce,
        Rule::DecisionAfterApplication,
        Rule::UnknownPerson,
        Rule::NotBeforeApplication,
        Rule::OnlyClient,
        Rule::ParentIsClient,
        Rule::ChildOnce,
        Rule::AmendsEarlierEvent,
        Rule::AfterConsentWithdrawn,
        Rule::ProcessingRestricted,
    ];

    /// The rule's code: what a program (and the pages' words) know it by.
    pub fn name(self) -> &'static str {
        match self {
            Rule::ConsentRequired => "consent_required",
            Rule::OnePrimaryForm => "one_primary_form",
            Rule::ReflectionPeriodLength => "reflection_period_length",
            Rule::ReflectionPeriodRunning => "reflection_period_running",
            Rule::IdentificationBefore2023 => "identification_before_2023",
            Rule::IdentificationOrder => "identification_order",
            Rule::CodeInForce => "code_in_force",
            Rule::NoFutureDate => "no_future_date",
            Rule::NotBeforeSystem => "not_before_system",
            Rule::ApplicationReceivedOnce => "application_received_once",
            Rule::UnknownApplication => "unknown_application",
            Rule::DecidedOnce => "decided_once",
            Rule::DecisionAfterApplication => "decision_after_application",
            Rule::UnknownPerson => "unknown_person",
            Rule::NotBeforeApplication => "not_before_application",
            Rule::OnlyClient => "only_client",
            Rule::ParentIsClient => "parent_is_client",
            Rule::ChildOnce => "child_once",
            Rule::AmendsEarlierEvent => "amends_earlier_event",
            Rule::AfterConsentWithdrawn => "after_consent_withdrawn",
            Rule::ProcessingRestricted => "processing_restricted",
        }
    }

    /// The rule as a short sentence, for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::ConsentRequired => "consent must be true",
            Rule::OnePrimaryForm => "an assessment has exactly one primary form",
            Rule::ReflectionPeriodLength => {
                "a reflection period is 30 to 183 days in total, extensions included"
            }
            Rule::ReflectionPeriodRunning => {
                "a reflection period is extended or interrupted only while it runs"
            }
            Rule::IdentificationBefore2023 => {
                "official identification events are dated before 2023-01-01"
            }
            Rule::IdentificationOrder => {
                "identification is started once per client period, then heard and decided once"
            }
            Rule::CodeInForce => "a code is used only while the law has it",
            Rule::NoFutureDate => "no date in the future",
            Rule::NotBeforeSystem => {
                "no event before the assistance system began in 2006, unless imported as history"
            }
            Rule::ApplicationReceivedOnce => "an application is received once",
            Rule::UnknownApplication => "a decision refers to a received application",
            Rule::DecidedOnce => "an application is decided once",
            Rule::DecisionAfterApplication => "a decision is not dated before its application",
            Rule::UnknownPerson => "an event refers to a person with an application",
            Rule::NotBeforeApplication => "no event before the person's application",
            Rule::OnlyClient => "only a client can be terminated or get assistance measures",
            Rule::ParentIsClient => "a child's parent must be a client",
            Rule::ChildOnce => "a child is admitted once and leaves once, after admission",
            Rule::AmendsEarlierEvent => {
                "a correction or retraction amends one earlier event, which has no other"
            }
            Rule::AfterConsentWithdrawn => {
                "after the consent was withdrawn the case is only closed, until a new application"
            }
            Rule::ProcessingRestricted => {
                "a restricted record gets nothing but the lifting of the restriction"
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// An event of the history that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {event}: {detail} (rule: {rule})")]
pub struct Violation {
    pub event: EventId,
    pub rule: Rule,
    /// What is wrong, without personal values.
    pub detail: String,
}
