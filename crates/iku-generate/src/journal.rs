//! Case journal entries for a generated register, drawn after the rest of it from a random
//! stream of their own and with ids of their own (`j1`, `j2`, ...), so that asking for a
//! journal adds entries and changes nothing else a seed means.

use iku_domain::access::Username;
use iku_domain::event::{Event, EventBody, JournalEntry, JournalKind};
use iku_domain::ids::EventId;
use iku_domain::personal::{Personal, PersonalFields};
use iku_domain::{Register, Timestamp};
use time::Duration;

use crate::{Options, Rng};

const TEXTS: [&str; 5] = [
    "Tapaaminen toimistolla, tulkki paikalla.",
    "Soitto asiakkaalle: asumisen järjestelyistä sovittu.",
    "Viesti avustajalle oikeudenkäynnin aikataulusta.",
    "Kotikäynti, tilanne rauhallinen.",
    "Neuvottelu sosiaalitoimen kanssa palveluista.",
];

/// Journal entries for about a third of the persons of `events` (a register valid by
/// construction), dated after their first application (an entry of the same day could be
/// recorded before it, and so come first) and on or before `options.end`.
pub(crate) fn entries(events: &[Event], options: &Options) -> Vec<Event> {
    let Ok(register) = Register::new(events.to_vec()) else {
        return Vec::new();
    };
    let state = register.view(None).state_as_of(options.end);
    // When each person's first application was recorded: an entry about them is recorded
    // after it (a register imported in the order events were recorded meets the person
    // before the entry).
    let mut known: std::collections::HashMap<&iku_domain::ids::PersonId, Timestamp> =
        std::collections::HashMap::new();
    for e in events {
        if let EventBody::ApplicationReceived(a) = &e.body {
            let at = known.entry(&a.person).or_insert(e.recorded_at);
            *at = (*at).min(e.recorded_at);
        }
    }
    let mut rng = Rng::new(options.seed ^ 0x1005_12A1);
    let author = Username::parse("generated.caseworker").unwrap_or_else(|_| unreachable!());
    let mut persons: Vec<_> = state.persons.values().collect();
    persons.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = Vec::new();
    for p in persons {
        let Some(first) = p.applications.iter().map(|a| a.received).min() else {
            continue;
        };
        let after = known.get(&p.id).map_or(Timestamp::from_micros(0), |t| {
            Timestamp::from_micros(t.micros() + 1_000_000)
        });
        if !rng.chance(33) {
            continue;
        }
        for _ in 0..1 + rng.below(3) {
            let span = (options.end - first).whole_days().clamp(0, 400) as u64;
            if span == 0 {
                break;
            }
            let date = first + Duration::days(1 + rng.below(span) as i64);
            let kind = JournalKind::ALL[rng.below(JournalKind::ALL.len() as u64) as usize];
            let follow_up = rng
                .chance(30)
                .then(|| date + Duration::days(1 + rng.below(30) as i64));
            let text = TEXTS[rng.below(TEXTS.len() as u64) as usize];
            let day = date.next_day().unwrap_or(date).midnight().assume_utc();
            let second = 6 * 3600 + rng.below(10 * 3600) as i64;
            out.push(Event {
                id: EventId::parse(&format!("{}j{}", options.id_prefix, out.len() + 1))
                    .unwrap_or_else(|_| unreachable!()),
                date,
                recorded_at: Timestamp::from_offset_date_time(day + Duration::seconds(second))
                    .max(after),
                corrects: None,
                body: EventBody::JournalEntry(JournalEntry {
                    person: p.id.clone(),
                    kind,
                    author: author.clone(),
                    follow_up,
                    personal: PersonalFields {
                        note: Some(Personal::new(text)),
                        ..PersonalFields::default()
                    },
                }),
            });
        }
    }
    out
}
