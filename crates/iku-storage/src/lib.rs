//! The register's storage: the `Store` trait and one implementation per backend, chosen from
//! the database URL. Personal fields are sealed (`crypto`) before they reach a backend.
//!
//! Both backends keep the same tables (`migrations/<backend>/`, same version numbers) and
//! pass the same contract tests (`tests/contract.rs`).

pub mod access;
pub mod audit;
mod blind;
pub mod crypto;
pub mod documents;
mod groups;
pub mod import;
mod migrations;
pub mod postgres;
pub mod sqlite;
mod tasks;

use iku_domain::Register;
use iku_domain::grouping::StoredFacts;

pub use crate::crypto::{KeyError, Keyring};
pub use crate::groups::Group;
pub use crate::import::{Checks, ImportError, ImportReport, LineError, NumberedLine, Progress};

/// Why the store failed. Messages name events by id, never a personal value.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL must be sqlite:PATH or postgres://...; got a URL with another scheme")]
    UnknownScheme,
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {}", postgres_message(.0))]
    Postgres(#[from] ::postgres::Error),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("stored event {seq} cannot be read: {message}")]
    Corrupt { seq: i64, message: String },
    #[error("the database has schema version {found}; this iku knows up to {known}")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("{0}")]
    Unsupported(&'static str),
    #[error("account {0} exists already")]
    AccountExists(String),
    #[error("no account {0}")]
    NoAccount(String),
}

/// The server's own message where there is one (the driver's Display says only "db error").
fn postgres_message(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// Which database a store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether `load` opens personal fields.
#[derive(Clone, Copy)]
pub enum Personals<'a> {
    /// Decrypt them with these keys.
    Open(&'a Keyring),
    /// Leave them out (statistics need none).
    Leave,
}

/// A review to freeze.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPublication {
    /// `annual` or `semiannual`.
    pub report: String,
    pub year: i32,
    pub as_recorded_at: iku_domain::Timestamp,
    /// `published` or `internal`.
    pub disclosure: String,
    /// The review's JSON, stored and returned byte for byte.
    pub document: String,
    /// The disclosure report (JSON) of a review in published mode.
    pub disclosure_report: Option<String>,
}

impl NewPublication {
    /// The publication as stored under `id` and `version`.
    pub(crate) fn frozen(
        self,
        id: i64,
        version: i32,
        published_at: iku_domain::Timestamp,
    ) -> Publication {
        Publication {
            id,
            report: self.report,
            year: self.year,
            version,
            as_recorded_at: self.as_recorded_at,
            disclosure: self.disclosure,
            published_at,
            document: self.document,
            disclosure_report: self.disclosure_report,
        }
    }
}

/// A staff account as stored (no TOTP secret here: it is opened only at login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub username: iku_domain::access::Username,
    pub role: iku_domain::access::Role,
    pub office: Option<String>,
    /// argon2id, PHC string format.
    pub password_hash: String,
    pub must_change: bool,
    pub totp_enrolled: bool,
    pub disabled: bool,
    /// Until when failed logins lock it (read only: `Store::login_failed` sets it).
    pub locked_until: Option<iku_domain::Timestamp>,
}

/// An account from its stored columns; a name or role that no longer parses is corruption.
pub(crate) fn account(
    username: String,
    role: &str,
    office: Option<String>,
    password_hash: String,
    must_change: bool,
    totp_enrolled: bool,
    disabled: bool,
) -> Result<Account, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt {
        seq: -1,
        message: format!("account {username}: {what}"),
    };
    Ok(Account {
        username: iku_domain::access::Username::parse(&username)
            .map_err(|_| corrupt("bad name"))?,
        role: iku_domain::access::Role::parse(role).ok_or_else(|| corrupt("unknown role"))?,
        office,
        password_hash,
        must_change,
        totp_enrolled,
        disabled,
        locked_until: None,
    })
}

/// A contact from its stored columns; a name or an address that no longer parses is
/// corruption.
pub(crate) fn contact(
    username: String,
    full_name: String,
    title: String,
    email: Option<String>,
) -> Result<
    (
        iku_domain::access::Username,
        iku_domain::access::StaffContact,
    ),
    StoreError,
> {
    let corrupt = |what: &str| StoreError::Corrupt {
        seq: -1,
        message: format!("the contact of {username}: {what}"),
    };
    let email = match email {
        Some(e) => {
            Some(iku_domain::access::StaffEmail::parse(&e).map_err(|_| corrupt("bad address"))?)
        }
        None => None,
    };
    Ok((
        iku_domain::access::Username::parse(&username).map_err(|_| corrupt("bad name"))?,
        iku_domain::access::StaffContact {
            full_name,
            title,
            email,
        },
    ))
}

/// A frozen review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub id: i64,
    pub report: String,
    pub year: i32,
    /// 1 for the first release of a review, 2 for the next, ...
    pub version: i32,
    pub as_recorded_at: iku_domain::Timestamp,
    pub disclosure: String,
    pub published_at: iku_domain::Timestamp,
    pub document: String,
    pub disclosure_report: Option<String>,
}

/// A publication as a list shows it: everything but its documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationInfo {
    pub id: i64,
    pub report: String,
    pub year: i32,
    pub version: i32,
    pub as_recorded_at: iku_domain::Timestamp,
    pub disclosure: String,
    pub published_at: iku_domain::Timestamp,
    /// It was published with a disclosure report.
    pub has_report: bool,
}

/// The register's storage.
pub trait Store {
    fn backend(&self) -> Backend;

    /// Whether the database this store opened is no longer the one its URL names (a SQLite
    /// file replaced by a restore, or removed): a store kept open for later use must then be
    /// opened again, or it would go on with the old file.
    fn is_stale(&self) -> bool {
        false
    }

    /// Leaves checkpoints to `checkpoint`, called elsewhere: this store's commits no longer
    /// copy the write-ahead log into the database file (SQLite, where the commit that finds
    /// the log long does so, and waits for it). False where there is nothing to leave
    /// (PostgreSQL checkpoints on its own).
    fn defer_checkpoints(&mut self) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// Copies what the write-ahead log holds into the database file, without waiting for
    /// readers or writers (SQLite: a passive checkpoint); true if all of it was copied.
    fn checkpoint(&mut self) -> Result<bool, StoreError> {
        Ok(true)
    }

    /// Whether the store's connection still answers (a pooled PostgreSQL connection the
    /// server closed does not): a pool asks before it hands a store out again.
    fn is_alive(&mut self) -> bool {
        true
    }

    /// The whole register, in seq order.
    fn load(&mut self, personals: Personals<'_>) -> Result<Register, StoreError>;

    /// The statistics' read form of the whole register (`iku_domain::grouping`): far cheaper
    /// to read than `load`, and without personal fields.
    fn load_facts(&mut self) -> Result<StoredFacts, StoreError>;

    /// Imports a batch atomically: everything is written or nothing (see `import`).
    fn import(
        &mut self,
        lines: Vec<NumberedLine>,
        keys: &Keyring,
        progress: &dyn Progress,
    ) -> Result<ImportReport, ImportError> {
        self.write(lines, keys, None, progress)
    }

    /// Imports a batch and appends the audit entries that record it, in one transaction:
    /// both are written or neither (an event is never stored unaudited). Notes of the entries
    /// are sealed with `keys`.
    fn write(
        &mut self,
        lines: Vec<NumberedLine>,
        keys: &Keyring,
        audit: Option<AuditBatch<'_>>,
        progress: &dyn Progress,
    ) -> Result<ImportReport, ImportError>;

    /// What an import's rules are checked over from now on (`Checks::Auto` by default).
    fn set_checks(&mut self, checks: import::Checks);

    /// The events of the group `person` belongs to (`groups`): every event that may bear on
    /// their record, voided ones too, in seq order, without personal fields; none if the
    /// register has no such person. What one case costs to read, whatever the register holds.
    fn group_of(&mut self, person: &iku_domain::ids::PersonId) -> Result<Group, StoreError>;

    /// The events of every group an event stored after seq `after` belongs to, without
    /// personal fields, and the last seq: what a copy of the register held elsewhere reads to
    /// catch up with writes of any process.
    fn groups_since(&mut self, after: u64) -> Result<(u64, Group), StoreError>;

    /// How many events are stored (the last seq: events are numbered 1, 2, 3, ... and never
    /// removed, so this reads one index entry).
    fn count(&mut self) -> Result<u64, StoreError>;

    /// The last event's seq (`count`) and the last case assignment's, in one read: what a
    /// copy of the register held elsewhere asks before each read to know whether anything
    /// was written since.
    fn heads(&mut self) -> Result<(u64, i64), StoreError>;

    /// Freezes a review as the next version of its report and year.
    fn publish(
        &mut self,
        p: NewPublication,
        at: iku_domain::Timestamp,
    ) -> Result<Publication, StoreError>;

    /// Every frozen review, oldest first (documents included).
    fn publications(&mut self) -> Result<Vec<Publication>, StoreError>;

    /// A page of the publications, newest first: at most `limit` before id `before` (from
    /// the newest if None), without their documents.
    fn publications_page(
        &mut self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<PublicationInfo>, StoreError>;

    /// One publication, with its documents.
    fn publication(&mut self, id: i64) -> Result<Option<Publication>, StoreError>;

    /// Stores a document of published aggregates for the years before the register.
    fn load_series_aggregates(
        &mut self,
        document: &str,
        at: iku_domain::Timestamp,
    ) -> Result<(), StoreError>;

    /// The newest document of published aggregates, if any was loaded.
    fn series_aggregates(&mut self) -> Result<Option<String>, StoreError>;

    /// Appends an entry to the audit chain (serialised with other writers, so the chain never
    /// forks); returns its seq.
    fn append_audit(
        &mut self,
        key: &audit::AuditKey,
        entry: audit::NewAuditEntry,
        at: iku_domain::Timestamp,
    ) -> Result<i64, StoreError> {
        let seqs = self.append_audit_batch(key, None, vec![entry], at)?;
        seqs.first().copied().ok_or(StoreError::Corrupt {
            seq: -1,
            message: "an audit entry was appended without a seq".into(),
        })
    }

    /// Appends entries to the audit chain in one transaction (one commit for many readers'
    /// entries: the server's group commit); returns their seqs, in order. Their notes are
    /// sealed with `notes` (an entry with a note and no keys is refused).
    fn append_audit_batch(
        &mut self,
        key: &audit::AuditKey,
        notes: Option<&Keyring>,
        entries: Vec<audit::NewAuditEntry>,
        at: iku_domain::Timestamp,
    ) -> Result<Vec<i64>, StoreError>;

    /// The notes of the entries `seqs`, opened, in the same order: None where an entry has no
    /// note or its note was erased.
    fn audit_notes(
        &mut self,
        keys: &Keyring,
        seqs: &[i64],
    ) -> Result<Vec<Option<iku_domain::personal::Personal>>, StoreError>;

    /// A page of the audit log, newest first: at most `limit` entries before seq `before`
    /// (from the newest if None) that `filter` keeps.
    fn audit_page(
        &mut self,
        before: Option<i64>,
        limit: usize,
        filter: &audit::AuditFilter,
    ) -> Result<Vec<audit::AuditEntry>, StoreError>;

    /// The whole audit chain in seq order, and its head (last seq and hash).
    fn audit_chain(&mut self) -> Result<audit::AuditChain, StoreError>;

    /// The audit entries whose record is one of `records`, in seq order: who recorded an
    /// event is the actor of the `case.write` entry that names it.
    fn audit_entries_for(
        &mut self,
        records: &[String],
    ) -> Result<Vec<audit::AuditEntry>, StoreError>;

    /// Adds an account; an existing name is refused.
    fn add_account(
        &mut self,
        account: &Account,
        at: iku_domain::Timestamp,
    ) -> Result<(), StoreError>;

    /// Every account, by name.
    fn accounts(&mut self) -> Result<Vec<Account>, StoreError>;

    /// One account, if there is one of that name.
    fn account(
        &mut self,
        username: &iku_domain::access::Username,
    ) -> Result<Option<Account>, StoreError>;

    /// Disables (or enables) an account.
    fn set_disabled(
        &mut self,
        username: &iku_domain::access::Username,
        disabled: bool,
    ) -> Result<(), StoreError>;

    /// Stores an account's TOTP secret, sealed (`crypto::totp_aad`), at enrolment.
    fn enroll_totp(
        &mut self,
        username: &iku_domain::access::Username,
        sealed: &crypto::Sealed,
    ) -> Result<(), StoreError>;

    /// An account's sealed TOTP secret and the last step accepted, if enrolled.
    fn totp_secret(
        &mut self,
        username: &iku_domain::access::Username,
    ) -> Result<Option<(crypto::Sealed, Option<i64>)>, StoreError>;

    /// Forgets an account's TOTP secret: a new one is enrolled at the next login.
    fn reset_totp(&mut self, username: &iku_domain::access::Username) -> Result<(), StoreError>;

    /// Sets an account's password hash, and whether it must be changed at the next login.
    fn set_password(
        &mut self,
        username: &iku_domain::access::Username,
        password_hash: &str,
        must_change: bool,
    ) -> Result<(), StoreError>;

    /// Sets an account's role and office (an identity provider's groups changed).
    fn set_role(
        &mut self,
        username: &iku_domain::access::Username,
        role: iku_domain::access::Role,
        office: Option<&str>,
    ) -> Result<(), StoreError>;

    /// An account's failed logins and lock.
    fn login_state(
        &mut self,
        username: &iku_domain::access::Username,
    ) -> Result<access::LoginState, StoreError>;

    /// Counts a failed login at `at`, locking the account as `policy` says (in one
    /// transaction: failures racing each other are all counted).
    fn login_failed(
        &mut self,
        username: &iku_domain::access::Username,
        policy: &iku_domain::access::LockPolicy,
        at: iku_domain::Timestamp,
    ) -> Result<access::LoginState, StoreError>;

    /// Lifts an account's lock and forgets its failures (an admin's action).
    fn unlock(&mut self, username: &iku_domain::access::Username) -> Result<(), StoreError>;

    /// Records a login whose TOTP code was of time step `step`: false (and nothing recorded)
    /// if that step is not after the last one accepted, so that a code is never accepted
    /// twice. On success the failures and locks are forgotten.
    fn login_succeeded(
        &mut self,
        username: &iku_domain::access::Username,
        step: i64,
    ) -> Result<bool, StoreError>;

    fn create_session(&mut self, session: &access::Session) -> Result<(), StoreError>;

    /// The session whose id hashes to `id_hash`, ended or not.
    fn session(&mut self, id_hash: &str) -> Result<Option<access::Session>, StoreError>;

    /// Notes that a session was used at `at` (its idle timeout counts from the last use).
    fn touch_session(&mut self, id_hash: &str, at: iku_domain::Timestamp)
    -> Result<(), StoreError>;

    /// Ends a session (logout); ending one already ended changes nothing.
    fn end_session(&mut self, id_hash: &str, at: iku_domain::Timestamp) -> Result<(), StoreError>;

    /// Assigns a case to an office and, optionally, a caseworker (appended to its history).
    fn assign_case(&mut self, assignment: &access::CaseAssignment) -> Result<(), StoreError>;

    /// Flags a public referral for a person to check, with a reason code.
    fn flag_referral(
        &mut self,
        person: &iku_domain::ids::PersonId,
        reason: &str,
        at: iku_domain::Timestamp,
    ) -> Result<(), StoreError>;

    /// Appends a change to a task (`iku_domain::tasks`).
    fn add_task_change(&mut self, change: &iku_domain::tasks::TaskChange)
    -> Result<(), StoreError>;

    /// Every change of the tasks `owner` has owned at some time, or (None) of every task, in
    /// the order they were made.
    fn task_changes(
        &mut self,
        owner: Option<&iku_domain::access::Username>,
    ) -> Result<Vec<iku_domain::tasks::TaskChange>, StoreError>;

    /// Every change of the task `task`, in the order they were made.
    fn task_changes_of(
        &mut self,
        task: &str,
    ) -> Result<Vec<iku_domain::tasks::TaskChange>, StoreError>;

    /// Records that `a` and `b` are not the same person: a pair of possible duplicates
    /// decided, not to be proposed again. Deciding a pair again changes nothing.
    /// Stores a document, its name and file sealed with `keys`, and appends the audit entries
    /// that record it, in one transaction: both are written or neither.
    fn add_document(
        &mut self,
        document: documents::NewDocument<'_>,
        keys: &Keyring,
        audit: AuditBatch<'_>,
    ) -> Result<(), StoreError>;

    /// The documents of `person`, oldest first, each with the name it came with (opened;
    /// None once erased), without their files.
    fn documents_of(
        &mut self,
        person: &iku_domain::ids::PersonId,
        keys: &Keyring,
    ) -> Result<
        Vec<(
            iku_domain::documents::DocumentInfo,
            Option<iku_domain::personal::Personal>,
        )>,
        StoreError,
    >;

    /// One document with its file, opened (an erased one with neither name nor file); None if
    /// there is no such document.
    fn document(
        &mut self,
        id: &str,
        keys: &Keyring,
    ) -> Result<Option<iku_domain::documents::Document>, StoreError>;

    /// Sets who an account is (full name, title, e-mail address).
    fn set_contact(
        &mut self,
        username: &iku_domain::access::Username,
        contact: &iku_domain::access::StaffContact,
    ) -> Result<(), StoreError>;

    /// Every account's contact that was set, by account name.
    fn contacts(
        &mut self,
    ) -> Result<
        Vec<(
            iku_domain::access::Username,
            iku_domain::access::StaffContact,
        )>,
        StoreError,
    >;

    fn mark_distinct(
        &mut self,
        a: &iku_domain::ids::PersonId,
        b: &iku_domain::ids::PersonId,
        by: &str,
        at: iku_domain::Timestamp,
    ) -> Result<(), StoreError>;

    /// The persons decided not to be `person` (`mark_distinct`).
    fn distinct_from(
        &mut self,
        person: &iku_domain::ids::PersonId,
    ) -> Result<Vec<iku_domain::ids::PersonId>, StoreError>;

    /// Which of `persons` came in by a flagged referral, with the reason code.
    fn referral_flags(
        &mut self,
        persons: &[iku_domain::ids::PersonId],
    ) -> Result<Vec<(iku_domain::ids::PersonId, String)>, StoreError>;

    /// The assignment in force of every case that has one, by person.
    fn case_assignments(&mut self) -> Result<Vec<access::CaseAssignment>, StoreError>;

    /// The assignments made after seq `after`, in the order they were made, and the last
    /// seq: what a copy held elsewhere reads to catch up.
    fn case_assignments_since(
        &mut self,
        after: i64,
    ) -> Result<(i64, Vec<access::CaseAssignment>), StoreError>;

    /// The persons the blind index holds under any of `terms`, with the term (a person once
    /// for each term it has).
    fn blind_lookup(
        &mut self,
        terms: &[crypto::Blind],
    ) -> Result<Vec<(crypto::Blind, iku_domain::ids::PersonId)>, StoreError>;

    /// The key the blind index was last built with, whole; None before it was first built.
    fn blind_index_key(&mut self) -> Result<Option<String>, StoreError>;

    /// Builds the blind index again, whole, under the active key of `keys`, in one
    /// transaction (after a key rotation, or for a database from before the index); returns
    /// how many rows it holds.
    fn rebuild_blind_index(&mut self, keys: &Keyring) -> Result<usize, StoreError>;

    /// The assignment in force of one case, if it has one.
    fn case_assignment(
        &mut self,
        person: &iku_domain::ids::PersonId,
    ) -> Result<Option<access::CaseAssignment>, StoreError>;

    /// The personal fields of these events, opened (an event without any gets none; an
    /// erased one, its erasure mark): one case's record without decrypting the register.
    fn personal_fields(
        &mut self,
        keys: &Keyring,
        events: &[iku_domain::ids::EventId],
    ) -> Result<Vec<iku_domain::personal::PersonalFields>, StoreError>;

    /// The personal fields of events whose seqs the caller read with them (a case's group):
    /// what `personal_fields` gives, one read fewer each where a backend can use the seq.
    /// A seq that is not its event's never opens another's fields: they are sealed to it.
    fn personal_fields_at(
        &mut self,
        keys: &Keyring,
        events: &[(iku_domain::ids::EventId, i64)],
    ) -> Result<Vec<iku_domain::personal::PersonalFields>, StoreError> {
        let ids: Vec<_> = events.iter().map(|(id, _)| id.clone()).collect();
        self.personal_fields(keys, &ids)
    }

    /// Erases the personal fields of these events, and the audit notes of entries about these
    /// persons (the retention purge), and logs the run; the events and entries themselves
    /// stay. Returns how many sealed values were erased. The erased bytes do not stay behind
    /// in the database files (SQLite: secure delete, WAL truncated; PostgreSQL: the tables
    /// rewritten).
    fn erase_personal(
        &mut self,
        events: &[iku_domain::ids::EventId],
        persons: &[iku_domain::ids::PersonId],
        cutoff: time::Date,
        at: iku_domain::Timestamp,
    ) -> Result<usize, StoreError>;

    /// Writes a consistent copy of the whole database to a new file, while others may keep
    /// working (SQLite; PostgreSQL is backed up with pg_dump).
    fn backup_to(&mut self, path: &std::path::Path) -> Result<(), StoreError>;

    /// How many sealed values (personal fields and TOTP secrets) each key id seals (erased
    /// values are sealed by none).
    fn sealed_by_key(&mut self) -> Result<Vec<(String, u64)>, StoreError>;

    /// Re-seals up to `limit` values (personal fields, then TOTP secrets) not sealed by the
    /// active key, in one transaction;
    /// returns how many it re-sealed (0: none is left). Interrupted, it loses nothing: each
    /// batch commits whole or not at all, so running it again resumes.
    fn reseal_batch(&mut self, keys: &Keyring, limit: usize) -> Result<usize, StoreError>;
}

/// Audit entries committed with a write (`Store::write`), chained with `key` at `at`.
pub struct AuditBatch<'a> {
    pub key: &'a audit::AuditKey,
    pub entries: Vec<audit::NewAuditEntry>,
    pub at: iku_domain::Timestamp,
}

/// A note sealed for the entry `seq`; refused without keys.
pub(crate) fn seal_note(
    keys: Option<&Keyring>,
    seq: i64,
    note: &iku_domain::personal::Personal,
) -> Result<crypto::Sealed, StoreError> {
    let keys = keys.ok_or_else(|| StoreError::Corrupt {
        seq,
        message: "an audit note cannot be stored without the encryption keys".into(),
    })?;
    Ok(keys.seal_bytes(&audit::note_aad(seq), note.expose().as_bytes())?)
}

/// An audit note opened; None if it was erased.
pub(crate) fn open_note(
    keys: &Keyring,
    seq: i64,
    sealed: &crypto::Sealed,
) -> Result<Option<iku_domain::personal::Personal>, StoreError> {
    if sealed.key_id == crypto::ERASED {
        return Ok(None);
    }
    let plain = keys.open_named(
        &audit::note_aad(seq),
        sealed,
        &format!("the note of audit entry {seq}"),
    )?;
    let text = String::from_utf8(plain).map_err(|_| StoreError::Corrupt {
        seq,
        message: "an audit note is not UTF-8".into(),
    })?;
    Ok(Some(iku_domain::personal::Personal::new(&text)))
}

/// The audit records about `person`: the person's id, or the id and what was done.
pub(crate) fn records_about(person: &iku_domain::ids::PersonId) -> (String, String, String) {
    // Records are `PERSON` or `PERSON what...`; ids never hold a space or a `!`, the next
    // character after the space, so the range holds exactly those.
    let id = person.as_str();
    (id.to_owned(), format!("{id} "), format!("{id}!"))
}

/// The register from the events a backend read, in seq order. They were checked when they
/// came in, so a failure here means the database was changed behind iku's back.
pub(crate) fn register_of(events: Vec<iku_domain::Event>) -> Result<Register, StoreError> {
    Register::new(events).map_err(|v| StoreError::Corrupt {
        seq: -1,
        message: v.to_string(),
    })
}

/// Facts rows for the events from position `from` on: (seq, owner, facts), and the links.
pub(crate) struct MissingFacts {
    pub rows: Vec<(i64, u32, Vec<u8>)>,
    pub links: Vec<(u32, u32)>,
}

pub(crate) fn missing_facts(register: &Register, from: usize) -> MissingFacts {
    let owners = iku_domain::grouping::owners(register, from);
    let rows = register.events()[from..]
        .iter()
        .zip(owners.owners)
        .enumerate()
        .map(|(i, (e, owner))| ((from + i + 1) as i64, owner, iku_domain::facts::to_bytes(e)))
        .collect();
    MissingFacts {
        rows,
        links: owners.links,
    }
}

/// Facts rows come one per event, seq 1, 2, 3, ... (the events' own numbering).
pub(crate) fn check_facts_seq(seq: i64, expected: i64) -> Result<(), StoreError> {
    if seq == expected {
        Ok(())
    } else {
        Err(StoreError::Corrupt {
            seq: expected,
            message: "the event has no stored facts".into(),
        })
    }
}

/// An owner is a position in the register.
pub(crate) fn owner_of(seq: i64, owner: i64) -> Result<u32, StoreError> {
    u32::try_from(owner).map_err(|_| StoreError::Corrupt {
        seq,
        message: format!("owner {owner} is not a position"),
    })
}

/// Opens (and migrates) the store a URL names: `sqlite:PATH` or `postgres://...`.
pub fn open(url: &str) -> Result<Box<dyn Store + Send>, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        Ok(Box::new(sqlite::SqliteStore::open(std::path::Path::new(
            path,
        ))?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Box::new(postgres::PostgresStore::open(url)?))
    } else {
        Err(StoreError::UnknownScheme)
    }
}
