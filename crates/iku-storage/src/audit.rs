//! The audit chain: every entry (who, what, which record, when, why) is chained to the one
//! before it with a keyed hash, `hash_n = HMAC-SHA256(key, hash_{n-1} || entry_n)`, so a
//! changed, removed or reordered entry breaks the chain from there on, and without the key
//! nobody can forge a consistent one. The chain's head (last seq and hash) is kept apart and
//! checked too, so cutting entries off the end is caught unless the head is rolled back as
//! well; anchor the head outside the database (`iku audit verify` prints it) to catch that.
//! Entries never hold personal values: records are named by id. A free-text reason (the
//! break-the-glass note, which may name anyone) is a `note`: sealed with the encryption keys
//! in `audit_notes`, bound to its entry, outside the chain (so key rotation re-seals it and the
//! retention purge erases it without breaking the chain), while the chain records that the
//! entry has one.

use std::fmt;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use iku_domain::Timestamp;
use iku_domain::personal::Personal;
use sha2::Sha256;

use crate::crypto::{KeyError, hex, random_secret, read_secret_file, unhex, write_secret_file};

type HmacSha256 = Hmac<Sha256>;

/// The key of the audit chain. Separate from the encryption keys, which rotate.
#[derive(Clone)]
pub struct AuditKey([u8; 32]);

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(<secret>)")
    }
}

impl AuditKey {
    pub fn parse(text: &str, origin: &str) -> Result<Self, KeyError> {
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .and_then(|l| unhex(l.trim()))
            .map(Self)
            .ok_or_else(|| KeyError::Malformed {
                origin: origin.to_owned(),
                line: 1,
            })
    }

    pub fn load(path: &Path) -> Result<Self, KeyError> {
        Self::parse(&read_secret_file(path)?, &path.display().to_string())
    }

    /// Writes a new key file readable by its owner only; refuses to overwrite one.
    pub fn create_file(path: &Path) -> Result<(), KeyError> {
        write_secret_file(path, &format!("{}\n", hex(&random_secret()?)))
    }
}

/// What an entry records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// Who: an account, or `cli:USER` for the command line.
    pub actor: String,
    /// What: `import`, `export`, `report.internal`, `read.person`, ...
    pub action: String,
    /// Which record: an id or a description without personal values.
    pub record: String,
    /// Why, as a code without personal values (a failed login's `password`, ...); else
    /// empty.
    pub reason: String,
    /// A reason in a person's own words (break-the-glass), sealed when stored. Never read
    /// back with the chain: `Store::audit_notes` opens it for those allowed to see it.
    pub note: Option<Personal>,
}

impl NewAuditEntry {
    /// An entry with a code for a reason (or none) and no note.
    pub fn new(actor: &str, action: &str, record: &str, reason: &str) -> Self {
        NewAuditEntry {
            actor: actor.to_owned(),
            action: action.to_owned(),
            record: record.to_owned(),
            reason: reason.to_owned(),
            note: None,
        }
    }
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    /// The entry (its note left sealed: always None here).
    pub entry: NewAuditEntry,
    pub hash: Vec<u8>,
    /// Whether a note was given with it (sealed in `audit_notes`).
    pub noted: bool,
}

/// The entry's bytes for the hash: every field length-prefixed, so no two entries share them;
/// an entry with a note says so after them (entries without one hash as they always did).
fn canonical(seq: i64, at: Timestamp, e: &NewAuditEntry, noted: bool) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(72 + e.actor.len() + e.action.len() + e.record.len() + e.reason.len());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&at.micros().to_be_bytes());
    for field in [&e.actor, &e.action, &e.record, &e.reason] {
        out.extend_from_slice(&(field.len() as u64).to_be_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    if noted {
        out.extend_from_slice(b"\x01note");
    }
    out
}

/// The hash of entry `seq` chained to `previous` (empty for the first entry); `noted`: the
/// entry has a note.
pub fn chain_hash(
    key: &AuditKey,
    previous: &[u8],
    seq: i64,
    at: Timestamp,
    e: &NewAuditEntry,
    noted: bool,
) -> Vec<u8> {
    // HMAC takes a key of any length, so this cannot fail.
    let Ok(mut mac) = HmacSha256::new_from_slice(&key.0) else {
        return Vec::new();
    };
    mac.update(previous);
    mac.update(&canonical(seq, at, e, noted));
    mac.finalize().into_bytes().to_vec()
}

/// What a note's ciphertext is bound to: its entry (a note moved to another entry does not
/// open).
pub fn note_aad(seq: i64) -> Vec<u8> {
    format!("iku audit note {seq}").into_bytes()
}

/// Which entries of the audit log a reader asks for (every condition given must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Entries about this case: their record is the person's id, or starts with it.
    pub person: Option<String>,
    /// At or after.
    pub from: Option<Timestamp>,
    /// Before.
    pub until: Option<Timestamp>,
}

/// The chain's head: the last entry's seq and hash.
pub type AuditHead = (i64, Vec<u8>);

/// The whole chain as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditChain {
    pub entries: Vec<AuditEntry>,
    pub head: Option<AuditHead>,
}

/// Why the chain does not verify; names the first bad entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    #[error("audit entry {seq}: missing (the entries jump from {before} to {seq})")]
    Missing { seq: i64, before: i64 },
    #[error(
        "audit entry {seq}: its hash does not match: it, or an entry before it, was changed or moved"
    )]
    Broken { seq: i64 },
    #[error(
        "the audit chain ends at entry {last} but its head says {head}: entries were removed from the end"
    )]
    Truncated { last: i64, head: i64 },
    #[error("the audit chain's head is missing")]
    HeadMissing,
}

/// Checks a whole chain (entries in seq order) against its head.
pub fn verify(
    key: &AuditKey,
    entries: &[AuditEntry],
    head: Option<AuditHead>,
) -> Result<(), AuditError> {
    let mut previous: Vec<u8> = Vec::new();
    let mut expected_seq = 1;
    for e in entries {
        if e.seq != expected_seq {
            return Err(AuditError::Missing {
                seq: expected_seq,
                before: expected_seq - 1,
            });
        }
        let hash = chain_hash(key, &previous, e.seq, e.at, &e.entry, e.noted);
        if hash != e.hash {
            return Err(AuditError::Broken { seq: e.seq });
        }
        previous = hash;
        expected_seq += 1;
    }
    let last = expected_seq - 1;
    match head {
        Some((seq, hash)) if seq != last || (seq > 0 && hash != previous) => {
            if seq > last {
                Err(AuditError::Truncated { last, head: seq })
            } else {
                Err(AuditError::Broken { seq: seq.max(1) })
            }
        }
        None if last > 0 => Err(AuditError::HeadMissing),
        _ => Ok(()),
    }
}
