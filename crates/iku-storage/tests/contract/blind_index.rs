//! The blind index: a person is found by their terms as the register stands (corrections,
//! later details and the retention purge followed), only under the key it was built with,
//! and the database holds neither a value nor an unkeyed hash of one; and the pairs of
//! possible duplicates decided apart, which intake reads beside it.

use iku_domain::ids::{EventId, PersonId};
use iku_domain::search;
use iku_storage::{Keyring, Store};
use sha2::{Digest, Sha256};
use time::{Date, Month};

use super::{APP, TestDb, import, keys};

const DETAILS: &str = r#"{"id":"pd1","event":"person_details","date":"2020-03-01","person":"xp1","birth_year":1990,"name":"Zyxwv Qwertyson","phone":"040 765 4321","email":"Zyx@Example.invalid","personal_identity_code":"010190-999Q"}"#;
const OTHER: &str = r#"{"id":"y1","event":"application_received","date":"2020-03-01","application":"ya1","person":"yp1","referrer":"police","consent":true}
{"id":"yd1","event":"person_details","date":"2020-03-01","person":"yp1","birth_year":1990,"name":"Maria Ahmed","phone":"+358 50 999 8888"}"#;

/// The persons holding any term of the query `text`.
fn found(store: &mut dyn Store, keys: &Keyring, text: &str) -> Vec<String> {
    let query = search::query(text, 2026).unwrap_or_else(|e| panic!("{text}: {e}"));
    let blinds: Vec<_> = query.terms.iter().map(|t| keys.blind(&t.term)).collect();
    let mut persons: Vec<String> = store
        .blind_lookup(&blinds)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|(_, p)| p.as_str().to_owned())
        .collect();
    persons.sort();
    persons.dedup();
    persons
}

fn a_person_is_found_by_their_terms_as_the_register_stands(db: &TestDb) {
    let (keys, first) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    let mut store = db.open();
    import(
        store.as_mut(),
        &keys,
        &format!("{APP}\n{DETAILS}\n{OTHER}\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let s = store.as_mut();
    // Imported into an empty register, the index is whole under the active key.
    let active = Some(keys.active_key_id().to_owned());
    assert_eq!(s.blind_index_key().ok(), Some(active.clone()));
    // A typo and another word order, the phone written otherwise, the e-mail in other case.
    for text in [
        "Qwertysom Zyxwv 1990",
        "+358 40 7654321",
        "zyx@example.invalid",
        "010190-999q",
    ] {
        assert_eq!(found(s, &keys, text), ["xp1"], "{text}");
    }
    assert_eq!(found(s, &keys, "Zyxwv 1991"), Vec::<String>::new());
    assert_eq!(found(s, &keys, "Maria Ahmed 1990"), ["yp1"]);

    // A correction replaces the phone; a later birth year moves the names to it.
    let later = r#"{"id":"pd2","event":"person_details","date":"2020-03-01","person":"xp1","corrects":"pd1","birth_year":1990,"name":"Zyxwv Qwertyson","phone":"050 111 2222"}
{"id":"pd3","event":"person_details","date":"2020-04-01","person":"xp1","birth_year":1991}"#;
    import(s, &keys, &format!("{later}\n")).unwrap_or_else(|e| panic!("{e}"));
    assert!(found(s, &keys, "040 765 4321").is_empty());
    assert!(found(s, &keys, "zyx@example.invalid").is_empty());
    assert_eq!(found(s, &keys, "0501112222"), ["xp1"]);
    assert!(found(s, &keys, "Zyxwv 1990").is_empty());
    assert_eq!(found(s, &keys, "Zyxwv 1991"), ["xp1"]);

    // Rebuilt under a new key: found under it alone.
    assert_eq!(s.blind_index_key().ok(), Some(active));
    let (new, second) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    let rotated =
        Keyring::parse(&format!("{first}{second}"), "rotated").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rotated.active_key_id(), new.active_key_id());
    let rows = s
        .rebuild_blind_index(&rotated)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(rows > 10, "{rows}");
    assert_eq!(
        s.blind_index_key().ok().flatten().as_deref(),
        Some(rotated.active_key_id())
    );
    assert_eq!(found(s, &rotated, "Zyxwv 1991"), ["xp1"]);
    assert!(found(s, &keys, "Zyxwv 1991").is_empty());

    // The purge leaves nothing to find them by.
    let ids: Vec<EventId> = ["pd1", "pd2", "pd3"]
        .iter()
        .map(|i| EventId::parse(i).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let person = PersonId::parse("xp1").unwrap_or_else(|e| panic!("{e}"));
    let cutoff = Date::from_calendar_date(2021, Month::January, 1).unwrap_or(Date::MIN);
    s.erase_personal(
        &ids,
        &[person],
        cutoff,
        iku_domain::Timestamp::from_micros(1),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(found(s, &rotated, "Zyxwv 1991").is_empty());
    assert_eq!(found(s, &rotated, "Maria Ahmed 1990"), ["yp1"]);
}

/// After indexing, neither the database nor its write-ahead log holds a personal value, a
/// normalised one, or the SHA-256 of one (an unkeyed hash is found by guessing).
fn the_database_holds_no_value_nor_an_unkeyed_hash_of_one(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    import(
        store.as_mut(),
        &keys,
        &format!("{APP}\n{DETAILS}\n{OTHER}\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let raw = db.bytes_all();
    let text = String::from_utf8_lossy(&raw).to_lowercase();
    let fields = iku_domain::personal::PersonalFields {
        name: Some(iku_domain::personal::Personal::new("Zyxwv Qwertyson")),
        phone: Some(iku_domain::personal::Personal::new("040 765 4321")),
        email: Some(iku_domain::personal::Personal::new("Zyx@Example.invalid")),
        personal_identity_code: Some(iku_domain::personal::Personal::new("010190-999Q")),
        ..Default::default()
    };
    let terms = search::person_terms([&fields], Some(1990));
    let values = [
        "zyxwv",
        "qwertyson",
        "7654321",
        "+358407654321",
        "zyx@example.invalid",
        "010190-999q",
        "maria ahmed",
        "9998888",
    ];
    for value in values {
        assert!(!text.contains(value), "{value} is stored");
    }
    for plain in terms.iter().map(String::as_str).chain(values) {
        let digest = Sha256::digest(plain.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!text.contains(&hex), "the SHA-256 of {plain} is stored");
        for cut in [&digest[..], &digest[..16]] {
            assert!(
                !raw.windows(cut.len()).any(|w| w == cut),
                "the SHA-256 of {plain} is stored"
            );
        }
    }
    // The keyed terms are there: the scan would have seen them.
    let blind = keys.blind(&terms[0]);
    let hex: String = blind.iter().map(|b| format!("{b:02x}")).collect();
    assert!(
        raw.windows(16).any(|w| w == blind) || text.contains(&hex),
        "the index is not in what was scanned"
    );
}

contract!(
    a_person_is_found_by_their_terms_as_the_register_stands,
    the_database_holds_no_value_nor_an_unkeyed_hash_of_one,
    a_decided_pair_is_found_from_either_side_and_kept,
);

/// A pair decided not to be the same person is found from either side, once however often it
/// is decided, and stays decided: the table refuses a change.
fn a_decided_pair_is_found_from_either_side_and_kept(db: &TestDb) {
    let p = |id: &str| PersonId::parse(id).unwrap_or_else(|e| panic!("{e}"));
    let at = iku_domain::Timestamp::from_micros(1);
    let mut store = db.open();
    for (a, b) in [("p-b", "p-a"), ("p-a", "p-b"), ("p-c", "p-a")] {
        store
            .mark_distinct(&p(a), &p(b), "maria", at)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let sorted = |mut v: Vec<PersonId>| {
        v.sort();
        v
    };
    let from = |store: &mut dyn Store, who: &str| {
        sorted(
            store
                .distinct_from(&p(who))
                .unwrap_or_else(|e| panic!("{e}")),
        )
    };
    assert_eq!(from(store.as_mut(), "p-a"), [p("p-b"), p("p-c")]);
    assert_eq!(from(db.open().as_mut(), "p-b"), [p("p-a")]);
    assert_eq!(from(store.as_mut(), "p-d"), Vec::<PersonId>::new());
    assert!(db.raw("DELETE FROM distinct_persons").is_err());
    assert_eq!(from(store.as_mut(), "p-c"), [p("p-a")]);
}
