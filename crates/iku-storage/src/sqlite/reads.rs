//! The point reads every request makes on SQLite (an account, a case's office, an event's
//! sealed personal fields, the links between owner groups), each one statement prepared once
//! per connection.
//!
//! SQLite plans some statements anew whenever a bound value changes: an ORDER BY or a
//! min()/max() over a bound equality, a join, a subquery, `?1 IS NULL OR ...`. For a lookup
//! by key the new plan costs several times the lookup, and a busy server paid it on every
//! request. So these statements read one table by a bound key and leave any ordering to
//! Rust; the test below holds each of them to that.

use iku_domain::Timestamp;
use iku_domain::ids::EventId;
use iku_domain::personal::PersonalFields;
use rusqlite::{Connection, OptionalExtension};

use crate::access::CaseAssignment;
use crate::crypto::Sealed;
use crate::{Account, Keyring, StoreError, account};

macro_rules! account_columns {
    () => {
        "username, role, office, password_hash, must_change, totp_secret IS NOT NULL, \
         disabled, locked_until"
    };
}

const ACCOUNT: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts WHERE username = ?1"
);

const ACCOUNTS: &str = concat!(
    "SELECT ",
    account_columns!(),
    " FROM accounts ORDER BY username"
);

const ASSIGNMENTS: &str = "SELECT seq, person, office, assignee, assigned_at, assigned_by \
     FROM case_assignments WHERE person = ?1";

const EVENT_SEQ: &str = "SELECT seq FROM events WHERE id = ?1";

const SEALED: &str = "SELECT key_id, nonce, ciphertext FROM sealed_fields WHERE event_seq = ?1";

const TIED_TO: &str = "SELECT tied FROM owner_links WHERE owner = ?1";

const TIED_FROM: &str = "SELECT owner FROM owner_links WHERE tied = ?1";

fn account_of(row: &rusqlite::Row<'_>) -> Result<Account, StoreError> {
    let role: String = row.get(1)?;
    let mut a = account(
        row.get(0)?,
        &role,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    )?;
    a.locked_until = row.get::<_, Option<i64>>(7)?.map(Timestamp::from_micros);
    Ok(a)
}

/// The account named `username`.
pub(super) fn account_named(
    conn: &Connection,
    username: &str,
) -> Result<Option<Account>, StoreError> {
    let mut stmt = conn.prepare_cached(ACCOUNT)?;
    let mut rows = stmt.query([username])?;
    rows.next()?.map(account_of).transpose()
}

/// Every account, by name.
pub(super) fn all_accounts(conn: &Connection) -> Result<Vec<Account>, StoreError> {
    let mut stmt = conn.prepare_cached(ACCOUNTS)?;
    let mut rows = stmt.query([])?;
    let mut accounts = Vec::new();
    while let Some(row) = rows.next()? {
        accounts.push(account_of(row)?);
    }
    Ok(accounts)
}

/// The assignment of `person`'s case in force: its newest row (a case has a handful).
pub(super) fn case_assignment(
    conn: &Connection,
    person: &str,
) -> Result<Option<CaseAssignment>, StoreError> {
    let mut stmt = conn.prepare_cached(ASSIGNMENTS)?;
    let mut rows = stmt.query([person])?;
    let mut newest: Option<(i64, _)> = None;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        if newest.as_ref().is_none_or(|(s, _)| seq > *s) {
            let row: (String, String, Option<String>, i64, String) =
                (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
            newest = Some((seq, row));
        }
    }
    newest
        .map(|(_, (person, office, assignee, at, by))| {
            crate::access::assignment(person, office, assignee, at, by)
        })
        .transpose()
}

/// A row of `key_id, nonce, ciphertext`.
pub(super) fn sealed_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Sealed> {
    Ok(Sealed {
        key_id: r.get(0)?,
        nonce: r.get(1)?,
        ciphertext: r.get(2)?,
    })
}

/// The personal fields of event `id`, opened (none if it has none, or no such event).
pub(super) fn sealed_of(
    conn: &Connection,
    keys: &Keyring,
    id: &EventId,
) -> Result<PersonalFields, StoreError> {
    let seq: Option<i64> = conn
        .prepare_cached(EVENT_SEQ)?
        .query_row([id.as_str()], |r| r.get(0))
        .optional()?;
    match seq {
        Some(seq) => sealed_at(conn, keys, id, seq),
        None => Ok(PersonalFields::default()),
    }
}

/// The personal fields of event `id`, stored at `seq`, opened.
pub(super) fn sealed_at(
    conn: &Connection,
    keys: &Keyring,
    id: &EventId,
    seq: i64,
) -> Result<PersonalFields, StoreError> {
    let sealed = conn
        .prepare_cached(SEALED)?
        .query_row([seq], sealed_row)
        .optional()?;
    match sealed {
        Some(sealed) => Ok(keys.open(id, &sealed)?),
        None => Ok(PersonalFields::default()),
    }
}

/// The owners linked to `owner`, either way.
pub(super) fn tied(conn: &Connection, owner: u32) -> Result<Vec<i64>, StoreError> {
    let mut found = Vec::new();
    for sql in [TIED_TO, TIED_FROM] {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query([owner])?;
        while let Some(row) = rows.next()? {
            found.push(row.get(0)?);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::StatementStatus;

    /// Each statement, run with one value and then others, keeps its first plan.
    #[test]
    fn every_request_read_is_prepared_once() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("iku.db");
        let store = super::super::SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let conn = &store.conn;
        let (keys, _) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
        for n in 0..4u32 {
            let name = format!("user{n}");
            assert!(matches!(account_named(conn, &name), Ok(None)));
            assert!(matches!(case_assignment(conn, &name), Ok(None)));
            let id = EventId::parse(&format!("e{n}")).unwrap_or_else(|e| panic!("{e}"));
            assert!(sealed_of(conn, &keys, &id).is_ok());
            assert!(sealed_at(conn, &keys, &id, i64::from(n)).is_ok());
            assert!(matches!(tied(conn, n).as_deref(), Ok([])));
        }
        for sql in [ACCOUNT, ASSIGNMENTS, EVENT_SEQ, SEALED, TIED_TO, TIED_FROM] {
            let stmt = conn.prepare_cached(sql).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0, "{sql}");
        }
    }

    /// What the rule above guards against is real: the same lookup with an ORDER BY is
    /// planned again for every value (if SQLite stops doing so, the rule can go).
    #[test]
    fn an_ordered_lookup_would_be_planned_for_every_value() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("iku.db");
        let store = super::super::SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let sql = "SELECT office FROM case_assignments WHERE person = ?1 ORDER BY seq DESC LIMIT 1";
        for person in ["p1", "p2", "p3"] {
            let mut stmt = store
                .conn
                .prepare_cached(sql)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut rows = stmt.query([person]).unwrap_or_else(|e| panic!("{e}"));
            assert!(matches!(rows.next(), Ok(None)));
        }
        let stmt = store
            .conn
            .prepare_cached(sql)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stmt.get_status(StatementStatus::RePrepare), 2);
    }
}
