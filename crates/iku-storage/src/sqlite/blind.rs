//! The blind index on SQLite: point reads by term, and the whole index rebuilt.

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
