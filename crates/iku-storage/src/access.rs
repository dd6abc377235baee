//! What the server keeps about logins: failed attempts and locks, sessions (by a hash of
//! their id), and which office and caseworker each case belongs to.

use iku_domain::Timestamp;
use iku_domain::access::Username;
use iku_domain::ids::PersonId;

pub use iku_domain::access::LoginState;

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The hex SHA-256 of the session id (the id is only ever in the cookie).
    pub id_hash: String,
    pub username: Username,
    /// Sent back with every state-changing request.
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen: Timestamp,
    pub ended_at: Option<Timestamp>,
}

/// A case's office and, if any, the caseworker it is assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAssignment {
    pub person: PersonId,
    pub office: String,
    pub assignee: Option<Username>,
    pub assigned_at: Timestamp,
    /// Who assigned it (an account name, or `import` for the office set by an import).
    pub assigned_by: String,
}

fn corrupt(what: String) -> crate::StoreError {
    crate::StoreError::Corrupt {
        seq: -1,
        message: what,
    }
}

/// A session from its stored columns.
pub(crate) fn session(
    id_hash: String,
    username: String,
    csrf_token: String,
    created_at: i64,
    last_seen: i64,
    ended_at: Option<i64>,
) -> Result<Session, crate::StoreError> {
    Ok(Session {
        username: Username::parse(&username)
            .map_err(|_| corrupt("a session of a bad account name".into()))?,
        id_hash,
        csrf_token,
        created_at: Timestamp::from_micros(created_at),
        last_seen: Timestamp::from_micros(last_seen),
        ended_at: ended_at.map(Timestamp::from_micros),
    })
}

/// A case assignment from its stored columns.
pub(crate) fn assignment(
    person: String,
    office: String,
    assignee: Option<String>,
    assigned_at: i64,
    assigned_by: String,
) -> Result<CaseAssignment, crate::StoreError> {
    Ok(CaseAssignment {
        person: PersonId::parse(&person)
            .map_err(|_| corrupt("a case assignment of a bad person id".into()))?,
        office,
        assignee: assignee
            .map(|a| Username::parse(&a))
            .transpose()
            .map_err(|_| corrupt("a case assigned to a bad account name".into()))?,
        assigned_at: Timestamp::from_micros(assigned_at),
        assigned_by,
    })
}
