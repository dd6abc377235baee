//! What reminds a caseworker of a case (casework.md, "Tasks and time"): a reflection period
//! ending within 14 days, an application waiting over 30 days, a child's matter waiting for a
//! decision, a journal entry's follow-up date, a measure of the plan due, the plan's review.
//! Each reminder falls due on a calendar date in Helsinki; the caseworker's work lists what is
//! overdue and what falls due this week and next.

use time::{Date, Duration};

/// A reflection period ending this soon is due for a look.
pub const REFLECTION_ENDING: Duration = Duration::days(14);

/// An application waiting longer than this is overdue.
pub const WAITED_TOO_LONG: Duration = Duration::days(30);

/// How far back a date to come back to stays on the list once past: casework dates are not
/// marked done, so an old one would stay overdue for ever.
pub const KEPT_OVERDUE: Duration = Duration::days(30);

/// Why a case is due for a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reminder {
    ReflectionEnding,
    ApplicationWaiting,
    ChildsMatter,
    FollowUp,
    MeasureDue,
    PlanReview,
}

impl Reminder {
    pub const ALL: [Reminder; 6] = [
        Reminder::ReflectionEnding,
        Reminder::ApplicationWaiting,
        Reminder::ChildsMatter,
        Reminder::FollowUp,
        Reminder::MeasureDue,
        Reminder::PlanReview,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reminder::ReflectionEnding => "reflection_ending",
            Reminder::ApplicationWaiting => "application_waiting",
            Reminder::ChildsMatter => "childs_matter",
            Reminder::FollowUp => "follow_up",
            Reminder::MeasureDue => "measure_due",
            Reminder::PlanReview => "plan_review",
        }
    }

    /// The day a reminder of `date` falls due: the day an application received on `date`
    /// has waited too long; a child's matter at once; any other on its date.
    pub fn due(self, date: Date) -> Date {
        match self {
            Reminder::ApplicationWaiting => date + WAITED_TOO_LONG,
            _ => date,
        }
    }
}

/// Where a reminder's day stands from `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum When {
    Overdue,
    /// From today to six days on.
    ThisWeek,
    /// The seven days after.
    NextWeek,
}

impl When {
    pub const ALL: [When; 3] = [When::Overdue, When::ThisWeek, When::NextWeek];

    pub fn name(self) -> &'static str {
        match self {
            When::Overdue => "overdue",
            When::ThisWeek => "this_week",
            When::NextWeek => "next_week",
        }
    }

    /// Where `due` stands from `today`; None if it is further off.
    pub fn of(due: Date, today: Date) -> Option<When> {
        let days = (due - today).whole_days();
        match days {
            ..0 => Some(When::Overdue),
            0..=6 => Some(When::ThisWeek),
            7..=13 => Some(When::NextWeek),
            _ => None,
        }
    }
}

/// The last day the lists look ahead to from `today`.
pub fn horizon(today: Date) -> Date {
    today + Duration::days(13)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_date;

    fn day(s: &str) -> Date {
        parse_date(s).unwrap_or(Date::MIN)
    }

    #[test]
    fn a_day_is_overdue_this_week_or_next_week_by_calendar_days() {
        let today = day("2026-12-31");
        assert_eq!(When::of(day("2026-12-30"), today), Some(When::Overdue));
        assert_eq!(When::of(today, today), Some(When::ThisWeek));
        assert_eq!(When::of(day("2027-01-06"), today), Some(When::ThisWeek));
        assert_eq!(When::of(day("2027-01-07"), today), Some(When::NextWeek));
        assert_eq!(When::of(day("2027-01-13"), today), Some(When::NextWeek));
        assert_eq!(When::of(day("2027-01-14"), today), None);
        assert_eq!(horizon(today), day("2027-01-13"));
    }

    #[test]
    fn an_application_falls_due_after_thirty_days_of_waiting() {
        let received = day("2026-11-01");
        assert_eq!(
            Reminder::ApplicationWaiting.due(received),
            day("2026-12-01")
        );
        assert_eq!(Reminder::ChildsMatter.due(received), received);
        assert_eq!(Reminder::FollowUp.due(received), received);
    }
}

#[cfg(test)]
mod helsinki_tests {
    use super::*;
    use crate::calendar::{Timestamp, finnish_date, parse_date};

    /// Half past midnight in Helsinki is still the evening before in UTC: the day that has
    /// begun in Helsinki is the one the lists count from.
    #[test]
    fn the_lists_count_from_the_day_in_helsinki() {
        let at = |s: &str| Timestamp::parse(s).unwrap_or(Timestamp::from_micros(0));
        let new_year = finnish_date(at("2026-12-31T22:30:00Z"));
        assert_eq!(Some(new_year), parse_date("2027-01-01"));
        let due = parse_date("2026-12-31").unwrap_or(Date::MIN);
        assert_eq!(When::of(due, new_year), Some(When::Overdue));
        // Summer time: 21:30 UTC is 00:30 the next day in Helsinki.
        let midsummer = finnish_date(at("2026-06-19T21:30:00Z"));
        assert_eq!(Some(midsummer), parse_date("2026-06-20"));
        let eve = parse_date("2026-06-19").unwrap_or(Date::MIN);
        assert_eq!(When::of(eve, midsummer), Some(When::Overdue));
        assert_eq!(
            When::of(eve, finnish_date(at("2026-06-19T20:59:00Z"))),
            Some(When::ThisWeek)
        );
    }
}
