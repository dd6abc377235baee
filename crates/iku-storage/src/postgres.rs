//! The PostgreSQL backend. An import runs in one transaction that first takes an exclusive
//! lock on `events` (one importer at a time, readers unaffected) and writes with binary COPY.

use iku_domain::Register;
use iku_domain::grouping::StoredFacts;
use iku_domain::ids::{EventId, PersonId};
use iku_domain::interchange::{StoredEnvelope, parse_stored};
use iku_domain::personal::PersonalFields;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use postgres::{Client, GenericClient, NoTls};

use crate::access::{CaseAssignment, LoginState, Session};
use crate::audit::{self, AuditChain, AuditEntry, AuditKey, NewAuditEntry};
use crate::crypto::Sealed;
use crate::import::{ImportError, ImportReport, NumberedLine, Progress};
use crate::migrations::{self, Migration};
use crate::{
    Account, Backend, Keyring, NewPublication, Personals, Publication, Store, StoreError, account,
};
use iku_domain::Timestamp;
use iku_domain::access::{LockPolicy, Username};

mod blind;
mod documents;
mod write;

pub struct PostgresStore {
    client: Client,
    /// What an import's rules are checked over.
    checks: crate::import::Checks,
}

impl PostgresStore {
    /// The accounts named `only`, or all of them, by name.
    fn accounts_named(&mut self, only: Option<&str>) -> Result<Vec<Account>, StoreError> {
        self.client
            .query(
                "SELECT username, role, office, password_hash, must_change, totp_secret IS NOT NULL, disabled,
                        locked_until
                 FROM accounts WHERE $1::text IS NULL OR username = $1 ORDER BY username",
                &[&only],
            )?
            .into_iter()
            .map(|r| {
                let mut a =
                    account(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6))?;
                a.locked_until = r.get::<_, Option<i64>>(7).map(Timestamp::from_micros);
                Ok(a)
            })
            .collect()
    }

    pub fn open(url: &str) -> Result<Self, StoreError> {
        let mut client = Client::connect(url, NoTls)?;
        migrate(&mut client, migrations::POSTGRES)?;
        fill_missing_facts(&mut client)?;
        write::fill_missing_keys(&mut client)?;
        Ok(Self {
            client,
            checks: crate::import::Checks::default(),
        })
    }

    /// The connection, for tests that inspect or tamper with the database directly.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// A read-only transaction that sees one consistent snapshot.
    fn snapshot(&mut self) -> Result<postgres::Transaction<'_>, StoreError> {
        Ok(self
            .client
            .build_transaction()
            .read_only(true)
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()?)
    }
}

/// Writes facts rows and links with binary COPY.
fn copy_facts(
    tx: &mut postgres::Transaction<'_>,
    rows: &[(i64, u32, Vec<u8>)],
    links: &[(u32, u32)],
) -> Result<(), StoreError> {
    let sink = tx.copy_in("COPY event_facts (seq, owner, facts) FROM STDIN BINARY")?;
    let mut writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8, Type::BYTEA]);
    for (seq, owner, facts) in rows {
        writer.write(&[seq, &i64::from(*owner), facts])?;
    }
    writer.finish()?;
    for (owner, tied) in links {
        tx.execute(
            "INSERT INTO owner_links (owner, tied) VALUES ($1, $2)",
            &[&i64::from(*owner), &i64::from(*tied)],
        )?;
    }
    Ok(())
}

/// Gives the events stored before `event_facts` existed their facts (once, when a database
/// from before migration 7 is first opened).
fn fill_missing_facts(client: &mut Client) -> Result<(), StoreError> {
    // Both number their rows 1, 2, 3, ...: the last seq says how many (a count would read
    // the whole table).
    const COUNTS: &str = "SELECT (SELECT COALESCE(max(seq), 0) FROM event_facts), (SELECT COALESCE(max(seq), 0) FROM events)";
    let row = client.query_one(COUNTS, &[])?;
    if row.get::<_, i64>(0) == row.get::<_, i64>(1) {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.batch_execute("LOCK TABLE events IN EXCLUSIVE MODE")?;
    let have: i64 = tx.query_one(COUNTS, &[])?.get(0);
    let register = crate::register_of(load_events(&mut tx, Personals::Leave)?)?;
    let missing = crate::missing_facts(&register, have as usize);
    copy_facts(&mut tx, &missing.rows, &missing.links)?;
    tx.commit()?;
    Ok(())
}

fn migrate(client: &mut Client, set: &[Migration]) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
         LOCK TABLE schema_migrations IN EXCLUSIVE MODE",
    )?;
    let current: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )?
        .get(0);
    let known = migrations::latest(set);
    if current > known {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for m in set.iter().filter(|m| m.version > current) {
        tx.batch_execute(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&m.version, &m.name],
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn load_events(
    client: &mut impl GenericClient,
    personals: Personals<'_>,
) -> Result<Vec<iku_domain::Event>, StoreError> {
    let rows = client.query(
        "SELECT e.seq, e.id, e.recorded_at, e.payload, s.key_id, s.nonce, s.ciphertext, e.kind, e.date
         FROM events e LEFT JOIN sealed_fields s ON s.event_seq = e.seq ORDER BY e.seq",
        &[],
    )?;
    rows.iter()
        .map(|row| event_of_row(row, personals))
        .collect()
}

/// An event from `SELECT e.seq, e.id, e.recorded_at, e.payload, s.key_id, s.nonce,
/// s.ciphertext, e.kind, e.date`.
fn event_of_row(
    row: &postgres::Row,
    personals: Personals<'_>,
) -> Result<iku_domain::Event, StoreError> {
    let seq: i64 = row.get(0);
    let id: &str = row.get(1);
    let sealed = match (personals, row.get::<_, Option<String>>(4)) {
        (Personals::Open(keys), Some(key_id)) => {
            let event = EventId::parse(id).map_err(|e| StoreError::Corrupt {
                seq,
                message: e.to_string(),
            })?;
            keys.open(
                &event,
                &Sealed {
                    key_id,
                    nonce: row.get(5),
                    ciphertext: row.get(6),
                },
            )?
        }
        _ => PersonalFields::default(),
    };
    let envelope = StoredEnvelope {
        id,
        kind: row.get(7),
        date: row.get(8),
        recorded_at: iku_domain::Timestamp::from_micros(row.get(2)),
    };
    parse_stored(row.get(3), envelope, sealed).map_err(|e| StoreError::Corrupt {
        seq,
        message: e.to_string(),
    })
}

fn sealed_of(
    client: &mut impl GenericClient,
    keys: &Keyring,
    id: &EventId,
) -> Result<PersonalFields, StoreError> {
    let row = client.query_opt(
        "SELECT s.key_id, s.nonce, s.ciphertext FROM events e JOIN sealed_fields s ON s.event_seq = e.seq WHERE e.id = $1",
        &[&id.as_str()],
    )?;
    match row {
        Some(r) => Ok(keys.open(
            id,
            &Sealed {
                key_id: r.get(0),
                nonce: r.get(1),
                ciphertext: r.get(2),
            },
        )?),
        None => Ok(PersonalFields::default()),
    }
}

/// An account's login state; `for_update` locks its row until the transaction ends.
fn login_state_of(
    client: &mut impl GenericClient,
    username: &Username,
    for_update: bool,
) -> Result<LoginState, StoreError> {
    let sql = if for_update {
        "SELECT failed_logins, locked_until, lock_count FROM accounts WHERE username = $1 FOR UPDATE"
    } else {
        "SELECT failed_logins, locked_until, lock_count FROM accounts WHERE username = $1"
    };
    let row = client
        .query_opt(sql, &[&username.as_str()])?
        .ok_or_else(|| StoreError::NoAccount(username.to_string()))?;
    let (failed, locked, locks): (i32, Option<i64>, i32) = (row.get(0), row.get(1), row.get(2));
    Ok(LoginState {
        failed: u32::try_from(failed).unwrap_or(0),
        locked_until: locked.map(Timestamp::from_micros),
        locks: u32::try_from(locks).unwrap_or(0),
    })
}

impl Store for PostgresStore {
    fn is_alive(&mut self) -> bool {
        !self.client.is_closed()
            && self
                .client
                .is_valid(std::time::Duration::from_secs(2))
                .is_ok()
    }

    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn load_facts(&mut self) -> Result<StoredFacts, StoreError> {
        let mut tx = self.snapshot()?;
        let stored: i64 = tx
            .query_one("SELECT COALESCE(max(seq), 0) FROM events", &[])?
            .get(0);
        // About 55 bytes an event; the buffer grows if they are more.
        let room = usize::try_from(stored).unwrap_or(0);
        let mut facts = StoredFacts::with_capacity(room, room * 56);
        let mut expected = 1;
        for row in tx.query(
            "SELECT seq, owner, facts FROM event_facts ORDER BY seq",
            &[],
        )? {
            let seq: i64 = row.get(0);
            crate::check_facts_seq(seq, expected)?;
            expected += 1;
            facts.push(crate::owner_of(seq, row.get(1))?, row.get(2));
        }
        crate::check_facts_seq(stored + 1, expected)?;
        for row in tx.query("SELECT owner, tied FROM owner_links", &[])? {
            facts.link(
                crate::owner_of(-1, row.get(0))?,
                crate::owner_of(-1, row.get(1))?,
            );
        }
        tx.commit()?;
        Ok(facts)
    }

    fn load(&mut self, personals: Personals<'_>) -> Result<Register, StoreError> {
        let mut tx = self.snapshot()?;
        let events = load_events(&mut tx, personals)?;
        tx.commit()?;
        crate::register_of(events)
    }

    fn write(
        &mut self,
        lines: Vec<NumberedLine>,
        keys: &Keyring,
        audit: Option<crate::AuditBatch<'_>>,
        progress: &dyn Progress,
    ) -> Result<ImportReport, ImportError> {
        let mut tx = self.client.transaction()?;
        let mut report = write::import_in(&mut tx, lines, keys, self.checks, progress)?;
        if let Some(a) = audit {
            report.audit_seqs = write::append_in(&mut tx, a.key, Some(keys), &a.entries, a.at)?;
        }
        progress.phase("committing", 0);
        tx.commit()?;
        Ok(report)
    }

    fn set_checks(&mut self, checks: crate::import::Checks) {
        self.checks = checks;
    }

    fn group_of(&mut self, person: &PersonId) -> Result<crate::Group, StoreError> {
        write::read_groups(&mut self.client, |lookup| {
            crate::groups::group_of(lookup, person)
        })
    }

    fn groups_since(&mut self, after: u64) -> Result<(u64, crate::Group), StoreError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let (last, group) = write::read_groups(&mut self.client, |lookup| {
            crate::groups::groups_since(lookup, after)
        })?;
        Ok((last.max(0) as u64, group))
    }

    fn publish(&mut self, p: NewPublication, at: Timestamp) -> Result<Publication, StoreError> {
        let mut tx = self.client.transaction()?;
        tx.batch_execute("LOCK TABLE publications IN EXCLUSIVE MODE")?;
        let row = tx.query_one(
            "SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM publications),
                    (SELECT COALESCE(MAX(version), 0) + 1 FROM publications WHERE report = $1 AND year = $2)",
            &[&p.report, &p.year],
        )?;
        let (id, version): (i64, i32) = (row.get(0), row.get(1));
        tx.execute(
            "INSERT INTO publications (id, report, year, version, as_recorded_at, disclosure, published_at, document, disclosure_report)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[&id, &p.report, &p.year, &version, &p.as_recorded_at.micros(), &p.disclosure, &at.micros(), &p.document, &p.disclosure_report],
        )?;
        tx.commit()?;
        Ok(p.frozen(id, version, at))
    }

    fn publications_page(
        &mut self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<crate::PublicationInfo>, StoreError> {
        let rows = self.client.query(
            "SELECT id, report, year, version, as_recorded_at, disclosure, published_at,
                    disclosure_report IS NOT NULL
             FROM publications WHERE $1::bigint IS NULL OR id < $1 ORDER BY id DESC LIMIT $2",
            &[&before, &i64::try_from(limit).unwrap_or(i64::MAX)],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| crate::PublicationInfo {
                id: r.get(0),
                report: r.get(1),
                year: r.get(2),
                version: r.get(3),
                as_recorded_at: Timestamp::from_micros(r.get(4)),
                disclosure: r.get(5),
                published_at: Timestamp::from_micros(r.get(6)),
                has_report: r.get(7),
            })
            .collect())
    }

    fn publication(&mut self, id: i64) -> Result<Option<Publication>, StoreError> {
        Ok(self
            .client
            .query_opt(
                "SELECT id, report, year, version, as_recorded_at, disclosure, published_at,
                        document, disclosure_report
                 FROM publications WHERE id = $1",
                &[&id],
            )?
            .map(|r| Publication {
                id: r.get(0),
                report: r.get(1),
                year: r.get(2),
                version: r.get(3),
                as_recorded_at: Timestamp::from_micros(r.get(4)),
                disclosure: r.get(5),
                published_at: Timestamp::from_micros(r.get(6)),
                document: r.get(7),
                disclosure_report: r.get(8),
            }))
    }

    fn publications(&mut self) -> Result<Vec<Publication>, StoreError> {
        let rows = self.client.query(
            "SELECT id, report, year, version, as_recorded_at, disclosure, published_at, document,
                    disclosure_report
             FROM publications ORDER BY id",
            &[],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| Publication {
                id: r.get(0),
                report: r.get(1),
                year: r.get(2),
                version: r.get(3),
                as_recorded_at: Timestamp::from_micros(r.get(4)),
                disclosure: r.get(5),
                published_at: Timestamp::from_micros(r.get(6)),
                document: r.get(7),
                disclosure_report: r.get(8),
            })
            .collect())
    }

    fn load_series_aggregates(&mut self, document: &str, at: Timestamp) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        tx.batch_execute("LOCK TABLE series_aggregates IN EXCLUSIVE MODE")?;
        tx.execute(
            "INSERT INTO series_aggregates (id, loaded_at, document)
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM series_aggregates), $1, $2)",
            &[&at.micros(), &document],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn series_aggregates(&mut self) -> Result<Option<String>, StoreError> {
        let row = self.client.query_opt(
            "SELECT document FROM series_aggregates ORDER BY id DESC LIMIT 1",
            &[],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    fn erase_personal(
        &mut self,
        events: &[EventId],
        persons: &[PersonId],
        cutoff: time::Date,
        at: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut tx = self.client.transaction()?;
        let ids: Vec<&str> = events.iter().map(EventId::as_str).collect();
        let mut erased = tx.execute(
            "UPDATE sealed_fields SET key_id = 'erased', nonce = '', ciphertext = ''
             WHERE key_id <> 'erased' AND event_seq IN (SELECT seq FROM events WHERE id = ANY($1))",
            &[&ids],
        )?;
        // starts_with, not a range: a range of text depends on the database's collation.
        let erase_notes = tx.prepare(
            "UPDATE audit_notes SET key_id = 'erased', nonce = '', ciphertext = ''
             WHERE key_id <> 'erased' AND seq IN (SELECT seq FROM audit_log
                 WHERE record = $1 OR starts_with(record, $2))",
        )?;
        for person in persons {
            let (id, from, _) = crate::records_about(person);
            erased += tx.execute(&erase_notes, &[&id, &from])?;
        }
        // Nothing is left to find them by.
        let whom: Vec<&str> = persons.iter().map(PersonId::as_str).collect();
        erased += documents::erase(&mut tx, &whom)? as u64;
        tx.execute("DELETE FROM blind_index WHERE person = ANY($1)", &[&whom])?;
        tx.batch_execute("LOCK TABLE retention_purges IN EXCLUSIVE MODE")?;
        tx.execute(
            "INSERT INTO retention_purges (id, at, cutoff, persons, erased)
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM retention_purges), $1, $2, $3, $4)",
            &[
                &at.micros(),
                &cutoff,
                &(persons.len() as i64),
                &(erased as i64),
            ],
        )?;
        tx.commit()?;
        // Rewrite the table so the old row versions leave the data files.
        // One statement each: VACUUM may not run in the transaction a batch of them makes.
        self.client.batch_execute("VACUUM FULL sealed_fields")?;
        self.client.batch_execute("VACUUM FULL audit_notes")?;
        self.client.batch_execute("VACUUM FULL documents")?;
        Ok(erased as usize)
    }

    fn append_audit_batch(
        &mut self,
        key: &AuditKey,
        notes: Option<&Keyring>,
        entries: Vec<NewAuditEntry>,
        at: Timestamp,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.client.transaction()?;
        let seqs = write::append_in(&mut tx, key, notes, &entries, at)?;
        tx.commit()?;
        Ok(seqs)
    }

    fn audit_chain(&mut self) -> Result<AuditChain, StoreError> {
        let mut tx = self.snapshot()?;
        let entries = tx
            .query(
                "SELECT seq, at, actor, action, record, reason, hash, noted FROM audit_log ORDER BY seq",
                &[],
            )?
            .into_iter()
            .map(|r| audit_entry(&r))
            .collect();
        let head = tx
            .query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?
            .map(|r| (r.get(0), r.get(1)));
        tx.commit()?;
        Ok(AuditChain { entries, head })
    }

    fn audit_entries_for(&mut self, records: &[String]) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = self.client.query(
            "SELECT seq, at, actor, action, record, reason, hash, noted FROM audit_log
             WHERE record = ANY($1) ORDER BY seq",
            &[&records],
        )?;
        Ok(rows.into_iter().map(|r| audit_entry(&r)).collect())
    }

    fn audit_page(
        &mut self,
        before: Option<i64>,
        limit: usize,
        filter: &crate::audit::AuditFilter,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let person = filter.person.as_deref();
        let rows = self.client.query(
            "SELECT seq, at, actor, action, record, reason, hash, noted FROM audit_log
             WHERE ($1::bigint IS NULL OR seq < $1) AND ($2::text IS NULL OR actor = $2)
               AND ($3::text IS NULL OR action = $3)
               AND ($4::text IS NULL OR record = $4 OR starts_with(record, $5))
               AND ($6::bigint IS NULL OR at >= $6) AND ($7::bigint IS NULL OR at < $7)
             ORDER BY seq DESC LIMIT $8",
            &[
                &before,
                &filter.actor,
                &filter.action,
                &person,
                &person.map(|p| format!("{p} ")),
                &filter.from.map(Timestamp::micros),
                &filter.until.map(Timestamp::micros),
                &i64::try_from(limit).unwrap_or(i64::MAX),
            ],
        )?;
        Ok(rows.iter().map(audit_entry).collect())
    }

    fn audit_notes(
        &mut self,
        keys: &Keyring,
        seqs: &[i64],
    ) -> Result<Vec<Option<iku_domain::personal::Personal>>, StoreError> {
        let stmt = self
            .client
            .prepare("SELECT key_id, nonce, ciphertext FROM audit_notes WHERE seq = $1")?;
        seqs.iter()
            .map(|&seq| match self.client.query_opt(&stmt, &[&seq])? {
                Some(r) => {
                    let sealed = Sealed {
                        key_id: r.get(0),
                        nonce: r.get(1),
                        ciphertext: r.get(2),
                    };
                    crate::open_note(keys, seq, &sealed)
                }
                None => Ok(None),
            })
            .collect()
    }

    fn add_account(&mut self, a: &Account, at: Timestamp) -> Result<(), StoreError> {
        let inserted = self.client.execute(
            "INSERT INTO accounts (username, role, office, password_hash, must_change, disabled, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (username) DO NOTHING",
            &[&a.username.as_str(), &a.role.name(), &a.office, &a.password_hash, &a.must_change, &a.disabled, &at.micros()],
        )?;
        if inserted == 0 {
            return Err(StoreError::AccountExists(a.username.to_string()));
        }
        Ok(())
    }

    fn accounts(&mut self) -> Result<Vec<Account>, StoreError> {
        self.accounts_named(None)
    }

    fn account(&mut self, username: &Username) -> Result<Option<Account>, StoreError> {
        Ok(self.accounts_named(Some(username.as_str()))?.pop())
    }

    fn blind_lookup(
        &mut self,
        terms: &[crate::crypto::Blind],
    ) -> Result<Vec<(crate::crypto::Blind, PersonId)>, StoreError> {
        blind::lookup(&mut self.client, terms)
    }

    fn blind_index_key(&mut self) -> Result<Option<String>, StoreError> {
        blind::key(&mut self.client)
    }

    fn rebuild_blind_index(&mut self, keys: &Keyring) -> Result<usize, StoreError> {
        blind::rebuild(&mut self.client, keys)
    }

    fn case_assignment(&mut self, person: &PersonId) -> Result<Option<CaseAssignment>, StoreError> {
        self.client
            .query_opt(
                "SELECT person, office, assignee, assigned_at, assigned_by FROM case_assignments
                 WHERE person = $1 ORDER BY seq DESC LIMIT 1",
                &[&person.as_str()],
            )?
            .map(|r| crate::access::assignment(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .transpose()
    }

    fn personal_fields(
        &mut self,
        keys: &Keyring,
        events: &[EventId],
    ) -> Result<Vec<PersonalFields>, StoreError> {
        events
            .iter()
            .map(|id| sealed_of(&mut self.client, keys, id))
            .collect()
    }

    fn set_disabled(&mut self, username: &Username, disabled: bool) -> Result<(), StoreError> {
        let n = self.client.execute(
            "UPDATE accounts SET disabled = $1 WHERE username = $2",
            &[&disabled, &username.as_str()],
        )?;
        if n == 0 {
            return Err(StoreError::NoAccount(username.to_string()));
        }
        Ok(())
    }

    fn enroll_totp(&mut self, username: &Username, sealed: &Sealed) -> Result<(), StoreError> {
        let n = self.client.execute(
            "UPDATE accounts SET totp_key_id = $1, totp_nonce = $2, totp_secret = $3, last_totp_step = NULL
             WHERE username = $4",
            &[&sealed.key_id, &sealed.nonce, &sealed.ciphertext, &username.as_str()],
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
        let row = self.client.query_opt(
            "SELECT totp_key_id, totp_nonce, totp_secret, last_totp_step FROM accounts
             WHERE username = $1 AND totp_secret IS NOT NULL",
            &[&username.as_str()],
        )?;
        Ok(row.map(|r| {
            (
                Sealed {
                    key_id: r.get(0),
                    nonce: r.get(1),
                    ciphertext: r.get(2),
                },
                r.get(3),
            )
        }))
    }

    fn reset_totp(&mut self, username: &Username) -> Result<(), StoreError> {
        let n = self.client.execute(
            "UPDATE accounts SET totp_key_id = NULL, totp_nonce = NULL, totp_secret = NULL, last_totp_step = NULL
             WHERE username = $1",
            &[&username.as_str()],
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
        let n = self.client.execute(
            "UPDATE accounts SET password_hash = $2, must_change = $3 WHERE username = $1",
            &[&username.as_str(), &password_hash, &must_change],
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
        let n = self.client.execute(
            "UPDATE accounts SET role = $2, office = $3 WHERE username = $1",
            &[&username.as_str(), &role.name(), &office],
        )?;
        if n == 0 {
            return Err(StoreError::NoAccount(username.to_string()));
        }
        Ok(())
    }

    fn login_state(&mut self, username: &Username) -> Result<LoginState, StoreError> {
        login_state_of(&mut self.client, username, false)
    }

    fn login_failed(
        &mut self,
        username: &Username,
        policy: &LockPolicy,
        at: Timestamp,
    ) -> Result<LoginState, StoreError> {
        let mut tx = self.client.transaction()?;
        let state = policy.after_failure(login_state_of(&mut tx, username, true)?, at);
        tx.execute(
            "UPDATE accounts SET failed_logins = $2, locked_until = $3, lock_count = $4
             WHERE username = $1",
            &[
                &username.as_str(),
                &i32::try_from(state.failed).unwrap_or(i32::MAX),
                &state.locked_until.map(Timestamp::micros),
                &i32::try_from(state.locks).unwrap_or(i32::MAX),
            ],
        )?;
        tx.commit()?;
        Ok(state)
    }

    fn unlock(&mut self, username: &Username) -> Result<(), StoreError> {
        let n = self.client.execute(
            "UPDATE accounts SET failed_logins = 0, locked_until = NULL, lock_count = 0
             WHERE username = $1",
            &[&username.as_str()],
        )?;
        if n == 0 {
            return Err(StoreError::NoAccount(username.to_string()));
        }
        Ok(())
    }

    fn login_succeeded(&mut self, username: &Username, step: i64) -> Result<bool, StoreError> {
        let n = self.client.execute(
            "UPDATE accounts SET failed_logins = 0, locked_until = NULL, lock_count = 0,
                 last_totp_step = $2
             WHERE username = $1 AND (last_totp_step IS NULL OR last_totp_step < $2)",
            &[&username.as_str(), &step],
        )?;
        Ok(n == 1)
    }

    fn create_session(&mut self, s: &Session) -> Result<(), StoreError> {
        self.client.execute(
            "INSERT INTO sessions (id_hash, username, csrf_token, created_at, last_seen, ended_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &s.id_hash,
                &s.username.as_str(),
                &s.csrf_token,
                &s.created_at.micros(),
                &s.last_seen.micros(),
                &s.ended_at.map(Timestamp::micros),
            ],
        )?;
        Ok(())
    }

    fn session(&mut self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        let row = self.client.query_opt(
            "SELECT id_hash, username, csrf_token, created_at, last_seen, ended_at
             FROM sessions WHERE id_hash = $1",
            &[&id_hash],
        )?;
        row.map(|r| {
            crate::access::session(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5))
        })
        .transpose()
    }

    fn touch_session(&mut self, id_hash: &str, at: Timestamp) -> Result<(), StoreError> {
        self.client.execute(
            "UPDATE sessions SET last_seen = $2 WHERE id_hash = $1 AND ended_at IS NULL",
            &[&id_hash, &at.micros()],
        )?;
        Ok(())
    }

    fn end_session(&mut self, id_hash: &str, at: Timestamp) -> Result<(), StoreError> {
        self.client.execute(
            "UPDATE sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL",
            &[&id_hash, &at.micros()],
        )?;
        Ok(())
    }

    fn assign_case(&mut self, a: &CaseAssignment) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        // One at a time: assignments commit in the order of their seqs, so that one read
        // "since a seq" misses none (`case_assignments_since`).
        tx.batch_execute("LOCK TABLE case_assignments IN EXCLUSIVE MODE")?;
        tx.execute(
            "INSERT INTO case_assignments (person, office, assignee, assigned_at, assigned_by)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &a.person.as_str(),
                &a.office,
                &a.assignee.as_ref().map(Username::as_str),
                &a.assigned_at.micros(),
                &a.assigned_by,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn case_assignments_since(
        &mut self,
        after: i64,
    ) -> Result<(i64, Vec<CaseAssignment>), StoreError> {
        let rows = self.client.query(
            "SELECT seq, person, office, assignee, assigned_at, assigned_by
             FROM case_assignments WHERE seq > $1 ORDER BY seq",
            &[&after],
        )?;
        let mut last = after;
        let mut found = Vec::with_capacity(rows.len());
        for r in rows {
            last = r.get(0);
            found.push(crate::access::assignment(
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
            )?);
        }
        Ok((last, found))
    }

    fn flag_referral(
        &mut self,
        person: &PersonId,
        reason: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.client.execute(
            "INSERT INTO flagged_referrals (person, reason, flagged_at) VALUES ($1, $2, $3)",
            &[&person.as_str(), &reason, &at.micros()],
        )?;
        Ok(())
    }

    fn set_contact(
        &mut self,
        username: &Username,
        contact: &iku_domain::access::StaffContact,
    ) -> Result<(), StoreError> {
        self.client.execute(
            "INSERT INTO account_contacts (username, full_name, title, email)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (username) DO UPDATE SET full_name = excluded.full_name,
                 title = excluded.title, email = excluded.email",
            &[
                &username.as_str(),
                &contact.full_name,
                &contact.title,
                &contact.email.as_ref().map(|e| e.as_str()),
            ],
        )?;
        Ok(())
    }

    fn contacts(
        &mut self,
    ) -> Result<Vec<(Username, iku_domain::access::StaffContact)>, StoreError> {
        let rows = self.client.query(
            "SELECT username, full_name, title, email FROM account_contacts ORDER BY username",
            &[],
        )?;
        rows.into_iter()
            .map(|r| crate::contact(r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    }

    fn add_document(
        &mut self,
        document: crate::documents::NewDocument<'_>,
        keys: &Keyring,
        audit: crate::AuditBatch<'_>,
    ) -> Result<(), StoreError> {
        documents::add(&mut self.client, document, keys, audit)
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
        documents::of_person(&mut self.client, person, keys)
    }

    fn document(
        &mut self,
        id: &str,
        keys: &Keyring,
    ) -> Result<Option<iku_domain::documents::Document>, StoreError> {
        documents::one(&mut self.client, id, keys)
    }

    fn add_task_change(
        &mut self,
        change: &iku_domain::tasks::TaskChange,
    ) -> Result<(), StoreError> {
        let row = crate::tasks::columns(change);
        self.client.execute(
            "INSERT INTO task_changes (task, change, owner, kind, person, due, by, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &change.task,
                &row.change,
                &row.owner,
                &row.kind,
                &row.person,
                &row.due,
                &change.by.as_str(),
                &change.at.micros(),
            ],
        )?;
        Ok(())
    }

    fn task_changes(
        &mut self,
        owner: Option<&iku_domain::access::Username>,
    ) -> Result<Vec<iku_domain::tasks::TaskChange>, StoreError> {
        let owner = owner.map(|o| o.as_str().to_owned());
        let rows = self.client.query(
            "SELECT task, change, owner, kind, person, due, by, at FROM task_changes
             WHERE $1::TEXT IS NULL OR task IN (SELECT task FROM task_changes WHERE owner = $1)
             ORDER BY seq",
            &[&owner],
        )?;
        task_rows(rows)
    }

    fn task_changes_of(
        &mut self,
        task: &str,
    ) -> Result<Vec<iku_domain::tasks::TaskChange>, StoreError> {
        let rows = self.client.query(
            "SELECT task, change, owner, kind, person, due, by, at FROM task_changes
             WHERE task = $1 ORDER BY seq",
            &[&task],
        )?;
        task_rows(rows)
    }

    fn mark_distinct(
        &mut self,
        a: &PersonId,
        b: &PersonId,
        by: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        blind::mark_distinct(&mut self.client, crate::blind::pair(a, b), by, at)
    }

    fn distinct_from(&mut self, person: &PersonId) -> Result<Vec<PersonId>, StoreError> {
        blind::distinct_from(&mut self.client, person)
    }

    fn referral_flags(
        &mut self,
        persons: &[PersonId],
    ) -> Result<Vec<(PersonId, String)>, StoreError> {
        let ids: Vec<&str> = persons.iter().map(PersonId::as_str).collect();
        let rows = self.client.query(
            "SELECT person, reason FROM flagged_referrals WHERE person = ANY($1)",
            &[&ids],
        )?;
        let mut found = Vec::new();
        for r in rows {
            let person: &str = r.get(0);
            let person = PersonId::parse(person).map_err(|e| StoreError::Corrupt {
                seq: -1,
                message: format!("a flagged referral of a bad person id: {e}"),
            })?;
            found.push((person, r.get(1)));
        }
        Ok(found)
    }

    fn case_assignments(&mut self) -> Result<Vec<CaseAssignment>, StoreError> {
        let rows = self.client.query(
            "SELECT DISTINCT ON (person) person, office, assignee, assigned_at, assigned_by
             FROM case_assignments ORDER BY person, seq DESC",
            &[],
        )?;
        rows.into_iter()
            .map(|r| crate::access::assignment(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect()
    }

    fn backup_to(&mut self, _: &std::path::Path) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(
            "on PostgreSQL, back up with pg_dump --format=custom DATABASE > FILE and restore with \
             pg_restore --dbname DATABASE FILE (see README); keep the key file with the backup",
        ))
    }

    fn sealed_by_key(&mut self) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = self.client.query(
            "SELECT key_id, COUNT(*) FROM (
                 SELECT key_id FROM sealed_fields WHERE key_id <> 'erased'
                 UNION ALL SELECT key_id FROM audit_notes WHERE key_id <> 'erased'
                 UNION ALL SELECT totp_key_id FROM accounts WHERE totp_key_id IS NOT NULL
                 UNION ALL SELECT key_id FROM documents WHERE key_id <> 'erased') AS sealed
             GROUP BY key_id ORDER BY key_id",
            &[],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1).max(0) as u64))
            .collect())
    }

    fn reseal_batch(&mut self, keys: &Keyring, limit: usize) -> Result<usize, StoreError> {
        let mut tx = self.client.transaction()?;
        let rows = tx.query(
            "SELECT s.event_seq, e.id, s.key_id, s.nonce, s.ciphertext
             FROM sealed_fields s JOIN events e ON e.seq = s.event_seq
             WHERE s.key_id <> $1 AND s.key_id <> 'erased' ORDER BY s.event_seq LIMIT $2 FOR UPDATE OF s",
            &[&keys.active_key_id(), &(limit as i64)],
        )?;
        for r in &rows {
            let seq: i64 = r.get(0);
            let event = EventId::parse(r.get(1)).map_err(|e| StoreError::Corrupt {
                seq,
                message: e.to_string(),
            })?;
            let sealed = Sealed {
                key_id: r.get(2),
                nonce: r.get(3),
                ciphertext: r.get(4),
            };
            let fresh = keys.seal(&event, &keys.open(&event, &sealed)?)?;
            tx.execute(
                "UPDATE sealed_fields SET key_id = $1, nonce = $2, ciphertext = $3 WHERE event_seq = $4",
                &[&fresh.key_id, &fresh.nonce, &fresh.ciphertext, &seq],
            )?;
        }
        // Then the accounts' TOTP secrets, with what is left of the batch.
        let accounts = tx.query(
            "SELECT username, totp_key_id, totp_nonce, totp_secret FROM accounts
             WHERE totp_key_id IS NOT NULL AND totp_key_id <> $1 ORDER BY username LIMIT $2 FOR UPDATE",
            &[&keys.active_key_id(), &((limit - rows.len()) as i64)],
        )?;
        for r in &accounts {
            let username: &str = r.get(0);
            let sealed = Sealed {
                key_id: r.get(1),
                nonce: r.get(2),
                ciphertext: r.get(3),
            };
            let aad = crate::crypto::totp_aad(username);
            let secret =
                keys.open_named(&aad, &sealed, &format!("the TOTP secret of {username}"))?;
            let fresh = keys.seal_bytes(&aad, &secret)?;
            tx.execute(
                "UPDATE accounts SET totp_key_id = $1, totp_nonce = $2, totp_secret = $3 WHERE username = $4",
                &[&fresh.key_id, &fresh.nonce, &fresh.ciphertext, &username],
            )?;
        }
        // Then the audit notes, with what is left.
        let notes = tx.query(
            "SELECT seq, key_id, nonce, ciphertext FROM audit_notes
             WHERE key_id <> $1 AND key_id <> 'erased' ORDER BY seq LIMIT $2 FOR UPDATE",
            &[
                &keys.active_key_id(),
                &((limit - rows.len() - accounts.len()) as i64),
            ],
        )?;
        for r in &notes {
            let seq: i64 = r.get(0);
            let sealed = Sealed {
                key_id: r.get(1),
                nonce: r.get(2),
                ciphertext: r.get(3),
            };
            let aad = audit::note_aad(seq);
            let note = keys.open_named(&aad, &sealed, &format!("the note of audit entry {seq}"))?;
            let fresh = keys.seal_bytes(&aad, &note)?;
            tx.execute(
                "UPDATE audit_notes SET key_id = $1, nonce = $2, ciphertext = $3 WHERE seq = $4",
                &[&fresh.key_id, &fresh.nonce, &fresh.ciphertext, &seq],
            )?;
        }
        // Then the documents, a few at a time whatever is left: each is opened whole.
        let files = documents::reseal(
            &mut tx,
            keys,
            limit.saturating_sub(rows.len() + accounts.len() + notes.len()),
        )?;
        tx.commit()?;
        Ok(rows.len() + accounts.len() + notes.len() + files)
    }

    fn count(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .client
            .query_one("SELECT COALESCE(MAX(seq), 0) FROM events", &[])?
            .get(0);
        Ok(n.max(0) as u64)
    }

    fn heads(&mut self) -> Result<(u64, i64), StoreError> {
        let row = self.client.query_one(
            "SELECT (SELECT COALESCE(MAX(seq), 0) FROM events),
                    (SELECT COALESCE(MAX(seq), 0) FROM case_assignments)",
            &[],
        )?;
        let events: i64 = row.get(0);
        Ok((events.max(0) as u64, row.get(1)))
    }
}

/// An audit entry from `SELECT seq, at, actor, action, record, reason, hash, noted`.
fn audit_entry(r: &postgres::Row) -> AuditEntry {
    AuditEntry {
        seq: r.get(0),
        at: Timestamp::from_micros(r.get(1)),
        entry: NewAuditEntry {
            actor: r.get(2),
            action: r.get(3),
            record: r.get(4),
            reason: r.get(5),
            note: None,
        },
        hash: r.get(6),
        noted: r.get(7),
    }
}

/// Task change rows (task, change, owner, kind, person, due, by, at) as the domain's.
fn task_rows(rows: Vec<::postgres::Row>) -> Result<Vec<iku_domain::tasks::TaskChange>, StoreError> {
    rows.into_iter()
        .map(|r| {
            crate::tasks::change_of(crate::tasks::Row {
                task: r.get(0),
                change: r.get(1),
                owner: r.get(2),
                kind: r.get(3),
                person: r.get(4),
                due: r.get(5),
                by: r.get(6),
                at: r.get(7),
            })
        })
        .collect()
}
