use super::*;
use crate::interchange::parse_line;
use crate::interchange::tests::{ctx, every_event_type};

fn events() -> Vec<Event> {
    every_event_type()
        .iter()
        .map(|line| match parse_line(line, &ctx()) {
            Ok(p) => p.event,
            Err(e) => panic!("{line}: {e}"),
        })
        .collect()
}

fn without_personal(mut e: Event) -> Event {
    if let Some(fields) = e.body.personal_mut() {
        *fields = PersonalFields::default();
    }
    e
}

#[test]
fn every_event_type_round_trips_without_its_personal_fields() {
    for e in events() {
        let bytes = to_bytes(&e);
        assert_eq!(decode(&bytes), Ok(without_personal(e.clone())), "{e:?}");
        assert_eq!(date_of(&bytes), Ok(e.date));
    }
}

#[test]
fn no_personal_value_is_in_the_bytes() {
    let details = events()
        .into_iter()
        .find(|e| matches!(e.body, EventBody::PersonDetails(_)))
        .unwrap_or_else(|| panic!("a person_details line"));
    let bytes = to_bytes(&details);
    let needle = b"Ada";
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    let journal = events()
        .into_iter()
        .find(|e| matches!(e.body, EventBody::JournalEntry(_)))
        .unwrap_or_else(|| panic!("a journal_entry line"));
    let bytes = to_bytes(&journal);
    let needle = b"Soitti";
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
}

#[test]
fn damaged_bytes_are_an_error_not_a_wrong_event() {
    for e in events() {
        let bytes = to_bytes(&e);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "{e:?} cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), Err(FactsError::Trailing(1)));
    }
    let mut other_version = to_bytes(&events()[0]);
    other_version[0] = 9;
    assert_eq!(decode(&other_version), Err(FactsError::Version(9)));
}
