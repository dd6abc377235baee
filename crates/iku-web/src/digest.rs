//! The daily digest of work by e-mail (`iku_app::mail`): sent every day at the configured
//! time of day in Helsinki, while the server runs.

use std::time::Duration;

use iku_domain::Timestamp;
use iku_domain::calendar::{finnish_date, finnish_time};
use time::Time;

use crate::state::Shared;

/// How long from `now` until the clock in Helsinki next shows `at` (a day if it shows it
/// now). Reckoned on Helsinki's wall clock, so a change of daylight saving time moves that
/// one night's digest by the hour.
fn until_next(now: Timestamp, at: Time) -> Duration {
    let local = finnish_time(now);
    let today = local.date().with_time(at);
    let next = if today > local {
        today
    } else {
        today + time::Duration::days(1)
    };
    let wait = next - local;
    Duration::from_micros(wait.whole_microseconds().clamp(1, i128::from(u64::MAX)) as u64)
}

/// Sends the digest at `at` every day; a failure is logged and tried again the next day.
pub(crate) async fn daily(state: Shared, at: Time) {
    loop {
        tokio::time::sleep(until_next(crate::state::now(), at)).await;
        let today = finnish_date(crate::state::now());
        let sent = state.blocking(move |app| app.send_digests(today)).await;
        let line = match sent {
            Ok(n) => format!("digest: {n} messages sent"),
            Err(e) => format!("error: the digest: {}", e.message),
        };
        state.config.log.line(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap_or(Timestamp::from_micros(0))
    }

    #[test]
    fn the_digest_waits_for_seven_in_helsinki() {
        let seven = Time::from_hms(7, 0, 0).unwrap_or(Time::MIDNIGHT);
        // 04:00 UTC in winter is 06:00 in Helsinki: an hour.
        assert_eq!(
            until_next(at("2026-12-03T04:00:00Z"), seven),
            Duration::from_secs(3600)
        );
        // In summer (UTC+3) 03:30 UTC is 06:30: half an hour.
        assert_eq!(
            until_next(at("2026-06-03T03:30:00Z"), seven),
            Duration::from_secs(1800)
        );
        // At seven exactly, and after it: the next day's.
        assert_eq!(
            until_next(at("2026-12-03T05:00:00Z"), seven),
            Duration::from_secs(24 * 3600)
        );
        assert_eq!(
            until_next(at("2026-12-03T21:59:00Z"), seven),
            Duration::from_secs(7 * 3600 + 60)
        );
    }
}
