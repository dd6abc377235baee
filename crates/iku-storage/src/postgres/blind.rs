//! The blind index on PostgreSQL: the persons of a set of terms in one read, and the whole
//! index rebuilt; and the pairs of possible duplicates decided apart.

use iku_domain::ids::PersonId;
use postgres::{Client, Transaction};

use super::load_events;
use super::write::write_index;
use crate::blind::{self, IndexUpdate};
use crate::crypto::Blind;
use crate::{Keyring, Personals, StoreError};

pub(super) fn lookup(
    client: &mut Client,
    terms: &[Blind],
) -> Result<Vec<(Blind, PersonId)>, StoreError> {
    let wanted: Vec<&[u8]> = terms.iter().map(|t| &t[..]).collect();
    let rows = client.query(
        "SELECT term, person FROM blind_index WHERE term = ANY($1)",
        &[&wanted],
    )?;
    let mut found = Vec::with_capacity(rows.len());
    for r in rows {
        let term: &[u8] = r.get(0);
        let Ok(term) = Blind::try_from(term) else {
            return Err(StoreError::Corrupt {
                seq: -1,
                message: "a term of the blind index of another length".into(),
            });
        };
        found.push((term, blind::person_of(r.get(1))?));
    }
    Ok(found)
}

pub(super) fn key(client: &mut Client) -> Result<Option<String>, StoreError> {
    Ok(client
        .query_opt("SELECT key_id FROM blind_index_key WHERE id = 1", &[])?
        .map(|r| r.get(0)))
}

pub(super) fn rebuild(client: &mut Client, keys: &Keyring) -> Result<usize, StoreError> {
    let mut tx = client.transaction()?;
    tx.batch_execute("LOCK TABLE events IN EXCLUSIVE MODE")?;
    let register = crate::register_of(load_events(&mut tx, Personals::Open(keys))?)?;
    let rows = blind::rows(&register, None, 0, keys, |_| {
        unreachable!("a register read with its personal fields opens nothing more")
    })?;
    tx.batch_execute("DELETE FROM blind_index")?;
    let n = rows.len();
    write_index(
        &mut tx,
        &IndexUpdate {
            persons: Vec::new(),
            rows,
        },
    )?;
    mark_key(&mut tx, keys)?;
    tx.commit()?;
    Ok(n)
}

/// Records that the index is whole under the active key of `keys`.
pub(super) fn mark_key(tx: &mut Transaction<'_>, keys: &Keyring) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO blind_index_key (id, key_id) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET key_id = excluded.key_id",
        &[&keys.active_key_id()],
    )?;
    Ok(())
}

/// Records a pair decided apart (`pair`: in id order); deciding it again changes nothing.
pub(super) fn mark_distinct(
    client: &mut Client,
    (a, b): (&PersonId, &PersonId),
    by: &str,
    at: iku_domain::Timestamp,
) -> Result<(), StoreError> {
    client.execute(
        "INSERT INTO distinct_persons (person_a, person_b, decided_by, decided_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        &[&a.as_str(), &b.as_str(), &by, &at.micros()],
    )?;
    Ok(())
}

/// The persons decided apart from `person`.
pub(super) fn distinct_from(
    client: &mut Client,
    person: &PersonId,
) -> Result<Vec<PersonId>, StoreError> {
    let rows = client.query(
        "SELECT person_b FROM distinct_persons WHERE person_a = $1
         UNION SELECT person_a FROM distinct_persons WHERE person_b = $1",
        &[&person.as_str()],
    )?;
    let mut found = Vec::new();
    for r in rows {
        found.push(blind::person_of(r.get(0))?);
    }
    Ok(found)
}
