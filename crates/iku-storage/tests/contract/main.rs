//! One contract, both backends: every test here runs on SQLite (a temporary file) and on
//! PostgreSQL (a fresh database on 127.0.0.1:5432, dropped afterwards; `IKU_TEST_POSTGRES`
//! names another server). Topics of their own: `register_semantics`, `audit_notes`, `writes`, `groups`.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};

use iku_domain::grouping::StoredFacts;
use iku_domain::ids::{EventId, PersonId};
use iku_domain::interchange::{ParseContext, Personals as LinePersonals, write_line};
use iku_domain::{Event, Timestamp};
use iku_generate::{Options, generate};
use iku_storage::import::{Silent, read_lines};
use iku_storage::{ImportError, Keyring, NumberedLine, Personals, Store};
use time::{Date, Month};

/// A database for one test; dropped with it.
enum TestDb {
    Sqlite { dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn postgres_admin_url() -> String {
    std::env::var("IKU_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl TestDb {
    fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        TestDb::Sqlite { dir }
    }

    fn postgres() -> Self {
        let admin_url = postgres_admin_url();
        let name = format!(
            "iku_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin =
            ::postgres::Client::connect(&admin_url, ::postgres::NoTls).unwrap_or_else(|e| {
                panic!("PostgreSQL at {admin_url} is needed for the contract tests: {e}")
            });
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin
                .batch_execute(&sql)
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        }
        TestDb::Postgres { admin_url, name }
    }

    fn url(&self) -> String {
        match self {
            TestDb::Sqlite { dir } => format!("sqlite:{}", dir.path().join("iku.db").display()),
            TestDb::Postgres { admin_url, name } => {
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(b, _)| b);
                format!("{base}/{name}")
            }
        }
    }

    fn open(&self) -> Box<dyn Store> {
        iku_storage::open(&self.url()).unwrap_or_else(|e| panic!("open {}: {e}", self.url()))
    }

    /// Runs raw SQL (for tests that tamper with the database); returns the error text.
    fn raw(&self, sql: &str) -> Result<(), String> {
        match self {
            TestDb::Sqlite { dir } => {
                let conn = rusqlite::Connection::open(dir.path().join("iku.db"))
                    .map_err(|e| e.to_string())?;
                conn.execute_batch(sql).map_err(|e| e.to_string())
            }
            TestDb::Postgres { .. } => {
                let mut c = ::postgres::Client::connect(&self.url(), ::postgres::NoTls)
                    .map_err(|e| e.to_string())?;
                c.batch_execute(sql).map_err(|e| match e.as_db_error() {
                    Some(db) => db.message().to_owned(),
                    None => e.to_string(),
                })
            }
        }
    }

    /// Every byte of the database as stored, as bytes (SQLite: the file and its WAL;
    /// PostgreSQL: every row of every table, as text).
    fn bytes_all(&self) -> Vec<u8> {
        match self {
            TestDb::Sqlite { dir } => {
                let mut raw = std::fs::read(dir.path().join("iku.db")).unwrap_or_default();
                raw.extend(std::fs::read(dir.path().join("iku.db-wal")).unwrap_or_default());
                raw
            }
            TestDb::Postgres { .. } => self.dump_all().into_bytes(),
        }
    }

    /// Every byte of the database as stored (SQLite: the file and its WAL; PostgreSQL: every
    /// row of every table, as text), for leak checks.
    fn dump_all(&self) -> String {
        match self {
            TestDb::Sqlite { dir } => {
                let mut raw = std::fs::read(dir.path().join("iku.db")).unwrap_or_default();
                raw.extend(std::fs::read(dir.path().join("iku.db-wal")).unwrap_or_default());
                String::from_utf8_lossy(&raw).into_owned()
            }
            TestDb::Postgres { .. } => {
                let mut c = ::postgres::Client::connect(&self.url(), ::postgres::NoTls)
                    .unwrap_or_else(|e| panic!("{e}"));
                let tables: Vec<String> = c
                    .query(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
                        &[],
                    )
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| r.get(0))
                    .collect();
                let mut out = String::new();
                for t in tables {
                    for r in c
                        .query(&format!("SELECT t::text FROM {t} t"), &[])
                        .unwrap_or_default()
                    {
                        out.push_str(r.get::<_, &str>(0));
                    }
                }
                out
            }
        }
    }

    /// Every stored byte of the events and sealed tables, as text, for leak checks.
    fn dump(&self) -> String {
        let sql = "SELECT payload FROM events";
        match self {
            TestDb::Sqlite { dir } => {
                let conn = rusqlite::Connection::open(dir.path().join("iku.db"))
                    .unwrap_or_else(|e| panic!("{e}"));
                let mut out = String::new();
                let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{e}"));
                let rows = stmt
                    .query_map([], |r| r.get::<_, String>(0))
                    .unwrap_or_else(|e| panic!("{e}"));
                for r in rows.flatten() {
                    out.push_str(&r);
                }
                let mut stmt = conn
                    .prepare("SELECT ciphertext FROM sealed_fields")
                    .unwrap_or_else(|e| panic!("{e}"));
                let rows = stmt
                    .query_map([], |r| r.get::<_, Vec<u8>>(0))
                    .unwrap_or_else(|e| panic!("{e}"));
                for r in rows.flatten() {
                    out.push_str(&String::from_utf8_lossy(&r));
                }
                out
            }
            TestDb::Postgres { .. } => {
                let mut c = ::postgres::Client::connect(&self.url(), ::postgres::NoTls)
                    .unwrap_or_else(|e| panic!("{e}"));
                let mut out = String::new();
                for r in c.query(sql, &[]).unwrap_or_default() {
                    out.push_str(r.get::<_, &str>(0));
                }
                for r in c
                    .query("SELECT ciphertext FROM sealed_fields", &[])
                    .unwrap_or_default()
                {
                    out.push_str(&String::from_utf8_lossy(r.get::<_, &[u8]>(0)));
                }
                out
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self
            && let Ok(mut admin) = ::postgres::Client::connect(admin_url, ::postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn keys() -> Keyring {
    Keyring::generate()
        .map(|(k, _)| k)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn ctx() -> ParseContext {
    ParseContext::new(
        Date::from_calendar_date(2026, Month::November, 1).unwrap_or(Date::MIN),
        Timestamp::parse("2026-11-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0)),
    )
}

fn parse(text: &str) -> Result<Vec<NumberedLine>, ImportError> {
    read_lines(text.as_bytes(), &ctx(), &Silent)
}

fn file_of(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| write_line(e, LinePersonals::Include) + "\n")
        .collect()
}

fn import(
    store: &mut dyn Store,
    keys: &Keyring,
    text: &str,
) -> Result<iku_storage::ImportReport, ImportError> {
    store.import(parse(text)?, keys, &Silent)
}

/// The register as exported, the test's idea of "what the database holds".
fn export(store: &mut dyn Store, keys: &Keyring) -> String {
    let register = store
        .load(Personals::Open(keys))
        .unwrap_or_else(|e| panic!("load: {e}"));
    file_of(register.events())
}

fn sample(persons: usize, seed: u64) -> Vec<Event> {
    let mut o = Options::new(persons, seed);
    o.end = Date::from_calendar_date(2025, Month::December, 31).unwrap_or(Date::MIN);
    o.journal = true;
    generate(&o)
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(&super::TestDb::sqlite()); })*
        }
        mod postgres {
            $(#[test] fn $name() { super::$name(&super::TestDb::postgres()); })*
        }
    };
}

mod audit_notes;
mod blind_index;
mod documents;
mod groups;
mod register_semantics;
mod writes;

contract!(
    import_then_load_gives_the_same_events,
    export_import_export_is_byte_identical,
    an_identical_reimport_is_a_no_op,
    a_conflicting_reimport_is_refused_and_changes_nothing,
    bad_input_of_every_kind_changes_nothing,
    personal_fields_are_encrypted_at_rest,
    a_journal_entry_is_sealed_opened_and_erased,
    a_store_that_defers_checkpoints_has_them_made_when_asked,
    the_register_is_append_only,
    a_later_import_appends_and_checks_against_what_is_stored,
    events_without_recorded_at_get_the_import_time_and_reimport_cleanly,
    personal_fields_need_the_key,
    publications_are_frozen_and_come_back_byte_for_byte,
    the_newest_series_aggregates_are_in_force,
    resealing_moves_every_value_to_the_active_key,
    erasure_keeps_the_events_and_removes_only_their_personal_fields,
    the_audit_chain_catches_a_changed_removed_or_reordered_entry,
    accounts_are_added_once_disabled_and_reset,
    totp_secrets_are_sealed_and_move_with_key_rotation,
    stored_facts_follow_the_register_and_are_filled_in_for_older_databases,
    failed_logins_lock_an_account_and_a_totp_step_is_accepted_once,
    sessions_are_found_by_their_hash_touched_and_ended,
    the_newest_case_assignment_is_in_force_and_history_is_kept,
    audit_entries_appended_in_one_batch_chain_like_one_by_one,
    audit_entries_are_found_by_their_record,
    flagged_referrals_are_kept_and_found,
    task_changes_are_appended_and_read_by_owner,
    staff_contacts_are_set_and_replaced,
);

fn task_changes_are_appended_and_read_by_owner(db: &TestDb) {
    use iku_domain::access::Username;
    use iku_domain::ids::PersonId;
    use iku_domain::tasks::{Change, TaskChange, TaskKind, fold};
    let user = |n: &str| Username::parse(n).unwrap_or_else(|e| panic!("{e}"));
    let due =
        time::Date::from_calendar_date(2026, time::Month::December, 9).unwrap_or(time::Date::MIN);
    let change = |task: &str, change: Change, by: &str, at: i64| TaskChange {
        task: task.into(),
        change,
        by: user(by),
        at: Timestamp::from_micros(at),
    };
    let made = |owner: &str, person: Option<&str>| Change::Made {
        owner: user(owner),
        kind: TaskKind::Call,
        person: person.map(|p| PersonId::parse(p).unwrap_or_else(|e| panic!("{e}"))),
        due,
    };
    let log = [
        change("t1", made("cw.helsinki", Some("p-1")), "cw.helsinki", 1),
        change("t2", made("cw.tampere", None), "director", 2),
        change(
            "t1",
            Change::Given {
                owner: user("cw.oulu"),
            },
            "cw.helsinki",
            3,
        ),
        change("t1", Change::Done, "cw.oulu", 4),
    ];
    let mut store = db.open();
    for c in &log {
        store.add_task_change(c).unwrap_or_else(|e| panic!("{e}"));
    }
    let store = &mut db.open();
    let all = store.task_changes(None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all, log.to_vec());
    // A task once someone's stays in what they read, with every change of it.
    let helsinki = store
        .task_changes(Some(&user("cw.helsinki")))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(helsinki, [log[0].clone(), log[2].clone(), log[3].clone()]);
    let oulu = fold(
        &store
            .task_changes(Some(&user("cw.oulu")))
            .unwrap_or_default(),
    );
    assert_eq!(oulu.len(), 1);
    assert_eq!(oulu[0].owner.as_str(), "cw.oulu");
    assert!(oulu[0].done.is_some());
    let tampere = store
        .task_changes(Some(&user("cw.tampere")))
        .unwrap_or_default();
    assert_eq!(tampere, [log[1].clone()]);
    // One task's changes alone.
    let t1 = store.task_changes_of("t1").unwrap_or_default();
    assert_eq!(t1, [log[0].clone(), log[2].clone(), log[3].clone()]);
}

fn flagged_referrals_are_kept_and_found(db: &TestDb) {
    use iku_domain::ids::PersonId;
    let mut store = db.open();
    let p = |id: &str| PersonId::parse(id).unwrap_or_else(|e| panic!("{e}"));
    let at = Timestamp::from_micros(1);
    store
        .flag_referral(&p("p-1"), "hidden_field_filled", at)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        db.open()
            .referral_flags(&[p("p-0"), p("p-1"), p("p-2")])
            .ok(),
        Some(vec![(p("p-1"), "hidden_field_filled".to_owned())])
    );
    // Once flagged, a referral stays flagged: the flag is not changed or taken away.
    assert!(store.flag_referral(&p("p-1"), "other", at).is_err());
    assert!(db.raw("DELETE FROM flagged_referrals").is_err());
}

fn import_then_load_gives_the_same_events(db: &TestDb) {
    let keys = keys();
    let events = sample(200, 1);
    let mut store = db.open();
    let report = import(store.as_mut(), &keys, &file_of(&events)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.added, events.len());
    let loaded = store
        .load(Personals::Open(&keys))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.events(), &events[..]);
    assert_eq!(store.count().ok(), Some(events.len() as u64));
}

fn export_import_export_is_byte_identical(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    import(store.as_mut(), &keys, &file_of(&sample(150, 2))).unwrap_or_else(|e| panic!("{e}"));
    let first = export(store.as_mut(), &keys);
    let other = TestDb::sqlite();
    let mut second_store = other.open();
    import(second_store.as_mut(), &keys, &first).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(export(second_store.as_mut(), &keys), first);
}

fn an_identical_reimport_is_a_no_op(db: &TestDb) {
    let keys = keys();
    let text = file_of(&sample(100, 3));
    let mut store = db.open();
    let first = import(store.as_mut(), &keys, &text).unwrap_or_else(|e| panic!("{e}"));
    let before = export(store.as_mut(), &keys);
    let again = import(store.as_mut(), &keys, &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((again.added, again.unchanged), (0, first.added));
    assert_eq!(export(store.as_mut(), &keys), before);
}

fn a_conflicting_reimport_is_refused_and_changes_nothing(db: &TestDb) {
    let keys = keys();
    let events = sample(50, 4);
    let mut store = db.open();
    import(store.as_mut(), &keys, &file_of(&events)).unwrap_or_else(|e| panic!("{e}"));
    let before = export(store.as_mut(), &keys);
    // The same ids, one of them saying something else: a changed personal field.
    let text = file_of(&events);
    let changed = text.replacen("\"name\":\"", "\"name\":\"X", 1);
    assert_ne!(changed, text);
    let result = import(store.as_mut(), &keys, &changed);
    let Err(ImportError::Invalid { errors, .. }) = result else {
        panic!("accepted: {result:?}")
    };
    assert!(
        errors[0]
            .message
            .contains("already stored with other content"),
        "{errors:?}"
    );
    assert!(errors[0].line.is_some());
    assert_eq!(export(store.as_mut(), &keys), before);
}

const APP: &str = r#"{"id":"x1","event":"application_received","date":"2020-03-01","application":"xa1","person":"xp1","referrer":"police","consent":true}"#;

fn bad_input_of_every_kind_changes_nothing(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    let base = file_of(&sample(30, 5));
    import(store.as_mut(), &keys, &base).unwrap_or_else(|e| panic!("{e}"));
    let before = export(store.as_mut(), &keys);
    let good_line = format!("{APP}\n");
    let cases: Vec<(String, usize, &str)> = vec![
        (
            format!("{good_line}{{\"id\": \"x2\", \"event\"\n"),
            2,
            "JSON",
        ),
        (
            format!(
                "{good_line}{}\n",
                APP.replace("x1", "x2").replace("police", "polis")
            ),
            2,
            "referrer",
        ),
        (
            format!(
                "{good_line}{}\n",
                r#"{"id":"x3","event":"person_details","date":"2020-03-02","person":"nobody","gender":"male"}"#
            ),
            2,
            "rule: an event refers to a person with an application",
        ),
        (
            format!(
                "{good_line}{}\n",
                APP.replace("x1", "x4").replace("2020-03-01", "2020-02-30")
            ),
            2,
            "date",
        ),
        (
            format!(
                "{good_line}{}\n",
                r#"{"id":"x5","event":"application_decided","date":"2020-02-01","application":"xa1","outcome":"admitted"}"#
            ),
            2,
            "before its application",
        ),
        (
            format!("{good_line}{}\n", APP.replace("police", "lawyer")),
            2,
            "same event id with other content",
        ),
        (format!("{good_line}{}", &APP[..60]), 2, "cut off"),
        (
            format!(
                "{good_line}{}\n",
                APP.replace("x1", "x6").replace("2020-03-01", "2099-01-01")
            ),
            2,
            "future",
        ),
    ];
    for (text, line, needle) in cases {
        let result = import(store.as_mut(), &keys, &text);
        let Err(ImportError::Invalid { errors, .. }) = &result else {
            panic!("accepted: {text}")
        };
        assert_eq!(errors[0].line, Some(line), "{errors:?}");
        assert!(
            errors[0].to_string().contains(needle),
            "{needle}: {}",
            errors[0]
        );
        assert_eq!(export(store.as_mut(), &keys), before, "{text}");
    }
}

fn a_store_that_defers_checkpoints_has_them_made_when_asked(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    let deferred = store.defer_checkpoints().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deferred, matches!(db, TestDb::Sqlite { .. }));
    import(store.as_mut(), &keys, &format!("{APP}\n")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(db.open().checkpoint().ok(), Some(true));
    if let TestDb::Sqlite { dir } = db {
        // Everything committed is in the database file itself now.
        let copy = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = copy.path().join("iku.db");
        std::fs::copy(dir.path().join("iku.db"), &file).unwrap_or_else(|e| panic!("{e}"));
        let mut alone = iku_storage::open(&format!("sqlite:{}", file.display()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(alone.count().ok(), Some(1));
    }
}

fn personal_fields_are_encrypted_at_rest(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    let line = r#"{"id":"pd1","event":"person_details","date":"2020-03-01","person":"xp1","name":"Zyxwv Unique-Name","personal_identity_code":"010190-999Q","phone":"+358 40 7654321","email":"zyxwv@example.invalid","note":"met at Qwerty street"}"#;
    import(store.as_mut(), &keys, &format!("{APP}\n{line}\n")).unwrap_or_else(|e| panic!("{e}"));
    let raw = db.dump();
    for secret in ["Zyxwv", "999Q", "7654321", "example.invalid", "Qwerty"] {
        assert!(!raw.contains(secret), "{secret} stored in the clear");
    }
    assert!(export(store.as_mut(), &keys).contains("Zyxwv Unique-Name"));
    // One event's fields opened alone; an event without personal fields has none.
    let ids = ["pd1", "app1"].map(|i| EventId::parse(i).unwrap_or_else(|e| panic!("{e}")));
    let opened = store
        .personal_fields(&keys, &ids)
        .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<Option<&str>> = opened
        .iter()
        .map(|p| p.name.as_ref().map(|n| n.expose()))
        .collect();
    assert_eq!(names, [Some("Zyxwv Unique-Name"), None]);
    let other = Keyring::generate().unwrap_or_else(|e| panic!("{e}")).0;
    assert!(store.personal_fields(&other, &ids[..1]).is_err());
    // Read by the seqs the case's group gives, the same; a seq that is another event's
    // never opens that event's fields.
    let person = PersonId::parse("xp1").unwrap_or_else(|e| panic!("{e}"));
    let group = store.group_of(&person).unwrap_or_else(|e| panic!("{e}"));
    let ids = ["pd1", "x1"].map(|i| EventId::parse(i).unwrap_or_else(|e| panic!("{e}")));
    let at: Vec<(EventId, i64)> = ids
        .iter()
        .map(|id| {
            let i = group.events.iter().position(|e| &e.id == id);
            let i = i.unwrap_or_else(|| panic!("{id:?} not in the group"));
            (id.clone(), group.seqs[i])
        })
        .collect();
    let by_seq = store
        .personal_fields_at(&keys, &at)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(by_seq, opened);
    let crossed = [(ids[1].clone(), at[0].1)];
    let crossed = store.personal_fields_at(&keys, &crossed);
    assert!(!matches!(crossed, Ok(f) if f[0].name.is_some()));
}

fn a_journal_entry_is_sealed_opened_and_erased(db: &TestDb) {
    use iku_domain::EventBody;
    let keys = keys();
    let mut store = db.open();
    let line = r#"{"id":"j1","event":"journal_entry","date":"2020-03-02","person":"xp1","kind":"phone_call","author":"maria.k","follow_up":"2020-03-09","note":"Called about Qwertyuiop flat"}"#;
    import(store.as_mut(), &keys, &format!("{APP}\n{line}\n")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !db.dump().contains("Qwertyuiop"),
        "the text stored in the clear"
    );
    let exported = export(store.as_mut(), &keys);
    assert!(
        exported.contains(r#""kind":"phone_call","author":"maria.k","follow_up":"2020-03-09","note":"Called about Qwertyuiop flat"}"#),
        "{exported}"
    );
    let id = EventId::parse("j1").unwrap_or_else(|e| panic!("{e}"));
    let opened = store
        .personal_fields(&keys, std::slice::from_ref(&id))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        opened[0].note.as_ref().map(|n| n.expose()),
        Some("Called about Qwertyuiop flat")
    );
    let at = Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0));
    let cutoff = Date::from_calendar_date(2021, Month::January, 1).unwrap_or(Date::MIN);
    assert_eq!(store.erase_personal(&[id], &[], cutoff, at).ok(), Some(1));
    let register = store
        .load(Personals::Open(&keys))
        .unwrap_or_else(|e| panic!("{e}"));
    let entry = register.events().iter().find_map(|e| match &e.body {
        EventBody::JournalEntry(j) => Some(j.clone()),
        _ => None,
    });
    let entry = entry.unwrap_or_else(|| panic!("the entry is kept"));
    assert!(entry.personal.erased && entry.text().is_none());
    assert_eq!(entry.author.as_str(), "maria.k");
    assert!(!db.dump().contains("Qwertyuiop"));
}

fn audit_entries_appended_in_one_batch_chain_like_one_by_one(db: &TestDb) {
    use iku_storage::audit::{AuditKey, NewAuditEntry, verify};
    let key = AuditKey::parse(&"ab".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"));
    let at = Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0));
    let entry = |n: usize| NewAuditEntry::new("maria", "case.read", &format!("case p{n}"), "");
    let mut store = db.open();
    let one = store
        .append_audit(&key, entry(0), at)
        .unwrap_or_else(|e| panic!("{e}"));
    let batch = store
        .append_audit_batch(&key, None, (1..=3).map(entry).collect(), at)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((one, batch), (1, vec![2, 3, 4]));
    assert_eq!(
        store.append_audit_batch(&key, None, Vec::new(), at).ok(),
        Some(vec![])
    );
    let chain = store.audit_chain().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(chain.head.as_ref().map(|h| h.0), Some(4));
    assert_eq!(verify(&key, &chain.entries, chain.head.clone()), Ok(()));
    let records: Vec<String> = chain.entries.into_iter().map(|e| e.entry.record).collect();
    assert_eq!(records, ["case p0", "case p1", "case p2", "case p3"]);
}

fn audit_entries_are_found_by_their_record(db: &TestDb) {
    use iku_storage::audit::{AuditKey, NewAuditEntry};
    let key = AuditKey::parse(&"ab".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"));
    let at = Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0));
    let entry = |actor: &str, record: &str| NewAuditEntry::new(actor, "case.write", record, "");
    let mut store = db.open();
    let entries = vec![
        entry("maria", "p1 person_details e1"),
        entry("juha", "p1 application_decided e2"),
        entry("maria", "p1 person_details e10"),
        entry("juha", "p1 person_details e1"),
    ];
    store
        .append_audit_batch(&key, None, entries, at)
        .unwrap_or_else(|e| panic!("{e}"));
    let wanted = [
        "p1 person_details e1".to_owned(),
        "p1 application_decided e2".to_owned(),
    ];
    let found: Vec<(i64, String)> = store
        .audit_entries_for(&wanted)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|e| (e.seq, e.entry.actor))
        .collect();
    assert_eq!(
        found,
        [(1, "maria".into()), (2, "juha".into()), (4, "juha".into())],
        "exact records only (not e10), in seq order"
    );
    assert_eq!(store.audit_entries_for(&[]).map(|e| e.len()).ok(), Some(0));
}

fn the_register_is_append_only(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    import(store.as_mut(), &keys, &format!("{APP}\n")).unwrap_or_else(|e| panic!("{e}"));
    for sql in ["UPDATE events SET kind = 'x'", "DELETE FROM events"] {
        let result = db.raw(sql);
        assert!(
            matches!(&result, Err(m) if m.contains("append-only")),
            "{sql}: {result:?}"
        );
    }
    assert_eq!(store.count().ok(), Some(1));
}

fn a_later_import_appends_and_checks_against_what_is_stored(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    import(store.as_mut(), &keys, &format!("{APP}\n")).unwrap_or_else(|e| panic!("{e}"));
    let decided = r#"{"id":"x7","event":"application_decided","date":"2020-03-05","application":"xa1","outcome":"admitted"}"#;
    let report = import(store.as_mut(), &keys, &format!("{APP}\n{decided}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.added, report.unchanged), (1, 1));
    // A second decision on the same application breaks a rule against the stored history.
    let again = r#"{"id":"x8","event":"application_decided","date":"2020-03-06","application":"xa1","outcome":"withdrawn"}"#;
    let result = import(store.as_mut(), &keys, &format!("{again}\n"));
    let Err(ImportError::Invalid { errors, .. }) = result else {
        panic!("accepted")
    };
    assert_eq!(errors[0].rule, Some(iku_domain::Rule::DecidedOnce));
    assert_eq!(errors[0].line, Some(1));
    // A retraction of a stored event, and a correction of it, are fine.
    let retract = r#"{"id":"x9","event":"retraction","date":"2020-03-06","retracts":"x7"}"#;
    import(store.as_mut(), &keys, &format!("{retract}\n")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.count().ok(), Some(3));
}

fn events_without_recorded_at_get_the_import_time_and_reimport_cleanly(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    let text = format!("{APP}\n");
    import(store.as_mut(), &keys, &text).unwrap_or_else(|e| panic!("{e}"));
    let report = import(store.as_mut(), &keys, &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.added, report.unchanged), (0, 1));
    let loaded = store
        .load(Personals::Leave)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.events()[0].recorded_at, ctx().now);
}

fn personal_fields_need_the_key(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    import(store.as_mut(), &keys, &file_of(&sample(20, 6))).unwrap_or_else(|e| panic!("{e}"));
    let stranger = self::keys();
    let result = store.load(Personals::Open(&stranger));
    let message = result.map(|_| ()).map_err(|e| e.to_string());
    assert!(
        matches!(&message, Err(m) if m.contains("no key with id")),
        "{message:?}"
    );
    // Statistics need no key.
    assert!(store.load(Personals::Leave).is_ok());
}

fn publications_are_frozen_and_come_back_byte_for_byte(db: &TestDb) {
    use iku_storage::NewPublication;
    let mut store = db.open();
    let at = Timestamp::parse("2021-01-15T12:00:00Z").unwrap_or(Timestamp::from_micros(0));
    let document = "{\n  \"report\": \"annual\",\n  \"ä\": \"ö\"\n}\n".to_owned();
    let new = |year, doc: &str| NewPublication {
        report: "annual".into(),
        year,
        as_recorded_at: at,
        disclosure: "published".into(),
        document: doc.to_owned(),
        disclosure_report: (year == 2020).then(|| format!("{{\"of\": {}}}", doc.len())),
    };
    let first = store
        .publish(new(2020, &document), at)
        .unwrap_or_else(|e| panic!("{e}"));
    let second = store
        .publish(new(2020, "{}"), at)
        .unwrap_or_else(|e| panic!("{e}"));
    let other = store
        .publish(new(2019, "[]"), at)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((first.version, second.version, other.version), (1, 2, 1));
    let all = store.publications().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all, vec![first.clone(), second, other]);
    assert_eq!(all[0].document, document);
    assert_eq!(
        all[0].disclosure_report,
        Some(format!("{{\"of\": {}}}", document.len()))
    );
    assert_eq!(all[2].disclosure_report, None);
    // A page at a time, newest first, without the documents; one with them.
    let first = store.publications_page(None, 2).unwrap_or_default();
    let ids: Vec<i64> = first.iter().map(|p| p.id).collect();
    assert_eq!(ids, [all[2].id, all[1].id]);
    assert_eq!((first[0].has_report, first[1].has_report), (false, true));
    let rest = store
        .publications_page(Some(all[1].id), 2)
        .unwrap_or_default();
    assert_eq!(rest.iter().map(|p| p.id).collect::<Vec<_>>(), [all[0].id]);
    assert_eq!(
        store.publication(all[0].id).ok().flatten().as_ref(),
        Some(&all[0])
    );
    assert_eq!(store.publication(999).ok(), Some(None));
    for sql in [
        "UPDATE publications SET document = 'x'",
        "UPDATE publications SET disclosure_report = NULL",
        "DELETE FROM publications",
    ] {
        let result = db.raw(sql);
        assert!(
            matches!(&result, Err(m) if m.contains("frozen")),
            "{sql}: {result:?}"
        );
    }
    assert_eq!(
        db.open().publications().ok().map(|p| p[0].document.clone()),
        Some(document)
    );
}

fn the_newest_series_aggregates_are_in_force(db: &TestDb) {
    let mut store = db.open();
    assert_eq!(store.series_aggregates().ok(), Some(None));
    let at = Timestamp::parse("2021-01-15T12:00:00Z").unwrap_or(Timestamp::from_micros(0));
    store
        .load_series_aggregates(r#"{"series_applications": {"2006": 1}}"#, at)
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .load_series_aggregates(r#"{"series_applications": {"2006": 2}}"#, at)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        db.open().series_aggregates().ok().flatten().as_deref(),
        Some(r#"{"series_applications": {"2006": 2}}"#)
    );
}

fn resealing_moves_every_value_to_the_active_key(db: &TestDb) {
    let (old, old_text) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    let mut store = db.open();
    import(store.as_mut(), &old, &file_of(&sample(120, 8))).unwrap_or_else(|e| panic!("{e}"));
    let before = export(store.as_mut(), &old);
    let (new, new_text) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    let both =
        Keyring::parse(&format!("{old_text}{new_text}"), "test").unwrap_or_else(|e| panic!("{e}"));
    let sealed = store.sealed_by_key().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sealed.len(), 1);
    let total = sealed[0].1 as usize;
    let mut done = 0;
    loop {
        let n = store
            .reseal_batch(&both, 7)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(n <= 7);
        if n == 0 {
            break;
        }
        done += n;
    }
    assert_eq!(done, total);
    assert_eq!(
        store.sealed_by_key().ok(),
        Some(vec![(new.active_key_id().to_owned(), total as u64)])
    );
    // The new key alone now opens everything, and nothing changed.
    assert_eq!(export(store.as_mut(), &new), before);
}

/// A server keeps stores open; one whose file was replaced must say so.
#[test]
fn a_sqlite_store_knows_when_its_file_was_replaced() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("iku.db");
    let url = format!("sqlite:{}", path.display());
    let store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
    assert!(!store.is_stale());
    // A restore renames a verified copy into place.
    let copy = dir.path().join("restored.db");
    drop(iku_storage::open(&format!("sqlite:{}", copy.display())));
    std::fs::rename(&copy, &path).unwrap_or_else(|e| panic!("{e}"));
    assert!(store.is_stale());
    assert!(
        !iku_storage::open(&url)
            .unwrap_or_else(|e| panic!("{e}"))
            .is_stale()
    );
    std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(store.is_stale());
}

/// SQLite keeps no erased bytes even while the connection stays open (as in a server): the
/// erasure checkpoints and truncates the write-ahead log itself.
#[test]
fn sqlite_erasure_leaves_no_bytes_behind_while_open() {
    let db = TestDb::sqlite();
    let keys = keys();
    let mut store = db.open();
    let line = r#"{"id":"pd1","event":"person_details","date":"2020-03-01","person":"xp1","name":"Zyxwv Unique-Name","note":"a note long enough to make a long ciphertext"}"#;
    import(store.as_mut(), &keys, &format!("{APP}\n{line}\n")).unwrap_or_else(|e| panic!("{e}"));
    let TestDb::Sqlite { dir } = &db else {
        unreachable!()
    };
    let path = dir.path().join("iku.db");
    let ciphertext: Vec<u8> = rusqlite::Connection::open(&path)
        .and_then(|c| c.query_row("SELECT ciphertext FROM sealed_fields", [], |r| r.get(0)))
        .unwrap_or_else(|e| panic!("{e}"));
    let id = iku_domain::ids::EventId::parse("pd1").unwrap_or_else(|e| panic!("{e}"));
    let at = Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0));
    let cutoff = Date::from_calendar_date(2021, Month::January, 1).unwrap_or(Date::MIN);
    assert_eq!(store.erase_personal(&[id], &[], cutoff, at).ok(), Some(1));
    let mut raw = std::fs::read(&path).unwrap_or_default();
    raw.extend(std::fs::read(dir.path().join("iku.db-wal")).unwrap_or_default());
    assert!(
        !raw.windows(ciphertext.len())
            .any(|w| w == ciphertext.as_slice())
    );
    drop(store);
}

fn erasure_keeps_the_events_and_removes_only_their_personal_fields(db: &TestDb) {
    use iku_domain::EventBody;
    let keys = keys();
    let mut store = db.open();
    let lines = [
        r#"{"id":"pd1","event":"person_details","date":"2020-03-01","person":"xp1","name":"Erase Me","gender":"female"}"#,
        r#"{"id":"pd2","event":"person_details","date":"2020-03-02","person":"xp1","phone":"+358 1"}"#,
    ];
    import(
        store.as_mut(),
        &keys,
        &format!("{APP}\n{}\n{}\n", lines[0], lines[1]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let id = iku_domain::ids::EventId::parse("pd1").unwrap_or_else(|e| panic!("{e}"));
    let at = Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0));
    let cutoff = Date::from_calendar_date(2021, Month::January, 1).unwrap_or(Date::MIN);
    assert_eq!(
        store
            .erase_personal(std::slice::from_ref(&id), &[], cutoff, at)
            .ok(),
        Some(1)
    );
    assert_eq!(store.erase_personal(&[id], &[], cutoff, at).ok(), Some(0));
    let register = store
        .load(Personals::Open(&keys))
        .unwrap_or_else(|e| panic!("{e}"));
    let details: Vec<_> = register
        .events()
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::PersonDetails(d) => Some(d.details.clone()),
            _ => None,
        })
        .collect();
    assert!(details[0].personal.erased && details[0].personal.is_empty());
    assert_eq!(details[0].gender.map(|g| g.code()), Some("female"));
    assert_eq!(
        details[1].personal.phone.as_ref().map(|p| p.expose()),
        Some("+358 1")
    );
    assert_eq!(store.count().ok(), Some(3));
}

fn the_audit_chain_catches_a_changed_removed_or_reordered_entry(db: &TestDb) {
    use iku_storage::audit::{AuditError, AuditKey, NewAuditEntry, verify};
    let key = AuditKey::parse(&"ab".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"));
    let at = Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0));
    // Who may change the table can also lift its triggers: the chain must still tell.
    let unprotect = match db {
        TestDb::Sqlite { .. } => {
            "DROP TRIGGER audit_log_append_only_update; DROP TRIGGER audit_log_append_only_delete;"
        }
        TestDb::Postgres { .. } => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;",
    };
    let cases: [(&str, AuditError); 5] = [
        ("", AuditError::Broken { seq: 0 }),
        (
            "UPDATE audit_log SET record = 'other' WHERE seq = 3",
            AuditError::Broken { seq: 3 },
        ),
        (
            "DELETE FROM audit_log WHERE seq = 3",
            AuditError::Missing { seq: 3, before: 2 },
        ),
        (
            "UPDATE audit_log SET record = CASE seq WHEN 2 THEN 'event e3' ELSE 'event e2' END WHERE seq IN (2, 3)",
            AuditError::Broken { seq: 2 },
        ),
        (
            "DELETE FROM audit_log WHERE seq = 5",
            AuditError::Truncated { last: 4, head: 5 },
        ),
    ];
    for (tamper, expected) in cases {
        let fresh = match db {
            TestDb::Sqlite { .. } => TestDb::sqlite(),
            TestDb::Postgres { .. } => TestDb::postgres(),
        };
        let mut store = fresh.open();
        for i in 1..=5 {
            let entry = NewAuditEntry::new("cli:test", "read.person", &format!("event e{i}"), "");
            assert_eq!(store.append_audit(&key, entry, at).ok(), Some(i));
        }
        let iku_storage::audit::AuditChain { entries, head } =
            store.audit_chain().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(verify(&key, &entries, head.clone()), Ok(()));
        if tamper.is_empty() {
            // The wrong key does not verify.
            let other = AuditKey::parse(&"cd".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                verify(&other, &entries, head),
                Err(AuditError::Broken { seq: 1 })
            );
            // And the triggers refuse changes.
            assert!(fresh.raw("UPDATE audit_log SET record = 'x'").is_err());
            continue;
        }
        fresh
            .raw(&format!("{unprotect} {tamper}"))
            .unwrap_or_else(|e| panic!("{tamper}: {e}"));
        let iku_storage::audit::AuditChain { entries, head } =
            store.audit_chain().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(verify(&key, &entries, head), Err(expected), "{tamper}");
    }
}

fn accounts_are_added_once_disabled_and_reset(db: &TestDb) {
    use iku_domain::access::{Role, Username};
    use iku_storage::{Account, StoreError};
    let mut store = db.open();
    let at = Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0));
    let name = |s: &str| Username::parse(s).unwrap_or_else(|e| panic!("{e}"));
    let maria = Account {
        username: name("maria"),
        role: Role::Caseworker,
        office: Some("helsinki".into()),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        must_change: true,
        totp_enrolled: false,
        disabled: false,
        locked_until: None,
    };
    store
        .add_account(&maria, at)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(store.add_account(&maria, at), Err(StoreError::AccountExists(n)) if n == "maria")
    );
    let stats = Account {
        username: name("sten"),
        role: Role::Statistician,
        office: None,
        ..maria.clone()
    };
    store
        .add_account(&stats, at)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.accounts().ok(), Some(vec![maria.clone(), stats]));
    store
        .set_disabled(&name("maria"), true)
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .reset_totp(&name("maria"))
        .unwrap_or_else(|e| panic!("{e}"));
    let listed = store.accounts().unwrap_or_default();
    assert!(listed[0].disabled && !listed[0].totp_enrolled);
    assert!(matches!(
        store.set_disabled(&name("nobody"), true),
        Err(StoreError::NoAccount(_))
    ));
    assert!(matches!(
        store.reset_totp(&name("nobody")),
        Err(StoreError::NoAccount(_))
    ));
}

fn totp_secrets_are_sealed_and_move_with_key_rotation(db: &TestDb) {
    use iku_domain::access::{Role, Username};
    use iku_storage::Account;
    use iku_storage::crypto::totp_aad;
    let mut store = db.open();
    let at = Timestamp::parse("2026-01-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0));
    let name = Username::parse("maria").unwrap_or_else(|e| panic!("{e}"));
    let account = Account {
        username: name.clone(),
        role: Role::Director,
        office: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        must_change: false,
        totp_enrolled: false,
        disabled: false,
        locked_until: None,
    };
    store
        .add_account(&account, at)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.totp_secret(&name).ok(), Some(None));
    let (old, old_text) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    let secret = b"12345678901234567890";
    let sealed = old
        .seal_bytes(&totp_aad("maria"), secret)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!sealed.ciphertext.windows(secret.len()).any(|w| w == secret));
    store
        .enroll_totp(&name, &sealed)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(store.accounts().unwrap_or_default()[0].totp_enrolled);
    // Bound to its account: it does not open as another account's.
    let (stored, last) = store
        .totp_secret(&name)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("enrolled"));
    assert_eq!(last, None);
    assert!(old.open_named(&totp_aad("other"), &stored, "x").is_err());
    assert_eq!(
        old.open_named(&totp_aad("maria"), &stored, "x")
            .ok()
            .as_deref(),
        Some(&secret[..])
    );
    // Rotation moves it to the new key, like the personal fields.
    let (new, new_text) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    let both =
        Keyring::parse(&format!("{old_text}{new_text}"), "test").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.sealed_by_key().ok(),
        Some(vec![(old.active_key_id().to_owned(), 1)])
    );
    assert_eq!(store.reseal_batch(&both, 10).ok(), Some(1));
    assert_eq!(store.reseal_batch(&both, 10).ok(), Some(0));
    let (moved, _) = store
        .totp_secret(&name)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("enrolled"));
    assert_eq!(
        new.open_named(&totp_aad("maria"), &moved, "x")
            .ok()
            .as_deref(),
        Some(&secret[..])
    );
    store.reset_totp(&name).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.totp_secret(&name).ok(), Some(None));
}

/// The stored facts (`load_facts`) are what the register they came from gives: the same
/// bytes and owners event by event, the same links (in whatever order the imports stored
/// them).
fn assert_facts_match(store: &mut dyn Store) {
    let register = store
        .load(Personals::Leave)
        .unwrap_or_else(|e| panic!("{e}"));
    let expected = StoredFacts::of(&register);
    let stored = store.load_facts().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored.len(), register.len());
    assert_eq!(stored.owners(), expected.owners());
    for i in 0..stored.len() {
        assert_eq!(stored.facts(i), expected.facts(i), "event {i}");
    }
    let set = |links: &[(u32, u32)]| links.iter().copied().collect::<BTreeSet<_>>();
    assert_eq!(set(stored.links()), set(expected.links()));
}

fn stored_facts_follow_the_register_and_are_filled_in_for_older_databases(db: &TestDb) {
    let keys = keys();
    let mut events = sample(150, 3);
    events.sort_by_key(|e| e.recorded_at);
    let (first, _) = events.split_at(events.len() / 2);
    let mut store = db.open();
    import(store.as_mut(), &keys, &file_of(first)).unwrap_or_else(|e| panic!("{e}"));
    import(store.as_mut(), &keys, &file_of(&events)).unwrap_or_else(|e| panic!("{e}"));
    // An application moved to another person by a correction ties two owners together.
    let moved = [
        r#"{"id":"m1","event":"application_received","date":"2020-01-10","application":"ma1","person":"mp1","referrer":"police","consent":true,"recorded_at":"2026-01-01T00:00:00Z"}"#,
        r#"{"id":"m2","event":"application_received","date":"2020-01-10","application":"ma2","person":"mp2","referrer":"police","consent":true,"recorded_at":"2026-01-01T00:00:00Z"}"#,
    ];
    import(store.as_mut(), &keys, &(moved.join("\n") + "\n")).unwrap_or_else(|e| panic!("{e}"));
    let correction = r#"{"id":"m3","event":"application_received","date":"2020-01-10","application":"ma1","person":"mp2","referrer":"police","consent":true,"corrects":"m1","recorded_at":"2026-01-02T00:00:00Z"}"#;
    import(store.as_mut(), &keys, &format!("{correction}\n")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.load_facts().map(|f| f.links().len()).ok(), Some(1));
    assert_facts_match(store.as_mut());
    drop(store);

    // A database from before the facts were stored: opened, it gets them all.
    let forget = match db {
        TestDb::Sqlite { .. } => {
            "DROP TRIGGER event_facts_append_only_delete; DROP TRIGGER owner_links_append_only_delete;
             DELETE FROM event_facts; DELETE FROM owner_links;"
        }
        TestDb::Postgres { .. } => {
            "DROP TRIGGER event_facts_append_only ON event_facts; DROP TRIGGER owner_links_append_only ON owner_links;
             DELETE FROM event_facts; DELETE FROM owner_links;"
        }
    };
    db.raw(forget).unwrap_or_else(|e| panic!("{e}"));
    let mut store = db.open();
    assert_facts_match(store.as_mut());
}

fn an_account(store: &mut dyn Store, name: &str) -> iku_domain::access::Username {
    use iku_domain::access::{Role, Username};
    let username = Username::parse(name).unwrap_or_else(|e| panic!("{e}"));
    let account = iku_storage::Account {
        username: username.clone(),
        role: Role::Caseworker,
        office: Some("helsinki".into()),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        must_change: false,
        totp_enrolled: false,
        disabled: false,
        locked_until: None,
    };
    store
        .add_account(&account, Timestamp::from_micros(0))
        .unwrap_or_else(|e| panic!("{e}"));
    username
}

fn failed_logins_lock_an_account_and_a_totp_step_is_accepted_once(db: &TestDb) {
    let mut store = db.open();
    let maria = an_account(store.as_mut(), "maria");
    let policy = iku_domain::access::LockPolicy {
        max_failed: 3,
        first_lock: 1_000_000,
        longest_lock: 10_000_000,
    };
    let at = Timestamp::from_micros(5_000_000);
    for n in 1..=2 {
        let state = store
            .login_failed(&maria, &policy, at)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((state.failed, state.locked_until), (n, None));
    }
    let state = store
        .login_failed(&maria, &policy, at)
        .unwrap_or_else(|e| panic!("{e}"));
    let until = Timestamp::from_micros(6_000_000);
    assert_eq!((state.locked_until, state.locks), (Some(until), 1));
    assert_eq!(db.open().login_state(&maria).ok(), Some(state));
    let listed = store
        .account(&maria)
        .ok()
        .flatten()
        .and_then(|a| a.locked_until);
    assert_eq!(listed, Some(until));
    // After the lock, one failure does not lock again; an unlock forgets everything.
    let after = store
        .login_failed(&maria, &policy, Timestamp::from_micros(7_000_000))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (after.failed, after.locked_until, after.locks),
        (1, None, 1)
    );
    store.unlock(&maria).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.login_state(&maria).ok(),
        Some(iku_storage::access::LoginState::default())
    );
    for _ in 0..3 {
        let _ = store.login_failed(&maria, &policy, at);
    }
    assert_eq!(store.login_succeeded(&maria, 100).ok(), Some(true));
    assert_eq!(
        store.login_state(&maria).ok(),
        Some(iku_storage::access::LoginState::default())
    );
    // The same code (its step), or an older one, is never accepted again.
    assert_eq!(store.login_succeeded(&maria, 100).ok(), Some(false));
    assert_eq!(store.login_succeeded(&maria, 99).ok(), Some(false));
    assert_eq!(store.login_succeeded(&maria, 101).ok(), Some(true));
    let nobody = iku_domain::access::Username::parse("nobody").unwrap_or_else(|e| panic!("{e}"));
    assert!(store.login_failed(&nobody, &policy, at).is_err());
    assert!(store.unlock(&nobody).is_err());
    assert!(store.set_password(&nobody, "x", false).is_err());
    assert!(
        store
            .set_role(&nobody, iku_domain::access::Role::Director, None)
            .is_err()
    );
    store
        .set_role(&maria, iku_domain::access::Role::Caseworker, Some("oulu"))
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .set_password(&maria, "$argon2id$new", true)
        .unwrap_or_else(|e| panic!("{e}"));
    let account = db
        .open()
        .accounts()
        .unwrap_or_default()
        .into_iter()
        .find(|a| a.username == maria);
    assert_eq!(
        account.map(|a| (a.password_hash, a.must_change, a.office)),
        Some(("$argon2id$new".to_owned(), true, Some("oulu".to_owned())))
    );
    assert!(store.login_state(&nobody).is_err());
}

fn sessions_are_found_by_their_hash_touched_and_ended(db: &TestDb) {
    use iku_storage::access::Session;
    let mut store = db.open();
    let maria = an_account(store.as_mut(), "maria");
    let session = Session {
        id_hash: "ab".repeat(32),
        username: maria,
        csrf_token: "token".into(),
        created_at: Timestamp::from_micros(1_000),
        last_seen: Timestamp::from_micros(1_000),
        ended_at: None,
    };
    store
        .create_session(&session)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        store.create_session(&session).is_err(),
        "an id is used once"
    );
    assert_eq!(
        store.session(&session.id_hash).ok(),
        Some(Some(session.clone()))
    );
    assert_eq!(store.session("cd").ok(), Some(None));
    store
        .touch_session(&session.id_hash, Timestamp::from_micros(5_000))
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .end_session(&session.id_hash, Timestamp::from_micros(6_000))
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .touch_session(&session.id_hash, Timestamp::from_micros(7_000))
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .end_session(&session.id_hash, Timestamp::from_micros(8_000))
        .unwrap_or_else(|e| panic!("{e}"));
    let stored = db.open().session(&session.id_hash).ok().flatten();
    assert_eq!(
        stored.map(|s| (s.last_seen.micros(), s.ended_at.map(Timestamp::micros))),
        Some((5_000, Some(6_000))),
        "an ended session is neither touched nor ended again"
    );
}

fn the_newest_case_assignment_is_in_force_and_history_is_kept(db: &TestDb) {
    use iku_domain::ids::PersonId;
    use iku_storage::access::CaseAssignment;
    let mut store = db.open();
    let maria = an_account(store.as_mut(), "maria");
    let person = |s: &str| PersonId::parse(s).unwrap_or_else(|e| panic!("{e}"));
    let assign = |p: &str, office: &str, assignee: Option<&iku_domain::access::Username>, at| {
        CaseAssignment {
            person: person(p),
            office: office.into(),
            assignee: assignee.cloned(),
            assigned_at: Timestamp::from_micros(at),
            assigned_by: "director".into(),
        }
    };
    let first = assign("p1", "helsinki", None, 1);
    let moved = assign("p1", "tampere", Some(&maria), 2);
    let other = assign("p2", "oulu", None, 3);
    assert_eq!(store.heads().ok(), Some((0, 0)));
    let mut last = 0;
    for a in [&first, &moved, &other] {
        store.assign_case(a).unwrap_or_else(|e| panic!("{e}"));
        // Each assignment moves the assignments' head, and only it.
        let (events, assignments) = store.heads().unwrap_or_else(|e| panic!("{e}"));
        assert!(events == 0 && assignments > last, "{events} {assignments}");
        last = assignments;
    }
    let (seen, found) = store
        .case_assignments_since(0)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((seen, found.len()), (last, 3));
    let mut in_force = db
        .open()
        .case_assignments()
        .unwrap_or_else(|e| panic!("{e}"));
    in_force.sort_by(|a, b| a.person.cmp(&b.person));
    assert_eq!(in_force, vec![moved.clone(), other.clone()]);
    // One case's assignment alone: the newest, or none.
    let mut store = db.open();
    assert_eq!(store.case_assignment(&person("p1")).ok(), Some(Some(moved)));
    assert_eq!(store.case_assignment(&person("p2")).ok(), Some(Some(other)));
    assert_eq!(store.case_assignment(&person("p3")).ok(), Some(None));
    let result = db.raw("DELETE FROM case_assignments");
    assert!(
        matches!(&result, Err(m) if m.contains("append-only")),
        "{result:?}"
    );
}

/// Who an account is: set, replaced by the newest, read by name; only for an account.
fn staff_contacts_are_set_and_replaced(db: &TestDb) {
    use iku_domain::access::{Role, StaffContact, Username};
    use iku_storage::Account;
    let mut store = db.open();
    let name = |s: &str| Username::parse(s).unwrap_or_else(|e| panic!("{e}"));
    let at = Timestamp::from_micros(0);
    for (user, role) in [("maria", Role::Caseworker), ("dora", Role::Director)] {
        let account = Account {
            username: name(user),
            role,
            office: (role == Role::Caseworker).then(|| "helsinki".into()),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            must_change: true,
            totp_enrolled: false,
            disabled: false,
            locked_until: None,
        };
        store
            .add_account(&account, at)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let contact =
        |n: &str, t: &str, e: &str| StaffContact::parse(n, t, e).unwrap_or_else(|e| panic!("{e}"));
    let first = contact("Maria Virtanen", "sosiaalityöntekijä", "");
    let newer = contact(
        "Maria Virtanen",
        "johtava sosiaalityöntekijä",
        "maria@iku.example",
    );
    let dora = contact("Dora Director", "johtaja", "dora@iku.example");
    store
        .set_contact(&name("maria"), &first)
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .set_contact(&name("dora"), &dora)
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .set_contact(&name("maria"), &newer)
        .unwrap_or_else(|e| panic!("{e}"));
    let read = db.open().contacts().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read, [(name("dora"), dora), (name("maria"), newer)]);
    assert!(store.set_contact(&name("nobody"), &first).is_err());
}
