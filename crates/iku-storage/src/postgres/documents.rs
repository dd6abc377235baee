//! Documents on PostgreSQL: stored with their audit entries in one transaction, listed by
//! person, read one at a time, re-sealed a few at a time, erased by the retention purge.

use iku_domain::documents::{Document, DocumentInfo};
use iku_domain::ids::PersonId;
use iku_domain::personal::Personal;
use postgres::{Client, GenericClient, Transaction};

use super::write::append_in;
use crate::documents::{self, NewDocument, RECORD_COLUMNS, Row, SealedDocument};
use crate::{AuditBatch, Keyring, StoreError};

fn row(r: &postgres::Row) -> Row {
    Row {
        id: r.get(0),
        person: r.get(1),
        kind: r.get(2),
        media: r.get(3),
        size: r.get(4),
        added_by: r.get(5),
        added_at: r.get(6),
        key_id: r.get(7),
    }
}

pub(super) fn add(
    client: &mut Client,
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
    let mut tx = client.transaction()?;
    tx.execute(
        "INSERT INTO documents (id, person, kind, media, size, added_by, added_at,
                                key_id, name_nonce, name, nonce, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[
            &info.id,
            &info.person.as_str(),
            &info.kind.name(),
            &info.media.mime(),
            &(info.size as i64),
            &info.added_by.as_str(),
            &info.added_at.micros(),
            &sealed.key_id,
            &sealed.name_nonce,
            &sealed.name,
            &sealed.nonce,
            &sealed.content,
        ],
    )?;
    append_in(&mut tx, audit.key, Some(keys), &audit.entries, audit.at)?;
    tx.commit()?;
    Ok(())
}

pub(super) fn of_person(
    client: &mut Client,
    person: &PersonId,
    keys: &Keyring,
) -> Result<Vec<(DocumentInfo, Option<Personal>)>, StoreError> {
    let rows = client.query(
        &format!(
            "SELECT {RECORD_COLUMNS}, name_nonce, name FROM documents WHERE person = $1 ORDER BY seq"
        ),
        &[&person.as_str()],
    )?;
    let mut found = Vec::new();
    for r in &rows {
        let record = row(r);
        let id = record.id.clone();
        let sealed = SealedDocument {
            key_id: record.key_id.clone(),
            name_nonce: r.get(8),
            name: r.get(9),
            nonce: Vec::new(),
            content: Vec::new(),
        };
        let info = documents::info_of(record)?;
        let name = documents::open_name(keys, &id, sealed)?;
        found.push((documents::name_of(&info, name)?, info));
    }
    Ok(found.into_iter().map(|(name, info)| (info, name)).collect())
}

pub(super) fn one(
    client: &mut Client,
    id: &str,
    keys: &Keyring,
) -> Result<Option<Document>, StoreError> {
    let read = client.query_opt(
        &format!(
            "SELECT {RECORD_COLUMNS}, name_nonce, name, nonce, content FROM documents WHERE id = $1"
        ),
        &[&id],
    )?;
    let Some(r) = read else {
        return Ok(None);
    };
    let record = row(&r);
    let sealed = SealedDocument {
        key_id: record.key_id.clone(),
        name_nonce: r.get(8),
        name: r.get(9),
        nonce: r.get(10),
        content: r.get(11),
    };
    documents::document_of(keys, record, sealed).map(Some)
}

/// Re-seals at most `limit` documents not under the active key (in the caller's
/// transaction); how many.
pub(super) fn reseal(
    tx: &mut Transaction<'_>,
    keys: &Keyring,
    limit: usize,
) -> Result<usize, StoreError> {
    let limit = limit.min(documents::RESEALED_AT_ONCE);
    let ids: Vec<String> = tx
        .query(
            "SELECT id FROM documents WHERE key_id <> $1 AND key_id <> 'erased'
             ORDER BY seq LIMIT $2 FOR UPDATE",
            &[&keys.active_key_id(), &(limit as i64)],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for id in &ids {
        // One at a time: a file is opened whole.
        let r = tx.query_one(
            "SELECT key_id, name_nonce, name, nonce, content FROM documents WHERE id = $1",
            &[id],
        )?;
        let sealed = SealedDocument {
            key_id: r.get(0),
            name_nonce: r.get(1),
            name: r.get(2),
            nonce: r.get(3),
            content: r.get(4),
        };
        let fresh = documents::reseal(keys, id, sealed)?;
        tx.execute(
            "UPDATE documents SET key_id = $1, name_nonce = $2, name = $3, nonce = $4, content = $5
             WHERE id = $6",
            &[
                &fresh.key_id,
                &fresh.name_nonce,
                &fresh.name,
                &fresh.nonce,
                &fresh.content,
                id,
            ],
        )?;
    }
    Ok(ids.len())
}

/// Erases the files and names of the documents of `persons` (in the caller's transaction);
/// how many.
pub(super) fn erase(tx: &mut impl GenericClient, persons: &[&str]) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE documents SET key_id = 'erased', name_nonce = '', name = '', nonce = '',
             content = ''
         WHERE person = ANY($1) AND key_id <> 'erased'",
        &[&persons],
    )? as usize)
}
