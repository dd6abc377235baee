//! The rows of `documents` (migration 18), the same for both backends: a document's file and
//! the name it came with, each sealed with the encryption keys and bound to the document's id
//! (so a file cannot be moved to another row or passed off as a name), and its record in the
//! clear; a row that does not read back is corruption.

use iku_domain::access::Username;
use iku_domain::calendar::Timestamp;
use iku_domain::documents::{DocumentInfo, DocumentKind, MediaType};
use iku_domain::ids::PersonId;
use iku_domain::personal::Personal;

use crate::StoreError;
use crate::crypto::{Keyring, Sealed};

/// A document to store: its record, and the name and file to seal.
pub struct NewDocument<'a> {
    pub info: &'a DocumentInfo,
    pub name: &'a Personal,
    pub content: &'a [u8],
}

/// How many documents a batch of key rotation re-seals at most: each is opened whole in
/// memory (up to 20 MB), whatever the batch's size.
pub(crate) const RESEALED_AT_ONCE: usize = 4;

/// The key id of a document erased by the retention purge.
pub(crate) const ERASED: &str = "erased";

fn name_aad(id: &str) -> Vec<u8> {
    format!("iku/documents/name/{id}").into_bytes()
}

fn content_aad(id: &str) -> Vec<u8> {
    format!("iku/documents/content/{id}").into_bytes()
}

/// The sealed columns: key_id, name_nonce, name, nonce, content.
pub(crate) struct SealedDocument {
    pub key_id: String,
    pub name_nonce: Vec<u8>,
    pub name: Vec<u8>,
    pub nonce: Vec<u8>,
    pub content: Vec<u8>,
}

pub(crate) fn seal(
    keys: &Keyring,
    id: &str,
    name: &[u8],
    content: &[u8],
) -> Result<SealedDocument, StoreError> {
    let name = keys.seal_bytes(&name_aad(id), name)?;
    let content = keys.seal_bytes(&content_aad(id), content)?;
    Ok(SealedDocument {
        key_id: content.key_id,
        name_nonce: name.nonce,
        name: name.ciphertext,
        nonce: content.nonce,
        content: content.ciphertext,
    })
}

/// The name and the file, opened (both empty if the document was erased).
pub(crate) fn open(
    keys: &Keyring,
    id: &str,
    sealed: SealedDocument,
) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
    if sealed.key_id == ERASED {
        return Ok((Vec::new(), Vec::new()));
    }
    let SealedDocument {
        key_id,
        name_nonce,
        name,
        nonce,
        content,
    } = sealed;
    let content = keys.open_named(
        &content_aad(id),
        &Sealed {
            key_id: key_id.clone(),
            nonce,
            ciphertext: content,
        },
        &format!("document {id}"),
    )?;
    let name = open_name(
        keys,
        id,
        SealedDocument {
            key_id,
            name_nonce,
            name,
            nonce: Vec::new(),
            content: Vec::new(),
        },
    )?;
    Ok((name, content))
}

/// Opens and seals again under the active key.
pub(crate) fn reseal(
    keys: &Keyring,
    id: &str,
    sealed: SealedDocument,
) -> Result<SealedDocument, StoreError> {
    let (name, content) = open(keys, id, sealed)?;
    seal(keys, id, &name, &content)
}

/// A stored record: id, person, kind, media, size, added_by, added_at, key_id.
pub(crate) struct Row {
    pub id: String,
    pub person: String,
    pub kind: String,
    pub media: String,
    pub size: i64,
    pub added_by: String,
    pub added_at: i64,
    pub key_id: String,
}

/// The columns every read of a record selects, in `Row`'s order.
pub(crate) const RECORD_COLUMNS: &str = "id, person, kind, media, size, added_by, added_at, key_id";

pub(crate) fn info_of(row: Row) -> Result<DocumentInfo, StoreError> {
    let bad = |what: &str| StoreError::Corrupt {
        seq: -1,
        message: format!("document {}: {what}", row.id),
    };
    Ok(DocumentInfo {
        person: PersonId::parse(&row.person).map_err(|_| bad("a bad person id"))?,
        kind: DocumentKind::parse(&row.kind).ok_or_else(|| bad("a kind not known"))?,
        media: MediaType::parse(&row.media).ok_or_else(|| bad("a type not known"))?,
        size: u64::try_from(row.size).map_err(|_| bad("a negative size"))?,
        added_by: Username::parse(&row.added_by)
            .map_err(|_| bad("an author that is no account"))?,
        added_at: Timestamp::from_micros(row.added_at),
        erased: row.key_id == ERASED,
        id: row.id,
    })
}

/// The name a document came with, as the domain keeps it (None if erased).
pub(crate) fn name_of(info: &DocumentInfo, name: Vec<u8>) -> Result<Option<Personal>, StoreError> {
    if info.erased {
        return Ok(None);
    }
    let name = String::from_utf8(name).map_err(|_| StoreError::Corrupt {
        seq: -1,
        message: format!("document {}: a name that is not UTF-8", info.id),
    })?;
    Ok(Some(Personal::new(&name)))
}

/// Opens the name alone (a listing reads no file).
pub(crate) fn open_name(
    keys: &Keyring,
    id: &str,
    sealed: SealedDocument,
) -> Result<Vec<u8>, StoreError> {
    if sealed.key_id == ERASED {
        return Ok(Vec::new());
    }
    Ok(keys.open_named(
        &name_aad(id),
        &Sealed {
            key_id: sealed.key_id,
            nonce: sealed.name_nonce,
            ciphertext: sealed.name,
        },
        &format!("the name of document {id}"),
    )?)
}

/// A whole document from its record and sealed columns.
pub(crate) fn document_of(
    keys: &Keyring,
    record: Row,
    sealed: SealedDocument,
) -> Result<iku_domain::documents::Document, StoreError> {
    let id = record.id.clone();
    let info = info_of(record)?;
    let (name, content) = open(keys, &id, sealed)?;
    let name = name_of(&info, name)?.unwrap_or_else(|| Personal::new(""));
    Ok(iku_domain::documents::Document {
        info,
        name,
        content,
    })
}
