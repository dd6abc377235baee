//! The blind index on SQLite: point reads by term, and the whole index rebuilt; and the
//! pairs of possible duplicates decided apart, which intake reads beside it.

use iku_domain::ids::PersonId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::load_events;
use super::write::write_index;
use crate::blind::{self, IndexUpdate};
use crate::crypto::Blind;
use crate::{Keyring, Personals, StoreError};

pub(super) fn lookup(
    conn: &Connection,
    terms: &[Blind],
) -> Result<Vec<(Blind, PersonId)>, StoreError> {
    let mut found = Vec::new();
    let mut read = conn.prepare_cached("SELECT person FROM blind_index WHERE term = ?1")?;
    for term in terms {
        let persons = read.query_map([&term[..]], |r| r.get::<_, String>(0))?;
        for person in persons {
            found.push((*term, blind::person_of(&person?)?));
        }
    }
    Ok(found)
}

pub(super) fn key(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT key_id FROM blind_index_key WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?)
}

pub(super) fn rebuild(conn: &mut Connection, keys: &Keyring) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let register = crate::register_of(load_events(&tx, Personals::Open(keys))?)?;
    let rows = blind::rows(&register, None, 0, keys, |_| {
        unreachable!("a register read with its personal fields opens nothing more")
    })?;
    tx.execute("DELETE FROM blind_index", [])?;
    let n = rows.len();
    write_index(
        &tx,
        &IndexUpdate {
            persons: Vec::new(),
            rows,
        },
    )?;
    mark_key(&tx, keys)?;
    tx.commit()?;
    Ok(n)
}

/// Records that the index is whole under the active key of `keys`.
pub(super) fn mark_key(conn: &Connection, keys: &Keyring) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO blind_index_key (id, key_id) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET key_id = excluded.key_id",
        params![keys.active_key_id()],
    )?;
    Ok(())
}

/// Records a pair decided apart (`pair`: in id order); deciding it again changes nothing.
pub(super) fn mark_distinct(
    conn: &Connection,
    (a, b): (&PersonId, &PersonId),
    by: &str,
    at: iku_domain::Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO distinct_persons (person_a, person_b, decided_by, decided_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![a.as_str(), b.as_str(), by, at.micros()],
    )?;
    Ok(())
}

/// The persons decided apart from `person`.
pub(super) fn distinct_from(
    conn: &Connection,
    person: &PersonId,
) -> Result<Vec<PersonId>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT person_b FROM distinct_persons WHERE person_a = ?1
         UNION SELECT person_a FROM distinct_persons WHERE person_b = ?1",
    )?;
    let ids = stmt.query_map([person.as_str()], |r| r.get::<_, String>(0))?;
    let mut found = Vec::new();
    for id in ids {
        found.push(blind::person_of(&id?)?);
    }
    Ok(found)
}
