//! Writing events on SQLite: one IMMEDIATE transaction holds the import (its rules checked
//! with the groups it touches, or with the whole register) and the audit entries that record
//! it, so an event is never stored unaudited.

use iku_domain::Event;
use iku_domain::grouping;
use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};

use super::reads::{self, sealed_of};
use super::{INSERT_FACTS, insert_links, load_events, load_events_at};
use crate::audit::{self, AuditKey, NewAuditEntry};
use crate::blind::IndexUpdate;
use crate::groups::{self, Lookup};
use crate::import::{self, Checks, ImportError, ImportReport, NumberedLine, Progress};
use crate::{Keyring, Personals, StoreError};

/// The last seq of a table whose rows are numbered 1, 2, 3, ... (a count would read it all).
pub(super) fn last_seq(conn: &Connection, table: &str) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        &format!("SELECT COALESCE(max(seq), 0) FROM {table}"),
        [],
        |r| r.get(0),
    )?)
}

/// Imports `lines` inside the caller's transaction.
pub(super) fn import_in(
    tx: &Connection,
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
    progress.phase("checking", lines.len() as u64);
    let last = last_seq(tx, "events")?;
    let by_groups = checks.by_groups(lines.len(), last.max(0) as u64);
    let (seqs, stored) = if by_groups {
        groups::touched(&mut SqliteLookup(tx), lines.iter().map(|l| &l.parsed.event))?
    } else {
        let stored = load_events(tx, Personals::Leave)?;
        ((1..=stored.len() as i64).collect(), stored)
    };
    let next_seq = last + 1;
    let plan = import::plan(stored, seqs, lines, |id| sealed_of(tx, keys, id))?;
    let added = plan.new_events().len();
    progress.phase("storing", added as u64);
    let mut insert_event = tx.prepare_cached(
        "INSERT INTO events (seq, id, kind, date, recorded_at, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut insert_sealed = tx.prepare_cached(
        "INSERT INTO sealed_fields (event_seq, key_id, nonce, ciphertext) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut insert_facts = tx.prepare_cached(INSERT_FACTS)?;
    let written = plan.check_and_write(next_seq, keys, progress, |rows| {
        for row in &rows {
            let e = row.event;
            insert_event.execute(params![
                row.seq,
                e.id.as_str(),
                e.body.kind().name(),
                row.date,
                e.recorded_at.micros(),
                row.payload
            ])?;
        }
        for row in rows {
            insert_facts.execute(params![row.seq, row.owner, row.facts])?;
            if let Some(s) = row.sealed {
                insert_sealed.execute(params![row.seq, s.key_id, s.nonce, s.ciphertext])?;
            }
        }
        Ok(())
    })?;
    insert_links(tx, &written.links)?;
    insert_keys(tx, &written.keys)?;
    progress.phase("indexing", 0);
    let index = plan.index_update(keys, |id| sealed_of(tx, keys, id))?;
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

/// Replaces the blind index's rows of the persons `index` names.
pub(super) fn write_index(tx: &Connection, index: &IndexUpdate) -> Result<(), StoreError> {
    let mut forget = tx.prepare_cached("DELETE FROM blind_index WHERE person = ?1")?;
    for person in &index.persons {
        forget.execute([person.as_str()])?;
    }
    // Many rows into an empty index (a first import, a rebuild): the index by person is
    // made after them, sorted once, instead of taking each row at a random place.
    let bulk = index.rows.len() > crate::blind::BULK
        && tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM blind_index)", [], |r| {
            r.get::<_, bool>(0)
        })?;
    if bulk {
        tx.execute_batch("DROP INDEX blind_index_person")?;
    }
    let mut insert =
        tx.prepare_cached("INSERT OR IGNORE INTO blind_index (term, person) VALUES (?1, ?2)")?;
    for (term, person) in &index.rows {
        insert.execute(params![&term[..], person.as_str()])?;
    }
    if bulk {
        tx.execute_batch("CREATE INDEX blind_index_person ON blind_index (person)")?;
    }
    Ok(())
}

/// Appends audit entries to the chain inside the caller's transaction; their seqs.
pub(super) fn append_in(
    tx: &Connection,
    key: &AuditKey,
    notes: Option<&Keyring>,
    entries: &[NewAuditEntry],
    at: iku_domain::Timestamp,
) -> Result<Vec<i64>, StoreError> {
    let (mut last, mut previous): (i64, Vec<u8>) = tx
        .prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, Vec::new()));
    let mut seqs = Vec::with_capacity(entries.len());
    let mut insert = tx.prepare_cached(
        "INSERT INTO audit_log (seq, at, actor, action, record, reason, hash, noted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut insert_note = tx.prepare_cached(
        "INSERT INTO audit_notes (seq, key_id, nonce, ciphertext) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for entry in entries {
        let seq = last + 1;
        let noted = entry.note.is_some();
        let hash = audit::chain_hash(key, &previous, seq, at, entry, noted);
        insert.execute(params![
            seq,
            at.micros(),
            entry.actor,
            entry.action,
            entry.record,
            entry.reason,
            hash,
            noted
        ])?;
        if let Some(note) = &entry.note {
            let sealed = crate::seal_note(notes, seq, note)?;
            insert_note.execute(params![seq, sealed.key_id, sealed.nonce, sealed.ciphertext])?;
        }
        (last, previous) = (seq, hash);
        seqs.push(seq);
    }
    if !seqs.is_empty() {
        tx.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            params![last, previous],
        )?;
    }
    Ok(seqs)
}

fn insert_keys(conn: &Connection, keys: &[(&'static str, String, u32)]) -> Result<(), StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO register_keys (kind, id, owner) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    )?;
    for (kind, id, owner) in keys {
        insert.execute(params![kind, id, owner])?;
    }
    Ok(())
}

/// Gives a database from before `register_keys` its keys (once, when first opened).
pub(super) fn fill_missing_keys(conn: &mut Connection) -> Result<(), StoreError> {
    let have: Option<i64> = conn
        .query_row("SELECT 1 FROM register_keys LIMIT 1", [], |r| r.get(0))
        .optional()?;
    if have.is_some() || last_seq(conn, "events")? == 0 {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let register = crate::register_of(load_events(&tx, Personals::Leave)?)?;
    let owners = grouping::owners(&register, 0);
    insert_keys(&tx, &groups::keys(&register, 0, &owners.owners))?;
    tx.commit()?;
    Ok(())
}

/// The lookups of a write, in its transaction.
struct SqliteLookup<'c>(&'c Connection);

impl Lookup for SqliteLookup<'_> {
    fn key_owners(&mut self, kind: &str, ids: &[String]) -> Result<Vec<u32>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT owner FROM register_keys WHERE kind = ?1 AND id = ?2")?;
        let mut owners = Vec::new();
        for id in ids {
            if let Some(owner) = stmt
                .query_row(params![kind, id], |r| r.get::<_, i64>(0))
                .optional()?
            {
                owners.push(crate::owner_of(-1, owner)?);
            }
        }
        Ok(owners)
    }

    fn event_seqs(&mut self, ids: &[String]) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT seq FROM events WHERE id = ?1")?;
        let mut seqs = Vec::new();
        for id in ids {
            if let Some(seq) = stmt.query_row([id], |r| r.get(0)).optional()? {
                seqs.push(seq);
            }
        }
        Ok(seqs)
    }

    fn owners_at(&mut self, seqs: &[i64]) -> Result<Vec<u32>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT owner FROM event_facts WHERE seq = ?1")?;
        seqs.iter()
            .map(|&seq| {
                let owner: i64 = stmt.query_row([seq], |r| r.get(0))?;
                crate::owner_of(seq, owner)
            })
            .collect()
    }

    fn tied(&mut self, owners: &[u32]) -> Result<Vec<u32>, StoreError> {
        let mut tied = Vec::new();
        for &owner in owners {
            for found in reads::tied(self.0, owner)? {
                tied.push(crate::owner_of(-1, found)?);
            }
        }
        Ok(tied)
    }

    fn owned(&mut self, owners: &[u32]) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT seq FROM event_facts WHERE owner = ?1")?;
        let mut seqs = Vec::new();
        for owner in owners {
            let rows = stmt.query_map([owner], |r| r.get(0))?;
            for row in rows {
                seqs.push(row?);
            }
        }
        Ok(seqs)
    }

    fn events_at(&mut self, seqs: &[i64]) -> Result<Vec<Event>, StoreError> {
        load_events_at(self.0, seqs)
    }

    fn owners_after(&mut self, after: i64) -> Result<(Vec<u32>, i64), StoreError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT seq, owner FROM event_facts WHERE seq > ?1 ORDER BY seq")?;
        let mut owners = BTreeSet::new();
        let mut last = after;
        let rows = stmt.query_map([after], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (seq, owner) = row?;
            owners.insert(crate::owner_of(seq, owner)?);
            last = seq;
        }
        Ok((owners.into_iter().collect(), last))
    }
}

/// Reads some groups in one snapshot (a write of another connection meanwhile is not half
/// seen).
pub(super) fn read_groups<T>(
    conn: &mut Connection,
    read: impl FnOnce(&mut dyn Lookup) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let tx = conn.transaction()?;
    let found = read(&mut SqliteLookup(&tx))?;
    tx.commit()?;
    Ok(found)
}
