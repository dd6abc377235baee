//! The period a review covers: the year (annual, 1.1.-31.12.) or its first half (semiannual,
//! 1.1.-30.6.).

use time::{Date, Month};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewKind {
    Annual,
    Semiannual,
}

impl ReviewKind {
    pub fn name(self) -> &'static str {
        match self {
            ReviewKind::Annual => "annual",
            ReviewKind::Semiannual => "semiannual",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: ReviewKind,
    pub year: i32,
}

fn date(year: i32, month: Month, day: u8) -> Date {
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MIN)
}

impl Period {
    pub const fn annual(year: i32) -> Self {
        Self {
            kind: ReviewKind::Annual,
            year,
        }
    }

    pub const fn semiannual(year: i32) -> Self {
        Self {
            kind: ReviewKind::Semiannual,
            year,
        }
    }

    pub fn start(self) -> Date {
        date(self.year, Month::January, 1)
    }

    /// The reference date: clients are counted as of this day.
    pub fn end(self) -> Date {
        match self.kind {
            ReviewKind::Annual => date(self.year, Month::December, 31),
            ReviewKind::Semiannual => date(self.year, Month::June, 30),
        }
    }

    pub fn contains(self, d: Date) -> bool {
        d >= self.start() && d <= self.end()
    }
}
