//! Writing events on PostgreSQL: one transaction holds the import (its rules checked with the
//! groups it touches, or with the whole register; the events table locked, so that writers
//! check against what is committed, one at a time) and the audit entries that record it, so
//! an event is never stored unaudited.

use iku_domain::Event;
use iku_domain::grouping;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use postgres::{Client, GenericClient, Transaction};

use super::{copy_facts, event_of_row, load_events, sealed_of};
use crate::audit::{self, AuditKey, NewAuditEntry};
use crate::blind::IndexUpdate;
use crate::groups::{self, Lookup};
use crate::import::{self, Checks, ImportError, ImportReport, NumberedLine, Progress};
use crate::{Keyring, Personals, StoreError};

/// Replaces the blind index's rows of the persons `index` names.
pub(super) fn write_index(tx: &mut Transaction<'_>, index: &IndexUpdate) -> Result<(), StoreError> {
    if !index.persons.is_empty() {
        let persons: Vec<&str> = index.persons.iter().map(|p| p.as_str()).collect();
        tx.execute(
            "DELETE FROM blind_index WHERE person = ANY($1)",
            &[&persons],
        )?;
    }
    // Many rows into an empty index (a first import, a rebuild): the index by person is
    // made after them, sorted once, instead of taking each row at a random place.
    let bulk = index.rows.len() > crate::blind::BULK
        && tx
            .query_one("SELECT NOT EXISTS (SELECT 1 FROM blind_index)", &[])?
            .get::<_, bool>(0);
    if bulk {
        tx.batch_execute("DROP INDEX blind_index_person")?;
    }
    let sink = tx.copy_in("COPY blind_index (term, person) FROM STDIN BINARY")?;
    let mut writer = BinaryCopyInWriter::new(sink, &[Type::BYTEA, Type::TEXT]);
    for (term, person) in &index.rows {
        writer.write(&[&&term[..], &person.as_str()])?;
    }
    writer.finish()?;
    if bulk {
        tx.batch_execute("CREATE INDEX blind_index_person ON blind_index (person)")?;
    }
    Ok(())
}

/// Imports `lines` inside the caller's transaction.
pub(super) fn import_in(
    tx: &mut Transaction<'_>,
    lines: Vec<NumberedLine>,
    keys: &Keyring,
    checks: Checks,
    progress: &dyn Progress,
) -> Result<ImportReport, ImportError> {
    // An audit entry written alone touches no group.
    if lines.is_empty() {
        return Ok(ImportReport {
            added: 0,
            unchanged: 0,
            persons: Some(Vec::new()),
            audit_seqs: Vec::new(),
        });
    }
    tx.batch_execute("LOCK TABLE events IN EXCLUSIVE MODE")?;
    progress.phase("checking", lines.len() as u64);
    let last: i64 = tx
        .query_one("SELECT COALESCE(MAX(seq), 0) FROM events", &[])?
        .get(0);
    let by_groups = checks.by_groups(lines.len(), last.max(0) as u64);
    let (seqs, stored) = if by_groups {
        groups::touched(
            &mut PostgresLookup(tx),
            lines.iter().map(|l| &l.parsed.event),
        )?
    } else {
        let stored = load_events(tx, Personals::Leave)?;
        ((1..=stored.len() as i64).collect(), stored)
    };
    let next_seq = last + 1;
    let plan = {
        let tx = &mut *tx;
        import::plan(stored, seqs, lines, |id| sealed_of(tx, keys, id))?
    };
    let added = plan.new_events().len();
    progress.phase("storing", added as u64);
    let mut sealed_rows = Vec::new();
    let mut facts_rows = Vec::with_capacity(added);
    let written = {
        let sink = tx
            .copy_in("COPY events (seq, id, kind, date, recorded_at, payload) FROM STDIN BINARY")?;
        let types = [
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::DATE,
            Type::INT8,
            Type::TEXT,
        ];
        let mut writer = BinaryCopyInWriter::new(sink, &types);
        let written = plan.check_and_write(next_seq, keys, progress, |rows| {
            for row in rows {
                let e = row.event;
                writer.write(&[
                    &row.seq,
                    &e.id.as_str(),
                    &e.body.kind().name(),
                    &e.date,
                    &e.recorded_at.micros(),
                    &row.payload,
                ])?;
                if let Some(s) = row.sealed {
                    sealed_rows.push((row.seq, s));
                }
                facts_rows.push((row.seq, row.owner, row.facts));
            }
            Ok(())
        })?;
        writer.finish()?;
        written
    };
    copy_facts(tx, &facts_rows, &written.links)?;
    insert_keys(tx, &written.keys)?;
    {
        let sink = tx.copy_in(
            "COPY sealed_fields (event_seq, key_id, nonce, ciphertext) FROM STDIN BINARY",
        )?;
        let mut writer =
            BinaryCopyInWriter::new(sink, &[Type::INT8, Type::TEXT, Type::BYTEA, Type::BYTEA]);
        for (seq, s) in &sealed_rows {
            writer.write(&[seq, &s.key_id, &s.nonce, &s.ciphertext])?;
        }
        writer.finish()?;
    }
    progress.phase("indexing", 0);
    let index = {
        let tx = &mut *tx;
        plan.index_update(keys, |id| sealed_of(tx, keys, id))?
    };
    progress.phase("writing the index", index.rows.len() as u64);
    write_index(tx, &index)?;
    // Into an empty register, the rows just written are the whole index.
    if last <= 0 {
        super::blind::mark_key(tx, keys)?;
    }
    Ok(ImportReport {
        added,
        unchanged: plan.unchanged,
        persons: by_groups.then(|| plan.persons()),
        audit_seqs: Vec::new(),
    })
}

/// Appends audit entries to the chain inside the caller's transaction; their seqs.
pub(super) fn append_in(
    tx: &mut Transaction<'_>,
    key: &AuditKey,
    notes: Option<&Keyring>,
    entries: &[NewAuditEntry],
    at: iku_domain::Timestamp,
) -> Result<Vec<i64>, StoreError> {
    // One writer at a time on the chain, or it forks.
    tx.batch_execute("LOCK TABLE audit_head IN EXCLUSIVE MODE")?;
    let (mut last, mut previous): (i64, Vec<u8>) = tx
        .query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?
        .map_or((0, Vec::new()), |r| (r.get(0), r.get(1)));
    let insert = tx.prepare(
        "INSERT INTO audit_log (seq, at, actor, action, record, reason, hash, noted)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )?;
    let mut seqs = Vec::with_capacity(entries.len());
    for entry in entries {
        let seq = last + 1;
        let noted = entry.note.is_some();
        let hash = audit::chain_hash(key, &previous, seq, at, entry, noted);
        tx.execute(
            &insert,
            &[
                &seq,
                &at.micros(),
                &entry.actor,
                &entry.action,
                &entry.record,
                &entry.reason,
                &hash,
                &noted,
            ],
        )?;
        if let Some(note) = &entry.note {
            let sealed = crate::seal_note(notes, seq, note)?;
            tx.execute(
                "INSERT INTO audit_notes (seq, key_id, nonce, ciphertext) VALUES ($1, $2, $3, $4)",
                &[&seq, &sealed.key_id, &sealed.nonce, &sealed.ciphertext],
            )?;
        }
        (last, previous) = (seq, hash);
        seqs.push(seq);
    }
    if !seqs.is_empty() {
        tx.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            &[&last, &previous],
        )?;
    }
    Ok(seqs)
}

fn insert_keys(
    client: &mut impl GenericClient,
    keys: &[(&'static str, String, u32)],
) -> Result<(), StoreError> {
    // In chunks, each one statement: a large import has hundreds of thousands.
    for chunk in keys.chunks(10_000) {
        let kinds: Vec<&str> = chunk.iter().map(|k| k.0).collect();
        let ids: Vec<&str> = chunk.iter().map(|k| k.1.as_str()).collect();
        let owners: Vec<i64> = chunk.iter().map(|k| i64::from(k.2)).collect();
        client.execute(
            "INSERT INTO register_keys (kind, id, owner)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
             ON CONFLICT DO NOTHING",
            &[&kinds, &ids, &owners],
        )?;
    }
    Ok(())
}

/// Gives a database from before `register_keys` its keys (once, when first opened).
pub(super) fn fill_missing_keys(client: &mut Client) -> Result<(), StoreError> {
    let row = client.query_one(
        "SELECT EXISTS (SELECT 1 FROM register_keys), EXISTS (SELECT 1 FROM events)",
        &[],
    )?;
    if row.get::<_, bool>(0) || !row.get::<_, bool>(1) {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.batch_execute("LOCK TABLE events IN EXCLUSIVE MODE")?;
    let register = crate::register_of(load_events(&mut tx, Personals::Leave)?)?;
    let owners = grouping::owners(&register, 0);
    insert_keys(&mut tx, &groups::keys(&register, 0, &owners.owners))?;
    tx.commit()?;
    Ok(())
}

/// The lookups of a write, in its transaction.
struct PostgresLookup<'t, 'c>(&'t mut Transaction<'c>);

fn owners_of(rows: Vec<postgres::Row>) -> Result<Vec<u32>, StoreError> {
    rows.into_iter()
        .map(|r| crate::owner_of(-1, r.get::<_, i64>(0)))
        .collect()
}

impl Lookup for PostgresLookup<'_, '_> {
    fn key_owners(&mut self, kind: &str, ids: &[String]) -> Result<Vec<u32>, StoreError> {
        owners_of(self.0.query(
            "SELECT owner FROM register_keys WHERE kind = $1 AND id = ANY($2)",
            &[&kind, &ids],
        )?)
    }

    fn event_seqs(&mut self, ids: &[String]) -> Result<Vec<i64>, StoreError> {
        Ok(self
            .0
            .query("SELECT seq FROM events WHERE id = ANY($1)", &[&ids])?
            .into_iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn owners_at(&mut self, seqs: &[i64]) -> Result<Vec<u32>, StoreError> {
        owners_of(self.0.query(
            "SELECT owner FROM event_facts WHERE seq = ANY($1)",
            &[&seqs],
        )?)
    }

    fn tied(&mut self, owners: &[u32]) -> Result<Vec<u32>, StoreError> {
        let owners: Vec<i64> = owners.iter().map(|o| i64::from(*o)).collect();
        owners_of(self.0.query(
            "SELECT tied FROM owner_links WHERE owner = ANY($1)
             UNION SELECT owner FROM owner_links WHERE tied = ANY($1)",
            &[&owners],
        )?)
    }

    fn owned(&mut self, owners: &[u32]) -> Result<Vec<i64>, StoreError> {
        let owners: Vec<i64> = owners.iter().map(|o| i64::from(*o)).collect();
        Ok(self
            .0
            .query(
                "SELECT seq FROM event_facts WHERE owner = ANY($1)",
                &[&owners],
            )?
            .into_iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn events_at(&mut self, seqs: &[i64]) -> Result<Vec<Event>, StoreError> {
        self.0
            .query(
                "SELECT e.seq, e.id, e.recorded_at, e.payload, NULL::text, NULL::bytea, NULL::bytea, e.kind, e.date
                 FROM events e WHERE e.seq = ANY($1) ORDER BY e.seq",
                &[&seqs],
            )?
            .iter()
            .map(|row| event_of_row(row, Personals::Leave))
            .collect()
    }

    fn owners_after(&mut self, after: i64) -> Result<(Vec<u32>, i64), StoreError> {
        let rows = self.0.query(
            "SELECT seq, owner FROM event_facts WHERE seq > $1 ORDER BY seq",
            &[&after],
        )?;
        let mut owners = std::collections::BTreeSet::new();
        let mut last = after;
        for r in rows {
            let seq: i64 = r.get(0);
            owners.insert(crate::owner_of(seq, r.get(1))?);
            last = seq;
        }
        Ok((owners.into_iter().collect(), last))
    }
}

/// Reads some groups in one snapshot (a write of another connection meanwhile is not half
/// seen).
pub(super) fn read_groups<T>(
    client: &mut Client,
    read: impl FnOnce(&mut dyn Lookup) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let found = read(&mut PostgresLookup(&mut tx))?;
    tx.commit()?;
    Ok(found)
}
