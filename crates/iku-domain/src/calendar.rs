//! Dates (valid time) and timestamps (recorded time), parsed strictly and written in one
//! canonical form so that an export is byte-identical after a round trip.

use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, UtcOffset};

/// Parses `YYYY-MM-DD` exactly (no other widths, no time part).
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    let day = u8::try_from(digits(8..10)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// A date as a person types it: `31.12.2026` (as Finnish and Swedish write it), `31/12/2026`
/// (as the English pages write it: day first), a day and a month of one digit too, or
/// `2026-12-31`; spaces around it ignored.
pub fn parse_entered_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Some(d) = parse_date(s) {
        return Some(d);
    }
    let separator = if s.contains('/') { '/' } else { '.' };
    let mut parts = s.split(separator);
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    let short = |p: &str, n| (1..=n).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some()
        || !short(day, 2)
        || !short(month, 2)
        || year.len() != 4
        || !short(year, 4)
    {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

/// Writes a date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// 1 July of `year`: the birth date assumed when only the birth year is known.
pub fn mid_year(year: i32) -> Option<Date> {
    Date::from_calendar_date(year, Month::July, 1).ok()
}

/// Whole years from `birth` to `on` (a person's age on a date).
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (u8::from(on.month()), on.day()) < (u8::from(birth.month()), birth.day()) {
        age -= 1;
    }
    age
}

/// The date in Finland at moment `t`: "today" for the rule that no event is dated in the
/// future.
pub fn finnish_date(t: Timestamp) -> Date {
    finnish_time(t).date()
}

/// The moment a day begins in Finland (midnight, Europe/Helsinki).
pub fn finnish_midnight(day: Date) -> Timestamp {
    let utc_midnight = day.midnight().assume_utc();
    // Midnight in Finland is 22:00 or 21:00 UTC the day before (UTC+2, or +3 in summer).
    [3, 2]
        .into_iter()
        .map(|hours| Timestamp::from_offset_date_time(utc_midnight - time::Duration::hours(hours)))
        .find(|t| finnish_time(*t) == day.midnight())
        .unwrap_or_else(|| Timestamp::from_offset_date_time(utc_midnight))
}

/// The wall-clock time in Finland (Europe/Helsinki) at moment `t`: UTC+2, and UTC+3 from the
/// last Sunday of March to the last Sunday of October, changing at 01:00 UTC as everywhere in
/// the EU.
pub fn finnish_time(t: Timestamp) -> time::PrimitiveDateTime {
    let utc = t.to_offset_date_time();
    let year = utc.year();
    let last_sunday = |month: Month| -> Date {
        let first_of_next = match month {
            Month::March => Date::from_calendar_date(year, Month::April, 1),
            _ => Date::from_calendar_date(year, Month::November, 1),
        }
        .unwrap_or(Date::MIN);
        let mut d = first_of_next.previous_day().unwrap_or(Date::MIN);
        while d.weekday() != time::Weekday::Sunday {
            d = d.previous_day().unwrap_or(Date::MIN);
        }
        d
    };
    let summer_from = last_sunday(Month::March).midnight().assume_utc() + time::Duration::hours(1);
    let summer_until =
        last_sunday(Month::October).midnight().assume_utc() + time::Duration::hours(1);
    let hours = if utc >= summer_from && utc < summer_until {
        3
    } else {
        2
    };
    let local = utc + time::Duration::hours(hours);
    time::PrimitiveDateTime::new(local.date(), local.time())
}

/// A moment in recorded time, in whole microseconds since 1970-01-01T00:00:00Z (the precision
/// both databases keep).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// Why a string is not a timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("expected an RFC 3339 timestamp such as 2021-01-15T12:00:00Z")]
    Format,
    #[error("timestamps are kept to the microsecond; this one has a finer fraction")]
    TooPrecise,
    #[error("timestamp out of range")]
    Range,
}

impl Timestamp {
    pub fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    pub fn micros(self) -> i64 {
        self.0
    }

    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|_| TimestampError::Format)?;
        let nanos = t.unix_timestamp_nanos();
        if nanos % 1000 != 0 {
            return Err(TimestampError::TooPrecise);
        }
        i64::try_from(nanos / 1000)
            .map(Self)
            .map_err(|_| TimestampError::Range)
    }

    pub fn from_offset_date_time(t: OffsetDateTime) -> Self {
        // Whole microseconds; an i64 of microseconds spans ±292,000 years.
        Self((t.unix_timestamp_nanos() / 1000) as i64)
    }

    pub fn to_offset_date_time(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// The UTC calendar date of this moment.
    pub fn date(self) -> Date {
        self.to_offset_date_time().to_offset(UtcOffset::UTC).date()
    }
}

/// Canonical form: UTC, `Z`, a fraction only when there is one, always six digits then.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.to_offset_date_time();
        write!(
            f,
            "{}T{:02}:{:02}:{:02}",
            format_date(t.date()),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        let micros = t.microsecond();
        if micros != 0 {
            write!(f, ".{micros:06}")?;
        }
        f.write_str("Z")
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn entered_dates_take_the_finnish_and_english_forms_and_iso() {
        let d = |s| parse_date(s);
        assert_eq!(parse_entered_date("31.12.2026"), d("2026-12-31"));
        assert_eq!(parse_entered_date("5/12/2026"), d("2026-12-05"));
        assert_eq!(parse_entered_date(" 1.2.2026 "), d("2026-02-01"));
        assert_eq!(parse_entered_date("2026-12-31"), d("2026-12-31"));
        for bad in [
            "31.12.26",
            "32.1.2026",
            "29.2.2026",
            "1.2.2026.",
            "a.b.cccc",
            "",
            "1..2026",
            "1/2.2026",
            "12/31/2026",
            "1/2/+026",
        ] {
            assert_eq!(parse_entered_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(
            parse_date("2020-02-29").map(format_date),
            Some("2020-02-29".into())
        );
        for bad in [
            "2019-02-29",
            "2020-13-01",
            "2020-1-01",
            "20-01-01",
            "2020-01-01T00",
            "２０２０-01-01",
            "2020/01/01",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn age_counts_whole_years() {
        let d = |s| parse_date(s).unwrap_or(Date::MIN);
        assert_eq!(age_on(d("2002-07-01"), d("2020-06-30")), 17);
        assert_eq!(age_on(d("2002-07-01"), d("2020-07-01")), 18);
        assert_eq!(age_on(d("2004-02-29"), d("2022-02-28")), 17);
        assert_eq!(age_on(d("2004-02-29"), d("2022-03-01")), 18);
    }

    #[test]
    fn a_finnish_day_begins_at_local_midnight() {
        let winter = parse_date("2026-01-15").unwrap_or(Date::MIN);
        let summer = parse_date("2026-07-15").unwrap_or(Date::MIN);
        assert_eq!(finnish_midnight(winter).to_string(), "2026-01-14T22:00:00Z");
        assert_eq!(finnish_midnight(summer).to_string(), "2026-07-14T21:00:00Z");
        assert_eq!(finnish_date(finnish_midnight(summer)), summer);
    }

    #[test]
    fn finnish_dates_follow_summer_time() {
        let on = |s: &str| Timestamp::parse(s).map(finnish_date).map(format_date);
        assert_eq!(on("2026-01-15T21:59:59Z"), Ok("2026-01-15".into()));
        assert_eq!(on("2026-01-15T22:00:00Z"), Ok("2026-01-16".into()));
        assert_eq!(on("2026-07-15T20:59:59Z"), Ok("2026-07-15".into()));
        assert_eq!(on("2026-07-15T21:00:00Z"), Ok("2026-07-16".into()));
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(on("2026-03-28T21:30:00Z"), Ok("2026-03-28".into()));
        assert_eq!(on("2026-10-24T21:30:00Z"), Ok("2026-10-25".into()));
        assert_eq!(on("2026-10-25T21:30:00Z"), Ok("2026-10-25".into()));
    }

    #[test]
    fn timestamps_are_written_in_utc() {
        let t = Timestamp::parse("2021-01-15T14:00:00+02:00");
        assert_eq!(t.map(|t| t.to_string()), Ok("2021-01-15T12:00:00Z".into()));
        let t = Timestamp::parse("2021-01-15T12:00:00.25Z");
        assert_eq!(
            t.map(|t| t.to_string()),
            Ok("2021-01-15T12:00:00.250000Z".into())
        );
        assert_eq!(
            Timestamp::parse("2021-01-15T12:00:00.0000001Z"),
            Err(TimestampError::TooPrecise)
        );
        assert_eq!(
            Timestamp::parse("2021-01-15 12:00"),
            Err(TimestampError::Format)
        );
    }

    proptest! {
        #[test]
        fn timestamp_round_trips(micros in -2_000_000_000_000_000i64..4_000_000_000_000_000i64) {
            let t = Timestamp::from_micros(micros);
            prop_assert_eq!(Timestamp::parse(&t.to_string()), Ok(t));
        }

        #[test]
        fn date_round_trips(days in 0i32..3_000_000) {
            let d = Date::from_julian_day(1_721_426 + days).unwrap_or(Date::MIN);
            prop_assert_eq!(parse_date(&format_date(d)), Some(d));
        }
    }
}
