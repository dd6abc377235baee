//! The audit log as it is read: a reason in a person's own words (break-the-glass) is a note,
//! sealed, bound to its entry, opened only with the keys, re-sealed by key rotation and erased
//! by the retention purge, while the chain (which records that the entry has a note) still
//! verifies; and the log is read a page at a time, filtered.

use iku_domain::Timestamp;
use iku_domain::ids::PersonId;
use iku_domain::personal::Personal;
use iku_storage::audit::{AuditKey, NewAuditEntry, verify};
use iku_storage::{Keyring, Store};
use time::{Date, Month};

use super::{TestDb, keys};

const REASON: &str = "Client Zyxwa Qwertyson 010190-913X phoned the night line";

fn audit_key() -> AuditKey {
    AuditKey::parse(&"ab".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"))
}

fn at() -> Timestamp {
    Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0))
}

/// Entries about p1 and p2, the second and third with notes; returns their seqs.
fn append(store: &mut dyn Store, keys: &Keyring) -> Vec<i64> {
    let mut glass = NewAuditEntry::new("maria", "case.break_the_glass", "p1", "");
    glass.note = Some(Personal::new(REASON));
    let mut other = NewAuditEntry::new("juha", "case.break_the_glass", "p2 case.history", "");
    other.note = Some(Personal::new("another reason, long enough"));
    let entries = vec![
        NewAuditEntry::new("maria", "case.read", "p1", ""),
        glass,
        other,
    ];
    store
        .append_audit_batch(&audit_key(), Some(keys), entries, at())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn notes(store: &mut dyn Store, keys: &Keyring, seqs: &[i64]) -> Vec<Option<String>> {
    store
        .audit_notes(keys, seqs)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|n| n.map(|n| n.expose().to_owned()))
        .collect()
}

fn notes_are_sealed_and_open_only_with_the_keys(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    let seqs = append(store.as_mut(), &keys);
    let chain = store.audit_chain().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        verify(&audit_key(), &chain.entries, chain.head.clone()),
        Ok(())
    );
    let noted: Vec<bool> = chain.entries.iter().map(|e| e.noted).collect();
    assert_eq!(noted, [false, true, true]);
    assert!(
        chain
            .entries
            .iter()
            .all(|e| e.entry.note.is_none() && e.entry.reason.is_empty())
    );
    assert_eq!(
        notes(store.as_mut(), &keys, &seqs),
        [
            None,
            Some(REASON.to_owned()),
            Some("another reason, long enough".to_owned())
        ]
    );
    // Another key opens nothing; the stored bytes hold no word of the reason.
    assert!(store.audit_notes(&self::keys(), &seqs[1..2]).is_err());
    assert!(!db.dump_all().contains("Qwertyson"));
    // A note needs the keys to be stored at all.
    let mut lone = NewAuditEntry::new("maria", "case.break_the_glass", "p1", "");
    lone.note = Some(Personal::new(REASON));
    assert!(
        store
            .append_audit_batch(&audit_key(), None, vec![lone], at())
            .is_err()
    );
    // Removing the note from the chain's entry is caught.
    let tamper = match db {
        TestDb::Sqlite { .. } => {
            "DROP TRIGGER audit_log_append_only_update; UPDATE audit_log SET noted = 0 WHERE seq = 2"
        }
        TestDb::Postgres { .. } => {
            "DROP TRIGGER audit_log_append_only ON audit_log; UPDATE audit_log SET noted = FALSE WHERE seq = 2"
        }
    };
    db.raw(tamper).unwrap_or_else(|e| panic!("{e}"));
    let chain = db.open().audit_chain().unwrap_or_else(|e| panic!("{e}"));
    assert!(verify(&audit_key(), &chain.entries, chain.head).is_err());
}

fn notes_move_with_key_rotation_and_leave_with_the_retention_purge(db: &TestDb) {
    let (old, old_text) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    let mut store = db.open();
    let seqs = append(store.as_mut(), &old);
    let (new, new_text) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    let both =
        Keyring::parse(&format!("{old_text}{new_text}"), "test").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.sealed_by_key().ok(),
        Some(vec![(old.active_key_id().to_owned(), 2)])
    );
    while store
        .reseal_batch(&both, 1)
        .unwrap_or_else(|e| panic!("{e}"))
        > 0
    {}
    assert_eq!(
        store.sealed_by_key().ok(),
        Some(vec![(new.active_key_id().to_owned(), 2)])
    );
    assert_eq!(
        notes(store.as_mut(), &new, &seqs[1..2]),
        [Some(REASON.to_owned())]
    );
    // The purge of p1 erases the note about p1, not p2's; the chain still verifies.
    let p1 = PersonId::parse("p1").unwrap_or_else(|e| panic!("{e}"));
    let cutoff = Date::from_calendar_date(2021, Month::January, 1).unwrap_or(Date::MIN);
    let erased = store.erase_personal(&[], &[p1], cutoff, at());
    assert_eq!(erased.as_ref().ok(), Some(&1), "{erased:?}");
    assert_eq!(
        notes(store.as_mut(), &new, &seqs),
        [None, None, Some("another reason, long enough".to_owned())]
    );
    let chain = store.audit_chain().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verify(&audit_key(), &chain.entries, chain.head), Ok(()));
    drop(store);
    if let TestDb::Sqlite { dir } = db {
        let mut raw = std::fs::read(dir.path().join("iku.db")).unwrap_or_default();
        raw.extend(std::fs::read(dir.path().join("iku.db-wal")).unwrap_or_default());
        assert!(!String::from_utf8_lossy(&raw).contains("Qwertyson"));
    }
}

/// The audit log a page at a time, newest first, filtered: every entry once, in order, and
/// only those the filter keeps (a case's entries are those whose record is its id, or starts
/// with it and a space: p1's, not p10's).
fn the_audit_log_pages_newest_first_and_filters(db: &TestDb) {
    use iku_storage::audit::AuditFilter;
    let mut store = db.open();
    let records = ["p1", "p10", "p1 case.history", "p2", "p1 person_details e1"];
    let actors = ["maria", "juha"];
    for n in 0..30i64 {
        let entry = NewAuditEntry::new(
            actors[(n % 2) as usize],
            if n % 3 == 0 {
                "case.read"
            } else {
                "case.write"
            },
            records[(n % 5) as usize],
            "",
        );
        let at = Timestamp::from_micros(1_000_000 * (n + 1));
        store
            .append_audit_batch(&audit_key(), None, vec![entry], at)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let page_through = |store: &mut dyn Store, filter: &AuditFilter| -> Vec<i64> {
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = store
                .audit_page(before, 7, filter)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(page.len() <= 7);
            let Some(last) = page.last() else { break };
            before = Some(last.seq);
            seen.extend(page.iter().map(|e| e.seq));
        }
        seen
    };
    let all = page_through(store.as_mut(), &AuditFilter::default());
    assert_eq!(all, (1..=30).rev().collect::<Vec<i64>>());
    let maria = AuditFilter {
        actor: Some("maria".into()),
        ..AuditFilter::default()
    };
    assert_eq!(page_through(store.as_mut(), &maria).len(), 15);
    let p1 = AuditFilter {
        person: Some("p1".into()),
        action: Some("case.write".into()),
        ..AuditFilter::default()
    };
    let chain = store.audit_chain().unwrap_or_else(|e| panic!("{e}"));
    let expected: Vec<i64> = chain
        .entries
        .iter()
        .rev()
        .filter(|e| {
            e.entry.action == "case.write"
                && (e.entry.record == "p1" || e.entry.record.starts_with("p1 "))
        })
        .map(|e| e.seq)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(page_through(store.as_mut(), &p1), expected);
    // From second 10 (seq 10) until second 20 (seq 20, not included).
    let window = AuditFilter {
        from: Some(Timestamp::from_micros(10_000_000)),
        until: Some(Timestamp::from_micros(20_000_000)),
        ..AuditFilter::default()
    };
    assert_eq!(
        page_through(store.as_mut(), &window),
        (10..20).rev().collect::<Vec<i64>>()
    );
}

contract!(
    notes_are_sealed_and_open_only_with_the_keys,
    notes_move_with_key_rotation_and_leave_with_the_retention_purge,
    the_audit_log_pages_newest_first_and_filters,
);
