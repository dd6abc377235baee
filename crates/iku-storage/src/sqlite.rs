//! The SQLite backend: the embedded default. WAL, `synchronous=FULL`, one writer; an import is
//! one IMMEDIATE transaction, so a crash leaves the database as before it.

use std::path::Path;

use iku_domain::Register;
use iku_domain::calendar::{format_date, parse_date};
use iku_domain::grouping::StoredFacts;
use iku_domain::ids::{EventId, PersonId};
use iku_domain::interchange::{StoredEnvelope, parse_stored};
use iku_domain::personal::PersonalFields;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::access::{CaseAssignment, LoginState, Session};
use crate::audit::{self, AuditChain, AuditEntry, AuditKey, NewAuditEntry};
use crate::crypto::Sealed;
use crate::import::{ImportError, ImportReport, NumberedLine, Progress};
use crate::migrations::{self, Migration};
use crate::{Account, Backend, Keyring, NewPublication, Personals, Publication, Store, StoreError};
use iku_domain::Timestamp;
use iku_domain::access::{LockPolicy, Username};

mod blind;
mod documents;
mod reads;
mod write;

use reads::sealed_of;

pub struct SqliteStore {
    conn: Connection,
    path: std::path::PathBuf,
    /// Which file was opened (device and inode), to tell when another took its place.
    file: Option<(u64, u64)>,
    /// What an import's rules are checked over.
    checks: crate::import::Checks,
}

/// The device and inode of the file at `path`, where the system has them.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        // The register is for its owner's eyes only; SQLite gives its WAL and shared-memory
        // files the database file's mode.
        create_private(path)?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // Larger pages: fewer B-tree splits and WAL frames for the bulk of an import. Takes
        // effect only when the database file is created.
        conn.pragma_update(None, "page_size", 16_384)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Erased personal data must not linger in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        // A large import is one transaction; with SQLite's default 2 MiB cache its pages
        // would spill to the WAL again and again before the commit.
        conn.pragma_update(None, "cache_size", -262_144)?;
        migrate(&mut conn, migrations::SQLITE)?;
        fill_missing_facts(&mut conn)?;
        write::fill_missing_keys(&mut conn)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
            file: file_identity(path),
            checks: crate::import::Checks::default(),
        })
    }

    /// The connection, for tests that inspect or tamper with the database directly.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Creates `path` as an empty file readable and writable by its owner only, unless it exists.
pub fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Corrupt {
            seq: -1,
            message: format!("cannot create {}: {e}", path.display()),
        }),
    }
}

/// How much of the database file a read of the whole register maps into memory (SQLite
/// caps it at its compile-time limit): its pages are read from the mapping, not copied.
/// Only such reads map it. With the file mapped, every read transaction that begins after
/// another connection's commit unmaps it first, and a server commits an audit entry for
/// nearly every request: the unmapping then cost more than a request's reads.
const MMAP_SIZE: i64 = 1 << 34;

/// Runs a read of the whole register with the database file mapped.
fn mapped<T>(
    conn: &mut Connection,
    read: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.pragma_update(None, "mmap_size", MMAP_SIZE)?;
    let done = read(conn);
    conn.pragma_update(None, "mmap_size", 0)?;
    done
}

/// The stored facts of events `first..=last`, which must all have them, with room for
/// `room` events.
fn read_facts(
    conn: &Connection,
    first: i64,
    last: i64,
    room: i64,
) -> Result<StoredFacts, StoreError> {
    let room = usize::try_from(room).unwrap_or(0);
    // About 55 bytes an event: room for a little more, so that the buffer is not copied to
    // grow (memory reserved but never written costs nothing).
    let mut facts = StoredFacts::with_capacity(room, room * 64);
    let mut stmt = conn.prepare(
        "SELECT seq, owner, facts FROM event_facts WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query([first, last])?;
    let mut expected = first;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        crate::check_facts_seq(seq, expected)?;
        expected += 1;
        facts.push(
            crate::owner_of(seq, row.get(1)?)?,
            row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?,
        );
    }
    crate::check_facts_seq(last + 1, expected)?;
    Ok(facts)
}

const INSERT_FACTS: &str = "INSERT INTO event_facts (seq, owner, facts) VALUES (?1, ?2, ?3)";

fn insert_links(conn: &Connection, links: &[(u32, u32)]) -> Result<(), StoreError> {
    let mut insert = conn.prepare("INSERT INTO owner_links (owner, tied) VALUES (?1, ?2)")?;
    for (owner, tied) in links {
        insert.execute(params![owner, tied])?;
    }
    Ok(())
}

/// Gives the events stored before `event_facts` existed their facts (once, when a database
/// from before migration 7 is first opened).
fn fill_missing_facts(conn: &mut Connection) -> Result<(), StoreError> {
    // Both number their rows 1, 2, 3, ...: the last seq says how many (a count would read
    // the whole table).
    let last = |conn: &Connection, table: &str| -> Result<i64, StoreError> {
        Ok(conn.query_row(
            &format!("SELECT COALESCE(max(seq), 0) FROM {table}"),
            [],
            |r| r.get(0),
        )?)
    };
    if last(conn, "event_facts")? == last(conn, "events")? {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let have = last(&tx, "event_facts")?;
    let register = crate::register_of(load_events(&tx, Personals::Leave)?)?;
    let missing = crate::missing_facts(&register, have as usize);
    {
        let mut insert = tx.prepare(INSERT_FACTS)?;
        for (seq, owner, facts) in &missing.rows {
            insert.execute(params![seq, owner, facts])?;
        }
    }
    insert_links(&tx, &missing.links)?;
    tx.commit()?;
    Ok(())
}

fn migrate(conn: &mut Connection, set: &[Migration]) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT",
    )?;
    let current: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let known = migrations::latest(set);
    if current > known {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for m in set.iter().filter(|m| m.version > current) {
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, datetime('now'))",
            params![m.version, m.name],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Reads every event in seq order, opening personal fields if asked.
fn load_events(
    conn: &Connection,
    personals: Personals<'_>,
) -> Result<Vec<iku_domain::Event>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT e.seq, e.id, e.recorded_at, e.payload, s.key_id, s.nonce, s.ciphertext, e.kind, e.date
         FROM events e LEFT JOIN sealed_fields s ON s.event_seq = e.seq ORDER BY e.seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut events = Vec::new();
    while let Some(row) = rows.next()? {
        events.push(event_of_row(row, personals)?);
    }
    Ok(events)
}

/// The events at these seqs (ascending), without personal fields.
fn load_events_at(conn: &Connection, seqs: &[i64]) -> Result<Vec<iku_domain::Event>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.seq, e.id, e.recorded_at, e.payload, NULL, NULL, NULL, e.kind, e.date
         FROM events e WHERE e.seq = ?1",
    )?;
    let mut events = Vec::with_capacity(seqs.len());
    for &seq in seqs {
        let mut rows = stmt.query([seq])?;
        match rows.next()? {
            Some(row) => events.push(event_of_row(row, Personals::Leave)?),
            None => {
                return Err(StoreError::Corrupt {
                    seq,
                    message: "an event named by its facts is missing".into(),
                });
            }
        }
    }
    Ok(events)
}

/// An event from `SELECT e.seq, e.id, e.recorded_at, e.payload, s.key_id, s.nonce,
/// s.ciphertext, e.kind, e.date`.
fn event_of_row(
    row: &rusqlite::Row<'_>,
    personals: Personals<'_>,
) -> Result<iku_domain::Event, StoreError> {
    let seq: i64 = row.get(0)?;
    let id: String = row.get(1)?;
    let recorded_at: i64 = row.get(2)?;
    let payload: String = row.get(3)?;
    let sealed = match (personals, row.get::<_, Option<String>>(4)?) {
        (Personals::Open(keys), Some(key_id)) => {
            let event = EventId::parse(&id).map_err(|e| StoreError::Corrupt {
                seq,
                message: e.to_string(),
            })?;
            keys.open(
                &event,
                &Sealed {
                    key_id,
                    nonce: row.get(5)?,
                    ciphertext: row.get(6)?,
                },
            )?
        }
        _ => PersonalFields::default(),
    };
    let kind: String = row.get(7)?;
    let date: String = row.get(8)?;
    let corrupt = |message: String| StoreError::Corrupt { seq, message };
    let envelope = StoredEnvelope {
        id: &id,
        kind: &kind,
        date: parse_date(&date).ok_or_else(|| corrupt(format!("date {date}")))?,
        recorded_at: iku_domain::Timestamp::from_micros(recorded_at),
    };
    parse_stored(&payload, envelope, sealed).map_err(|e| StoreError::Corrupt {
        seq,
        message: e.to_string(),
    })
}

fn login_state_of(conn: &Connection, username: &Username) -> Result<LoginState, StoreError> {
    let row: Option<(i64, Option<i64>, i64)> = conn
        .query_row(
            "SELECT failed_logins, locked_until, lock_count FROM accounts WHERE username = ?1",
            [username.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (failed, locked, locks) = row.ok_or_else(|| StoreError::NoAccount(username.to_string()))?;
    Ok(LoginState {
        failed: u32::try_from(failed).unwrap_or(u32::MAX),
        locked_until: locked.map(Timestamp::from_micros),
        locks: u32::try_from(locks).unwrap_or(u32::MAX),
    })
}

/// The statistics' read form of the whole register. Reads on two connections at once, each
/// half of the events: the events up to the last seq this transaction sees are the same on
/// any later snapshot (the register is append-only), so the halves fit together.
fn load_facts(conn: &mut Connection) -> Result<StoredFacts, StoreError> {
    let path = conn.path().map(str::to_owned);
    let tx = conn.transaction()?;
    let last: i64 = tx.query_row("SELECT COALESCE(max(seq), 0) FROM events", [], |r| r.get(0))?;
    let middle = match path.as_deref() {
        Some(p) if !p.is_empty() && last > 100_000 => last / 2,
        _ => last,
    };
    let mut facts = std::thread::scope(|scope| {
        let second_half = (middle < last).then(|| {
            let path = path.clone().unwrap_or_default();
            scope.spawn(move || {
                // This thread's own connection: no mutex around each step.
                let conn = Connection::open_with_flags(
                    &path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | rusqlite::OpenFlags::SQLITE_OPEN_URI,
                )?;
                conn.pragma_update(None, "mmap_size", MMAP_SIZE)?;
                let tx = conn.unchecked_transaction()?;
                read_facts(&tx, middle + 1, last, last - middle)
            })
        });
        let mut facts = read_facts(&tx, 1, middle, middle)?;
        if let Some(handle) = second_half {
            let rest = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            facts.append(rest);
        }
        Ok::<_, StoreError>(facts)
    })?;
    // Links added after `last` only tie groups more coarsely, which changes no count.
    let mut stmt = tx.prepare("SELECT owner, tied FROM owner_links")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        facts.link(
            crate::owner_of(-1, row.get(0)?)?,
            crate::owner_of(-1, row.get(1)?)?,
        );
    }
    drop(rows);
    drop(stmt);
    tx.commit()?;
    Ok(facts)
}

impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn is_stale(&self) -> bool {
        file_identity(&self.path) != self.file
    }

    fn load(&mut self, personals: Personals<'_>) -> Result<Register, StoreError> {
        let events = mapped(&mut self.conn, |conn| {
            let tx = conn.transaction()?;
            let events = load_events(&tx, personals)?;
            tx.commit()?;
            Ok(events)
        })?;
        crate::register_of(events)
    }

    fn load_facts(&mut self) -> Result<StoredFacts, StoreError> {
        mapped(&mut self.conn, load_facts)
    }

    fn write(
        &mut self,
        lines: Vec<NumberedLine>,
        keys: &Keyring,
        audit: Option<crate::AuditBatch<'_>>,
        progress: &dyn Progress,
    ) -> Result<ImportReport, ImportError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut report = write::import_in(&tx, lines, keys, self.checks, progress)?;
        if let Some(a) = audit {
            report.audit_seqs = write::append_in(&tx, a.key, Some(keys), &a.entries, a.at)?;
        }
        progress.phase("committing", 0);
        tx.commit()?;
        Ok(report)
    }

    fn set_checks(&mut self, checks: crate::import::Checks) {
        self.checks = checks;
    }

    fn group_of(&mut self, person: &PersonId) -> Result<crate::Group, StoreError> {
        write::read_groups(&mut self.conn, |lookup| {
            crate::groups::group_of(lookup, person)
        })
    }

    fn groups_since(&mut self, after: u64) -> Result<(u64, crate::Group), StoreError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let (last, group) = write::read_groups(&mut self.conn, |lookup| {
            crate::groups::groups_since(lookup, after)
        })?;
        Ok((last.max(0) as u64, group))
    }

    fn publish(&mut self, p: NewPublication, at: Timestamp) -> Result<Publication, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (id, version): (i64, i32) = tx.query_row(
            "SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM publications),
                    (SELECT COALESCE(MAX(version), 0) + 1 FROM publications WHERE report = ?1 AND year = ?2)",
            params![p.report, p.year],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        tx.execute(
            "INSERT INTO publications (id, report, year, version, as_recorded_at, disclosure, published_at, document, disclosure_report)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![id, p.report, p.year, version, p.as_recorded_at.micros(), p.disclosure, at.micros(), p.document, p.disclosure_report],
        )?;
        tx.commit()?;
        Ok(p.frozen(id, version, at))
    }

    fn publications_page(
        &mut self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<crate::PublicationInfo>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, report, year, version, as_recorded_at, disclosure, published_at,
                    disclosure_report IS NOT NULL
             FROM publications WHERE ?1 IS NULL OR id < ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![before, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| {
                Ok(crate::PublicationInfo {
                    id: r.get(0)?,
                    report: r.get(1)?,
                    year: r.get(2)?,
                    version: r.get(3)?,
                    as_recorded_at: Timestamp::from_micros(r.get(4)?),
                    disclosure: r.get(5)?,
                    published_at: Timestamp::from_micros(r.get(6)?),
                    has_report: r.get(7)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn publication(&mut self, id: i64) -> Result<Option<Publication>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, report, year, version, as_recorded_at, disclosure, published_at,
                        document, disclosure_report
                 FROM publications WHERE id = ?1",
                [id],
                |r| {
                    Ok(Publication {
                        id: r.get(0)?,
                        report: r.get(1)?,
                        year: r.get(2)?,
                        version: r.get(3)?,
                        as_recorded_at: Timestamp::from_micros(r.get(4)?),
                        disclosure: r.get(5)?,
                        published_at: Timestamp::from_micros(r.get(6)?),
                        document: r.get(7)?,
                        disclosure_report: r.get(8)?,
                    })
                },
            )
            .optional()?)
    }

    fn publications(&mut self) -> Result<Vec<Publication>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, report, year, version, as_recorded_at, disclosure, published_at, document,
                    disclosure_report
             FROM publications ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Publication {
                id: r.get(0)?,
                report: r.get(1)?,
                year: r.get(2)?,
                version: r.get(3)?,
                as_recorded_at: Timestamp::from_micros(r.get(4)?),
                disclosure: r.get(5)?,
                published_at: Timestamp::from_micros(r.get(6)?),
                document: r.get(7)?,
                disclosure_report: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn load_series_aggregates(&mut self, document: &str, at: Timestamp) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO series_aggregates (id, loaded_at, document)
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM series_aggregates), ?1, ?2)",
            params![at.micros(), document],
        )?;
        Ok(())
    }

    fn series_aggregates(&mut self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT document FROM series_aggregates ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn erase_personal(
        &mut self,
        events: &[EventId],
        persons: &[PersonId],
        cutoff: time::Date,
        at: Timestamp,
    ) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut erased = 0;
        {
            let mut erase = tx.prepare(
                "UPDATE sealed_fields SET key_id = 'erased', nonce = x'', ciphertext = x''
                 WHERE key_id <> 'erased' AND event_seq = (SELECT seq FROM events WHERE id = ?1)",
            )?;
            for id in events {
                erased += erase.execute([id.as_str()])?;
            }
            let mut erase_notes = tx.prepare(
                "UPDATE audit_notes SET key_id = 'erased', nonce = x'', ciphertext = x''
                 WHERE key_id <> 'erased' AND seq IN (SELECT seq FROM audit_log
                     WHERE record = ?1 OR (record >= ?2 AND record < ?3))",
            )?;
            for person in persons {
                let (id, from, until) = crate::records_about(person);
                erased += erase_notes.execute([id, from, until])?;
            }
            for person in persons {
                erased += documents::erase(&tx, person)?;
            }
            // Nothing is left to find them by.
            let mut forget = tx.prepare("DELETE FROM blind_index WHERE person = ?1")?;
            for person in persons {
                forget.execute([person.as_str()])?;
            }
        }
        tx.execute(
            "INSERT INTO retention_purges (id, at, cutoff, persons, erased)
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM retention_purges), ?1, ?2, ?3, ?4)",
            params![
                at.micros(),
                format_date(cutoff),
                persons.len() as i64,
                erased as i64
            ],
        )?;
        tx.commit()?;
        // The old pages are still in the write-ahead log: copy the new ones over and empty it.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(erased)
    }

    fn append_audit_batch(
        &mut self,
        key: &AuditKey,
        notes: Option<&Keyring>,
        entries: Vec<NewAuditEntry>,
        at: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seqs = write::append_in(&tx, key, notes, &entries, at)?;
        tx.commit()?;
        Ok(seqs)
    }

    fn audit_chain(&mut self) -> Result<AuditChain, StoreError> {
        let tx = self.conn.transaction()?;
        let entries = {
            let mut stmt = tx.prepare(
                "SELECT seq, at, actor, action, record, reason, hash, noted FROM audit_log ORDER BY seq",
            )?;
            let rows = stmt.query_map([], audit_entry)?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        let head = tx
            .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        tx.commit()?;
        Ok(AuditChain { entries, head })
    }

    fn audit_entries_for(&mut self, records: &[String]) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, actor, action, record, reason, hash, noted FROM audit_log WHERE record = ?1",
        )?;
        let mut found = Vec::new();
        for record in records {
            let rows = stmt.query_map([record], audit_entry)?;
            for row in rows {
                found.push(row?);
            }
        }
        found.sort_by_key(|e| e.seq);
        found.dedup_by_key(|e| e.seq);
        Ok(found)
    }

    fn audit_page(
        &mut self,
        before: Option<i64>,
        limit: usize,
        filter: &crate::audit::AuditFilter,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let person = filter.person.as_deref();
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, actor, action, record, reason, hash, noted FROM audit_log
             WHERE (?1 IS NULL OR seq < ?1) AND (?2 IS NULL OR actor = ?2)
               AND (?3 IS NULL OR action = ?3)
               AND (?4 IS NULL OR record = ?4 OR (record >= ?5 AND record < ?6))
               AND (?7 IS NULL OR at >= ?7) AND (?8 IS NULL OR at < ?8)
             ORDER BY seq DESC LIMIT ?9",
        )?;
        let rows = stmt.query_map(
            params![
                before,
                filter.actor,
                filter.action,
                person,
                person.map(|p| format!("{p} ")),
                person.map(|p| format!("{p}!")),
                filter.from.map(Timestamp::micros),
                filter.until.map(Timestamp::micros),
                i64::try_from(limit).unwrap_or(i64::MAX),
            ],
            audit_entry,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn audit_notes(
        &mut self,
        keys: &Keyring,
        seqs: &[i64],
    ) -> Result<Vec<Option<iku_domain::personal::Personal>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key_id, nonce, ciphertext FROM audit_notes WHERE seq = ?1")?;
        seqs.iter()
            .map(|&seq| {
                let sealed = stmt.query_row([seq], reads::sealed_row).optional()?;
                match sealed {
                    Some(sealed) => crate::open_note(keys, seq, &sealed),
                    None => Ok(None),
                }
            })
            .collect()
    }

    fn add_account(&mut self, a: &Account, at: Timestamp) -> Result<(), StoreError> {
        let inserted = self.conn.execute(
            "INSERT INTO accounts (username, role, office, password_hash, must_change, disabled, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (username) DO NOTHING",
            params![a.username.as_str(), a.role.name(), a.office, a.password_hash, a.must_change, a.disabled, at.micros()],
        )?;
        if inserted == 0 {
            return Err(StoreError::AccountExists(a.username.to_string()));
        }
        Ok(())
    }

    fn accounts(&mut self) -> Result<Vec<Account>, StoreError> {
        reads::all_accounts(&self.conn)
    }

    fn account(&mut self, username: &Username) -> Result<Option<Account>, StoreError> {
        reads::account_named(&self.conn, username.as_str())
    }

    fn blind_lookup(
        &mut self,
        terms: &[crate::crypto::Blind],
    ) -> Result<Vec<(crate::crypto::Blind, PersonId)>, StoreError> {
        blind::lookup(&self.conn, terms)
    }

    fn blind_index_key(&mut self) -> Result<Option<String>, StoreError> {
        blind::key(&self.conn)
    }

    fn rebuild_blind_index(&mut self, keys: &Keyring) -> Result<usize, StoreError> {
        blind::rebuild(&mut self.conn, keys)
    }

    fn case_assignment(&mut self, person: &PersonId) -> Result<Option<CaseAssignment>, StoreError> {
        reads::case_assignment(&self.conn, person.as_str())
    }

    fn personal_fields(
        &mut self,
        keys: &Keyring,
        events: &[EventId],
    ) -> Result<Vec<PersonalFields>, StoreError> {
        events
            .iter()
            .map(|id| sealed_of(&self.conn, keys, id))
            .collect()
    }

    fn defer_checkpoints(&mut self) -> Result<bool, StoreError> {
        self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        Ok(true)
    }

    fn checkpoint(&mut self) -> Result<bool, StoreError> {
        let (busy, log, copied): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        Ok(busy == 0 && copied == log)
    }

    fn personal_fields_at(
        &mut self,
        keys: &Keyring,
        events: &[(EventId, i64)],
    ) -> Result<Vec<PersonalFields>, StoreError> {
        events
            .iter()
            .map(|(id, seq)| reads::sealed_at(&self.conn, keys, id, *seq))
            .collect()
    }

    fn set_disabled(&mut self, username: &Username, disabled: bool) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE accounts SET disabled = ?1 WHERE username = ?2",
            params![disabled, username.as_str()],
        )?;
        if n == 0 {
            return Err(StoreError::NoAccount(username.to_string()));
        }
        Ok(())
    }

    fn enroll_totp(&mut self, username: &Username, sealed: &Sealed) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE accounts SET totp_key_id = ?1, totp_nonce = ?2, totp_secret = ?3, last_totp_step = NULL
             WHERE username = ?4",
            params![sealed.key_id, sealed.nonce, sealed.ciphertext, username.as_str()],
        )?;
        if n == 0 {
            return Err(StoreError::NoAccount(username.to_string()));
        }
        Ok(())
    }

    fn totp_secret(
        &mut self,
        username: &Username,
    ) -> Result<Option<(Sealed, Option<i64>)>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT totp_key_id, totp_nonce, totp_secret, last_totp_step FROM accounts
                 WHERE username = ?1 AND totp_secret IS NOT NULL",
                [username.as_str()],
                |r| {
                    Ok((
                        Sealed {
                            key_id: r.get(0)?,
                            nonce: r.get(1)?,
                            ciphertext: r.get(2)?,
                        },
                        r.get(3)?,
                    ))
                },
            )
            .optional()?;
        Ok(row)
    }

    fn reset_totp(&mut self, username: &Username) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE accounts SET totp_key_id = NULL, totp_nonce = NULL, totp_secret = NULL, last_totp_step = NULL
             WHERE username = ?1",
            [username.as_str()],
        )?;
        if n == 0 {
            return Err(StoreError::NoAccount(username.to_string()));
        }
        Ok(())
    }

    fn set_password(
        &mut self,
        username: &Username,
        password_hash: &str,
        must_change: bool,
    ) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE accounts SET password_hash = ?2, must_change = ?3 WHERE username = ?1",
            params![username.as_str(), password_hash, must_change],
        )?;
        if n == 0 {
            return Err(StoreError::NoAccount(username.to_string()));
        }
        Ok(())
    }

    fn set_role(
        &mut self,
        username: &Username,
        role: iku_domain::access::Role,
        office: Option<&str>,
    ) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE accounts SET role = ?2, office = ?3 WHERE username = ?1",
            params![username.as_str(), role.name(), office],
        )?;
        if n == 0 {
            return Err(StoreError::NoAccount(username.to_string()));
        }
        Ok(())
    }

    fn login_state(&mut self, username: &Username) -> Result<LoginState, StoreError> {
        login_state_of(&self.conn, username)
    }

    fn login_failed(
        &mut self,
        username: &Username,
        policy: &LockPolicy,
        at: Timestamp,
    ) -> Result<LoginState, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let state = policy.after_failure(login_state_of(&tx, username)?, at);
        tx.execute(
            "UPDATE accounts SET failed_logins = ?2, locked_until = ?3, lock_count = ?4
             WHERE username = ?1",
            params![
                username.as_str(),
                state.failed,
                state.locked_until.map(Timestamp::micros),
                state.locks
            ],
        )?;
        tx.commit()?;
        Ok(state)
    }

    fn unlock(&mut self, username: &Username) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE accounts SET failed_logins = 0, locked_until = NULL, lock_count = 0
             WHERE username = ?1",
            [username.as_str()],
        )?;
        if n == 0 {
            return Err(StoreError::NoAccount(username.to_string()));
        }
        Ok(())
    }

    fn login_succeeded(&mut self, username: &Username, step: i64) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE accounts SET failed_logins = 0, locked_until = NULL, lock_count = 0,
                 last_totp_step = ?2
             WHERE username = ?1 AND (last_totp_step IS NULL OR last_totp_step < ?2)",
            params![username.as_str(), step],
        )?;
        Ok(n == 1)
    }

    fn create_session(&mut self, s: &Session) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sessions (id_hash, username, csrf_token, created_at, last_seen, ended_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                s.id_hash,
                s.username.as_str(),
                s.csrf_token,
                s.created_at.micros(),
                s.last_seen.micros(),
                s.ended_at.map(Timestamp::micros)
            ],
        )?;
        Ok(())
    }

    fn session(&mut self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT id_hash, username, csrf_token, created_at, last_seen, ended_at
                 FROM sessions WHERE id_hash = ?1",
            )?
            .query_row([id_hash], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .optional()?;
        row.map(|(a, b, c, d, e, f)| crate::access::session(a, b, c, d, e, f))
            .transpose()
    }

    fn touch_session(&mut self, id_hash: &str, at: Timestamp) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1 AND ended_at IS NULL",
            params![id_hash, at.micros()],
        )?;
        Ok(())
    }

    fn end_session(&mut self, id_hash: &str, at: Timestamp) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sessions SET ended_at = ?2 WHERE id_hash = ?1 AND ended_at IS NULL",
            params![id_hash, at.micros()],
        )?;
        Ok(())
    }

    fn assign_case(&mut self, a: &CaseAssignment) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO case_assignments (person, office, assignee, assigned_at, assigned_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                a.person.as_str(),
                a.office,
                a.assignee.as_ref().map(Username::as_str),
                a.assigned_at.micros(),
                a.assigned_by
            ],
        )?;
        Ok(())
    }

    fn flag_referral(
        &mut self,
        person: &PersonId,
        reason: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO flagged_referrals (person, reason, flagged_at) VALUES (?1, ?2, ?3)",
            params![person.as_str(), reason, at.micros()],
        )?;
        Ok(())
    }

    fn set_contact(
        &mut self,
        username: &Username,
        contact: &iku_domain::access::StaffContact,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO account_contacts (username, full_name, title, email)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (username) DO UPDATE SET full_name = excluded.full_name,
                 title = excluded.title, email = excluded.email",
            params![
                username.as_str(),
                contact.full_name,
                contact.title,
                contact.email.as_ref().map(|e| e.as_str())
            ],
        )?;
        Ok(())
    }

    fn contacts(
        &mut self,
    ) -> Result<Vec<(Username, iku_domain::access::StaffContact)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT username, full_name, title, email FROM account_contacts ORDER BY username",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        let mut found = Vec::new();
        for row in rows {
            let (username, full_name, title, email) = row?;
            found.push(crate::contact(username, full_name, title, email)?);
        }
        Ok(found)
    }

    fn add_document(
        &mut self,
        document: crate::documents::NewDocument<'_>,
        keys: &Keyring,
        audit: crate::AuditBatch<'_>,
    ) -> Result<(), StoreError> {
        documents::add(&mut self.conn, document, keys, audit)
    }

    fn documents_of(
        &mut self,
        person: &PersonId,
        keys: &Keyring,
    ) -> Result<
        Vec<(
            iku_domain::documents::DocumentInfo,
            Option<iku_domain::personal::Personal>,
        )>,
        StoreError,
    > {
        documents::of_person(&self.conn, person, keys)
    }

    fn document(
        &mut self,
        id: &str,
        keys: &Keyring,
    ) -> Result<Option<iku_domain::documents::Document>, StoreError> {
        documents::one(&self.conn, id, keys)
    }

    fn add_task_change(
        &mut self,
        change: &iku_domain::tasks::TaskChange,
    ) -> Result<(), StoreError> {
        let row = crate::tasks::columns(change);
        self.conn.execute(
            "INSERT INTO task_changes (task, change, owner, kind, person, due, by, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                change.task,
                row.change,
                row.owner,
                row.kind,
                row.person,
                row.due,
                change.by.as_str(),
                change.at.micros()
            ],
        )?;
        Ok(())
    }

    fn task_changes(
        &mut self,
        owner: Option<&iku_domain::access::Username>,
    ) -> Result<Vec<iku_domain::tasks::TaskChange>, StoreError> {
        task_rows(
            &self.conn,
            "SELECT task, change, owner, kind, person, due, by, at FROM task_changes
             WHERE ?1 IS NULL OR task IN (SELECT task FROM task_changes WHERE owner = ?1)
             ORDER BY seq",
            owner.map(|o| o.as_str()),
        )
    }

    fn task_changes_of(
        &mut self,
        task: &str,
    ) -> Result<Vec<iku_domain::tasks::TaskChange>, StoreError> {
        task_rows(
            &self.conn,
            "SELECT task, change, owner, kind, person, due, by, at FROM task_changes
             WHERE task = ?1 ORDER BY seq",
            Some(task),
        )
    }

    fn mark_distinct(
        &mut self,
        a: &PersonId,
        b: &PersonId,
        by: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        blind::mark_distinct(&self.conn, crate::blind::pair(a, b), by, at)
    }

    fn distinct_from(&mut self, person: &PersonId) -> Result<Vec<PersonId>, StoreError> {
        blind::distinct_from(&self.conn, person)
    }

    fn referral_flags(
        &mut self,
        persons: &[PersonId],
    ) -> Result<Vec<(PersonId, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT reason FROM flagged_referrals WHERE person = ?1")?;
        let mut found = Vec::new();
        for person in persons {
            if let Some(reason) = stmt
                .query_row([person.as_str()], |r| r.get::<_, String>(0))
                .optional()?
            {
                found.push((person.clone(), reason));
            }
        }
        Ok(found)
    }

    fn case_assignments_since(
        &mut self,
        after: i64,
    ) -> Result<(i64, Vec<CaseAssignment>), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, person, office, assignee, assigned_at, assigned_by
             FROM case_assignments WHERE seq > ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([after], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        let mut last = after;
        let mut found = Vec::new();
        for row in rows {
            let (seq, person, office, assignee, at, by) = row?;
            last = seq;
            found.push(crate::access::assignment(person, office, assignee, at, by)?);
        }
        Ok((last, found))
    }

    fn case_assignments(&mut self) -> Result<Vec<CaseAssignment>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT person, office, assignee, assigned_at, assigned_by FROM case_assignments c
             WHERE seq = (SELECT MAX(seq) FROM case_assignments d WHERE d.person = c.person)
             ORDER BY person",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.map(|row| {
            let (person, office, assignee, at, by) = row?;
            crate::access::assignment(person, office, assignee, at, by)
        })
        .collect()
    }

    fn backup_to(&mut self, path: &Path) -> Result<(), StoreError> {
        // VACUUM INTO reads one consistent snapshot and writes a compact copy into an empty
        // file, made here readable by its owner only.
        if path.exists() {
            return Err(StoreError::Corrupt {
                seq: -1,
                message: format!(
                    "{} exists; a backup never overwrites a file",
                    path.display()
                ),
            });
        }
        create_private(path)?;
        self.conn
            .execute("VACUUM INTO ?1", [path.to_string_lossy()])?;
        Ok(())
    }

    fn sealed_by_key(&mut self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT key_id, COUNT(*) FROM (
                 SELECT key_id FROM sealed_fields WHERE key_id <> 'erased'
                 UNION ALL SELECT key_id FROM audit_notes WHERE key_id <> 'erased'
                 UNION ALL SELECT totp_key_id FROM accounts WHERE totp_key_id IS NOT NULL
                 UNION ALL SELECT key_id FROM documents WHERE key_id <> 'erased')
             GROUP BY key_id ORDER BY key_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn reseal_batch(&mut self, keys: &Keyring, limit: usize) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rows: Vec<(i64, String, Sealed)> = {
            let mut stmt = tx.prepare(
                "SELECT s.event_seq, e.id, s.key_id, s.nonce, s.ciphertext
                 FROM sealed_fields s JOIN events e ON e.seq = s.event_seq
                 WHERE s.key_id <> ?1 AND s.key_id <> 'erased' ORDER BY s.event_seq LIMIT ?2",
            )?;
            let mapped = stmt.query_map(params![keys.active_key_id(), limit as i64], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    Sealed {
                        key_id: r.get(2)?,
                        nonce: r.get(3)?,
                        ciphertext: r.get(4)?,
                    },
                ))
            })?;
            mapped.collect::<Result<_, _>>()?
        };
        for (seq, id, sealed) in &rows {
            let event = EventId::parse(id).map_err(|e| StoreError::Corrupt {
                seq: *seq,
                message: e.to_string(),
            })?;
            let fresh = keys.seal(&event, &keys.open(&event, sealed)?)?;
            tx.execute(
                "UPDATE sealed_fields SET key_id = ?1, nonce = ?2, ciphertext = ?3 WHERE event_seq = ?4",
                params![fresh.key_id, fresh.nonce, fresh.ciphertext, seq],
            )?;
        }
        // Then the accounts' TOTP secrets, with what is left of the batch.
        let accounts: Vec<(String, Sealed)> = {
            let mut stmt = tx.prepare(
                "SELECT username, totp_key_id, totp_nonce, totp_secret FROM accounts
                 WHERE totp_key_id IS NOT NULL AND totp_key_id <> ?1 ORDER BY username LIMIT ?2",
            )?;
            let mapped = stmt.query_map(
                params![keys.active_key_id(), (limit - rows.len()) as i64],
                |r| {
                    Ok((
                        r.get(0)?,
                        Sealed {
                            key_id: r.get(1)?,
                            nonce: r.get(2)?,
                            ciphertext: r.get(3)?,
                        },
                    ))
                },
            )?;
            mapped.collect::<Result<_, _>>()?
        };
        for (username, sealed) in &accounts {
            let aad = crate::crypto::totp_aad(username);
            let secret =
                keys.open_named(&aad, sealed, &format!("the TOTP secret of {username}"))?;
            let fresh = keys.seal_bytes(&aad, &secret)?;
            tx.execute(
                "UPDATE accounts SET totp_key_id = ?1, totp_nonce = ?2, totp_secret = ?3 WHERE username = ?4",
                params![fresh.key_id, fresh.nonce, fresh.ciphertext, username],
            )?;
        }
        // Then the audit notes, with what is left.
        let notes: Vec<(i64, Sealed)> = {
            let mut stmt = tx.prepare(
                "SELECT seq, key_id, nonce, ciphertext FROM audit_notes
                 WHERE key_id <> ?1 AND key_id <> 'erased' ORDER BY seq LIMIT ?2",
            )?;
            let mapped = stmt.query_map(
                params![
                    keys.active_key_id(),
                    (limit - rows.len() - accounts.len()) as i64
                ],
                |r| {
                    Ok((
                        r.get(0)?,
                        Sealed {
                            key_id: r.get(1)?,
                            nonce: r.get(2)?,
                            ciphertext: r.get(3)?,
                        },
                    ))
                },
            )?;
            mapped.collect::<Result<_, _>>()?
        };
        for (seq, sealed) in &notes {
            let aad = audit::note_aad(*seq);
            let note = keys.open_named(&aad, sealed, &format!("the note of audit entry {seq}"))?;
            let fresh = keys.seal_bytes(&aad, &note)?;
            tx.execute(
                "UPDATE audit_notes SET key_id = ?1, nonce = ?2, ciphertext = ?3 WHERE seq = ?4",
                params![fresh.key_id, fresh.nonce, fresh.ciphertext, seq],
            )?;
        }
        // Then the documents, a few at a time whatever is left: each is opened whole.
        let files = documents::reseal(
            &tx,
            keys,
            limit.saturating_sub(rows.len() + accounts.len() + notes.len()),
        )?;
        tx.commit()?;
        Ok(rows.len() + accounts.len() + notes.len() + files)
    }

    fn count(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events")?
            .query_row([], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    fn heads(&mut self) -> Result<(u64, i64), StoreError> {
        let (events, assignments): (i64, i64) = self
            .conn
            .prepare_cached(
                "SELECT (SELECT COALESCE(MAX(seq), 0) FROM events),
                        (SELECT COALESCE(MAX(seq), 0) FROM case_assignments)",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok((events.max(0) as u64, assignments))
    }
}

/// An audit entry from `SELECT seq, at, actor, action, record, reason, hash, noted`.
fn audit_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: Timestamp::from_micros(r.get(1)?),
        entry: NewAuditEntry {
            actor: r.get(2)?,
            action: r.get(3)?,
            record: r.get(4)?,
            reason: r.get(5)?,
            note: None,
        },
        hash: r.get(6)?,
        noted: r.get(7)?,
    })
}

/// The task changes `sql` selects (its one parameter `param`), as the domain's.
fn task_rows(
    conn: &Connection,
    sql: &str,
    param: Option<&str>,
) -> Result<Vec<iku_domain::tasks::TaskChange>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([param], |r| {
        Ok(crate::tasks::Row {
            task: r.get(0)?,
            change: r.get(1)?,
            owner: r.get(2)?,
            kind: r.get(3)?,
            person: r.get(4)?,
            due: r.get(5)?,
            by: r.get(6)?,
            at: r.get(7)?,
        })
    })?;
    let mut changes = Vec::new();
    for row in rows {
        changes.push(crate::tasks::change_of(row?)?);
    }
    Ok(changes)
}
