//! Writes: an import checked with the groups it touches gives what one checked with the
//! whole register gives (accepted or refused alike, the same rows stored), and a write's
//! events and audit entries commit together or not at all.

use std::collections::BTreeSet;

use iku_domain::Event;
use iku_domain::EventBody;
use iku_domain::ids::EventId;
use iku_storage::audit::{AuditKey, NewAuditEntry};
use iku_storage::{AuditBatch, Checks, ImportError};

use super::{TestDb, assert_facts_match, export, file_of, keys, parse, sample};

/// The register keys a store holds, for comparing two stores.
fn register_keys(db: &TestDb) -> BTreeSet<(String, String, i64)> {
    let sql = "SELECT kind, id, owner FROM register_keys";
    match db {
        TestDb::Sqlite { dir } => {
            let conn = rusqlite::Connection::open(dir.path().join("iku.db"))
                .unwrap_or_else(|e| panic!("{e}"));
            let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{e}"));
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap_or_else(|e| panic!("{e}"))
                .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
                .collect()
        }
        TestDb::Postgres { .. } => {
            let mut c = ::postgres::Client::connect(&db.url(), ::postgres::NoTls)
                .unwrap_or_else(|e| panic!("{e}"));
            c.query(sql, &[])
                .unwrap_or_else(|e| panic!("{e}"))
                .into_iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect()
        }
    }
}

/// What an import answered, comparably: stored, or the (event, rule) pairs it was refused
/// for.
fn outcome(result: Result<iku_storage::ImportReport, ImportError>) -> Result<usize, Vec<String>> {
    match result {
        Ok(report) => Ok(report.added),
        Err(ImportError::Invalid { errors, .. }) => {
            let mut why: Vec<String> = errors
                .iter()
                .map(|e| format!("{:?} {:?}", e.event, e.rule))
                .collect();
            why.sort();
            Err(why)
        }
        Err(e) => panic!("{e}"),
    }
}

/// A copy of `e` under a new id: a second decision of a decided application, a second
/// admission of a child, ... (or, for an event that may repeat, an innocent one).
fn again(e: &Event, n: usize) -> Event {
    let mut copy = e.clone();
    copy.id = EventId::parse(&format!("again-{n}")).unwrap_or_else(|e| panic!("{e}"));
    copy.corrects = None;
    copy
}

/// Imports a generated register in batches into a store checking with groups and one checking
/// with the whole register, with some batches given an event that repeats an earlier one (a
/// second decision, a second child admission: refused, in both, for the same events and
/// rules); after every batch both hold the same.
fn checks_agree(groups: &TestDb, whole: &TestDb, seed: u64) {
    let keys = keys();
    let mut by_groups = groups.open();
    let mut by_whole = whole.open();
    by_groups.set_checks(Checks::Groups);
    by_whole.set_checks(Checks::WholeRegister);
    let mut events = sample(40, seed);
    events.sort_by_key(|e| e.recorded_at);
    let batches: Vec<&[Event]> = events.chunks(events.len().div_ceil(8).max(1)).collect();
    let mut seen: Vec<&Event> = Vec::new();
    let mut refused = 0;
    for (n, batch) in batches.iter().enumerate() {
        let mut lines = batch.to_vec();
        // Every other batch repeats a decision or a child's admission made before it.
        let repeated = seen.iter().rev().find(|e| {
            e.corrects.is_none()
                && matches!(
                    e.body,
                    EventBody::ApplicationDecided(_) | EventBody::ChildAdmitted { .. }
                )
        });
        if let Some(e) = repeated.filter(|_| n % 2 == 1) {
            let mut copy = again(e, n);
            copy.recorded_at = batch.last().map_or(copy.recorded_at, |b| b.recorded_at);
            lines.push(copy);
        }
        let text = file_of(&lines);
        let a = outcome(by_groups.import(
            parse(&text).unwrap_or_default(),
            &keys,
            &iku_storage::import::Silent,
        ));
        let b = outcome(by_whole.import(
            parse(&text).unwrap_or_default(),
            &keys,
            &iku_storage::import::Silent,
        ));
        assert_eq!(a, b, "seed {seed}, batch {n}");
        if a.is_err() {
            refused += 1;
            // The batch without the repeat goes in, as it would be sent again.
            let text = file_of(batch);
            let a = outcome(by_groups.import(
                parse(&text).unwrap_or_default(),
                &keys,
                &iku_storage::import::Silent,
            ));
            let b = outcome(by_whole.import(
                parse(&text).unwrap_or_default(),
                &keys,
                &iku_storage::import::Silent,
            ));
            assert_eq!(a, b, "seed {seed}, batch {n} again");
            assert!(a.is_ok(), "seed {seed}, batch {n}: {a:?}");
        }
        seen.extend(batch.iter());
        assert_eq!(
            export(by_groups.as_mut(), &keys),
            export(by_whole.as_mut(), &keys)
        );
        assert_facts_match(by_groups.as_mut());
        assert_eq!(
            register_keys(groups),
            register_keys(whole),
            "seed {seed}, batch {n}"
        );
    }
    assert!(
        refused > 0,
        "seed {seed}: no batch was refused; the test tests too little"
    );
}

fn checks_by_groups_and_by_the_whole_register_agree(db: &TestDb) {
    // The groups on this backend; the whole register, the reference, on SQLite.
    for seed in [3, 17, 29] {
        let groups = match db {
            TestDb::Sqlite { .. } => TestDb::sqlite(),
            TestDb::Postgres { .. } => TestDb::postgres(),
        };
        checks_agree(&groups, &TestDb::sqlite(), seed);
    }
}

/// A write's events and the audit entries that record them commit together: when the audit
/// cannot be written, no event is stored either.
fn a_write_and_its_audit_entries_commit_together(db: &TestDb) {
    let keys = keys();
    let key = AuditKey::parse(&"ab".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"));
    let at = iku_domain::Timestamp::from_micros(1_700_000_000_000_000);
    let mut store = db.open();
    let batch = |record: &str| AuditBatch {
        key: &key,
        entries: vec![NewAuditEntry::new("maria", "case.write", record, "")],
        at,
    };
    let first = r#"{"id":"w1","event":"application_received","date":"2024-03-01","application":"wa1","person":"wp1","referrer":"police","consent":true}"#;
    let report = store
        .write(
            parse(&format!("{first}\n")).unwrap_or_default(),
            &keys,
            Some(batch("wp1")),
            &iku_storage::import::Silent,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.added, report.audit_seqs.len()), (1, 1));
    // The audit log refuses every entry from now on.
    let refuse = match db {
        TestDb::Sqlite { .. } => {
            "CREATE TRIGGER no_more BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'no more'); END;"
        }
        TestDb::Postgres { .. } => {
            "CREATE FUNCTION no_more() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no more'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER no_more BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION no_more();"
        }
    };
    db.raw(refuse).unwrap_or_else(|e| panic!("{e}"));
    let mut store = db.open();
    let second = r#"{"id":"w2","event":"person_details","date":"2024-03-01","person":"wp1","gender":"female"}"#;
    let failed = store.write(
        parse(&format!("{second}\n")).unwrap_or_default(),
        &keys,
        Some(batch("wp1 person_details w2")),
        &iku_storage::import::Silent,
    );
    assert!(failed.is_err());
    assert_eq!(
        store.count().ok(),
        Some(1),
        "the event was stored unaudited"
    );
    assert_eq!(store.audit_chain().map(|c| c.entries.len()).ok(), Some(1));
}

/// A database from before `register_keys` gets them when it is first opened.
fn register_keys_are_filled_in_for_older_databases(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    super::import(store.as_mut(), &keys, &file_of(&sample(30, 9)))
        .unwrap_or_else(|e| panic!("{e}"));
    drop(store);
    let before = register_keys(db);
    assert!(before.len() > 30);
    let forget = match db {
        TestDb::Sqlite { .. } => {
            "DROP TRIGGER register_keys_append_only_delete; DELETE FROM register_keys;"
        }
        TestDb::Postgres { .. } => {
            "DROP TRIGGER register_keys_append_only ON register_keys; DELETE FROM register_keys;"
        }
    };
    db.raw(forget).unwrap_or_else(|e| panic!("{e}"));
    assert!(register_keys(db).is_empty());
    drop(db.open());
    assert_eq!(register_keys(db), before);
}

/// A register whose generated journal entry was recorded before its person's application:
/// imported in the order of recording, the entry came first and was refused (the generator
/// now records an entry after the application).
#[test]
fn a_journal_entry_comes_after_its_persons_application() {
    checks_agree(
        &TestDb::sqlite(),
        &TestDb::sqlite(),
        2_777_222_505_466_854_138,
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 16, ..Default::default() })]

    /// On random registers imported in batches (some refused), the groups a write touches
    /// give what the whole register gives, after every batch.
    #[test]
    fn checks_by_groups_agree_with_the_whole_register_on_random_registers(seed in proptest::prelude::any::<u64>()) {
        checks_agree(&TestDb::sqlite(), &TestDb::sqlite(), seed);
    }
}

contract!(
    checks_by_groups_and_by_the_whole_register_agree,
    a_write_and_its_audit_entries_commit_together,
    register_keys_are_filled_in_for_older_databases,
);
