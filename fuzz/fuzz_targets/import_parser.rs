//! The import parser on arbitrary bytes: it must never panic, and whatever it accepts must
//! survive the canonical round trip (write, parse again: the same event, the same line).
//!
//!     cargo fuzz run import_parser        (from the repository root; see fuzz/README.md)
#![no_main]

use iku_domain::Timestamp;
use iku_domain::interchange::{ParseContext, Personals, parse_line, write_line};
use iku_storage::import::{Silent, read_lines};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ctx = ParseContext {
        today: time::Date::from_calendar_date(2026, time::Month::January, 1).unwrap_or(time::Date::MIN),
        now: Timestamp::from_micros(1_767_225_600_000_000),
    };
    // The whole-file reader: line splitting, UTF-8, cut-off lines, error collection.
    if let Ok(lines) = read_lines(data, &ctx, &Silent) {
        for line in lines {
            let written = write_line(&line.parsed.event, Personals::Include);
            let again = parse_line(&written, &ctx).map(|p| p.event);
            assert_eq!(again.as_ref().ok(), Some(&line.parsed.event), "{written}");
            let rewritten = again.map(|e| write_line(&e, Personals::Include));
            assert_eq!(rewritten.ok(), Some(written));
        }
    }
});
