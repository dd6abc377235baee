//! Documents on SQLite: stored with their audit entries in one transaction, listed by person,
//! read one at a time, re-sealed a few at a time, erased by the retention purge.

use iku_domain::documents::{Document, DocumentInfo};
use iku_domain::ids::PersonId;
use iku_domain::personal::Personal;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::write::append_in;
use crate::documents::{self, NewDocument, RECORD_COLUMNS, Row, SealedDocument};
use crate::{AuditBatch, Keyring, StoreError};

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        person: r.get(1)?,
        kind: r.get(2)?,
        media: r.get(3)?,
        size: r.get(4)?,
        added_by: r.get(5)?,
        added_at: r.get(6)?,
        key_id: r.get(7)?,
    })
}

pub(super) fn add(
    conn: &mut Connection,
    document: NewDocument<'_>,
    keys: &Keyring,
    audit: AuditBatch<'_>,
) -> Result<(), StoreError> {
    let info = document.info;
    let sealed = documents::seal(
        keys,
        &info.id,
        document.name.expose().as_bytes(),
        document.content,
    )?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO documents (id, person, kind, media, size, added_by, added_at,
                                key_id, name_nonce, name, nonce, content)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            info.id,
            info.person.as_str(),
            info.kind.name(),
            info.media.mime(),
            info.size as i64,
            info.added_by.as_str(),
            info.added_at.micros(),
            sealed.key_id,
            sealed.name_nonce,
            sealed.name,
            sealed.nonce,
            sealed.content,
        ],
    )?;
    append_in(&tx, audit.key, Some(keys), &audit.entries, audit.at)?;
    tx.commit()?;
    Ok(())
}

pub(super) fn of_person(
    conn: &Connection,
    person: &PersonId,
    keys: &Keyring,
) -> Result<Vec<(DocumentInfo, Option<Personal>)>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RECORD_COLUMNS}, name_nonce, name FROM documents WHERE person = ?1 ORDER BY seq"
    ))?;
    let rows = stmt.query_map([person.as_str()], |r| Ok((row(r)?, r.get(8)?, r.get(9)?)))?;
    let mut found = Vec::new();
    for read in rows {
        let (record, name_nonce, name): (Row, Vec<u8>, Vec<u8>) = read?;
        let id = record.id.clone();
        let sealed = SealedDocument {
            key_id: record.key_id.clone(),
            name_nonce,
            name,
            nonce: Vec::new(),
            content: Vec::new(),
        };
        let info = documents::info_of(record)?;
        let name = documents::open_name(keys, &id, sealed)?;
        let name = documents::name_of(&info, name)?;
        found.push((info, name));
    }
    Ok(found)
}

pub(super) fn one(
    conn: &Connection,
    id: &str,
    keys: &Keyring,
) -> Result<Option<Document>, StoreError> {
    let read = conn
        .prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS}, name_nonce, name, nonce, content FROM documents WHERE id = ?1"
        ))?
        .query_row([id], |r| {
            Ok((row(r)?, r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?))
        })
        .optional()?;
    let Some((record, name_nonce, name, nonce, content)) = read else {
        return Ok(None);
    };
    let sealed = SealedDocument {
        key_id: record.key_id.clone(),
        name_nonce,
        name,
        nonce,
        content,
    };
    documents::document_of(keys, record, sealed).map(Some)
}

/// Re-seals at most `limit` documents not under the active key (in the caller's
/// transaction); how many.
pub(super) fn reseal(conn: &Connection, keys: &Keyring, limit: usize) -> Result<usize, StoreError> {
    let limit = limit.min(documents::RESEALED_AT_ONCE);
    let ids: Vec<String> = {
        let mut stmt = conn.prepare(
            "SELECT id FROM documents WHERE key_id <> ?1 AND key_id <> 'erased'
             ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![keys.active_key_id(), limit as i64], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for id in &ids {
        // One at a time: a file is opened whole.
        let sealed = conn.query_row(
            "SELECT key_id, name_nonce, name, nonce, content FROM documents WHERE id = ?1",
            [id],
            |r| {
                Ok(SealedDocument {
                    key_id: r.get(0)?,
                    name_nonce: r.get(1)?,
                    name: r.get(2)?,
                    nonce: r.get(3)?,
                    content: r.get(4)?,
                })
            },
        )?;
        let fresh = documents::reseal(keys, id, sealed)?;
        conn.execute(
            "UPDATE documents SET key_id = ?1, name_nonce = ?2, name = ?3, nonce = ?4, content = ?5
             WHERE id = ?6",
            params![
                fresh.key_id,
                fresh.name_nonce,
                fresh.name,
                fresh.nonce,
                fresh.content,
                id
            ],
        )?;
    }
    Ok(ids.len())
}

/// Erases the files and names of `person`'s documents (in the caller's transaction); how
/// many.
pub(super) fn erase(conn: &Connection, person: &PersonId) -> Result<usize, StoreError> {
    Ok(conn
        .prepare_cached(
            "UPDATE documents SET key_id = 'erased', name_nonce = x'', name = x'', nonce = x'',
                 content = x''
             WHERE person = ?1 AND key_id <> 'erased'",
        )?
        .execute([person.as_str()])?)
}
